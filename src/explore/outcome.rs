//! What one explored run came to, read from its events by the same model the dashboard folds:
//! how it ended, what went wrong and at which step, and the final value of every `Shared`.

use super::finding::{FailureKind, Finding};
use super::history::{Run, RunEnd};
use super::schedule::Schedule;
use super::watch::{Goal, Inspector};
use crate::event::{EventKind, ExitKind, TraceEvent};

/// How a run ended, as the report counts runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Ending {
    Completed,
    Deadlock,
    Panic,
    Misuse,
    /// A thread did not come back to threadviz within the patience.
    Stuck,
    /// The step limit cut the run.
    StepLimit,
}

impl Ending {
    pub(crate) fn words(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::Deadlock => "deadlock",
            Self::Panic => "panic",
            Self::Misuse => "misuse",
            Self::Stuck => "stuck outside threadviz",
            Self::StepLimit => "step limit",
        }
    }
}

/// One run, read.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub(crate) schedule: Schedule,
    pub(crate) steps: usize,
    pub(crate) end: RunEnd,
    /// The first finding of each kind, by kind.
    pub(crate) findings: Vec<Finding>,
    /// Each `Shared` value's name and final value, in creation order.
    pub(crate) finals: Vec<(String, String)>,
    /// The goal watched for: the step that reached it and how.
    pub(crate) reached: Option<(usize, String)>,
    /// The last line the program printed, if any.
    pub(crate) last_output: Option<String>,
    /// A program in another process: how its run exited.
    pub(crate) exit: Option<i32>,
    /// How many threads the run's events name (the main thread included).
    pub(crate) threads: usize,
    /// OS threads of the run left behind, blocked outside threadviz when it was over.
    pub(crate) left_behind: usize,
}

impl Outcome {
    /// Reads `run`'s events, watching for `goal` too.
    pub(crate) fn of(run: Run, goal: Option<Goal>) -> (Self, Vec<TraceEvent>) {
        let mut inspector = Inspector::new(goal);
        for event in &run.events {
            // Threads killed once a run that could not go on is over are not the program's
            // doing: stop before them.
            let killed = matches!(event.kind, EventKind::ThreadExited { exit: ExitKind::Killed, .. });
            if killed && run.end != RunEnd::Completed {
                break;
            }
            inspector.apply(event);
        }
        inspector.close(&run.end);
        let mut findings = std::mem::take(&mut inspector.findings);
        findings.sort_by_key(|finding| finding.kind);
        let finals = inspector.shared_values();
        let threads = run.events.iter().filter(|event| matches!(event.kind, EventKind::ThreadCreated { .. })).count();
        let outcome = Self {
            schedule: run.schedule,
            steps: run.steps,
            end: run.end,
            findings,
            finals,
            reached: inspector.reached.take(),
            last_output: inspector.last_output.take(),
            exit: run.exit,
            threads,
            left_behind: run.left_behind,
        };
        (outcome, run.events)
    }

    /// How the run ended, as the report counts runs.
    pub(crate) fn ending(&self) -> Ending {
        let has = |kind| self.findings.iter().any(|finding| finding.kind == kind);
        match self.end {
            RunEnd::Deadlock => Ending::Deadlock,
            RunEnd::Stuck(_) | RunEnd::Misfit(_) => Ending::Stuck,
            RunEnd::StepLimit(_) => Ending::StepLimit,
            RunEnd::Completed if has(FailureKind::Panic) => Ending::Panic,
            RunEnd::Completed if has(FailureKind::Misuse) => Ending::Misuse,
            RunEnd::Completed => Ending::Completed,
        }
    }

    /// Its finding of `kind`, if any.
    pub(crate) fn finding(&self, kind: FailureKind) -> Option<&Finding> {
        self.findings.iter().find(|finding| finding.kind == kind)
    }
}
