//! `thread::scope`: threads that may borrow from the caller's stack, every one joined before
//! `scope` returns, as std's.
//!
//! Without `unsafe` a thread cannot be handed a closure that borrows, except through
//! `std::thread::scope` itself; so the scope's OS threads are std scoped threads, created by a
//! small spawner thread inside a std scope (it only creates threads: it never runs the
//! program's code, never waits on anything of the program's and is no threadviz thread), and
//! each runs as a threadviz thread like any other. The joins `scope` makes at its end are
//! threadviz joins: the dashboard shows the caller waiting for each thread still running.

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::panic::{AssertUnwindSafe, Location};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use super::{Builder, Result, Slot, Thread, join_result, launch};
use crate::thread::OsBody;

/// A request to the spawner: create an OS thread with `os` running `body`, say how it went.
struct Request<'scope> {
    os: std::thread::Builder,
    body: OsBody<'scope>,
    done: crossbeam_channel::Sender<io::Result<()>>,
}

/// A scoped thread's panic: none, one nobody has joined yet, or one its handle's `join` took.
const NO_PANIC: u8 = 0;
const PANICKED: u8 = 1;
const PANIC_JOINED: u8 = 2;

/// The requests waiting for the spawner, and whether the scope has ended. The scope borrows
/// itself for `'scope`, so nothing it holds may need `'scope` alive when it is dropped: the
/// queue is kept in a `ManuallyDrop`, and emptied by hand when the scope ends.
#[derive(Default)]
struct Requests<'scope> {
    waiting: VecDeque<Request<'scope>>,
    ended: bool,
}

/// The spawner's queue and the condvar it waits on: it only ever waits for requests, on no
/// lock of the program's.
struct Spawner<'scope> {
    requests: parking_lot::Mutex<ManuallyDrop<Requests<'scope>>>,
    arrived: parking_lot::Condvar,
}

impl<'scope> Spawner<'scope> {
    /// Hands `request` to the spawner; false when the scope has ended.
    fn send(&self, request: Request<'scope>) -> bool {
        let mut requests = self.requests.lock();
        if requests.ended {
            return false;
        }
        requests.waiting.push_back(request);
        self.arrived.notify_one();
        true
    }

    /// The next request, or None once the scope has ended and none is left.
    fn next(&self) -> Option<Request<'scope>> {
        let mut requests = self.requests.lock();
        loop {
            if let Some(request) = requests.waiting.pop_front() {
                return Some(request);
            }
            if requests.ended {
                return None;
            }
            self.arrived.wait(&mut requests);
        }
    }

    /// The scope has ended: no more requests. One not taken yet (none, once the scope's
    /// function has returned) is dropped here, and its spawn fails.
    fn end(&self) {
        let left = {
            let mut requests = self.requests.lock();
            requests.ended = true;
            std::mem::take(&mut requests.waiting)
        };
        self.arrived.notify_all();
        drop(left);
    }
}

/// A scope to spawn threads in, as std's: see [`scope`].
pub struct Scope<'scope, 'env: 'scope> {
    /// The way to the spawner, until the scope ends.
    spawner: Spawner<'scope>,
    /// Every thread spawned, to join at the end, with how it panicked.
    threads: parking_lot::Mutex<Vec<(Thread, Arc<AtomicU8>)>>,
    /// Invariant in both lifetimes, as std's.
    lifetime_of_threads: PhantomData<&'scope mut &'scope ()>,
    lifetime_of_borrows: PhantomData<&'env mut &'env ()>,
}

impl fmt::Debug for Scope<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope").field("threads", &self.threads.lock().len()).finish_non_exhaustive()
    }
}

/// Closes the way to the spawner however the scope ends, so that the std scope can end too.
struct CloseOnDrop<'a, 'scope>(&'a Spawner<'scope>);

impl Drop for CloseOnDrop<'_, '_> {
    fn drop(&mut self) {
        self.0.end();
    }
}

