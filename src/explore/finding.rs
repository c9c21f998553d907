//! What exploring looks for and what it finds: the kinds of failure (`--find`) and one thing
//! that went wrong in a run, at its step, in the model's words. The inspector writes findings;
//! a run's outcome and the report carry them.

use std::fmt;

/// A kind of failure exploration looks for (`--find`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FailureKind {
    /// No thread could move and the program had not ended.
    Deadlock,
    /// A thread panicked (the main thread included).
    Panic,
    /// A primitive was misused (released unheld, waited on without its lock...).
    Misuse,
    /// A store lost updates on a `Shared` value: it overwrote stores its thread never read.
    LostUpdate,
}

impl FailureKind {
    /// Every kind, in the order reports list them.
    pub const ALL: [Self; 4] = [Self::Deadlock, Self::Panic, Self::Misuse, Self::LostUpdate];

    /// Its name on the command line.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Deadlock => "deadlock",
            Self::Panic => "panic",
            Self::Misuse => "misuse",
            Self::LostUpdate => "lost-update",
        }
    }
}

impl FailureKind {
    /// Its name in a sentence.
    #[must_use]
    pub fn words(self) -> &'static str {
        match self {
            Self::LostUpdate => "lost update",
            other => other.name(),
        }
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One thing that went wrong in a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub(crate) kind: FailureKind,
    /// The step (from 1) during which it happened: the store that overwrote, the acquire that
    /// closed the cycle, the panic.
    pub(crate) step: usize,
    /// What happened, in the model's words.
    pub(crate) text: String,
    /// The names of the threads it is about (see [`Failure::threads`](super::Failure::threads)).
    pub(crate) threads: Vec<String>,
}
