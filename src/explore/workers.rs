//! Random runs side by side, one explorer per CPU. Each run of a random exploration draws its
//! choices from its own stream of the seed ([`RandomChooser::for_run`]), so run `n` is the same
//! run whichever explorer makes it and whenever; the outcomes are taken in run order, so the
//! report (the first failure, its run number, the histogram) is the one a single explorer
//! writes, on any machine.
//!
//! Each explorer is pinned to a CPU of its own, and its runs' threads with it (see `pin`):
//! a run's threads move one at a time, so one CPU is all a run can use, and two runs on two
//! CPUs are twice the runs.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use parking_lot::{Condvar, Mutex};

use super::outcome::Outcome;
use super::pin::OneCpu;
use super::run::{Program, run_once, with_pool};
use super::strategy::RandomChooser;
use super::watch::Goal;

/// How many runs an explorer may be ahead of the oldest outcome not taken yet: what waits to
/// be taken in order stays this small, whatever one slow run holds up.
const AHEAD: usize = 64;

/// Makes runs `0..runs` of `program`, random with `seed`, on the CPUs this thread may use, and
/// hands each outcome to `take` in run order until it returns false, all runs are made, or
/// `stop` is set (the outcome taken then is the last; the runs under way finish, not taken).
/// `last` says of an outcome that `take` will stop at it: no later run is begun. Returns how
/// many OS threads the runs made but not taken left behind (see [`Outcome::left_behind`]).
pub(crate) fn random_runs(
    program: &Program,
    seed: u64,
    goal: Option<Goal>,
    runs: usize,
    stop: &AtomicBool,
    last: &(dyn Fn(&Outcome) -> bool + Sync),
    take: &mut dyn FnMut(Outcome) -> bool,
) -> usize {
    let cpus = OneCpu::allowed();
    if cpus.len() < 2 || runs < 2 {
        // On one CPU with the runs' pooled threads (see `pin`).
        let _pinned = OneCpu::here();
        for run in 0..runs {
            let outcome = random_run(program, seed, run, goal);
            if !take(outcome) || stop.load(Ordering::SeqCst) {
                return 0;
            }
        }
        return 0;
    }
    let explorers = cpus.len().min(runs);
    let next = AtomicUsize::new(0);
    // Runs from here on are not begun: one before them ends the exploration (a failure it
    // stops at, a run stuck outside threadviz, whose threads may be left behind).
    let end = AtomicUsize::new(runs);
    let over = AtomicBool::new(false);
    // The outcomes taken so far: an explorer more than `AHEAD` runs past it waits.
    let taken = Mutex::new(0_usize);
    let moved_on = Condvar::new();
    let (sender, outcomes) = crossbeam_channel::unbounded::<(usize, Outcome)>();
    std::thread::scope(|scope| {
        for &cpu in cpus.iter().take(explorers) {
            let sender = sender.clone();
            let (next, end, over, taken, moved_on) = (&next, &end, &over, &taken, &moved_on);
            let spawned =
                std::thread::Builder::new().name("threadviz-explorer".to_owned()).spawn_scoped(scope, move || {
                    let _pinned = OneCpu::on(cpu);
                    // Each explorer's runs reuse OS threads of its own, on its CPU.
                    with_pool(|| {
                        while !over.load(Ordering::SeqCst) && !stop.load(Ordering::SeqCst) {
                            let run = next.fetch_add(1, Ordering::SeqCst);
                            if run >= end.load(Ordering::SeqCst) {
                                break;
                            }
                            {
                                let mut taken = taken.lock();
                                while run >= *taken + AHEAD && !over.load(Ordering::SeqCst) {
                                    moved_on.wait(&mut taken);
                                }
                            }
                            let outcome = random_run(program, seed, run, goal);
                            if last(&outcome) {
                                end.fetch_min(run + 1, Ordering::SeqCst);
                            }
                            if sender.send((run, outcome)).is_err() {
                                break;
                            }
                        }
                    });
                });
            if spawned.is_err() {
                // No thread to be had: the explorers already started do the runs.
                break;
            }
        }
        drop(sender);
        let mut waiting = BTreeMap::new();
        let mut expected = 0;
        let mut left_untaken = 0;
        for (run, outcome) in &outcomes {
            if over.load(Ordering::SeqCst) {
                left_untaken += outcome.left_behind;
                continue;
            }
            waiting.insert(run, outcome);
            while !over.load(Ordering::SeqCst) {
                let Some(outcome) = waiting.remove(&expected) else { break };
                expected += 1;
                // The run during which `stop` was set is the last one taken.
                if !take(outcome) || stop.load(Ordering::SeqCst) {
                    over.store(true, Ordering::SeqCst);
                }
                *taken.lock() = expected;
                moved_on.notify_all();
            }
        }
        left_untaken + waiting.values().map(|outcome| outcome.left_behind).sum::<usize>()
    })
}

/// Run `run` of `program`, random with `seed`: what came of it.
fn random_run(program: &Program, seed: u64, run: usize, goal: Option<Goal>) -> Outcome {
    let mut chooser = RandomChooser::for_run(seed, run as u64);
    Outcome::of(run_once(program, &mut chooser, None), goal).0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::RunEnd;

    /// The schedules of `program`'s random runs as `random_runs` takes them, up to the first
    /// that `last` says ends it.
    fn taken(program: &Program, last: &(dyn Fn(&Outcome) -> bool + Sync)) -> Vec<String> {
        let mut schedules = Vec::new();
        random_runs(program, 7, None, 300, &AtomicBool::new(false), last, &mut |outcome| {
            schedules.push(outcome.schedule.to_string());
            !last(&outcome)
        });
        schedules
    }

    #[test]
    fn runs_made_side_by_side_are_the_runs_made_one_by_one_taken_in_the_same_order() {
        for (demo, last) in [
            ("race", &(|_: &Outcome| false) as &(dyn Fn(&Outcome) -> bool + Sync)),
            ("deadlock", &|outcome: &Outcome| outcome.end == RunEnd::Deadlock),
        ] {
            let program = Program::new(crate::catalog::find(demo).expect("a demo").main);
            let side_by_side = taken(&program, last);
            let one_by_one = {
                let _one = OneCpu::on(OneCpu::allowed()[0]);
                assert_eq!(OneCpu::allowed().len(), 1);
                taken(&program, last)
            };
            assert_eq!(side_by_side, one_by_one, "{demo}");
            if demo == "race" {
                assert_eq!(side_by_side.len(), 300, "every run taken");
                let distinct: std::collections::BTreeSet<_> = side_by_side.iter().collect();
                assert!(distinct.len() > 100, "the runs differ from one another: {}", distinct.len());
            } else {
                assert!(side_by_side.len() < 300, "taken up to the first deadlock: {}", side_by_side.len());
            }
        }
    }
}
