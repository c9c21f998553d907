//! Shrinking a failing schedule to one a person can follow: the fewest preemptions, then the
//! fewest entries, each candidate kept only if replaying it still fails the same way.
//!
//! A schedule found at random switches threads at nearly every choice, most of them for
//! nothing. Shrinking, as property-based testing shrinks a failing input, sees a run as the
//! default move (`_`: the thread that moved last goes on, see [`default_choice`](super::follow::default_choice)) plus
//! *deviations*, the choices
//! that differ from it, and replays candidates with fewer of them:
//!
//! 1. only the first deviations, the rest of the run left to the default move (the fewest
//!    that still fail, found by bisection);
//! 2. each block of deviations in a row by one thread (an entry such as `4x16`) taken out
//!    whole, or cut to its first choice;
//! 3. each deviation taken out in turn, the others kept;
//! 4. when these find nothing better, the preemptions dropped, the other deviations kept; and
//!    if two or more are left, replaced by a single one, tried at each point where one can be;
//!
//! until none finds a better run or the budget of replays is spent. A deviation is kept by
//! where it was made ([`Anchor`]), not by its index, so taking one out leaves the others
//! meaning what they meant. A candidate is kept when it fails the same way ([`Signature`]) and
//! is better by [`Measure`]'s order. The schedule is then written with `_` wherever the
//! default move is what the run did, in as few entries as possible, and replayed once more as
//! written, by the same follower as `threadviz demo --schedule`: only a schedule that fails the
//! same way then is ever printed.

use std::cmp::Ordering as Order;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use super::choosing::Chooser;
use super::finding::{FailureKind, Finding};
use super::follow::Follow;
use super::history::RunEnd;
use super::outcome::Outcome;
use super::run::{Program, run_once};
use super::schedule::Schedule;
use crate::session::Choice;

/// The most replays one failure's shrinking takes: enough for the fixed point of every demo,
/// a few seconds at most.
pub(crate) const REPLAYS: usize = 300;

/// What makes another run "the same failure": the kind, and what it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Signature {
    kind: FailureKind,
    /// A lost update's `Shared` value (`lost update on counter`); for any other kind the whole
    /// sentence: the same deadlock cycle, the same panic message, the same misuse.
    subject: String,
}

impl Signature {
    pub(crate) fn of(finding: &Finding) -> Self {
        let subject = match finding.kind {
            // The values read and stored differ from run to run; the value that lost is the failure.
            FailureKind::LostUpdate => {
                finding.text.split_once(": ").map_or(finding.text.as_str(), |(subject, _)| subject).to_owned()
            }
            FailureKind::Deadlock | FailureKind::Panic | FailureKind::Misuse => finding.text.clone(),
        };
        Self { kind: finding.kind, subject }
    }

    /// The run's finding with this signature, if it has one.
    pub(crate) fn find_in<'a>(&self, outcome: &'a Outcome) -> Option<&'a Finding> {
        outcome.finding(self.kind).filter(|finding| Self::of(finding) == *self)
    }
}

/// How long a schedule is, in the order shrinking minimizes: preemptions, then entries, then
/// the step of the failure, then the run's steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Measure {
    /// Switches away from a thread that could have gone on.
    pub(crate) preemptions: usize,
    /// The schedule's entries as printed: `1x3._x9.2` is 3.
    pub(crate) entries: usize,
    /// Its choices: `1x3._x9.2` is 13.
    pub(crate) choices: usize,
    /// The step during which the failure happens.
    pub(crate) failure_step: usize,
    /// The run's steps.
    pub(crate) steps: usize,
}

impl Measure {
    fn key(&self) -> (usize, usize, usize, usize, usize) {
        (self.preemptions, self.entries, self.failure_step, self.steps, self.choices)
    }

    pub(crate) fn better_than(&self, other: &Self) -> bool {
        self.key().cmp(&other.key()) == Order::Less
    }
}

/// A failure's schedule, shrunk.
#[derive(Debug, Clone)]
pub(crate) struct Shrunk {
    /// The schedule as printed, `_` and all; replaying it fails as `finding` says.
    pub(crate) schedule: String,
    /// The original schedule's measure (its entries as the explorer wrote it, without `_`).
    pub(crate) before: Measure,
    pub(crate) after: Measure,
    /// The failure in the shrunk run.
    pub(crate) finding: Finding,
    /// Replays it took, the checks of the original and of the printed schedule included.
    pub(crate) replays: usize,
    /// Why it stopped.
    pub(crate) stop: Stop,
}

