//! `Queue` behaves like Python's `queue.Queue` (CPython's Lib/test/test_queue.py:
//! simple_queue_test, do_blocking_test, queue_join_test, test_queue_task_done,
//! test_queue_join, test_nowait), `Local` like `threading.local` (each thread sees its own
//! value; a subclass `__init__` runs once per thread) and `Shared` is a plain shared variable.
#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test at the line that broke")]
#![allow(clippy::doc_markdown, reason = "the docs name Python's threads, calls and outputs in prose")]

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use common::{
    Watch, assert_nothing_arrives, assert_timeout, in_session, in_watched_session, recv, spawn_worker, timed,
};
use threadviz::event::EventKind;
use threadviz::sync::{Barrier, Empty, Full, Local, Lock, Queue, Shared, SyncError};
use threadviz::thread;

const T: Duration = Duration::from_millis(150);
const QUEUE_SIZE: usize = 5;

// ---------------------------------------------------------------------------------------------
// Queue

/// CPython's do_blocking_test, with the roles of the threads swapped: `block` runs on a new
/// thread and must block until `trigger`, run here once that thread reports that it waits on
/// the queue, unblocks it.
fn do_blocking_test<R: Send + 'static>(
    watch: &mut Watch,
    queue: &Queue<String>,
    block: impl FnOnce(&Queue<String>) -> R + Send + 'static,
    trigger: impl FnOnce(&Queue<String>),
) -> R {
    let prim = watch.prim(queue.name());
    let triggered = Arc::new(AtomicBool::new(false));
    let blocker = {
        let (queue, triggered) = (queue.clone(), triggered.clone());
        spawn_worker(move || {
            let result = block(&queue);
            (result, triggered.load(Ordering::SeqCst))
        })
    };
    let tid = blocker.tid();
    watch.wait_for("the blocking call waits", |e| e.thread == tid && is_wait_begin(&e.kind, prim));
    triggered.store(true, Ordering::SeqCst);
    trigger(queue);
    let (result, was_triggered) = blocker.join();
    assert!(was_triggered, "the blocking call returned before the trigger ran: it did not block");
    result
}

fn is_wait_begin(kind: &EventKind, prim: u32) -> bool {
    matches!(kind, EventKind::WaitBegin { prim: p, .. } if *p == prim)
}

/// CPython's simple_queue_test for a FIFO queue of size QUEUE_SIZE.
fn simple_queue_test(watch: &mut Watch, q: &Queue<String>) {
    assert!(q.empty(), "call this with an empty queue");
    assert_eq!(q.qsize(), 0);
    q.put("111".into());
    q.put("333".into());
    q.put("222".into());
    assert_eq!([q.get(), q.get(), q.get()], ["111", "333", "222"], "the queue is FIFO");
    for i in 0..QUEUE_SIZE - 1 {
        q.put(i.to_string());
        assert!(!q.empty());
    }
    assert!(!q.full());
    q.put("last".into());
    assert!(q.full());
    assert_eq!(q.qsize(), QUEUE_SIZE);
    let Full(back) = q.put_nowait("full".into()).unwrap_err();
    assert_eq!(back, "full", "a refused put hands the item back");
    let (result, elapsed) = timed(|| q.put_timeout("full".into(), Duration::from_millis(10)));
    assert_eq!(result.unwrap_err().0, "full");
    assert!(elapsed >= Duration::from_millis(6));
    assert_eq!(q.qsize(), QUEUE_SIZE);
    // A blocking put waits for a get.
    do_blocking_test(watch, q, |q| q.put("full".into()), |q| assert_eq!(q.get(), "0"));
    // A blocking put with a timeout too.
    let result = do_blocking_test(
        watch,
        q,
        |q| q.put_timeout("full".into(), Duration::from_secs(10)).is_ok(),
        |q| {
            assert_eq!(q.get(), "1");
        },
    );
    assert!(result);
    // Empty it.
    let rest: Vec<String> = (0..QUEUE_SIZE).map(|_| q.get()).collect();
    assert_eq!(rest, ["2", "3", "last", "full", "full"]);
    assert!(q.empty());
    assert!(!q.full());
    assert_eq!(q.get_nowait(), Err(Empty));
    assert_eq!(q.get_timeout(Duration::from_millis(10)), Err(Empty));
    // A blocking get waits for a put.
    let got = do_blocking_test(watch, q, Queue::get, |q| q.put("empty".into()));
    assert_eq!(got, "empty");
    let got = do_blocking_test(watch, q, |q| q.get_timeout(Duration::from_secs(10)), |q| q.put("empty".into()));
    assert_eq!(got, Ok("empty".to_owned()));
    assert!(q.empty());
}

