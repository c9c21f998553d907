//! Helpers shared by the integration tests: deadlines so that no test can hang, sessions run on
//! a helper thread, an event watcher to synchronise on what threads report, checked workers
//! whose panics are not swallowed, and timing assertions in CPython's style.
//!
//! Every test binary uses a different subset of these helpers.
#![allow(dead_code, reason = "every test binary uses a different subset of these helpers")]
#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test at the line that broke")]
#![allow(clippy::doc_markdown, reason = "the docs name Python's threads, calls and outputs in prose")]

pub mod tmux;

use std::fmt::Debug;
use std::io::{self, Write};
use std::panic::{self, AssertUnwindSafe};
use std::process::{Child, ExitStatus};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};
use threadviz::event::{EventKind, PrimId, Tid, TraceEvent};
use threadviz::thread::{self, Builder, Thread};
use threadviz::{Session, Subscription};

/// The longest a whole test may take before it is declared hung.
pub const DEADLINE: Duration = Duration::from_secs(30);
/// The longest one awaited step (an event, a message, a join) may take.
pub const WAIT: Duration = Duration::from_secs(15);
/// How long a negative check watches for something that must not happen.
pub const GRACE: Duration = Duration::from_millis(100);

/// Runs `f` on a helper OS thread and returns its result; fails the test with a clear message
/// if it has not finished within [`DEADLINE`], and re-raises its panic if it panicked.
pub fn with_deadline<R: Send + 'static>(what: &str, f: impl FnOnce() -> R + Send + 'static) -> R {
    with_deadline_of(what, DEADLINE, f)
}

/// [`with_deadline`] with a deadline of `limit`.
pub fn with_deadline_of<R: Send + 'static>(what: &str, limit: Duration, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = crossbeam_channel::bounded(1);
    std::thread::Builder::new()
        .name(format!("deadline: {what}"))
        .spawn(move || {
            let result = panic::catch_unwind(AssertUnwindSafe(f));
            let _ = tx.send(result);
        })
        .expect("the helper thread starts");
    match rx.recv_timeout(limit) {
        Ok(Ok(value)) => value,
        Ok(Err(payload)) => panic::resume_unwind(payload),
        Err(error) => panic!("{what}: did not finish within {limit:?} ({error}): something hangs"),
    }
}

/// Runs `main` as the `MainThread` of a fresh session, under the deadline.
pub fn in_session<R: Send + 'static>(main: impl FnOnce() -> R + Send + 'static) -> R {
    with_deadline("session", move || Session::new().run(main))
}

/// Runs `main` in a fresh session that is watched from its first event; `main` gets the
/// watcher to synchronise on events. Returns `main`'s result and every event of the session.
pub fn in_watched_session<R: Send + 'static>(
    main: impl FnOnce(&mut Watch) -> R + Send + 'static,
) -> (R, Vec<TraceEvent>) {
    let session = Session::new();
    let subscription = session.subscribe();
    with_deadline("watched session", move || {
        let mut watch = Watch::new(subscription);
        let result = session.run(|| main(&mut watch));
        (result, watch.finish())
    })
}

/// Runs `main` twice: in a session nobody listens to (the raw fast paths) and in a session with
/// a subscriber (the instrumented paths). Both must behave the same.
pub fn in_quiet_and_watched_sessions(main: impl Fn() + Send + Sync + Clone + 'static) {
    let quiet = main.clone();
    with_deadline("quiet session", move || Session::new().run(quiet));
    let session = Session::new();
    let subscription = session.subscribe();
    with_deadline("watched session", move || {
        session.run(main);
        drop(subscription);
    });
}

/// Receives a session's events and remembers all of them, so tests can wait for a thread to
/// reach a point ("it is waiting now") and inspect the whole history afterwards.
#[derive(Debug)]
pub struct Watch {
    rx: Receiver<TraceEvent>,
    events: Vec<TraceEvent>,
}

impl Watch {
    /// Watches the events of `subscription`.
    pub fn new(subscription: Subscription) -> Self {
        Self { rx: subscription.into_parts().0, events: Vec::new() }
    }

    /// Takes in the events that have arrived so far.
    pub fn pull(&mut self) {
        self.events.extend(self.rx.try_iter());
    }

    /// Every event received so far.
    pub fn events(&mut self) -> &[TraceEvent] {
        self.pull();
        &self.events
    }

    /// The number of events received so far: a mark for [`Watch::since`].
    pub fn mark(&mut self) -> usize {
        self.pull();
        self.events.len()
    }

    /// The events received after `mark`.
    pub fn since(&mut self, mark: usize) -> Vec<TraceEvent> {
        self.pull();
        self.events[mark..].to_vec()
    }

