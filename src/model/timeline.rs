//! The model's memory of time: per-thread lanes of states over demo time, and marks for the
//! operations worth seeing on them (acquire, release, notify, set/clear, put/get, log lines).

use std::collections::{BTreeMap, VecDeque};

use super::threads::{KnownThread, ThreadState};
use crate::event::{EventKind, Tid, TraceEvent};

/// How many segments a lane keeps. When it is full, its older half is summarised: stretches of
/// [`SUMMARY_WIDTHS_US`] in which the thread changed state become one busy segment each, so a
/// busy thread's lane reaches as far back as a quiet one's.
const SEGMENTS_PER_LANE: usize = 20_000;
/// The widths a lane's busy stretches are summarised at, finest first. Each is a multiple of
/// the one before and divides every coarser one, so a summary never straddles a coarser
/// stretch, and the finest divides every zoom level of the timeline, so a column at any zoom
/// level holds whole stretches.
const SUMMARY_WIDTHS_US: [u64; 6] = [1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];
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
    /// Not known: events were lost since the thread's latest one.
    Unknown,
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
            Self::Panicked => 'E',
            Self::Unknown => '?',
        }
    }

    /// Every lane state, in the order [`Busy::time_us`] counts them.
    const ALL: [Self; 10] = [
        Self::New,
        Self::Ready,
        Self::Running,
        Self::Sleeping,
        Self::Blocked,
        Self::Waiting,
        Self::Done,
        Self::Killed,
        Self::Panicked,
        Self::Unknown,
    ];

    /// This state's place in [`LaneState::ALL`].
    fn index(self) -> usize {
        self as usize
    }
}

/// How a summarised stretch of a lane was spent: too busy to keep change by change.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Busy {
    /// Microseconds spent in each state, in the order of [`LaneState`]'s variants.
    pub time_us: [u64; 10],
    /// How many times the thread changed state inside the stretch.
    pub changes: u64,
}

/// What one column of a lane shows: a state, and whether the thread did more in it than the
/// state says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The state the column ends in, or, when the thread changed state more than once in it,
    /// the state it spent most of the column in.
    pub state: LaneState,
    /// The thread changed state more than once in the column: one letter cannot say it all.
    pub more: bool,
}

/// One stretch of a lane: from `start_us` on, until the next segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Demo time the state began.
    pub start_us: u64,
    /// The state; for a busy stretch, the state it spent most time in.
    pub state: LaneState,
    /// For a summarised stretch in which the thread changed state, how its time was spent.
    pub busy: Option<Box<Busy>>,
}

impl Segment {
    fn plain(start_us: u64, state: LaneState) -> Self {
        Self { start_us, state, busy: None }
    }
}

/// One thread's lane: its segments, oldest first, and how coarsely its older part is summarised.
#[derive(Debug, Clone, Default)]
pub struct Lane {
    /// The lane's stretches, oldest first.
    pub segments: VecDeque<Segment>,
    /// The width its busy stretches were last summarised at; never finer afterwards, so that
    /// summaries nest.
    summary_width_us: u64,
}

impl Lane {
    /// The width its busy stretches were last summarised at (0: never).
    #[must_use]
    pub fn summary_width_us(&self) -> u64 {
        self.summary_width_us
    }

