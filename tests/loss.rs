//! A viewer that falls behind loses primitive events, and counts them, but never a thread or
//! a primitive appearing or ending: the model it feeds has no ghosts.

use threadviz::sync::Lock;
use threadviz::{Session, TraceEvent, thread};

#[test]
fn a_full_lossy_viewer_still_gets_every_lifecycle_event() {
    let session = Session::new();
    let viewer = session.subscribe_lossy(4);
    let everything = session.subscribe();
    session.run(|| {
        let lock = Lock::new();
        for _ in 0..200 {
            let _held = lock.hold();
        }
        let workers: Vec<_> = (0..5)
            .map(|_| {
                let lock = lock.clone();
                thread::spawn(move || drop(lock.hold()))
            })
            .collect();
        for worker in workers {
            worker.join();
        }
    });
    let seen: Vec<TraceEvent> = viewer.receiver().try_iter().collect();
    let all: Vec<TraceEvent> = everything.receiver().try_iter().collect();
    let lifecycle = |events: &[TraceEvent]| {
        events.iter().filter(|event| event.kind.is_lifecycle()).map(|event| event.seq).collect::<Vec<_>>()
    };
    assert!(viewer.dropped() > 0, "the viewer read nothing while the program ran: it fell behind");
    assert_eq!(lifecycle(&seen), lifecycle(&all), "every thread and primitive appearing or ending arrives");
    assert_eq!(seen.len() as u64 + viewer.dropped(), all.len() as u64, "every other event is delivered or counted");
}
