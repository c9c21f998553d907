//! `Condition` behaves like Python's: CPython's Lib/test/lock_tests.py ConditionTests, plus the
//! guarantees CPython's implementation gives and its tests rely on: notify(n) wakes exactly
//! min(n, waiters) in FIFO order, there are no spurious wake-ups, and a woken waiter returns
//! only after re-acquiring the lock.
#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test at the line that broke")]
#![allow(clippy::doc_markdown, reason = "the docs name Python's threads, calls and outputs in prose")]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use common::{
    Watch, about_prim, assert_nothing_arrives, assert_timeout, in_session, in_watched_session, recv, recv_n,
    spawn_worker, timed,
};
use threadviz::event::{EventKind, PrimId, Tid};
use threadviz::sync::{Condition, ConditionLock, Lock, RLock, SyncError};
use threadviz::{Session, thread};

const T: Duration = Duration::from_millis(150);

/// The `Notified` events of a condition: (n asked for, threads woken).
fn notifications(events: &[threadviz::TraceEvent], prim: PrimId) -> Vec<(u64, Vec<Tid>)> {
    about_prim(events, prim)
        .into_iter()
        .filter_map(|(_, kind)| match kind {
            EventKind::Notified { n, woken, .. } => Some((n, woken)),
            _ => None,
        })
        .collect()
}

fn count_wait_begins(watch: &mut Watch, prim: PrimId, count: usize) {
    watch.wait_count(
        &format!("{count} WaitBegin events on #{prim}"),
        count,
        |event| matches!(event.kind, EventKind::WaitBegin { prim: p, .. } if p == prim),
    );
}

#[test]
fn condition_acquire_uses_a_reentrant_lock_by_default_or_the_given_lock() {
    // ConditionTests.test_acquire
    in_session(|| {
        let cond = Condition::new();
        assert!(matches!(cond.lock(), ConditionLock::RLock(_)));
        cond.acquire();
        cond.acquire();
        cond.release().unwrap();
        cond.release().unwrap();
        assert_eq!(cond.release(), Err(SyncError::NotOwner));

        let lock = Lock::new();
        let cond = Condition::with_lock(&lock);
        assert!(matches!(cond.lock(), ConditionLock::Lock(_)));
        cond.acquire();
        assert!(!lock.try_acquire());
        cond.release().unwrap();
        assert!(lock.try_acquire());
        assert!(!cond.try_acquire());
        lock.release().unwrap();
        {
            let _held = cond.hold();
            assert!(!lock.try_acquire());
        }
        assert!(!lock.locked());
    });
}

#[test]
fn condition_over_a_given_rlock_shares_its_owner_and_level() {
    in_session(|| {
        let rlock = RLock::new();
        let cond = Condition::with_lock(rlock.clone());
        cond.acquire();
        assert_eq!(rlock.owner(), Some(thread::get_ident()));
        assert!(cond.try_acquire(), "re-entrant through the condition");
        assert_eq!(rlock.level(), 2);
        rlock.release().unwrap();
        cond.release().unwrap();
        assert!(!rlock.locked());
        let other = cond.clone();
        rlock.acquire();
        assert!(!spawn_worker(move || other.try_acquire()).join());
        rlock.release().unwrap();
    });
}

#[test]
fn wait_without_holding_the_lock_is_an_error() {
    // ConditionTests.test_unacquired_wait
    in_session(|| {
        for cond in [Condition::new(), Condition::with_lock(Lock::new()), Condition::with_lock(RLock::new())] {
            let error = cond.wait().unwrap_err();
            assert_eq!(error, SyncError::WaitUnacquired);
            assert_eq!(error.to_string(), "cannot wait on un-acquired lock");
            let (result, elapsed) = timed(|| cond.wait_timeout(Duration::from_secs(10)));
            assert_eq!(result, Err(SyncError::WaitUnacquired));
            assert!(elapsed < Duration::from_secs(10), "refused, not waited");
            assert_eq!(cond.wait_for(|| false, None), Err(SyncError::WaitUnacquired));
            assert_eq!(cond.wait_for(|| true, None), Ok(true), "like Python, a true predicate needs no wait");
            // The misuse changed nothing: the condition still works.
            let _held = cond.hold();
            assert_eq!(cond.wait_timeout(Duration::from_millis(5)), Ok(false));
        }
    });
}

