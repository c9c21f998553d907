//! Timer threads: `t1` runs its function after the delay, `t2` is cancelled first and never
//! runs it (PyMOTW `threading_timer`; 003 Timer).

use std::time::Duration;

use threadviz::thread::{self, Timer};
use tracing::info;

fn delayed() {
    info!("worker running");
}

/// Starts two 3 s timers and cancels the second after 2 s.
pub fn main() {
    let t1 = Timer::builder().name("t1").build(Duration::from_secs(3), delayed);
    let t2 = Timer::builder().name("t2").build(Duration::from_secs(3), delayed);

    info!("starting timers");
    t1.start();
    t2.start();

    info!("waiting before canceling {}", t2.name());
    thread::sleep(Duration::from_secs(2));
    info!("canceling {}", t2.name());
    t2.cancel();
    info!("done");
    // `t1` is not a daemon: the program waits for it to fire.
}
