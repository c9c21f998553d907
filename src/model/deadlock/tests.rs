//! Deadlock detection on synthetic event streams, including the near misses that must not be
//! flagged.

use super::*;
use crate::event::{ExitKind, LogLevel, PrimInfo};
use crate::model::PrimState;
use crate::model::script::{MAIN, Script, two_locks};

fn link(thread: Tid, prim: PrimId, holder: Tid) -> CycleLink {
    CycleLink { thread, on: WaitTarget::Prim(prim), holder }
}

#[test]
fn opposite_lock_order_is_a_cycle_named_in_order() {
    let mut script = two_locks();
    script.request(2, 2);
    assert_eq!(script.deadlock(), None, "Thread-1 waits for Thread-2, which still runs");
    script.request(3, 1);
    let deadlock = script.deadlock().expect("a deadlock");
    assert_eq!(deadlock.kind, DeadlockKind::Cycle);
    assert_eq!(deadlock.cycle, [link(2, 2, 3), link(3, 1, 2)]);
    assert_eq!(deadlock.stuck, [MAIN, 2, 3], "main joins a deadlocked thread: stuck too");
    assert!(deadlock.hangs);
    assert!(deadlock.in_cycle(2) && !deadlock.in_cycle(MAIN) && deadlock.is_stuck(MAIN));
    assert_eq!(deadlock.seq, script.seq - 1, "seen at the last request");
    assert_eq!(
        script.message(),
        "deadlock: Thread-1 holds lock-a and waits for lock-b, held by Thread-2, which waits for lock-a"
    );
}

#[test]
fn a_deadlock_stays_the_same_until_a_thread_ends() {
    let mut script = two_locks();
    script.request(2, 2).request(3, 1);
    let seen = script.deadlock().map(|deadlock| deadlock.seq);
    script.at(4, EventKind::Log { level: LogLevel::Info, message: "unrelated".into() });
    script.start(4, "late", false);
    assert_eq!(script.deadlock().map(|deadlock| deadlock.seq), seen, "first seen keeps its moment");
    // Killing the threads (as an abort does) ends it.
    script.at(MAIN, EventKind::ThreadExited { tid: 2, exit: ExitKind::Killed });
    assert_eq!(script.deadlock(), None);
}

#[test]
fn a_longer_ring_starts_at_its_lowest_thread() {
    let mut script = Script::new(3);
    script
        .prim(1, "a", PrimInfo::Lock)
        .prim(2, "b", PrimInfo::Lock)
        .prim(3, "c", PrimInfo::Lock)
        .acquire(2, 1)
        .acquire(3, 2)
        .acquire(4, 3)
        .request(4, 1)
        .request(3, 3);
    assert_eq!(script.deadlock(), None, "a chain whose end (Thread-1) runs");
    script.request(2, 2);
    let deadlock = script.deadlock().expect("a ring of three");
    assert_eq!(deadlock.cycle, [link(2, 2, 3), link(3, 3, 4), link(4, 1, 2)]);
    assert_eq!(deadlock.stuck, [2, 3, 4], "main still runs");
    assert_eq!(
        script.message(),
        "deadlock: Thread-1 holds a and waits for b, held by Thread-2, which waits for c, held by Thread-3, which waits for a"
    );
}

#[test]
fn a_plain_lock_acquired_twice_is_a_cycle_of_one() {
    let mut script = Script::new(0);
    script.prim(1, "lock", PrimInfo::Lock).acquire(MAIN, 1).request(MAIN, 1);
    let deadlock = script.deadlock().expect("a self-deadlock");
    assert_eq!(deadlock.kind, DeadlockKind::Cycle);
    assert_eq!(deadlock.cycle, [link(MAIN, 1, MAIN)]);
    assert_eq!(deadlock.cycle[0].prim(), Some(1));
    assert_eq!(script.message(), "deadlock: MainThread waits for lock, which it holds itself");
}

