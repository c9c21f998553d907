//! Exact rewind in bounded memory: models kept at regular positions of a recording, so the
//! state after any number of events is the nearest kept model plus a few folds, never a fold
//! from the start.
//!
//! A binary recording is indexed, not loaded: each kept model goes with the place of the frame
//! that holds the next event (its offset in the file and how many of its events come before),
//! and events are read from the file as they are needed. Memory then grows with the number of
//! kept models, which is bounded, not with the number of events. A busy program's model is
//! mostly its timeline (a hundred thousand marks and the lanes' segments), so kept models
//! hold theirs packed, delta-coded: five times smaller, unpacked in a millisecond.

use std::collections::{BTreeMap, VecDeque};
use std::fs::File;
use std::io::{BufReader, Seek, SeekFrom};
use std::mem::size_of;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::binary::{self, FrameReader, Next};
use super::read::{self, Opened};
use super::{Header, ReadError};
use crate::TraceEvent;
use crate::event::{EventKind, Tid};
use crate::model::{
    Busy, KnownPrim, KnownThread, Lane, LaneState, LogLine, LostUpdate, Mark, MarkKind, Model, Segment, Timeline,
};

/// The fewest events between two kept models (longer recordings space them further apart, by
/// doubling, so that at most `MAX_SNAPSHOTS` models and about `KEPT_BYTES` are kept).
pub const SNAPSHOT_EVERY: usize = 1_000;
/// At most this many models are kept.
const MAX_SNAPSHOTS: usize = 256;
/// About this much memory goes to kept models: a busy program's model holds its timeline's
/// marks and lanes, a few megabytes.
const KEPT_BYTES: usize = 192 << 20;

/// Where the events of a recording are.
#[derive(Debug, Clone)]
enum Source {
    /// In memory.
    Memory(Arc<[TraceEvent]>),
    /// In a binary recording, read as needed.
    File(PathBuf),
}

/// Where in a binary recording an event is: the frame that holds it and how many of the
/// frame's events come before it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct FramePlace {
    offset: u64,
    skip: usize,
}

/// A model kept, with the place of the next event.
#[derive(Debug, Clone)]
struct Kept {
    /// The model, its timeline left empty...
    model: Model,
    /// ... and kept here, packed.
    timeline: PackedTimeline,
    next: FramePlace,
    bytes: usize,
}

impl Kept {
    fn new(model: &mut Model, next: FramePlace) -> Self {
        let timeline = std::mem::take(&mut model.timeline);
        let packed = PackedTimeline::pack(&timeline);
        let kept = model.clone();
        model.timeline = timeline;
        let bytes = approximate_bytes(&kept) + packed.bytes();
        Self { model: kept, timeline: packed, next, bytes }
    }

    fn model(&self) -> Model {
        let mut model = self.model.clone();
        model.timeline = self.timeline.unpack();
        model
    }
}

/// A timeline packed small: each mark's sequence number and time as differences from the mark
/// before it and its thread, each segment's start as the difference from the one before it,
/// all as postcard's variable-length integers; kinds and states one byte each.
#[derive(Debug, Clone, Default)]
struct PackedTimeline {
    marks: Vec<u8>,
    mark_kinds: Vec<MarkKind>,
    lanes: Vec<PackedLane>,
}

#[derive(Debug, Clone)]
/// One lane, packed: its segments' start times (delta-coded) and states, the few summarised
/// stretches' breakdowns by segment number, and the lane's summary width.
struct PackedLane {
    tid: Tid,
    starts: Vec<u8>,
    states: Vec<LaneState>,
    busy: Vec<(usize, Box<Busy>)>,
    summary_width_us: u64,
}

/// Appends `value` to `out` in postcard's form.
fn put(out: &mut Vec<u8>, value: &impl serde::Serialize) {
    let mut scratch = [0_u8; 32];
    if let Ok(bytes) = postcard::to_slice(value, &mut scratch) {
        out.extend_from_slice(bytes);
    }
}

