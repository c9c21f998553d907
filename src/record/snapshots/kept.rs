//! How a kept model is stored: its timeline, most of a busy program's model, packed small and
//! unpacked when the model is wanted again, and what it all costs in memory. Where models are
//! kept is `keeper.rs`'s business; finding the events after one, `seek.rs`'s.

use std::collections::VecDeque;
use std::mem::size_of;

use serde::{Deserialize, Serialize};

use crate::event::Tid;
use crate::model::{
    Busy, KnownPrim, KnownThread, Lane, LaneState, LogLine, LostUpdate, Mark, MarkKind, Model, Segment, Timeline,
};

/// A model kept.
#[derive(Debug, Clone)]
pub(super) struct Kept {
    /// The model, its timeline left empty...
    pub(super) model: Model,
    /// ... and kept here, packed.
    timeline: PackedTimeline,
    /// About how much memory it holds.
    pub(super) bytes: usize,
}

impl Kept {
    /// Keeps `model` (its timeline is lent to the packing and given back).
    pub(super) fn new(model: &mut Model) -> Self {
        let timeline = std::mem::take(&mut model.timeline);
        let packed = PackedTimeline::pack(&timeline);
        let kept = model.clone();
        model.timeline = timeline;
        let bytes = approximate_bytes(&kept) + packed.bytes();
        Self { model: kept, timeline: packed, bytes }
    }

    /// The bytes a recording stores it as (see [`MODEL_FORMAT`]).
    pub(super) fn to_bytes(&self) -> Option<Vec<u8>> {
        let model = squeeze(&postcard::to_allocvec(&self.model).ok()?);
        postcard::to_allocvec(&Stored { model, timeline: &self.timeline }).ok()
    }

    /// A model kept from the bytes [`Kept::to_bytes`] made, if they decode.
    pub(super) fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let stored: Stored<PackedTimeline> = postcard::from_bytes(bytes).ok()?;
        let model: Model = postcard::from_bytes(&unsqueeze(&stored.model)).ok()?;
        let bytes = approximate_bytes(&model) + stored.timeline.bytes();
        Some(Self { model, timeline: stored.timeline, bytes })
    }

    /// The model kept, its timeline unpacked.
    pub(super) fn model(&self) -> Model {
        let mut model = self.model.clone();
        model.timeline = self.timeline.unpack();
        model
    }
}

/// A timeline packed small: each mark's sequence number and time as differences from the mark
/// before it and its thread, each segment's start as the difference from the one before it,
/// all as postcard's variable-length integers; kinds and states one byte each; and each of
/// these byte strings compressed with LZ4 (a busy program's marks and lanes repeat themselves:
/// a flood's half-megabyte timeline packs into some twenty kilobytes).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct PackedTimeline {
    marks: Vec<u8>,
    /// How many marks there are.
    count: usize,
    mark_kinds: Vec<u8>,
    lanes: Vec<PackedLane>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
/// One lane, packed: its segments' start times (delta-coded) and states, the few summarised
/// stretches' breakdowns by segment number, and the lane's summary width.
struct PackedLane {
    tid: Tid,
    starts: Vec<u8>,
    /// How many segments there are.
    count: usize,
    states: Vec<u8>,
    /// The summarised stretches' breakdowns: each one's segment number (as the difference
    /// from the one before), its ten times and its count of changes, compressed.
    busy: Vec<u8>,
    summary_width_us: u64,
}

/// The most one packed part of a kept model unpacks to: a model's timeline holds at most
/// 100,000 marks and 20,000 segments a lane, its log 5,000 lines, a few megabytes in all.
const MAX_UNPACKED: usize = 64 << 20;

/// The layout of a kept model as a recording stores it (`Kept::to_bytes`): the model's own
/// fields in postcard's form, which does not describe itself, so a reader must know them.
/// Raise it whenever a field of the model or of anything it holds is added, removed or
/// reordered; a recording whose models have another layout is replayed by folding its events,
/// as one without stored models is. `tests::the_stored_layout_of_a_model_is_the_one_its_number_says`
/// fails when the layout changes and this number does not.
pub(in crate::record) const MODEL_FORMAT: u32 = 1;

