//! Recording and replaying: a recorded demo reads back to the very events and states the live
//! run showed, in the binary form and in JSON Lines alike; rewinding is exact from any position,
//! from memory or from an indexed file; the reader survives any damage without panicking, keeps
//! every whole frame of a file cut short, and the command line reports bad recordings in one
//! line with exit code 2.
#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test at the line that broke")]

mod common;

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use threadviz::dashboard::app::Seek;
use threadviz::dashboard::app::live::LINGER;
use threadviz::dashboard::app::replay::stops::{Stop, Stops};
use threadviz::dashboard::app::replay::{Replay, subject};
use threadviz::dashboard::app::run::Controller;
use threadviz::dashboard::app::{App, Command, Msg, Overlay};
use threadviz::dashboard::catalog;
use threadviz::dashboard::export::{asciicast, chrome};
use threadviz::dashboard::model::{Model, ThreadState};
use threadviz::dashboard::session::{PauseState, hold_length};
use threadviz::dashboard::view::theme::{Theme, ThemeName};
use threadviz::record::{self, Form, RecordTo, Recording, RecordingWriter, SNAPSHOT_EVERY, Snapshots};
use threadviz::sync::Lock;
use threadviz::thread;
use threadviz::{EventKind, Session, TraceEvent};

use self::common::{Memory, WAIT, with_deadline};

const SPEED: f64 = 10.0;

/// A file under cargo's temporary directory for integration tests, unique to `name`.
fn temp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("record-tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Runs a catalogue demo at speed 10 with a recorder into memory and a lossless subscriber of
/// the test's own; returns the recording's bytes (binary) and the events the subscriber saw.
fn record_demo(name: &'static str) -> (Vec<u8>, Vec<TraceEvent>) {
    record_demo_as(name, Form::Binary)
}

/// [`record_demo`], writing the recording in `form`.
fn record_demo_as(name: &'static str, form: Form) -> (Vec<u8>, Vec<TraceEvent>) {
    let demo = catalog::find(name).unwrap();
    with_deadline(name, move || {
        let session = Session::builder().speed(SPEED).seed(3).build();
        let memory = Memory::default();
        let recorder = RecordTo::writer(memory.clone(), name).form(form).attach(&session).unwrap();
        let live = session.subscribe();
        session.run(demo.main);
        let summary = recorder.finish().unwrap();
        let events: Vec<TraceEvent> = live.receiver().iter().collect();
        assert_eq!(summary.events, events.len() as u64);
        assert!(summary.ended, "the recording holds the session's end");
        let bytes = memory.0.lock().unwrap().clone();
        (bytes, events)
    })
}

/// Every state as the dashboard's model holds it, compared through its `Debug` rendering,
/// which is deterministic (ordered maps, no addresses).
fn state(model: &Model) -> String {
    format!("{model:?}")
}

fn fold(events: &[TraceEvent]) -> Model {
    let mut model = Model::new();
    for event in events {
        model.apply(event);
    }
    model
}

#[test]
fn a_recorded_demo_reads_back_to_the_live_state_at_every_event() {
    for (name, form) in [
        ("condition", Form::Binary),
        ("producer-consumer", Form::Binary),
        ("barrier", Form::JsonLines),
        ("rlock-owner", Form::Binary),
    ] {
        let (bytes, live) = record_demo_as(name, form);
        assert_eq!(bytes.starts_with(&record::binary::MAGIC), form == Form::Binary, "{name}: {form:?}");
        let recording = record::read_bytes(&bytes, name).unwrap();
        assert_eq!(recording.header.format, record::FORMAT);
        assert_eq!(recording.header.version, record::FORMAT_VERSION);
        assert_eq!(recording.header.demo, name);
        assert_eq!((recording.header.seed, recording.header.speed), (3, SPEED));
        assert_eq!(recording.warning, None);
        assert_eq!(recording.events, live, "{name}: the recording holds exactly the live events");
        assert!(matches!(recording.events.last().unwrap().kind, EventKind::SessionEnded));
        // Fold both streams side by side: the states agree after every event.
        let snapshots = Snapshots::new(recording.events.clone().into());
        let (mut shown, mut replayed) = (Model::new(), Model::new());
        for (index, (live_event, recorded)) in live.iter().zip(&recording.events).enumerate() {
            shown.apply(live_event);
            replayed.apply(recorded);
            assert_eq!(state(&replayed), state(&shown), "{name}: after event {}", live_event.seq);
            assert_eq!(
                state(&snapshots.model_at(index + 1)),
                state(&shown),
                "{name}: rewound to event {}",
                live_event.seq
            );
        }
    }
}

/// A program with thousands of events: three threads taking turns on a lock.
fn busy_recording() -> Recording {
    let bytes = with_deadline("busy program", || {
        let session = Session::builder().speed(SPEED).build();
        let memory = Memory::default();
        let recorder = RecordTo::writer(memory.clone(), "busy").attach(&session).unwrap();
        session.run(|| {
            let lock = Lock::named("counter");
            let workers: Vec<_> = (0..3)
                .map(|_| {
                    let lock = lock.clone();
                    thread::spawn(move || {
                        for round in 0..600 {
                            let _held = lock.hold();
                            if round % 100 == 0 {
                                tracing::info!("round {round}");
                            }
                        }
                    })
                })
                .collect();
            for worker in workers {
                worker.join();
            }
        });
        recorder.finish().unwrap();
        memory.0.lock().unwrap().clone()
    });
    record::read_bytes(&bytes, "busy.jsonl").unwrap()
}

#[test]
fn rewinding_to_any_position_gives_the_state_a_fold_from_the_start_gives() {
    let recording = busy_recording();
    let events = &recording.events;
    assert!(events.len() > 3 * SNAPSHOT_EVERY, "enough events to cross kept models: {}", events.len());
    let snapshots = Snapshots::new(events.clone().into());
    let mut rng = fastrand::Rng::with_seed(11);
    let mut positions: Vec<usize> = (0..150).map(|_| rng.usize(0..=events.len())).collect();
    positions.extend([0, 1, SNAPSHOT_EVERY - 1, SNAPSHOT_EVERY, SNAPSHOT_EVERY + 1, events.len()]);
    positions.sort_unstable();
    let mut model = Model::new();
    let mut folded = 0;
    for position in positions {
        for event in &events[folded..position] {
            model.apply(event);
        }
        folded = position;
        assert_eq!(state(&snapshots.model_at(position)), state(&model), "after {position} events");
    }
}

/// The dashboard's loop, by hand: a key into the app, its commands to the replay, the replies
/// back, then whatever the replay sent down its channel folded in.
fn press(app: &mut App, replay: &mut Replay, code: KeyCode) {
    let commands = app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    settle(app, replay, commands);
}

fn settle(app: &mut App, replay: &mut Replay, commands: Vec<Command>) {
    for command in commands {
        if let Some(reply) = replay.apply(command) {
            app.update(reply);
        }
    }
    let events: Vec<TraceEvent> = replay.events().try_iter().collect();
    app.update(Msg::Events(events));
    app.update(replay.status().into());
}

fn paused_replay(recording: &Recording) -> (App, Replay) {
    let replay = Replay::new(recording, 1.0, true).unwrap();
    let app =
        App::new(subject(&recording.header.demo, None), Theme::new(ThemeName::Dark, false), PauseState::Paused, 1.0);
    (app, replay)
}

#[test]
fn a_step_back_then_a_step_forward_returns_to_the_identical_state() {
    let recording = busy_recording();
    let events = &recording.events;
    let (mut app, mut replay) = paused_replay(&recording);
    let mut rng = fastrand::Rng::with_seed(5);
    for round in 0..60 {
        // Somewhere in the recording, by sequence number or by share.
        let seek =
            if round % 2 == 0 { Seek::Seq(events[rng.usize(0..events.len())].seq) } else { Seek::Share(rng.f64()) };
        settle(&mut app, &mut replay, vec![Command::Seek(seek)]);
        let position = replay.position();
        let here = fold(&events[..position]);
        assert_eq!(state(app.model()), state(&here), "{seek:?} shows the state after {position} events");
        press(&mut app, &mut replay, KeyCode::Char('b'));
        let back = position.saturating_sub(1);
        assert_eq!(replay.position(), back);
        assert_eq!(state(app.model()), state(&fold(&events[..back])), "one back from {position}");
        press(&mut app, &mut replay, KeyCode::Char('n'));
        let forward = if position == 0 { 1 } else { position };
        assert_eq!(replay.position(), forward);
        assert_eq!(state(app.model()), state(&fold(&events[..forward])), "back and forth at {position}");
    }
}

#[test]
fn seeking_keys_move_by_tenths_and_to_either_end() {
    let recording = busy_recording();
    let len = recording.events.len();
    let (mut app, mut replay) = paused_replay(&recording);
    press(&mut app, &mut replay, KeyCode::Char('}'));
    assert_eq!(replay.position(), len);
    assert!(app.model().ended);
    press(&mut app, &mut replay, KeyCode::Char('['));
    assert_eq!(replay.position(), len - (len + 5) / 10);
    press(&mut app, &mut replay, KeyCode::Char('{'));
    assert_eq!(replay.position(), 0);
    assert_eq!(state(app.model()), state(&Model::new()));
    press(&mut app, &mut replay, KeyCode::Char('b'));
    assert!(app.message().unwrap().contains("start of the recording"), "{:?}", app.message());
    press(&mut app, &mut replay, KeyCode::Char(']'));
    assert_eq!(replay.position(), (len + 5) / 10);
    // `:` then an event number goes right after that event.
    let target = recording.events[len / 2].seq;
    press(&mut app, &mut replay, KeyCode::Char(':'));
    for digit in target.to_string().chars() {
        press(&mut app, &mut replay, KeyCode::Char(digit));
    }
    assert!(app.message().unwrap().contains(&target.to_string()), "the prompt shows the text");
    press(&mut app, &mut replay, KeyCode::Enter);
    assert_eq!(replay.position(), len / 2 + 1);
    assert_eq!(app.model().events, (len / 2 + 1) as u64);
    // Restart goes back to the start.
    press(&mut app, &mut replay, KeyCode::Char('r'));
    assert_eq!(replay.position(), 0);
    assert_eq!(state(app.model()), state(&Model::new()));
}

#[test]
fn stepping_a_selected_thread_moves_to_its_next_event() {
    let (bytes, _) = record_demo("condition");
    let recording = record::read_bytes(&bytes, "condition").unwrap();
    let (mut app, mut replay) = paused_replay(&recording);
    settle(&mut app, &mut replay, vec![Command::Step(Some(2))]);
    let position = replay.position();
    assert_eq!(recording.events[position - 1].thread, 2, "the last event shown is thread 2's");
    assert!(recording.events[..position - 1].iter().all(|event| event.thread != 2), "its first one");
    assert_eq!(state(app.model()), state(&fold(&recording.events[..position])));
}

#[test]
fn playing_delivers_every_event_in_order_and_stops_at_the_end() {
    let (bytes, _) = record_demo("condition");
    let recording = record::read_bytes(&bytes, "condition").unwrap();
    let replay = Replay::new(&recording, 10.0, false).unwrap();
    let deadline = Instant::now() + WAIT;
    let mut played = Vec::new();
    while played.len() < recording.events.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = replay.events().recv_timeout(left).expect("the replay plays every event within the deadline");
        played.push(event);
    }
    assert_eq!(played, recording.events);
    common::wait_until("the replay stops at its end", || replay.status().pause == PauseState::Paused);
    assert_eq!(replay.status().now_us, recording.end_us());
}

