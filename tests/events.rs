//! The events small scripted scenarios report: their order, their threads, sequence numbers,
//! demo time, thread lifecycles, exits, source locations, and that nothing is built while
//! nobody listens.
#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test at the line that broke")]
#![allow(clippy::doc_markdown, reason = "the docs name Python's threads, calls and outputs in prose")]

mod common;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{about_prim, in_watched_session, of_thread, recv, spawn_worker, start_worker, wait_until, with_deadline};
use threadviz::event::{EventKind, ExitKind, LogLevel, PrimId, PrimInfo, Tid, TraceEvent, WaitMode};
use threadviz::sync::{Barrier, Condition, Event, Local, Lock, Queue, RLock};
use threadviz::thread::{self, Thread};
use threadviz::{Session, Subscription};

const MAIN: Tid = 1;

/// The lock-protocol events (Requested, Acquired, Released) about `prim`, with their threads.
fn lock_protocol(events: &[TraceEvent], prim: PrimId) -> Vec<(Tid, EventKind)> {
    about_prim(events, prim)
        .into_iter()
        .filter(|(_, kind)| {
            matches!(kind, EventKind::Requested { .. } | EventKind::Acquired { .. } | EventKind::Released { .. })
        })
        .collect()
}

fn exits(events: &[TraceEvent]) -> HashMap<Tid, (usize, ExitKind)> {
    events
        .iter()
        .enumerate()
        .filter_map(|(index, event)| match &event.kind {
            EventKind::ThreadExited { tid, exit } => Some((*tid, (index, exit.clone()))),
            _ => None,
        })
        .collect()
}

#[test]
fn two_threads_contending_one_lock_report_requested_acquired_released_in_order() {
    let ((prim, a, b), events) = in_watched_session(|watch| {
        let lock = Lock::named("L");
        let prim = watch.prim("L");
        let (held_tx, held_rx) = crossbeam_channel::bounded(1);
        let (release_tx, release_rx) = crossbeam_channel::bounded::<()>(1);
        let a = {
            let lock = lock.clone();
            spawn_worker(move || {
                lock.acquire();
                held_tx.send(()).unwrap();
                recv(&release_rx, "the signal to release");
                lock.release().unwrap();
            })
        };
        recv(&held_rx, "A holds the lock");
        let b = {
            let lock = lock.clone();
            spawn_worker(move || {
                lock.acquire();
                lock.release().unwrap();
            })
        };
        let b_tid = b.tid();
        // B blocks: wait until its request is reported, then let A release.
        watch.wait_for("B's request", |e| {
            e.thread == b_tid && matches!(e.kind, EventKind::Requested { prim: p, .. } if p == prim)
        });
        release_tx.send(()).unwrap();
        let a_tid = a.tid();
        a.join();
        b.join();
        (prim, a_tid, b_tid)
    });
    let blocking = WaitMode::Blocking;
    assert_eq!(
        lock_protocol(&events, prim),
        [
            (a, EventKind::Requested { prim, mode: blocking }),
            (a, EventKind::Acquired { prim, count: 1 }),
            (b, EventKind::Requested { prim, mode: blocking }),
            (a, EventKind::Released { prim, count: 0 }),
            (b, EventKind::Acquired { prim, count: 1 }),
            (b, EventKind::Released { prim, count: 0 }),
        ]
    );
}

#[test]
fn sequence_numbers_are_gap_free_from_zero_and_demo_time_never_goes_back() {
    let ((), events) = in_watched_session(|_| {
        let lock = Lock::new();
        let queue = Queue::new(2);
        let workers: Vec<_> = (0..4)
            .map(|i| {
                let (lock, queue) = (lock.clone(), queue.clone());
                spawn_worker(move || {
                    for j in 0..20 {
                        {
                            let _held = lock.hold();
                            thread::sleep(Duration::from_micros(200));
                        }
                        queue.put((i, j));
                        tracing::info!("worker {i} put {j}");
                    }
                })
            })
            .collect();
        for _ in 0..80 {
            queue.get();
        }
        for worker in workers {
            worker.join();
        }
    });
    assert!(events.len() > 500, "a busy session reports a lot: {}", events.len());
    for (index, event) in events.iter().enumerate() {
        assert_eq!(event.seq, index as u64, "sequence numbers are gap-free from 0");
    }
    for pair in events.windows(2) {
        assert!(pair[0].time_us <= pair[1].time_us, "demo time went back: {pair:#?}");
    }
    assert!(
        matches!(&events[0].kind, EventKind::ThreadCreated { tid: MAIN, name, daemon: false, foreign: false } if name == "MainThread"),
        "{:?}",
        events[0]
    );
    assert!(matches!(events[1].kind, EventKind::ThreadStarted { tid: MAIN, daemon: false, .. }), "{:?}", events[1]);
    assert_eq!(events.last().unwrap().kind, EventKind::SessionEnded);
    assert_eq!(events.iter().filter(|e| e.kind == EventKind::SessionEnded).count(), 1);
}

