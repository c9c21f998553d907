//! The model's memory of time: per-thread lanes of states over demo time, and marks for the
//! operations worth seeing on them (acquire, release, notify, set/clear, put/get, log lines).

use std::collections::{BTreeMap, VecDeque};

use super::threads::{KnownThread, ThreadState};
use crate::event::{EventKind, Tid, TraceEvent};

/// How many state changes a lane keeps; older ones scroll away.
const SEGMENTS_PER_LANE: usize = 20_000;
/// How many marks the timeline keeps.
const MARKS: usize = 100_000;

/// A thread's state as a lane shows it: coarser than [`ThreadState`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaneState {
    /// Created, not started.
    New,
    /// Running, but held at the pause gate while paused, until it is stepped. The model never
    /// records it (the session reports who is held); the view draws it for the present.
    Ready,
    /// Running.
    Running,
    /// Sleeping.
    Sleeping,
    /// Blocked on a lock or semaphore.
    Blocked,
    /// Waiting on a condition, event, barrier, queue, join or shutdown.
    Waiting,
    /// Ended normally.
    Done,
    /// Stopped at shutdown.
    Killed,
    /// Ended by a panic.
    Panicked,
}

impl LaneState {
    /// The lane state of a table state.
    #[must_use]
    pub fn of(state: &ThreadState) -> Self {
        match state {
            ThreadState::New => Self::New,
            ThreadState::Running => Self::Running,
            ThreadState::Sleeping { .. } => Self::Sleeping,
            ThreadState::Blocked { .. } => Self::Blocked,
            ThreadState::Waiting { .. } => Self::Waiting,
            ThreadState::Done => Self::Done,
            ThreadState::Killed => Self::Killed,
            ThreadState::Panicked { .. } => Self::Panicked,
        }
    }

    /// The letter drawn in the lane, so a lane reads without colour.
    #[must_use]
    pub fn letter(self) -> char {
        match self {
            Self::New => ' ',
            Self::Ready => '▷',
            Self::Running => 'R',
            Self::Sleeping => 'S',
            Self::Blocked => 'B',
            Self::Waiting => 'W',
            Self::Done => 'D',
            Self::Killed => 'K',
            Self::Panicked => 'P',
        }
    }
}

/// One stretch of a lane: from `start_us` on, until the next segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// Demo time the state began.
    pub start_us: u64,
    /// The state.
    pub state: LaneState,
}

/// An operation drawn on a lane, weakest first: where several share a column of the timeline
/// the strongest is drawn, so that what a lesson is about survives a busy moment. Signals and
/// hand-offs (notify, set, clear, put, get) come before locking (acquire, release), and log
/// lines, which the log panel shows in full, come last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MarkKind {
    /// A log line.
    Log,
    /// A lock or permit released.
    Release,
    /// A lock or permit acquired.
    Acquire,
    /// An item taken from a queue.
    Get,
    /// An item put into a queue.
    Put,
    /// An event cleared.
    Clear,
    /// An event set.
    Set,
    /// A condition notified.
    Notify,
}

impl MarkKind {
    /// The symbol drawn in the lane.
    #[must_use]
    pub fn symbol(self) -> char {
        match self {
            Self::Acquire => 'a',
            Self::Release => 'r',
            Self::Notify => 'n',
            Self::Set => 's',
            Self::Clear => 'c',
            Self::Put => 'p',
            Self::Get => 'g',
            Self::Log => '•',
        }
    }

    fn of(kind: &EventKind) -> Option<Self> {
        Some(match kind {
            EventKind::Acquired { .. } => Self::Acquire,
            EventKind::Released { .. } => Self::Release,
            EventKind::Notified { .. } => Self::Notify,
            EventKind::Set { .. } => Self::Set,
            EventKind::Clear { .. } => Self::Clear,
            EventKind::Put { .. } => Self::Put,
            EventKind::Got { .. } => Self::Get,
            EventKind::Log { .. } => Self::Log,
            _ => return None,
        })
    }
}

/// An operation at a moment on a thread's lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    /// Sequence number of its event (links a log line to its mark).
    pub seq: u64,
    /// Demo time.
    pub time_us: u64,
    /// The thread.
    pub thread: Tid,
    /// What happened.
    pub kind: MarkKind,
}

