//! The demos of the locks chapter: a race, locks and re-entrant locks, their misuses, and the
//! deadlocks, which run as plain mode runs them.

use threadviz::EventKind;
use threadviz::dashboard::model::{CycleLink, DeadlockKind, WaitTarget};
use threadviz::event::ExitKind;

use crate::{run, run_to_deadlock};

#[test]
fn race() {
    let run = run("race");
    run.expect_line("MainThread", "Expected counter: 20");
    let last = run.said_by("MainThread").last().copied().unwrap_or_default();
    let counted: u32 = last.strip_prefix("Final counter: ").and_then(|n| n.parse().ok()).expect("Final counter: N");
    assert!(counted < 20, "updates are lost: {counted}");
    let shared = run.prim("counter");
    let stores =
        run.events.iter().filter(|event| matches!(event.kind, EventKind::Store { prim, .. } if prim == shared)).count();
    assert_eq!(stores, 20, "every increment stored, yet some were lost");
    // The model names the stores that overwrote updates they never saw, each with its count.
    let lost_updates = &run.model.lost_updates;
    assert!(!lost_updates.is_empty(), "lost updates are found");
    assert!(lost_updates.iter().all(|lost| lost.prim == shared && lost.thread != lost.overwritten_thread));
    let warnings = run.model.log.iter().filter(|line| line.message.contains(" on counter: ")).count();
    assert_eq!(warnings, lost_updates.len(), "each one is in the log");
    let net: i64 = lost_updates.iter().map(|lost| lost.updates_lost).sum();
    assert_eq!(net, i64::from(20 - counted), "the warnings add up to expected - final");
    assert_eq!(run.model.lost_updates_on(shared), u64::from(20 - counted), "lost = expected - final");
}

#[test]
fn lock() {
    let run = run("lock");
    assert_eq!(run.said_by("MainThread"), ["Waiting for worker threads", "Counter: 4"]);
    for worker in ["Thread-1", "Thread-2"] {
        let said = run.said_by(worker);
        assert_eq!(said.iter().filter(|line| **line == "Waiting for lock").count(), 2, "{worker}");
        assert_eq!(said.iter().filter(|line| **line == "Acquired lock").count(), 2, "{worker}");
        assert_eq!(said.last(), Some(&"Done"));
    }
    assert_eq!(run.max_holders(run.prim("lock")), 1);
    assert!(run.model.lost_updates.is_empty(), "under the lock no update is lost");
}

