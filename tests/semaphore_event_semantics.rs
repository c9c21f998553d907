//! `Semaphore`, `BoundedSemaphore` and `Event` behave like Python's: CPython's
//! Lib/test/lock_tests.py BaseSemaphoreTests, SemaphoreTests, BoundedSemaphoreTests and
//! EventTests, and test_threading's test_BoundedSemaphore_limit.
#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test at the line that broke")]
#![allow(clippy::doc_markdown, reason = "the docs name Python's threads, calls and outputs in prose")]

mod common;

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{
    assert_nothing_arrives, assert_timeout, in_session, in_watched_session, recv, recv_n, spawn_worker, timed,
};
use threadviz::event::EventKind;
use threadviz::sync::{BoundedSemaphore, Event, Semaphore, SyncError};
use threadviz::thread::{self, Thread};

const T: Duration = Duration::from_millis(150);

// ---------------------------------------------------------------------------------------------
// Semaphore

#[test]
fn semaphore_acquire_and_release_count_permits() {
    // BaseSemaphoreTests.test_acquire
    in_session(|| {
        let sem = Semaphore::new(1);
        sem.acquire();
        assert_eq!(sem.value(), 0);
        sem.release();
        assert_eq!(sem.value(), 1);
        let sem = Semaphore::new(2);
        sem.acquire();
        sem.acquire();
        assert_eq!(sem.value(), 0);
        sem.release();
        sem.release();
        assert_eq!(sem.value(), 2);
        assert_eq!(sem.initial(), 2);
    });
}

#[test]
fn semaphore_try_acquire_takes_a_permit_only_if_there_is_one() {
    // BaseSemaphoreTests.test_try_acquire
    in_session(|| {
        let sem = Semaphore::new(2);
        assert!(sem.try_acquire());
        assert!(sem.try_acquire());
        assert!(!sem.try_acquire());
        sem.release();
        assert!(sem.try_acquire());
        assert_eq!(sem.value(), 0);
    });
}

#[test]
fn semaphore_try_acquire_contended_gives_out_exactly_the_permits_left() {
    // BaseSemaphoreTests.test_try_acquire_contended
    in_session(|| {
        let sem = Semaphore::new(4);
        sem.acquire();
        let workers: Vec<_> = (0..5)
            .map(|_| {
                let sem = sem.clone();
                spawn_worker(move || [sem.try_acquire(), sem.try_acquire()])
            })
            .collect();
        let mut results: Vec<bool> = workers.into_iter().flat_map(common::Worker::join).collect();
        results.sort_unstable();
        assert_eq!(results, [[false; 7].as_slice(), &[true; 3]].concat());
        assert_eq!(sem.value(), 0);
    });
}

#[test]
fn semaphore_acquire_contended_lets_through_one_thread_per_release() {
    // BaseSemaphoreTests.test_acquire_contended: ten threads acquire twice each from a
    // semaphore of 7 with one permit taken; each release lets exactly one more through.
    in_session(|| {
        let sem = Semaphore::new(7);
        sem.acquire();
        let phase = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = crossbeam_channel::unbounded();
        let workers: Vec<_> = (0..10)
            .map(|_| {
                let (sem, phase, tx) = (sem.clone(), phase.clone(), tx.clone());
                spawn_worker(move || {
                    sem.acquire();
                    tx.send(phase.load(Ordering::SeqCst)).unwrap();
                    sem.acquire();
                    tx.send(phase.load(Ordering::SeqCst)).unwrap();
                })
            })
            .collect();
        assert_eq!(recv_n(&rx, 6, "six acquires"), [0; 6]);
        assert_nothing_arrives(&rx, "a seventh acquire with no permit left");
        phase.store(1, Ordering::SeqCst);
        for _ in 0..7 {
            sem.release();
        }
        assert_eq!(recv_n(&rx, 7, "seven more acquires"), [1; 7]);
        assert_nothing_arrives(&rx, "an acquire beyond the seven released permits");
        phase.store(2, Ordering::SeqCst);
        for _ in 0..6 {
            sem.release();
        }
        assert_eq!(recv_n(&rx, 6, "six more acquires"), [2; 6]);
        // The semaphore is still taken: the last thread waits for its second permit.
        assert!(!sem.try_acquire());
        assert_eq!(sem.value(), 0);
        sem.release();
        assert_eq!(recv(&rx, "the last acquire"), 2);
        for worker in workers {
            worker.join();
        }
        assert_eq!(sem.value(), 0);
    });
}

