//! Thread-local data: each thread sees only the value it set itself (PyMOTW
//! `threading_local`; 003 local).

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
    // Show local data for this thread before and after change.
    show_value(data);
    data.set(random::randint(1..=100));
    show_value(data);
}

/// The main thread sets 1000; two workers each start with no value.
pub fn main() {
    let local_data = Local::named("local_data");
    show_value(&local_data);
    local_data.set(1000);
    show_value(&local_data);

    for _ in 0..2 {
        let local_data = local_data.clone();
        let t = Thread::new(move || worker(&local_data));
        t.start();
    }
}
