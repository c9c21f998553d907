//! Lost updates on `Shared` values: how many updates each store lost or brought back, how many
//! the value now on screen is missing, and which reads not yet stored are really at risk.
//!
//! Every store continues the chain of stores whose value its thread read last (a store with no
//! load before it continues the value it overwrites), so it ends a chain one longer than what
//! it read. The model never learns what the values mean (a counter, a list, a name): chain
//! lengths stand in for them, and for a counter of increments they are its values.
//!
//! A store whose thread read the value at chain length `r` and overwrites the value at chain
//! length `c` moves the value from `c` to `r + 1`: one update more, less the `c - r` it threw
//! away. So it **loses** `c - r` updates when `c > r` (stores it never saw are gone), none when
//! `c = r` (it built on the value it overwrites, even if that value was itself a stale store's),
//! and **brings back** `r - c` when `c < r` (it read before a stale store pulled the value
//! down). Over a run the counts add up to `stores - length of the current value's chain`,
//! which for a counter of increments is `expected - final`, after every store. Each store
//! with a count says it in the log with that count; the total is their sum.

use std::collections::{BTreeMap, BTreeSet};

use super::prims::PrimState;
use super::{LogLevel, Model};
use crate::event::{PrimId, Tid, TraceEvent};

/// How many counted stores the model keeps (older ones are only counted).
pub const LOST_UPDATES_KEPT: usize = 100;

/// A store that changed how many updates its `Shared` value is missing: thread A read a value,
/// other threads stored since, and A stored a value computed from what it read over theirs.
/// It lost updates when the value it overwrote held more of them than A had read, and brought
/// some back when it held fewer (a stale store had pulled the value down after A's read).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LostUpdate {
    /// Sequence number of the store.
    pub seq: u64,
    /// Demo time of the store, in microseconds.
    pub time_us: u64,
    /// The `Shared` value.
    pub prim: PrimId,
    /// The thread that stored (A).
    pub thread: Tid,
    /// The value A had read, another thread's store ago or more.
    pub read: String,
    /// What A stored.
    pub value: String,
    /// The thread whose store A overwrote: the last one to store before A.
    pub overwritten_thread: Tid,
    /// The value that thread had stored, now overwritten.
    pub overwritten_value: String,
    /// Updates this store lost: the overwritten value's chain length less the one A read
    /// (`c - r`); negative when it brought `r - c` back. Never 0: such a store is not listed.
    pub updates_lost: i64,
}

impl LostUpdate {
    /// Whether the store lost updates (rather than bringing some back).
    #[must_use]
    pub fn loses(&self) -> bool {
        self.updates_lost > 0
    }
}

/// The loads and stores of every `Shared` value seen, by primitive.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Ledger {
    values: BTreeMap<PrimId, Track>,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Track {
    /// Stores so far.
    stores: u64,
    /// Length of the chain of stores that the current value ends.
    chain: u64,
    /// Updates the current value is missing: the sum of every store's count, which is
    /// `stores - chain`.
    missing: u64,
    /// Who stored the current value, and what (none before the first store).
    last: Option<(Tid, String)>,
    /// The locks held by every store so far (none known before the first store).
    guards: Option<BTreeSet<PrimId>>,
    /// Each thread's latest load not yet followed by its own store, in load order.
    loads: Vec<Load>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Load {
    thread: Tid,
    /// The chain length of the value it read.
    chain: u64,
    value: String,
    cover: Cover,
}

/// Whether another thread may store between a load and its reader's store.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum Cover {
    /// The reader held no lock that every store to the value holds: anybody may store first.
    Open,
    /// The reader holds these locks, and every store to the value so far (and since the read)
    /// was made holding one: nobody else can store while the reader keeps one.
    Locked(BTreeSet<PrimId>),
    /// The reader let go of the last of those locks without storing: the critical section that
    /// read the value is over. (A later store built on it still counts what it loses.)
    Closed,
}

/// What a store did to the count of missing updates, when it did something.
struct Counted {
    read: String,
    overwritten_thread: Tid,
    overwritten_value: String,
    updates_lost: i64,
}

