//! Joining every thread found by `enumerate()`, skipping the main thread itself
//! (PyMOTW `threading_enumerate`; 001 `enumerate()` example).

use std::time::Duration;

use threadviz::random;
use threadviz::thread::{self, Thread};
use tracing::info;

fn worker() {
    let pause = random::randint(1..=5);
    info!("sleeping {pause}");
    thread::sleep(Duration::from_secs(pause.unsigned_abs()));
    info!("ending");
}

/// Starts three daemon workers and joins them through `enumerate()`, without keeping handles.
pub fn main() {
    for _ in 0..3 {
        let t = Thread::new(worker);
        t.set_daemon(true);
        t.start();
    }

    let main_thread = thread::current_thread();
    for t in thread::enumerate() {
        // Joining itself is refused (Python: "cannot join current thread"): skip the main thread.
        if t == main_thread {
            continue;
        }
        info!("joining {}", t.name());
        t.join();
    }
}