impl PackedTimeline {
    fn pack(timeline: &Timeline) -> Self {
        let mut marks = Vec::with_capacity(timeline.marks.len() * 4);
        let (mut seq, mut time) = (0_u64, 0_u64);
        for mark in &timeline.marks {
            put(&mut marks, &(mark.seq.wrapping_sub(seq), mark.time_us.wrapping_sub(time), mark.thread));
            (seq, time) = (mark.seq, mark.time_us);
        }
        let lanes = timeline
            .lanes
            .iter()
            .map(|(&tid, lane)| {
                let mut starts = Vec::with_capacity(lane.segments.len() * 2);
                let mut time = 0_u64;
                for segment in &lane.segments {
                    put(&mut starts, &segment.start_us.wrapping_sub(time));
                    time = segment.start_us;
                }
                PackedLane {
                    tid,
                    starts,
                    states: lane.segments.iter().map(|segment| segment.state).collect(),
                    busy: (lane.segments.iter().enumerate())
                        .filter_map(|(index, segment)| segment.busy.clone().map(|busy| (index, busy)))
                        .collect(),
                    summary_width_us: lane.summary_width_us(),
                }
            })
            .collect();
        Self { marks, mark_kinds: timeline.marks.iter().map(|mark| mark.kind).collect(), lanes }
    }

    fn unpack(&self) -> Timeline {
        let mut timeline = Timeline::default();
        timeline.marks.reserve_exact(self.mark_kinds.len());
        let mut rest = self.marks.as_slice();
        let (mut seq, mut time) = (0_u64, 0_u64);
        for &kind in &self.mark_kinds {
            let Ok(((seq_delta, time_delta, thread), after)) = postcard::take_from_bytes::<(u64, u64, Tid)>(rest)
            else {
                break;
            };
            rest = after;
            (seq, time) = (seq.wrapping_add(seq_delta), time.wrapping_add(time_delta));
            timeline.marks.push_back(Mark { seq, time_us: time, thread, kind });
        }
        for packed in &self.lanes {
            let mut segments = VecDeque::with_capacity(packed.states.len());
            let mut rest = packed.starts.as_slice();
            let mut time = 0_u64;
            let mut busy = packed.busy.iter().peekable();
            for (index, &state) in packed.states.iter().enumerate() {
                let Ok((delta, after)) = postcard::take_from_bytes::<u64>(rest) else { break };
                rest = after;
                time = time.wrapping_add(delta);
                let breakdown = busy.next_if(|(at, _)| *at == index).map(|(_, busy)| busy.clone());
                segments.push_back(Segment { start_us: time, state, busy: breakdown });
            }
            timeline.lanes.insert(packed.tid, Lane::from_parts(segments, packed.summary_width_us));
        }
        timeline
    }

    fn bytes(&self) -> usize {
        self.marks.len()
            + self.mark_kinds.len()
            + (self.lanes.iter())
                .map(|lane| 64 + lane.starts.len() + lane.states.len() + lane.busy.len() * 100)
                .sum::<usize>()
    }
}

/// A recording's events with the model after every `every`-th of them.
///
/// The model after `n` events is a kept model plus fewer than [`Snapshots::every`] folds of
/// [`Model::apply`], which is deterministic: it equals the model a live run showed after the
/// same `n` events.
#[derive(Debug, Clone)]
pub struct Snapshots {
    source: Source,
    len: usize,
    every: usize,
    /// `kept[i]` is the state after the first `i * every` events.
    kept: Vec<Kept>,
    kept_bytes: usize,
    first_seq: Option<u64>,
    end_us: u64,
    names: BTreeMap<Tid, String>,
    /// The source files the recording carries, by path.
    sources: BTreeMap<String, Arc<str>>,
}

