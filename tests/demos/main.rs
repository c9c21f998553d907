//! Every demo of the catalogue, run headless at speed 10 with a fixed seed in a fresh session:
//! its key log lines (as plain mode prints them) and its threads' final states, read from the
//! session's events. One test per demo, so that a failure names the demo. The demos that
//! deadlock run as plain mode runs them, which finds the deadlock, reports it and stops them.
//!
//! This root holds the runs and what they are read with; the tests sit in a module per chapter
//! of the catalogue, beside plain mode's deadlock watch and the catalogue itself.

#[path = "../common/mod.rs"]
mod common;

mod catalogue;
mod locks;
mod plain_watch;
mod synchronization;
mod threads;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Duration;

use common::{Memory, with_deadline_of};

use threadviz::dashboard::catalog;
use threadviz::dashboard::model::Model;
use threadviz::dashboard::plain::PlainPrinter;
use threadviz::event::{ExitKind, PrimId, PrimInfo, Tid};
use threadviz::{Deadlocked, EventKind, Session, TraceEvent};

const SEED: u64 = 7;
const SPEED: f64 = 10.0;
/// The deadlock demos' threads must each take their first lock before either asks for its
/// second, which the demos arrange with a sleep; at 10x that sleep is 50 ms of real time, which
/// a loaded machine can overrun. At 2x it is 250 ms.
const DEADLOCK_SPEED: f64 = 2.0;
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
    fn prim(&self, name: &str) -> PrimId {
        let found = self.events.iter().find_map(|event| match &event.kind {
            EventKind::PrimCreated { prim, name: created, .. } if created == name => Some(*prim),
            _ => None,
        });
        found.unwrap_or_else(|| panic!("{}: no primitive named {name}", self.demo))
    }

    /// The first primitive whose kind matches.
    fn prim_where(&self, matches: impl Fn(&PrimInfo) -> bool) -> PrimId {
        let found = self.events.iter().find_map(|event| match &event.kind {
            EventKind::PrimCreated { prim, info, .. } if matches(info) => Some(*prim),
            _ => None,
        });
        found.unwrap_or_else(|| panic!("{}: no such primitive", self.demo))
    }

    /// The most threads that held `prim` at once, counting its Acquired and Released events.
    fn max_holders(&self, prim: PrimId) -> usize {
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
        let session = Session::builder().seed(SEED).speed(DEADLOCK_SPEED).build();
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

    fn prim(&self, name: &str) -> PrimId {
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
