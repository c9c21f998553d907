//! A run found with sleeps that end in any order ([`Sleeps::AnyOrder`]), made again with sleeps
//! that end in deadline order, as `demo --schedule`, `replay` and the shrinker run a program.
//! A sleeper's wake is put off until it next moves (nothing else can tell it woke), and time
//! then passes until its sleep is over; a thread whose sleep ended on the way is awake already
//! when its own move comes. A thread woken early does not move until its turn, so every thread
//! does what it did, in the same order, and the new run's schedule replays the failure (with
//! time passing, as often as can be, where no thread could move: the default move).

use std::collections::BTreeSet;

use super::super::follow::{Follow, Pick};
use super::super::history::{Run, RunEnd};
use super::super::schedule::Schedule;
use super::{Driver, Program, Sleeps, Stepped, run_once};
use crate::event::Tid;
use crate::session::Choice;

/// The run `schedule` makes of `program` with sleeps in any order, made with sleeps in
/// deadline order; `None` when it cannot be made so (it then does something else).
pub(crate) fn in_deadline_order(program: &Program, schedule: &Schedule) -> Option<Run> {
    let any_order = Program { sleeps: Sleeps::AnyOrder, ..program.clone() };
    let found = run_once(&any_order, &mut Follow::new(schedule.clone()), None);
    let in_order = Program { sleeps: Sleeps::InDeadlineOrder, ..program.clone() };
    let mut subscription = None;
    let mut driver = Driver::start_read_at_end(&in_order, |session| subscription = Some(session.subscribe()));
    // Threads the found run woke that still sleep here, and threads woken here before the
    // found run woke them.
    let mut put_off: BTreeSet<Tid> = BTreeSet::new();
    let mut woken_early: BTreeSet<Tid> = BTreeSet::new();
    let mut fits = true;
    for moved in &found.moves {
        let tid = moved.thread;
        let asleep = |driver: &Driver| driver.session().choices().sleepers.iter().any(|&(sleeper, _)| sleeper == tid);
        if woken_early.remove(&tid) {
            continue;
        }
        if !put_off.contains(&tid) && asleep(&driver) {
            put_off.insert(tid);
            continue;
        }
        while fits && asleep(&driver) {
            fits = matches!(driver.step(&mut Pick(Choice::Time)), Stepped::Moved(_));
            let woke = driver.session().last_granted();
            if !put_off.remove(&woke) {
                woken_early.insert(woke);
            }
        }
        put_off.remove(&tid);
        fits = fits && matches!(driver.step(&mut Pick(Choice::Thread(tid))), Stepped::Moved(_));
        if !fits {
            break;
        }
    }
    // Wakes the found run made last, with nothing after them.
    while fits && !put_off.is_empty() {
        fits = matches!(driver.step(&mut Pick(Choice::Time)), Stepped::Moved(_));
        put_off.remove(&driver.session().last_granted());
    }
    // Both runs are where the found one ended: asked for more, the chooser refuses.
    let end = if fits { driver.run_to_end(&mut Pick(Choice::Time)) } else { RunEnd::Misfit(String::new()) };
    if !fits {
        driver.finish(&end);
    }
    let events = subscription.map(|events| events.receiver().try_iter().collect()).unwrap_or_default();
    let run = driver.into_run(end, events);
    (fits && run.end == found.end && run.steps == found.steps).then_some(run)
}