/// A kept model as a recording stores it: the model but its timeline, in postcard's form and
/// compressed, and the timeline packed (borrowed to write it, owned once read: postcard's
/// form of the two is the same).
#[derive(Serialize, Deserialize)]
struct Stored<Packed> {
    model: Vec<u8>,
    timeline: Packed,
}

/// Appends `value` to `out` as postcard writes an unsigned integer (LEB128: seven bits a byte,
/// low first, the top bit set on every byte but the last), written here byte by byte because
/// a kept model packs a hundred thousand of them and a serializer call each cost most of it.
fn put(out: &mut Vec<u8>, value: impl Into<u64>) {
    let mut value = value.into();
    loop {
        let [low, ..] = value.to_le_bytes();
        value >>= 7;
        if value == 0 {
            out.push(low & 0x7f);
            return;
        }
        // The low seven bits, with the bit that says more follow.
        out.push(low | 0x80);
    }
}

/// `bytes` compressed, their length first.
fn squeeze(bytes: &[u8]) -> Vec<u8> {
    lz4_flex::block::compress_prepend_size(bytes)
}

/// What [`squeeze`] made, back: nothing if it is damaged or says it unpacks to more than
/// [`MAX_UNPACKED`] (a model read from a file is checked by its checksum first, but a length
/// from a file is never trusted to size an allocation).
fn unsqueeze(bytes: &[u8]) -> Vec<u8> {
    let told = bytes.get(..4).and_then(|told| Some(u32::from_le_bytes(told.try_into().ok()?)));
    if told.is_none_or(|told| usize::try_from(told).is_ok_and(|told| told > MAX_UNPACKED)) {
        return Vec::new();
    }
    lz4_flex::block::decompress_size_prepended(bytes).unwrap_or_default()
}

/// The one-byte code of each mark kind: a new kind is a compile error here.
fn mark_code(kind: MarkKind) -> u8 {
    match kind {
        MarkKind::Log => 0,
        MarkKind::Release => 1,
        MarkKind::Acquire => 2,
        MarkKind::Get => 3,
        MarkKind::Put => 4,
        MarkKind::Clear => 5,
        MarkKind::Set => 6,
        MarkKind::Notify => 7,
    }
}

/// The mark kinds by their codes.
const MARK_KINDS: [MarkKind; 8] = [
    MarkKind::Log,
    MarkKind::Release,
    MarkKind::Acquire,
    MarkKind::Get,
    MarkKind::Put,
    MarkKind::Clear,
    MarkKind::Set,
    MarkKind::Notify,
];

/// The one-byte code of each lane state: a new state is a compile error here.
fn state_code(state: LaneState) -> u8 {
    match state {
        LaneState::New => 0,
        LaneState::Ready => 1,
        LaneState::Running => 2,
        LaneState::Sleeping => 3,
        LaneState::Blocked => 4,
        LaneState::Waiting => 5,
        LaneState::Done => 6,
        LaneState::Killed => 7,
        LaneState::Panicked => 8,
        LaneState::Unknown => 9,
    }
}

/// The lane states by their codes.
const LANE_STATES: [LaneState; 10] = [
    LaneState::New,
    LaneState::Ready,
    LaneState::Running,
    LaneState::Sleeping,
    LaneState::Blocked,
    LaneState::Waiting,
    LaneState::Done,
    LaneState::Killed,
    LaneState::Panicked,
    LaneState::Unknown,
];

/// The breakdowns of the summarised segments among `segments`, as postcard's integers.
fn pack_busy(segments: &VecDeque<Segment>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut last = 0_usize;
    for (index, busy) in
        segments.iter().enumerate().filter_map(|(index, segment)| Some((index, segment.busy.as_ref()?)))
    {
        put(&mut out, (index - last) as u64);
        last = index;
        for time in busy.time_us {
            put(&mut out, time);
        }
        put(&mut out, busy.changes);
    }
    out
}

/// What [`pack_busy`] made, back: each breakdown with its segment number.
fn unpack_busy(mut rest: &[u8]) -> impl Iterator<Item = (usize, Box<Busy>)> + '_ {
    let mut index = 0_usize;
    std::iter::from_fn(move || {
        let mut take = || {
            let (value, after) = postcard::take_from_bytes::<u64>(rest).ok()?;
            rest = after;
            Some(value)
        };
        index += usize::try_from(take()?).ok()?;
        let mut time_us = [0_u64; 10];
        for time in &mut time_us {
            *time = take()?;
        }
        Some((index, Box::new(Busy { time_us, changes: take()? })))
    })
}

