//! `RLock`: its owner may acquire it again, one level deeper each time; only the owner may
//! release it, and other threads are kept out until the last release (PyMOTW
//! `threading_rlock`; 000 `getAll` / `getPart1` / `getPart2`; 003 RLock tests).

use threadviz::py::repr;
use threadviz::sync::RLock;
use threadviz::thread::Thread;
use tracing::info;

fn get_part1(lock: &RLock) -> &'static str {
    let _with = lock.hold();
    info!("getPart1: level {}", lock.level());
    "first part"
}

fn get_part2(lock: &RLock) -> &'static str {
    let _with = lock.hold();
    info!("getPart2: level {}", lock.level());
    "second part"
}

/// Holds the lock across both reads, so nobody changes the data in between. With a plain
/// `Lock`, `get_part1` would block forever on the lock its own caller holds.
fn get_all(lock: &RLock) -> (&'static str, &'static str) {
    let _with = lock.hold();
    info!("getAll: level {}", lock.level());
    let first = get_part1(lock);
    let second = get_part2(lock);
    (first, second)
}

fn test_01(lock: &RLock) {
    // Python's `try: lock.release()` / `except RuntimeError:`: only the owner may release.
    if lock.release().is_err() {
        info!("RLock can be released only by the owner!");
    }
}

fn test_02(lock: &RLock) {
    // Python's `acquire(blocking=False)`.
    if lock.try_acquire() {
        info!("Locked by me");
    } else {
        info!("Already locked by another thread");
    }
}

/// Runs `f` in a new thread and waits for it.
fn in_new_thread(lock: &RLock, f: fn(&RLock)) {
    let lock = lock.clone();
    let test = Thread::new(move || f(&lock));
    test.start();
    test.join();
}

/// Re-entry (PyMOTW and 000), then the three tests of 003.
pub fn main() {
    // PyMOTW: the same thread acquires twice; with an RLock both succeed.
    let lock = RLock::named("lock");
    lock.acquire();
    info!("First try : {}", repr(&lock.locked()));
    info!("Second try: {}", repr(&lock.try_acquire()));
    lock.release().expect("the owner releases");
    lock.release().expect("the owner releases");

    // 000: the level rises and falls with the calls.
    let (first, second) = get_all(&lock);
    info!("getAll returned {} and {}; level {}", repr(first), repr(second), lock.level());

    info!("@test_01");
    let lock = RLock::named("lock 1");
    lock.acquire();
    in_new_thread(&lock, test_01);

    info!("@test_02");
    let lock = RLock::named("lock 2");
    lock.acquire();
    in_new_thread(&lock, test_02);

    info!("@test_03");
    let lock = RLock::named("lock 3");
    // Lock several times
    lock.acquire();
    lock.acquire();
    lock.acquire();

    // First release (should still be locked)
    lock.release().expect("the owner releases");
    in_new_thread(&lock, test_02);

    // Second release (should still be locked)
    lock.release().expect("the owner releases");
    in_new_thread(&lock, test_02);

    // Third release (should be free)
    lock.release().expect("the owner releases");
    in_new_thread(&lock, test_02);
}
