//! `threadviz::std::sync` behaves as std's `sync`: the hard cases of std's own tests
//! (`library/std/src/sync/{mutex,condvar,barrier}/tests.rs`; `Once` and `OnceLock` are in
//! `std_once.rs`) ported, run in a session and, where the order of threads matters, explored.
mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use threadviz::explore::{Explorer, FailureKind, Strategy};
use threadviz::std::sync::atomic::{AtomicUsize, Ordering};
use threadviz::std::sync::{Arc, Barrier, Condvar, Mutex, Once, OnceLock, TryLockError};
use threadviz::std::thread;

#[test]
fn a_mutex_guards_its_data_and_gives_it_back() {
    common::in_session(|| {
        let mutex = Mutex::new(vec![1]);
        mutex.lock().expect("not poisoned").push(2);
        assert_eq!(*mutex.lock().expect("not poisoned"), [1, 2]);
        let mut mutex = mutex;
        mutex.get_mut().expect("not poisoned").push(3);
        assert_eq!(mutex.into_inner().expect("not poisoned"), [1, 2, 3]);
    });
}

#[test]
fn try_lock_while_held_would_block_on_this_thread_and_another() {
    common::in_session(|| {
        let mutex = Arc::new(Mutex::new(0));
        let held = mutex.lock().expect("not poisoned");
        assert!(matches!(mutex.try_lock(), Err(TryLockError::WouldBlock)));
        let other = Arc::clone(&mutex);
        let refused = thread::spawn(move || matches!(other.try_lock(), Err(TryLockError::WouldBlock)));
        assert!(refused.join().expect("no panic"));
        drop(held);
        assert_eq!(*mutex.try_lock().expect("free now"), 0);
    });
}

#[test]
fn a_panic_holding_the_lock_poisons_it_until_cleared() {
    common::in_session(|| {
        let mutex = Arc::new(Mutex::new(1));
        let other = Arc::clone(&mutex);
        let result = thread::spawn(move || {
            let _held = other.lock().expect("not poisoned");
            panic!("test panic in inner thread to poison mutex");
        })
        .join();
        assert!(result.is_err());
        assert!(mutex.is_poisoned());
        // The data is still there, inside the error.
        match mutex.lock() {
            Err(poisoned) => assert_eq!(*poisoned.into_inner(), 1),
            Ok(_) => panic!("the lock is poisoned"),
        }
        assert!(matches!(mutex.try_lock(), Err(TryLockError::Poisoned(_))));
        mutex.clear_poison();
        assert!(!mutex.is_poisoned());
        assert_eq!(*mutex.lock().expect("cleared"), 1);
    });
}

#[test]
fn into_inner_and_get_mut_of_a_poisoned_mutex_give_the_data_in_the_error() {
    common::in_session(|| {
        let mutex = Arc::new(Mutex::new(vec![7]));
        let other = Arc::clone(&mutex);
        let _ = thread::spawn(move || {
            let mut held = other.lock().expect("not poisoned");
            held.push(8);
            panic!("poison it");
        })
        .join();
        let mut mutex = Arc::try_unwrap(mutex).expect("the only handle");
        match mutex.get_mut() {
            Err(mut poisoned) => poisoned.get_mut().push(9),
            Ok(_) => panic!("poisoned"),
        }
        let error = mutex.into_inner().expect_err("poisoned");
        assert_eq!(*error.get_ref(), [7, 8, 9]);
        assert_eq!(error.to_string(), "poisoned lock: another task failed inside");
        assert_eq!(error.into_inner(), [7, 8, 9]);
    });
}

#[test]
fn a_guard_taken_while_already_panicking_does_not_poison() {
    struct LockOnDrop<'a>(&'a Mutex<()>);
    impl Drop for LockOnDrop<'_> {
        fn drop(&mut self) {
            let _held = self.0.lock();
        }
    }
    common::in_session(|| {
        let mutex = Mutex::new(());
        let result = catch_unwind(AssertUnwindSafe(|| {
            let _locks = LockOnDrop(&mutex);
            panic!("unwinding");
        }));
        assert!(result.is_err());
        assert!(!mutex.is_poisoned(), "it was taken during the unwinding, not before it");
    });
}

