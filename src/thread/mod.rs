//! Threads as Python's `threading` module has them: `Thread`, `Timer` and the module functions
//! (`current_thread`, `enumerate`, `active_count`, ...), each reporting what it does.

mod error;
mod timer;

use std::fmt;
use std::panic::{AssertUnwindSafe, Location};
use std::sync::Arc;
use std::time::Duration;

pub use self::error::ThreadError;
pub use self::timer::{Timer, TimerBuilder};
use crate::event::{EventKind, ExitKind, SourceLoc, micros};
use crate::session::context;
use crate::session::registry::{Life, ThreadRecord};
use crate::session::wait::{Outcome, block_on};
use crate::session::{By, SessionInner, exit_of};

/// How long `start` lets a new thread run before returning, unless it blocks sooner. CPython
/// switches after 5 ms (`sys.getswitchinterval()`) of the new thread's running; a wall-clock
/// wait has to allow for the OS not running it at once on a busy machine, hence more. Only a
/// new thread that computes without any operation for that long makes `start` take this long.
const SWITCH_INTERVAL: Duration = Duration::from_millis(50);

/// What an OS thread runs for a threadviz thread: its target wrapped in the thread's life.
pub(crate) type OsBody<'a> = Box<dyn FnOnce() + Send + 'a>;

/// A handle to a thread, like a Python `Thread` object: cheap to clone, comparable, usable from
/// any thread.
#[derive(Clone)]
pub struct Thread {
    record: Arc<ThreadRecord>,
}

impl PartialEq for Thread {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.record, &other.record)
    }
}

impl Eq for Thread {}

impl fmt::Debug for Thread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &*self.record.life.lock() {
            Life::Created => "initial",
            Life::Started | Life::Ending => "started",
            Life::Finished(_) => "stopped",
        };
        let daemon = if self.record.is_daemon() { " daemon" } else { "" };
        match self.record.ident() {
            Some(ident) => write!(f, "<Thread({}, {state}{daemon} {ident})>", self.record.name()),
            None => write!(f, "<Thread({}, {state}{daemon})>", self.record.name()),
        }
    }
}

/// Options for a new [`Thread`]: its name and daemon flag.
#[derive(Debug, Default)]
#[must_use]
pub struct Builder {
    name: Option<String>,
    daemon: Option<bool>,
}

impl Builder {
    /// The thread's name (default `Thread-N`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Whether the thread is a daemon (default: inherited from the creating thread).
    pub fn daemon(mut self, daemon: bool) -> Self {
        self.daemon = Some(daemon);
        self
    }

    /// Creates the thread, not started.
    #[track_caller]
    pub fn build(self, target: impl FnOnce() + Send + 'static) -> Thread {
        self.build_at(target, Location::caller())
    }

    pub(crate) fn build_at(self, target: impl FnOnce() + Send + 'static, loc: &'static Location<'static>) -> Thread {
        let creator = context::current();
        // As Python's: a thread threadviz did not start is a daemon (its `_DummyThread`), and so
        // are the threads it creates.
        let daemon = self.daemon.unwrap_or_else(|| creator.is_daemon());
        let record = creator.session.create_thread(self.name, daemon, loc);
        *record.target.lock() = Some(Box::new(target));
        Thread { record }
    }
}

impl Thread {
    /// A new thread that will run `target`; not started. Named `Thread-N`, daemon flag inherited
    /// from the creating thread.
    #[track_caller]
    pub fn new(target: impl FnOnce() + Send + 'static) -> Self {
        Builder::default().build_at(target, Location::caller())
    }

    /// Options for a named or daemon thread.
    pub fn builder() -> Builder {
        Builder::default()
    }

    pub(crate) fn from_record(record: Arc<ThreadRecord>) -> Self {
        Self { record }
    }

    /// The thread's number in its session (1 is `MainThread`): what events and
    /// [`Session::step`](crate::Session::step) use.
    #[must_use]
    pub fn tid(&self) -> crate::event::Tid {
        self.record.tid
    }

