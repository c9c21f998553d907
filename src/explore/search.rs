//! The search behind a challenge: every interleaving (within a preemption bound, or not),
//! depth first, for the run that reaches the goal in the fewest steps, or the proof that none
//! does.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::outcome::Outcome;
use super::run::{Program, run_once};
use super::schedule::Schedule;
use super::strategy::{Strategy, chooser};
use super::watch::Goal;

/// What the search found.
#[derive(Debug, Clone)]
pub(crate) struct Searched {
    pub(crate) runs: usize,
    /// Every interleaving within the bound ran.
    pub(crate) exhaustive: bool,
    /// How many interleavings there are within the bound, once the search has run them all.
    pub(crate) interleavings: Option<usize>,
    /// Runs cut at the step limit: what lies beyond the cut was not explored, so no proof.
    pub(crate) cut: usize,
    pub(crate) preemptions: usize,
    /// The run that reached the goal soonest: the step that did, how, and its schedule.
    pub(crate) shortest: Option<(usize, String, Schedule)>,
}

impl Searched {
    /// Counts a run; true when it reached the goal sooner than any before.
    fn note(&mut self, outcome: Outcome) -> bool {
        self.runs += 1;
        if matches!(outcome.end, super::history::RunEnd::StepLimit(_)) {
            self.cut += 1;
        }
        if let Some((step, text)) = outcome.reached
            && self.shortest.as_ref().is_none_or(|(best, _, _)| step < *best)
        {
            self.shortest = Some((step, text, outcome.schedule));
            return true;
        }
        false
    }

    /// The search in one sentence, for the screen: `every interleaving explored, without a
    /// bound (143 runs, one for each order of the dependent steps): none does`, or, within a bound, `all 1,432 interleavings with up to 2
    /// preemptions explored: none does`.
    pub(crate) fn proof(&self) -> String {
        let runs = super::thousands(self.interleavings.unwrap_or(self.runs));
        if self.preemptions == usize::MAX {
            return match (&self.shortest, self.exhaustive) {
                (None, true) => {
                    format!(
                        "every interleaving explored, without a bound ({runs} runs, one for each order of the dependent steps): none does"
                    )
                }
                (None, false) => format!("{runs} interleavings explored: none does so far"),
                // One run of each order of the dependent steps: the soonest of all may be a
                // reordering of one run, so no claim of the shortest.
                (Some((step, _, _)), true) => {
                    format!("{step} steps, the soonest found in every interleaving ({runs} runs)")
                }
                (Some((step, _, _)), false) => format!("shortest known: {step} steps, in {runs} interleavings"),
            };
        }
        let bound = match self.preemptions {
            1 => "up to 1 preemption".to_owned(),
            count => format!("up to {count} preemptions"),
        };
        match (&self.shortest, self.exhaustive) {
            (None, true) => format!("all {runs} interleavings with {bound} explored: none does"),
            (None, false) => format!("{runs} interleavings with {bound} explored: none does so far"),
            (Some((step, _, _)), true) => {
                format!("shortest: {step} steps, of all {runs} interleavings with {bound}")
            }
            (Some((step, _, _)), false) => format!("shortest known: {step} steps, in {runs} interleavings"),
        }
    }
}

/// Random runs tried first: a depth-first search spends its first runs deep in one corner of
/// the tree (a thread spinning on a flag, say), where a goal may not be; random runs sample
/// the whole tree at once.
const SAMPLES: usize = 300;

/// Explores `program` for `goal`: [`SAMPLES`] random runs, then depth first with at most
/// `preemptions` preemptions (`usize::MAX`: no bound, with partial-order reduction), `runs`
/// runs in all, counting them in `progress`, until done or
/// `stop` is set. Only the depth-first part can prove that no run reaches the goal.
pub(crate) fn search(
    program: &Program,
    goal: Goal,
    preemptions: usize,
    runs: usize,
    progress: &AtomicUsize,
    stop: &AtomicBool,
    better: &dyn Fn(&Searched),
) -> Searched {
    let mut searched =
        Searched { runs: 0, exhaustive: false, interleavings: None, cut: 0, preemptions, shortest: None };
    let mut random = chooser(Strategy::Random, 0);
    for _ in 0..SAMPLES.min(runs / 2) {
        if stop.load(Ordering::Relaxed) {
            return searched;
        }
        random.begin_run();
        let (outcome, _) = Outcome::of(run_once(program, &mut *random, None), Some(goal));
        if searched.note(outcome) {
            better(&searched);
        }
        progress.store(searched.runs, Ordering::Relaxed);
    }
    let random_runs = searched.runs;
    // Without a bound, partial-order reduction: a goal is about what primitives, threads and
    // the log did, in the order of the dependent steps, which every run it leaves out keeps.
    let strategy = if preemptions == usize::MAX { Strategy::Dpor } else { Strategy::Dfs { preemptions } };
    let mut strategy = chooser(strategy, 0);
    while searched.runs < runs && !stop.load(Ordering::Relaxed) {
        strategy.begin_run();
        let run = run_once(program, &mut *strategy, None);
        let more = strategy.end_run(&run);
        // A run cut as repeating one already made is no run.
        if !run.redundant {
            let (outcome, _) = Outcome::of(run, Some(goal));
            if searched.note(outcome) {
                better(&searched);
            }
            progress.store(searched.runs, Ordering::Relaxed);
        }
        if !more {
            searched.exhaustive = searched.cut == 0;
            // The proof counts the interleavings within the bound: the depth-first runs.
            searched.interleavings = Some(searched.runs - random_runs);
            break;
        }
    }
    searched
}
