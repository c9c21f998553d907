//! The model: a pure fold of events into what the dashboard shows. No terminal, no clock, no
//! I/O: feed it events (live, from a recording, or synthetic in tests) and read its state.

mod deadlock;
mod lost;
mod prims;
#[cfg(test)]
mod script;
mod threads;
mod timeline;
mod vocabulary;
mod waits;
mod words;

use std::collections::{BTreeMap, VecDeque};

pub use self::deadlock::{CycleLink, DEADLOCK_GRACE_US, Deadlock, DeadlockKind};
pub use self::lost::{LOST_UPDATES_KEPT, LostUpdate};
pub use self::prims::{KnownPrim, PendingRead, PrimState, QUEUE_ITEMS_KEPT};
pub use self::threads::{KnownThread, ThreadState, WaitTarget};
pub use self::timeline::{Busy, Column, Lane, LaneState, Mark, MarkKind, Segment, Timeline};
pub use self::vocabulary::{HELD_BY, Phrase, Tone, lost_updates};
pub use self::waits::WaitEdge;
pub use self::words::{Happening, at};
use crate::event::{EventKind, LogLevel, PrimId, SourceLoc, Tid, TraceEvent};

/// How many log lines the model keeps (older ones scroll away).
pub const LOG_CAPACITY: usize = 5_000;

/// One line of the log panel.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    /// Sequence number of its event (links the line to the timeline).
    pub seq: u64,
    /// Demo time in microseconds.
    pub time_us: u64,
    /// The thread that logged it.
    pub thread: Tid,
    /// Its level.
    pub level: LogLevel,
    /// The text.
    pub message: String,
}

/// Everything the dashboard knows about a session, folded from its events.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// Every thread ever seen, by number.
    pub threads: BTreeMap<Tid, KnownThread>,
    /// Every primitive ever seen, by number.
    pub prims: BTreeMap<PrimId, KnownPrim>,
    /// The most recent log lines, oldest first.
    pub log: VecDeque<LogLine>,
    /// Log lines that scrolled out of `log`.
    pub log_discarded: u64,
    /// Demo time of the latest event, in microseconds.
    pub time_us: u64,
    /// The program's events folded so far; the viewer's own controls (pause, step, speed) are
    /// not the program's doing and are not counted.
    pub events: u64,
    /// Events known to be missing (gaps in the sequence): a lossy viewer fell behind.
    pub missed: u64,
    /// The next sequence number expected.
    next_seq: Option<u64>,
    /// The main function returned and the session waits for non-daemon threads.
    pub shutting_down: bool,
    /// The session has ended.
    pub ended: bool,
    /// Threads that can never go on, if any: a cycle of locks or joins, or every live thread
    /// waiting for another. Kept up to date by [`Model::apply`].
    pub deadlock: Option<Deadlock>,
    /// The most recent stores that overwrote another thread's update, oldest first (at most
    /// [`LOST_UPDATES_KEPT`]); each also has a warning line in the log. How many updates a
    /// value is missing is [`Model::lost_updates_on`].
    pub lost_updates: VecDeque<LostUpdate>,
    /// Loads and stores of `Shared` values.
    shared: lost::Ledger,
    /// Threads whose latest request found the lock or semaphore taken: the acquire that
    /// follows ends a real wait (and is worth telling).
    contended: std::collections::BTreeSet<Tid>,
    /// What the wait-for relation remembers between events.
    waits: waits::Tracker,
    /// Lanes of states and marks of operations over time.
    pub timeline: Timeline,
}

