//! Errors of the synchronisation primitives, worded as Python words them.

use std::fmt;

/// A misuse of a primitive, refused with Python's message (and shown as an event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncError {
    /// `release()` of a Lock that is not locked.
    ReleaseUnlocked,
    /// `release()` of an RLock by a thread that does not own it.
    NotOwner,
    /// A BoundedSemaphore released above its initial value.
    TooManyReleases,
    /// `task_done()` called more often than items were put.
    TaskDoneTooMany,
    /// `wait()` on a Condition without holding its lock.
    WaitUnacquired,
    /// `notify()` on a Condition without holding its lock.
    NotifyUnacquired,
}

impl fmt::Display for SyncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ReleaseUnlocked => "release unlocked lock",
            Self::NotOwner => "cannot release un-acquired lock",
            Self::TooManyReleases => "Semaphore released too many times",
            Self::TaskDoneTooMany => "task_done() called too many times",
            Self::WaitUnacquired => "cannot wait on un-acquired lock",
            Self::NotifyUnacquired => "cannot notify on un-acquired lock",
        })
    }
}

impl std::error::Error for SyncError {}

/// A barrier was broken (by a timeout, `abort()`, `reset()` or a failed action) while the
/// thread waited at it or arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrokenBarrierError;

impl fmt::Display for BrokenBarrierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the barrier is broken")
    }
}

impl std::error::Error for BrokenBarrierError {}

/// A put on a full queue; hands the item back.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Full<T>(pub T);

impl<T> fmt::Debug for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Full(..)")
    }
}

impl<T> fmt::Display for Full<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is full")
    }
}

impl<T> std::error::Error for Full<T> {}

/// A get on an empty queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Empty;

impl fmt::Display for Empty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is empty")
    }
}

impl std::error::Error for Empty {}
