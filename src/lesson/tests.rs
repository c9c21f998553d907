//! Moment markers read from lesson Markdown, and which events are each trigger's moment.

use super::*;
use crate::event::{LogLevel, PrimInfo, SourceLoc, Tid, WaitMode};

const LESSON: &str = "# Title

## Ask the class
<!-- moment: notify -->
Can `c1` print its line?

> **Answer:** No.

## Without it
Text.
";

#[test]
fn a_marker_names_its_trigger_and_the_question_runs_to_the_next_heading() {
    let moment = parse_moment(LESSON).expect("the marker reads").expect("there is a moment");
    assert_eq!(moment.trigger, Trigger::Notify);
    assert_eq!(moment.question, "Can `c1` print its line?\n\n> **Answer:** No.");
}

#[test]
fn every_trigger_reads_back_from_its_words() {
    for &(word, trigger) in WORDS {
        assert_eq!(Trigger::parse(word), Ok(trigger));
        assert_eq!(Trigger::parse(&format!("  {}  ", word.replace(' ', "   "))), Ok(trigger), "spacing is free");
    }
    assert_eq!(Trigger::parse("line 12"), Ok(Trigger::Line(12)));
}

fn error(lesson: &'static str) -> String {
    match parse_moment(lesson) {
        Err(error) => error,
        Ok(moment) => panic!("{lesson:?} read as {moment:?}"),
    }
}

#[test]
fn bad_markers_say_what_is_wrong() {
    let unknown = error("# T\n<!-- moment: first notfy -->\nQ?\n");
    assert!(unknown.contains("unknown moment `first notfy`") && unknown.contains("notify"), "{unknown}");
    assert!(error("# T\n<!-- moment: line zero -->\nQ?\n").contains("line number"));
    assert!(error("# T\n<!-- moment: set\n-->\nQ?\n").contains("same line"));
    assert!(error("# T\n<!-- moment: set -->\n## Next\n").contains("no question"));
    let twice = "# T\n<!-- moment: set -->\nQ?\n<!-- moment: wait -->\nQ?\n";
    assert!(error(twice).contains("at most one"));
    assert_eq!(parse_moment("# T\n<!-- a comment -->\nText\n"), Ok(None));
    assert_eq!(moment("# T\n<!-- moment: nonsense -->\nQ?\n"), None, "a bad marker is no moment");
}

/// A model with thread 1, and the events folded so far; `fold` returns whether `trigger` fires
/// on the event it adds.
struct Fold {
    model: Model,
    seq: u64,
}

impl Fold {
    fn new() -> Self {
        let mut fold = Self { model: Model::new(), seq: 0 };
        for tid in 1..=3 {
            fold.add(tid, EventKind::ThreadCreated { tid, name: format!("T{tid}"), daemon: false, foreign: false });
            fold.add(tid, EventKind::ThreadStarted { tid, daemon: false, os_tid: None });
        }
        fold
    }

    fn event(&mut self, thread: Tid, kind: EventKind) -> TraceEvent {
        self.seq += 1;
        let loc = Some(SourceLoc { file: "demos/x.rs".into(), line: 7 });
        TraceEvent { seq: self.seq, time_us: self.seq, thread, loc, kind }
    }

    fn add(&mut self, thread: Tid, kind: EventKind) {
        let event = self.event(thread, kind);
        self.model.apply(&event);
    }

    fn fires(&mut self, trigger: Trigger, thread: Tid, kind: EventKind) -> bool {
        let event = self.event(thread, kind);
        self.model.apply(&event);
        trigger.fires(&self.model, &event, Some("demos/x.rs"))
    }
}