    /// Waits until at least `count` events (since the start) match `pred`; fails after [`WAIT`].
    pub fn wait_count(&mut self, what: &str, count: usize, pred: impl Fn(&TraceEvent) -> bool) {
        let deadline = Instant::now() + WAIT;
        loop {
            self.pull();
            if self.events.iter().filter(|event| pred(event)).count() >= count {
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(event) => self.events.push(event),
                Err(RecvTimeoutError::Timeout) => {
                    let tail = &self.events[self.events.len().saturating_sub(15)..];
                    panic!("no {what} within {WAIT:?}; the last events were {tail:#?}");
                }
                Err(RecvTimeoutError::Disconnected) => panic!("the session ended before {what}"),
            }
        }
    }

    /// Waits for the first event matching `pred` and returns it.
    pub fn wait_for(&mut self, what: &str, pred: impl Fn(&TraceEvent) -> bool) -> TraceEvent {
        self.wait_count(what, 1, &pred);
        self.events.iter().find(|event| pred(event)).cloned().expect("counted above")
    }

    /// Waits until `thread` reports that it starts waiting on `prim` (a condition, event,
    /// barrier or queue), and that it has released the lock it waits with if `prim` is a
    /// condition: from then on, a notify will find it in the queue.
    pub fn wait_until_waiting(&mut self, thread: Tid, prim: PrimId) {
        self.wait_for(&format!("WaitBegin of thread {thread} on #{prim}"), |event| {
            event.thread == thread && matches!(event.kind, EventKind::WaitBegin { prim: p, .. } if p == prim)
        });
    }

    /// The number of a primitive, from its `PrimCreated` event.
    pub fn prim(&mut self, name: &str) -> PrimId {
        let event = self.wait_for(
            &format!("the creation of {name}"),
            |event| matches!(&event.kind, EventKind::PrimCreated { name: n, .. } if n == name),
        );
        match event.kind {
            EventKind::PrimCreated { prim, .. } => prim,
            _ => unreachable!("matched above"),
        }
    }

    /// Everything, once the session has ended (its stream closes after `SessionEnded`).
    pub fn finish(mut self) -> Vec<TraceEvent> {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(event) => self.events.push(event),
                Err(RecvTimeoutError::Disconnected) => return self.events,
                Err(RecvTimeoutError::Timeout) => panic!("the event stream did not close within {WAIT:?}"),
            }
        }
    }
}

/// The events of one thread.
pub fn of_thread(events: &[TraceEvent], thread: Tid) -> Vec<EventKind> {
    events.iter().filter(|event| event.thread == thread).map(|event| event.kind.clone()).collect()
}

/// The events about one primitive, with the thread that caused each.
pub fn about_prim(events: &[TraceEvent], prim: PrimId) -> Vec<(Tid, EventKind)> {
    events
        .iter()
        .filter(|event| event.kind.prim() == Some(prim))
        .map(|event| (event.thread, event.kind.clone()))
        .collect()
}

/// A started threadviz thread whose result comes back through a channel: if its target
/// panics (a failed assertion inside it), [`Worker::join`] fails the test instead of the panic
/// being swallowed by the thread.
#[derive(Debug)]
pub struct Worker<T> {
    thread: Thread,
    result: Receiver<T>,
}

/// Starts a worker thread (default name, inherited daemon flag).
#[track_caller]
pub fn spawn_worker<T: Send + 'static>(target: impl FnOnce() -> T + Send + 'static) -> Worker<T> {
    start_worker(Thread::builder(), target)
}

/// Starts a worker thread built by `builder`.
#[track_caller]
pub fn start_worker<T: Send + 'static>(builder: Builder, target: impl FnOnce() -> T + Send + 'static) -> Worker<T> {
    let (tx, rx) = crossbeam_channel::bounded(1);
    let thread = builder.build(move || {
        let value = target();
        let _ = tx.send(value);
    });
    thread.start();
    Worker { thread, result: rx }
}

impl<T> Worker<T> {
    /// The worker's thread.
    pub fn thread(&self) -> &Thread {
        &self.thread
    }

    /// The worker's thread number.
    pub fn tid(&self) -> Tid {
        self.thread.tid()
    }

    /// Joins the worker (within [`WAIT`]) and returns what its target returned.
    #[track_caller]
    pub fn join(self) -> T {
        let name = self.thread.name();
        assert_eq!(self.thread.try_join_timeout(WAIT), Ok(true), "{name} did not end within {WAIT:?}");
        self.result
            .recv_timeout(WAIT)
            .unwrap_or_else(|_| panic!("{name} panicked instead of returning (its message is above)"))
    }
}

/// Measures how long `f` takes in real time.
pub fn timed<R>(f: impl FnOnce() -> R) -> (R, Duration) {
    let start = Instant::now();
    let result = f();
    (result, start.elapsed())
}

/// CPython's `assertTimeout`: a timed wait of `expected` took at least 0.6 and less than 10
/// times as long.
#[track_caller]
pub fn assert_timeout(elapsed: Duration, expected: Duration) {
    assert!(elapsed >= expected.mul_f64(0.6), "a wait of {expected:?} returned after only {elapsed:?}");
    assert!(elapsed < expected * 10, "a wait of {expected:?} took {elapsed:?}");
}