#[test]
fn an_rlock_acquired_again_by_its_owner_is_no_deadlock() {
    let mut script = Script::new(0);
    script.prim(1, "rlock", PrimInfo::RLock).acquire(MAIN, 1).request(MAIN, 1);
    assert_eq!(script.deadlock(), None, "the owner's second acquire succeeds at once");
    assert_eq!(script.model.wait_edge(MAIN).map(|edge| edge.holders), Some(vec![]), "nobody to blame");
    script.at(MAIN, EventKind::Acquired { prim: 1, count: 2 });
    assert_eq!(script.model.prims[&1].state, PrimState::RLock { owner: Some(MAIN), level: 2 });
    assert_eq!(script.deadlock(), None);
}

#[test]
fn a_holder_that_runs_or_sleeps_is_no_deadlock() {
    let mut script = two_locks();
    script.request(2, 2);
    assert_eq!(script.deadlock(), None, "Thread-2 runs");
    script.at(3, EventKind::SleepBegin { duration_us: 1_000_000 });
    assert_eq!(script.deadlock(), None, "Thread-2 sleeps, then releases");
    // Main joining a thread blocked on a sleeper is a chain, not a deadlock.
    assert_eq!(script.model.wait_edge(MAIN).map(|edge| edge.holders), Some(vec![2]));
}

#[test]
fn everyone_waiting_without_timeout_is_stuck() {
    let mut script = Script::new(1);
    script
        .prim(1, "go", PrimInfo::Event)
        .at(2, EventKind::WaitBegin { prim: 1, timeout_us: None })
        .at(MAIN, EventKind::SleepBegin { duration_us: 1_000 });
    assert_eq!(script.deadlock(), None, "main sleeps and may set the event");
    script.at(MAIN, EventKind::SleepEnd).at(MAIN, EventKind::JoinBegin { target: 2, timeout_us: None });
    let deadlock = script.deadlock().expect("nobody left to set it");
    assert_eq!(deadlock.kind, DeadlockKind::AllBlocked);
    assert!(deadlock.cycle.is_empty());
    assert_eq!(deadlock.stuck, [MAIN, 2]);
    assert_eq!(
        script.message(),
        "deadlock: every thread waits and none is left to wake the others: MainThread joins Thread-1; \
         Thread-1 waits on Event go"
    );
}

#[test]
fn a_timed_wait_will_expire() {
    let mut script = Script::new(1);
    script
        .prim(1, "go", PrimInfo::Event)
        .at(2, EventKind::WaitBegin { prim: 1, timeout_us: Some(2_000_000) })
        .at(MAIN, EventKind::JoinBegin { target: 2, timeout_us: None });
    assert_eq!(script.deadlock(), None);
    let mut sleeper = Script::new(1);
    sleeper
        .prim(1, "go", PrimInfo::Event)
        .at(2, EventKind::WaitBegin { prim: 1, timeout_us: None })
        .at(MAIN, EventKind::JoinBegin { target: 2, timeout_us: Some(1_000) });
    assert_eq!(sleeper.deadlock(), None, "main's join gives up");
}

#[test]
fn a_notified_waiter_is_not_stuck_and_a_condition_wait_lets_its_lock_go() {
    let mut script = Script::new(2);
    script
        .prim(1, "lock", PrimInfo::Lock)
        .prim(2, "cv", PrimInfo::Condition { lock: 1 })
        // Thread-2 asks for the lock that Thread-1 holds while Thread-1 begins its wait, which
        // releases the lock only an event later.
        .acquire(2, 1)
        .request(3, 1)
        .at(MAIN, EventKind::JoinBegin { target: 2, timeout_us: None })
        .at(2, EventKind::WaitBegin { prim: 2, timeout_us: None });
    assert_eq!(script.deadlock(), None, "the wait releases the lock");
    script
        .at(2, EventKind::Released { prim: 1, count: 0 })
        .at(3, EventKind::Acquired { prim: 1, count: 1 })
        .at(3, EventKind::Notified { prim: 2, n: 1, woken: vec![2] })
        .at(3, EventKind::Released { prim: 1, count: 0 })
        .at(3, EventKind::JoinBegin { target: MAIN, timeout_us: None });
    assert_eq!(script.deadlock(), None, "Thread-1 was notified and will go on");
    assert_eq!(script.model.wait_edge(2).map(|edge| edge.holders), Some(vec![]), "a notify could come from anyone");
}

