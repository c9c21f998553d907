//! What an exploration found: runs, how they ended, the first schedule of each failure and the
//! command that replays it, and each `Shared` value's final values as a histogram.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use super::finding::FailureKind;
use super::history::RunEnd;
use super::outcome::{Ending, Outcome};
use super::run::Program;
use super::schedule::Schedule;
use super::shrink::{self, Shrinking};
use super::strategy::Strategy;

/// How a found schedule is replayed, for the report to print: a command line or a call.
pub(crate) type ReplayHint = Box<dyn Fn(&str) -> String + Send + Sync>;

mod failure;
mod found;
mod words;

pub use self::failure::{Failed, Failure};
pub(crate) use self::found::Found;
pub(crate) use self::words::thousands;
use self::words::{DEFAULT_MOVE, entries, preemptions, preemptions_words, replays, runs, stop_words, write_histogram};

/// The report of an exploration. Its `Display` is what `threadviz explore` prints.
pub struct Report {
    pub(crate) program: String,
    pub(crate) strategy: Strategy,
    pub(crate) seed: u64,
    pub(crate) runs: usize,
    /// Steps taken over all runs.
    pub(crate) steps: usize,
    pub(crate) elapsed: Duration,
    pub(crate) interleavings: HashSet<String>,
    /// Some(true) when a depth-first search ran out of interleavings to try.
    pub(crate) exhaustive: Option<bool>,
    pub(crate) endings: BTreeMap<Ending, usize>,
    pub(crate) found: BTreeMap<FailureKind, Found>,
    /// Each `Shared` value (in the order first seen) with its final values and their runs.
    pub(crate) finals: Vec<(String, BTreeMap<String, usize>)>,
    /// The last line each run printed, and in how many runs, when the report shows them (a
    /// program's outcome is what it prints; a demo's log is the lesson's, not a result).
    pub(crate) outputs: Option<BTreeMap<String, usize>>,
    /// A program's runs that exited with a status other than 0, by status (minus the signal
    /// for a run ended by one): a program that fails every run is no pass.
    pub(crate) failed_exits: BTreeMap<i32, usize>,
    /// A run that could not go on (stuck outside threadviz, a misfit): why, the first time.
    pub(crate) trouble: Option<String>,
    /// What that trouble was, for its [`Failure`].
    pub(crate) trouble_kind: Option<Failed>,
    pub(crate) replay_hint: ReplayHint,
    /// Set when a signal stopped the exploration before its runs were done.
    pub(crate) interrupted: bool,
    /// The most threads one run's events named: one says no run had a choice to make.
    pub(crate) threads_seen: usize,
    /// How long shrinking the failures took, when they were shrunk.
    pub(crate) shrink_elapsed: Option<Duration>,
    /// OS threads the runs left behind, blocked outside threadviz where nothing could stop
    /// them (every other thread of a run is stopped and its OS thread reclaimed).
    pub(crate) left_behind: usize,
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Report")
            .field("program", &self.program)
            .field("runs", &self.runs)
            .field("interleavings", &self.interleavings.len())
            .field("endings", &self.endings)
            .finish_non_exhaustive()
    }
}

impl Report {
    pub(crate) fn new(program: String, strategy: Strategy, seed: u64, replay_hint: ReplayHint) -> Self {
        Self {
            program,
            strategy,
            seed,
            runs: 0,
            steps: 0,
            elapsed: Duration::ZERO,
            interleavings: HashSet::new(),
            exhaustive: None,
            endings: BTreeMap::new(),
            found: BTreeMap::new(),
            finals: Vec::new(),
            outputs: None,
            failed_exits: BTreeMap::new(),
            trouble: None,
            trouble_kind: None,
            replay_hint,
            interrupted: false,
            threads_seen: 0,
            shrink_elapsed: None,
            left_behind: 0,
        }
    }

    /// The report as it stood before any run, for a search that starts again.
    pub(crate) fn emptied(self) -> Self {
        let outputs = self.outputs.as_ref().map(|_| BTreeMap::new());
        Self { outputs, ..Self::new(self.program, self.strategy, self.seed, self.replay_hint) }
    }

    /// Shrinks each kind's first schedule, replaying `program`, until `stop` is set.
    pub(crate) fn shrink(&mut self, program: &Program, stop: &AtomicBool) {
        for found in self.found.values_mut() {
            // The explorer wrote it: it reads.
            let Ok(schedule) = Schedule::parse(&found.first_schedule) else { continue };
            found.shrinking = Some(shrink::shrink(program, &schedule, &found.first, shrink::REPLAYS, stop));
        }
    }

