//! `Once` and `OnceLock`: run something exactly once, however many threads ask at the same
//! time. The first caller runs it holding a threadviz lock (`Once-1`, `OnceLock-1`): the
//! others are shown blocked on it until it is done.

use std::fmt;
use std::panic::{Location, RefUnwindSafe, UnwindSafe};
use std::sync::atomic::{AtomicU8, Ordering};

use crate::sync::Lock;

const INCOMPLETE: u8 = 0;
const COMPLETE: u8 = 1;
const POISONED: u8 = 2;

/// Runs a closure exactly once, as std's `Once`.
pub struct Once {
    lock: Lock,
    state: AtomicU8,
}

// As std's: a panicking call poisons the `Once`, which every later call sees.
impl UnwindSafe for Once {}
impl RefUnwindSafe for Once {}
impl<T: RefUnwindSafe + UnwindSafe> RefUnwindSafe for OnceLock<T> {}
impl<T: UnwindSafe> UnwindSafe for OnceLock<T> {}

impl fmt::Debug for Once {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Once").field("name", &self.lock.name()).field("completed", &self.is_completed()).finish()
    }
}

/// What a forced call is told: whether an earlier call panicked.
#[derive(Debug)]
pub struct OnceState {
    poisoned: bool,
}

impl OnceState {
    /// Whether an earlier call's closure panicked.
    #[must_use]
    pub fn is_poisoned(&self) -> bool {
        self.poisoned
    }
}

/// Marks the `Once` poisoned unless the closure returned.
struct PoisonOnUnwind<'a> {
    state: &'a AtomicU8,
    done: bool,
}

impl Drop for PoisonOnUnwind<'_> {
    fn drop(&mut self) {
        self.state.store(if self.done { COMPLETE } else { POISONED }, Ordering::SeqCst);
    }
}

impl Once {
    /// A new `Once`, named `Once-N`.
    #[track_caller]
    #[must_use]
    pub fn new() -> Self {
        Self { lock: Lock::create_as("Once", None, Location::caller()), state: AtomicU8::new(INCOMPLETE) }
    }

    /// Runs `f` if no call has completed yet; when it returns, a call has completed. Callers
    /// while `f` runs wait for it.
    ///
    /// # Panics
    /// When an earlier call's closure panicked (the `Once` is poisoned), as std's.
    #[track_caller]
    pub fn call_once<F: FnOnce()>(&self, f: F) {
        self.call(false, Location::caller(), |_| f());
    }

    /// [`call_once`](Self::call_once), running `f` even when the `Once` is poisoned (and
    /// telling it so); completing it un-poisons it.
    #[track_caller]
    pub fn call_once_force<F: FnOnce(&OnceState)>(&self, f: F) {
        self.call(true, Location::caller(), f);
    }

    fn call(&self, force: bool, loc: &'static Location<'static>, f: impl FnOnce(&OnceState)) {
        // Done already: std reads the state without any wait, and so does this.
        if self.is_completed() {
            return;
        }
        self.lock.inner.acquire(crate::event::WaitMode::Blocking, None, loc);
        let release = ReleaseOnDrop { lock: &self.lock, loc };
        let state = self.state.load(Ordering::SeqCst);
        if state == POISONED && !force {
            drop(release);
            panic!("Once instance has previously been poisoned");
        }
        if state != COMPLETE {
            let mut poison = PoisonOnUnwind { state: &self.state, done: false };
            f(&OnceState { poisoned: state == POISONED });
            poison.done = true;
        }
        drop(release);
    }

    /// Whether a call has completed (never true after a panic only).
    #[must_use]
    pub fn is_completed(&self) -> bool {
        self.state.load(Ordering::SeqCst) == COMPLETE
    }
}

impl Default for Once {
    #[track_caller]
    fn default() -> Self {
        Self::new()
    }
}

/// Releases the lock when the call ends, also by unwinding.
struct ReleaseOnDrop<'a> {
    lock: &'a Lock,
    loc: &'static Location<'static>,
}

impl Drop for ReleaseOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self.lock.inner.release(self.loc);
    }
}

/// A cell written once, as std's `OnceLock`: `get_or_init` runs its closure once, whichever
/// threads race for it, and every thread then reads the same value.
pub struct OnceLock<T> {
    lock: Lock,
    /// Written only holding `lock`, so std's own cell never waits.
    value: std::sync::OnceLock<T>,
}

impl<T: fmt::Debug> fmt::Debug for OnceLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.value.get() {
            Some(value) => f.debug_tuple("OnceLock").field(value).finish(),
            None => f.write_str("OnceLock(<uninit>)"),
        }
    }
}

impl<T> OnceLock<T> {
    /// An empty cell, named `OnceLock-N`.
    #[track_caller]
    #[must_use]
    pub fn new() -> Self {
        Self { lock: Lock::create_as("OnceLock", None, Location::caller()), value: std::sync::OnceLock::new() }
    }

    /// The value, if it was set.
    pub fn get(&self) -> Option<&T> {
        self.value.get()
    }

    /// The value mutably, if it was set.
    pub fn get_mut(&mut self) -> Option<&mut T> {
        self.value.get_mut()
    }

    /// Sets the value if the cell is empty; `Err(value)` when another was set first.
    #[track_caller]
    pub fn set(&self, value: T) -> Result<(), T> {
        let loc = Location::caller();
        if self.value.get().is_some() {
            return Err(value);
        }
        self.lock.inner.acquire(crate::event::WaitMode::Blocking, None, loc);
        let _release = ReleaseOnDrop { lock: &self.lock, loc };
        self.value.set(value)
    }

    /// The value, made by `f` if the cell is empty: `f` runs once, and a thread that comes
    /// while it runs waits for it. A panicking `f` leaves the cell empty, as std's.
    #[track_caller]
    pub fn get_or_init<F: FnOnce() -> T>(&self, f: F) -> &T {
        let loc = Location::caller();
        if let Some(value) = self.value.get() {
            return value;
        }
        self.lock.inner.acquire(crate::event::WaitMode::Blocking, None, loc);
        let _release = ReleaseOnDrop { lock: &self.lock, loc };
        self.value.get_or_init(f)
    }

    /// The value, if it was set.
    pub fn into_inner(self) -> Option<T> {
        self.value.into_inner()
    }

    /// Takes the value out, leaving the cell empty.
    pub fn take(&mut self) -> Option<T> {
        self.value.take()
    }
}

impl<T> Default for OnceLock<T> {
    #[track_caller]
    fn default() -> Self {
        Self::new()
    }
}

impl<T> From<T> for OnceLock<T> {
    #[track_caller]
    fn from(value: T) -> Self {
        let cell = Self::new();
        let _ = cell.value.set(value);
        cell
    }
}
