//! `threadviz::std::thread_local!`: std's own thread-local tests (library/std/src/thread/local/
//! tests.rs) ported onto threadviz threads, and what threadviz adds: a value per threadviz
//! thread, destroyed when that thread ends, so that an explored run's threads, on OS threads
//! pooled from run to run, each start afresh (where `std::thread_local!` does not).

use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use threadviz::Session;
use threadviz::explore::{Explorer, Strategy};
use threadviz::std as stdx;
use threadviz::std::thread::{AccessError, LocalKey};

/// Runs `f` as a session's main thread, as a threadviz program runs.
fn in_session(f: impl FnOnce() + Send + 'static) {
    Session::new().run(f);
}

/// Adds one to a shared count when dropped: how a test sees a destructor run.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn smoke_no_dtor() {
    stdx::thread_local!(static FOO: Cell<i32> = Cell::new(1));
    in_session(|| {
        FOO.with(|f| {
            assert_eq!(f.get(), 1);
            f.set(2);
        });
        stdx::thread::spawn(|| {
            FOO.with(|f| {
                assert_eq!(f.get(), 1, "a new thread starts from the initialiser");
                f.set(3);
            });
        })
        .join()
        .expect("no panic");
        FOO.with(|f| assert_eq!(f.get(), 2, "the other thread's value is its own"));
    });
}

#[test]
fn states_the_value_is_destroyed_when_its_threadviz_thread_ends() {
    static CHECKED_IN_DROP: AtomicUsize = AtomicUsize::new(0);
    struct Foo;
    impl Drop for Foo {
        fn drop(&mut self) {
            // Being destroyed: an access is refused, not a fresh value.
            if FOO.try_with(|_| ()).is_err() {
                CHECKED_IN_DROP.fetch_add(1, SeqCst);
            }
        }
    }
    stdx::thread_local!(static FOO: Foo = Foo);
    in_session(|| {
        stdx::thread::spawn(|| assert!(FOO.try_with(|_| ()).is_ok())).join().expect("no panic");
        assert_eq!(CHECKED_IN_DROP.load(SeqCst), 1, "destroyed before join returned, refused inside");
    });
    assert_eq!(CHECKED_IN_DROP.load(SeqCst), 1, "the main thread never touched it");
}

#[test]
fn smoke_dtor_counts_once_per_thread_and_once_for_the_main_thread() {
    stdx::thread_local!(static HELD: RefCell<Option<Counted>> = const { RefCell::new(None) });
    let dropped = Arc::new(AtomicUsize::new(0));
    let seen = dropped.clone();
    in_session(move || {
        let workers: Vec<_> = (0..3)
            .map(|_| {
                let dropped = seen.clone();
                stdx::thread::spawn(move || HELD.set(Some(Counted(dropped))))
            })
            .collect();
        for worker in workers {
            worker.join().expect("no panic");
        }
        assert_eq!(seen.load(SeqCst), 3, "each worker's value dropped when it ended");
        HELD.set(Some(Counted(seen.clone())));
        assert_eq!(seen.load(SeqCst), 3);
    });
    assert_eq!(dropped.load(SeqCst), 4, "the main thread's value dropped when `run`'s function returned");
}

#[test]
fn circular_destructors_reinitialise_a_live_key_and_are_refused_a_destroyed_one() {
    static HITS: AtomicUsize = AtomicUsize::new(0);
    struct S1(&'static LocalKey<RefCell<Option<S1>>>, &'static LocalKey<RefCell<Option<S2>>>);
    struct S2(&'static LocalKey<RefCell<Option<S1>>>, &'static LocalKey<RefCell<Option<S2>>>);
    stdx::thread_local!(static K1: RefCell<Option<S1>> = const { RefCell::new(None) });
    stdx::thread_local!(static K2: RefCell<Option<S2>> = const { RefCell::new(None) });
    impl Drop for S1 {
        fn drop(&mut self) {
            let hits = HITS.fetch_add(1, SeqCst) + 1;
            if self.1.try_with(|_| ()).is_err() {
                assert_eq!(hits, 3);
            } else if hits == 1 {
                self.1.with(|s| *s.borrow_mut() = Some(S2(self.0, self.1)));
            } else {
                assert_eq!(hits, 3);
            }
        }
    }
    impl Drop for S2 {
        fn drop(&mut self) {
            let hits = HITS.fetch_add(1, SeqCst) + 1;
            assert!(self.0.try_with(|_| ()).is_ok(), "K1 was never made, so it may be now");
            assert_eq!(hits, 2);
            // Made during destruction: destroyed in its turn.
            self.0.with(|s| *s.borrow_mut() = Some(S1(self.0, self.1)));
        }
    }
    in_session(|| {
        stdx::thread::spawn(|| drop(S1(&K1, &K2))).join().expect("no panic");
        assert_eq!(HITS.load(SeqCst), 3, "S1, then K2's S2, then K1's S1 made by S2's destructor");
    });
}

