//! `Queue`: Python's `queue.Queue`, a FIFO with an optional bound and task accounting.

use std::collections::VecDeque;
use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use super::{Empty, Full, PrimMeta, SyncError, deadline_after, timeout_us};
use crate::event::{EventKind, PrimInfo};
use crate::py;
use crate::session::context;
use crate::session::wait::{Outcome, WaitCell, block_on};

#[derive(Debug)]
struct QueueState<T> {
    items: VecDeque<T>,
    unfinished: usize,
}

struct QueueInner<T> {
    state: Arc<WaitCell<QueueState<T>>>,
    maxsize: usize,
    meta: PrimMeta,
}

/// How long a put or get may wait.
#[derive(Clone, Copy)]
enum Patience {
    Forever,
    Upto(Duration),
    Never,
}

impl Patience {
    fn timeout_us(self) -> Option<u64> {
        match self {
            Self::Upto(timeout) => timeout_us(Some(timeout)),
            Self::Forever | Self::Never => None,
        }
    }

    fn deadline(self) -> Option<u64> {
        match self {
            Self::Upto(timeout) => deadline_after(timeout),
            Self::Forever | Self::Never => None,
        }
    }
}

/// Python's `queue.Queue`: `put` appends (waiting while a bounded queue is full), `get` takes
/// the oldest item (waiting while empty), `task_done` and `join` track finished work.
///
/// ```
/// let queue = threadviz::sync::Queue::new(1);
/// queue.put("job");
/// assert!(queue.put_nowait("more").is_err());
/// assert_eq!(queue.get(), "job");
/// queue.task_done().expect("one item was put");
/// queue.join();
/// ```
pub struct Queue<T: Send + fmt::Debug + 'static> {
    inner: Arc<QueueInner<T>>,
}

impl<T: Send + fmt::Debug + 'static> Clone for Queue<T> {
    fn clone(&self) -> Self {
        Self { inner: self.inner.clone() }
    }
}

impl<T: Send + fmt::Debug + 'static> fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.state.lock();
        write!(f, "<Queue {} {:?} unfinished={}>", self.inner.meta.name, state.items, state.unfinished)
    }
}

