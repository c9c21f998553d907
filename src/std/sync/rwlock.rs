//! `RwLock<T>`: std's reader-writer lock, whose every read, write, wait and poisoning threadviz
//! sees, steps and explores.
//!
//! Who holds the lock is kept in an instrumented cell (readers, a writer, writers waiting) and
//! every wait goes through threadviz's one way of blocking, so a waiting thread is on screen
//! and is one of the explorer's choices. The data itself sits in a `parking_lot` lock taken
//! only once the cell has let the thread in, so that lock never waits (it is the safe way to
//! hand out `&T` and `&mut T` without `unsafe`). Writers go first: a writer waiting keeps new
//! readers out, as std's lock does on Linux, so a thread that reads twice while a writer waits
//! deadlocks here as it can with std.

use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use self::guard::{ReadRelease, WriteRelease};
pub use self::guard::{RwLockReadGuard, RwLockWriteGuard};
use super::poison::{LockResult, PoisonError, TryLockError, TryLockResult};
use crate::event::{EventKind, PrimInfo, WaitMode};
use crate::session::context;
use crate::session::wait::{Outcome, WaitCell, block_on};
use crate::sync::PrimMeta;

mod guard;

/// Who holds the lock and who waits to write.
#[derive(Debug, Default)]
struct Holders {
    readers: usize,
    writer: bool,
    writers_waiting: usize,
}

impl Holders {
    /// A reader may come in: no writer holds the lock or waits for it.
    fn admits_reader(&self) -> bool {
        !self.writer && self.writers_waiting == 0
    }

    /// A writer may come in: nobody holds the lock.
    fn admits_writer(&self) -> bool {
        !self.writer && self.readers == 0
    }
}

/// The instrumented part of a lock: its name, its holders and its poison flag.
pub(super) struct Core {
    meta: PrimMeta,
    holders: Arc<WaitCell<Holders>>,
    poisoned: AtomicBool,
}

impl Core {
    fn new(name: Option<String>, loc: &'static Location<'static>) -> Self {
        let meta = PrimMeta::new("RwLock", name, PrimInfo::RwLock, loc);
        Self { meta, holders: WaitCell::new(Holders::default()), poisoned: AtomicBool::new(false) }
    }

    /// Takes a read lock as `mode` says; false when a non-blocking one would have waited.
    fn read(&self, mode: WaitMode, loc: &'static Location<'static>) -> bool {
        let meta = &self.meta;
        meta.session.enter_gate(loc);
        let mut holders = self.holders.lock();
        meta.emit(loc, |prim| EventKind::ReadRequested { prim, mode });
        let admitted = |holders: &mut Holders| {
            let admitted = holders.admits_reader();
            holders.readers += usize::from(admitted);
            admitted
        };
        let outcome = if admitted(&mut holders) {
            Outcome::Ready
        } else if mode == WaitMode::NonBlocking {
            Outcome::TimedOut
        } else {
            block_on(&self.holders, &mut holders, None, admitted)
        };
        match outcome {
            Outcome::Ready => {
                let readers = holders.readers as u64;
                meta.emit(loc, |prim| EventKind::ReadAcquired { prim, readers });
                drop(holders);
                meta.session.leave_gate();
                true
            }
            Outcome::TimedOut => {
                meta.emit(loc, |prim| EventKind::TryFailed { prim });
                false
            }
            Outcome::Killed => {
                drop(holders);
                context::die()
            }
        }
    }