impl Model {
    /// An empty model.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Folds one event in.
    pub fn apply(&mut self, event: &TraceEvent) {
        if let Some(expected) = self.next_seq
            && event.seq > expected
        {
            self.missed += event.seq - expected;
        }
        self.next_seq = Some(event.seq + 1);
        if !matches!(event.kind, EventKind::Control { .. }) {
            self.events += 1;
        }
        self.time_us = self.time_us.max(event.time_us);
        let now = self.time_us;
        if let Some(thread) = self.threads.get_mut(&event.thread)
            && event.loc.is_some()
        {
            thread.loc.clone_from(&event.loc);
        }
        match &event.kind {
            EventKind::Load { prim, value } => self.note_load(event, *prim, value),
            EventKind::Store { prim, value } => self.note_store(event, *prim, value),
            EventKind::Requested { prim, .. } => self.note_request(event.thread, *prim),
            EventKind::Acquired { .. } | EventKind::TimedOut { .. } | EventKind::TryFailed { .. } => {
                self.contended.remove(&event.thread);
            }
            _ => {}
        }
        match &event.kind {
            EventKind::ThreadCreated { tid, name, daemon, foreign } => {
                self.threads.insert(*tid, KnownThread::new(*tid, name.clone(), *daemon, *foreign, now));
            }
            EventKind::ThreadStarted { tid, daemon, os_tid } => self.with_thread(*tid, |thread| {
                thread.daemon = *daemon;
                thread.os_tid = *os_tid;
                thread.set_state(ThreadState::Running, now);
            }),
            EventKind::ThreadRenamed { tid, name } => self.with_thread(*tid, |thread| thread.name.clone_from(name)),
            EventKind::ThreadExited { tid, exit } => self.thread_exited(*tid, exit, now),
            EventKind::ShutdownBegin => {
                self.shutting_down = true;
                self.set_state(event.thread, ThreadState::Waiting { on: WaitTarget::Shutdown, until_us: None }, now);
            }
            EventKind::SessionEnded => self.ended = true,
            EventKind::Log { level, message } => self.push_log(event, *level, message.clone()),
            EventKind::SleepBegin { duration_us } => {
                let until_us = now.saturating_add(*duration_us);
                self.set_state(event.thread, ThreadState::Sleeping { until_us }, now);
            }
            EventKind::JoinBegin { target, timeout_us } => {
                let until_us = timeout_us.map(|timeout| now.saturating_add(timeout));
                self.set_state(event.thread, ThreadState::Waiting { on: WaitTarget::Join(*target), until_us }, now);
            }
            EventKind::SleepEnd | EventKind::JoinEnd { .. } => self.set_state(event.thread, ThreadState::Running, now),
            EventKind::Misuse { message, .. } => {
                let tid = event.thread;
                self.with_thread(tid, |thread| thread.error = Some(message.clone()));
                self.push_log(event, LogLevel::Error, format!("error: {message}"));
            }
            EventKind::Control { .. } => {}
            kind => self.prim_event(event, kind, now),
        }
        self.analyse(event);
        self.timeline.note(event, &self.threads);
    }

    fn push_log(&mut self, event: &TraceEvent, level: LogLevel, message: String) {
        if self.log.len() == LOG_CAPACITY {
            self.log.pop_front();
            self.log_discarded += 1;
        }
        self.log.push_back(LogLine { seq: event.seq, time_us: event.time_us, thread: event.thread, level, message });
    }

    fn with_thread(&mut self, tid: Tid, change: impl FnOnce(&mut KnownThread)) {
        if let Some(thread) = self.threads.get_mut(&tid) {
            change(thread);
        }
    }

    fn set_state(&mut self, tid: Tid, state: ThreadState, now: u64) {
        self.with_thread(tid, |thread| thread.set_state(state, now));
    }

    fn thread_exited(&mut self, tid: Tid, exit: &crate::event::ExitKind, now: u64) {
        self.set_state(tid, ThreadState::from_exit(exit), now);
        // A thread that ends takes nothing with it but a plain Lock or RLock it held, which
        // stays held, as in Python; it leaves every wait queue.
        for prim in self.prims.values_mut() {
            prim.forget_thread(tid);
        }
    }

    fn prim_event(&mut self, event: &TraceEvent, kind: &EventKind, now: u64) {
        let tid = event.thread;
        if let EventKind::PrimCreated { prim, name, info } = kind {
            self.prims.insert(*prim, KnownPrim::new(*prim, name.clone(), info));
            return;
        }
        let Some(pid) = kind.prim() else { return };
        let Some(prim) = self.prims.get_mut(&pid) else { return };
        if let Some(state) = prim.apply(tid, kind, now) {
            let Some(thread) = self.threads.get_mut(&tid) else { return };
            thread.set_state(state, now);
        }
        // Holdings follow the primitive's view of who holds what.
        let holds = self.prims.values().filter(|prim| prim.held_by(tid)).map(|prim| prim.pid).collect();
        if let Some(thread) = self.threads.get_mut(&tid) {
            thread.holds = holds;
        }
    }

    /// Threads alive as Python's `threading.active_count()` counts them: started and not ended
    /// (a thread created but not started is not alive yet).
    #[must_use]
    pub fn alive(&self) -> usize {
        self.threads.values().filter(|thread| thread.state.is_live()).count()
    }

    /// Where thread `tid` is in the source.
    #[must_use]
    pub fn thread_loc(&self, tid: Tid) -> Option<&SourceLoc> {
        self.threads.get(&tid).and_then(|thread| thread.loc.as_ref())
    }

    /// What thread `tid` waits for and who could end the wait, if it is blocked or waiting.
    #[must_use]
    pub fn wait_edge(&self, tid: Tid) -> Option<WaitEdge> {
        waits::wait_edge(self, tid)
    }

    /// The wait-for relation: one edge per blocked or waiting thread, in thread number order.
    #[must_use]
    pub fn wait_edges(&self) -> Vec<WaitEdge> {
        self.threads.keys().filter_map(|&tid| self.wait_edge(tid)).collect()
    }

    /// The deadlock in one sentence, if there is one (see [`Deadlock::describe`]).
    #[must_use]
    pub fn deadlock_message(&self) -> Option<String> {
        self.deadlock.as_ref().map(|deadlock| deadlock.describe(self))
    }
}

#[cfg(test)]
mod tests;
