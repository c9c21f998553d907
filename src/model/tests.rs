//! The fold as a whole: events folded into threads, primitives, the log and the timeline, and
//! two models folded from the same events staying alike.

use super::*;
use crate::event::{ExitKind, PrimInfo, WaitMode};

/// Builds a stream of events with consecutive sequence numbers, 1 ms apart.
#[derive(Default, Clone)]
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
fn a_thread_that_drops_its_own_events_is_the_only_one_made_unknown() {
    let script = Script::default()
        .thread(1, "MainThread")
        .thread(2, "flooder")
        .thread(3, "sleeper")
        .at(3, EventKind::SleepBegin { duration_us: 5_000_000 })
        .at(2, EventKind::Lost { events: 1_000 });
    let model = script.fold();
    assert!(model.threads[&2].unsure, "the flooder's own events were dropped");
    assert!(!model.threads[&3].unsure, "the sleeper's state is still told by its own events");
    assert_eq!(model.timeline.state_at(3, 7_500), Some(crate::model::LaneState::Sleeping), "no `?` on its lane");
    assert_eq!(model.timeline.state_at(2, 7_500), Some(crate::model::LaneState::Unknown));
    // A gap in the numbers could be anyone's: then every live thread is unknown.
    let mut gapped = script.fold();
    gapped.apply(&TraceEvent {
        seq: 100,
        time_us: 8_000,
        thread: 1,
        loc: None,
        kind: EventKind::Log { level: LogLevel::Info, message: "after a gap".into() },
    });
    assert!(gapped.threads[&3].unsure);
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

#[test]
fn alive_counts_started_threads_that_have_not_ended() {
    let model = Script::default()
        .thread(1, "MainThread")
        .thread(2, "c1")
        .at(1, EventKind::ThreadCreated { tid: 3, name: "c2".into(), daemon: false, foreign: false })
        .at(1, EventKind::ThreadCreated { tid: 4, name: "p".into(), daemon: false, foreign: false })
        .thread(5, "done")
        .at(5, EventKind::ThreadExited { tid: 5, exit: ExitKind::Normal })
        .fold();
    assert_eq!(model.threads[&3].state, ThreadState::New);
    assert_eq!(model.alive(), 2, "MainThread and c1: c2 and p are not started, `done` has ended");
}

fn queue_script() -> Script {
    Script::default()
        .thread(1, "MainThread")
        .at(1, EventKind::PrimCreated { prim: 1, name: "stream".into(), info: PrimInfo::Queue { maxsize: 0 } })
}

fn queue_items(model: &Model) -> (Vec<String>, u64, u64) {
    let PrimState::Queue { items, untracked, qsize, .. } = &model.prims[&1].state else { panic!("a queue") };
    (items.iter().cloned().collect(), *untracked, *qsize)
}

#[test]
fn a_long_queue_keeps_its_real_first_items_as_they_are_taken() {
    // 70 items in, 40 taken: the front is item 40, not an empty list.
    let mut script = queue_script();
    for (n, qsize) in (0..70).zip(1..) {
        script = script.at(1, EventKind::Put { prim: 1, item: n.to_string(), qsize });
    }
    for (n, qsize) in (0..40).zip((30..70).rev()) {
        script = script.at(1, EventKind::Got { prim: 1, item: n.to_string(), qsize });
    }
    let (items, untracked, qsize) = queue_items(&script.fold());
    assert_eq!(qsize, 30);
    assert_eq!(untracked, 0);
    assert_eq!(items.first().map(String::as_str), Some("40"));
    assert_eq!(items.len(), 30);
}

#[test]
fn a_queue_past_what_is_kept_counts_the_rest_and_dropped_events_keep_the_size_exact() {
    let mut script = queue_script();
    let kept = u64::try_from(QUEUE_ITEMS_KEPT).expect("a small number");
    for (n, qsize) in (0..kept + 2).zip(1..) {
        script = script.at(1, EventKind::Put { prim: 1, item: n.to_string(), qsize });
    }
    let (items, untracked, qsize) = queue_items(&script.fold());
    assert_eq!((items.len(), untracked, qsize), (QUEUE_ITEMS_KEPT, 2, kept + 2));

    // A lossy viewer missed two gets and a put: what is kept still adds up to the queue's size.
    let model = queue_script()
        .at(1, EventKind::Put { prim: 1, item: "a".into(), qsize: 1 })
        .at(1, EventKind::Put { prim: 1, item: "b".into(), qsize: 2 })
        .at(1, EventKind::Put { prim: 1, item: "c".into(), qsize: 3 })
        .at(1, EventKind::Got { prim: 1, item: "c".into(), qsize: 0 })
        .at(1, EventKind::Put { prim: 1, item: "e".into(), qsize: 2 })
        .fold();
    let (items, untracked, qsize) = queue_items(&model);
    assert_eq!(qsize, 2);
    assert_eq!(items.len() + usize::try_from(untracked).expect("a small number"), 2);
}

#[test]
fn a_shared_value_read_and_not_yet_stored_is_pending_and_turns_stale_when_another_thread_stores() {
    let load = |value: &str| EventKind::Load { prim: 1, value: value.into() };
    let store = |value: &str| EventKind::Store { prim: 1, value: value.into() };
    let script = Script::default()
        .thread(1, "MainThread")
        .thread(2, "Thread-1")
        .thread(3, "Thread-2")
        .at(
            1,
            EventKind::PrimCreated { prim: 1, name: "counter".into(), info: PrimInfo::Shared { initial: "0".into() } },
        )
        .at(2, load("0"))
        .at(3, load("0"));
    let model = script.fold();
    let reads: Vec<(Tid, &str, bool)> =
        model.prims[&1].reads.iter().map(|read| (read.thread, read.value.as_str(), read.stale)).collect();
    assert_eq!(reads, [(2, "0", false), (3, "0", false)], "both read 0; the value still says 0");

    let model = script.clone().at(3, store("1")).fold();
    let reads: Vec<(Tid, &str, bool)> =
        model.prims[&1].reads.iter().map(|read| (read.thread, read.value.as_str(), read.stale)).collect();
    assert_eq!(reads, [(2, "0", true)], "Thread-2 stored; Thread-1's 0 is stale now");

    let model = script.clone().at(3, store("1")).at(2, store("1")).fold();
    assert!(model.prims[&1].reads.is_empty(), "each stored what it read");
    let model = script.at(2, EventKind::ThreadExited { tid: 2, exit: ExitKind::Normal }).fold();
    assert_eq!(model.prims[&1].reads.len(), 1, "a thread that ended will never store its read");
}

#[test]
fn the_viewers_controls_are_not_counted_as_events() {
    use crate::event::Control;
    let model = Script::default()
        .thread(1, "MainThread")
        .at(0, EventKind::Control { control: Control::Speed { speed: 2.0 } })
        .at(0, EventKind::Control { control: Control::Pause })
        .at(0, EventKind::Control { control: Control::Step { thread: 1 } })
        .at(1, EventKind::SleepEnd)
        .fold();
    assert_eq!(model.events, 3, "created, started, and a sleep's end");
    assert_eq!(model.missed, 0, "the controls' sequence numbers are no gap");
}

/// Errors and OS thread ids, checked event by event.
mod folded {
    use super::super::script::{MAIN, Script};
    use crate::event::{EventKind, LogLevel, PrimInfo};

    #[test]
    fn misuse_shows_in_the_log_and_on_the_row() {
        let mut script = Script::new(1);
        script
            .prim(1, "lock", PrimInfo::Lock)
            .at(2, EventKind::Misuse { prim: Some(1), message: "release unlocked lock".into() });
        assert_eq!(script.model.threads[&2].error.as_deref(), Some("release unlocked lock"));
        assert_eq!(script.model.threads[&MAIN].error, None);
        let line = script.model.log.back().expect("a log line");
        assert_eq!(
            (line.thread, line.level, line.message.as_str()),
            (2, LogLevel::Error, "error: release unlocked lock")
        );
        // The latest misuse is the one shown.
        script.at(2, EventKind::Misuse { prim: None, message: "cannot join current thread".into() });
        assert_eq!(script.model.threads[&2].error.as_deref(), Some("cannot join current thread"));
    }

    #[test]
    fn the_os_thread_id_lands_on_the_row() {
        let mut script = Script::new(0);
        script
            .at(MAIN, EventKind::ThreadCreated { tid: 2, name: "w".into(), daemon: false, foreign: false })
            .at(MAIN, EventKind::ThreadStarted { tid: 2, daemon: false, os_tid: Some(4321) });
        assert_eq!(script.model.threads[&2].os_tid, Some(4321));
        assert_eq!(script.model.threads[&MAIN].os_tid, None);
    }
}

#[test]
fn an_instruction_is_kept_until_its_threads_next_instruction_or_operation() {
    use crate::event::Control;
    let instruction = |offset: u32, text: &str| EventKind::Instruction { offset, text: text.into() };
    let shared = PrimInfo::Shared { initial: "0".into() };
    let script = Script::default()
        .thread(1, "MainThread")
        .thread(2, "clerk-1")
        .thread(3, "clerk-2")
        .at(1, EventKind::PrimCreated { prim: 1, name: "balance".into(), info: shared })
        .at(2, EventKind::Load { prim: 1, value: "5".into() })
        .at(2, instruction(2, "LOAD_GLOBAL balance → 5"))
        .at(3, instruction(4, "LOAD_CONST 1"));
    let mut model = script.fold();
    let text = |model: &Model, tid: Tid| model.threads[&tid].instruction.as_ref().map(|ran| ran.text.clone());
    assert_eq!(text(&model, 2).as_deref(), Some("LOAD_GLOBAL balance → 5"), "another thread's leaves it");
    let ran = model.threads[&2].instruction.clone().expect("an instruction");
    assert_eq!((ran.seq, ran.offset), (8, 2), "its event's number and its offset");
    assert_eq!((model.instructions, model.events), (2, 10), "counted among the program's events");
    assert!(model.log.is_empty(), "never logged: {:?}", model.log);
    assert_eq!(model.threads[&2].state, ThreadState::Running);
    assert_eq!(model.timeline.state_at(2, 8_000), Some(LaneState::Running), "the thread runs");
    assert!(model.timeline.marks.is_empty(), "no mark on the lane");

    // The viewer's step is no operation of the thread's; its next instruction replaces it.
    for (seq, kind) in
        [(10, EventKind::Control { control: Control::Step { thread: 2 } }), (11, instruction(4, "LOAD_CONST 1"))]
    {
        let loc = Some(SourceLoc { file: "bank.py".into(), line: 7 });
        model.apply(&TraceEvent { seq, time_us: 10_000, thread: 2, loc, kind });
    }
    let ran = model.threads[&2].instruction.clone().expect("an instruction");
    assert_eq!((ran.text.as_str(), ran.loc.map(|loc| loc.line)), ("LOAD_CONST 1", Some(7)));
    assert_eq!((model.events, model.missed), (11, 0), "the step is not counted, and is no gap");
    // Its next operation says what it does now.
    model.apply(&TraceEvent { seq: 12, time_us: 11_000, thread: 2, loc: None, kind: EventKind::SleepEnd });
    assert_eq!(text(&model, 2), None);
    assert_eq!(text(&model, 3).as_deref(), Some("LOAD_CONST 1"));
}
