//! Daemon threads: the program ends without waiting for the daemon, which is stopped in its
//! sleep and never prints `Exiting` (PyMOTW `threading_daemon`; 001 daemon / `non_daemon`;
//! 003 daemon).

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

/// Starts a daemon that sleeps 2 s and a non-daemon that ends at once, then returns.
pub fn main() {
    // `d.setDaemon(True)`: the program will not wait for this thread.
    let d = Thread::builder().name("daemon").daemon(true).build(daemon);
    let t = Thread::builder().name("non-daemon").build(non_daemon);

    d.start();
    t.start();
    // Shutdown waits for `non-daemon` only; `daemon` is stopped while it still sleeps.
}
