//! `threadviz::std::sync::atomic`: std's atomics, each a threadviz shared value
//! (`AtomicUsize-1` in the dashboard, with its current value).
//!
//! **Sequentially consistent, whatever `Ordering` is passed.** Every operation is one step of
//! the explorer and one event, and all threads see the steps in one order: a `load` is a
//! `Load`, a `store` a `Store`, and a read-modify-write (`fetch_add`, `swap`, a successful
//! `compare_exchange`...) one indivisible `Update` that no other thread can come between; a
//! failed `compare_exchange` is the `Load` it is. loom models weaker orderings (`Relaxed`,
//! `Acquire`/`Release`) and the reorderings they allow; threadviz does not, yet, so a program
//! correct only under `SeqCst` passes here. `compare_exchange_weak` never fails spuriously, and
//! `fetch_update` calls its closure once, as one step (the interleavings of std's retry loop
//! add none that this one step cannot already end in).

use std::fmt;
use std::panic::Location;

pub use std::sync::atomic::{Ordering, compiler_fence, fence};

use crate::event::{EventKind, PrimInfo};
use crate::sync::PrimMeta;

/// The value and its primitive: every operation takes the value's lock for its one step, so
/// its events are numbered in the order the operations happened.
struct Cell<T> {
    value: parking_lot::Mutex<T>,
    meta: PrimMeta,
}

impl<T: Copy + fmt::Debug> Cell<T> {
    fn new(kind: &'static str, value: T, loc: &'static Location<'static>) -> Self {
        let meta = PrimMeta::new(kind, None, PrimInfo::Shared { initial: format!("{value:?}") }, loc);
        Self { value: parking_lot::Mutex::new(value), meta }
    }

    fn load(&self, loc: &'static Location<'static>) -> T {
        self.meta.session.enter_gate(loc);
        let value = self.value.lock();
        self.meta.emit(loc, |prim| EventKind::Load { prim, value: format!("{:?}", *value) });
        *value
    }

    fn store(&self, new: T, loc: &'static Location<'static>) {
        self.meta.session.enter_gate(loc);
        let mut value = self.value.lock();
        self.meta.emit(loc, |prim| EventKind::Store { prim, value: format!("{new:?}") });
        *value = new;
    }

    /// One read-modify-write step: `change` gives the value to write, or None to write nothing
    /// (a failed compare-exchange: then the step was a load). The value before, `Ok` when
    /// something was written.
    fn update(
        &self,
        op: impl FnOnce() -> String,
        loc: &'static Location<'static>,
        change: impl FnOnce(T) -> Option<T>,
    ) -> Result<T, T> {
        self.meta.session.enter_gate(loc);
        let mut value = self.value.lock();
        let read = *value;
        if let Some(new) = change(read) {
            self.meta.emit(loc, |prim| EventKind::Update {
                prim,
                op: op(),
                read: format!("{read:?}"),
                value: format!("{new:?}"),
            });
            *value = new;
            Ok(read)
        } else {
            self.meta.emit(loc, |prim| EventKind::Load { prim, value: format!("{read:?}") });
            Err(read)
        }
    }

    /// A read-modify-write that always writes: the value before.
    fn modify(&self, op: impl FnOnce() -> String, loc: &'static Location<'static>, change: impl FnOnce(T) -> T) -> T {
        match self.update(op, loc, |value| Some(change(value))) {
            Ok(value) | Err(value) => value,
        }
    }
}

