//! Exact rewind: models kept at regular positions of a recording, so the state after any
//! number of events is the nearest kept model plus a few folds, never a fold from the start.

use std::sync::Arc;

use crate::TraceEvent;
use crate::model::Model;

/// Events between two kept models (recordings of more than
/// `SNAPSHOT_EVERY * MAX_SNAPSHOTS` events space them further apart).
pub const SNAPSHOT_EVERY: usize = 1_000;
/// At most this many models are kept, which bounds the memory of long recordings.
const MAX_SNAPSHOTS: usize = 256;

/// A recording's events with the model after every `every`-th of them.
///
/// The model after `n` events is a kept model plus fewer than [`Snapshots::every`] folds of
/// [`Model::apply`], which is deterministic: it equals the model a live run showed after the
/// same `n` events.
#[derive(Debug, Clone)]
pub struct Snapshots {
    events: Arc<[TraceEvent]>,
    every: usize,
    /// `models[i]` is the state after the first `i * every` events.
    models: Vec<Model>,
}

impl Snapshots {
    /// Folds every event once, keeping a model every [`SNAPSHOT_EVERY`] events.
    #[must_use]
    pub fn new(events: Arc<[TraceEvent]>) -> Self {
        let every = SNAPSHOT_EVERY.max(events.len().div_ceil(MAX_SNAPSHOTS));
        let mut model = Model::new();
        let mut models = vec![model.clone()];
        for (index, event) in events.iter().enumerate() {
            model.apply(event);
            if (index + 1) % every == 0 {
                models.push(model.clone());
            }
        }
        Self { events, every, models }
    }

    /// The events.
    #[must_use]
    pub fn events(&self) -> &Arc<[TraceEvent]> {
        &self.events
    }

    /// Events between two kept models: the most folds one [`Snapshots::model_at`] costs.
    #[must_use]
    pub fn every(&self) -> usize {
        self.every
    }

    /// The state after the first `position` events (all of them if `position` is larger).
    #[must_use]
    pub fn model_at(&self, position: usize) -> Model {
        let position = position.min(self.events.len());
        let index = (position / self.every).min(self.models.len().saturating_sub(1));
        let mut model = self.models.get(index).cloned().unwrap_or_default();
        for event in self.events.get(index * self.every..position).unwrap_or_default() {
            model.apply(event);
        }
        model
    }
}
