//! threadviz: Python's threading model in Rust, instrumented so every thread can be watched.
//!
//! The [`sync`] and [`thread`] modules are Rust versions of Python's `threading` and `queue`
//! primitives. Each operation reports what it does as a [`TraceEvent`] to its [`Session`]'s
//! subscribers; with nobody listening it costs a flag check over the raw primitive.
//!
//! The live dashboard (`watch` and its kin) is the default feature `dashboard`; a program
//! that only explores, records or prints (`threadviz = { version = "0.1",
//! default-features = false }`) builds the primitives, the session, [`explore`], [`record`],
//! [`std`] and plain mode without the terminal's crates.
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

// Without the dashboard, the machinery only it and the command line drive (a program in another
// process, a challenge's search, the kernel's columns, the words of the panels) is compiled but
// not called: the default build, which calls it all, is the one that checks for dead code.
#![cfg_attr(not(feature = "dashboard"), allow(dead_code, unused_imports))]

// Demos are lecture code written against the public API (`threadviz::...`), compiled in here.
extern crate self as threadviz;

// What a program needs: the primitives, the events they report, recordings, and the helpers
// demos use.
pub mod event;
pub mod explore;
pub mod py;
pub mod random;
pub mod record;
pub mod std;
pub mod sync;
pub mod thread;
pub mod wire;

// The machinery behind them: private, reached by the crate's own tests and benchmarks through
// `dashboard`.
mod child;
mod kernel;
mod model;
mod plain;
mod session;

// The dashboard, its command line and exports, only with the `dashboard` feature (on by
// default). The demo catalogue, its lessons and challenges come with it, and into the library's
// own unit tests, which explore the demos.
#[cfg(feature = "dashboard")]
mod app;
#[cfg(any(test, feature = "dashboard"))]
mod catalog;
#[cfg(any(test, feature = "dashboard"))]
mod challenge;
#[cfg(feature = "dashboard")]
mod cli;
#[cfg(any(test, feature = "dashboard"))]
pub mod dashboard;
#[cfg(feature = "dashboard")]
mod export;
#[cfg(any(test, feature = "dashboard"))]
mod lesson;
#[cfg(feature = "dashboard")]
mod view;

pub use event::{EventKind, TraceEvent};
pub use plain::{DEADLOCK_EXIT_CODE, Deadlocked, PlainPrinter, run_plain, run_plain_in, run_plain_to};
pub use session::{PauseState, SPEED_RANGE, Session, SessionBuilder, Step, StepRefused, Subscription, clamp_speed};

/// Runs `main` as the `MainThread` of a session under the live dashboard, until the user quits
/// (`q`). `main` may run several times: `r` restarts it in a fresh session. The terminal is
/// restored however it ends. Its plain-mode twin is [`run_plain`]. Needs the `dashboard`
/// feature (on by default), as every function that opens the dashboard does.
///
/// ```no_run
/// threadviz::watch("my program", || {
///     let worker = threadviz::thread::spawn(|| tracing::info!("hello"));
///     worker.join();
/// })
/// .expect("a terminal");
/// ```
#[cfg(feature = "dashboard")]
pub fn watch(title: &'static str, main: impl Fn() + Send + Sync + 'static) -> ::std::io::Result<()> {
    let subject = app::Subject { title, source: None, lesson: None };
    let appearance = app::Appearance::new(app::ThemeName::default(), color_wanted());
    app::live::open(::std::sync::Arc::new(main), subject, appearance, app::launch::Launch::default())
}

/// Opens the live dashboard on `main` (as [`watch`] does) paused before its first operation,
/// following `schedule`, the interleaving an exploration found (the schedule a
/// [`Failure`](explore::Failure) or a [`Report`](explore::Report) gives): `n` takes the
/// schedule's next step, space plays the steps, and the step that makes the failure is
/// announced one step before it comes, exactly as `threadviz demo NAME --schedule S` does for
/// a demo. Enter on a thread leaves the schedule and moves that thread instead; `r` follows the
/// schedule again from the start. The source panel shows the program's own files, where its
/// threads are. The terminal is restored however it ends. Needs the `dashboard` feature.
///
/// [`Failure::watch`](explore::Failure::watch) does the same with a failure's own schedule.
///
/// # Errors
///
/// [`InvalidInput`](::std::io::ErrorKind::InvalidInput) when `schedule` does not read (before the terminal is
/// touched), or the terminal's error.
///
/// ```no_run
/// use threadviz::explore::{Explorer, FailureKind};
/// use threadviz::sync::Shared;
///
/// fn two_increments() {
///     let counter = Shared::named("counter", 0);
///     let other = {
///         let counter = counter.clone();
///         threadviz::thread::spawn(move || counter.store(counter.load() + 1))
///     };
///     counter.store(counter.load() + 1);
///     other.join();
/// }
///
/// // No assert: no run fails, but the report saw updates lost. Watch the first one.
/// let report = Explorer::new().check(two_increments).expect("no panic, no deadlock");
/// if let Some(schedule) = report.schedule(FailureKind::LostUpdate) {
///     threadviz::watch_schedule("two increments", schedule, two_increments).expect("a terminal");
/// }
/// ```
#[cfg(feature = "dashboard")]
pub fn watch_schedule(
    title: &'static str,
    schedule: &str,
    main: impl Fn() + Send + Sync + 'static,
) -> ::std::io::Result<()> {
    let schedule = explore::Schedule::parse(schedule)
        .map_err(|error| ::std::io::Error::new(::std::io::ErrorKind::InvalidInput, error.to_string()))?;
    let subject = app::Subject { title, source: None, lesson: None };
    let appearance = app::Appearance::new(app::ThemeName::default(), color_wanted());
    let launch = app::launch::Launch { paused: true, ..app::launch::Launch::default() };
    let program = explore::Program::new(main);
    let speed = launch.speed;
    app::steer::open(subject, appearance, &launch, move || {
        app::steer::Steered::start(program, Some(schedule), speed, None)
    })
    .map(drop)
}

/// [`watch`], recording the first run to `path` (binary, see [`record`]) for `threadviz replay` and
/// `threadviz export` (a restart is not recorded), with the program's source files in it
/// ([`RecordTo::with_sources`](record::RecordTo::with_sources)) so the replay shows them on any
/// machine. The file is complete and flushed when this returns, however the dashboard ended;
/// the summary says how many events it holds. Needs the `dashboard` feature.
///
/// ```no_run
/// let summary = threadviz::watch_recorded("my program", "run.tvr", || {
///     let worker = threadviz::thread::spawn(|| tracing::info!("hello"));
///     worker.join();
/// })
/// .expect("a terminal and a writable file");
/// eprintln!("{summary}");
/// ```
#[cfg(feature = "dashboard")]
pub fn watch_recorded(
    title: &'static str,
    path: impl AsRef<::std::path::Path>,
    main: impl Fn() + Send + Sync + 'static,
) -> ::std::io::Result<record::RecordSummary> {
    let subject = app::Subject { title, source: None, lesson: None };
    let appearance = app::Appearance::new(app::ThemeName::default(), color_wanted());
    // The program's own source goes along, so the replay shows it on any machine.
    let record = record::RecordTo::file(path, title)?.with_sources();
    app::live::open_recording(::std::sync::Arc::new(main), subject, appearance, app::launch::Launch::default(), record)?
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
    ::std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
}