#[test]
fn notify_without_holding_the_lock_is_an_error() {
    // ConditionTests.test_unacquired_notify
    in_session(|| {
        for cond in [Condition::new(), Condition::with_lock(Lock::new())] {
            let error = cond.notify(1).unwrap_err();
            assert_eq!(error, SyncError::NotifyUnacquired);
            assert_eq!(error.to_string(), "cannot notify on un-acquired lock");
            assert_eq!(cond.notify_all(), Err(SyncError::NotifyUnacquired));
            let _held = cond.hold();
            assert_eq!(cond.notify(1), Ok(()));
            assert_eq!(cond.notify_all(), Ok(()));
        }
    });
}

#[test]
fn wait_and_notify_by_a_thread_that_does_not_own_the_rlock_are_errors() {
    in_session(|| {
        let cond = Condition::new();
        let (held_tx, held_rx) = crossbeam_channel::bounded(1);
        let (done_tx, done_rx) = crossbeam_channel::bounded::<()>(1);
        let owner = {
            let cond = cond.clone();
            spawn_worker(move || {
                let _held = cond.hold();
                held_tx.send(()).unwrap();
                recv(&done_rx, "the main thread's go");
            })
        };
        recv(&held_rx, "the worker holds the condition");
        assert_eq!(cond.wait(), Err(SyncError::WaitUnacquired));
        assert_eq!(cond.notify(1), Err(SyncError::NotifyUnacquired));
        assert_eq!(cond.notify_all(), Err(SyncError::NotifyUnacquired));
        done_tx.send(()).unwrap();
        owner.join();
    });
}

#[test]
fn notify_n_wakes_exactly_n_in_fifo_order() {
    let ((cv, waiters), events) = in_watched_session(|watch| {
        let cond = Condition::named("cv");
        let cv = watch.prim("cv");
        let (woke_tx, woke_rx) = crossbeam_channel::unbounded();
        let mut workers = Vec::new();
        for i in 0..6 {
            let (cond, woke_tx) = (cond.clone(), woke_tx.clone());
            let worker = spawn_worker(move || {
                let _held = cond.hold();
                let result = cond.wait();
                woke_tx.send(i).unwrap();
                result
            });
            // Each waiter is queued before the next one starts: the queue order is 0..6.
            watch.wait_until_waiting(worker.tid(), cv);
            workers.push(worker);
        }
        let rounds: [(usize, &[usize]); 5] = [(1, &[0]), (2, &[1, 2]), (0, &[]), (1, &[3]), (10, &[4, 5])];
        for (n, expected) in rounds {
            {
                let _held = cond.hold();
                cond.notify(n).unwrap();
            }
            let mut woke = recv_n(&woke_rx, expected.len(), &format!("the waiters woken by notify({n})"));
            woke.sort_unstable();
            assert_eq!(woke, expected, "notify({n}) woke the wrong waiters");
            assert_nothing_arrives(&woke_rx, &format!("a wake-up beyond notify({n})"));
        }
        let tids: Vec<Tid> = workers.iter().map(common::Worker::tid).collect();
        for worker in workers {
            assert_eq!(worker.join(), Ok(()));
        }
        (cv, tids)
    });
    let w = |i: usize| waiters[i];
    assert_eq!(
        notifications(&events, cv),
        [(1, vec![w(0)]), (2, vec![w(1), w(2)]), (0, vec![]), (1, vec![w(3)]), (10, vec![w(4), w(5)])],
        "each notify picks the longest-waiting threads, in order"
    );
}

