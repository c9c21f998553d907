//! `Event`: one thread blocks until the event is set, another waits 2 s at a time and does
//! other work in between; the main thread sets it (PyMOTW `threading_event`; 001
//! `waitEvent` / `waitEventTimeout`).

use std::time::Duration;

use threadviz::py::repr;
use threadviz::sync::Event;
use threadviz::thread::{self, Thread};
use tracing::info;

fn wait_for_event(e: &Event) {
    info!("wait_for_event starting");
    let event_is_set = e.wait();
    info!("event set: {}", repr(&event_is_set));
}

fn wait_for_event_timeout(e: &Event, t: Duration) {
    while !e.is_set() {
        info!("wait_for_event_timeout starting");
        // True if the event was set, False if the timeout ran out first.
        let event_is_set = e.wait_timeout(t);
        info!("event set: {}", repr(&event_is_set));
        if event_is_set {
            info!("processing event");
        } else {
            info!("doing other work");
        }
    }
}

/// Starts `block` and `non-block`, waits 3 s, then sets the event.
pub fn main() {
    let e = Event::named("e");
    let t1 = Thread::builder().name("block").build({
        let e = e.clone();
        move || wait_for_event(&e)
    });
    t1.start();

    let t2 = Thread::builder().name("non-block").build({
        let e = e.clone();
        move || wait_for_event_timeout(&e, Duration::from_secs(2))
    });
    t2.start();

    info!("Waiting before calling Event.set()");
    thread::sleep(Duration::from_secs(3));
    e.set();
    info!("Event is set");
}
