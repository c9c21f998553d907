//! What the model knows about one primitive: its live state and its waiters in queue order.
//!
//! This module holds the state and what it says (who holds it, whether it is known for
//! certain); how events change it is in `holding.rs` (who holds it and who waits) and
//! `contents.rs` (what it holds: a flag, items, a value).

mod contents;
mod holding;

use std::collections::{BTreeMap, VecDeque};

use crate::event::{EventKind, PrimId, PrimInfo, Tid};

/// Queue items the model keeps, front first; a queue longer than this has its later items
/// counted, not kept (the count is always exact).
pub const QUEUE_ITEMS_KEPT: usize = 10_000;

/// The live state of a primitive.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PrimState {
    /// A plain lock.
    Lock {
        /// The thread that acquired it (any thread may release it).
        holder: Option<Tid>,
    },
    /// A re-entrant lock.
    RLock {
        /// Its owner.
        owner: Option<Tid>,
        /// Recursion level.
        level: u64,
    },
    /// A semaphore.
    Semaphore {
        /// Permits left.
        value: u64,
        /// Initial value.
        initial: u64,
        /// Whether over-release is refused.
        bounded: bool,
        /// Threads holding permits, one entry per permit.
        holders: Vec<Tid>,
    },
    /// A condition variable.
    Condition {
        /// Its lock's number.
        lock: PrimId,
    },
    /// An event flag.
    Event {
        /// Whether it is set.
        set: bool,
    },
    /// A barrier.
    Barrier {
        /// Threads needed to pass.
        parties: u32,
        /// Threads that arrived in this generation, in arrival order.
        arrived: Vec<Tid>,
        /// Generations passed.
        generation: u64,
        /// Whether it is broken.
        broken: bool,
    },
    /// A queue.
    Queue {
        /// Capacity (0: unbounded).
        maxsize: u64,
        /// The items from the front, formatted: all of them, unless the queue grew past
        /// `QUEUE_ITEMS_KEPT` (or events were dropped) and `untracked` more follow.
        items: VecDeque<String>,
        /// Items known to be in the queue behind `items` but not kept.
        untracked: u64,
        /// Exact number of items.
        qsize: u64,
        /// Unfinished tasks.
        unfinished: u64,
    },
    /// Thread-local data: each thread's own value.
    Local {
        /// Values by thread.
        values: BTreeMap<Tid, String>,
    },
    /// A shared variable.
    Shared {
        /// Its value, formatted.
        value: String,
        /// The thread that stored it last.
        writer: Option<Tid>,
    },
    /// A reader-writer lock: one writer, or any number of readers.
    RwLock {
        /// The thread that holds it to write.
        writer: Option<Tid>,
        /// The threads that read it, in the order they began (one entry per read lock held).
        readers: Vec<Tid>,
        /// Its waiters that want to write; the others want to read. A writer waiting keeps
        /// new readers out (writers first, as std's lock on Linux does).
        writers_waiting: Vec<Tid>,
        /// Whether a writer panicked holding it.
        poisoned: bool,
    },
    /// A channel: many senders, one receiver.
    Channel {
        /// `None`: unbounded; `Some(0)`: a rendezvous; else the items it holds before a send waits.
        capacity: Option<u64>,
        /// The items from the front, as the channel shows them: all of them, unless the channel
        /// grew past `QUEUE_ITEMS_KEPT` (or events were dropped) and `untracked` more follow.
        items: VecDeque<String>,
        /// Items known to be in the channel behind `items` but not kept.
        untracked: u64,
        /// Exact number of items.
        queued: u64,
        /// On a rendezvous, the sender of each item offered, front first: the receive that
        /// takes an item ends its sender's wait.
        offers: VecDeque<Tid>,
        /// Its waiters that wait to send; the others wait to receive.
        sending: Vec<Tid>,
        /// Every sender was dropped: once it is empty, a receive fails.
        senders_gone: bool,
        /// The receiver was dropped: every send fails.
        receiver_gone: bool,
    },
}

