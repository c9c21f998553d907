//! Condition: consumers c1 and c2 wait until producer p makes the resource available
//! and wakes them all with `notify_all` (PyMOTW `threading_condition`; 003 Condition).

use std::time::Duration;

use threadviz::sync::Condition;
use threadviz::thread::{self, Thread};
use tracing::info;

fn consumer(condition: &Condition) {
    info!("Starting consumer thread");
    let _with = condition.hold();
    condition.wait().expect("the consumer holds the lock");
    info!("Resource is available to consumer");
}

fn producer(condition: &Condition) {
    info!("Starting producer thread");
    let _with = condition.hold();
    info!("Making resource available");
    condition.notify_all().expect("the producer holds the lock");
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

    c1.start().expect("c1 starts once");
    thread::sleep(Duration::from_secs(2));
    c2.start().expect("c2 starts once");
    thread::sleep(Duration::from_secs(2));
    p.start().expect("p starts once");
}
