//! Condition: consumers c1 and c2 wait until producer p makes the resource available
//! and wakes them all with `notify_all` (PyMOTW `threading_condition`; 003 Condition).

use std::time::Duration;

use threadviz::sync::Condition;
use threadviz::thread::{self, Thread};
use tracing::info;

fn consumer(condition: &Condition) {
    info!("Starting consumer thread");
    let condition = condition.hold(); // with condition:
    condition.wait();
    info!("Resource is available to consumer");
}

fn producer(condition: &Condition) {
    info!("Starting producer thread");
    let condition = condition.hold(); // with condition:
    info!("Making resource available");
    condition.notify_all();
}

/// Starts c1, c2, then p two seconds apart.
pub fn main() {
    let condition = Condition::named("condition");
    let c1 = Thread::builder().name("c1").build({
        let condition = condition.clone();
        move || consumer(&condition)
    });
    let c2 = Thread::builder().name("c2").build({
        let condition = condition.clone();
        move || consumer(&condition)
    });
    let p = Thread::builder().name("p").build(move || producer(&condition));

    c1.start();
    thread::sleep(Duration::from_secs(2));
    c2.start();
    thread::sleep(Duration::from_secs(2));
    p.start();
}
