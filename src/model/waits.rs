//! The wait-for relation, computed from the model's state: what each blocked or waiting thread
//! waits for, who could end the wait, and what a thread needs to go on. Pure: no clock, no I/O.
//!
//! A thread blocked on a lock needs the lock's holder to go on, a thread at shutdown needs
//! every non-daemon thread to end, and a thread waiting for a notify, a flag, a barrier, a
//! queue or a semaphore permit needs any thread at all, since any thread could notify, set,
//! put or release. Some waits are over before their thread reports it (an event set, a barrier
//! passed), and a queue wait does not say what it waits for: the [`Tracker`] remembers both
//! between events.

use std::collections::{BTreeMap, BTreeSet};

use super::Model;
use super::prims::{KnownPrim, PrimState};
use super::threads::{KnownThread, ThreadState, WaitTarget};
use crate::event::{EventKind, PrimId, Tid, TraceEvent};

/// What a blocked or waiting thread waits for, and who could end the wait.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WaitEdge {
    /// The waiting thread.
    pub thread: Tid,
    /// What it waits for: a primitive (a lock or semaphore it wants, or a condition, event,
    /// barrier or queue it waits on), a thread to end, or shutdown.
    pub on: WaitTarget,
    /// The threads that could end the wait by releasing or ending, in number order: a Lock's
    /// holder, an RLock's owner (unless it is the waiter re-entering), a semaphore's permit
    /// holders, the joined thread, the non-daemon threads at shutdown. Empty when anyone could
    /// end it (a notify, a set, a put) or nobody holds what it wants.
    pub holders: Vec<Tid>,
    /// Demo time at which the wait gives up, if it has a timeout.
    pub until_us: Option<u64>,
}

/// What the analysis remembers between events beyond the model's own state. Ordered
/// collections keep two models folded from the same events alike, down to their `Debug` text.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Tracker {
    /// Threads whose wait another thread's action has already ended (an event set, a barrier
    /// passed or broken) but which have not reported it yet: not stuck.
    woken: BTreeSet<Tid>,
    /// For each thread that began waiting on a queue, what it can be waiting for.
    queue_waits: BTreeMap<Tid, QueueWait>,
}

/// A queue wait does not say whether it is a `get`, a `put` or a `join`; the queue's state when
/// it began tells which are possible.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
struct QueueWait {
    /// The queue was empty: it may be a `get`.
    may_get: bool,
    /// The queue was full: it may be a `put`.
    may_put: bool,
}

impl Tracker {
    /// Notes what an event tells about waits ending or beginning; called after the model has
    /// folded it.
    pub(crate) fn note(&mut self, event: &TraceEvent, prims: &BTreeMap<PrimId, KnownPrim>) {
        let tid = event.thread;
        if !self.woken.is_empty() {
            // Any event of a woken thread reports its wait over.
            self.woken.remove(&tid);
        }
        match &event.kind {
            EventKind::Set { prim }
            | EventKind::BarrierPass { prim, .. }
            | EventKind::BarrierBroken { prim }
            | EventKind::BarrierReset { prim } => {
                if let Some(view) = prims.get(prim) {
                    self.woken.extend(view.waiters.iter().copied());
                }
            }
            EventKind::WaitBegin { prim, .. } => {
                if let Some(PrimState::Queue { maxsize, qsize, .. }) = prims.get(prim).map(|view| &view.state) {
                    let wait = QueueWait { may_get: *qsize == 0, may_put: *maxsize > 0 && qsize >= maxsize };
                    self.queue_waits.insert(tid, wait);
                }
            }
            EventKind::ThreadExited { tid: ended, .. } => {
                self.woken.remove(ended);
                self.queue_waits.remove(ended);
            }
            _ => {}
        }
    }

    fn is_woken(&self, tid: Tid) -> bool {
        self.woken.contains(&tid)
    }
}