fn check_condition_wait_events(lock_name: &str, make: impl FnOnce() -> Condition + Send + 'static) {
    let lock_name = lock_name.to_owned();
    let ((cv, lock, waiter, timed_waiter), events) = in_watched_session(move |watch| {
        let cond = make();
        let cv = watch.prim("cv");
        let lock = watch.prim(&lock_name);
        let waiter = {
            let cond = cond.clone();
            spawn_worker(move || {
                let _held = cond.hold();
                cond.wait().unwrap();
            })
        };
        watch.wait_until_waiting(waiter.tid(), cv);
        {
            let _held = cond.hold();
            cond.notify(1).unwrap();
        }
        let waiter_tid = waiter.tid();
        waiter.join();
        let timed = {
            let cond = cond.clone();
            spawn_worker(move || {
                let _held = cond.hold();
                assert_eq!(cond.wait_timeout(Duration::from_millis(20)), Ok(false));
            })
        };
        let timed_tid = timed.tid();
        timed.join();
        (cv, lock, waiter_tid, timed_tid)
    });
    assert!(events.iter().any(|e| matches!(&e.kind, EventKind::PrimCreated { prim, info: PrimInfo::Condition { lock: l }, .. } if *prim == cv && *l == lock)));
    let wait_part = |tid: Tid| {
        let mine = of_thread(&events, tid);
        let start = mine.iter().position(|kind| matches!(kind, EventKind::WaitBegin { .. })).unwrap();
        mine[start..start + 5].to_vec()
    };
    let blocking = WaitMode::Blocking;
    assert_eq!(
        wait_part(waiter),
        [
            EventKind::WaitBegin { prim: cv, timeout_us: None },
            EventKind::Released { prim: lock, count: 0 },
            EventKind::Woken { prim: cv, notified: true },
            EventKind::Requested { prim: lock, mode: blocking },
            EventKind::Acquired { prim: lock, count: 1 },
        ]
    );
    assert_eq!(
        wait_part(timed_waiter),
        [
            EventKind::WaitBegin { prim: cv, timeout_us: Some(20_000) },
            EventKind::Released { prim: lock, count: 0 },
            EventKind::Woken { prim: cv, notified: false },
            EventKind::Requested { prim: lock, mode: blocking },
            EventKind::Acquired { prim: lock, count: 1 },
        ]
    );
    assert!(
        of_thread(&events, MAIN).contains(&EventKind::Notified { prim: cv, n: 1, woken: vec![waiter] }),
        "the notifier reports whom it woke"
    );
}

#[test]
fn a_condition_wait_reports_wait_begin_released_woken_requested_acquired() {
    check_condition_wait_events("R", || Condition::named_with_lock("cv", RLock::named("R")));
    check_condition_wait_events("L", || Condition::named_with_lock("cv", Lock::named("L")));
}

