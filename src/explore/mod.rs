//! Exploring interleavings: run a program many times, choosing at every instrumented operation
//! which thread goes next, to find the schedules that make it fail and replay them exactly.
//!
//! Each run is a fresh controlled session: one thread moves at a time, and only when the
//! explorer chooses it. Blocked threads are choices only once something they wait for happened
//! (a release, a notify, a put...). **Time is one more thing to choose:** demo time does not
//! run by itself but jumps to the earliest deadline (a sleep's end, a timeout) when the
//! explorer chooses to let it pass, and that thread goes on. So a run never waits for the wall
//! clock; a sleep orders threads only as far as the deadlines do; a timeout fires only if the
//! explorer lets time pass before the wait is over; and a schedule (the list of choices)
//! replays the same run every time, since the explorer's choices are all the run depends on.
//!
//! ```
//! use threadviz::explore::{Explorer, Strategy};
//! use threadviz::sync::Shared;
//! use threadviz::thread;
//!
//! // Two threads each add one to a counter, unlocked: can an update be lost?
//! let result = Explorer::new().strategy(Strategy::Dfs { preemptions: 2 }).check(|| {
//!     let counter = Shared::named("counter", 0);
//!     let workers: Vec<_> = (0..2)
//!         .map(|_| {
//!             let counter = counter.clone();
//!             thread::spawn(move || {
//!                 let seen = counter.load();
//!                 counter.store(seen + 1);
//!             })
//!         })
//!         .collect();
//!     for worker in workers {
//!         worker.join();
//!     }
//!     assert_eq!(counter.load(), 2, "an update was lost");
//! });
//! let failure = result.expect_err("the lost update is found");
//! assert!(failure.to_string().contains("an update was lost"));
//! // The same schedule fails the same way, every time.
//! # let program = || {
//! #     let counter = Shared::named("counter", 0);
//! #     let workers: Vec<_> = (0..2).map(|_| { let counter = counter.clone(); thread::spawn(move || { let seen = counter.load(); counter.store(seen + 1); }) }).collect();
//! #     for worker in workers { worker.join(); }
//! #     assert_eq!(counter.load(), 2, "an update was lost");
//! # };
//! assert!(threadviz::explore::replay(failure.schedule(), program).is_err());
//! ```

mod choosing;
mod dpor;
mod finding;
mod follow;
mod history;
mod outcome;
pub(crate) mod pin;
mod quiet;
mod report;
mod run;
mod schedule;
mod search;
mod shrink;
mod strategy;
mod watch;
mod workers;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

pub use self::finding::FailureKind;
pub use self::report::{Failed, Failure, Report};
pub use self::schedule::ScheduleSyntaxError;
pub use self::strategy::Strategy;

use self::choosing::Chooser;
pub(crate) use self::follow::{Follow, Pick, RoundRobin};
pub(crate) use self::history::RunEnd;
pub(crate) use self::outcome::{Ending, Outcome};
pub(crate) use self::report::{ReplayHint, thousands};
use self::run::Sleeps;
pub(crate) use self::run::{
    ChildTarget, Driver, OUTSIDE, PATIENCE, Program, Stepped, Target, record_events, run_controlled, run_once,
};
pub(crate) use self::schedule::{MAX_STEPS, Schedule};
pub(crate) use self::search::{Searched, search};
pub(crate) use self::watch::{Goal, Inspector};
use crate::record::RecordTo;

/// Which failures end an exploration at the first run that has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Find {
    /// Explore every run and report everything.
    All,
    /// Stop at the first run with this failure.
    Kind(FailureKind),
    /// Stop at the first run with any failure.
    Any,
    /// Stop at the first run that fails a check: a panic or a deadlock.
    Failing,
}

impl Find {
    fn stops_at(self, outcome: &Outcome) -> bool {
        match self {
            Self::All => false,
            Self::Kind(kind) => outcome.finding(kind).is_some(),
            Self::Any => !outcome.findings.is_empty(),
            Self::Failing => CHECKED.iter().any(|&kind| outcome.finding(kind).is_some()),
        }
    }
}

/// What fails [`Explorer::check`] and [`replay`].
const CHECKED: [FailureKind; 2] = [FailureKind::Panic, FailureKind::Deadlock];