impl PackedTimeline {
    fn pack(timeline: &Timeline) -> Self {
        let mut marks = Vec::with_capacity(timeline.marks.len() * 4);
        let (mut seq, mut time) = (0_u64, 0_u64);
        for mark in &timeline.marks {
            put(&mut marks, mark.seq.wrapping_sub(seq));
            put(&mut marks, mark.time_us.wrapping_sub(time));
            put(&mut marks, mark.thread);
            (seq, time) = (mark.seq, mark.time_us);
        }
        let lanes = timeline
            .lanes
            .iter()
            .map(|(&tid, lane)| {
                let mut starts = Vec::with_capacity(lane.segments.len() * 2);
                let mut time = 0_u64;
                for segment in &lane.segments {
                    put(&mut starts, segment.start_us.wrapping_sub(time));
                    time = segment.start_us;
                }
                let states: Vec<u8> = lane.segments.iter().map(|segment| state_code(segment.state)).collect();
                PackedLane {
                    tid,
                    starts: squeeze(&starts),
                    count: lane.segments.len(),
                    states: squeeze(&states),
                    busy: squeeze(&pack_busy(&lane.segments)),
                    summary_width_us: lane.summary_width_us(),
                }
            })
            .collect();
        let kinds: Vec<u8> = timeline.marks.iter().map(|mark| mark_code(mark.kind)).collect();
        Self { marks: squeeze(&marks), count: timeline.marks.len(), mark_kinds: squeeze(&kinds), lanes }
    }

