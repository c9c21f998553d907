//! threadviz: Python's threading model in Rust, instrumented so every thread can be watched.
//!
//! The [`sync`] and [`thread`] modules are Rust versions of Python's `threading` and `queue`
//! primitives. Each operation reports what it does as a [`TraceEvent`] to its [`Session`]'s
//! subscribers; with nobody listening it costs a flag check over the raw primitive.
//!
//! ```
//! use std::time::Duration;
//! use threadviz::{Session, sync::Lock, thread};
//!
//! let session = Session::new();
//! let events = session.subscribe();
//! session.run(|| {
//!     let lock = Lock::named("counter");
//!     let worker = {
//!         let lock = lock.clone();
//!         thread::spawn(move || {
//!             let _held = lock.hold();
//!             thread::sleep(Duration::from_millis(1));
//!         })
//!     };
//!     worker.join();
//! });
//! assert!(events.receiver().try_iter().count() > 5);
//! ```

// Demos are lecture code written against the public API (`threadviz::...`), compiled in here.
extern crate self as threadviz;

pub mod app;
pub mod catalog;
pub mod cli;
pub mod event;
pub mod export;
pub mod kernel;
pub mod lesson;
pub mod log;
pub mod model;
pub mod py;
pub mod random;
pub mod record;
pub mod session;
pub mod sync;
pub mod thread;
pub mod view;

pub use event::{EventKind, TraceEvent};
pub use session::{PauseState, Session, Step, StepRefused, Subscription};

/// Runs `main` as the `MainThread` of a session under the live dashboard, until the user quits
/// (`q`). `main` may run several times: `r` restarts it in a fresh session. The terminal is
/// restored however it ends. Its plain-mode twin is [`run_plain`].
///
/// ```no_run
/// threadviz::watch("my program", || {
///     let worker = threadviz::thread::spawn(|| tracing::info!("hello"));
///     worker.join();
/// })
/// .expect("a terminal");
/// ```
pub fn watch(title: &'static str, main: impl Fn() + Send + Sync + 'static) -> std::io::Result<()> {
    let showing = app::Showing { title, source: None, lesson: None };
    let theme = view::theme::Theme::new(view::theme::ThemeName::default(), color_wanted());
    app::live::watch(std::sync::Arc::new(main), showing, theme, app::live::Launch::default())
}

/// [`watch`], recording the first run to `path` as JSON Lines for `threadviz replay` and
/// `threadviz export` (a restart is not recorded). The file is complete and flushed when this
/// returns, however the dashboard ended; the summary says how many events it holds.
///
/// ```no_run
/// let summary = threadviz::watch_recorded("my program", "run.jsonl", || {
///     let worker = threadviz::thread::spawn(|| tracing::info!("hello"));
///     worker.join();
/// })
/// .expect("a terminal and a writable file");
/// eprintln!("{summary}");
/// ```
pub fn watch_recorded(
    title: &'static str,
    path: impl AsRef<std::path::Path>,
    main: impl Fn() + Send + Sync + 'static,
) -> std::io::Result<record::RecordSummary> {
    let showing = app::Showing { title, source: None, lesson: None };
    let theme = view::theme::Theme::new(view::theme::ThemeName::default(), color_wanted());
    let record = record::RecordTo::file(path, title)?;
    app::live::watch_recording(std::sync::Arc::new(main), showing, theme, app::live::Launch::default(), record)?
}

/// Whether to use colour: not when `NO_COLOR` is set to anything non-empty.
#[must_use]
pub fn color_wanted() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
}

/// The exit status of `threadviz demo NAME --plain`, and of [`run_plain`] and
/// [`run_plain_in`], when the program deadlocked: its threads could never go on, so instead of
/// hanging forever the run is stopped with a report.
pub const DEADLOCK_EXIT_CODE: u8 = 3;

/// How long a deadlock must last before plain mode reports it. Real deadlocks last forever;
/// this only guards against reporting a moment in which the events looked stuck but were not:
/// a thread about to report that its wait was over, or a release dropped at the source (see
/// [`Session::lost_events`]) that the thread's next event contradicts.
const DEADLOCK_GRACE: std::time::Duration = std::time::Duration::from_millis(200);

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
        (Err(payload), Some(deadlocked)) if payload.is::<session::context::Killed>() => Err(deadlocked),
        (Ok(_), Some(deadlocked)) => Err(deadlocked),
        (Ok(result), None) => Ok(result),
        (Err(payload), _) => std::panic::resume_unwind(payload),
    }
}

/// Prints what the model found in `event` that the program did not log itself, as the
/// dashboard's log shows it: a store that overwrote another thread's update; and, once the
/// session ends, how many updates each shared value is missing (`10 lost updates on counter`).
fn print_model_findings(
    model: &model::Model,
    event: &TraceEvent,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    if matches!(event.kind, EventKind::Store { .. })
        && let Some(lost) = model.lost_updates.back().filter(|lost| lost.seq == event.seq)
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

/// Prints the log lines of an event stream and folds the events into a model until the session
/// ends; on a lasting deadlock that hangs the program, reports it and aborts the session.
fn watch_plain(
    events: &crossbeam_channel::Receiver<TraceEvent>,
    out: &mut impl std::io::Write,
    session: &Session,
) -> Option<Deadlocked> {
    use crossbeam_channel::RecvTimeoutError;

    let mut printer = log::PlainPrinter::new();
    let mut model = model::Model::new();
    // A closed stdout (`| head`) only stops the printing, never the program.
    let mut printing = true;
    let mut stuck_since: Option<std::time::Instant> = None;
    let mut deadlocked = None;
    loop {
        let next = match stuck_since {
            Some(since) => events.recv_timeout(DEADLOCK_GRACE.saturating_sub(since.elapsed())),
            None => events.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match next {
            Ok(event) => {
                if printing && let Some(line) = printer.line(&event) {
                    printing = writeln!(out, "{line}").and_then(|()| out.flush()).is_ok();
                }
                model.apply(&event);
                if printing {
                    printing = print_model_findings(&model, &event, out).is_ok();
                }
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
                let since = *stuck_since.get_or_insert_with(std::time::Instant::now);
                if since.elapsed() >= DEADLOCK_GRACE {
                    let message = deadlock.describe(&model);
                    if printing {
                        let _ = writeln!(out, "{message}");
                        let _ =
                            writeln!(out, "the program would wait forever: stopped (exit status {DEADLOCK_EXIT_CODE})");
                        let _ = out.flush();
                    }
                    deadlocked = Some(Deadlocked { deadlock: deadlock.clone(), message });
                    stuck_since = None;
                    session.abort();
                }
            }
            // Daemons stuck among themselves end with the program; otherwise the wait is over.
            _ => stuck_since = None,
        }
    }
    deadlocked
}
