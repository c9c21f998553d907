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
//!     worker.join().expect("started");
//! });
//! assert!(events.receiver().try_iter().count() > 5);
//! ```

// Demos are lecture code written against the public API (`threadviz::...`), compiled in here.
extern crate self as threadviz;

pub mod app;
pub mod catalog;
pub mod cli;
pub mod event;
pub mod log;
pub mod model;
pub mod random;
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
///     worker.join().expect("started");
/// })
/// .expect("a terminal");
/// ```
pub fn watch(title: &'static str, main: impl Fn() + Send + Sync + 'static) -> std::io::Result<()> {
    let showing = app::Showing { title, source: None, lesson: None };
    let theme = view::theme::Theme::new(view::theme::ThemeName::default(), color_wanted());
    app::live::watch(std::sync::Arc::new(main), showing, theme, app::live::Launch::default())
}

/// Whether to use colour: not when `NO_COLOR` is set to anything non-empty.
#[must_use]
pub fn color_wanted() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
}

/// Runs `main` as the `MainThread` of a new session and prints its log lines to stdout as
/// `(ThreadName) message`, like the tutorials' logging format. Returns what `main` returns.
pub fn run_plain<R>(main: impl FnOnce() -> R) -> R {
    run_plain_in(&Session::new(), main)
}

/// [`run_plain`] in a session you configured (seed, speed).
pub fn run_plain_in<R>(session: &Session, main: impl FnOnce() -> R) -> R {
    let events = session.subscribe();
    let printer = std::thread::spawn(move || {
        let stdout = std::io::stdout();
        // A closed stdout (`| head`) only stops the printing, never the program.
        let _ = log::print_plain(events.receiver(), &mut stdout.lock());
    });
    let result = session.run(main);
    let _ = printer.join();
    result
}