#[test]
fn release_n_wakes_up_to_n_waiters() {
    in_watched_session(|watch| {
        let sem = Semaphore::named("sem", 0);
        let prim = watch.prim("sem");
        let (tx, rx) = crossbeam_channel::unbounded();
        let workers: Vec<_> = (0..5)
            .map(|i| {
                let (sem, tx) = (sem.clone(), tx.clone());
                spawn_worker(move || {
                    sem.acquire();
                    tx.send(i).unwrap();
                })
            })
            .collect();
        watch.wait_count(
            "five blocked acquires",
            5,
            |event| matches!(event.kind, EventKind::Requested { prim: p, .. } if p == prim),
        );
        sem.release_n(3);
        assert_eq!(recv_n(&rx, 3, "three acquires after release_n(3)").len(), 3);
        assert_nothing_arrives(&rx, "a fourth acquire after release_n(3)");
        assert_eq!(sem.value(), 0);
        sem.release_n(5);
        assert_eq!(recv_n(&rx, 2, "the last two acquires").len(), 2);
        for worker in workers {
            worker.join();
        }
        assert_eq!(sem.value(), 3, "the permits nobody took are kept");
        sem.release_n(0);
        assert_eq!(sem.value(), 3);
    });
}

#[test]
fn semaphore_acquire_timeout_gives_up_within_bounds() {
    // BaseSemaphoreTests.test_acquire_timeout
    in_session(|| {
        let sem = Semaphore::new(2);
        let short = Duration::from_millis(5);
        assert!(sem.acquire_timeout(short));
        assert!(sem.acquire_timeout(short));
        assert!(!sem.acquire_timeout(short));
        sem.release();
        assert!(sem.acquire_timeout(short));
        let (got, elapsed) = timed(|| sem.acquire_timeout(T));
        assert!(!got);
        assert_timeout(elapsed, T);
        assert_eq!(sem.value(), 0, "a timed-out acquire takes nothing");
    });
}

#[test]
fn semaphore_acquire_timeout_forever_waits_for_a_release() {
    in_session(|| {
        for forever in [Duration::MAX, Duration::new(u64::MAX, 0)] {
            let sem = Semaphore::new(1);
            assert!(sem.acquire_timeout(forever), "a free permit at once");
            let (tx, rx) = crossbeam_channel::bounded(1);
            let waiter = {
                let sem = sem.clone();
                spawn_worker(move || tx.send(sem.acquire_timeout(forever)).unwrap())
            };
            assert_nothing_arrives(&rx, "acquire_timeout(forever) without a permit");
            sem.release();
            assert!(recv(&rx, "the acquire after the release"));
            waiter.join();
        }
    });
}

#[test]
fn semaphore_acquire_blocks_until_release() {
    // BaseSemaphoreTests.test_default_value (Python's default value is 1)
    in_session(|| {
        let sem = Semaphore::new(1);
        sem.acquire();
        let (tx, rx) = crossbeam_channel::bounded(1);
        let worker = {
            let sem = sem.clone();
            spawn_worker(move || {
                sem.acquire();
                sem.release();
                tx.send(()).unwrap();
            })
        };
        assert_nothing_arrives(&rx, "an acquire of a taken semaphore");
        sem.release();
        recv(&rx, "the acquire after the release");
        worker.join();
        assert_eq!(sem.value(), 1);
    });
}

#[test]
fn semaphore_hold_gives_the_permit_back_also_when_unwinding() {
    // BaseSemaphoreTests.test_with
    in_session(|| {
        let sem = Semaphore::new(2);
        {
            let _outer = sem.hold();
            assert!(sem.try_acquire());
            sem.release();
            {
                let _inner = sem.hold();
                assert!(!sem.try_acquire());
            }
            assert_eq!(sem.value(), 1);
        }
        assert_eq!(sem.value(), 2);
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            let _outer = sem.hold();
            let _inner = sem.hold();
            panic::resume_unwind(Box::new("an error inside `with sem:`"));
        }));
        assert!(result.is_err());
        assert_eq!(sem.value(), 2, "both guards gave their permit back while unwinding");
        assert!(sem.try_acquire());
        sem.release();
    });
}

