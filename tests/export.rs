//! Exports of a recorded demo: the Chrome trace is valid trace-event JSON with one named track
//! per thread, state slices, instants and notify arrows; the asciicast has a valid header and
//! frames in time order, each a whole screen.
#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test at the line that broke")]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use threadviz::EventKind;
use threadviz::dashboard::app::live::LINGER;
use threadviz::dashboard::app::replay::stops::Stops;
use threadviz::dashboard::app::replay::subject;
use threadviz::dashboard::catalog;
use threadviz::dashboard::export::{asciicast, chrome};
use threadviz::dashboard::lesson;
use threadviz::dashboard::session::hold_length;
use threadviz::dashboard::view::theme::{Theme, ThemeName};
use threadviz::record::{self, Recording};

/// The condition demo as `threadviz record` keeps it at speed 10. Recorded once, on a quiet
/// machine: which wake-ups a live run's events show as held depends on how soon the woken
/// threads moved, which a loaded machine delays, so a fresh recording is not the same each time.
fn recorded_condition() -> Recording {
    record::read_bytes(include_bytes!("fixtures/condition-speed10.tvr"), "condition").unwrap()
}

/// How long the cast of `recording` (made at a constant speed) lasts, as the live dashboard
/// took it: its demo time at the recorded speed, each wake-up's hold, and the question's pause.
fn cast_length(recording: &Recording) -> f64 {
    let subject = subject(&recording.header.demo, None);
    let stops = Stops::find(recording.events.iter().cloned(), &subject);
    let speed = recording.header.speed;
    let holds = stops.all().iter().filter(|stop| stop.hold).count() as f64;
    let asked = stops.all().iter().any(|stop| stop.ask.is_some());
    let question = subject.lesson.and_then(lesson::moment).filter(|_| asked).map_or(0.0, |moment| {
        let (question, answer) = asciicast::question_pause(&moment);
        (question + answer).as_secs_f64()
    });
    recording.end_us() as f64 / 1e6 / speed + holds * hold_length(LINGER, speed).as_secs_f64() + question
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

#[test]
fn the_chrome_trace_has_a_named_track_per_thread_with_states_instants_and_arrows() {
    let recording = recorded_condition();
    let mut json = Vec::new();
    chrome::write(&recording, &mut json).unwrap();
    let trace: Value = serde_json::from_slice(&json).expect("valid JSON");
    let events = trace["traceEvents"].as_array().expect("a traceEvents array");
    let threads: BTreeMap<u64, String> = recording
        .events
        .iter()
        .filter_map(|event| match &event.kind {
            EventKind::ThreadCreated { tid, name, .. } => Some((u64::from(*tid), name.clone())),
            _ => None,
        })
        .collect();
    // Every event is well formed for its phase.
    for event in events {
        let phase = text(&event["ph"]);
        assert!(["M", "X", "i", "s", "f"].contains(&phase), "{event}");
        assert_eq!(event["pid"], 1, "{event}");
        if phase != "M" {
            assert!(event["ts"].is_u64(), "{event}");
            assert!(threads.contains_key(&event["tid"].as_u64().unwrap()), "a known thread: {event}");
        }
        if phase == "X" {
            assert!(event["dur"].is_u64(), "{event}");
        }
        if phase == "i" {
            assert_eq!(event["s"], "t", "{event}");
        }
    }
    let of_phase = |phase: &'static str| events.iter().filter(move |event| event["ph"] == phase);
    // One thread_name track per thread, named as the thread.
    let tracks: BTreeMap<u64, &str> = of_phase("M")
        .filter(|event| event["name"] == "thread_name")
        .map(|event| (event["tid"].as_u64().unwrap(), text(&event["args"]["name"])))
        .collect();
    assert_eq!(of_phase("M").filter(|event| event["name"] == "thread_name").count(), threads.len());
    assert_eq!(tracks.len(), threads.len());
    for (tid, name) in &threads {
        assert_eq!(tracks[tid], name);
    }
    let tid_of = |name: &str| threads.iter().find(|(_, n)| n.as_str() == name).map(|(&tid, _)| tid).unwrap();
    let states_of = |tid: u64| -> BTreeSet<&str> {
        of_phase("X").filter(|event| event["tid"] == tid).map(|event| text(&event["name"])).collect()
    };
    assert!(states_of(tid_of("MainThread")).contains("SLEEPING"), "{:?}", states_of(tid_of("MainThread")));
    for consumer in ["c1", "c2"] {
        assert!(states_of(tid_of(consumer)).contains("WAITING"), "{consumer}: {:?}", states_of(tid_of(consumer)));
    }
    let instants: BTreeSet<&str> = of_phase("i").map(|event| text(&event["cat"])).collect();
    assert!(
        instants.contains("acquire") && instants.contains("release") && instants.contains("notify"),
        "{instants:?}"
    );
    // notify_all wakes both consumers: an arrow from p to each.
    let starts: BTreeMap<u64, &Value> = of_phase("s").map(|event| (event["id"].as_u64().unwrap(), event)).collect();
    let finishes: BTreeMap<u64, &Value> = of_phase("f").map(|event| (event["id"].as_u64().unwrap(), event)).collect();
    assert_eq!(starts.len(), 2);
    assert_eq!(starts.keys().collect::<Vec<_>>(), finishes.keys().collect::<Vec<_>>());
    let woken: BTreeSet<u64> = finishes.values().map(|event| event["tid"].as_u64().unwrap()).collect();
    assert_eq!(woken, BTreeSet::from([tid_of("c1"), tid_of("c2")]));
    for (id, start) in &starts {
        assert_eq!(start["tid"], tid_of("p"));
        assert!(start["ts"].as_u64() <= finishes[id]["ts"].as_u64(), "an arrow goes forward in time");
    }
}

fn strip_colours(text: &str) -> String {
    let mut plain = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
}

#[test]
fn the_asciicast_has_a_valid_header_and_whole_screens_in_time_order() {
    let recording = recorded_condition();
    let options = asciicast::Options { width: 120, height: 40, theme: Theme::new(ThemeName::Dark, true) };
    let mut cast = Vec::new();
    let frames = asciicast::write(&recording, &options, &mut cast).unwrap();
    let cast = String::from_utf8(cast).unwrap();
    let mut lines = cast.lines();
    let header: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(header["version"], 2);
    assert_eq!((header["width"].as_u64(), header["height"].as_u64()), (Some(120), Some(40)));
    assert_eq!(header["timestamp"], recording.header.unix_time);
    assert!(text(&header["title"]).contains("condition"));
    let frames_read: Vec<(f64, String)> = lines
        .map(|line| {
            let frame: Value = serde_json::from_str(line).unwrap();
            let frame = frame.as_array().unwrap();
            assert_eq!(frame.len(), 3);
            assert_eq!(frame[1], "o");
            (frame[0].as_f64().unwrap(), frame[2].as_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(frames_read.len(), frames);
    assert!(frames > 5, "the demo changes the screen: {frames} frames");
    let end = recording.end_us() as f64 / 1e6;
    for pair in frames_read.windows(2) {
        assert!(pair[0].0 <= pair[1].0, "times never decrease: {} then {}", pair[0].0, pair[1].0);
        assert_ne!(pair[0].1, pair[1].1, "a frame is written only when the screen changed");
    }
    assert!(frames_read[0].0.abs() < 1e-9, "the first frame is at the start");
    let length = cast_length(&recording);
    assert!(length > end / 10.0, "the holds and the question add to the demo time at 10x");
    assert!((frames_read.last().unwrap().0 - length).abs() < 1e-5, "the last frame is at the end: {length} s");
    for (_, screen) in &frames_read {
        assert!(screen.starts_with("\x1b[H"), "each frame homes the cursor");
        assert_eq!(screen.matches("\r\n").count(), 39, "each frame is 40 rows");
        assert!(screen.contains("\x1b[0;"), "with colours");
    }
    let last = strip_colours(&frames_read.last().unwrap().1);
    assert!(last.contains("ENDED") && last.contains("c1") && last.contains("Resource is available"), "{last}");
    assert!(last.lines().all(|row| row.chars().count() == 120), "every row is 120 columns");
}

// ---------------------------------------------------------------------------------------------
// Writers that never lose data.

/// A fresh folder under cargo's temporary directory for integration tests, unique to `name`.
fn folder(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("export-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn threadviz(args: &[&std::ffi::OsStr]) -> std::process::Output {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_threadviz"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    common::wait_child(&mut child, &format!("threadviz {args:?}"), common::WAIT);
    child.wait_with_output().unwrap()
}

fn export(input: &std::path::Path, format: &str, output: &std::path::Path) -> std::process::Output {
    threadviz(&[
        "export".as_ref(),
        input.as_os_str(),
        "--format".as_ref(),
        format.as_ref(),
        "-o".as_ref(),
        output.as_os_str(),
    ])
}

/// A recording of `condition` in `dir`, in the binary form and as JSON Lines.
fn recording_files(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let binary = dir.join("condition.tvr");
    let output = threadviz(&[
        "demo".as_ref(),
        "condition".as_ref(),
        "--plain".as_ref(),
        "--speed".as_ref(),
        "10".as_ref(),
        "--record".as_ref(),
        binary.as_os_str(),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let lines = dir.join("condition.jsonl");
    let output = export(&binary, "jsonl", &lines);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    (binary, lines)
}

/// Exit code 2, one line on stderr containing every one of `parts`.
fn assert_refused(output: &std::process::Output, parts: &[&str]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    for part in parts {
        assert!(stderr.contains(part), "`{part}` in {stderr}");
    }
}

/// The names in `dir`, sorted.
fn names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn an_export_onto_its_own_input_is_refused_and_the_input_kept() {
    let dir = folder("onto-input");
    let (binary, lines) = recording_files(&dir);
    let symlink = dir.join("link.tvr");
    std::os::unix::fs::symlink(&binary, &symlink).unwrap();
    let hard = dir.join("hard.tvr");
    std::fs::hard_link(&binary, &hard).unwrap();
    let lines_link = dir.join("lines-link.jsonl");
    std::os::unix::fs::symlink("condition.jsonl", &lines_link).unwrap();
    let before = (std::fs::read(&binary).unwrap(), std::fs::read(&lines).unwrap());
    let listed = names(&dir);
    for format in ["chrome", "asciicast", "jsonl", "binary"] {
        for (input, output) in [
            (&binary, &binary),
            (&binary, &symlink),
            (&symlink, &binary),
            (&binary, &hard),
            (&hard, &symlink),
            (&lines, &lines),
            (&lines, &lines_link),
        ] {
            let refused = export(input, format, output);
            assert_refused(&refused, &[&output.display().to_string(), "the recording being exported"]);
            assert_eq!((std::fs::read(&binary).unwrap(), std::fs::read(&lines).unwrap()), before, "{format}");
            assert_eq!(names(&dir), listed, "nothing left behind");
        }
    }
    assert!(std::fs::symlink_metadata(&symlink).unwrap().file_type().is_symlink());
}

#[test]
fn a_failed_export_leaves_the_old_output_byte_for_byte() {
    let dir = folder("failed");
    let (binary, lines) = recording_files(&dir);
    // JSON Lines damaged in its fifth line: the header and three events are read first.
    let text = std::fs::read_to_string(&lines).unwrap();
    let mut damaged_lines: Vec<&str> = text.lines().collect();
    damaged_lines[4] = "{\"seq\": 3, \"time_us\": oops}";
    let damaged_text = dir.join("damaged.jsonl");
    std::fs::write(&damaged_text, damaged_lines.join("\n") + "\n").unwrap();
    // The binary form damaged in its first frame, after a good header.
    let mut bytes = std::fs::read(&binary).unwrap();
    let at = bytes.len() - 10;
    bytes[at] ^= 0x10;
    let damaged_binary = dir.join("damaged.tvr");
    std::fs::write(&damaged_binary, &bytes).unwrap();

    let precious = dir.join("precious.out");
    let old = b"precious: an export from yesterday\n".repeat(100);
    std::fs::write(&precious, &old).unwrap();
    let listed = names(&dir);
    for damaged in [&damaged_text, &damaged_binary] {
        for format in ["jsonl", "binary", "chrome", "asciicast"] {
            let output = export(damaged, format, &precious);
            assert_refused(&output, &[&damaged.display().to_string(), "damaged"]);
            assert_eq!(std::fs::read(&precious).unwrap(), old, "{format} of {}", damaged.display());
            assert_eq!(names(&dir), listed, "no temporary file left behind");
        }
    }
    // Through a symlink to it, too; and a good export replaces the target, keeping the link.
    let link = dir.join("precious-link.out");
    std::os::unix::fs::symlink(&precious, &link).unwrap();
    assert_refused(&export(&damaged_text, "jsonl", &link), &["damaged"]);
    assert_eq!(std::fs::read(&precious).unwrap(), old);
    let output = export(&binary, "jsonl", &link);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link is kept");
    assert_eq!(std::fs::read(&precious).unwrap(), std::fs::read(&lines).unwrap());
}

// ---------------------------------------------------------------------------------------------
// The cast holds what the class saw.

/// One frame of a cast: when it shows (seconds), for how long, and its text without colours.
struct Shown {
    at: f64,
    lasts: f64,
    text: String,
}

fn frames_of(cast: &str) -> Vec<Shown> {
    let frames: Vec<(f64, String)> = cast
        .lines()
        .skip(1)
        .map(|line| {
            let frame: Value = serde_json::from_str(line).unwrap();
            (frame[0].as_f64().unwrap(), strip_colours(frame[2].as_str().unwrap()))
        })
        .collect();
    (0..frames.len())
        .map(|index| {
            let lasts = frames.get(index + 1).map_or(f64::INFINITY, |next| next.0 - frames[index].0);
            Shown { at: frames[index].0, lasts, text: frames[index].1.clone() }
        })
        .collect()
}

/// The state a thread's row in the table shows (`BLOCKED`, `RUNNING`...), found by its name.
fn state_of<'a>(screen: &'a str, name: &str) -> Option<&'a str> {
    let row = screen.lines().find(|row| row.split_whitespace().nth(2) == Some(name))?;
    row.split_whitespace().find(|word| word.chars().all(|c| c.is_ascii_uppercase()) && word.len() > 3)
}

#[test]
fn the_cast_of_condition_holds_the_blocked_consumers_after_the_notify_and_asks_there() {
    const SPEED: f64 = 10.0;
    let dir = folder("held");
    let recorded = dir.join("condition.tvr");
    let output = threadviz(&[
        "demo".as_ref(),
        "condition".as_ref(),
        "--plain".as_ref(),
        "--speed".as_ref(),
        "10".as_ref(),
        "--record".as_ref(),
        recorded.as_os_str(),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let cast_path = dir.join("condition.cast");
    let output = export(&recorded, "asciicast", &cast_path);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let recording = record::read(&recorded).unwrap();
    let frames = frames_of(&std::fs::read_to_string(&cast_path).unwrap());

    // The recording itself holds the moment: both consumers ask for the lock before p lets go.
    let events = &recording.events;
    let tid = |wanted: &str| {
        events.iter().find_map(|event| match &event.kind {
            EventKind::ThreadCreated { tid, name, .. } if name == wanted => Some(*tid),
            _ => None,
        })
    };
    let (c1, c2, p) = (tid("c1").unwrap(), tid("c2").unwrap(), tid("p").unwrap());
    let notify = events.iter().position(|event| matches!(event.kind, EventKind::Notified { .. })).unwrap();
    let release = notify
        + events[notify..]
            .iter()
            .position(|event| event.thread == p && matches!(event.kind, EventKind::Released { .. }))
            .unwrap();
    for consumer in [c1, c2] {
        assert!(
            events[notify..release]
                .iter()
                .any(|event| event.thread == consumer && matches!(event.kind, EventKind::Requested { .. })),
            "thread {consumer} blocks on the lock before p releases it"
        );
    }

    // Every frame where c1 and c2 are BLOCKED on p's lock comes after the notify, at its time
    // at 10x (within a frame).
    let both_blocked = |frame: &&Shown| {
        state_of(&frame.text, "c1") == Some("BLOCKED") && state_of(&frame.text, "c2") == Some("BLOCKED")
    };
    let blocked: Vec<&Shown> = frames.iter().filter(both_blocked).collect();
    assert!(!blocked.is_empty(), "a frame shows c1 and c2 BLOCKED");
    let notified_at = events[notify].time_us as f64 / 1e6 / SPEED;
    let frame = asciicast::FRAME_US as f64 / 1e6;
    assert!(
        blocked[0].at >= notified_at - 1e-6 && blocked[0].at <= notified_at + frame,
        "{} against {notified_at}",
        blocked[0].at
    );
    for shown in &blocked {
        assert_eq!(state_of(&shown.text, "p"), Some("RUNNING"), "p still holds the lock:\n{}", shown.text);
        assert!(shown.text.contains("RLock-1"), "{}", shown.text);
    }

    // First the question, paused, its answer hidden, then its answer, for as long as the pause
    // says; then the moment itself, for the hold the live session holds it at 10x.
    let moment = lesson::moment(catalog::find("condition").unwrap().lesson).unwrap();
    let (question, answer) = asciicast::question_pause(&moment);
    let [asking, answering, moment_held] = blocked[..] else { panic!("three frames of the moment: {}", blocked.len()) };
    for shown in [asking, answering] {
        assert!(shown.text.contains("PAUSED") && shown.text.contains("Ask the class"), "{}", shown.text);
        assert!(shown.text.contains("can c1 print its line?"), "the question on screen:\n{}", shown.text);
    }
    assert!(asking.text.contains("answer hidden") && !asking.text.contains("Answer:"), "{}", asking.text);
    assert!(answering.text.contains("Answer: No."), "{}", answering.text);
    assert!((asking.lasts - question.as_secs_f64()).abs() < 1e-5, "{} s for the question", asking.lasts);
    assert!((answering.lasts - answer.as_secs_f64()).abs() < 1e-5, "{} s for the answer", answering.lasts);
    assert!(
        !moment_held.text.contains("Ask the class") && !moment_held.text.contains("PAUSED"),
        "{}",
        moment_held.text
    );
    let hold = hold_length(LINGER, SPEED).as_secs_f64();
    assert!(
        moment_held.lasts >= hold - 1e-5 && moment_held.lasts < hold + frame,
        "held {} s, live holds {hold} s",
        moment_held.lasts
    );
    // Then p lets go and the lock goes to one consumer, the other still BLOCKED.
    let after = frames.iter().position(|shown| std::ptr::eq(shown, moment_held)).unwrap() + 1;
    let handed = &frames[after].text;
    assert_eq!(state_of(handed, "p"), Some("DONE"), "{handed}");
    let mut states = [state_of(handed, "c1"), state_of(handed, "c2")];
    states.sort_unstable();
    assert_eq!(states, [Some("BLOCKED"), Some("RUNNING")], "{handed}");
    // The whole cast takes what the live dashboard took at 10x, with the question's pause.
    let length = cast_length(&recording);
    assert!((frames.last().unwrap().at - length).abs() < 1e-5, "{} s against {length} s", frames.last().unwrap().at);
    println!(
        "condition at 10x: question {question:?}, answer {answer:?}, the moment held {:.4} s (live {hold} s), cast {length:.3} s",
        moment_held.lasts
    );
}