/// Why shrinking stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// No candidate was better: a fixed point.
    Done,
    /// The budget of replays was spent: a shorter schedule may exist.
    Budget,
    /// A signal asked the exploration to stop.
    Interrupted,
}

/// What came of shrinking a failure.
#[derive(Debug, Clone)]
pub(crate) enum Shrinking {
    /// The schedule to print instead (it may be the same run, written shorter).
    Shrunk(Shrunk),
    /// Replaying the schedule as found did not fail the same way: the program does not run the
    /// same way twice (it reads the clock, or waits outside threadviz), so nothing can be shrunk.
    NotReproduced,
    /// The exploration was interrupted before shrinking began.
    Interrupted,
}

mod candidate;

use self::candidate::{Anchor, Candidate, Plan, Replayed, anchors, anchors_of, compact, preempts};

/// Shrinking under way: the program, the failure it keeps, the replays spent.
struct Shrinker<'a> {
    /// The program as explored.
    exact: Program,
    /// The program with a step limit for candidates.
    program: Program,
    signature: Signature,
    replays: usize,
    budget: usize,
    stop: &'a AtomicBool,
    stopped: Option<Stop>,
}

impl Shrinker<'_> {
    /// Replays `plan`, the rest left to the default move; the run if it failed the same way.
    fn attempt(&mut self, plan: &HashMap<Anchor, Choice>) -> Option<Candidate> {
        self.attempt_replayed(plan)?.candidate()
    }

    /// Replays `plan`, the rest left to the default move, unless the budget is spent or the
    /// exploration was interrupted.
    fn attempt_replayed(&mut self, plan: &HashMap<Anchor, Choice>) -> Option<Replayed> {
        if self.stopped.is_some() {
            return None;
        }
        if self.stop.load(Ordering::SeqCst) {
            self.stopped = Some(Stop::Interrupted);
            return None;
        }
        if self.replays >= self.budget {
            self.stopped = Some(Stop::Budget);
            return None;
        }
        let program = self.program.clone();
        Some(self.replay(&program, &mut Plan::new(plan), None))
    }

    /// Replays `schedule` as written, as `threadviz demo --schedule` follows it, on the program
    /// as explored (no shorter step limit); the run if it fails the same way.
    fn follow(&mut self, schedule: &Schedule) -> Option<Candidate> {
        let program = self.exact.clone();
        self.replay(&program, &mut Follow::new(schedule.clone()), Some(schedule.len())).candidate()
    }

    /// Runs `program` as `chooser` says: what was chosen, and whether it failed the same way
    /// (and, following a schedule of `entries`, used them all).
    fn replay(&mut self, program: &Program, chooser: &mut dyn Chooser, entries: Option<usize>) -> Replayed {
        self.replays += 1;
        let mut run = run_once(program, chooser, None);
        let asked = std::mem::take(&mut run.asked);
        let (outcome, _) = Outcome::of(run, None);
        let ended = matches!(outcome.end, RunEnd::Completed | RunEnd::Deadlock);
        let fits = entries.is_none_or(|entries| entries == asked.len());
        let failing =
            self.signature.find_in(&outcome).filter(|_| ended && fits).map(|finding| (finding.clone(), outcome.steps));
        Replayed { asked, failing }
    }

    /// Keeps `candidate` in `best` if it is better; whether it was.
    fn keep(best: &mut Candidate, candidate: Option<Candidate>) -> bool {
        match candidate {
            Some(candidate) if candidate.measure.better_than(&best.measure) => {
                *best = candidate;
                true
            }
            _ => false,
        }
    }

    /// Step 1: the fewest first deviations that still fail, by bisection over how many are
    /// kept (no deviation at all first: the default run may fail by itself).
    fn fewest_first(&mut self, best: &mut Candidate) -> bool {
        let count = best.deviations().len();
        if count == 0 {
            return false;
        }
        let none = self.attempt(&HashMap::new());
        if none.is_some() {
            return Self::keep(best, none);
        }
        let from = best.clone();
        let mut improved = false;
        let (mut passing, mut failing) = (0, count);
        while failing - passing > 1 {
            let middle = passing + (failing - passing) / 2;
            match self.attempt(&from.plan_keeping(|position| position < middle)) {
                Some(candidate) => {
                    failing = middle;
                    improved |= Self::keep(best, Some(candidate));
                }
                None if self.stopped.is_some() => break,
                None => passing = middle,
            }
        }
        improved
    }

    /// Step 2: each block of deviations in a row by the same choice (an entry such as `4x16`)
    /// taken out whole, then cut to its first choice (the switch to that thread, the rest of its
    /// moves left to the default).
    fn each_block_out(&mut self, best: &mut Candidate) -> bool {
        let mut improved = false;
        let mut block = 0;
        while self.stopped.is_none() {
            let Some(positions) = best.blocks().get(block).cloned() else { break };
            if positions.len() < 2 {
                block += 1;
                continue;
            }
            let whole = self.attempt(&best.plan_keeping(|kept| !positions.contains(&kept)));
            if Self::keep(best, whole) {
                improved = true;
                continue;
            }
            let rest = positions.start + 1..positions.end;
            let first = self.attempt(&best.plan_keeping(|kept| !rest.contains(&kept)));
            if Self::keep(best, first) {
                improved = true;
                continue;
            }
            block += 1;
        }
        improved
    }

    /// Step 3: each deviation taken out in turn, the others kept where the run still offers
    /// them.
    fn each_out(&mut self, best: &mut Candidate) -> bool {
        let mut improved = false;
        let mut position = 0;
        while position < best.deviations().len() && self.stopped.is_none() {
            let candidate = self.attempt(&best.plan_keeping(|kept| kept != position));
            if Self::keep(best, candidate) {
                // The deviations are those of the better run now; the same position is the next.
                improved = true;
            } else {
                position += 1;
            }
        }
        improved
    }

    /// Step 4, once the others find nothing better: the best run's other deviations kept and
    /// its preemptions dropped; if that does not fail and the best has two preemptions or more,
    /// a single preemption tried instead, at each choice of that run where one can be, by each
    /// thread that could take over, in order.
    fn fewer_preemptions(&mut self, best: &mut Candidate) -> bool {
        if best.measure.preemptions == 0 {
            return false;
        }
        let anchors = anchors(&best.asked);
        let base: HashMap<Anchor, Choice> = best
            .deviations()
            .into_iter()
            .filter(|&index| !preempts(&best.asked[index]))
            .map(|index| (anchors[index], best.asked[index].chosen))
            .collect();
        let Some(replayed) = self.attempt_replayed(&base) else { return false };
        let points: Vec<(Anchor, Vec<Choice>)> = anchors_of(&replayed.asked)
            .filter_map(|(anchor, entry)| {
                let last = entry.last.filter(|last| entry.options.contains(last))?;
                let others = entry.options.iter().copied().filter(|&option| option != last).collect();
                Some((anchor, others))
            })
            .collect();
        if Self::keep(best, replayed.candidate()) {
            return true;
        }
        if best.measure.preemptions < 2 {
            return false;
        }
        for (anchor, others) in points {
            for other in others {
                let mut plan = base.clone();
                plan.insert(anchor, other);
                let candidate = self.attempt(&plan);
                if Self::keep(best, candidate) {
                    return true;
                }
                if self.stopped.is_some() {
                    return false;
                }
            }
        }
        false
    }
}

