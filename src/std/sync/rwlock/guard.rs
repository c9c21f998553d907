//! The guards of an [`RwLock`](super::RwLock): each gives its lock back when dropped, after
//! the data lock it holds, and a write guard dropped by a panic poisons the lock.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::panic::Location;

use super::Core;

/// Gives a read lock back when its guard goes, after the data lock (fields drop in order).
pub(super) struct ReadRelease<'a> {
    pub(super) core: &'a Core,
    pub(super) loc: &'static Location<'static>,
}

impl Drop for ReadRelease<'_> {
    fn drop(&mut self) {
        self.core.release_read(self.loc);
    }
}

/// Gives the write lock back when its guard goes, after the data lock.
pub(super) struct WriteRelease<'a> {
    pub(super) core: &'a Core,
    pub(super) loc: &'static Location<'static>,
    /// Whether the thread was already unwinding when it took the lock: then a panic does not
    /// poison it (std's rule).
    pub(super) panicking: bool,
}

impl Drop for WriteRelease<'_> {
    fn drop(&mut self) {
        self.core.release_write(self.loc, self.panicking);
    }
}

/// A read lock on an [`RwLock`](crate::std::sync::RwLock), given back when dropped; the data is shared.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockReadGuard<'a, T: ?Sized + 'a> {
    // Declared first: dropped before the release lets a writer in.
    pub(super) data: parking_lot::RwLockReadGuard<'a, T>,
    pub(super) _release: ReadRelease<'a>,
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.data
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// The write lock on an [`RwLock`](crate::std::sync::RwLock), given back when dropped; a panic while it is held poisons
/// the lock.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockWriteGuard<'a, T: ?Sized + 'a> {
    // Declared first: dropped before the release lets anyone else in.
    pub(super) data: parking_lot::RwLockWriteGuard<'a, T>,
    pub(super) _release: WriteRelease<'a>,
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.data
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.data
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
