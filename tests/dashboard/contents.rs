//! Panels that say what they hold: a queue's items, a shared value's pending reads and lost
//! updates, cut cells, the overlays in presenter mode, messages and the thread stepped next.

use crossterm::event::KeyCode;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use threadviz::dashboard::app::{App, Msg};
use threadviz::dashboard::view::theme::{Theme, ThemeName};
use threadviz::event::{EventKind, PrimInfo};
use threadviz::{PauseState, StepRefused};

use crate::{
    C1, C2, LOCK_SOURCE, MAIN, P, Script, assert_styled, condition_app, dark, find_all, lock_app, press, render,
    row_of, status, subject, text, unstyled,
};

/// The primitives panel alone, `width` columns wide, as monochrome text.
fn prims_panel(app: &App, width: u16, height: u16) -> String {
    let mut buf = Buffer::empty(Rect::new(0, 0, width, height));
    threadviz::dashboard::view::prims::render(app, buf.area, &mut buf, false);
    text(&unstyled(buf))
}

/// A queue of 70 numbers of which 40 were taken: its front is 40.
fn queue_app() -> App {
    let mut script = Script::new();
    script.prim(1, "stream", PrimInfo::Queue { maxsize: 0 }, 3);
    for (n, qsize) in (0..70).zip(1..) {
        script.push(MAIN, None, EventKind::Put { prim: 1, item: n.to_string(), qsize });
    }
    for (n, qsize) in (0..40).zip((30..70).rev()) {
        script.push(MAIN, None, EventKind::Got { prim: 1, item: n.to_string(), qsize });
    }
    let mut app = App::new(subject(LOCK_SOURCE), dark(), PauseState::Running, 1.0);
    app.update(Msg::Events(script.take()));
    app
}

#[test]
fn a_queue_shows_its_real_first_items_as_many_as_fit_then_an_ellipsis() {
    let app = queue_app();
    let narrow = prims_panel(&app, 40, 5);
    assert!(narrow.contains("│Queue stream 30/∞, 70 unfinished"), "{narrow}");
    assert!(narrow.contains("│  next out: 40, 41, 42, 43, 44, 45, … │"), "{narrow}");
    let wide = prims_panel(&app, 120, 5);
    let line = wide.lines().nth(2).unwrap();
    assert!(line.starts_with("│  next out: 40, 41, 42, ") && line.contains(", …"), "{line}");
    // As many as fit: one more item (`, 6x`) would not have.
    let content = line.trim_matches('│').trim_end();
    assert!(content.chars().count() + 4 > 118, "room was left for more:\n{line}");
    // All of a short queue, and no ellipsis; an empty one says so.
    let mut script = Script::new();
    script.prim(1, "stream", PrimInfo::Queue { maxsize: 3 }, 3);
    script.push(MAIN, None, EventKind::Put { prim: 1, item: "'a'".into(), qsize: 1 });
    script.push(MAIN, None, EventKind::Put { prim: 1, item: "'b'".into(), qsize: 2 });
    let mut app = App::new(subject(LOCK_SOURCE), dark(), PauseState::Running, 1.0);
    app.update(Msg::Events(script.take()));
    let panel = prims_panel(&app, 56, 5);
    assert!(panel.contains("Queue stream 2/3, 2 unfinished") && panel.contains("next out: 'a', 'b' "), "{panel}");
    script.push(MAIN, None, EventKind::Got { prim: 1, item: "'a'".into(), qsize: 1 });
    script.push(MAIN, None, EventKind::Got { prim: 1, item: "'b'".into(), qsize: 0 });
    app.update(Msg::Events(script.take()));
    let panel = prims_panel(&app, 56, 5);
    assert!(panel.contains("Queue stream 0/3, empty, 2 unfinished") && !panel.contains("next out"), "{panel}");
}

#[test]
fn a_shared_value_shows_each_read_not_yet_stored_under_the_value() {
    let mut script = Script::new();
    script.spawn(2, "Thread-1", 10).spawn(3, "Thread-2", 10);
    script.prim(1, "counter", PrimInfo::Shared { initial: "0".into() }, 3);
    script.at_line(2, 5, EventKind::Load { prim: 1, value: "0".into() });
    let mut app = App::new(subject(LOCK_SOURCE), dark(), PauseState::Running, 1.0);
    app.update(Msg::Events(script.take()));
    let panel = prims_panel(&app, 100, 5);
    assert!(panel.contains("Shared counter = 0 ") && panel.contains("│  not yet stored: Thread-1 read 0 "), "{panel}");
    // Thread-2 reads the same 0 and stores 1: Thread-1's read is stale, its store will lose one.
    script.at_line(3, 5, EventKind::Load { prim: 1, value: "0".into() });
    script.at_line(3, 7, EventKind::Store { prim: 1, value: "1".into() });
    app.update(Msg::Events(script.take()));
    let panel = prims_panel(&app, 100, 5);
    assert!(panel.contains("Shared counter = 1 (stored by Thread-2) "), "{panel}");
    assert!(panel.contains("│  not yet stored: Thread-1 read 0 (stale) "), "{panel}");
    script.at_line(2, 7, EventKind::Store { prim: 1, value: "1".into() });
    app.update(Msg::Events(script.take()));
    let panel = prims_panel(&app, 100, 5);
    assert!(!panel.contains("not yet stored"), "{panel}");
    // The lost update on a line of its own: the count never wraps away from its words.
    assert!(
        panel.contains("│  ⚠ 1 lost update; latest: Thread-1 overwrote Thread-2's 1 with 1 and lost 1 update "),
        "{panel}"
    );
}