impl<T: Send + fmt::Debug + 'static> Queue<T> {
    /// A queue holding at most `maxsize` items; 0 means unbounded.
    #[track_caller]
    #[must_use]
    pub fn new(maxsize: usize) -> Self {
        Self::create(None, maxsize, Location::caller())
    }

    /// A named queue.
    #[track_caller]
    #[must_use]
    pub fn named(name: impl Into<String>, maxsize: usize) -> Self {
        Self::create(Some(name.into()), maxsize, Location::caller())
    }

    fn create(name: Option<String>, maxsize: usize, loc: &'static Location<'static>) -> Self {
        let meta = PrimMeta::new("Queue", name, PrimInfo::Queue { maxsize: maxsize as u64 }, loc);
        let state = WaitCell::new(QueueState { items: VecDeque::new(), unfinished: 0 });
        Self { inner: Arc::new(QueueInner { state, maxsize, meta }) }
    }

    fn is_full(&self, state: &QueueState<T>) -> bool {
        self.inner.maxsize > 0 && state.items.len() >= self.inner.maxsize
    }

    /// Appends `item`, waiting while the queue is full.
    #[track_caller]
    pub fn put(&self, item: T) {
        // Waiting forever cannot fail.
        let _ = self.put_at(item, Patience::Forever, Location::caller());
    }

    /// Appends `item`, waiting at most `timeout` (demo time) for room; hands it back on timeout.
    #[track_caller]
    pub fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), Full<T>> {
        self.put_at(item, Patience::Upto(timeout), Location::caller())
    }

    /// Appends `item` if there is room now; hands it back otherwise.
    #[track_caller]
    pub fn put_nowait(&self, item: T) -> Result<(), Full<T>> {
        self.put_at(item, Patience::Never, Location::caller())
    }

    fn put_at(&self, item: T, patience: Patience, loc: &'static Location<'static>) -> Result<(), Full<T>> {
        let inner = &*self.inner;
        inner.meta.session.enter_gate(loc);
        let mut state = inner.state.lock();
        let outcome = if !self.is_full(&state) {
            Outcome::Ready
        } else if let Patience::Never = patience {
            Outcome::TimedOut
        } else {
            inner.meta.emit(loc, |prim| EventKind::WaitBegin { prim, timeout_us: patience.timeout_us() });
            block_on(&inner.state, &mut state, patience.deadline(), |state| !self.is_full(state))
        };
        match outcome {
            Outcome::Ready => {
                let qsize = state.items.len() as u64 + 1;
                inner.meta.emit(loc, |prim| EventKind::Put { prim, item: py::debug_text(&item), qsize });
                state.items.push_back(item);
                state.unfinished += 1;
                inner.state.notify_all();
                drop(state);
                inner.meta.session.leave_gate();
                Ok(())
            }
            Outcome::TimedOut => {
                let kind = |prim| match patience {
                    Patience::Never => EventKind::TryFailed { prim },
                    _ => EventKind::TimedOut { prim },
                };
                inner.meta.emit(loc, kind);
                Err(Full(item))
            }
            Outcome::Killed => {
                drop(state);
                context::die()
            }
        }
    }

    /// Removes and returns the oldest item, waiting while the queue is empty.
    #[track_caller]
    pub fn get(&self) -> T {
        match self.get_at(Patience::Forever, Location::caller()) {
            Ok(item) => item,
            // Waiting forever ends only with an item, or by unwinding when killed.
            Err(Empty) => unreachable!("a blocking get returns an item"),
        }
    }

    /// Removes the oldest item, waiting at most `timeout` (demo time).
    #[track_caller]
    pub fn get_timeout(&self, timeout: Duration) -> Result<T, Empty> {
        self.get_at(Patience::Upto(timeout), Location::caller())
    }

    /// Removes the oldest item if there is one now.
    #[track_caller]
    pub fn get_nowait(&self) -> Result<T, Empty> {
        self.get_at(Patience::Never, Location::caller())
    }

    fn get_at(&self, patience: Patience, loc: &'static Location<'static>) -> Result<T, Empty> {
        let inner = &*self.inner;
        inner.meta.session.enter_gate(loc);
        let mut state = inner.state.lock();
        let outcome = if !state.items.is_empty() {
            Outcome::Ready
        } else if let Patience::Never = patience {
            Outcome::TimedOut
        } else {
            inner.meta.emit(loc, |prim| EventKind::WaitBegin { prim, timeout_us: patience.timeout_us() });
            block_on(&inner.state, &mut state, patience.deadline(), |state| !state.items.is_empty())
        };
        match (outcome, state.items.pop_front()) {
            (Outcome::Ready, Some(item)) => {
                let qsize = state.items.len() as u64;
                inner.meta.emit(loc, |prim| EventKind::Got { prim, item: py::debug_text(&item), qsize });
                inner.state.notify_all();
                drop(state);
                inner.meta.session.leave_gate();
                Ok(item)
            }
            (Outcome::Killed, _) => {
                drop(state);
                context::die()
            }
            (_, unexpected) => {
                // Only reachable on timeout, when the queue is empty.
                if let Some(item) = unexpected {
                    state.items.push_front(item);
                }
                let kind = |prim| match patience {
                    Patience::Never => EventKind::TryFailed { prim },
                    _ => EventKind::TimedOut { prim },
                };
                inner.meta.emit(loc, kind);
                Err(Empty)
            }
        }
    }

    /// Marks one fetched item as processed; refused if called more often than items were put.
    #[track_caller]
    pub fn task_done(&self) -> Result<(), SyncError> {
        let inner = &*self.inner;
        let loc = Location::caller();
        inner.meta.session.enter_gate(loc);
        let mut state = inner.state.lock();
        if state.unfinished == 0 {
            drop(state);
            return Err(inner.meta.misuse(loc, SyncError::TaskDoneTooMany));
        }
        state.unfinished -= 1;
        let unfinished = state.unfinished as u64;
        inner.meta.emit(loc, |prim| EventKind::TaskDone { prim, unfinished });
        if unfinished == 0 {
            inner.state.notify_all();
        }
        Ok(())
    }

    /// Blocks until every item put has been marked done with `task_done`.
    #[track_caller]
    pub fn join(&self) {
        let inner = &*self.inner;
        let loc = Location::caller();
        inner.meta.session.enter_gate(loc);
        let mut state = inner.state.lock();
        inner.meta.emit(loc, |prim| EventKind::WaitBegin { prim, timeout_us: None });
        let outcome = block_on(&inner.state, &mut state, None, |state| state.unfinished == 0);
        if outcome == Outcome::Killed {
            drop(state);
            context::die();
        }
        inner.meta.emit(loc, |prim| EventKind::Woken { prim, notified: outcome == Outcome::Ready });
        drop(state);
        inner.meta.session.leave_gate();
    }

    /// Items in the queue now.
    #[must_use]
    pub fn qsize(&self) -> usize {
        self.inner.state.lock().items.len()
    }

    /// Whether the queue is empty now.
    #[must_use]
    pub fn empty(&self) -> bool {
        self.qsize() == 0
    }

    /// Whether a bounded queue is at capacity now.
    #[must_use]
    pub fn full(&self) -> bool {
        self.is_full(&self.inner.state.lock())
    }

    /// The capacity; 0 for unbounded.
    #[must_use]
    pub fn maxsize(&self) -> usize {
        self.inner.maxsize
    }

    /// The display name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.inner.meta.name
    }
}
