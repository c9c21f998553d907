//! Synthetic event streams for the model's tests: events with consecutive sequence numbers,
//! folded one by one as the script grows, so a test can look at the model after any event.

use super::{Deadlock, Model};
use crate::event::{EventKind, PrimId, PrimInfo, Tid, TraceEvent, WaitMode};

/// Builds a stream of events with consecutive sequence numbers, 1 ms apart, folded as it grows.
pub(super) struct Script {
    pub(super) model: Model,
    pub(super) seq: u64,
}

/// The thread every script starts with.
pub(super) const MAIN: Tid = 1;

impl Script {
    /// A session whose `MainThread` runs, and threads 2.. named `Thread-1`...
    pub(super) fn new(threads: u32) -> Self {
        let mut script = Self { model: Model::new(), seq: 0 };
        script.start(MAIN, "MainThread", false);
        for tid in 2..=threads + 1 {
            script.start(tid, &format!("Thread-{}", tid - 1), false);
        }
        script
    }

    pub(super) fn at(&mut self, thread: Tid, kind: EventKind) -> &mut Self {
        let event = TraceEvent { seq: self.seq, time_us: self.seq * 1_000, thread, loc: None, kind };
        self.seq += 1;
        self.model.apply(&event);
        self
    }

    pub(super) fn start(&mut self, tid: Tid, name: &str, daemon: bool) -> &mut Self {
        self.at(MAIN, EventKind::ThreadCreated { tid, name: name.into(), daemon, foreign: false })
            .at(MAIN, EventKind::ThreadStarted { tid, daemon, os_tid: None })
    }

    pub(super) fn prim(&mut self, prim: PrimId, name: &str, info: PrimInfo) -> &mut Self {
        self.at(MAIN, EventKind::PrimCreated { prim, name: name.into(), info })
    }

    pub(super) fn acquire(&mut self, thread: Tid, prim: PrimId) -> &mut Self {
        self.request(thread, prim).at(thread, EventKind::Acquired { prim, count: 1 })
    }

    pub(super) fn request(&mut self, thread: Tid, prim: PrimId) -> &mut Self {
        self.at(thread, EventKind::Requested { prim, mode: WaitMode::Blocking })
    }

    pub(super) fn deadlock(&self) -> Option<&Deadlock> {
        self.model.deadlock.as_ref()
    }

    pub(super) fn message(&self) -> String {
        self.model.deadlock_message().unwrap_or_default()
    }
}

/// Two threads, two locks: Thread-1 holds lock-a, Thread-2 holds lock-b, main joins Thread-1.
pub(super) fn two_locks() -> Script {
    let mut script = Script::new(2);
    script
        .prim(1, "lock-a", PrimInfo::Lock)
        .prim(2, "lock-b", PrimInfo::Lock)
        .acquire(2, 1)
        .acquire(3, 2)
        .at(MAIN, EventKind::JoinBegin { target: 2, timeout_us: None });
    script
}
