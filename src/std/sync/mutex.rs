//! `Mutex<T>`: std's mutex, on a threadviz lock (`Mutex-1` in the dashboard: who holds it,
//! who is blocked on it), with std's poisoning.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::{Location, RefUnwindSafe, UnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};

use super::poison::{LockResult, PanicGuard, PoisonError, TryLockError, TryLockResult};
use crate::event::{EventKind, PrimId, WaitMode};
use crate::sync::Lock;

/// A mutual exclusion lock protecting `T`, as std's: `lock` blocks (visibly) until the lock is
/// free, and a thread that panics holding it poisons it.
///
/// The data sits behind a raw lock of its own that is only ever taken by the holder of the
/// threadviz lock, so it never waits: every wait is on the threadviz lock, where threadviz
/// sees it and the explorer chooses who gets it.
pub struct Mutex<T: ?Sized> {
    lock: Lock,
    poisoned: AtomicBool,
    data: parking_lot::Mutex<T>,
}

impl<T> Mutex<T> {
    /// A new unlocked mutex holding `value`, named `Mutex-N`.
    #[track_caller]
    pub fn new(value: T) -> Self {
        Self {
            lock: Lock::create_as("Mutex", None, Location::caller()),
            poisoned: AtomicBool::new(false),
            data: parking_lot::Mutex::new(value),
        }
    }

    /// The data, whether or not the mutex is poisoned (then inside the error).
    pub fn into_inner(self) -> LockResult<T> {
        let poisoned = self.poisoned.load(Ordering::SeqCst);
        let value = self.data.into_inner();
        if poisoned { Err(PoisonError::new(value)) } else { Ok(value) }
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Blocks until the lock is free and takes it; `Err` with the guard when a thread
    /// panicked holding it.
    #[track_caller]
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        let loc = Location::caller();
        self.lock.inner.acquire(WaitMode::Blocking, None, loc);
        self.guarded(loc)
    }

    /// Takes the lock if it is free; `WouldBlock` when another thread holds it.
    #[track_caller]
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        let loc = Location::caller();
        if !self.lock.inner.acquire(WaitMode::NonBlocking, None, loc) {
            return Err(TryLockError::WouldBlock);
        }
        self.guarded(loc).map_err(TryLockError::Poisoned)
    }

    /// The guard of a lock just taken, poisoned or not.
    fn guarded(&self, loc: &'static Location<'static>) -> LockResult<MutexGuard<'_, T>> {
        let guard = MutexGuard { mutex: self, data: Some(self.data.lock()), panic: PanicGuard::now(), loc };
        if self.is_poisoned() { Err(PoisonError::new(guard)) } else { Ok(guard) }
    }

    /// Whether a thread panicked holding the lock (and nobody cleared it since).
    pub fn is_poisoned(&self) -> bool {
        self.poisoned.load(Ordering::SeqCst)
    }

    /// Makes the mutex unpoisoned again: its data was checked, or put right.
    pub fn clear_poison(&self) {
        self.poisoned.store(false, Ordering::SeqCst);
    }

    /// The data, borrowed mutably: no lock needed, the borrow is exclusive.
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        let poisoned = self.is_poisoned();
        let value = self.data.get_mut();
        if poisoned { Err(PoisonError::new(value)) } else { Ok(value) }
    }

    /// The threadviz lock under it: its name and number, for condition variables.
    pub(super) fn lock_prim(&self) -> &Lock {
        &self.lock
    }

    /// The data's own lock, for the holder of the threadviz lock (never waits).
    pub(super) fn data_lock(&self) -> parking_lot::MutexGuard<'_, T> {
        self.data.lock()
    }

    /// Its number in its session.
    pub(super) fn pid(&self) -> PrimId {
        self.lock.inner.meta.pid
    }
}

// As std's: a poisoned mutex tells the next holder what a panic may have left half done.
impl<T: ?Sized> UnwindSafe for Mutex<T> {}
impl<T: ?Sized> RefUnwindSafe for Mutex<T> {}

impl<T: Default> Default for Mutex<T> {
    #[track_caller]
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    #[track_caller]
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Mutex");
        out.field("name", &self.lock.name());
        // Read only when free: a look must never wait.
        match self.data.try_lock().filter(|_| !self.lock.locked()) {
            Some(data) => out.field("data", &&*data),
            None => out.field("data", &format_args!("<locked>")),
        };
        out.field("poisoned", &self.is_poisoned()).finish_non_exhaustive()
    }
}

/// The lock of a [`Mutex`], held until dropped; the data through `Deref`. Dropped while its
/// thread panics, it poisons the mutex.
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized> {
    pub(super) mutex: &'a Mutex<T>,
    /// The data's own lock; none while a condition wait has let the mutex go.
    pub(super) data: Option<parking_lot::MutexGuard<'a, T>>,
    panic: PanicGuard,
    pub(super) loc: &'static Location<'static>,
}

impl<T: ?Sized> MutexGuard<'_, T> {
    fn data(&self) -> &parking_lot::MutexGuard<'_, T> {
        self.data.as_ref().expect("a guard holds its data except inside a condition wait")
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.data()
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.data.as_mut().expect("a guard holds its data except inside a condition wait")
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        if self.panic.poisons() {
            self.mutex.poisoned.store(true, Ordering::SeqCst);
        }
        // The data first, so that the next holder of the lock finds it free. Without its data
        // the guard is inside a condition wait that was stopped (a daemon killed at shutdown):
        // the wait let the lock go, there is nothing to release.
        if self.data.take().is_some() {
            let _ = self.mutex.lock.inner.release(self.loc);
        }
    }
}

/// Reports the release of a held mutex inside a condition wait, as the wait's own step.
pub(super) fn release_for_wait(lock: &Lock, loc: &'static Location<'static>) {
    let inner = &lock.inner;
    if inner.raw.begin_release() {
        inner.meta.emit(loc, |prim| EventKind::Released { prim, count: 0 });
        inner.raw.finish_release();
    }
}

/// Takes a mutex back after a condition wait, reporting the request and the acquire.
pub(super) fn reacquire_after_wait(lock: &Lock, loc: &'static Location<'static>) {
    let inner = &lock.inner;
    inner.meta.emit(loc, |prim| EventKind::Requested { prim, mode: WaitMode::Blocking });
    if inner.acquire_quiet(WaitMode::Blocking, None) {
        inner.meta.emit(loc, |prim| EventKind::Acquired { prim, count: 1 });
    }
}
