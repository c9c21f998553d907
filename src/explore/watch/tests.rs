//! The lost-update arithmetic over random schedules of `race`: whatever the interleaving, the
//! warnings' counts (lost, less brought back) add up to `expected - final` after every store,
//! and so do the running count beside the value, the summary plain mode ends with and the
//! explorer's finding.

use super::*;
use crate::explore::outcome::Outcome;
use crate::explore::run::{Program, run_once};
use crate::explore::strategy::{Strategy, chooser};

/// The signed count a warning says: `lost 2 updates on counter: ...` is 2, `brought back 1
/// update on counter: ...` is -1; checks the plural on the way.
fn said_count(warning: &str) -> i64 {
    let (sign, rest) = if let Some(rest) = warning.strip_prefix("lost ") {
        (1, rest)
    } else if let Some(rest) = warning.strip_prefix("brought back ") {
        (-1, rest)
    } else {
        panic!("a warning that is not a count: {warning}")
    };
    let (count, rest) = rest.split_once(' ').expect("a count, then its noun");
    let count: i64 = count.parse().expect("a number");
    let noun = if count == 1 { "update on counter: " } else { "updates on counter: " };
    assert!(count > 0 && rest.starts_with(noun), "{warning}");
    sign * count
}

/// What the random runs of one `race` variant showed.
#[derive(Default)]
struct Seen {
    lost: usize,
    brought_back: usize,
    finals: BTreeSet<u64>,
}

/// Runs `race` with `threads` threads of `items` increments under `runs` random schedules and
/// checks the arithmetic after every store of each.
fn check_random_schedules(threads: i64, items: i64, runs: u64) -> Seen {
    let race = crate::catalog::find("race").expect("the race demo is in the catalogue");
    let mut program = Program::new(race.main);
    program.params = vec![("threads".to_owned(), threads), ("items".to_owned(), items)];
    let expected = u64::try_from(threads * items).expect("a small product");
    let mut seen = Seen::default();
    for seed in 0..runs {
        let run = run_once(&program, chooser(Strategy::Random, seed).as_mut(), None);
        assert_eq!(run.end, RunEnd::Completed, "seed {seed}");
        let schedule = run.schedule.to_string();
        let mut inspector = Inspector::new(None);
        let mut counter = None;
        let mut stores: u64 = 0;
        let mut value: u64 = 0;
        for event in &run.events {
            inspector.apply(event);
            let model = &inspector.model;
            match &event.kind {
                EventKind::PrimCreated { prim, name, .. } if name == "counter" => counter = Some(*prim),
                EventKind::Store { prim, value: written } if Some(*prim) == counter => {
                    stores += 1;
                    value = written.parse().expect("the counter stores numbers");
                    let warned: i64 = model
                        .log
                        .iter()
                        .filter(|line| line.level == crate::event::LogLevel::Warn)
                        .map(|line| said_count(&line.message))
                        .sum();
                    let listed: i64 = model.lost_updates.iter().map(|lost| lost.updates_lost).sum();
                    let missing = stores - value;
                    let context = format!("seed {seed}, store {stores} (counter {value}), schedule {schedule}");
                    assert_eq!(warned, missing.cast_signed(), "the warnings add up: {context}");
                    assert_eq!(listed, warned, "each warning is a counted store: {context}");
                    assert_eq!(model.lost_updates_on(*prim), missing, "the running count: {context}");
                    if let Some(lost) = model.lost_update_at(event.seq) {
                        assert_ne!(lost.updates_lost, 0, "{context}");
                        if lost.loses() { seen.lost += 1 } else { seen.brought_back += 1 }
                    }
                }
                _ => {}
            }
        }
        let model = &inspector.model;
        assert_eq!(stores, expected, "seed {seed}: every increment is stored");
        let missing = expected - value;
        let summary: Vec<String> = model.lost_update_summary();
        let want: Vec<String> =
            if missing == 0 { Vec::new() } else { vec![format!("{} on counter", crate::model::lost_updates(missing))] };
        assert_eq!(summary, want, "seed {seed}: plain mode's last line, schedule {schedule}");
        assert!(model.log.iter().any(|line| line.message == format!("Final counter: {value}")), "seed {seed}");
        let (outcome, _) = Outcome::of(run, None);
        let found = outcome.finding(FailureKind::LostUpdate);
        assert_eq!(found.is_some(), missing > 0, "seed {seed}: the explorer finds a loss when one is left");
        if let Some(found) = found {
            assert!(found.text.starts_with("lost "), "the finding is the first loss's warning: {}", found.text);
        }
        seen.finals.insert(value);
    }
    seen
}

#[test]
fn the_warnings_of_random_schedules_of_race_add_up_to_expected_minus_final() {
    let seen = check_random_schedules(4, 5, 200);
    assert!(seen.lost > 0 && seen.finals.len() > 2, "random schedules lose updates, in many ways");
}

#[test]
fn with_more_threads_stale_stores_pull_the_value_down_and_later_stores_bring_updates_back() {
    let seen = check_random_schedules(7, 3, 200);
    assert!(seen.brought_back > 0, "some store over a value pulled down brings updates back");
    assert!(seen.lost > seen.brought_back);
}
