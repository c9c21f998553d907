//! `threadviz::std::sync`: std's `sync` module on threadviz's primitives. Every wait (a
//! `lock`, a `read` or `write`, a condition `wait`, a barrier, a `Once` running, a channel's
//! `send` or `recv`) is a threadviz wait, shown in the
//! dashboard and chosen by the explorer; `Arc` and `Weak` are std's own, since they never
//! block.

pub mod atomic;
mod barrier;
mod condvar;
pub mod mpsc;
mod mutex;
mod once;
mod poison;
mod rwlock;

pub use std::sync::{Arc, Weak};

pub use self::barrier::{Barrier, BarrierWaitResult};
pub use self::condvar::{Condvar, WaitTimeoutResult};
pub use self::mutex::{Mutex, MutexGuard};
pub use self::once::{Once, OnceLock, OnceState};
pub use self::poison::{LockResult, PoisonError, TryLockError, TryLockResult};
pub use self::rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};