#[test]
fn event_triggers_fire_on_their_event_only() {
    let mut fold = Fold::new();
    fold.add(1, EventKind::PrimCreated { prim: 1, name: "c".into(), info: PrimInfo::Condition { lock: 1 } });
    assert!(!fold.fires(Trigger::Notify, 1, EventKind::Notified { prim: 1, n: 1, woken: vec![] }), "woke nobody");
    assert!(fold.fires(Trigger::Notify, 1, EventKind::Notified { prim: 1, n: 1, woken: vec![2] }));
    assert!(fold.fires(Trigger::Wait, 2, EventKind::WaitBegin { prim: 1, timeout_us: None }));
    assert!(fold.fires(Trigger::Set, 1, EventKind::Set { prim: 1 }));
    assert!(!fold.fires(Trigger::Set, 1, EventKind::Clear { prim: 1 }));
    assert!(fold.fires(Trigger::BarrierPass, 1, EventKind::BarrierPass { prim: 1, generation: 0 }));
    let log = || EventKind::Log { level: LogLevel::Info, message: "x".into() };
    assert!(fold.fires(Trigger::Line(7), 1, log()));
    assert!(!fold.fires(Trigger::Line(8), 1, log()));
    let elsewhere =
        TraceEvent { loc: Some(SourceLoc { file: "src/other.rs".into(), line: 7 }), ..fold.event(1, log()) };
    assert!(!Trigger::Line(7).fires(&fold.model, &elsewhere, Some("demos/x.rs")), "line 7 of another file");
    let compiled_in = SourceLoc { file: "src/../demos/x.rs".into(), line: 7 };
    let demo = TraceEvent { loc: Some(compiled_in), ..fold.event(1, log()) };
    assert!(Trigger::Line(7).fires(&fold.model, &demo, Some("demos/x.rs")), "the demo's file, as compiled in");
    assert!(Trigger::Notify.seen_in_event() && !Trigger::LostUpdate.seen_in_event());
}

#[test]
fn a_semaphore_request_fires_only_when_no_permit_is_left() {
    let mut fold = Fold::new();
    let info = PrimInfo::Semaphore { initial: 1, bounded: false };
    fold.add(1, EventKind::PrimCreated { prim: 1, name: "s".into(), info });
    let request = || EventKind::Requested { prim: 1, mode: WaitMode::Blocking };
    assert!(!fold.fires(Trigger::SemaphoreBlocks, 1, request()), "a permit is free");
    fold.add(1, EventKind::Acquired { prim: 1, count: 0 });
    let try_only = EventKind::Requested { prim: 1, mode: WaitMode::NonBlocking };
    assert!(!fold.fires(Trigger::SemaphoreBlocks, 2, try_only), "acquire(False) never blocks");
    assert!(fold.fires(Trigger::SemaphoreBlocks, 2, request()));
}

#[test]
fn a_put_fires_when_it_lands_in_an_empty_queue_that_a_getter_waits_on() {
    let mut fold = Fold::new();
    fold.add(1, EventKind::PrimCreated { prim: 1, name: "q".into(), info: PrimInfo::Queue { maxsize: 0 } });
    let put = |qsize| EventKind::Put { prim: 1, item: "1".into(), qsize };
    assert!(!fold.fires(Trigger::PutWakesGetter, 1, put(1)), "nobody waits");
    fold.add(1, EventKind::Got { prim: 1, item: "1".into(), qsize: 0 });
    fold.add(2, EventKind::WaitBegin { prim: 1, timeout_us: None });
    assert!(fold.fires(Trigger::PutWakesGetter, 1, put(1)));
}

#[test]
fn a_store_fires_when_it_loses_another_threads_update() {
    let mut fold = Fold::new();
    fold.add(1, EventKind::PrimCreated { prim: 1, name: "n".into(), info: PrimInfo::Shared { initial: "0".into() } });
    fold.add(2, EventKind::Load { prim: 1, value: "0".into() });
    fold.add(3, EventKind::Load { prim: 1, value: "0".into() });
    assert!(!fold.fires(Trigger::LostUpdate, 3, EventKind::Store { prim: 1, value: "1".into() }));
    assert!(fold.fires(Trigger::LostUpdate, 2, EventKind::Store { prim: 1, value: "1".into() }), "2 overwrote 3");
    assert!(!fold.fires(Trigger::Deadlock, 2, EventKind::Store { prim: 1, value: "2".into() }), "found elsewhere");
}
