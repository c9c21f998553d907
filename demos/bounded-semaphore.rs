//! `BoundedSemaphore(5)` as a connection pool: at most five connections at once, and a
//! release too many is an error instead of a silent sixth place (000 Semaphore; 004
//! `BoundedSemaphore` connection pool).

use std::time::Duration;

use threadviz::sync::BoundedSemaphore;
use threadviz::thread::{self, Thread};
use tracing::info;

const MAX_CONNECTIONS: usize = 5;

fn worker(pool_sema: &BoundedSemaphore) {
    info!("Waiting for a connection");
    // `with pool_sema:` takes a place, or waits while all five are in use.
    let _with = pool_sema.hold();
    info!("Connected");
    thread::sleep(Duration::from_secs(1)); // use the connection
    info!("Closing the connection");
}

/// Seven workers share five connections; then one release too many is refused.
pub fn main() {
    let pool_sema = BoundedSemaphore::named("pool_sema", MAX_CONNECTIONS);
    let workers: Vec<Thread> = (0..7)
        .map(|_| {
            let pool_sema = pool_sema.clone();
            let t = Thread::new(move || worker(&pool_sema));
            t.start();
            t
        })
        .collect();
    for t in &workers {
        t.join();
    }

    // A programming error: one release more than acquires. A plain Semaphore would
    // silently allow six connections from now on; a bounded one refuses.
    info!("Releasing once too often");
    if let Err(error) = pool_sema.release() {
        info!("ValueError: {error}");
    }
    info!("Value is still {}", pool_sema.value());
}
