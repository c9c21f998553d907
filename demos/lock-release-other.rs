//! A `Lock` has no owner: another thread may release the main thread's lock, while a
//! non-blocking acquire by another thread fails as long as it is held (003 Lock tests;
//! 000 note: a lock is not owned by the thread that locked it).

use threadviz::py::repr;
use threadviz::sync::Lock;
use threadviz::thread::Thread;
use tracing::info;

fn test_01(lock: &Lock) {
    // This thread never acquired the lock, and may release it all the same.
    lock.release().expect("a held Lock can be released by any thread");
    info!("{}", repr(&lock.locked()));
}

fn test_02(lock: &Lock) {
    // Python's `acquire(0)`: do not wait.
    let result = lock.try_acquire();
    info!("{}", repr(&result));
}

/// Runs the two tests, each in its own new thread, joined by the main thread.
pub fn main() {
    info!("@test_01 : Another thread releases the lock");
    let lock = Lock::named("lock 1");
    lock.acquire();
    // A blocking acquire always succeeds in the end: Python prints its result, True.
    info!("{}", repr(&lock.locked()));

    let test = Thread::new(move || test_01(&lock));
    test.start();
    test.join();

    info!("@test_02 : Another thread tries to acquire the lock");
    let lock = Lock::named("lock 2");
    lock.acquire();
    info!("{}", repr(&lock.locked()));

    let test = Thread::new(move || test_02(&lock));
    test.start();
    test.join();
}
