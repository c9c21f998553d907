//! A lock made by hand from a flag, as beginners write it: wait while the flag is up, then
//! raise it. Looking at the flag and raising it are two steps, so two threads can both find it
//! down and both go in (builds on 001's unsafe counter; the Deadlock Empire's first levels).

use std::time::Duration;

use threadviz::sync::Shared;
use threadviz::thread::{self, Thread};
use tracing::info;

/// `while flag: pass` then `flag = True`: the hand-made lock around the critical section.
fn worker(flag: &Shared<bool>) {
    // Wait while another thread is inside.
    while flag.load() {
        thread::sleep(Duration::from_millis(10));
    }
    // A switch here lets the other thread find the flag still down, too.
    flag.store(true);
    info!("in the critical section");
    thread::sleep(Duration::from_millis(100)); // the work only one thread may do at a time
    info!("leaving the critical section");
    flag.store(false);
}

/// Two threads share one flag as their lock.
pub fn main() {
    let flag = Shared::named("flag", false);
    let workers: Vec<Thread> = (0..2)
        .map(|_| {
            let flag = flag.clone();
            Thread::new(move || worker(&flag))
        })
        .collect();
    for worker in &workers {
        worker.start();
    }
    for worker in &workers {
        worker.join();
    }
}
