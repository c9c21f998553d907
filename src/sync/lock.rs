//! `Lock`: Python's plain lock. Not owned: any thread may release it.

use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use super::{PrimMeta, SyncError, deadline_after, timeout_mode};
use crate::event::{EventKind, PrimInfo, WaitMode};
use crate::session::context;
use crate::session::wait::{Outcome, WaitCell, block_on};

const LOCKED: u8 = 1;
const PARKED: u8 = 2;
/// An instrumented release has claimed the lock and is reporting it: acquirers still find it
/// locked, other releasers find it already released.
const RELEASING: u8 = 4;

/// The lock word and the waiters' parking place: the raw state machine, without events.
#[derive(Debug)]
pub(crate) struct RawLock {
    state: AtomicU8,
    /// Number of parked waiters; its mutex also orders releases against parking.
    waiters: Arc<WaitCell<usize>>,
}

impl RawLock {
    fn new() -> Self {
        Self { state: AtomicU8::new(0), waiters: WaitCell::new(0) }
    }

    /// Takes a free lock nobody waits for in one compare-exchange, as `parking_lot` does: the
    /// quiet path's whole acquire. False otherwise, with nothing changed.
    #[inline]
    fn try_lock_uncontended(&self) -> bool {
        self.state.compare_exchange(0, LOCKED, Ordering::Acquire, Ordering::Relaxed).is_ok()
    }

    /// Frees a held lock nobody waits for in one compare-exchange: the quiet path's whole
    /// release. False otherwise, with nothing changed.
    #[inline]
    fn unlock_uncontended(&self) -> bool {
        self.state.compare_exchange(LOCKED, 0, Ordering::Release, Ordering::Relaxed).is_ok()
    }

    #[inline]
    pub(crate) fn try_lock(&self) -> bool {
        self.state
            .fetch_update(Ordering::Acquire, Ordering::Relaxed, |state| (state & LOCKED == 0).then_some(state | LOCKED))
            .is_ok()
    }

    /// Updates a held lock's word with `change`, unless another release has claimed it; the word
    /// before, or None when there was nothing to release.
    #[inline]
    fn update_held(&self, success: Ordering, change: impl Fn(u8) -> u8) -> Option<u8> {
        self.state
            .fetch_update(success, Ordering::Relaxed, |state| {
                (state & (LOCKED | RELEASING) == LOCKED).then(|| change(state))
            })
            .ok()
    }

    /// Clears the locked bit; false if it was not set (or another release has claimed it).
    /// Wakes a parked waiter if there is one.
    #[inline]
    pub(crate) fn unlock(&self) -> bool {
        // One compare-exchange, not begin + finish: this is the quiet path's whole release.
        let Some(before) = self.update_held(Ordering::Release, |state| state & !LOCKED) else { return false };
        self.wake_if_parked(before);
        true
    }

    /// Claims the release of a held lock, so that exactly one of several racing releasers
    /// succeeds; the lock stays locked until [`finish_release`](Self::finish_release).
    #[inline]
    pub(crate) fn begin_release(&self) -> bool {
        self.update_held(Ordering::Relaxed, |state| state | RELEASING).is_some()
    }

    /// Completes a claimed release: unlocks and wakes a parked waiter if there is one.
    #[inline]
    pub(crate) fn finish_release(&self) {
        let before = self.state.fetch_and(!(LOCKED | RELEASING), Ordering::Release);
        self.wake_if_parked(before);
    }

    /// After an unlock from the word `before`: wakes one parked waiter if there was any.
    #[inline]
    fn wake_if_parked(&self, before: u8) {
        if before & PARKED != 0 {
            let _waiters = self.waiters.lock();
            self.waiters.notify_one();
        }
    }

    pub(crate) fn is_locked(&self) -> bool {
        self.state.load(Ordering::Relaxed) & LOCKED != 0
    }

    /// Parks until the lock is taken, the deadline passes or the thread is killed.
    pub(crate) fn lock_slow(&self, deadline: Option<u64>) -> Outcome {
        let mut waiters = self.waiters.lock();
        *waiters += 1;
        self.state.fetch_or(PARKED, Ordering::Relaxed);
        let outcome = block_on(&self.waiters, &mut waiters, deadline, |_| self.try_lock());
        *waiters -= 1;
        if *waiters == 0 {
            self.state.fetch_and(!PARKED, Ordering::Relaxed);
        } else if outcome != Outcome::Ready {
            // A wake-up meant for us may have been spent on a wait that ended otherwise: pass it on.
            self.waiters.notify_one();
        }
        outcome
    }
}