    /// Starts the thread, as Python's `start()` does. A target that panics ends its thread
    /// (reported with its message, as Python prints a traceback); the other threads carry on.
    ///
    /// # Panics
    /// Where Python raises `RuntimeError`: when the thread was started before ("threads can
    /// only be started once"); and when the operating system cannot create a thread, as
    /// `std::thread::spawn` does. So starting a thread just built panics only if the OS
    /// refuses. Like an uncaught exception, the panic ends the calling thread only, shown as
    /// PANICKED with Python's message, and the error is in the log.
    /// [`try_start`](Self::try_start) returns the error instead, for code that expects it.
    #[track_caller]
    pub fn start(&self) {
        if let Err(error) = self.try_start() {
            panic!("{error}");
        }
    }

    /// [`start`](Self::start), returning the misuse instead of panicking: Python's
    /// `try: t.start()` / `except RuntimeError:`. The misuse is reported as an event either way.
    #[track_caller]
    pub fn try_start(&self) -> Result<(), ThreadError> {
        let target = self.record.target.lock().take();
        let body: OsBody<'static> = Box::new(move || {
            if let Some(target) = target {
                target();
            }
        });
        let session = self.record.session.clone();
        self.start_with(body, Location::caller(), |name, body| {
            session.spawn_os_thread(std::thread::Builder::new().name(name), body)
        })
    }

    /// Starts the thread running `target` on an OS thread that `spawn` creates (given the
    /// thread's name and the body to run): `std::thread::Builder::spawn` for a thread of its
    /// own, or a scoped spawn whose `target` may borrow from its scope (`threadviz::std`'s
    /// `thread::scope`). Everything else is [`try_start`](Self::try_start)'s.
    pub(crate) fn start_with<'a>(
        &self,
        target: OsBody<'a>,
        loc: &'static Location<'static>,
        spawn: impl FnOnce(String, OsBody<'a>) -> std::io::Result<()>,
    ) -> Result<(), ThreadError> {
        let session = self.record.session.clone();
        session.enter_gate(loc);
        {
            let mut life = self.record.life.lock();
            if *life != Life::Created {
                drop(life);
                return Err(misuse(&session, loc, ThreadError::StartedTwice));
            }
            *life = Life::Started;
        }
        let ident = context::next_ident();
        self.record.set_ident(ident);
        session.registry.add_alive(self.record.clone());
        let record = self.record.clone();
        let dispatch = tracing::dispatcher::get_default(Clone::clone);
        // Python's start() waits for the new thread's `_started` event: when it returns, the
        // thread is running (is_alive, enumerate, current_thread all agree). Under the GIL the
        // new thread then keeps running until it blocks or the 5 ms switch interval passes,
        // which is why the tutorials' output always shows a new thread's first lines before
        // the starter's next ones; waiting for its first yield, for as long, does the same.
        // The ThreadStarted event carries the new thread's OS id, which only the new thread can
        // read: it sends the event on its starter's behalf before anything of its own, and
        // the starter waits for that, so the event keeps its place in the starter's stream.
        // Who started it is read here, on the starter's thread, and only while anybody
        // listens: reading it may register a starter threadviz did not start.
        let started_by = session.listening().then(|| context::tid_in(&session));
        let (started, has_started) = crossbeam_channel::bounded::<()>(1);
        let (first_yield, has_yielded) = crossbeam_channel::bounded::<()>(1);
        self.record.tell_first_yield(first_yield);
        let body: OsBody<'a> = Box::new(move || {
            let _dispatch = tracing::dispatcher::set_default(&dispatch);
            context::set_ident(ident);
            context::bind(Some(record.clone()));
            record.note_os_thread();
            if let Some(starter) = started_by {
                record.session.emit_direct(By::Thread(starter), Some(SourceLoc::from_location(loc)), || {
                    EventKind::ThreadStarted {
                        tid: record.tid,
                        daemon: record.is_daemon(),
                        os_tid: crate::kernel::current_os_tid(),
                    }
                });
            }
            // The receiver waits in start(); if it is gone the send simply does nothing.
            let _ = started.send(());
            // Its `threadviz::std::thread_local!` values are its own, destroyed when its
            // function ends, while it is still this thread (as std destroys them at the OS
            // thread's exit). A destructor that panics ends a thread that returned as panicked.
            let locals = context::locals::ThreadLocals::begin();
            let result = std::panic::catch_unwind(AssertUnwindSafe(target));
            let destroyed = locals.end();
            let exit = if result.is_ok() { exit_of(&destroyed) } else { exit_of(&result) };
            context::bind(None);
            record.session.thread_ended(&record, exit);
        });
        // Counted until its body ends: a run given up says how many of its threads it leaves.
        let spawned = spawn(self.record.name(), session.os_threads.counted(body));
        if let Err(error) = spawned {
            self.record.finish(ExitKind::Normal);
            session.registry.remove_alive(self.record.tid);
            return Err(misuse(&session, loc, ThreadError::Spawn(error.to_string())));
        }
        // Only fails if the new thread died before binding, which it cannot without a send.
        let _ = has_started.recv();
        if session.controlled {
            // One thread moves at a time: the new one's first steps are part of this step, up
            // to its first operation, where it waits for its controller like every thread. A
            // run given up (the new thread waits outside threadviz) kills the starter: it goes.
            while let Err(crossbeam_channel::RecvTimeoutError::Timeout) = has_yielded.recv_timeout(SWITCH_INTERVAL) {
                context::die_if_killed();
            }
        } else {
            let _ = has_yielded.recv_timeout(SWITCH_INTERVAL);
        }
        session.leave_gate();
        Ok(())
    }

    /// Waits until the thread ends, as Python's `join()` does.
    ///
    /// # Panics
    /// Where Python raises `RuntimeError`: when the thread was never started ("cannot join
    /// thread before it is started") or is the calling thread ("cannot join current thread").
    /// [`try_join`](Self::try_join) returns these errors instead.
    #[track_caller]
    pub fn join(&self) {
        if let Err(error) = self.try_join() {
            panic!("{error}");
        }
    }

    /// [`join`](Self::join), returning the misuse instead of panicking. The misuse is reported
    /// as an event either way.
    #[track_caller]
    pub fn try_join(&self) -> Result<(), ThreadError> {
        self.join_until(None, Location::caller()).map(|_| ())
    }

    /// [`try_join`](Self::try_join) from the place `loc` (a `threadviz::std` join handle's).
    pub(crate) fn join_at(&self, loc: &'static Location<'static>) -> Result<(), ThreadError> {
        self.join_until(None, loc).map(|_| ())
    }

    /// Waits at most `timeout` (demo time) for the thread to end; true when it has ended.
    /// Python's `join(timeout)` returns nothing and leaves the question to `is_alive()`; here
    /// the answer comes back too, for code that wants it.
    ///
    /// # Panics
    /// As [`join`](Self::join) does; [`try_join_timeout`](Self::try_join_timeout) returns the
    /// error instead.
    #[track_caller]
    #[allow(clippy::must_use_candidate, reason = "Python programs call join(timeout) and ask is_alive() after")]
    pub fn join_timeout(&self, timeout: Duration) -> bool {
        self.try_join_timeout(timeout).unwrap_or_else(|error| panic!("{error}"))
    }

    /// [`join_timeout`](Self::join_timeout), returning the misuse instead of panicking;
    /// `Ok(true)` when the thread has ended.
    #[track_caller]
    pub fn try_join_timeout(&self, timeout: Duration) -> Result<bool, ThreadError> {
        self.join_until(Some(timeout), Location::caller())
    }

    fn join_until(&self, timeout: Option<Duration>, loc: &'static Location<'static>) -> Result<bool, ThreadError> {
        let me = context::current();
        let session = me.session.clone();
        session.enter_gate(loc);
        if Arc::ptr_eq(&me, &self.record) {
            return Err(misuse(&session, loc, ThreadError::JoinSelf));
        }
        if *self.record.life.lock() == Life::Created {
            return Err(misuse(&session, loc, ThreadError::JoinBeforeStart));
        }
        let target = self.record.tid;
        session.emit(Some(loc), || EventKind::JoinBegin { target, timeout_us: timeout.map(micros) });
        let deadline = timeout.and_then(|timeout| session.clock.deadline_after(timeout));
        let outcome = {
            let mut life = self.record.life.lock();
            block_on(&self.record.life, &mut life, deadline, |life| matches!(life, Life::Finished(_)))
        };
        let finished = outcome == Outcome::Ready;
        session.emit(Some(loc), || EventKind::JoinEnd { target, finished });
        session.leave_gate();
        Ok(finished)
    }

    /// Whether the thread has started and not yet ended.
    #[must_use]
    pub fn is_alive(&self) -> bool {
        // Programs poll this in busy loops: a stopped program must be able to end there too.
        context::with_current(|me| me.session.leave_gate());
        self.record.is_alive()
    }

    /// The thread's name.
    #[must_use]
    pub fn name(&self) -> String {
        self.record.name()
    }

    /// Renames the thread.
    #[track_caller]
    pub fn set_name(&self, name: impl Into<String>) {
        let name = name.into();
        self.record.set_name(name.clone());
        let loc = Some(SourceLoc::from_location(Location::caller()));
        self.record.session.emit_direct(By::Caller, loc, || EventKind::ThreadRenamed { tid: self.record.tid, name });
    }

    /// The thread's identifier, once started (unique in the process, never reused).
    #[must_use]
    pub fn ident(&self) -> Option<u64> {
        self.record.ident()
    }

    /// Whether the thread is a daemon (stopped at shutdown instead of waited for).
    #[must_use]
    pub fn is_daemon(&self) -> bool {
        self.record.is_daemon()
    }

    /// Changes the daemon flag, as Python's `t.daemon = True` does; only before `start()`.
    ///
    /// # Panics
    /// When the thread was started already, where Python raises `RuntimeError` ("cannot set
    /// daemon status of active thread"); [`try_set_daemon`](Self::try_set_daemon) returns the
    /// error instead.
    #[track_caller]
    pub fn set_daemon(&self, daemon: bool) {
        if let Err(error) = self.try_set_daemon(daemon) {
            panic!("{error}");
        }
    }

    /// [`set_daemon`](Self::set_daemon), returning the misuse instead of panicking.
    #[track_caller]
    pub fn try_set_daemon(&self, daemon: bool) -> Result<(), ThreadError> {
        if *self.record.life.lock() != Life::Created {
            return Err(misuse(&self.record.session, Location::caller(), ThreadError::DaemonAfterStart));
        }
        self.record.set_daemon(daemon);
        Ok(())
    }

    /// Whether this is the session's `MainThread`.
    #[must_use]
    pub fn is_main(&self) -> bool {
        self.record.session.main_thread().is_some_and(|main| Arc::ptr_eq(&main, &self.record))
    }
}

