//! Deadlock: two threads take the same two locks in opposite order, and each ends up waiting
//! for the lock the other holds (builds on the Lock examples: 000 Locking, 001 access to shared
//! resources).

use std::time::Duration;

use threadviz::sync::Lock;
use threadviz::thread::{self, Thread};
use tracing::info;

/// Takes `first`, then `second`, each with `with lock:`, and works with both.
fn transfer(first: &Lock, second: &Lock) {
    info!("acquiring {}", first.name());
    let _first = first.hold();
    info!("holding {}", first.name());
    // The other thread takes its first lock meanwhile: now the deadlock comes every time,
    // instead of once in a while.
    thread::sleep(Duration::from_millis(500));
    info!("acquiring {}", second.name());
    let _second = second.hold();
    info!("holding both: working");
}

/// `Thread-1` takes lock-a then lock-b; `Thread-2` takes lock-b then lock-a.
pub fn main() {
    let lock_a = Lock::named("lock-a");
    let lock_b = Lock::named("lock-b");
    let t1 = {
        let (a, b) = (lock_a.clone(), lock_b.clone());
        Thread::new(move || transfer(&a, &b))
    };
    let t2 = Thread::new(move || transfer(&lock_b, &lock_a));
    t1.start();
    t2.start();

    info!("waiting for both threads");
    t1.join();
    t2.join();
    // Never reached: each thread waits forever for the lock the other one holds.
    info!("both threads done");
}
