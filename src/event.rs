//! The event type: one record per state change, sent from the primitives to every subscriber.
//!
//! Events are the only thing the model and the view ever see, and they are what recordings
//! store, so each carries everything needed to replay it: a gap-free sequence number, the
//! session's demo time, the acting thread, the caller's source line and what happened.

use std::borrow::Cow;
use std::panic::Location;

use serde::{Deserialize, Serialize};

/// A thread's number inside its session: 1 is `MainThread`, then one per thread in creation order.
/// 0 stands for a thread that belongs to another session.
pub type Tid = u32;

/// A primitive's number inside its session, in creation order from 1.
pub type PrimId = u32;

/// Where in the source an operation was called.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SourceLoc {
    /// Path of the source file as the compiler saw it.
    pub file: Cow<'static, str>,
    /// One-based line number.
    pub line: u32,
}

impl SourceLoc {
    /// The location of a `#[track_caller]` caller.
    #[must_use]
    pub fn from_location(location: &'static Location<'static>) -> Self {
        Self { file: Cow::Borrowed(location.file()), line: location.line() }
    }
}

/// One state change, as delivered to subscribers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceEvent {
    /// Gap-free number within the session, from 0; a gap means a lossy subscriber dropped events.
    pub seq: u64,
    /// Demo time in microseconds: stops while paused, scales with the speed.
    pub time_us: u64,
    /// The thread that performed the operation.
    pub thread: Tid,
    /// The caller's source line, when the operation has one.
    pub loc: Option<SourceLoc>,
    /// What happened.
    pub kind: EventKind,
}

/// How a thread ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "how", rename_all = "snake_case")]
pub enum ExitKind {
    /// The target returned.
    Normal,
    /// The target panicked; the thread ended, the others carry on.
    Panicked {
        /// The panic message.
        message: String,
    },
    /// A daemon thread stopped at session shutdown.
    Killed,
}

/// How an acquire-like operation was asked to wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitMode {
    /// Wait as long as it takes.
    Blocking,
    /// Do not wait at all (`acquire(False)`).
    NonBlocking,
    /// Wait at most this many demo microseconds.
    Timeout(u64),
}

/// What kind of primitive was created, with its fixed parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PrimInfo {
    /// A plain, unowned lock.
    Lock,
    /// A re-entrant lock with an owner and a level.
    RLock,
    /// A condition variable over the lock `lock`.
    Condition {
        /// The primitive number of the underlying Lock or RLock.
        lock: PrimId,
    },
    /// A counting semaphore.
    Semaphore {
        /// Its initial value.
        initial: u64,
        /// Whether releasing above the initial value is an error.
        bounded: bool,
    },
    /// A flag threads can wait for.
    Event,
    /// A rendezvous of `parties` threads.
    Barrier {
        /// How many threads must arrive before all pass.
        parties: u32,
    },
    /// A FIFO queue.
    Queue {
        /// Capacity; 0 means unbounded.
        maxsize: u64,
    },
    /// Thread-local data.
    Local,
    /// A shared variable whose load-modify-store is not atomic.
    Shared {
        /// The initial value, as Python spells it ([`crate::py::debug_text`]).
        initial: String,
    },
    /// A reader-writer lock (`threadviz::std::sync::RwLock`): many readers or one writer.
    RwLock,
    /// A channel (`threadviz::std::sync::mpsc`): many senders, one receiver.
    Channel {
        /// How many items it holds before a send waits: `None` for `channel()` (unbounded),
        /// `Some(0)` for a rendezvous, where a send waits until the receiver takes its item.
        capacity: Option<u64>,
    },
}

/// Which end of a channel an event is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelSide {
    /// The senders.
    Send,
    /// The receiver.
    Recv,
}

/// Severity of a log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    /// Very detailed.
    Trace,
    /// For debugging.
    Debug,
    /// Normal output, the tutorials' `print` and `logging.debug`.
    Info,
    /// Something looks wrong.
    Warn,
    /// Something failed.
    Error,
}