fn misuse(session: &Arc<SessionInner>, loc: &'static Location<'static>, error: ThreadError) -> ThreadError {
    session.emit(Some(loc), || EventKind::Misuse { prim: None, message: error.to_string() });
    error
}

/// Creates and starts a thread running `target`.
///
/// # Panics
/// If the operating system cannot create a thread (as `std::thread::spawn` does).
#[track_caller]
pub fn spawn(target: impl FnOnce() + Send + 'static) -> Thread {
    let thread = Builder::default().build_at(target, Location::caller());
    thread.start();
    thread
}

/// The calling thread. Threads threadviz did not start are registered on first use, as Python
/// registers "dummy" threads.
#[must_use]
pub fn current_thread() -> Thread {
    Thread { record: context::current() }
}

/// The session's `MainThread`.
#[must_use]
pub fn main_thread() -> Thread {
    let current = context::current();
    Thread { record: current.session.main_thread().unwrap_or(current) }
}

/// Every live thread of the current session (started and not ended), in creation order.
#[must_use]
pub fn enumerate() -> Vec<Thread> {
    context::session().registry.alive().into_iter().map(Thread::from_record).collect()
}

/// The number of live threads of the current session.
#[must_use]
pub fn active_count() -> usize {
    context::session().registry.count_alive()
}

/// The calling thread's identifier.
#[must_use]
pub fn get_ident() -> u64 {
    context::ident()
}

/// Sleeps for `duration` of demo time: scaled by the session's speed, frozen while paused.
#[track_caller]
pub fn sleep(duration: Duration) {
    let loc = Location::caller();
    let me = context::current();
    let session = me.session.clone();
    session.enter_gate(loc);
    session.emit(Some(loc), || EventKind::SleepBegin { duration_us: micros(duration) });
    let deadline = session.clock.deadline_after(duration);
    // A sleep with an end ends at once where sleeps end in any order; one too long to have a
    // deadline never ends, whichever way.
    if session.sleeps == crate::session::Sleeps::AnyOrder && deadline.is_some() {
        session.emit(Some(loc), || EventKind::SleepEnd);
        return;
    }
    let outcome = {
        let mut nothing = me.sleep.lock();
        block_on(&me.sleep, &mut nothing, deadline, |()| false)
    };
    if outcome == Outcome::Killed {
        context::die();
    }
    session.emit(Some(loc), || EventKind::SleepEnd);
}
