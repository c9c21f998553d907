//! The app's `update` without a terminal: keys and their commands, stepping, speed, restarts,
//! the deadlock pause, the timeline linked to the log, the lesson's moment, scrolling.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use super::{Appearance, ThemeName};
use crate::event::{EventKind, TraceEvent};
use crate::session::StepRefused;

/// The status a controller sends: demo time, pause state and the threads ready to step (at
/// speed 1, nothing dropped, no places known).
fn told_status(now_us: u64, pause: PauseState, ready: Vec<Tid>) -> Msg {
    Msg::Status(Status { now_us, pause, speed: 1.0, dropped: 0, ready, ready_at: std::collections::BTreeMap::new() })
}

fn app() -> App {
    let showing = Subject { title: "test", source: None, lesson: Some("# Notes") };
    App::new(showing, Appearance::new(ThemeName::Dark, false), PauseState::Paused, 1.0)
}

/// Presses `code`, then draws the screen, as the loop does after every input: the view settles
/// what the app scrolls by as it draws.
fn key(app: &mut App, code: KeyCode) -> Vec<Command> {
    let commands = app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    let _ = screen(app, app.ui.size.0, app.ui.size.1);
    commands
}

fn with_threads(app: &mut App, count: u32) {
    app.update(Msg::Events(threads_made(count)));
}

/// The events that make threads 1 to `count`.
fn threads_made(count: u32) -> Vec<TraceEvent> {
    (1..=count)
        .map(|tid| TraceEvent {
            seq: u64::from(tid),
            time_us: 0,
            thread: 1,
            loc: None,
            kind: EventKind::ThreadCreated { tid, name: format!("T{tid}"), daemon: false, foreign: false },
        })
        .collect()
}

#[test]
fn space_toggles_between_pause_and_resume() {
    let mut app = app();
    assert_eq!(key(&mut app, KeyCode::Char(' ')), [Command::Resume]);
    app.update(told_status(0, PauseState::Running, Vec::new()));
    assert_eq!(key(&mut app, KeyCode::Char(' ')), [Command::Pause]);
}

#[test]
fn stepping_a_running_session_pauses_it_first() {
    let mut app = app();
    app.update(told_status(0, PauseState::Running, Vec::new()));
    assert_eq!(key(&mut app, KeyCode::Char('n')), [Command::Pause, Command::Step(None)]);
}

#[test]
fn enter_steps_the_selected_thread() {
    let mut app = app();
    with_threads(&mut app, 3);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    assert_eq!(key(&mut app, KeyCode::Enter), [Command::Step(Some(3))]);
    key(&mut app, KeyCode::Char('1'));
    assert_eq!(key(&mut app, KeyCode::Enter), [Command::Step(Some(1))]);
    key(&mut app, KeyCode::Char('9'));
    assert_eq!(app.ui.selected, 0, "a row that does not exist is not selected");
}

#[test]
fn a_selection_past_the_last_row_shows_the_last_and_comes_back_with_the_rows() {
    let mut app = app();
    with_threads(&mut app, 3);
    key(&mut app, KeyCode::Char('3'));
    assert_eq!(app.selected_thread(), Some(3));
    // A seek back to before threads 2 and 3 were made: the last row there is shows selected.
    let mut fewer = Model::new();
    for event in &threads_made(1) {
        fewer.apply(event);
    }
    app.update(Msg::Reset(Box::new(fewer)));
    assert_eq!((app.selected_row(), app.selected_thread()), (0, Some(1)));
    // Forward again: the row chosen is selected again, nobody having moved the selection.
    with_threads(&mut app, 3);
    assert_eq!(app.selected_thread(), Some(3));
    // A move from a settled selection starts where it shows.
    app.update(Msg::Reset(Box::new(Model::new())));
    with_threads(&mut app, 2);
    key(&mut app, KeyCode::Up);
    assert_eq!(app.selected_thread(), Some(1));
}

/// Presses `code` and takes the speed it asks for as the session's new speed.
fn speed_after(app: &mut App, code: KeyCode) -> f64 {
    let commands = key(app, code);
    let [Command::SetSpeed(speed)] = commands[..] else { panic!("{commands:?}") };
    app.status.speed = speed;
    speed
}