/// What every atomic has: std's common methods, each one step.
macro_rules! atomic_common {
    ($atomic:ident, $value:ty) => {
        /// An atomic value, as std's; sequentially consistent (see the [module](self)).
        pub struct $atomic {
            cell: Cell<$value>,
        }

        impl $atomic {
            /// A new atomic holding `value`, named after its type (`AtomicUsize-1`).
            #[track_caller]
            #[must_use]
            pub fn new(value: $value) -> Self {
                Self { cell: Cell::new(stringify!($atomic), value, Location::caller()) }
            }

            /// Reads the value (one step, a `Load`).
            #[track_caller]
            pub fn load(&self, _order: Ordering) -> $value {
                self.cell.load(Location::caller())
            }

            /// Writes the value (one step, a `Store`).
            #[track_caller]
            pub fn store(&self, value: $value, _order: Ordering) {
                self.cell.store(value, Location::caller());
            }

            /// Writes `value`, returning the one before (one read-modify-write).
            #[track_caller]
            pub fn swap(&self, value: $value, _order: Ordering) -> $value {
                self.cell.modify(|| format!("swap({value:?})"), Location::caller(), |_| value)
            }

            /// Writes `new` if the value is `current`: `Ok(current)`, or `Err(value)` having
            /// written nothing (that step is a load).
            #[track_caller]
            pub fn compare_exchange(
                &self,
                current: $value,
                new: $value,
                _success: Ordering,
                _failure: Ordering,
            ) -> Result<$value, $value> {
                let op = || format!("compare_exchange({current:?}, {new:?})");
                self.cell.update(op, Location::caller(), |value| (value == current).then_some(new))
            }

            /// [`compare_exchange`](Self::compare_exchange): here it never fails spuriously.
            #[track_caller]
            pub fn compare_exchange_weak(
                &self,
                current: $value,
                new: $value,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$value, $value> {
                self.compare_exchange(current, new, success, failure)
            }

            /// Writes what `f` makes of the value, unless it gives None: one step, `f` called
            /// once. `Ok` with the value before, or `Err` with the value when nothing was written.
            #[track_caller]
            pub fn fetch_update<F>(&self, _set_order: Ordering, _fetch_order: Ordering, f: F) -> Result<$value, $value>
            where
                F: FnMut($value) -> Option<$value>,
            {
                let mut f = f;
                self.cell.update(|| "fetch_update".to_owned(), Location::caller(), |value| f(value))
            }

            /// The value, from an atomic nobody else can reach.
            pub fn into_inner(self) -> $value {
                self.cell.value.into_inner()
            }

            /// The value mutably: the borrow is exclusive, no step.
            pub fn get_mut(&mut self) -> &mut $value {
                self.cell.value.get_mut()
            }

            /// Applies a bit operation as one read-modify-write.
            #[track_caller]
            fn bits(&self, name: &str, operand: $value, change: impl FnOnce($value) -> $value) -> $value {
                self.cell.modify(|| format!("{name}({operand:?})"), Location::caller(), change)
            }

            /// `value & operand`, returning the value before.
            #[track_caller]
            pub fn fetch_and(&self, operand: $value, _order: Ordering) -> $value {
                self.bits("fetch_and", operand, |value| value & operand)
            }

            /// `!(value & operand)`, returning the value before.
            #[track_caller]
            pub fn fetch_nand(&self, operand: $value, _order: Ordering) -> $value {
                self.bits("fetch_nand", operand, |value| !(value & operand))
            }

            /// `value | operand`, returning the value before.
            #[track_caller]
            pub fn fetch_or(&self, operand: $value, _order: Ordering) -> $value {
                self.bits("fetch_or", operand, |value| value | operand)
            }

            /// `value ^ operand`, returning the value before.
            #[track_caller]
            pub fn fetch_xor(&self, operand: $value, _order: Ordering) -> $value {
                self.bits("fetch_xor", operand, |value| value ^ operand)
            }
        }

        // As std's: every operation is whole, a panic leaves no value half written.
        impl std::panic::RefUnwindSafe for $atomic {}

        impl Default for $atomic {
            #[track_caller]
            fn default() -> Self {
                Self::new(<$value>::default())
            }
        }

        impl From<$value> for $atomic {
            #[track_caller]
            fn from(value: $value) -> Self {
                Self::new(value)
            }
        }

        impl fmt::Debug for $atomic {
            /// The value, read without a step, as std's `Debug` reads it.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&*self.cell.value.lock(), f)
            }
        }
    };
}

/// The integer atomics: the common methods and arithmetic (wrapping, as std's).
macro_rules! atomic_int {
    ($($atomic:ident: $value:ty),* $(,)?) => {$(
        atomic_common!($atomic, $value);

        impl $atomic {
            /// Adds `operand` (wrapping), returning the value before: one read-modify-write.
            #[track_caller]
            pub fn fetch_add(&self, operand: $value, _order: Ordering) -> $value {
                self.bits("fetch_add", operand, |value| value.wrapping_add(operand))
            }

            /// Subtracts `operand` (wrapping), returning the value before.
            #[track_caller]
            pub fn fetch_sub(&self, operand: $value, _order: Ordering) -> $value {
                self.bits("fetch_sub", operand, |value| value.wrapping_sub(operand))
            }

            /// The larger of the value and `operand`, returning the value before.
            #[track_caller]
            pub fn fetch_max(&self, operand: $value, _order: Ordering) -> $value {
                self.bits("fetch_max", operand, |value| value.max(operand))
            }

            /// The smaller of the value and `operand`, returning the value before.
            #[track_caller]
            pub fn fetch_min(&self, operand: $value, _order: Ordering) -> $value {
                self.bits("fetch_min", operand, |value| value.min(operand))
            }
        }
    )*};
}

