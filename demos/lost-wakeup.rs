//! A lost wake-up: the consumer waits without first checking whether the item is already
//! there. If the producer notifies before the consumer waits, nobody is waiting to be woken,
//! and the consumer waits forever (builds on 003 Condition and 004's producer/consumer).

use std::time::Duration;

use threadviz::py::repr;
use threadviz::sync::{Condition, Shared};
use threadviz::thread::{self, Thread};
use tracing::info;

fn consumer(condition: &Condition, item: &Shared<Option<u32>>) {
    info!("Starting consumer");
    let condition = condition.hold(); // with condition:
    // The bug: no `while item is None:` before the wait.
    condition.wait();
    info!("Consumed {}", repr(&item.load()));
}

fn producer(condition: &Condition, item: &Shared<Option<u32>>) {
    info!("Starting producer");
    thread::sleep(Duration::from_millis(500)); // making the item
    let condition = condition.hold(); // with condition:
    item.store(Some(42));
    info!("Produced 42, notify()");
    condition.notify(1);
}

/// The consumer starts first, and the producer takes half a second to make its item: the
/// consumer is almost always waiting by then. Almost.
pub fn main() {
    let condition = Condition::named("condition");
    let item = Shared::named("item", None);
    let consumer = Thread::builder().name("consumer").build({
        let (condition, item) = (condition.clone(), item.clone());
        move || consumer(&condition, &item)
    });
    let producer = Thread::builder().name("producer").build(move || producer(&condition, &item));
    consumer.start();
    producer.start();
    consumer.join();
    producer.join();
}
