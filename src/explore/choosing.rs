//! What a strategy answers to: the point of a run at which it chooses, and the chooser's part
//! in each run (begun, asked, told of refusals, told the run made). The driver asks; the
//! strategies and the schedule followers answer.

use crate::session::Choice;

use super::history::Run;

/// What a chooser is told about the step to choose.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Point<'a> {
    /// What may move, in order: threads by number, then time.
    pub(crate) options: &'a [Choice],
    /// The choice's number in the run, from 0: steps where only one thing could move are not
    /// choices.
    pub(crate) choice: usize,
    /// The step's number in the run, from 0.
    pub(crate) step: usize,
    /// What moved at the previous step.
    pub(crate) last: Option<Choice>,
    /// How many steps that thread has taken (time passing counts for the thread it wakes): with
    /// `last`, where in the run this is, whatever the other threads did before it.
    pub(crate) taken: usize,
}

/// One strategy's state across the runs of an exploration.
pub(crate) trait Chooser: Send {
    /// A new run begins.
    fn begin_run(&mut self) {}
    /// Chooses one of `point.options` (at least two); an error says why the run cannot go on
    /// (a schedule that does not fit the program).
    fn choose(&mut self, point: &Point<'_>) -> Result<Choice, String>;
    /// The choice made at `point` did nothing: the thread found its wait unsatisfied. The
    /// same point is asked again without it.
    fn refused(&mut self, point: &Point<'_>, choice: Choice) -> Result<(), String> {
        let _ = (point, choice);
        Ok(())
    }
    /// The run ended (or was cut as [`Chooser::redundant`]); false when the strategy has
    /// nothing left to try.
    fn end_run(&mut self, run: &Run) -> bool {
        let _ = run;
        true
    }
    /// Whether the run under way repeats one already made: it is cut, and not counted.
    fn redundant(&self) -> bool {
        false
    }
    /// A chooser whose choices another process can draw as it would: the state of its random
    /// generator now. A Python run given it makes each choice itself and tells it, and this
    /// chooser, asked at the same points, checks each (it draws the same numbers in the same
    /// order); saving the run a round trip to threadviz at every choice.
    fn delegate(&self) -> Option<u64> {
        None
    }
}