/// CPython's ConditionTests._check_notify: five threads wait twice; notify(3), notify(5) and
/// notify_all wake them in phases. A waiter reads the phase after re-acquiring and releasing
/// the lock, and the notifier changes the phase while still holding it after notifying.
fn check_notify(cond: &Condition, watch: &mut Watch, cv: PrimId, waits_before: usize) {
    let phase = Arc::new(AtomicUsize::new(0));
    let (first_tx, first_rx) = crossbeam_channel::unbounded();
    let (second_tx, second_rx) = crossbeam_channel::unbounded();
    let workers: Vec<_> = (0..5)
        .map(|_| {
            let (cond, phase, first_tx, second_tx) = (cond.clone(), phase.clone(), first_tx.clone(), second_tx.clone());
            spawn_worker(move || {
                cond.acquire();
                let result = cond.wait();
                cond.release().unwrap();
                first_tx.send((result.is_ok(), phase.load(Ordering::SeqCst))).unwrap();
                cond.acquire();
                let result = cond.wait();
                cond.release().unwrap();
                second_tx.send((result.is_ok(), phase.load(Ordering::SeqCst))).unwrap();
            })
        })
        .collect();
    count_wait_begins(watch, cv, waits_before + 5);
    assert!(first_rx.is_empty());
    // Notify 3 threads at first.
    cond.acquire();
    cond.notify(3).unwrap();
    thread::sleep(Duration::from_millis(10));
    phase.store(1, Ordering::SeqCst);
    cond.release().unwrap();
    assert_eq!(recv_n(&first_rx, 3, "the first three wake-ups"), [(true, 1); 3]);
    assert_nothing_arrives(&first_rx, "a fourth wake-up after notify(3)");
    assert!(second_rx.is_empty());
    // Wait until the three are back in their second wait, then notify 5: two in their first
    // wait and three in their second.
    count_wait_begins(watch, cv, waits_before + 8);
    cond.acquire();
    cond.notify(5).unwrap();
    thread::sleep(Duration::from_millis(10));
    phase.store(2, Ordering::SeqCst);
    cond.release().unwrap();
    assert_eq!(recv_n(&first_rx, 2, "the last two first wake-ups"), [(true, 2); 2]);
    assert_eq!(recv_n(&second_rx, 3, "three second wake-ups"), [(true, 2); 3]);
    // Notify all: the two remaining waiters are in their second wait.
    count_wait_begins(watch, cv, waits_before + 10);
    cond.acquire();
    cond.notify_all().unwrap();
    thread::sleep(Duration::from_millis(10));
    phase.store(3, Ordering::SeqCst);
    cond.release().unwrap();
    assert_eq!(recv_n(&second_rx, 2, "the last two second wake-ups"), [(true, 3); 2]);
    for worker in workers {
        worker.join();
    }
    assert!(first_rx.is_empty() && second_rx.is_empty());
}

#[test]
fn notify_wakes_waiters_in_phases_like_cpythons_check_notify() {
    // ConditionTests.test_notify: twice on the same condition, for both kinds of lock.
    in_watched_session(|watch| {
        let reentrant = Condition::named("over rlock");
        let plain = Condition::named_with_lock("over lock", Lock::new());
        for (cond, name) in [(reentrant, "over rlock"), (plain, "over lock")] {
            let cv = watch.prim(name);
            check_notify(&cond, watch, cv, 0);
            check_notify(&cond, watch, cv, 10);
        }
    });
}

#[test]
fn wait_timeout_returns_false_when_nobody_notifies() {
    // ConditionTests.test_timeout: no spurious wake-ups, the timeout is respected.
    in_session(|| {
        let cond = Condition::new();
        let workers: Vec<_> = (0..5)
            .map(|_| {
                let cond = cond.clone();
                spawn_worker(move || {
                    let _held = cond.hold();
                    timed(|| cond.wait_timeout(T))
                })
            })
            .collect();
        for worker in workers {
            let (result, elapsed) = worker.join();
            assert_eq!(result, Ok(false));
            assert_timeout(elapsed, T);
        }
    });
}

#[test]
fn session_wake_ups_are_not_mistaken_for_notifies() {
    // Pause, resume and speed changes wake every blocked thread so it looks at the clock again;
    // a condition waiter must go back to waiting.
    in_watched_session(|watch| {
        let cond = Condition::named("cv");
        let cv = watch.prim("cv");
        let (tx, rx) = crossbeam_channel::bounded(1);
        let waiter = {
            let cond = cond.clone();
            spawn_worker(move || {
                let _held = cond.hold();
                tx.send(cond.wait()).unwrap();
            })
        };
        watch.wait_until_waiting(waiter.tid(), cv);
        let session = Session::current();
        for _ in 0..5 {
            session.set_speed(2.0);
            session.set_speed(1.0);
            session.pause();
            session.resume();
        }
        assert_nothing_arrives(&rx, "a wait() that nobody notified");
        {
            let _held = cond.hold();
            cond.notify(1).unwrap();
        }
        assert_eq!(recv(&rx, "the notified waiter"), Ok(()));
        waiter.join();
    });
}