#[test]
fn semaphore_release_beyond_the_initial_value_raises_it() {
    // SemaphoreTests.test_release_unacquired
    in_session(|| {
        let sem = Semaphore::new(1);
        sem.release();
        assert_eq!(sem.value(), 2);
        sem.acquire();
        sem.acquire();
        assert_eq!(sem.value(), 0);
        sem.release();
        assert_eq!(sem.value(), 1);
    });
}

#[test]
fn bounded_semaphore_refuses_a_release_beyond_its_initial_value() {
    // BoundedSemaphoreTests.test_release_unacquired
    in_session(|| {
        let sem = BoundedSemaphore::new(1);
        let error = sem.release().unwrap_err();
        assert_eq!(error, SyncError::TooManyReleases);
        assert_eq!(error.to_string(), "Semaphore released too many times");
        assert_eq!(sem.value(), 1, "the value is unchanged");
        sem.acquire();
        assert_eq!(sem.release(), Ok(()));
        assert_eq!(sem.release(), Err(SyncError::TooManyReleases));
        assert_eq!(sem.value(), 1);
    });
}

#[test]
fn bounded_semaphore_release_n_is_all_or_nothing() {
    in_session(|| {
        let sem = BoundedSemaphore::new(3);
        sem.acquire();
        sem.acquire();
        assert_eq!(sem.release_n(3), Err(SyncError::TooManyReleases));
        assert_eq!(sem.value(), 1, "a refused release_n releases nothing");
        assert_eq!(sem.release_n(2), Ok(()));
        assert_eq!(sem.value(), 3);
        assert_eq!(sem.release_n(1), Err(SyncError::TooManyReleases));
        assert_eq!(sem.release_n(0), Ok(()));
        assert_eq!(sem.value(), 3);
    });
}

#[test]
fn bounded_semaphore_limit_holds_across_threads() {
    // test_threading.test_BoundedSemaphore_limit
    in_session(|| {
        for limit in 1..6 {
            let sem = BoundedSemaphore::new(limit);
            let acquirers: Vec<Thread> = (0..limit)
                .map(|_| {
                    let sem = sem.clone();
                    thread::spawn(move || sem.acquire())
                })
                .collect();
            for worker in &acquirers {
                worker.join();
            }
            assert_eq!(sem.value(), 0);
            let releasers: Vec<_> = (0..limit)
                .map(|_| {
                    let sem = sem.clone();
                    spawn_worker(move || sem.release())
                })
                .collect();
            for worker in releasers {
                assert_eq!(worker.join(), Ok(()));
            }
            assert_eq!(sem.release(), Err(SyncError::TooManyReleases), "limit {limit}");
            assert_eq!(sem.value(), limit);
        }
    });
}

#[test]
fn semaphores_have_names_and_debug() {
    in_session(|| {
        let sem = Semaphore::named("pool", 2);
        assert_eq!(sem.name(), "pool");
        assert_eq!(format!("{sem:?}"), "<Semaphore pool value=2/2>");
        let bounded = BoundedSemaphore::new(1);
        assert_eq!(bounded.name(), "BoundedSemaphore-1");
        bounded.acquire();
        assert_eq!(format!("{bounded:?}"), "<BoundedSemaphore BoundedSemaphore-1 value=0/1>");
        bounded.release().unwrap();
    });
}

// ---------------------------------------------------------------------------------------------
// Event

#[test]
fn event_is_set_follows_set_and_clear() {
    // EventTests.test_is_set
    in_session(|| {
        let event = Event::new();
        assert!(!event.is_set());
        event.set();
        assert!(event.is_set());
        event.set();
        assert!(event.is_set());
        event.clear();
        assert!(!event.is_set());
        event.clear();
        assert!(!event.is_set());
    });
}

