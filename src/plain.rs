//! Plain mode: a program's log lines printed as `(ThreadName) message`, like the tutorials'
//! `(%(threadName)-10s) %(message)s`, with what the model finds that the program did not log
//! (lost updates), and a deadlock that would hang the program reported and stopped.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::event::{EventKind, ExitKind, Tid, TraceEvent};
use crate::{Session, model};

/// The exit status of `threadviz demo NAME --plain`, and of [`run_plain`] and
/// [`run_plain_in`], when the program deadlocked: its threads could never go on, so instead of
/// hanging forever the run is stopped with a report.
pub const DEADLOCK_EXIT_CODE: u8 = 3;

/// How long, in real time, a deadlock must last before plain mode reports it.
const DEADLOCK_GRACE: Duration = Duration::from_micros(model::DEADLOCK_GRACE_US);

/// A plain run stopped because the program deadlocked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadlocked {
    /// The deadlock, as the model found it.
    pub deadlock: model::Deadlock,
    /// The report that was printed, e.g. `deadlock: Thread-1 holds lock-a and waits for
    /// lock-b, held by Thread-2, which waits for lock-a`.
    pub message: String,
}

impl std::fmt::Display for Deadlocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Deadlocked {}

/// Runs `main` as the `MainThread` of a new session and prints its log lines to stdout as
/// `(ThreadName) message`, like the tutorials' logging format. Returns what `main` returns.
///
/// If the program deadlocks so that it could never end (see [`run_plain_to`]), the deadlock is
/// reported and the process exits with status [`DEADLOCK_EXIT_CODE`] instead of hanging; use
/// [`run_plain_to`] to get the deadlock back as an error instead.
pub fn run_plain<R>(main: impl FnOnce() -> R) -> R {
    run_plain_in(&Session::new(), main)
}

/// [`run_plain`] in a session you configured (seed, speed).
pub fn run_plain_in<R>(session: &Session, main: impl FnOnce() -> R) -> R {
    match run_plain_to(session, std::io::stdout(), main) {
        Ok(result) => result,
        Err(_) => std::process::exit(i32::from(DEADLOCK_EXIT_CODE)),
    }
}

/// Runs `main` as the `MainThread` of `session`, printing its log lines to `out` as
/// [`run_plain`] does, and watches for deadlocks by folding the events into a
/// [`Model`](model::Model) as they come. When threads deadlock so that the program could never
/// end (a non-daemon thread is stuck for good), it prints the deadlock (`deadlock: ...`) and a
/// line saying the run is stopped, aborts the session ([`Session::abort`]) and returns the
/// deadlock as the error. A panic in `main` is re-raised, as by [`Session::run`].
pub fn run_plain_to<R>(
    session: &Session,
    mut out: impl std::io::Write + Send + 'static,
    main: impl FnOnce() -> R,
) -> Result<R, Deadlocked> {
    let events = session.subscribe();
    let watched = session.clone();
    let printer = std::thread::spawn(move || watch_plain(events.receiver(), &mut out, &watched));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| session.run(main)));
    let deadlocked = printer.join().ok().flatten();
    match (result, deadlocked) {
        // Stopped at the deadlock, or just done as the threads were stopped.
        (Err(payload), Some(deadlocked)) if payload.is::<crate::session::context::Killed>() => Err(deadlocked),
        (Ok(_), Some(deadlocked)) => Err(deadlocked),
        (Ok(result), None) => Ok(result),
        (Err(payload), _) => std::panic::resume_unwind(payload),
    }
}

/// Prints what the model found in `event` that the program did not log itself, as the
/// dashboard's log shows it: a store that lost or brought back updates, with its count; and,
/// once the session ends, how many updates each shared value is missing, the sum of those
/// counts (`10 lost updates on counter`).
fn print_model_findings(
    model: &model::Model,
    event: &TraceEvent,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    if matches!(event.kind, EventKind::Store { .. })
        && let Some(lost) = model.lost_update_at(event.seq)
        && let Some(line) = model.log.back().filter(|line| line.seq == lost.seq)
    {
        writeln!(out, "({:<10}) {}", model.thread_name(line.thread), line.message)?;
    }
    if event.kind == EventKind::SessionEnded {
        for summary in model.lost_update_summary() {
            writeln!(out, "{summary}")?;
        }
    }
    out.flush()
}

