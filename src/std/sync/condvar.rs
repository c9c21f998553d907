//! `Condvar`: std's condition variable on threadviz's waits (`Condvar-1` in the dashboard,
//! with its waiters in order). Notifies wake in FIFO order and never spuriously; a notify
//! when nobody waits is lost, as std's is, and the dashboard says it woke no one.

use std::collections::VecDeque;
use std::fmt;
use std::panic::{Location, RefUnwindSafe, UnwindSafe};
use std::sync::Arc;
use std::time::Duration;

use super::mutex::{MutexGuard, reacquire_after_wait, release_for_wait};
use super::poison::{LockResult, PoisonError};
use crate::event::{EventKind, PrimInfo, Tid};
use crate::session::context;
use crate::session::wait::{Outcome, WaitCell, block_on};
use crate::sync::{PrimMeta, timeout_us};

/// Whether a timed wait ended because its time ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitTimeoutResult(bool);

impl WaitTimeoutResult {
    /// True when the wait ended by its timeout (in demo time) rather than a notify.
    #[must_use]
    pub fn timed_out(&self) -> bool {
        self.0
    }
}

#[derive(Debug, Default)]
struct Waiters {
    /// Waiting tickets in arrival order.
    queue: VecDeque<(u64, Tid)>,
    /// Tickets notified but not yet collected by their waiter.
    notified: Vec<u64>,
    next_ticket: u64,
}

struct Registered {
    waiters: Arc<WaitCell<Waiters>>,
    meta: PrimMeta,
}

/// A condition variable, as std's: `wait` lets the mutex go, sleeps until notified and takes
/// the mutex back before it returns.
///
/// It becomes a threadviz primitive at its first use (std's is tied to no mutex until then):
/// a wait names the mutex it waits with; a notify before any wait names none. Used with
/// several mutexes (where std may panic), it waits correctly with each and names the first.
#[derive(Default)]
pub struct Condvar {
    registered: parking_lot::Mutex<Option<Arc<Registered>>>,
}

// As std's: a condition variable holds no data a panic could leave half done.
impl UnwindSafe for Condvar {}
impl RefUnwindSafe for Condvar {}

impl fmt::Debug for Condvar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.registered.lock() {
            Some(registered) => {
                let waiting = registered.waiters.lock().queue.len();
                write!(f, "Condvar {{ name: {:?}, waiting: {waiting} }}", registered.meta.name)
            }
            None => f.write_str("Condvar { unused }"),
        }
    }
}

impl Condvar {
    /// A new condition variable, named `Condvar-N` at its first use.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The primitive, registered now if this is its first use (with the mutex `lock`, 0 for
    /// none yet).
    fn registered(&self, lock: u32, loc: &'static Location<'static>) -> Arc<Registered> {
        let mut registered = self.registered.lock();
        registered
            .get_or_insert_with(|| {
                let meta = PrimMeta::new("Condvar", None, PrimInfo::Condition { lock }, loc);
                Arc::new(Registered { waiters: WaitCell::new(Waiters::default()), meta })
            })
            .clone()
    }

