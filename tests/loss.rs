//! A viewer that falls behind loses primitive events, and counts them, but never a thread or
//! a primitive appearing or ending: the model it feeds has no ghosts. A lossless subscriber
//! loses nothing, however hard the program floods: its threads wait instead.
#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test at the line that broke")]

use std::time::Duration;

use threadviz::dashboard::model::{Model, PrimState, ThreadState};
use threadviz::sync::{Lock, Queue};
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

/// Four threads hammering one lock and a bounded queue, as a program watched at full speed
/// does: each takes the lock, counts, lets go, then puts or gets with a timeout. Returns the
/// count and the items left in the queue.
fn hammer(rounds: u64) -> (u64, usize) {
    let lock = Lock::named("counter lock");
    let queue: Queue<u64> = Queue::named("work", 8);
    let count = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let workers: Vec<_> = (0..4)
        .map(|worker| {
            let (lock, queue, count) = (lock.clone(), queue.clone(), count.clone());
            thread::spawn(move || {
                for round in 0..rounds {
                    lock.acquire();
                    count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    lock.release().expect("held");
                    if worker % 2 == 0 {
                        let _ = queue.put_timeout(round, Duration::from_millis(1));
                    } else {
                        let _ = queue.get_timeout(Duration::from_millis(1));
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join();
    }
    (count.load(std::sync::atomic::Ordering::Relaxed), queue.qsize())
}

#[test]
fn a_lossless_subscription_of_a_flooding_program_has_every_event_and_folds_to_its_end_state() {
    let session = Session::new();
    let events = session.subscribe();
    let (count, left) = session.run(|| hammer(50_000));
    assert_eq!(count, 200_000);
    let all: Vec<TraceEvent> = events.receiver().try_iter().collect();
    assert_eq!(session.lost_events(), 0, "nothing lost at the source (held up {:?})", session.held_up());
    assert_eq!(all.first().map(|event| event.seq), Some(0));
    let gaps = all.windows(2).filter(|pair| pair[1].seq != pair[0].seq + 1).count();
    assert_eq!(gaps, 0, "gap-free sequence numbers");
    let mut model = Model::new();
    for event in &all {
        model.apply(event);
    }
    assert_eq!(model.missed, 0);
    assert!(model.ended);
    // The fold ends where the program did: every thread done, the lock free, the queue
    // holding what the program left in it.
    assert!(model.threads.values().all(|thread| thread.state == ThreadState::Done), "{:?}", model.threads);
    let prim = |name: &str| model.prims.values().find(|prim| prim.name == name).map(|prim| prim.state.clone());
    assert_eq!(prim("counter lock"), Some(PrimState::Lock { holder: None }));
    let Some(PrimState::Queue { qsize, items, untracked, .. }) = prim("work") else { panic!("the queue is known") };
    assert_eq!(qsize, left as u64);
    assert_eq!(items.len() as u64 + untracked, left as u64);
    assert_eq!(untracked, 0, "every item known");
    let acquired = all.iter().filter(|event| matches!(event.kind, threadviz::EventKind::Acquired { .. })).count();
    assert!(acquired >= 200_000, "every acquire of the lock arrived: {acquired}");
}

#[test]
fn a_recording_of_a_flooding_program_loses_nothing_and_its_summary_says_how_long_it_waited() {
    let session = Session::new();
    let recorder = threadviz::record::RecordTo::writer(std::io::sink(), "hammer").attach(&session).unwrap();
    session.run(|| hammer(20_000));
    let summary = recorder.finish().unwrap();
    assert_eq!(summary.lost, 0);
    assert!(summary.ended);
    assert_eq!(summary.held_up, session.held_up());
    // The wording, for a run that waited and one that did not.
    let waited = threadviz::record::RecordSummary { held_up: Duration::from_millis(1_250), ..summary.clone() };
    assert!(
        waited.to_string().ends_with("; the program's threads waited 1.250 s in all for the recorder to keep up"),
        "{waited}"
    );
    let quick = threadviz::record::RecordSummary { held_up: Duration::ZERO, ..summary };
    assert!(!quick.to_string().contains("waited"), "{quick}");
}

/// Folds `truth` (every event) and, beside it, what a lossy viewer got (`seen`, in the same
/// order, each with the number of the event of `truth` it follows), and checks after every
/// event the viewer folds that everything its model vouches for is what the full model says.
/// Returns how many primitive states were vouched for and compared.
fn assert_vouched_states_are_true(truth: &[TraceEvent], seen: &[(usize, TraceEvent)]) -> usize {
    let mut full = Model::new();
    let mut view = Model::new();
    let mut next = 0;
    let mut compared = 0;
    for (at, event) in seen {
        while next <= *at {
            full.apply(&truth[next]);
            next += 1;
        }
        view.apply(event);
        for (pid, prim) in &view.prims {
            if view.prim_known(*pid) {
                let real = &full.prims[pid];
                let mut state = prim.state.clone();
                // A count the model says it does not know is not compared.
                if let (PrimState::Queue { unfinished, .. }, PrimState::Queue { unfinished: real, .. }) =
                    (&mut state, &real.state)
                    && prim.unfinished_unsure
                {
                    *unfinished = *real;
                }
                assert_eq!(state, real.state, "{} after event {}", prim.name, event.seq);
                for waiter in prim.waiters.iter().filter(|&&waiter| view.thread_known(waiter)) {
                    assert!(real.waiters.contains(waiter), "thread {waiter} listed waiting on {}", prim.name);
                }
                compared += 1;
            }
        }
        for (tid, thread) in &view.threads {
            if view.thread_known(*tid) {
                assert_eq!(thread.state, full.threads[tid].state, "{} after event {}", thread.name, event.seq);
            }
            if view.holds_known(*tid) {
                let mut holds = thread.holds.clone();
                let mut real = full.threads[tid].holds.clone();
                holds.sort_unstable();
                real.sort_unstable();
                assert_eq!(holds, real, "what {} holds after event {}", thread.name, event.seq);
            }
        }
    }
    compared
}

#[test]
fn a_lossy_viewer_that_fell_behind_never_shows_a_state_its_events_contradict() {
    let session = Session::new();
    let everything = session.subscribe();
    let (viewer, dropped) = session.subscribe_lossy(64).into_parts();
    // A viewer slower than the program: it reads a little, then sleeps.
    let reader = std::thread::spawn(move || {
        let mut seen = Vec::new();
        loop {
            match viewer.recv_timeout(Duration::from_secs(30)) {
                Ok(event) => seen.push(event),
                Err(_) => return seen,
            }
            // At most 20,000 events a second: the program emits some 400,000, far faster.
            if seen.len() % 20 == 0 {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    });
    session.run(|| hammer(20_000));
    let seen = reader.join().unwrap();
    let truth: Vec<TraceEvent> = everything.receiver().try_iter().collect();
    assert!(dropped.load(std::sync::atomic::Ordering::Relaxed) > 0, "the viewer fell behind");
    let index: std::collections::HashMap<u64, usize> =
        truth.iter().enumerate().map(|(index, event)| (event.seq, index)).collect();
    let seen: Vec<(usize, TraceEvent)> = seen.into_iter().map(|event| (index[&event.seq], event)).collect();
    let compared = assert_vouched_states_are_true(&truth, &seen);
    assert!(compared > 0, "states were settled again after losses and compared");
}

#[test]
fn events_lost_at_their_source_make_the_view_unsure_until_events_settle_it() {
    let session = Session::new();
    let everything = session.subscribe();
    session.run(|| hammer(5_000));
    let truth: Vec<TraceEvent> = everything.receiver().try_iter().collect();
    // What a viewer gets when threads drop bursts of their events at the source: no gap in the
    // numbers (they were never numbered); the dropping thread marks where its loss began and,
    // with its next event that gets through, how many more it lost.
    let mut rng = fastrand::Rng::with_seed(13);
    let mut seen: Vec<(usize, TraceEvent)> = Vec::new();
    let lost = |seen: &mut Vec<(usize, TraceEvent)>, at: usize, event: &TraceEvent, events: u64| {
        let kind = threadviz::EventKind::Lost { events };
        seen.push((at, TraceEvent { seq: 0, time_us: event.time_us, thread: event.thread, loc: None, kind }));
    };
    let mut burst: Option<(threadviz::event::Tid, u64)> = None;
    let mut kept = Vec::new();
    for (at, event) in truth.iter().enumerate() {
        match burst {
            Some((thread, dropped)) if thread == event.thread && !event.kind.is_lifecycle() => {
                if rng.u32(..20) == 0 {
                    if dropped > 1 {
                        lost(&mut seen, at, event, dropped - 1);
                    }
                    burst = None;
                    kept.push((at, event.clone()));
                } else {
                    if dropped == 0 {
                        lost(&mut seen, at, event, 1);
                    }
                    burst = Some((thread, dropped + 1));
                }
            }
            None if !event.kind.is_lifecycle() && rng.u32(..200) == 0 => {
                lost(&mut seen, at, event, 1);
                burst = Some((event.thread, 1));
            }
            _ => kept.push((at, event.clone())),
        }
        seen.append(&mut kept);
    }
    // Numbered as they reach the collector: without gaps.
    for (seq, (_, event)) in (0..).zip(&mut seen) {
        event.seq = seq;
    }
    let compared = assert_vouched_states_are_true(&truth, &seen);
    assert!(compared > 0);
    let mut view = Model::new();
    for (_, event) in &seen {
        view.apply(event);
    }
    assert!(view.lost_at_source > 0 && view.lost() == view.lost_at_source, "counted, with no gap");
    // Every thread ended, which settles it: the table vouches for all of them again.
    assert!(view.threads.keys().all(|&tid| view.thread_known(tid)), "{:?}", view.threads);
}