#[test]
fn every_thread_reports_created_started_and_exited() {
    let (nested_starter, events) = in_watched_session(|_| {
        let _never_started = Thread::builder().name("idle").build(|| {});
        let workers: Vec<_> = (0..3)
            .map(|i| {
                start_worker(Thread::builder().name(format!("w{i}")), move || {
                    if i == 0 {
                        Thread::builder().name("nested").build(|| {}).start();
                    }
                })
            })
            .collect();
        // A daemon still running at shutdown: killed there, by the session.
        let never = Event::new();
        Thread::builder()
            .name("daemon")
            .daemon(true)
            .build(move || {
                never.wait();
            })
            .start();
        let nested_starter = workers[0].tid();
        for worker in workers {
            worker.join();
        }
        nested_starter
    });
    let mut created: BTreeMap<Tid, (usize, String, bool)> = BTreeMap::new();
    let mut started: BTreeMap<Tid, (usize, Tid, bool)> = BTreeMap::new();
    for (index, event) in events.iter().enumerate() {
        match &event.kind {
            EventKind::ThreadCreated { tid, name, daemon, foreign } => {
                assert!(!foreign);
                assert!(created.insert(*tid, (index, name.clone(), *daemon)).is_none(), "{tid} created twice");
            }
            EventKind::ThreadStarted { tid, daemon, .. } => {
                assert!(started.insert(*tid, (index, event.thread, *daemon)).is_none(), "{tid} started twice");
            }
            _ => {}
        }
    }
    let exited = exits(&events);
    let mut names: Vec<&str> = created.values().map(|(_, name, _)| name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["MainThread", "daemon", "idle", "nested", "w0", "w1", "w2"]);
    let idle = 2;
    assert_eq!(created[&idle].1, "idle");
    assert!(
        !started.contains_key(&idle) && !exited.contains_key(&idle),
        "an unstarted thread neither starts nor exits"
    );
    assert_eq!(started.len(), 6);
    assert_eq!(exited.len(), 6, "started {started:?}, exited {exited:?}");
    for (tid, (start_index, starter, daemon)) in &started {
        let (created_index, name, created_daemon) = &created[tid];
        let (exit_index, exit) = &exited[tid];
        assert!(
            created_index < start_index && start_index < exit_index,
            "{name}: created, started, exited in this order"
        );
        assert_eq!(daemon, created_daemon);
        assert_eq!(*daemon, name == "daemon", "{name}");
        let expected_exit = if name == "daemon" { ExitKind::Killed } else { ExitKind::Normal };
        assert_eq!(*exit, expected_exit, "{name}");
        if *tid != MAIN && name != "daemon" {
            assert_eq!(
                of_thread(&events, *tid).last(),
                Some(&EventKind::ThreadExited { tid: *tid, exit: ExitKind::Normal })
            );
            let expected_starter = if name == "nested" { nested_starter } else { MAIN };
            assert_eq!(*starter, expected_starter, "{name} is started by the thread that called start()");
        }
    }
}

#[test]
fn a_daemon_joined_just_before_the_session_ends_still_reports_its_exit() {
    // join() must not return before the joined thread's exit is reported: otherwise main can
    // return, the session close, and the daemon's ThreadExited never be delivered.
    for round in 0..150 {
        let (daemons, events) = in_watched_session(|_| {
            let daemons: Vec<Thread> = (0..8)
                .map(|_| {
                    let daemon = Thread::builder().daemon(true).build(|| {});
                    daemon.start();
                    daemon
                })
                .collect();
            for daemon in &daemons {
                daemon.join();
            }
            daemons.iter().map(Thread::tid).collect::<Vec<_>>()
        });
        let exited = exits(&events);
        for daemon in daemons {
            assert_eq!(
                exited.get(&daemon).map(|(_, exit)| exit.clone()),
                Some(ExitKind::Normal),
                "round {round}: the exit of joined daemon {daemon} is missing; the session ended with {:#?}",
                &events[events.len().saturating_sub(4)..]
            );
        }
    }
}

#[test]
fn a_panicking_thread_exits_with_its_panic_message() {
    let ((formatted, literal, after), events) = in_watched_session(|_| {
        let formatted = thread::spawn(|| panic!("boom {}", 42));
        let literal = thread::spawn(|| panic!("static boom"));
        formatted.join();
        literal.join();
        let after = spawn_worker(|| ());
        let after_tid = after.tid();
        after.join();
        (formatted.tid(), literal.tid(), after_tid)
    });
    let exited = exits(&events);
    assert_eq!(exited[&formatted].1, ExitKind::Panicked { message: "boom 42".into() });
    assert_eq!(exited[&literal].1, ExitKind::Panicked { message: "static boom".into() });
    assert_eq!(exited[&after].1, ExitKind::Normal, "the other threads carry on");
    assert_eq!(exited[&MAIN].1, ExitKind::Normal);
}

