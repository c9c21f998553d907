//! A run once made, as the driver writes it and the choosers, the inspector, the shrinker and
//! the report read it: the schedule that made it, what was asked at each choice, each step that
//! moved, how it ended, and its events.

use crate::event::{Tid, TraceEvent};
use crate::session::Choice;

use super::schedule::Schedule;

/// How a run stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RunEnd {
    /// The program ended (whatever its threads did on the way).
    Completed,
    /// No thread could move, and the program had not ended.
    Deadlock,
    /// A step did not come back: this thread waits outside threadviz or loops without it.
    Stuck(Option<Tid>),
    /// The run reached the step limit.
    StepLimit(usize),
    /// The schedule being followed does not fit the program.
    Misfit(String),
}

/// One run: the schedule that made it, how it stopped, and its events.
pub(crate) struct Run {
    pub(crate) schedule: Schedule,
    /// What the chooser saw at each entry of the schedule.
    pub(crate) asked: Vec<Asked>,
    /// Steps at which more than one thing could move (fewer than the schedule's entries when
    /// a thread refused its grant).
    pub(crate) choices: usize,
    pub(crate) steps: usize,
    pub(crate) end: RunEnd,
    pub(crate) events: Vec<TraceEvent>,
    /// A program in another process: the exit status its run ended with (minus the signal
    /// that ended it), when it told; nothing for a session of this process.
    pub(crate) exit: Option<i32>,
    /// Every step that moved, in order: what was granted and which choice it was, so that a
    /// depth-first search can tell which of its choices each step's events belong to.
    pub(crate) moves: Vec<Move>,
    /// The chooser cut the run short: the rest of it repeats a run already made (or, under
    /// partial-order reduction, one equivalent to it), so it counts for nothing.
    pub(crate) redundant: bool,
    /// OS threads of the run still running its threads when it was over: blocked outside
    /// threadviz, they could not be stopped (the run module's `UNWINDING`).
    pub(crate) left_behind: usize,
    /// The program began a timed wait other than a sleep, or read demo time (told for a
    /// session of this process only): its sleeps must end in deadline order.
    pub(crate) timed_wait: bool,
}

#[cfg(test)]
impl Run {
    /// A run of `choices` choices and nothing else, for a chooser's tests.
    pub(crate) fn of_choices(choices: usize) -> Self {
        Self {
            schedule: Schedule::default(),
            asked: Vec::new(),
            choices,
            steps: choices,
            end: RunEnd::Completed,
            events: Vec::new(),
            exit: None,
            moves: Vec::new(),
            redundant: false,
            left_behind: 0,
            timed_wait: false,
        }
    }
}

/// One step that moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Move {
    /// What was granted: the thread, or time passing.
    pub(crate) granted: Choice,
    /// The thread that moved (for time passing: the one whose wait ended).
    pub(crate) thread: Tid,
    /// The choice's number in the run, when more than one thing could move.
    pub(crate) choice: Option<usize>,
    /// Whether the step began or ended a timed wait, or read demo time: whether it may not
    /// commute with time passing. None when the target does not tell (time passing is then
    /// read as dependent on everything).
    pub(crate) timed: Option<bool>,
}

/// One entry of a run's schedule, as it was chosen: a grant the thread refused (its wait was
/// not over) is an entry too, since what the run did next depends on it, and so is the move
/// made for the chooser when refusals leave a single option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Asked {
    /// What could move then (those that refused before it at this step left out).
    pub(crate) options: Vec<Choice>,
    /// What had moved at the step before.
    pub(crate) last: Option<Choice>,
    /// How many steps that thread had taken.
    pub(crate) taken: usize,
    /// What was chosen.
    pub(crate) chosen: Choice,
    /// Whether it refused its grant.
    pub(crate) refused: bool,
}
