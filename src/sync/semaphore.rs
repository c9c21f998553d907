//! `Semaphore` and `BoundedSemaphore`: a counter of permits that threads take and give back.

use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use super::{PrimMeta, SyncError, deadline_after, timeout_mode};
use crate::event::{EventKind, PrimInfo, WaitMode};
use crate::session::context;
use crate::session::wait::{Outcome, WaitCell, block_on};

struct SemaphoreInner {
    value: Arc<WaitCell<usize>>,
    initial: usize,
    bounded: bool,
    meta: PrimMeta,
}

impl SemaphoreInner {
    fn create(
        kind: &'static str,
        name: Option<String>,
        value: usize,
        bounded: bool,
        loc: &'static Location<'static>,
    ) -> Arc<Self> {
        let info = PrimInfo::Semaphore { initial: value as u64, bounded };
        let meta = PrimMeta::new(kind, name, info, loc);
        Arc::new(Self { value: WaitCell::new(value), initial: value, bounded, meta })
    }

    fn acquire(&self, mode: WaitMode, timeout: Option<Duration>, loc: &'static Location<'static>) -> bool {
        self.meta.session.enter_gate(loc);
        self.meta.emit(loc, |prim| EventKind::Requested { prim, mode });
        let mut value = self.value.lock();
        let outcome = if mode == WaitMode::NonBlocking {
            if *value > 0 { Outcome::Ready } else { Outcome::TimedOut }
        } else {
            block_on(&self.value, &mut value, timeout.and_then(deadline_after), |value| *value > 0)
        };
        if outcome == Outcome::Killed {
            drop(value);
            context::die();
        }
        let got = outcome == Outcome::Ready;
        if got {
            *value -= 1;
        }
        let left = *value as u64;
        self.meta.emit(loc, |prim| match (got, mode) {
            (true, _) => EventKind::Acquired { prim, count: left },
            (false, WaitMode::NonBlocking) => EventKind::TryFailed { prim },
            (false, _) => EventKind::TimedOut { prim },
        });
        drop(value);
        self.meta.session.leave_gate();
        got
    }

    fn release(&self, n: usize, loc: &'static Location<'static>) -> Result<(), SyncError> {
        self.meta.session.enter_gate(loc);
        let mut value = self.value.lock();
        if self.bounded && value.saturating_add(n) > self.initial {
            drop(value);
            return Err(self.meta.misuse(loc, SyncError::TooManyReleases));
        }
        *value = value.saturating_add(n);
        let now = *value as u64;
        self.meta.emit(loc, |prim| EventKind::Released { prim, count: now });
        for _ in 0..n.min(1024) {
            self.value.notify_one();
        }
        if n > 1024 {
            self.value.notify_all();
        }
        Ok(())
    }

    fn fmt(&self, f: &mut fmt::Formatter<'_>, kind: &str) -> fmt::Result {
        write!(f, "<{kind} {} value={}/{}>", self.meta.name, *self.value.lock(), self.initial)
    }
}

/// Python's `threading.Semaphore`: `acquire` takes a permit (waiting while there is none),
/// `release` gives one back; releasing more than were taken simply raises the value.
///
/// ```
/// let pool = threadviz::sync::Semaphore::new(2);
/// assert!(pool.try_acquire() && pool.try_acquire());
/// assert!(!pool.try_acquire());
/// pool.release();
/// assert_eq!(pool.value(), 1);
/// ```
#[derive(Clone)]
pub struct Semaphore {
    inner: Arc<SemaphoreInner>,
}

/// Python's `threading.BoundedSemaphore`: a semaphore whose value may never exceed its initial
/// value; an extra release is refused ("Semaphore released too many times").
#[derive(Clone)]
pub struct BoundedSemaphore {
    inner: Arc<SemaphoreInner>,
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f, "Semaphore")
    }
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f, "BoundedSemaphore")
    }
}

