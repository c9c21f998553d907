//! Errors of thread operations, worded as Python words them.

use std::fmt;

/// A misuse of a [`Thread`](super::Thread), refused with Python's message: returned by the
/// `try_*` methods, the panic message of the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreadError {
    /// `start()` on a thread that was already started.
    StartedTwice,
    /// `join()` on a thread that was never started.
    JoinBeforeStart,
    /// A thread tried to join itself.
    JoinSelf,
    /// `set_daemon()` after `start()`.
    DaemonAfterStart,
    /// The operating system refused to create a thread.
    Spawn(String),
}

impl fmt::Display for ThreadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::StartedTwice => f.write_str("threads can only be started once"),
            Self::JoinBeforeStart => f.write_str("cannot join thread before it is started"),
            Self::JoinSelf => f.write_str("cannot join current thread"),
            Self::DaemonAfterStart => f.write_str("cannot set daemon status of active thread"),
            Self::Spawn(reason) => write!(f, "can't start new thread: {reason}"),
        }
    }
}

impl std::error::Error for ThreadError {}