/// What a thread needs to go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Need {
    /// Nothing: it runs, sleeps, has a timeout, or its wait is already over.
    Free,
    /// This thread to go on: it holds the lock wanted, or is the thread joined.
    Thread(Tid),
    /// All of these threads to end (shutdown waits for every non-daemon thread).
    All(Vec<Tid>),
    /// Any thread at all: a notify, a set, a put or a release can come from anyone.
    Anyone,
}

fn is_live(model: &Model, tid: Tid) -> bool {
    model.threads.get(&tid).is_some_and(|thread| thread.state.is_live())
}

/// The non-daemon threads shutdown waits for, but `tid`.
fn shutdown_waits_for(model: &Model, tid: Tid) -> Vec<Tid> {
    model
        .threads
        .values()
        .filter(|thread| thread.tid != tid && !thread.daemon && thread.state.is_live())
        .map(|thread| thread.tid)
        .collect()
}

pub(super) fn need(model: &Model, thread: &KnownThread) -> Need {
    match &thread.state {
        ThreadState::Blocked { prim, until_us: None } => blocked_need(model, thread.tid, *prim),
        ThreadState::Waiting { on, until_us: None } => waiting_need(model, thread.tid, on),
        _ => Need::Free,
    }
}

/// What a thread blocked in an acquire of `prim` needs.
fn blocked_need(model: &Model, tid: Tid, prim: PrimId) -> Need {
    match model.prims.get(&prim).map(|view| &view.state) {
        Some(PrimState::Lock { holder: Some(holder) }) => holder_need(model, tid, *holder, prim),
        // The owner acquiring again succeeds at once: the re-entrant case.
        Some(PrimState::RLock { owner: Some(owner), .. }) if *owner != tid => holder_need(model, tid, *owner, prim),
        // Any thread may release a permit, not only one that holds one.
        Some(PrimState::Semaphore { value: 0, .. }) => Need::Anyone,
        Some(PrimState::RwLock { writer: Some(writer), .. }) => holder_need(model, tid, *writer, prim),
        Some(PrimState::RwLock { .. }) => {
            // Readers block a writer, and a writer waiting blocks new readers: it goes on
            // once every one of them has.
            let blockers = model.prims.get(&prim).map(|view| view.rwlock_blockers(tid)).unwrap_or_default();
            let live: Vec<Tid> =
                blockers.into_iter().filter(|&blocker| blocker == tid || is_live(model, blocker)).collect();
            if live.is_empty() { Need::Free } else { Need::All(live) }
        }
        // Free, or with permits left: the acquire is about to succeed.
        _ => Need::Free,
    }
}

fn holder_need(model: &Model, tid: Tid, holder: Tid, lock: PrimId) -> Need {
    if holder == tid {
        return Need::Thread(tid);
    }
    let Some(view) = model.threads.get(&holder).filter(|view| view.state.is_live()) else {
        // Held by a thread that ended: only another thread's release could free it.
        return Need::Anyone;
    };
    // A condition wait reports the wait before the release of its lock: the lock is on its way
    // out.
    if let ThreadState::Waiting { on: WaitTarget::Prim(condition), .. } = &view.state
        && matches!(model.prims.get(condition).map(|view| &view.state), Some(PrimState::Condition { lock: under }) if *under == lock)
    {
        return Need::Free;
    }
    Need::Thread(holder)
}

