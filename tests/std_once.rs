//! `threadviz::std::sync::{Once, OnceLock}` behave as std's: the hard cases of std's
//! `once/tests.rs` and `once_lock/tests.rs` (exactly once under contention, poisoning, one
//! winner of a set race), explored where the order of threads matters.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use threadviz::std::sync::atomic::{AtomicUsize, Ordering};
use threadviz::std::sync::{Arc, Once, OnceLock};
use threadviz::std::thread;

fn once_under_contention() {
    let once = Arc::new(Once::new());
    let runs = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (once, runs) = (Arc::clone(&once), Arc::clone(&runs));
            thread::spawn(move || {
                once.call_once(|| {
                    runs.fetch_add(1, Ordering::SeqCst);
                });
                assert!(once.is_completed(), "call_once returns only once a call completed");
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("no panic");
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[test]
fn once_runs_exactly_once_in_every_interleaving() {
    common::passes_dfs(once_under_contention);
}

#[test]
fn a_panicking_once_is_poisoned_and_a_forced_call_completes_it() {
    common::in_session(|| {
        let once = Once::new();
        assert!(catch_unwind(AssertUnwindSafe(|| once.call_once(|| panic!("first")))).is_err());
        assert!(!once.is_completed());
        let again = catch_unwind(AssertUnwindSafe(|| once.call_once(|| {})));
        assert!(again.is_err(), "a poisoned Once panics");
        let mut told = None;
        once.call_once_force(|state| told = Some(state.is_poisoned()));
        assert_eq!(told, Some(true));
        assert!(once.is_completed());
        once.call_once(|| panic!("never runs again"));
    });
}

fn once_lock_race() {
    let cell = Arc::new(OnceLock::new());
    let setters: Vec<_> = (1..=2)
        .map(|value| {
            let cell = Arc::clone(&cell);
            thread::spawn(move || cell.set(value).is_ok())
        })
        .collect();
    let won: Vec<bool> = setters.into_iter().map(|setter| setter.join().expect("no panic")).collect();
    assert_eq!(won.iter().filter(|&&won| won).count(), 1, "exactly one set wins: {won:?}");
    let winner = if won[0] { 1 } else { 2 };
    assert_eq!(cell.get(), Some(&winner));
    assert_eq!(*cell.get_or_init(|| 99), winner, "set already");
}

fn once_lock_init_race() {
    let cell = Arc::new(OnceLock::new());
    let inits = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (cell, inits) = (Arc::clone(&cell), Arc::clone(&inits));
            thread::spawn(move || *cell.get_or_init(|| inits.fetch_add(1, Ordering::SeqCst) + 10))
        })
        .collect();
    let seen: Vec<usize> = threads.into_iter().map(|thread| thread.join().expect("no panic")).collect();
    assert_eq!(seen, [10, 10], "both see the one value made");
    assert_eq!(inits.load(Ordering::SeqCst), 1);
}

#[test]
fn once_lock_set_and_get_or_init_races_have_one_winner_in_every_interleaving() {
    common::passes_dfs(once_lock_race);
    common::passes_dfs(once_lock_init_race);
}

#[test]
fn once_lock_stays_empty_after_a_panicking_init_and_gives_its_value_back() {
    common::in_session(|| {
        let cell: OnceLock<String> = OnceLock::new();
        assert!(catch_unwind(AssertUnwindSafe(|| cell.get_or_init(|| panic!("no value")))).is_err());
        assert_eq!(cell.get(), None);
        assert_eq!(cell.set("a".to_owned()), Ok(()));
        assert_eq!(cell.set("b".to_owned()), Err("b".to_owned()));
        let mut cell = cell;
        assert_eq!(cell.take().as_deref(), Some("a"));
        assert_eq!(OnceLock::from(5).into_inner(), Some(5));
    });
}