#[test]
fn an_unsized_mutex_derefs_to_its_slice() {
    common::in_session(|| {
        let mutex: &Mutex<[i32]> = &Mutex::new([1, 4, 3]);
        mutex.lock().expect("not poisoned")[1] = 2;
        assert_eq!(&*mutex.lock().expect("not poisoned"), &[1, 2, 3]);
    });
}

fn locked_increments() {
    let counter = Arc::new(Mutex::new(0));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let counter = Arc::clone(&counter);
            thread::spawn(move || *counter.lock().expect("not poisoned") += 1)
        })
        .collect();
    for worker in workers {
        worker.join().expect("no panic");
    }
    assert_eq!(*counter.lock().expect("not poisoned"), 2);
}

#[test]
fn every_interleaving_of_locked_increments_counts_both() {
    common::passes_dfs(locked_increments);
}

/// std's `notify_one`: a waiter on a flag is woken by the thread that sets it.
fn flag_handshake() {
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let setter = {
        let pair = Arc::clone(&pair);
        thread::spawn(move || {
            *pair.0.lock().expect("not poisoned") = true;
            pair.1.notify_one();
        })
    };
    let (flag, condvar) = &*pair;
    let set = condvar.wait_while(flag.lock().expect("not poisoned"), |set| !*set).expect("not poisoned");
    assert!(*set);
    drop(set);
    setter.join().expect("no panic");
}

#[test]
fn wait_while_never_misses_the_notify_in_any_interleaving() {
    common::passes_dfs(flag_handshake);
}

#[test]
fn wait_while_tolerates_wake_ups_whose_condition_is_still_false() {
    // std's `wait_while` test wakes the waiter with notifies that do not make the condition
    // true: it must go back to waiting each time, and return only once it holds.
    common::in_session(|| {
        let state = Arc::new((Mutex::new(0u32), Condvar::new()));
        let checks = Arc::new(AtomicUsize::new(0));
        let waiter = {
            let (state, checks) = (Arc::clone(&state), Arc::clone(&checks));
            thread::spawn(move || {
                let (count, condvar) = &*state;
                let guard = condvar
                    .wait_while(count.lock().expect("not poisoned"), |count| {
                        checks.fetch_add(1, Ordering::SeqCst);
                        *count < 3
                    })
                    .expect("not poisoned");
                *guard
            })
        };
        let (count, condvar) = &*state;
        for _ in 0..3 {
            // Let the waiter wait again before each notify.
            thread::sleep(Duration::from_millis(20));
            *count.lock().expect("not poisoned") += 1;
            condvar.notify_all();
        }
        assert_eq!(waiter.join().expect("no panic"), 3, "it returned only once the condition held");
        assert!(checks.load(Ordering::SeqCst) >= 2, "it was woken with the condition still false");
    });
}

#[test]
fn notify_all_wakes_every_waiter() {
    common::in_session(|| {
        let state = Arc::new((Mutex::new((0, false)), Condvar::new()));
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let state = Arc::clone(&state);
                thread::spawn(move || {
                    let (lock, condvar) = &*state;
                    let mut guard = lock.lock().expect("not poisoned");
                    guard.0 += 1;
                    condvar.notify_all();
                    let guard = condvar.wait_while(guard, |(_, go)| !*go).expect("not poisoned");
                    drop(guard);
                })
            })
            .collect();
        let (lock, condvar) = &*state;
        let mut guard = condvar.wait_while(lock.lock().expect("not poisoned"), |(n, _)| *n < 3).expect("ok");
        guard.1 = true;
        condvar.notify_all();
        drop(guard);
        for waiter in waiters {
            waiter.join().expect("no panic");
        }
    });
}

fn timed_out_alone() {
    let pair = (Mutex::new(()), Condvar::new());
    let guard = pair.0.lock().expect("not poisoned");
    let (guard, result) = pair.1.wait_timeout(guard, Duration::from_hours(1)).expect("not poisoned");
    assert!(result.timed_out(), "nobody notifies");
    let (_guard, result) = pair.1.wait_timeout_while(guard, Duration::from_hours(1), |()| true).expect("not poisoned");
    assert!(result.timed_out(), "the condition never changes");
}

#[test]
fn wait_timeout_times_out_in_virtual_time_when_explored() {
    // An hour twice over, each run: demo time jumps to the deadline when the explorer lets it.
    let started = Instant::now();
    common::passes_dfs(timed_out_alone);
    assert!(started.elapsed() < Duration::from_mins(1), "the waits took no real hour");
}