#[test]
fn self_referential_a_destructor_is_refused_its_own_key() {
    static REFUSED: AtomicUsize = AtomicUsize::new(0);
    struct S1(&'static LocalKey<RefCell<Option<S1>>>);
    stdx::thread_local!(static K1: RefCell<Option<S1>> = const { RefCell::new(None) });
    impl Drop for S1 {
        fn drop(&mut self) {
            if self.0.try_with(|_| ()).is_err() {
                REFUSED.fetch_add(1, SeqCst);
            }
        }
    }
    in_session(|| {
        stdx::thread::spawn(|| K1.with(|s| *s.borrow_mut() = Some(S1(&K1)))).join().expect("no panic");
        assert_eq!(REFUSED.load(SeqCst), 1);
    });
}

/// A destructor makes another key's value, whose destructor then runs too (std's
/// `dtors_in_dtors_in_dtors`), with a lazy and with a `const` initialiser.
macro_rules! dtors_in_dtors_in_dtors {
    ($name:ident, $init:expr, $init2:expr) => {
        #[test]
        fn $name() {
            struct S1(Arc<AtomicUsize>);
            stdx::thread_local!(static K1: RefCell<Option<S1>> = $init);
            stdx::thread_local!(static K2: RefCell<Option<Counted>> = $init2);
            impl Drop for S1 {
                fn drop(&mut self) {
                    let _ = K2.try_with(|s| *s.borrow_mut() = Some(Counted(self.0.clone())));
                }
            }
            let dropped = Arc::new(AtomicUsize::new(0));
            let seen = dropped.clone();
            in_session(move || {
                let dropped = seen.clone();
                stdx::thread::spawn(move || K1.set(Some(S1(dropped)))).join().expect("no panic");
                assert_eq!(seen.load(SeqCst), 1, "K2's value, made by K1's destructor, was destroyed");
            });
            assert_eq!(dropped.load(SeqCst), 1);
        }
    };
}

dtors_in_dtors_in_dtors!(dtors_in_dtors_in_dtors, RefCell::new(None), RefCell::new(None));
dtors_in_dtors_in_dtors!(
    dtors_in_dtors_in_dtors_const_init,
    const { RefCell::new(None) },
    const { RefCell::new(None) }
);

stdx::thread_local! {
    /// Several keys in one invocation, with doc comments, attributes and visibility; the last
    /// semicolon left out.
    pub(crate) static SEVERAL_A: Cell<u32> = const { Cell::new(10) };
    #[allow(unused, reason = "attributes pass through to the key, as std's grammar allows")]
    static SEVERAL_B: RefCell<Vec<u32>> = RefCell::new(vec![1, 2]);
    static SEVERAL_C: u32 = 3
}

#[test]
fn several_keys_const_init_and_attributes() {
    in_session(|| {
        assert_eq!(SEVERAL_A.get(), 10);
        SEVERAL_B.with_borrow_mut(|v| v.push(SEVERAL_C.with(|c| *c)));
        assert_eq!(SEVERAL_B.with_borrow(Clone::clone), [1, 2, 3]);
        assert_eq!(format!("{SEVERAL_A:?}"), "LocalKey { .. }");
    });
}

#[test]
fn cell_helpers_and_set_without_running_the_initialiser() {
    stdx::thread_local!(static X: Cell<i32> = panic!("set must not run the initialiser"));
    stdx::thread_local!(static Y: Cell<i32> = const { Cell::new(1) });
    let body = || {
        X.set(123);
        assert_eq!(X.get(), 123);
        assert_eq!(Y.replace(5), 1);
        assert_eq!(Y.take(), 5);
        assert_eq!(Y.get(), 0);
        Y.set(7);
        assert_eq!(Y.get(), 7);
    };
    in_session(body);
    // The same, where no threadviz thread runs: std's keys.
    std::thread::spawn(body).join().expect("no panic");
}

#[test]
fn refcell_helpers_and_set_without_running_the_initialiser() {
    stdx::thread_local!(static X: RefCell<Vec<i32>> = panic!("set must not run the initialiser"));
    stdx::thread_local!(static Y: RefCell<Vec<i32>> = RefCell::new(vec![1]));
    let body = || {
        X.set(vec![1, 2, 3]);
        X.with_borrow_mut(|v| v.push(4));
        assert_eq!(X.with_borrow(Vec::len), 4);
        assert_eq!(Y.replace(vec![9]), [1]);
        assert_eq!(Y.take(), [9]);
        assert!(Y.with_borrow(Vec::is_empty));
        Y.set(vec![5]);
        assert_eq!(Y.with_borrow(|v| v[0]), 5);
    };
    in_session(body);
    std::thread::spawn(body).join().expect("no panic");
}

#[test]
fn access_error_reads_as_stds() {
    stdx::thread_local!(static K: RefCell<Option<Refused>> = const { RefCell::new(None) });
    static MESSAGE: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());
    struct Refused;
    impl Drop for Refused {
        fn drop(&mut self) {
            let error: AccessError = K.try_with(|_| ()).expect_err("being destroyed");
            let as_error: &dyn std::error::Error = &error;
            assert!(as_error.source().is_none());
            *MESSAGE.lock().expect("not poisoned") = format!("{error} / {error:?}");
        }
    }
    in_session(|| stdx::thread::spawn(|| K.set(Some(Refused))).join().expect("no panic"));
    assert_eq!(*MESSAGE.lock().expect("not poisoned"), "already destroyed / AccessError");
}