#[test]
fn queue_is_fifo_bounded_and_blocks_like_cpythons_simple_queue_test() {
    in_watched_session(|watch| {
        let q = Queue::named("q", QUEUE_SIZE);
        assert_eq!(q.maxsize(), QUEUE_SIZE);
        // Do it a couple of times on the same queue.
        simple_queue_test(watch, &q);
        simple_queue_test(watch, &q);
    });
}

#[test]
fn put_timeout_on_a_full_queue_hands_the_item_back_within_bounds() {
    in_session(|| {
        let q = Queue::new(1);
        q.put(vec!["first".to_owned()]);
        let item = vec!["not".to_owned(), "copied".to_owned()];
        let (result, elapsed) = timed(|| q.put_timeout(item, T));
        let Full(back) = result.unwrap_err();
        assert_eq!(back, ["not", "copied"]);
        assert_timeout(elapsed, T);
        assert_eq!(q.qsize(), 1);
        assert_eq!(format!("{:?}", Full(0)), "Full(..)");
        assert_eq!(Full(0).to_string(), "the queue is full");
    });
}

#[test]
fn get_timeout_on_an_empty_queue_gives_up_within_bounds() {
    in_session(|| {
        let q: Queue<u32> = Queue::new(0);
        let (result, elapsed) = timed(|| q.get_timeout(T));
        assert_eq!(result, Err(Empty));
        assert_timeout(elapsed, T);
        assert_eq!(Empty.to_string(), "the queue is empty");
        assert_eq!(q.get_nowait(), Err(Empty));
    });
}

#[test]
fn forever_timeouts_wait_for_an_item_or_for_room() {
    in_session(|| {
        for forever in [Duration::MAX, Duration::new(u64::MAX, 0)] {
            let q: Queue<u32> = Queue::new(1);
            let (tx, rx) = crossbeam_channel::bounded(1);
            let getter = {
                let q = q.clone();
                spawn_worker(move || tx.send(q.get_timeout(forever)).unwrap())
            };
            assert_nothing_arrives(&rx, "get_timeout(forever) on an empty queue");
            q.put(7);
            assert_eq!(recv(&rx, "the get after the put"), Ok(7));
            getter.join();

            q.put(1);
            let (tx, rx) = crossbeam_channel::bounded(1);
            let putter = {
                let q = q.clone();
                spawn_worker(move || tx.send(q.put_timeout(2, forever).is_ok()).unwrap())
            };
            assert_nothing_arrives(&rx, "put_timeout(forever) on a full queue");
            assert_eq!(q.get(), 1);
            assert!(recv(&rx, "the put after the get"));
            putter.join();
            assert_eq!(q.get(), 2);
        }
    });
}

#[test]
fn an_unbounded_queue_is_never_full() {
    in_session(|| {
        let q = Queue::new(0);
        for i in 0..1000 {
            assert_eq!(q.put_nowait(i), Ok(()));
        }
        assert!(!q.full());
        assert_eq!(q.qsize(), 1000);
        assert_eq!(q.maxsize(), 0);
        assert_eq!((0..1000).map(|_| q.get_nowait().unwrap()).collect::<Vec<_>>(), (0..1000).collect::<Vec<_>>());
    });
}

#[test]
fn nowait_operations_never_block() {
    // test_nowait
    in_session(|| {
        let q = Queue::new(QUEUE_SIZE);
        for i in 0..QUEUE_SIZE {
            q.put_nowait(i).unwrap();
        }
        assert!(matches!(q.put_nowait(99), Err(Full(99))));
        for i in 0..QUEUE_SIZE {
            assert_eq!(q.get_nowait(), Ok(i));
        }
        assert_eq!(q.get_nowait(), Err(Empty));
    });
}

