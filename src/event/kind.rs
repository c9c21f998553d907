//! [`EventKind`]: what one event says happened, one variant per operation of a thread or a
//! primitive, as JSON Lines and subscribers see it; and which events a viewer can never do
//! without and which primitive each concerns. The values its fields take are `fields.rs`'s.

use serde::{Deserialize, Serialize};

use super::{ChannelSide, Control, ExitKind, LogLevel, PrimId, PrimInfo, Tid, WaitMode};

/// What happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// A thread object was created (not yet started).
    ThreadCreated {
        /// Its number.
        tid: Tid,
        /// Its name.
        name: String,
        /// Whether it is a daemon.
        daemon: bool,
        /// A thread threadviz did not start, registered on first use (Python's dummy threads).
        foreign: bool,
    },
    /// A thread was started by the acting thread.
    ThreadStarted {
        /// The started thread.
        tid: Tid,
        /// Whether it runs as a daemon.
        daemon: bool,
        /// Its id in the operating system (Linux's TID, as `/proc/self/task/` lists it), so a
        /// viewer can show what the kernel says about it; `None` where the OS does not tell.
        /// Differs from run to run: never part of a comparison meant to be stable.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        os_tid: Option<u32>,
    },
    /// A thread was renamed.
    ThreadRenamed {
        /// The renamed thread.
        tid: Tid,
        /// The new name.
        name: String,
    },
    /// A thread ended.
    ThreadExited {
        /// The thread that ended.
        tid: Tid,
        /// How it ended.
        exit: ExitKind,
    },
    /// The main function returned; the session waits for non-daemon threads.
    ShutdownBegin,
    /// The session ended; no event follows.
    SessionEnded,
    /// A primitive was created.
    PrimCreated {
        /// Its number.
        prim: PrimId,
        /// Its display name.
        name: String,
        /// Its kind and fixed parameters.
        info: PrimInfo,
    },
    /// The thread asks for a lock or semaphore permit.
    Requested {
        /// The primitive.
        prim: PrimId,
        /// How long it is willing to wait.
        mode: WaitMode,
    },
    /// The thread got it. `count` is the state after: 1 for a Lock, the level for an RLock,
    /// the remaining value for a semaphore.
    Acquired {
        /// The primitive.
        prim: PrimId,
        /// State after the acquire.
        count: u64,
    },
    /// A non-blocking attempt failed at once.
    TryFailed {
        /// The primitive.
        prim: PrimId,
    },
    /// A wait ended because its timeout ran out.
    TimedOut {
        /// The primitive.
        prim: PrimId,
    },
    /// The thread released it; `count` is the state after (0 for a Lock, the level for an RLock,
    /// the value for a semaphore).
    Released {
        /// The primitive.
        prim: PrimId,
        /// State after the release.
        count: u64,
    },
    /// The thread starts waiting on a condition, event, barrier or queue.
    WaitBegin {
        /// The primitive.
        prim: PrimId,
        /// Timeout in demo microseconds, if any.
        timeout_us: Option<u64>,
    },
    /// The wait ended; `notified` is false when it timed out or the barrier broke.
    Woken {
        /// The primitive.
        prim: PrimId,
        /// Whether the thread was woken rather than timed out.
        notified: bool,
    },
    /// `notify(n)` or `notify_all()` woke these waiters, in queue order.
    Notified {
        /// The condition.
        prim: PrimId,
        /// The `n` asked for (`u64::MAX` for `notify_all`).
        n: u64,
        /// The waiters woken.
        woken: Vec<Tid>,
    },
    /// An event's flag was set.
    Set {
        /// The event.
        prim: PrimId,
    },
    /// An event's flag was cleared.
    Clear {
        /// The event.
        prim: PrimId,
    },
    /// An item was put on a queue.
    Put {
        /// The queue.
        prim: PrimId,
        /// The item, as Python spells it ([`crate::py::debug_text`]).
        item: String,
        /// Items in the queue after the put.
        qsize: u64,
    },
    /// An item was taken from a queue.
    Got {
        /// The queue.
        prim: PrimId,
        /// The item, as Python spells it ([`crate::py::debug_text`]).
        item: String,
        /// Items left in the queue.
        qsize: u64,
    },
    /// `task_done()` on a queue.
    TaskDone {
        /// The queue.
        prim: PrimId,
        /// Unfinished tasks left.
        unfinished: u64,
    },
    /// A thread arrived at a barrier.
    BarrierArrive {
        /// The barrier.
        prim: PrimId,
        /// Its arrival index, distinct in `0..parties`.
        index: u32,
    },
    /// The last party arrived; the action ran and everyone passes.
    BarrierPass {
        /// The barrier.
        prim: PrimId,
        /// The generation that passed, from 0.
        generation: u64,
    },
    /// The barrier broke (timeout, abort or a failed action).
    BarrierBroken {
        /// The barrier.
        prim: PrimId,
    },
    /// The barrier was reset.
    BarrierReset {
        /// The barrier.
        prim: PrimId,
    },
    /// A `Shared` value was read.
    Load {
        /// The shared variable.
        prim: PrimId,
        /// The value read, as Python spells it ([`crate::py::debug_text`]).
        value: String,
    },
    /// A `Shared` value was written.
    Store {
        /// The shared variable.
        prim: PrimId,
        /// The value written, as Python spells it ([`crate::py::debug_text`]).
        value: String,
    },
    /// An atomic read-modify-write (`fetch_add`, `swap`, a successful `compare_exchange`): one
    /// indivisible step that read `read` and wrote `value`, so no other thread's store can
    /// come between them and no update is lost.
    Update {
        /// The atomic.
        prim: PrimId,
        /// The operation, as the program called it: `fetch_add(1)`, `swap(true)`,
        /// `compare_exchange(0, 1)`.
        op: String,
        /// The value it read.
        read: String,
        /// The value it wrote.
        value: String,
    },
    /// A thread read its own value of a `Local`.
    LocalGet {
        /// The local.
        prim: PrimId,
        /// The value, if the thread has one.
        value: Option<String>,
    },
    /// A thread set its own value of a `Local`.
    LocalSet {
        /// The local.
        prim: PrimId,
        /// The value.
        value: String,
    },
    /// The thread starts sleeping for this many demo microseconds.
    SleepBegin {
        /// The length of the sleep.
        duration_us: u64,
    },
    /// The sleep ended.
    SleepEnd,
    /// The thread starts joining `target`.
    JoinBegin {
        /// The joined thread.
        target: Tid,
        /// Timeout in demo microseconds, if any.
        timeout_us: Option<u64>,
    },
    /// The join returned.
    JoinEnd {
        /// The joined thread.
        target: Tid,
        /// Whether the target had finished.
        finished: bool,
    },
    /// A log line from the thread.
    Log {
        /// Its level.
        level: LogLevel,
        /// The message.
        message: String,
    },
    /// A primitive refused a misuse (the Python exception's message).
    Misuse {
        /// The primitive, if the misuse concerns one.
        prim: Option<PrimId>,
        /// The error message.
        message: String,
    },
    /// The thread dropped this many events at their source, before this point, because its
    /// buffer was full and nobody needed every event: what it did then is not known. Told by
    /// the collector, never dropped.
    Lost {
        /// Events dropped.
        events: u64,
    },
    /// A control request took effect.
    Control {
        /// What was done.
        control: Control,
    },
    /// The text of a source file the events name, sent once before the first event whose
    /// location is in it, by a watched program in another language (`threadviz run prog.py`),
    /// so that a recording carries the program's source to any machine.
    Source {
        /// The path as the events' locations name it.
        path: String,
        /// The file's text.
        text: String,
    },
    /// One instruction of a watched program's own code ran (`threadviz run --step bytecode`),
    /// at its source line: the finest step a class can take through a line, so that
    /// `balance += 1` reads as the read, the add and the store it is. A load or store of a
    /// shared variable the instruction made comes just before it, as its own event.
    Instruction {
        /// Its byte offset in its code object, as `dis` numbers it.
        offset: u32,
        /// What it did, as `dis` spells it, with the value it read or wrote:
        /// `LOAD_GLOBAL balance → 5`, `BINARY_OP +`, `STORE_GLOBAL balance ← 6`.
        text: String,
    },
    /// The thread asks to read a reader-writer lock (asking to write is [`EventKind::Requested`],
    /// and the write lock is then [`EventKind::Acquired`] and [`EventKind::Released`]).
    ReadRequested {
        /// The lock.
        prim: PrimId,
        /// How long it is willing to wait.
        mode: WaitMode,
    },
    /// The thread reads it now.
    ReadAcquired {
        /// The lock.
        prim: PrimId,
        /// How many threads read it now, this one included.
        readers: u64,
    },
    /// The thread stopped reading it.
    ReadReleased {
        /// The lock.
        prim: PrimId,
        /// How many threads still read it.
        readers: u64,
    },
    /// The thread panicked while it held the lock to write: the lock is poisoned, and every
    /// later lock says so (std's rule; a reader's panic poisons nothing).
    Poisoned {
        /// The lock.
        prim: PrimId,
    },
    /// `clear_poison()`: the lock is no longer poisoned.
    PoisonCleared {
        /// The lock.
        prim: PrimId,
    },
    /// The thread starts waiting on a channel: a receiver for an item, a sender for room in a
    /// full channel or, on a rendezvous, for the receiver to take the item it offered.
    ChannelWait {
        /// The channel.
        prim: PrimId,
        /// Whether it waits to send or to receive.
        side: ChannelSide,
        /// Timeout in demo microseconds, if any.
        timeout_us: Option<u64>,
    },
    /// An item went into a channel (on a rendezvous: offered, until the receiver takes it).
    Sent {
        /// The channel.
        prim: PrimId,
        /// The item, as the channel shows it.
        item: String,
        /// Items in the channel after the send.
        queued: u64,
    },
    /// The receiver took the oldest item out of a channel.
    Received {
        /// The channel.
        prim: PrimId,
        /// The item, as the channel shows it.
        item: String,
        /// Items left in the channel.
        queued: u64,
    },
    /// One end of a channel is gone: the last sender (`Send`) or the receiver (`Recv`) was
    /// dropped. The channel is disconnected from then on; once the receiver is gone, its
    /// `discarded` items can never be received.
    ChannelDropped {
        /// The channel.
        prim: PrimId,
        /// The end that is gone.
        side: ChannelSide,
        /// Items left in the channel that nobody will receive (0 when the senders went).
        discarded: u64,
    },
    /// A send or receive failed because the other end is gone: a send whose receiver was
    /// dropped (`Send`), or a receive on an empty channel whose senders were all dropped (`Recv`).
    Disconnected {
        /// The channel.
        prim: PrimId,
        /// The operation that failed.
        side: ChannelSide,
    },
}