/// Runs `f` with a scope in which it may spawn threads that borrow non-`'static` data; joins
/// every thread still running before it returns (threadviz joins, visible as such). As std's,
/// it panics when `f` did, or when a thread it joined itself had panicked ("a scoped thread
/// panicked"); a panicking thread joined through its handle gives the payload to that `join`.
#[track_caller]
pub fn scope<'env, F, T>(f: F) -> T
where
    F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
{
    let loc = Location::caller();
    let ours = Scope {
        spawner: Spawner {
            requests: parking_lot::Mutex::new(ManuallyDrop::new(Requests::default())),
            arrived: parking_lot::Condvar::new(),
        },
        threads: parking_lot::Mutex::new(Vec::new()),
        lifetime_of_threads: PhantomData,
        lifetime_of_borrows: PhantomData,
    };
    std::thread::scope(|os| {
        let _close = CloseOnDrop(&ours.spawner);
        let spawner = &ours.spawner;
        std::thread::Builder::new()
            .name("threadviz scope spawner".to_owned())
            .spawn_scoped(os, move || {
                while let Some(Request { os: builder, body, done }) = spawner.next() {
                    let _ = done.send(builder.spawn_scoped(os, body).map(drop));
                }
            })
            .expect("failed to spawn thread");
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| f(&ours)));
        let unjoined_panic = ours.join_all(loc);
        match outcome {
            Err(payload) => std::panic::resume_unwind(payload),
            Ok(_) if unjoined_panic => panic!("a scoped thread panicked"),
            Ok(value) => value,
        }
    })
}

impl<'scope> Scope<'scope, '_> {
    /// Spawns a thread in the scope, as std's `Scope::spawn`.
    ///
    /// # Panics
    /// When the operating system cannot create a thread, as std's does.
    #[track_caller]
    pub fn spawn<F, T>(&'scope self, f: F) -> ScopedJoinHandle<'scope, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        self.spawn_with(Builder::new(), f, Location::caller()).expect("failed to spawn thread")
    }

    /// Spawns a thread with `builder`'s options in the scope.
    pub(super) fn spawn_with<F, T>(
        &'scope self,
        builder: Builder,
        f: F,
        loc: &'static Location<'static>,
    ) -> io::Result<ScopedJoinHandle<'scope, T>>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        let ended = || io::Error::other("the scope has ended");
        let panic = Arc::new(AtomicU8::new(NO_PANIC));
        let f = {
            let panic = panic.clone();
            move || {
                let result = std::panic::catch_unwind(AssertUnwindSafe(f));
                result.unwrap_or_else(|payload| {
                    panic.store(PANICKED, Ordering::SeqCst);
                    std::panic::resume_unwind(payload)
                })
            }
        };
        let (thread, result) = launch(builder, f, loc, |os, body| {
            let (done, spawned) = crossbeam_channel::bounded(1);
            if !self.spawner.send(Request { os, body, done }) {
                return Err(ended());
            }
            spawned.recv().map_err(|_| ended())?
        })?;
        self.threads.lock().push((thread.clone(), panic.clone()));
        Ok(ScopedJoinHandle { thread, result, panic, scope: PhantomData })
    }

    /// Joins every thread still running; whether one that nobody joined had panicked.
    fn join_all(&self, loc: &'static Location<'static>) -> bool {
        let threads = std::mem::take(&mut *self.threads.lock());
        let mut unjoined_panic = false;
        for (thread, panic) in threads {
            if thread.handle.is_alive()
                && let Err(error) = thread.handle.join_at(loc)
            {
                panic!("{error}");
            }
            unjoined_panic |= panic.load(Ordering::SeqCst) == PANICKED;
        }
        unjoined_panic
    }
}

/// An owned permission to join a scoped thread, as std's.
pub struct ScopedJoinHandle<'scope, T> {
    thread: Thread,
    result: Arc<Slot<T>>,
    panic: Arc<AtomicU8>,
    scope: PhantomData<&'scope ()>,
}

impl<T> fmt::Debug for ScopedJoinHandle<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopedJoinHandle").field("thread", &self.thread).finish_non_exhaustive()
    }
}

impl<T> ScopedJoinHandle<'_, T> {
    /// Waits for the thread: its value, or its panic's payload (and then `scope` does not
    /// panic for it).
    #[track_caller]
    pub fn join(self) -> Result<T> {
        let result = join_result(&self.thread, &self.result, Location::caller());
        if result.is_err() {
            self.panic.store(PANIC_JOINED, Ordering::SeqCst);
        }
        result
    }

    /// The thread.
    #[must_use]
    pub fn thread(&self) -> &Thread {
        &self.thread
    }

    /// Whether the thread has ended.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        !self.thread.handle.is_alive()
    }
}
