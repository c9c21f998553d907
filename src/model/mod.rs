//! The model: a pure fold of events into what the dashboard shows. No terminal, no clock, no
//! I/O: feed it events (live, from a recording, or synthetic in tests) and read its state.

mod deadlock;
mod happenings;
mod lost;
mod prims;
#[cfg(test)]
mod script;
mod stuck;
mod threads;
mod timeline;
mod vocabulary;
mod waits;

use std::collections::{BTreeMap, VecDeque};

pub use self::deadlock::{CycleLink, DEADLOCK_GRACE_US, Deadlock, DeadlockKind};
pub use self::happenings::{Happening, at, shorten};
pub use self::lost::LostUpdate;
#[cfg(test)]
use self::prims::QUEUE_ITEMS_KEPT;
pub use self::prims::{KnownPrim, PrimState};
pub use self::threads::{Instruction, KnownThread, ThreadState, WaitTarget};
pub use self::timeline::{Busy, Column, Lane, LaneState, Mark, MarkKind, Segment, Timeline};
#[cfg(test)]
pub(crate) use self::vocabulary::lost_updates;
pub use self::vocabulary::{HELD_BY, Phrase, Tone, lost_or_brought_back};
pub use self::waits::WaitEdge;
use crate::event::{EventKind, LogLevel, PrimId, SourceLoc, Tid, TraceEvent};

/// How many log lines the model keeps (older ones scroll away).
pub const LOG_CAPACITY: usize = 5_000;