#[test]
fn each_threadviz_thread_sees_its_own_value() {
    stdx::thread_local!(static MINE: Cell<usize> = const { Cell::new(usize::MAX) });
    in_session(|| {
        stdx::thread::scope(|scope| {
            for index in 0..4 {
                scope.spawn(move || {
                    MINE.set(index);
                    stdx::thread::yield_now();
                    assert_eq!(MINE.get(), index);
                });
            }
        });
        assert_eq!(MINE.get(), usize::MAX, "the main thread's is untouched");
        // threadviz's own threads have theirs too.
        let python_style = threadviz::thread::Thread::new(|| assert_eq!(MINE.replace(1), usize::MAX));
        python_style.start();
        python_style.join();
    });
}

#[test]
fn each_session_run_on_one_os_thread_starts_afresh_and_the_os_threads_own_is_kept() {
    stdx::thread_local!(static COUNT: Cell<u32> = const { Cell::new(0) });
    COUNT.set(40);
    for _ in 0..3 {
        in_session(|| {
            assert_eq!(COUNT.get(), 0, "a session's main thread starts from the initialiser");
            COUNT.set(1);
        });
    }
    assert_eq!(COUNT.get(), 40, "outside sessions, the OS thread's own value, as std's");
}

/// The program an exploration checks: every thread, the main one included, counts its
/// accesses in a thread-local that must start at 0, with a shared step between them.
macro_rules! counting_program {
    ($key:ident) => {
        || {
            let shared = stdx::sync::Arc::new(stdx::sync::Mutex::new(0));
            let bump = |shared: &stdx::sync::Mutex<u32>| {
                $key.with(|count| {
                    assert_eq!(count.get(), 0, "a thread found a count it did not make");
                    count.set(count.get() + 1);
                });
                *shared.lock().expect("not poisoned") += 1;
            };
            let workers: Vec<_> = (0..2)
                .map(|_| {
                    let shared = shared.clone();
                    stdx::thread::spawn(move || bump(&shared))
                })
                .collect();
            bump(&shared);
            for worker in workers {
                worker.join().expect("a worker failed");
            }
        }
    };
}

#[test]
fn explored_threads_each_start_from_the_initialiser_over_many_runs() {
    stdx::thread_local!(static COUNT: Cell<u32> = const { Cell::new(0) });
    for strategy in [Strategy::Random, Strategy::Pct { depth: 2 }, Strategy::Dfs { preemptions: 2 }] {
        let report = Explorer::new().strategy(strategy).runs(300).seed(7).check(counting_program!(COUNT));
        let report = report.unwrap_or_else(|failure| panic!("{} fails: {failure}", strategy.name()));
        assert!(report.runs() > 1, "{report}");
    }
}

