//! Where models are kept along a recording (how far apart, how many) and the fold that keeps
//! them: once, as the file is read whole, or in the background for a recording opened from its
//! footer, while the replay already shows it. The kept models are shared under one lock, so a
//! seek takes the nearest kept so far; the background fold stops when the replay is gone.

use std::collections::BTreeMap;
use std::sync::{Arc, Weak};

use parking_lot::{Condvar, Mutex};

use super::kept::Kept;
use super::stored::StoredModels;
use super::{Snapshots, Source};
use crate::TraceEvent;
use crate::event::{EventKind, Tid};
use crate::model::Model;

/// At most this many models are kept: a seek into 16 million events folds at most 16,000.
const MAX_SNAPSHOTS: usize = 1_024;
/// About this much memory goes to kept models: a busy program's model holds its timeline's
/// marks and lanes, a few tens of kilobytes packed and compressed. A third of what a replay
/// of the biggest recordings may take in all (100 MB).
const KEPT_BYTES: usize = 32 << 20;

/// The models kept along a recording, shared by the replay and the fold that keeps them.
#[derive(Debug)]
pub(super) struct KeptModels {
    state: Mutex<State>,
    /// Told when the fold is over.
    done: Condvar,
    /// The models the recording's file stores, when it does: then nothing is kept here.
    stored: Option<StoredModels>,
}

#[derive(Debug)]
struct State {
    /// `kept[i]` is the state after the first `i * every` events.
    kept: Vec<Kept>,
    every: usize,
    bytes: usize,
    /// Whether every model that will be kept is.
    done: bool,
}

impl State {
    /// Keeps `model`, the state after `kept.len() * every` events, thinning the kept models
    /// when they grow past their bounds.
    fn keep(&mut self, model: &mut Model) {
        let kept = Kept::new(model);
        self.bytes += kept.bytes;
        self.kept.push(kept);
        while self.kept.len() > 1 && (self.kept.len() > MAX_SNAPSHOTS || self.bytes > KEPT_BYTES) {
            // Every other model, twice as far apart.
            let kept = std::mem::take(&mut self.kept);
            self.kept = kept.into_iter().step_by(2).collect();
            self.bytes = self.kept.iter().map(|kept| kept.bytes).sum();
            self.every *= 2;
        }
    }
}

impl KeptModels {
    /// Models to keep along a recording of about `expected` events (spaced so that at most
    /// [`MAX_SNAPSHOTS`] are kept, if the estimate is right), the empty model at its start.
    pub(super) fn starting(expected: usize) -> Self {
        Self::spaced(super::SNAPSHOT_EVERY.max(expected.div_ceil(MAX_SNAPSHOTS)))
    }

    /// Models kept every `every` events (or further apart, should there be too many).
    fn spaced(every: usize) -> Self {
        Self::holding(every, None)
    }

    /// The models a recording's file stores: all there is to keep, from the start.
    pub(super) fn stored(stored: StoredModels) -> Self {
        Self::holding(stored.every(), Some(stored))
    }

    /// The empty model at the start, the others every `every` events: to be kept, or, when
    /// the file stores them, read from there.
    fn holding(every: usize, stored: Option<StoredModels>) -> Self {
        let kept = Kept::new(&mut Model::new());
        let state = State { bytes: kept.bytes, kept: vec![kept], every: every.max(1), done: stored.is_some() };
        Self { state: Mutex::new(state), done: Condvar::new(), stored }
    }

    /// The kept model nearest before `position` and the position it is at.
    pub(super) fn nearest(&self, position: usize) -> (Model, usize) {
        if let Some(stored) = &self.stored {
            return stored.nearest(position);
        }
        let kept = {
            let state = self.state.lock();
            let index = (position / state.every).min(state.kept.len().saturating_sub(1));
            state.kept.get(index).cloned().map(|kept| (kept, index * state.every))
        };
        kept.map_or_else(|| (Model::new(), 0), |(kept, at)| (kept.model(), at))
    }

    /// Keeps `model`, the state after `position` events, if it is the next one to keep (a
    /// seek that folds past the models kept so far offers those it goes by); returns whether
    /// it was kept.
    pub(super) fn offer(&self, position: usize, model: &mut Model) -> bool {
        let mut state = self.state.lock();
        let next = state.kept.len().saturating_mul(state.every);
        if state.done || position != next {
            return false;
        }
        state.keep(model);
        true
    }

    /// The last model kept and the position it is at, if it is past `position`: someone
    /// (a seek) kept models ahead of the fold that was at `position`.
    fn ahead_of(&self, position: usize) -> Option<(Kept, usize)> {
        let state = self.state.lock();
        let last = state.kept.len().checked_sub(1)?;
        let at = last.saturating_mul(state.every);
        (at > position).then(|| (state.kept[last].clone(), at))
    }