    /// Takes the write lock as `mode` says; false when a non-blocking one would have waited.
    fn write(&self, mode: WaitMode, loc: &'static Location<'static>) -> bool {
        let meta = &self.meta;
        meta.session.enter_gate(loc);
        let mut holders = self.holders.lock();
        let admitted = |holders: &mut Holders| {
            let admitted = holders.admits_writer();
            holders.writer |= admitted;
            admitted
        };
        if admitted(&mut holders) {
            meta.emit_acquired_at_once(loc, mode, 1);
            drop(holders);
            meta.session.leave_gate();
            return true;
        }
        meta.emit(loc, |prim| EventKind::Requested { prim, mode });
        if mode == WaitMode::NonBlocking {
            meta.emit(loc, |prim| EventKind::TryFailed { prim });
            return false;
        }
        holders.writers_waiting += 1;
        let outcome = block_on(&self.holders, &mut holders, None, admitted);
        holders.writers_waiting -= 1;
        match outcome {
            Outcome::Ready => {
                meta.emit(loc, |prim| EventKind::Acquired { prim, count: 1 });
                drop(holders);
                meta.session.leave_gate();
                true
            }
            Outcome::TimedOut => unreachable!("a wait without a deadline does not time out"),
            Outcome::Killed => {
                // The readers this writer kept out may come in now.
                if holders.writers_waiting == 0 {
                    self.holders.notify_all();
                }
                drop(holders);
                context::die()
            }
        }
    }

    pub(super) fn release_read(&self, loc: &'static Location<'static>) {
        self.meta.session.enter_gate(loc);
        let mut holders = self.holders.lock();
        holders.readers -= 1;
        let readers = holders.readers as u64;
        self.meta.emit(loc, |prim| EventKind::ReadReleased { prim, readers });
        if readers == 0 {
            self.holders.notify_all();
        }
    }

    /// Gives the write lock back; poisons it first if the writer is unwinding from a panic
    /// that began while it held the lock (std's rule).
    pub(super) fn release_write(&self, loc: &'static Location<'static>, panicking_before: bool) {
        self.meta.session.enter_gate(loc);
        let mut holders = self.holders.lock();
        if !panicking_before && std::thread::panicking() {
            self.poisoned.store(true, Ordering::Release);
            self.meta.emit(loc, |prim| EventKind::Poisoned { prim });
        }
        holders.writer = false;
        self.meta.emit(loc, |prim| EventKind::Released { prim, count: 0 });
        self.holders.notify_all();
    }

    fn is_poisoned(&self) -> bool {
        self.poisoned.load(Ordering::Acquire)
    }

    fn clear_poison(&self, loc: &'static Location<'static>) {
        self.meta.session.enter_gate(loc);
        let _holders = self.holders.lock();
        if self.poisoned.swap(false, Ordering::AcqRel) {
            self.meta.emit(loc, |prim| EventKind::PoisonCleared { prim });
        }
    }
}

/// std's `RwLock<T>`: any number of readers or one writer at a time, poisoned when a writer
/// panics. Readers and writers are told apart on screen; a writer waiting keeps new readers
/// out.
///
/// ```
/// use threadviz::std::sync::RwLock;
/// let lock = RwLock::new(5);
/// {
///     let first = lock.read().expect("not poisoned");
///     let second = lock.read().expect("not poisoned");
///     assert_eq!(*first + *second, 10);
///     assert!(lock.try_write().is_err(), "readers keep the writer out");
/// }
/// *lock.write().expect("not poisoned") += 1;
/// assert_eq!(lock.into_inner().expect("not poisoned"), 6);
/// ```
pub struct RwLock<T: ?Sized> {
    core: Core,
    data: parking_lot::RwLock<T>,
}

impl<T> RwLock<T> {
    /// A new unlocked lock holding `value`, named `RwLock-N`.
    #[track_caller]
    pub fn new(value: T) -> Self {
        Self { core: Core::new(None, Location::caller()), data: parking_lot::RwLock::new(value) }
    }

    /// A new unlocked lock with a display name (threadviz's addition to std's API).
    #[track_caller]
    pub fn named(name: impl Into<String>, value: T) -> Self {
        Self { core: Core::new(Some(name.into()), Location::caller()), data: parking_lot::RwLock::new(value) }
    }

    /// The data, taken out of the lock; an error (holding it) if the lock is poisoned.
    pub fn into_inner(self) -> LockResult<T> {
        let poisoned = self.core.is_poisoned();
        let value = self.data.into_inner();
        if poisoned { Err(PoisonError::new(value)) } else { Ok(value) }
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Waits until no writer holds the lock or waits for it, and reads.
    #[track_caller]
    pub fn read(&self) -> LockResult<RwLockReadGuard<'_, T>> {
        let loc = Location::caller();
        self.core.read(WaitMode::Blocking, loc);
        self.poisoned_or(self.read_guard(loc))
    }

