//! `thread_local!` and `LocalKey`, as std's, with one value per threadviz thread: a thread of
//! an explored run finds none that a thread of an earlier run left on the same (pooled) OS
//! thread, and its values are destroyed when it ends. Outside threadviz threads a key is a
//! std `thread_local!` of its own, so the mirror behaves as std wherever it is called.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::rc::Rc;

use crate::session::context::locals::{self, Lookup};

/// A thread-local key, made by [`thread_local!`](crate::std::thread_local): each threadviz
/// thread (a thread of [`spawn`](super::spawn), [`scope`](super::scope), a
/// [`Builder`](super::Builder), [`threadviz::thread`](crate::thread), or a session's main
/// thread) has its own value, made by the key's initialiser at its first access and destroyed
/// when its function ends, before it counts as ended (a `join` returns after the
/// destructors). Any other thread (a plain std thread) has its own too, as std's
/// `thread_local!` gives it.
///
/// An access is no step and no event: a thread-local is never shared, so no other thread can
/// see in which order it is used, and the explorer has nothing to choose.
///
/// ```
/// use std::cell::Cell;
/// use threadviz::std as stdx;
///
/// stdx::thread_local!(static COUNT: Cell<u32> = const { Cell::new(0) });
///
/// threadviz::Session::new().run(|| {
///     COUNT.set(1);
///     let worker = stdx::thread::spawn(|| COUNT.replace(7));
///     assert_eq!(worker.join().expect("no panic"), 0, "a new thread starts from the initialiser");
///     assert_eq!(COUNT.get(), 1);
/// });
/// ```
pub struct LocalKey<T: 'static> {
    /// The key where no threadviz thread runs: std's own.
    fallback: &'static std::thread::LocalKey<T>,
    init: fn() -> T,
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalKey").finish_non_exhaustive()
    }
}

/// The error of [`LocalKey::try_with`]: the key's value in this thread has been destroyed, or
/// is being destroyed (a destructor of thread-locals runs), as std's `AccessError`.
#[non_exhaustive]
#[derive(Clone, Copy, Eq, PartialEq)]
pub struct AccessError;

impl fmt::Debug for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessError").finish()
    }
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt("already destroyed", f)
    }
}

impl std::error::Error for AccessError {}

fn panic_access_error(error: AccessError) -> ! {
    panic!("cannot access a Thread Local Storage value during or after destruction: {error:?}")
}

/// What an access found: this threadviz thread's value, or std's key to use instead.
enum Found<T: 'static> {
    Ours(Rc<dyn Any>),
    Std(&'static std::thread::LocalKey<T>),
}