/// Shrinks `schedule`, whose run has `finding`, in at most `budget` replays, stopping early
/// once `stop` is set.
pub(crate) fn shrink(
    program: &Program,
    schedule: &Schedule,
    finding: &Finding,
    budget: usize,
    stop: &AtomicBool,
) -> Shrinking {
    let mut shrinker = Shrinker {
        exact: program.clone(),
        program: program.clone(),
        signature: Signature::of(finding),
        replays: 0,
        budget,
        stop,
        stopped: None,
    };
    if stop.load(Ordering::SeqCst) {
        return Shrinking::Interrupted;
    }
    let Some(first) = shrinker.follow(schedule) else { return Shrinking::NotReproduced };
    // A candidate may take somewhat longer than the original, never without end: a thread
    // spinning on a flag that the default move never preempts is cut, and the candidate with it.
    shrinker.program.max_steps = first.measure.steps.saturating_mul(2).saturating_add(100).min(program.max_steps);
    let mut before = first.measure;
    before.entries = schedule.entries();
    let mut best = first;
    loop {
        let fewer = shrinker.fewest_first(&mut best);
        let blocks = shrinker.each_block_out(&mut best);
        let out = shrinker.each_out(&mut best);
        // The costlier step 4 only once the others are done.
        if shrinker.stopped.is_some() || !(fewer || blocks || out || shrinker.fewer_preemptions(&mut best)) {
            break;
        }
    }
    let stop = shrinker.stopped.unwrap_or(Stop::Done);
    // Written as short as it goes, or else every choice spelled out, or else as found: the
    // first that replays the same failure when followed as written.
    for written in [compact(&best.asked), best.explicit(), schedule.clone()] {
        if let Some(confirmed) = shrinker.follow(&written) {
            let after = Measure { entries: written.entries(), ..confirmed.measure };
            if before.better_than(&after) {
                continue;
            }
            return Shrinking::Shrunk(Shrunk {
                schedule: written.to_string(),
                before,
                after,
                finding: confirmed.finding,
                replays: shrinker.replays,
                stop,
            });
        }
    }
    Shrinking::NotReproduced
}

