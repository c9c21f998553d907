//! How the explorer chooses who moves next: at random, by PCT's priorities, depth-first over
//! every interleaving (within a preemption bound, or reduced to one of each order of dependent
//! steps), or by following a schedule.

use std::collections::HashMap;

use super::choosing::{Chooser, Point};
use super::dpor::LogOrder;
use super::history::Run;
use crate::session::Choice;

/// How [`Explorer`](super::Explorer) picks the thread that moves at each step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// A seeded random choice at each step.
    Random,
    /// Probabilistic concurrency testing (Burckhardt et al., 2010): each thread gets a random
    /// priority, the highest-priority thread that can move does, and at `depth - 1` random
    /// steps the running thread drops to the lowest priority. A bug that needs `depth` ordering
    /// constraints is found in one run with probability at least `1 / (n k^(depth-1))` for
    /// `n` threads and `k` steps.
    Pct {
        /// The bug depth to aim for (at least 1).
        depth: usize,
    },
    /// Every interleaving, depth first, with at most `preemptions` switches away from a thread
    /// that could have gone on (loom's bound). Stops early, saying it is exhaustive, when every
    /// interleaving within the bound has run.
    Dfs {
        /// The most preemptions in one run.
        preemptions: usize,
    },
    /// Every interleaving, depth first, without a bound, with dynamic partial-order reduction:
    /// runs that differ only in the order of independent steps (operations on different
    /// primitives, two loads of one `Shared`, two log lines) are one, run once. Steps depend on
    /// each other when they touch one primitive (or thread: start, join, exit) and one is not a
    /// load; time passing, on the steps that begin or end a timed wait or read demo time. It
    /// finds every outcome (final values, failures, deadlock or not) that [`Strategy::Dfs`]
    /// without a bound finds, in fewer runs, and says it is exhaustive when it has run them all.
    /// While the program's only timed waits are sleeps and it reads no demo time, a sleep ends
    /// in its own step and its thread may move again at any later one (as Shuttle and loom
    /// treat sleeps): the same orders of operations, with nothing to order against time
    /// passing; the schedules it reports are those runs with sleeps in deadline order.
    /// `threadviz explore --strategy dfs` uses it unless `--preemptions` or `--no-reduce` is
    /// given; a bounded search is never reduced.
    Dpor,
}

impl Strategy {
    /// Its name on the command line.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Random => "random",
            Self::Pct { .. } => "pct",
            Self::Dfs { .. } | Self::Dpor => "dfs",
        }
    }
}

/// Builds the chooser for `strategy`, for runs whose log order matters (see [`LogOrder`]).
pub(crate) fn chooser(strategy: Strategy, seed: u64) -> Box<dyn Chooser> {
    chooser_for(strategy, seed, LogOrder::Matters)
}

/// [`chooser`], its partial-order reduction reading log lines as `logs` says.
pub(crate) fn chooser_for(strategy: Strategy, seed: u64, logs: LogOrder) -> Box<dyn Chooser> {
    match strategy {
        Strategy::Random => Box::new(RandomChooser::new(seed)),
        Strategy::Pct { depth } => Box::new(PctChooser::new(depth.max(1), seed)),
        Strategy::Dfs { preemptions } => Box::new(DfsChooser::new(preemptions, None)),
        Strategy::Dpor => Box::new(DfsChooser::new(usize::MAX, Some(logs))),
    }
}

/// Uniform choices, each run drawn from its own stream of the seed: run `n` makes the same
/// choices whichever runs came before it, so runs can be made side by side, in any order
/// ([`super::workers`]), and the report is the same.
pub(crate) struct RandomChooser {
    seed: u64,
    /// The run the next [`Chooser::begin_run`] begins.
    next_run: u64,
    rng: fastrand::Rng,
}

impl RandomChooser {
    pub(crate) fn new(seed: u64) -> Self {
        Self::for_run(seed, 0)
    }

    /// The chooser of run `run` (from 0) of an exploration seeded `seed`, ready for it.
    pub(crate) fn for_run(seed: u64, run: u64) -> Self {
        Self { seed, next_run: run, rng: run_stream(seed, run) }
    }
}

