//! What one explored run came to, read from its events by the same model the dashboard folds:
//! how it ended, what went wrong and at which step, and the final value of every `Shared`.

use std::fmt;

use super::run::{Run, RunEnd};
use super::schedule::Schedule;
use crate::event::{Control, EventKind, ExitKind, TraceEvent};
use crate::model::{Model, PrimState};

/// A kind of failure exploration looks for (`--find`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FailureKind {
    /// No thread could move and the program had not ended.
    Deadlock,
    /// A thread panicked (the main thread included).
    Panic,
    /// A primitive was misused (released unheld, waited on without its lock...).
    Misuse,
    /// A `Shared` value ended missing updates: a store overwrote another thread's.
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
}

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
}

impl Outcome {
    /// Reads `run`'s events.
    pub(crate) fn of(run: Run) -> (Self, Vec<TraceEvent>) {
        let mut model = Model::new();
        let mut findings: Vec<Finding> = Vec::new();
        let mut step = 0;
        let mut lost_at: Option<(usize, String)> = None;
        let find = |findings: &mut Vec<Finding>, kind, step, text: String| {
            if !findings.iter().any(|finding: &Finding| finding.kind == kind) {
                findings.push(Finding { kind, step, text });
            }
        };
        for event in &run.events {
            if let EventKind::Control { control: Control::Step { .. } | Control::Advance { .. } } = event.kind {
                step += 1;
            }
            // Threads killed once the run is over (the deadlock broken by ending the run) are
            // not the program's doing.
            let killed = matches!(event.kind, EventKind::ThreadExited { exit: ExitKind::Killed, .. });
            if killed && run.end != RunEnd::Completed {
                break;
            }
            let lost_before = lost_total(&model);
            model.apply(event);
            match &event.kind {
                EventKind::Store { .. } if lost_at.is_none() && lost_total(&model) > lost_before => {
                    let text = model.lost_updates.back().map_or_else(
                        || "a store overwrote another thread's update".to_owned(),
                        |lost| model.lost_update_story(lost),
                    );
                    lost_at = Some((step, text));
                }
                EventKind::ThreadExited { tid, exit: ExitKind::Panicked { message } } => {
                    let text = format!("{} panicked: {message}", model.thread_name(*tid));
                    find(&mut findings, FailureKind::Panic, step, text);
                }
                EventKind::Misuse { message, .. } => {
                    let text = format!("{}: {message}", model.thread_name(event.thread));
                    find(&mut findings, FailureKind::Misuse, step, text);
                }
                _ => {}
            }
            if run.end == RunEnd::Deadlock
                && let Some(text) = model.deadlock_message()
            {
                find(&mut findings, FailureKind::Deadlock, step, text);
            }
        }
        if run.end == RunEnd::Deadlock {
            find(&mut findings, FailureKind::Deadlock, step, "deadlock: no thread can move".to_owned());
        }
        if lost_total(&model) > 0
            && let Some((step, text)) = lost_at
        {
            find(&mut findings, FailureKind::LostUpdate, step, text);
        }
        findings.sort_by_key(|finding| finding.kind);
        let finals = model
            .prims
            .values()
            .filter_map(|prim| match &prim.state {
                PrimState::Shared { value, .. } => Some((prim.name.clone(), value.clone())),
                _ => None,
            })
            .collect();
        let outcome = Self { schedule: run.schedule, steps: run.steps, end: run.end, findings, finals };
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

/// Updates missing from all `Shared` values together.
fn lost_total(model: &Model) -> u64 {
    model
        .prims
        .values()
        .filter(|prim| matches!(prim.state, PrimState::Shared { .. }))
        .map(|prim| model.lost_updates_on(prim.pid))
        .sum()
}