#[test]
fn wait_timeout_times_out_in_a_running_session_and_a_notify_ends_it_early() {
    common::in_session(|| {
        let pair = Arc::new((Mutex::new(false), Condvar::new()));
        let (lock, condvar) = &*pair;
        let (guard, result) = condvar.wait_timeout(lock.lock().expect("ok"), Duration::from_millis(20)).expect("ok");
        assert!(result.timed_out());
        drop(guard);
        let setter = {
            let pair = Arc::clone(&pair);
            thread::spawn(move || {
                thread::sleep(Duration::from_millis(20));
                *pair.0.lock().expect("ok") = true;
                pair.1.notify_one();
            })
        };
        let (guard, result) = condvar
            .wait_timeout_while(lock.lock().expect("ok"), Duration::from_mins(1), |set| !*set)
            .expect("not poisoned");
        assert!(*guard && !result.timed_out());
        drop(guard);
        setter.join().expect("no panic");
    });
}

#[test]
fn a_barrier_lets_a_round_through_together_with_one_leader() {
    common::in_session(|| {
        const N: usize = 4;
        let barrier = Arc::new(Barrier::new(N));
        let passed = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..N - 1)
            .map(|_| {
                let (barrier, passed) = (Arc::clone(&barrier), Arc::clone(&passed));
                thread::spawn(move || {
                    let leader = barrier.wait().is_leader();
                    passed.fetch_add(1, Ordering::SeqCst);
                    leader
                })
            })
            .collect();
        thread::sleep(Duration::from_millis(20));
        assert_eq!(passed.load(Ordering::SeqCst), 0, "nobody passes before the last arrives");
        let mut leaders = usize::from(barrier.wait().is_leader());
        for thread in threads {
            leaders += usize::from(thread.join().expect("no panic"));
        }
        assert_eq!(leaders, 1);
        // Reusable, and with fewer than two parties nobody waits.
        assert!(Barrier::new(1).wait().is_leader() && Barrier::new(0).wait().is_leader());
    });
}

#[test]
fn the_lost_update_rule_sees_no_loss_in_any_interleaving_of_fetch_add() {
    fn fetch_adds() {
        let counter = Arc::new(AtomicUsize::new(0));
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let counter = Arc::clone(&counter);
                thread::spawn(move || counter.fetch_add(1, Ordering::Relaxed))
            })
            .collect();
        let mut before: Vec<usize> = workers.into_iter().map(|worker| worker.join().expect("no panic")).collect();
        before.sort_unstable();
        assert_eq!(before, [0, 1], "each read-modify-write saw the other's or none");
        assert_eq!(counter.load(Ordering::Relaxed), 2);
    }
    let report = Explorer::new().strategy(Strategy::Dfs { preemptions: usize::MAX }).runs(20_000).check(fetch_adds);
    let report = report.unwrap_or_else(|failure| panic!("{failure}"));
    assert!(report.is_exhaustive(), "{report}");
    assert_eq!(report.runs_with(FailureKind::LostUpdate), 0, "{report}");
    let finals: Vec<&str> = report.final_values("AtomicUsize-1").expect("shown").keys().map(String::as_str).collect();
    assert_eq!(finals, ["2"], "{report}");
}

#[test]
fn the_types_are_send_sync_and_unwind_safe_as_std_s() {
    fn shared<T: Send + Sync + std::panic::RefUnwindSafe>() {}
    fn sendable<T: Send>() {}
    shared::<Mutex<Vec<u8>>>();
    shared::<Condvar>();
    shared::<Once>();
    shared::<OnceLock<u8>>();
    shared::<AtomicUsize>();
    shared::<threadviz::std::sync::atomic::AtomicBool>();
    shared::<Barrier>();
    sendable::<thread::JoinHandle<u8>>();
    sendable::<thread::Thread>();
    common::in_session(|| {
        // As a std program does: a closure borrowing a mutex and an atomic, caught.
        let (mutex, counter) = (Mutex::new(1), AtomicUsize::new(0));
        let caught = catch_unwind(|| {
            counter.fetch_add(1, Ordering::SeqCst);
            *mutex.lock().expect("not poisoned")
        });
        assert_eq!(caught.ok(), Some(1));
    });
}