/// Run `run`'s stream of random numbers: the seed and the run mixed (splitmix64's finalizer),
/// so that neighbouring runs of neighbouring seeds draw unrelated numbers.
fn run_stream(seed: u64, run: u64) -> fastrand::Rng {
    let mut mixed = seed ^ run.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    fastrand::Rng::with_seed(mixed ^ (mixed >> 31))
}

impl Chooser for RandomChooser {
    fn begin_run(&mut self) {
        self.rng = run_stream(self.seed, self.next_run);
        self.next_run += 1;
    }

    fn choose(&mut self, point: &Point<'_>) -> Result<Choice, String> {
        Ok(point.options[self.rng.usize(..point.options.len())])
    }

    fn delegate(&self) -> Option<u64> {
        Some(self.rng.get_seed())
    }
}

/// PCT. Priorities are drawn when a thread (or time) is first seen in a run; change points
/// are drawn over the longest run so far, the estimate of `k` (as Shuttle and Coyote do, the
/// first run has none: it is how long a run is that it tells).
struct PctChooser {
    depth: usize,
    rng: fastrand::Rng,
    priorities: HashMap<Choice, u64>,
    /// Steps at which the running thread's priority drops, with the priority it drops to.
    change_points: HashMap<usize, u64>,
    longest_run: usize,
}

impl PctChooser {
    fn new(depth: usize, seed: u64) -> Self {
        let mut chooser = Self {
            depth,
            rng: fastrand::Rng::with_seed(seed),
            priorities: HashMap::new(),
            change_points: HashMap::new(),
            longest_run: 0,
        };
        chooser.begin_run();
        chooser
    }

    /// A priority above every change point's, so each drop goes below all of them.
    fn priority_of(&mut self, choice: Choice) -> u64 {
        let floor = self.depth as u64;
        let rng = &mut self.rng;
        *self.priorities.entry(choice).or_insert_with(|| floor + 1 + rng.u64(..u64::from(u32::MAX)))
    }
}

impl Chooser for PctChooser {
    fn begin_run(&mut self) {
        self.priorities.clear();
        self.change_points.clear();
        // Not at the first choice, which the priorities decide already: within the others, as
        // many distinct change points as they have room for, at most depth - 1.
        let steps = self.longest_run;
        for drop_to in 1..self.depth.min(steps) {
            let step = loop {
                let step = self.rng.usize(1..steps);
                if !self.change_points.contains_key(&step) {
                    break step;
                }
            };
            // A later drop goes lower: depth - 1 distinct levels below every thread's.
            self.change_points.insert(step, (self.depth - drop_to) as u64);
        }
    }

    fn choose(&mut self, point: &Point<'_>) -> Result<Choice, String> {
        let best = |chooser: &mut Self| {
            let mut best = point.options[0];
            let mut best_priority = chooser.priority_of(best);
            for &option in &point.options[1..] {
                let priority = chooser.priority_of(option);
                if priority > best_priority {
                    (best, best_priority) = (option, priority);
                }
            }
            best
        };
        let choice = best(self);
        Ok(match self.change_points.remove(&point.choice) {
            Some(lower) => {
                self.priorities.insert(choice, lower);
                best(self)
            }
            None => choice,
        })
    }

    fn end_run(&mut self, run: &Run) -> bool {
        self.longest_run = self.longest_run.max(run.choices);
        true
    }
}

/// One step of the depth-first path: what could move, what is being tried, what was tried,
/// which options refused their grant here (they repeat with the same prefix, so they are
/// skipped for good), and how many preemptions the path had spent before it.
struct Node {
    options: Vec<Choice>,
    current: Choice,
    tried: Vec<Choice>,
    last: Option<Choice>,
    preemptions_before: usize,
    refused: Vec<Choice>,
    /// Under partial-order reduction, the options that must be tried here (the run's races
    /// say which); `None` for every option.
    backtrack: Option<Vec<Choice>>,
    /// Every usable option has been tried, yet this run needed one: its subtree repeats a
    /// tried one, and backtracking goes past this step.
    spent: bool,
    /// Under partial-order reduction, each option tried here with the step it took.
    done: Vec<(Choice, super::dpor::Step)>,
    /// Under partial-order reduction, the sleep set (Godefroid): options tried at a step
    /// before this one whose step is independent of every step since. Trying one here would
    /// only swap it with independent steps, a run made already: it is not tried.
    asleep: Vec<(Choice, super::dpor::Step)>,
}