#[cfg(test)]
mod tests {
    //! Shrinking as a property: over seeded random programs of unlocked increments, nested
    //! locks, sleeps and checks, every failure's shrunk schedule, followed as written, fails the
    //! same way, and is never worse by the measure shrinking minimizes.

    use std::collections::BTreeSet;
    use std::sync::Arc;
    use std::time::Duration;

    use super::super::choosing::Point;
    use super::super::history::Asked;
    use super::super::schedule::Planned;
    use super::*;
    use crate::explore::{Exploration, Find, Report, Strategy};
    use crate::sync::{Lock, Shared};
    use crate::thread;

    /// One operation of a generated thread.
    #[derive(Debug, Clone, Copy)]
    enum Op {
        /// `counter += 1` as a load and a store, unlocked: updates can be lost.
        Increment,
        /// The same under `guard`: no update lost.
        GuardedIncrement,
        /// Holds lock `first`, then lock `second` inside it: two threads in opposite orders
        /// can deadlock.
        Nested { first: usize, second: usize },
        /// Sleeps this many milliseconds of demo time.
        Sleep(u64),
        /// Panics if the counter has reached this value.
        Below(u32),
        /// Releases `spare`, which nobody holds: a misuse.
        ReleaseUnheld,
    }

    /// Two or three threads of one to four operations, drawn from `seed`.
    fn random_threads(seed: u64) -> Vec<Vec<Op>> {
        let mut rng = fastrand::Rng::with_seed(seed);
        (0..rng.usize(2..=3))
            .map(|_| {
                (0..rng.usize(1..=4))
                    .map(|_| match rng.u8(..20) {
                        0..=6 => Op::Increment,
                        7..=8 => Op::GuardedIncrement,
                        9..=13 => {
                            let first = rng.usize(..2);
                            Op::Nested { first, second: 1 - first }
                        }
                        14..=16 => Op::Sleep(rng.u64(1..=3)),
                        17..=18 => Op::Below(rng.u32(2..=3)),
                        _ => Op::ReleaseUnheld,
                    })
                    .collect()
            })
            .collect()
    }

    /// The program the threads make: each its operations, the main thread joining them all.
    fn program_of(threads: Vec<Vec<Op>>) -> Program {
        let threads = Arc::new(threads);
        Program::new(move || {
            let counter = Shared::named("counter", 0_u32);
            let locks = [Lock::named("lock-a"), Lock::named("lock-b")];
            let (guard, spare) = (Lock::named("guard"), Lock::named("spare"));
            let workers: Vec<_> = threads
                .iter()
                .cloned()
                .map(|ops| {
                    let (counter, locks, guard, spare) = (counter.clone(), locks.clone(), guard.clone(), spare.clone());
                    thread::spawn(move || {
                        for op in ops {
                            match op {
                                Op::Increment => {
                                    let seen = counter.load();
                                    counter.store(seen + 1);
                                }
                                Op::GuardedIncrement => {
                                    let _held = guard.hold();
                                    let seen = counter.load();
                                    counter.store(seen + 1);
                                }
                                Op::Nested { first, second } => {
                                    let _outer = locks[first].hold();
                                    let _inner = locks[second].hold();
                                }
                                Op::Sleep(millis) => thread::sleep(Duration::from_millis(millis)),
                                Op::Below(limit) => assert!(counter.load() < limit, "the counter reached {limit}"),
                                Op::ReleaseUnheld => {
                                    let _ = spare.release();
                                }
                            }
                        }
                    })
                })
                .collect();
            for worker in workers {
                worker.join();
            }
        })
    }

