//! Self-deadlock: a function holding a lock calls another that takes the same lock. With an
//! `RLock` the owner just goes one level deeper; with a plain `Lock` the thread waits for a
//! release only it could make (000 Re-Entrant locks, `getAll` / `getPart1`; 001 `acquire()`).

use threadviz::py::repr;
use threadviz::sync::{Lock, RLock};
use tracing::info;

/// Reads the first part under the lock (000's `getPart1`).
fn get_part1_rlock(lock: &RLock) -> &'static str {
    lock.acquire();
    info!("getPart1: RLock level {}", lock.level());
    lock.release().expect("the owner releases");
    info!("getPart1: released, level {}", lock.level());
    "first part"
}

/// Holds the lock across the read so nobody changes the data meanwhile (000's `getAll`).
fn get_all_rlock(lock: &RLock) -> &'static str {
    lock.acquire();
    info!("getAll: RLock level {}", lock.level());
    let first = get_part1_rlock(lock);
    lock.release().expect("the owner releases");
    info!("getAll: released, level {}", lock.level());
    first
}

/// The same `getPart1` with a plain `Lock`.
fn get_part1_lock(lock: &Lock) -> &'static str {
    info!("getPart1: acquiring the Lock again");
    // The caller holds it: this waits for a release that never comes.
    lock.acquire();
    info!("getPart1: never printed");
    lock.release().expect("held");
    "first part"
}

/// The same `getAll` with a plain `Lock`.
fn get_all_lock(lock: &Lock) -> &'static str {
    lock.acquire();
    info!("getAll: Lock acquired");
    let first = get_part1_lock(lock);
    lock.release().expect("held");
    first
}

/// `getAll` calling `getPart1`, first over an RLock (fine), then over a Lock (hangs).
pub fn main() {
    let rlock = RLock::named("rlock");
    let part = get_all_rlock(&rlock);
    info!("with an RLock, getAll returned {}", repr(part));

    let lock = Lock::named("lock");
    let part = get_all_lock(&lock);
    info!("with a Lock, getAll returned {}", repr(part));
}