/// What the model knows about one primitive: its state and who waits for it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KnownPrim {
    /// Its number.
    pub pid: PrimId,
    /// Its display name.
    pub name: String,
    /// Its live state.
    pub state: PrimState,
    /// Threads waiting for it, in queue order.
    pub waiters: Vec<Tid>,
    /// `Shared` values: what each thread has read and not yet stored back, in the order read.
    /// Between a load and its store the race is invisible in the value itself.
    pub reads: Vec<PendingRead>,
    /// Events were lost since its state was last known for certain: not shown until an event
    /// that tells its whole state settles it (`KnownPrim::settle`).
    pub unsure: bool,
    /// A queue's count of unfinished tasks is not known since events were lost: only a
    /// `task_done` tells it again (a put or get says how many items, not how many tasks).
    pub unfinished_unsure: bool,
}

/// A value a thread has read from a `Shared` and not yet stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PendingRead {
    /// The reader.
    pub thread: Tid,
    /// The value it read, formatted.
    pub value: String,
    /// Whether another thread has stored since: the reader's store will overwrite that store.
    pub stale: bool,
}

impl KnownPrim {
    pub(crate) fn new(pid: PrimId, name: String, info: &PrimInfo) -> Self {
        let state = match info {
            PrimInfo::Lock => PrimState::Lock { holder: None },
            PrimInfo::RLock => PrimState::RLock { owner: None, level: 0 },
            PrimInfo::Condition { lock } => PrimState::Condition { lock: *lock },
            PrimInfo::Semaphore { initial, bounded } => {
                PrimState::Semaphore { value: *initial, initial: *initial, bounded: *bounded, holders: Vec::new() }
            }
            PrimInfo::Event => PrimState::Event { set: false },
            PrimInfo::Barrier { parties } => {
                PrimState::Barrier { parties: *parties, arrived: Vec::new(), generation: 0, broken: false }
            }
            PrimInfo::Queue { maxsize } => {
                PrimState::Queue { maxsize: *maxsize, items: VecDeque::new(), untracked: 0, qsize: 0, unfinished: 0 }
            }
            PrimInfo::Local => PrimState::Local { values: BTreeMap::new() },
            PrimInfo::Shared { initial } => PrimState::Shared { value: initial.clone(), writer: None },
            PrimInfo::RwLock => {
                PrimState::RwLock { writer: None, readers: Vec::new(), writers_waiting: Vec::new(), poisoned: false }
            }
            PrimInfo::Channel { capacity } => PrimState::Channel {
                capacity: *capacity,
                items: VecDeque::new(),
                untracked: 0,
                queued: 0,
                offers: VecDeque::new(),
                sending: Vec::new(),
                senders_gone: false,
                receiver_gone: false,
            },
        };
        Self { pid, name, state, waiters: Vec::new(), reads: Vec::new(), unsure: false, unfinished_unsure: false }
    }