/// CPython's queue_join_test: worker threads add up what they get and mark it done; join()
/// returns once all 100 items are processed.
fn queue_join_test(q: &Queue<Option<usize>>) {
    let cum = Arc::new(AtomicUsize::new(0));
    let cumlock = Lock::new();
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (q, cum, cumlock) = (q.clone(), cum.clone(), cumlock.clone());
            spawn_worker(move || {
                while let Some(x) = q.get() {
                    let held = cumlock.hold();
                    cum.fetch_add(x, Ordering::SeqCst);
                    drop(held);
                    q.task_done().unwrap();
                }
                q.task_done().unwrap();
            })
        })
        .collect();
    for i in 0..100 {
        q.put(Some(i));
    }
    q.join();
    assert_eq!(cum.load(Ordering::SeqCst), (0..100).sum::<usize>(), "q.join() returned before all tasks were done");
    for _ in &workers {
        q.put(None); // instruct the threads to close
    }
    q.join(); // verify that you can join twice
    for worker in workers {
        worker.join();
    }
}

#[test]
fn join_waits_until_every_item_is_marked_done() {
    // test_queue_join and test_queue_task_done
    in_session(|| {
        let q = Queue::new(0);
        assert_eq!(q.task_done(), Err(SyncError::TaskDoneTooMany), "did not detect the task count going negative");
        queue_join_test(&q);
        queue_join_test(&q);
        let error = q.task_done().unwrap_err();
        assert_eq!(error, SyncError::TaskDoneTooMany);
        assert_eq!(error.to_string(), "task_done() called too many times");
        let bounded = Queue::new(3);
        queue_join_test(&bounded);
    });
}

#[test]
fn join_blocks_while_a_fetched_item_is_not_done() {
    in_session(|| {
        let q = Queue::new(0);
        q.join(); // nothing was put: returns at once
        q.put("job");
        assert_eq!(q.get(), "job");
        assert!(q.empty());
        let (tx, rx) = crossbeam_channel::bounded(1);
        let joiner = {
            let q = q.clone();
            spawn_worker(move || {
                q.join();
                tx.send(()).unwrap();
            })
        };
        assert_nothing_arrives(&rx, "join() with an unfinished task");
        q.task_done().unwrap();
        recv(&rx, "join() after task_done()");
        joiner.join();
        assert_eq!(q.task_done(), Err(SyncError::TaskDoneTooMany));
    });
}

#[test]
fn producers_and_consumers_exchange_every_item_once_in_fifo_order() {
    in_session(|| {
        const PRODUCERS: usize = 3;
        const ITEMS: usize = 200;
        let q: Queue<Option<(usize, usize)>> = Queue::new(4);
        let consumers: Vec<_> = (0..3)
            .map(|_| {
                let q = q.clone();
                spawn_worker(move || {
                    let mut got = Vec::new();
                    while let Some(item) = q.get() {
                        got.push(item);
                    }
                    got
                })
            })
            .collect();
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let q = q.clone();
                spawn_worker(move || {
                    for i in 0..ITEMS {
                        q.put(Some((p, i)));
                    }
                })
            })
            .collect();
        for producer in producers {
            producer.join();
        }
        for _ in &consumers {
            q.put(None);
        }
        let mut seen: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for consumer in consumers {
            let got = consumer.join();
            for p in 0..PRODUCERS {
                let from_p: Vec<usize> = got.iter().filter(|(q, _)| *q == p).map(|&(_, i)| i).collect();
                assert!(from_p.windows(2).all(|w| w[0] < w[1]), "a consumer got producer {p}'s items out of order");
            }
            for (p, i) in got {
                seen.entry(p).or_default().push(i);
            }
        }
        for p in 0..PRODUCERS {
            let mut items = seen.remove(&p).unwrap_or_default();
            items.sort_unstable();
            assert_eq!(items, (0..ITEMS).collect::<Vec<_>>(), "producer {p}'s items arrived exactly once");
        }
        assert!(q.empty());
    });
}

