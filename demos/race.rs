//! A race on a shared counter: `counter = counter + 1` is a load then a store, and a thread
//! switch between the two loses updates (001 access to shared resources, `counter += 1`).

use threadviz::dashboard::catalog::Param;
use threadviz::random;
use threadviz::sync::Shared;
use threadviz::thread::{self, Thread};
use tracing::info;

/// Four threads of five items, as in the tutorial; `--param threads=2 --param items=2` makes
/// a version small enough to explore exhaustively or to play by hand.
pub const THREADS: Param = Param::new("threads", 1..=8, 4, "the threads that count");
pub const ITEMS: Param = Param::new("items", 1..=20, 5, "the items each thread counts");

/// The tutorial's `process_item`: does the work, then counts the item, unsafely.
fn process_item(counter: &Shared<u32>) {
    thread::sleep(random::seconds(0.2, 0.6)); // ... do something with item ...

    // `counter += 1` is three steps: load the value, add one, store it back.
    let value = counter.load();
    // A context switch here lets another thread load the same old value. A short random
    // sleep makes the switch happen every time instead of now and then.
    thread::sleep(random::seconds(0.1, 0.3));
    counter.store(value + 1);
    info!("read {value}, stored {}", value + 1);
}

/// Four threads each count five items on one shared counter, without a lock.
pub fn main() {
    let (threads, items_per_thread): (u32, u32) = (THREADS.get(), ITEMS.get());
    let counter = Shared::named("counter", 0);
    let workers: Vec<Thread> = (0..threads)
        .map(|_| {
            let counter = counter.clone();
            Thread::new(move || {
                for _ in 0..items_per_thread {
                    process_item(&counter);
                }
            })
        })
        .collect();
    for worker in &workers {
        worker.start();
    }
    for worker in &workers {
        worker.join();
    }

    info!("Expected counter: {}", threads * items_per_thread);
    info!("Final counter: {}", counter.load());
    // Without a lock, increments were lost: the final count is lower.
}
