//! The one way threadviz blocks a thread: on a primitive's mutex and condvar, with a demo-time
//! deadline, registered with its session so that pause, resume, speed changes, steps and
//! shutdown can wake it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use parking_lot::{Condvar, Mutex, MutexGuard};

use super::By;
use super::SessionInner;
use super::clock::RealWait;
use super::context;
use super::gate::Resumed;
use super::registry::ThreadRecord;
use crate::event::{Control, EventKind};

/// How many controlled sessions exist: while none does, a notify pokes nobody.
static CONTROLLED_SESSIONS: AtomicUsize = AtomicUsize::new(0);

/// The controlled sessions, for notifies to poke. A notify cannot always tell its session (a
/// thread's end notifies its joiners after it has left its session), and a cell's address
/// matches only threads blocked on that cell, so every controlled session is told.
static CONTROLLED: Mutex<Vec<Weak<SessionInner>>> = Mutex::new(Vec::new());

/// A controlled session begins: notifies poke its blocked threads.
pub(crate) fn controlled_session_created(session: &Arc<SessionInner>) {
    let mut sessions = CONTROLLED.lock();
    sessions.retain(|session| session.strong_count() > 0);
    sessions.push(Arc::downgrade(session));
    CONTROLLED_SESSIONS.fetch_add(1, Ordering::Relaxed);
}

/// A controlled session is gone.
pub(crate) fn controlled_session_dropped() {
    CONTROLLED_SESSIONS.fetch_sub(1, Ordering::Relaxed);
}

/// Something a controller can wake so a blocked thread looks at the world again.
pub(crate) trait Wake: Send + Sync {
    fn wake_all(&self);
}

/// A primitive's state with the condvar its waiters sleep on.
#[derive(Debug, Default)]
pub(crate) struct WaitCell<T> {
    state: Mutex<T>,
    cv: Condvar,
}

impl<T> WaitCell<T> {
    pub(crate) fn new(state: T) -> Arc<Self> {
        Arc::new(Self { state: Mutex::new(state), cv: Condvar::new() })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.state.lock()
    }

    /// Wakes every waiter; each re-checks its own condition. Call with the state locked.
    pub(crate) fn notify_all(&self) {
        if self.cv.notify_all() > 0 {
            woke_someone();
        }
        self.poke_controlled();
    }

    /// Wakes one waiter. Call with the state locked.
    pub(crate) fn notify_one(&self) {
        if self.cv.notify_one() {
            woke_someone();
        }
        self.poke_controlled();
    }

    /// The address that names this cell to a controlled gate.
    fn key(&self) -> usize {
        std::ptr::from_ref(self).cast::<()>() as usize
    }

    /// In a controlled session blocked threads wait for a grant, not on the condvar: a notify
    /// pokes every one blocked here, and the controller decides which of them goes on.
    /// A notify can poke more threads than it wakes (`notify_one`, a lock released to several
    /// waiters): a poked thread whose wait is still unsatisfied refuses its grant.
    fn poke_controlled(&self) {
        if CONTROLLED_SESSIONS.load(Ordering::Relaxed) > 0 {
            let sessions: Vec<Arc<SessionInner>> = CONTROLLED.lock().iter().filter_map(Weak::upgrade).collect();
            for session in sessions {
                session.gate.poke(self.key());
            }
        }
    }
}

impl<T: Send> Wake for WaitCell<T> {
    fn wake_all(&self) {
        let _state = self.state.lock();
        self.cv.notify_all();
    }
}

/// The calling thread woke a blocked one (a notify, a release, a set, a put, a barrier
/// passing, its own end): the moment its session may hold on screen. Asked here, by the
/// waker, before it goes on, so the hold is in force by its next operation. Controllers wake
/// threads through [`Wake`], which is no such moment.
fn woke_someone() {
    if context::is_bound() {
        context::with_current(|thread| thread.session.woken());
    }
}

/// How a blocking wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The condition became true.
    Ready,
    /// The demo-time deadline passed first.
    TimedOut,
    /// The thread is a daemon stopped at shutdown: leave the wait and unwind.
    Killed,
}

/// Waits on `cell` (whose state `guard` holds) until `ready` is true, the demo-time deadline
/// `deadline_ns` passes (None: never), or the thread is killed.
///
/// Spurious wake-ups are absorbed here: callers see only the three outcomes. While the session
/// is paused a deadline can only run out for the thread being stepped, so a step moves exactly
/// one thread.
pub(crate) fn block_on<T: Send + 'static>(
    cell: &Arc<WaitCell<T>>,
    guard: &mut MutexGuard<'_, T>,
    deadline_ns: Option<u64>,
    mut ready: impl FnMut(&mut T) -> bool,
) -> Outcome {
    if ready(guard) {
        return Outcome::Ready;
    }
    let thread = context::current();
    let session = &thread.session;
    if session.controlled {
        return block_controlled(cell, guard, deadline_ns, ready, &thread);
    }
    thread.set_blocked_on(Some(cell.clone()));
    if let Some(deadline) = deadline_ns {
        session.timers.lock().insert((deadline, thread.tid));
    }
    // Only now is the thread settled: a step that looks for the earliest timer must see ours.
    session.gate.note_stopped(thread.tid);
    thread.yielded();
    let outcome = loop {
        if thread.is_killed() {
            break Outcome::Killed;
        }
        if ready(guard) {
            break Outcome::Ready;
        }
        match deadline_ns.map(|deadline| session.clock.real_wait(deadline)) {
            Some(RealWait::Expired) if session.gate.may_expire(thread.tid) => break Outcome::TimedOut,
            None | Some(RealWait::Expired | RealWait::Indefinitely) => cell.cv.wait(guard),
            Some(RealWait::For(wait)) => {
                cell.cv.wait_for(guard, wait);
            }
        }
    };
    thread.set_blocked_on(None);
    if let Some(deadline) = deadline_ns {
        session.timers.lock().remove(&(deadline, thread.tid));
    }
    outcome
}

/// [`block_on`] in a controlled session: the thread leaves the cell's lock, blocks at the gate
/// until its controller grants it a step (after a notify poked it) or its timeout, and checks
/// its wait again; a wait still unsatisfied blocks again, and that grant did nothing.
fn block_controlled<T: Send + 'static>(
    cell: &Arc<WaitCell<T>>,
    guard: &mut MutexGuard<'_, T>,
    deadline_ns: Option<u64>,
    mut ready: impl FnMut(&mut T) -> bool,
    thread: &ThreadRecord,
) -> Outcome {
    let gate = &thread.session.gate;
    let mut again = false;
    let sleep = cell.key() == thread.sleep.key();
    loop {
        gate.block(thread.tid, cell.key(), deadline_ns, again, sleep);
        thread.yielded();
        let resumed = MutexGuard::unlocked(guard, || gate.await_grant(thread.tid, || thread.is_killed()));
        match resumed {
            Resumed::Killed => return Outcome::Killed,
            Resumed::TimedOut => return if ready(guard) { Outcome::Ready } else { Outcome::TimedOut },
            Resumed::Granted if ready(guard) => {
                // The grant's step, reported by the thread that takes it (see `Session::grant`).
                let control = Control::Step { thread: thread.tid };
                thread.session.emit_direct(By::Thread(0), None, || EventKind::Control { control });
                return Outcome::Ready;
            }
            Resumed::Granted => again = true,
        }
    }
}
