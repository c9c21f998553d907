//! The session controls: starting paused, pause and resume with demo time frozen, single
//! steps, steps that advance demo time to the earliest sleeper, speed, and isolation between
//! sessions running in parallel.
#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test at the line that broke")]
#![allow(clippy::doc_markdown, reason = "the docs name Python's threads, calls and outputs in prose")]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{DEADLINE, GRACE, WAIT, Watch, assert_timeout, recv, recv_n, timed, wait_until, with_deadline};
use crossbeam_channel::Receiver;
use threadviz::dashboard::session::{SPEED_RANGE, clamp_speed};
use threadviz::event::{Control, EventKind, SourceLoc, Tid, TraceEvent};
use threadviz::sync::{Event, Lock, Shared};
use threadviz::thread::{self, Thread};
use threadviz::{PauseState, Session, Step, StepRefused};

const MAIN: Tid = 1;

/// A session running on a helper OS thread, resumed if the test fails midway so that nothing
/// is left stuck at the gate.
struct Background<R> {
    session: Session,
    result: Receiver<std::thread::Result<R>>,
}

impl<R: Send + 'static> Background<R> {
    fn start(session: &Session, main: impl FnOnce() -> R + Send + 'static) -> Self {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let runner = session.clone();
        std::thread::Builder::new()
            .name("background session".into())
            .spawn(move || {
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runner.run(main)));
                let _ = tx.send(result);
            })
            .unwrap();
        Self { session: session.clone(), result: rx }
    }

    fn join(self) -> R {
        match self.result.recv_timeout(DEADLINE) {
            Ok(Ok(value)) => value,
            Ok(Err(payload)) => std::panic::resume_unwind(payload),
            Err(error) => panic!("the session did not end within {DEADLINE:?} ({error})"),
        }
    }
}

impl<R> Drop for Background<R> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.session.resume();
        }
    }
}

fn stores(events: &[TraceEvent]) -> Vec<(Tid, String)> {
    events
        .iter()
        .filter_map(|event| match &event.kind {
            EventKind::Store { value, .. } => Some((event.thread, value.clone())),
            _ => None,
        })
        .collect()
}

fn sleep_ends(events: &[TraceEvent]) -> Vec<Tid> {
    events.iter().filter(|event| event.kind == EventKind::SleepEnd).map(|event| event.thread).collect()
}

#[test]
fn a_session_built_paused_stops_the_main_thread_before_its_first_operation() {
    with_deadline("paused session", || {
        let session = Session::builder().paused(true).build();
        let mut watch = Watch::new(session.subscribe());
        let (reached_tx, reached_rx) = crossbeam_channel::bounded(1);
        let after = Arc::new(AtomicBool::new(false));
        let background = {
            let after = after.clone();
            Background::start(&session, move || {
                reached_tx.send(()).unwrap();
                let counter = Shared::named("counter", 0);
                counter.store(1);
                after.store(true, Ordering::SeqCst);
            })
        };
        recv(&reached_rx, "the main function starts");
        assert_eq!(session.pause_state(), PauseState::Paused);
        assert!(session.wait_ready(1, WAIT), "the main thread reaches the gate");
        assert_eq!(session.ready_threads(), [MAIN]);
        std::thread::sleep(GRACE);
        assert!(!after.load(Ordering::SeqCst), "the main thread went past its first operation while paused");
        assert!(stores(watch.events()).is_empty());
        assert_eq!(session.now(), Duration::ZERO, "demo time has not started");
        session.resume();
        background.join();
        assert!(after.load(Ordering::SeqCst));
        assert_eq!(stores(&watch.finish()), [(MAIN, "1".to_owned())]);
    });
}