/// Explores a program's interleavings, as Shuttle and loom do, on threadviz's primitives.
///
/// Build one with [`Explorer::new`], set the number of runs, the seed and the [`Strategy`],
/// and [`check`](Self::check) a function: it runs as the main thread of a fresh session per
/// run, and a run fails when any of its threads panics or it deadlocks.
#[derive(Debug, Clone)]
pub struct Explorer {
    runs: usize,
    seed: u64,
    strategy: Strategy,
    record_failure: Option<PathBuf>,
    shrink: bool,
}

impl Default for Explorer {
    fn default() -> Self {
        Self::new()
    }
}

impl Explorer {
    /// 1,000 random runs, seed 0.
    #[must_use]
    pub fn new() -> Self {
        Self { runs: 1_000, seed: 0, strategy: Strategy::Random, record_failure: None, shrink: true }
    }

    /// The most runs to explore (a depth-first search may finish sooner).
    #[must_use]
    pub fn runs(mut self, runs: usize) -> Self {
        self.runs = runs;
        self
    }

    /// The seed of the random and PCT strategies: the same seed explores the same runs.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// How each step's thread is chosen.
    #[must_use]
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Writes the failing run, if any, as a recording for `threadviz replay` at `path`, with
    /// the program's source files in it ([`RecordTo::with_sources`]) so that the replay shows
    /// them on any machine.
    #[must_use]
    pub fn record_failure(mut self, path: impl Into<PathBuf>) -> Self {
        self.record_failure = Some(path.into());
        self
    }

    /// Whether the failure's schedule is shrunk before it is given (it is by default): the
    /// fewest preemptions, then the fewest entries, replaying candidates until none is better
    /// or a few hundred replays are spent. The shrunk schedule fails the same way.
    #[must_use]
    pub fn shrink(mut self, shrink: bool) -> Self {
        self.shrink = shrink;
        self
    }

    /// Runs `f` under up to `runs` schedules; the first run in which a thread panics or the
    /// program deadlocks is the failure, with the schedule that replays it, shrunk.
    pub fn check(&self, f: impl Fn() + Send + Sync + 'static) -> Result<Report, Failure> {
        let program = Program::new(f);
        let exploration = Exploration {
            program: program.clone(),
            name: "the program".to_owned(),
            strategy: self.strategy,
            runs: self.runs,
            seed: self.seed,
            find: Find::Failing,
            replay_hint: library_hint(),
            goal: None,
            shrink: self.shrink,
        };
        let report = exploration.explore(&mut |_, _| {});
        match failure_of(&report, &CHECKED) {
            Some(failure) => {
                if let Some(path) = &self.record_failure {
                    record(&program, &failure.schedule, path);
                }
                Err(failure)
            }
            None => Ok(report),
        }
    }
}

/// Re-runs exactly the interleaving `schedule` describes (as a [`Failure`] gives it): the same
/// failure, every time. A schedule that does not fit `f` is a failure saying at which step.
pub fn replay(schedule: &str, f: impl Fn() + Send + Sync + 'static) -> Result<Report, Failure> {
    let parsed = Schedule::parse(schedule)
        .map_err(|error| Failure::trouble(Failed::Misfit, error.to_string(), 1, schedule.to_owned()))?;
    let program = Program::new(f);
    let mut report = Report::new("the program".to_owned(), Strategy::Random, 0, library_hint());
    let started = Instant::now();
    let outcome = follow(&program, parsed, None);
    report.add(&outcome);
    report.elapsed = started.elapsed();
    if let Some(trouble) = trouble_of(&outcome) {
        report.trouble = Some(trouble);
        report.trouble_kind = Failed::of_trouble(&outcome.end);
    }
    match failure_of(&report, &CHECKED) {
        Some(failure) => Err(failure),
        None => Ok(report),
    }
}

fn follow(program: &Program, schedule: Schedule, record: Option<RecordTo>) -> Outcome {
    follow_schedule(program, schedule, record).0
}