#[test]
fn a_panicking_main_is_reported_then_re_raised() {
    let session = Session::new();
    let subscription = session.subscribe();
    let (payload, events) = with_deadline("panicking main", move || {
        let result = panic::catch_unwind(AssertUnwindSafe(|| session.run(|| panic!("main failed"))));
        let events: Vec<TraceEvent> = subscription.receiver().iter().collect();
        (result.unwrap_err().downcast_ref::<&str>().map(|s| (*s).to_owned()), events)
    });
    assert_eq!(payload.as_deref(), Some("main failed"));
    let n = events.len();
    assert_eq!(
        events[n - 2].kind,
        EventKind::ThreadExited { tid: MAIN, exit: ExitKind::Panicked { message: "main failed".into() } }
    );
    assert_eq!(events[n - 1].kind, EventKind::SessionEnded);
}

fn log_messages(events: &[TraceEvent], tid: Tid) -> Vec<String> {
    of_thread(events, tid)
        .into_iter()
        .filter_map(|kind| match kind {
            EventKind::Log { message, .. } => Some(message),
            _ => None,
        })
        .collect()
}

/// A session with two daemons, one blocked for ever on an event and one logging in a loop,
/// that main leaves running: (blocked daemon, busy daemon, events).
fn session_with_running_daemons() -> (Tid, Tid, Vec<TraceEvent>) {
    let ((blocked, busy), events) = in_watched_session(|watch| {
        let never = Event::named("never");
        let never_id = watch.prim("never");
        let blocked = Thread::builder().name("blocked").daemon(true).build(move || {
            tracing::info!("blocked: before");
            never.wait();
            tracing::info!("blocked: after");
        });
        blocked.start();
        let busy = Thread::builder().name("busy").daemon(true).build(|| {
            for tick in 0.. {
                thread::sleep(Duration::from_millis(2));
                tracing::info!("busy: tick {tick}");
            }
        });
        busy.start();
        watch.wait_until_waiting(blocked.tid(), never_id);
        let busy_tid = busy.tid();
        watch.wait_count("three ticks", 3, |e| e.thread == busy_tid && matches!(e.kind, EventKind::Log { .. }));
        (blocked.tid(), busy_tid)
    });
    (blocked, busy, events)
}

#[test]
fn daemons_are_killed_at_shutdown_and_their_later_log_lines_never_appear() {
    for _ in 0..5 {
        let (blocked, busy, events) = session_with_running_daemons();
        let exited = exits(&events);
        let shutdown = events.iter().position(|e| e.kind == EventKind::ShutdownBegin).unwrap();
        for daemon in [blocked, busy] {
            let (index, exit) = &exited[&daemon];
            assert_eq!(*exit, ExitKind::Killed);
            assert!(*index > shutdown, "killed at shutdown");
            let later_logs: Vec<&TraceEvent> = events[*index..]
                .iter()
                .filter(|e| e.thread == daemon && matches!(e.kind, EventKind::Log { .. }))
                .collect();
            assert!(later_logs.is_empty(), "a killed daemon logged: {later_logs:#?}");
        }
        assert_eq!(log_messages(&events, blocked), ["blocked: before"]);
        assert!(log_messages(&events, busy).len() >= 3);
        assert_eq!(exited[&MAIN].1, ExitKind::Normal);
        assert!(exited[&MAIN].0 > exited[&blocked].0 && exited[&MAIN].0 > exited[&busy].0, "main exits last");
        assert_eq!(events.last().unwrap().kind, EventKind::SessionEnded);
    }
}

