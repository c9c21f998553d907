//! The wait-for relation on synthetic event streams: who is blamed for a wait, and the waits
//! that are over before their thread reports it (a set, a barrier passing, a queue's items).

use super::*;
use crate::event::{PrimInfo, WaitMode};
use crate::model::DeadlockKind;
use crate::model::script::{MAIN, Script, two_locks};

#[test]
fn a_timed_acquire_in_the_ring_will_give_up() {
    let mut script = two_locks();
    script.request(2, 2).at(3, EventKind::Requested { prim: 1, mode: WaitMode::Timeout(500_000) });
    assert_eq!(script.deadlock(), None, "Thread-2's acquire times out and it can release lock-b");
    let edge = script.model.wait_edge(3).expect("blocked");
    assert_eq!(edge.on, WaitTarget::Prim(1));
    assert_eq!(edge.holders, [2]);
    assert!(edge.until_us.is_some());
}

#[test]
fn the_wait_for_relation_names_holders() {
    let mut script = two_locks();
    script.request(2, 2).at(3, EventKind::SleepBegin { duration_us: 1_000 });
    let edges = script.model.wait_edges();
    assert_eq!(
        edges,
        [
            WaitEdge { thread: MAIN, on: WaitTarget::Join(2), holders: vec![2], until_us: None },
            WaitEdge { thread: 2, on: WaitTarget::Prim(2), holders: vec![3], until_us: None },
        ]
    );
}

#[test]
fn semaphore_holders_are_blamed_but_anyone_may_release() {
    let mut script = Script::new(2);
    script
        .prim(1, "pool", PrimInfo::Semaphore { initial: 1, bounded: false })
        .at(2, EventKind::Acquired { prim: 1, count: 0 })
        .request(3, 1)
        .request(2, 1);
    // Thread-1 holds the only permit and wants another; Thread-2 waits too; main runs and could
    // release, so nobody is stuck for sure.
    assert_eq!(script.deadlock(), None);
    assert_eq!(script.model.wait_edge(3).map(|edge| edge.holders), Some(vec![2]));
    // Once main waits too, nobody is left to release.
    script.at(MAIN, EventKind::JoinBegin { target: 2, timeout_us: None });
    let deadlock = script.deadlock().expect("everyone waits");
    assert_eq!(deadlock.kind, DeadlockKind::AllBlocked);
    assert_eq!(deadlock.stuck, [MAIN, 2, 3]);
    assert_eq!(
        script.message(),
        "deadlock: every thread waits and none is left to wake the others: MainThread joins Thread-1; \
         Thread-1 waits for Semaphore pool, held by Thread-1; Thread-2 waits for Semaphore pool, held by Thread-1"
    );
}

#[test]
fn a_set_event_releases_its_waiters_before_they_report() {
    let mut script = Script::new(2);
    script
        .prim(1, "go", PrimInfo::Event)
        .at(2, EventKind::WaitBegin { prim: 1, timeout_us: None })
        .at(3, EventKind::Set { prim: 1 })
        .at(3, EventKind::Clear { prim: 1 })
        .at(3, EventKind::WaitBegin { prim: 1, timeout_us: None })
        .at(MAIN, EventKind::JoinBegin { target: 2, timeout_us: None });
    assert_eq!(script.deadlock(), None, "Thread-1 was woken by the set, even though the flag is down again");
    script
        .at(2, EventKind::Woken { prim: 1, notified: true })
        .at(2, EventKind::WaitBegin { prim: 1, timeout_us: None });
    assert_eq!(script.deadlock().map(|deadlock| deadlock.kind), Some(DeadlockKind::AllBlocked), "now it waits again");
}

#[test]
fn queue_waits_count_as_stuck_only_when_stuck_whatever_they_are() {
    let mut script = Script::new(2);
    script
        .prim(1, "q", PrimInfo::Queue { maxsize: 1 })
        // Thread-1 waits to get from the empty queue; Thread-2 puts one item, which fills it.
        .at(2, EventKind::WaitBegin { prim: 1, timeout_us: None })
        .at(3, EventKind::Put { prim: 1, item: "1".into(), qsize: 1 })
        .at(3, EventKind::WaitBegin { prim: 1, timeout_us: None })
        .at(MAIN, EventKind::JoinBegin { target: 2, timeout_us: None });
    assert_eq!(script.deadlock(), None, "Thread-1 is about to get the item, which makes room for Thread-2");
    script.at(2, EventKind::Got { prim: 1, item: "1".into(), qsize: 0 });
    // Thread-1 goes on; now everything is consistent: it runs.
    assert_eq!(script.deadlock(), None);
    // A get on an empty queue with a task unfinished, and nobody else running: stuck.
    script.at(2, EventKind::WaitBegin { prim: 1, timeout_us: None });
    assert_eq!(script.deadlock(), None, "Thread-2's put can go on now");
    script.at(3, EventKind::Put { prim: 1, item: "2".into(), qsize: 1 });
    script.at(3, EventKind::JoinBegin { target: 2, timeout_us: None });
    assert_eq!(script.deadlock(), None, "the put woke Thread-1's get");
}

#[test]
fn a_queue_join_is_stuck_while_tasks_are_unfinished_and_nobody_works() {
    let mut script = Script::new(1);
    script
        .prim(1, "q", PrimInfo::Queue { maxsize: 0 })
        .at(MAIN, EventKind::Put { prim: 1, item: "job".into(), qsize: 1 })
        .at(2, EventKind::Got { prim: 1, item: "job".into(), qsize: 0 })
        .at(2, EventKind::WaitBegin { prim: 1, timeout_us: None })
        .at(MAIN, EventKind::WaitBegin { prim: 1, timeout_us: None });
    // The worker forgot task_done: the join waits for a task nobody will finish.
    assert_eq!(script.deadlock().map(|deadlock| deadlock.kind), Some(DeadlockKind::AllBlocked));
    script.at(2, EventKind::TaskDone { prim: 1, unfinished: 0 });
    assert_eq!(script.deadlock(), None);
}

#[test]
fn a_barrier_pass_releases_its_waiters() {
    let mut script = Script::new(2);
    script
        .prim(1, "b", PrimInfo::Barrier { parties: 2 })
        .at(2, EventKind::BarrierArrive { prim: 1, index: 0 })
        .at(2, EventKind::WaitBegin { prim: 1, timeout_us: None })
        .at(3, EventKind::BarrierArrive { prim: 1, index: 1 })
        .at(3, EventKind::BarrierPass { prim: 1, generation: 0 })
        .at(3, EventKind::JoinBegin { target: 2, timeout_us: None })
        .at(MAIN, EventKind::JoinBegin { target: 3, timeout_us: None });
    assert_eq!(script.deadlock(), None, "Thread-1 passed the barrier");
}