#[test]
fn lock_noblock() {
    let run = run("lock-noblock");
    let said = run.said_by("Worker");
    let last = said.last().copied().unwrap_or_default();
    let tries: usize = last
        .strip_prefix("Done after ")
        .and_then(|rest| rest.strip_suffix(" iterations"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("Done after N iterations\n{}", run.dump()));
    assert!(tries >= 3);
    assert_eq!(said.iter().filter(|line| line.ends_with(": Acquired")).count(), 3);
    assert!(run.has("LockHolder", "Holding") && run.has("LockHolder", "Not holding"));
    // The worker never waits for the lock: every request it makes is non-blocking.
    let worker = run.tid("Worker");
    let lock = run.prim("lock");
    for event in run.events.iter().filter(|event| event.thread == worker) {
        if let EventKind::Requested { prim, mode } = event.kind {
            assert!(prim != lock || mode == threadviz::event::WaitMode::NonBlocking, "Worker never blocks");
        }
    }
    assert_eq!(run.exit_of("LockHolder"), ExitKind::Killed);
}

#[test]
fn lock_release_other() {
    let run = run("lock-release-other");
    assert_eq!(
        run.said_by("MainThread"),
        [
            "@test_01 : Another thread releases the lock",
            "True",
            "@test_02 : Another thread tries to acquire the lock",
            "True"
        ]
    );
    assert_eq!(run.said_by("Thread-1"), ["False"], "released by a thread that never acquired it");
    assert_eq!(run.said_by("Thread-2"), ["False"], "a non-blocking try fails while main holds it");
    assert!(run.misuses().is_empty(), "releasing another thread's Lock is no error: {:?}", run.misuses());
}

#[test]
fn reacquire() {
    let run = run("reacquire");
    assert_eq!(run.said_by("MainThread"), ["First try : True", "Second try: False"], "Python's True and False");
}

#[test]
fn rlock_reacquire() {
    let run = run("rlock-reacquire");
    assert_eq!(run.said_by("MainThread"), ["First try : True", "Second try: True"], "the owner gets it again");
    assert_eq!(run.levels("lock"), [1, 2], "one level deeper");
}

#[test]
fn rlock_levels() {
    let run = run("rlock-levels");
    assert_eq!(
        run.said_by("MainThread"),
        [
            "getAll: level 1",
            "getPart1: level 2",
            "getPart2: level 2",
            "getAll returned 'first part' and 'second part'; level 0"
        ],
        "Python's repr of strings"
    );
    assert_eq!(run.levels("lock"), [1, 2, 1, 2, 1, 0], "the level rises and falls with the calls");
}

#[test]
fn rlock_owner() {
    let run = run("rlock-owner");
    assert_eq!(run.said_by("MainThread"), ["@test_01", "@test_02", "@test_03"]);
    assert_eq!(run.said_by("Thread-1"), ["RLock can be released only by the owner!"]);
    assert_eq!(run.misuses(), ["cannot release un-acquired lock"]);
    for thread in ["Thread-2", "Thread-3", "Thread-4"] {
        assert_eq!(run.said_by(thread), ["Already locked by another thread"], "{thread}");
    }
    assert_eq!(run.said_by("Thread-5"), ["Locked by me"], "free only after the last release");
    assert_eq!(run.levels("lock 1"), [1], "the refused release changed nothing");
    assert_eq!(run.levels("lock 3"), [1, 2, 3, 2, 1, 0, 1], "three acquires, three releases, then Thread-5's");
}

#[test]
fn self_deadlock() {
    let stopped = run_to_deadlock("self-deadlock");
    assert_eq!(
        stopped.said_by("MainThread"),
        [
            "getAll: RLock level 1",
            "getPart1: RLock level 2",
            "getPart1: released, level 1",
            "getAll: released, level 0",
            "with an RLock, getAll returned 'first part'",
            "getAll: Lock acquired",
            "getPart1: acquiring the Lock again",
        ],
        "the RLock is fine; the Lock's second acquire never returns"
    );
    let deadlock = &stopped.deadlocked.deadlock;
    assert_eq!(deadlock.kind, DeadlockKind::Cycle);
    let main = stopped.tid("MainThread");
    let lock = stopped.prim("lock");
    assert_eq!(
        deadlock.cycle,
        [CycleLink { thread: main, on: WaitTarget::Prim(lock), holder: main }],
        "a cycle of one"
    );
    assert_eq!(deadlock.stuck, [main]);
    assert_eq!(stopped.deadlocked.message, "deadlock: MainThread waits for lock, which it holds itself");
    assert!(
        stopped.output.ends_with(
            "(MainThread) getPart1: acquiring the Lock again\n\
         deadlock: MainThread waits for lock, which it holds itself\n\
         the program would wait forever: stopped (exit status 3)\n"
        ),
        "{}",
        stopped.output
    );
    // The RLock went to level 2 and back without anyone blocking for long.
    let rlock = stopped.prim("rlock");
    let levels: Vec<u64> = stopped
        .events
        .iter()
        .filter_map(|event| match event.kind {
            EventKind::Acquired { prim, count } | EventKind::Released { prim, count } if prim == rlock => Some(count),
            _ => None,
        })
        .collect();
    assert_eq!(levels, [1, 2, 1, 0]);
}

#[test]
fn lock_with() {
    let run = run("lock-with");
    assert_eq!(run.said_by("Thread-1"), ["Lock acquired via with"]);
    assert_eq!(run.said_by("Thread-2"), ["Lock acquired directly"]);
    assert_eq!(run.max_holders(run.prim("lock")), 1);
    assert!(run.misuses().is_empty());
}

#[test]
fn fetch() {
    let run = run("fetch");
    let main = run.said_by("MainThread");
    assert_eq!(
        main,
        [
            "test.txt:",
            "  Data from http://www.lemonde.fr fetched",
            "  Data from http://www.youtube.fr fetched",
            "  Data from http://www.yahoo.fr fetched"
        ],
        "lines in the order the downloads finished"
    );
    // The lock's three lines always come as one unbroken group per thread.
    let locked: Vec<&(String, String)> = run
        .lines
        .iter()
        .filter(|(_, message)| {
            ["lock acquired by", "write done by", "lock released by"].iter().any(|start| message.starts_with(start))
        })
        .collect();
    assert_eq!(locked.len(), 9);
    for group in locked.chunks(3) {
        let thread = &group[0].0;
        let expected = [
            format!("lock acquired by {thread}"),
            format!("write done by {thread}"),
            format!("lock released by {thread}"),
        ];
        let got: Vec<&String> = group.iter().map(|(_, message)| message).collect();
        assert_eq!(got, expected.iter().collect::<Vec<_>>());
    }
    assert_eq!(run.max_holders(run.prim("lock")), 1);
}

#[test]
fn deadlock() {
    let stopped = run_to_deadlock("deadlock");
    for thread in ["Thread-1", "Thread-2"] {
        let (first, second) = if thread == "Thread-1" { ("lock-a", "lock-b") } else { ("lock-b", "lock-a") };
        assert_eq!(
            stopped.said_by(thread),
            [format!("acquiring {first}"), format!("holding {first}"), format!("acquiring {second}")],
            "{thread} never holds both"
        );
    }
    assert_eq!(stopped.said_by("MainThread"), ["waiting for both threads"], "the joins never return");
    let deadlock = &stopped.deadlocked.deadlock;
    assert_eq!(deadlock.kind, DeadlockKind::Cycle);
    let (t1, t2) = (stopped.tid("Thread-1"), stopped.tid("Thread-2"));
    let (a, b) = (stopped.prim("lock-a"), stopped.prim("lock-b"));
    assert_eq!(
        deadlock.cycle,
        [
            CycleLink { thread: t1, on: WaitTarget::Prim(b), holder: t2 },
            CycleLink { thread: t2, on: WaitTarget::Prim(a), holder: t1 },
        ]
    );
    assert_eq!(deadlock.stuck, [stopped.tid("MainThread"), t1, t2], "main joins Thread-1: stuck too");
    assert!(deadlock.hangs);
    let message = "deadlock: Thread-1 holds lock-a and waits for lock-b, held by Thread-2, which waits for lock-a";
    assert_eq!(stopped.deadlocked.message, message);
    assert!(stopped.output.contains(&format!("{message}\n")), "{}", stopped.output);
}
