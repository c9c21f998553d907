//! The OS threads of a controlled session's threads: parked workers an exploration reuses from
//! run to run ([`Pool`]), and the count of those a run still has ([`OsThreads`]), so that a run
//! given up can say how many of its threads it leaves behind.
//!
//! An exploration makes thousands of runs, each of them a main thread and the program's
//! threads; creating an OS thread (its stack mapped, its thread-locals set up, then torn down
//! at its end) costs more than the rest of a small run. A pooled worker runs one threadviz
//! thread's body, then parks until it is handed the next one, in this run or a later one. What
//! the body sets up on the OS thread, it undoes: the binding to its threadviz thread, its event
//! ring, its std handle; the pool drops the event ring once more in case a body ended early.
//! What the program's own `std::thread_local!`s hold stays on the OS thread (see
//! `threadviz::std`'s docs: `threadviz::std::thread_local!` gives a value per threadviz thread).
//!
//! A worker whose body never ends (a thread blocked in the kernel outside threadviz: a std lock,
//! a std channel, I/O) is never handed another: it is left behind, counted, and ends on its own
//! if its body ever does.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use super::{Session, SessionInner};

/// What a worker runs: one threadviz thread's life on an OS thread.
pub(crate) type Job = Box<dyn FnOnce() + Send + 'static>;

/// The name of a pooled OS thread (std's `thread::current().name()`; threadviz's own names,
/// `Thread-1`, are the records', and every report shows those).
const WORKER_NAME: &str = "threadviz-run";

/// Parked OS threads that run controlled sessions' threads, one body after another. Dropped,
/// it ends every parked worker and waits for it; one still running a body is left to end on
/// its own.
#[derive(Debug, Default)]
pub(crate) struct Pool {
    shared: Arc<Shared>,
}

/// What the pool and its workers share: a worker that finishes a body parks itself here even
/// while the pool is being dropped, so that the pool's end sees it parked and need not wait.
#[derive(Debug, Default)]
struct Shared {
    state: Mutex<PoolState>,
    /// A worker parked: the pool's end waits for those finishing their body.
    parked: Condvar,
}

#[derive(Debug, Default)]
struct PoolState {
    /// Workers parked, waiting for a body.
    idle: Vec<Arc<Worker>>,
    /// Every worker started, to be joined when the pool ends.
    started: Vec<(Arc<Worker>, JoinHandle<()>)>,
}

/// One worker's slot: the body it is handed next, or the word that the pool has ended.
#[derive(Debug, Default)]
struct Worker {
    slot: Mutex<Slot>,
    handed: Condvar,
}

#[derive(Default)]
struct Slot {
    job: Option<Job>,
    closed: bool,
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slot").field("job", &self.job.is_some()).field("closed", &self.closed).finish()
    }
}

impl Pool {
    /// Runs `job` on a parked worker, or on a new one when none is parked.
    pub(crate) fn run(self: &Arc<Self>, job: Job) -> std::io::Result<()> {
        let parked = self.shared.state.lock().idle.pop();
        if let Some(worker) = parked {
            worker.slot.lock().job = Some(job);
            worker.handed.notify_one();
            return Ok(());
        }
        let worker = Arc::new(Worker::default());
        let shared = self.shared.clone();
        let mine = worker.clone();
        let handle = std::thread::Builder::new().name(WORKER_NAME.to_owned()).spawn(move || {
            let mut job = Some(job);
            while let Some(body) = job.take() {
                // The bodies catch the program's panics themselves; this keeps the worker
                // whatever comes through.
                let _ = panic::catch_unwind(AssertUnwindSafe(body));
                // A body ended early (unwound before it unbound itself) leaves nothing behind.
                super::emit::release_thread_ring();
                super::context::bind(None);
                super::context::set_ident(0);
                shared.state.lock().idle.push(mine.clone());
                shared.parked.notify_all();
                job = mine.next();
            }
        })?;
        self.shared.state.lock().started.push((worker, handle));
        Ok(())
    }

    /// How many workers are running a body now.
    #[cfg(test)]
    fn busy(&self) -> usize {
        let state = self.shared.state.lock();
        state.started.len() - state.idle.len()
    }
}

impl Worker {
    /// Parks until the next body, or none once the pool has ended.
    fn next(&self) -> Option<Job> {
        let mut slot = self.slot.lock();
        loop {
            if let Some(job) = slot.job.take() {
                return Some(job);
            }
            if slot.closed {
                return None;
            }
            self.handed.wait(&mut slot);
        }
    }
}

/// How long the pool's end waits for workers still finishing a body (a thread of the last run
/// unwinding); a worker still busy then is blocked outside threadviz, and left.
const FINISHING: Duration = Duration::from_millis(250);

