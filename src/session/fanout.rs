//! The fan-out of a session's events to its subscribers, in sequence order: lossless ones
//! (recorders, plain output, tests), and lossy ones (the dashboard) that drop and count instead
//! of holding anything up. The collector (`collector.rs`) feeds it, the emitters (`emit.rs`)
//! share it with the collector.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_channel::{Receiver, Sender};

use crate::event::{EventKind, TraceEvent};

#[derive(Debug)]
pub(super) struct Subscriber {
    pub(super) tx: Sender<TraceEvent>,
    /// Events a lossy subscriber may fall behind by; None: lossless.
    pub(super) capacity: Option<usize>,
    pub(super) dropped: Arc<AtomicU64>,
}

impl Subscriber {
    /// Sends or, when a lossy subscriber is `capacity` events behind, drops and counts; false
    /// once the receiver is gone. The channel itself is unbounded, so that lifecycle events
    /// (threads and primitives appearing, renamed and ending, shutdown) always get through
    /// without ever making the collector wait: a viewer that missed one would show a ghost.
    fn offer(&self, event: TraceEvent) -> bool {
        if self.capacity.is_some_and(|capacity| self.tx.len() >= capacity) && !event.kind.is_lifecycle() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return true;
        }
        self.tx.send(event).is_ok()
    }
}

/// A subscriber's end of the event stream.
///
/// Dropping it unsubscribes. A lossy subscription drops events when its buffer is full and
/// counts them in [`Subscription::dropped`]; sequence numbers then show the gap.
#[derive(Debug)]
pub struct Subscription {
    pub(super) rx: Receiver<TraceEvent>,
    pub(super) dropped: Arc<AtomicU64>,
}

impl Subscription {
    /// The receiving end; use it with `recv`, `try_iter` or crossbeam's `select!`.
    #[must_use]
    pub fn receiver(&self) -> &Receiver<TraceEvent> {
        &self.rx
    }

    /// Events this subscription lost because its buffer was full.
    #[must_use]
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Splits into the receiver and the shared drop counter.
    #[must_use]
    pub fn into_parts(self) -> (Receiver<TraceEvent>, Arc<AtomicU64>) {
        (self.rx, self.dropped)
    }
}

/// Merges out-of-order arrivals back into sequence order and delivers them.
#[derive(Debug, Default)]
pub(super) struct Fanout {
    pub(super) subscribers: Vec<Subscriber>,
    /// The next sequence number to deliver.
    pub(super) next: u64,
    /// Arrivals ahead of a number still in flight.
    pub(super) pending: BTreeMap<u64, TraceEvent>,
    pub(super) last_time_us: u64,
    /// `SessionEnded` was delivered: nothing follows it. A killed thread still unwinding (a
    /// guard releasing its lock) can take a number after the end; it is not shown.
    pub(super) ended: bool,
}

impl Fanout {
    /// Takes a batch in any order, leaving it empty; delivers the in-order prefix. The number
    /// delivered.
    pub(super) fn accept(&mut self, batch: &mut Vec<TraceEvent>) -> usize {
        batch.sort_unstable_by_key(|event| event.seq);
        let mut delivered = 0;
        for event in batch.drain(..) {
            if event.seq == self.next && self.pending.is_empty() {
                self.deliver_next(event);
                delivered += 1;
            } else if event.seq >= self.next {
                self.pending.insert(event.seq, event);
            }
        }
        while let Some(event) = self.pending.remove(&self.next) {
            self.deliver_next(event);
            delivered += 1;
        }
        delivered
    }

    fn deliver_next(&mut self, mut event: TraceEvent) {
        // Stamps are taken just before sequencing; keep time monotone along the sequence.
        event.time_us = event.time_us.max(self.last_time_us);
        self.last_time_us = event.time_us;
        self.next += 1;
        if self.ended {
            return;
        }
        self.ended = event.kind == EventKind::SessionEnded;
        self.deliver(event);
    }

    fn deliver(&mut self, event: TraceEvent) {
        if let [only] = self.subscribers.as_slice() {
            if !only.offer(event) {
                self.subscribers.clear();
            }
            return;
        }
        let mut event = Some(event);
        let last = self.subscribers.len().saturating_sub(1);
        let mut index = 0;
        self.subscribers.retain(|subscriber| {
            let this = if index == last { event.take() } else { event.clone() };
            index += 1;
            this.is_none_or(|this| subscriber.offer(this))
        });
    }
}

#[cfg(test)]
mod tests {
    //! Sequence order restored, lossy subscribers dropping and counting.

    use super::*;

    fn event(seq: u64, time_us: u64) -> TraceEvent {
        TraceEvent { seq, time_us, thread: 1, loc: None, kind: EventKind::SleepEnd }
    }

    #[test]
    fn nothing_is_delivered_after_the_session_ended() {
        let (tx, rx) = crossbeam_channel::unbounded();
        let mut fanout = Fanout {
            subscribers: vec![Subscriber { tx, capacity: None, dropped: Arc::default() }],
            ..Fanout::default()
        };
        let ended = TraceEvent { kind: EventKind::SessionEnded, ..event(1, 0) };
        // A killed thread's unwinding release, numbered after the end, arrives first.
        assert_eq!(fanout.accept(&mut vec![event(2, 0), ended, event(0, 0)]), 3);
        let kinds: Vec<EventKind> = rx.try_iter().map(|event| event.kind).collect();
        assert_eq!(kinds, [EventKind::SleepEnd, EventKind::SessionEnded]);
    }

    #[test]
    fn the_fanout_restores_sequence_order_with_monotone_time() {
        let (tx, rx) = crossbeam_channel::unbounded();
        let mut fanout = Fanout {
            subscribers: vec![Subscriber { tx, capacity: None, dropped: Arc::default() }],
            ..Fanout::default()
        };
        assert_eq!(fanout.accept(&mut vec![event(2, 9), event(1, 5)]), 0, "0 is still in flight");
        assert_eq!(fanout.accept(&mut vec![event(0, 7)]), 3);
        assert_eq!(fanout.accept(&mut vec![event(3, 1)]), 1);
        let got: Vec<(u64, u64)> = rx.try_iter().map(|event| (event.seq, event.time_us)).collect();
        assert_eq!(got, [(0, 7), (1, 7), (2, 9), (3, 9)]);
    }

    #[test]
    fn a_full_lossy_subscriber_drops_and_counts_while_others_get_everything() {
        let (lossy_tx, lossy_rx) = crossbeam_channel::unbounded();
        let (all_tx, all_rx) = crossbeam_channel::unbounded();
        let dropped = Arc::new(AtomicU64::new(0));
        let mut fanout = Fanout {
            subscribers: vec![
                Subscriber { tx: lossy_tx, capacity: Some(2), dropped: dropped.clone() },
                Subscriber { tx: all_tx, capacity: None, dropped: Arc::default() },
            ],
            ..Fanout::default()
        };
        fanout.accept(&mut (0..5).map(|seq| event(seq, 0)).collect());
        assert_eq!(dropped.load(Ordering::Relaxed), 3);
        assert_eq!(lossy_rx.try_iter().count(), 2);
        assert_eq!(all_rx.try_iter().map(|event| event.seq).collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
    }
}
