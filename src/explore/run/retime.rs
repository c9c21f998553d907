//! A run found with sleeps that end at once ([`Sleeps::AnyOrder`]), made again with sleeps that
//! end in deadline order, as `demo --schedule`, `replay` and the shrinker run a program. Each
//! thread takes the steps it took, in the same order; a sleep's wake is put off until its thread
//! next moves (nothing else can tell it woke), and time then passes until that sleep is over,
//! ending on the way the sleeps of threads that wait their turn at the gate. A thread that did
//! more after its sleep in the same step (it ended) is woken at once. The new run does what the
//! found one did, operation for operation (checked), and its schedule replays the failure, with
//! time passing, as often as can be, where no thread could move: the default move.

use super::super::follow::{Follow, Pick};
use super::super::history::{Run, RunEnd};
use super::super::schedule::Schedule;
use super::{Driver, Program, Sleeps, Stepped, run_once};
use crate::event::{Control, EventKind, ExitKind, SourceLoc, Tid, TraceEvent};
use crate::session::Choice;

/// The run `schedule` makes of `program` with sleeps that end at once, made with sleeps in
/// deadline order; `None` when it cannot be made so.
pub(crate) fn in_deadline_order(program: &Program, schedule: &Schedule) -> Option<Run> {
    let any_order = Program { sleeps: Sleeps::AnyOrder, ..program.clone() };
    let found = run_once(&any_order, &mut Follow::new(schedule.clone()), None);
    // Within the step limit a replay has: each sleep adds a step (time passing to its end), so
    // a run found near the limit, or cut at it, cannot be made again, and the search is then
    // made in deadline order.
    let in_order = Program { sleeps: Sleeps::InDeadlineOrder, ..program.clone() };
    let mut subscription = None;
    let mut driver = Driver::start_read_at_end(&in_order, |session| subscription = Some(session.subscribe()));
    let went_on = went_on_after_sleeping(&found);
    let mut fits = true;
    for (moved, went_on) in found.moves.iter().zip(went_on) {
        fits = wake(&mut driver, moved.thread)
            && matches!(driver.step(&mut Pick(Choice::Thread(moved.thread))), Stepped::Moved(_))
            && (!went_on || wake(&mut driver, moved.thread));
        if !fits {
            break;
        }
    }
    // The sleeps of threads that did not move again.
    while fits && driver.session().asleep(None) {
        fits = matches!(driver.step(&mut Pick(Choice::Time)), Stepped::Moved(_));
    }
    let end = if fits {
        // Both runs are where the found one ended: asked for more, the chooser refuses.
        driver.run_to_end(&mut Pick(Choice::Time))
    } else {
        let end = RunEnd::Misfit(String::new());
        driver.finish(&end);
        end
    };
    let events = subscription.map(|events| events.receiver().try_iter().collect()).unwrap_or_default();
    let run = driver.into_run(end, events);
    let same = fits && run.end == found.end && operations(&run.events) == operations(&found.events);
    same.then_some(run)
}

/// Lets time pass until `tid` is not asleep; false when a step could not be taken.
fn wake(driver: &mut Driver, tid: Tid) -> bool {
    while driver.session().asleep(Some(tid)) {
        if !matches!(driver.step(&mut Pick(Choice::Time)), Stepped::Moved(_)) {
            return false;
        }
    }
    true
}

/// For each step of `run`, whether its thread slept in it and did more in it afterwards (it
/// ended): what another thread could see of that must not wait for the thread's next step.
fn went_on_after_sleeping(run: &Run) -> Vec<bool> {
    let mut steps: Vec<bool> = Vec::with_capacity(run.moves.len());
    let mut slept = false;
    for event in &run.events {
        match event.kind {
            EventKind::Control { control: Control::Step { .. } | Control::Advance { .. } } => {
                slept = false;
                steps.push(false);
            }
            EventKind::SleepEnd => slept = true,
            _ if slept => {
                if let Some(last) = steps.last_mut() {
                    *last = true;
                }
            }
            _ => {}
        }
    }
    steps
}