macro_rules! common_methods {
    () => {
        /// Blocks until a permit is available, then takes it.
        #[track_caller]
        pub fn acquire(&self) {
            self.inner.acquire(WaitMode::Blocking, None, Location::caller());
        }

        /// Takes a permit without blocking; false if there was none.
        #[track_caller]
        #[must_use = "false means no permit was taken"]
        pub fn try_acquire(&self) -> bool {
            self.inner.acquire(WaitMode::NonBlocking, None, Location::caller())
        }

        /// Waits at most `timeout` (demo time) for a permit; false on timeout.
        #[track_caller]
        #[must_use = "false means no permit was taken"]
        pub fn acquire_timeout(&self, timeout: Duration) -> bool {
            self.inner.acquire(timeout_mode(timeout), Some(timeout), Location::caller())
        }

        /// Permits available now.
        #[must_use]
        pub fn value(&self) -> usize {
            *self.inner.value.lock()
        }

        /// The initial value.
        #[must_use]
        pub fn initial(&self) -> usize {
            self.inner.initial
        }

        /// The display name.
        #[must_use]
        pub fn name(&self) -> &str {
            &self.inner.meta.name
        }

        /// Takes a permit and returns a guard that gives it back on drop (`with sem:`).
        #[track_caller]
        #[must_use = "the permit is given back as soon as the guard is dropped"]
        pub fn hold(&self) -> SemaphoreGuard {
            let loc = Location::caller();
            self.inner.acquire(WaitMode::Blocking, None, loc);
            SemaphoreGuard { semaphore: self.inner.clone(), loc }
        }
    };
}

impl Semaphore {
    /// A semaphore with `value` permits, named `Semaphore-N`.
    #[track_caller]
    #[must_use]
    pub fn new(value: usize) -> Self {
        Self { inner: SemaphoreInner::create("Semaphore", None, value, false, Location::caller()) }
    }

    /// A named semaphore with `value` permits.
    #[track_caller]
    #[must_use]
    pub fn named(name: impl Into<String>, value: usize) -> Self {
        Self { inner: SemaphoreInner::create("Semaphore", Some(name.into()), value, false, Location::caller()) }
    }

    common_methods!();

    /// Gives one permit back, waking a waiter.
    #[track_caller]
    pub fn release(&self) {
        let _ = self.inner.release(1, Location::caller());
    }

    /// Gives `n` permits back, waking up to `n` waiters.
    #[track_caller]
    pub fn release_n(&self, n: usize) {
        let _ = self.inner.release(n, Location::caller());
    }
}

impl BoundedSemaphore {
    /// A bounded semaphore with `value` permits, named `BoundedSemaphore-N`.
    #[track_caller]
    #[must_use]
    pub fn new(value: usize) -> Self {
        Self { inner: SemaphoreInner::create("BoundedSemaphore", None, value, true, Location::caller()) }
    }

    /// A named bounded semaphore with `value` permits.
    #[track_caller]
    #[must_use]
    pub fn named(name: impl Into<String>, value: usize) -> Self {
        Self { inner: SemaphoreInner::create("BoundedSemaphore", Some(name.into()), value, true, Location::caller()) }
    }

    common_methods!();

    /// Gives one permit back; refused, with the value unchanged, if that would exceed the
    /// initial value.
    #[track_caller]
    pub fn release(&self) -> Result<(), SyncError> {
        self.inner.release(1, Location::caller())
    }

    /// Gives `n` permits back; refused, with the value unchanged, if that would exceed the
    /// initial value.
    #[track_caller]
    pub fn release_n(&self, n: usize) -> Result<(), SyncError> {
        self.inner.release(n, Location::caller())
    }
}

/// Holds one permit of a semaphore until dropped.
#[must_use = "the permit is given back as soon as the guard is dropped"]
pub struct SemaphoreGuard {
    semaphore: Arc<SemaphoreInner>,
    loc: &'static Location<'static>,
}

impl fmt::Debug for SemaphoreGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphoreGuard").field("semaphore", &self.semaphore.meta.name).finish()
    }
}

impl Drop for SemaphoreGuard {
    fn drop(&mut self) {
        let _ = self.semaphore.release(1, self.loc);
    }
}