#[test]
fn a_killed_daemon_reports_nothing_after_its_exit() {
    // Eight daemons blocked on an event when main returns: each is killed at shutdown and
    // must report nothing after its ThreadExited(Killed). The first ones killed wake while
    // the others are still being killed, so a late report has time to show.
    for round in 0..20 {
        let (daemons, events) = in_watched_session(|watch| {
            let never = Event::named("never");
            let never_id = watch.prim("never");
            let daemons: Vec<Tid> = (0..8)
                .map(|_| {
                    let never = never.clone();
                    let daemon = Thread::builder().daemon(true).build(move || {
                        never.wait();
                    });
                    daemon.start();
                    daemon.tid()
                })
                .collect();
            for &daemon in &daemons {
                watch.wait_until_waiting(daemon, never_id);
            }
            daemons
        });
        let exited = exits(&events);
        for daemon in daemons {
            let (index, exit) = &exited[&daemon];
            assert_eq!(*exit, ExitKind::Killed);
            let ghosts: Vec<&TraceEvent> = events[index + 1..].iter().filter(|e| e.thread == daemon).collect();
            assert!(ghosts.is_empty(), "round {round}: thread {daemon} reported after its exit: {ghosts:#?}");
        }
    }
}

#[test]
fn source_locations_point_at_the_callers_line() {
    let (lines, events) = in_watched_session(|watch| {
        let mut lines = HashMap::new();
        lines.insert("create", line!() + 1);
        let lock = Lock::named("here");
        let prim = watch.prim("here");
        lines.insert("acquire", line!() + 1);
        lock.acquire();
        lines.insert("release", line!() + 1);
        lock.release().unwrap();
        lines.insert("misuse", line!() + 1);
        assert!(lock.release().is_err());
        lines.insert("hold", line!() + 1);
        let held = lock.hold();
        drop(held);
        lines.insert("spawn", line!() + 1);
        let worker = thread::spawn(|| {});
        lines.insert("join", line!() + 1);
        worker.join();
        lines.insert("sleep", line!() + 1);
        thread::sleep(Duration::from_millis(1));
        lines.insert("log", line!() + 1);
        tracing::info!("logged");
        (lines, prim)
    });
    let (lines, prim) = lines;
    let at = |what: &str, pred: &dyn Fn(&EventKind) -> bool| {
        let matching: Vec<&TraceEvent> = events.iter().filter(|e| pred(&e.kind)).collect();
        assert!(!matching.is_empty(), "no {what} event");
        for event in matching {
            let loc = event.loc.as_ref().unwrap_or_else(|| panic!("{what}: no location"));
            assert!(loc.file.ends_with("events.rs"), "{what}: {}", loc.file);
            assert_eq!(loc.line, lines[what], "{what}: {event:?}");
        }
    };
    let on = |p: Option<PrimId>| p == Some(prim);
    at("create", &|k| matches!(k, EventKind::PrimCreated { .. }) && on(k.prim()));
    let acquires =
        |k: &EventKind| matches!(k, EventKind::Requested { .. } | EventKind::Acquired { .. }) && on(k.prim());
    let releases = |k: &EventKind| matches!(k, EventKind::Released { .. }) && on(k.prim());
    // The first acquire/release pair is the explicit one, the second is the guard's.
    let lock_events: Vec<&TraceEvent> = events.iter().filter(|e| acquires(&e.kind) || releases(&e.kind)).collect();
    let lines_seen: Vec<u32> = lock_events.iter().map(|e| e.loc.as_ref().unwrap().line).collect();
    assert_eq!(
        lines_seen,
        [lines["acquire"], lines["acquire"], lines["release"], lines["hold"], lines["hold"], lines["hold"]]
    );
    at("misuse", &|k| matches!(k, EventKind::Misuse { .. }));
    at("spawn", &|k| {
        matches!(k, EventKind::ThreadCreated { tid, .. } if *tid != MAIN)
            || matches!(k, EventKind::ThreadStarted { tid, .. } if *tid != MAIN)
    });
    at("join", &|k| matches!(k, EventKind::JoinBegin { .. } | EventKind::JoinEnd { .. }));
    at("sleep", &|k| matches!(k, EventKind::SleepBegin { .. } | EventKind::SleepEnd));
    at("log", &|k| matches!(k, EventKind::Log { level: LogLevel::Info, message } if message == "logged"));
}

/// An item that counts how often it is formatted.
#[derive(Clone)]
struct Probe(u32, Arc<AtomicUsize>);

impl fmt::Debug for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.1.fetch_add(1, Ordering::SeqCst);
        write!(f, "Probe({})", self.0)
    }
}