    /// A lane of `segments`, its busy stretches summarised at `summary_width_us`: a lane taken
    /// apart (for a compact copy) and put back together.
    #[must_use]
    pub fn from_parts(segments: VecDeque<Segment>, summary_width_us: u64) -> Self {
        Self { segments, summary_width_us }
    }
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
            EventKind::Acquired { .. } | EventKind::ReadAcquired { .. } => Self::Acquire,
            EventKind::Released { .. } | EventKind::ReadReleased { .. } => Self::Release,
            EventKind::Notified { .. } => Self::Notify,
            EventKind::Set { .. } => Self::Set,
            EventKind::Clear { .. } => Self::Clear,
            EventKind::Put { .. } | EventKind::Sent { .. } => Self::Put,
            EventKind::Got { .. } | EventKind::Received { .. } => Self::Get,
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
    /// Each thread's states over time.
    pub lanes: BTreeMap<Tid, Lane>,
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
                let state = if thread.unsure { LaneState::Unknown } else { LaneState::of(&thread.state) };
                self.extend_lane(tid, event.time_us, state);
            }
        }
        if let Some(kind) = MarkKind::of(&event.kind) {
            if self.marks.len() == MARKS {
                self.marks.pop_front();
            }
            self.marks.push_back(Mark { seq: event.seq, time_us: event.time_us, thread: event.thread, kind });
        }
    }

    /// Thread `tid`'s state is not known from `time_us` on (events were lost).
    pub(crate) fn note_unknown(&mut self, tid: Tid, time_us: u64) {
        if self.lanes.contains_key(&tid) {
            self.extend_lane(tid, time_us, LaneState::Unknown);
        }
    }

    #[inline]
    fn extend_lane(&mut self, tid: Tid, time_us: u64, state: LaneState) {
        let lane = self.lanes.entry(tid).or_default();
        if lane.segments.back().is_some_and(|last| last.state == state && last.busy.is_none()) {
            return;
        }
        if lane.segments.len() >= SEGMENTS_PER_LANE {
            lane.summarise_older_half();
        }
        lane.segments.push_back(Segment::plain(time_us, state));
    }

    /// The state of thread `tid` at demo time `time_us` (None before its lane begins); inside
    /// a summarised busy stretch, the state the stretch spent most time in.
    #[must_use]
    pub fn state_at(&self, tid: Tid, time_us: u64) -> Option<LaneState> {
        let lane = &self.lanes.get(&tid)?.segments;
        let after = lane.partition_point(|segment| segment.start_us <= time_us);
        after.checked_sub(1).map(|index| lane[index].state)
    }

    /// What thread `tid`'s lane shows for the column of demo times `from..to` (`to` being the
    /// present when the column reaches it): the state it ends in, unless the thread changed
    /// state more than once in it; then the state it spent most of the column in, and `more`.
    /// None when the lane begins after the column.
    #[must_use]
    pub fn column(&self, tid: Tid, from: u64, to: u64) -> Option<Column> {
        let lane = &self.lanes.get(&tid)?.segments;
        let end_state = self.state_at(tid, to.saturating_sub(1).max(from))?;
        let first = lane.partition_point(|segment| segment.start_us <= from).saturating_sub(1);
        let mut time_us = [0_u64; 10];
        let mut changes = 0_u64;
        for (index, segment) in lane.iter().enumerate().skip(first) {
            if segment.start_us >= to.max(from + 1) {
                break;
            }
            let segment_end = lane.get(index + 1).map_or(u64::MAX, |next| next.start_us);
            let overlap_from = segment.start_us.max(from);
            let overlap = segment_end.min(to).saturating_sub(overlap_from);
            if segment.start_us > from {
                changes += 1;
            }
            match &segment.busy {
                Some(busy) => {
                    changes += busy.changes;
                    let whole = segment_end.saturating_sub(segment.start_us).max(1);
                    for (spent, in_stretch) in time_us.iter_mut().zip(busy.time_us) {
                        // The part of the stretch inside the column, spent as the whole was.
                        *spent += u64::try_from(u128::from(in_stretch) * u128::from(overlap) / u128::from(whole))
                            .unwrap_or(u64::MAX);
                    }
                }
                None => time_us[segment.state.index()] += overlap,
            }
        }
        if changes < 2 {
            return Some(Column { state: end_state, more: false });
        }
        // The most time wins; a tie goes to the state the column ends in.
        let most = time_us.iter().copied().max().unwrap_or(0);
        let state = if time_us[end_state.index()] == most {
            end_state
        } else {
            LaneState::ALL.into_iter().find(|state| time_us[state.index()] == most).unwrap_or(end_state)
        };
        Some(Column { state, more: true })
    }

    /// The marks of demo times in `from..to`, in time order.
    pub fn marks_between(&self, from: u64, to: u64) -> impl Iterator<Item = &Mark> {
        let first = self.marks.partition_point(|mark| mark.time_us < from);
        self.marks.range(first..).take_while(move |mark| mark.time_us < to)
    }
}

impl Lane {
    /// Summarises the older half of the lane at the finest width (no finer than before) that
    /// at least halves it; what still does not fit scrolls away.
    #[cold]
    #[inline(never)]
    fn summarise_older_half(&mut self) {
        let older = self.segments.len() / 2;
        let end_us = self.segments[older].start_us;
        let older_segments: Vec<Segment> = self.segments.drain(..older).collect();
        let mut summary = Vec::new();
        let finest = self.summary_width_us;
        for width in SUMMARY_WIDTHS_US.into_iter().filter(|&width| width >= finest) {
            summary = summarise(&older_segments, end_us, width);
            self.summary_width_us = width;
            if summary.len() <= older / 2 {
                break;
            }
        }
        for segment in summary.into_iter().rev() {
            self.segments.push_front(segment);
        }
        while self.segments.len() >= SEGMENTS_PER_LANE {
            self.segments.pop_front();
        }
    }
}