/// Folds events once, keeping models along the way.
struct Keeper {
    model: Model,
    folded: usize,
    every: usize,
    kept: Vec<Kept>,
    kept_bytes: usize,
    first_seq: Option<u64>,
    end_us: u64,
    names: BTreeMap<Tid, String>,
    sources: BTreeMap<String, Arc<str>>,
}

impl Keeper {
    /// Starts folding a recording of about `expected` events (spacing kept models so that at
    /// most [`MAX_SNAPSHOTS`] are kept, if the estimate is right).
    fn new(start: FramePlace, expected: usize) -> Self {
        let mut model = Model::new();
        let kept = Kept::new(&mut model, start);
        Self {
            kept_bytes: kept.bytes,
            kept: vec![kept],
            model,
            folded: 0,
            every: SNAPSHOT_EVERY.max(expected.div_ceil(MAX_SNAPSHOTS)),
            first_seq: None,
            end_us: 0,
            names: BTreeMap::new(),
            sources: BTreeMap::new(),
        }
    }

    /// Folds `event`; `next` says where the event after it is, should a model be kept here.
    fn fold(&mut self, event: &TraceEvent, next: impl FnOnce() -> FramePlace) {
        self.model.apply(event);
        self.folded += 1;
        self.first_seq.get_or_insert(event.seq);
        self.end_us = event.time_us;
        match &event.kind {
            EventKind::ThreadCreated { tid, name, .. } | EventKind::ThreadRenamed { tid, name } => {
                self.names.insert(*tid, name.clone());
            }
            EventKind::Source { path, text } => {
                self.sources.insert(path.clone(), text.as_str().into());
            }
            _ => {}
        }
        if self.folded.is_multiple_of(self.every) {
            let kept = Kept::new(&mut self.model, next());
            self.kept_bytes += kept.bytes;
            self.kept.push(kept);
            while self.kept.len() > 1 && (self.kept.len() > MAX_SNAPSHOTS || self.kept_bytes > KEPT_BYTES) {
                self.thin();
            }
        }
    }

    /// Keeps every other model, twice as far apart.
    fn thin(&mut self) {
        let kept = std::mem::take(&mut self.kept);
        self.kept = kept.into_iter().step_by(2).collect();
        self.kept_bytes = self.kept.iter().map(|kept| kept.bytes).sum();
        self.every *= 2;
    }

    fn finish(self, source: Source) -> Snapshots {
        Snapshots {
            source,
            len: self.folded,
            every: self.every,
            kept: self.kept,
            kept_bytes: self.kept_bytes,
            first_seq: self.first_seq,
            end_us: self.end_us,
            names: self.names,
            sources: self.sources,
        }
    }
}

/// About the heap a model holds: its timeline, log and records of threads and primitives.
fn approximate_bytes(model: &Model) -> usize {
    let lanes: usize = model.timeline.lanes.values().map(|lane| 64 + lane.segments.len() * size_of::<Segment>()).sum();
    let log: usize = model.log.iter().map(|line| size_of::<LogLine>() + line.message.len()).sum();
    size_of::<Model>()
        + lanes
        + model.timeline.marks.len() * size_of::<Mark>()
        + log
        + model.threads.len() * (size_of::<KnownThread>() + 128)
        + model.prims.len() * (size_of::<KnownPrim>() + 256)
        + model.lost_updates.len() * size_of::<LostUpdate>()
}

/// A binary recording indexed for replay, or a JSON Lines one read whole.
#[derive(Debug, Clone)]
pub struct Indexed {
    /// Its header.
    pub header: Header,
    /// Its kept models and the way to its events.
    pub snapshots: Snapshots,
    /// What was tolerated (a cut-off last line or frame), as one line naming the place.
    pub warning: Option<String>,
    /// Whether the recording holds the session's end: a run stopped before it ended, or a
    /// watched program whose stream was cut, has not.
    pub ended: bool,
}

