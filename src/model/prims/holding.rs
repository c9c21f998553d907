//! How events change who holds a primitive and who waits for it: requests, acquires and
//! releases (a reader-writer lock's reads among them), waits beginning and ending, a thread
//! leaving the queues when it ends. What the primitive holds (a flag, items, a value) is
//! changed in `contents.rs`.

use super::{KnownPrim, PrimState};
use crate::event::{ChannelSide, EventKind, Tid, WaitMode};
use crate::model::{ThreadState, WaitTarget};

/// When a wait that began at `now` and may last `timeout_us` runs out, if it can.
fn until(now: u64, timeout_us: Option<u64>) -> Option<u64> {
    timeout_us.map(|timeout| now.saturating_add(timeout))
}

impl KnownPrim {
    /// Thread `tid` ended: it leaves the wait queues, and a value it read and never stored
    /// will never be stored.
    pub(crate) fn forget_thread(&mut self, tid: Tid) {
        self.forget_waiter(tid);
        self.reads.retain(|read| read.thread != tid);
        if let PrimState::Channel { offers, .. } = &mut self.state {
            offers.retain(|&sender| sender != tid);
        }
    }

    pub(crate) fn forget_waiter(&mut self, tid: Tid) {
        self.waiters.retain(|&waiter| waiter != tid);
        match &mut self.state {
            PrimState::Barrier { arrived, .. } => arrived.retain(|&waiter| waiter != tid),
            PrimState::RwLock { writers_waiting, .. } => writers_waiting.retain(|&waiter| waiter != tid),
            PrimState::Channel { sending, .. } => sending.retain(|&waiter| waiter != tid),
            _ => {}
        }
    }

    fn start_waiting(&mut self, tid: Tid) {
        if !self.waiters.contains(&tid) {
            self.waiters.push(tid);
        }
    }

    /// Folds an event about this primitive by thread `tid`; the thread's new state, if it
    /// changed.
    pub(crate) fn apply(&mut self, tid: Tid, kind: &EventKind, now: u64) -> Option<ThreadState> {
        let pid = self.pid;
        match kind {
            EventKind::Requested { mode, .. } => {
                let timeout = match mode {
                    WaitMode::NonBlocking => return None,
                    WaitMode::Blocking => None,
                    WaitMode::Timeout(timeout) => Some(*timeout),
                };
                self.start_waiting(tid);
                if let PrimState::RwLock { writers_waiting, .. } = &mut self.state
                    && !writers_waiting.contains(&tid)
                {
                    writers_waiting.push(tid);
                }
                Some(ThreadState::Blocked { prim: pid, until_us: until(now, timeout) })
            }
            EventKind::ReadRequested { .. } | EventKind::ReadAcquired { .. } | EventKind::ReadReleased { .. } => {
                self.apply_read(tid, kind, now)
            }
            EventKind::Acquired { count, .. } => {
                self.forget_waiter(tid);
                match &mut self.state {
                    PrimState::Lock { holder } => *holder = Some(tid),
                    PrimState::RLock { owner, level } => {
                        *owner = Some(tid);
                        *level = *count;
                    }
                    PrimState::Semaphore { value, holders, .. } => {
                        *value = *count;
                        holders.push(tid);
                    }
                    PrimState::RwLock { writer, .. } => *writer = Some(tid),
                    _ => {}
                }
                Some(ThreadState::Running)
            }
            EventKind::TryFailed { .. } | EventKind::TimedOut { .. } | EventKind::Woken { .. } => {
                self.forget_waiter(tid);
                Some(ThreadState::Running)
            }
            EventKind::Released { count, .. } => {
                match &mut self.state {
                    PrimState::Lock { holder } => *holder = None,
                    PrimState::RLock { owner, level } => {
                        *level = *count;
                        if *count == 0 {
                            *owner = None;
                        }
                    }
                    PrimState::Semaphore { value, holders, .. } => {
                        *value = *count;
                        // Any thread may release a permit; it comes off the releaser if it holds one.
                        let index = holders.iter().position(|&holder| holder == tid).unwrap_or(0);
                        if index < holders.len() {
                            holders.remove(index);
                        }
                    }
                    PrimState::RwLock { writer, .. } => *writer = None,
                    _ => {}
                }
                None
            }
            EventKind::WaitBegin { timeout_us, .. } => {
                self.start_waiting(tid);
                Some(ThreadState::Waiting { on: WaitTarget::Prim(pid), until_us: until(now, *timeout_us) })
            }
            EventKind::Notified { woken, .. } => {
                self.waiters.retain(|waiter| !woken.contains(waiter));
                None
            }
            EventKind::Poisoned { .. } | EventKind::PoisonCleared { .. } => {
                if let PrimState::RwLock { poisoned, .. } = &mut self.state {
                    *poisoned = matches!(kind, EventKind::Poisoned { .. });
                }
                None
            }
            EventKind::ChannelWait { side, timeout_us, .. } => {
                self.start_waiting(tid);
                if let PrimState::Channel { sending, .. } = &mut self.state
                    && *side == ChannelSide::Send
                    && !sending.contains(&tid)
                {
                    sending.push(tid);
                }
                Some(ThreadState::Waiting { on: WaitTarget::Prim(pid), until_us: until(now, *timeout_us) })
            }
            EventKind::Sent { .. }
            | EventKind::Received { .. }
            | EventKind::ChannelDropped { .. }
            | EventKind::Disconnected { .. } => self.apply_channel(tid, kind),
            _ => self.apply_data(tid, kind),
        }
    }

    /// Folds a reader-writer lock's read request, read lock or read release.
    fn apply_read(&mut self, tid: Tid, kind: &EventKind, now: u64) -> Option<ThreadState> {
        match kind {
            EventKind::ReadRequested { mode, .. } => {
                let timeout = match mode {
                    WaitMode::NonBlocking => return None,
                    WaitMode::Blocking => None,
                    WaitMode::Timeout(timeout) => Some(*timeout),
                };
                self.start_waiting(tid);
                Some(ThreadState::Blocked { prim: self.pid, until_us: until(now, timeout) })
            }
            EventKind::ReadAcquired { .. } => {
                self.forget_waiter(tid);
                if let PrimState::RwLock { readers, .. } = &mut self.state {
                    readers.push(tid);
                }
                Some(ThreadState::Running)
            }
            EventKind::ReadReleased { readers: left, .. } => {
                if let PrimState::RwLock { readers, .. } = &mut self.state {
                    if let Some(index) = readers.iter().position(|&reader| reader == tid) {
                        readers.remove(index);
                    }
                    if *left == 0 {
                        readers.clear();
                    }
                }
                None
            }
            _ => None,
        }
    }
}
