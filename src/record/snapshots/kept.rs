//! How a kept model is stored: its timeline, most of a busy program's model, packed small and
//! unpacked when the model is wanted again, and what it all costs in memory. Where models are
//! kept is [`super`]'s business; finding the events after one, `seek.rs`'s.

use std::collections::VecDeque;
use std::mem::size_of;

use super::FramePlace;
use crate::event::Tid;
use crate::model::{
    Busy, KnownPrim, KnownThread, Lane, LaneState, LogLine, LostUpdate, Mark, MarkKind, Model, Segment, Timeline,
};

/// A model kept, with the place of the next event.
#[derive(Debug, Clone)]
pub(super) struct Kept {
    /// The model, its timeline left empty...
    pub(super) model: Model,
    /// ... and kept here, packed.
    timeline: PackedTimeline,
    /// Where the event after it is.
    pub(super) next: FramePlace,
    /// About how much memory it holds.
    pub(super) bytes: usize,
}

impl Kept {
    /// Keeps `model`, whose next event is at `next`.
    pub(super) fn new(model: &mut Model, next: FramePlace) -> Self {
        let timeline = std::mem::take(&mut model.timeline);
        let packed = PackedTimeline::pack(&timeline);
        let kept = model.clone();
        model.timeline = timeline;
        let bytes = approximate_bytes(&kept) + packed.bytes();
        Self { model: kept, timeline: packed, next, bytes }
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
