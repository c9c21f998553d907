//! A plain `Lock` cannot be acquired twice, not even by the thread that holds it
//! (PyMOTW `threading_lock_reacquire`; 000 Re-Entrant locks).

use threadviz::py::repr;
use threadviz::sync::Lock;
use tracing::info;

/// Acquires a lock, then tries again without blocking.
pub fn main() {
    let lock = Lock::named("lock");

    lock.acquire();
    // A blocking acquire returns once the lock is ours: Python's `acquire()` returns True.
    info!("First try : {}", repr(&lock.locked()));
    // Python's `acquire(0)`: held is held, even by this very thread, so this fails at once.
    info!("Second try: {}", repr(&lock.try_acquire()));
}