pub(crate) struct LockInner {
    pub(crate) raw: RawLock,
    pub(crate) meta: PrimMeta,
}

impl LockInner {
    /// Acquires as `mode` says; with events and the gate when the session is active. Inlined
    /// into the caller for the quiet path: a flag check and one compare-exchange.
    #[inline]
    pub(crate) fn acquire(&self, mode: WaitMode, timeout: Option<Duration>, loc: &'static Location<'static>) -> bool {
        if !self.meta.active() && self.raw.try_lock_uncontended() {
            return true;
        }
        self.acquire_slow(mode, timeout, loc)
    }

    /// Everything but a quiet acquire of a free lock: waiting, events, the gate.
    #[inline(never)]
    fn acquire_slow(&self, mode: WaitMode, timeout: Option<Duration>, loc: &'static Location<'static>) -> bool {
        if !self.meta.active() {
            if self.raw.try_lock() {
                return true;
            }
            if mode == WaitMode::NonBlocking {
                return false;
            }
            let outcome = self.raw.lock_slow(timeout.and_then(deadline_after));
            if outcome == Outcome::Killed {
                context::die();
            }
            return outcome == Outcome::Ready;
        }
        self.meta.session.enter_gate(loc);
        let got = if self.raw.try_lock() {
            // Free: both events in one record. Taken before they are numbered, which is still
            // a true order: a release reported before its unlock is numbered before them.
            self.meta.emit_acquired_at_once(loc, mode, 1);
            true
        } else {
            self.meta.emit(loc, |prim| EventKind::Requested { prim, mode });
            let got = self.acquire_quiet(mode, timeout);
            self.meta.emit(loc, |prim| match (got, mode) {
                (true, _) => EventKind::Acquired { prim, count: 1 },
                (false, WaitMode::NonBlocking) => EventKind::TryFailed { prim },
                (false, _) => EventKind::TimedOut { prim },
            });
            got
        };
        self.meta.session.leave_gate();
        got
    }

    /// The acquire itself, without gate or events (used inside condition waits too).
    pub(crate) fn acquire_quiet(&self, mode: WaitMode, timeout: Option<Duration>) -> bool {
        if self.raw.try_lock() {
            return true;
        }
        if mode == WaitMode::NonBlocking {
            return false;
        }
        match self.raw.lock_slow(timeout.and_then(deadline_after)) {
            Outcome::Ready => true,
            Outcome::TimedOut => false,
            // A daemon stopped at shutdown leaves its wait as a killed thread, never as one
            // whose timeout ran out (nor goes on without the lock), as an RLock's does.
            Outcome::Killed => context::die(),
        }
    }

    /// Releases; inlined into the caller for the quiet path: a flag check and one
    /// compare-exchange.
    #[inline]
    pub(crate) fn release(&self, loc: &'static Location<'static>) -> Result<(), SyncError> {
        if !self.meta.active() && self.raw.unlock_uncontended() {
            return Ok(());
        }
        self.release_slow(loc)
    }

    /// Everything but a quiet release nobody waits for: waking a waiter, events, the gate, misuse.
    #[inline(never)]
    fn release_slow(&self, loc: &'static Location<'static>) -> Result<(), SyncError> {
        if !self.meta.active() {
            return if self.raw.unlock() { Ok(()) } else { Err(SyncError::ReleaseUnlocked) };
        }
        self.meta.session.enter_gate(loc);
        // Claim the release first, report it, then unlock: a racing releaser fails, and no
        // waiter can take the lock (and report that) before the release is reported.
        if !self.raw.begin_release() {
            return Err(self.meta.misuse(loc, SyncError::ReleaseUnlocked));
        }
        self.meta.emit(loc, |prim| EventKind::Released { prim, count: 0 });
        self.raw.finish_release();
        Ok(())
    }
}

/// Python's `threading.Lock`: acquired by one thread at a time, released by any thread.
///
/// ```
/// let lock = threadviz::sync::Lock::named("file");
/// {
///     let _held = lock.hold(); // `with lock:`
///     assert!(lock.locked());
/// }
/// assert!(!lock.locked());
/// assert!(lock.release().is_err(), "release unlocked lock");
/// ```
#[derive(Clone)]
pub struct Lock {
    pub(crate) inner: Arc<LockInner>,
}

