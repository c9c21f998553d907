//! Quick start: two functions run in two threads at the same time; the faster one ends first
//! (000 Quick Start: `thread.start_new_thread(func1, ())`).

use std::time::Duration;

use threadviz::thread;
use tracing::info;

fn func1() {
    for _ in 0..3 {
        info!("Inside func1");
        thread::sleep(Duration::from_secs(2));
    }
}

fn func2() {
    for _ in 0..3 {
        info!("Inside func2");
        thread::sleep(Duration::from_secs(1));
    }
}

/// Starts `func1` and `func2` in two new threads and lets them run side by side.
pub fn main() {
    // `thread::spawn` creates and starts a thread at once, like `thread.start_new_thread`.
    thread::spawn(func1);
    thread::spawn(func2);
    // The main thread is done; the program still waits for both threads.
}
