//! The session's threads: one shared record per thread, and the set of threads still alive.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

use super::SessionInner;
use super::wait::{WaitCell, Wake};
use crate::event::{ExitKind, Tid};

/// A thread's life: created, started, finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Life {
    Created,
    Started,
    /// The target is done; the exit is being reported. Still alive for `is_alive` (as in
    /// Python until the thread state lock is released), but no longer killable.
    Ending,
    Finished(ExitKind),
}

/// The code a thread runs.
pub(crate) type Target = Box<dyn FnOnce() + Send + 'static>;

/// Everything known about one thread, shared by its `Thread` handles and its session.
pub(crate) struct ThreadRecord {
    pub(crate) tid: Tid,
    pub(crate) session: Arc<SessionInner>,
    /// Registered on first use rather than started by threadviz.
    pub(crate) foreign: bool,
    ident: AtomicU64,
    /// The OS thread's id (`/proc/self/task/N`), once it runs; 0 before.
    os_tid: AtomicU32,
    name: Mutex<String>,
    daemon: AtomicBool,
    pub(crate) life: Arc<WaitCell<Life>>,
    pub(crate) target: Mutex<Option<Target>>,
    killed: AtomicBool,
    /// Where sleeping threads wait.
    pub(crate) sleep: Arc<WaitCell<()>>,
    blocked_on: Mutex<Option<Arc<dyn Wake>>>,
    pub(crate) rng: Mutex<fastrand::Rng>,
    /// Told once, when the new thread first stops running (see [`Self::yielded`]).
    first_yield: Mutex<Option<crossbeam_channel::Sender<()>>>,
    yield_pending: AtomicBool,
}

impl fmt::Debug for ThreadRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadRecord")
            .field("tid", &self.tid)
            .field("name", &*self.name.lock())
            .field("daemon", &self.is_daemon())
            .field("life", &*self.life.lock())
            .finish_non_exhaustive()
    }
}

impl ThreadRecord {
    pub(crate) fn new(
        session: Arc<SessionInner>,
        tid: Tid,
        name: String,
        daemon: bool,
        foreign: bool,
        life: Life,
    ) -> Self {
        let rng = fastrand::Rng::with_seed(session.seed ^ u64::from(tid).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        Self {
            tid,
            session,
            foreign,
            ident: AtomicU64::new(0),
            os_tid: AtomicU32::new(0),
            name: Mutex::new(name),
            daemon: AtomicBool::new(daemon),
            life: WaitCell::new(life),
            target: Mutex::new(None),
            killed: AtomicBool::new(false),
            sleep: WaitCell::new(()),
            blocked_on: Mutex::new(None),
            rng: Mutex::new(rng),
            first_yield: Mutex::new(None),
            yield_pending: AtomicBool::new(false),
        }
    }

    pub(crate) fn name(&self) -> String {
        self.name.lock().clone()
    }

    pub(crate) fn set_name(&self, name: String) {
        *self.name.lock() = name;
    }

    pub(crate) fn is_daemon(&self) -> bool {
        self.daemon.load(Ordering::Relaxed)
    }

    pub(crate) fn set_daemon(&self, daemon: bool) {
        self.daemon.store(daemon, Ordering::Relaxed);
    }

    pub(crate) fn ident(&self) -> Option<u64> {
        match self.ident.load(Ordering::Relaxed) {
            0 => None,
            ident => Some(ident),
        }
    }

    pub(crate) fn set_ident(&self, ident: u64) {
        self.ident.store(ident, Ordering::Relaxed);
    }

    /// The OS thread's id, once the thread runs (Linux).
    pub(crate) fn os_tid(&self) -> Option<u32> {
        match self.os_tid.load(Ordering::Relaxed) {
            0 => None,
            os_tid => Some(os_tid),
        }
    }

    /// Notes the calling OS thread as this thread's (called on the thread itself).
    pub(crate) fn note_os_thread(&self) {
        if let Some(os_tid) = crate::kernel::current_os_tid() {
            self.os_tid.store(os_tid, Ordering::Relaxed);
        }
    }

    /// Arranges for `to` to be told when this thread first blocks, sleeps, waits at the pause
    /// gate or ends.
    pub(crate) fn tell_first_yield(&self, to: crossbeam_channel::Sender<()>) {
        *self.first_yield.lock() = Some(to);
        self.yield_pending.store(true, Ordering::Release);
    }

    /// The thread stops running for now (it blocks, sleeps, is held at the gate, or ends).
    /// The first time, the thread that started it is told (see `Thread::start`).
    pub(crate) fn yielded(&self) {
        // A plain load first: after the first yield this is every block's only cost.
        if self.yield_pending.load(Ordering::Acquire)
            && self.yield_pending.swap(false, Ordering::AcqRel)
            && let Some(to) = self.first_yield.lock().take()
        {
            // The starter may have stopped listening (it waits a few milliseconds at most).
            let _ = to.send(());
        }
    }

    pub(crate) fn is_killed(&self) -> bool {
        self.killed.load(Ordering::SeqCst)
    }

    pub(crate) fn is_alive(&self) -> bool {
        matches!(*self.life.lock(), Life::Started | Life::Ending)
    }

    pub(crate) fn set_blocked_on(&self, wake: Option<Arc<dyn Wake>>) {
        *self.blocked_on.lock() = wake;
    }

    /// Wakes the thread wherever it waits so it re-reads the clock and its kill flag.
    pub(crate) fn wake(&self) {
        let blocked_on = self.blocked_on.lock().clone();
        if let Some(wake) = blocked_on {
            wake.wake_all();
        }
    }

    /// Marks the thread killed (shutdown) and wakes it; returns false if it had already ended.
    pub(crate) fn kill(&self) -> bool {
        {
            let mut life = self.life.lock();
            if *life != Life::Started {
                return false;
            }
            *life = Life::Finished(ExitKind::Killed);
            self.life.notify_all();
        }
        self.killed.store(true, Ordering::SeqCst);
        self.wake();
        true
    }

    /// Claims the right to report this thread's end: false if it was killed (or ended) first.
    /// Joiners keep waiting until [`finish`](Self::finish), so by the time `join` returns the
    /// exit is reported and the thread is gone from `enumerate`.
    pub(crate) fn begin_ending(&self) -> bool {
        let mut life = self.life.lock();
        if matches!(*life, Life::Finished(_) | Life::Ending) {
            return false;
        }
        *life = Life::Ending;
        true
    }

    /// Records how the thread ended and wakes its joiners.
    pub(crate) fn finish(&self, exit: ExitKind) {
        let mut life = self.life.lock();
        *life = Life::Finished(exit);
        self.life.notify_all();
    }
}

#[derive(Debug, Default)]
struct RegistryState {
    alive: BTreeMap<Tid, Arc<ThreadRecord>>,
    next_tid: Tid,
    thread_names: u32,
    dummy_names: u32,
}

/// The threads of one session.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    state: Mutex<RegistryState>,
    changed: Condvar,
}