atomic_common!(AtomicBool, bool);

impl AtomicBool {
    /// Flips the value, returning the one before: one read-modify-write.
    #[track_caller]
    pub fn fetch_not(&self, _order: Ordering) -> bool {
        self.cell.modify(|| "fetch_not".to_owned(), Location::caller(), |value| !value)
    }
}

atomic_int!(
    AtomicUsize: usize,
    AtomicIsize: isize,
    AtomicU8: u8,
    AtomicU16: u16,
    AtomicU32: u32,
    AtomicU64: u64,
    AtomicI8: i8,
    AtomicI16: i16,
    AtomicI32: i32,
    AtomicI64: i64,
);

#[cfg(test)]
mod tests {
    //! std's results for every method, and each operation as the one event it is.

    use super::*;
    use crate::Session;

    #[test]
    fn every_method_gives_what_std_gives() {
        Session::new().run(|| {
            let order = Ordering::SeqCst;
            let number = AtomicI32::new(5);
            assert_eq!(number.fetch_add(3, order), 5);
            assert_eq!(number.fetch_sub(10, order), 8);
            assert_eq!(number.fetch_max(4, order), -2);
            assert_eq!(number.fetch_min(1, order), 4);
            assert_eq!(number.swap(0b1100, order), 1);
            assert_eq!(number.fetch_and(0b1010, order), 0b1100);
            assert_eq!(number.fetch_or(0b0001, order), 0b1000);
            assert_eq!(number.fetch_xor(0b1111, order), 0b1001);
            assert_eq!(number.fetch_nand(0b0110, order), 0b0110);
            assert_eq!(number.load(order), !0b0110);
            number.store(7, order);
            assert_eq!(number.compare_exchange(7, 8, order, order), Ok(7));
            assert_eq!(number.compare_exchange(7, 9, order, order), Err(8));
            assert_eq!(number.compare_exchange_weak(8, 9, order, order), Ok(8));
            assert_eq!(number.fetch_update(order, order, |value| (value < 10).then_some(value * 2)), Ok(9));
            assert_eq!(number.fetch_update(order, order, |value| (value < 10).then_some(value * 2)), Err(18));
            let mut number = number;
            *number.get_mut() += 1;
            assert_eq!(number.into_inner(), 19);
            let wrapping = AtomicU8::new(255);
            assert_eq!(wrapping.fetch_add(1, order), 255);
            assert_eq!(wrapping.load(order), 0, "wraps, as std's");
            let flag = AtomicBool::new(false);
            assert!(!flag.fetch_not(order));
            assert!(flag.fetch_and(false, order));
            assert!(!flag.fetch_or(true, order));
            assert!(flag.fetch_xor(true, order));
            assert!(!flag.fetch_nand(true, order));
            assert!(flag.load(order));
            assert_eq!(format!("{flag:?}"), "true");
        });
    }

    #[test]
    fn a_read_modify_write_is_one_update_and_a_failed_exchange_a_load() {
        let session = Session::new();
        let events = session.subscribe();
        session.run(|| {
            let counter = AtomicUsize::new(0);
            counter.fetch_add(2, Ordering::Relaxed);
            let _ = counter.compare_exchange(0, 1, Ordering::Acquire, Ordering::Relaxed);
            counter.store(4, Ordering::Release);
            let _ = counter.load(Ordering::Relaxed);
        });
        let kinds: Vec<EventKind> =
            events.receiver().try_iter().map(|event| event.kind).filter(|kind| kind.prim().is_some()).collect();
        let created = PrimInfo::Shared { initial: "0".to_owned() };
        assert_eq!(
            kinds,
            [
                EventKind::PrimCreated { prim: 1, name: "AtomicUsize-1".into(), info: created },
                EventKind::Update { prim: 1, op: "fetch_add(2)".into(), read: "0".into(), value: "2".into() },
                EventKind::Load { prim: 1, value: "2".into() },
                EventKind::Store { prim: 1, value: "4".into() },
                EventKind::Load { prim: 1, value: "4".into() },
            ]
        );
    }
}
