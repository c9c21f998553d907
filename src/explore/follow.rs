//! Following a schedule: the chooser of a replay, which fails with a clear message at the
//! first step the schedule does not fit; and the default move a schedule writes `_`.

use super::choosing::{Chooser, Point};
use super::schedule::{Planned, Schedule};
use crate::session::Choice;

/// Chooses what the schedule says, in order.
pub(crate) struct Follow {
    schedule: Schedule,
    /// The choice after the last one asked.
    next: usize,
}

impl Follow {
    pub(crate) fn new(schedule: Schedule) -> Self {
        Self { schedule, next: 0 }
    }

    /// Choices of the schedule not used yet (none left over for one that ends with `_*`,
    /// which fits a run of any length).
    pub(crate) fn left(&self) -> usize {
        if self.schedule.then_default() { 0 } else { self.schedule.len().saturating_sub(self.next) }
    }
}

/// The default move (`_` in a schedule) among `options` (at least one), when `last` moved
/// last: that thread goes on if it can, else the lowest-numbered thread that can; time passes
/// only when no thread can. It never preempts, so the shrinker fills every choice it does not
/// need with it.
pub(crate) fn default_choice(options: &[Choice], last: Option<Choice>) -> Choice {
    match last {
        Some(last) if options.contains(&last) => last,
        // Options list threads by number, then time.
        _ => options.first().copied().unwrap_or(Choice::Time),
    }
}

/// A choice as a sentence says it: `thread 3`, `time passing`.
pub(crate) fn choice_words(choice: Choice) -> String {
    match choice {
        Choice::Thread(tid) => format!("thread {tid}"),
        Choice::Time => "time passing".to_owned(),
    }
}

/// Options as a sentence lists them: `thread 1, thread 2 or time passing`.
pub(crate) fn options_words(options: &[Choice]) -> String {
    let words: Vec<String> = options.iter().map(|&choice| choice_words(choice)).collect();
    match words.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => "nothing".to_owned(),
    }
}

impl Follow {
    /// The schedule's choice at `index` among `options`, `last` having moved last.
    fn planned(&self, index: usize, options: &[Choice], last: Option<Choice>) -> Option<Choice> {
        self.schedule.get(index).map(|planned| match planned {
            Planned::Exactly(choice) => choice,
            Planned::Default => default_choice(options, last),
        })
    }
}

impl Chooser for Follow {
    fn choose(&mut self, point: &Point<'_>) -> Result<Choice, String> {
        let Some(choice) = self.planned(self.next, point.options, point.last) else {
            return Err(format!(
                "the schedule ends after {} choice{}, but at step {} {} can still move: it was made for another version of the program",
                self.schedule.len(),
                if self.schedule.len() == 1 { "" } else { "s" },
                point.step + 1,
                options_words(point.options)
            ));
        };
        if !point.options.contains(&choice) {
            return Err(format!(
                "choice {} of the schedule (step {}) is {}, which cannot move then; {} can: the schedule was made for another version of the program",
                self.next + 1,
                point.step + 1,
                choice_words(choice),
                options_words(point.options)
            ));
        }
        self.next += 1;
        Ok(choice)
    }

    /// A thread the schedule chose found its wait not over, as in the run that wrote the
    /// schedule: the step is asked again, with the schedule's next choice. When a single option
    /// is left it moves without asking, and that is the schedule's next choice too.
    fn refused(&mut self, point: &Point<'_>, choice: Choice) -> Result<(), String> {
        // A step with a single option was not the schedule's to choose.
        let [first, second] = point.options else { return Ok(()) };
        let left = if *first == choice { *second } else { *first };
        let remaining = [left];
        match self.planned(self.next, &remaining, point.last) {
            Some(planned) if planned == left => {
                self.next += 1;
                Ok(())
            }
            planned => Err(format!(
                "at step {} {} found its wait not over, which leaves {}, but the schedule {}: it was made for another version of the program",
                point.step + 1,
                choice_words(choice),
                choice_words(left),
                planned.map_or_else(|| "ends there".to_owned(), |planned| format!("chooses {}", choice_words(planned)))
            )),
        }
    }
}

impl Follow {
    /// What the next step moves when `options` can and `last` moved last: the only option, or
    /// the schedule's next choice.
    pub(crate) fn next_choice(&self, options: &[Choice], last: Option<Choice>) -> Option<Choice> {
        match options {
            [only] => Some(*only),
            _ => self.planned(self.next, options, last),
        }
    }
}

/// Chooses one given choice: a thread the class picked.
pub(crate) struct Pick(pub(crate) Choice);

impl Chooser for Pick {
    fn choose(&mut self, point: &Point<'_>) -> Result<Choice, String> {
        if point.options.contains(&self.0) {
            Ok(self.0)
        } else {
            Err(format!("{} cannot move now; {} can", choice_words(self.0), options_words(point.options)))
        }
    }

    fn refused(&mut self, _point: &Point<'_>, choice: Choice) -> Result<(), String> {
        Err(format!("{} looked again: what it waits for is still not there", choice_words(choice)))
    }
}

/// Chooses the next thread in number order after the one that moved last, as `n` does on a
/// paused live session; time passes only when no thread can move.
pub(crate) struct RoundRobin;

impl Chooser for RoundRobin {
    fn choose(&mut self, point: &Point<'_>) -> Result<Choice, String> {
        let after = match point.last {
            Some(Choice::Thread(tid)) => tid,
            _ => 0,
        };
        let threads = || {
            point.options.iter().filter_map(|&option| if let Choice::Thread(tid) = option { Some(tid) } else { None })
        };
        let next = threads().find(|&tid| tid > after).or_else(|| threads().next());
        Ok(next.map_or(Choice::Time, Choice::Thread))
    }
}