#[test]
fn a_thread_held_at_the_gate_is_reported_at_the_line_of_the_operation_it_stopped_before() {
    with_deadline("gate places", || {
        let session = Session::builder().paused(true).build();
        let (lines_tx, lines_rx) = crossbeam_channel::unbounded();
        let background = Background::start(&session, move || {
            let counter = Shared::named("counter", 0);
            lines_tx.send(line!() + 1).unwrap();
            counter.store(1);
            lines_tx.send(line!() + 1).unwrap();
            tracing::info!("stored");
            let lock = Lock::new();
            let worker = {
                let lines_tx = lines_tx.clone();
                thread::spawn(move || {
                    lines_tx.send(line!() + 1).unwrap();
                    let _held = lock.hold();
                })
            };
            worker.join();
        });
        let here = |line: u32| Some(SourceLoc { file: file!().into(), line });
        // Each step lets the main thread through one operation: it stops before the next.
        let store = recv(&lines_rx, "the store's line");
        assert!(session.wait_ready(1, WAIT), "the main thread stops at its store");
        assert_eq!(session.ready_places(), [(MAIN, here(store))], "held before the store");
        session.step(Some(MAIN)).unwrap();
        let log = recv(&lines_rx, "the log record's line");
        assert!(session.wait_settled(WAIT) && session.wait_ready(1, WAIT));
        assert_eq!(session.ready_places(), [(MAIN, here(log))], "held before the log record");
        // The log record, then the spawn: the worker starts and stops at its lock.
        session.step(Some(MAIN)).unwrap();
        assert!(session.wait_settled(WAIT));
        session.step(Some(MAIN)).unwrap();
        let acquire = recv(&lines_rx, "the acquire's line");
        let held_worker = || session.ready_places().into_iter().find(|&(tid, _)| tid != MAIN);
        wait_until("the worker reaches the gate", || held_worker().is_some());
        assert_eq!(held_worker().unwrap().1, here(acquire), "the worker is held before its acquire");
        session.resume();
        background.join();
        assert!(session.ready_places().is_empty(), "running, nobody is held");
    });
}

#[test]
fn pause_freezes_demo_time_and_resume_restarts_it() {
    with_deadline("pause", || {
        let session = Session::new();
        let mut watch = Watch::new(session.subscribe());
        wait_until("demo time runs", || session.now() > Duration::ZERO);
        session.pause();
        assert_eq!(session.pause_state(), PauseState::Paused);
        let frozen = session.now();
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(session.now(), frozen, "demo time moved while paused");
        session.pause();
        assert_eq!(session.now(), frozen, "a second pause changes nothing");
        session.resume();
        assert_eq!(session.pause_state(), PauseState::Running);
        wait_until("demo time runs again", || session.now() > frozen);
        let after = session.now();
        assert!(
            after.checked_sub(frozen).unwrap() < Duration::from_millis(200),
            "the paused time does not count: {after:?} after {frozen:?}"
        );
        watch.wait_for("the Resume control", |e| e.kind == EventKind::Control { control: Control::Resume });
        let controls: Vec<Control> = watch
            .events()
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::Control { control } => Some(control),
                _ => None,
            })
            .collect();
        assert_eq!(controls, [Control::Pause, Control::Resume], "one Pause, one Resume");
    });
}

#[test]
fn a_sleeper_does_not_wake_while_paused_and_wakes_after_resume() {
    with_deadline("paused sleeper", || {
        let session = Session::new();
        let mut watch = Watch::new(session.subscribe());
        let (go_tx, go_rx) = crossbeam_channel::bounded::<()>(1);
        let background = Background::start(&session, move || {
            recv(&go_rx, "the go");
            thread::sleep(Duration::from_millis(200));
        });
        session.pause();
        go_tx.send(()).unwrap();
        assert!(session.wait_ready(1, WAIT));
        // Let the main thread start its sleep while demo time stands still.
        assert_eq!(session.step(Some(MAIN)), Ok(Step { thread: MAIN, advanced: false }));
        assert!(session.wait_settled(WAIT));
        watch.wait_for("the sleep begins", |e| {
            e.thread == MAIN && matches!(e.kind, EventKind::SleepBegin { duration_us: 200_000 })
        });
        let frozen = session.now();
        std::thread::sleep(Duration::from_millis(500));
        session.flush();
        assert!(sleep_ends(watch.events()).is_empty(), "a 200 ms sleep ended during a 500 ms pause");
        assert_eq!(session.now(), frozen);
        let resumed = Instant::now();
        session.resume();
        watch.wait_for("the sleep ends", |e| e.thread == MAIN && e.kind == EventKind::SleepEnd);
        let elapsed = resumed.elapsed();
        assert_timeout(elapsed, Duration::from_millis(200));
        background.join();
    });
}

