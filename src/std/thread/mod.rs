//! `threadviz::std::thread`: std's `thread` module on threadviz threads. Each thread is a
//! threadviz thread (a row of the dashboard, a choice of the explorer); `join` returns what
//! the thread returned, or its panic's payload, as std's does.

mod local;
mod park;
mod scope;

use std::fmt;
use std::io;
use std::num::NonZeroUsize;
use std::panic::{AssertUnwindSafe, Location};
use std::sync::Arc;
use std::time::Duration;

pub use self::local::{AccessError, LocalKey};
use self::park::{Parker, adopt, own};
pub use self::park::{park, park_timeout};
pub use self::scope::{Scope, ScopedJoinHandle, scope};
use crate::session::context::Killed;
use crate::thread::{OsBody, ThreadError};

/// A thread's result as `join` gives it: its value, or the payload of its panic.
pub type Result<T> = std::thread::Result<T>;

/// Where a thread leaves its result for `join`.
type Slot<T> = parking_lot::Mutex<Option<Result<T>>>;

/// A thread's identifier, unique in the process and never reused, as std's (the thread's
/// `ident` in threadviz).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ThreadId(u64);

/// A handle to a thread, as std's `Thread`: its name, its id, and `unpark`.
#[derive(Clone)]
pub struct Thread {
    handle: crate::thread::Thread,
    /// The name std gives it: the builder's, `main` for the main thread, none otherwise.
    name: Option<Arc<str>>,
    parker: Arc<Parker>,
}

impl fmt::Debug for Thread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Thread").field("id", &self.id()).field("name", &self.name()).finish_non_exhaustive()
    }
}

impl Thread {
    fn new(handle: crate::thread::Thread, name: Option<Arc<str>>) -> Self {
        Self { handle, name, parker: Arc::new(Parker::default()) }
    }

    /// The thread's name, as std gives it: the one its [`Builder`] set, `main` for the
    /// session's main thread, and none for a thread spawned without one (the dashboard shows
    /// that one as `Thread-N`).
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The thread's identifier.
    #[must_use]
    pub fn id(&self) -> ThreadId {
        ThreadId(self.handle.ident().unwrap_or(0))
    }

    /// Gives the thread its park token: its next [`park`] (or the one it is in) returns. One
    /// step, shown as a set of the thread's park token (`park(Thread-2)`).
    #[track_caller]
    pub fn unpark(&self) {
        self.parker.unpark(&self.handle, Location::caller());
    }
}

/// Options for a new thread, as std's `Builder`: its name and stack size.
#[derive(Debug, Default)]
#[must_use = "a builder does nothing until it spawns"]
pub struct Builder {
    name: Option<String>,
    stack_size: Option<usize>,
}

impl Builder {
    /// A builder with no name and the default stack size.
    pub fn new() -> Self {
        Self::default()
    }

    /// The thread's name: what [`Thread::name`] returns and the dashboard shows.
    pub fn name(mut self, name: String) -> Self {
        self.name = Some(name);
        self
    }

    /// The new OS thread's stack size in bytes, passed on to std.
    pub fn stack_size(mut self, size: usize) -> Self {
        self.stack_size = Some(size);
        self
    }

    /// Spawns the thread; an error when the operating system cannot create it.
    #[track_caller]
    pub fn spawn<F, T>(self, f: F) -> io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // A thread of std's default stack may run on a parked OS thread of an explored run's.
        let pooled = self.stack_size.is_none();
        let (thread, result) = launch(self, f, Location::caller(), |os, body| {
            if pooled { crate::session::context::session().spawn_os_thread(os, body) } else { os.spawn(body).map(drop) }
        })?;
        Ok(JoinHandle { thread, result })
    }

    /// Spawns a thread in `scope`, which may borrow what outlives the scope.
    #[track_caller]
    pub fn spawn_scoped<'scope, 'env, F, T>(
        self,
        scope: &'scope Scope<'scope, 'env>,
        f: F,
    ) -> io::Result<ScopedJoinHandle<'scope, T>>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        scope.spawn_with(self, f, Location::caller())
    }
}

