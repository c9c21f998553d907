//! Lost updates on `Shared` values: which stores overwrote another thread's update they never
//! saw, and how many updates the value now on screen is missing.
//!
//! Every store continues the chain of the store whose value its thread read last (a store
//! with no load before it continues the value it overwrites). The value now held is the end
//! of one chain; every store not on that chain is lost. So the count is
//! `stores - length of the current value's chain`: for a counter of increments it is always
//! `expected - final`, at every moment, and it falls again when a thread stores a value built
//! on a longer chain than the one it overwrites.

use std::collections::BTreeMap;

use super::prims::PrimState;
use super::{LogLevel, Model};
use crate::event::{PrimId, Tid, TraceEvent};

/// How many overwrites the model keeps (older ones are only counted).
pub const LOST_UPDATES_KEPT: usize = 100;

/// A stored value that overwrote another thread's update it never saw: thread A loaded, then
/// thread B stored, then A stored a value computed from its stale load, and B's update is gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LostUpdate {
    /// Sequence number of the overwriting store.
    pub seq: u64,
    /// Demo time of the overwriting store, in microseconds.
    pub time_us: u64,
    /// The `Shared` value.
    pub prim: PrimId,
    /// The thread whose store overwrote the update (A).
    pub thread: Tid,
    /// The stale value A had loaded before B's store.
    pub read: String,
    /// What A stored.
    pub value: String,
    /// The thread whose update was lost (B): the last one to store before A.
    pub lost_thread: Tid,
    /// The value B had stored, now overwritten.
    pub lost_value: String,
}

/// The loads and stores of every `Shared` value seen, by primitive.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ledger {
    values: BTreeMap<PrimId, Track>,
}

#[derive(Debug, Clone, Default)]
struct Track {
    /// Stores so far.
    stores: u64,
    /// Length of the chain of stores that the current value ends.
    chain: u64,
    /// Each thread's latest load not yet followed by its own store, in load order.
    loads: Vec<Load>,
}

#[derive(Debug, Clone)]
struct Load {
    thread: Tid,
    /// The store count when it loaded: a store since then makes the load stale.
    stores: u64,
    /// The chain length of the value it read.
    chain: u64,
    value: String,
}

impl Ledger {
    /// Thread `thread` loaded `value` from `prim`. Its latest load counts: a store is based on
    /// the value read just before it.
    fn loaded(&mut self, prim: PrimId, thread: Tid, value: &str) {
        let track = self.values.entry(prim).or_default();
        let load = Load { thread, stores: track.stores, chain: track.chain, value: value.to_owned() };
        match track.loads.iter_mut().find(|load| load.thread == thread) {
            Some(old) => *old = load,
            None => track.loads.push(load),
        }
    }

    /// Thread `thread` stores to `prim`: returns the value it had loaded if another thread
    /// stored in between (its store is based on a stale load).
    fn stored(&mut self, prim: PrimId, thread: Tid) -> Option<String> {
        let track = self.values.entry(prim).or_default();
        let load = track.loads.iter().position(|load| load.thread == thread).map(|index| track.loads.remove(index));
        track.chain = load.as_ref().map_or(track.chain, |load| load.chain) + 1;
        let stale = load.filter(|load| load.stores != track.stores).map(|load| load.value);
        track.stores += 1;
        stale
    }

    /// Updates missing from `prim`'s current value.
    pub(crate) fn lost(&self, prim: PrimId) -> u64 {
        self.values.get(&prim).map_or(0, |track| track.stores - track.chain)
    }

    /// Every `Shared` value with updates missing, and how many.
    pub(super) fn all_lost(&self) -> impl Iterator<Item = (PrimId, u64)> + '_ {
        self.values.iter().map(|(&prim, track)| (prim, track.stores - track.chain)).filter(|&(_, lost)| lost > 0)
    }
}

impl Model {
    /// Notes a load of a `Shared` value.
    pub(super) fn note_load(&mut self, event: &TraceEvent, prim: PrimId, value: &str) {
        self.shared.loaded(prim, event.thread, value);
    }

    /// Notes a store to a `Shared` value and names an overwrite; called before the store is
    /// folded, while the model still shows the value it overwrites.
    pub(super) fn note_store(&mut self, event: &TraceEvent, prim: PrimId, value: &str) {
        let Some(read) = self.shared.stored(prim, event.thread) else { return };
        let Some(PrimState::Shared { value: current, writer: Some(writer) }) =
            self.prims.get(&prim).map(|view| &view.state)
        else {
            return;
        };
        if *writer == event.thread {
            return;
        }
        let lost = LostUpdate {
            seq: event.seq,
            time_us: event.time_us,
            prim,
            thread: event.thread,
            read,
            value: value.to_owned(),
            lost_thread: *writer,
            lost_value: current.clone(),
        };
        let message = self.lost_update_story(&lost);
        self.push_log(event, LogLevel::Warn, message);
        if self.lost_updates.len() == LOST_UPDATES_KEPT {
            self.lost_updates.pop_front();
        }
        self.lost_updates.push_back(lost);
    }

    /// Updates missing from the `Shared` value `prim` as it is now: stores that are not part
    /// of the chain of stores its current value ends (`expected - final` for a counter).
    #[must_use]
    pub fn lost_updates_on(&self, prim: PrimId) -> u64 {
        self.shared.lost(prim)
    }
}

#[cfg(test)]
mod tests;
