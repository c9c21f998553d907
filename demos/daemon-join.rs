//! Joining a daemon thread: the main thread waits in `join()`, so the daemon gets to finish
//! and print `Exiting` (PyMOTW `threading_daemon_join`; 001 daemon with `join()`).

use std::time::Duration;

use threadviz::thread::{self, Thread};
use tracing::info;

fn daemon() {
    info!("Starting");
    thread::sleep(Duration::from_secs(2));
    info!("Exiting");
}

fn non_daemon() {
    info!("Starting");
    info!("Exiting");
}

/// Starts a daemon and a non-daemon thread, then joins both.
pub fn main() {
    let d = Thread::builder().name("daemon").daemon(true).build(daemon);
    let t = Thread::builder().name("non-daemon").build(non_daemon);

    d.start();
    t.start();

    // Wait for the daemon to end: it finishes its sleep and prints `Exiting`.
    d.join();
    t.join();
}