/// What a run's threads did, in order, but for the steps' beginnings and their sleeps (which
/// end elsewhere in the other run), up to the first thread killed at its end; a thread's start
/// without the OS thread it ran on (another worker of the pool).
fn operations(events: &[TraceEvent]) -> Vec<(Tid, Option<&SourceLoc>, EventKind)> {
    events
        .iter()
        .take_while(|event| !matches!(event.kind, EventKind::ThreadExited { exit: ExitKind::Killed, .. }))
        .filter(|event| {
            !matches!(event.kind, EventKind::Control { .. } | EventKind::SleepBegin { .. } | EventKind::SleepEnd)
        })
        .map(|event| {
            let kind = match event.kind {
                EventKind::ThreadStarted { tid, daemon, .. } => EventKind::ThreadStarted { tid, daemon, os_tid: None },
                ref kind => kind.clone(),
            };
            (event.thread, event.loc.as_ref(), kind)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    //! Every run of a reduced search made again in deadline order, operation for operation.

    use std::time::Duration;

    use super::*;
    use crate::explore::run::with_pool;
    use crate::explore::strategy::{Strategy, chooser};
    use crate::sync::{Lock, Shared};
    use crate::thread;

    /// Every run the reduced search makes of `program` with sleeps in any order: each is made
    /// again in deadline order, ends as it did and does the same operations, and its schedule
    /// replays it; how many runs.
    fn every_run_made_again(name: &str, program: &Program) -> usize {
        with_pool(|| {
            let any_order = Program { sleeps: Sleeps::AnyOrder, ..program.clone() };
            let mut search = chooser(Strategy::Dpor, 0);
            let mut runs = 0;
            loop {
                search.begin_run();
                let run = run_once(&any_order, &mut *search, None);
                let more = search.end_run(&run);
                if !run.redundant {
                    runs += 1;
                    assert!(!run.timed_wait, "{name}: sleeps only");
                    let again = in_deadline_order(program, &run.schedule)
                        .unwrap_or_else(|| panic!("{name}: run {runs} ({}) made again", run.schedule));
                    assert_eq!(again.end, run.end, "{name}");
                    assert!(again.steps >= run.steps, "{name}: time passing adds steps");
                    let replayed = run_once(program, &mut Follow::new(again.schedule.clone()), None);
                    assert_eq!(operations(&replayed.events), operations(&run.events), "{name}: {}", again.schedule);
                }
                if !more {
                    return runs;
                }
            }
        })
    }

    #[test]
    fn a_sleeper_whose_thread_ends_after_its_sleep_ends_before_the_join_sees_it() {
        // Thread 1 sleeps last and ends in that step; the main thread joins it after, and must
        // find it ended in the run made again, as in the run found.
        let program = Program::new(|| {
            let flag = Shared::named("flag", 0);
            let sleeper = {
                let flag = flag.clone();
                thread::spawn(move || {
                    flag.store(1);
                    thread::sleep(Duration::from_millis(30));
                })
            };
            let other = {
                let flag = flag.clone();
                thread::spawn(move || {
                    thread::sleep(Duration::from_millis(10));
                    flag.store(flag.load() + 1);
                })
            };
            sleeper.join();
            other.join();
        });
        assert!(every_run_made_again("sleep then end", &program) > 1);
    }

    #[test]
    fn runs_of_the_race_and_of_sleepers_under_a_lock_are_made_again() {
        let mut race = Program::new(crate::catalog::find("race").expect("the race demo").main);
        race.params = vec![("threads".to_owned(), 2), ("items".to_owned(), 2)];
        let runs = every_run_made_again("race 2x2", &race);
        assert!(runs > 10, "{runs}");
        let locked = Program::new(|| {
            let lock = Lock::named("lock");
            let workers: Vec<_> = [20_u64, 5]
                .into_iter()
                .map(|millis| {
                    let lock = lock.clone();
                    thread::spawn(move || {
                        thread::sleep(Duration::from_millis(millis));
                        lock.acquire();
                        thread::sleep(Duration::from_millis(millis));
                        let _ = lock.release();
                    })
                })
                .collect();
            for worker in workers {
                worker.join();
            }
        });
        assert!(every_run_made_again("sleeping under a lock", &locked) > 1);
    }
}
