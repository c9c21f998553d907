//! `threadviz::std::thread` behaves as std's `thread`: join gives the value or the panic,
//! names and ids, scoped threads all joined (and a panic in one making `scope` panic), park and
//! unpark, each as threadviz threads the explorer can schedule.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use threadviz::explore::{Explorer, Strategy};
use threadviz::std::sync::atomic::{AtomicUsize, Ordering};
use threadviz::std::sync::{Arc, Mutex};
use threadviz::std::thread;

#[test]
fn join_gives_the_threads_value_or_its_panics_payload() {
    common::in_session(|| {
        assert_eq!(thread::spawn(|| 6 * 7).join().expect("no panic"), 42);
        let payload = thread::spawn(|| -> u32 { panic!("static message") }).join().expect_err("it panicked");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"static message"));
        let seven = std::hint::black_box(7);
        let payload = thread::spawn(move || -> u32 { panic!("formatted {seven}") }).join().expect_err("it panicked");
        assert_eq!(payload.downcast_ref::<String>().map(String::as_str), Some("formatted 7"));
        let payload = thread::spawn(|| std::panic::panic_any(13_u8)).join().expect_err("it panicked");
        assert_eq!(payload.downcast_ref::<u8>(), Some(&13), "any payload comes back whole");
    });
}

#[test]
fn names_and_ids_are_std_s() {
    common::in_session(|| {
        assert_eq!(thread::current().name(), Some("main"));
        let named = thread::Builder::new()
            .name("worker".to_owned())
            .stack_size(256 * 1024)
            .spawn(|| (thread::current().name().map(str::to_owned), thread::current().id()))
            .expect("spawned");
        let (name, id) = (named.thread().name().map(str::to_owned), named.thread().id());
        assert_eq!(named.join().expect("no panic"), (name.clone(), id));
        assert_eq!(name.as_deref(), Some("worker"));
        let unnamed = thread::spawn(|| thread::current().name().is_none());
        assert!(unnamed.thread().name().is_none());
        let other_id = unnamed.thread().id();
        assert!(unnamed.join().expect("no panic"), "an unnamed thread has no name, as in std");
        assert_ne!(id, other_id);
        assert_ne!(thread::current().id(), id);
        assert_eq!(thread::current().id(), thread::current().id());
    });
}

#[test]
fn is_finished_turns_true_when_the_thread_ends() {
    common::in_session(|| {
        let gate = Arc::new(Mutex::new(()));
        let held = gate.lock().expect("not poisoned");
        let waiting = {
            let gate = Arc::clone(&gate);
            thread::spawn(move || drop(gate.lock().expect("not poisoned")))
        };
        assert!(!waiting.is_finished());
        drop(held);
        while !waiting.is_finished() {
            thread::sleep(Duration::from_millis(1));
        }
        waiting.join().expect("no panic");
    });
}

#[test]
fn scoped_threads_borrow_and_are_all_joined_when_scope_returns() {
    common::in_session(|| {
        let mut numbers = vec![1, 2, 3];
        let total = AtomicUsize::new(0);
        let doubled = thread::scope(|s| {
            s.spawn(|| {
                thread::sleep(Duration::from_millis(20));
                total.fetch_add(numbers.iter().sum(), Ordering::SeqCst);
            });
            let handle = s.spawn(|| numbers.iter().map(|n| n * 2).collect::<Vec<_>>());
            let named = thread::Builder::new()
                .name("scoped".to_owned())
                .spawn_scoped(s, || thread::current().name().map(str::to_owned))
                .expect("spawned");
            assert_eq!(named.join().expect("no panic").as_deref(), Some("scoped"));
            handle.join().expect("no panic")
        });
        assert_eq!(doubled, [2, 4, 6]);
        assert_eq!(total.load(Ordering::SeqCst), 6, "the unjoined thread was joined by scope");
        numbers.push(4);
        assert_eq!(numbers.len(), 4, "the borrows ended with the scope");
    });
}