    fn explore(program: &Program, seed: u64, runs: usize) -> Report {
        Exploration {
            program: program.clone(),
            name: "generated".to_owned(),
            strategy: Strategy::Random,
            runs,
            seed,
            find: Find::All,
            replay_hint: Box::new(str::to_owned),
            goal: None,
            shrink: true,
        }
        .explore(&mut |_, _| {})
    }

    #[test]
    fn every_shrunk_schedule_fails_the_same_way_and_is_never_worse() {
        let mut kinds = BTreeSet::new();
        let mut shorter = 0;
        for seed in 0..40 {
            let threads = random_threads(seed);
            let program = program_of(threads.clone());
            let report = explore(&program, seed, 12);
            for (kind, found) in &report.found {
                let context = format!("seed {seed}, {kind}, {threads:?}, first schedule {}", found.first_schedule);
                let Some(Shrinking::Shrunk(shrunk)) = &found.shrinking else {
                    panic!("{context}: not shrunk: {:?}", found.shrinking);
                };
                // Followed as written, exactly as `threadviz demo --schedule` follows it.
                let schedule = Schedule::parse(&shrunk.schedule).expect("the shrunk schedule reads");
                let (outcome, _) = super::super::follow_schedule(&program, schedule, None);
                assert!(matches!(outcome.end, RunEnd::Completed | RunEnd::Deadlock), "{context}: {:?}", outcome.end);
                let again = Signature::of(&found.first).find_in(&outcome);
                assert_eq!(again, Some(&shrunk.finding), "{context}: shrunk to {}", shrunk.schedule);
                assert_eq!(outcome.steps, shrunk.after.steps, "{context}");
                assert!(!shrunk.before.better_than(&shrunk.after), "{context}: {shrunk:?}");
                assert!(shrunk.after.preemptions <= shrunk.before.preemptions, "{context}: {shrunk:?}");
                assert!(shrunk.replays <= REPLAYS + 3, "{context}: {shrunk:?}");
                kinds.insert(*kind);
                shorter += usize::from(shrunk.after.entries < shrunk.before.entries);
            }
        }
        assert_eq!(kinds, FailureKind::ALL.into_iter().collect(), "the programs make every kind of failure");
        assert!(shorter >= 20, "most schedules found at random shrink: {shorter}");
    }

