//! Producers and consumers on a bounded list under one `Condition`: producers wait while it
//! is full, consumers while it is empty (004 Condition example, `Producer` / `Consumer`;
//! 000 Conditions).

use threadviz::random;
use threadviz::sync::{Condition, Shared};
use threadviz::thread::{self, Thread};
use tracing::info;

/// Room in the list (004 allows 100 items; a small list makes producers wait too).
const CAPACITY: usize = 2;
/// 004 loops forever; here each producer makes two items and each consumer takes three,
/// so every item made is taken and the program ends.
const ITEMS_PER_PRODUCER: usize = 2;
const ITEMS_PER_CONSUMER: usize = 3;

fn producer(con: &Condition, queue: &Shared<Vec<i64>>) {
    let mut made = 0;
    while made < ITEMS_PER_PRODUCER {
        let con = con.hold(); // con.acquire()
        if queue.load().len() >= CAPACITY {
            // Full: release the lock and sleep until a consumer makes room.
            con.wait();
        } else {
            let elem = random::randint(0..=99);
            let mut items = queue.load();
            items.push(elem);
            queue.store(items);
            info!("Producer a elem {elem}, Now size is {}", queue.load().len());
            thread::sleep(random::seconds(0.0, 1.0));
            // 004 calls notify(): wake one waiter. With one condition for both "not full"
            // and "not empty", that one could be a thread of the same kind, and every
            // thread could end up waiting; notify_all() wakes them all to check again.
            con.notify_all();
            made += 1;
        }
        con.release();
    }
}

fn consumer(con: &Condition, queue: &Shared<Vec<i64>>) {
    let mut taken = 0;
    while taken < ITEMS_PER_CONSUMER {
        let con = con.hold(); // con.acquire()
        // 004 tests `len(queue) < 0`, which is never true: a consumer would pop from an
        // empty list and die holding the lock. The corrected test:
        if queue.load().is_empty() {
            con.wait();
        } else {
            let mut items = queue.load();
            let elem = items.pop().expect("the list is not empty");
            queue.store(items);
            info!("Consumer a elem {elem}. Now size is {}", queue.load().len());
            thread::sleep(random::seconds(0.0, 1.0));
            con.notify_all();
            taken += 1;
        }
        con.release();
    }
}

/// Starts three producers, then two consumers.
pub fn main() {
    let con = Condition::named("con");
    let queue = Shared::named("queue", Vec::new());

    for _ in 0..3 {
        let (con, queue) = (con.clone(), queue.clone());
        Thread::new(move || producer(&con, &queue)).start();
    }
    for _ in 0..2 {
        let (con, queue) = (con.clone(), queue.clone());
        Thread::new(move || consumer(&con, &queue)).start();
    }
}
