//! `Shared`: a variable shared between threads, where each load and each store is one visible
//! step, so `counter = counter + 1` can lose updates exactly as it does in Python.

use std::fmt;
use std::panic::Location;
use std::sync::Arc;

use parking_lot::Mutex;

use super::PrimMeta;
use crate::event::{EventKind, PrimInfo};
use crate::py;

struct SharedInner<T> {
    value: Mutex<T>,
    meta: PrimMeta,
}

/// A shared variable. `load` and `store` are each atomic and each one operation (the pause
/// gate can stop a thread between them), but load-modify-store is NOT atomic: another thread
/// may store in between, and its update is lost. Protect it with a `Lock` to be safe. Its
/// events carry the value as Python would print it ([`py::debug_text`]): `['0', '1']`, `True`.
///
/// ```
/// let counter = threadviz::sync::Shared::new(0);
/// let seen = counter.load();
/// counter.store(seen + 1);
/// assert_eq!(counter.load(), 1);
/// ```
pub struct Shared<T: Clone + Send + fmt::Debug + 'static> {
    inner: Arc<SharedInner<T>>,
}

impl<T: Clone + Send + fmt::Debug + 'static> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Self { inner: self.inner.clone() }
    }
}

impl<T: Clone + Send + fmt::Debug + 'static> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<Shared {} = {:?}>", self.inner.meta.name, *self.inner.value.lock())
    }
}

impl<T: Clone + Send + fmt::Debug + 'static> Shared<T> {
    /// A shared variable holding `value`, named `Shared-N`.
    #[track_caller]
    #[must_use]
    pub fn new(value: T) -> Self {
        Self::create(None, value, Location::caller())
    }

    /// A named shared variable.
    #[track_caller]
    #[must_use]
    pub fn named(name: impl Into<String>, value: T) -> Self {
        Self::create(Some(name.into()), value, Location::caller())
    }

    fn create(name: Option<String>, value: T, loc: &'static Location<'static>) -> Self {
        let info = PrimInfo::Shared { initial: py::debug_text(&value) };
        let meta = PrimMeta::new("Shared", name, info, loc);
        Self { inner: Arc::new(SharedInner { value: Mutex::new(value), meta }) }
    }

    /// Reads the value (one step).
    #[track_caller]
    pub fn load(&self) -> T {
        let inner = &*self.inner;
        inner.meta.session.enter_gate(Location::caller());
        let value = inner.value.lock();
        inner.meta.emit(Location::caller(), |prim| EventKind::Load { prim, value: py::debug_text(&*value) });
        value.clone()
    }

    /// Writes the value (one step).
    #[track_caller]
    pub fn store(&self, value: T) {
        let inner = &*self.inner;
        inner.meta.session.enter_gate(Location::caller());
        let mut slot = inner.value.lock();
        inner.meta.emit(Location::caller(), |prim| EventKind::Store { prim, value: py::debug_text(&value) });
        *slot = value;
    }

    /// The display name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.inner.meta.name
    }
}