    fn unpack(&self) -> Timeline {
        let mut timeline = Timeline::default();
        timeline.marks.reserve_exact(self.count);
        let (marks, kinds) = (unsqueeze(&self.marks), unsqueeze(&self.mark_kinds));
        let mut rest = marks.as_slice();
        let (mut seq, mut time) = (0_u64, 0_u64);
        for kind in kinds.iter().filter_map(|&code| MARK_KINDS.get(usize::from(code)).copied()) {
            let Ok(((seq_delta, time_delta, thread), after)) = postcard::take_from_bytes::<(u64, u64, Tid)>(rest)
            else {
                break;
            };
            rest = after;
            (seq, time) = (seq.wrapping_add(seq_delta), time.wrapping_add(time_delta));
            timeline.marks.push_back(Mark { seq, time_us: time, thread, kind });
        }
        for packed in &self.lanes {
            let mut segments = VecDeque::with_capacity(packed.count);
            let (starts, states) = (unsqueeze(&packed.starts), unsqueeze(&packed.states));
            let mut rest = starts.as_slice();
            let mut time = 0_u64;
            let busy = unsqueeze(&packed.busy);
            let mut busy = unpack_busy(&busy).peekable();
            let states = states.iter().filter_map(|&code| LANE_STATES.get(usize::from(code)).copied());
            for (index, state) in states.enumerate() {
                let Ok((delta, after)) = postcard::take_from_bytes::<u64>(rest) else { break };
                rest = after;
                time = time.wrapping_add(delta);
                let breakdown = busy.next_if(|(at, _)| *at == index).map(|(_, busy)| busy);
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
                .map(|lane| 64 + lane.starts.len() + lane.states.len() + lane.busy.len())
                .sum::<usize>()
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

#[cfg(test)]
mod tests {
    //! A packed timeline is the same timeline, several times smaller.

    use super::*;
    use crate::TraceEvent;
    use crate::event::{EventKind, PrimInfo, SourceLoc};

    /// A thread that runs and a lock it can take.
    fn start() -> Vec<TraceEvent> {
        let kinds = [
            EventKind::ThreadCreated { tid: 1, name: "MainThread".into(), daemon: false, foreign: false },
            EventKind::ThreadStarted { tid: 1, daemon: false, os_tid: None },
            EventKind::PrimCreated { prim: 1, name: "lock".into(), info: PrimInfo::Lock },
        ];
        (0..)
            .zip(kinds)
            .map(|(seq, kind)| TraceEvent {
                seq,
                time_us: seq * 2,
                thread: 1,
                loc: Some(SourceLoc { file: "demos/x.rs".into(), line: 3 }),
                kind,
            })
            .collect()
    }

    /// A model that holds something of every kind: threads in several states, a lock held
    /// and waited for, a queue, a shared value whose update was lost, log lines.
    fn busy_model() -> Model {
        let mut events = start();
        let more = [
            (1, EventKind::ThreadCreated { tid: 2, name: "worker".into(), daemon: true, foreign: false }),
            (1, EventKind::ThreadStarted { tid: 2, daemon: true, os_tid: Some(7) }),
            (1, EventKind::PrimCreated { prim: 2, name: "queue".into(), info: PrimInfo::Queue { maxsize: 2 } }),
            (
                1,
                EventKind::PrimCreated {
                    prim: 3,
                    name: "counter".into(),
                    info: PrimInfo::Shared { initial: "0".into() },
                },
            ),
            (1, EventKind::Load { prim: 3, value: "0".into() }),
            (2, EventKind::Load { prim: 3, value: "0".into() }),
            (1, EventKind::Store { prim: 3, value: "1".into() }),
            (2, EventKind::Store { prim: 3, value: "1".into() }),
            (1, EventKind::Acquired { prim: 1, count: 1 }),
            (2, EventKind::Requested { prim: 1, mode: crate::event::WaitMode::Blocking }),
            (1, EventKind::Log { level: crate::event::LogLevel::Info, message: "read 0, stored 1".into() }),
            (1, EventKind::SleepBegin { duration_us: 500 }),
        ];
        events.extend(more.into_iter().enumerate().map(|(at, (thread, kind))| TraceEvent {
            seq: 3 + at as u64,
            time_us: 10 + at as u64 * 3,
            thread,
            loc: Some(SourceLoc { file: "demos/x.rs".into(), line: 4 + u32::try_from(at).expect("small") }),
            kind,
        }));
        let mut model = Model::new();
        for event in &events {
            model.apply(event);
        }
        model
    }

    #[test]
    fn a_kept_model_stored_and_read_back_is_the_same_model() {
        let mut model = busy_model();
        let kept = Kept::new(&mut model);
        let back = Kept::from_bytes(&kept.to_bytes().expect("it serializes")).expect("it reads back");
        assert_eq!(format!("{:?}", back.model()), format!("{model:?}"));
        assert!(Kept::from_bytes(b"not a model").is_none());
        // A length that claims more than a model can unpack to is not believed.
        assert!(unsqueeze(&[0xff, 0xff, 0xff, 0x7f, 0]).is_empty());
    }

    #[test]
    fn the_stored_layout_of_a_model_is_the_one_its_number_says() {
        // The checksum of a model's stored form (of the kinds of state the busy model holds):
        // when a change to the model's fields changes it, raise MODEL_FORMAT (recordings with
        // the old layout are then folded instead of read wrongly) and write the new checksum
        // here.
        let model = busy_model();
        let bytes = postcard::to_allocvec(&model).expect("it serializes");
        let layout = (MODEL_FORMAT, crc32fast::hash(&bytes));
        assert_eq!(layout, (1, 652_152_741), "the model's stored layout changed: raise MODEL_FORMAT");
    }

    #[test]
    fn summarised_stretches_keep_their_breakdowns() {
        let segments: VecDeque<Segment> = (0..50_u64)
            .map(|index| Segment {
                start_us: index * 1_000,
                state: LANE_STATES[usize::try_from(index % 10).expect("small")],
                busy: (index % 3 == 0).then(|| {
                    Box::new(Busy { time_us: std::array::from_fn(|at| index * 10 + at as u64), changes: index })
                }),
            })
            .collect();
        let mut timeline = Timeline::default();
        timeline.lanes.insert(2, Lane::from_parts(segments, 1_000));
        let packed = PackedTimeline::pack(&timeline);
        assert_eq!(format!("{:?}", packed.unpack()), format!("{timeline:?}"));
    }

    #[test]
    fn every_kind_and_state_has_its_own_code() {
        for (code, &kind) in MARK_KINDS.iter().enumerate() {
            assert_eq!(usize::from(mark_code(kind)), code, "{kind:?}");
        }
        for (code, &state) in LANE_STATES.iter().enumerate() {
            assert_eq!(usize::from(state_code(state)), code, "{state:?}");
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
        for event in start().into_iter().chain(busy) {
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
