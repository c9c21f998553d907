//! Deadlock: two threads take the same two locks in opposite order, and each ends up waiting
//! for the lock the other holds (builds on the Lock examples: 000 Locking, 001 access to shared
//! resources).

use std::time::Duration;

use threadviz::dashboard::catalog::Param;
use threadviz::sync::Lock;
use threadviz::thread::{self, Thread};
use tracing::info;

/// How long a thread sleeps holding its first lock; `--param sleep=0` leaves the sleep out,
/// and the deadlock comes only when a thread is switched out between its two locks.
pub const SLEEP: Param = Param::new("sleep", 0..=1000, 500, "milliseconds a thread sleeps holding its first lock");

/// Takes `first`, then `second`, each with `with lock:`, and works with both.
fn transfer(first: &Lock, second: &Lock) {
    info!("acquiring {}", first.name());
    let _first = first.hold();
    info!("holding {}", first.name());
    // The other thread takes its first lock meanwhile: now the deadlock comes every time,
    // instead of once in a while.
    let sleep: u64 = SLEEP.get();
    if sleep > 0 {
        thread::sleep(Duration::from_millis(sleep));
    }
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
