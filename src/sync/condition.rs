//! `Condition`: Python's condition variable over a Lock or an RLock, with FIFO wake-ups.

use std::collections::VecDeque;
use std::fmt;
use std::mem::ManuallyDrop;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use super::{Lock, PrimMeta, RLock, SyncError, deadline_after, timeout_us};
use crate::event::{EventKind, PrimInfo, Tid, WaitMode};
use crate::session::context;
use crate::session::wait::{Outcome, WaitCell, block_on};

/// The lock under a [`Condition`]: a `Lock` or an `RLock` (several conditions may share one).
#[derive(Clone, Debug)]
pub enum ConditionLock {
    /// A plain lock.
    Lock(Lock),
    /// A re-entrant lock (the default, as in Python).
    RLock(RLock),
}

impl From<Lock> for ConditionLock {
    fn from(lock: Lock) -> Self {
        Self::Lock(lock)
    }
}

impl From<RLock> for ConditionLock {
    fn from(lock: RLock) -> Self {
        Self::RLock(lock)
    }
}

impl From<&Lock> for ConditionLock {
    fn from(lock: &Lock) -> Self {
        Self::Lock(lock.clone())
    }
}

impl From<&RLock> for ConditionLock {
    fn from(lock: &RLock) -> Self {
        Self::RLock(lock.clone())
    }
}

impl ConditionLock {
    fn pid(&self) -> u32 {
        match self {
            Self::Lock(lock) => lock.inner.meta.pid,
            Self::RLock(lock) => lock.inner.meta.pid,
        }
    }

    /// Python's `_is_owned`: an RLock knows its owner; a Lock counts as owned when it is held.
    fn is_owned(&self) -> bool {
        match self {
            Self::Lock(lock) => {
                if lock.inner.raw.try_lock() {
                    lock.inner.raw.unlock();
                    false
                } else {
                    true
                }
            }
            Self::RLock(lock) => lock.inner.is_owned(),
        }
    }

    fn acquire(&self, mode: WaitMode, loc: &'static Location<'static>) -> bool {
        match self {
            Self::Lock(lock) => lock.inner.acquire(mode, None, loc),
            Self::RLock(lock) => lock.inner.acquire(mode, None, loc),
        }
    }

    fn release(&self, loc: &'static Location<'static>) -> Result<(), SyncError> {
        match self {
            Self::Lock(lock) => lock.inner.release(loc),
            Self::RLock(lock) => lock.inner.release(loc),
        }
    }

    /// Frees the lock entirely for a wait; what to restore afterwards.
    fn release_save(&self, loc: &'static Location<'static>) -> usize {
        match self {
            Self::Lock(lock) => {
                // Ownership was checked, but a Lock is unowned: another thread may have beaten
                // us to it, and then there is no release to report.
                if lock.inner.raw.begin_release() {
                    lock.inner.meta.emit(loc, |prim| EventKind::Released { prim, count: 0 });
                    lock.inner.raw.finish_release();
                }
                1
            }
            // Ownership was checked by the caller, so this cannot fail.
            Self::RLock(lock) => lock.inner.release_save(loc).unwrap_or(1),
        }
    }

    fn acquire_restore(&self, saved: usize, loc: &'static Location<'static>) {
        match self {
            Self::Lock(lock) => {
                lock.inner.meta.emit(loc, |prim| EventKind::Requested { prim, mode: WaitMode::Blocking });
                if lock.inner.acquire_quiet(WaitMode::Blocking, None) {
                    lock.inner.meta.emit(loc, |prim| EventKind::Acquired { prim, count: 1 });
                }
            }
            Self::RLock(lock) => lock.inner.acquire_restore(saved, loc),
        }
    }
}

#[derive(Debug, Default)]
struct Waiters {
    /// Waiting tickets in arrival order.
    queue: VecDeque<(u64, Tid)>,
    /// Tickets notified but not yet collected by their waiter.
    notified: Vec<u64>,
    next_ticket: u64,
}

struct ConditionInner {
    lock: ConditionLock,
    waiters: Arc<WaitCell<Waiters>>,
    meta: PrimMeta,
}

/// Python's `threading.Condition`: threads wait for a state change announced by `notify`.
/// `wait` releases the lock, sleeps until notified (FIFO, never spuriously) and returns only
/// after re-acquiring the lock.
///
/// ```
/// use threadviz::sync::Condition;
/// let cv = Condition::new();
/// let _held = cv.hold();
/// assert_eq!(cv.wait_timeout(std::time::Duration::from_millis(1)), Ok(false));
/// ```
#[derive(Clone)]
pub struct Condition {
    inner: Arc<ConditionInner>,
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let waiting = self.inner.waiters.lock().queue.len();
        write!(f, "<Condition {} ({:?}, {waiting} waiting)>", self.inner.meta.name, self.inner.lock)
    }
}

impl Default for Condition {
    #[track_caller]
    fn default() -> Self {
        Self::create(None, None, Location::caller())
    }
}

impl Condition {
    /// A condition with its own new RLock.
    #[track_caller]
    #[must_use]
    pub fn new() -> Self {
        Self::create(None, None, Location::caller())
    }

