//! Colour: it adds to the words and symbols, never replaces them; without colour every state
//! still reads.

use ratatui::style::{Color, Modifier};
use threadviz::PauseState;
use threadviz::dashboard::model::{ThreadState, WaitTarget};
use threadviz::dashboard::view::theme::{Theme, ThemeName};

use crate::{P, assert_styled, condition_app, dark, find, find_all, lock_app, panic_app, render, status, text};

#[test]
fn blocked_and_waiting_states_have_the_themes_colours() {
    for name in [ThemeName::Dark, ThemeName::Light, ThemeName::HighContrast] {
        let theme = Theme::new(name, true);
        let blocked = theme.state(&ThreadState::Blocked { prim: 1, until_us: None });
        assert!(blocked.fg.is_some(), "{name:?}: BLOCKED has a colour");
        let buf = render(&lock_app(theme), 120, 40);
        // Thread-2's row is not selected, so nothing but the state's style applies.
        let (x, y) = find(&buf, "Thread-2   ■ BLOCKED");
        for cell in (x + 11..x + 20).map(|x| &buf[(x, y)]) {
            assert_eq!(Some(cell.fg), blocked.fg, "{name:?}: `■ BLOCKED` is in the blocked colour");
            assert!(cell.modifier.contains(Modifier::BOLD));
        }

        let mut app = condition_app(PauseState::Running);
        app.set_appearance(theme);
        let buf = render(&app, 120, 40);
        let waiting = theme.state(&ThreadState::Waiting { on: WaitTarget::Prim(2), until_us: None });
        let (_, y) = find(&buf, "c1         … WAITING");
        let (x, _) = find_all(&buf, "WAITING").into_iter().find(|&(_, row)| row == y).unwrap();
        assert_eq!(Some(buf[(x, y)].fg), waiting.fg, "{name:?}: WAITING is in the waiting colour");
        assert_ne!(waiting.fg, blocked.fg, "{name:?}: waiting and blocked look different");
    }
}

#[test]
fn a_panicked_row_and_misuses_use_the_error_styles() {
    let theme = dark();
    let buf = render(&panic_app(theme), 120, 40);
    let panicked = theme.state(&ThreadState::Panicked { message: String::new() });
    assert_styled(&buf, "! EXCEPTION", panicked);
    assert!(matches!(panicked.fg, Some(Color::Red | Color::LightRed)), "a panic is red: {panicked:?}");
    assert_styled(&buf, "✗ cannot release un-acquired lock", theme.error());
    // The log shows the misuse and the warning in the error style too.
    assert_styled(&buf, "error: cannot release un-acquired lock", theme.error());
    assert_styled(&buf, "no permit after 1.5 s, giving up", theme.error());
}

#[test]
fn the_pause_badge_and_focused_border_stand_out() {
    let theme = dark();
    let paused = render(&condition_app(PauseState::Paused), 80, 24);
    assert_styled(&paused, "⏸ PAUSED", theme.badge(true));
    let live = render(&condition_app(PauseState::Running), 80, 24);
    assert_styled(&live, "▶ LIVE", theme.badge(false));
    assert_ne!(theme.badge(true).fg, theme.badge(false).fg);
    // The thread table has the focus at start: its border has the focused colour.
    assert_eq!(Some(live[(0, 0)].fg), theme.border(true).fg);
    let (x, y) = find(&live, "Primitives");
    assert_eq!(Some(live[(x - 2, y)].fg), theme.border(false).fg, "the primitives panel below is not focused");
}

#[test]
fn without_colour_no_cell_has_a_colour_and_every_state_still_reads() {
    for name in [ThemeName::Dark, ThemeName::Light, ThemeName::HighContrast] {
        let theme = Theme::new(name, false);
        let mut ready = condition_app(PauseState::Paused);
        ready.set_appearance(theme);
        status(&mut ready, 45, PauseState::Paused, vec![P]);
        let screens = [
            (render(&lock_app(theme), 120, 40), vec!["■ BLOCKED", "▶ RUNNING", "… WAITING", "▶ LIVE"]),
            (render(&panic_app(theme), 120, 40), vec!["! EXCEPTION", "✗ cannot release un-acquired lock"]),
            (render(&panic_app(theme), 80, 24), vec!["! EXCEPTION", "■ BLOCKED"]),
            (render(&ready, 80, 24), vec!["▷ READY", "… WAITING", "⏸ PAUSED"]),
        ];
        for (buf, words) in screens {
            for cell in buf.content() {
                assert_eq!(
                    (cell.fg, cell.bg),
                    (Color::Reset, Color::Reset),
                    "{name:?}: a coloured cell in\n{}",
                    text(&buf)
                );
            }
            let screen = text(&buf);
            for word in words {
                assert!(screen.contains(word), "{name:?}: `{word}` without colour:\n{screen}");
            }
        }
    }
}