/// Polls `condition` until it holds; fails after [`WAIT`]. For states no event reports.
#[track_caller]
pub fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !condition() {
        assert!(Instant::now() < deadline, "{what}: not reached within {WAIT:?}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Receives one message within [`WAIT`].
#[track_caller]
pub fn recv<T>(rx: &Receiver<T>, what: &str) -> T {
    rx.recv_timeout(WAIT).unwrap_or_else(|error| panic!("{what}: nothing received within {WAIT:?} ({error})"))
}

/// Receives `n` messages within [`WAIT`] each.
#[track_caller]
pub fn recv_n<T>(rx: &Receiver<T>, n: usize, what: &str) -> Vec<T> {
    (0..n).map(|_| recv(rx, what)).collect()
}

/// Asserts that nothing arrives on `rx` during [`GRACE`]: for "this must not happen" checks.
#[track_caller]
pub fn assert_nothing_arrives<T: Debug>(rx: &Receiver<T>, what: &str) {
    if let Ok(message) = rx.recv_timeout(GRACE) {
        panic!("{what}: expected nothing, but got {message:?}");
    }
}

/// Sleeps in demo time inside a session; a helper to make scenario code read like the tutorials.
#[track_caller]
pub fn sleep_ms(ms: u64) {
    thread::sleep(Duration::from_millis(ms));
}

/// Waits for the process `child` to end; kills it and fails the test, naming `what`, if it has
/// not ended within `limit`.
pub fn wait_child(child: &mut Child, what: &str, limit: Duration) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// What a finished process left behind.
#[derive(Debug, PartialEq, Eq)]
pub struct Ran {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `program ARGS` in the repository's folder, stdin empty: what it printed on stdout and
/// stderr and its exit code, failing the test if it has not ended within `limit`.
pub fn output_of(program: &str, args: &[&str], limit: Duration) -> Ran {
    finished(program, args, limit, true)
}

/// [`output_of`]'s stdout and exit code, stderr dropped (never read, so that a process it
/// leaves behind holding stderr cannot hold the test up either).
pub fn stdout_of(program: &str, args: &[&str], limit: Duration) -> (String, Option<i32>) {
    let ran = finished(program, args, limit, false);
    (ran.stdout, ran.code)
}

fn finished(program: &str, args: &[&str], limit: Duration, keep_stderr: bool) -> Ran {
    let stderr = if keep_stderr { std::process::Stdio::piped() } else { std::process::Stdio::null() };
    let mut child = std::process::Command::new(program)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run {program}: {error}"));
    // Read on threads of their own, so that a child that never ends fails at the deadline
    // rather than hanging a read.
    let read = |stream: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut stream) = stream {
                stream.read_to_string(&mut text).unwrap();
            }
            text
        })
    };
    let stdout = read(child.stdout.take().map(|out| Box::new(out) as Box<dyn std::io::Read + Send>));
    let stderr = read(child.stderr.take().map(|err| Box::new(err) as Box<dyn std::io::Read + Send>));
    let status = wait_child(&mut child, &format!("{program} {}", args.join(" ")), limit);
    Ran { code: status.code(), stdout: stdout.join().unwrap(), stderr: stderr.join().unwrap() }
}

/// The python3 interpreters running on the machine for which `matches(cmdline, environ)`
/// holds (both as `/proc` gives them: NUL-separated).
pub fn pythons_where(matches: impl Fn(&[u8], &[u8]) -> bool) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|name| name.parse::<u32>().ok()) else { continue };
        let Ok(command) = std::fs::read(format!("/proc/{pid}/cmdline")) else { continue };
        let is_python = command.split(|byte| *byte == 0).next().is_some_and(|first| first.ends_with(b"python3"));
        let environment = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
        if is_python && matches(&command, &environment) {
            found.push(pid);
        }
    }
    found
}

/// Whether `haystack` holds `needle`.
pub fn holds(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

/// Fails the test unless `running()` finds no interpreter within 10 s (threadviz ends its
/// interpreter on every way out, but not in the same instant).
#[track_caller]
pub fn assert_none_left(running: impl Fn() -> Vec<u32>) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !running().is_empty() {
        assert!(Instant::now() < deadline, "an interpreter outlived threadviz: {:?}", running());
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A writer into memory that the test keeps a handle on (a clone writes to the same bytes).
#[derive(Clone, Default)]
pub struct Memory(pub Arc<Mutex<Vec<u8>>>);

impl Write for Memory {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Every interleaving of `f` (two preemptions at most) passes: the explorer says so, having
/// run them all.
pub fn passes_dfs(f: fn()) {
    let report = threadviz::explore::Explorer::new()
        .strategy(threadviz::explore::Strategy::Dfs { preemptions: 2 })
        .runs(20_000)
        .check(f);
    let report = report.unwrap_or_else(|failure| panic!("{failure}"));
    assert!(report.is_exhaustive(), "{report}");
}
