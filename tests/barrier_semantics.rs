//! `Barrier` behaves like Python's: CPython's Lib/test/lock_tests.py BarrierTests (test_barrier,
//! test_barrier_10, test_wait_return, test_action, test_abort, test_reset, test_abort_and_reset,
//! test_timeout, test_default_timeout, test_single_thread), plus the failing action.
#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test at the line that broke")]
#![allow(clippy::doc_markdown, reason = "the docs name Python's threads, calls and outputs in prose")]

mod common;

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{WAIT, Worker, assert_nothing_arrives, assert_timeout, in_session, recv, spawn_worker, timed, wait_until};
use threadviz::sync::{Barrier, BrokenBarrierError};
use threadviz::thread;

/// The number of parties, as in CPython's BarrierTests.
const N: usize = 5;

/// The barrier of most tests: N parties and a default timeout long enough never to fire in a
/// passing run, short enough that a broken test fails instead of hanging.
fn barrier() -> Barrier {
    Barrier::new(N).timeout(Duration::from_secs(10))
}

/// CPython's run_threads: runs `f` in N-1 new threads and in the calling thread; the results
/// of all N, the caller's last.
fn run_threads<R: Send + 'static>(f: impl Fn() -> R + Send + Sync + 'static) -> Vec<R> {
    let f = Arc::new(f);
    let workers: Vec<Worker<R>> = (0..N - 1)
        .map(|_| {
            let f = f.clone();
            spawn_worker(move || f())
        })
        .collect();
    let mine = f();
    let mut results: Vec<R> = workers.into_iter().map(Worker::join).collect();
    results.push(mine);
    results
}

/// CPython's multipass: every thread passes the barrier `passes` times in lockstep.
fn multipass(barrier: &Barrier, before: &AtomicUsize, after: &AtomicUsize, passes: usize) {
    let m = barrier.parties();
    assert_eq!(m, N);
    for i in 0..passes {
        before.fetch_add(1, Ordering::SeqCst);
        assert_eq!(after.load(Ordering::SeqCst), i * m, "pass {i}: a thread got ahead");
        barrier.wait().unwrap();
        after.fetch_add(1, Ordering::SeqCst);
        assert_eq!(before.load(Ordering::SeqCst), (i + 1) * m, "pass {i}: a thread left before all arrived");
        barrier.wait().unwrap();
    }
    assert_eq!(barrier.n_waiting(), 0);
    assert!(!barrier.broken());
}

fn check_lockstep(passes: usize) {
    in_session(move || {
        let barrier = barrier();
        let before = Arc::new(AtomicUsize::new(0));
        let after = Arc::new(AtomicUsize::new(0));
        let b = barrier.clone();
        run_threads(move || multipass(&b, &before, &after, passes));
        assert!(!barrier.broken());
    });
}

#[test]
fn barrier_is_passed_in_lockstep() {
    // BarrierTests.test_barrier
    check_lockstep(1);
}

#[test]
fn barrier_is_passed_in_lockstep_ten_times_in_a_row() {
    // BarrierTests.test_barrier_10
    check_lockstep(10);
}

#[test]
fn wait_returns_distinct_arrival_indices() {
    // BarrierTests.test_wait_return
    in_session(|| {
        let barrier = barrier();
        for _ in 0..3 {
            let b = barrier.clone();
            let mut indices: Vec<usize> = run_threads(move || b.wait().unwrap());
            indices.sort_unstable();
            assert_eq!(indices, (0..N).collect::<Vec<_>>());
        }
    });
}

#[test]
fn the_action_runs_once_per_generation_before_anyone_leaves() {
    // BarrierTests.test_action, over several generations.
    in_session(|| {
        let runs = Arc::new(AtomicUsize::new(0));
        let ran_on = Arc::new(parking_lot::Mutex::new(Vec::new()));
        let barrier = {
            let (runs, ran_on) = (runs.clone(), ran_on.clone());
            Barrier::with_action(N, move || {
                runs.fetch_add(1, Ordering::SeqCst);
                ran_on.lock().push(thread::current_thread().tid());
            })
            .timeout(Duration::from_secs(10))
        };
        let b = barrier.clone();
        let seen = run_threads(move || {
            let mut last_arrivals = Vec::new();
            for generation in 0..3 {
                let index = b.wait().unwrap();
                assert_eq!(runs.load(Ordering::SeqCst), generation + 1, "generation {generation}");
                if index == N - 1 {
                    last_arrivals.push(thread::current_thread().tid());
                }
            }
            last_arrivals
        });
        let mut last: Vec<_> = seen.into_iter().flatten().collect();
        let mut ran: Vec<_> = ran_on.lock().clone();
        last.sort_unstable();
        ran.sort_unstable();
        assert_eq!(ran, last, "the action runs on the last thread to arrive");
    });
}