impl EventKind {
    /// Whether a viewer cannot do without the event: a thread or primitive appearing, being
    /// renamed or ending, shutdown, events lost at their source. These are never dropped, even
    /// for a lossy viewer.
    #[must_use]
    pub fn is_lifecycle(&self) -> bool {
        matches!(
            self,
            Self::ThreadCreated { .. }
                | Self::ThreadStarted { .. }
                | Self::ThreadRenamed { .. }
                | Self::ThreadExited { .. }
                | Self::PrimCreated { .. }
                | Self::ShutdownBegin
                | Self::SessionEnded
                | Self::Lost { .. }
                | Self::Source { .. }
        )
    }

    /// The primitive the event concerns, if any.
    #[must_use]
    pub fn prim(&self) -> Option<PrimId> {
        match self {
            Self::PrimCreated { prim, .. }
            | Self::Requested { prim, .. }
            | Self::Acquired { prim, .. }
            | Self::TryFailed { prim }
            | Self::TimedOut { prim }
            | Self::Released { prim, .. }
            | Self::WaitBegin { prim, .. }
            | Self::Woken { prim, .. }
            | Self::Notified { prim, .. }
            | Self::Set { prim }
            | Self::Clear { prim }
            | Self::Put { prim, .. }
            | Self::Got { prim, .. }
            | Self::TaskDone { prim, .. }
            | Self::BarrierArrive { prim, .. }
            | Self::BarrierPass { prim, .. }
            | Self::BarrierBroken { prim }
            | Self::BarrierReset { prim }
            | Self::Load { prim, .. }
            | Self::Store { prim, .. }
            | Self::Update { prim, .. }
            | Self::LocalGet { prim, .. }
            | Self::LocalSet { prim, .. }
            | Self::ReadRequested { prim, .. }
            | Self::ReadAcquired { prim, .. }
            | Self::ReadReleased { prim, .. }
            | Self::Poisoned { prim }
            | Self::PoisonCleared { prim }
            | Self::ChannelWait { prim, .. }
            | Self::Sent { prim, .. }
            | Self::Received { prim, .. }
            | Self::ChannelDropped { prim, .. }
            | Self::Disconnected { prim, .. } => Some(*prim),
            Self::Misuse { prim, .. } => *prim,
            _ => None,
        }
    }
}
