//! The first run, and the shortest, in which one kind of failure happened, and what
//! shrinking made of its schedule: what the report and a [`super::Failure`] show of it.

use super::words::{entries, replays, stop_words};
use crate::explore::finding::{FailureKind, Finding};
use crate::explore::outcome::Outcome;
use crate::explore::run::Program;
use crate::explore::schedule::Schedule;
use crate::explore::shrink::Shrinking;
use crate::explore::watch::Goal;

/// The first run, and the shortest, in which one kind of failure happened.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub(crate) runs: usize,
    /// The first run's number (from 1), its finding and its schedule.
    pub(crate) first_run: usize,
    pub(crate) first: Finding,
    pub(crate) first_schedule: String,
    pub(crate) first_steps: usize,
    /// The run that reached it in the fewest steps: its number, schedule and that step.
    pub(crate) shortest_run: usize,
    pub(crate) shortest_schedule: String,
    pub(crate) shortest_step: usize,
    /// What came of shrinking the first schedule, once it was tried.
    pub(crate) shrinking: Option<Shrinking>,
}

/// The failure a report shows for a kind: the shrunk run's when shrinking kept one, else the
/// first run's.
pub(crate) struct Shown<'a> {
    pub(crate) finding: &'a Finding,
    pub(crate) steps: usize,
    pub(crate) schedule: &'a str,
}

impl Found {
    /// Makes its first and soonest runs, found with sleeps that end at once, again with sleeps
    /// in deadline order (see `run::retime`): the schedules a replay follows. False when one
    /// cannot be made so, which keeps its own.
    pub(crate) fn in_deadline_order(&mut self, kind: FailureKind, program: &Program, goal: Option<Goal>) -> bool {
        let remade = |schedule: &str| {
            let schedule = Schedule::parse(schedule).ok()?;
            let (outcome, _) = Outcome::of(crate::explore::run::in_deadline_order(program, &schedule)?, goal);
            let finding = outcome.findings.iter().find(|finding| finding.kind == kind)?.clone();
            Some((outcome.schedule.to_string(), finding, outcome.steps))
        };
        let first = remade(&self.first_schedule).map(|(schedule, finding, steps)| {
            self.first_schedule = schedule;
            self.first = finding;
            self.first_steps = steps;
        });
        let shortest = remade(&self.shortest_schedule).map(|(schedule, finding, _)| {
            self.shortest_schedule = schedule;
            self.shortest_step = finding.step;
        });
        first.is_some() && shortest.is_some()
    }

    pub(crate) fn shown(&self) -> Shown<'_> {
        match &self.shrinking {
            Some(Shrinking::Shrunk(shrunk)) => {
                Shown { finding: &shrunk.finding, steps: shrunk.after.steps, schedule: &shrunk.schedule }
            }
            _ => Shown { finding: &self.first, steps: self.first_steps, schedule: &self.first_schedule },
        }
    }

    /// What shrinking did, in a few words, for a [`Failure`]: `its schedule shrunk in 12
    /// replays from 4 entries to 2 entries`.
    pub(crate) fn shrinking_words(&self) -> Option<Box<str>> {
        let words = match self.shrinking.as_ref()? {
            Shrinking::Shrunk(shrunk) if shrunk.schedule == self.first_schedule => {
                format!("its schedule as short as shrinking makes it ({})", replays(shrunk.replays))
            }
            Shrinking::Shrunk(shrunk) => format!(
                "its schedule shrunk in {}{} from {} to {}",
                replays(shrunk.replays),
                stop_words(shrunk.stop),
                entries(shrunk.before.entries),
                entries(shrunk.after.entries)
            ),
            Shrinking::NotReproduced => NOT_REPRODUCED.to_owned(),
            Shrinking::Interrupted => "not shrunk: interrupted".to_owned(),
        };
        Some(words.into_boxed_str())
    }
}

/// Why a schedule was not shrunk, when replaying it failed otherwise.
const NOT_REPRODUCED: &str =
    "not shrunk: replayed, its schedule did not fail the same way (the program did not run the same way twice)";
