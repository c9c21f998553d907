//! Thread-local data with a default: every thread starts from the same value, then changes
//! only its own (PyMOTW `threading_local_defaults`, `MyLocal`).

use threadviz::random;
use threadviz::sync::Local;
use threadviz::thread::Thread;
use tracing::info;

fn show_value(data: &Local<i64>) {
    match data.get() {
        None => info!("No value yet"),
        Some(val) => info!("value={val}"),
    }
}

fn worker(data: &Local<i64>) {
    show_value(data);
    data.set(random::randint(1..=100));
    show_value(data);
}

/// Every thread, the main one included, starts from 1000.
pub fn main() {
    // Python's `MyLocal(1000)`: `__init__` runs once in each thread, on its first use.
    let local_data = Local::named_with_default("local_data", || {
        info!("Initializing local_data");
        1000
    });
    show_value(&local_data);

    for _ in 0..2 {
        let local_data = local_data.clone();
        let t = Thread::new(move || worker(&local_data));
        t.start();
    }
}