impl Node {
    fn new(options: &[Choice], last: Option<Choice>, preemptions_before: usize, reduce: bool) -> Self {
        let mut node = Self {
            options: options.to_vec(),
            current: options[0],
            tried: Vec::new(),
            last,
            preemptions_before,
            refused: Vec::new(),
            backtrack: None,
            spent: false,
            done: Vec::new(),
            asleep: Vec::new(),
        };
        node.current = node.ordered()[0];
        node.tried.push(node.current);
        if reduce {
            node.backtrack = Some(vec![node.current]);
        }
        node
    }

    /// Whether `option` is a preemption here: switching away from the thread that moved last
    /// while it could still move.
    fn preempts(&self, option: Choice) -> bool {
        self.last.is_some_and(|last| last != option && self.options.contains(&last) && !self.refused.contains(&last))
    }

    fn usable(&self, option: Choice, bound: usize) -> bool {
        !self.refused.contains(&option) && (!self.preempts(option) || self.preemptions_before < bound)
    }

    /// What can move here: the options but those that refused their grant.
    fn enabled(&self) -> impl Iterator<Item = Choice> + '_ {
        self.options.iter().copied().filter(|option| !self.refused.contains(option))
    }

    /// Whether a run's step offers this node's options (or those left after refusals).
    fn offers(&self, options: &[Choice]) -> bool {
        self.options == options || self.enabled().eq(options.iter().copied())
    }

    /// The options in the order they are tried: the thread that moved last first, so the
    /// first run has no preemption at all.
    fn ordered(&self) -> Vec<Choice> {
        let mut ordered = self.options.clone();
        if let Some(last) = self.last
            && let Some(index) = ordered.iter().position(|&option| option == last)
        {
            ordered.remove(index);
            ordered.insert(0, last);
        }
        ordered
    }

    /// Whether `option` must be tried here: every option must, unless reduced.
    fn wanted(&self, option: Choice) -> bool {
        self.backtrack.as_ref().is_none_or(|backtrack| backtrack.contains(&option))
    }

    /// Asks for `option` to be tried here (partial-order reduction found it racing).
    fn want(&mut self, option: Choice) {
        if let Some(backtrack) = &mut self.backtrack
            && !backtrack.contains(&option)
        {
            backtrack.push(option);
        }
    }

    /// Moves to the next untried option that is wanted and usable; false when none is left.
    fn advance(&mut self, bound: usize) -> bool {
        if self.spent {
            return false;
        }
        let next = self.ordered().into_iter().find(|&option| {
            !self.tried.contains(&option)
                && self.wanted(option)
                && self.usable(option, bound)
                && !self.asleep.iter().any(|(asleep, _)| *asleep == option)
        });
        match next {
            Some(option) => {
                self.current = option;
                self.tried.push(option);
                true
            }
            None => false,
        }
    }
}

/// Depth-first search over interleavings: each run replays the path's prefix and extends it
/// with first options; after a run the deepest step with an untried option moves on to it.
///
/// A run whose rest repeats one already made (a grant refused at a step whose every other
/// option has been tried) is cut as soon as that is known and not counted: each run is a new
/// interleaving.
///
/// With `reduce`, dynamic partial-order reduction (Flanagan and Godefroid, 2005): after each
/// run, every pair of racing steps (dependent, of different threads, with no step ordered
/// between them) asks the step where the earlier one was chosen to try the later one's thread
/// there too (or, where that thread could not move, every option); an option no race asks for
/// is not tried, since any run it starts only reorders independent steps of a run tried.
pub(crate) struct DfsChooser {
    bound: usize,
    /// Partial-order reduction, reading log lines as it says; none for every interleaving.
    reduce: Option<LogOrder>,
    path: Vec<Node>,
    redundant: bool,
}

