//! Watching your own failure: a `Failure`'s accessors on failures `Explorer::check` really
//! finds, `watch_schedule` and `Failure::watch` following the schedule in a real terminal (this
//! test binary run again in tmux), a recording of a user's program carrying its source so that
//! its replay shows it anywhere, and a recording written before sources were carried still
//! opening.
#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test at the line that broke")]

mod common;

use std::path::PathBuf;

use threadviz::dashboard::app::Seek;
use threadviz::dashboard::app::replay::{Replay, subject};
use threadviz::dashboard::app::run::Controller;
use threadviz::dashboard::app::{App, Command, Msg};
use threadviz::dashboard::session::PauseState;
use threadviz::dashboard::view::theme::{Theme, ThemeName};
use threadviz::explore::{Explorer, Failed, FailureKind, Strategy};
use threadviz::record;
use threadviz::sync::{Lock, Shared};
use threadviz::{EventKind, thread};

use common::tmux::{Tmux, assert_exited_and_restored};

/// Two threads each add one to a counter, unlocked: one can overwrite the other's update.
fn two_increments() -> Shared<i64> {
    let counter = Shared::named("counter", 0);
    let other = {
        let counter = counter.clone();
        thread::spawn(move || {
            let seen = counter.load();
            counter.store(seen + 1);
        })
    };
    let seen = counter.load();
    counter.store(seen + 1);
    other.join();
    counter
}

/// [`two_increments`], checked: a lost update fails the assert.
fn two_increments_checked() {
    let counter = two_increments();
    assert_eq!(counter.load(), 2, "an update was lost");
}

/// Two threads take two locks in opposite orders.
fn two_locks() {
    let (a, b) = (Lock::named("a"), Lock::named("b"));
    let other = {
        let (a, b) = (a.clone(), b.clone());
        thread::spawn(move || {
            let _b = b.hold();
            let _a = a.hold();
        })
    };
    {
        let _a = a.hold();
        let _b = b.hold();
    }
    other.join();
}

fn dfs() -> Explorer {
    Explorer::new().strategy(Strategy::Dfs { preemptions: 2 })
}

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("threadviz-watch-failure-{}-{name}", std::process::id()))
}

#[test]
fn a_deadlock_found_by_check_says_its_kind_run_step_schedule_and_threads() {
    let failure = common::with_deadline("exploring two locks", || dfs().check(two_locks).unwrap_err());
    assert_eq!(failure.kind(), Failed::Deadlock);
    assert_eq!(failure.kind().finding(), Some(FailureKind::Deadlock));
    assert_eq!(failure.kind().to_string(), "deadlock");
    assert!(failure.run() >= 1, "{failure}");
    assert!(failure.step() >= 1 && failure.step() <= failure.steps(), "{failure}");
    // The cycle's two threads, in its order from its lowest-numbered thread.
    assert_eq!(failure.threads(), ["MainThread", "Thread-1"], "{failure}");
    // What Display prints is what the accessors say.
    let printed = failure.to_string();
    assert!(printed.starts_with(failure.message()), "{printed}");
    assert!(printed.contains(&format!("in run {}", failure.run())), "{printed}");
    assert!(printed.contains(&format!("at step {} of {}", failure.step(), failure.steps())), "{printed}");
    assert!(printed.contains(&format!("schedule: {}", failure.schedule())), "{printed}");
    assert!(printed.contains(failure.replay_hint()), "{printed}");
    // The schedule replays the same deadlock, at the same step, among the same threads.
    let schedule = failure.schedule().to_owned();
    let again =
        common::with_deadline("replaying", move || threadviz::explore::replay(&schedule, two_locks).unwrap_err());
    assert_eq!(again.kind(), Failed::Deadlock);
    assert_eq!((again.run(), again.step(), again.threads()), (1, failure.step(), failure.threads()));
}

