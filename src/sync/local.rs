//! `Local`: Python's `threading.local`, one value per thread.

use std::collections::HashMap;
use std::fmt;
use std::panic::Location;
use std::sync::Arc;

use parking_lot::Mutex;

use super::PrimMeta;
use crate::event::{EventKind, PrimInfo};
use crate::py;
use crate::session::context;

type Init<T> = Box<dyn Fn() -> T + Send + Sync>;

struct LocalInner<T> {
    /// Values by thread ident; `None` marks a thread that has been initialised without a value.
    values: Mutex<HashMap<u64, Option<T>>>,
    init: Option<Init<T>>,
    meta: PrimMeta,
}

/// Python's `threading.local`: each thread sees only the value it set itself. With
/// [`Local::with_default`], every thread starts from the value `f` makes, run once per thread
/// on its first access (Python's `__init__` of a `local` subclass).
///
/// ```
/// let data = threadviz::sync::Local::new();
/// assert_eq!(data.get(), None);
/// data.set(7);
/// assert_eq!(data.get(), Some(7));
/// let other = data.clone();
/// std::thread::spawn(move || assert_eq!(other.get(), None)).join().unwrap();
/// ```
pub struct Local<T: Clone + Send + fmt::Debug + 'static> {
    inner: Arc<LocalInner<T>>,
}

impl<T: Clone + Send + fmt::Debug + 'static> Clone for Local<T> {
    fn clone(&self) -> Self {
        Self { inner: self.inner.clone() }
    }
}

impl<T: Clone + Send + fmt::Debug + 'static> fmt::Debug for Local<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<Local {} ({} threads)>", self.inner.meta.name, self.inner.values.lock().len())
    }
}

impl<T: Clone + Send + fmt::Debug + 'static> Default for Local<T> {
    #[track_caller]
    fn default() -> Self {
        Self::create(None, None, Location::caller())
    }
}

impl<T: Clone + Send + fmt::Debug + 'static> Local<T> {
    /// Thread-local data with no value in any thread yet.
    #[track_caller]
    #[must_use]
    pub fn new() -> Self {
        Self::create(None, None, Location::caller())
    }

    /// Named thread-local data.
    #[track_caller]
    #[must_use]
    pub fn named(name: impl Into<String>) -> Self {
        Self::create(Some(name.into()), None, Location::caller())
    }

    /// Thread-local data whose value in each thread starts as `f()`, run on that thread's
    /// first access.
    #[track_caller]
    #[must_use]
    pub fn with_default(f: impl Fn() -> T + Send + Sync + 'static) -> Self {
        Self::create(None, Some(Box::new(f)), Location::caller())
    }

    /// Named thread-local data whose value in each thread starts as `f()`, as
    /// [`Local::with_default`].
    #[track_caller]
    #[must_use]
    pub fn named_with_default(name: impl Into<String>, f: impl Fn() -> T + Send + Sync + 'static) -> Self {
        Self::create(Some(name.into()), Some(Box::new(f)), Location::caller())
    }

    fn create(name: Option<String>, init: Option<Init<T>>, loc: &'static Location<'static>) -> Self {
        let meta = PrimMeta::new("Local", name, PrimInfo::Local, loc);
        Self { inner: Arc::new(LocalInner { values: Mutex::new(HashMap::new()), init, meta }) }
    }

    /// Runs the initialiser if this thread has not touched the local yet. It runs without the
    /// lock held, so it may use other primitives.
    fn ensure_initialised(&self, me: u64) {
        if self.inner.values.lock().contains_key(&me) {
            return;
        }
        let value = self.inner.init.as_ref().map(|init| init());
        self.inner.values.lock().entry(me).or_insert(value);
    }

    /// This thread's value, if it has one.
    #[track_caller]
    pub fn get(&self) -> Option<T> {
        let inner = &*self.inner;
        inner.meta.session.enter_gate(Location::caller());
        let me = context::ident();
        self.ensure_initialised(me);
        let value = inner.values.lock().get(&me).cloned().flatten();
        inner
            .meta
            .emit(Location::caller(), |prim| EventKind::LocalGet { prim, value: value.as_ref().map(py::debug_text) });
        value
    }

    /// Sets this thread's value.
    #[track_caller]
    pub fn set(&self, value: T) {
        let inner = &*self.inner;
        inner.meta.session.enter_gate(Location::caller());
        let me = context::ident();
        self.ensure_initialised(me);
        inner.meta.emit(Location::caller(), |prim| EventKind::LocalSet { prim, value: py::debug_text(&value) });
        inner.values.lock().insert(me, Some(value));
    }

    /// The display name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.inner.meta.name
    }
}