fn check_event_notify(event: &Event) {
    let (first_tx, first_rx) = crossbeam_channel::unbounded();
    let (second_tx, second_rx) = crossbeam_channel::unbounded();
    let (started_tx, started_rx) = crossbeam_channel::unbounded();
    let workers: Vec<_> = (0..5)
        .map(|_| {
            let (event, first_tx, second_tx, started_tx) =
                (event.clone(), first_tx.clone(), second_tx.clone(), started_tx.clone());
            spawn_worker(move || {
                started_tx.send(()).unwrap();
                first_tx.send(event.wait()).unwrap();
                second_tx.send(event.wait()).unwrap();
            })
        })
        .collect();
    recv_n(&started_rx, 5, "the waiters start");
    assert_nothing_arrives(&first_rx, "a wait() returning before set()");
    event.set();
    assert_eq!(recv_n(&first_rx, 5, "the first waits"), [true; 5]);
    assert_eq!(recv_n(&second_rx, 5, "the second waits"), [true; 5]);
    for worker in workers {
        worker.join();
    }
}

#[test]
fn event_set_wakes_every_waiter() {
    // EventTests.test_notify
    in_session(|| {
        let event = Event::new();
        check_event_notify(&event);
        // Another time, after an explicit clear().
        event.set();
        event.clear();
        check_event_notify(&event);
    });
}

#[test]
fn event_wait_timeout_returns_the_flag() {
    // EventTests.test_timeout
    in_session(|| {
        let event = Event::new();
        let run = |event: &Event| {
            let workers: Vec<_> = (0..5)
                .map(|_| {
                    let event = event.clone();
                    spawn_worker(move || (event.wait_timeout(Duration::ZERO), timed(|| event.wait_timeout(T))))
                })
                .collect();
            workers.into_iter().map(common::Worker::join).collect::<Vec<_>>()
        };
        for (immediate, (waited, elapsed)) in run(&event) {
            assert!(!immediate);
            assert!(!waited);
            assert_timeout(elapsed, T);
        }
        event.set();
        for (immediate, (waited, elapsed)) in run(&event) {
            assert!(immediate);
            assert!(waited);
            assert!(elapsed < T, "a set event does not wait");
        }
    });
}

#[test]
fn a_waiter_woken_by_set_returns_true_even_if_clear_follows_at_once() {
    // EventTests.test_set_and_clear (issue #13502)
    in_watched_session(|watch| {
        let event = Event::named("flag");
        let prim = watch.prim("flag");
        let workers: Vec<_> = (0..5)
            .map(|_| {
                let event = event.clone();
                spawn_worker(move || event.wait_timeout(Duration::from_secs(5)))
            })
            .collect();
        for worker in &workers {
            watch.wait_until_waiting(worker.tid(), prim);
        }
        event.set();
        event.clear();
        let results: Vec<bool> = workers.into_iter().map(common::Worker::join).collect();
        assert_eq!(results, [true; 5]);
        assert!(!event.is_set());
    });
}

#[test]
fn event_wait_forever_waits_for_set() {
    in_watched_session(|watch| {
        let event = Event::named("flag");
        let prim = watch.prim("flag");
        let (tx, rx) = crossbeam_channel::unbounded();
        let waiters: Vec<_> = [None, Some(Duration::MAX), Some(Duration::new(u64::MAX, 0))]
            .into_iter()
            .map(|timeout| {
                let (event, tx) = (event.clone(), tx.clone());
                spawn_worker(move || {
                    let woke = match timeout {
                        None => event.wait(),
                        Some(timeout) => event.wait_timeout(timeout),
                    };
                    tx.send(woke).unwrap();
                })
            })
            .collect();
        for waiter in &waiters {
            watch.wait_until_waiting(waiter.tid(), prim);
        }
        assert_nothing_arrives(&rx, "a wait without set()");
        event.set();
        assert_eq!(recv_n(&rx, 3, "the waiters"), [true; 3]);
        for waiter in waiters {
            waiter.join();
        }
    });
}

#[test]
fn events_have_names_and_debug() {
    in_session(|| {
        let event = Event::named("ready");
        assert_eq!(event.name(), "ready");
        assert_eq!(format!("{event:?}"), "<Event ready unset>");
        event.set();
        assert_eq!(format!("{event:?}"), "<Event ready set>");
        assert!(Event::new().name().starts_with("Event-"));
    });
}