/// The condition demo recorded as the dashboard records it: at speed 10, each wake-up held
/// (`Session::builder().speed(10.0).linger(LINGER)`, recorded to a `.tvr`). Recorded once, on a
/// quiet machine: what a live run's holds take in depends on how soon the woken threads move,
/// which a loaded machine delays past the hold, so a fresh recording is not the same each time.
fn lingering_condition() -> Recording {
    record::read_bytes(include_bytes!("fixtures/condition-lingering.tvr"), "condition").unwrap()
}

/// The replay's speed in the tests of its holds: slow, so the hold (2 s) is far longer than
/// any hiccup of a busy machine.
const SLOW: f64 = 0.25;

/// Where the notify is, and the first stop after it (the consumers blocked on p's lock).
fn notify_and_its_stop(recording: &Recording, stops: &Stops) -> (usize, Stop) {
    let notify = recording.events.iter().position(|event| matches!(event.kind, EventKind::Notified { .. })).unwrap();
    let stop = stops.all()[stops.first_after(notify)];
    assert!(stop.hold, "{stop:?}");
    (notify, stop)
}

/// Receives events from `replay` until it has sent `position`, within the deadline.
fn receive_up_to(replay: &Replay, position: usize, received: &mut Vec<TraceEvent>, from: usize) {
    while from + received.len() < position {
        received.push(replay.events().recv_timeout(WAIT).expect("the replay plays on within the deadline"));
    }
}

/// Waits out a hold begun at `began`: nothing comes down the channel and the clock stands
/// still for its first half; then the next event comes, no sooner than the hold's end.
fn assert_held(replay: &Replay, began: Instant, hold: Duration) -> TraceEvent {
    let frozen = replay.status().now_us;
    std::thread::sleep(hold / 2);
    assert!(replay.events().is_empty(), "nothing is sent while the moment is held");
    if began.elapsed() < hold {
        assert_eq!(replay.status().now_us, frozen, "demo time stands still while held");
        assert_eq!(replay.status().pause, PauseState::Running, "a hold is no pause");
    }
    let next = replay.events().recv_timeout(WAIT).expect("the replay goes on after the hold");
    assert!(began.elapsed() >= hold, "held {:?}, the live session holds {hold:?}", began.elapsed());
    next
}

#[test]
fn playing_holds_each_wake_up_for_the_time_the_live_session_held_it() {
    let recording = lingering_condition();
    let events = &recording.events;
    let replay = Replay::new(&recording, SLOW, true).unwrap();
    let (notify, stop) = notify_and_its_stop(&recording, replay.stops());
    assert_eq!(stop.ask, None, "no lesson, no question");
    let mut replay = replay;
    replay.apply(Command::Seek(Seek::Seq(events[notify - 1].seq)));
    assert_eq!(replay.position(), notify);
    replay.apply(Command::Resume);
    let mut received = Vec::new();
    receive_up_to(&replay, stop.at, &mut received, notify);
    let began = Instant::now();
    let next = assert_held(&replay, began, hold_length(LINGER, SLOW));
    assert_eq!(next, events[stop.at], "then the recording goes on, in order");
    assert!(matches!(next.kind, EventKind::Released { .. }), "p lets go of the lock after the hold: {next:?}");
    assert_blocked_on_p(&fold(&events[..stop.at]));
}

/// c1 and c2 (threads 2 and 3) are BLOCKED on the lock p (thread 4) holds.
fn assert_blocked_on_p(model: &Model) {
    let lock = model.threads[&4].holds.clone();
    assert!(!lock.is_empty(), "p holds the lock");
    for consumer in [2, 3] {
        let state = &model.threads[&consumer].state;
        assert!(matches!(state, ThreadState::Blocked { prim, .. } if lock.contains(prim)), "{consumer}: {state:?}");
    }
}

#[test]
fn playing_pauses_at_the_lessons_moment_and_holds_it_once_the_question_is_put_away() {
    let recording = lingering_condition();
    let events = &recording.events;
    let subject = subject("condition", None);
    let mut replay = Replay::about(Snapshots::new(events.clone().into()), SLOW, true, &subject).unwrap();
    let (notify, stop) = notify_and_its_stop(&recording, replay.stops());
    assert_eq!(stop.ask, Some(notify), "the notify is the lesson's moment");
    let mut app = App::new(subject, Theme::new(ThemeName::Dark, false), PauseState::Paused, SLOW);
    app.mark_as_replay();
    settle(&mut app, &mut replay, vec![Command::Seek(Seek::Seq(events[notify - 1].seq))]);
    settle(&mut app, &mut replay, vec![Command::Resume]);
    // The player stops by itself where the events the notify let through end.
    common::wait_until("the replay pauses at the moment", || replay.status().pause == PauseState::Paused);
    assert_eq!(replay.position(), stop.at);
    let mut received = Vec::new();
    receive_up_to(&replay, stop.at, &mut received, notify);
    app.update(Msg::Events(received));
    app.update(replay.status().into());
    assert!(app.shows(Overlay::Moment), "the question is on screen");
    assert_blocked_on_p(app.model());
    // Space puts the question away and plays on: the hold comes whole, then p lets go.
    let began = Instant::now();
    press(&mut app, &mut replay, KeyCode::Char(' '));
    assert!(!app.shows(Overlay::Moment));
    let next = assert_held(&replay, began, hold_length(LINGER, SLOW));
    assert_eq!(next, events[stop.at]);
    // Once per run: back before the moment, playing goes through it, held but not paused.
    replay.apply(Command::Seek(Seek::Seq(events[notify - 1].seq)));
    replay.apply(Command::Resume);
    let mut received = Vec::new();
    receive_up_to(&replay, stop.at + 1, &mut received, notify);
    assert_eq!(replay.status().pause, PauseState::Running, "asked already: no second pause");
    // A restart is a new run, which stops at the moment again. Paused first: a restart that
    // played on could pass the moment before the seek, which then counts it as asked.
    replay.apply(Command::Pause);
    replay.apply(Command::Restart);
    replay.apply(Command::Seek(Seek::Seq(events[notify - 1].seq)));
    replay.apply(Command::Resume);
    common::wait_until("a new run pauses at the moment", || replay.status().pause == PauseState::Paused);
    assert_eq!(replay.position(), stop.at);
}