#[test]
fn events_are_not_built_while_nobody_listens() {
    let session = Session::new();
    let (late_events, formats) = with_deadline("quiet session", move || {
        let formats = Arc::new(AtomicUsize::new(0));
        let counter = formats.clone();
        let late: Subscription = session.run(move || {
            let probe = |n| Probe(n, counter.clone());
            let queue = Queue::named("q", 0);
            let local = Local::new();
            queue.put(probe(1));
            let _ = queue.get();
            local.set(probe(2));
            let _ = local.get();
            let lock = Lock::new();
            lock.acquire();
            lock.release().unwrap();
            let barrier = Barrier::new(1);
            barrier.wait().unwrap();
            thread::spawn(|| {}).join();
            assert_eq!(counter.load(Ordering::SeqCst), 0, "an item was formatted with nobody listening");
            // Subscribe now: only what follows is seen.
            let late = Session::current().subscribe();
            queue.put(probe(3));
            assert!(counter.load(Ordering::SeqCst) > 0, "a listener gets the item's text");
            let _ = queue.get();
            late
        });
        let events: Vec<TraceEvent> = late.receiver().iter().collect();
        (events, formats.load(Ordering::SeqCst))
    });
    assert!(formats > 0);
    let first = &late_events[0];
    assert!(matches!(&first.kind, EventKind::Put { item, .. } if item == "Probe(3)"), "{first:?}");
    assert!(late_events.windows(2).all(|w| w[0].seq + 1 == w[1].seq), "gap-free");
    let texts = format!("{late_events:?}");
    assert!(!texts.contains("Probe(1)") && !texts.contains("Probe(2)"), "earlier operations were reported: {texts}");
    assert!(!late_events.iter().any(|e| matches!(e.kind, EventKind::PrimCreated { .. })));
    assert_eq!(late_events.last().unwrap().kind, EventKind::SessionEnded);
}

#[test]
fn dropping_the_last_subscription_stops_building_events() {
    let session = Session::new();
    let subscription = session.subscribe();
    with_deadline("session", move || {
        session.run(move || {
            let formats = Arc::new(AtomicUsize::new(0));
            let queue = Queue::new(0);
            queue.put(Probe(1, formats.clone()));
            assert!(formats.load(Ordering::SeqCst) > 0, "a listener gets the item's text");
            drop(subscription);
            // Events are delivered off the watched threads: the session notices that nobody
            // listens any more when it next delivers one. From then on nothing is built.
            wait_until("the session stops building events", || {
                let before = formats.load(Ordering::SeqCst);
                queue.put(Probe(2, formats.clone()));
                let _ = queue.get();
                formats.load(Ordering::SeqCst) == before
            });
            for n in 3..50 {
                queue.put(Probe(n, formats.clone()));
                let _ = queue.get();
            }
            let before = formats.load(Ordering::SeqCst);
            for n in 50..100 {
                queue.put(Probe(n, formats.clone()));
                let _ = queue.get();
            }
            assert_eq!(formats.load(Ordering::SeqCst), before, "events are built again with nobody listening");
        });
    });
}