/// Opens the recording at `path` for replay. A binary recording is read once, checked and
/// folded, and only its kept models stay in memory; JSON Lines is read whole.
pub fn index(path: impl AsRef<Path>) -> Result<Indexed, ReadError> {
    let path = path.as_ref();
    let file = path.display().to_string();
    let input = match read::open(path)? {
        Opened::Text(lines) => {
            let recording = read::read_all_lines(*lines)?;
            let ended = recording.ended();
            let snapshots = Snapshots::new(recording.events.into());
            return Ok(Indexed { header: recording.header, snapshots, warning: recording.warning, ended });
        }
        Opened::Binary(input) => input,
    };
    let mut frames = read::binary_frames(input, &file)?;
    let expected = binary::count_events(path, frames.offset());
    let mut keeper = Keeper::new(FramePlace { offset: frames.offset(), skip: 0 }, expected);
    let mut events = Vec::new();
    let mut last: Option<TraceEvent> = None;
    loop {
        events.clear();
        let offset = frames.offset();
        if frames.next(&mut events)? != Next::Frame {
            break;
        }
        let after = frames.offset();
        for (index, event) in events.iter().enumerate() {
            let previous = index.checked_sub(1).and_then(|before| events.get(before)).or(last.as_ref());
            frames.check(previous, event)?;
            keeper.fold(event, || {
                if index + 1 < events.len() {
                    FramePlace { offset, skip: index + 1 }
                } else {
                    FramePlace { offset: after, skip: 0 }
                }
            });
        }
        last = events.pop();
    }
    let warning = frames.warning.take();
    let ended = last.is_some_and(|event| matches!(event.kind, crate::EventKind::SessionEnded));
    let snapshots = keeper.finish(Source::File(path.to_owned()));
    Ok(Indexed { header: frames.header.clone(), snapshots, warning, ended })
}

impl Snapshots {
    /// Folds every event once, keeping a model every [`Snapshots::every`] events.
    #[must_use]
    pub fn new(events: Arc<[TraceEvent]>) -> Self {
        let mut keeper = Keeper::new(FramePlace::default(), events.len());
        for event in events.iter() {
            keeper.fold(event, FramePlace::default);
        }
        keeper.finish(Source::Memory(events))
    }

    /// How many events the recording holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the recording holds no event.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Events between two kept models: the most folds one [`Snapshots::model_at`] costs.
    #[must_use]
    pub fn every(&self) -> usize {
        self.every
    }

    /// How many models are kept.
    #[must_use]
    pub fn kept(&self) -> usize {
        self.kept.len()
    }

    /// About how much memory the kept models hold, in bytes.
    #[must_use]
    pub fn kept_bytes(&self) -> usize {
        self.kept_bytes
    }

    /// Demo time of the last event, in microseconds (0 when there is none).
    #[must_use]
    pub fn end_us(&self) -> u64 {
        self.end_us
    }

    /// Every thread's name, as last given.
    #[must_use]
    pub fn names(&self) -> &BTreeMap<Tid, String> {
        &self.names
    }

    /// The source files the recording carries ([`EventKind::Source`]), by the path its events
    /// name them by: a replay shows them wherever it seeks, not only once it has played past
    /// the event that carries each.
    #[must_use]
    pub fn sources(&self) -> &BTreeMap<String, Arc<str>> {
        &self.sources
    }

    /// The state after the first `position` events (all of them if `position` is larger).
    #[must_use]
    pub fn model_at(&self, position: usize) -> Model {
        self.seek(position).0
    }

    /// The state after the first `position` events (all of them if `position` is larger),
    /// and the events from there on.
    #[must_use]
    pub fn seek(&self, position: usize) -> (Model, Cursor) {
        let position = position.min(self.len);
        let index = (position / self.every).min(self.kept.len().saturating_sub(1));
        let Some(kept) = self.kept.get(index) else {
            return (Model::new(), self.cursor_from(0, FramePlace::default()));
        };
        let mut model = kept.model();
        let mut cursor = self.cursor_from(index * self.every, kept.next);
        while cursor.position < position {
            let Some(event) = cursor.peek() else { break };
            model.apply(event);
            cursor.advance();
        }
        (model, cursor)
    }