#[test]
fn wait_for_returns_once_the_predicate_holds() {
    // ConditionTests.test_waitfor
    in_watched_session(|watch| {
        let cond = Condition::named("cv");
        let cv = watch.prim("cv");
        let state = Arc::new(AtomicUsize::new(0));
        let waiter = {
            let (cond, state) = (cond.clone(), state.clone());
            spawn_worker(move || {
                let _held = cond.hold();
                let result = cond.wait_for(|| state.load(Ordering::SeqCst) == 4, None);
                (result, state.load(Ordering::SeqCst))
            })
        };
        watch.wait_until_waiting(waiter.tid(), cv);
        for _ in 0..4 {
            let _held = cond.hold();
            state.fetch_add(1, Ordering::SeqCst);
            cond.notify(1).unwrap();
        }
        assert_eq!(waiter.join(), (Ok(true), 4));
    });
}

#[test]
fn wait_for_times_out_when_the_predicate_never_holds() {
    // ConditionTests.test_waitfor_timeout
    in_watched_session(|watch| {
        let cond = Condition::named("cv");
        let cv = watch.prim("cv");
        let state = Arc::new(AtomicUsize::new(0));
        let t = Duration::from_millis(200);
        let waiter = {
            let (cond, state) = (cond.clone(), state.clone());
            spawn_worker(move || {
                let _held = cond.hold();
                timed(|| cond.wait_for(|| state.load(Ordering::SeqCst) == 4, Some(t)))
            })
        };
        watch.wait_until_waiting(waiter.tid(), cv);
        // Only three increments: state == 4 is never reached.
        for _ in 0..3 {
            let _held = cond.hold();
            state.fetch_add(1, Ordering::SeqCst);
            cond.notify(1).unwrap();
        }
        let (result, elapsed) = waiter.join();
        assert_eq!(result, Ok(false));
        assert_timeout(elapsed, t);
    });
}

#[test]
fn a_woken_waiter_returns_only_after_reacquiring_the_lock() {
    in_watched_session(|watch| {
        let rlock_cond = Condition::named("over rlock");
        let lock_cond = Condition::named_with_lock("over lock", Lock::new());
        for (cond, name) in [(rlock_cond, "over rlock"), (lock_cond, "over lock")] {
            let cv = watch.prim(name);
            let released = Arc::new(AtomicBool::new(false));
            let waiter = {
                let (cond, released) = (cond.clone(), released.clone());
                spawn_worker(move || {
                    let _held = cond.hold();
                    cond.wait().unwrap();
                    let owner_ok = match cond.lock() {
                        ConditionLock::RLock(rlock) => rlock.owner() == Some(thread::get_ident()) && rlock.level() == 1,
                        ConditionLock::Lock(lock) => lock.locked(),
                    };
                    (released.load(Ordering::SeqCst), owner_ok)
                })
            };
            watch.wait_until_waiting(waiter.tid(), cv);
            {
                let _held = cond.hold();
                cond.notify(1).unwrap();
                // The notifier keeps the lock a while: the waiter must not return meanwhile.
                thread::sleep(Duration::from_millis(200));
                released.store(true, Ordering::SeqCst);
            }
            assert_eq!(waiter.join(), (true, true), "{name}: the waiter returned before it had the lock back");
        }
    });
}

#[test]
fn wait_releases_every_level_of_the_rlock_and_restores_them() {
    in_watched_session(|watch| {
        let rlock = RLock::new();
        let cond = Condition::named_with_lock("cv", &rlock);
        let cv = watch.prim("cv");
        let waiter = {
            let (cond, rlock) = (cond.clone(), rlock.clone());
            spawn_worker(move || {
                rlock.acquire();
                rlock.acquire();
                cond.wait().unwrap();
                let after = (rlock.level(), rlock.owner() == Some(thread::get_ident()));
                rlock.release().unwrap();
                rlock.release().unwrap();
                after
            })
        };
        watch.wait_until_waiting(waiter.tid(), cv);
        assert!(rlock.acquire_timeout(Duration::from_secs(10)), "a waiter holds no level of the lock");
        assert_eq!(rlock.level(), 1);
        cond.notify(1).unwrap();
        rlock.release().unwrap();
        assert_eq!(waiter.join(), (2, true), "the waiter's level is restored");
        assert!(!rlock.locked());
    });
}

#[test]
fn a_notify_without_waiters_is_not_remembered() {
    in_session(|| {
        let cond = Condition::new();
        let _held = cond.hold();
        cond.notify(1).unwrap();
        cond.notify_all().unwrap();
        let (result, elapsed) = timed(|| cond.wait_timeout(T));
        assert_eq!(result, Ok(false));
        assert_timeout(elapsed, T);
    });
}