#[test]
fn live_sessions_refuse_to_go_back_with_a_message() {
    let demo = catalog::find("condition").unwrap();
    let mut live = threadviz::dashboard::app::live::Live::start(
        Arc::new(demo.main),
        threadviz::dashboard::app::launch::Launch::default(),
    );
    for command in [Command::StepBack, Command::Seek(Seek::Share(0.5))] {
        let reply = live.apply(command);
        assert!(matches!(&reply, Some(Msg::Note(note)) if note.contains("replay")), "{reply:?}");
    }
    live.apply(Command::Quit);
}

#[test]
fn a_recording_to_a_file_is_complete_when_the_recorder_is_dropped() {
    let path = temp("dropped.jsonl");
    let to = RecordTo::file(&path, "dropped").unwrap();
    with_deadline("dropped recorder", move || {
        let session = Session::new();
        let recorder = to.attach(&session).unwrap();
        session.run(|| tracing::info!("hello"));
        // As on a panic: no finish, the drop flushes.
        drop(recorder);
    });
    let recording = record::read(&path).unwrap();
    assert!(std::fs::read(&path).unwrap().starts_with(&record::binary::MAGIC), "binary, whatever the name");
    assert!(matches!(recording.events.last().unwrap().kind, EventKind::SessionEnded), "{:?}", recording.events);
    // A run killed mid-write of JSON Lines leaves a cut-off last line: read with a warning.
    let lines = temp("dropped-lines.jsonl");
    let mut writer =
        RecordingWriter::new(std::fs::File::create(&lines).unwrap(), &recording.header, Form::JsonLines).unwrap();
    for event in &recording.events {
        writer.event(event).unwrap();
    }
    writer.finish().unwrap();
    let text = std::fs::read_to_string(&lines).unwrap();
    let end_line = text.lines().last().unwrap().len() + 1;
    std::fs::write(&lines, &text[..text.len() - end_line - 10]).unwrap();
    let cut = record::read(&lines).unwrap();
    assert_eq!(cut.events.len(), recording.events.len() - 1);
    let warning = cut.warning.unwrap();
    let count = text.lines().count() - 1;
    assert!(warning.contains(&format!("dropped-lines.jsonl:{count}: the last line is cut off")), "{warning}");
}

/// Synthetic events enough for several frames: two threads taking turns on a lock, with log
/// lines from two source files.
fn many_events(count: u64) -> Vec<TraceEvent> {
    let created = |seq, tid, name: &str| TraceEvent {
        seq,
        time_us: 0,
        thread: 1,
        loc: None,
        kind: EventKind::ThreadCreated { tid, name: name.to_owned(), daemon: false, foreign: false },
    };
    let mut events = vec![
        created(0, 1, "MainThread"),
        created(1, 2, "worker"),
        TraceEvent {
            seq: 2,
            time_us: 0,
            thread: 1,
            loc: None,
            kind: EventKind::PrimCreated { prim: 1, name: "lock".into(), info: threadviz::event::PrimInfo::Lock },
        },
    ];
    for seq in 3..count {
        let thread = 1 + u32::from(seq % 4 >= 2);
        let kind = match seq % 2 {
            0 => EventKind::Acquired { prim: 1, count: 1 },
            _ if seq % 101 == 0 => {
                EventKind::Log { level: threadviz::event::LogLevel::Info, message: format!("at {seq}") }
            }
            _ => EventKind::Released { prim: 1, count: 0 },
        };
        let file = if seq % 7 == 0 { "demos/a.rs" } else { "demos/b.rs" };
        let loc = Some(threadviz::event::SourceLoc { file: file.into(), line: u32::try_from(seq % 50).unwrap() });
        events.push(TraceEvent { seq, time_us: seq * 3 / 2, thread, loc, kind });
    }
    events
}

fn header() -> record::Header {
    record::Header {
        format: record::FORMAT.to_owned(),
        version: record::FORMAT_VERSION,
        threadviz: "0.1.0".to_owned(),
        demo: "many".to_owned(),
        seed: 1,
        speed: 1.0,
        started: record::rfc3339(0),
        unix_time: 0,
    }
}

/// The events written in the binary form, and where each frame is in the bytes (the footer
/// and the end marker after them not counted).
fn binary_of(events: &[TraceEvent]) -> (Vec<u8>, Vec<std::ops::Range<usize>>) {
    let (bytes, layout) = binary_laid_out(events);
    (bytes, layout.frames)
}

/// Where the parts of a binary recording are: its frames of events, the models it stores
/// after them and its footer (the end marker last).
struct Layout {
    frames: Vec<std::ops::Range<usize>>,
    models: Vec<std::ops::Range<usize>>,
    footer: std::ops::Range<usize>,
}

/// `events` written as a binary recording, and its layout, checked.
fn binary_laid_out(events: &[TraceEvent]) -> (Vec<u8>, Layout) {
    let memory = Memory::default();
    let mut writer = RecordingWriter::new(memory.clone(), &header(), Form::Binary).unwrap();
    for event in events {
        writer.event(event).unwrap();
    }
    writer.finish().unwrap();
    let bytes = memory.0.lock().unwrap().clone();
    let length = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
    let mut frames = Vec::new();
    let mut at = 16 + length(12);
    while at < bytes.len() {
        frames.push(at..at + 16 + length(at));
        at += 16 + length(at);
    }
    assert_eq!(at, bytes.len(), "whole frames");
    let marker = frames.pop().expect("an end marker");
    assert_eq!(marker.len(), 48, "the end marker: a frame header and its 32 bytes");
    assert_eq!(&bytes[marker.start + 4..marker.start + 12], &[0; 8], "no events in the end marker");
    let record_kind = |range: &std::ops::Range<usize>| {
        bytes[range.start + 4..range.start + 12] == [0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]
    };
    let footer = frames.pop().expect("a footer");
    assert!(record_kind(&footer), "the footer");
    let footer_at = u64::from_le_bytes(bytes[marker.end - 8..marker.end].try_into().unwrap());
    assert_eq!(footer_at, footer.start as u64, "the end marker gives the footer's offset");
    // The models stored after the frames are records of the footer's kind.
    let events_end = frames.iter().rposition(|frame| !record_kind(frame)).map_or(0, |last| last + 1);
    let models = frames.split_off(events_end);
    assert!(frames.iter().all(|frame| !record_kind(frame)), "no model among the frames");
    (bytes, Layout { frames, models, footer })
}

