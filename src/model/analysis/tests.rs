//! Synthetic event streams for the wait-for relation, deadlock detection and lost updates,
//! including the near misses that must not be flagged.

use super::*;
use crate::event::{ExitKind, LogLevel, PrimInfo};
use crate::model::{LOST_UPDATES_KEPT, LostUpdate};

/// Builds a stream of events with consecutive sequence numbers, 1 ms apart, folded as it grows.
struct Script {
    model: Model,
    seq: u64,
}

const MAIN: Tid = 1;

impl Script {
    /// A session whose `MainThread` runs, and threads 2.. named `Thread-1`...
    fn new(threads: u32) -> Self {
        let mut script = Self { model: Model::new(), seq: 0 };
        script.start(MAIN, "MainThread", false);
        for tid in 2..=threads + 1 {
            script.start(tid, &format!("Thread-{}", tid - 1), false);
        }
        script
    }

    fn at(&mut self, thread: Tid, kind: EventKind) -> &mut Self {
        let event = TraceEvent { seq: self.seq, time_us: self.seq * 1_000, thread, loc: None, kind };
        self.seq += 1;
        self.model.apply(&event);
        self
    }

    fn start(&mut self, tid: Tid, name: &str, daemon: bool) -> &mut Self {
        self.at(MAIN, EventKind::ThreadCreated { tid, name: name.into(), daemon, foreign: false })
            .at(MAIN, EventKind::ThreadStarted { tid, daemon, os_tid: None })
    }

    fn prim(&mut self, prim: Pid, name: &str, info: PrimInfo) -> &mut Self {
        self.at(MAIN, EventKind::PrimCreated { prim, name: name.into(), info })
    }

    fn acquire(&mut self, thread: Tid, prim: Pid) -> &mut Self {
        self.request(thread, prim).at(thread, EventKind::Acquired { prim, count: 1 })
    }

    fn request(&mut self, thread: Tid, prim: Pid) -> &mut Self {
        self.at(thread, EventKind::Requested { prim, mode: WaitMode::Blocking })
    }

    fn deadlock(&self) -> Option<&Deadlock> {
        self.model.deadlock.as_ref()
    }

    fn message(&self) -> String {
        self.model.deadlock_message().unwrap_or_default()
    }
}

/// Two threads, two locks: Thread-1 holds lock-a, Thread-2 holds lock-b, main joins Thread-1.
fn two_locks() -> Script {
    let mut script = Script::new(2);
    script
        .prim(1, "lock-a", PrimInfo::Lock)
        .prim(2, "lock-b", PrimInfo::Lock)
        .acquire(2, 1)
        .acquire(3, 2)
        .at(MAIN, EventKind::JoinBegin { target: 2, timeout_us: None });
    script
}

fn link(thread: Tid, prim: Pid, holder: Tid) -> CycleLink {
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

// Lost updates

fn shared() -> Script {
    let mut script = Script::new(2);
    script.prim(1, "counter", PrimInfo::Shared { initial: "0".into() });
    script
}

fn load(script: &mut Script, thread: Tid, value: &str) {
    script.at(thread, EventKind::Load { prim: 1, value: value.into() });
}

fn store(script: &mut Script, thread: Tid, value: &str) {
    script.at(thread, EventKind::Store { prim: 1, value: value.into() });
}

#[test]
fn a_store_over_a_store_never_read_is_a_lost_update() {
    let mut script = shared();
    load(&mut script, 2, "0");
    load(&mut script, 3, "0");
    store(&mut script, 3, "1");
    store(&mut script, 2, "1");
    let lost: Vec<&LostUpdate> = script.model.lost_updates.iter().collect();
    assert_eq!(lost.len(), 1);
    let lost = lost[0];
    assert_eq!((lost.prim, lost.thread, lost.lost_thread), (1, 2, 3));
    assert_eq!((lost.read.as_str(), lost.value.as_str(), lost.lost_value.as_str()), ("0", "1", "1"));
    assert_eq!(lost.seq, script.seq - 1);
    assert_eq!(script.model.lost_updates_on(1), 1);
    let warning = script.model.log.back().expect("a log line");
    assert_eq!(warning.level, LogLevel::Warn);
    assert_eq!(warning.thread, 2);
    assert_eq!(
        warning.message,
        "lost update on counter: Thread-1 read 0, Thread-2 then stored 1, and Thread-1 overwrote it with 1"
    );
}

#[test]
fn taking_turns_loses_nothing() {
    let mut script = shared();
    load(&mut script, 2, "0");
    store(&mut script, 2, "1");
    load(&mut script, 3, "1");
    store(&mut script, 3, "2");
    // A store without a load before it, and a thread storing twice in a row.
    store(&mut script, 2, "5");
    store(&mut script, 2, "6");
    load(&mut script, 3, "6");
    load(&mut script, 3, "6");
    store(&mut script, 3, "7");
    assert!(script.model.lost_updates.is_empty(), "{:?}", script.model.lost_updates);
    assert!(script.model.log.iter().all(|line| line.level != LogLevel::Warn));
}

#[test]
fn the_latest_load_is_what_a_store_builds_on() {
    let mut script = shared();
    load(&mut script, 2, "0");
    load(&mut script, 3, "0");
    store(&mut script, 3, "1");
    // Thread-1 reads again and sees Thread-2's store: its own store loses nothing.
    load(&mut script, 2, "1");
    store(&mut script, 2, "2");
    assert!(script.model.lost_updates.is_empty());
}

#[test]
fn the_lost_update_list_is_bounded_and_counts_everything() {
    let mut script = shared();
    let rounds = LOST_UPDATES_KEPT + 5;
    for round in 0..rounds {
        let value = round.to_string();
        load(&mut script, 2, &value);
        load(&mut script, 3, &value);
        store(&mut script, 3, "x");
        store(&mut script, 2, "y");
    }
    assert_eq!(script.model.lost_updates.len(), LOST_UPDATES_KEPT);
    assert_eq!(script.model.lost_updates_on(1), rounds as u64, "each round ends one increment up of two");
    assert_eq!(script.model.lost_updates.back().map(|lost| lost.read.as_str()), Some("104"), "newest last");
}

// Misuse

#[test]
fn misuse_shows_in_the_log_and_on_the_row() {
    let mut script = Script::new(1);
    script
        .prim(1, "lock", PrimInfo::Lock)
        .at(2, EventKind::Misuse { prim: Some(1), message: "release unlocked lock".into() });
    assert_eq!(script.model.threads[&2].error.as_deref(), Some("release unlocked lock"));
    assert_eq!(script.model.threads[&MAIN].error, None);
    let line = script.model.log.back().expect("a log line");
    assert_eq!((line.thread, line.level, line.message.as_str()), (2, LogLevel::Error, "error: release unlocked lock"));
    // The latest misuse is the one shown.
    script.at(2, EventKind::Misuse { prim: None, message: "cannot join current thread".into() });
    assert_eq!(script.model.threads[&2].error.as_deref(), Some("cannot join current thread"));
}

// The OS thread id

#[test]
fn the_os_thread_id_lands_on_the_row() {
    let mut script = Script::new(0);
    script
        .at(MAIN, EventKind::ThreadCreated { tid: 2, name: "w".into(), daemon: false, foreign: false })
        .at(MAIN, EventKind::ThreadStarted { tid: 2, daemon: false, os_tid: Some(4321) });
    assert_eq!(script.model.threads[&2].os_tid, Some(4321));
    assert_eq!(script.model.threads[&MAIN].os_tid, None);
}