    #[test]
    fn shrinking_gives_the_same_schedule_every_time() {
        for seed in [3, 7, 11] {
            let program = program_of(random_threads(seed));
            let first = explore(&program, seed, 12);
            let again = explore(&program, seed, 12);
            assert_eq!(
                first.to_string().lines().skip(1).collect::<Vec<_>>(),
                again.to_string().lines().skip(1).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn a_shrunk_schedule_shrinks_no_further() {
        for seed in [1, 5, 9] {
            let program = program_of(random_threads(seed));
            let report = explore(&program, seed, 12);
            for found in report.found.values() {
                let Some(Shrinking::Shrunk(shrunk)) = &found.shrinking else { panic!("{:?}", found.shrinking) };
                let schedule = Schedule::parse(&shrunk.schedule).expect("reads");
                let Shrinking::Shrunk(again) =
                    shrink(&program, &schedule, &shrunk.finding, REPLAYS, &AtomicBool::new(false))
                else {
                    panic!("seed {seed}: the shrunk schedule replays");
                };
                assert!(
                    !again.after.better_than(&shrunk.after),
                    "seed {seed}: {} then {}",
                    shrunk.schedule,
                    again.schedule
                );
            }
        }
    }

    /// A strategy's chooser, to run by value.
    struct Boxed(Box<dyn Chooser>);

    impl Chooser for Boxed {
        fn choose(&mut self, point: &Point<'_>) -> Result<Choice, String> {
            self.0.choose(point)
        }
    }

    /// Runs `program` as `chooser` says: what was chosen at each entry, its steps and its end.
    fn asked_run(program: &Program, mut chooser: impl Chooser) -> (Vec<Asked>, usize, RunEnd) {
        let run = run_once(program, &mut chooser, None);
        (run.asked, run.steps, run.end)
    }

    #[test]
    fn a_schedule_written_with_default_moves_replays_the_very_same_run() {
        // Demos whose threads wait on conditions and semaphores refuse grants now and then:
        // the default move asks again, as the run that wrote it did.
        let demos = ["bounded-semaphore", "condition", "producer-consumer", "semaphore", "lost-wakeup", "deadlock"];
        let programs = demos
            .iter()
            .map(|name| Program::new(crate::catalog::find(name).expect("a demo").main))
            .chain((0..20).map(|seed| program_of(random_threads(seed))));
        let (mut defaults, mut refusals) = (0, 0);
        for (number, program) in programs.enumerate() {
            for seed in 0..6 {
                let random = Boxed(super::super::strategy::chooser(Strategy::Random, seed));
                let (asked, steps, end) = asked_run(&program, random);
                let explicit = Schedule::of(asked.iter().map(|entry| Planned::Exactly(entry.chosen)).collect());
                for written in [compact(&asked), explicit] {
                    let (again, steps_again, end_again) = asked_run(&program, Follow::new(written.clone()));
                    assert_eq!(again, asked, "program {number}, seed {seed}: {written}");
                    assert_eq!(
                        (steps_again, end_again),
                        (steps, end.clone()),
                        "program {number}, seed {seed}: {written}"
                    );
                }
                defaults += compact(&asked).choices().iter().filter(|planned| **planned == Planned::Default).count();
                refusals += asked.iter().filter(|entry| entry.refused).count();
            }
        }
        assert!(defaults > 100, "the runs have default moves to write as `_`: {defaults}");
        assert!(refusals > 0, "some runs refuse grants, and replay them");
    }

    /// An entry choosing `chosen` among threads 1 and 2 and time, thread `last` having moved last.
    fn entry(chosen: Choice, last: Tid) -> Asked {
        let options = vec![Choice::Thread(1), Choice::Thread(2), Choice::Time];
        Asked { options, last: Some(Choice::Thread(last)), taken: 0, chosen, refused: false }
    }

    use crate::event::Tid;

    #[test]
    fn the_default_move_is_written_only_where_it_joins_an_entry() {
        let (one, two) = (Choice::Thread(1), Choice::Thread(2));
        // 1 goes on, 2 preempts, 2 goes on, time passes while 2 could go on, then 1 goes on.
        let asked = [entry(one, 1), entry(two, 1), entry(two, 2), entry(Choice::Time, 2), entry(one, 1)];
        assert_eq!(compact(&asked).to_string(), "1.2x2.t.1");
        // Default moves by different threads in a row join as one `_` entry.
        let asked = [entry(one, 1), entry(one, 1), entry(two, 2), entry(two, 2), entry(one, 1)];
        assert_eq!(compact(&asked).to_string(), "_x5");
        // A default move written as itself joins the entries beside it.
        let asked = [entry(Choice::Time, 1), entry(one, 1), entry(two, 1)];
        assert_eq!(compact(&asked).to_string(), "t.1.2");
        assert_eq!(asked.iter().filter(|entry| preempts(entry)).count(), 2);
        // A grant refused is no preemption: nothing moved.
        let refused = Asked { refused: true, ..entry(two, 1) };
        assert!(!preempts(&refused));
    }

    #[test]
    fn a_lost_update_is_the_same_failure_on_the_same_value_whatever_was_read() {
        let finding =
            |text: &str| Finding { kind: FailureKind::LostUpdate, step: 4, text: text.to_owned(), threads: Vec::new() };
        let first = Signature::of(&finding(
            "lost update on counter: Thread-2 read 0, Thread-1 then stored 1, and Thread-2 overwrote it with 1",
        ));
        let later = Signature::of(&finding(
            "lost update on counter: Thread-1 read 3, Thread-3 then stored 4, and Thread-1 overwrote it with 4",
        ));
        let other = Signature::of(&finding(
            "lost update on total: Thread-2 read 0, Thread-1 then stored 1, and Thread-2 overwrote it with 1",
        ));
        assert_eq!(first, later);
        assert_ne!(first, other);
    }
}