#[test]
fn a_step_lets_exactly_one_operation_of_one_thread_through() {
    with_deadline("steps", || {
        const WORKERS: usize = 3;
        const STORES: usize = 5;
        let session = Session::new();
        let mut watch = Watch::new(session.subscribe());
        let (tids_tx, tids_rx) = crossbeam_channel::bounded(1);
        let (go_tx, go_rx) = crossbeam_channel::unbounded::<()>();
        let (finish_tx, finish_rx) = crossbeam_channel::bounded::<()>(1);
        let background = Background::start(&session, move || {
            let value = Shared::named("value", 0);
            let (done_tx, done_rx) = crossbeam_channel::unbounded();
            let tids: Vec<Tid> = (0..WORKERS)
                .map(|w| {
                    let (value, go_rx, done_tx) = (value.clone(), go_rx.clone(), done_tx.clone());
                    thread::spawn(move || {
                        recv(&go_rx, "the go");
                        for i in 0..STORES {
                            value.store(w * 100 + i);
                        }
                        done_tx.send(()).unwrap();
                    })
                    .tid()
                })
                .collect();
            tids_tx.send(tids).unwrap();
            // Wait without an instrumented call, so the main thread never reaches the gate.
            recv_n(&done_rx, WORKERS, "the workers finish");
            // Keep the session (and its event stream) open until the controller is done.
            recv(&finish_rx, "the controller's go to finish");
        });
        let tids = recv(&tids_rx, "the workers exist");
        assert_eq!(session.step(None), Err(StepRefused::NotPaused));
        session.pause();
        for _ in 0..WORKERS {
            go_tx.send(()).unwrap();
        }
        assert!(session.wait_ready(WORKERS, WAIT), "every worker stops at its first store");
        assert_eq!(session.ready_threads(), tids);
        std::thread::sleep(GRACE);
        assert!(stores(watch.events()).is_empty(), "nobody stores while paused");
        assert_eq!(session.step(Some(999)), Err(StepRefused::NotReady(999)));

        let mut stepped = Vec::new();
        let mut next_value = vec![0; WORKERS];
        // Two explicit steps of the last worker, then round robin.
        let targets = [Some(tids[2]), Some(tids[2])].into_iter().chain(std::iter::repeat(None)).take(WORKERS * STORES);
        for target in targets {
            let mark = watch.mark();
            let step = session.step(target).unwrap_or_else(|refused| panic!("step {}: {refused}", stepped.len()));
            assert!(!step.advanced);
            if let Some(target) = target {
                assert_eq!(step.thread, target, "step(Some(tid)) moves that thread");
            }
            assert!(session.wait_settled(WAIT), "the step did not settle");
            let new = stores(&watch.since(mark));
            assert_eq!(new.len(), 1, "step {} let {} stores through: {new:?}", stepped.len(), new.len());
            assert_eq!(new[0].0, step.thread, "the store came from another thread than the stepped one");
            let w = tids.iter().position(|&tid| tid == step.thread).unwrap();
            assert_eq!(new[0].1, (w * 100 + next_value[w]).to_string(), "worker {w} stores in order");
            next_value[w] += 1;
            stepped.push(step.thread);
        }
        assert_eq!(next_value, [STORES; WORKERS]);
        assert_eq!(&stepped[..2], [tids[2], tids[2]]);
        // Every worker has ended: nothing can move any more.
        wait_until("the workers end", || session.step(None) == Err(StepRefused::NothingToStep));
        let controls = watch
            .events()
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Control { control: Control::Step { .. } }))
            .count();
        assert_eq!(controls, WORKERS * STORES);
        finish_tx.send(()).unwrap();
        session.resume();
        background.join();
    });
}