#[test]
fn queues_have_names_and_debug() {
    in_session(|| {
        let q = Queue::named("jobs", 2);
        q.put(1);
        assert_eq!(q.name(), "jobs");
        assert_eq!(format!("{q:?}"), "<Queue jobs [1] unfinished=1>");
    });
}

// ---------------------------------------------------------------------------------------------
// Local

#[test]
fn local_values_belong_to_the_thread_that_set_them() {
    in_session(|| {
        let data: Local<String> = Local::new();
        assert_eq!(data.get(), None);
        data.set("main".into());
        assert_eq!(data.get().as_deref(), Some("main"));
        let start = Barrier::new(5).timeout(Duration::from_secs(10));
        let workers: Vec<_> = (0..5)
            .map(|i| {
                let (data, start) = (data.clone(), start.clone());
                spawn_worker(move || {
                    let before = data.get();
                    data.set(format!("worker {i}"));
                    // Everyone has set its value before anyone reads it back.
                    start.wait().unwrap();
                    (before, data.get())
                })
            })
            .collect();
        for (i, worker) in workers.into_iter().enumerate() {
            assert_eq!(worker.join(), (None, Some(format!("worker {i}"))));
        }
        assert_eq!(data.get().as_deref(), Some("main"), "the other threads did not touch main's value");
        let other = data.clone();
        let from_std = with_std_thread(move || other.get());
        assert_eq!(from_std, None, "a plain std thread has no value either");
    });
}

fn with_std_thread<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::spawn(f).join().unwrap()
}

#[test]
fn local_with_default_runs_the_initialiser_once_per_thread() {
    in_session(|| {
        let calls = Arc::new(AtomicUsize::new(0));
        let data = {
            let calls = calls.clone();
            Local::with_default(move || {
                calls.fetch_add(1, Ordering::SeqCst);
                thread::current_thread().name()
            })
        };
        assert_eq!(calls.load(Ordering::SeqCst), 0, "not run before the first access");
        assert_eq!(data.get().as_deref(), Some("MainThread"));
        assert_eq!(data.get().as_deref(), Some("MainThread"));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let data = data.clone();
                spawn_worker(move || {
                    let first = data.get();
                    let second = data.get();
                    data.set("changed".into());
                    (first, second, data.get(), thread::current_thread().name())
                })
            })
            .collect();
        for worker in workers {
            let (first, second, third, name) = worker.join();
            assert_eq!(first.as_deref(), Some(name.as_str()), "the initialiser ran on the accessing thread");
            assert_eq!(second, first);
            assert_eq!(third.as_deref(), Some("changed"));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 5, "once per thread");
        // A thread whose first access is a set() runs the initialiser too, then sees its value.
        let data_for_setter = data.clone();
        let setter = spawn_worker(move || {
            data_for_setter.set("set first".into());
            data_for_setter.get()
        });
        assert_eq!(setter.join().as_deref(), Some("set first"));
        assert_eq!(calls.load(Ordering::SeqCst), 6);
        assert_eq!(data.get().as_deref(), Some("MainThread"), "main's value is untouched");
    });
}

// ---------------------------------------------------------------------------------------------
// Shared

#[test]
fn shared_load_and_store() {
    in_session(|| {
        let counter = Shared::new(1);
        assert_eq!(counter.load(), 1);
        counter.store(5);
        assert_eq!(counter.load(), 5);
        let other = counter.clone();
        spawn_worker(move || other.store(other.load() * 2)).join();
        assert_eq!(counter.load(), 10, "a store by one thread is seen by the others");
        let named = Shared::named("total", String::from("x"));
        assert_eq!(named.name(), "total");
        assert_eq!(format!("{named:?}"), r#"<Shared total = "x">"#);
    });
}

#[test]
fn shared_increments_under_a_lock_lose_no_update() {
    in_session(|| {
        let counter = Shared::new(0_usize);
        let lock = Lock::new();
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let (counter, lock) = (counter.clone(), lock.clone());
                spawn_worker(move || {
                    for _ in 0..250 {
                        let _held = lock.hold();
                        let seen = counter.load();
                        counter.store(seen + 1);
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join();
        }
        assert_eq!(counter.load(), 1000);
    });
}
