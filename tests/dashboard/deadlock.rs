//! A deadlock as the screen tells it: the banner, the rows of its cycle, and who waits for whom.

use crossterm::event::KeyCode;
use ratatui::style::Modifier;
use threadviz::PauseState;
use threadviz::dashboard::view::theme::{Theme, ThemeName};

use crate::{assert_styled, dark, deadlock_app, find, find_all, press, render, snapshot_both};

#[test]
fn a_deadlock_is_named_in_a_banner_and_its_rows_stand_out() {
    let app = deadlock_app(PauseState::Paused, 3);
    snapshot_both("deadlock_banner", &app);
    let buf = render(&app, 120, 40);
    let banner = "⚠ deadlock: Thread-1 holds lock-a and waits for lock-b, held by Thread-2, which waits for lock-a";
    assert_eq!(find(&buf, banner).1, 0, "the banner is the top line");
    assert_styled(&buf, banner, dark().banner());
    // The cycle's rows are bold, underlined and in the alarm colour where nothing else
    // colours them (the ID column); MainThread, which only joins Thread-1, is not marked.
    let deadlocked = dark().deadlocked();
    for row in ["Thread-1   ■ BLOCKED", "Thread-2   ■ BLOCKED"] {
        let (x, y) = find(&buf, row);
        let id = &buf[(x - 2, y)];
        assert_eq!(Some(id.fg), deadlocked.fg, "`{row}` is in the alarm colour");
        assert!(buf[(x, y)].modifier.contains(deadlocked.add_modifier), "`{row}` is highlighted");
    }
    let (x, y) = find(&buf, "MainThread … WAITING");
    assert!(!buf[(x, y)].modifier.contains(Modifier::UNDERLINED), "MainThread is not part of the cycle");
    // Without colour the banner is still set apart, reversed.
    let mut plain = app;
    plain.set_appearance(Theme::new(ThemeName::Dark, false));
    let buf = render(&plain, 80, 24);
    assert!(buf[(1, 0)].modifier.contains(Modifier::REVERSED), "the banner is reversed without colour");
}

#[test]
fn a_moment_that_only_looks_stuck_shows_no_banner() {
    // A dropped event can make threads look stuck for an instant: the banner waits.
    let app = deadlock_app(PauseState::Running, 1);
    assert!(app.model().deadlock.is_some() && app.confirmed_deadlock().is_none());
    assert!(find_all(&render(&app, 120, 40), "deadlock:").is_empty());
}

#[test]
fn w_lists_who_waits_for_whom() {
    let mut app = deadlock_app(PauseState::Paused, 3);
    press(&mut app, KeyCode::Char('w'));
    snapshot_both("wait_for", &app);
    let buf = render(&app, 120, 40);
    find(&buf, "⚠ Thread-1 waits for Lock lock-b, held by Thread-2");
    find(&buf, "⚠ Thread-2 waits for Lock lock-a, held by Thread-1");
    find(&buf, "⚠ MainThread joins Thread-1");
}