#[test]
fn with_every_thread_asleep_a_step_advances_demo_time_to_the_earliest_sleeper_only() {
    with_deadline("advance", || {
        let session = Session::new();
        let mut watch = Watch::new(session.subscribe());
        let (tids_tx, tids_rx) = crossbeam_channel::bounded(1);
        let (go_tx, go_rx) = crossbeam_channel::unbounded::<()>();
        let background = Background::start(&session, move || {
            let (done_tx, done_rx) = crossbeam_channel::unbounded();
            let tids: Vec<Tid> = [5, 10]
                .into_iter()
                .map(|seconds| {
                    let (go_rx, done_tx) = (go_rx.clone(), done_tx.clone());
                    thread::spawn(move || {
                        recv(&go_rx, "the go");
                        thread::sleep(Duration::from_secs(seconds));
                        done_tx.send(()).unwrap();
                    })
                    .tid()
                })
                .collect();
            tids_tx.send(tids).unwrap();
            recv_n(&done_rx, 2, "the sleepers finish");
        });
        let tids = recv(&tids_rx, "the sleepers exist");
        let (short, long) = (tids[0], tids[1]);
        session.pause();
        go_tx.send(()).unwrap();
        go_tx.send(()).unwrap();
        assert!(session.wait_ready(2, WAIT));
        for tid in [long, short] {
            assert_eq!(session.step(Some(tid)), Ok(Step { thread: tid, advanced: false }));
            assert!(session.wait_settled(WAIT));
        }
        assert!(session.ready_threads().is_empty(), "both sleep");
        let start = session.now();
        assert_eq!(session.step(Some(long)), Err(StepRefused::NotReady(long)), "the later sleeper cannot go first");

        assert_eq!(session.step(None), Ok(Step { thread: short, advanced: true }));
        assert!(session.wait_settled(WAIT));
        assert_eq!(
            session.now().checked_sub(start).unwrap(),
            Duration::from_secs(5),
            "demo time jumps to the earliest deadline"
        );
        watch.wait_for("the short sleep ends", |e| e.thread == short && e.kind == EventKind::SleepEnd);
        assert_eq!(sleep_ends(watch.events()), [short], "only the earliest sleeper wakes");
        assert!(
            watch.events().iter().any(|e| e.kind == EventKind::Control { control: Control::Advance { thread: short } })
        );

        assert_eq!(session.step(None), Ok(Step { thread: long, advanced: true }));
        assert!(session.wait_settled(WAIT));
        assert_eq!(session.now().checked_sub(start).unwrap(), Duration::from_secs(10));
        watch.wait_for("the long sleep ends", |e| e.thread == long && e.kind == EventKind::SleepEnd);
        wait_until("the sleepers end", || session.step(None) == Err(StepRefused::NothingToStep));
        session.resume();
        background.join();
    });
}

#[test]
fn speed_ten_makes_a_one_second_sleep_take_a_tenth() {
    with_deadline("speed", || {
        let session = Session::new();
        assert!((session.speed() - 1.0).abs() < f64::EPSILON);
        let runner = session.clone();
        let elapsed = runner.run(move || {
            assert!((session.set_speed(10.0) - 10.0).abs() < f64::EPSILON);
            assert!((Session::current().speed() - 10.0).abs() < f64::EPSILON);
            timed(|| thread::sleep(Duration::from_secs(1))).1
        });
        assert!(elapsed < Duration::from_millis(600), "a 1 s demo sleep at speed 10 took {elapsed:?}");
        assert!(elapsed >= Duration::from_millis(60), "{elapsed:?}");

        let fast = Session::builder().speed(10.0).build();
        let elapsed = fast.run(|| timed(|| thread::sleep(Duration::from_secs(1))).1);
        assert!(elapsed < Duration::from_millis(600), "{elapsed:?}");

        let slow = Session::builder().speed(0.5).build();
        let elapsed = slow.run(|| timed(|| thread::sleep(Duration::from_millis(100))).1);
        assert_timeout(elapsed, Duration::from_millis(200));
    });
}

#[test]
fn a_speed_change_applies_to_a_sleep_in_progress() {
    with_deadline("speed change", || {
        let session = Session::new();
        let mut watch = Watch::new(session.subscribe());
        let (elapsed_tx, elapsed_rx) = crossbeam_channel::bounded(1);
        let background = Background::start(&session, move || {
            elapsed_tx.send(timed(|| thread::sleep(Duration::from_secs(5))).1).unwrap();
        });
        watch.wait_for("the sleep begins", |e| matches!(e.kind, EventKind::SleepBegin { .. }));
        session.set_speed(10.0);
        let elapsed = recv(&elapsed_rx, "the sleep ends");
        assert!(elapsed < Duration::from_secs(2), "the sleeper did not pick up the new speed: {elapsed:?}");
        background.join();
    });
}

#[test]
fn speeds_are_clamped_to_the_range() {
    assert_eq!(SPEED_RANGE, (0.1, 10.0));
    let session = Session::new();
    let cases =
        [(100.0, 10.0), (f64::INFINITY, 10.0), (0.0, 0.1), (0.05, 0.1), (-5.0, 0.1), (f64::NAN, 1.0), (2.5, 2.5)];
    for (asked, expected) in cases {
        let set = session.set_speed(asked);
        assert!((set - expected).abs() < 1e-12, "set_speed({asked}) returned {set}");
        assert!((session.speed() - expected).abs() < 1e-12, "speed after set_speed({asked}) is {}", session.speed());
        assert!((clamp_speed(asked) - expected).abs() < 1e-12);
    }
    assert!((Session::builder().speed(50.0).build().speed() - 10.0).abs() < 1e-12);
    assert!((Session::builder().speed(0.0).build().speed() - 0.1).abs() < 1e-12);
}

