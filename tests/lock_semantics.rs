//! `Lock` and `RLock` behave like Python's: CPython's Lib/test/lock_tests.py (BaseLockTests,
//! LockTests, RLockTests). Each case runs twice, once with nobody listening (the raw fast
//! paths) and once with a subscriber (the instrumented paths).
#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test at the line that broke")]
#![allow(clippy::doc_markdown, reason = "the docs name Python's threads, calls and outputs in prose")]

mod common;

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{
    assert_nothing_arrives, assert_timeout, in_quiet_and_watched_sessions, in_session, recv, recv_n, spawn_worker,
    timed,
};
use threadviz::sync::{Lock, RLock, SyncError};
use threadviz::thread;

const T: Duration = Duration::from_millis(150);

/// A finite timeout too large for the clock: it must mean "forever", like Duration::MAX.
const HUGE: Duration = Duration::new(u64::MAX, 0);

// ---------------------------------------------------------------------------------------------
// Lock

#[test]
fn lock_acquire_release_and_locked() {
    in_quiet_and_watched_sessions(|| {
        let lock = Lock::new();
        assert!(!lock.locked());
        lock.acquire();
        assert!(lock.locked());
        assert_eq!(lock.release(), Ok(()));
        assert!(!lock.locked());
    });
}

#[test]
fn lock_try_acquire_fails_while_held_even_by_the_caller() {
    in_quiet_and_watched_sessions(|| {
        let lock = Lock::new();
        assert!(lock.try_acquire());
        assert!(!lock.try_acquire(), "a Lock is not re-entrant");
        lock.release().unwrap();
        assert!(lock.try_acquire());
        lock.release().unwrap();
    });
}

#[test]
fn lock_try_acquire_fails_from_another_thread_while_held() {
    // test_try_acquire_contended
    in_quiet_and_watched_sessions(|| {
        let lock = Lock::new();
        lock.acquire();
        let other = lock.clone();
        assert!(!spawn_worker(move || other.try_acquire()).join());
        lock.release().unwrap();
        let other = lock.clone();
        assert!(spawn_worker(move || other.try_acquire()).join());
        assert!(lock.locked(), "taken by the worker, which ended holding it");
    });
}

