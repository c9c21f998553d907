//! Kept models a recording carries: folded and kept by the writer as it writes each event, laid
//! out before the footer when the recording finishes, and read back one at a time when a seek
//! needs one, so that a replay seeks anywhere at once from the moment it opens instead of
//! folding the file first.
//!
//! Folding costs the writer less than encoding does (a model folds some 15 million events a
//! second), and keeping a model (packing its timeline, up to a millisecond) is paid once every
//! [`STORED_EVERY`] events, not every [`SNAPSHOT_EVERY`](super::SNAPSHOT_EVERY) as a replay
//! that keeps its own models does: a seek then folds at most that many events, a millisecond
//! or two. The kept models stay within the bounds a replay keeps them in (`keeper.rs`), a
//! thousand or so of them, a few tens of megabytes for the busiest program.

use std::fs::File;
use std::path::PathBuf;

use super::keeper::Keeper;
use super::kept::{Kept, MODEL_FORMAT};
use crate::TraceEvent;
use crate::model::Model;
use crate::record::binary::{ModelTable, StoredModel, read_record};

/// The fewest events between two models a recording stores.
const STORED_EVERY: usize = 16_384;

/// The models kept along a recording as it is written.
pub(in crate::record) struct ModelsWritten {
    keeper: Keeper,
}

impl ModelsWritten {
    pub(in crate::record) fn new() -> Self {
        Self { keeper: Keeper::spaced(STORED_EVERY) }
    }

    /// Folds `event`, the next one written.
    pub(in crate::record) fn fold(&mut self, event: &TraceEvent) {
        self.keeper.fold(event);
    }

    /// The models kept, each with the events folded into it, as the bytes a recording stores
    /// (the empty model at the start is not stored: every reader has it); and the spacing.
    pub(in crate::record) fn finish(self) -> (u64, Vec<(u64, Vec<u8>)>) {
        let (every, kept) = self.keeper.into_kept();
        let stored = kept
            .iter()
            .enumerate()
            .skip(1)
            .filter_map(|(index, kept)| Some(((index * every) as u64, kept.to_bytes()?)))
            .collect();
        (every as u64, stored)
    }
}

/// The models a recording's file stores, read when a seek needs one.
#[derive(Debug)]
pub(super) struct StoredModels {
    path: PathBuf,
    every: usize,
    models: Vec<StoredModel>,
}

impl StoredModels {
    /// The models `table` lists in the file at `path`, if they have the layout this threadviz
    /// reads.
    pub(super) fn new(path: PathBuf, table: ModelTable) -> Option<Self> {
        let every = usize::try_from(table.every).ok().filter(|&every| every > 0)?;
        (table.format == MODEL_FORMAT && !table.models.is_empty()).then_some(Self { path, every, models: table.models })
    }

    /// Events between two models stored.
    pub(super) fn every(&self) -> usize {
        self.every
    }

    /// How many models are stored, the one at the start counted.
    pub(super) fn count(&self) -> usize {
        self.models.len() + 1
    }

    /// The stored model nearest before `position` that reads back whole, and its position;
    /// the empty model at the start when none does (a damaged one is passed over, so a seek
    /// is exact whatever the file holds, only slower).
    pub(super) fn nearest(&self, position: usize) -> (Model, usize) {
        let before = self.models.partition_point(|model| model.position <= position as u64);
        let file = File::open(&self.path).ok();
        for model in self.models[..before].iter().rev() {
            let kept = file.as_ref().and_then(|file| read_record(file, model.offset, model.length));
            if let (Some(kept), Ok(at)) = (kept.as_deref().and_then(Kept::from_bytes), usize::try_from(model.position))
            {
                return (kept.model(), at);
            }
        }
        (Model::new(), 0)
    }
}