#[test]
fn wait_ready_and_wait_settled_time_out_when_nothing_happens() {
    let session = Session::new();
    session.pause();
    let (ready, elapsed) = timed(|| session.wait_ready(1, Duration::from_millis(100)));
    assert!(!ready, "nobody runs in this session");
    assert!(elapsed >= Duration::from_millis(60));
    assert!(session.wait_settled(Duration::from_millis(100)), "no step in progress");
    assert_eq!(session.step(None), Err(StepRefused::NothingToStep));
    session.resume();
}

#[test]
fn sessions_in_parallel_do_not_see_each_others_threads() {
    let meet = Arc::new(std::sync::Barrier::new(2));
    let run = |workers: usize, meet: Arc<std::sync::Barrier>| {
        with_deadline("parallel session", move || {
            Session::new().run(move || {
                let release = Event::new();
                let threads: Vec<Thread> = (0..workers)
                    .map(|_| {
                        let release = release.clone();
                        thread::spawn(move || {
                            release.wait();
                        })
                    })
                    .collect();
                // Both sessions are fully populated now.
                meet.wait();
                let seen = (thread::active_count(), thread::enumerate().iter().map(Thread::name).collect::<Vec<_>>());
                let idents: Vec<u64> = thread::enumerate().iter().filter_map(Thread::ident).collect();
                // Neither ends before the other has looked.
                meet.wait();
                release.set();
                for thread in threads {
                    thread.join();
                }
                (seen, idents)
            })
        })
    };
    let other = {
        let meet = meet.clone();
        std::thread::spawn(move || run(3, meet))
    };
    let ((count, names), idents) = run(2, meet);
    let ((other_count, other_names), other_idents) = other.join().unwrap();
    assert_eq!(count, 3);
    assert_eq!(names, ["MainThread", "Thread-1", "Thread-2"]);
    assert_eq!(other_count, 4);
    assert_eq!(other_names, ["MainThread", "Thread-1", "Thread-2", "Thread-3"]);
    assert!(idents.iter().all(|ident| !other_idents.contains(ident)), "the sessions share a thread");
}

#[test]
fn an_operation_stops_at_the_gate_of_the_session_it_belongs_to() {
    let owner = Session::builder().paused(true).build();
    let (lock_tx, lock_rx) = crossbeam_channel::bounded(1);
    let own = Background::start(&owner, move || {
        let lock = Lock::named("owned");
        lock_tx.send(lock.clone()).unwrap();
        lock.acquire();
        lock.release().unwrap();
    });
    let lock = lock_rx.recv_timeout(WAIT).unwrap();
    assert!(owner.wait_ready(1, WAIT), "the owner's main thread stops at its lock");
    // A thread of another paused session uses the lock: the operation is the owner's, whose
    // gate holds only the owner's threads, so it stops at neither gate.
    let other = Session::builder().paused(true).build();
    let took = with_deadline("another session's thread on the owner's lock", move || {
        other.run(move || {
            lock.acquire();
            let locked = lock.locked();
            lock.release().unwrap();
            locked
        })
    });
    assert!(took);
    assert_eq!(owner.ready_threads(), [MAIN], "the owner's thread is still held");
    owner.resume();
    own.join();
}

#[test]
fn a_step_that_ends_main_is_over_once_main_waits_for_the_other_threads() {
    with_deadline("shutdown step", || {
        let session = Session::builder().paused(true).build();
        let background = Background::start(&session, || {
            let worker = thread::spawn(|| thread::sleep(Duration::from_secs(1)));
            drop(worker);
        });
        // Step the main thread until it has returned and waits for its worker at shutdown:
        // after each step it is either back at the gate or waiting.
        assert!(session.wait_ready(1, WAIT), "the main thread reaches the gate");
        let mut steps = 0;
        while session.ready_threads().contains(&MAIN) && steps < 50 {
            assert_eq!(session.step(Some(MAIN)).map(|step| step.thread), Ok(MAIN));
            assert!(session.wait_settled(WAIT), "step {steps} of the main thread ends");
            steps += 1;
        }
        assert_eq!(session.pause_state(), PauseState::Paused, "no step is left hanging");
        let step = session.step(None);
        assert!(step.is_ok(), "the worker can be stepped while main waits for it: {step:?} after {steps} steps");
        assert!(session.wait_settled(WAIT));
        session.resume();
        background.join();
    });
}