    /// A named condition with its own new RLock.
    #[track_caller]
    #[must_use]
    pub fn named(name: impl Into<String>) -> Self {
        Self::create(Some(name.into()), None, Location::caller())
    }

    /// A condition over an existing Lock or RLock.
    #[track_caller]
    #[must_use]
    pub fn with_lock(lock: impl Into<ConditionLock>) -> Self {
        Self::create(None, Some(lock.into()), Location::caller())
    }

    /// A named condition over an existing Lock or RLock.
    #[track_caller]
    #[must_use]
    pub fn named_with_lock(name: impl Into<String>, lock: impl Into<ConditionLock>) -> Self {
        Self::create(Some(name.into()), Some(lock.into()), Location::caller())
    }

    fn create(name: Option<String>, lock: Option<ConditionLock>, loc: &'static Location<'static>) -> Self {
        let lock = lock.unwrap_or_else(|| ConditionLock::RLock(RLock::create(None, loc)));
        let meta = PrimMeta::new("Condition", name, PrimInfo::Condition { lock: lock.pid() }, loc);
        Self { inner: Arc::new(ConditionInner { lock, waiters: WaitCell::new(Waiters::default()), meta }) }
    }

    /// The underlying lock.
    #[must_use]
    pub fn lock(&self) -> &ConditionLock {
        &self.inner.lock
    }

    /// The display name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.inner.meta.name
    }

    /// Acquires the underlying lock.
    #[track_caller]
    pub fn acquire(&self) {
        self.inner.lock.acquire(WaitMode::Blocking, Location::caller());
    }

    /// Acquires the underlying lock without blocking.
    #[track_caller]
    #[must_use = "false means the lock was not acquired"]
    pub fn try_acquire(&self) -> bool {
        self.inner.lock.acquire(WaitMode::NonBlocking, Location::caller())
    }

    /// Releases the underlying lock.
    #[track_caller]
    pub fn release(&self) -> Result<(), SyncError> {
        self.inner.lock.release(Location::caller())
    }

    /// Acquires the underlying lock and returns a guard that releases it (`with cond:`).
    #[track_caller]
    #[must_use = "the lock is released as soon as the guard is dropped"]
    pub fn hold(&self) -> ConditionGuard<'_> {
        let loc = Location::caller();
        self.inner.lock.acquire(WaitMode::Blocking, loc);
        ConditionGuard { condition: self, loc }
    }

    /// Waits until notified. The caller must hold the lock ("cannot wait on un-acquired lock").
    #[track_caller]
    pub fn wait(&self) -> Result<(), SyncError> {
        self.wait_at(None, Location::caller()).map(|_| ())
    }

    /// Waits until notified or `timeout` (demo time) passes; `Ok(false)` on timeout.
    #[track_caller]
    pub fn wait_timeout(&self, timeout: Duration) -> Result<bool, SyncError> {
        self.wait_at(Some(timeout), Location::caller())
    }

    fn wait_at(&self, timeout: Option<Duration>, loc: &'static Location<'static>) -> Result<bool, SyncError> {
        let inner = &*self.inner;
        inner.meta.session.enter_gate(loc);
        if !inner.lock.is_owned() {
            return Err(inner.meta.misuse(loc, SyncError::WaitUnacquired));
        }
        inner.meta.emit(loc, |prim| EventKind::WaitBegin { prim, timeout_us: timeout_us(timeout) });
        let me = context::tid_in(&inner.meta.session);
        let ticket = {
            let mut waiters = inner.waiters.lock();
            let ticket = waiters.next_ticket;
            waiters.next_ticket += 1;
            waiters.queue.push_back((ticket, me));
            ticket
        };
        let saved = inner.lock.release_save(loc);
        let deadline = timeout.and_then(deadline_after);
        let outcome = {
            let mut waiters = inner.waiters.lock();
            let outcome = block_on(&inner.waiters, &mut waiters, deadline, |waiters| {
                let found = waiters.notified.iter().position(|&notified| notified == ticket);
                found.map(|index| waiters.notified.swap_remove(index)).is_some()
            });
            if outcome != Outcome::Ready {
                waiters.queue.retain(|&(waiting, _)| waiting != ticket);
            }
            outcome
        };
        let notified = outcome == Outcome::Ready;
        if outcome == Outcome::Killed {
            context::die();
        }
        inner.meta.emit(loc, |prim| EventKind::Woken { prim, notified });
        inner.lock.acquire_restore(saved, loc);
        inner.meta.session.leave_gate();
        Ok(notified)
    }

    /// Waits until `predicate` is true, re-checking after each notify; at most `timeout` in all.
    /// Returns the predicate's last value.
    #[track_caller]
    pub fn wait_for(&self, predicate: impl FnMut() -> bool, timeout: Option<Duration>) -> Result<bool, SyncError> {
        self.wait_for_at(predicate, timeout, Location::caller())
    }

    fn wait_for_at(
        &self,
        mut predicate: impl FnMut() -> bool,
        timeout: Option<Duration>,
        loc: &'static Location<'static>,
    ) -> Result<bool, SyncError> {
        let session = context::session();
        let deadline = timeout.map(|timeout| session.clock.deadline_after(timeout));
        let mut result = predicate();
        while !result {
            let wait = match deadline {
                None | Some(None) => None,
                Some(Some(deadline)) => {
                    let now = session.clock.now_ns();
                    if now >= deadline {
                        break;
                    }
                    Some(Duration::from_nanos(deadline - now))
                }
            };
            self.wait_at(wait, loc)?;
            result = predicate();
        }
        Ok(result)
    }

    /// Wakes the first `n` waiters (fewer if fewer wait), in the order they began waiting.
    /// The caller must hold the lock ("cannot notify on un-acquired lock").
    #[track_caller]
    pub fn notify(&self, n: usize) -> Result<(), SyncError> {
        self.notify_at(n, Location::caller())
    }

    /// Wakes every waiter.
    #[track_caller]
    pub fn notify_all(&self) -> Result<(), SyncError> {
        self.notify_at(usize::MAX, Location::caller())
    }

    fn notify_at(&self, n: usize, loc: &'static Location<'static>) -> Result<(), SyncError> {
        let inner = &*self.inner;
        inner.meta.session.enter_gate(loc);
        if !inner.lock.is_owned() {
            return Err(inner.meta.misuse(loc, SyncError::NotifyUnacquired));
        }
        let mut waiters = inner.waiters.lock();
        let count = n.min(waiters.queue.len());
        let woken: Vec<(u64, Tid)> = waiters.queue.drain(..count).collect();
        waiters.notified.extend(woken.iter().map(|&(ticket, _)| ticket));
        if !woken.is_empty() {
            inner.waiters.notify_all();
        }
        inner.meta.emit(loc, |prim| EventKind::Notified {
            prim,
            n: u64::try_from(n).unwrap_or(u64::MAX),
            woken: woken.iter().map(|&(_, tid)| tid).collect(),
        });
        drop(waiters);
        inner.meta.session.leave_gate();
        Ok(())
    }
}