/// Runs `program` along `schedule`, recording it to `record` if given; what came of it and
/// its events.
pub(crate) fn follow_schedule(
    program: &Program,
    schedule: Schedule,
    record: Option<RecordTo>,
) -> (Outcome, Vec<crate::TraceEvent>) {
    let planned = schedule.len();
    let run = run_once(program, &mut follow::Follow::new(schedule), record);
    let left = planned.saturating_sub(run.schedule.len());
    let (mut outcome, events) = Outcome::of(run, None);
    if left > 0 && outcome.end == RunEnd::Completed {
        outcome.end = RunEnd::Misfit(format!(
            "the program ended after {} steps with {left} choices of the schedule left over: it was made for another version of the program",
            outcome.steps
        ));
    }
    (outcome, events)
}

fn library_hint() -> ReplayHint {
    Box::new(|schedule| format!("threadviz::explore::replay(\"{schedule}\", f)"))
}

/// Why a run could not go on, if it could not.
pub(crate) fn trouble_of(outcome: &Outcome) -> Option<String> {
    match &outcome.end {
        RunEnd::Stuck(Some(tid)) => Some(format!(
            "thread {tid} did not come back to threadviz: it waited outside threadviz's primitives (asleep in the kernel for {} s: a lock or channel threadviz does not see, a sleep, I/O) or ran {} s without calling them; exploring needs every wait to go through threadviz (in Rust, threadviz::std mirrors std's; in Python, threading's and queue's are watched)",
            OUTSIDE.as_secs(),
            PATIENCE.as_secs()
        )),
        RunEnd::Stuck(None) => Some("a run could not start its main thread".to_owned()),
        RunEnd::Misfit(why) => Some(why.clone()),
        RunEnd::StepLimit(steps) => Some(format!("a run was cut after {} steps", thousands(*steps))),
        RunEnd::Completed | RunEnd::Deadlock => None,
    }
}

/// The report's first failure of one of `kinds`, or its trouble, as a [`Failure`].
fn failure_of(report: &Report, kinds: &[FailureKind]) -> Option<Failure> {
    let found = kinds
        .iter()
        .filter_map(|kind| report.found.get(kind).map(|found| (*kind, found)))
        .min_by_key(|(_, found)| found.first_run);
    if let Some((kind, _)) = found {
        return report.failure(kind);
    }
    let kind = report.trouble_kind.unwrap_or(Failed::Stuck);
    report
        .trouble
        .as_ref()
        .filter(|_| report.endings.contains_key(&Ending::Stuck))
        .map(|trouble| Failure::trouble(kind, trouble.clone(), report.runs, String::new()).leaving(report.left_behind))
}

/// Replays `schedule` with a recorder attached. The run is the one explored: a schedule
/// replays exactly.
fn record(program: &Program, schedule: &str, path: &std::path::Path) {
    let Ok(schedule) = Schedule::parse(schedule) else { return };
    // The user's program: its source files go along, so the replay shows them anywhere.
    if let Ok(to) = RecordTo::file(path, "explored failure").map(RecordTo::with_sources) {
        let _ = follow(program, schedule, Some(to));
    }
}

/// One exploration: the program, how to choose, how many runs, when to stop.
pub(crate) struct Exploration {
    pub(crate) program: Program,
    /// The program as the report names it (a demo's name).
    pub(crate) name: String,
    pub(crate) strategy: Strategy,
    pub(crate) runs: usize,
    pub(crate) seed: u64,
    pub(crate) find: Find,
    pub(crate) replay_hint: ReplayHint,
    /// A challenge's goal, to find the shortest run that reaches it.
    pub(crate) goal: Option<Goal>,
    /// Whether each failure's first schedule is shrunk before it is reported.
    pub(crate) shrink: bool,
}

impl Exploration {
    /// Explores, telling `progress` (runs done, runs at most) after each run.
    pub(crate) fn explore(self, progress: &mut dyn FnMut(usize, usize)) -> Report {
        self.explore_until(progress, &AtomicBool::new(false))
    }

    /// Explores as [`Exploration::explore`] does, and stops after the run during which `stop`
    /// became set: the report then covers the runs done and says it was interrupted.
    /// Its runs reuse the OS threads of the runs before them ([`run::with_pool`]).
    pub(crate) fn explore_until(self, progress: &mut dyn FnMut(usize, usize), stop: &AtomicBool) -> Report {
        run::with_pool(|| self.explore_pooled(progress, stop))
    }

