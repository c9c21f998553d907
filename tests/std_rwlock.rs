//! `threadviz::std::sync::RwLock` against std's own tests (library/std/src/sync/rwlock/tests.rs):
//! many readers at once, writer exclusion, poisoning by a writer and not by a reader, the try
//! forms while held, `into_inner` and `get_mut`; in a session, under the explorer, and as the
//! events and the model tell them.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use threadviz::explore::{Explorer, Failed, Strategy};
use threadviz::std::sync::{RwLock, TryLockError};
use threadviz::sync::Barrier;
use threadviz::{EventKind, thread};

mod common;

/// Runs `main` as the main thread of a fresh watched session, under a deadline; its events.
fn in_session(main: impl FnOnce() + Send + 'static) -> Vec<EventKind> {
    watched(move |_| main())
}

/// [`in_session`], with the watcher to wait for what a thread reports.
fn watched(main: impl FnOnce(&mut common::Watch) + Send + 'static) -> Vec<EventKind> {
    let ((), events) = common::in_watched_session(main);
    events.into_iter().map(|event| event.kind).collect()
}

/// Runs `body` on a threadviz thread and says whether it panicked.
fn panics_in_thread(body: impl FnOnce() + Send + 'static) -> bool {
    let finished = Arc::new(AtomicUsize::new(0));
    let worker = {
        let finished = finished.clone();
        thread::spawn(move || {
            body();
            finished.store(1, Ordering::SeqCst);
        })
    };
    worker.join();
    finished.load(Ordering::SeqCst) == 0
}

#[test]
fn smoke_read_twice_then_write_twice() {
    in_session(|| {
        let lock = RwLock::new(());
        drop(lock.read().expect("unpoisoned"));
        drop(lock.write().expect("unpoisoned"));
        drop((lock.read().expect("unpoisoned"), lock.read().expect("unpoisoned")));
        drop(lock.write().expect("unpoisoned"));
    });
}

#[test]
fn many_readers_hold_the_lock_at_once() {
    const READERS: usize = 4;
    let kinds = in_session(|| {
        let lock = Arc::new(RwLock::named("table", 7));
        // Every reader holds its guard until all have arrived: only possible if they read at once.
        let all_in = Barrier::new(READERS);
        let readers: Vec<_> = (0..READERS)
            .map(|_| {
                let (lock, all_in) = (lock.clone(), all_in.clone());
                thread::spawn(move || {
                    let value = lock.read().expect("unpoisoned");
                    all_in.wait().expect("the barrier holds");
                    assert_eq!(*value, 7);
                })
            })
            .collect();
        for reader in readers {
            reader.join();
        }
    });
    let most = kinds.iter().filter_map(|kind| match kind {
        EventKind::ReadAcquired { readers, .. } => Some(*readers),
        _ => None,
    });
    assert_eq!(most.max(), Some(READERS as u64), "the last reader in read with the three others");
}

#[test]
fn writers_exclude_each_other_and_readers_in_every_interleaving() {
    // Each writer reads, lets others move (a sleep is a step point), then writes back: with
    // the write lock no increment is lost, and a reader never sees a write half done.
    let report = Explorer::new()
        .strategy(Strategy::Dfs { preemptions: 2 })
        .runs(2_000)
        .check(|| {
            let lock = Arc::new(RwLock::new((0_u32, 0_u32)));
            let writers: Vec<_> = (0..2)
                .map(|_| {
                    let lock = lock.clone();
                    thread::spawn(move || {
                        let mut pair = lock.write().expect("unpoisoned");
                        let seen = pair.0;
                        thread::sleep(Duration::from_millis(1));
                        *pair = (seen + 1, seen + 1);
                    })
                })
                .collect();
            let pair = *lock.read().expect("unpoisoned");
            assert_eq!(pair.0, pair.1, "a reader saw a write half done");
            for writer in writers {
                writer.join();
            }
            assert_eq!(*lock.read().expect("unpoisoned"), (2, 2), "an increment was lost");
        })
        .expect("no deadlock, no panic");
    assert!(report.interleavings() > 1, "{report}");
}

#[test]
fn a_panicking_writer_poisons_and_a_panicking_reader_does_not() {
    in_session(|| {
        let read_only = Arc::new(RwLock::new(1));
        let by_reader = read_only.clone();
        assert!(panics_in_thread(move || {
            let _guard = by_reader.read().expect("unpoisoned");
            panic!("a reader panics");
        }));
        assert!(!read_only.is_poisoned(), "a reader's panic poisons nothing");
        assert_eq!(*read_only.read().expect("unpoisoned"), 1);

        let written = Arc::new(RwLock::new(1));
        let by_writer = written.clone();
        assert!(panics_in_thread(move || {
            let _guard = by_writer.write().expect("unpoisoned");
            panic!("a writer panics");
        }));
        assert!(written.is_poisoned());
        // std's test_rw_arc_poison_wr and _ww: both kinds of lock say so, and hand the data over.
        let poisoned = written.read().expect_err("poisoned");
        assert_eq!(**poisoned.get_ref(), 1);
        drop(poisoned);
        assert!(written.write().is_err());
        assert!(matches!(written.try_read(), Err(TryLockError::Poisoned(_))));
        written.clear_poison();
        assert!(!written.is_poisoned());
        *written.write().expect("cleared") += 1;
        assert_eq!(*written.read().expect("cleared"), 2);
    });
}

