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
//!
//! This module decides where models are kept (how far apart, how many) and indexes a file;
//! `kept.rs` stores one kept model small, `seek.rs` finds the state and the events at any
//! position from the kept models.

mod kept;
mod seek;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use self::kept::Kept;
pub use self::seek::Cursor;
use super::binary::{self, Next};
use super::read::{self, Opened};
use super::{Header, ReadError};
use crate::TraceEvent;
use crate::event::{EventKind, Tid};
use crate::model::Model;

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
}