impl DfsChooser {
    pub(crate) fn new(bound: usize, reduce: Option<LogOrder>) -> Self {
        Self { bound, reduce, path: Vec::new(), redundant: false }
    }

    /// Partial-order reduction's look at a finished run: each race asks its earlier step's
    /// choice for the later step's thread.
    fn note_races(&mut self, run: &Run) {
        let Some(steps) = self.reduce.and_then(|logs| super::dpor::steps_of(run, logs)) else {
            // The events do not say what each step did: no step can be left out.
            for node in &mut self.path {
                node.backtrack = None;
                node.asleep.clear();
            }
            return;
        };
        self.note_sleep(run, &steps);
        for (earlier, later) in super::dpor::races(&steps) {
            let Some(choice) = run.moves[earlier].choice else { continue };
            let Some(node) = self.path.get_mut(choice) else { continue };
            let wanted = run.moves[later].granted;
            if node.enabled().any(|option| option == wanted) {
                node.want(wanted);
            } else {
                let enabled: Vec<Choice> = node.enabled().collect();
                for option in enabled {
                    node.want(option);
                }
            }
        }
    }
}

impl DfsChooser {
    /// The sleep sets along the run's path, from the root down: at each step with a choice,
    /// the options tried there before join the set; a step of a thread wakes it, and a step
    /// that depends on a sleeper's step wakes that sleeper (they no longer commute).
    fn note_sleep(&mut self, run: &Run, steps: &[super::dpor::Step]) {
        let mut asleep: Vec<(Choice, super::dpor::Step)> = Vec::new();
        for (step, moved) in steps.iter().zip(&run.moves) {
            if let Some(node) = moved.choice.and_then(|choice| self.path.get_mut(choice)) {
                node.asleep.clone_from(&asleep);
                if !node.done.iter().any(|(option, _)| *option == moved.granted) {
                    node.done.push((moved.granted, step.clone()));
                }
                for (option, taken) in &node.done {
                    if *option != moved.granted && !asleep.iter().any(|(asleep, _)| asleep == option) {
                        asleep.push((*option, taken.clone()));
                    }
                }
            }
            asleep.retain(|(option, taken)| *option != Choice::Thread(step.thread()) && !taken.depends_on(step));
        }
    }
}

impl Chooser for DfsChooser {
    fn begin_run(&mut self) {
        self.redundant = false;
    }

    fn choose(&mut self, point: &Point<'_>) -> Result<Choice, String> {
        if let Some(node) = self.path.get(point.choice)
            && node.offers(point.options)
        {
            return Ok(node.current);
        }
        // A new step, or (a program that is not deterministic) a step that differs from the
        // last run's: the path is cut here and grows anew.
        self.path.truncate(point.choice);
        let preemptions_before =
            self.path.last().map_or(0, |node| node.preemptions_before + usize::from(node.preempts(node.current)));
        let node = Node::new(point.options, point.last, preemptions_before, self.reduce.is_some());
        let choice = node.current;
        self.path.push(node);
        Ok(choice)
    }

    fn refused(&mut self, point: &Point<'_>, choice: Choice) -> Result<(), String> {
        let bound = self.bound;
        let Some(node) = self.path.get_mut(point.choice) else { return Ok(()) };
        if !node.refused.contains(&choice) {
            node.refused.push(choice);
        }
        // A race asked for a thread that cannot move here after all: as where it could not
        // move at all, every option is tried.
        if node.backtrack.is_some() && node.wanted(choice) {
            node.backtrack = None;
        }
        if node.current == choice && !node.advance(bound) {
            // Nothing untried is left, but this run must go on: with an option already tried,
            // whose runs it would repeat. It is cut.
            let option = node.enabled().next();
            if let Some(option) = option {
                node.current = option;
            }
            node.spent = true;
            self.redundant = true;
        }
        Ok(())
    }

    fn redundant(&self) -> bool {
        self.redundant
    }

