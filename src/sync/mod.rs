//! Synchronisation primitives as Python's `threading` and `queue` modules have them, built on
//! `parking_lot`, each reporting every state change of its session as an event.
//!
//! Every type is a cheap `Clone` handle to shared state, like a Python object reference.
//! With nobody listening and the session running, an operation costs a flag check on top of
//! the raw primitive. Every operation goes in through its session's gate
//! (`SessionInner::enter_gate`) and reports through its session's event path.

mod barrier;
mod condition;
mod error;
mod event;
mod local;
mod lock;
mod queue;
mod rlock;
mod semaphore;
mod shared;

use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

pub use self::barrier::Barrier;
pub use self::condition::{Condition, ConditionGuard, ConditionLock};
pub use self::error::{BrokenBarrierError, Empty, Full, SyncError};
pub use self::event::Event;
pub use self::local::Local;
pub use self::lock::{Lock, LockGuard};
pub use self::queue::Queue;
pub use self::rlock::{RLock, RLockGuard};
pub use self::semaphore::{BoundedSemaphore, Semaphore, SemaphoreGuard};
pub use self::shared::Shared;
use crate::event::{EventKind, PrimId, PrimInfo, WaitMode, micros};
use crate::session::context;
use crate::session::{PackedKind, SessionInner};

/// What every primitive carries: its session, number and display name.
#[derive(Debug)]
pub(crate) struct PrimMeta {
    pub(crate) session: Arc<SessionInner>,
    pub(crate) pid: PrimId,
    pub(crate) name: String,
}

impl PrimMeta {
    pub(crate) fn new(
        kind: &'static str,
        name: Option<String>,
        info: PrimInfo,
        loc: &'static Location<'static>,
    ) -> Self {
        let session = context::session();
        let (pid, name) = session.register_prim(kind, name, info, loc);
        Self { session, pid, name }
    }

    /// Whether anything beyond the raw primitive is needed: a listener, the gate or shutdown.
    #[inline]
    pub(crate) fn active(&self) -> bool {
        self.session.active()
    }

    /// Sends the event `kind` builds for this primitive, through the session's hot path.
    #[inline]
    pub(crate) fn emit(&self, loc: &'static Location<'static>, kind: impl FnOnce(PrimId) -> EventKind) {
        self.session.emit(Some(loc), || kind(self.pid));
    }

    /// Reports an acquire that succeeded without waiting: requested then acquired, as one
    /// record when they fit in one.
    #[inline]
    pub(crate) fn emit_acquired_at_once(&self, loc: &'static Location<'static>, mode: WaitMode, count: u64) {
        if let Some(pair) = PackedKind::acquired_at_once(self.pid, mode, count) {
            self.session.emit(Some(loc), || pair);
        } else {
            // A timeout and a count do not both fit in one record.
            self.emit(loc, |prim| EventKind::Requested { prim, mode });
            self.emit(loc, |prim| EventKind::Acquired { prim, count });
        }
    }

    /// Reports a misuse and hands the error back.
    pub(crate) fn misuse(&self, loc: &'static Location<'static>, error: SyncError) -> SyncError {
        self.emit(loc, |prim| EventKind::Misuse { prim: Some(prim), message: error.to_string() });
        error
    }
}

/// The demo-time deadline `timeout` from now on the calling thread's clock (None: forever).
pub(crate) fn deadline_after(timeout: Duration) -> Option<u64> {
    context::session().clock.deadline_after(timeout)
}

/// The wait mode an event reports for a timeout.
pub(crate) fn timeout_mode(timeout: Duration) -> WaitMode {
    if timeout == Duration::MAX { WaitMode::Blocking } else { WaitMode::Timeout(micros(timeout)) }
}

/// Demo microseconds of an optional timeout, for `WaitBegin` events.
pub(crate) fn timeout_us(timeout: Option<Duration>) -> Option<u64> {
    timeout.filter(|timeout| *timeout != Duration::MAX).map(micros)
}