#[test]
fn a_timed_out_waiter_does_not_swallow_a_later_notify() {
    let ((cv, late), events) = in_watched_session(|watch| {
        let cond = Condition::named("cv");
        let cv = watch.prim("cv");
        let (tx, rx) = crossbeam_channel::unbounded();
        let early = {
            let (cond, tx) = (cond.clone(), tx.clone());
            spawn_worker(move || {
                let _held = cond.hold();
                tx.send(("early", cond.wait_timeout(T))).unwrap();
            })
        };
        watch.wait_until_waiting(early.tid(), cv);
        let late = {
            let cond = cond.clone();
            spawn_worker(move || {
                let _held = cond.hold();
                tx.send(("late", cond.wait().map(|()| true))).unwrap();
            })
        };
        watch.wait_until_waiting(late.tid(), cv);
        assert_eq!(recv(&rx, "the early waiter times out"), ("early", Ok(false)));
        {
            let _held = cond.hold();
            cond.notify(1).unwrap();
        }
        assert_eq!(recv(&rx, "the late waiter gets the notify"), ("late", Ok(true)));
        let late_tid = late.tid();
        early.join();
        late.join();
        (cv, late_tid)
    });
    assert_eq!(notifications(&events, cv), [(1, vec![late])]);
}

#[test]
fn notify_all_wakes_every_waiter() {
    let ((cv, waiters), events) = in_watched_session(|watch| {
        let cond = Condition::named("cv");
        let cv = watch.prim("cv");
        let workers: Vec<_> = (0..5)
            .map(|_| {
                let cond = cond.clone();
                spawn_worker(move || {
                    let _held = cond.hold();
                    cond.wait()
                })
            })
            .collect();
        for worker in &workers {
            watch.wait_until_waiting(worker.tid(), cv);
        }
        {
            let _held = cond.hold();
            cond.notify_all().unwrap();
        }
        let mut tids: Vec<Tid> = workers.iter().map(common::Worker::tid).collect();
        for worker in workers {
            assert_eq!(worker.join(), Ok(()));
        }
        tids.sort_unstable();
        (cv, tids)
    });
    let notified = notifications(&events, cv);
    assert_eq!(notified.len(), 1);
    let (n, mut woken) = notified[0].clone();
    assert_eq!(n, u64::MAX);
    woken.sort_unstable();
    assert_eq!(woken, waiters);
}

#[test]
fn conditions_sharing_one_lock_wake_only_their_own_waiters() {
    in_watched_session(|watch| {
        let plain = Lock::new();
        let reentrant = RLock::new();
        let pairs = [
            (Condition::named_with_lock("a over lock", &plain), Condition::named_with_lock("b over lock", &plain)),
            (
                Condition::named_with_lock("a over rlock", &reentrant),
                Condition::named_with_lock("b over rlock", &reentrant),
            ),
        ];
        for (a, b) in pairs {
            let ids = [watch.prim(a.name()), watch.prim(b.name())];
            let (tx, rx) = crossbeam_channel::unbounded();
            let mut workers = Vec::new();
            for (which, cond) in [(0, &a), (0, &a), (1, &b), (1, &b)] {
                let (cond, tx) = (cond.clone(), tx.clone());
                let worker = spawn_worker(move || {
                    let _held = cond.hold();
                    cond.wait().unwrap();
                    tx.send(which).unwrap();
                });
                watch.wait_until_waiting(worker.tid(), ids[which]);
                workers.push(worker);
            }
            {
                // Holding the shared lock through b is holding a's lock.
                let _held = b.hold();
                a.notify_all().unwrap();
            }
            assert_eq!(recv_n(&rx, 2, "a's waiters"), [0, 0]);
            assert_nothing_arrives(&rx, "a wake-up of b's waiters by a's notify_all");
            {
                let _held = a.hold();
                b.notify_all().unwrap();
            }
            assert_eq!(recv_n(&rx, 2, "b's waiters"), [1, 1]);
            for worker in workers {
                worker.join();
            }
        }
    });
}