#[test]
fn stds_thread_local_carries_a_count_from_one_explored_run_into_the_next() {
    // Why the mirror exists: the pool hands a run's threads the OS threads of the run before.
    std::thread_local!(static COUNT: Cell<u32> = const { Cell::new(0) });
    let failure = Explorer::new().runs(50).seed(7).check(counting_program!(COUNT));
    let failure = failure.expect_err("a pooled OS thread keeps std's count");
    assert!(failure.to_string().contains("a thread found a count it did not make"), "{failure}");
}

#[test]
fn an_access_is_no_step_of_the_exploration() {
    stdx::thread_local!(static COUNT: Cell<u32> = const { Cell::new(0) });
    let plain = || {
        let worker = stdx::thread::spawn(|| stdx::thread::yield_now());
        stdx::thread::yield_now();
        worker.join().expect("no panic");
    };
    let with_locals = || {
        let worker = stdx::thread::spawn(|| {
            COUNT.set(COUNT.get() + 1);
            stdx::thread::yield_now();
            COUNT.with(|count| count.set(count.get() + 1));
        });
        COUNT.set(COUNT.take() + 1);
        stdx::thread::yield_now();
        worker.join().expect("no panic");
    };
    let explore = |program: fn()| {
        let report = Explorer::new().strategy(Strategy::Dfs { preemptions: 3 }).runs(1_000).check(program);
        let report = report.unwrap_or_else(|failure| panic!("fails: {failure}"));
        (report.runs(), report.steps(), report.interleavings())
    };
    let (plain, with_locals) = (explore(plain), explore(with_locals));
    assert!(plain.2 > 1, "the two threads interleave: {plain:?}");
    assert_eq!(with_locals, plain, "(runs, steps, interleavings)");
}

#[test]
fn a_destructor_that_panics_fails_the_thread_it_ends() {
    struct Panics;
    impl Drop for Panics {
        fn drop(&mut self) {
            panic!("a thread-local's destructor panicked");
        }
    }
    stdx::thread_local!(static HELD: RefCell<Option<Panics>> = const { RefCell::new(None) });
    let program = || {
        stdx::thread::spawn(|| HELD.set(Some(Panics))).join().expect("the function itself returned");
    };
    let failure = Explorer::new().runs(5).seed(7).check(program).expect_err("the destructor's panic fails the run");
    assert!(failure.to_string().contains("a thread-local's destructor panicked"), "{failure}");
}

/// One body, compiled against `std` and against `threadviz::std` with only the `use` changed.
macro_rules! swapped {
    () => {
        use std::cell::RefCell;
        use stdx::sync::{Arc, Mutex};
        use stdx::thread;

        stdx::thread_local!(static SEEN: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) });

        /// Each thread notes its index in its own list and reports the list it ends with.
        pub fn lists() -> Vec<Vec<usize>> {
            let ends = Arc::new(Mutex::new(Vec::new()));
            let workers: Vec<_> = (0..3)
                .map(|index| {
                    let ends = Arc::clone(&ends);
                    thread::spawn(move || {
                        SEEN.with_borrow_mut(|seen| seen.push(index));
                        let mine = SEEN.take();
                        ends.lock().expect("not poisoned").push(mine);
                    })
                })
                .collect();
            for worker in workers {
                worker.join().expect("no panic");
            }
            let mut ends = std::mem::take(&mut *ends.lock().expect("not poisoned"));
            ends.sort();
            ends
        }
    };
}

mod on_std {
    use std as stdx;
    swapped!();
}

mod on_threadviz {
    use threadviz::std as stdx;
    swapped!();
}

#[test]
fn the_same_body_on_std_and_on_threadviz() {
    let expected = vec![vec![0], vec![1], vec![2]];
    assert_eq!(on_std::lists(), expected);
    let on_threadviz = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = on_threadviz.clone();
    in_session(move || *sink.lock().expect("not poisoned") = on_threadviz::lists());
    assert_eq!(*on_threadviz.lock().expect("not poisoned"), expected);
    // And outside any session, threadviz's is std's.
    assert_eq!(on_threadviz::lists(), expected);
}
