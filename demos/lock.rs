//! A `Lock` around the counter: two workers increment it twice each and no update is lost
//! (PyMOTW `threading_lock`, `Counter`; 001 `counter` class).

use std::time::Duration;

use threadviz::dashboard::catalog::Param;
use threadviz::random;
use threadviz::sync::{Lock, Shared};
use threadviz::thread::{self, Thread};
use tracing::info;

/// The tutorial's `Counter` class: a value and the lock that guards it.
#[derive(Clone)]
struct Counter {
    lock: Lock,
    value: Shared<u32>,
}

impl Counter {
    fn new(start: u32) -> Self {
        Self { lock: Lock::named("lock"), value: Shared::named("value", start) }
    }

    fn increment(&self) {
        info!("Waiting for lock");
        self.lock.acquire();
        info!("Acquired lock");
        // Only the lock holder can be between this load and store.
        self.value.store(self.value.load() + 1);
        self.lock.release().expect("this thread holds the lock");
    }
}

/// Two increments per worker; `--param increments=1` for a smaller program to explore.
pub const INCREMENTS: Param = Param::new("increments", 1..=10, 2, "the increments each worker makes");

fn worker(c: &Counter) {
    for _ in 0..INCREMENTS.get::<u32>() {
        let pause = random::random();
        info!("Sleeping {pause:.2}");
        thread::sleep(Duration::from_secs_f64(pause));
        c.increment();
    }
    info!("Done");
}

/// Starts two workers, joins every other thread, and prints the counter.
pub fn main() {
    let counter = Counter::new(0);
    for _ in 0..2 {
        let counter = counter.clone();
        let t = Thread::new(move || worker(&counter));
        t.start();
    }

    info!("Waiting for worker threads");
    let main_thread = thread::current_thread();
    for t in thread::enumerate() {
        if t != main_thread {
            t.join();
        }
    }
    info!("Counter: {}", counter.value.load());
}