impl Ledger {
    /// Thread `thread`, holding the locks `held`, loaded `value` from `prim`. Its latest load
    /// counts: a store is based on the value read just before it.
    fn loaded(&mut self, prim: PrimId, thread: Tid, value: &str, held: &BTreeSet<PrimId>) {
        let track = self.values.entry(prim).or_default();
        let guarding: BTreeSet<PrimId> = match &track.guards {
            Some(guards) => held.intersection(guards).copied().collect(),
            None => held.clone(),
        };
        let cover = if guarding.is_empty() { Cover::Open } else { Cover::Locked(guarding) };
        let load = Load { thread, chain: track.chain, value: value.to_owned(), cover };
        track.loads.retain(|load| load.thread != thread);
        track.loads.push(load);
    }

    /// Thread `thread`, holding the locks `held`, stores `value` to `prim`: what it lost or
    /// brought back, if anything (see the module's arithmetic).
    fn stored(&mut self, prim: PrimId, thread: Tid, value: &str, held: &BTreeSet<PrimId>) -> Option<Counted> {
        let track = self.values.entry(prim).or_default();
        let load = track.loads.iter().position(|load| load.thread == thread).map(|index| track.loads.remove(index));
        let overwritten_chain = track.chain;
        let (read_chain, read) = load.map_or((overwritten_chain, None), |load| (load.chain, Some(load.value)));
        let updates_lost = overwritten_chain.cast_signed() - read_chain.cast_signed();
        track.stores += 1;
        track.chain = read_chain + 1;
        track.missing = track.missing.saturating_add_signed(updates_lost);
        let overwritten = track.last.replace((thread, value.to_owned()));
        track.guard_store(held);
        // Only a store with a count is told. One with no load before it builds on the value it
        // overwrites; one that changes the count read a value some store made, so it overwrites one.
        let ((overwritten_thread, overwritten_value), read) = overwritten.zip(read).filter(|_| updates_lost != 0)?;
        Some(Counted { read, overwritten_thread, overwritten_value, updates_lost })
    }

    /// Thread `thread`, holding the locks `held`, read `prim` and wrote `value` in one
    /// indivisible step (an atomic read-modify-write): it builds on the very value it
    /// overwrites, so it loses nothing and brings nothing back, and the value's chain grows by
    /// one. To every read not yet stored, its own earlier load included, it is a store that
    /// came in between: the reader's store will overwrite it.
    fn updated(&mut self, prim: PrimId, thread: Tid, value: &str, held: &BTreeSet<PrimId>) {
        let track = self.values.entry(prim).or_default();
        track.stores += 1;
        track.chain += 1;
        track.last = Some((thread, value.to_owned()));
        track.guard_store(held);
    }

    /// Lock `lock` was let go of entirely: a read under it is over when it was its last cover.
    fn released(&mut self, lock: PrimId) {
        for load in self.values.values_mut().flat_map(|track| &mut track.loads) {
            if let Cover::Locked(locks) = &mut load.cover
                && locks.remove(&lock)
                && locks.is_empty()
            {
                load.cover = Cover::Closed;
            }
        }
    }

    /// Whether `thread`'s latest read of `prim` may be overtaken: another thread can store
    /// before the reader does. A read the ledger never saw is taken to be.
    fn exposed(&self, prim: PrimId, thread: Tid) -> bool {
        self.values
            .get(&prim)
            .and_then(|track| track.loads.iter().find(|load| load.thread == thread))
            .is_none_or(|load| load.cover == Cover::Open)
    }

    /// Updates missing from `prim`'s current value.
    pub(crate) fn lost(&self, prim: PrimId) -> u64 {
        self.values.get(&prim).map_or(0, |track| track.missing)
    }

    /// Every `Shared` value with updates missing, and how many.
    pub(super) fn all_lost(&self) -> impl Iterator<Item = (PrimId, u64)> + '_ {
        self.values.iter().map(|(&prim, track)| (prim, track.missing)).filter(|&(_, lost)| lost > 0)
    }
}