#[test]
fn lock_acquire_contended_blocks_every_thread_until_release() {
    // test_acquire_contended: five threads block on a held lock; none gets through before the
    // release, all do after it.
    in_quiet_and_watched_sessions(|| {
        let lock = Lock::new();
        lock.acquire();
        let finished = Arc::new(AtomicUsize::new(0));
        let (started_tx, started_rx) = crossbeam_channel::unbounded();
        let workers: Vec<_> = (0..5)
            .map(|_| {
                let (lock, finished, started_tx) = (lock.clone(), finished.clone(), started_tx.clone());
                spawn_worker(move || {
                    started_tx.send(()).unwrap();
                    lock.acquire();
                    lock.release().unwrap();
                    finished.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        recv_n(&started_rx, 5, "the workers start");
        std::thread::sleep(common::GRACE);
        assert_eq!(finished.load(Ordering::SeqCst), 0, "a worker got a held lock");
        lock.release().unwrap();
        for worker in workers {
            worker.join();
        }
        assert_eq!(finished.load(Ordering::SeqCst), 5);
        assert!(!lock.locked());
    });
}

#[test]
fn lock_is_not_reentrant_a_second_acquire_waits_for_another_threads_release() {
    // LockTests.test_reacquire
    in_quiet_and_watched_sessions(|| {
        let lock = Lock::new();
        let (phase_tx, phase_rx) = crossbeam_channel::unbounded();
        let worker = {
            let lock = lock.clone();
            spawn_worker(move || {
                lock.acquire();
                phase_tx.send(1).unwrap();
                lock.acquire();
                phase_tx.send(2).unwrap();
            })
        };
        assert_eq!(recv(&phase_rx, "the first acquire"), 1);
        assert_nothing_arrives(&phase_rx, "a second acquire of a held Lock by its holder");
        lock.release().unwrap();
        assert_eq!(recv(&phase_rx, "the second acquire after a release by another thread"), 2);
        worker.join();
        lock.release().unwrap();
    });
}

#[test]
fn any_thread_may_release_a_held_lock() {
    // LockTests.test_different_thread
    in_quiet_and_watched_sessions(|| {
        let lock = Lock::new();
        lock.acquire();
        let other = lock.clone();
        assert_eq!(spawn_worker(move || other.release()).join(), Ok(()));
        assert!(!lock.locked());
        lock.acquire();
        lock.release().unwrap();
    });
}

#[test]
fn releasing_an_unlocked_lock_is_an_error() {
    in_quiet_and_watched_sessions(|| {
        let lock = Lock::new();
        let error = lock.release().unwrap_err();
        assert_eq!(error, SyncError::ReleaseUnlocked);
        assert_eq!(error.to_string(), "release unlocked lock");
        lock.acquire();
        lock.release().unwrap();
        assert_eq!(lock.release(), Err(SyncError::ReleaseUnlocked));
        let other = lock.clone();
        assert_eq!(spawn_worker(move || other.release()).join(), Err(SyncError::ReleaseUnlocked));
        assert!(!lock.locked());
        assert!(lock.try_acquire(), "a refused release leaves the lock usable");
        lock.release().unwrap();
    });
}

#[test]
fn lock_state_is_clean_after_a_timed_out_acquire() {
    // LockTests.test_state_after_timeout (issue #11618)
    in_quiet_and_watched_sessions(|| {
        let lock = Lock::new();
        lock.acquire();
        assert!(!lock.acquire_timeout(Duration::from_millis(10)));
        lock.release().unwrap();
        assert!(!lock.locked());
        assert!(lock.try_acquire());
        lock.release().unwrap();
    });
}

#[test]
fn lock_acquire_timeout_gives_up_within_bounds() {
    // BaseLockTests.test_timeout
    in_quiet_and_watched_sessions(|| {
        let lock = Lock::new();
        assert!(lock.acquire_timeout(Duration::MAX), "Duration::MAX on a free lock");
        lock.release().unwrap();
        let (got, elapsed) = timed(|| lock.acquire_timeout(Duration::from_secs(5)));
        assert!(got);
        assert!(elapsed < Duration::from_secs(5), "a free lock is taken without waiting");
        let other = lock.clone();
        let (got, elapsed) = spawn_worker(move || timed(|| other.acquire_timeout(T))).join();
        assert!(!got);
        assert_timeout(elapsed, T);
        assert!(!lock.try_acquire(), "still held by the main thread");
        lock.release().unwrap();
    });
}

#[test]
fn lock_acquire_timeout_forever_waits_for_the_release() {
    in_quiet_and_watched_sessions(|| {
        for forever in [Duration::MAX, HUGE] {
            let lock = Lock::new();
            assert!(lock.acquire_timeout(forever), "{forever:?} on a free lock");
            let (tx, rx) = crossbeam_channel::bounded(1);
            let other = lock.clone();
            let worker = spawn_worker(move || {
                tx.send(other.acquire_timeout(forever)).unwrap();
                other.release().unwrap();
            });
            assert_nothing_arrives(&rx, "acquire_timeout(forever) on a held lock");
            lock.release().unwrap();
            assert!(recv(&rx, "the acquire after the release"));
            worker.join();
        }
    });
}

#[test]
fn hold_releases_the_lock_when_the_guard_drops() {
    // BaseLockTests.test_with
    in_quiet_and_watched_sessions(|| {
        let lock = Lock::new();
        {
            let _held = lock.hold();
            assert!(lock.locked());
            let other = lock.clone();
            assert!(!spawn_worker(move || other.try_acquire()).join());
        }
        assert!(!lock.locked());
        let other = lock.clone();
        assert!(
            spawn_worker(move || {
                let got = other.try_acquire();
                other.release().unwrap();
                got
            })
            .join()
        );
    });
}

#[test]
fn hold_releases_the_lock_when_unwinding() {
    // BaseLockTests.test_with(TypeError)
    in_quiet_and_watched_sessions(|| {
        let lock = Lock::new();
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            let _held = lock.hold();
            assert!(lock.locked());
            panic::resume_unwind(Box::new("an error inside `with lock:`"));
        }));
        assert!(result.is_err());
        assert!(!lock.locked(), "the guard released the lock while unwinding");
        let other = lock.clone();
        assert!(
            spawn_worker(move || {
                let got = other.try_acquire();
                other.release().unwrap();
                got
            })
            .join()
        );
    });
}

#[test]
fn locks_have_python_style_names_and_debug() {
    in_session(|| {
        let first = Lock::new();
        let second = Lock::default();
        let named = Lock::named("file");
        assert_eq!(first.name(), "Lock-1");
        assert_eq!(second.name(), "Lock-2");
        assert_eq!(named.name(), "file");
        assert_eq!(format!("{named:?}"), "<unlocked Lock file>");
        named.acquire();
        assert_eq!(format!("{named:?}"), "<locked Lock file>");
        named.release().unwrap();
        assert_eq!(RLock::new().name(), "RLock-1");
        let rlock = RLock::named("r");
        assert_eq!(format!("{rlock:?}"), "<unlocked RLock r>");
        rlock.acquire();
        rlock.acquire();
        assert_eq!(format!("{rlock:?}"), format!("<locked RLock r owner={} count=2>", thread::get_ident()));
        rlock.release().unwrap();
        rlock.release().unwrap();
    });
}

// ---------------------------------------------------------------------------------------------
// RLock

#[test]
fn rlock_is_reentrant_and_counts_levels() {
    // RLockTests.test_reacquire
    in_quiet_and_watched_sessions(|| {
        let lock = RLock::new();
        assert_eq!((lock.locked(), lock.owner(), lock.level()), (false, None, 0));
        lock.acquire();
        assert_eq!(lock.level(), 1);
        lock.acquire();
        assert_eq!(lock.level(), 2);
        assert_eq!(lock.owner(), Some(thread::get_ident()));
        lock.release().unwrap();
        assert_eq!(lock.level(), 1);
        assert!(lock.locked(), "still held at level 1");
        assert!(lock.try_acquire(), "the owner's non-blocking acquire succeeds");
        assert!(lock.acquire_timeout(Duration::ZERO), "so does a zero timeout");
        assert_eq!(lock.level(), 3);
        for _ in 0..3 {
            lock.release().unwrap();
        }
        assert_eq!((lock.locked(), lock.owner(), lock.level()), (false, None, 0));
    });
}

#[test]
fn rlock_release_unacquired_is_an_error() {
    // RLockTests.test_release_unacquired
    in_quiet_and_watched_sessions(|| {
        let lock = RLock::new();
        let error = lock.release().unwrap_err();
        assert_eq!(error, SyncError::NotOwner);
        assert_eq!(error.to_string(), "cannot release un-acquired lock");
        lock.acquire();
        lock.acquire();
        lock.release().unwrap();
        lock.acquire();
        lock.release().unwrap();
        lock.release().unwrap();
        assert_eq!(lock.release(), Err(SyncError::NotOwner));
        assert!(!lock.locked());
    });
}

#[test]
fn rlock_cannot_be_released_by_another_thread() {
    // RLockTests.test_different_thread
    in_quiet_and_watched_sessions(|| {
        let lock = RLock::new();
        let (held_tx, held_rx) = crossbeam_channel::bounded(1);
        let (done_tx, done_rx) = crossbeam_channel::bounded::<()>(1);
        let owner = {
            let lock = lock.clone();
            spawn_worker(move || {
                lock.acquire();
                held_tx.send(thread::get_ident()).unwrap();
                recv(&done_rx, "the main thread's go");
                lock.release()
            })
        };
        let owner_ident = recv(&held_rx, "the worker acquires");
        assert_eq!(lock.release(), Err(SyncError::NotOwner));
        assert_eq!(lock.owner(), Some(owner_ident), "a refused release changes nothing");
        assert_eq!(lock.level(), 1);
        assert!(!lock.try_acquire());
        done_tx.send(()).unwrap();
        assert_eq!(owner.join(), Ok(()), "the owner may release");
        assert!(!lock.locked());
    });
}

#[test]
fn rlock_ownership_belongs_to_one_thread() {
    // RLockTests.test__is_owned
    in_quiet_and_watched_sessions(|| {
        let lock = RLock::new();
        lock.acquire();
        lock.acquire();
        let me = thread::get_ident();
        let other = lock.clone();
        let (owner_seen, mine, got) =
            spawn_worker(move || (other.owner(), other.owner() == Some(thread::get_ident()), other.try_acquire()))
                .join();
        assert_eq!(owner_seen, Some(me));
        assert!(!mine, "another thread does not own it");
        assert!(!got, "nor can it take it");
        lock.release().unwrap();
        assert_eq!(lock.owner(), Some(me));
        lock.release().unwrap();
        assert_eq!(lock.owner(), None);
    });
}

#[test]
fn rlock_acquire_contended_blocks_every_thread_until_release() {
    in_quiet_and_watched_sessions(|| {
        let lock = RLock::new();
        lock.acquire();
        lock.acquire();
        let finished = Arc::new(AtomicUsize::new(0));
        let (started_tx, started_rx) = crossbeam_channel::unbounded();
        let workers: Vec<_> = (0..5)
            .map(|_| {
                let (lock, finished, started_tx) = (lock.clone(), finished.clone(), started_tx.clone());
                spawn_worker(move || {
                    started_tx.send(()).unwrap();
                    lock.acquire();
                    lock.acquire();
                    finished.fetch_add(1, Ordering::SeqCst);
                    lock.release().unwrap();
                    lock.release().unwrap();
                })
            })
            .collect();
        recv_n(&started_rx, 5, "the workers start");
        std::thread::sleep(common::GRACE);
        lock.release().unwrap();
        assert_eq!(finished.load(Ordering::SeqCst), 0, "level 1 still holds the lock");
        std::thread::sleep(common::GRACE);
        assert_eq!(finished.load(Ordering::SeqCst), 0, "level 1 still holds the lock");
        lock.release().unwrap();
        for worker in workers {
            worker.join();
        }
        assert_eq!(finished.load(Ordering::SeqCst), 5);
        assert!(!lock.locked());
    });
}

#[test]
fn rlock_acquire_timeout_gives_up_within_bounds() {
    in_quiet_and_watched_sessions(|| {
        let lock = RLock::new();
        assert!(lock.acquire_timeout(Duration::MAX));
        let other = lock.clone();
        let (got, elapsed) = spawn_worker(move || timed(|| other.acquire_timeout(T))).join();
        assert!(!got);
        assert_timeout(elapsed, T);
        let other = lock.clone();
        assert!(!spawn_worker(move || other.try_acquire()).join());
        lock.release().unwrap();
        assert!(!lock.locked());
    });
}

#[test]
fn rlock_acquire_timeout_forever_waits_for_the_release() {
    in_quiet_and_watched_sessions(|| {
        for forever in [Duration::MAX, HUGE] {
            let lock = RLock::new();
            lock.acquire();
            let (tx, rx) = crossbeam_channel::bounded(1);
            let other = lock.clone();
            let worker = spawn_worker(move || {
                tx.send(other.acquire_timeout(forever)).unwrap();
                other.release().unwrap();
            });
            assert_nothing_arrives(&rx, "acquire_timeout(forever) on a held RLock");
            lock.release().unwrap();
            assert!(recv(&rx, "the acquire after the release"));
            worker.join();
            assert!(!lock.locked());
        }
    });
}

#[test]
fn rlock_stays_locked_when_its_owner_exits_holding_it() {
    in_quiet_and_watched_sessions(|| {
        let lock = RLock::new();
        let other = lock.clone();
        let owner_ident = spawn_worker(move || {
            other.acquire();
            other.acquire();
            thread::get_ident()
        })
        .join();
        assert!(lock.locked());
        assert_eq!(lock.owner(), Some(owner_ident));
        assert_eq!(lock.level(), 2);
        assert!(!lock.try_acquire());
        assert_eq!(lock.release(), Err(SyncError::NotOwner));
        let (got, elapsed) = timed(|| lock.acquire_timeout(T));
        assert!(!got, "nobody can take it any more");
        assert_timeout(elapsed, T);
    });
}

#[test]
fn rlock_hold_releases_one_level_also_when_unwinding() {
    in_quiet_and_watched_sessions(|| {
        let lock = RLock::new();
        lock.acquire();
        {
            let _inner = lock.hold();
            assert_eq!(lock.level(), 2);
        }
        assert_eq!(lock.level(), 1);
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            let _inner = lock.hold();
            assert_eq!(lock.level(), 2);
            panic::resume_unwind(Box::new("an error inside `with rlock:`"));
        }));
        assert!(result.is_err());
        assert_eq!(lock.level(), 1, "the guard released its level while unwinding");
        lock.release().unwrap();
        assert!(!lock.locked());
        let other = lock.clone();
        assert!(spawn_worker(move || other.try_acquire()).join());
    });
}
