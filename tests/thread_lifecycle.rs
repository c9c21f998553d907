//! Thread start and end as the tutorials print them: ordering guarantees that only show up as
//! rare races, each checked over many sessions.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use threadviz::event::ExitKind;
use threadviz::thread::{self, Thread};
use threadviz::{EventKind, Session, TraceEvent};

/// Runs `main` in a fresh watched session on a helper thread (at most 30 s) and returns its
/// events.
fn watched(main: fn()) -> Vec<TraceEvent> {
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let session = Session::new();
        let events = session.subscribe();
        session.run(main);
        let _ = done.send(events.receiver().try_iter().collect::<Vec<_>>());
    });
    finished.recv_timeout(Duration::from_secs(30)).expect("the session ends within 30 s")
}

/// `CPython`'s `Thread.start()` waits until the new thread is running (`self._started.wait()`),
/// so a daemon started just before the main thread ends still runs its first statement: in
/// PyMOTW `threading_daemon` the output always begins with `(daemon    ) Starting`.
#[test]
fn a_daemon_started_just_before_main_ends_runs_its_first_line() {
    fn main() {
        let d = Thread::builder().name("daemon").daemon(true).build(|| {
            tracing::info!("Starting");
            thread::sleep(Duration::from_secs(2));
        });
        d.start();
    }
    let mut missing = 0;
    for _ in 0..20 {
        let events = watched(main);
        if !events.iter().any(|event| matches!(&event.kind, EventKind::Log { message, .. } if message == "Starting")) {
            missing += 1;
        }
    }
    assert_eq!(missing, 0, "the daemon was killed before `Starting` in {missing} of 20 runs");
}

/// Every started thread reports exactly one `ThreadExited` before `SessionEnded`, even a daemon
/// that shutdown does not wait for: a thread is reported ended, and gone from the registry,
/// before `join()` returns (Python's `threading_daemon_join` shows the daemon finishing
/// normally). The window for getting this wrong is a few instructions wide, so the test runs
/// many sessions while other threads keep the CPU busy.
#[test]
fn a_joined_daemon_always_reports_its_exit_before_the_session_ends() {
    fn main() {
        let d = Thread::builder().name("daemon").daemon(true).build(|| ());
        d.start();
        d.join();
    }
    let stop = Arc::new(AtomicBool::new(false));
    let spinners: Vec<_> = (0..4)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::hint::spin_loop();
                }
            })
        })
        .collect();
    let mut missing = 0;
    for _ in 0..300 {
        let events = watched(main);
        let exited =
            events.iter().any(|event| matches!(event.kind, EventKind::ThreadExited { tid: 2, exit: ExitKind::Normal }));
        if !exited {
            missing += 1;
        }
    }
    stop.store(true, Ordering::Relaxed);
    for spinner in spinners {
        spinner.join().expect("the spinner ends");
    }
    assert_eq!(missing, 0, "the joined daemon's ThreadExited was missing in {missing} of 300 runs");
}

/// A daemon still waiting for a lock when the program ends is killed there: its wait does not
/// end as a timeout, and it never goes on without the lock.
#[test]
fn a_daemon_waiting_for_a_lock_at_shutdown_is_killed_not_timed_out() {
    static WENT_ON: AtomicBool = AtomicBool::new(false);
    fn main() {
        let lock = Arc::new(threadviz::sync::Lock::new());
        lock.acquire();
        let held = lock.clone();
        let d = Thread::builder().name("waiter").daemon(true).build(move || {
            if !held.acquire_timeout(Duration::from_mins(1)) {
                WENT_ON.store(true, Ordering::SeqCst);
            }
        });
        d.start();
        thread::sleep(Duration::from_millis(50));
    }
    let events = watched(main);
    assert!(!events.iter().any(|event| matches!(event.kind, EventKind::TimedOut { .. })), "{events:#?}");
    assert!(
        events.iter().any(|event| matches!(event.kind, EventKind::ThreadExited { exit: ExitKind::Killed, .. })),
        "the waiter is killed: {events:#?}"
    );
    assert!(!WENT_ON.load(Ordering::SeqCst), "a killed waiter does not go on");
}
