//! `RLock`: Python's re-entrant lock, owned by one thread with a recursion level.

use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use super::{PrimMeta, SyncError, deadline_after, timeout_mode};
use crate::event::{EventKind, PrimInfo, WaitMode};
use crate::session::context;
use crate::session::wait::{Outcome, WaitCell, block_on};

pub(crate) struct RLockInner {
    /// The owner's ident; 0 when unlocked.
    owner: AtomicU64,
    /// Recursion level; written only by the owner.
    level: AtomicUsize,
    has_waiters: AtomicBool,
    waiters: Arc<WaitCell<usize>>,
    pub(crate) meta: PrimMeta,
}

impl RLockInner {
    fn try_lock(&self, me: u64) -> Option<usize> {
        let owner = self.owner.load(Ordering::Relaxed);
        if owner == me {
            let level = self.level.load(Ordering::Relaxed) + 1;
            self.level.store(level, Ordering::Relaxed);
            return Some(level);
        }
        if owner == 0 && self.owner.compare_exchange(0, me, Ordering::SeqCst, Ordering::Relaxed).is_ok() {
            self.level.store(1, Ordering::Relaxed);
            return Some(1);
        }
        None
    }

    fn lock_slow(&self, me: u64, deadline: Option<u64>) -> (Outcome, usize) {
        let mut waiters = self.waiters.lock();
        *waiters += 1;
        self.has_waiters.store(true, Ordering::SeqCst);
        let mut level = 0;
        let outcome =
            block_on(&self.waiters, &mut waiters, deadline, |_| self.try_lock(me).map(|got| level = got).is_some());
        *waiters -= 1;
        if *waiters == 0 {
            self.has_waiters.store(false, Ordering::SeqCst);
        } else if outcome != Outcome::Ready {
            self.waiters.notify_one();
        }
        (outcome, level)
    }

    /// The acquire without gate or events; the level reached, if acquired.
    pub(crate) fn acquire_quiet(&self, mode: WaitMode, timeout: Option<Duration>) -> Option<usize> {
        let me = context::ident();
        if let Some(level) = self.try_lock(me) {
            return Some(level);
        }
        if mode == WaitMode::NonBlocking {
            return None;
        }
        match self.lock_slow(me, timeout.and_then(deadline_after)) {
            (Outcome::Ready, level) => Some(level),
            (Outcome::Killed, _) => context::die(),
            (Outcome::TimedOut, _) => None,
        }
    }

    pub(crate) fn acquire(&self, mode: WaitMode, timeout: Option<Duration>, loc: &'static Location<'static>) -> bool {
        if !self.meta.active() {
            return self.acquire_quiet(mode, timeout).is_some();
        }
        self.meta.session.enter_gate(loc);
        self.meta.emit(loc, |prim| EventKind::Requested { prim, mode });
        let level = self.acquire_quiet(mode, timeout);
        self.meta.emit(loc, |prim| match (level, mode) {
            (Some(level), _) => EventKind::Acquired { prim, count: level as u64 },
            (None, WaitMode::NonBlocking) => EventKind::TryFailed { prim },
            (None, _) => EventKind::TimedOut { prim },
        });
        self.meta.session.leave_gate();
        level.is_some()
    }

    /// Drops one level (all levels when `fully`); the level left. Err if not the owner.
    fn unlock(&self, fully: bool, before_free: impl FnOnce(usize)) -> Result<usize, SyncError> {
        let me = context::ident();
        if self.owner.load(Ordering::Relaxed) != me {
            return Err(SyncError::NotOwner);
        }
        let level = if fully { 0 } else { self.level.load(Ordering::Relaxed).saturating_sub(1) };
        before_free(level);
        self.level.store(level, Ordering::Relaxed);
        if level == 0 {
            self.owner.store(0, Ordering::SeqCst);
            if self.has_waiters.load(Ordering::SeqCst) {
                let _waiters = self.waiters.lock();
                self.waiters.notify_one();
            }
        }
        Ok(level)
    }

    pub(crate) fn release(&self, loc: &'static Location<'static>) -> Result<(), SyncError> {
        self.meta.session.enter_gate(loc);
        let emit = |level: usize| self.meta.emit(loc, |prim| EventKind::Released { prim, count: level as u64 });
        match self.unlock(false, emit) {
            Ok(_) => Ok(()),
            Err(error) => Err(self.meta.misuse(loc, error)),
        }
    }

    /// Condition wait: releases every level at once; the level to restore.
    pub(crate) fn release_save(&self, loc: &'static Location<'static>) -> Result<usize, SyncError> {
        let saved = self.level.load(Ordering::Relaxed);
        let emit = |_| self.meta.emit(loc, |prim| EventKind::Released { prim, count: 0 });
        self.unlock(true, emit).map(|_| saved)
    }