#[test]
#[allow(clippy::float_cmp, reason = "the rungs are exact constants, passed on unchanged")]
fn speed_keys_climb_a_ladder_through_1x_and_stop_at_its_ends() {
    let mut app = app();
    let down: Vec<f64> = (0..4).map(|_| speed_after(&mut app, KeyCode::Char('-'))).collect();
    assert_eq!(down, [0.5, 0.2, 0.1, 0.1], "slower and slower, then no slower than 0.1x");
    let up: Vec<f64> = (0..7).map(|_| speed_after(&mut app, KeyCode::Char('+'))).collect();
    assert_eq!(up, [0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 10.0], "back through 1x, up to 10x");
    // From a speed between rungs (`--speed 0.3`), the next rung each way, then the ladder.
    app.status.speed = 0.3;
    assert_eq!(speed_after(&mut app, KeyCode::Char('+')), 0.5);
    assert_eq!(speed_after(&mut app, KeyCode::Char('+')), 1.0);
    app.status.speed = 0.3;
    assert_eq!(speed_after(&mut app, KeyCode::Char('-')), 0.2);
    // `-` three times then `+` from 1x is 0.5x, 0.2x, 0.1x, 0.2x: every speed is a rung.
    app.status.speed = 1.0;
    let presses = ['-', '-', '-', '+', '+', '+'].map(|key| speed_after(&mut app, KeyCode::Char(key)));
    assert_eq!(presses, [0.5, 0.2, 0.1, 0.2, 0.5, 1.0]);
    // A speed read back a hair off a rung counts as on it.
    app.status.speed = 2.0 - 1e-12;
    assert_eq!(speed_after(&mut app, KeyCode::Char('+')), 5.0);
}

fn ended(app: &mut App, pause: PauseState) {
    app.update(Msg::Events(vec![event(99, 0, 1, EventKind::SessionEnded)]));
    app.update(Msg::Status(Status {
        now_us: 0,
        pause,
        speed: 1.0,
        dropped: 0,
        ready: Vec::new(),
        ready_at: std::collections::BTreeMap::new(),
    }));
}

#[test]
fn space_at_the_end_runs_the_program_again_and_running() {
    let mut app = app();
    app.update(told_status(0, PauseState::Running, Vec::new()));
    with_threads(&mut app, 2);
    ended(&mut app, PauseState::Running);
    assert_eq!(key(&mut app, KeyCode::Char(' ')), [Command::Resume, Command::Restart]);
    assert!(!app.model.ended && app.model.threads.is_empty(), "a fresh run starts from an empty model");
}

#[test]
fn r_after_the_end_restarts_running_unless_the_user_paused() {
    // The app paused for a deadlock, then the program ended: the restart runs.
    let mut app = self::app();
    app.update(told_status(0, PauseState::Running, Vec::new()));
    ended(&mut app, PauseState::Paused);
    assert!(!app.paused_by_user);
    assert_eq!(key(&mut app, KeyCode::Char('r')), [Command::Resume, Command::Restart]);

    // Paused with space, then stepped to the end: the restart stays paused.
    let mut app = self::app();
    app.update(told_status(0, PauseState::Running, Vec::new()));
    assert_eq!(key(&mut app, KeyCode::Char(' ')), [Command::Pause]);
    ended(&mut app, PauseState::Paused);
    assert_eq!(key(&mut app, KeyCode::Char('r')), [Command::Restart]);

    // Ended while running: a plain restart, which runs as the session did.
    let mut app = self::app();
    app.update(told_status(0, PauseState::Running, Vec::new()));
    ended(&mut app, PauseState::Running);
    assert_eq!(key(&mut app, KeyCode::Char('r')), [Command::Restart]);

    // Started with --paused (a choice), resumed, ended: running again.
    let mut app = self::app();
    assert!(app.paused_by_user, "starting paused is the user's choice");
    assert_eq!(key(&mut app, KeyCode::Char(' ')), [Command::Resume]);
    ended(&mut app, PauseState::Running);
    assert_eq!(key(&mut app, KeyCode::Char('r')), [Command::Restart]);
}

