//! An `RLock` has an owner: another thread may not release it, and is kept out until the
//! owner's last release (003 RLock: `test_01`, `test_02`, `test_03`).

use threadviz::sync::RLock;
use threadviz::thread::Thread;
use tracing::info;

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

/// Runs `f` in a new thread and waits for it: the tutorial's
/// `test = threading.Thread(target=f, args=(lock,))`,
/// `test.start()`, `test.join()`.
fn in_new_thread(lock: &RLock, f: fn(&RLock)) {
    let lock = lock.clone();
    let test = Thread::new(move || f(&lock));
    test.start();
    test.join();
}

/// Three tests, each on a new RLock held by MainThread.
pub fn main() {
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