    /// Condition wait: takes the lock back at the saved level.
    pub(crate) fn acquire_restore(&self, saved: usize, loc: &'static Location<'static>) {
        self.meta.emit(loc, |prim| EventKind::Requested { prim, mode: WaitMode::Blocking });
        if self.acquire_quiet(WaitMode::Blocking, None).is_some() {
            self.level.store(saved, Ordering::Relaxed);
            self.meta.emit(loc, |prim| EventKind::Acquired { prim, count: saved as u64 });
        }
    }

    pub(crate) fn is_owned(&self) -> bool {
        self.owner.load(Ordering::Relaxed) == context::ident()
    }
}

/// Python's `threading.RLock`: the owning thread may acquire it again; each acquire needs its
/// release, and only the owner may release. It stays locked if its owner ends holding it.
///
/// ```
/// let lock = threadviz::sync::RLock::new();
/// lock.acquire();
/// lock.acquire();
/// assert_eq!(lock.level(), 2);
/// lock.release().expect("owner");
/// lock.release().expect("owner");
/// assert_eq!(lock.owner(), None);
/// ```
#[derive(Clone)]
pub struct RLock {
    pub(crate) inner: Arc<RLockInner>,
}

impl fmt::Debug for RLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.owner() {
            Some(owner) => write!(f, "<locked RLock {} owner={owner} count={}>", self.inner.meta.name, self.level()),
            None => write!(f, "<unlocked RLock {}>", self.inner.meta.name),
        }
    }
}

impl Default for RLock {
    #[track_caller]
    fn default() -> Self {
        Self::create(None, Location::caller())
    }
}

impl RLock {
    /// A new unlocked re-entrant lock, named `RLock-N`.
    #[track_caller]
    #[must_use]
    pub fn new() -> Self {
        Self::create(None, Location::caller())
    }

    /// A new unlocked re-entrant lock with a display name.
    #[track_caller]
    #[must_use]
    pub fn named(name: impl Into<String>) -> Self {
        Self::create(Some(name.into()), Location::caller())
    }

    pub(crate) fn create(name: Option<String>, loc: &'static Location<'static>) -> Self {
        let meta = PrimMeta::new("RLock", name, PrimInfo::RLock, loc);
        Self {
            inner: Arc::new(RLockInner {
                owner: AtomicU64::new(0),
                level: AtomicUsize::new(0),
                has_waiters: AtomicBool::new(false),
                waiters: WaitCell::new(0),
                meta,
            }),
        }
    }

    /// Blocks until acquired; an owner's acquire returns at once, one level deeper.
    #[track_caller]
    pub fn acquire(&self) {
        self.inner.acquire(WaitMode::Blocking, None, Location::caller());
    }

    /// Acquires without blocking; false if another thread owns it.
    #[track_caller]
    #[must_use = "false means the lock was not acquired"]
    pub fn try_acquire(&self) -> bool {
        self.inner.acquire(WaitMode::NonBlocking, None, Location::caller())
    }

    /// Waits at most `timeout` (demo time); false on timeout.
    #[track_caller]
    #[must_use = "false means the lock was not acquired"]
    pub fn acquire_timeout(&self, timeout: Duration) -> bool {
        self.inner.acquire(timeout_mode(timeout), Some(timeout), Location::caller())
    }

    /// Drops one level; the lock is free when the level reaches 0. Only the owner may release
    /// ("cannot release un-acquired lock").
    #[track_caller]
    pub fn release(&self) -> Result<(), SyncError> {
        self.inner.release(Location::caller())
    }

    /// Whether any thread owns it.
    #[must_use]
    pub fn locked(&self) -> bool {
        self.owner().is_some()
    }

    /// The owner's ident, if locked.
    #[must_use]
    pub fn owner(&self) -> Option<u64> {
        match self.inner.owner.load(Ordering::Relaxed) {
            0 => None,
            owner => Some(owner),
        }
    }

    /// The recursion level: 0 when unlocked.
    #[must_use]
    pub fn level(&self) -> usize {
        if self.owner().is_some() { self.inner.level.load(Ordering::Relaxed) } else { 0 }
    }

    /// Acquires one level and returns a guard that releases it on drop (`with rlock:`).
    #[track_caller]
    #[must_use = "the level is released as soon as the guard is dropped"]
    pub fn hold(&self) -> RLockGuard<'_> {
        let loc = Location::caller();
        self.inner.acquire(WaitMode::Blocking, None, loc);
        RLockGuard { lock: self, loc }
    }

    /// The display name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.inner.meta.name
    }
}

/// Holds one level of an [`RLock`] until dropped.
#[must_use = "the level is released as soon as the guard is dropped"]
pub struct RLockGuard<'a> {
    lock: &'a RLock,
    loc: &'static Location<'static>,
}

impl fmt::Debug for RLockGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RLockGuard").field(self.lock).finish()
    }
}

impl Drop for RLockGuard<'_> {
    fn drop(&mut self) {
        let _ = self.lock.inner.release(self.loc);
    }
}