    /// The events from `position` on.
    #[must_use]
    pub fn cursor(&self, position: usize) -> Cursor {
        let position = position.min(self.len);
        let index = (position / self.every).min(self.kept.len().saturating_sub(1));
        let next = self.kept.get(index).map_or_else(FramePlace::default, |kept| kept.next);
        let mut cursor = self.cursor_from(index * self.every, next);
        while cursor.position < position && cursor.peek().is_some() {
            cursor.advance();
        }
        cursor
    }

    fn cursor_from(&self, position: usize, next: FramePlace) -> Cursor {
        let events = match &self.source {
            Source::Memory(events) => Events::Memory(events.clone()),
            Source::File(path) => {
                let reader = File::open(path).and_then(|mut file| {
                    file.seek(SeekFrom::Start(next.offset))?;
                    Ok(FrameReader::new(BufReader::with_capacity(1 << 16, file), next.offset))
                });
                match reader {
                    Ok(reader) => Events::File { reader: Box::new(reader), buffer: Vec::new(), at: 0, skip: next.skip },
                    // The file went away since it was indexed: nothing more to show.
                    Err(_) => Events::Gone,
                }
            }
        };
        Cursor { position, len: self.len, events }
    }

    /// How many events have happened once the event numbered `seq` has (all of them past
    /// the last).
    #[must_use]
    pub fn position_after_seq(&self, seq: u64) -> usize {
        match (&self.source, self.first_seq) {
            (Source::Memory(events), _) => events.partition_point(|event| event.seq <= seq),
            (Source::File(_), Some(first)) if seq >= first => {
                usize::try_from((seq - first).saturating_add(1)).unwrap_or(usize::MAX).min(self.len)
            }
            (Source::File(_), _) => 0,
        }
    }

    /// How many events have happened at demo time `time_us`: all those stamped at or before it.
    #[must_use]
    pub fn position_at_time(&self, time_us: u64) -> usize {
        // A kept model's time is that of the last event before it; times never go back.
        let index = self.kept.partition_point(|kept| kept.model.time_us <= time_us).saturating_sub(1);
        let next = self.kept.get(index).map_or_else(FramePlace::default, |kept| kept.next);
        let mut cursor = self.cursor_from(index * self.every, next);
        while cursor.peek().is_some_and(|event| event.time_us <= time_us) {
            cursor.advance();
        }
        cursor.position
    }
}

/// Where a cursor takes its events from.
#[derive(Debug)]
enum Events {
    Memory(Arc<[TraceEvent]>),
    File {
        reader: Box<FrameReader<BufReader<File>>>,
        /// The frame being read.
        buffer: Vec<TraceEvent>,
        at: usize,
        /// Events of the first frame that come before the cursor's start.
        skip: usize,
    },
    Gone,
}

/// A recording's events from some position on, read as they are needed.
#[derive(Debug)]
pub struct Cursor {
    /// Events before the next one.
    position: usize,
    len: usize,
    events: Events,
}

impl Cursor {
    /// How many events come before the next one.
    #[must_use]
    pub fn position(&self) -> usize {
        self.position
    }

    /// The next event, if any.
    pub fn peek(&mut self) -> Option<&TraceEvent> {
        if self.position >= self.len {
            return None;
        }
        match &mut self.events {
            Events::Memory(events) => events.get(self.position),
            Events::File { reader, buffer, at, skip } => {
                while *at >= buffer.len() {
                    buffer.clear();
                    // The file was checked when it was indexed: a frame that no longer reads
                    // ends the events.
                    if reader.next_frame(buffer) != Ok(Next::Frame) {
                        self.len = self.position;
                        return None;
                    }
                    *at = std::mem::take(skip);
                }
                buffer.get(*at)
            }
            Events::Gone => None,
        }
    }

