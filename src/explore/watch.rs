//! The [`Inspector`] of a run's events: what went wrong and whether a challenge's goal was
//! reached, one event at a time, with the model the dashboard folds: the same predicates for
//! `--find`, for the explorer's report and for a challenge played by hand.

use std::collections::BTreeSet;

use super::finding::{FailureKind, Finding};
use super::history::RunEnd;
use crate::event::{Control, EventKind, ExitKind, LogLevel, Tid, TraceEvent};
use crate::model::{LostUpdate, Model, PrimState};

/// What a challenge asks for, checked against the model after each event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Goal {
    /// A failure of this kind: a lost update, a deadlock...
    Find(FailureKind),
    /// The primitive called `prim` held by `count` threads at once (a semaphore's permits).
    Holders { prim: &'static str, count: usize },
    /// `count` threads at once between logging `enter` and logging `leave`.
    Together { enter: &'static str, leave: &'static str, count: usize },
    /// A thread logs `passed` before `parties` threads have logged `arrived`.
    Overtake { passed: &'static str, arrived: &'static str, parties: usize },
}

/// A run's events, folded as they come and inspected for failures and the goal.
#[derive(Debug, Default)]
pub(crate) struct Inspector {
    pub(crate) model: Model,
    /// Steps taken so far: each step starts with its control event.
    step: usize,
    pub(crate) findings: Vec<Finding>,
    goal: Option<Goal>,
    /// When and how the goal was reached.
    pub(crate) reached: Option<(usize, String)>,
    inside: BTreeSet<Tid>,
    arrived: BTreeSet<Tid>,
    /// The run is over: later events (threads killed to end it) are not the program's doing.
    closed: bool,
    /// The last line the program printed (logged at info level).
    pub(crate) last_output: Option<String>,
}

impl Inspector {
    pub(crate) fn new(goal: Option<Goal>) -> Self {
        Self { goal, ..Self::default() }
    }

    fn find(&mut self, kind: FailureKind, text: String, threads: &[Tid]) {
        if !self.findings.iter().any(|finding| finding.kind == kind) {
            let mut names: Vec<String> = Vec::with_capacity(threads.len());
            for &tid in threads {
                let name = self.model.thread_name(tid);
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            self.findings.push(Finding { kind, step: self.step, text: text.clone(), threads: names });
            if self.goal == Some(Goal::Find(kind)) && self.reached.is_none() {
                self.reached = Some((self.step, text));
            }
        }
    }

    fn reach(&mut self, text: String) {
        if self.reached.is_none() {
            self.reached = Some((self.step, text));
        }
    }

    /// Folds one event in.
    pub(crate) fn apply(&mut self, event: &TraceEvent) {
        if self.closed {
            return;
        }
        if let EventKind::Control { control: Control::Step { .. } | Control::Advance { .. } } = event.kind {
            self.step += 1;
        }
        self.model.apply(event);
        let name = |watch: &Self, tid| watch.model.thread_name(tid);
        match &event.kind {
            // A store that brought updates back is told in the log, but is no failure.
            EventKind::Store { .. } if self.model.lost_update_at(event.seq).is_some_and(LostUpdate::loses) => {
                let lost = self.model.lost_update_at(event.seq);
                let text = lost.map(|lost| self.model.lost_update_story(lost));
                let threads = lost.map_or_else(Vec::new, |lost| vec![lost.thread, lost.overwritten_thread]);
                self.find(FailureKind::LostUpdate, text.unwrap_or_default(), &threads);
            }
            EventKind::ThreadExited { tid, exit: ExitKind::Panicked { message } } => {
                let text = format!("{} panicked: {message}", name(self, *tid));
                self.find(FailureKind::Panic, text, &[*tid]);
            }
            EventKind::Misuse { message, .. } => {
                let text = format!("{}: {message}", name(self, event.thread));
                self.find(FailureKind::Misuse, text, &[event.thread]);
            }
            EventKind::Log { message, level } => {
                if *level == LogLevel::Info {
                    self.last_output = Some(message.clone());
                }
                self.logged(event.thread, message);
            }
            _ => {}
        }
        if let Some(Goal::Holders { prim, count }) = self.goal
            && let Some(known) = self.model.prims.values().find(|known| known.name == prim)
            && known.holders().len() >= count
        {
            let holders: Vec<String> = known.holders().iter().map(|&tid| name(self, tid)).collect();
            self.reach(format!("{} hold {prim} at once", holders.join(", ")));
        }
    }

    fn logged(&mut self, tid: Tid, message: &str) {
        match self.goal {
            Some(Goal::Together { enter, leave, count }) => {
                if message.contains(enter) {
                    self.inside.insert(tid);
                } else if message.contains(leave) {
                    self.inside.remove(&tid);
                }
                if self.inside.len() >= count {
                    let names: Vec<String> = self.inside.iter().map(|&tid| self.model.thread_name(tid)).collect();
                    self.reach(format!("{} are in at once", names.join(" and ")));
                }
            }
            Some(Goal::Overtake { passed, arrived, parties }) => {
                if message.contains(arrived) {
                    self.arrived.insert(tid);
                } else if message.contains(passed) && self.arrived.len() < parties {
                    let text = format!(
                        "{} got past while only {} of {parties} had arrived",
                        self.model.thread_name(tid),
                        self.arrived.len()
                    );
                    self.reach(text);
                }
            }
            _ => {}
        }
    }

    /// The run ended as `end`: a deadlock is a finding now, in the model's words.
    pub(crate) fn close(&mut self, end: &RunEnd) {
        if self.closed {
            return;
        }
        if *end == RunEnd::Deadlock {
            let text = self.model.deadlock_message().unwrap_or_else(|| "deadlock: no thread can move".to_owned());
            // The cycle's threads, in its order; with no cycle, every thread that cannot go on.
            let threads: Vec<Tid> = self.model.deadlock.as_ref().map_or_else(Vec::new, |deadlock| {
                if deadlock.cycle.is_empty() {
                    deadlock.stuck.clone()
                } else {
                    deadlock.cycle.iter().map(|link| link.thread).collect()
                }
            });
            self.find(FailureKind::Deadlock, text, &threads);
        }
        self.closed = true;
    }

    /// Each `Shared` value's name and current value, in creation order.
    pub(crate) fn shared_values(&self) -> Vec<(String, String)> {
        self.model
            .prims
            .values()
            .filter_map(|prim| match &prim.state {
                PrimState::Shared { value, .. } => Some((prim.name.clone(), value.clone())),
                _ => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
