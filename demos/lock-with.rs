//! `with lock:` and explicit `acquire` / `release` do the same thing; in threadviz `hold()`
//! returns a guard that releases the lock at the end of its scope (PyMOTW
//! `threading_lock_with`; 001 try/finally vs `with`).

use threadviz::sync::Lock;
use threadviz::thread::Thread;
use tracing::info;

fn worker_with(lock: &Lock) {
    // `with lock:`: acquired here, released when `_with` goes out of scope, however the
    // block ends.
    let _with = lock.hold();
    info!("Lock acquired via with");
}

fn worker_no_with(lock: &Lock) {
    lock.acquire();
    info!("Lock acquired directly");
    // Python puts this in `finally:`. Here nothing between can fail; if it could, the lock
    // would stay held, which is why `hold()` is the safer form.
    lock.release().expect("this thread holds the lock");
}

/// Starts one worker of each style on the same lock.
pub fn main() {
    let lock = Lock::named("lock");
    let w = Thread::new({
        let lock = lock.clone();
        move || worker_with(&lock)
    });
    let nw = Thread::new(move || worker_no_with(&lock));

    w.start();
    nw.start();
}