#[test]
fn a_file_cut_between_frames_or_lines_says_it_ended_without_its_end_marker() {
    let events = many_events(30_000);
    let (bytes, frames) = binary_of(&events);
    let mut boundaries: Vec<usize> = frames.iter().map(|frame| frame.start).collect();
    boundaries.push(frames.last().unwrap().end);
    for (whole_frames, &cut) in boundaries.iter().enumerate() {
        let read = record::read_bytes(&bytes[..cut], "cut.tvr").unwrap();
        assert_eq!(read.events.len(), (8_192 * whole_frames).min(events.len()), "cut at byte {cut}");
        let warning = read.warning.unwrap_or_else(|| panic!("a warning after a cut at byte {cut}"));
        let count = read.events.len();
        let events_word = if count == 1 { "event" } else { "events" };
        assert!(
            warning.starts_with(&format!(
                "cut.tvr: ended without its end marker: {count} {events_word}, the run's end is missing"
            )),
            "{warning}"
        );
    }
    // Cut inside the end marker: the last frame, the marker, is cut off.
    let read = record::read_bytes(&bytes[..bytes.len() - 3], "cut.tvr").unwrap();
    assert_eq!(read.events.len(), events.len());
    assert!(read.warning.unwrap().contains("the last frame is cut off"));
    // A whole file has no warning; a damaged marker or bytes after it are damage.
    assert_eq!(record::read_bytes(&bytes, "whole.tvr").unwrap().warning, None);
    for at in [bytes.len() - 1, bytes.len() - 9, bytes.len() - 20, bytes.len() - 30] {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x10;
        let error = record::read_bytes(&damaged, "bad.tvr").expect_err("a damaged marker");
        assert!(error.to_string().contains("damaged"), "byte {at}: {error}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    let error = record::read_bytes(&longer, "long.tvr").expect_err("a byte after the marker");
    assert!(error.to_string().contains("bytes follow the end marker"), "{error}");
    // A marker that counts other frames than the file holds: a frame taken out.
    let mut short = bytes[..frames[1].start].to_vec();
    short.extend_from_slice(&bytes[frames[2].start..]);
    let error = record::read_bytes(&short, "short.tvr").expect_err("frames missing");
    assert!(error.to_string().contains("damaged"), "{error}");

    // JSON Lines: a cut after any whole line, the end line included, says the same.
    let memory = Memory::default();
    let mut writer = RecordingWriter::new(memory.clone(), &header(), Form::JsonLines).unwrap();
    for event in &events[..50] {
        writer.event(event).unwrap();
    }
    writer.finish().unwrap();
    let text = memory.0.lock().unwrap().clone();
    assert!(text.ends_with(b"{\"end\":{\"events\":50}}\n"), "{}", String::from_utf8_lossy(&text[text.len() - 40..]));
    assert_eq!(record::read_bytes(&text, "whole.jsonl").unwrap().warning, None);
    let ends: Vec<usize> = text.iter().enumerate().filter(|&(_, &byte)| byte == b'\n').map(|(at, _)| at + 1).collect();
    for (line, &cut) in ends.iter().enumerate().take(ends.len() - 1) {
        let read = record::read_bytes(&text[..cut], "cut.jsonl").unwrap();
        assert_eq!(read.events.len(), line, "cut after line {}", line + 1);
        let warning = read.warning.unwrap();
        assert!(warning.starts_with("cut.jsonl: ended without its end marker:"), "{warning}");
    }
    let lying =
        String::from_utf8(text.clone()).unwrap().replace("{\"end\":{\"events\":50}}", "{\"end\":{\"events\":49}}");
    let error = record::read_bytes(lying.as_bytes(), "lying.jsonl").expect_err("a wrong count");
    assert!(error.to_string().contains("the end line counts 49 events, but the file holds 50"), "{error}");
    let after = format!("{}{}\n", String::from_utf8(text).unwrap(), "{\"seq\":50}");
    let error = record::read_bytes(after.as_bytes(), "after.jsonl").expect_err("a line after the end");
    assert!(error.to_string().contains("a line follows the end line"), "{error}");
}

#[test]
fn a_binary_file_cut_mid_frame_keeps_every_whole_frame() {
    let events = many_events(30_000);
    let (bytes, frames) = binary_of(&events);
    assert!(frames.len() >= 3, "several frames: {frames:?}");
    let whole = record::read_bytes(&bytes, "many.tvr").unwrap();
    assert_eq!(whole.events, events);
    assert_eq!(whole.warning, None);
    assert!(bytes.len() < events.len() * 16, "{} bytes an event", bytes.len() as f64 / events.len() as f64);
    let mut rng = fastrand::Rng::with_seed(9);
    for (frame, range) in frames.iter().enumerate() {
        let (start, end) = (range.start, range.end);
        for cut in [start + 1, start + 15, start + 16, rng.usize(start + 1..end), end - 1] {
            let read = record::read_bytes(&bytes[..cut], "cut.tvr").unwrap();
            // Every frame before the cut one is whole and kept: they are full, 8,192 events each.
            assert_eq!(read.events.len(), 8_192 * frame, "cut at byte {cut} of frame {}", frame + 1);
            assert_eq!(read.events[..], events[..read.events.len()]);
            let warning = read.warning.unwrap();
            assert!(warning.contains(&format!("cut.tvr: frame {} at byte {start}:", frame + 1)), "{warning}");
            assert!(warning.contains("the last frame is cut off"), "{warning}");
        }
    }
}

#[test]
fn the_binary_form_and_json_lines_hold_the_same_events() {
    let mut events = many_events(20_000);
    // Instructions, as a program stepped by instruction sends them, arrows and all.
    for event in events.iter_mut().filter(|event| event.seq % 97 == 5) {
        let text = format!("LOAD_GLOBAL balance → {} ← 'é'", event.seq);
        event.kind = EventKind::Instruction { offset: u32::try_from(event.seq % 300).unwrap(), text };
    }
    let (bytes, _) = binary_of(&events);
    let binary = record::read_bytes(&bytes, "many.tvr").unwrap();
    let memory = Memory::default();
    let mut writer = RecordingWriter::new(memory.clone(), &binary.header, Form::JsonLines).unwrap();
    for event in &binary.events {
        writer.event(event).unwrap();
    }
    writer.finish().unwrap();
    let text = memory.0.lock().unwrap().clone();
    assert_eq!(text.first(), Some(&b'{'));
    let lines = record::read_bytes(&text, "many.jsonl").unwrap();
    assert_eq!(lines, binary);
    assert_eq!(lines.events, events);
    assert!(bytes.len() * 5 < text.len(), "{} bytes against {}", bytes.len(), text.len());
}

#[test]
fn an_indexed_binary_file_seeks_to_the_state_a_fold_from_the_start_gives() {
    let events = many_events(40_000);
    let (bytes, _) = binary_of(&events);
    let path = temp("indexed.tvr");
    std::fs::write(&path, &bytes).unwrap();
    // Opened from its footer at once, and read whole as a file cut short is: the same at
    // every position.
    let opened = record::index(&path).unwrap();
    assert!(opened.from_footer, "a whole file opens from its footer");
    let scanned = record::scan(&path, &mut |_, _| {}).unwrap();
    assert!(!scanned.from_footer);
    for indexed in [scanned, opened.clone()] {
        assert_eq!(indexed.header, header());
        assert_eq!(indexed.warning, None);
        let snapshots = indexed.snapshots;
        assert_eq!(snapshots.len(), events.len());
        assert_eq!(snapshots.end_us(), events.last().unwrap().time_us);
        assert_eq!(snapshots.names().get(&2).map(String::as_str), Some("worker"));
        seeks_match_a_fold(&events, &snapshots);
        snapshots.wait_until_kept();
        assert_eq!(snapshots.kept(), events.len() / snapshots.every() + 1);
        seeks_match_a_fold(&events, &snapshots);
    }
    // Read to the end from a kept model, the cursor gives every event after it.
    let from: Vec<TraceEvent> = opened.snapshots.cursor(12_345).collect();
    assert_eq!(from[..], events[12_345..]);
}

/// Seeks in `snapshots` to positions all over `events` (both sides of kept models and of
/// frames) give the model a fold from the start gives, and the events after it.
fn seeks_match_a_fold(events: &[TraceEvent], snapshots: &Snapshots) {
    let in_memory = Snapshots::new(events.to_vec().into());
    let mut rng = fastrand::Rng::with_seed(4);
    let mut positions: Vec<usize> = (0..40).map(|_| rng.usize(0..=events.len())).collect();
    positions.extend([0, 1, 999, 1_000, 1_001, 8_191, 8_192, 8_193, 16_384, events.len() - 1, events.len()]);
    positions.retain(|&position| position <= events.len());
    positions.sort_unstable();
    let mut model = Model::new();
    let mut folded = 0;
    for position in positions {
        for event in &events[folded..position] {
            model.apply(event);
        }
        folded = position;
        let (seeked, mut cursor) = snapshots.seek(position);
        assert_eq!(state(&seeked), state(&model), "after {position} events");
        assert_eq!(state(&in_memory.model_at(position)), state(&model), "in memory, after {position} events");
        assert_eq!(cursor.position(), position);
        assert_eq!(cursor.next().as_ref(), events.get(position), "the event after {position}");
        let seq = events.get(position).map_or(u64::MAX, |event| event.seq);
        assert_eq!(snapshots.position_after_seq(seq), (position + 1).min(events.len()), "after event {seq}");
        let time = events.get(position).map_or(u64::MAX, |event| event.time_us);
        let at_time = events.partition_point(|event| event.time_us <= time);
        assert_eq!(snapshots.position_at_time(time), at_time, "at {time} µs");
        assert_eq!(in_memory.position_at_time(time), at_time, "in memory, at {time} µs");
    }
}

#[test]
fn a_replay_of_a_binary_file_shows_the_states_json_lines_shows() {
    let recording = busy_recording();
    let (bytes, _) = binary_of(&recording.events);
    let path = temp("busy.tvr");
    std::fs::write(&path, &bytes).unwrap();
    let indexed = record::index(&path).unwrap();
    let (mut from_lines, mut lines) = paused_replay(&recording);
    let mut from_file = App::new(subject("busy", None), Theme::new(ThemeName::Dark, false), PauseState::Paused, 1.0);
    let mut file = Replay::with_snapshots(indexed.snapshots, 1.0, true).unwrap();
    let mut rng = fastrand::Rng::with_seed(21);
    let keys = ['n', 'n', 'b', ']', '[', '}', 'b', 'b', '{', 'n', ']', ']', 'b'];
    for round in 0..80 {
        if round % 10 == 0 {
            let seek = Seek::Share(rng.f64());
            settle(&mut from_lines, &mut lines, vec![Command::Seek(seek)]);
            settle(&mut from_file, &mut file, vec![Command::Seek(seek)]);
        } else if round % 10 == 5 {
            let seek = Seek::Time(rng.u64(0..=recording.end_us()));
            settle(&mut from_lines, &mut lines, vec![Command::Seek(seek)]);
            settle(&mut from_file, &mut file, vec![Command::Seek(seek)]);
        }
        let key = KeyCode::Char(keys[round % keys.len()]);
        press(&mut from_lines, &mut lines, key);
        press(&mut from_file, &mut file, key);
        assert_eq!(file.position(), lines.position(), "round {round}");
        assert_eq!(state(from_file.model()), state(from_lines.model()), "round {round}: after {}", lines.position());
        assert_eq!(file.status().now_us, lines.status().now_us, "round {round}");
    }
    // Stepping a thread reads ahead in the file to its next event.
    settle(&mut from_lines, &mut lines, vec![Command::Seek(Seek::Share(0.0)), Command::Step(Some(3))]);
    settle(&mut from_file, &mut file, vec![Command::Seek(Seek::Share(0.0)), Command::Step(Some(3))]);
    assert!(file.position() > 1);
    assert_eq!(file.position(), lines.position());
    assert_eq!(state(from_file.model()), state(from_lines.model()));
}

// ---------------------------------------------------------------------------------------------
// Damage: arbitrary bytes and mutated recordings. The reader answers Ok or Err, never panics,
// and whatever it accepts can be folded, rewound and exported.

fn everything_downstream(recording: &Recording, render: bool) {
    let snapshots = Snapshots::new(recording.events.clone().into());
    let _ = snapshots.model_at(recording.events.len());
    let _ = snapshots.model_at(recording.events.len() / 2);
    let _ = chrome::trace(recording);
    if render {
        let options = asciicast::Options { width: 60, height: 16, theme: Theme::new(ThemeName::Dark, true) };
        asciicast::write(recording, &options, io::sink()).unwrap();
    }
}

#[test]
fn arbitrary_bytes_never_make_the_reader_panic() {
    let mut rng = fastrand::Rng::with_seed(2024);
    let pieces: [&[u8]; 12] = [
        b"{",
        b"}",
        b"\"",
        b":",
        b",",
        b"\n",
        b"[",
        b"]",
        b"\"format\":\"threadviz-recording\"",
        b"\"version\":1",
        b"\"seq\":",
        b"\xff\xfe",
    ];
    for case in 0..4000 {
        let mut bytes = Vec::new();
        let length = rng.usize(0..300);
        while bytes.len() < length {
            if case % 2 == 0 {
                bytes.push(rng.u8(..));
            } else {
                bytes.extend_from_slice(pieces[rng.usize(..pieces.len())]);
            }
        }
        if let Ok(recording) = record::read_bytes(&bytes, "fuzz") {
            everything_downstream(&recording, case % 400 == 0);
        }
    }
}

#[test]
fn extreme_values_are_folded_rewound_and_exported_without_a_panic() {
    const MAX: u64 = u64::MAX;
    let kinds = [
        r#"{"kind":"thread_created","tid":1,"name":"MainThread","daemon":false,"foreign":false}"#,
        r#"{"kind":"thread_started","tid":1,"daemon":false}"#,
        r#"{"kind":"thread_created","tid":4294967295,"name":"far","daemon":true,"foreign":true}"#,
        r#"{"kind":"prim_created","prim":1,"name":"b","info":{"type":"barrier","parties":4294967295}}"#,
        r#"{"kind":"barrier_arrive","prim":1,"index":4294967295}"#,
        r#"{"kind":"barrier_pass","prim":1,"generation":18446744073709551615}"#,
        r#"{"kind":"prim_created","prim":2,"name":"q","info":{"type":"queue","maxsize":18446744073709551615}}"#,
        r#"{"kind":"task_done","prim":2,"unfinished":18446744073709551615}"#,
        r#"{"kind":"put","prim":2,"item":"x","qsize":18446744073709551615}"#,
        r#"{"kind":"got","prim":2,"item":"x","qsize":0}"#,
        r#"{"kind":"prim_created","prim":3,"name":"s","info":{"type":"semaphore","initial":18446744073709551615,"bounded":true}}"#,
        r#"{"kind":"acquired","prim":3,"count":18446744073709551615}"#,
        r#"{"kind":"released","prim":3,"count":0}"#,
        r#"{"kind":"requested","prim":3,"mode":{"timeout":18446744073709551615}}"#,
        r#"{"kind":"sleep_begin","duration_us":18446744073709551615}"#,
        r#"{"kind":"wait_begin","prim":1,"timeout_us":18446744073709551615}"#,
        r#"{"kind":"join_begin","target":77,"timeout_us":18446744073709551615}"#,
        r#"{"kind":"notified","prim":1,"n":18446744073709551615,"woken":[1,1,99]}"#,
        r#"{"kind":"woken","prim":1,"notified":true}"#,
        r#"{"kind":"acquired","prim":12345,"count":1}"#,
        r#"{"kind":"log","level":"error","message":"a line"}"#,
        r#"{"kind":"thread_exited","tid":1,"exit":{"how":"panicked","message":"boom"}}"#,
        r#"{"kind":"session_ended"}"#,
    ];
    let header = r#"{"format":"threadviz-recording","version":1,"threadviz":"0","demo":"x","seed":0,"speed":1e-300,"started":"","unix_time":0}"#;
    let mut text = format!("{header}\n");
    let count = kinds.len() as u64;
    for (index, kind) in (0_u64..).zip(kinds) {
        // Time leaps: from 0 to the end of the clock.
        let time = if index + 3 >= count { MAX - (count - 1 - index) } else { index * (MAX / 4 / count) };
        let thread = if index % 5 == 4 { 4_294_967_295_u32 } else { 1 };
        let seq = MAX - 1 - count + index;
        writeln!(text, r#"{{"seq":{seq},"time_us":{time},"thread":{thread},"loc":null,"kind":{kind}}}"#).unwrap();
    }
    let recording = record::read_bytes(text.as_bytes(), "extreme.jsonl").unwrap();
    assert_eq!(recording.events.len(), kinds.len());
    everything_downstream(&recording, true);
    let (mut app, mut replay) = paused_replay(&recording);
    for key in ['}', 'b', '{', 'n', 'n', ']', '['] {
        press(&mut app, &mut replay, KeyCode::Char(key));
    }
}

type Mutation = fn(&mut fastrand::Rng, &str) -> Vec<u8>;

fn lines_of(text: &str) -> Vec<&str> {
    text.lines().collect()
}

fn joined(lines: &[&str]) -> Vec<u8> {
    format!("{}\n", lines.join("\n")).into_bytes()
}

#[test]
fn mutated_recordings_are_read_or_refused_never_a_panic() {
    // A short recording keeps thousands of cases quick in a debug build.
    let (bytes, _) = record_demo_as("condition", Form::JsonLines);
    let text = String::from_utf8(bytes).unwrap();
    let mutations: [(&str, Mutation); 6] = [
        ("truncate", |rng, text| text.as_bytes()[..rng.usize(0..=text.len())].to_vec()),
        ("flip bits", |rng, text| {
            let mut bytes = text.as_bytes().to_vec();
            for _ in 0..rng.usize(1..4) {
                let at = rng.usize(..bytes.len());
                bytes[at] ^= 1 << rng.u32(0..8);
            }
            bytes
        }),
        ("change a digit", |rng, text| {
            let mut bytes = text.as_bytes().to_vec();
            let digits: Vec<usize> = (0..bytes.len()).filter(|&at| bytes[at].is_ascii_digit()).collect();
            bytes[digits[rng.usize(..digits.len())]] = b'0' + rng.u8(0..10);
            bytes
        }),
        ("drop a line", |rng, text| {
            let mut lines = lines_of(text);
            lines.remove(rng.usize(..lines.len()));
            joined(&lines)
        }),
        ("duplicate a line", |rng, text| {
            let mut lines = lines_of(text);
            let at = rng.usize(..lines.len());
            lines.insert(at, lines[at]);
            joined(&lines)
        }),
        ("swap two lines", |rng, text| {
            let mut lines = lines_of(text);
            let (a, b) = (rng.usize(..lines.len()), rng.usize(..lines.len()));
            lines.swap(a, b);
            joined(&lines)
        }),
    ];
    let mut rng = fastrand::Rng::with_seed(77);
    let mut accepted = std::collections::BTreeMap::<&str, u32>::new();
    for case in 0..2400 {
        let (name, mutate) = mutations[case % mutations.len()];
        let bytes = mutate(&mut rng, &text);
        match record::read_bytes(&bytes, "mutated.jsonl") {
            Ok(recording) => {
                *accepted.entry(name).or_default() += 1;
                everything_downstream(&recording, case % 400 == 0);
            }
            Err(error) => {
                let message = error.to_string();
                assert!(message.starts_with("mutated.jsonl:"), "{message}");
                assert!(!message.contains('\n'), "{message}");
            }
        }
    }
    // A repeated line is always noticed; so is a swap, unless a line was swapped with itself.
    assert_eq!(accepted.get("duplicate a line"), None);
    assert!(accepted.get("swap two lines").copied().unwrap_or(0) < 40, "{accepted:?}");
}

// ---------------------------------------------------------------------------------------------
// The command line.

fn threadviz(args: &[&str]) -> Output {
    let mut child = Process::new(env!("CARGO_BIN_EXE_threadviz"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    common::wait_child(&mut child, &format!("threadviz {args:?}"), WAIT);
    child.wait_with_output().unwrap()
}

/// Exit code 2 and exactly one line on stderr, which contains every one of `parts`.
fn assert_refused(output: &Output, parts: &[&str]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    for part in parts {
        assert!(stderr.contains(part), "`{part}` in {stderr}");
    }
}

#[test]
fn bad_recordings_are_refused_in_one_line_naming_the_file_and_the_line() {
    let missing = temp("missing.jsonl");
    let _ = std::fs::remove_file(&missing);
    let missing = missing.to_str().unwrap();
    assert_refused(&threadviz(&["replay", missing]), &[missing, "no such file"]);
    assert_refused(&threadviz(&["export", missing, "--format", "chrome", "-o", "/dev/null"]), &[missing]);

    let empty = temp("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let empty = empty.to_str().unwrap();
    assert_refused(&threadviz(&["replay", empty]), &[&format!("{empty}:1:"), "empty"]);

    let foreign = temp("foreign.json");
    std::fs::write(&foreign, "{\"name\": \"package\", \"version\": \"1.0\"}\n").unwrap();
    let foreign = foreign.to_str().unwrap();
    assert_refused(&threadviz(&["replay", foreign]), &[&format!("{foreign}:1:"), "not a threadviz recording"]);

    let text = temp("text.txt");
    std::fs::write(&text, "hello world\nthis is text\n").unwrap();
    let text = text.to_str().unwrap();
    assert_refused(&threadviz(&["export", text, "--format", "asciicast", "-o", "/dev/null"]), &[&format!("{text}:1:")]);

    let (bytes, _) = record_demo_as("condition", Form::JsonLines);
    let good = String::from_utf8(bytes).unwrap();
    let mut lines: Vec<&str> = good.lines().collect();
    lines[4] = "{\"seq\": 3, \"time_us\": oops}";
    let corrupt = temp("corrupt.jsonl");
    std::fs::write(&corrupt, lines.join("\n") + "\n").unwrap();
    let corrupt = corrupt.to_str().unwrap();
    assert_refused(
        &threadviz(&["export", corrupt, "--format", "chrome", "-o", "/dev/null"]),
        &[&format!("{corrupt}:5:"), "not a threadviz event"],
    );

    // The binary form: a header cut short, a damaged frame, a frame out of order.
    let (bytes, frames) = binary_of(&many_events(20_000));
    let cut = temp("cut-header.tvr");
    std::fs::write(&cut, &bytes[..20]).unwrap();
    let cut = cut.to_str().unwrap();
    assert_refused(&threadviz(&["replay", cut]), &[&format!("{cut}: byte 20:"), "header is cut off"]);
    assert_refused(&threadviz(&["export", cut, "--format", "jsonl", "-o", "/dev/null"]), &["header is cut off"]);
    let mut damaged = bytes.clone();
    damaged[frames[1].start + 40] ^= 0x10;
    let damaged_path = temp("damaged.tvr");
    std::fs::write(&damaged_path, &damaged).unwrap();
    let damaged_path = damaged_path.to_str().unwrap();
    let place = format!("{damaged_path}: frame 2 at byte {}:", frames[1].start);
    for args in [
        vec!["replay", damaged_path],
        vec!["export", damaged_path, "--format", "chrome", "-o", "/dev/null"],
        vec!["export", damaged_path, "--format", "jsonl", "-o", "/dev/null"],
    ] {
        assert_refused(&threadviz(&args), &[&place, "checksum", "damaged"]);
    }
    let mut swapped = bytes[..frames[0].start].to_vec();
    swapped.extend_from_slice(&bytes[frames[1].clone()]);
    swapped.extend_from_slice(&bytes[frames[0].clone()]);
    let swapped_path = temp("swapped.tvr");
    std::fs::write(&swapped_path, &swapped).unwrap();
    let swapped_path = swapped_path.to_str().unwrap();
    assert_refused(
        &threadviz(&["replay", swapped_path]),
        &[&format!("{swapped_path}: frame 2 at byte"), "comes after event"],
    );
}

#[test]
fn damaged_binary_recordings_are_read_or_refused_never_a_panic() {
    let (bytes, _) = record_demo("condition");
    let mut rng = fastrand::Rng::with_seed(78);
    for case in 0..3000 {
        let mut damaged = bytes.clone();
        if case % 2 == 0 {
            damaged.truncate(rng.usize(0..=bytes.len()));
        } else {
            for _ in 0..rng.usize(1..4) {
                let at = rng.usize(..damaged.len());
                damaged[at] ^= 1 << rng.u32(0..8);
            }
        }
        match record::read_bytes(&damaged, "damaged.tvr") {
            Ok(recording) => everything_downstream(&recording, case % 500 == 0),
            Err(error) => {
                let message = error.to_string();
                assert!(message.starts_with("damaged.tvr"), "{message}");
                assert!(!message.contains('\n'), "{message}");
            }
        }
    }
}

#[test]
fn the_command_line_records_plain_runs_and_exports_them() {
    let recording = temp("plain.jsonl");
    let path = recording.to_str().unwrap();
    let output = threadviz(&["demo", "condition", "--plain", "--speed", "10", "--record", path]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("Resource is available"), "the log still prints");
    assert!(stderr.contains("recorded") && stderr.contains(path), "{stderr}");
    let read = record::read(&recording).unwrap();
    assert_eq!(read.header.demo, "condition");
    assert!(matches!(read.events.last().unwrap().kind, EventKind::SessionEnded));

    assert!(std::fs::read(&recording).unwrap().starts_with(&record::binary::MAGIC), "binary, whatever the name");

    // Round trips: to JSON Lines and back to the binary form, the same header and events.
    let lines = temp("plain.lines.jsonl");
    let output = threadviz(&["export", path, "--format", "jsonl", "-o", lines.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains(&format!("{} events as JSON Lines", read.events.len())), "{stderr}");
    let text = std::fs::read_to_string(&lines).unwrap();
    assert_eq!(text.lines().count(), read.events.len() + 2, "a header, then one event a line, then the end");
    assert_eq!(text.lines().last(), Some(format!("{{\"end\":{{\"events\":{}}}}}", read.events.len()).as_str()));
    assert_eq!(record::read(&lines).unwrap(), read);
    let back = temp("plain.back.tvr");
    let output = threadviz(&["export", lines.to_str().unwrap(), "--format", "binary", "-o", back.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(record::read(&back).unwrap(), read);

    let trace = temp("plain.trace.json");
    let output = threadviz(&["export", path, "--format", "chrome", "-o", trace.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&trace).unwrap()).unwrap();
    assert!(json["traceEvents"].as_array().is_some_and(|events| !events.is_empty()));

    let cast = temp("plain.cast");
    let output =
        threadviz(&["export", path, "--format", "asciicast", "--size", "100x30", "-o", cast.to_str().unwrap()]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let cast = std::fs::read_to_string(&cast).unwrap();
    let header: serde_json::Value = serde_json::from_str(cast.lines().next().unwrap()).unwrap();
    assert_eq!((header["width"].as_u64(), header["height"].as_u64()), (Some(100), Some(30)));

    let output = threadviz(&["export", path, "--format", "asciicast", "--size", "big", "-o", "/dev/null"]);
    assert_eq!(output.status.code(), Some(2), "a bad size is a usage error");
    let output = threadviz(&["replay", path]);
    assert_eq!(output.status.code(), Some(1), "replay without a terminal says so");
    assert!(String::from_utf8_lossy(&output.stderr).contains("needs a terminal"));
    let output = threadviz(&["demo", "condition", "--plain", "--record", "/nonexistent/dir/r.jsonl"]);
    assert_refused(&output, &["/nonexistent/dir/r.jsonl", "cannot create"]);
}

#[test]
fn a_signal_stops_a_plain_recording_with_the_file_complete() {
    for signal in ["TERM", "QUIT"] {
        let recording = temp(&format!("signalled-{signal}.jsonl"));
        // A file left by an earlier run must not pass for this run's progress.
        let _ = std::fs::remove_file(&recording);
        let path = recording.to_str().unwrap().to_owned();
        // Slow motion: the run would take 40 s; the signal comes once it has started.
        let child = Process::new(env!("CARGO_BIN_EXE_threadviz"))
            .args(["demo", "condition", "--plain", "--speed", "0.1", "--record", &path])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        common::wait_until("the recording has begun", || {
            record::read(&recording).is_ok_and(|read| read.events.len() > 8)
        });
        let killed = Process::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status().unwrap();
        assert!(killed.success());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || tx.send(child.wait_with_output()));
        let output = rx.recv_timeout(WAIT).expect("threadviz stops after the signal").unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(130), "SIG{signal}: {stderr}");
        let read = record::read(&recording).unwrap();
        assert_eq!(read.warning, None, "no line is cut off");
        assert!(matches!(read.events.last().unwrap().kind, EventKind::SessionEnded), "the session's end is recorded");
        assert!(stderr.contains(&format!("recorded {} events", read.events.len())), "{stderr}");
    }
}

#[test]
fn a_recording_killed_outright_keeps_every_frame_it_wrote() {
    let recording = temp("killed.tvr");
    let _ = std::fs::remove_file(&recording);
    let path = recording.to_str().unwrap().to_owned();
    // Slow motion: the run would take 40 s; SIGKILL comes once frames are on disk.
    let mut child = Process::new(env!("CARGO_BIN_EXE_threadviz"))
        .args(["demo", "condition", "--plain", "--speed", "0.1", "--record", &path])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut seen = 0;
    common::wait_until("frames are on disk", || {
        seen = record::read(&recording).map_or(0, |read| read.events.len());
        seen > 8
    });
    child.kill().unwrap();
    child.wait().unwrap();
    let read = record::read(&recording).unwrap();
    assert!(read.events.len() >= seen, "{} events after the kill, {seen} before", read.events.len());
    assert!(!matches!(read.events.last().unwrap().kind, EventKind::SessionEnded), "the run was cut short");
    let warning = read.warning.expect("a killed recording says it is cut short");
    assert!(
        warning.contains("ended without its end marker") || warning.contains("the last frame is cut off"),
        "{warning}"
    );
    assert_eq!(read.header.demo, "condition");
}

#[test]
fn stepping_to_a_thread_far_ahead_reads_the_file_and_shows_the_state_there() {
    // The worker's events at the start and two near the end only: its next event is far ahead.
    let mut events = many_events(30_000);
    for (index, event) in events.iter_mut().enumerate() {
        if (10..29_990).contains(&index) || index >= 29_992 {
            event.thread = 1;
        }
    }
    let (bytes, _) = binary_of(&events);
    let path = temp("far.tvr");
    std::fs::write(&path, &bytes).unwrap();
    let recording = record::read(&path).unwrap();
    let mut app = App::new(subject("far", None), Theme::new(ThemeName::Dark, false), PauseState::Paused, 1.0);
    let mut replay = Replay::with_snapshots(record::index(&path).unwrap().snapshots, 1.0, true).unwrap();
    settle(&mut app, &mut replay, vec![Command::Seek(Seek::Seq(20))]);
    assert_eq!(replay.position(), 21);
    settle(&mut app, &mut replay, vec![Command::Step(Some(2))]);
    let position = replay.position();
    assert_eq!(recording.events[position - 1].thread, 2, "the worker's next event");
    assert!(position > 29_000, "{position}");
    assert_eq!(state(app.model()), state(&fold(&recording.events[..position])));
    // Past its last event, the worker does nothing more, and the replay stays where it was.
    settle(&mut app, &mut replay, vec![Command::Seek(Seek::Share(1.0)), Command::Seek(Seek::Seq(29_991))]);
    let here = replay.position();
    settle(&mut app, &mut replay, vec![Command::Step(Some(2))]);
    assert_eq!(replay.position(), here);
    assert!(app.message().unwrap_or_default().contains("worker does nothing more"), "{:?}", app.message());
    // A near step still sends its events down the channel.
    settle(&mut app, &mut replay, vec![Command::Step(Some(1))]);
    assert_eq!(replay.position(), here + 1);
    assert_eq!(state(app.model()), state(&fold(&recording.events[..=here])));
}

// ---------------------------------------------------------------------------------------------
// Readers that never trust their input.

/// The resident memory of process `pid` in KiB (0 once it has ended).
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with("VmRSS:"))?.to_owned();
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

/// Runs threadviz with `args` and expects it refused (exit 2, one line naming `parts`) within
/// one second, its memory never growing past 50 MB; kills it otherwise.
fn assert_refused_at_once(args: &[&str], parts: &[&str]) {
    let started = Instant::now();
    let mut child = Process::new(env!("CARGO_BIN_EXE_threadviz"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut most = 0;
    let limit = std::time::Duration::from_secs(1);
    loop {
        most = most.max(rss_kib(child.id()));
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > limit || most > 50 * 1024 {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "threadviz {args:?} was not refused within {limit:?} and 50 MB: {most} KiB after {:?}",
                started.elapsed()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let output = child.wait_with_output().unwrap();
    assert!(most < 50 * 1024, "threadviz {args:?} took {most} KiB");
    assert_refused(&output, parts);
}

/// Every command that reads a recording, on `path`.
fn every_reader(path: &str) -> Vec<Vec<&str>> {
    vec![
        vec!["replay", path],
        vec!["export", path, "--format", "jsonl", "-o", "/dev/null"],
        vec!["export", path, "--format", "binary", "-o", "/dev/null"],
        vec!["export", path, "--format", "chrome", "-o", "/dev/null"],
        vec!["export", path, "--format", "asciicast", "-o", "/dev/null"],
    ]
}

#[test]
fn devices_are_refused_at_once_without_reading_them() {
    for device in ["/dev/zero", "/dev/urandom"] {
        for args in every_reader(device) {
            assert_refused_at_once(&args, &[device, "a device, not a recording"]);
        }
    }
}

#[test]
fn a_fifo_with_no_writer_is_refused_at_once() {
    let fifo = temp("no-writer.fifo");
    let _ = std::fs::remove_file(&fifo);
    let made = Process::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo");
    let path = fifo.to_str().unwrap();
    for args in every_reader(path) {
        assert_refused_at_once(&args, &[path, "a FIFO (named pipe), not a recording"]);
    }
    // Through a symlink too.
    let link = temp("no-writer.fifo.link");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    assert_refused_at_once(&["replay", link.to_str().unwrap()], &["FIFO"]);
    std::fs::remove_file(&link).unwrap();
    std::fs::remove_file(&fifo).unwrap();
}

#[test]
fn a_huge_sparse_file_is_refused_after_its_first_line() {
    const SIZE: u64 = 20 << 30;
    // Zeros from the start: the first line is no header.
    let zeros = temp("sparse-zeros.jsonl");
    std::fs::File::create(&zeros).unwrap().set_len(SIZE).unwrap();
    let path = zeros.to_str().unwrap();
    for args in every_reader(path) {
        assert_refused_at_once(&args, &[&format!("{path}:1:"), "not a threadviz recording", "longer than 64 KiB"]);
    }
    // A good header, then zeros: the second line is too long to be an event.
    let headed = temp("sparse-headed.jsonl");
    let mut first_line = serde_json::to_vec(&header()).unwrap();
    first_line.push(b'\n');
    std::fs::write(&headed, &first_line).unwrap();
    std::fs::OpenOptions::new().write(true).open(&headed).unwrap().set_len(SIZE).unwrap();
    let path = headed.to_str().unwrap();
    for args in every_reader(path) {
        assert_refused_at_once(&args, &[&format!("{path}:2:"), "longer than 16 MiB"]);
    }
    std::fs::remove_file(&zeros).unwrap();
    std::fs::remove_file(&headed).unwrap();
}

#[test]
fn json_lines_are_read_one_line_at_a_time() {
    // A header on the first line, then an event: the rest of the file is never read whole, so
    // a long valid recording streams, and a line cut off at the end is still a warning.
    let events = many_events(50);
    let mut text = serde_json::to_string(&header()).unwrap();
    for event in &events {
        text.push('\n');
        text.push_str(&serde_json::to_string(event).unwrap());
    }
    let path = temp("streamed.jsonl");
    std::fs::write(&path, format!("{text}\r\n{{\"end\":{{\"events\":50}}}}\r\n\n")).unwrap();
    let read = record::read(&path).unwrap();
    assert_eq!(read.events, events);
    assert_eq!(read.warning, None);
    let streamed: Vec<TraceEvent> = record::stream(&path).unwrap().map(Result::unwrap).collect();
    assert_eq!(streamed, events);
    std::fs::write(&path, &text[..text.len() - 5]).unwrap();
    let mut stream = record::stream(&path).unwrap();
    assert_eq!(stream.by_ref().count(), 49);
    assert!(
        stream.warning().is_some_and(|warning| warning.contains(":51: the last line is cut off")),
        "{:?}",
        stream.warning()
    );
    // A first line longer than a header can be is refused before anything after it is read.
    std::fs::write(&path, format!("{}\n{text}", " ".repeat(70_000))).unwrap();
    let error = record::index(&path).unwrap_err().to_string();
    assert!(error.contains(":1: not a threadviz recording: the first line is longer than 64 KiB"), "{error}");
}

#[test]
fn a_recorder_that_finishes_cleanly_leaves_a_footer_the_replay_opens_from() {
    let path = temp("footer-recorded.tvr");
    let session = Session::new();
    let recorder = RecordTo::file(&path, "footer").unwrap().attach(&session).unwrap();
    session.run(|| {
        let lock = Lock::named("lock");
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let lock = lock.clone();
                thread::spawn(move || {
                    for _ in 0..500 {
                        lock.acquire();
                        let _ = lock.release();
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join();
        }
    });
    let summary = recorder.finish().unwrap();
    let indexed = record::index(&path).unwrap();
    assert!(indexed.from_footer, "a clean finish writes the footer");
    assert!(indexed.ended);
    assert_eq!(indexed.snapshots.len() as u64, summary.events);
    let recording = record::read(&path).unwrap();
    assert_eq!(indexed.snapshots.end_us(), recording.end_us());
    seeks_match_a_fold(&recording.events, &indexed.snapshots);
}

#[test]
fn a_file_cut_anywhere_is_read_frame_by_frame_and_never_panics() {
    let events = many_events(20_000);
    let (bytes, frames) = binary_of(&events);
    let path = temp("cut-anywhere.tvr");
    let mut rng = fastrand::Rng::with_seed(22);
    // Every byte of the footer and the end marker, around each frame's edges, and at random.
    let footer_from = frames.last().unwrap().end;
    let mut cuts: Vec<usize> = (footer_from..bytes.len()).step_by(5).collect();
    cuts.extend([footer_from + 1, bytes.len() - 48, bytes.len() - 1]);
    cuts.extend(frames.iter().flat_map(|frame| [frame.start, frame.start + 1, frame.end - 1]));
    cuts.extend((0..20).map(|_| rng.usize(0..bytes.len())));
    for cut in cuts {
        std::fs::write(&path, &bytes[..cut]).unwrap();
        let Ok(indexed) = record::index(&path) else { continue };
        assert!(!indexed.from_footer, "cut at {cut}: no footer to open from");
        let whole = frames.iter().filter(|frame| frame.end <= cut).count();
        let expected: usize = if whole == frames.len() { events.len() } else { whole * 8_192 };
        assert_eq!(indexed.snapshots.len(), expected.min(events.len()), "cut at {cut}");
        assert!(indexed.warning.is_some(), "cut at {cut}: said so");
        let _ = indexed.snapshots.model_at(indexed.snapshots.len() / 2);
    }
}

#[test]
fn a_damaged_footer_falls_back_to_reading_every_frame() {
    let events = many_events(20_000);
    let (bytes, layout) = binary_laid_out(&events);
    let frames = layout.frames;
    let path = temp("damaged-footer.tvr");
    // The models stored between the frames and the footer are the next test's.
    let footer = layout.footer.start;
    let marker = bytes.len() - 48;
    // The footer's own header (its length, its tag) is the file's layout: damaged, the file is
    // refused or read whole, never opened from it.
    for at in footer..footer + 16 {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x5a;
        std::fs::write(&path, &damaged).unwrap();
        if let Ok(indexed) = record::index(&path) {
            assert!(!indexed.from_footer && indexed.snapshots.len() == events.len(), "byte {at}");
        }
    }
    // Its contents, checked by its checksum, fall back to reading every frame.
    for at in (footer + 16..marker).step_by(11).chain([marker - 1]) {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x5a;
        std::fs::write(&path, &damaged).unwrap();
        let indexed = record::index(&path).unwrap_or_else(|error| panic!("byte {at}: {error}"));
        assert!(!indexed.from_footer, "byte {at}: the damaged footer is not used");
        assert_eq!(indexed.warning, None, "byte {at}: the frames are whole");
        assert_eq!(indexed.snapshots.len(), events.len());
        let position = at % events.len();
        assert_eq!(state(&indexed.snapshots.model_at(position)), state(&fold(&events[..position])));
    }
    // A frame damaged behind a sound footer is found, and named, as before.
    let mut damaged = bytes.clone();
    damaged[frames[1].start + 40] ^= 0x10;
    std::fs::write(&path, &damaged).unwrap();
    let error = record::index(&path).expect_err("a damaged frame").to_string();
    assert!(error.contains(&format!("frame 2 at byte {}", frames[1].start)) && error.contains("checksum"), "{error}");
}

#[test]
fn a_recording_stores_models_that_seek_at_once_and_a_damaged_one_is_passed_over() {
    let events = many_events(70_000);
    let (bytes, layout) = binary_laid_out(&events);
    assert_eq!(layout.models.len(), 4, "a model every 16,384 events: {:?}", layout.models);
    let path = temp("stored-models.tvr");
    std::fs::write(&path, &bytes).unwrap();
    let opened = record::index(&path).unwrap();
    assert!(opened.from_footer);
    let snapshots = opened.snapshots;
    // Every model there is, from the moment it opens: nothing is folded in the background.
    assert!(snapshots.all_kept());
    assert_eq!((snapshots.kept(), snapshots.every()), (5, 16_384));
    seeks_match_a_fold(&events, &snapshots);
    // Read in order, the models are passed over like the footer.
    assert_eq!(record::read(&path).unwrap().events, events);
    // A model whose contents are damaged fails its checksum: a seek past it folds from the one
    // before, exact all the same.
    let second = &layout.models[1];
    for at in [second.start + 12, second.start + 20, second.start + 16 + (second.len() - 16) / 2, second.end - 1] {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x21;
        std::fs::write(&path, &damaged).unwrap();
        let indexed = record::index(&path).unwrap_or_else(|error| panic!("byte {at}: {error}"));
        assert!(indexed.from_footer, "byte {at}");
        assert_eq!(indexed.warning, None, "byte {at}: the frames are whole");
        for position in [16_384, 2 * 16_384 - 1, 2 * 16_384, 2 * 16_384 + 7, 3 * 16_384 + 5, events.len()] {
            assert_eq!(
                state(&indexed.snapshots.model_at(position)),
                state(&fold(&events[..position])),
                "byte {at}, position {position}"
            );
        }
        assert_eq!(record::read(&path).unwrap().events, events, "byte {at}: read in order");
    }
    // Its length or kind is the file's layout: damaged, the file is refused or read frame by
    // frame, never opened from its footer.
    for at in second.start..second.start + 12 {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x21;
        std::fs::write(&path, &damaged).unwrap();
        if let Ok(indexed) = record::index(&path) {
            assert!(!indexed.from_footer && indexed.snapshots.len() == events.len(), "byte {at}");
        }
    }
}