#[test]
fn a_panic_that_began_before_the_lock_was_taken_does_not_poison_it() {
    // std's test_rw_arc_access_in_unwind: a guard taken while unwinding.
    in_session(|| {
        let lock = Arc::new(RwLock::new(1));
        let in_unwind = lock.clone();
        assert!(panics_in_thread(move || {
            struct Unwinder(Arc<RwLock<i32>>);
            impl Drop for Unwinder {
                fn drop(&mut self) {
                    *self.0.write().expect("unpoisoned") += 1;
                }
            }
            let _unwinder = Unwinder(in_unwind);
            panic!("unwinding");
        }));
        assert!(!lock.is_poisoned());
        assert_eq!(*lock.read().expect("unpoisoned"), 2);
    });
}

#[test]
fn try_read_and_try_write_while_held() {
    in_session(|| {
        let lock = RwLock::new(0);
        let reading = lock.read().expect("unpoisoned");
        assert!(matches!(lock.try_write(), Err(TryLockError::WouldBlock)), "a reader keeps writers out");
        assert_eq!(*lock.try_read().expect("readers share"), 0);
        drop(reading);
        let writing = lock.write().expect("unpoisoned");
        assert!(matches!(lock.try_read(), Err(TryLockError::WouldBlock)));
        assert!(matches!(lock.try_write(), Err(TryLockError::WouldBlock)));
        drop(writing);
        *lock.try_write().expect("free") = 5;
        assert_eq!(lock.into_inner().expect("unpoisoned"), 5);
    });
}

#[test]
fn into_inner_get_mut_and_unsized_data() {
    in_session(|| {
        let mut lock = RwLock::new(vec![1, 2]);
        lock.get_mut().expect("unpoisoned").push(3);
        assert_eq!(lock.into_inner().expect("unpoisoned"), [1, 2, 3]);
        let unsized_lock: &RwLock<[i32]> = &RwLock::new([1, 4, 5]);
        unsized_lock.write().expect("unpoisoned")[0] = 2;
        assert_eq!(&*unsized_lock.read().expect("unpoisoned"), &[2, 4, 5]);

        // std's test_into_inner_poison and test_get_mut_poison.
        let lock = Arc::new(RwLock::new(10));
        let by_writer = lock.clone();
        assert!(panics_in_thread(move || {
            let _guard = by_writer.write().expect("unpoisoned");
            panic!("poison it");
        }));
        let mut lock = Arc::into_inner(lock).expect("the only handle left");
        assert_eq!(*lock.get_mut().expect_err("poisoned").into_inner(), 10);
        assert_eq!(lock.into_inner().expect_err("poisoned").into_inner(), 10);
    });
}

#[test]
fn a_writer_waits_for_the_readers_and_the_events_say_so() {
    let kinds = watched(|watch| {
        let lock = Arc::new(RwLock::named("config", 1));
        let reading = lock.read().expect("unpoisoned");
        let writer = {
            let lock = lock.clone();
            thread::spawn(move || *lock.write().expect("unpoisoned") = 2)
        };
        // Thread 2, the writer, asks and is kept out by the reader.
        watch.wait_for("the write request", |event| {
            event.thread == 2 && matches!(event.kind, EventKind::Requested { .. })
        });
        drop(reading);
        writer.join();
        assert_eq!(*lock.read().expect("unpoisoned"), 2);
    });
    let rwlock: Vec<&EventKind> = kinds
        .iter()
        .filter(|kind| {
            matches!(
                kind,
                EventKind::ReadRequested { .. }
                    | EventKind::ReadAcquired { .. }
                    | EventKind::ReadReleased { .. }
                    | EventKind::Requested { .. }
                    | EventKind::Acquired { .. }
                    | EventKind::Released { .. }
            )
        })
        .collect();
    let order: Vec<String> = rwlock
        .iter()
        .map(|kind| {
            let debug = format!("{kind:?}");
            debug.split([' ', '{']).next().unwrap_or_default().to_owned()
        })
        .collect();
    assert_eq!(
        order,
        [
            "ReadRequested",
            "ReadAcquired",
            "Requested",
            "ReadReleased",
            "Acquired",
            "Released",
            "ReadRequested",
            "ReadAcquired",
            "ReadReleased"
        ],
        "{rwlock:#?}"
    );
}

#[test]
fn reading_twice_while_a_writer_waits_is_a_deadlock_the_explorer_finds() {
    // Writers go first: a thread that takes a second read lock while a writer waits for its
    // first one waits for the writer, which waits for it.
    let failure = Explorer::new()
        .strategy(Strategy::Dfs { preemptions: 2 })
        .check(|| {
            let lock = Arc::new(RwLock::named("settings", 0));
            let writer = {
                let lock = lock.clone();
                thread::spawn(move || *lock.write().expect("unpoisoned") += 1)
            };
            let first = lock.read().expect("unpoisoned");
            let second = lock.read().expect("unpoisoned");
            assert_eq!(*first, *second);
            drop((first, second));
            writer.join();
        })
        .expect_err("a writer between the two reads deadlocks");
    assert_eq!(failure.kind(), Failed::Deadlock, "{failure}");
    let message = failure.message();
    assert!(
        message.contains(
            "MainThread holds settings and waits to read settings behind Thread-1, which waits to write settings"
        ),
        "{message}"
    );
}
