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

// What a program needs: the primitives, the events they report, recordings, and the helpers
// demos use.
pub mod event;
pub mod explore;
pub mod py;
pub mod random;
pub mod record;
pub mod sync;
pub mod thread;
pub mod wire;

// The machinery behind them and the dashboard: private, reached by the crate's own tests and
// benchmarks through `dashboard`.
mod app;
mod catalog;
mod challenge;
mod child;
mod cli;
pub mod dashboard;
mod export;
mod kernel;
mod lesson;
mod model;
mod plain;
mod session;
mod view;

pub use event::{EventKind, TraceEvent};
pub use plain::{DEADLOCK_EXIT_CODE, Deadlocked, PlainPrinter, run_plain, run_plain_in, run_plain_to};
pub use session::{PauseState, SPEED_RANGE, Session, SessionBuilder, Step, StepRefused, Subscription, clamp_speed};

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
    let look = app::Look::new(app::ThemeName::default(), color_wanted());
    app::live::watch(std::sync::Arc::new(main), showing, look, app::live::Launch::default())
}

/// [`watch`], recording the first run to `path` (binary, see [`record`]) for `threadviz replay` and
/// `threadviz export` (a restart is not recorded). The file is complete and flushed when this
/// returns, however the dashboard ended; the summary says how many events it holds.
///
/// ```no_run
/// let summary = threadviz::watch_recorded("my program", "run.tvr", || {
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
    let look = app::Look::new(app::ThemeName::default(), color_wanted());
    let record = record::RecordTo::file(path, title)?;
    app::live::watch_recording(std::sync::Arc::new(main), showing, look, app::live::Launch::default(), record)?
}

/// The program's parameter `name` as its session set it ([`SessionBuilder::param`], `threadviz
/// demo NAME --param name=value`), or `default`: how many threads a demo starts, say, so a
/// class can explore a small version of it.
///
/// ```
/// let threads: u32 = threadviz::param("threads", 4);
/// assert_eq!(threads, 4);
/// ```
#[must_use]
pub fn param<T: TryFrom<i64>>(name: &str, default: T) -> T {
    Session::current().param(name).and_then(|value| T::try_from(value).ok()).unwrap_or(default)
}

/// Whether to use colour: not when `NO_COLOR` is set to anything non-empty.
#[must_use]
pub fn color_wanted() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
}