/// Which default name a new thread gets.
#[derive(Debug, Clone, Copy)]
pub(crate) enum DefaultName {
    Thread,
    Dummy,
}

impl Registry {
    /// The next thread number and, if `name` is None, the next default name.
    pub(crate) fn allocate(&self, name: Option<String>, kind: DefaultName) -> (Tid, String) {
        let mut state = self.state.lock();
        state.next_tid += 1;
        let name = name.unwrap_or_else(|| match kind {
            DefaultName::Thread => {
                state.thread_names += 1;
                format!("Thread-{}", state.thread_names)
            }
            DefaultName::Dummy => {
                state.dummy_names += 1;
                format!("Dummy-{}", state.dummy_names)
            }
        });
        (state.next_tid, name)
    }

    pub(crate) fn add_alive(&self, record: Arc<ThreadRecord>) {
        self.state.lock().alive.insert(record.tid, record);
        self.changed.notify_all();
    }

    pub(crate) fn remove_alive(&self, tid: Tid) {
        self.state.lock().alive.remove(&tid);
        self.changed.notify_all();
    }

    /// Removes an ending thread and marks it finished in one step, so that whoever sees it
    /// finished (a joiner, shutdown) also sees it gone from `enumerate`, and the other way round.
    /// Lock order: registry, then the thread's life.
    pub(crate) fn remove_finished(&self, record: &ThreadRecord, exit: ExitKind) {
        let mut state = self.state.lock();
        state.alive.remove(&record.tid);
        record.finish(exit);
        drop(state);
        self.changed.notify_all();
    }

    pub(crate) fn alive(&self) -> Vec<Arc<ThreadRecord>> {
        self.state.lock().alive.values().cloned().collect()
    }

    pub(crate) fn count_alive(&self) -> usize {
        self.state.lock().alive.len()
    }

    pub(crate) fn find(&self, tid: Tid) -> Option<Arc<ThreadRecord>> {
        self.state.lock().alive.get(&tid).cloned()
    }

    /// Whether a started non-daemon thread other than `main` is alive: one shutdown waits for.
    pub(crate) fn non_daemon_alive(&self, main: Tid) -> bool {
        Self::awaited(&self.state.lock(), main)
    }

    fn awaited(state: &RegistryState, main: Tid) -> bool {
        state.alive.values().any(|record| record.tid != main && !record.foreign && !record.is_daemon())
    }

    /// Waits until every started non-daemon thread except `main` has ended (Python's shutdown).
    pub(crate) fn wait_non_daemons(&self, main: Tid) {
        let mut state = self.state.lock();
        loop {
            if !Self::awaited(&state, main) {
                return;
            }
            // The timeout only guards against a missed notification; ends are always signalled.
            self.changed.wait_for(&mut state, Duration::from_millis(500));
        }
    }
}

impl Wake for ThreadRecord {
    fn wake_all(&self) {
        self.sleep.wake_all();
        self.life.wake_all();
    }
}
