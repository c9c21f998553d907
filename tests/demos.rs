//! Every demo of the catalogue, run headless at speed 10 with a fixed seed in a fresh session:
//! its key log lines (as plain mode prints them) and its threads' final states, read from the
//! session's events. One test per demo, so that a failure names the demo. The demos that
//! deadlock run as plain mode runs them, which finds the deadlock, reports it and stops them.

mod common;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Duration;

use common::{Memory, with_deadline_of};

use threadviz::catalog::{self, Chapter, DEMOS};
use threadviz::event::{ExitKind, Pid, PrimInfo, Tid};
use threadviz::model::{CycleLink, DeadlockKind, Model, WaitTarget};
use threadviz::plain::PlainPrinter;
use threadviz::{Deadlocked, EventKind, Session, TraceEvent};

const SEED: u64 = 7;
const SPEED: f64 = 10.0;
/// Far longer than any demo needs (each lasts under 2.5 s at speed 10).
const DEADLINE: Duration = Duration::from_mins(1);

/// One finished run of a demo.
struct Run {
    demo: &'static str,
    events: Vec<TraceEvent>,
    /// `(thread name, message)` of every line plain mode prints, in order.
    lines: Vec<(String, String)>,
    names: HashMap<Tid, String>,
    /// The events folded into a model.
    model: Model,
}

/// Splits a plain line `(name      ) message` into the thread name and the message.
fn split_plain(line: &str) -> (String, String) {
    match line.strip_prefix('(').and_then(|rest| rest.split_once(") ")) {
        Some((name, message)) => (name.trim_end().to_owned(), message.to_owned()),
        None => (String::new(), line.to_owned()),
    }
}

/// Runs the demo `name` on a helper thread, failing clearly if it does not end within
/// [`DEADLINE`], then checks what every demo must do: end its session, lose no event, and end
/// every non-daemon thread normally.
fn run(name: &'static str) -> Run {
    let demo = catalog::find(name).unwrap_or_else(|| panic!("no demo named `{name}` in the catalogue"));
    let events = with_deadline_of(&format!("demo `{name}`"), DEADLINE, move || {
        let session = Session::builder().seed(SEED).speed(SPEED).build();
        let events = session.subscribe();
        session.run(demo.main);
        events.receiver().try_iter().collect::<Vec<TraceEvent>>()
    });

    let mut printer = PlainPrinter::new();
    let lines = events.iter().filter_map(|event| printer.line(event)).map(|line| split_plain(&line)).collect();
    let mut names = HashMap::new();
    for event in &events {
        if let EventKind::ThreadCreated { tid, name, .. } | EventKind::ThreadRenamed { tid, name } = &event.kind {
            names.insert(*tid, name.clone());
        }
    }
    let model = fold_without_deadlock(name, &events);
    let run = Run { demo: name, events, lines, names, model };
    run.check_common();
    run
}

/// Folds a demo's events into a model, checking after each one that no deadlock is flagged: a
/// demo that ends by itself never deadlocked, so any deadlock seen would be a false alarm.
fn fold_without_deadlock(name: &str, events: &[TraceEvent]) -> Model {
    let mut model = Model::new();
    for event in events {
        model.apply(event);
        assert!(
            model.deadlock.is_none(),
            "{name}: a deadlock flagged at event {}: {:?}\n{:?}",
            event.seq,
            model.deadlock_message(),
            model.deadlock
        );
    }
    model
}

impl Run {
    fn check_common(&self) {
        let demo = self.demo;
        assert_eq!(
            self.events.last().map(|event| &event.kind),
            Some(&EventKind::SessionEnded),
            "{demo}: the session ends"
        );
        for (expected, event) in (self.events[0].seq..).zip(&self.events) {
            assert_eq!(event.seq, expected, "{demo}: no event is lost");
        }
        for event in &self.events {
            if let EventKind::ThreadStarted { tid, daemon, .. } = event.kind {
                if daemon {
                    let exit = self.exit(tid);
                    assert!(
                        !matches!(exit, ExitKind::Panicked { .. }),
                        "{demo}: daemon {} ended {exit:?}",
                        self.name(tid)
                    );
                } else {
                    assert_eq!(
                        self.exit(tid),
                        ExitKind::Normal,
                        "{demo}: non-daemon thread {} ends normally",
                        self.name(tid)
                    );
                }
            }
        }
    }

    fn name(&self, tid: Tid) -> &str {
        self.names.get(&tid).map_or("?", String::as_str)
    }

    fn tid(&self, name: &str) -> Tid {
        let found = self.names.iter().find(|(_, known)| *known == name).map(|(tid, _)| *tid);
        found.unwrap_or_else(|| panic!("{}: no thread named {name}", self.demo))
    }

    /// How the thread `tid` ended, if its end was reported before the session ended.
    fn reported_exit(&self, tid: Tid) -> Option<ExitKind> {
        self.events.iter().find_map(|event| match &event.kind {
            EventKind::ThreadExited { tid: ended, exit } if *ended == tid => Some(exit.clone()),
            _ => None,
        })
    }

    /// How the thread `tid` ended.
    fn exit(&self, tid: Tid) -> ExitKind {
        self.reported_exit(tid).unwrap_or_else(|| panic!("{}: thread {} never exited", self.demo, self.name(tid)))
    }

    /// How the thread called `name` ended.
    fn exit_of(&self, name: &str) -> ExitKind {
        self.exit(self.tid(name))
    }