impl Drop for Pool {
    fn drop(&mut self) {
        let deadline = Instant::now() + FINISHING;
        let mut state = self.shared.state.lock();
        while state.started.len() > state.idle.len() {
            if self.shared.parked.wait_until(&mut state, deadline).timed_out() {
                break;
            }
        }
        let state = std::mem::take(&mut *state);
        for (worker, handle) in state.started {
            worker.slot.lock().closed = true;
            worker.handed.notify_one();
            // A worker still running a body (left behind, blocked outside threadviz) is not
            // waited for: it ends when its body does, finding the pool gone.
            if state.idle.iter().any(|idle| Arc::ptr_eq(idle, &worker)) {
                let _ = handle.join();
            }
        }
    }
}

impl SessionInner {
    /// Starts `body`, one of the session's threads, on a parked worker of its pool, or on a new
    /// OS thread made by `os` when it has none.
    pub(crate) fn spawn_os_thread(&self, os: std::thread::Builder, body: Job) -> std::io::Result<()> {
        match self.pool.as_ref().and_then(std::sync::Weak::upgrade) {
            Some(pool) => pool.run(body),
            None => os.spawn(body).map(drop),
        }
    }
}

impl Session {
    /// Starts `body` as [`SessionInner::spawn_os_thread`] does, counted among the session's
    /// OS threads: the thread a controller runs the main function on.
    pub(crate) fn spawn_counted(&self, os: std::thread::Builder, body: Job) -> std::io::Result<()> {
        let body = self.inner.os_threads.counted(body);
        self.inner.spawn_os_thread(os, body)
    }

    /// Waits up to `patience` for every OS thread of the session to finish its thread's body
    /// (the main thread's and every started thread's); how many have not: blocked outside
    /// threadviz, where nothing can stop them, they are left behind.
    pub(crate) fn wait_os_threads(&self, patience: Duration) -> usize {
        self.inner.os_threads.wait_ended(patience)
    }
}

/// The OS threads a session runs its threads on that have not finished their body yet: the
/// main thread's and every started thread's.
#[derive(Debug, Default)]
pub(crate) struct OsThreads {
    live: Mutex<usize>,
    ended: Condvar,
}

impl OsThreads {
    /// Wraps `body` so that it counts as one of the session's OS threads until it returns or
    /// unwinds (or, never run, is dropped).
    pub(crate) fn counted<'a>(self: &Arc<Self>, body: Box<dyn FnOnce() + Send + 'a>) -> Box<dyn FnOnce() + Send + 'a> {
        *self.live.lock() += 1;
        let done = EndOnDrop(self.clone());
        Box::new(move || {
            let _done = done;
            body();
        })
    }

    fn end_one(&self) {
        let mut live = self.live.lock();
        *live = live.saturating_sub(1);
        if *live == 0 {
            self.ended.notify_all();
        }
    }

    /// Waits up to `patience` for every counted body to end; how many have not.
    pub(crate) fn wait_ended(&self, patience: Duration) -> usize {
        let deadline = Instant::now().checked_add(patience);
        let mut live = self.live.lock();
        while *live > 0 {
            let Some(deadline) = deadline else { break };
            if self.ended.wait_until(&mut live, deadline).timed_out() {
                break;
            }
        }
        *live
    }
}

/// Counts a body as ended however it ends.
struct EndOnDrop(Arc<OsThreads>);

impl Drop for EndOnDrop {
    fn drop(&mut self) {
        self.0.end_one();
    }
}

#[cfg(test)]
mod tests {
    //! Workers reused, joined at the pool's end, and the counting of bodies.

    use super::*;

    #[test]
    fn a_parked_worker_runs_the_next_body_on_the_same_os_thread() {
        let pool = Arc::new(Pool::default());
        let (sender, ids) = crossbeam_channel::unbounded();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..3 {
            let sender = sender.clone();
            pool.run(Box::new(move || {
                let _ = sender.send(std::thread::current().id());
            }))
            .expect("a worker");
            seen.insert(ids.recv_timeout(Duration::from_secs(30)).expect("the body ran"));
            // Parked again before the next body is handed out.
            let deadline = Instant::now() + Duration::from_secs(30);
            while pool.busy() > 0 && Instant::now() < deadline {
                std::thread::yield_now();
            }
        }
        assert_eq!(seen.len(), 1, "one OS thread ran every body");
        assert_eq!(pool.shared.state.lock().started.len(), 1);
    }

    #[test]
    fn counted_bodies_end_as_they_return_or_unwind() {
        let threads = Arc::new(OsThreads::default());
        let returns = threads.counted(Box::new(|| {}));
        let unwinds = threads.counted(Box::new(|| panic::resume_unwind(Box::new("stop"))));
        assert_eq!(threads.wait_ended(Duration::ZERO), 2);
        returns();
        let _ = panic::catch_unwind(AssertUnwindSafe(unwinds));
        assert_eq!(threads.wait_ended(Duration::ZERO), 0);
    }
}
