//! Starting threads with an argument: five workers, each prints its own number
//! (PyMOTW `threading_simpleargs`; 001 `worker(num)`).

use threadviz::thread::Thread;
use tracing::info;

/// The thread worker function.
fn worker(num: u32) {
    info!("Worker: {num}");
}

/// Starts five threads, each running `worker(i)`.
pub fn main() {
    for i in 0..5 {
        // Python: `threading.Thread(target=worker, args=(i,))`. The closure takes its own
        // copy of `i`, so each thread gets its own number.
        let t = Thread::new(move || worker(i));
        t.start();
    }
}
