//! `join` with a timeout: the main thread gives up after 1 s while the daemon still sleeps
//! (PyMOTW `threading_daemon_join_timeout`; 001 `d.join(1)`).

use std::time::Duration;

use threadviz::py::repr;
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

/// Joins the daemon for at most 1 s, then asks whether it is still alive.
pub fn main() {
    let d = Thread::builder().name("daemon").daemon(true).build(daemon);
    let t = Thread::builder().name("non-daemon").build(non_daemon);

    d.start();
    t.start();

    // Wait at most 1 s: the daemon sleeps 2 s, so this returns before it ends.
    d.join_timeout(Duration::from_secs(1));
    // `join` does not say why it returned: ask the thread (`isAlive()` in the tutorial's
    // Python 2, `is_alive()` since).
    info!("d.isAlive() {}", repr(&d.is_alive()));
    t.join();
}
