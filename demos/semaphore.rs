//! `Semaphore(2)`: four workers want in, never more than two run at once; `ActivePool`
//! records who is inside (PyMOTW `threading_semaphore`; 001 `activePool`; 003 Semaphore).

use std::time::Duration;

use threadviz::dashboard::catalog::Param;
use threadviz::py::repr;
use threadviz::sync::{Lock, Semaphore, Shared};
use threadviz::thread::{self, Thread};
use tracing::info;

/// Tracks which threads are running. It does not limit anything: the semaphore does that.
#[derive(Clone)]
struct ActivePool {
    active: Shared<Vec<String>>,
    lock: Lock,
}

impl ActivePool {
    fn new() -> Self {
        Self { active: Shared::named("active", Vec::new()), lock: Lock::named("pool lock") }
    }

    fn make_active(&self, name: String) {
        let _with = self.lock.hold();
        let mut active = self.active.load();
        active.push(name);
        info!("Running: {}", repr(&active));
        self.active.store(active);
    }

    fn make_inactive(&self, name: &str) {
        let _with = self.lock.hold();
        let mut active = self.active.load();
        active.retain(|running| running != name);
        info!("Running: {}", repr(&active));
        self.active.store(active);
    }
}

fn worker(s: &Semaphore, pool: &ActivePool) {
    info!("Waiting to join the pool");
    // `with s:`: takes one of the two places, waiting while both are taken.
    let _with = s.hold();
    let name = thread::current_thread().name();
    let keep_books = POOL.get::<u8>() != 0;
    if keep_books {
        pool.make_active(name.clone());
    }
    thread::sleep(Duration::from_millis(100));
    if keep_books {
        pool.make_inactive(&name);
    }
}

/// Four workers, as in the tutorial; `--param workers=3` for fewer.
pub const WORKERS: Param = Param::new("workers", 1..=8, 4, "the workers sharing the semaphore");
/// `--param pool=0` leaves out the bookkeeping, for a smaller program to explore.
pub const POOL: Param = Param::new("pool", 0..=1, 1, "1 keeps the list of running workers, 0 leaves it out");

/// Starts four workers named `0` to `3` on a semaphore with two places.
pub fn main() {
    let pool = ActivePool::new();
    let s = Semaphore::named("s", 2);
    for i in 0..WORKERS.get::<u32>() {
        let (s, pool) = (s.clone(), pool.clone());
        let t = Thread::builder().name(i.to_string()).build(move || worker(&s, &pool));
        t.start();
    }
}