#[test]
fn a_condition_nobody_notifies_leaves_everyone_stuck() {
    let mut script = Script::new(1);
    script
        .prim(1, "lock", PrimInfo::RLock)
        .prim(2, "cv", PrimInfo::Condition { lock: 1 })
        .acquire(2, 1)
        .at(2, EventKind::WaitBegin { prim: 2, timeout_us: None })
        .at(2, EventKind::Released { prim: 1, count: 0 })
        .at(MAIN, EventKind::JoinBegin { target: 2, timeout_us: None });
    assert_eq!(script.deadlock().map(|deadlock| deadlock.kind), Some(DeadlockKind::AllBlocked));
}

#[test]
fn join_cycles_and_shutdown() {
    // Thread-1 joins main, which waits at shutdown for Thread-1.
    let mut script = Script::new(1);
    script.at(2, EventKind::JoinBegin { target: MAIN, timeout_us: None }).at(MAIN, EventKind::ShutdownBegin);
    let deadlock = script.deadlock().expect("a join cycle");
    assert_eq!(
        deadlock.cycle,
        [
            CycleLink { thread: MAIN, on: WaitTarget::Shutdown, holder: 2 },
            CycleLink { thread: 2, on: WaitTarget::Join(MAIN), holder: MAIN },
        ]
    );
    assert_eq!(script.message(), "deadlock: MainThread waits at shutdown for Thread-1, which joins MainThread");
}

#[test]
fn shutdown_with_only_daemons_left_ends() {
    let mut script = Script::new(0);
    script
        .start(2, "daemon", true)
        .prim(1, "q", PrimInfo::Queue { maxsize: 0 })
        .at(2, EventKind::WaitBegin { prim: 1, timeout_us: None })
        .at(MAIN, EventKind::ShutdownBegin);
    assert_eq!(script.deadlock(), None, "shutdown is about to stop the daemon");
}

#[test]
fn daemons_deadlocked_alone_do_not_hang_the_program() {
    let mut script = Script::new(0);
    script
        .start(2, "d1", true)
        .start(3, "d2", true)
        .prim(1, "a", PrimInfo::Lock)
        .prim(2, "b", PrimInfo::Lock)
        .acquire(2, 1)
        .acquire(3, 2)
        .request(2, 2)
        .request(3, 1);
    let deadlock = script.deadlock().expect("a cycle of daemons");
    assert!(!deadlock.hangs, "the program can still end");
}

#[test]
fn a_lock_left_held_by_an_ended_thread_blocks_only_if_nobody_is_left() {
    let mut script = Script::new(2);
    script
        .prim(1, "lock", PrimInfo::Lock)
        .acquire(2, 1)
        .at(2, EventKind::ThreadExited { tid: 2, exit: ExitKind::Normal })
        .request(3, 1);
    assert_eq!(script.deadlock(), None, "main could still release a Lock");
    script.at(MAIN, EventKind::JoinBegin { target: 3, timeout_us: None });
    assert_eq!(script.deadlock().map(|deadlock| deadlock.kind), Some(DeadlockKind::AllBlocked));
}

#[test]
fn a_thread_that_is_not_started_is_not_waited_for() {
    let mut script = Script::new(0);
    script
        .at(MAIN, EventKind::ThreadCreated { tid: 2, name: "idle".into(), daemon: false, foreign: false })
        .prim(1, "go", PrimInfo::Event)
        .at(MAIN, EventKind::WaitBegin { prim: 1, timeout_us: None });
    let deadlock = script.deadlock().expect("main waits for a set nobody can make");
    assert_eq!(deadlock.stuck, [MAIN]);
}
