//! An `RLock` can be acquired again by the thread that holds it, one level deeper, where a
//! plain `Lock` refuses its own holder (PyMOTW `threading_rlock`; the reacquire demo's twin).

use threadviz::py::repr;
use threadviz::sync::RLock;
use tracing::info;

/// Acquires the RLock, then tries again without blocking.
pub fn main() {
    let lock = RLock::named("lock");

    lock.acquire();
    // A blocking acquire returns once the lock is ours: Python's `acquire()` returns True.
    info!("First try : {}", repr(&lock.locked()));
    // Python's `acquire(0)`: the owner asks again and gets it, at level 2.
    info!("Second try: {}", repr(&lock.try_acquire()));
}