/// Prints what plain mode prints for `event` (its log line, then what the model found in it)
/// and folds it into `model`.
fn print_event(
    printer: &mut PlainPrinter,
    model: &mut model::Model,
    event: &TraceEvent,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    if let Some(line) = printer.line(event) {
        writeln!(out, "{line}")?;
    }
    model.apply(event);
    print_model_findings(model, event, out)
}

/// A fold for [`watch_for_deadlock`] that prints what plain mode prints for each event to
/// `out` (a demo's Python twin is shown as the demo is); a closed `out` only stops the printing.
pub(crate) fn printing_fold(mut out: impl std::io::Write) -> impl FnMut(&mut model::Model, &TraceEvent) {
    let mut printer = PlainPrinter::new();
    let mut printing = true;
    move |model, event| {
        if printing {
            printing = print_event(&mut printer, model, event, &mut out).is_ok();
        } else {
            model.apply(event);
        }
    }
}

/// Prints a whole run's events as plain mode prints them while it runs; the model they fold
/// into, for what the caller says after them.
pub(crate) fn print_events(events: &[TraceEvent], out: &mut impl std::io::Write) -> std::io::Result<model::Model> {
    let mut printer = PlainPrinter::new();
    let mut model = model::Model::new();
    for event in events {
        print_event(&mut printer, &mut model, event, out)?;
    }
    Ok(model)
}

/// Prints the log lines of an event stream and folds the events into a model until the session
/// ends; on a lasting deadlock that hangs the program, reports it and aborts the session.
fn watch_plain(
    events: &crossbeam_channel::Receiver<TraceEvent>,
    out: &mut impl std::io::Write,
    session: &Session,
) -> Option<Deadlocked> {
    let mut printer = PlainPrinter::new();
    // A closed stdout (`| head`) only stops the printing, never the program. Both closures
    // write to `out`, one at a time.
    let output = std::cell::RefCell::new((out, true));
    watch_for_deadlock(
        events,
        |model, event| {
            let (out, printing) = &mut *output.borrow_mut();
            if *printing {
                *printing = print_event(&mut printer, model, event, *out).is_ok();
            } else {
                model.apply(event);
            }
        },
        |deadlocked| {
            let (out, printing) = &mut *output.borrow_mut();
            if *printing {
                let _ = writeln!(out, "{}", deadlocked.message);
                let _ = writeln!(out, "the program would wait forever: stopped (exit status {DEADLOCK_EXIT_CODE})");
                let _ = out.flush();
            }
            session.abort();
        },
    )
}