/// Holds a [`Condition`]'s lock until dropped: Python's `with condition:` block. Inside it,
/// `wait` and `notify` need no `Result`, since the guard holds the lock they require:
///
/// ```
/// use threadviz::sync::Condition;
/// let condition = Condition::new();
/// let condition = condition.hold(); // with condition:
/// condition.notify_all();
/// assert!(!condition.wait_timeout(std::time::Duration::from_millis(1)));
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct ConditionGuard<'a> {
    condition: &'a Condition,
    loc: &'static Location<'static>,
}

impl ConditionGuard<'_> {
    /// Waits until notified, as [`Condition::wait`] does.
    ///
    /// # Panics
    /// Only if the lock was released behind the guard's back (an explicit `release()`, or
    /// another thread releasing a plain `Lock`): Python's "cannot wait on un-acquired lock".
    #[track_caller]
    pub fn wait(&self) {
        if let Err(error) = self.condition.wait_at(None, Location::caller()) {
            panic!("{error}");
        }
    }

    /// Waits until notified or `timeout` (demo time) passes; false on timeout.
    ///
    /// # Panics
    /// As [`wait`](Self::wait) does.
    #[track_caller]
    #[must_use = "false means the timeout ran out before any notify"]
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let notified = self.condition.wait_at(Some(timeout), Location::caller());
        notified.unwrap_or_else(|error| panic!("{error}"))
    }

    /// Waits until `predicate` is true, as [`Condition::wait_for`] does; returns its last value.
    ///
    /// # Panics
    /// As [`wait`](Self::wait) does.
    #[track_caller]
    pub fn wait_for(&self, predicate: impl FnMut() -> bool, timeout: Option<Duration>) -> bool {
        let result = self.condition.wait_for_at(predicate, timeout, Location::caller());
        result.unwrap_or_else(|error| panic!("{error}"))
    }

    /// Wakes the first `n` waiters, as [`Condition::notify`] does.
    ///
    /// # Panics
    /// Only if the lock was released behind the guard's back: Python's "cannot notify on
    /// un-acquired lock".
    #[track_caller]
    pub fn notify(&self, n: usize) {
        if let Err(error) = self.condition.notify_at(n, Location::caller()) {
            panic!("{error}");
        }
    }

    /// Wakes every waiter, as [`Condition::notify_all`] does.
    ///
    /// # Panics
    /// As [`notify`](Self::notify) does.
    #[track_caller]
    pub fn notify_all(&self) {
        self.notify(usize::MAX);
    }

    /// Releases the lock here rather than where the guard goes out of scope: Python's
    /// `condition.release()` ending what `condition.acquire()` began.
    ///
    /// # Panics
    /// Only if the lock was released behind the guard's back, with Python's message.
    #[track_caller]
    pub fn release(self) {
        let guard = ManuallyDrop::new(self);
        if let Err(error) = guard.condition.inner.lock.release(Location::caller()) {
            panic!("{error}");
        }
    }
}

impl fmt::Debug for ConditionGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ConditionGuard").field(self.condition).finish()
    }
}

impl Drop for ConditionGuard<'_> {
    fn drop(&mut self) {
        let _ = self.condition.inner.lock.release(self.loc);
    }
}