#[test]
fn racing_releases_of_one_held_lock_report_exactly_one_release_each_time() {
    const ROUNDS: usize = 50;
    const RELEASERS: usize = 3;
    let ((prim, wins), events) = in_watched_session(|watch| {
        let lock = Lock::named("L");
        let prim = watch.prim("L");
        // A plain barrier, so that the race itself is not slowed down by instrumentation.
        let start = Arc::new(std::sync::Barrier::new(RELEASERS + 1));
        let done = Arc::new(std::sync::Barrier::new(RELEASERS + 1));
        let wins = Arc::new(AtomicUsize::new(0));
        let releasers: Vec<_> = (0..RELEASERS)
            .map(|_| {
                let (lock, start, done, wins) = (lock.clone(), start.clone(), done.clone(), wins.clone());
                spawn_worker(move || {
                    for _ in 0..ROUNDS {
                        start.wait();
                        if lock.release().is_ok() {
                            wins.fetch_add(1, Ordering::Relaxed);
                        }
                        done.wait();
                    }
                })
            })
            .collect();
        for round in 1..=ROUNDS {
            lock.acquire();
            start.wait();
            done.wait();
            assert_eq!(wins.load(Ordering::Relaxed), round, "exactly one releaser wins each round");
            assert!(!lock.locked());
        }
        for releaser in releasers {
            releaser.join();
        }
        (prim, wins.load(Ordering::Relaxed))
    });
    assert_eq!(wins, ROUNDS);
    let about_lock = about_prim(&events, prim);
    let released = about_lock.iter().filter(|(_, kind)| matches!(kind, EventKind::Released { .. })).count();
    let refused = about_lock.iter().filter(|(_, kind)| matches!(kind, EventKind::Misuse { .. })).count();
    assert_eq!((released, refused), (ROUNDS, ROUNDS * (RELEASERS - 1)));
    // Each acquire is followed by its one release before the next acquire.
    let protocol: Vec<&str> = lock_protocol(&events, prim)
        .iter()
        .filter_map(|(_, kind)| match kind {
            EventKind::Acquired { .. } => Some("acquired"),
            EventKind::Released { .. } => Some("released"),
            _ => None,
        })
        .collect();
    assert_eq!(protocol, ["acquired", "released"].repeat(ROUNDS));
}

#[test]
fn misuse_is_reported_with_pythons_message() {
    let ((lock, cv), events) = in_watched_session(|watch| {
        let lock = Lock::named("L");
        let cond = Condition::named("cv");
        let lock_id = watch.prim("L");
        let cv_id = watch.prim("cv");
        assert!(lock.release().is_err());
        assert!(cond.wait().is_err());
        assert!(cond.notify(1).is_err());
        let worker = Thread::new(|| {});
        assert!(worker.try_join().is_err());
        worker.start();
        assert!(worker.try_start().is_err());
        worker.join();
        (lock_id, cv_id)
    });
    let misuses: Vec<(Option<PrimId>, String)> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Misuse { prim, message } => Some((*prim, message.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        misuses,
        [
            (Some(lock), "release unlocked lock".to_owned()),
            (Some(cv), "cannot wait on un-acquired lock".to_owned()),
            (Some(cv), "cannot notify on un-acquired lock".to_owned()),
            (None, "cannot join thread before it is started".to_owned()),
            (None, "threads can only be started once".to_owned()),
        ]
    );
}

#[test]
fn queue_and_barrier_events_carry_items_sizes_and_indices() {
    let ((queue, barrier), events) = in_watched_session(|watch| {
        let queue = Queue::named("q", 0);
        let barrier = Barrier::named("b", 2);
        let q = watch.prim("q");
        let b = watch.prim("b");
        queue.put("a");
        queue.put("b");
        assert_eq!(queue.get(), "a");
        queue.task_done().unwrap();
        let other = barrier.clone();
        let worker = spawn_worker(move || other.wait().unwrap());
        let mine = barrier.wait().unwrap();
        assert_eq!(mine + worker.join(), 1);
        (q, b)
    });
    let about_queue: Vec<EventKind> = about_prim(&events, queue).into_iter().map(|(_, kind)| kind).skip(1).collect();
    // Items as Python spells them, as the dashboard shows them.
    assert_eq!(
        about_queue,
        [
            EventKind::Put { prim: queue, item: "'a'".into(), qsize: 1 },
            EventKind::Put { prim: queue, item: "'b'".into(), qsize: 2 },
            EventKind::Got { prim: queue, item: "'a'".into(), qsize: 1 },
            EventKind::TaskDone { prim: queue, unfinished: 1 },
        ]
    );
    let about_barrier = about_prim(&events, barrier);
    let mut indices: Vec<u32> = about_barrier
        .iter()
        .filter_map(|(_, kind)| match kind {
            EventKind::BarrierArrive { index, .. } => Some(*index),
            _ => None,
        })
        .collect();
    indices.sort_unstable();
    assert_eq!(indices, [0, 1]);
    let passes: Vec<&EventKind> =
        about_barrier.iter().map(|(_, kind)| kind).filter(|k| matches!(k, EventKind::BarrierPass { .. })).collect();
    assert_eq!(passes, [&EventKind::BarrierPass { prim: barrier, generation: 0 }]);
}