/// Lanes and marks over demo time.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    /// Each thread's states over time, oldest first.
    pub lanes: BTreeMap<Tid, VecDeque<Segment>>,
    /// Marks in event order (so in time order).
    pub marks: VecDeque<Mark>,
}

impl Timeline {
    /// Notes what `event` changed, once the model has folded it into `threads`.
    pub(crate) fn note(&mut self, event: &TraceEvent, threads: &BTreeMap<Tid, KnownThread>) {
        let other = match &event.kind {
            EventKind::ThreadCreated { tid, .. }
            | EventKind::ThreadStarted { tid, .. }
            | EventKind::ThreadExited { tid, .. } => Some(*tid),
            _ => None,
        };
        for tid in std::iter::once(event.thread).chain(other) {
            if let Some(thread) = threads.get(&tid) {
                self.extend_lane(tid, event.time_us, LaneState::of(&thread.state));
            }
        }
        if let Some(kind) = MarkKind::of(&event.kind) {
            if self.marks.len() == MARKS {
                self.marks.pop_front();
            }
            self.marks.push_back(Mark { seq: event.seq, time_us: event.time_us, thread: event.thread, kind });
        }
    }

    fn extend_lane(&mut self, tid: Tid, time_us: u64, state: LaneState) {
        let lane = self.lanes.entry(tid).or_default();
        if lane.back().is_some_and(|last| last.state == state) {
            return;
        }
        if lane.len() == SEGMENTS_PER_LANE {
            lane.pop_front();
        }
        lane.push_back(Segment { start_us: time_us, state });
    }

    /// The state of thread `tid` at demo time `time_us` (None before its lane begins).
    #[must_use]
    pub fn state_at(&self, tid: Tid, time_us: u64) -> Option<LaneState> {
        let lane = self.lanes.get(&tid)?;
        let after = lane.partition_point(|segment| segment.start_us <= time_us);
        after.checked_sub(1).map(|index| lane[index].state)
    }

    /// The marks of demo times in `from..to`, in time order.
    pub fn marks_between(&self, from: u64, to: u64) -> impl Iterator<Item = &Mark> {
        let first = self.marks.partition_point(|mark| mark.time_us < from);
        self.marks.range(first..).take_while(move |mark| mark.time_us < to)
    }
}

#[cfg(test)]
mod tests {
    //! Lanes and marks as events are folded.

    use super::*;
    use crate::model::Model;

    fn event(seq: u64, time_us: u64, thread: Tid, kind: EventKind) -> TraceEvent {
        TraceEvent { seq, time_us, thread, loc: None, kind }
    }

    #[test]
    fn lanes_record_state_changes_and_marks_record_operations() {
        let mut model = Model::new();
        let events = [
            event(
                0,
                0,
                1,
                EventKind::ThreadCreated { tid: 1, name: "MainThread".into(), daemon: false, foreign: false },
            ),
            event(1, 0, 1, EventKind::ThreadStarted { tid: 1, daemon: false, os_tid: None }),
            event(2, 100, 1, EventKind::SleepBegin { duration_us: 1_000 }),
            event(3, 1_100, 1, EventKind::SleepEnd),
            event(4, 1_200, 1, EventKind::Log { level: crate::event::LogLevel::Info, message: "hi".into() }),
        ];
        for event in &events {
            model.apply(event);
        }
        let timeline = &model.timeline;
        assert_eq!(timeline.state_at(1, 50), Some(LaneState::Running));
        assert_eq!(timeline.state_at(1, 500), Some(LaneState::Sleeping));
        assert_eq!(timeline.state_at(1, 1_100), Some(LaneState::Running));
        assert_eq!(timeline.state_at(2, 0), None, "no lane for an unknown thread");
        let marks: Vec<_> = timeline.marks_between(0, 2_000).map(|mark| (mark.seq, mark.kind)).collect();
        assert_eq!(marks, [(4, MarkKind::Log)]);
        assert_eq!(timeline.marks_between(1_201, 2_000).count(), 0);
    }
}
