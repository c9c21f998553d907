//! The `thread_local!` values of threadviz threads (`threadviz::std::thread_local!`): one
//! store per threadviz thread, opened when its function starts and emptied, destructors run,
//! when it ends, so that the next thread a pooled OS thread runs starts with none.
//!
//! The store lives in the OS thread's own storage, not in the thread's record, because a value
//! need not be `Send` (an `Rc`, a `RefCell`) while a record is shared between threads; a
//! threadviz thread never leaves the OS thread it started on, so the OS thread's storage is
//! its own for as long as it runs. Stores are stacked: a `Session::run` called inside a thread
//! makes its main thread a thread of its own, whose store goes when it returns, uncovering the
//! caller's again. The values are type-erased, keyed by the address of their `static` key.
//! Nothing here is a scheduling point or an event: a thread-local is never shared.

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::panic::AssertUnwindSafe;
use std::rc::Rc;

/// A key's value in one thread: kept as an `Rc` so that an access hands it out and lets go of
/// the store before running the caller's closure, which may use other keys (or make a value).
enum Slot {
    Alive(Rc<dyn Any>),
    /// Its destructor has run or is running: std's `try_with` gives `Err` from then on.
    Destroyed,
}

/// One threadviz thread's values.
struct Store {
    /// Which [`ThreadLocals`] opened it.
    serial: u64,
    slots: HashMap<usize, Slot>,
    /// The keys in the order they were made: destroyed last first, as std does.
    made: Vec<usize>,
}