    /// Index of the `ThreadExited` event of `name` among all events.
    fn exit_index(&self, name: &str) -> usize {
        let tid = self.tid(name);
        let index = self
            .events
            .iter()
            .position(|event| matches!(event.kind, EventKind::ThreadExited { tid: ended, .. } if ended == tid));
        index.unwrap_or_else(|| panic!("{}: {name} never exited", self.demo))
    }

    /// The messages logged by `thread`, in order.
    fn said_by(&self, thread: &str) -> Vec<&str> {
        self.lines.iter().filter(|(name, _)| name == thread).map(|(_, message)| message.as_str()).collect()
    }

    /// Index of the first line `message` logged by `thread`.
    fn index(&self, thread: &str, message: &str) -> Option<usize> {
        self.lines.iter().position(|(name, said)| name == thread && said == message)
    }

    fn has(&self, thread: &str, message: &str) -> bool {
        self.index(thread, message).is_some()
    }

    fn expect_line(&self, thread: &str, message: &str) -> usize {
        self.index(thread, message)
            .unwrap_or_else(|| panic!("{}: no line ({thread}) {message}\n{}", self.demo, self.dump()))
    }

    /// How many lines are exactly `message`, whoever logged them.
    fn count(&self, message: &str) -> usize {
        self.lines.iter().filter(|(_, said)| said == message).count()
    }

    /// Every line as plain mode prints it, for failure messages.
    fn dump(&self) -> String {
        let mut dump = String::new();
        for (name, message) in &self.lines {
            let _ = writeln!(dump, "({name:<10}) {message}");
        }
        dump
    }

    /// The primitive called `name`.
    fn prim(&self, name: &str) -> Pid {
        let found = self.events.iter().find_map(|event| match &event.kind {
            EventKind::PrimCreated { prim, name: created, .. } if created == name => Some(*prim),
            _ => None,
        });
        found.unwrap_or_else(|| panic!("{}: no primitive named {name}", self.demo))
    }

    /// The first primitive whose kind matches.
    fn prim_where(&self, matches: impl Fn(&PrimInfo) -> bool) -> Pid {
        let found = self.events.iter().find_map(|event| match &event.kind {
            EventKind::PrimCreated { prim, info, .. } if matches(info) => Some(*prim),
            _ => None,
        });
        found.unwrap_or_else(|| panic!("{}: no such primitive", self.demo))
    }

    /// The most threads that held `prim` at once, counting its Acquired and Released events.
    fn max_holders(&self, prim: Pid) -> usize {
        let mut holders = 0_usize;
        let mut most = 0;
        for event in &self.events {
            match event.kind {
                EventKind::Acquired { prim: acquired, .. } if acquired == prim => holders += 1,
                EventKind::Released { prim: released, .. } if released == prim => holders = holders.saturating_sub(1),
                _ => {}
            }
            most = most.max(holders);
        }
        most
    }

    /// The levels of the RLock called `name` after each of its acquires and releases.
    fn levels(&self, name: &str) -> Vec<u64> {
        let rlock = self.prim(name);
        self.events
            .iter()
            .filter_map(|event| match event.kind {
                EventKind::Acquired { prim, count } | EventKind::Released { prim, count } if prim == rlock => {
                    Some(count)
                }
                _ => None,
            })
            .collect()
    }

