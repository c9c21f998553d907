//! Which threadviz thread the calling OS thread is: a thread-local binding, adopted lazily for
//! threads threadviz did not start (Python's dummy threads).

use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::registry::ThreadRecord;
use super::{SessionInner, default_session};
use crate::event::Tid;

pub(crate) mod locals;

/// The unwind payload that stops a daemon thread at shutdown. It is not a panic: no hook runs.
#[derive(Debug)]
pub(crate) struct Killed;

/// The process's main thread's identifier: known before it calls in, so `main_thread()` has
/// an ident whichever thread asks, as Python's has.
pub(crate) const PROCESS_MAIN_IDENT: u64 = 1;

static NEXT_IDENT: AtomicU64 = AtomicU64::new(PROCESS_MAIN_IDENT + 1);

/// The binding of this OS thread. Adopted foreign threads leave their session when the OS
/// thread ends.
#[derive(Default)]
struct Binding {
    record: Option<Arc<ThreadRecord>>,
    adopted: bool,
}

impl Drop for Binding {
    fn drop(&mut self) {
        if let (true, Some(record)) = (self.adopted, self.record.take()) {
            record.session.foreign_thread_ended(&record);
        }
    }
}

thread_local! {
    static CURRENT: RefCell<Binding> = const { RefCell::new(Binding { record: None, adopted: false }) };
    static IDENT: Cell<u64> = const { Cell::new(0) };
}

/// A fresh process-wide thread identifier (never reused, never 0).
pub(crate) fn next_ident() -> u64 {
    NEXT_IDENT.fetch_add(1, Ordering::Relaxed)
}

/// Whether the calling OS thread is the process's main thread: on Linux, the thread whose id is
/// the process's; elsewhere the one std names `main`.
pub(crate) fn is_process_main_thread() -> bool {
    crate::kernel::current_os_tid()
        .map_or_else(|| std::thread::current().name() == Some("main"), |os_tid| os_tid == std::process::id())
}

/// This OS thread's identifier, assigned on first use ([`PROCESS_MAIN_IDENT`] for the
/// process's main thread).
pub(crate) fn ident() -> u64 {
    let fresh = || if is_process_main_thread() { PROCESS_MAIN_IDENT } else { next_ident() };
    IDENT
        .try_with(|cell| {
            let ident = cell.get();
            if ident != 0 {
                return ident;
            }
            let ident = fresh();
            cell.set(ident);
            ident
        })
        .unwrap_or_else(|_| fresh())
}

pub(crate) fn set_ident(ident: u64) {
    let _ = IDENT.try_with(|cell| cell.set(ident));
}

/// Whether this OS thread runs as a threadviz thread (started by threadviz or adopted), whose
/// panics the session reports itself.
pub(crate) fn is_bound() -> bool {
    CURRENT.try_with(|binding| binding.try_borrow().is_ok_and(|binding| binding.record.is_some())).unwrap_or(false)
}

/// The current thread's record, adopting the OS thread into the default session if needed.
pub(crate) fn current() -> Arc<ThreadRecord> {
    CURRENT
        .try_with(|binding| {
            if let Some(record) = &binding.borrow().record {
                return record.clone();
            }
            let record = default_session().adopt_current_os_thread();
            let mut binding = binding.borrow_mut();
            binding.record = Some(record.clone());
            binding.adopted = true;
            record
        })
        // During thread-local destruction: act as an anonymous foreign thread.
        .unwrap_or_else(|_| default_session().adopt_current_os_thread())
}

/// Runs `f` with the current thread's record without cloning it (the hot path of the gate).
pub(crate) fn with_current<R>(f: impl FnOnce(&Arc<ThreadRecord>) -> R) -> R {
    let mut f = Some(f);
    let bound =
        CURRENT.try_with(|binding| binding.borrow().record.as_ref().and_then(|record| f.take().map(|f| f(record))));
    if let Ok(Some(result)) = bound {
        return result;
    }
    match f.take() {
        Some(f) => f(&current()),
        None => unreachable!("`f` runs at most once and only returns through the path above"),
    }
}

/// The current thread's number within `session`, or 0 if it belongs to another session.
pub(crate) fn tid_in(session: &SessionInner) -> u32 {
    let tid_if_in =
        |record: &ThreadRecord| if std::ptr::eq(Arc::as_ptr(&record.session), session) { record.tid } else { 0 };
    let bound = CURRENT.try_with(|binding| binding.borrow().record.as_deref().map(tid_if_in)).ok().flatten();
    bound.unwrap_or_else(|| tid_if_in(&current()))
}

/// The session of the current thread.
pub(crate) fn session() -> Arc<SessionInner> {
    current().session.clone()
}

/// Binds this OS thread to `record` (or unbinds it); returns the previous binding.
pub(crate) fn bind(record: Option<Arc<ThreadRecord>>) -> Option<Arc<ThreadRecord>> {
    CURRENT
        .try_with(|binding| {
            let mut binding = binding.borrow_mut();
            binding.adopted = false;
            std::mem::replace(&mut binding.record, record)
        })
        .ok()
        .flatten()
}

/// Stops the current (killed daemon) thread by unwinding to its start function.
pub(crate) fn die() -> ! {
    std::panic::resume_unwind(Box::new(Killed))
}

/// Unwinds if the current thread was killed at shutdown; called after operations that can block.
pub(crate) fn die_if_killed() {
    if !std::thread::panicking() && current().is_killed() {
        die();
    }
}

/// Whose event a direct one is (`SessionInner::emit_direct`): the calling thread, as its
/// context says, or a thread named by number.
#[derive(Debug, Clone, Copy)]
pub(crate) enum By {
    /// The calling thread (0 if it belongs to another session).
    Caller,
    /// The thread with this number (0: the session's controller).
    Thread(Tid),
}