/// A request from outside the session's threads.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Control {
    /// Every thread stops at its next instrumented call.
    Pause,
    /// Threads run freely again.
    Resume,
    /// One thread was let through the gate for one operation.
    Step {
        /// The thread let through.
        thread: Tid,
    },
    /// Demo time jumped forward to wake the earliest sleeper while paused.
    Advance {
        /// The thread whose timeout ends.
        thread: Tid,
    },
    /// Demo time now runs at this multiple of real time.
    Speed {
        /// The new speed.
        speed: f64,
    },
}

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

/// Demo microseconds of a duration, saturating.
#[must_use]
pub fn micros(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    //! Events in JSON and the primitive each concerns.

    use super::*;

    #[test]
    fn events_round_trip_through_json() {
        let event = TraceEvent {
            seq: 7,
            time_us: 1_500,
            thread: 2,
            loc: Some(SourceLoc { file: "demos/lock.rs".into(), line: 12 }),
            kind: EventKind::Notified { prim: 3, n: 2, woken: vec![4, 5] },
        };
        let json = serde_json::to_string(&event).expect("serialises");
        assert!(json.contains(r#""kind":"notified""#), "{json}");
        let back: TraceEvent = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, event);
    }

    #[test]
    fn the_os_thread_id_is_optional_in_json() {
        let started = EventKind::ThreadStarted { tid: 2, daemon: false, os_tid: Some(4242) };
        let json = serde_json::to_string(&started).expect("serialises");
        assert_eq!(json, r#"{"kind":"thread_started","tid":2,"daemon":false,"os_tid":4242}"#);
        assert_eq!(serde_json::from_str::<EventKind>(&json).expect("parses"), started);
        // Written where the OS does not tell, or before the field existed.
        let without: EventKind =
            serde_json::from_str(r#"{"kind":"thread_started","tid":2,"daemon":true}"#).expect("parses");
        assert_eq!(without, EventKind::ThreadStarted { tid: 2, daemon: true, os_tid: None });
        let json = serde_json::to_string(&without).expect("serialises");
        assert!(!json.contains("os_tid"), "{json}");
    }

    #[test]
    fn an_instruction_reads_as_the_hook_writes_it() {
        let json = r#"{"kind":"instruction","offset":10,"text":"STORE_GLOBAL balance ← 6"}"#;
        let instruction = EventKind::Instruction { offset: 10, text: "STORE_GLOBAL balance ← 6".into() };
        assert_eq!(serde_json::from_str::<EventKind>(json).expect("parses"), instruction);
        assert_eq!(serde_json::to_string(&instruction).expect("serialises"), json);
        assert!(!instruction.is_lifecycle(), "a lossy viewer may drop instructions");
        assert_eq!(instruction.prim(), None, "its load or store names the variable");
    }

    #[test]
    fn a_read_modify_write_reads_as_one_event_in_json() {
        let update = EventKind::Update { prim: 4, op: "fetch_add(1)".into(), read: "1".into(), value: "2".into() };
        let json = serde_json::to_string(&update).expect("serialises");
        assert_eq!(json, r#"{"kind":"update","prim":4,"op":"fetch_add(1)","read":"1","value":"2"}"#);
        assert_eq!(serde_json::from_str::<EventKind>(&json).expect("parses"), update);
        assert_eq!(update.prim(), Some(4));
        assert!(!update.is_lifecycle());
    }

    #[test]
    fn a_channel_event_names_its_side_in_json() {
        let wait = EventKind::ChannelWait { prim: 4, side: ChannelSide::Send, timeout_us: None };
        let json = serde_json::to_string(&wait).expect("serialises");
        assert_eq!(json, r#"{"kind":"channel_wait","prim":4,"side":"send","timeout_us":null}"#);
        assert_eq!(serde_json::from_str::<EventKind>(&json).expect("parses"), wait);
        assert_eq!(wait.prim(), Some(4));
        let info = serde_json::to_string(&PrimInfo::Channel { capacity: Some(0) }).expect("serialises");
        assert_eq!(info, r#"{"type":"channel","capacity":0}"#);
    }

    #[test]
    fn prim_names_the_primitive_an_event_concerns() {
        assert_eq!(EventKind::Set { prim: 9 }.prim(), Some(9));
        assert_eq!(EventKind::SleepEnd.prim(), None);
        assert_eq!(EventKind::Misuse { prim: None, message: String::new() }.prim(), None);
    }
}