#[test]
fn pause_at_stops_the_emitting_thread_before_its_next_operation_once() {
    with_deadline("pause at", || {
        let session = Session::new();
        let mut watch = Watch::new(session.subscribe());
        session.pause_at(|_, kind| matches!(kind, EventKind::Set { .. }));
        let after = Arc::new(AtomicBool::new(false));
        let background = {
            let after = after.clone();
            Background::start(&session, move || {
                let event = Event::named("e");
                event.set();
                // The next operation: the main thread is held here, before the store.
                let counter = Shared::named("counter", 0);
                counter.store(1);
                after.store(true, Ordering::SeqCst);
                // A second set does not pause again.
                event.set();
                counter.store(2);
            })
        };
        watch.wait_for("the Pause control", |e| e.kind == EventKind::Control { control: Control::Pause });
        assert_eq!(session.pause_state(), PauseState::Paused);
        assert!(session.wait_ready(1, WAIT), "the main thread reaches the gate");
        std::thread::sleep(GRACE);
        assert!(!after.load(Ordering::SeqCst), "the main thread went on past the event it paused at");
        assert!(stores(watch.events()).is_empty());
        let set = watch.events().iter().position(|e| matches!(e.kind, EventKind::Set { .. })).unwrap();
        let pause = watch.events().iter().position(|e| e.kind == EventKind::Control { control: Control::Pause });
        assert_eq!(pause, Some(set + 1), "the pause follows the event it was asked for");
        session.resume();
        background.join();
        let events = watch.finish();
        assert_eq!(stores(&events), [(MAIN, "1".to_owned()), (MAIN, "2".to_owned())]);
        let pauses = events.iter().filter(|e| e.kind == EventKind::Control { control: Control::Pause }).count();
        assert_eq!(pauses, 1, "it pauses at the first such event only");
    });
}

/// The condition lesson's moment, armed as the dashboard arms it: the run stops right after
/// `p`'s `notify_all()`, with both consumers woken but BLOCKED on the lock `p` still holds,
/// and neither has printed its line.
#[test]
fn the_condition_demo_pauses_at_its_lessons_moment_before_p_lets_go_of_the_lock() {
    use threadviz::dashboard::model::{Model, ThreadState};
    with_deadline("condition moment", || {
        let demo = threadviz::dashboard::catalog::find("condition").unwrap();
        let trigger = threadviz::dashboard::lesson::moment(demo.lesson).unwrap().trigger;
        let session = Session::builder().speed(10.0).build();
        let mut watch = Watch::new(session.subscribe());
        session.pause_at(move |at, kind| trigger.fires_on_event(at, kind, Some(demo.path)) == Some(true));
        let background = Background::start(&session, demo.main);
        watch.wait_for("the Pause control", |e| e.kind == EventKind::Control { control: Control::Pause });
        // Everything that can still move does, up to the gate or a lock.
        assert!(session.wait_ready(1, WAIT), "p reaches the gate");
        std::thread::sleep(GRACE);
        let mut model = Model::new();
        for event in watch.events() {
            model.apply(event);
        }
        let state = |name: &str| {
            let thread = model.threads.values().find(|thread| thread.name == name).unwrap();
            (thread.state.clone(), thread.holds.len())
        };
        assert!(matches!(state("c1").0, ThreadState::Blocked { .. }), "{:?}", state("c1"));
        assert!(matches!(state("c2").0, ThreadState::Blocked { .. }), "{:?}", state("c2"));
        assert_eq!(state("p").1, 1, "p still holds the condition's lock");
        assert!(model.log.iter().all(|line| !line.message.contains("Resource is available")));
        session.resume();
        background.join();
        let mut model = Model::new();
        for event in &watch.finish() {
            model.apply(event);
        }
        let printed = model.log.iter().filter(|line| line.message.contains("Resource is available")).count();
        assert_eq!(printed, 2, "both consumers go on once p lets go");
    });
}