    fn end_run(&mut self, run: &Run) -> bool {
        if self.reduce.is_some() && !run.redundant {
            self.note_races(run);
        }
        self.path.truncate(run.choices);
        while let Some(node) = self.path.last_mut() {
            if node.advance(self.bound) {
                return true;
            }
            self.path.pop();
        }
        false
    }
}

#[cfg(test)]
mod tests {
    //! The strategies against hand-made choice trees.

    use super::*;

    /// Runs `chooser` over a tree where every step offers threads 1 and 2 and a run has
    /// `steps` steps; returns every run's choices.
    fn runs_over_two_threads(chooser: &mut dyn Chooser, steps: usize, max_runs: usize) -> Vec<Vec<Choice>> {
        let options = [Choice::Thread(1), Choice::Thread(2)];
        let mut runs = Vec::new();
        for _ in 0..max_runs {
            chooser.begin_run();
            let mut last = None;
            let mut run = Vec::new();
            for step in 0..steps {
                let point = Point { options: &options, choice: step, step, last, taken: step };
                let choice = chooser.choose(&point).expect("a choice");
                run.push(choice);
                last = Some(choice);
            }
            runs.push(run);
            if !chooser.end_run(&Run::of_choices(steps)) {
                break;
            }
        }
        runs
    }

    #[test]
    fn dfs_without_a_bound_tries_every_sequence_once() {
        let mut dfs = DfsChooser::new(usize::MAX, None);
        let runs = runs_over_two_threads(&mut dfs, 3, 100);
        assert_eq!(runs.len(), 8);
        let distinct: std::collections::HashSet<_> = runs.iter().collect();
        assert_eq!(distinct.len(), 8);
    }

    #[test]
    fn dfs_counts_switches_away_from_a_thread_that_could_go_on() {
        let mut dfs = DfsChooser::new(1, None);
        let runs = runs_over_two_threads(&mut dfs, 3, 100);
        // With two always-enabled threads, the first choice is free and each later switch is a
        // preemption: 2 starts x (no switch + a switch at step 2 or 3) = 6.
        assert_eq!(runs.len(), 6);
        for run in &runs {
            let switches = run.windows(2).filter(|pair| pair[0] != pair[1]).count();
            assert!(switches <= 1, "{run:?}");
        }
    }

    #[test]
    fn random_and_pct_repeat_with_their_seed() {
        for strategy in [Strategy::Random, Strategy::Pct { depth: 3 }] {
            let first = runs_over_two_threads(&mut *chooser(strategy, 7), 10, 5);
            let again = runs_over_two_threads(&mut *chooser(strategy, 7), 10, 5);
            assert_eq!(first, again, "{strategy:?}");
            let other = runs_over_two_threads(&mut *chooser(strategy, 8), 10, 5);
            assert_ne!(first, other, "{strategy:?}");
        }
    }

    #[test]
    fn pct_learns_how_long_a_run_is_from_its_first_and_puts_its_change_points_within_it() {
        let mut pct = PctChooser::new(3, 5);
        assert!(pct.change_points.is_empty(), "the first run has no change point: its length is not known yet");
        for seed_run in 0..50 {
            pct.end_run(&Run::of_choices(10));
            pct.begin_run();
            let mut points: Vec<usize> = pct.change_points.keys().copied().collect();
            points.sort_unstable();
            assert_eq!(points.len(), 2, "depth 3: two change points ({seed_run})");
            assert!(
                points.iter().all(|&point| (1..10).contains(&point)),
                "within the run's choices, not the first: {points:?}"
            );
        }
        let mut short = PctChooser::new(3, 5);
        short.end_run(&Run::of_choices(2));
        short.begin_run();
        assert_eq!(short.change_points.len(), 1, "a run of two choices has room for one");
    }

    #[test]
    fn pct_of_depth_one_never_switches_while_the_first_can_go_on() {
        let runs = runs_over_two_threads(&mut *chooser(Strategy::Pct { depth: 1 }, 3), 10, 20);
        for run in runs {
            assert!(run.iter().all(|&choice| choice == run[0]), "{run:?}");
        }
    }
}