#[test]
fn a_lost_update_says_who_overwrote_whom_and_its_assert_the_thread_that_panicked() {
    // Unchecked, no run fails, but the report has the lost update as a failure of its own.
    let report = common::with_deadline("exploring", || dfs().check(|| drop(two_increments())).unwrap());
    let lost = report.failure(FailureKind::LostUpdate).expect("a lost update is found");
    assert_eq!(lost.kind(), Failed::LostUpdate);
    assert_eq!(lost.kind().to_string(), "lost update");
    assert_eq!(Some(lost.schedule()), report.schedule(FailureKind::LostUpdate));
    assert!(lost.run() >= 1 && lost.run() <= report.runs(), "{lost}");
    assert!(lost.step() >= 1 && lost.step() <= lost.steps(), "{lost}");
    // The thread that stored, then the one whose store it overwrote: the story names both.
    let threads = lost.threads();
    assert_eq!(threads.len(), 2, "{threads:?}");
    let mut sorted = threads.to_vec();
    sorted.sort();
    assert_eq!(sorted, ["MainThread", "Thread-1"]);
    let storer = lost.message().find(&threads[0]).expect("the story names the storer");
    let overwritten = lost.message().find(&threads[1]).expect("the story names the overwritten");
    assert!(lost.message().starts_with("lost 1 update on counter"), "{}", lost.message());
    assert_ne!(storer, overwritten);
    // Checked, the same interleaving fails the assert: a panic of the main thread.
    let failure = common::with_deadline("exploring", || dfs().check(two_increments_checked).unwrap_err());
    assert_eq!(failure.kind(), Failed::Panic);
    assert_eq!(failure.threads(), ["MainThread"]);
    assert!(failure.message().contains("an update was lost"), "{failure}");
}

#[test]
fn a_schedule_that_does_not_read_is_refused_before_the_terminal_is_touched() {
    // No terminal here (the test's stdout is captured): an error before one is needed.
    let error = threadviz::watch_schedule("bad", "1.x.2", || {}).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    let replayed = threadviz::explore::replay("1.x.2", || {}).unwrap_err();
    assert_eq!(replayed.kind(), Failed::Misfit);
    assert_eq!(error.to_string(), replayed.message(), "the same words as replay's");
    assert_eq!((replayed.step(), replayed.threads()), (0, &[] as &[String]));
}

/// The shell line that runs this test binary's ignored test `name` in tmux, then reports how
/// it ended and whether the terminal was left in raw mode, and stays alive so the pane can
/// still be read.
fn child_command(name: &str) -> String {
    let binary = std::env::current_exe().unwrap();
    format!(
        "'{}' --ignored --exact {name} --nocapture --test-threads=1; echo EXITED $?; \
         if stty -a | grep -q -- -icanon; then echo TTY RAW; else echo TTY COOKED; fi; sleep 600",
        binary.display()
    )
}

/// Presses `n` until the guide says `done`, at most `most` times; the screen then.
#[track_caller]
fn step_until(tmux: &Tmux, most: usize, done: impl Fn(&str) -> bool) -> String {
    for _ in 0..most {
        let screen = tmux.settled();
        if done(&screen) {
            return screen;
        }
        tmux.keys(&["n"]);
    }
    tmux.wait_for("the announced step", done)
}

#[test]
#[ignore = "the program `watch_schedule_follows_a_lost_update_in_a_terminal` runs in tmux"]
fn child_watches_the_lost_update_schedule() {
    let report = dfs().check(|| drop(two_increments())).unwrap();
    let schedule = report.schedule(FailureKind::LostUpdate).unwrap().to_owned();
    threadviz::watch_schedule("two increments", &schedule, || drop(two_increments())).unwrap();
}