#[test]
fn abort_breaks_the_barrier_for_every_waiter() {
    // BarrierTests.test_abort
    in_session(|| {
        let barrier = barrier();
        let b = barrier.clone();
        let outcomes = run_threads(move || match b.wait() {
            Ok(index) if index == N / 2 => {
                b.abort();
                "aborted"
            }
            Ok(_) => match b.wait() {
                Ok(_) => "passed",
                Err(BrokenBarrierError) => "broken",
            },
            Err(BrokenBarrierError) => "broken",
        });
        assert_eq!(outcomes.iter().filter(|&&o| o == "passed").count(), 0);
        assert_eq!(outcomes.iter().filter(|&&o| o == "broken").count(), N - 1);
        assert_eq!(outcomes.iter().filter(|&&o| o == "aborted").count(), 1);
        assert!(barrier.broken());
        let (result, elapsed) = timed(|| barrier.wait());
        assert_eq!(result, Err(BrokenBarrierError), "a broken barrier stays broken until reset");
        assert!(elapsed < Duration::from_secs(10), "and refuses at once");
    });
}

#[test]
fn reset_breaks_the_current_waiters_and_leaves_the_barrier_usable() {
    // BarrierTests.test_reset
    in_session(|| {
        let barrier = barrier();
        let b = barrier.clone();
        let outcomes = run_threads(move || {
            let index = b.wait().unwrap();
            let outcome = if index == N / 2 {
                // Wait until the other threads are all in the barrier.
                wait_until("the others wait again", || b.n_waiting() == N - 1);
                b.reset();
                "reset"
            } else {
                match b.wait() {
                    Ok(_) => "passed",
                    Err(BrokenBarrierError) => "broken",
                }
            };
            // Now, pass the barrier again.
            (outcome, b.wait().is_ok())
        });
        assert_eq!(outcomes.iter().filter(|(o, _)| *o == "passed").count(), 0);
        assert_eq!(outcomes.iter().filter(|(o, _)| *o == "broken").count(), N - 1);
        assert!(outcomes.iter().all(|(_, again)| *again), "everyone passes after the reset: {outcomes:?}");
        assert!(!barrier.broken());
    });
}

#[test]
fn a_broken_barrier_is_usable_again_after_reset() {
    // BarrierTests.test_abort_and_reset
    in_session(|| {
        let barrier = barrier();
        let barrier2 = Barrier::new(N).timeout(Duration::from_secs(10));
        let (b, b2) = (barrier.clone(), barrier2.clone());
        let outcomes = run_threads(move || {
            let outcome = match b.wait() {
                Ok(index) if index == N / 2 => {
                    b.abort();
                    "aborted"
                }
                Ok(_) => match b.wait() {
                    Ok(_) => "passed",
                    Err(BrokenBarrierError) => "broken",
                },
                Err(BrokenBarrierError) => "broken",
            };
            // Synchronise and reset the barrier: after everyone has left it, before anyone
            // enters it again.
            if b2.wait().unwrap() == N / 2 {
                b.reset();
            }
            b2.wait().unwrap();
            (outcome, b.wait().is_ok())
        });
        assert_eq!(outcomes.iter().filter(|(o, _)| *o == "passed").count(), 0);
        assert_eq!(outcomes.iter().filter(|(o, _)| *o == "broken").count(), N - 1);
        assert!(outcomes.iter().all(|(_, again)| *again), "everyone passes after the reset: {outcomes:?}");
        assert!(!barrier.broken());
    });
}

#[test]
fn a_wait_timeout_breaks_the_barrier_for_everyone() {
    // BarrierTests.test_timeout. CPython's late thread sleeps past the others' timeout; here it
    // waits until the barrier is broken, which is what the sleep is meant to achieve.
    in_session(|| {
        let barrier = barrier();
        let t = Duration::from_millis(200);
        let b = barrier.clone();
        let outcomes = run_threads(move || {
            let index = b.wait().unwrap();
            let late = index == N / 2;
            if late {
                wait_until("the others' timeout breaks the barrier", || b.broken());
            }
            let (result, elapsed) = timed(|| b.wait_timeout(t));
            (late, result, elapsed)
        });
        for (late, result, elapsed) in outcomes {
            assert_eq!(result, Err(BrokenBarrierError), "late: {late}");
            if late {
                assert!(elapsed < t, "a broken barrier refuses at once, took {elapsed:?}");
            } else {
                assert!(elapsed < t * 10, "took {elapsed:?}");
            }
        }
        assert!(barrier.broken());
    });
}

#[test]
fn the_default_timeout_breaks_the_barrier_for_everyone() {
    // BarrierTests.test_default_timeout
    in_session(|| {
        let t = Duration::from_millis(300);
        let barrier = Barrier::new(N).timeout(t);
        assert_eq!(barrier.default_timeout(), Some(t));
        assert_eq!(Barrier::new(N).default_timeout(), None);
        let b = barrier.clone();
        let outcomes = run_threads(move || {
            // The first rendezvous gives each thread its index with a long explicit timeout,
            // so that a slow start cannot break it.
            let index = b.wait_timeout(WAIT).unwrap();
            if index == N / 2 {
                // One thread is later than the default timeout.
                wait_until("the default timeout breaks the barrier", || b.broken());
            }
            b.wait()
        });
        assert!(outcomes.iter().all(|outcome| *outcome == Err(BrokenBarrierError)), "{outcomes:?}");
    });
}