#[test]
fn an_atomic_shows_its_value_after_each_read_modify_write_and_never_a_lost_update() {
    let mut script = Script::new();
    script.spawn(2, "Thread-1", 10).spawn(3, "Thread-2", 10);
    script.prim(1, "AtomicUsize-1", PrimInfo::Shared { initial: "0".into() }, 3);
    let update = |read: &str, value: &str| EventKind::Update {
        prim: 1,
        op: "fetch_add(1)".into(),
        read: read.into(),
        value: value.into(),
    };
    // Thread-1 read 0 before Thread-2's fetch_add: its read is stale, the update no loss.
    script.at_line(2, 5, EventKind::Load { prim: 1, value: "0".into() });
    script.at_line(3, 5, update("0", "1"));
    script.at_line(2, 6, update("1", "2"));
    let mut app = App::new(subject(LOCK_SOURCE), dark(), PauseState::Running, 1.0);
    app.update(Msg::Events(script.take()));
    let panel = prims_panel(&app, 100, 5);
    assert!(panel.contains("Shared AtomicUsize-1 = 2 (stored by Thread-1) "), "{panel}");
    assert!(panel.contains("not yet stored: Thread-1 read 0 (stale)"), "{panel}");
    assert!(!panel.contains("lost update"), "{panel}");
}

#[test]
fn a_held_by_cell_is_cut_between_names_never_inside_one() {
    use threadviz::dashboard::view::threads::fit_words;
    assert_eq!(fit_words("RLock-1, held by Thread-2, Thread-3", 40), "RLock-1, held by Thread-2, Thread-3");
    assert_eq!(fit_words("RLock-1, held by Thread-2, Thread-3", 30), "RLock-1, held by Thread-2 …");
    assert_eq!(fit_words("RLock-1, held by Thread-2", 20), "RLock-1 …", "no dangling `held by`");
    assert_eq!(fit_words("RLock-1, held by Thread-2", 3), "…");
    assert_eq!(fit_words("Queue stream (70 unfinished)", 20), "Queue stream …", "no half of a parenthesis");
    // In the table, at both sizes: each waits-for cell is whole, or cut after a whole name.
    let app = lock_app(Theme::new(ThemeName::Dark, false));
    for (width, height) in [(80, 24), (120, 40), (100, 30)] {
        let screen = text(&render(&app, width, height));
        for row in screen.lines().filter(|row| row.contains("■ BLOCKED")) {
            if let Some((_, holders)) = row.split_once("held by ") {
                // A blocked thread's LINE is the call it is in: `in 6`.
                let names = holders.split(" in ").next().unwrap().trim_end();
                for name in names.split(", ").map(|name| name.trim_end_matches(" …")) {
                    assert!(["MainThread", "Thread-1", "…"].contains(&name), "{width}x{height}: `{name}` in {row}");
                }
            }
        }
    }
}

#[test]
fn help_notes_and_who_waits_for_whom_open_in_presenter_mode_too() {
    let mut app = condition_app(PauseState::Paused);
    press(&mut app, KeyCode::Char('p'));
    for (key, title) in [('?', "Keys (esc closes)"), ('l', "Lesson notes"), ('w', "Who waits for whom")] {
        press(&mut app, KeyCode::Char(key));
        let screen = text(&render(&app, 80, 24));
        assert!(screen.contains(title), "`{key}` opens {title}:\n{screen}");
        press(&mut app, KeyCode::Esc);
        assert!(!text(&render(&app, 80, 24)).contains(title));
    }
    assert!(app.ui().present(), "esc closes the overlay, not presenter mode");
}

#[test]
fn at_80x24_a_message_takes_the_row_of_key_hints_whole_until_the_next_key() {
    let mut app = condition_app(PauseState::Paused);
    app.update(Msg::Stepped(Err(StepRefused::NotReady(C1))));
    let buf = render(&app, 80, 24);
    let screen = text(&buf);
    let rows: Vec<&str> = screen.lines().collect();
    assert!(rows[22].starts_with(" c1 cannot move now"), "{screen}");
    assert!(rows[23].starts_with(" scenario  ⏸ PAUSED"), "{screen}");
    assert_styled(&buf, "c1 cannot move now", app.theme().error());
    press(&mut app, KeyCode::Char('?'));
    press(&mut app, KeyCode::Esc);
    assert!(text(&render(&app, 80, 24)).contains("n:step  enter:step selected  space:resume"));
}

#[test]
fn paused_the_thread_n_steps_next_is_marked_in_its_row() {
    let mut app = condition_app(PauseState::Paused);
    status(&mut app, 45, PauseState::Paused, vec![MAIN, C2, P]);
    let mut script = Script::new();
    script.seq = 100;
    script.push(0, None, EventKind::Control { control: threadviz::event::Control::Step { thread: C2 } });
    app.update(Msg::Events(script.take().split_off(2)));
    let buf = render(&app, 80, 24);
    assert!(row_of(&buf, "p          ▷ READY").contains("▷ READY ← next"), "{}", text(&buf));
    assert!(!row_of(&buf, "c2         ▷ READY").contains("next"));
    assert_eq!(find_all(&buf, "← next").len(), 1, "one thread is next");
    // Legible without colour, at both sizes.
    let mono = unstyled(render(&app, 120, 40));
    assert!(row_of(&mono, "p          ▷ READY").contains("← next"));
    // Running, no thread is next.
    status(&mut app, 45, PauseState::Running, vec![MAIN, C2, P]);
    assert!(find_all(&render(&app, 80, 24), "← next").is_empty());
}
