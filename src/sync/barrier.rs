//! `Barrier`: Python's rendezvous of a fixed number of threads, with an optional action run
//! once per generation, timeouts that break it, and reset/abort.

use std::fmt;
use std::panic::{AssertUnwindSafe, Location};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::{BrokenBarrierError, PrimMeta, deadline_after, timeout_us};
use crate::event::{EventKind, PrimInfo};
use crate::session::context;
use crate::session::wait::{Outcome, WaitCell, block_on};

/// Python's barrier states, plus `Acting` while the last arrival runs the action with the
/// barrier's lock released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Filling,
    Acting,
    Draining,
    Resetting,
    Broken,
}

#[derive(Debug)]
struct BarrierState {
    phase: Phase,
    count: usize,
    generation: u64,
}

type Action = Box<dyn Fn() + Send + Sync>;

struct BarrierInner {
    state: Arc<WaitCell<BarrierState>>,
    parties: usize,
    action: Option<Action>,
    /// Default timeout in nanoseconds; `u64::MAX` for none.
    default_timeout_ns: AtomicU64,
    meta: PrimMeta,
}

/// Python's `threading.Barrier`: `wait` blocks until `parties` threads have called it, then
/// all pass together. Each gets a distinct arrival index in `0..parties`.
///
/// ```
/// let barrier = threadviz::sync::Barrier::new(1);
/// assert_eq!(barrier.wait(), Ok(0));
/// ```
#[derive(Clone)]
pub struct Barrier {
    inner: Arc<BarrierInner>,
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.state.lock();
        write!(f, "<Barrier {} {:?} waiters={}/{}>", self.inner.meta.name, state.phase, state.count, self.inner.parties)
    }
}

impl Barrier {
    /// A barrier for `parties` threads.
    ///
    /// # Panics
    /// If `parties` is 0 (Python raises `ValueError`).
    #[track_caller]
    #[must_use]
    pub fn new(parties: usize) -> Self {
        Self::create(None, parties, None, Location::caller())
    }

    /// A named barrier for `parties` threads.
    ///
    /// # Panics
    /// If `parties` is 0.
    #[track_caller]
    #[must_use]
    pub fn named(name: impl Into<String>, parties: usize) -> Self {
        Self::create(Some(name.into()), parties, None, Location::caller())
    }

    /// A barrier whose last arrival runs `action` before anyone passes, once per generation.
    ///
    /// # Panics
    /// If `parties` is 0.
    #[track_caller]
    #[must_use]
    pub fn with_action(parties: usize, action: impl Fn() + Send + Sync + 'static) -> Self {
        Self::create(None, parties, Some(Box::new(action)), Location::caller())
    }

    fn create(name: Option<String>, parties: usize, action: Option<Action>, loc: &'static Location<'static>) -> Self {
        assert!(parties > 0, "a Barrier needs at least one party");
        let info = PrimInfo::Barrier { parties: u32::try_from(parties).unwrap_or(u32::MAX) };
        let meta = PrimMeta::new("Barrier", name, info, loc);
        let state = WaitCell::new(BarrierState { phase: Phase::Filling, count: 0, generation: 0 });
        Self {
            inner: Arc::new(BarrierInner {
                state,
                parties,
                action,
                default_timeout_ns: AtomicU64::new(u64::MAX),
                meta,
            }),
        }
    }

    /// Sets the default timeout of `wait()` (builder style).
    #[must_use]
    pub fn timeout(self, timeout: Duration) -> Self {
        let nanos = u64::try_from(timeout.as_nanos()).unwrap_or(u64::MAX);
        self.inner.default_timeout_ns.store(nanos, Ordering::Relaxed);
        self
    }

    /// Waits for the other parties, with the default timeout if one was set. A timeout breaks
    /// the barrier for everyone.
    #[track_caller]
    pub fn wait(&self) -> Result<usize, BrokenBarrierError> {
        let timeout = match self.inner.default_timeout_ns.load(Ordering::Relaxed) {
            u64::MAX => None,
            nanos => Some(Duration::from_nanos(nanos)),
        };
        self.wait_at(timeout, Location::caller())
    }

    /// Waits at most `timeout` (demo time) for the other parties.
    #[track_caller]
    pub fn wait_timeout(&self, timeout: Duration) -> Result<usize, BrokenBarrierError> {
        self.wait_at(Some(timeout), Location::caller())
    }