impl Track {
    /// A store (or read-modify-write) made holding `held`: the locks every store holds shrink
    /// to those, and a read it overtook is covered only by the locks this store held too (none,
    /// when the reader still holds them: they exclude).
    fn guard_store(&mut self, held: &BTreeSet<PrimId>) {
        let guards = match self.guards.take() {
            Some(guards) => guards.intersection(held).copied().collect(),
            None => held.clone(),
        };
        self.guards = Some(guards);
        for load in &mut self.loads {
            if let Cover::Locked(locks) = &mut load.cover {
                locks.retain(|lock| held.contains(lock));
                if locks.is_empty() {
                    load.cover = Cover::Open;
                }
            }
        }
    }
}

impl Model {
    /// The locks thread `tid` holds that let one thread in at a time (a `Lock`, an `RLock`, a
    /// `Condition`'s lock): what can keep other threads from storing between its load and store.
    fn exclusive_locks(&self, tid: Tid) -> BTreeSet<PrimId> {
        let Some(thread) = self.threads.get(&tid) else { return BTreeSet::new() };
        thread
            .holds
            .iter()
            .copied()
            .filter(|pid| {
                self.prims
                    .get(pid)
                    .is_some_and(|prim| matches!(prim.state, PrimState::Lock { .. } | PrimState::RLock { .. }))
            })
            .collect()
    }

    /// Notes a load of a `Shared` value.
    pub(super) fn note_load(&mut self, event: &TraceEvent, prim: PrimId, value: &str) {
        let held = self.exclusive_locks(event.thread);
        self.shared.loaded(prim, event.thread, value, &held);
    }

    /// Notes a store to a `Shared` value and, when it lost or brought back updates, says so in
    /// the log with the count; called before the store is folded.
    pub(super) fn note_store(&mut self, event: &TraceEvent, prim: PrimId, value: &str) {
        let held = self.exclusive_locks(event.thread);
        let Some(counted) = self.shared.stored(prim, event.thread, value, &held) else { return };
        let lost = LostUpdate {
            seq: event.seq,
            time_us: event.time_us,
            prim,
            thread: event.thread,
            read: counted.read,
            value: value.to_owned(),
            overwritten_thread: counted.overwritten_thread,
            overwritten_value: counted.overwritten_value,
            updates_lost: counted.updates_lost,
        };
        let message = self.lost_update_story(&lost);
        self.push_log(event, LogLevel::Warn, message);
        if self.lost_updates.len() == LOST_UPDATES_KEPT {
            self.lost_updates.pop_front();
        }
        self.lost_updates.push_back(lost);
    }

    /// Notes an atomic read-modify-write of a shared value: never a lost update.
    pub(super) fn note_update(&mut self, event: &TraceEvent, prim: PrimId, value: &str) {
        let held = self.exclusive_locks(event.thread);
        self.shared.updated(prim, event.thread, value, &held);
    }

    /// Notes that lock `prim` was let go of entirely (a release to level 0, a wait's release).
    pub(super) fn note_release(&mut self, prim: PrimId) {
        self.shared.released(prim);
    }

    /// Updates missing from the `Shared` value `prim` as it is now: the sum of what each store
    /// lost less what each brought back (`expected - final` for a counter).
    #[must_use]
    pub fn lost_updates_on(&self, prim: PrimId) -> u64 {
        self.shared.lost(prim)
    }

    /// The store with sequence number `seq`, if it lost or brought back updates and is the
    /// latest such store (what the store just folded did, for the log, plain mode and explore).
    #[must_use]
    pub fn lost_update_at(&self, seq: u64) -> Option<&LostUpdate> {
        self.lost_updates.back().filter(|lost| lost.seq == seq)
    }

    /// Whether `thread`'s read of `prim` not yet stored may be overtaken by another thread's
    /// store: not when it was read holding a lock every store to the value holds (and it still
    /// holds it, or let go of it and so finished with the read).
    #[must_use]
    pub fn read_exposed(&self, prim: PrimId, thread: Tid) -> bool {
        self.shared.exposed(prim, thread)
    }
}

#[cfg(test)]
mod tests;