impl<T: 'static> LocalKey<T> {
    #[doc(hidden)]
    /// Made by `thread_local!` only: `fallback` is a std key with the same initialiser.
    pub const fn new(fallback: &'static std::thread::LocalKey<T>, init: fn() -> T) -> Self {
        Self { fallback, init }
    }

    /// This key's identity in a thread's store: the address of its `static`.
    fn id(&'static self) -> usize {
        std::ptr::from_ref(self).addr()
    }

    /// This thread's value, made with `init` if it has none (`init` is not run otherwise).
    fn find(&'static self, init: impl FnOnce() -> T) -> Result<Found<T>, AccessError> {
        match locals::get_or_init(self.id(), || Rc::new(init())) {
            Lookup::Alive(value) => Ok(Found::Ours(value)),
            Lookup::Destroyed => Err(AccessError),
            Lookup::NoStore => Ok(Found::Std(self.fallback)),
        }
    }

    /// Runs `f` with this thread's value, made by the initialiser on the thread's first access.
    ///
    /// # Panics
    /// As std's: if the value has been destroyed, or is being destroyed (called from a
    /// destructor of thread-locals), or if the initialiser panics.
    pub fn with<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        self.try_with(f).unwrap_or_else(|error| panic_access_error(error))
    }

    /// [`with`](Self::with), with `Err` instead of a panic when the value has been destroyed
    /// or is being destroyed.
    pub fn try_with<F, R>(&'static self, f: F) -> Result<R, AccessError>
    where
        F: FnOnce(&T) -> R,
    {
        match self.find(self.init)? {
            Found::Ours(value) => Ok(f(downcast(&value))),
            Found::Std(key) => key.try_with(f).map_err(|_| AccessError),
        }
    }

    /// std's `initialize_with`, for `set`: this thread's value, made from `preset` instead of
    /// the initialiser if the thread had none; `ours` gets `preset` back if it was not used.
    /// Where no threadviz thread runs, `theirs` does the same with std's key.
    fn initialize_with<R>(
        &'static self,
        preset: T,
        ours: impl FnOnce(Option<T>, &T) -> R,
        theirs: impl FnOnce(&'static std::thread::LocalKey<T>, T) -> R,
    ) -> R {
        let mut preset = Some(preset);
        let found = self.find(|| preset.take().unwrap_or_else(self.init));
        match found.unwrap_or_else(|error| panic_access_error(error)) {
            Found::Ours(value) => ours(preset, downcast(&value)),
            Found::Std(key) => theirs(key, preset.expect("a key left to std makes no value of ours")),
        }
    }
}

impl<T: 'static> LocalKey<Cell<T>> {
    /// Sets this thread's value, without running the initialiser if it had none.
    ///
    /// # Panics
    /// As [`with`](LocalKey::with), when the value has been destroyed.
    pub fn set(&'static self, value: T) {
        self.initialize_with(
            Cell::new(value),
            |unused, cell| {
                if let Some(value) = unused {
                    cell.set(value.into_inner());
                }
            },
            |key, cell| key.set(cell.into_inner()),
        );
    }

    /// A copy of this thread's value.
    ///
    /// # Panics
    /// As [`with`](LocalKey::with).
    pub fn get(&'static self) -> T
    where
        T: Copy,
    {
        self.with(Cell::get)
    }

    /// Takes this thread's value, leaving `Default::default()`.
    ///
    /// # Panics
    /// As [`with`](LocalKey::with).
    pub fn take(&'static self) -> T
    where
        T: Default,
    {
        self.with(Cell::take)
    }

    /// Replaces this thread's value, returning the old one.
    ///
    /// # Panics
    /// As [`with`](LocalKey::with).
    pub fn replace(&'static self, value: T) -> T {
        self.with(|cell| cell.replace(value))
    }
}

impl<T: 'static> LocalKey<RefCell<T>> {
    /// Runs `f` with this thread's value borrowed.
    ///
    /// # Panics
    /// As [`with`](LocalKey::with), and if the value is mutably borrowed.
    pub fn with_borrow<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        self.with(|cell| f(&cell.borrow()))
    }

    /// Runs `f` with this thread's value mutably borrowed.
    ///
    /// # Panics
    /// As [`with`](LocalKey::with), and if the value is borrowed.
    pub fn with_borrow_mut<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&mut T) -> R,
    {
        self.with(|cell| f(&mut cell.borrow_mut()))
    }

    /// Sets this thread's value, without running the initialiser if it had none.
    ///
    /// # Panics
    /// As [`with`](LocalKey::with), and if the value is borrowed.
    pub fn set(&'static self, value: T) {
        self.initialize_with(
            RefCell::new(value),
            |unused, cell| {
                if let Some(value) = unused {
                    *cell.borrow_mut() = value.into_inner();
                }
            },
            |key, cell| key.set(cell.into_inner()),
        );
    }

    /// Takes this thread's value, leaving `Default::default()`.
    ///
    /// # Panics
    /// As [`with`](LocalKey::with), and if the value is borrowed.
    pub fn take(&'static self) -> T
    where
        T: Default,
    {
        self.with(RefCell::take)
    }

    /// Replaces this thread's value, returning the old one.
    ///
    /// # Panics
    /// As [`with`](LocalKey::with), and if the value is borrowed.
    pub fn replace(&'static self, value: T) -> T {
        self.with(|cell| cell.replace(value))
    }
}

/// The value a store holds for a key: of the key's own type, as the key made it.
fn downcast<T: 'static>(value: &Rc<dyn Any>) -> &T {
    value.downcast_ref::<T>().expect("a thread-local's value has its key's type")
}

/// Declares thread-local keys as std's `thread_local!` does (attributes, visibility, several
/// at once, `const { }` initialisers), each a [`LocalKey`](crate::std::thread::LocalKey)
/// with one value per threadviz thread. Reach it as `threadviz::std::thread_local!`.
#[doc(hidden)]
#[macro_export]
macro_rules! __threadviz_std_thread_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const $init:block; $($rest:tt)*) => {
        $crate::__threadviz_std_thread_local!(@key $(#[$attr])* $vis $name, $t, const $init);
        $crate::__threadviz_std_thread_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const $init:block) => {
        $crate::__threadviz_std_thread_local!(@key $(#[$attr])* $vis $name, $t, const $init);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr; $($rest:tt)*) => {
        $crate::__threadviz_std_thread_local!(@key $(#[$attr])* $vis $name, $t, $init);
        $crate::__threadviz_std_thread_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr) => {
        $crate::__threadviz_std_thread_local!(@key $(#[$attr])* $vis $name, $t, $init);
    };
    (@key $(#[$attr:meta])* $vis:vis $name:ident, $t:ty, $($init:tt)*) => {
        $(#[$attr])* $vis static $name: $crate::std::thread::LocalKey<$t> = {
            fn __threadviz_init() -> $t {
                $($init)*
            }
            ::std::thread_local!(static __THREADVIZ_STD_KEY: $t = $($init)*);
            $crate::std::thread::LocalKey::new(&__THREADVIZ_STD_KEY, __threadviz_init)
        };
    };
}
