//! What the model knows about one thread: its state in the table's words, what it holds,
//! where in the source it is, and the instruction it just ran (in a `--step bytecode` run).

use crate::event::{ExitKind, PrimId, SourceLoc, Tid};

/// What a waiting thread waits for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum WaitTarget {
    /// A condition, event, barrier or queue.
    Prim(PrimId),
    /// Another thread to end (`join`).
    Join(Tid),
    /// The non-daemon threads, at shutdown (the main thread).
    Shutdown,
}

/// A thread's state as the table shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ThreadState {
    /// Created, not started.
    New,
    /// Running (or ready to run: the OS decides).
    Running,
    /// In `sleep` until this demo time.
    Sleeping {
        /// Demo time of the wake-up, in microseconds.
        until_us: u64,
    },
    /// Waiting to acquire a lock or a semaphore permit.
    Blocked {
        /// The lock or semaphore.
        prim: PrimId,
        /// When its timeout runs out, if it has one.
        until_us: Option<u64>,
    },
    /// Waiting on a condition, event, barrier, queue, join or shutdown.
    Waiting {
        /// What it waits for.
        on: WaitTarget,
        /// When its timeout runs out, if it has one.
        until_us: Option<u64>,
    },
    /// Ended normally.
    Done,
    /// A daemon stopped at shutdown.
    Killed,
    /// Ended by a panic.
    Panicked {
        /// The panic message.
        message: String,
    },
}

impl ThreadState {
    pub(crate) fn from_exit(exit: &ExitKind) -> Self {
        match exit {
            ExitKind::Normal => Self::Done,
            ExitKind::Killed => Self::Killed,
            ExitKind::Panicked { message } => Self::Panicked { message: message.clone() },
        }
    }

    /// Whether the thread has ended.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        matches!(self, Self::Done | Self::Killed | Self::Panicked { .. })
    }

    /// Whether the thread is alive: started and not ended.
    #[must_use]
    pub fn is_live(&self) -> bool {
        !matches!(self, Self::New) && !self.is_finished()
    }

    /// The state's word in the table (also meaningful without colour).
    #[must_use]
    pub fn word(&self) -> &'static str {
        match self {
            Self::New => "NEW",
            Self::Running => "RUNNING",
            Self::Sleeping { .. } => "SLEEPING",
            Self::Blocked { .. } => "BLOCKED",
            Self::Waiting { .. } => "WAITING",
            Self::Done => "DONE",
            Self::Killed => "KILLED",
            // A Python class says an exception ended the thread (`Panicked` is the library's
            // Rust name for it).
            Self::Panicked { .. } => "EXCEPTION",
        }
    }

    /// A one-character symbol for narrow layouts and timelines.
    #[must_use]
    pub fn symbol(&self) -> char {
        match self {
            Self::New => '·',
            Self::Running => '▶',
            Self::Sleeping { .. } => 'z',
            Self::Blocked { .. } => '■',
            Self::Waiting { .. } => '…',
            Self::Done => '✓',
            Self::Killed => '✗',
            Self::Panicked { .. } => '!',
        }
    }
}

/// The instruction a thread ran last, in a watched program stepped by instruction
/// ([`crate::event::EventKind::Instruction`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Instruction {
    /// Sequence number of its event: of two threads' instructions, the later was run last.
    pub seq: u64,
    /// Its byte offset in its code object.
    pub offset: u32,
    /// What it did: `LOAD_GLOBAL balance → 5`.
    pub text: String,
    /// Its source line, when the event has one.
    pub loc: Option<SourceLoc>,
}

/// What the model knows about one thread: its state, what it holds, where in the source it is.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KnownThread {
    /// Its number in the session.
    pub tid: Tid,
    /// Its name.
    pub name: String,
    /// Whether it is a daemon.
    pub daemon: bool,
    /// Registered on first use rather than started by threadviz.
    pub foreign: bool,
    /// Its state.
    pub state: ThreadState,
    /// Demo time it entered its state, in microseconds.
    pub since_us: u64,
    /// The primitives it holds (locks, RLocks, semaphore permits).
    pub holds: Vec<PrimId>,
    /// Where in the source its latest operation was.
    pub loc: Option<SourceLoc>,
    /// The latest misuse it made, shown on its row.
    pub error: Option<String>,
    /// The instruction it just ran, kept until its next instruction or its next operation:
    /// what a step by instruction did, for the source panel to show at its line.
    pub instruction: Option<Instruction>,
    /// Its id in the operating system, once started (Linux: its `/proc/self/task` entry); `None` where the
    /// OS does not tell. Differs from run to run, so never shown where output must be stable.
    pub os_tid: Option<u32>,
    /// Events were lost since its latest one: its state may be out of date, and is not shown,
    /// until its next event settles it.
    pub unsure: bool,
}

impl KnownThread {
    pub(crate) fn new(tid: Tid, name: String, daemon: bool, foreign: bool, now: u64) -> Self {
        let state = if foreign { ThreadState::Running } else { ThreadState::New };
        Self {
            tid,
            name,
            daemon,
            foreign,
            state,
            since_us: now,
            holds: Vec::new(),
            loc: None,
            error: None,
            instruction: None,
            os_tid: None,
            unsure: false,
        }
    }

    pub(crate) fn set_state(&mut self, state: ThreadState, now: u64) {
        if self.state.is_finished() {
            return;
        }
        if self.state != state {
            self.state = state;
            self.since_us = now;
        }
    }
}