    /// Reads if that needs no wait: `WouldBlock` while a writer holds the lock or waits for it.
    #[track_caller]
    pub fn try_read(&self) -> TryLockResult<RwLockReadGuard<'_, T>> {
        let loc = Location::caller();
        if !self.core.read(WaitMode::NonBlocking, loc) {
            return Err(TryLockError::WouldBlock);
        }
        Ok(self.poisoned_or(self.read_guard(loc))?)
    }

    /// Waits until nobody holds the lock, and writes.
    #[track_caller]
    pub fn write(&self) -> LockResult<RwLockWriteGuard<'_, T>> {
        let loc = Location::caller();
        self.core.write(WaitMode::Blocking, loc);
        self.poisoned_or(self.write_guard(loc))
    }

    /// Writes if that needs no wait: `WouldBlock` while anyone holds the lock.
    #[track_caller]
    pub fn try_write(&self) -> TryLockResult<RwLockWriteGuard<'_, T>> {
        let loc = Location::caller();
        if !self.core.write(WaitMode::NonBlocking, loc) {
            return Err(TryLockError::WouldBlock);
        }
        Ok(self.poisoned_or(self.write_guard(loc))?)
    }

    /// Whether a writer panicked while it held the lock (and nobody cleared it since).
    pub fn is_poisoned(&self) -> bool {
        self.core.is_poisoned()
    }

    /// Takes the poison away: the program says the data is sound again.
    #[track_caller]
    pub fn clear_poison(&self) {
        self.core.clear_poison(Location::caller());
    }

    /// The data, borrowed mutably: no lock needed, since nobody else can hold it.
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        let poisoned = self.core.is_poisoned();
        let data = self.data.get_mut();
        if poisoned { Err(PoisonError::new(data)) } else { Ok(data) }
    }

    /// The display name.
    pub fn name(&self) -> &str {
        &self.core.meta.name
    }

    fn poisoned_or<G>(&self, guard: G) -> LockResult<G> {
        if self.core.is_poisoned() { Err(PoisonError::new(guard)) } else { Ok(guard) }
    }

    fn read_guard(&self, loc: &'static Location<'static>) -> RwLockReadGuard<'_, T> {
        // The cell has let this reader in: no writer holds the data lock, so this never waits.
        let data = self.data.try_read().expect("the lock lets readers in only while no writer holds it");
        RwLockReadGuard { data, _release: ReadRelease { core: &self.core, loc } }
    }

    fn write_guard(&self, loc: &'static Location<'static>) -> RwLockWriteGuard<'_, T> {
        let data = self.data.try_write().expect("the lock lets a writer in only while nobody holds it");
        let release = WriteRelease { core: &self.core, loc, panicking: std::thread::panicking() };
        RwLockWriteGuard { data, _release: release }
    }
}

impl<T: Default> Default for RwLock<T> {
    #[track_caller]
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    #[track_caller]
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    /// As std shows it: the data if nobody writes it now, the poison flag. Looking takes no
    /// instrumented lock, so debugging output adds no events.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("RwLock");
        match self.data.try_read() {
            Some(data) => out.field("data", &&*data),
            None => out.field("data", &format_args!("<locked>")),
        };
        out.field("poisoned", &self.is_poisoned()).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    //! The holders' rules, without a session's threads.

    use super::Holders;

    #[test]
    fn a_waiting_writer_keeps_new_readers_out_and_readers_keep_writers_out() {
        let mut holders = Holders::default();
        assert!(holders.admits_reader() && holders.admits_writer());
        holders.readers = 2;
        assert!(holders.admits_reader() && !holders.admits_writer());
        holders.writers_waiting = 1;
        assert!(!holders.admits_reader(), "writers first");
        holders.readers = 0;
        assert!(holders.admits_writer());
        holders.writer = true;
        assert!(!holders.admits_reader() && !holders.admits_writer());
    }
}
