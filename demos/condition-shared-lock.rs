//! Two conditions sharing one `RLock`: two waiting rooms, "an item is on the shelf" and
//! "the shelf has room", guarding the same data with one lock (000 Conditions:
//! `Condition(lock)`).

use std::time::Duration;

use threadviz::sync::{Condition, RLock, Shared};
use threadviz::thread::{self, Thread};
use tracing::info;

const ITEMS: u32 = 3;

fn producer(lock: &RLock, condition_1: &Condition, condition_2: &Condition, shelf: &Shared<Option<u32>>) {
    for item in 1..=ITEMS {
        thread::sleep(Duration::from_millis(500)); // making the item
        let condition_2 = condition_2.hold(); // with condition_2:
        while shelf.load().is_some() {
            info!("Shelf full: waiting on condition_2");
            // Releases the RLock completely while waiting, and takes it back before returning.
            condition_2.wait();
        }
        shelf.store(Some(item));
        info!("Put item {item}");
        // Same RLock: entering condition_1 here only raises the level.
        let condition_1 = condition_1.hold(); // with condition_1:
        info!("Notifying condition_1 at lock level {}", lock.level());
        condition_1.notify(1);
    }
}

fn consumer(lock: &RLock, condition_1: &Condition, condition_2: &Condition, shelf: &Shared<Option<u32>>) {
    for _ in 0..ITEMS {
        {
            let condition_1 = condition_1.hold(); // with condition_1:
            while shelf.load().is_none() {
                info!("Shelf empty: waiting on condition_1");
                condition_1.wait();
            }
            let item = shelf.load().expect("the shelf has an item");
            shelf.store(None);
            info!("Took item {item}");
            let condition_2 = condition_2.hold(); // with condition_2:
            info!("Notifying condition_2 at lock level {}", lock.level());
            condition_2.notify(1);
        }
        thread::sleep(Duration::from_millis(1500)); // using the item, lock released
    }
}

/// A one-item shelf: the producer is faster than the consumer, so each waits in its own room.
pub fn main() {
    let lock = RLock::named("lock");
    let condition_1 = Condition::named_with_lock("condition_1", &lock);
    let condition_2 = Condition::named_with_lock("condition_2", &lock);
    let shelf = Shared::named("shelf", None);

    let consumer = Thread::builder().name("consumer").build({
        let (lock, condition_1, condition_2, shelf) =
            (lock.clone(), condition_1.clone(), condition_2.clone(), shelf.clone());
        move || consumer(&lock, &condition_1, &condition_2, &shelf)
    });
    let producer =
        Thread::builder().name("producer").build(move || producer(&lock, &condition_1, &condition_2, &shelf));
    consumer.start();
    producer.start();
}
