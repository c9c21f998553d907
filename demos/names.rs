//! Thread names: two named threads and one with a default `Thread-N` name; every log line
//! carries the name of the thread that wrote it (001 `wait_3` / `wait_2`; PyMOTW
//! `threading_names`, `threading_names_log`).

use std::time::Duration;

use threadviz::thread::{self, Thread};
use tracing::info;

fn worker2s() {
    info!("starting...");
    thread::sleep(Duration::from_secs(2));
    info!("exiting...");
}

fn worker3s() {
    info!("starting...");
    thread::sleep(Duration::from_secs(3));
    info!("exiting...");
}

/// Starts `wait_3`, `wait_2` and an unnamed thread, which gets the name `Thread-1`.
pub fn main() {
    let t1 = Thread::builder().name("wait_3").build(worker3s);
    let t2 = Thread::builder().name("wait_2").build(worker2s);
    // No name given: the thread is called `Thread-1` (only unnamed threads are counted).
    let t3 = Thread::new(worker2s);

    t1.start();
    t2.start();
    t3.start();
}
