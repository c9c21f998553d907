//! No OS thread of an explored run outlives its check: the process's threads
//! (`/proc/self/task`) come back to their count after checks whose runs complete, deadlock
//! (every thread blocked in threadviz's primitives, each stopped and reclaimed) or panic, with
//! every strategy; and a thread blocked outside threadviz, which nothing can stop from within
//! the process, is counted truly in the report and the `Failure`, and reclaimed once its wait
//! ends. One test, its cases one after another: the count is the whole process's.

use std::sync::mpsc::{Sender, channel};
use std::sync::{Mutex as StdMutex, PoisonError};
use std::time::{Duration, Instant};

use threadviz::explore::{Explorer, Failed, Strategy};
use threadviz::std::sync::{Arc, Mutex};
use threadviz::std::thread;

/// The OS threads of this process now.
fn os_threads() -> usize {
    std::fs::read_dir("/proc/self/task").expect("Linux lists a process's threads").count()
}

/// Waits (generously) until the process has `count` OS threads again; how many it has.
fn settles_at(count: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(20);
    while os_threads() != count && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    os_threads()
}

/// Two threads add one to a counter under a mutex: every run completes.
fn counter() {
    let counter = Arc::new(Mutex::new(0));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let counter = Arc::clone(&counter);
            thread::spawn(move || *counter.lock().expect("not poisoned") += 1)
        })
        .collect();
    for worker in workers {
        worker.join().expect("a worker panicked");
    }
}

/// Two threads take two mutexes in opposite orders: some runs deadlock, every thread blocked
/// in a threadviz mutex or join.
fn deadlock() {
    let (first, second) = (Arc::new(Mutex::new(0)), Arc::new(Mutex::new(0)));
    let other = {
        let (first, second) = (Arc::clone(&first), Arc::clone(&second));
        thread::spawn(move || {
            let _second = second.lock().expect("not poisoned");
            let _first = first.lock().expect("not poisoned");
        })
    };
    {
        let _first = first.lock().expect("not poisoned");
        let _second = second.lock().expect("not poisoned");
    }
    other.join().expect("the other thread panicked");
}

/// A thread panics while the main thread waits for it, another is still blocked on a mutex
/// the panicking one holds.
fn panic_while_others_wait() {
    let lock = Arc::new(Mutex::new(0));
    let holder = {
        let lock = Arc::clone(&lock);
        thread::spawn(move || {
            let held = lock.lock().expect("not poisoned");
            thread::yield_now();
            assert_ne!(*held, 0, "the holder gives up");
        })
    };
    let waiter = {
        let lock = Arc::clone(&lock);
        thread::spawn(move || drop(lock.lock()))
    };
    holder.join().expect("the holder returns");
    waiter.join().expect("the waiter returns");
}

/// The senders of the std channels that the stuck program's threads wait on: dropping them
/// lets those threads go on.
static HELD_OPEN: StdMutex<Vec<Sender<()>>> = StdMutex::new(Vec::new());

/// A thread that waits on a std channel nobody sends on: blocked in the kernel, outside
/// threadviz, until the test drops the sender.
fn stuck_on_a_std_channel() {
    let (sender, receiver) = channel::<()>();
    HELD_OPEN.lock().unwrap_or_else(PoisonError::into_inner).push(sender);
    let stuck = thread::spawn(move || {
        let _ = receiver.recv();
    });
    stuck.join().expect("the stuck thread returns");
}

#[test]
fn no_os_thread_of_a_run_outlives_its_check_but_those_blocked_outside_threadviz_which_are_counted() {
    let level = os_threads();
    let strategies = [Strategy::Random, Strategy::Pct { depth: 2 }, Strategy::Dpor, Strategy::Dfs { preemptions: 2 }];
    for strategy in strategies {
        let report = Explorer::new().strategy(strategy).runs(300).check(counter).expect("the counter is correct");
        assert_eq!(report.threads_left_behind(), 0, "{strategy:?}: {report}");
        assert_eq!(settles_at(level), level, "{strategy:?}: after runs that completed");

        let failure = Explorer::new().strategy(strategy).runs(2_000).check(deadlock).expect_err("a deadlock");
        assert_eq!(failure.kind(), Failed::Deadlock, "{strategy:?}: {failure}");
        assert_eq!(failure.threads_left_behind(), 0, "{strategy:?}: blocked in threadviz, reclaimed: {failure}");
        assert_eq!(settles_at(level), level, "{strategy:?}: after a deadlock");

        let failure = Explorer::new().strategy(strategy).runs(300).check(panic_while_others_wait).expect_err("a panic");
        assert_eq!(failure.kind(), Failed::Panic, "{strategy:?}: {failure}");
        assert_eq!(failure.threads_left_behind(), 0, "{strategy:?}: {failure}");
        assert_eq!(settles_at(level), level, "{strategy:?}: after a panic");
    }

    // Blocked in the kernel outside threadviz: said, counted, not reclaimed until its wait ends.
    for strategy in [Strategy::Random, Strategy::Dpor] {
        let failure = Explorer::new().strategy(strategy).runs(50).check(stuck_on_a_std_channel).expect_err("stuck");
        assert_eq!(failure.kind(), Failed::Stuck, "{strategy:?}: {failure}");
        let left = failure.threads_left_behind();
        let waiting = HELD_OPEN.lock().unwrap_or_else(PoisonError::into_inner).len();
        assert!(left >= 1 && left == waiting, "{strategy:?}: {left} said left behind, {waiting} runs made: {failure}");
        assert!(failure.message().contains("left behind, blocked outside threadviz"), "{strategy:?}: {failure}");
        assert_eq!(os_threads(), level + left, "{strategy:?}: exactly those left behind remain: {failure}");
        HELD_OPEN.lock().unwrap_or_else(PoisonError::into_inner).clear();
        assert_eq!(settles_at(level), level, "{strategy:?}: reclaimed once their wait ended");
    }
}