    fn misuses(&self) -> Vec<&str> {
        self.events
            .iter()
            .filter_map(|event| match &event.kind {
                EventKind::Misuse { message, .. } => Some(message.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// A demo stopped at its deadlock, as plain mode runs it.
struct Stopped {
    demo: &'static str,
    deadlocked: Deadlocked,
    /// Everything plain mode printed.
    output: String,
    events: Vec<TraceEvent>,
    names: HashMap<Tid, String>,
}

/// Runs the demo `name` as plain mode does, on a helper thread, failing clearly if it does not
/// end within [`DEADLINE`]; it must end by reporting a deadlock.
fn run_to_deadlock(name: &'static str) -> Stopped {
    let demo = catalog::find(name).unwrap_or_else(|| panic!("no demo named `{name}` in the catalogue"));
    let sink = Memory::default();
    let output = sink.clone();
    let (result, events) = with_deadline_of(&format!("demo `{name}`"), DEADLINE, move || {
        let session = Session::builder().seed(SEED).speed(SPEED).build();
        let events = session.subscribe();
        let result = threadviz::run_plain_to(&session, output, demo.main);
        (result, events.receiver().try_iter().collect::<Vec<TraceEvent>>())
    });
    let deadlocked = result.err().unwrap_or_else(|| panic!("demo `{name}` ended without a deadlock"));
    let output = String::from_utf8(sink.0.lock().expect("the sink is never poisoned").clone()).expect("UTF-8");
    let mut names = HashMap::new();
    for event in &events {
        if let EventKind::ThreadCreated { tid, name, .. } = &event.kind {
            names.insert(*tid, name.clone());
        }
    }
    assert_eq!(events.last().map(|event| &event.kind), Some(&EventKind::SessionEnded), "{name}: the session ends");
    for (expected, event) in (events[0].seq..).zip(&events) {
        assert_eq!(event.seq, expected, "{name}: no event is lost");
    }
    // Every thread was stopped, none panicked.
    for event in &events {
        if let EventKind::ThreadExited { exit: ExitKind::Panicked { message }, tid } = &event.kind {
            panic!("{name}: thread {tid} panicked: {message}");
        }
    }
    Stopped { demo: name, deadlocked, output, events, names }
}

impl Stopped {
    fn tid(&self, name: &str) -> Tid {
        let found = self.names.iter().find(|(_, known)| *known == name).map(|(tid, _)| *tid);
        found.unwrap_or_else(|| panic!("{}: no thread named {name}", self.demo))
    }

    fn prim(&self, name: &str) -> Pid {
        let found = self.events.iter().find_map(|event| match &event.kind {
            EventKind::PrimCreated { prim, name: created, .. } if created == name => Some(*prim),
            _ => None,
        });
        found.unwrap_or_else(|| panic!("{}: no primitive named {name}", self.demo))
    }

    /// The messages plain mode printed for `thread`, in order.
    fn said_by(&self, thread: &str) -> Vec<String> {
        let prefix = format!("({thread:<10}) ");
        self.output.lines().filter_map(|line| line.strip_prefix(&prefix)).map(str::to_owned).collect()
    }
}

// Threads chapter

#[test]
fn start() {
    let run = run("start");
    assert_eq!(run.said_by("Thread-1"), ["Inside func1"; 3]);
    assert_eq!(run.said_by("Thread-2"), ["Inside func2"; 3]);
    assert!(run.exit_index("Thread-2") < run.exit_index("Thread-1"), "func2 ends first");
}

#[test]
fn simple() {
    let run = run("simple");
    for n in 0..5 {
        assert_eq!(run.said_by(&format!("Thread-{}", n + 1)), [format!("Worker: {n}")]);
    }
}

#[test]
fn names() {
    let run = run("names");
    for thread in ["wait_3", "wait_2", "Thread-1"] {
        assert_eq!(run.said_by(thread), ["starting...", "exiting..."], "{thread}");
    }
    let last_exit = run.lines.iter().rposition(|(_, message)| message == "exiting...");
    assert_eq!(last_exit, run.index("wait_3", "exiting..."), "wait_3 sleeps longest");
}

#[test]
fn daemon() {
    let run = run("daemon");
    assert_eq!(run.said_by("non-daemon"), ["Starting", "Exiting"]);
    assert!(!run.has("daemon", "Exiting"), "the daemon is stopped before it prints Exiting\n{}", run.dump());
    assert_eq!(run.exit_of("daemon"), ExitKind::Killed);
}

#[test]
fn daemon_join() {
    let run = run("daemon-join");
    assert_eq!(run.said_by("daemon"), ["Starting", "Exiting"]);
    assert_eq!(run.said_by("non-daemon"), ["Starting", "Exiting"]);
    assert_eq!(run.lines.last().map(|(name, _)| name.as_str()), Some("daemon"), "the daemon's Exiting comes last");
    // It finished its work before shutdown, and join returned only once its end was reported.
    assert_eq!(run.exit_of("daemon"), ExitKind::Normal);
}

#[test]
fn join_timeout() {
    let run = run("join-timeout");
    run.expect_line("MainThread", "d.isAlive() True");
    assert!(!run.has("daemon", "Exiting"));
    assert_eq!(run.exit_of("daemon"), ExitKind::Killed);
}

#[test]
fn enumerate() {
    let run = run("enumerate");
    let joins: Vec<&str> = run.said_by("MainThread");
    assert_eq!(joins, ["joining Thread-1", "joining Thread-2", "joining Thread-3"], "never joins itself");
    for worker in ["Thread-1", "Thread-2", "Thread-3"] {
        let said = run.said_by(worker);
        assert_eq!(said.len(), 2, "{worker}: {said:?}");
        let pause: u32 = said[0].strip_prefix("sleeping ").and_then(|n| n.parse().ok()).expect("sleeping N");
        assert!((1..=5).contains(&pause), "{worker} sleeps 1 to 5 s");
        assert_eq!(said[1], "ending");
        assert_eq!(run.exit_of(worker), ExitKind::Normal, "{worker} was joined, not killed");
    }
}

#[test]
fn subclass() {
    let run = run("subclass");
    for i in 0..5 {
        let expected = format!("running with ({i},) and {{'a': 'A', 'b': 'B'}}");
        assert_eq!(run.said_by(&format!("Thread-{}", i + 1)), [expected]);
    }
}

#[test]
fn timer() {
    let run = run("timer");
    assert_eq!(run.said_by("MainThread"), ["starting timers", "waiting before canceling t2", "canceling t2", "done"]);
    assert_eq!(run.said_by("t1"), ["worker running"]);
    assert!(run.said_by("t2").is_empty(), "t2's function never runs");
    assert!(run.expect_line("t1", "worker running") > run.expect_line("MainThread", "done"));
}

#[test]
fn square_roots() {
    let run = run("square-roots");
    let said = run.said_by("MainThread");
    assert_eq!(said.first(), Some(&"Turning on the calculator thread..."));
    assert_eq!(said.last(), Some(&"Calculated 35 square root(s); the last one is sqrt(35)=5.916080"));
    let reports: Vec<usize> = said
        .iter()
        .filter_map(|line| line.strip_suffix(" square roots calculated so far.").and_then(|n| n.parse().ok()))
        .collect();
    assert!(reports.len() >= 3, "progress once a second: {reports:?}");
    assert!(reports.windows(2).all(|pair| pair[0] <= pair[1]), "progress only grows: {reports:?}");
    let calculator = run.tid("Thread-1");
    assert!(run.events.iter().any(|event| matches!(
        event.kind,
        EventKind::ThreadStarted { tid, daemon: true, .. } if tid == calculator
    )));
}

#[test]
fn busy_main() {
    let run = run("busy-main");
    let times = |thread: &str| -> Vec<f64> {
        run.said_by(thread)
            .iter()
            .map(|line| {
                let time = line.strip_prefix(&format!("{thread}: ")).and_then(|rest| rest.strip_suffix(" s"));
                time.and_then(|time| time.parse().ok()).unwrap_or_else(|| panic!("a time: {line}"))
            })
            .collect()
    };
    let thread_1 = times("thread-1");
    let thread_2 = times("thread-2");
    assert_eq!(thread_1.len(), 5, "five prints per thread, as in the tutorial");
    assert_eq!(thread_2.len(), 5, "five prints per thread, as in the tutorial");
    assert!(thread_1[0] >= 2.0 && thread_2[0] >= 4.0, "{thread_1:?} {thread_2:?}");
    assert!(thread_1[4] >= 10.0, "thread-1 prints every 2 s: {thread_1:?}");
    assert!(thread_2[4] >= 20.0, "thread-2 prints every 4 s: {thread_2:?}");
    // The main thread spun instead of waiting: it never blocked in a join or a sleep.
    let main = run.tid("MainThread");
    assert!(!run.events.iter().any(|event| event.thread == main
        && matches!(event.kind, EventKind::JoinBegin { .. } | EventKind::SleepBegin { .. })));
}

#[test]
fn timeslice() {
    let run = run("timeslice");
    let said = run.said_by("MainThread");
    let first = said.first().copied().unwrap_or_default();
    let (cores, rest) = first.split_once(" cores, ").unwrap_or_else(|| panic!("N cores, ...: {first}"));
    let cores: usize = cores.parse().expect("a number of cores");
    let busy: usize = rest.strip_suffix(" busy threads and one sleeper").and_then(|n| n.parse().ok()).expect("N busy");
    assert_eq!(busy, (cores + 2).min(12), "more busy threads than cores");
    assert_eq!(said.last(), Some(&"time is up"), "it ends by itself");
    for number in 1..=busy {
        let worker = format!("busy-{number}");
        let done = run.said_by(&worker);
        assert_eq!(done.len(), 1, "{worker}: {done:?}");
        let chunks: u64 = done[0]
            .strip_prefix("done: ")
            .and_then(|rest| rest.strip_suffix(" chunks"))
            .and_then(|n| n.parse().ok())
            .expect("done: N chunks");
        assert!(chunks > 0, "{worker} worked");
        // Busy threads never wait: only their start and end change their threadviz state.
        let tid = run.tid(&worker);
        assert!(!run.events.iter().any(|event| event.thread == tid
            && matches!(
                event.kind,
                EventKind::SleepBegin { .. } | EventKind::WaitBegin { .. } | EventKind::Requested { .. }
            )));
    }
    let sleeper = run.tid("sleeper");
    let naps = run
        .events
        .iter()
        .filter(|event| event.thread == sleeper && matches!(event.kind, EventKind::SleepBegin { .. }))
        .count();
    assert!(naps >= 2, "the sleeper sleeps in turns: {naps}");
    let chunks = run.prim("chunks");
    assert!(run.events.iter().any(|event| matches!(event.kind, EventKind::LocalSet { prim, .. } if prim == chunks)));
    // Each thread reports its OS id, so its kernel state can be read; ids are distinct.
    if cfg!(target_os = "linux") {
        let mut os_tids: Vec<u32> = run
            .events
            .iter()
            .filter_map(|event| match event.kind {
                EventKind::ThreadStarted { os_tid, .. } => Some(os_tid.expect("Linux tells the OS thread id")),
                _ => None,
            })
            .collect();
        let started = os_tids.len();
        assert_eq!(started, busy + 2, "the busy threads, the sleeper and the main thread");
        os_tids.sort_unstable();
        os_tids.dedup();
        assert_eq!(os_tids.len(), started);
        assert!(run.model.threads.values().all(|thread| thread.os_tid.is_some()));
    }
}

// Locks chapter

#[test]
fn race() {
    let run = run("race");
    run.expect_line("MainThread", "Expected counter: 20");
    let last = run.said_by("MainThread").last().copied().unwrap_or_default();
    let counted: u32 = last.strip_prefix("Final counter: ").and_then(|n| n.parse().ok()).expect("Final counter: N");
    assert!(counted < 20, "updates are lost: {counted}");
    let shared = run.prim("counter");
    let stores =
        run.events.iter().filter(|event| matches!(event.kind, EventKind::Store { prim, .. } if prim == shared)).count();
    assert_eq!(stores, 20, "every increment stored, yet some were lost");
    // The model names the stores that overwrote an update they never saw.
    let lost_updates = &run.model.lost_updates;
    assert!(!lost_updates.is_empty(), "lost updates are found");
    assert!(lost_updates.iter().all(|lost| lost.prim == shared && lost.thread != lost.lost_thread));
    let warnings = run.model.log.iter().filter(|line| line.message.starts_with("lost update on counter: ")).count();
    assert_eq!(warnings, lost_updates.len(), "each one is in the log");
    assert_eq!(run.model.lost_updates_on(shared), u64::from(20 - counted), "lost = expected - final");
}

#[test]
fn lock() {
    let run = run("lock");
    assert_eq!(run.said_by("MainThread"), ["Waiting for worker threads", "Counter: 4"]);
    for worker in ["Thread-1", "Thread-2"] {
        let said = run.said_by(worker);
        assert_eq!(said.iter().filter(|line| **line == "Waiting for lock").count(), 2, "{worker}");
        assert_eq!(said.iter().filter(|line| **line == "Acquired lock").count(), 2, "{worker}");
        assert_eq!(said.last(), Some(&"Done"));
    }
    assert_eq!(run.max_holders(run.prim("lock")), 1);
    assert!(run.model.lost_updates.is_empty(), "under the lock no update is lost");
}

#[test]
fn lock_noblock() {
    let run = run("lock-noblock");
    let said = run.said_by("Worker");
    let last = said.last().copied().unwrap_or_default();
    let tries: usize = last
        .strip_prefix("Done after ")
        .and_then(|rest| rest.strip_suffix(" iterations"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("Done after N iterations\n{}", run.dump()));
    assert!(tries >= 3);
    assert_eq!(said.iter().filter(|line| line.ends_with(": Acquired")).count(), 3);
    assert!(run.has("LockHolder", "Holding") && run.has("LockHolder", "Not holding"));
    // The worker never waits for the lock: every request it makes is non-blocking.
    let worker = run.tid("Worker");
    let lock = run.prim("lock");
    for event in run.events.iter().filter(|event| event.thread == worker) {
        if let EventKind::Requested { prim, mode } = event.kind {
            assert!(prim != lock || mode == threadviz::event::WaitMode::NonBlocking, "Worker never blocks");
        }
    }
    assert_eq!(run.exit_of("LockHolder"), ExitKind::Killed);
}

#[test]
fn lock_release_other() {
    let run = run("lock-release-other");
    assert_eq!(
        run.said_by("MainThread"),
        [
            "@test_01 : Another thread releases the lock",
            "True",
            "@test_02 : Another thread tries to acquire the lock",
            "True"
        ]
    );
    assert_eq!(run.said_by("Thread-1"), ["False"], "released by a thread that never acquired it");
    assert_eq!(run.said_by("Thread-2"), ["False"], "a non-blocking try fails while main holds it");
    assert!(run.misuses().is_empty(), "releasing another thread's Lock is no error: {:?}", run.misuses());
}

#[test]
fn reacquire() {
    let run = run("reacquire");
    assert_eq!(run.said_by("MainThread"), ["First try : True", "Second try: False"], "Python's True and False");
}

#[test]
fn rlock_reacquire() {
    let run = run("rlock-reacquire");
    assert_eq!(run.said_by("MainThread"), ["First try : True", "Second try: True"], "the owner gets it again");
    assert_eq!(run.levels("lock"), [1, 2], "one level deeper");
}

#[test]
fn rlock_levels() {
    let run = run("rlock-levels");
    assert_eq!(
        run.said_by("MainThread"),
        [
            "getAll: level 1",
            "getPart1: level 2",
            "getPart2: level 2",
            "getAll returned 'first part' and 'second part'; level 0"
        ],
        "Python's repr of strings"
    );
    assert_eq!(run.levels("lock"), [1, 2, 1, 2, 1, 0], "the level rises and falls with the calls");
}

#[test]
fn rlock_owner() {
    let run = run("rlock-owner");
    assert_eq!(run.said_by("MainThread"), ["@test_01", "@test_02", "@test_03"]);
    assert_eq!(run.said_by("Thread-1"), ["RLock can be released only by the owner!"]);
    assert_eq!(run.misuses(), ["cannot release un-acquired lock"]);
    for thread in ["Thread-2", "Thread-3", "Thread-4"] {
        assert_eq!(run.said_by(thread), ["Already locked by another thread"], "{thread}");
    }
    assert_eq!(run.said_by("Thread-5"), ["Locked by me"], "free only after the last release");
    assert_eq!(run.levels("lock 1"), [1], "the refused release changed nothing");
    assert_eq!(run.levels("lock 3"), [1, 2, 3, 2, 1, 0, 1], "three acquires, three releases, then Thread-5's");
}

#[test]
fn self_deadlock() {
    let stopped = run_to_deadlock("self-deadlock");
    assert_eq!(
        stopped.said_by("MainThread"),
        [
            "getAll: RLock level 1",
            "getPart1: RLock level 2",
            "getPart1: released, level 1",
            "getAll: released, level 0",
            "with an RLock, getAll returned 'first part'",
            "getAll: Lock acquired",
            "getPart1: acquiring the Lock again",
        ],
        "the RLock is fine; the Lock's second acquire never returns"
    );
    let deadlock = &stopped.deadlocked.deadlock;
    assert_eq!(deadlock.kind, DeadlockKind::Cycle);
    let main = stopped.tid("MainThread");
    let lock = stopped.prim("lock");
    assert_eq!(
        deadlock.cycle,
        [CycleLink { thread: main, on: WaitTarget::Prim(lock), holder: main }],
        "a cycle of one"
    );
    assert_eq!(deadlock.stuck, [main]);
    assert_eq!(stopped.deadlocked.message, "deadlock: MainThread waits for lock, which it holds itself");
    assert!(
        stopped.output.ends_with(
            "(MainThread) getPart1: acquiring the Lock again\n\
         deadlock: MainThread waits for lock, which it holds itself\n\
         the program would wait forever: stopped (exit status 3)\n"
        ),
        "{}",
        stopped.output
    );
    // The RLock went to level 2 and back without anyone blocking for long.
    let rlock = stopped.prim("rlock");
    let levels: Vec<u64> = stopped
        .events
        .iter()
        .filter_map(|event| match event.kind {
            EventKind::Acquired { prim, count } | EventKind::Released { prim, count } if prim == rlock => Some(count),
            _ => None,
        })
        .collect();
    assert_eq!(levels, [1, 2, 1, 0]);
}

#[test]
fn lock_with() {
    let run = run("lock-with");
    assert_eq!(run.said_by("Thread-1"), ["Lock acquired via with"]);
    assert_eq!(run.said_by("Thread-2"), ["Lock acquired directly"]);
    assert_eq!(run.max_holders(run.prim("lock")), 1);
    assert!(run.misuses().is_empty());
}

#[test]
fn fetch() {
    let run = run("fetch");
    let main = run.said_by("MainThread");
    assert_eq!(
        main,
        [
            "test.txt:",
            "  Data from http://www.lemonde.fr fetched",
            "  Data from http://www.youtube.fr fetched",
            "  Data from http://www.yahoo.fr fetched"
        ],
        "lines in the order the downloads finished"
    );
    // The lock's three lines always come as one unbroken group per thread.
    let locked: Vec<&(String, String)> = run
        .lines
        .iter()
        .filter(|(_, message)| {
            ["lock acquired by", "write done by", "lock released by"].iter().any(|start| message.starts_with(start))
        })
        .collect();
    assert_eq!(locked.len(), 9);
    for group in locked.chunks(3) {
        let thread = &group[0].0;
        let expected = [
            format!("lock acquired by {thread}"),
            format!("write done by {thread}"),
            format!("lock released by {thread}"),
        ];
        let got: Vec<&String> = group.iter().map(|(_, message)| message).collect();
        assert_eq!(got, expected.iter().collect::<Vec<_>>());
    }
    assert_eq!(run.max_holders(run.prim("lock")), 1);
}

#[test]
fn deadlock() {
    let stopped = run_to_deadlock("deadlock");
    for thread in ["Thread-1", "Thread-2"] {
        let (first, second) = if thread == "Thread-1" { ("lock-a", "lock-b") } else { ("lock-b", "lock-a") };
        assert_eq!(
            stopped.said_by(thread),
            [format!("acquiring {first}"), format!("holding {first}"), format!("acquiring {second}")],
            "{thread} never holds both"
        );
    }
    assert_eq!(stopped.said_by("MainThread"), ["waiting for both threads"], "the joins never return");
    let deadlock = &stopped.deadlocked.deadlock;
    assert_eq!(deadlock.kind, DeadlockKind::Cycle);
    let (t1, t2) = (stopped.tid("Thread-1"), stopped.tid("Thread-2"));
    let (a, b) = (stopped.prim("lock-a"), stopped.prim("lock-b"));
    assert_eq!(
        deadlock.cycle,
        [
            CycleLink { thread: t1, on: WaitTarget::Prim(b), holder: t2 },
            CycleLink { thread: t2, on: WaitTarget::Prim(a), holder: t1 },
        ]
    );
    assert_eq!(deadlock.stuck, [stopped.tid("MainThread"), t1, t2], "main joins Thread-1: stuck too");
    assert!(deadlock.hangs);
    let message = "deadlock: Thread-1 holds lock-a and waits for lock-b, held by Thread-2, which waits for lock-a";
    assert_eq!(stopped.deadlocked.message, message);
    assert!(stopped.output.contains(&format!("{message}\n")), "{}", stopped.output);
}

// Synchronization chapter

#[test]
fn event() {
    let run = run("event");
    assert_eq!(run.said_by("block"), ["wait_for_event starting", "event set: True"]);
    let non_block = run.said_by("non-block");
    assert_eq!(&non_block[..3], ["wait_for_event_timeout starting", "event set: False", "doing other work"]);
    assert_eq!(&non_block[non_block.len() - 2..], ["event set: True", "processing event"]);
    assert_eq!(run.said_by("MainThread"), ["Waiting before calling Event.set()", "Event is set"]);
}

#[test]
fn event_worker() {
    let run = run("event-worker");
    assert_eq!(run.said_by("MainThread"), ["."; 3]);
    let worker = run.said_by("Thread-1");
    assert_eq!(worker.first(), Some(&"Start"));
    assert_eq!(worker.last(), Some(&"End"));
    assert!(worker[1..worker.len() - 1].iter().all(|line| *line == "Working..."));
    assert!(worker.len() >= 4, "works while the event is set: {worker:?}");
    assert!(
        run.expect_line("Thread-1", "Start") > run.lines.iter().rposition(|(_, message)| message == ".").unwrap_or(0)
    );
}

#[test]
fn condition() {
    let run = run("condition");
    let made = run.expect_line("p", "Making resource available");
    for consumer in ["c1", "c2"] {
        assert_eq!(run.said_by(consumer), ["Starting consumer thread", "Resource is available to consumer"]);
        assert!(
            run.expect_line(consumer, "Resource is available to consumer") > made,
            "{consumer} goes on after the notify"
        );
    }
}

#[test]
fn producer_consumer() {
    let run = run("producer-consumer");
    let size = |message: &str| -> usize {
        message.rsplit(' ').next().and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("a size: {message}"))
    };
    for producer in ["Thread-1", "Thread-2", "Thread-3"] {
        let made = run.said_by(producer);
        assert_eq!(made.len(), 2, "{producer}: {made:?}");
        assert!(made.iter().all(|line| line.starts_with("Producer a elem ") && size(line) <= 2));
    }
    for consumer in ["Thread-4", "Thread-5"] {
        let taken = run.said_by(consumer);
        assert_eq!(taken.len(), 3, "{consumer}: {taken:?}");
        assert!(taken.iter().all(|line| line.starts_with("Consumer a elem ") && size(line) <= 1));
    }
    assert_eq!(run.lines.last().map(|(_, message)| size(message)), Some(0), "every item made was taken");
}

#[test]
fn condition_shared_lock() {
    let run = run("condition-shared-lock");
    let lock = run.prim("lock");
    let conditions: Vec<Pid> = ["condition_1", "condition_2"].iter().map(|name| run.prim(name)).collect();
    for condition in &conditions {
        let on_lock = run.events.iter().any(|event| {
            matches!(&event.kind, EventKind::PrimCreated { prim, info: PrimInfo::Condition { lock: under }, .. } if prim == condition && *under == lock)
        });
        assert!(on_lock, "both conditions use the one RLock");
    }
    for item in 1..=3 {
        run.expect_line("producer", &format!("Put item {item}"));
        run.expect_line("consumer", &format!("Took item {item}"));
    }
    run.expect_line("consumer", "Shelf empty: waiting on condition_1");
    run.expect_line("producer", "Shelf full: waiting on condition_2");
    assert!(
        run.lines
            .iter()
            .filter(|(_, message)| message.starts_with("Notifying"))
            .all(|(_, message)| message.ends_with("level 2"))
    );
}

#[test]
fn semaphore() {
    let run = run("semaphore");
    let s = run.prim_where(|info| matches!(info, PrimInfo::Semaphore { initial: 2, bounded: false }));
    assert_eq!(run.max_holders(s), 2, "never more than two hold the semaphore, and two do at once");
    for worker in ["0", "1", "2", "3"] {
        let said = run.said_by(worker);
        assert_eq!(said.first(), Some(&"Waiting to join the pool"), "{worker}");
        assert_eq!(said.len(), 3, "{worker}: {said:?}");
    }
    let mut running = Vec::new();
    for (name, message) in &run.lines {
        if let Some(list) = message.strip_prefix("Running: ") {
            // Python's repr of a list of strings: `[]`, `['0']`, `['0', '1']`.
            let names = list.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')).expect("a Python list");
            let names: Vec<&str> = if names.is_empty() { Vec::new() } else { names.split(", ").collect() };
            assert!(
                names.iter().all(|name| name.len() == 3 && name.starts_with('\'') && name.ends_with('\'')),
                "{message}"
            );
            assert!(names.len() <= 2, "at most two running: {message}");
            running.push((name.as_str(), list));
        }
    }
    assert_eq!(running.len(), 8, "each worker logs the pool as it joins and as it leaves");
    let (first, list) = running[0];
    assert_eq!(list, format!("['{first}']"), "the first one in is alone");
    assert_eq!(running.last().map(|(_, list)| *list), Some("[]"), "the pool ends empty");
    // The primitives panel shows the list as the log does, in Python's spelling.
    let active = run.prim("active");
    let stored: Vec<&str> = run
        .events
        .iter()
        .filter_map(|event| match &event.kind {
            EventKind::Store { prim, value } if *prim == active => Some(value.as_str()),
            _ => None,
        })
        .collect();
    let logged: Vec<&str> = running.iter().map(|(_, list)| *list).collect();
    assert_eq!(stored, logged, "each list is stored right after it is logged");
}

#[test]
fn bounded_semaphore() {
    let run = run("bounded-semaphore");
    let pool = run.prim("pool_sema");
    assert_eq!(run.max_holders(pool), 5, "five connections at most, and five at once");
    run.expect_line("MainThread", "ValueError: Semaphore released too many times");
    run.expect_line("MainThread", "Value is still 5");
    assert_eq!(run.misuses(), ["Semaphore released too many times"]);
    assert_eq!(run.count("Connected"), 7);
}

#[test]
fn barrier() {
    let run = run("barrier");
    assert_eq!(run.count("All 3 arrived: everyone passes"), 2, "the action runs once per round");
    let generations = run.events.iter().filter(|event| matches!(event.kind, EventKind::BarrierPass { .. })).count();
    assert_eq!(generations, 2);
    for worker in ["Thread-1", "Thread-2"] {
        for round in 1..=2 {
            let passed = format!("Round {round}: passed");
            assert!(
                run.said_by(worker).iter().any(|line| line.starts_with(&passed)),
                "{worker}: {passed}\n{}",
                run.dump()
            );
        }
        run.expect_line(worker, "Round 3: BrokenBarrierError: the barrier is broken");
    }
    run.expect_line("Thread-3", "Round 3: giving up, abort()");
    // Lockstep: nobody reaches round 2's barrier before everyone has passed round 1.
    let last_pass = run.lines.iter().rposition(|(_, message)| message.starts_with("Round 1: passed"));
    let first_wait = run.lines.iter().position(|(_, message)| message == "Round 2: waiting at the barrier");
    assert!(last_pass < first_wait, "{}", run.dump());
}

#[test]
fn queue() {
    let run = run("queue");
    let done: Vec<u64> = run
        .events
        .iter()
        .filter_map(|event| match event.kind {
            EventKind::TaskDone { unfinished, .. } => Some(unfinished),
            _ => None,
        })
        .collect();
    assert_eq!(done.len(), 100, "task_done after each of the 100 items");
    assert_eq!(done.last(), Some(&0), "nothing unfinished at the end");
    let mut items: Vec<u32> = run.lines.iter().filter_map(|(_, message)| message.parse().ok()).collect();
    items.sort_unstable();
    assert_eq!(items, (0..100).collect::<Vec<_>>());
    for worker in 1..=10 {
        assert_eq!(
            run.exit_of(&format!("Thread-{worker}")),
            ExitKind::Killed,
            "daemon workers are stopped at shutdown"
        );
    }
}

#[test]
fn local() {
    let run = run("local");
    assert_eq!(run.said_by("MainThread"), ["No value yet", "value=1000"]);
    for worker in ["Thread-1", "Thread-2"] {
        let said = run.said_by(worker);
        assert_eq!(said.len(), 2);
        assert_eq!(said[0], "No value yet", "{worker} does not see the main thread's value");
        let value: i64 = said[1].strip_prefix("value=").and_then(|n| n.parse().ok()).expect("value=N");
        assert!((1..=100).contains(&value));
    }
}

#[test]
fn local_defaults() {
    let run = run("local-defaults");
    assert_eq!(run.said_by("MainThread"), ["Initializing local_data", "value=1000"]);
    let _named_as_logged = run.prim("local_data");
    for worker in ["Thread-1", "Thread-2"] {
        let said = run.said_by(worker);
        assert_eq!(said.len(), 3);
        assert_eq!(&said[..2], ["Initializing local_data", "value=1000"], "{worker} starts from the default");
        let value: i64 = said[2].strip_prefix("value=").and_then(|n| n.parse().ok()).expect("value=N");
        assert!((1..=100).contains(&value));
    }
}

// Plain mode's deadlock watch

/// Runs `main` as plain mode does in a fresh session, on a helper thread with a deadline; what
/// it returned and what it printed.
fn plain(main: impl FnOnce() + Send + 'static) -> (Result<(), Deadlocked>, String) {
    let sink = Memory::default();
    let output = sink.clone();
    let result = with_deadline_of("the plain run", DEADLINE, move || {
        let session = Session::builder().seed(SEED).speed(SPEED).build();
        threadviz::run_plain_to(&session, output, main)
    });
    let printed = String::from_utf8(sink.0.lock().expect("the sink is never poisoned").clone()).expect("UTF-8");
    (result, printed)
}

#[test]
fn plain_mode_lets_a_program_without_deadlock_finish() {
    let demo = catalog::find("lock").expect("the lock demo");
    let (result, printed) = plain(demo.main);
    assert_eq!(result, Ok(()));
    assert!(printed.ends_with("(MainThread) Counter: 4\n"), "{printed}");
    assert!(!printed.contains("deadlock"));
}

#[test]
fn plain_mode_leaves_daemons_deadlocked_among_themselves_to_end_with_the_program() {
    use threadviz::sync::Lock;
    use threadviz::thread::{self, Thread};

    let (result, printed) = plain(|| {
        let (a, b) = (Lock::named("a"), Lock::named("b"));
        for (first, second) in [(a.clone(), b.clone()), (b, a)] {
            let daemon = Thread::builder().daemon(true).build(move || {
                let _first = first.hold();
                thread::sleep(Duration::from_millis(100));
                let _second = second.hold();
            });
            daemon.start();
        }
        // Long enough for the daemons to deadlock and for plain mode to look twice.
        thread::sleep(Duration::from_secs(5));
        tracing::info!("main is done");
    });
    assert_eq!(result, Ok(()), "the program ends; the daemons are stopped at shutdown");
    assert_eq!(printed, "(MainThread) main is done\n");
}

// The catalogue

#[test]
fn the_whole_catalogue_is_registered_by_chapter_in_teaching_order() {
    let expected = [
        (
            Chapter::Threads,
            &[
                "start",
                "simple",
                "names",
                "daemon",
                "daemon-join",
                "join-timeout",
                "enumerate",
                "subclass",
                "timer",
                "square-roots",
                "busy-main",
                "timeslice",
            ][..],
        ),
        (
            Chapter::Locks,
            &[
                "race",
                "lock",
                "lock-noblock",
                "lock-release-other",
                "reacquire",
                "rlock-reacquire",
                "rlock-levels",
                "rlock-owner",
                "self-deadlock",
                "lock-with",
                "fetch",
                "deadlock",
            ][..],
        ),
        (
            Chapter::Synchronization,
            &[
                "event",
                "event-worker",
                "condition",
                "producer-consumer",
                "condition-shared-lock",
                "semaphore",
                "bounded-semaphore",
                "barrier",
                "queue",
                "local",
                "local-defaults",
            ][..],
        ),
    ];
    let expected: Vec<(Chapter, &str)> =
        expected.iter().flat_map(|(chapter, names)| names.iter().map(move |name| (*chapter, *name))).collect();
    let registered: Vec<(Chapter, &str)> = DEMOS.iter().map(|demo| (demo.chapter, demo.name)).collect();
    assert_eq!(registered, expected);
    assert_eq!(registered.len(), 35);
    for demo in DEMOS {
        assert_eq!(demo.path, format!("demos/{}.rs", demo.name));
        assert!(demo.source.contains("pub fn main()"), "{}", demo.name);
        assert!(demo.lesson.starts_with("# "), "{}", demo.name);
    }
}