#[test]
fn n_steps_next_the_first_ready_thread_after_the_one_stepped_last() {
    let mut app = app();
    with_threads(&mut app, 4);
    let status = |ready: Vec<Tid>| {
        Msg::Status(Status {
            now_us: 0,
            pause: PauseState::Paused,
            speed: 1.0,
            dropped: 0,
            ready,
            ready_at: std::collections::BTreeMap::new(),
        })
    };
    app.update(status(vec![2, 3, 4]));
    assert_eq!(app.next_to_step(), Some(2), "nothing stepped yet: the lowest number");
    let stepped =
        |seq, thread| event(seq, 0, 0, EventKind::Control { control: crate::event::Control::Step { thread } });
    app.update(Msg::Events(vec![stepped(10, 2)]));
    assert_eq!(app.next_to_step(), Some(3));
    app.update(Msg::Events(vec![stepped(11, 4)]));
    assert_eq!(app.next_to_step(), Some(2), "after the last it wraps to the first");
    // A timeout the gate ran out (an advance) counts as a step of that thread.
    let advanced = event(12, 0, 0, EventKind::Control { control: crate::event::Control::Advance { thread: 2 } });
    app.update(Msg::Events(vec![advanced]));
    assert_eq!(app.next_to_step(), Some(3));
    app.update(told_status(0, PauseState::Running, vec![2, 3]));
    assert_eq!(app.next_to_step(), None, "running: nothing is stepped");
    key(&mut app, KeyCode::Char('r'));
    app.update(status(vec![3, 4]));
    assert_eq!(app.next_to_step(), Some(3), "a fresh session has stepped nobody");
}

#[test]
fn speed_and_step_controls_are_not_counted_as_the_programs_events() {
    let mut app = app();
    with_threads(&mut app, 1);
    let control = |seq, control| event(seq, 0, 0, EventKind::Control { control });
    let controls: Vec<TraceEvent> = (0..200)
        .map(|n| control(2 + n, crate::event::Control::Speed { speed: if n % 2 == 0 { 2.0 } else { 1.0 } }))
        .collect();
    app.update(Msg::Events(controls));
    assert_eq!(app.model.events, 1, "one thread created; 200 speed changes are not the program's");
    assert_eq!(app.model.missed, 0);
}

#[test]
fn the_help_scrolls_while_it_is_on_top_and_opens_at_its_top() {
    let mut app = app();
    app.update(Msg::Resize(80, 24));
    key(&mut app, KeyCode::Char('?'));
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    assert_eq!(app.ui.help_top, 2);
    key(&mut app, KeyCode::End);
    let last = crate::view::help::line_count() - 21;
    assert_eq!(app.ui.help_top, last, "no further than the last line at the bottom");
    key(&mut app, KeyCode::Up);
    assert_eq!(app.ui.help_top, last - 1, "one press up moves at once");
    key(&mut app, KeyCode::Char('?'));
    key(&mut app, KeyCode::Char('?'));
    assert_eq!(app.ui.help_top, 0);
    assert_eq!(app.ui.selected, 0, "the table did not scroll underneath");
}

#[test]
fn a_refused_step_explains_itself_in_the_status_line() {
    let mut app = app();
    app.update(Msg::Stepped(Err(StepRefused::NothingToStep)));
    assert_eq!(app.message.as_deref(), Some("no thread can move: every live thread is blocked"));
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.message, None, "the next key clears it");
}

#[test]
fn overlays_and_zoom_close_with_escape_one_at_a_time() {
    let mut app = app();
    key(&mut app, KeyCode::Char('z'));
    key(&mut app, KeyCode::Char('?'));
    key(&mut app, KeyCode::Char('l'));
    assert!(app.ui.zoomed && app.shows(Overlay::Help) && app.shows(Overlay::Notes));
    key(&mut app, KeyCode::Esc);
    assert!(app.shows(Overlay::Help) && !app.shows(Overlay::Notes), "the newest overlay closes first");
    key(&mut app, KeyCode::Esc);
    assert!(app.ui.overlays.is_empty() && app.ui.zoomed);
    key(&mut app, KeyCode::Esc);
    assert!(!app.ui.zoomed);
}

#[test]
fn quit_and_restart_are_commands() {
    let mut app = app();
    with_threads(&mut app, 2);
    assert_eq!(key(&mut app, KeyCode::Char('r')), [Command::Restart]);
    assert!(app.model.threads.is_empty(), "a restart starts from an empty model");
    assert_eq!(app.update(Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL))), [Command::Quit]);
    assert!(app.quit);
}

fn event(seq: u64, time_us: u64, thread: Tid, kind: EventKind) -> TraceEvent {
    TraceEvent { seq, time_us, thread, loc: None, kind }
}

