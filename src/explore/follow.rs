//! Following a schedule: the chooser of a replay, which fails with a clear message at the
//! first step the schedule does not fit.

use super::schedule::Schedule;
use super::strategy::{Chooser, Point};
use crate::session::Choice;

/// Chooses what the schedule says, in order.
pub(crate) struct Follow {
    schedule: Schedule,
    next: usize,
}

impl Follow {
    pub(crate) fn new(schedule: Schedule) -> Self {
        Self { schedule, next: 0 }
    }

    /// Choices of the schedule not used yet.
    pub(crate) fn left(&self) -> usize {
        self.schedule.len().saturating_sub(self.next)
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

impl Chooser for Follow {
    fn choose(&mut self, point: &Point<'_>) -> Result<Choice, String> {
        let choice_number = point.choice + 1;
        let Some(choice) = self.schedule.get(self.next) else {
            return Err(format!(
                "the schedule ends after {} choices, but at step {} {} can still move: it was made for another version of the program",
                self.schedule.len(),
                point.step + 1,
                options_words(point.options)
            ));
        };
        if !point.options.contains(&choice) {
            return Err(format!(
                "choice {choice_number} of the schedule (step {}) is {}, which cannot move then; {} can: the schedule was made for another version of the program",
                point.step + 1,
                choice_words(choice),
                options_words(point.options)
            ));
        }
        self.next += 1;
        Ok(choice)
    }

    fn refused(&mut self, point: &Point<'_>, choice: Choice) -> Result<(), String> {
        Err(format!(
            "at step {} the schedule chooses {}, but its wait is not over: the schedule was made for another version of the program",
            point.step + 1,
            choice_words(choice)
        ))
    }
}

impl Follow {
    /// What the next step moves when `options` can: the only option, or the schedule's next
    /// choice.
    pub(crate) fn next_choice(&self, options: &[Choice]) -> Option<Choice> {
        match options {
            [only] => Some(*only),
            _ => self.schedule.get(self.next),
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
