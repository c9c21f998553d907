//! The values an event's fields take besides numbers and text: how a thread ended, how an
//! acquire waits, what a primitive is (its kind and fixed parameters, told once at its
//! creation), which end of a channel, a log line's level, a control request. Each is written
//! in JSON Lines by its serde tags, which recordings depend on.

use serde::{Deserialize, Serialize};

use super::{PrimId, Tid};

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