    /// Makes each kind's first and soonest runs, found with sleeps that end at once, again with
    /// sleeps in deadline order ([`Found::in_deadline_order`]). False when one cannot be made
    /// so (the search must then be made in deadline order).
    pub(crate) fn in_deadline_order(&mut self, program: &Program, goal: Option<super::watch::Goal>) -> bool {
        let mut every = true;
        for (&kind, found) in &mut self.found {
            every &= found.in_deadline_order(kind, program, goal);
        }
        every
    }

    /// Counts OS threads left behind by runs not counted (made side by side with the one the
    /// exploration stopped at, and not taken).
    pub(crate) fn add_left_behind(&mut self, left_behind: usize) {
        self.left_behind += left_behind;
    }

    /// Counts one more run.
    pub(crate) fn add(&mut self, outcome: &Outcome) {
        self.runs += 1;
        self.left_behind += outcome.left_behind;
        self.threads_seen = self.threads_seen.max(outcome.threads);
        self.steps += outcome.steps;
        let schedule = outcome.schedule.to_string();
        *self.endings.entry(outcome.ending()).or_default() += 1;
        for finding in &outcome.findings {
            let found = self.found.entry(finding.kind).or_insert_with(|| Found {
                runs: 0,
                first_run: self.runs,
                first: finding.clone(),
                first_schedule: schedule.clone(),
                first_steps: outcome.steps,
                shortest_run: self.runs,
                shortest_schedule: schedule.clone(),
                shortest_step: finding.step,
                shrinking: None,
            });
            found.runs += 1;
            if finding.step < found.shortest_step {
                found.shortest_step = finding.step;
                found.shortest_run = self.runs;
                found.shortest_schedule.clone_from(&schedule);
            }
        }
        if outcome.ending() != Ending::Stuck {
            for (name, value) in &outcome.finals {
                let index = self.finals.iter().position(|(known, _)| known == name).unwrap_or_else(|| {
                    self.finals.push((name.clone(), BTreeMap::new()));
                    self.finals.len() - 1
                });
                *self.finals[index].1.entry(value.clone()).or_default() += 1;
            }
            if let Some(status) = outcome.exit.filter(|&status| status != 0 && outcome.end == RunEnd::Completed) {
                *self.failed_exits.entry(status).or_default() += 1;
            }
            if let Some(outputs) = &mut self.outputs {
                let line = outcome.last_output.clone().unwrap_or_else(|| "(nothing printed)".to_owned());
                *outputs.entry(line).or_default() += 1;
            }
        }
        self.interleavings.insert(schedule);
    }

    /// How many runs were explored.
    #[must_use]
    pub fn runs(&self) -> usize {
        self.runs
    }

    /// Steps taken over all runs (a step: one thread's operation, or time passing).
    #[must_use]
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// How long the exploration took.
    #[must_use]
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// How many distinct interleavings those runs were.
    #[must_use]
    pub fn interleavings(&self) -> usize {
        self.interleavings.len()
    }

    /// How many runs found `kind`.
    #[must_use]
    pub fn runs_with(&self, kind: FailureKind) -> usize {
        self.found.get(&kind).map_or(0, |found| found.runs)
    }

    /// The first schedule that produced `kind`, as the exploration found it, if any run did.
    #[must_use]
    pub fn first_schedule(&self, kind: FailureKind) -> Option<&str> {
        self.found.get(&kind).map(|found| found.first_schedule.as_str())
    }

    /// The schedule the report gives for `kind`: the first one shrunk, when it was (see
    /// [`Explorer::shrink`](crate::explore::Explorer::shrink)), else the first one.
    #[must_use]
    pub fn schedule(&self, kind: FailureKind) -> Option<&str> {
        self.found.get(&kind).map(|found| found.shown().schedule)
    }

    /// The failure of `kind` the report gives, if any run had one: what happened, the
    /// schedule that replays it (shrunk, unless shrinking was turned off) and how to replay it.
    #[must_use]
    pub fn failure(&self, kind: FailureKind) -> Option<Failure> {
        self.found.get(&kind).map(|found| {
            let shown = found.shown();
            Failure {
                kind: kind.into(),
                what: shown.finding.text.clone(),
                run: found.first_run,
                steps: shown.steps,
                step: shown.finding.step,
                schedule: shown.schedule.into(),
                replay: (self.replay_hint)(shown.schedule).into_boxed_str(),
                shrinking: found.shrinking_words(),
                threads: shown.finding.threads.clone().into_boxed_slice(),
                left_behind: 0,
            }
            .leaving(self.left_behind)
        })
    }

    /// The final values the `Shared` value `name` ended with, and in how many runs each.
    #[must_use]
    pub fn final_values(&self, name: &str) -> Option<&BTreeMap<String, usize>> {
        self.finals.iter().find(|(known, _)| known == name).map(|(_, values)| values)
    }

