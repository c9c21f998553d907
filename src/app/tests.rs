use crossterm::event::{KeyCode, KeyModifiers};

use super::*;
use crate::event::{EventKind, TraceEvent};
use crate::view::theme::{Theme, ThemeName};

fn app() -> App {
    let showing = Showing { title: "test", source: None, lesson: Some("# Notes") };
    App::new(showing, Theme::new(ThemeName::Dark, false), PauseState::Paused, 1.0)
}

fn key(app: &mut App, code: KeyCode) -> Vec<Command> {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn with_threads(app: &mut App, count: u32) {
    let events = (1..=count)
        .map(|tid| TraceEvent {
            seq: u64::from(tid),
            time_us: 0,
            thread: 1,
            loc: None,
            kind: EventKind::ThreadCreated { tid, name: format!("T{tid}"), daemon: false, foreign: false },
        })
        .collect();
    app.update(Msg::Events(events));
}

#[test]
fn space_toggles_between_pause_and_resume() {
    let mut app = app();
    assert_eq!(key(&mut app, KeyCode::Char(' ')), [Command::Resume]);
    app.update(Msg::Status { now_us: 0, pause: PauseState::Running, speed: 1.0, dropped: 0, ready: Vec::new() });
    assert_eq!(key(&mut app, KeyCode::Char(' ')), [Command::Pause]);
}

#[test]
fn stepping_a_running_session_pauses_it_first() {
    let mut app = app();
    app.update(Msg::Status { now_us: 0, pause: PauseState::Running, speed: 1.0, dropped: 0, ready: Vec::new() });
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
    assert_eq!(app.selected, 0, "a row that does not exist is not selected");
}

#[test]
fn speed_doubles_and_halves_within_range() {
    let mut app = app();
    assert_eq!(key(&mut app, KeyCode::Char('+')), [Command::SetSpeed(2.0)]);
    app.speed = 10.0;
    assert_eq!(key(&mut app, KeyCode::Char('+')), [Command::SetSpeed(10.0)]);
    app.speed = 0.1;
    assert_eq!(key(&mut app, KeyCode::Char('-')), [Command::SetSpeed(0.1)]);
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
    assert!(app.zoomed && app.shows(Overlay::Help) && app.shows(Overlay::Notes));
    key(&mut app, KeyCode::Esc);
    assert!(app.shows(Overlay::Help) && !app.shows(Overlay::Notes), "the newest overlay closes first");
    key(&mut app, KeyCode::Esc);
    assert!(app.overlays.is_empty() && app.zoomed);
    key(&mut app, KeyCode::Esc);
    assert!(!app.zoomed);
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