/// Folds a run's events into a model (`fold` applies each one, printing what it wants) until
/// the run ends or the stream closes; when a deadlock that hangs the program has lasted
/// [`DEADLOCK_GRACE`] of real time, hands it to `stop` (once) and returns it. Any event source
/// will do: a session's subscription, a watched child's stream.
pub(crate) fn watch_for_deadlock(
    events: &crossbeam_channel::Receiver<TraceEvent>,
    mut fold: impl FnMut(&mut model::Model, &TraceEvent),
    mut stop: impl FnMut(&Deadlocked),
) -> Option<Deadlocked> {
    use crossbeam_channel::RecvTimeoutError;

    let mut model = model::Model::new();
    let mut stuck_since: Option<Instant> = None;
    let mut deadlocked = None;
    loop {
        let next = match stuck_since {
            Some(since) => events.recv_timeout(DEADLOCK_GRACE.saturating_sub(since.elapsed())),
            None => events.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match next {
            Ok(event) => {
                fold(&mut model, &event);
                if event.kind == EventKind::SessionEnded {
                    break;
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if deadlocked.is_some() {
            continue;
        }
        match &model.deadlock {
            Some(deadlock) if deadlock.hangs => {
                let since = *stuck_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= DEADLOCK_GRACE {
                    let found = Deadlocked { deadlock: deadlock.clone(), message: deadlock.describe(&model) };
                    stop(&found);
                    deadlocked = Some(found);
                    stuck_since = None;
                }
            }
            // Daemons stuck among themselves end with the program; otherwise the wait is over.
            _ => stuck_since = None,
        }
    }
    deadlocked
}

/// Turns events into the lines plain mode prints. Pure: it only remembers thread names.
#[derive(Debug, Default)]
pub struct PlainPrinter {
    names: HashMap<Tid, String>,
}

impl PlainPrinter {
    /// A printer that knows no thread yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn name(&self, tid: Tid) -> &str {
        self.names.get(&tid).map_or("?", String::as_str)
    }

    /// The line to print for `event`, if any: log lines and uncaught panics.
    pub fn line(&mut self, event: &TraceEvent) -> Option<String> {
        match &event.kind {
            EventKind::ThreadCreated { tid, name, .. } | EventKind::ThreadRenamed { tid, name } => {
                self.names.insert(*tid, name.clone());
                None
            }
            EventKind::Log { message, .. } => Some(format!("({:<10}) {message}", self.name(event.thread))),
            EventKind::ThreadExited { tid, exit: ExitKind::Panicked { message } } => {
                Some(format!("Exception in thread {}: {message}", self.name(*tid)))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    //! Plain mode's lines.

    use super::*;
    use crate::event::LogLevel;

    fn event(thread: Tid, kind: EventKind) -> TraceEvent {
        TraceEvent { seq: 0, time_us: 0, thread, loc: None, kind }
    }

    #[test]
    fn lines_are_tagged_with_the_padded_thread_name() {
        let mut printer = PlainPrinter::new();
        let created = EventKind::ThreadCreated { tid: 2, name: "daemon".into(), daemon: true, foreign: false };
        assert_eq!(printer.line(&event(1, created)), None);
        let log = EventKind::Log { level: LogLevel::Info, message: "Starting".into() };
        assert_eq!(printer.line(&event(2, log)).as_deref(), Some("(daemon    ) Starting"));
    }

    #[test]
    fn instructions_print_nothing_but_what_their_stores_lost_is_said() {
        let mut printer = PlainPrinter::new();
        let instruction = EventKind::Instruction { offset: 2, text: "LOAD_GLOBAL balance → 5".into() };
        assert_eq!(printer.line(&event(2, instruction)), None);
        // A bytecode-stepped lost update: the clerks' instructions say nothing in plain mode,
        // the store that lost an update is said as without them.
        let created =
            |tid: Tid, name: &str| EventKind::ThreadCreated { tid, name: name.into(), daemon: false, foreign: false };
        let shared = crate::event::PrimInfo::Shared { initial: "0".into() };
        let mut kinds = vec![
            (1, created(1, "MainThread")),
            (1, created(2, "clerk-1")),
            (1, created(3, "clerk-2")),
            (1, EventKind::PrimCreated { prim: 1, name: "balance".into(), info: shared }),
        ];
        for clerk in [2, 3] {
            kinds.push((clerk, EventKind::Load { prim: 1, value: "0".into() }));
            kinds.push((clerk, EventKind::Instruction { offset: 2, text: "LOAD_GLOBAL balance → 0".into() }));
        }
        for clerk in [2, 3] {
            kinds.push((clerk, EventKind::Store { prim: 1, value: "1".into() }));
            kinds.push((clerk, EventKind::Instruction { offset: 10, text: "STORE_GLOBAL balance ← 1".into() }));
        }
        kinds.push((1, EventKind::SessionEnded));
        let events: Vec<TraceEvent> = kinds
            .into_iter()
            .zip(0..)
            .map(|((thread, kind), seq)| TraceEvent { seq, time_us: 0, thread, loc: None, kind })
            .collect();
        let mut out = Vec::new();
        let model = print_events(&events, &mut out).expect("prints");
        assert_eq!(model.instructions, 4);
        assert_eq!(
            String::from_utf8(out).expect("UTF-8"),
            "(clerk-2   ) lost 1 update on balance: clerk-2 read 0, clerk-1 then stored 1, and clerk-2 overwrote it with 1\n\
             1 lost update on balance\n"
        );
    }

    #[test]
    fn a_panic_is_reported_like_an_uncaught_exception() {
        let mut printer = PlainPrinter::new();
        let created = EventKind::ThreadCreated { tid: 3, name: "Thread-2".into(), daemon: false, foreign: false };
        printer.line(&event(1, created));
        let exited = EventKind::ThreadExited { tid: 3, exit: ExitKind::Panicked { message: "boom".into() } };
        assert_eq!(printer.line(&event(3, exited)).as_deref(), Some("Exception in thread Thread-2: boom"));
    }
}