/// One line of the log panel.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
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
    /// Events the program's threads dropped at their source, as the stream tells
    /// (`EventKind::Lost`).
    pub lost_at_source: u64,
    /// Instructions run (`EventKind::Instruction`, sent by a program stepped by instruction),
    /// also counted in `events`. None are logged: a line per instruction would flood the log.
    /// Once there are any, every load and store comes just before the instruction that made it.
    pub instructions: u64,
    /// The next sequence number expected.
    next_seq: Option<u64>,
    /// The main function returned and the session waits for non-daemon threads.
    pub shutting_down: bool,
    /// The session has ended.
    pub ended: bool,
    /// Threads that can never go on, if any: a cycle of locks or joins, or every live thread
    /// waiting for another. Kept up to date by [`Model::apply`].
    pub deadlock: Option<Deadlock>,
    /// The most recent stores that lost or brought back updates, oldest first (at most
    /// `LOST_UPDATES_KEPT`); each also has a warning line in the log, with its count. How
    /// many updates a value is missing, their sum, is [`Model::lost_updates_on`].
    pub lost_updates: VecDeque<LostUpdate>,
    /// Loads and stores of `Shared` values.
    shared: lost::Ledger,
    /// Threads whose latest request found the lock or semaphore taken: the acquire that
    /// follows ends a real wait (and is worth telling).
    contended: std::collections::BTreeSet<Tid>,
    /// What the wait-for relation remembers between events.
    waits: waits::Tracker,
    /// Lanes of states and marks of operations over time. Left out of the model's serialized
    /// form: a kept model packs its timeline its own way (`record/snapshots/kept.rs`).
    #[serde(skip)]
    pub timeline: Timeline,
    /// Threads that began dropping events at their source and have not sent one since: until
    /// they do, any primitive may change unseen, so none is settled.
    dropping: std::collections::BTreeSet<Tid>,
    /// Events have been lost at some point: threads may need settling (a stream that never
    /// lost any folds without looking).
    ever_lost: bool,
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
            // The missing events happened after the latest one folded, whoever's they were:
            // every thread is unknown from then on.
            self.unsettle(self.time_us, None);
        }
        self.next_seq = Some(event.seq + 1);
        if let EventKind::Lost { events } = event.kind {
            self.lost_at_source += events;
            // Only this thread's own events were dropped: the others' states are still told
            // by their own events, which got through.
            self.unsettle(event.time_us, Some(event.thread));
            if self.threads.get(&event.thread).is_some_and(|thread| !thread.state.is_finished()) {
                self.dropping.insert(event.thread);
            }
        }
        self.settle_thread(event);
        if acts(&event.kind) {
            self.events += 1;
        }
        self.time_us = self.time_us.max(event.time_us);
        let now = self.time_us;
        if let Some(thread) = self.threads.get_mut(&event.thread)
            && event.loc.is_some()
        {
            thread.loc.clone_from(&event.loc);
        }
        self.note_instruction(event);
        match &event.kind {
            EventKind::Load { prim, value } => self.note_load(event, *prim, value),
            EventKind::Store { prim, value } => self.note_store(event, *prim, value),
            EventKind::Update { prim, value, .. } => self.note_update(event, *prim, value),
            EventKind::Released { prim, count: 0 } => self.note_release(*prim),
            EventKind::Requested { prim, .. } => self.note_request(event.thread, *prim, false),
            EventKind::ReadRequested { prim, .. } => self.note_request(event.thread, *prim, true),
            EventKind::Acquired { .. }
            | EventKind::ReadAcquired { .. }
            | EventKind::TimedOut { .. }
            | EventKind::TryFailed { .. } => {
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
            EventKind::Control { .. } | EventKind::Instruction { .. } => {}
            kind => self.prim_event(event, kind, now),
        }
        self.analyse(event);
        self.timeline.note(event, &self.threads);
    }

    /// Keeps the instruction the acting thread just ran, until its next instruction or its
    /// next operation (whose own event then says what it does).
    fn note_instruction(&mut self, event: &TraceEvent) {
        let instruction = match &event.kind {
            EventKind::Instruction { offset, text } => {
                self.instructions += 1;
                Some(Instruction { seq: event.seq, offset: *offset, text: text.clone(), loc: event.loc.clone() })
            }
            kind if acts(kind) => None,
            _ => return,
        };
        self.with_thread(event.thread, |thread| thread.instruction = instruction);
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
        let was_unsure = prim.unsure;
        let state = prim.apply(tid, kind, now);
        if self.dropping.is_empty() {
            prim.settle(kind);
        }
        let settled = was_unsure && !prim.unsure;
        if let Some(state) = state
            && let Some(thread) = self.threads.get_mut(&tid)
        {
            thread.set_state(state, now);
        }
        // Holdings follow the primitive's view of who holds what: the acting thread's, or
        // everybody's when the primitive was just settled (a release lost unseen is corrected).
        if settled {
            let everybody: Vec<Tid> = self.threads.keys().copied().collect();
            for holder in everybody {
                self.refresh_holds(holder);
            }
        } else {
            self.refresh_holds(tid);
        }
    }

    /// Sets what thread `tid` holds from the primitives' view of who holds what.
    #[inline]
    fn refresh_holds(&mut self, tid: Tid) {
        let holds = self.prims.values().filter(|prim| prim.held_by(tid)).map(|prim| prim.pid).collect();
        if let Some(thread) = self.threads.get_mut(&tid) {
            thread.holds = holds;
        }
    }

    /// Events lost, of both kinds: dropped at their source and missing from the sequence.
    #[must_use]
    pub fn lost(&self) -> u64 {
        self.missed + self.lost_at_source
    }

    /// Events were lost: whatever they changed is unknown. Every primitive's state, and the
    /// state of every live thread whose events may be among them (`only` the thread that
    /// dropped them at its source, or anyone's when the stream skipped numbers), becomes
    /// unsure until an event settles it; an ended thread stays ended (lifecycle events are
    /// never lost).
    fn unsettle(&mut self, time_us: u64, only: Option<Tid>) {
        self.ever_lost = true;
        let live: std::collections::BTreeSet<Tid> =
            self.threads.values().filter(|thread| thread.state.is_live()).map(|thread| thread.tid).collect();
        for thread in self.threads.values_mut() {
            // Only lifecycle events, never lost, end these states: not started yet, ended,
            // joining a live thread without a timeout, waiting at shutdown.
            let certain = match &thread.state {
                ThreadState::New
                | ThreadState::Done
                | ThreadState::Killed
                | ThreadState::Panicked { .. }
                | ThreadState::Waiting { on: WaitTarget::Shutdown, .. } => true,
                ThreadState::Waiting { on: WaitTarget::Join(target), until_us: None } => live.contains(target),
                _ => false,
            };
            if !certain && only.is_none_or(|tid| tid == thread.tid) {
                thread.unsure = true;
                self.timeline.note_unknown(thread.tid, time_us);
            }
        }
        for prim in self.prims.values_mut() {
            prim.unsettle();
        }
    }

    /// A thread that acts is running, whatever was lost before: its own event settles its
    /// state (the event then says what it does next), and it waits in no queue. Events one
    /// thread tells about another (a start, an end) set that thread's state outright.
    fn settle_thread(&mut self, event: &TraceEvent) {
        if !self.ever_lost {
            return;
        }
        let tid = event.thread;
        let acting = acts(&event.kind);
        if let EventKind::ThreadStarted { tid: other, .. } | EventKind::ThreadExited { tid: other, .. } = event.kind {
            self.with_thread(other, |thread| thread.unsure = false);
        }
        if acting {
            // Its events get through again: its burst of losses is over.
            self.dropping.remove(&tid);
        }
        if !acting || !self.threads.get(&tid).is_some_and(|thread| thread.unsure) {
            return;
        }
        let now = self.time_us.max(event.time_us);
        self.with_thread(tid, |thread| {
            thread.unsure = false;
            thread.set_state(ThreadState::Running, now);
        });
        for prim in self.prims.values_mut() {
            prim.forget_waiter(tid);
        }
    }

    /// Whether the model vouches for thread `tid`'s state: no events were lost since its
    /// latest one.
    #[must_use]
    pub fn thread_known(&self, tid: Tid) -> bool {
        self.threads.get(&tid).is_some_and(|thread| !thread.unsure)
    }

    /// Whether the model vouches for what thread `tid` holds: its state is known, and so is
    /// every lock's, RLock's and semaphore's (a lock it took unseen would be missing).
    #[must_use]
    pub fn holds_known(&self, tid: Tid) -> bool {
        self.thread_known(tid)
            && !self.prims.values().any(|prim| {
                prim.unsure
                    && matches!(
                        prim.state,
                        PrimState::Lock { .. } | PrimState::RLock { .. } | PrimState::Semaphore { .. }
                    )
            })
    }

    /// Whether the model vouches for primitive `pid`'s state: no events were lost since an
    /// event last told it whole. Its waiters are vouched for one by one ([`Model::thread_known`]).
    #[must_use]
    pub fn prim_known(&self, pid: PrimId) -> bool {
        self.prims.get(&pid).is_some_and(|prim| !prim.unsure)
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

    /// The deadlock in one sentence, if there is one (see `Deadlock::describe`).
    #[must_use]
    pub fn deadlock_message(&self) -> Option<String> {
        self.deadlock.as_ref().map(|deadlock| deadlock.describe(self))
    }
}

/// Whether an event is its thread's own doing: not the viewer's controls, not a report of
/// events lost, not a source file sent along.
fn acts(kind: &EventKind) -> bool {
    !matches!(kind, EventKind::Control { .. } | EventKind::Lost { .. } | EventKind::Source { .. })
}

#[cfg(test)]
mod tests;