thread_local! {
    /// The stores of the threadviz threads running on this OS thread, the current one last.
    static STORES: RefCell<Vec<Store>> = const { RefCell::new(Vec::new()) };
    static NEXT_SERIAL: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// What the current threadviz thread holds for a key.
pub(crate) enum Lookup {
    /// The OS thread runs no threadviz thread's function now: the key is std's own here.
    NoStore,
    /// The key's value has been destroyed (or is being destroyed) in this thread.
    Destroyed,
    /// The key's value, made now by `init` if the thread had none.
    Alive(Rc<dyn Any>),
}

/// The current threadviz thread's value for `key`, made by `init` if it has none yet. `init`
/// runs with the store let go, so it may use other keys; if it made this key's value itself
/// (a recursive initialisation), the value it returns replaces that one, as std's does.
pub(crate) fn get_or_init(key: usize, init: impl FnOnce() -> Rc<dyn Any>) -> Lookup {
    let known = STORES.try_with(|stores| {
        let stores = stores.borrow();
        stores.last().map(|store| match store.slots.get(&key) {
            Some(Slot::Alive(value)) => Some(Lookup::Alive(value.clone())),
            Some(Slot::Destroyed) => Some(Lookup::Destroyed),
            None => None,
        })
    });
    match known {
        // No threadviz thread runs here, or the OS thread's own storage is being torn down.
        Err(_) | Ok(None) => return Lookup::NoStore,
        Ok(Some(Some(known))) => return known,
        Ok(Some(None)) => {}
    }
    let made = init();
    let (lookup, replaced) = STORES
        .try_with(|stores| {
            let mut stores = stores.borrow_mut();
            let Some(store) = stores.last_mut() else { return (Lookup::NoStore, Some(made)) };
            match store.slots.entry(key) {
                Entry::Vacant(vacant) => {
                    vacant.insert(Slot::Alive(made.clone()));
                    store.made.push(key);
                    (Lookup::Alive(made), None)
                }
                Entry::Occupied(mut occupied) => match occupied.get_mut() {
                    Slot::Alive(earlier) => {
                        let earlier = std::mem::replace(earlier, made.clone());
                        (Lookup::Alive(made), Some(earlier))
                    }
                    Slot::Destroyed => (Lookup::Destroyed, Some(made)),
                },
            }
        })
        .unwrap_or_else(|_| (Lookup::NoStore, None));
    // Dropped with the store let go: a destructor may use thread-locals too.
    drop(replaced);
    lookup
}

/// The current threadviz thread's store, open while its function runs. [`ThreadLocals::end`]
/// runs its values' destructors; dropping it without (when the thread unwinds past it) does
/// the same, so no value is ever left for the next thread of the OS thread.
#[derive(Debug)]
pub(crate) struct ThreadLocals {
    serial: u64,
    ended: bool,
}

impl ThreadLocals {
    /// Opens a store for the threadviz thread that starts running on this OS thread now.
    pub(crate) fn begin() -> Self {
        let serial = NEXT_SERIAL
            .try_with(|next| {
                let serial = next.get();
                next.set(serial + 1);
                serial
            })
            .unwrap_or(u64::MAX);
        let _ = STORES.try_with(|stores| {
            stores.borrow_mut().push(Store { serial, slots: HashMap::new(), made: Vec::new() });
        });
        Self { serial, ended: false }
    }

    /// The thread's function has ended: destroys its values, last made first, each
    /// destructor run with the store let go (so it may read a key, which answers `Destroyed`
    /// if that key's value is gone, or make one, which is then destroyed in its turn), until
    /// none is left. The first destructor that panicked, if any, gives its payload; the others
    /// still run.
    pub(crate) fn end(mut self) -> std::thread::Result<()> {
        self.ended = true;
        destroy(self.serial)
    }
}

impl Drop for ThreadLocals {
    fn drop(&mut self) {
        if !self.ended {
            let _ = destroy(self.serial);
        }
    }
}

fn destroy(serial: u64) -> std::thread::Result<()> {
    let mut outcome = Ok(());
    while let Some(value) = next_to_destroy(serial) {
        let dropped = std::panic::catch_unwind(AssertUnwindSafe(move || drop(value)));
        if outcome.is_ok() {
            outcome = dropped;
        }
    }
    let _ = STORES.try_with(|stores| stores.borrow_mut().retain(|store| store.serial != serial));
    outcome
}

/// The latest made value still alive in the store `serial`, marked destroyed.
fn next_to_destroy(serial: u64) -> Option<Rc<dyn Any>> {
    STORES
        .try_with(|stores| {
            let mut stores = stores.borrow_mut();
            let store = stores.iter_mut().rev().find(|store| store.serial == serial)?;
            while let Some(key) = store.made.pop() {
                if let Some(slot) = store.slots.get_mut(&key)
                    && let Slot::Alive(value) = std::mem::replace(slot, Slot::Destroyed)
                {
                    return Some(value);
                }
            }
            None
        })
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counter(key: usize, start: u32) -> Lookup {
        get_or_init(key, || Rc::new(std::cell::Cell::new(start)))
    }

    fn value(lookup: &Lookup) -> Option<u32> {
        match lookup {
            Lookup::Alive(value) => value.downcast_ref::<std::cell::Cell<u32>>().map(std::cell::Cell::get),
            Lookup::NoStore | Lookup::Destroyed => None,
        }
    }

    #[test]
    fn without_a_store_a_key_is_the_os_threads_own() {
        assert!(matches!(counter(1, 0), Lookup::NoStore));
    }

    #[test]
    fn a_store_makes_a_value_once_and_forgets_it_at_its_end() {
        let locals = ThreadLocals::begin();
        assert_eq!(value(&counter(1, 5)), Some(5));
        assert_eq!(value(&counter(1, 9)), Some(5), "made once");
        locals.end().expect("no destructor panicked");
        assert!(matches!(counter(1, 0), Lookup::NoStore));
        let next = ThreadLocals::begin();
        assert_eq!(value(&counter(1, 7)), Some(7), "the next thread starts afresh");
        drop(next);
    }

    #[test]
    fn a_nested_store_covers_the_outer_one_until_it_ends() {
        let outer = ThreadLocals::begin();
        assert_eq!(value(&counter(1, 1)), Some(1));
        let inner = ThreadLocals::begin();
        assert_eq!(value(&counter(1, 2)), Some(2));
        inner.end().expect("no destructor panicked");
        assert_eq!(value(&counter(1, 3)), Some(1));
        outer.end().expect("no destructor panicked");
    }

    #[test]
    fn a_panicking_destructor_is_reported_and_the_others_still_run() {
        struct Panics;
        impl Drop for Panics {
            fn drop(&mut self) {
                panic!("dropped");
            }
        }
        struct Notes(Rc<std::cell::Cell<bool>>);
        impl Drop for Notes {
            fn drop(&mut self) {
                self.0.set(true);
            }
        }
        let dropped = Rc::new(std::cell::Cell::new(false));
        let locals = ThreadLocals::begin();
        let noted = dropped.clone();
        let _ = get_or_init(1, move || Rc::new(Notes(noted)));
        let _ = get_or_init(2, || Rc::new(Panics));
        assert!(locals.end().is_err());
        assert!(dropped.get());
    }
}