#[test]
fn a_lone_waiter_times_out_within_bounds() {
    in_session(|| {
        let barrier = Barrier::new(2);
        let t = Duration::from_millis(150);
        let (result, elapsed) = timed(|| barrier.wait_timeout(t));
        assert_eq!(result, Err(BrokenBarrierError));
        assert_timeout(elapsed, t);
        assert!(barrier.broken());
        barrier.reset();
        assert!(!barrier.broken());
        assert_eq!(barrier.n_waiting(), 0);
    });
}

#[test]
fn a_single_party_barrier_never_waits() {
    // BarrierTests.test_single_thread
    in_session(|| {
        let barrier = Barrier::new(1);
        assert_eq!(barrier.wait(), Ok(0));
        assert_eq!(barrier.wait(), Ok(0));
        assert_eq!(barrier.parties(), 1);
    });
}

#[test]
fn a_barrier_of_zero_parties_is_refused() {
    in_session(|| {
        for make in [|| Barrier::new(0), || Barrier::with_action(0, || {})] {
            let payload = panic::catch_unwind(make).unwrap_err();
            let message = payload
                .downcast_ref::<&str>()
                .map(|message| (*message).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            assert!(message.contains("at least one party"), "{message}");
        }
    });
}

#[test]
fn n_waiting_counts_the_threads_at_the_barrier() {
    in_session(|| {
        let barrier = Barrier::new(3);
        assert_eq!((barrier.parties(), barrier.n_waiting(), barrier.broken()), (3, 0, false));
        let first = {
            let b = barrier.clone();
            spawn_worker(move || b.wait())
        };
        wait_until("one waiter", || barrier.n_waiting() == 1);
        let second = {
            let b = barrier.clone();
            spawn_worker(move || b.wait())
        };
        wait_until("two waiters", || barrier.n_waiting() == 2);
        let mine = barrier.wait().unwrap();
        let mut indices = vec![first.join().unwrap(), second.join().unwrap(), mine];
        indices.sort_unstable();
        assert_eq!(indices, [0, 1, 2]);
        assert_eq!(barrier.n_waiting(), 0);
    });
}

#[test]
fn wait_timeout_forever_waits_for_the_other_parties() {
    in_session(|| {
        for forever in [Duration::MAX, Duration::new(u64::MAX, 0)] {
            let barrier = Barrier::new(2);
            let (tx, rx) = crossbeam_channel::bounded(1);
            let waiter = {
                let b = barrier.clone();
                spawn_worker(move || tx.send(b.wait_timeout(forever)).unwrap())
            };
            assert_nothing_arrives(&rx, "wait_timeout(forever) before the other party arrives");
            let mine = barrier.wait().unwrap();
            let theirs = recv(&rx, "the waiter passes").unwrap();
            assert_eq!(mine + theirs, 1);
            waiter.join();
        }
    });
}

/// The message of a caught panic.
fn message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|message| (*message).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "<not a string>".to_owned())
}

#[test]
fn an_action_that_panics_breaks_the_barrier() {
    // Python: the exception propagates from the last thread's wait(), the others get
    // BrokenBarrierError, and the barrier is broken until reset.
    in_session(|| {
        let parties = 3;
        let fail = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let barrier = {
            let fail = fail.clone();
            Barrier::with_action(parties, move || {
                assert!(!fail.load(Ordering::SeqCst), "the action failed");
            })
            .timeout(Duration::from_secs(10))
        };
        let run = |barrier: &Barrier| {
            let workers: Vec<_> = (0..parties)
                .map(|_| {
                    let b = barrier.clone();
                    spawn_worker(move || match panic::catch_unwind(AssertUnwindSafe(|| b.wait())) {
                        Ok(Ok(_)) => "passed".to_owned(),
                        Ok(Err(BrokenBarrierError)) => "broken".to_owned(),
                        Err(payload) => format!("panicked: {}", message(payload.as_ref())),
                    })
                })
                .collect();
            let mut outcomes: Vec<String> = workers.into_iter().map(Worker::join).collect();
            outcomes.sort();
            outcomes
        };
        assert_eq!(run(&barrier), ["broken", "broken", "panicked: the action failed"]);
        assert!(barrier.broken());
        assert_eq!(barrier.n_waiting(), 0);
        fail.store(false, Ordering::SeqCst);
        barrier.reset();
        assert!(!barrier.broken());
        assert_eq!(run(&barrier), ["passed", "passed", "passed"], "usable again after reset()");
    });
}

#[test]
fn barriers_have_names_and_debug() {
    in_session(|| {
        let barrier = Barrier::named("gate", 2);
        assert_eq!(barrier.name(), "gate");
        let debug = format!("{barrier:?}");
        assert!(debug.contains("gate") && debug.contains("0/2"), "{debug}");
    });
}
