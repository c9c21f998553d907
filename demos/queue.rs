//! A `Queue` feeding ten daemon workers: each takes an item, works 0.2 s and calls
//! `task_done()`; the main thread waits in `join()` until all 100 are done (003 Queued
//! threads).

use std::time::Duration;

use threadviz::sync::Queue;
use threadviz::thread::{self, Thread};
use tracing::info;

fn worker(stream: &Queue<u32>) {
    // A daemon: this loop never ends, the thread is stopped at shutdown.
    loop {
        let item = stream.get();
        info!("{item}");
        thread::sleep(Duration::from_millis(200));
        stream.task_done().expect("every item taken was put");
    }
}

fn process(data: impl IntoIterator<Item = u32>) {
    let stream = Queue::named("stream", 0);

    // Start parallel workers to work on the stream.
    for _ in 0..10 {
        let stream = stream.clone();
        let t = Thread::new(move || worker(&stream));
        t.set_daemon(true);
        t.start();
    }

    for item in data {
        stream.put(item);
    }

    // Wait until every item was taken *and* marked done.
    stream.join();
}

/// Processes the items 0 to 99.
pub fn main() {
    process(0..100);
}