#[test]
fn a_panic_in_an_unjoined_scoped_thread_makes_scope_panic_after_joining_all() {
    common::in_session(|| {
        let finished = AtomicUsize::new(0);
        let result = catch_unwind(AssertUnwindSafe(|| {
            thread::scope(|s| {
                s.spawn(|| panic!("scoped panic"));
                s.spawn(|| {
                    thread::sleep(Duration::from_millis(20));
                    finished.fetch_add(1, Ordering::SeqCst);
                });
            });
        }));
        let payload = result.expect_err("scope panics");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"a scoped thread panicked"));
        assert_eq!(finished.load(Ordering::SeqCst), 1, "the other thread was joined first");
    });
}

#[test]
fn a_scoped_panic_joined_through_its_handle_is_the_joins_and_not_scopes() {
    common::in_session(|| {
        let joined = thread::scope(|s| s.spawn(|| panic!("mine")).join());
        assert_eq!(joined.expect_err("it panicked").downcast_ref::<&str>(), Some(&"mine"));
        // A panic in the scope's own function comes out of scope as it is.
        let result = catch_unwind(AssertUnwindSafe(|| thread::scope(|_| panic!("in the scope"))));
        assert_eq!(result.expect_err("it panics").downcast_ref::<&str>(), Some(&"in the scope"));
    });
}

fn scoped_locked_increments() {
    let counter = Mutex::new(0);
    thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| *counter.lock().expect("not poisoned") += 1);
        }
    });
    assert_eq!(counter.into_inner().expect("not poisoned"), 2);
}

#[test]
fn scoped_threads_are_explored_like_any_other() {
    common::passes_dfs(scoped_locked_increments);
}

fn park_handshake() {
    let flag = Arc::new(AtomicUsize::new(0));
    let parked = {
        let flag = Arc::clone(&flag);
        thread::spawn(move || {
            // A park may come before or after the unpark: the token is kept either way.
            while flag.load(Ordering::SeqCst) == 0 {
                thread::park();
            }
        })
    };
    flag.store(1, Ordering::SeqCst);
    parked.thread().unpark();
    parked.join().expect("no panic");
}

#[test]
fn an_unpark_is_never_lost_in_any_interleaving() {
    common::passes_dfs(park_handshake);
}

#[test]
fn park_takes_a_token_given_before_and_park_timeout_returns_without_one() {
    common::in_session(|| {
        thread::current().unpark();
        thread::park();
        thread::park_timeout(Duration::from_millis(10));
        thread::yield_now();
    });
}

fn scoped_deadlock() {
    let (first, second) = (Mutex::new(0), Mutex::new(0));
    thread::scope(|s| {
        s.spawn(|| {
            let _a = first.lock().expect("not poisoned");
            let _b = second.lock().expect("not poisoned");
        });
        s.spawn(|| {
            let _b = second.lock().expect("not poisoned");
            let _a = first.lock().expect("not poisoned");
        });
    });
}

#[test]
fn a_deadlock_between_scoped_threads_is_found_and_its_runs_end() {
    for strategy in [Strategy::Random, Strategy::Pct { depth: 2 }, Strategy::Dfs { preemptions: 2 }] {
        let failure = Explorer::new().strategy(strategy).runs(1_000).check(scoped_deadlock).expect_err("found");
        let message = failure.message();
        assert!(
            message.starts_with("deadlock:") && message.contains("Mutex-1") && message.contains("Mutex-2"),
            "{failure}"
        );
    }
}

#[test]
fn an_explored_program_is_told_the_machines_cpus_though_its_run_is_kept_on_one() {
    let machine = std::thread::available_parallelism().expect("the machine's CPUs").get();
    for strategy in [Strategy::Random, Strategy::Dfs { preemptions: usize::MAX }] {
        let report = Explorer::new().runs(20).strategy(strategy).check(move || {
            let told = thread::available_parallelism().expect("CPUs").get();
            let worker = thread::spawn(|| thread::available_parallelism().expect("CPUs").get());
            assert_eq!((told, worker.join().expect("the worker ends")), (machine, machine));
        });
        assert!(report.is_ok(), "{strategy:?}: {report:?}");
    }
}
