//! An `Event` as a start/stop switch: the worker starts when it is set, works while it stays
//! set, and stops when it is cleared (003 Event, `worker(start)`).

use std::time::Duration;

use threadviz::sync::Event;
use threadviz::thread::{self, Thread};
use tracing::info;

fn worker(start: &Event) {
    if start.wait() {
        info!("Start");
        // `clear()` interrupts nothing: the worker notices only at its next check.
        while start.is_set() {
            info!("Working...");
            thread::sleep(Duration::from_secs(1));
        }
        info!("End");
    }
}

/// Starts the worker, sets the event after 3 s and clears it 3 s later.
pub fn main() {
    let start = Event::named("start");
    let t = Thread::new({
        let start = start.clone();
        move || worker(&start)
    });
    t.start();

    for _ in 0..3 {
        info!(".");
        thread::sleep(Duration::from_secs(1));
    }

    start.set();
    thread::sleep(Duration::from_secs(3));
    start.clear();
}