    /// Lets `guard`'s mutex go, waits until notified or the demo-time `deadline` passes, and
    /// takes the mutex back; whether it was notified.
    fn wait_until<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        deadline: Option<u64>,
        timeout: Option<Duration>,
        loc: &'static Location<'static>,
    ) -> bool {
        let mutex = guard.mutex;
        let registered = self.registered(mutex.pid(), loc);
        let session = &registered.meta.session;
        session.enter_gate(loc);
        registered.meta.emit(loc, |prim| EventKind::WaitBegin { prim, timeout_us: timeout_us(timeout) });
        let me = context::tid_in(session);
        let ticket = {
            let mut waiters = registered.waiters.lock();
            let ticket = waiters.next_ticket;
            waiters.next_ticket += 1;
            waiters.queue.push_back((ticket, me));
            ticket
        };
        guard.data = None;
        release_for_wait(mutex.lock_prim(), loc);
        let outcome = {
            let mut waiters = registered.waiters.lock();
            let outcome = block_on(&registered.waiters, &mut waiters, deadline, |waiters| {
                let found = waiters.notified.iter().position(|&notified| notified == ticket);
                found.map(|index| waiters.notified.swap_remove(index)).is_some()
            });
            if outcome != Outcome::Ready {
                waiters.queue.retain(|&(waiting, _)| waiting != ticket);
            }
            outcome
        };
        if outcome == Outcome::Killed {
            // The guard holds nothing now: its drop releases nothing.
            context::die();
        }
        let notified = outcome == Outcome::Ready;
        registered.meta.emit(loc, |prim| EventKind::Woken { prim, notified });
        reacquire_after_wait(mutex.lock_prim(), loc);
        guard.data = Some(mutex.data_lock());
        session.leave_gate();
        notified
    }

    /// The guard back, inside a poison error when the mutex is poisoned.
    fn poisoned<G>(guard: G, poisoned: bool) -> LockResult<G> {
        if poisoned { Err(PoisonError::new(guard)) } else { Ok(guard) }
    }

    /// Waits until notified, as std's `wait`: the mutex is let go during the wait and held
    /// again when it returns. Use it in a loop over the condition (or [`wait_while`]): a
    /// notify that came before the wait is lost.
    ///
    /// [`wait_while`]: Self::wait_while
    #[track_caller]
    pub fn wait<'a, T: ?Sized>(&self, mut guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
        self.wait_until(&mut guard, None, None, Location::caller());
        let poisoned = guard.mutex.is_poisoned();
        Self::poisoned(guard, poisoned)
    }

    /// Waits while `condition` holds, checking it before each wait and after each wake-up.
    #[track_caller]
    pub fn wait_while<'a, T, F>(&self, mut guard: MutexGuard<'a, T>, mut condition: F) -> LockResult<MutexGuard<'a, T>>
    where
        F: FnMut(&mut T) -> bool,
    {
        let loc = Location::caller();
        while condition(&mut *guard) {
            self.wait_until(&mut guard, None, None, loc);
            if guard.mutex.is_poisoned() {
                return Err(PoisonError::new(guard));
            }
        }
        Ok(guard)
    }

    /// Waits until notified or `timeout` of demo time passes. In an explored run the timeout
    /// runs out only when the explorer lets time pass.
    #[track_caller]
    pub fn wait_timeout<'a, T: ?Sized>(
        &self,
        mut guard: MutexGuard<'a, T>,
        timeout: Duration,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        let deadline = context::session().clock.deadline_after(timeout);
        let notified = self.wait_until(&mut guard, deadline, Some(timeout), Location::caller());
        let poisoned = guard.mutex.is_poisoned();
        Self::poisoned((guard, WaitTimeoutResult(!notified)), poisoned)
    }

    /// Waits while `condition` holds, at most `timeout` in all; timed out when the condition
    /// still held at the end.
    #[track_caller]
    pub fn wait_timeout_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        timeout: Duration,
        mut condition: F,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)>
    where
        F: FnMut(&mut T) -> bool,
    {
        let loc = Location::caller();
        let session = context::session();
        let deadline = session.clock.deadline_after(timeout);
        loop {
            if !condition(&mut *guard) {
                return Ok((guard, WaitTimeoutResult(false)));
            }
            let left = deadline.map(|deadline| deadline.saturating_sub(session.clock.now_ns()));
            if left == Some(0) {
                return Ok((guard, WaitTimeoutResult(true)));
            }
            let notified = self.wait_until(&mut guard, deadline, left.map(Duration::from_nanos).or(Some(timeout)), loc);
            if guard.mutex.is_poisoned() {
                return Err(PoisonError::new((guard, WaitTimeoutResult(!notified))));
            }
        }
    }

    /// Wakes the longest waiting thread, if any.
    #[track_caller]
    pub fn notify_one(&self) {
        self.notify(1, Location::caller());
    }

    /// Wakes every waiting thread.
    #[track_caller]
    pub fn notify_all(&self) {
        self.notify(usize::MAX, Location::caller());
    }

    fn notify(&self, n: usize, loc: &'static Location<'static>) {
        let registered = self.registered(0, loc);
        registered.meta.session.enter_gate(loc);
        let mut waiters = registered.waiters.lock();
        let count = n.min(waiters.queue.len());
        let woken: Vec<(u64, Tid)> = waiters.queue.drain(..count).collect();
        waiters.notified.extend(woken.iter().map(|&(ticket, _)| ticket));
        if !woken.is_empty() {
            registered.waiters.notify_all();
        }
        registered.meta.emit(loc, |prim| EventKind::Notified {
            prim,
            n: u64::try_from(n).unwrap_or(u64::MAX),
            woken: woken.iter().map(|&(_, tid)| tid).collect(),
        });
        drop(waiters);
        registered.meta.session.leave_gate();
    }
}
