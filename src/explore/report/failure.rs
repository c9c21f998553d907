//! A failure as the library hands it to a program: its kind ([`Failed`]) and the
//! [`Failure`] that `Explorer::check` returns, with the schedule and the call that replay it.

use std::fmt;

use crate::explore::finding::FailureKind;
use crate::explore::history::RunEnd;

/// What failed in a [`Failure`]: what the report counts a run as having found, or why a run
/// could not go on at all.
///
/// ```
/// use threadviz::explore::{Explorer, Failed};
///
/// let failure = Explorer::new().check(|| panic!("boom")).expect_err("every run panics");
/// assert_eq!(failure.kind(), Failed::Panic);
/// assert_eq!(failure.kind().to_string(), "panic");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Failed {
    /// No thread could move and the program had not ended.
    Deadlock,
    /// A thread panicked (the main thread included): a failed `assert!` is one.
    Panic,
    /// A primitive was misused (released unheld, waited on without its lock...).
    Misuse,
    /// A store lost updates on a `Shared` value: it overwrote stores its thread never read.
    LostUpdate,
    /// A thread did not come back to threadviz: it waited or ran outside threadviz's
    /// primitives (a std lock, a channel, I/O), so the run could not be explored.
    Stuck,
    /// The schedule replayed does not read, or does not fit the program: it was made for
    /// another version of it.
    Misfit,
    /// A run was cut at the step limit.
    StepLimit,
}

impl Failed {
    /// The kind of finding it is ([`FailureKind`], as `--find` names them), when the run
    /// found one; None when the run could not go on.
    #[must_use]
    pub fn finding(self) -> Option<FailureKind> {
        match self {
            Self::Deadlock => Some(FailureKind::Deadlock),
            Self::Panic => Some(FailureKind::Panic),
            Self::Misuse => Some(FailureKind::Misuse),
            Self::LostUpdate => Some(FailureKind::LostUpdate),
            Self::Stuck | Self::Misfit | Self::StepLimit => None,
        }
    }

    /// Its name in a sentence: `deadlock`, `lost update`, `stuck outside threadviz`.
    #[must_use]
    pub fn words(self) -> &'static str {
        match self {
            Self::Deadlock => FailureKind::Deadlock.words(),
            Self::Panic => FailureKind::Panic.words(),
            Self::Misuse => FailureKind::Misuse.words(),
            Self::LostUpdate => FailureKind::LostUpdate.words(),
            Self::Stuck => "stuck outside threadviz",
            Self::Misfit => "schedule misfit",
            Self::StepLimit => "step limit",
        }
    }

    /// Why a run that ended as `end` could not go on, if it could not.
    pub(crate) fn of_trouble(end: &RunEnd) -> Option<Self> {
        match end {
            RunEnd::Stuck(_) => Some(Self::Stuck),
            RunEnd::Misfit(_) => Some(Self::Misfit),
            RunEnd::StepLimit(_) => Some(Self::StepLimit),
            RunEnd::Completed | RunEnd::Deadlock => None,
        }
    }
}

impl From<FailureKind> for Failed {
    fn from(kind: FailureKind) -> Self {
        match kind {
            FailureKind::Deadlock => Self::Deadlock,
            FailureKind::Panic => Self::Panic,
            FailureKind::Misuse => Self::Misuse,
            FailureKind::LostUpdate => Self::LostUpdate,
        }
    }
}

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.words())
    }
}

/// A run that failed: a thread panicked, the program deadlocked, or (from
/// [`Report::failure`](super::Report::failure)) any other kind the report found. Says what failed, in which run and at
/// which step, which threads it was about, and gives the schedule that replays it, which
/// [`Failure::watch`] follows step by step in the dashboard.
///
/// Its fields are private; the accessors are its API.
///
/// ```
/// use threadviz::explore::{Explorer, Failed, Strategy};
/// use threadviz::sync::Lock;
/// use threadviz::thread;
///
/// // Two threads take two locks in opposite orders.
/// let failure = Explorer::new()
///     .strategy(Strategy::Dfs { preemptions: 2 })
///     .check(|| {
///         let (a, b) = (Lock::named("a"), Lock::named("b"));
///         let other = {
///             let (a, b) = (a.clone(), b.clone());
///             thread::spawn(move || {
///                 let _b = b.hold();
///                 let _a = a.hold();
///             })
///         };
///         {
///             let _a = a.hold();
///             let _b = b.hold();
///         }
///         other.join();
///     })
///     .expect_err("the deadlock is found");
/// assert_eq!(failure.kind(), Failed::Deadlock);
/// assert!(failure.step() <= failure.steps());
/// assert_eq!(failure.threads(), ["MainThread", "Thread-1"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub(crate) kind: Failed,
    pub(crate) what: String,
    pub(crate) run: usize,
    pub(crate) steps: usize,
    pub(crate) step: usize,
    // Boxed, not `String`s: a `Failure` is the error of every check, kept small to return.
    pub(crate) schedule: Box<str>,
    pub(crate) replay: Box<str>,
    /// What shrinking did to the schedule, when it was tried: `its schedule shrunk in 12
    /// replays from 4 entries to 2 entries`.
    pub(crate) shrinking: Option<Box<str>>,
    /// The names of the threads it is about, in the model's order.
    pub(crate) threads: Box<[String]>,
    /// OS threads the check's runs left behind, blocked outside threadviz (a `u32`, so that
    /// the error of every check stays small to return).
    pub(crate) left_behind: u32,
}