    /// Moves past the next event (call after [`Cursor::peek`] found one).
    pub fn advance(&mut self) {
        if let Events::File { at, .. } = &mut self.events {
            *at += 1;
        }
        self.position += 1;
    }
}

impl Iterator for Cursor {
    type Item = TraceEvent;

    fn next(&mut self) -> Option<TraceEvent> {
        let event = self.peek().cloned()?;
        self.advance();
        Some(event)
    }
}

#[cfg(test)]
mod tests {
    //! Kept models thinned when a recording turns out longer than expected, still exact.

    use super::*;
    use crate::event::{PrimInfo, SourceLoc};

    fn events(count: u64) -> Vec<TraceEvent> {
        let event = |seq: u64, kind| TraceEvent {
            seq,
            time_us: seq * 2,
            thread: 1,
            loc: Some(SourceLoc { file: "demos/x.rs".into(), line: 3 }),
            kind,
        };
        let mut events = vec![
            event(0, EventKind::ThreadCreated { tid: 1, name: "MainThread".into(), daemon: false, foreign: false }),
            event(1, EventKind::ThreadStarted { tid: 1, daemon: false, os_tid: None }),
            event(2, EventKind::PrimCreated { prim: 1, name: "lock".into(), info: PrimInfo::Lock }),
        ];
        // Cheap to fold in a debug build: a failed try changes neither a lane nor a mark...
        events.extend((3..count).map(|seq| event(seq, EventKind::TryFailed { prim: 1 })));
        // ... and a few that do, at the end.
        let end = count;
        events.push(event(end, EventKind::Acquired { prim: 1, count: 1 }));
        events.push(event(end + 1, EventKind::SleepBegin { duration_us: 5 }));
        events
    }

    #[test]
    fn a_recording_longer_than_expected_keeps_fewer_models_further_apart_and_stays_exact() {
        let events = events(600_000);
        let mut keeper = Keeper::new(FramePlace::default(), 1_000);
        for event in &events {
            keeper.fold(event, FramePlace::default);
        }
        let snapshots = keeper.finish(Source::Memory(events.clone().into()));
        assert_eq!(snapshots.every(), 4 * SNAPSHOT_EVERY, "thinned twice");
        assert_eq!(snapshots.kept(), events.len() / snapshots.every() + 1);
        assert!(snapshots.kept() <= MAX_SNAPSHOTS);
        let mut model = Model::new();
        let mut folded = 0;
        for position in [0, 1, 3_999, 4_000, 4_001, 299_999, 599_999, events.len()] {
            for event in &events[folded..position] {
                model.apply(event);
            }
            folded = position;
            assert_eq!(format!("{:?}", snapshots.model_at(position)), format!("{model:?}"), "after {position} events");
        }
    }

    #[test]
    fn a_packed_timeline_unpacks_to_the_same_timeline() {
        let mut model = Model::new();
        let busy = (3..4_000).map(|seq| TraceEvent {
            seq,
            time_us: seq * 7,
            thread: 1,
            loc: None,
            kind: match seq % 4 {
                0 => EventKind::Acquired { prim: 1, count: 1 },
                1 => EventKind::Released { prim: 1, count: 0 },
                2 => EventKind::SleepBegin { duration_us: 5 },
                _ => EventKind::SleepEnd,
            },
        });
        for event in events(3).into_iter().take(3).chain(busy) {
            model.apply(&event);
        }
        assert!(model.timeline.marks.len() > 1_000 && model.timeline.lanes[&1].segments.len() > 1_000);
        let packed = PackedTimeline::pack(&model.timeline);
        assert_eq!(format!("{:?}", packed.unpack()), format!("{:?}", model.timeline));
        let segments: usize =
            model.timeline.lanes.values().map(|lane| lane.segments.len() * size_of::<Segment>()).sum();
        assert!(packed.bytes() * 4 < model.timeline.marks.len() * size_of::<Mark>() + segments, "{}", packed.bytes());
    }
}
