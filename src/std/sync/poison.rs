//! Poisoning, as std has it: a lock whose holder panicked hands its guard back inside a
//! [`PoisonError`], so the next holder knows the data may be half-updated.

use std::error::Error;
use std::fmt;

/// A lock was poisoned: a thread panicked while holding it. Holds the guard all the same.
pub struct PoisonError<T> {
    guard: T,
}

impl<T> PoisonError<T> {
    /// A poison error holding `guard`.
    pub fn new(guard: T) -> Self {
        Self { guard }
    }

    /// The guard, to use the data anyway.
    pub fn into_inner(self) -> T {
        self.guard
    }

    /// The guard, borrowed.
    pub fn get_ref(&self) -> &T {
        &self.guard
    }

    /// The guard, borrowed mutably.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

impl<T> fmt::Debug for PoisonError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoisonError").finish_non_exhaustive()
    }
}

impl<T> fmt::Display for PoisonError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("poisoned lock: another task failed inside")
    }
}

impl<T> Error for PoisonError<T> {}

/// Why a `try_lock` did not give the lock.
pub enum TryLockError<T> {
    /// The lock was poisoned; the guard is inside.
    Poisoned(PoisonError<T>),
    /// Another thread holds it.
    WouldBlock,
}

impl<T> From<PoisonError<T>> for TryLockError<T> {
    fn from(error: PoisonError<T>) -> Self {
        Self::Poisoned(error)
    }
}

impl<T> fmt::Debug for TryLockError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Poisoned(error) => error.fmt(f),
            Self::WouldBlock => f.write_str("WouldBlock"),
        }
    }
}

impl<T> fmt::Display for TryLockError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Poisoned(error) => fmt::Display::fmt(error, f),
            Self::WouldBlock => f.write_str("try_lock failed because the operation would block"),
        }
    }
}

impl<T> Error for TryLockError<T> {}

/// What a blocking lock gives: the guard, or the guard inside a poison error.
pub type LockResult<T> = Result<T, PoisonError<T>>;

/// What a non-blocking lock gives.
pub type TryLockResult<T> = Result<T, TryLockError<T>>;

/// Poisons (or not) on a guard's drop: set when the guard is taken, checked when it goes.
#[derive(Debug)]
pub(super) struct PanicGuard {
    panicking: bool,
}

impl PanicGuard {
    /// Whether the thread was already unwinding when it took the lock (then its drop does not
    /// poison, as std's).
    pub(super) fn now() -> Self {
        Self { panicking: std::thread::panicking() }
    }

    /// Whether the guard goes because its thread panicked while holding it.
    pub(super) fn poisons(&self) -> bool {
        !self.panicking && std::thread::panicking()
    }
}
