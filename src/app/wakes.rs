//! Why a sleeping thread cannot move yet when the class asks for it, and what lets it: demo
//! time only goes forward, so the seeded sleeps (and timed waits) end in the order of their
//! deadlines. A thread whose sleep ends first is stepped awake and stops before its next
//! operation, so stepping those first, in order, lets the asked-for thread move; waking them
//! changes nothing else.

use std::fmt::Write as _;

use crate::event::Tid;
use crate::model::{Model, ThreadState};

/// When the sleep or timed wait of `tid` ends, and whether it is a sleep; `None` when it has
/// no deadline.
fn deadline(model: &Model, tid: Tid) -> Option<(u64, bool)> {
    match model.threads.get(&tid)?.state {
        ThreadState::Sleeping { until_us } => Some((until_us, true)),
        ThreadState::Blocked { until_us: Some(until_us), .. }
        | ThreadState::Waiting { until_us: Some(until_us), .. } => Some((until_us, false)),
        _ => None,
    }
}

/// A demo time to the hundredth of a second, as sleeps are told: `t=0.46s`.
fn at(time_us: u64) -> String {
    format!("t={}.{:02}s", time_us / 1_000_000, time_us % 1_000_000 / 10_000)
}

/// The line for a step asked of `tid` that its sleep (or timed wait) keeps back because other
/// threads' deadlines come first: `Thread-2 sleeps until t=0.52s, and first Thread-1 wakes
/// (t=0.46s): step Thread-1 (it stops before its next operation), then Thread-2 can move`.
/// `None` when `tid` has no deadline, or none comes before its own.
pub(crate) fn wake_first(model: &Model, tid: Tid) -> Option<String> {
    let (until, sleeps) = deadline(model, tid)?;
    // Ties go to the lower thread number, as the session breaks them.
    let mut first: Vec<(u64, Tid, bool)> = model
        .threads
        .keys()
        .filter_map(|&other| deadline(model, other).map(|(when, sleep)| (when, other, sleep)))
        .filter(|&(when, other, _)| (when, other) < (until, tid))
        .collect();
    if first.is_empty() {
        return None;
    }
    first.sort_unstable();
    let name = |tid| model.thread_name(tid);
    let mut line = if sleeps {
        format!("{} sleeps until {}, and first ", name(tid), at(until))
    } else {
        format!("{} waits until its timeout at {}, and first ", name(tid), at(until))
    };
    let ends: Vec<String> = first
        .iter()
        .map(|&(when, other, sleep)| {
            if sleep {
                format!("{} wakes ({})", name(other), at(when))
            } else {
                format!("{}'s wait times out ({})", name(other), at(when))
            }
        })
        .collect();
    line.push_str(&words_list(&ends));
    let order: Vec<String> = first.iter().map(|&(_, other, _)| name(other)).collect();
    let each = if first.len() == 1 { "it stops" } else { "each stops" };
    let _ = write!(
        line,
        ": step {} ({each} before its next operation), then {} can move",
        order.join(", then "),
        name(tid)
    );
    Some(line)
}

/// `a`, `a and b`, `a, b and c`.
fn words_list(words: &[String]) -> String {
    match words.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    //! The line, read from a model of sleeping and waiting threads.

    use super::*;
    use crate::event::{EventKind, PrimInfo, TraceEvent};

    /// A model of `MainThread` (1) and threads 2 to 4 as `events` leave them.
    fn model(events: &[(Tid, u64, EventKind)]) -> Model {
        let mut model = Model::new();
        let mut seq = 0;
        let mut push = |model: &mut Model, thread, time_us, kind| {
            seq += 1;
            model.apply(&TraceEvent { seq, time_us, thread, loc: None, kind });
        };
        for tid in 1..=4 {
            let name = if tid == 1 { "MainThread".to_owned() } else { format!("Thread-{}", tid - 1) };
            push(&mut model, 1, 0, EventKind::ThreadCreated { tid, name, daemon: false, foreign: false });
            push(&mut model, 1, 0, EventKind::ThreadStarted { tid, daemon: false, os_tid: None });
        }
        for (thread, time_us, kind) in events {
            push(&mut model, *thread, *time_us, kind.clone());
        }
        model
    }

    #[test]
    fn a_sleeper_behind_another_is_told_to_step_that_one_first() {
        let model = model(&[
            (3, 0, EventKind::SleepBegin { duration_us: 520_000 }),
            (2, 350_000, EventKind::SleepBegin { duration_us: 110_000 }),
        ]);
        assert_eq!(
            wake_first(&model, 3).as_deref(),
            Some(
                "Thread-2 sleeps until t=0.52s, and first Thread-1 wakes (t=0.46s): step Thread-1 (it stops before its next operation), then Thread-2 can move"
            )
        );
        // The first to wake is not kept back by anyone; a thread that does not sleep has no
        // such line.
        assert_eq!(wake_first(&model, 2), None);
        assert_eq!(wake_first(&model, 4), None);
    }

    #[test]
    fn several_deadlines_first_are_named_in_their_order_timed_waits_too() {
        let model = model(&[
            (1, 0, EventKind::PrimCreated { prim: 9, name: "lock".into(), info: PrimInfo::Lock }),
            (4, 0, EventKind::SleepBegin { duration_us: 900_000 }),
            (2, 0, EventKind::Requested { prim: 9, mode: crate::event::WaitMode::Timeout(500_000) }),
            (3, 0, EventKind::SleepBegin { duration_us: 200_000 }),
        ]);
        assert_eq!(
            wake_first(&model, 4).as_deref(),
            Some(
                "Thread-3 sleeps until t=0.90s, and first Thread-2 wakes (t=0.20s) and Thread-1's wait times out (t=0.50s): step Thread-2, then Thread-1 (each stops before its next operation), then Thread-3 can move"
            )
        );
    }
}