    /// Whether a depth-first search tried every interleaving within its bound, none of them
    /// cut at the step limit.
    #[must_use]
    pub fn is_exhaustive(&self) -> bool {
        self.exhaustive == Some(true) && !self.endings.contains_key(&Ending::StepLimit)
    }

    /// How many OS threads the runs left behind: threads blocked outside threadviz (a std
    /// lock, a std channel, a blocking system call) when their run was given up, which nothing
    /// can stop safely from within the process. Every other thread of every run has ended by
    /// the time the exploration returns. Each left behind goes on if its wait ever ends, and
    /// unwinds at its next threadviz operation.
    #[must_use]
    pub fn threads_left_behind(&self) -> usize {
        self.left_behind
    }

    /// Runs a second, over the whole exploration.
    #[must_use]
    pub fn runs_per_second(&self) -> f64 {
        self.runs as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn strategy_words(&self) -> String {
        match self.strategy {
            Strategy::Random => format!("random (seed {})", self.seed),
            Strategy::Pct { depth } => format!("pct, depth {depth} (seed {})", self.seed),
            Strategy::Dfs { preemptions } => format!("dfs, up to {}", preemptions_words(preemptions)),
            Strategy::Dpor => "dfs, any number of preemptions, partial-order reduced".to_owned(),
        }
    }

    /// Whether the runs covered every interleaving, and what that claim covers.
    fn write_exhaustive(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.exhaustive {
            // A Python program's threads also share objects threadviz is not told of (a list
            // both append to): the reduction cannot see those steps depend on each other, so
            // its claim names what it saw (`outputs` is kept for a program, not for a demo).
            Some(true) if self.strategy == Strategy::Dpor && self.outputs.is_some() => {
                match self.endings.get(&Ending::StepLimit) {
                    None => writeln!(
                        f,
                        "exhaustive: every order of the steps on locks, conditions, queues and other primitives and on shared variables explored, in {}; objects the threads share otherwise (a list both append to) are not seen, so steps on them are not reordered: --no-reduce reorders every step",
                        runs(self.runs)
                    )?,
                    Some(&cut) => writeln!(
                        f,
                        "every order of the steps on primitives and shared variables explored, but {} cut at the step limit: not exhaustive past it",
                        runs(cut)
                    )?,
                }
            }
            Some(true) if self.strategy == Strategy::Dpor => match self.endings.get(&Ending::StepLimit) {
                None => writeln!(
                    f,
                    "exhaustive: every interleaving explored, in {} (one for each order of the dependent steps)",
                    runs(self.runs)
                )?,
                Some(&cut) => writeln!(
                    f,
                    "every interleaving explored, but {} cut at the step limit: not exhaustive past it",
                    runs(cut)
                )?,
            },
            Some(true) => {
                let bound = match self.strategy {
                    Strategy::Dfs { preemptions } if preemptions < usize::MAX => {
                        format!(" with up to {}", preemptions_words(preemptions))
                    }
                    _ => String::new(),
                };
                match self.endings.get(&Ending::StepLimit) {
                    None => writeln!(
                        f,
                        "exhaustive: all {} interleavings{bound} explored",
                        thousands(self.interleavings())
                    )?,
                    // What lies past a cut was never run: no claim of having seen it all.
                    Some(&cut) => writeln!(
                        f,
                        "all {} interleavings{bound} explored, but {} cut at the step limit: not exhaustive past it",
                        thousands(self.interleavings()),
                        runs(cut)
                    )?,
                }
            }
            Some(false) => writeln!(f, "not exhaustive: more interleavings are left than --runs allowed")?,
            None => {}
        }
        Ok(())
    }

    /// One kind of failure found: how often, the first run's, its schedule (shrunk, when it
    /// was) and how to replay it. `told_default` is whether `_` was explained already.
    fn write_found(
        &self,
        f: &mut fmt::Formatter<'_>,
        kind: FailureKind,
        found: &Found,
        told_default: &mut bool,
    ) -> fmt::Result {
        writeln!(f, "{} in {} of {}", kind.words(), thousands(found.runs), runs(self.runs))?;
        let shown = found.shown();
        if let Some(Shrinking::Shrunk(shrunk)) = &found.shrinking {
            let before = &shrunk.before;
            let found_as = format!(
                "  first in run {}, at step {} of {}; its schedule of {} ({})",
                found.first_run,
                found.first.step,
                found.first_steps,
                entries(before.entries),
                preemptions(before.preemptions),
            );
            if shrunk.schedule == found.first_schedule {
                writeln!(f, "{found_as} is as short as shrinking makes it ({})", replays(shrunk.replays))?;
            } else {
                writeln!(
                    f,
                    "{found_as} shrunk in {}{} to {} ({})",
                    replays(shrunk.replays),
                    stop_words(shrunk.stop),
                    entries(shrunk.after.entries),
                    preemptions(shrunk.after.preemptions),
                )?;
            }
            writeln!(f, "  at step {} of {}: {}", shown.finding.step, shown.steps, shown.finding.text)?;
            writeln!(f, "  schedule: {}", shown.schedule)?;
        } else {
            writeln!(f, "  first in run {}, at step {}: {}", found.first_run, found.first.step, found.first.text)?;
            writeln!(f, "  schedule ({} steps): {}", found.first_steps, found.first_schedule)?;
            if let Some(words) = found.shrinking_words() {
                writeln!(f, "  {words}")?;
            }
        }
        writeln!(f, "  replay: {}", (self.replay_hint)(shown.schedule))?;
        if shown.schedule.split('.').any(|entry| entry.starts_with('_')) && !*told_default {
            writeln!(f, "  {DEFAULT_MOVE}")?;
            *told_default = true;
        }
        if found.shortest_step < shown.finding.step {
            writeln!(
                f,
                "  the soonest while exploring: at step {} of run {}",
                found.shortest_step, found.shortest_run
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "explored {}: {} of {} in {:.1} s ({:.0} runs a second), {} distinct interleaving{}",
            self.program,
            runs(self.runs),
            self.strategy_words(),
            self.elapsed.as_secs_f64(),
            self.runs_per_second(),
            thousands(self.interleavings()),
            if self.interleavings() == 1 { "" } else { "s" },
        )?;
        // On the first line with the other figures that depend on the machine.
        match self.shrink_elapsed.filter(|_| !self.found.is_empty()) {
            Some(elapsed) => writeln!(f, "; shrinking the schedules took {:.2} s", elapsed.as_secs_f64())?,
            None => writeln!(f)?,
        }
        if self.interrupted {
            writeln!(f, "stopped after {}: interrupted, so the report covers only those", runs(self.runs))?;
        }
        if self.runs > 1 && self.threads_seen == 1 {
            // Not a proof of anything: a program whose threads threadviz does not see passes so.
            writeln!(
                f,
                "note: only one thread ran threadviz's operations, so no run had a choice to make; threads and waits threadviz does not see (std::thread's, std's locks and channels) are not explored: threadviz::std mirrors them"
            )?;
        }
        self.write_exhaustive(f)?;
        let endings: Vec<String> =
            self.endings.iter().map(|(ending, &count)| format!("{} {}", thousands(count), ending.words())).collect();
        writeln!(f, "runs ended: {}", endings.join(", "))?;
        for (status, &count) in &self.failed_exits {
            let how = if *status < 0 {
                format!("was killed by signal {}", -status)
            } else {
                format!("exited with status {status}")
            };
            writeln!(f, "  the program {how} in {}", runs(count))?;
        }
        if let Some(trouble) = &self.trouble {
            writeln!(f, "  {trouble}")?;
        }
        if self.left_behind > 0 {
            writeln!(f, "  {}", words::left_behind(self.left_behind))?;
        }
        if self.found.is_empty() {
            let kinds: Vec<&str> = FailureKind::ALL.iter().map(|kind| kind.words()).collect();
            // A run stuck outside threadviz or cut at the step limit did not get to its end:
            // finding nothing in it says nothing of it.
            let unfinished: usize =
                [Ending::Stuck, Ending::StepLimit].iter().filter_map(|ending| self.endings.get(ending)).sum();
            if unfinished == 0 {
                writeln!(f, "no {} in {}", kinds.join(", no "), runs(self.runs))?;
            } else {
                let finished = self.runs.saturating_sub(unfinished);
                let shows = if unfinished == 1 { "shows" } else { "show" };
                writeln!(
                    f,
                    "no {} in the {} that ran to the end; the {} that did not (above) {shows} nothing either way",
                    kinds.join(", no "),
                    runs(finished),
                    thousands(unfinished)
                )?;
            }
        }
        let mut told_default = false;
        for (kind, found) in &self.found {
            self.write_found(f, *kind, found, &mut told_default)?;
        }
        for (name, values) in &self.finals {
            writeln!(f, "final value of {name}:")?;
            write_histogram(f, values)?;
        }
        if let Some(outputs) = &self.outputs {
            writeln!(f, "last line printed:")?;
            write_histogram(f, outputs)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! Number words and the histogram's order.

    use super::words::ordered_values;
    use super::*;

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_432), "1,432");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }

    #[test]
    fn numeric_values_are_ordered_by_value() {
        let values: BTreeMap<String, usize> = [("10".to_owned(), 1), ("9".to_owned(), 2)].into_iter().collect();
        let ordered: Vec<&str> = ordered_values(&values).iter().map(|(value, _)| value.as_str()).collect();
        assert_eq!(ordered, ["9", "10"]);
    }
}