    /// The kind's name, as Python calls it.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match &self.state {
            PrimState::Lock { .. } => "Lock",
            PrimState::RLock { .. } => "RLock",
            PrimState::Semaphore { bounded: true, .. } => "BoundedSemaphore",
            PrimState::Semaphore { .. } => "Semaphore",
            PrimState::Condition { .. } => "Condition",
            PrimState::Event { .. } => "Event",
            PrimState::Barrier { .. } => "Barrier",
            PrimState::Queue { .. } => "Queue",
            PrimState::Local { .. } => "Local",
            PrimState::Shared { .. } => "Shared",
            PrimState::RwLock { .. } => "RwLock",
            PrimState::Channel { .. } => "Channel",
        }
    }

    /// Events were lost: what it knows may be out of date. A condition's state is only its lock,
    /// which never changes; its waiters are vouched for by theirs ([`super::Model::prim_known`]).
    pub(crate) fn unsettle(&mut self) {
        match &mut self.state {
            PrimState::Condition { .. } => return,
            // Which items are in the queue is no longer known, only how many (at its next event).
            PrimState::Queue { items, untracked, .. } => {
                *untracked += u64::try_from(items.len()).unwrap_or(u64::MAX);
                items.clear();
                self.unfinished_unsure = true;
            }
            PrimState::Channel { items, untracked, offers, .. } => {
                *untracked += u64::try_from(items.len()).unwrap_or(u64::MAX);
                items.clear();
                offers.clear();
            }
            _ => {}
        }
        // A read may have been stored, or overwritten, unseen.
        self.reads.clear();
        self.unsure = true;
    }

    /// After `kind` was folded in: whether it told the primitive's whole state, so that what
    /// the model shows is known again. A lock's acquire or release says who holds it; a
    /// semaphore's, only when every permit is back; an event's set or clear; a queue's put or
    /// get, when it leaves the queue empty or holding only the item put; a barrier passing, breaking or reset; a store.
    pub(crate) fn settle(&mut self, kind: &EventKind) {
        if matches!(kind, EventKind::TaskDone { .. }) {
            self.unfinished_unsure = false;
        }
        if !self.unsure {
            return;
        }
        let settled = match (&mut self.state, kind) {
            (
                PrimState::Lock { .. } | PrimState::RLock { .. },
                EventKind::Acquired { .. } | EventKind::Released { .. },
            )
            | (PrimState::Event { .. }, EventKind::Set { .. } | EventKind::Clear { .. })
            | (
                PrimState::Barrier { .. },
                EventKind::BarrierPass { .. } | EventKind::BarrierBroken { .. } | EventKind::BarrierReset { .. },
            )
            | (PrimState::Shared { .. }, EventKind::Store { .. } | EventKind::Update { .. }) => true,
            (PrimState::Semaphore { value, initial, holders, .. }, EventKind::Released { .. })
                if *value >= *initial =>
            {
                holders.clear();
                true
            }
            (PrimState::Queue { qsize: 0, items, untracked, .. }, EventKind::Got { .. })
            | (PrimState::Channel { queued: 0, items, untracked, .. }, EventKind::Received { .. }) => {
                items.clear();
                *untracked = 0;
                true
            }
            (PrimState::Queue { qsize: 1, items, untracked, .. }, EventKind::Put { item, .. })
            | (PrimState::Channel { queued: 1, items, untracked, .. }, EventKind::Sent { item, .. }) => {
                *items = VecDeque::from([item.clone()]);
                *untracked = 0;
                true
            }
            // A write lock taken or given back says nobody else holds it; so does the last reader.
            (
                PrimState::RwLock { readers, writer, .. },
                EventKind::Acquired { .. } | EventKind::Released { .. } | EventKind::ReadReleased { readers: 0, .. },
            ) => {
                readers.clear();
                if !matches!(kind, EventKind::Acquired { .. }) {
                    *writer = None;
                }
                true
            }

            _ => false,
        };
        if settled {
            self.unsure = false;
        }
    }

    /// Whether `tid` holds it (a lock, an RLock or a permit).
    #[must_use]
    #[inline]
    pub fn held_by(&self, tid: Tid) -> bool {
        match &self.state {
            PrimState::Lock { holder } => *holder == Some(tid),
            PrimState::RLock { owner, .. } => *owner == Some(tid),
            PrimState::Semaphore { holders, .. } => holders.contains(&tid),
            PrimState::RwLock { writer, readers, .. } => *writer == Some(tid) || readers.contains(&tid),
            _ => false,
        }
    }

    /// The threads that hold it.
    #[must_use]
    pub fn holders(&self) -> Vec<Tid> {
        match &self.state {
            PrimState::Lock { holder } => holder.iter().copied().collect(),
            PrimState::RLock { owner, .. } => owner.iter().copied().collect(),
            PrimState::Semaphore { holders, .. } => {
                let mut holders = holders.clone();
                holders.dedup();
                holders
            }
            PrimState::RwLock { writer: Some(writer), .. } => vec![*writer],
            PrimState::RwLock { readers, .. } => {
                let mut holders = readers.clone();
                holders.sort_unstable();
                holders.dedup();
                holders
            }
            _ => Vec::new(),
        }
    }

    /// The threads whose release lets `tid`, blocked on this reader-writer lock, in: for a
    /// writer, the writer or every reader (itself too: a thread that reads and asks to write
    /// waits for itself); for a reader, the writer, or the writers waiting, who go first.
    /// Empty for any other primitive.
    #[must_use]
    pub fn rwlock_blockers(&self, tid: Tid) -> Vec<Tid> {
        let PrimState::RwLock { writer, readers, writers_waiting, .. } = &self.state else { return Vec::new() };
        let mut blockers = match writer {
            Some(writer) => vec![*writer],
            None if writers_waiting.contains(&tid) => readers.clone(),
            None => writers_waiting.clone(),
        };
        blockers.sort_unstable();
        blockers.dedup();
        blockers
    }
}