impl Failure {
    /// A failure of a run that could not go on at all: no step, no schedule, no thread named.
    pub(crate) fn trouble(kind: Failed, what: String, run: usize, schedule: String) -> Self {
        Self {
            kind,
            what,
            run,
            steps: 0,
            step: 0,
            schedule: schedule.into_boxed_str(),
            replay: Box::default(),
            shrinking: None,
            threads: Box::default(),
            left_behind: 0,
        }
    }

    /// The same failure, saying that the check's runs left `left_behind` OS threads behind.
    pub(crate) fn leaving(mut self, left_behind: usize) -> Self {
        if left_behind > 0 {
            self.what = format!("{}; {}", self.what, super::words::left_behind(left_behind));
        }
        Self { left_behind: u32::try_from(left_behind).unwrap_or(u32::MAX), ..self }
    }

    /// The schedule of the failing run, for [`replay`](crate::explore::replay) and
    /// [`watch_schedule`](crate::watch_schedule): shrunk, unless shrinking was turned off
    /// ([`Explorer::shrink`](crate::explore::Explorer::shrink)). Empty when the run could not go on
    /// ([`Failed::Stuck`]) and there is nothing to replay.
    #[must_use]
    pub fn schedule(&self) -> &str {
        &self.schedule
    }

    /// What failed: a deadlock, a panic, a misuse, a lost update; or why the run could not go
    /// on ([`Failed::Stuck`], [`Failed::Misfit`]).
    #[must_use]
    pub fn kind(&self) -> Failed {
        self.kind
    }

    /// The run it was found in, counted from 1 (for [`replay`](crate::explore::replay), the one run).
    #[must_use]
    pub fn run(&self) -> usize {
        self.run
    }

    /// The step (from 1) of the run given by [`schedule`](Self::schedule) during which it
    /// happened: the store that overwrote, the acquire that closed the cycle, the panic. 0
    /// when the run could not go on.
    #[must_use]
    pub fn step(&self) -> usize {
        self.step
    }

    /// How many steps that run took in all.
    #[must_use]
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// The names of the threads it is about: the thread that panicked or misused a
    /// primitive; for a lost update, the thread that stored, then the one whose store it
    /// overwrote; for a deadlock, the threads of its cycle (or, when every thread waits with
    /// no cycle, all of them). Empty when the run could not go on.
    #[must_use]
    pub fn threads(&self) -> &[String] {
        &self.threads
    }

    /// How many OS threads the check's runs left behind when it returned: threads blocked
    /// outside threadviz (a std lock, a std channel, a blocking system call) in a run given up,
    /// which nothing can stop safely from within the process. 0 when every thread of every
    /// run was stopped and its OS thread reclaimed, as happens to every thread blocked in
    /// threadviz's primitives. One left behind goes on if its wait ever ends, and unwinds at
    /// its next threadviz operation.
    #[must_use]
    pub fn threads_left_behind(&self) -> usize {
        usize::try_from(self.left_behind).unwrap_or(usize::MAX)
    }

    /// What happened, in one sentence.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.what
    }

    /// The call or command line that replays it: `threadviz::explore::replay("…", f)`.
    #[must_use]
    pub fn replay_hint(&self) -> &str {
        &self.replay
    }

    /// Opens the live dashboard on `f` (the function that failed) paused at its start,
    /// following this failure's schedule: `n` takes the schedule's next step, and the step
    /// that makes the failure is announced before it comes. As
    /// [`watch_schedule`](crate::watch_schedule) does, with the failure's own schedule; the
    /// terminal is restored however it ends. Needs the `dashboard` feature (on by default).
    ///
    /// # Errors
    ///
    /// The terminal's error, or [`std::io::ErrorKind::InvalidInput`] when the failure has no
    /// schedule to follow (the run could not go on).
    ///
    /// ```no_run
    /// use threadviz::explore::Explorer;
    /// use threadviz::sync::Shared;
    ///
    /// fn two_increments() {
    ///     let counter = Shared::named("counter", 0);
    ///     let other = {
    ///         let counter = counter.clone();
    ///         threadviz::thread::spawn(move || counter.store(counter.load() + 1))
    ///     };
    ///     counter.store(counter.load() + 1);
    ///     other.join();
    ///     assert_eq!(counter.load(), 2, "an update was lost");
    /// }
    ///
    /// if let Err(failure) = Explorer::new().check(two_increments) {
    ///     failure.watch(two_increments).expect("a terminal");
    /// }
    /// ```
    #[cfg(feature = "dashboard")]
    pub fn watch(&self, f: impl Fn() + Send + Sync + 'static) -> std::io::Result<()> {
        if self.schedule.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("this failure has no schedule to follow: {}", self.what),
            ));
        }
        crate::watch_schedule(self.kind.words(), &self.schedule, f)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.what)?;
        match &self.shrinking {
            Some(shrinking) => {
                writeln!(f, "  in run {}, {shrinking}: at step {} of {}", self.run, self.step, self.steps)?;
            }
            None => writeln!(f, "  in run {}, at step {} of {}", self.run, self.step, self.steps)?,
        }
        writeln!(f, "  schedule: {}", self.schedule)?;
        write!(f, "  replay: {}", self.replay)
    }
}

impl std::error::Error for Failure {}
