//! Trying a lock without waiting: `Worker` uses `try_acquire` (Python's `acquire(False)`) and
//! counts how many tries it needs to get the lock three times while `LockHolder` keeps
//! taking and dropping it (PyMOTW `threading_lock_noblock`; 001 `acquire(False)`).

use std::time::Duration;

use threadviz::sync::Lock;
use threadviz::thread::{self, Thread};
use tracing::info;

fn lock_holder(lock: &Lock) {
    info!("Starting");
    // A daemon: this loop never ends, the thread is stopped at shutdown.
    loop {
        lock.acquire();
        info!("Holding");
        thread::sleep(Duration::from_millis(500));
        info!("Not holding");
        lock.release().expect("this thread holds the lock");
        thread::sleep(Duration::from_millis(500));
    }
}

fn worker(lock: &Lock) {
    info!("Starting");
    let mut num_tries = 0;
    let mut num_acquires = 0;
    while num_acquires < 3 {
        thread::sleep(Duration::from_millis(500));
        info!("Trying to acquire");
        // Never blocks: true if the lock was free and is now ours, false at once otherwise.
        let have_it = lock.try_acquire();
        num_tries += 1;
        if have_it {
            info!("Iteration {num_tries}: Acquired");
            num_acquires += 1;
            // Release only a lock we really got.
            lock.release().expect("this thread holds the lock");
        } else {
            info!("Iteration {num_tries}: Not acquired");
        }
    }
    info!("Done after {num_tries} iterations");
}

/// Starts the daemon `LockHolder` and the `Worker`.
pub fn main() {
    let lock = Lock::named("lock");

    let holder = Thread::builder().name("LockHolder").daemon(true).build({
        let lock = lock.clone();
        move || lock_holder(&lock)
    });
    holder.start();

    // Start Worker a quarter second later, so that its tries fall in the middle of
    // LockHolder's half-second phases, not on their edges, where who goes first is luck.
    thread::sleep(Duration::from_millis(250));
    let worker = Thread::builder().name("Worker").build(move || worker(&lock));
    worker.start();
}