    /// Events between two kept models.
    pub(super) fn every(&self) -> usize {
        self.state.lock().every
    }

    /// How many models are kept so far (or stored in the file).
    pub(super) fn count(&self) -> usize {
        self.stored.as_ref().map_or_else(|| self.state.lock().kept.len(), StoredModels::count)
    }

    /// About how much memory they hold.
    pub(super) fn bytes(&self) -> usize {
        self.state.lock().bytes
    }

    /// Whether every model that will be kept is.
    pub(super) fn done(&self) -> bool {
        self.state.lock().done
    }

    /// Waits until every model that will be kept is.
    pub(super) fn wait_done(&self) {
        let mut state = self.state.lock();
        while !state.done {
            self.done.wait(&mut state);
        }
    }

    fn finish(&self) {
        self.state.lock().done = true;
        self.done.notify_all();
    }
}

/// Folds a recording's events once, keeping models along the way, and notes what a replay
/// needs to know of them all (names, sources, times).
pub(super) struct Keeper {
    model: Model,
    folded: usize,
    kept: Arc<KeptModels>,
    /// The kept models' spacing: only this fold changes it.
    every: usize,
    first_seq: Option<u64>,
    end_us: u64,
    names: BTreeMap<Tid, String>,
    sources: BTreeMap<String, Arc<str>>,
}

impl Keeper {
    /// Starts folding a recording of about `expected` events.
    pub(super) fn new(expected: usize) -> Self {
        Self::keeping(Arc::new(KeptModels::starting(expected)))
    }

    /// Starts folding a recording, keeping a model every `every` events (or further apart,
    /// should there be more than [`MAX_SNAPSHOTS`] of them).
    pub(super) fn spaced(every: usize) -> Self {
        Self::keeping(Arc::new(KeptModels::spaced(every)))
    }

    fn keeping(kept: Arc<KeptModels>) -> Self {
        Self {
            model: Model::new(),
            folded: 0,
            every: kept.every(),
            kept,
            first_seq: None,
            end_us: 0,
            names: BTreeMap::new(),
            sources: BTreeMap::new(),
        }
    }

    /// Events folded so far.
    pub(super) fn folded(&self) -> usize {
        self.folded
    }

    /// Folds `event`, keeping the model after it when it falls on a kept position.
    pub(super) fn fold(&mut self, event: &TraceEvent) {
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
            let mut state = self.kept.state.lock();
            state.keep(&mut self.model);
            self.every = state.every;
        }
    }

    /// The models kept and the events between two of them: what a recording stores.
    pub(super) fn into_kept(self) -> (usize, Vec<Kept>) {
        let mut state = self.kept.state.lock();
        (state.every, std::mem::take(&mut state.kept))
    }

    /// The recording folded, its events at `source`.
    pub(super) fn finish(self, source: Source) -> Snapshots {
        self.kept.finish();
        Snapshots {
            source,
            len: self.folded,
            kept: self.kept,
            first_seq: self.first_seq,
            end_us: self.end_us,
            names: self.names,
            sources: self.sources,
        }
    }
}

/// Keeps the models of `snapshots`, opened without them, on a thread of its own that folds the
/// recording from its start, going on from the last model kept when a seek has kept models
/// ahead of it; it stops early once nobody holds the snapshots any more.
pub(super) fn keep_in_background(snapshots: &Snapshots) {
    let kept: Weak<KeptModels> = Arc::downgrade(&snapshots.kept);
    let (source, len) = (snapshots.source.clone(), snapshots.len);
    let started = std::thread::Builder::new().name("threadviz-keeper".into()).spawn(move || {
        let mut model = Model::new();
        let mut cursor = source.cursor(0, len);
        let Some(mut every) = kept.upgrade().map(|kept| kept.every()) else { return };
        while let Some(event) = cursor.next() {
            model.apply(&event);
            let folded = cursor.position();
            if !folded.is_multiple_of(every) {
                continue;
            }
            let Some(kept) = kept.upgrade() else { return };
            kept.offer(folded, &mut model);
            if let Some((ahead, at)) = kept.ahead_of(folded) {
                model = ahead.model();
                cursor = source.cursor(at, len);
            }
            every = kept.every();
        }
        if let Some(kept) = kept.upgrade() {
            kept.finish();
        }
    });
    if started.is_err() {
        // No thread to keep them: a seek folds from the last one kept, slower but exact.
        snapshots.kept.finish();
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
        let events = events(2_100_000);
        let mut keeper = Keeper::new(1_000);
        for event in &events {
            keeper.fold(event);
        }
        let snapshots = keeper.finish(Source::Memory(events.clone().into()));
        assert_eq!(snapshots.every(), 4 * super::super::SNAPSHOT_EVERY, "thinned twice");
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