    fn wait_at(&self, timeout: Option<Duration>, loc: &'static Location<'static>) -> Result<usize, BrokenBarrierError> {
        let inner = &*self.inner;
        inner.meta.session.enter_gate(loc);
        let mut state = inner.state.lock();
        // Python's _enter: wait while the previous generation drains or a reset completes.
        let entered = block_on(&inner.state, &mut state, None, |state| {
            !matches!(state.phase, Phase::Draining | Phase::Resetting | Phase::Acting)
        });
        if entered == Outcome::Killed {
            drop(state);
            context::die();
        }
        if state.phase == Phase::Broken {
            inner.meta.emit(loc, |prim| EventKind::BarrierBroken { prim });
            return Err(BrokenBarrierError);
        }
        let index = state.count;
        state.count += 1;
        inner.meta.emit(loc, |prim| EventKind::BarrierArrive { prim, index: u32::try_from(index).unwrap_or(u32::MAX) });
        let result = if index + 1 == inner.parties {
            self.release_all(&mut state, loc);
            Ok(index)
        } else {
            inner.meta.emit(loc, |prim| EventKind::WaitBegin { prim, timeout_us: timeout_us(timeout) });
            let deadline = timeout.and_then(deadline_after);
            let outcome = block_on(&inner.state, &mut state, deadline, |state| {
                !matches!(state.phase, Phase::Filling | Phase::Acting)
            });
            if outcome == Outcome::TimedOut {
                Self::break_barrier(inner, &mut state, loc);
            }
            if outcome == Outcome::Killed {
                Self::exit(inner, &mut state);
                drop(state);
                context::die();
            }
            let passed = outcome == Outcome::Ready && state.phase == Phase::Draining;
            inner.meta.emit(loc, |prim| EventKind::Woken { prim, notified: passed });
            if passed { Ok(index) } else { Err(BrokenBarrierError) }
        };
        Self::exit(inner, &mut state);
        drop(state);
        inner.meta.session.leave_gate();
        result
    }

    /// The last arrival: runs the action (lock released), then lets everyone through.
    fn release_all(&self, state: &mut parking_lot::MutexGuard<'_, BarrierState>, loc: &'static Location<'static>) {
        let inner = &*self.inner;
        if let Some(action) = &inner.action {
            state.phase = Phase::Acting;
            let outcome =
                parking_lot::MutexGuard::unlocked(state, || std::panic::catch_unwind(AssertUnwindSafe(action)));
            if let Err(payload) = outcome {
                Self::break_barrier(inner, state, loc);
                // The unwind skips `wait_at`'s own exit, so this one is the only one (Python's
                // `finally: self._count -= 1; self._exit()`).
                Self::exit(inner, state);
                parking_lot::MutexGuard::unlocked(state, || std::panic::resume_unwind(payload));
            }
        }
        let generation = state.generation;
        state.generation += 1;
        state.phase = Phase::Draining;
        inner.meta.emit(loc, |prim| EventKind::BarrierPass { prim, generation });
        inner.state.notify_all();
    }

    fn break_barrier(inner: &BarrierInner, state: &mut BarrierState, loc: &'static Location<'static>) {
        state.phase = Phase::Broken;
        inner.meta.emit(loc, |prim| EventKind::BarrierBroken { prim });
        inner.state.notify_all();
    }

    /// Python's _exit: the last thread out of a draining or resetting barrier refills it.
    fn exit(inner: &BarrierInner, state: &mut BarrierState) {
        state.count -= 1;
        if state.count == 0 && matches!(state.phase, Phase::Draining | Phase::Resetting) {
            state.phase = Phase::Filling;
            inner.state.notify_all();
        }
    }

    /// Returns the barrier to its initial state; threads waiting now get `BrokenBarrierError`.
    /// A broken barrier is usable again afterwards.
    #[track_caller]
    pub fn reset(&self) {
        let inner = &*self.inner;
        inner.meta.session.enter_gate(Location::caller());
        let mut state = inner.state.lock();
        if state.count > 0 {
            if matches!(state.phase, Phase::Filling | Phase::Broken) {
                state.phase = Phase::Resetting;
            }
        } else {
            state.phase = Phase::Filling;
        }
        inner.meta.emit(Location::caller(), |prim| EventKind::BarrierReset { prim });
        inner.state.notify_all();
    }

    /// Breaks the barrier: current and future waiters get `BrokenBarrierError` until `reset`.
    #[track_caller]
    pub fn abort(&self) {
        let inner = &*self.inner;
        inner.meta.session.enter_gate(Location::caller());
        let mut state = inner.state.lock();
        Self::break_barrier(inner, &mut state, Location::caller());
    }

    /// The number of threads required to pass.
    #[must_use]
    pub fn parties(&self) -> usize {
        self.inner.parties
    }

    /// The number of threads currently waiting.
    #[must_use]
    pub fn n_waiting(&self) -> usize {
        let state = self.inner.state.lock();
        if state.phase == Phase::Filling { state.count } else { 0 }
    }

    /// Whether the barrier is broken.
    #[must_use]
    pub fn broken(&self) -> bool {
        self.inner.state.lock().phase == Phase::Broken
    }

    /// The display name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.inner.meta.name
    }

    /// The default timeout, if set.
    #[must_use]
    pub fn default_timeout(&self) -> Option<Duration> {
        match self.inner.default_timeout_ns.load(Ordering::Relaxed) {
            u64::MAX => None,
            nanos => Some(Duration::from_nanos(nanos)),
        }
    }
}