#[test]
fn watch_schedule_follows_a_lost_update_in_a_terminal() {
    let tmux = Tmux::start("watch-schedule", 120, 40, &child_command("child_watches_the_lost_update_schedule"));
    tmux.wait_for("the paused dashboard", |screen| {
        screen.contains("following the schedule: 0 steps taken") && screen.contains(" MainThread ")
    });
    // The whole first frame, not one caught half drawn.
    let start = tmux.settled();
    assert!(start.contains("two increments"), "the title:\n{start}");
    assert!(start.contains("the lost update on counter comes at step"), "announced:\n{start}");
    // The source panel shows this file, where the threads are.
    assert!(start.contains("let counter = Shared::named(\"counter\", 0);"), "the source:\n{start}");
    let before = step_until(&tmux, 40, |screen| screen.contains("next step makes the lost update on counter"));
    assert!(!before.contains("lost 1 update"), "not lost yet:\n{before}");
    tmux.keys(&["n"]);
    tmux.wait_for("the lost update", |screen| screen.contains("lost 1 update on counter"));
    tmux.keys(&["q"]);
    assert_exited_and_restored(&tmux, 0);
}

#[test]
#[ignore = "the program `failure_watch_follows_its_deadlock_in_a_terminal` runs in tmux"]
fn child_watches_the_deadlock_failure() {
    let failure = dfs().check(two_locks).unwrap_err();
    failure.watch(two_locks).unwrap();
}

#[test]
fn failure_watch_follows_its_deadlock_in_a_terminal() {
    let tmux = Tmux::start("failure-watch", 120, 40, &child_command("child_watches_the_deadlock_failure"));
    tmux.wait_for("the paused dashboard", |screen| {
        screen.contains("following the schedule: 0 steps taken") && screen.contains(" MainThread ")
    });
    // The whole first frame, not one caught half drawn.
    let start = tmux.settled();
    assert!(start.contains("comes at step"), "the deadlock is announced:\n{start}");
    let end = step_until(&tmux, 40, |screen| screen.contains("no thread can move: deadlock"));
    assert!(end.contains("deadlock: MainThread holds a and waits for b, held by Thread-1, which waits for a"), "{end}");
    assert!(end.contains(" deadlock  ⏸ PAUSED"), "the title is the failure's kind:\n{end}");
    tmux.keys(&["q"]);
    assert_exited_and_restored(&tmux, 0);
}

/// The source events of a recording, by path.
fn carried(recording: &record::Recording) -> Vec<(&str, &str)> {
    let sources = recording.events.iter().filter_map(|event| match &event.kind {
        EventKind::Source { path, text } => Some((path.as_str(), text.as_str())),
        _ => None,
    });
    sources.collect()
}