impl fmt::Debug for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.locked() { "locked" } else { "unlocked" };
        write!(f, "<{state} Lock {}>", self.inner.meta.name)
    }
}

impl Default for Lock {
    #[track_caller]
    fn default() -> Self {
        Self::create(None, Location::caller())
    }
}

impl Lock {
    /// A new unlocked lock, named `Lock-N`.
    #[track_caller]
    #[must_use]
    pub fn new() -> Self {
        Self::create(None, Location::caller())
    }

    /// A new unlocked lock with a display name.
    #[track_caller]
    #[must_use]
    pub fn named(name: impl Into<String>) -> Self {
        Self::create(Some(name.into()), Location::caller())
    }

    fn create(name: Option<String>, loc: &'static Location<'static>) -> Self {
        Self::create_as("Lock", name, loc)
    }

    /// A new unlocked lock whose default name counts `kind`s (`Mutex-1`): a lock inside
    /// another kind of primitive (`threadviz::std`'s `Mutex`, `Once`) is named as that kind.
    pub(crate) fn create_as(kind: &'static str, name: Option<String>, loc: &'static Location<'static>) -> Self {
        let meta = PrimMeta::new(kind, name, PrimInfo::Lock, loc);
        Self { inner: Arc::new(LockInner { raw: RawLock::new(), meta }) }
    }

    /// Blocks until the lock is acquired.
    #[track_caller]
    #[inline]
    pub fn acquire(&self) {
        self.inner.acquire(WaitMode::Blocking, None, Location::caller());
    }

    /// Acquires without blocking (Python's `acquire(False)`); false if the lock was held.
    #[track_caller]
    #[must_use = "false means the lock was not acquired"]
    pub fn try_acquire(&self) -> bool {
        self.inner.acquire(WaitMode::NonBlocking, None, Location::caller())
    }

    /// Waits at most `timeout` (demo time) for the lock; false on timeout.
    #[track_caller]
    #[must_use = "false means the lock was not acquired"]
    pub fn acquire_timeout(&self, timeout: Duration) -> bool {
        self.inner.acquire(timeout_mode(timeout), Some(timeout), Location::caller())
    }

    /// Releases the lock. Any thread may release a held lock; releasing an unlocked lock is an
    /// error ("release unlocked lock").
    #[track_caller]
    #[inline]
    pub fn release(&self) -> Result<(), SyncError> {
        self.inner.release(Location::caller())
    }

    /// Whether the lock is held.
    #[must_use]
    pub fn locked(&self) -> bool {
        self.inner.raw.is_locked()
    }

    /// Acquires and returns a guard that releases on drop, also when unwinding (`with lock:`).
    #[track_caller]
    #[inline]
    #[must_use = "the lock is released as soon as the guard is dropped"]
    pub fn hold(&self) -> LockGuard<'_> {
        let loc = Location::caller();
        self.inner.acquire(WaitMode::Blocking, None, loc);
        LockGuard { lock: self, loc }
    }

    /// The display name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.inner.meta.name
    }
}

/// Holds a [`Lock`] until dropped.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard<'a> {
    lock: &'a Lock,
    loc: &'static Location<'static>,
}

impl fmt::Debug for LockGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("LockGuard").field(self.lock).finish()
    }
}

impl Drop for LockGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        // Another thread may have released it meanwhile (Lock is unowned); the misuse is reported.
        let _ = self.lock.inner.release(self.loc);
    }
}

#[cfg(test)]
mod tests {
    //! The raw lock under `Lock`.

    use super::RawLock;

    #[test]
    fn a_claimed_release_keeps_the_lock_locked_and_refuses_other_releasers() {
        let raw = RawLock::new();
        assert!(!raw.begin_release(), "nothing to release");
        assert!(raw.try_lock());
        assert!(raw.begin_release());
        assert!(raw.is_locked() && !raw.try_lock(), "still locked while the release is reported");
        assert!(!raw.begin_release() && !raw.unlock(), "the release is already claimed");
        raw.finish_release();
        assert!(!raw.is_locked());
        assert!(raw.try_lock() && raw.unlock());
    }
}