/// What a thread waiting (with no timeout) on `on` needs.
fn waiting_need(model: &Model, tid: Tid, on: &WaitTarget) -> Need {
    match on {
        WaitTarget::Join(target) if is_live(model, *target) => Need::Thread(*target),
        WaitTarget::Join(_) => Need::Free,
        WaitTarget::Shutdown => {
            let others = shutdown_waits_for(model, tid);
            if others.is_empty() { Need::Free } else { Need::All(others) }
        }
        WaitTarget::Prim(prim) => {
            let Some(view) = model.prims.get(prim) else { return Need::Free };
            let tracker = &model.waits;
            let stuck = match &view.state {
                // A notify takes the waiter off the queue at once.
                PrimState::Condition { .. } => view.waiters.contains(&tid),
                PrimState::Event { set } => !set && !tracker.is_woken(tid),
                PrimState::Barrier { broken, .. } => !broken && !tracker.is_woken(tid),
                PrimState::Queue { maxsize, qsize, unfinished, .. } => {
                    tracker.queue_waits.get(&tid).is_some_and(|wait| {
                        // Stuck only if it is stuck whatever it is: a get with nothing to get, a
                        // put with no room, a join with tasks unfinished. So a get on an empty
                        // queue whose tasks are all done counts as free: it looks just like a
                        // join that returns at once, and a false alarm is worse than none.
                        let full = *maxsize > 0 && qsize >= maxsize;
                        (!wait.may_get || *qsize == 0) && (!wait.may_put || full) && *unfinished > 0
                    })
                }
                // A receiver waits for an item while a sender is left; a sender waits for room,
                // or on a rendezvous for its item to be taken, while the receiver is there.
                PrimState::Channel { capacity, queued, sending, senders_gone, receiver_gone, .. } => {
                    if sending.contains(&tid) {
                        let full = capacity.is_some_and(|capacity| *queued >= capacity);
                        !receiver_gone && (full || *capacity == Some(0))
                    } else {
                        view.waiters.contains(&tid) && *queued == 0 && !senders_gone
                    }
                }
                _ => false,
            };
            if stuck { Need::Anyone } else { Need::Free }
        }
    }
}

/// The wait-for edge of thread `tid`, if it is blocked or waiting.
pub(crate) fn wait_edge(model: &Model, tid: Tid) -> Option<WaitEdge> {
    let thread = model.threads.get(&tid)?;
    // Only what the model vouches for: after lost events, a wait is known once its thread and
    // the primitive it waits for are settled again.
    if thread.unsure {
        return None;
    }
    let (on, until_us) = match &thread.state {
        ThreadState::Blocked { prim, until_us } => (WaitTarget::Prim(*prim), *until_us),
        ThreadState::Waiting { on, until_us } => (on.clone(), *until_us),
        _ => return None,
    };
    if let WaitTarget::Prim(prim) = &on
        && model.prims.get(prim).is_some_and(|prim| prim.unsure)
    {
        return None;
    }
    let mut holders = match &on {
        WaitTarget::Prim(prim) => match model.prims.get(prim).map(|view| &view.state) {
            Some(PrimState::Lock { holder }) => holder.iter().copied().collect(),
            Some(PrimState::RLock { owner, .. }) => owner.iter().copied().filter(|&owner| owner != tid).collect(),
            Some(PrimState::Semaphore { holders, .. }) => holders.clone(),
            Some(PrimState::RwLock { .. }) => {
                model.prims.get(prim).map(|view| view.rwlock_blockers(tid)).unwrap_or_default()
            }
            _ => Vec::new(),
        },
        WaitTarget::Join(target) => {
            if is_live(model, *target) {
                vec![*target]
            } else {
                Vec::new()
            }
        }
        WaitTarget::Shutdown => shutdown_waits_for(model, tid),
    };
    holders.sort_unstable();
    holders.dedup();
    Some(WaitEdge { thread: tid, on, holders, until_us })
}

/// Whether an event can change who waits for what. Data (loads, stores, logs, locals) and
/// names cannot.
pub(super) fn may_change_waits(kind: &EventKind) -> bool {
    !matches!(
        kind,
        EventKind::Log { .. }
            | EventKind::Load { .. }
            | EventKind::Store { .. }
            | EventKind::Update { .. }
            | EventKind::LocalGet { .. }
            | EventKind::LocalSet { .. }
            | EventKind::Control { .. }
            | EventKind::Misuse { .. }
            | EventKind::PrimCreated { .. }
            | EventKind::ThreadCreated { .. }
            | EventKind::ThreadRenamed { .. }
    )
}

#[cfg(test)]
mod tests;