/// Two threads, each holding one lock and blocked on the other's.
fn deadlock_events() -> Vec<TraceEvent> {
    use crate::event::{PrimInfo, WaitMode};
    let mut events = Vec::new();
    let mut seq = 0;
    let mut push = |thread, kind| {
        events.push(event(seq, seq * 1_000, thread, kind));
        seq += 1;
    };
    for tid in [1, 2] {
        push(tid, EventKind::ThreadCreated { tid, name: format!("T{tid}"), daemon: false, foreign: false });
        push(tid, EventKind::ThreadStarted { tid, daemon: false, os_tid: None });
        push(tid, EventKind::PrimCreated { prim: tid, name: format!("lock-{tid}"), info: PrimInfo::Lock });
    }
    for tid in [1, 2] {
        push(tid, EventKind::Requested { prim: tid, mode: WaitMode::Blocking });
        push(tid, EventKind::Acquired { prim: tid, count: 1 });
    }
    for (tid, theirs) in [(1, 2), (2, 1)] {
        push(tid, EventKind::Requested { prim: theirs, mode: WaitMode::Blocking });
    }
    events
}

#[test]
fn a_deadlock_pauses_a_running_session_once() {
    let mut app = app();
    app.update(told_status(0, PauseState::Running, Vec::new()));
    assert!(app.update(Msg::Events(deadlock_events())).is_empty(), "a moment stuck is not yet a deadlock");
    assert!(app.model.deadlock.is_some() && app.confirmed_deadlock().is_none());
    let found = app.model.deadlock.as_ref().map_or(0, |deadlock| deadlock.time_us);
    let later = found + DEADLOCK_GRACE_US;
    let status = told_status(later, PauseState::Running, Vec::new());
    assert_eq!(app.update(status), [Command::Pause], "it lasted: pause");
    assert!(app.confirmed_deadlock().is_some());
    // Resumed by the lecturer: the same deadlock does not pause again.
    let more =
        vec![event(100, 200_000, 1, EventKind::Log { level: crate::event::LogLevel::Info, message: "x".into() })];
    assert!(app.update(Msg::Events(more)).is_empty());
    key(&mut app, KeyCode::Char('w'));
    assert!(app.shows(Overlay::WaitFor));
}

#[test]
fn panning_the_timeline_scrolls_the_log_to_the_same_moment() {
    let mut app = app();
    let log = |seq: u64, time_us| {
        event(seq, time_us, 1, EventKind::Log { level: crate::event::LogLevel::Info, message: format!("at {time_us}") })
    };
    let mut events =
        vec![event(0, 0, 1, EventKind::ThreadCreated { tid: 1, name: "T1".into(), daemon: false, foreign: false })];
    events.extend((1..=30).map(|n| log(n, n * 100_000)));
    app.update(Msg::Events(events));
    app.update(told_status(3_000_000, PauseState::Paused, Vec::new()));
    assert_eq!(app.ui.timeline_end_us, None, "it follows the present");
    key(&mut app, KeyCode::Left);
    // Ten columns of 0.1 s back: 2.0 s, whose log line is the bottom one shown.
    assert_eq!(app.ui.timeline_end_us, Some(2_000_000));
    assert_eq!(app.selected_log_line().map(|line| line.time_us), Some(2_000_000));
    key(&mut app, KeyCode::Char('<'));
    assert_eq!(app.ui.timeline_scale_us, 250_000, "zoomed out");
    key(&mut app, KeyCode::Right);
    assert_eq!(app.ui.timeline_end_us, None, "back at the present, following again");
    assert_eq!(app.ui.log_back, 0);
}

const MOMENT_LESSON: &str = "# Condition

## Ask the class
<!-- moment: notify -->
Can `c1` print its line now?

> **Answer:** No: `p` still holds the lock.
";

/// A running app watching a lesson with a moment at the first notify that wakes a waiter.
fn moment_app() -> App {
    let showing = Subject { title: "test", source: None, lesson: Some(MOMENT_LESSON) };
    let mut app = App::new(showing, Appearance::new(ThemeName::Dark, false), PauseState::Running, 1.0);
    app.update(told_status(0, PauseState::Running, Vec::new()));
    app
}

fn notify(seq: u64, woken: Vec<Tid>) -> Msg {
    Msg::Events(vec![event(seq, seq * 1_000, 1, EventKind::Notified { prim: 1, n: u64::MAX, woken })])
}

fn screen(app: &App, width: u16, height: u16) -> String {
    let area = ratatui::layout::Rect::new(0, 0, width, height);
    let mut buf = ratatui::buffer::Buffer::empty(area);
    ratatui::widgets::Widget::render(app, area, &mut buf);
    (0..height).map(|y| (0..width).map(|x| buf[(x, y)].symbol()).collect::<String>()).collect::<Vec<_>>().join("\n")
}

