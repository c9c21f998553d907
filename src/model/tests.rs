use super::*;
use crate::event::{ExitKind, PrimInfo, WaitMode};

/// Builds a stream of events with consecutive sequence numbers, 1 ms apart.
#[derive(Default)]
struct Script {
    events: Vec<TraceEvent>,
}

impl Script {
    fn at(mut self, thread: Tid, kind: EventKind) -> Self {
        let seq = self.events.len() as u64;
        self.events.push(TraceEvent { seq, time_us: seq * 1_000, thread, loc: None, kind });
        self
    }

    fn thread(self, tid: Tid, name: &str) -> Self {
        self.at(1, EventKind::ThreadCreated { tid, name: name.into(), daemon: false, foreign: false })
            .at(1, EventKind::ThreadStarted { tid, daemon: false, os_tid: None })
    }

    fn fold(&self) -> Model {
        let mut model = Model::new();
        for event in &self.events {
            model.apply(event);
        }
        model
    }
}

fn lock_script() -> Script {
    Script::default()
        .thread(1, "MainThread")
        .thread(2, "A")
        .thread(3, "B")
        .at(1, EventKind::PrimCreated { prim: 1, name: "L".into(), info: PrimInfo::Lock })
        .at(2, EventKind::Requested { prim: 1, mode: WaitMode::Blocking })
        .at(2, EventKind::Acquired { prim: 1, count: 1 })
        .at(3, EventKind::Requested { prim: 1, mode: WaitMode::Blocking })
}

#[test]
fn contention_shows_holder_blocked_thread_and_waiter_queue() {
    let model = lock_script().fold();
    assert_eq!(model.threads[&2].state, ThreadState::Running);
    assert_eq!(model.threads[&2].holds, [1]);
    assert_eq!(model.threads[&3].state, ThreadState::Blocked { prim: 1, until_us: None });
    assert_eq!(model.prims[&1].state, PrimState::Lock { holder: Some(2) });
    assert_eq!(model.prims[&1].waiters, [3]);
}

#[test]
fn a_release_hands_the_lock_to_the_waiter() {
    let model = lock_script()
        .at(2, EventKind::Released { prim: 1, count: 0 })
        .at(3, EventKind::Acquired { prim: 1, count: 1 })
        .fold();
    assert!(model.threads[&2].holds.is_empty());
    assert_eq!(model.threads[&3].holds, [1]);
    assert_eq!(model.threads[&3].state, ThreadState::Running);
    assert!(model.prims[&1].waiters.is_empty());
}

#[test]
fn a_condition_wait_releases_waits_and_reacquires() {
    let script = Script::default()
        .thread(1, "MainThread")
        .thread(2, "c1")
        .at(1, EventKind::PrimCreated { prim: 1, name: "RLock-1".into(), info: PrimInfo::RLock })
        .at(1, EventKind::PrimCreated { prim: 2, name: "cv".into(), info: PrimInfo::Condition { lock: 1 } })
        .at(2, EventKind::Requested { prim: 1, mode: WaitMode::Blocking })
        .at(2, EventKind::Acquired { prim: 1, count: 1 })
        .at(2, EventKind::WaitBegin { prim: 2, timeout_us: None })
        .at(2, EventKind::Released { prim: 1, count: 0 });
    let waiting = script.fold();
    assert_eq!(waiting.threads[&2].state, ThreadState::Waiting { on: WaitTarget::Prim(2), until_us: None });
    assert_eq!(waiting.prims[&2].waiters, [2]);
    assert!(waiting.threads[&2].holds.is_empty(), "wait releases the lock");
    let woken = script
        .at(1, EventKind::Notified { prim: 2, n: 1, woken: vec![2] })
        .at(2, EventKind::Woken { prim: 2, notified: true })
        .at(2, EventKind::Requested { prim: 1, mode: WaitMode::Blocking })
        .at(2, EventKind::Acquired { prim: 1, count: 1 })
        .fold();
    assert_eq!(woken.threads[&2].state, ThreadState::Running);
    assert_eq!(woken.threads[&2].holds, [1]);
    assert!(woken.prims[&2].waiters.is_empty());
}

#[test]
fn ended_threads_keep_their_final_state_and_leave_wait_queues() {
    let model = lock_script()
        .at(3, EventKind::ThreadExited { tid: 3, exit: ExitKind::Killed })
        .at(3, EventKind::SleepEnd)
        .fold();
    assert_eq!(model.threads[&3].state, ThreadState::Killed, "no event revives an ended thread");
    assert!(model.prims[&1].waiters.is_empty());
}

#[test]
fn sequence_gaps_count_as_missed_events() {
    let mut model = Model::new();
    for seq in [0, 1, 5, 6, 9] {
        model.apply(&TraceEvent { seq, time_us: 0, thread: 1, loc: None, kind: EventKind::SleepEnd });
    }
    assert_eq!(model.missed, 5);
    assert_eq!(model.events, 5);
}

#[test]
fn semaphore_permits_and_holders_follow_acquire_and_release() {
    let model = Script::default()
        .thread(1, "MainThread")
        .thread(2, "0")
        .thread(3, "1")
        .at(
            1,
            EventKind::PrimCreated {
                prim: 1,
                name: "pool".into(),
                info: PrimInfo::Semaphore { initial: 2, bounded: false },
            },
        )
        .at(2, EventKind::Acquired { prim: 1, count: 1 })
        .at(3, EventKind::Acquired { prim: 1, count: 0 })
        .at(2, EventKind::Released { prim: 1, count: 1 })
        .fold();
    assert_eq!(model.prims[&1].state, PrimState::Semaphore { value: 1, initial: 2, bounded: false, holders: vec![3] });
}

#[test]
fn logs_and_misuse_land_in_the_log_and_on_the_row() {
    let model = Script::default()
        .thread(1, "MainThread")
        .at(1, EventKind::Log { level: LogLevel::Info, message: "hello".into() })
        .at(1, EventKind::Misuse { prim: None, message: "release unlocked lock".into() })
        .fold();
    let messages: Vec<&str> = model.log.iter().map(|line| line.message.as_str()).collect();
    assert_eq!(messages, ["hello", "error: release unlocked lock"]);
    assert_eq!(model.threads[&1].error.as_deref(), Some("release unlocked lock"));
}