/// Creates and starts a threadviz thread running `f` on the OS thread `spawn_os` makes from the
/// builder std would use; the thread and where its result will be.
fn launch<'a, F, T>(
    builder: Builder,
    f: F,
    loc: &'static Location<'static>,
    spawn_os: impl FnOnce(std::thread::Builder, OsBody<'a>) -> io::Result<()>,
) -> io::Result<(Thread, Arc<Slot<T>>)>
where
    F: FnOnce() -> T + Send + 'a,
    T: Send + 'a,
{
    let mut options = crate::thread::Builder::default();
    if let Some(name) = &builder.name {
        options = options.name(name.clone());
    }
    // The target runs from `start_with`, which may borrow; the record's own stays empty.
    let handle = options.build_at(|| {}, loc);
    let thread = Thread::new(handle.clone(), builder.name.map(Arc::from));
    let result: Arc<Slot<T>> = Arc::new(parking_lot::Mutex::new(None));
    let body: OsBody<'a> = {
        let thread = thread.clone();
        let result = result.clone();
        Box::new(move || {
            adopt(Some(thread));
            let ran = std::panic::catch_unwind(AssertUnwindSafe(f));
            // The OS thread may run another thread next (a parked worker of an explored run).
            adopt(None);
            match ran {
                Ok(value) => *result.lock() = Some(Ok(value)),
                // A daemon stopped at shutdown: no result, and the stop goes on unwinding.
                Err(payload) if payload.is::<Killed>() => std::panic::resume_unwind(payload),
                Err(payload) => {
                    // The payload goes to `join`; the thread still ends as panicked, with the
                    // message (the panic hook already ran once, as std's does).
                    let message = crate::session::panic_message(payload.as_ref());
                    *result.lock() = Some(Err(payload));
                    std::panic::resume_unwind(Box::new(message));
                }
            }
        })
    };
    let stack_size = builder.stack_size;
    handle
        .start_with(body, loc, |name, body| {
            let mut os = std::thread::Builder::new().name(name);
            if let Some(size) = stack_size {
                os = os.stack_size(size);
            }
            spawn_os(os, body)
        })
        .map_err(|error| match error {
            ThreadError::Spawn(reason) => io::Error::other(reason),
            other => io::Error::other(other.to_string()),
        })?;
    Ok((thread, result))
}

/// Waits for a thread and takes its result: after a threadviz join (a visible wait), the
/// value it returned or its panic's payload.
fn join_result<T>(thread: &Thread, result: &Slot<T>, loc: &'static Location<'static>) -> Result<T> {
    if let Err(error) = thread.handle.join_at(loc) {
        panic!("{error}");
    }
    result.lock().take().unwrap_or_else(|| Err(Box::new("the thread was stopped before it returned")))
}

/// An owned permission to join a thread, as std's: `join` waits for it and returns its value,
/// or `Err` with its panic's payload.
pub struct JoinHandle<T> {
    thread: Thread,
    result: Arc<Slot<T>>,
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle").field("thread", &self.thread).finish_non_exhaustive()
    }
}

impl<T> JoinHandle<T> {
    /// Waits for the thread to end: its value, or the payload of its panic.
    ///
    /// # Panics
    /// When a thread joins itself, as std's may.
    #[track_caller]
    pub fn join(self) -> Result<T> {
        join_result(&self.thread, &self.result, Location::caller())
    }

    /// The thread.
    #[must_use]
    pub fn thread(&self) -> &Thread {
        &self.thread
    }

    /// Whether the thread has ended (its `join` then returns at once).
    #[must_use]
    pub fn is_finished(&self) -> bool {
        !self.thread.handle.is_alive()
    }
}

/// Spawns a thread running `f`, as `std::thread::spawn` does.
///
/// # Panics
/// When the operating system cannot create a thread, as std's does.
#[track_caller]
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Builder::new().spawn(f).expect("failed to spawn thread")
}

/// The calling thread.
#[must_use]
pub fn current() -> Thread {
    own()
}

/// Sleeps for `duration` of demo time (in an explored run, until the explorer lets time pass;
/// under [`Strategy::Dpor`](crate::explore::Strategy::Dpor), ended in its own step).
#[track_caller]
pub fn sleep(duration: Duration) {
    crate::thread::sleep(duration);
}

/// Lets another thread go first: one step of the explorer, a hint to the OS otherwise.
#[track_caller]
pub fn yield_now() {
    crate::session::context::session().enter_gate(Location::caller());
    std::thread::yield_now();
}

/// How many threads the machine runs at once, as std says. In an explored run, whose threads
/// threadviz keeps on one CPU (they move one at a time), the machine's count all the same.
pub fn available_parallelism() -> io::Result<NonZeroUsize> {
    let explored = crate::session::context::session().controlled;
    match crate::explore::pin::machine_cpus() {
        Some(cpus) if explored => Ok(cpus),
        _ => std::thread::available_parallelism(),
    }
}

/// Whether the calling thread is unwinding from a panic.
#[must_use]
pub fn panicking() -> bool {
    std::thread::panicking()
}