/// `segments`, which end at `end_us`, as stretches of `width` microseconds: a stretch in which
/// the thread stayed in one state is one plain segment (merged with its neighbours in the same
/// state), one in which it changed state a busy segment.
fn summarise(segments: &[Segment], end_us: u64, width: u64) -> Vec<Segment> {
    /// The stretch being summed up.
    struct Stretch {
        index: u64,
        start_us: u64,
        busy: Busy,
        last: LaneState,
    }
    fn close(stretch: Stretch, out: &mut Vec<Segment>) {
        if stretch.busy.changes == 0 {
            if out.last().is_none_or(|last| last.state != stretch.last || last.busy.is_some()) {
                out.push(Segment::plain(stretch.start_us, stretch.last));
            }
            return;
        }
        let most = stretch.busy.time_us.iter().copied().max().unwrap_or(0);
        let state = if stretch.busy.time_us[stretch.last.index()] == most {
            stretch.last
        } else {
            LaneState::ALL.into_iter().find(|state| stretch.busy.time_us[state.index()] == most).unwrap_or(stretch.last)
        };
        out.push(Segment { start_us: stretch.start_us, state, busy: Some(Box::new(stretch.busy)) });
    }
    let mut out = Vec::new();
    let mut open: Option<Stretch> = None;
    for (position, segment) in segments.iter().enumerate() {
        let segment_end = segments.get(position + 1).map_or(end_us, |next| next.start_us);
        let mut at = segment.start_us;
        loop {
            let index = at / width;
            let piece_end = segment_end.min((index + 1) * width);
            match &mut open {
                Some(stretch) if stretch.index == index => {
                    if at == segment.start_us {
                        stretch.busy.changes += 1;
                    }
                }
                _ => {
                    if let Some(done) = open.take() {
                        close(done, &mut out);
                    }
                    open = Some(Stretch { index, start_us: at, busy: Busy::default(), last: segment.state });
                }
            }
            if let Some(stretch) = &mut open {
                stretch.last = segment.state;
                match &segment.busy {
                    // A finer summary lies inside one stretch of a coarser width.
                    Some(busy) => {
                        stretch.busy.changes += busy.changes;
                        for (spent, in_stretch) in stretch.busy.time_us.iter_mut().zip(busy.time_us) {
                            *spent += in_stretch;
                        }
                    }
                    None => stretch.busy.time_us[segment.state.index()] += piece_end - at,
                }
            }
            if piece_end >= segment_end {
                break;
            }
            at = piece_end;
        }
    }
    if let Some(done) = open {
        close(done, &mut out);
    }
    out
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

    #[test]
    fn a_busy_column_shows_the_state_it_spent_most_time_in_and_says_there_was_more() {
        let mut timeline = Timeline::default();
        // Blocked 7 µs, running 3 µs, ten times a column of 100 µs; then running alone.
        for step in 0..10 {
            timeline.extend_lane(1, step * 10, LaneState::Blocked);
            timeline.extend_lane(1, step * 10 + 7, LaneState::Running);
        }
        assert_eq!(timeline.column(1, 0, 100), Some(Column { state: LaneState::Blocked, more: true }));
        assert_eq!(timeline.column(1, 100, 200), Some(Column { state: LaneState::Running, more: false }));
        // One change in a column: the state it ends in, as its neighbour shows the one before.
        timeline.extend_lane(1, 290, LaneState::Sleeping);
        assert_eq!(timeline.column(1, 200, 300), Some(Column { state: LaneState::Sleeping, more: false }));
        assert_eq!(timeline.column(2, 0, 100), None, "no lane for an unknown thread");
    }

    #[test]
    fn a_lane_that_changed_state_more_often_than_it_keeps_still_covers_its_whole_life() {
        let mut timeline = Timeline::default();
        // Five seconds of a thread blocked 7 µs and running 3 µs, far more changes than a lane keeps.
        let changes = 5_000_000 / 10;
        for step in 0..changes {
            timeline.extend_lane(1, step * 10, LaneState::Blocked);
            timeline.extend_lane(1, step * 10 + 7, LaneState::Running);
        }
        let lane = &timeline.lanes[&1];
        assert!(lane.segments.len() < SEGMENTS_PER_LANE);
        assert_eq!(lane.segments.front().map(|segment| segment.start_us), Some(0), "nothing scrolled away");
        // Every column at every zoom level says the thread was mostly blocked, and more.
        for scale in [1_000, 5_000, 100_000, 1_000_000] {
            for from in (0..5_000_000 - scale).step_by(usize::try_from(scale * 7).expect("a small step")) {
                assert_eq!(
                    timeline.column(1, from, from + scale),
                    Some(Column { state: LaneState::Blocked, more: true }),
                    "{scale} µs a column, from {from}"
                );
            }
        }
        // A summary keeps the time spent in each state.
        let busy = lane.segments[0].busy.as_deref().expect("the oldest stretch is summarised");
        let spent = |state: LaneState| busy.time_us[state.index()];
        assert_eq!(spent(LaneState::Blocked) * 3, spent(LaneState::Running) * 7);
    }
}