    fn explore_pooled(self, progress: &mut dyn FnMut(usize, usize), stop: &AtomicBool) -> Report {
        let mut report = Report::new(self.name, self.strategy, self.seed, self.replay_hint);
        if matches!(self.program.body, run::Body::Child(_)) {
            report.outputs = Some(std::collections::BTreeMap::new());
        }
        let started = Instant::now();
        let mut exhausted = false;
        let mut stopped = false;
        // Takes one run's outcome into the report; false when the exploration stops there.
        let find = self.find;
        let last = move |outcome: &Outcome| {
            find.stops_at(outcome) || matches!(outcome.end, RunEnd::Stuck(_) | RunEnd::Misfit(_))
        };
        let mut take = |outcome: Outcome, report: &mut Report| {
            report.add(&outcome);
            if report.trouble.is_none() {
                report.trouble = trouble_of(&outcome);
                report.trouble_kind = Failed::of_trouble(&outcome.end);
            }
            progress(report.runs, self.runs);
            !last(&outcome)
        };
        if self.strategy == Strategy::Random && matches!(self.program.body, run::Body::Rust(_)) {
            // Runs independent of one another: made side by side, taken in order.
            let (program, seed, goal, runs) = (&self.program, self.seed, self.goal, self.runs);
            let untaken = workers::random_runs(program, seed, goal, runs, stop, &last, &mut |outcome| {
                let goes_on = take(outcome, &mut report);
                stopped |= !goes_on;
                goes_on
            });
            report.add_left_behind(untaken);
            report.interrupted = stop.load(Ordering::SeqCst) && report.runs < self.runs && !stopped;
            stopped |= report.interrupted;
        } else {
            // On one CPU throughout: the pooled OS threads stay where they were created.
            let _pinned = pin::OneCpu::here();
            // What a check or a demo's exploration compares is final values and failures: the
            // order of log lines of different threads is not part of it, but for a goal's or
            // a program whose printed lines the report shows.
            let logs = if self.goal.is_none() && report.outputs.is_none() {
                dpor::LogOrder::Ignored
            } else {
                dpor::LogOrder::Matters
            };
            let mut program = self.program.clone();
            // The reduced search of a Rust program ends its sleeps at once (see
            // `Sleeps::AnyOrder`) until a run shows that timing matters to it, or a failure it
            // found cannot be made again with sleeps in deadline order; then it starts again in
            // that order.
            if self.strategy == Strategy::Dpor && matches!(program.body, run::Body::Rust(_)) {
                program.sleeps = Sleeps::AnyOrder;
            }
            'search: loop {
                let mut chooser: Box<dyn Chooser> = strategy::chooser_for(self.strategy, self.seed, logs);
                while report.runs < self.runs {
                    if stop.load(Ordering::SeqCst) {
                        report.interrupted = true;
                        stopped = true;
                        break;
                    }
                    chooser.begin_run();
                    let run = run_once(&program, &mut *chooser, None);
                    if program.sleeps == Sleeps::AnyOrder && run.timed_wait {
                        program.sleeps = Sleeps::InDeadlineOrder;
                        report = report.emptied();
                        continue 'search;
                    }
                    // A run cut as repeating one already made is no run: only the chooser learns of it.
                    let redundant = run.redundant;
                    let more = chooser.end_run(&run);
                    if !redundant && !take(Outcome::of(run, self.goal).0, &mut report) {
                        stopped = true;
                        break;
                    }
                    if !more {
                        exhausted = true;
                        break;
                    }
                }
                // Interrupted, it keeps what it found rather than start again.
                if program.sleeps == Sleeps::AnyOrder
                    && !report.in_deadline_order(&self.program, self.goal)
                    && !report.interrupted
                {
                    program.sleeps = Sleeps::InDeadlineOrder;
                    report = report.emptied();
                    (exhausted, stopped) = (false, false);
                    continue 'search;
                }
                break;
            }
        }
        report.elapsed = started.elapsed();
        if matches!(self.strategy, Strategy::Dfs { .. } | Strategy::Dpor) && !stopped {
            report.exhaustive = Some(exhausted);
        }
        if self.shrink {
            let shrinking = Instant::now();
            let _pinned = pin::OneCpu::here();
            report.shrink(&self.program, stop);
            report.shrink_elapsed = Some(shrinking.elapsed());
        }
        report
    }
}
