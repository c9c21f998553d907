//! What an exploration found: runs, how they ended, the first schedule of each failure and the
//! command that replays it, and each `Shared` value's final values as a histogram.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use super::outcome::{Ending, FailureKind, Finding, Outcome};
use super::run::{Program, RunEnd};
use super::schedule::Schedule;
use super::shrink::{self, Shrinking, Stop};
use super::strategy::Strategy;

/// How a found schedule is replayed, for the report to print: a command line or a call.
pub(crate) type ReplayHint = Box<dyn Fn(&str) -> String + Send + Sync>;

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

/// What `_` means, said once in a report whose schedules use it.
const DEFAULT_MOVE: &str = "`_` is the default move: the thread that moved last goes on if it can, else the lowest-numbered thread that can; time passes only when no thread can";

/// `1 replay`, `214 replays`.
fn replays(count: usize) -> String {
    format!("{} replay{}", thousands(count), if count == 1 { "" } else { "s" })
}

/// `1 entry`, `9 entries`: the dot-separated parts of a schedule.
fn entries(count: usize) -> String {
    format!("{} entr{}", thousands(count), if count == 1 { "y" } else { "ies" })
}

/// `no preemption`, `1 preemption`, `3 preemptions`.
fn preemptions(count: usize) -> String {
    match count {
        0 => "no preemption".to_owned(),
        1 => "1 preemption".to_owned(),
        count => format!("{} preemptions", thousands(count)),
    }
}

/// Why shrinking stopped, when it stopped before a fixed point.
fn stop_words(stop: Stop) -> &'static str {
    match stop {
        Stop::Done => "",
        Stop::Budget => ", the most it takes (a shorter one may exist)",
        Stop::Interrupted => " before it was interrupted (a shorter one may exist)",
    }
}

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
        }
    }

    /// Shrinks each kind's first schedule, replaying `program`, until `stop` is set.
    pub(crate) fn shrink(&mut self, program: &Program, stop: &AtomicBool) {
        for found in self.found.values_mut() {
            // The explorer wrote it: it reads.
            let Ok(schedule) = Schedule::parse(&found.first_schedule) else { continue };
            found.shrinking = Some(shrink::shrink(program, &schedule, &found.first, shrink::REPLAYS, stop));
        }
    }

    /// Counts one more run.
    pub(crate) fn add(&mut self, outcome: &Outcome) {
        self.runs += 1;
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
    /// [`Explorer::shrink`](super::Explorer::shrink)), else the first one.
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
            }
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

fn preemptions_words(preemptions: usize) -> String {
    match preemptions {
        usize::MAX => "any number of preemptions".to_owned(),
        1 => "1 preemption".to_owned(),
        count => format!("{count} preemptions"),
    }
}

/// `1,432`.
pub(crate) fn thousands(count: usize) -> String {
    let digits = count.to_string();
    let mut text = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

/// `1 run`, `3 runs`.
fn runs(count: usize) -> String {
    format!("{} run{}", thousands(count), if count == 1 { "" } else { "s" })
}

/// The widest histogram bar, in cells.
const BAR: usize = 40;

/// Final values in their natural order: numbers by value, anything else as text.
/// One bar a value, longest for the value most runs ended with.
fn write_histogram(f: &mut fmt::Formatter<'_>, values: &BTreeMap<String, usize>) -> fmt::Result {
    let most = values.values().copied().max().unwrap_or(1).max(1);
    let width = values.keys().map(|value| value.chars().count()).max().unwrap_or(1);
    for (value, count) in ordered_values(values) {
        let cells = (count * BAR).div_ceil(most);
        writeln!(f, "  {value:>width$} │{} {}", "█".repeat(cells), runs(count))?;
    }
    Ok(())
}

fn ordered_values(values: &BTreeMap<String, usize>) -> Vec<(&String, usize)> {
    let mut ordered: Vec<(&String, usize)> = values.iter().map(|(value, &count)| (value, count)).collect();
    if ordered.iter().all(|(value, _)| value.parse::<f64>().is_ok()) {
        ordered.sort_by(|a, b| a.0.parse::<f64>().unwrap_or(0.0).total_cmp(&b.0.parse::<f64>().unwrap_or(0.0)));
    }
    ordered
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
        match self.exhaustive {
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
        if self.found.is_empty() {
            let kinds: Vec<&str> = FailureKind::ALL.iter().map(|kind| kind.words()).collect();
            writeln!(f, "no {} in {}", kinds.join(", no "), runs(self.runs))?;
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
/// [`Report::failure`]) any other kind the report found. Says what failed, in which run and at
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
        }
    }

    /// The schedule of the failing run, for [`replay`](super::replay) and
    /// [`watch_schedule`](crate::watch_schedule): shrunk, unless shrinking was turned off
    /// ([`Explorer::shrink`](super::Explorer::shrink)). Empty when the run could not go on
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

    /// The run it was found in, counted from 1 (for [`replay`](super::replay), the one run).
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
    /// terminal is restored however it ends.
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

#[cfg(test)]
mod tests {
    //! Number words and the histogram's order.

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