#[test]
fn a_moment_pauses_a_live_run_once_and_asks_its_question_with_the_answer_hidden() {
    let mut app = moment_app();
    assert_eq!(app.update(notify(1, vec![])), [], "a notify that wakes nobody is not the moment");
    assert_eq!(app.update(notify(2, vec![2])), [Command::Pause]);
    assert!(app.shows(Overlay::Moment) && app.ui.answers == Answers::Hidden);
    let shown = screen(&app, 80, 24);
    assert!(shown.contains("Can c1 print its line now?"), "{shown}");
    assert!(shown.contains("▸ answer hidden: press a to reveal") && !shown.contains("holds the lock"), "{shown}");
    key(&mut app, KeyCode::Char('a'));
    let shown = screen(&app, 80, 24);
    assert!(shown.contains("┃ Answer: No: p still holds the lock.") && !shown.contains("answer hidden"), "{shown}");
    // Paused now; space resumes and puts the question away.
    app.update(told_status(0, PauseState::Paused, Vec::new()));
    assert_eq!(key(&mut app, KeyCode::Char(' ')), [Command::Resume]);
    assert!(!app.shows(Overlay::Moment));
    app.update(told_status(0, PauseState::Running, Vec::new()));
    assert_eq!(app.update(notify(3, vec![3])), [], "once per run");
    assert!(!app.shows(Overlay::Moment));
    // A restart is a new run: the moment is armed again, its answer hidden again.
    assert_eq!(key(&mut app, KeyCode::Char('r')), [Command::Restart]);
    assert_eq!(app.update(notify(0, vec![2])), [Command::Pause]);
    assert!(app.shows(Overlay::Moment) && app.ui.answers == Answers::Hidden);
}

#[test]
fn a_replay_asks_at_the_moment_and_leaves_the_stopping_to_its_player() {
    let mut app = moment_app();
    app.replay = true;
    assert_eq!(app.update(notify(1, vec![2])), [], "the player has stopped by itself");
    assert!(app.shows(Overlay::Moment) && app.ui.answers == Answers::Hidden);
}

#[test]
fn the_reveal_key_needs_a_question_on_screen() {
    let mut app = moment_app();
    key(&mut app, KeyCode::Char('a'));
    assert!(app.ui.answers == Answers::Hidden);
    assert_eq!(app.message.as_deref(), Some("no question on screen: l shows the lesson notes"));
    key(&mut app, KeyCode::Char('l'));
    assert!(screen(&app, 80, 24).contains("▸ answer hidden: press a to reveal"));
    key(&mut app, KeyCode::Char('a'));
    assert!(app.ui.answers == Answers::Shown && screen(&app, 80, 24).contains("┃ Answer: No: p still holds the lock."));
    key(&mut app, KeyCode::Char('l'));
    key(&mut app, KeyCode::Char('l'));
    assert!(app.ui.answers == Answers::Hidden, "notes open with their answers hidden");
}

#[test]
fn notes_scroll_until_their_last_line_is_at_the_bottom_and_no_further() {
    let paragraphs: Vec<String> = (1..=60).map(|n| format!("Paragraph number {n}.")).collect();
    let long: &'static str = Box::leak(paragraphs.join("\n\n").into_boxed_str());
    let showing = Subject { title: "test", source: None, lesson: Some(long) };
    let mut app = App::new(showing, Appearance::new(ThemeName::Dark, false), PauseState::Paused, 1.0);
    app.ui.size = (80, 24);
    key(&mut app, KeyCode::Char('l'));
    key(&mut app, KeyCode::End);
    // 119 lines (60 paragraphs and the blank lines between) in a popup of 21 rows less its
    // border: the last 19 show.
    assert_eq!(app.ui.notes_top, 119 - 19);
    let shown = screen(&app, 80, 24);
    assert!(shown.contains("Paragraph number 60.") && shown.contains("Paragraph number 51."), "{shown}");
    assert!(!shown.contains("Paragraph number 50."), "{shown}");
    key(&mut app, KeyCode::Up);
    assert_eq!(app.ui.notes_top, 99, "up moves one line at once");
    key(&mut app, KeyCode::Up);
    assert!(screen(&app, 80, 24).contains("Paragraph number 50."), "two lines up: a blank and the paragraph");
}
