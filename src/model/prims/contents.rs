//! How events change what a primitive holds rather than who holds it: an event's flag, a
//! queue's or a channel's items (kept up to a bound, counted always), a barrier's arrivals, a
//! `Shared` value and the reads not yet stored back, a `Local`'s values. Who holds or waits is
//! `holding.rs`'s.

use std::collections::VecDeque;

use super::{KnownPrim, PendingRead, PrimState, QUEUE_ITEMS_KEPT};
use crate::event::{ChannelSide, EventKind, Tid};
use crate::model::ThreadState;

impl KnownPrim {
    /// Folds an event that changes what the primitive holds (flag, items, value) rather than
    /// who holds or waits for it.
    pub(super) fn apply_data(&mut self, tid: Tid, kind: &EventKind) -> Option<ThreadState> {
        match kind {
            EventKind::Set { .. } => {
                if let PrimState::Event { set } = &mut self.state {
                    *set = true;
                }
                None
            }
            EventKind::Clear { .. } => {
                if let PrimState::Event { set } = &mut self.state {
                    *set = false;
                }
                None
            }
            EventKind::Put { item, qsize, .. } => {
                if let PrimState::Queue { items, untracked, qsize: size, unfinished, .. } = &mut self.state {
                    // Items go in at the back: behind untracked ones, a new item is untracked too.
                    if *untracked == 0 && items.len() < QUEUE_ITEMS_KEPT {
                        items.push_back(item.clone());
                    } else {
                        *untracked += 1;
                    }
                    *size = *qsize;
                    *unfinished = unfinished.saturating_add(1);
                    match_size(items, untracked, *qsize);
                }
                self.finish_queue_wait(tid)
            }
            EventKind::Got { qsize, .. } => {
                if let PrimState::Queue { items, untracked, qsize: size, .. } = &mut self.state {
                    if items.pop_front().is_none() {
                        *untracked = untracked.saturating_sub(1);
                    }
                    *size = *qsize;
                    match_size(items, untracked, *qsize);
                }
                self.finish_queue_wait(tid)
            }
            EventKind::TaskDone { unfinished, .. } => {
                if let PrimState::Queue { unfinished: left, .. } = &mut self.state {
                    *left = *unfinished;
                }
                None
            }
            EventKind::BarrierArrive { .. } => {
                if let PrimState::Barrier { arrived, .. } = &mut self.state {
                    arrived.push(tid);
                }
                None
            }
            EventKind::BarrierPass { generation: passed, .. } => {
                if let PrimState::Barrier { arrived, generation, .. } = &mut self.state {
                    arrived.clear();
                    *generation = passed.saturating_add(1);
                }
                None
            }
            EventKind::BarrierBroken { .. } | EventKind::BarrierReset { .. } => {
                let broken_now = matches!(kind, EventKind::BarrierBroken { .. });
                if let PrimState::Barrier { arrived, broken, .. } = &mut self.state {
                    arrived.clear();
                    *broken = broken_now;
                }
                None
            }
            EventKind::Load { value, .. } => {
                // A thread's latest read is the one its next store is based on.
                self.reads.retain(|read| read.thread != tid);
                self.reads.push(PendingRead { thread: tid, value: value.clone(), stale: false });
                None
            }
            EventKind::Store { value, .. } => {
                if let PrimState::Shared { value: current, writer } = &mut self.state {
                    current.clone_from(value);
                    *writer = Some(tid);
                }
                self.reads.retain(|read| read.thread != tid);
                for read in &mut self.reads {
                    read.stale = true;
                }
                Some(ThreadState::Running)
            }
            EventKind::Update { value, .. } => {
                if let PrimState::Shared { value: current, writer } = &mut self.state {
                    current.clone_from(value);
                    *writer = Some(tid);
                }
                // Read and written in one step: every read not yet stored, the thread's own
                // included, is now overtaken by a store it never saw.
                for read in &mut self.reads {
                    read.stale = true;
                }
                Some(ThreadState::Running)
            }
            EventKind::LocalGet { value: Some(value), .. } | EventKind::LocalSet { value, .. } => {
                if let PrimState::Local { values } = &mut self.state {
                    values.insert(tid, value.clone());
                }
                Some(ThreadState::Running)
            }
            _ => None,
        }
    }

    /// Folds a channel's send, receive, dropped end or failed operation.
    pub(super) fn apply_channel(&mut self, tid: Tid, kind: &EventKind) -> Option<ThreadState> {
        let PrimState::Channel { capacity, items, untracked, queued, offers, sending, senders_gone, receiver_gone } =
            &mut self.state
        else {
            return None;
        };
        match kind {
            EventKind::Sent { item, queued: after, .. } => {
                if *untracked == 0 && items.len() < QUEUE_ITEMS_KEPT {
                    items.push_back(item.clone());
                } else {
                    *untracked += 1;
                }
                *queued = *after;
                match_size(items, untracked, *after);
                if *capacity == Some(0) {
                    offers.push_back(tid);
                }
            }
            EventKind::Received { queued: after, .. } => {
                if items.pop_front().is_none() {
                    *untracked = untracked.saturating_sub(1);
                }
                *queued = *after;
                match_size(items, untracked, *after);
                // On a rendezvous the item's sender is done waiting (it says so when it goes on).
                if let Some(sender) = offers.pop_front() {
                    sending.retain(|&waiter| waiter != sender);
                    self.waiters.retain(|&waiter| waiter != sender);
                }
            }
            EventKind::ChannelDropped { side: ChannelSide::Send, .. } => *senders_gone = true,
            EventKind::ChannelDropped { side: ChannelSide::Recv, .. } => {
                *receiver_gone = true;
                // Nobody can receive them now: they are dropped, or handed back to their senders.
                items.clear();
                offers.clear();
                *untracked = 0;
                *queued = 0;
            }
            _ => {}
        }
        self.finish_queue_wait(tid)
    }

    fn finish_queue_wait(&mut self, tid: Tid) -> Option<ThreadState> {
        let waited = self.waiters.contains(&tid);
        self.forget_waiter(tid);
        waited.then_some(ThreadState::Running)
    }
}

/// Makes the items kept plus those untracked add up to the queue's exact size: when events were
/// dropped, items taken unseen go from the front and items put unseen are untracked at the back.
fn match_size(items: &mut VecDeque<String>, untracked: &mut u64, qsize: u64) {
    let known = |items: &VecDeque<String>, untracked: u64| u64::try_from(items.len()).unwrap_or(u64::MAX) + untracked;
    while known(items, *untracked) > qsize {
        if items.pop_front().is_none() {
            *untracked = qsize;
        }
    }
    *untracked += qsize - known(items, *untracked);
}
