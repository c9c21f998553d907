//! `threadviz::std`: the standard library's threading API on threadviz's instrumented
//! primitives, so that a program written for `std` is watched and explored with its imports
//! alone changed.
//!
//! ```
//! # #[cfg(any())] mod swap {
//! #[cfg(threadviz)]
//! use threadviz::std as stdx; // or behind a cargo feature
//! #[cfg(not(threadviz))]
//! use std as stdx;
//! # }
//! use threadviz::std as stdx;
//! use stdx::sync::{Arc, Condvar, Mutex};
//! use stdx::thread;
//!
//! threadviz::Session::new().run(|| {
//!     let ready = Arc::new((Mutex::new(false), Condvar::new()));
//!     let worker = {
//!         let ready = Arc::clone(&ready);
//!         thread::spawn(move || {
//!             *ready.0.lock().expect("not poisoned") = true;
//!             ready.1.notify_one();
//!             7
//!         })
//!     };
//!     let (flag, condvar) = &*ready;
//!     let flag = condvar.wait_while(flag.lock().expect("not poisoned"), |ready| !*ready).expect("not poisoned");
//!     assert!(*flag);
//!     drop(flag);
//!     assert_eq!(worker.join().expect("no panic"), 7);
//! });
//! ```
//!
//! **What is mirrored**, with std's signatures and semantics:
//! - [`thread`]: `spawn`, `scope` (`Scope`, `ScopedJoinHandle`), `Builder` (`name`,
//!   `stack_size`, `spawn`, `spawn_scoped`), `JoinHandle<T>` (`join` gives the thread's value or
//!   its panic's payload), `current`, `Thread` (`name`, `id`, `unpark`), `ThreadId`, `sleep`,
//!   `yield_now`, `park`, `park_timeout`.
//! - [`sync`]: `Mutex` and `MutexGuard` (with poisoning), `Condvar` (`wait`, `wait_while`,
//!   `wait_timeout`, `wait_timeout_while`, `notify_one`, `notify_all`), `Barrier`, `Once`,
//!   `OnceLock`, `RwLock` (`read`, `write`, `try_read`, `try_write`, poisoning), `Arc` and
//!   `Weak` (std's own: they never block), `PoisonError`, `TryLockError`, `LockResult`,
//!   `TryLockResult`, [`sync::atomic`], and [`sync::mpsc`] (`channel`, `sync_channel`,
//!   rendezvous included, `Sender`, `SyncSender`, `Receiver`, disconnection as std's). A
//!   channel's items need no `Debug` (std asks none): the dashboard shows each as its type and
//!   number, `u32 #1`.
//! - [`thread_local!`] (std's grammar: attributes, visibility, several keys at once, `const {
//!   }` initialisers) and [`thread::LocalKey`] (`with`, `try_with` and its
//!   [`thread::AccessError`], and for `Cell` and `RefCell` values `set`, `get`, `take`,
//!   `replace`, `with_borrow`, `with_borrow_mut`).
//!
//! Every blocking operation waits in threadviz's primitives, never in std's, so the dashboard
//! shows who holds and who waits, and the explorer chooses who goes next at each of them.
//! Each primitive is named as threadviz names an unnamed one: `Mutex-1`, `Condvar-1`,
//! `AtomicUsize-1`. Times are demo time: `sleep` and `wait_timeout` in an explored run end
//! only when the explorer lets time pass.
//!
//! **Atomics are sequentially consistent**, whatever [`Ordering`](sync::atomic::Ordering) is
//! passed: every atomic operation is one step, seen by all threads in one order. loom models
//! the weaker orderings (`Relaxed`, `Acquire`/`Release`) and the bugs they allow; threadviz
//! does not, yet, so a program correct only under `SeqCst` passes here.
//!
//! **Where it differs from std:** the constructors (`Mutex::new`, `AtomicUsize::new`...) are not
//! `const`, because each primitive belongs to the session of the thread that creates it and a
//! `static` would outlive every session (and carry its value from one explored run into the
//! next): create them in the function you run, and share them with `Arc`.
//!
//! **Thread-locals are per threadviz thread with [`thread_local!`]** (`stdx::thread_local!`):
//! each thread of [`thread::spawn`], [`thread::scope`], a [`thread::Builder`] or
//! [`threadviz::thread`](crate::thread), and a session's main thread, has its own value, made
//! at its first access and destroyed when the thread's function ends (before a `join` of it
//! returns; the main thread's when the function given to `run` returns), as std destroys them
//! when an OS thread exits. That matters because an explored run's threads run on OS threads
//! the exploration reuses from run to run (a pool of parked workers, so that a run does not pay
//! for creating and tearing down its OS threads): a thread of one run never finds what a
//! thread of an earlier run left. A destructor may use thread-locals as under std: the key
//! being destroyed, or one already destroyed, answers `try_with` with `Err`, and a key it makes
//! afresh is destroyed in its turn. A destructor that panics ends its thread as panicked (std
//! aborts the process). An access is no step and no event (a thread-local is never shared), so
//! it costs the explorer nothing. Where no threadviz thread runs (a plain std thread), a key is
//! std's own `thread_local!`.
//!
//! **A program that still uses `std::thread_local!` directly keeps the old caveat:** its value
//! belongs to the OS thread, so a thread of one explored run may find what a thread of an
//! earlier run left in it, and its destructor runs when the exploration ends, not when the
//! thread does (a thread whose stack size is set, `Builder::stack_size`, has an OS thread of its
//! own, and so does every thread outside an exploration: a watched run, a replay).

pub mod sync;
pub mod thread;

/// Declares thread-local keys, as std's `thread_local!`, with one value per threadviz thread:
/// see [`thread::LocalKey`].
#[doc(inline)]
pub use crate::__threadviz_std_thread_local as thread_local;