#[test]
fn a_recorded_failure_carries_this_file_once_before_the_first_event_in_it() {
    let path = temp("carried.tvr");
    let recorded = path.clone();
    let failure = common::with_deadline("exploring", move || {
        dfs().record_failure(recorded).check(two_increments_checked).unwrap_err()
    });
    let recording = record::read(&path).unwrap();
    let this_file = file!();
    let carried = carried(&recording);
    let paths: Vec<&str> = carried.iter().map(|(path, _)| *path).collect();
    assert_eq!(paths, [this_file], "this file, once");
    assert!(carried[0].1 == include_str!("watch_failure.rs"), "the file's text, whole");
    let source_at = recording.events.iter().position(|event| matches!(event.kind, EventKind::Source { .. })).unwrap();
    let first_in_it =
        recording.events.iter().position(|event| event.loc.as_ref().is_some_and(|loc| loc.file == this_file)).unwrap();
    assert_eq!(source_at + 1, first_in_it, "just before the first event in the file");
    // Numbered on without a gap (the reader checks), and still the run that failed.
    assert!(recording.events.windows(2).all(|pair| pair[1].seq == pair[0].seq + 1));
    assert!(recording.ended());
    let panicked = recording.events.iter().any(|event| {
        matches!(&event.kind, EventKind::ThreadExited { exit: threadviz::event::ExitKind::Panicked { message }, .. }
            if message.contains("an update was lost"))
    });
    assert!(panicked, "the recording is the failing run: {failure}");
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn the_replay_of_a_recorded_failure_shows_its_source_wherever_it_seeks() {
    let path = temp("replayed.tvr");
    let recorded = path.clone();
    common::with_deadline("exploring", move || {
        dfs().record_failure(recorded).check(two_increments_checked).unwrap_err()
    });
    let indexed = record::index(&path).unwrap();
    let subject = subject(&indexed.header.demo, Some("(replay)"));
    let mut replay = Replay::about(indexed.snapshots, 1.0, true, &subject).unwrap();
    let mut app = App::new(subject, Theme::new(ThemeName::Dark, false), PauseState::Paused, 1.0);
    app.mark_as_replay();
    // What `threadviz replay` does before it starts; the app never reads a file itself.
    for source in replay.carried_sources() {
        app.update(source);
    }
    // Straight to the middle, past the event that carried the file: never folded.
    if let Some(reply) = replay.apply(Command::Seek(Seek::Share(0.6))) {
        app.update(reply);
    }
    app.update(Msg::Events(replay.events().try_iter().collect()));
    app.update(replay.status().into());
    assert!(app.wanted_sources().is_empty(), "nothing to read from disk: {:?}", app.wanted_sources());
    let (shown_path, text) = app.source().expect("the source is shown");
    assert_eq!((shown_path, text), (file!(), include_str!("watch_failure.rs")));
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn threadviz_replay_shows_a_recorded_failures_source_away_from_its_crate() {
    let path = temp("anywhere.tvr");
    let recorded = path.clone();
    common::with_deadline("exploring", move || {
        dfs().record_failure(recorded).check(two_increments_checked).unwrap_err()
    });
    // A directory with no `tests/`, and no CARGO_MANIFEST_DIR: only the recording has the file.
    let elsewhere = tempfile::tempdir().unwrap();
    let command = format!(
        "cd '{}' && env -u CARGO_MANIFEST_DIR '{}' replay --paused '{}'; echo EXITED $?; \
         if stty -a | grep -q -- -icanon; then echo TTY RAW; else echo TTY COOKED; fi; sleep 600",
        elsewhere.path().display(),
        env!("CARGO_BIN_EXE_threadviz"),
        path.display()
    );
    let tmux = Tmux::start("replay-anywhere", 120, 40, &command);
    // Past the first events, to where the threads are at lines of this file.
    tmux.wait_for("the paused replay", |screen| screen.contains("explored failure (replay)"));
    let screen = tmux.wait_for_with(
        "the source",
        |screen| screen.contains("let counter = Shared::named(\"counter\", 0);"),
        |_| tmux.keys(&["n"]),
    );
    assert!(!screen.contains("(no source for this program)"), "{screen}");
    assert!(!screen.contains("cannot read"), "{screen}");
    tmux.keys(&["q"]);
    assert_exited_and_restored(&tmux, 0);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn a_recording_made_before_sources_were_carried_still_opens_and_replays() {
    // `threadviz demo lock --record lock-v2.tvr --plain`, by the threadviz before this change.
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/lock-v2.tvr");
    let recording = record::read(fixture).unwrap();
    assert_eq!((recording.header.demo.as_str(), recording.header.version), ("lock", 2));
    assert_eq!(recording.events.len(), 62);
    assert!(recording.ended() && recording.warning.is_none());
    assert!(carried(&recording).is_empty(), "a demo's recording carries no source");
    let indexed = record::index(fixture).unwrap();
    assert!(indexed.snapshots.sources().is_empty());
    let subject = subject(&indexed.header.demo, None);
    assert!(subject.source.is_some(), "the catalogue has its source");
    let mut replay = Replay::about(indexed.snapshots, 1.0, true, &subject).unwrap();
    let mut app = App::new(subject, Theme::new(ThemeName::Dark, false), PauseState::Paused, 1.0);
    if let Some(reply) = replay.apply(Command::Seek(Seek::Share(1.0))) {
        app.update(reply);
    }
    app.update(Msg::Events(replay.events().try_iter().collect()));
    assert!(app.model().ended);
    assert!(app.model().log.iter().any(|line| line.message == "Counter: 4"), "{:?}", app.model().log);
}