#[test]
fn waits_with_a_forever_timeout_wait_for_the_notify() {
    in_watched_session(|watch| {
        let cond = Condition::named("cv");
        let cv = watch.prim("cv");
        for forever in [Duration::MAX, Duration::new(u64::MAX, 0)] {
            let (tx, rx) = crossbeam_channel::bounded(1);
            let waiter = {
                let cond = cond.clone();
                spawn_worker(move || {
                    let _held = cond.hold();
                    tx.send(cond.wait_timeout(forever)).unwrap();
                })
            };
            watch.wait_until_waiting(waiter.tid(), cv);
            assert_nothing_arrives(&rx, "wait_timeout(forever) without a notify");
            {
                let _held = cond.hold();
                cond.notify(1).unwrap();
            }
            assert_eq!(recv(&rx, "the notified waiter"), Ok(true));
            waiter.join();
        }
        let flag = Arc::new(AtomicBool::new(false));
        let waiter = {
            let (cond, flag) = (cond.clone(), flag.clone());
            spawn_worker(move || {
                let _held = cond.hold();
                cond.wait_for(|| flag.load(Ordering::SeqCst), Some(Duration::MAX))
            })
        };
        watch.wait_until_waiting(waiter.tid(), cv);
        {
            let _held = cond.hold();
            flag.store(true, Ordering::SeqCst);
            cond.notify_all().unwrap();
        }
        assert_eq!(waiter.join(), Ok(true));
    });
}

#[test]
fn condition_hold_guard_releases_the_lock() {
    in_session(|| {
        let cond = Condition::named("guarded");
        assert_eq!(cond.name(), "guarded");
        {
            let _held = cond.hold();
            let other = cond.clone();
            assert!(!spawn_worker(move || other.try_acquire()).join());
        }
        let other = cond.clone();
        assert!(
            spawn_worker(move || {
                let got = other.try_acquire();
                other.release().unwrap();
                got
            })
            .join()
        );
        let debug = format!("{cond:?}");
        assert!(debug.contains("guarded") && debug.contains("0 waiting"), "{debug}");
    });
}

#[test]
fn a_held_condition_waits_and_notifies_through_its_guard() {
    // Python's `with condition: condition.wait()` and `with condition: condition.notify_all()`.
    let ((cv, waiter_tids), events) = in_watched_session(|watch| {
        let condition = Condition::named("cv");
        let cv = watch.prim("cv");
        let (woke_tx, woke_rx) = crossbeam_channel::unbounded();
        let mut waiters = Vec::new();
        for i in 0..2 {
            let (condition, woke_tx) = (condition.clone(), woke_tx.clone());
            let waiter = spawn_worker(move || {
                let condition = condition.hold();
                condition.wait();
                woke_tx.send(i).unwrap();
            });
            watch.wait_until_waiting(waiter.tid(), cv);
            waiters.push(waiter);
        }
        {
            let condition = condition.hold();
            condition.notify(1);
        }
        assert_eq!(recv(&woke_rx, "the first waiter, woken by notify(1)"), 0);
        assert_nothing_arrives(&woke_rx, "a wake-up beyond notify(1)");
        {
            let condition = condition.hold();
            condition.notify_all();
            // The guard's release ends the block where it is called, not at the end of scope.
            condition.release();
        }
        assert_eq!(recv(&woke_rx, "the second waiter, woken by notify_all()"), 1);
        let tids: Vec<Tid> = waiters.iter().map(common::Worker::tid).collect();
        for waiter in waiters {
            waiter.join();
        }
        // The lock is free again: the guard did not release it a second time when it went.
        assert!(condition.try_acquire());
        condition.release().unwrap();
        {
            let condition = condition.hold();
            assert!(!condition.wait_timeout(Duration::from_millis(5)), "nobody notifies");
            assert!(condition.wait_for(|| true, None), "a true predicate needs no wait");
        }
        (cv, tids)
    });
    assert_eq!(notifications(&events, cv), [(1, vec![waiter_tids[0]]), (u64::MAX, vec![waiter_tids[1]])]);
    let misuses = events.iter().filter(|event| matches!(event.kind, EventKind::Misuse { .. })).count();
    assert_eq!(misuses, 0, "a guard always holds the lock it waits and notifies on");
}

#[test]
fn a_guard_whose_lock_was_released_behind_its_back_panics_with_pythons_message() {
    in_session(|| {
        let condition = Condition::with_lock(Lock::new());
        let guard = condition.hold();
        condition.release().unwrap();
        let wait = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| guard.wait()));
        let message = wait.unwrap_err();
        assert_eq!(message.downcast_ref::<String>().map(String::as_str), Some("cannot wait on un-acquired lock"));
        let notify = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| guard.notify_all()));
        let message = notify.unwrap_err();
        assert_eq!(message.downcast_ref::<String>().map(String::as_str), Some("cannot notify on un-acquired lock"));
    });
}
