//! Contrast: no text in a colour equal or close to the colour behind it, in any theme.

use crossterm::event::KeyCode;
use ratatui::buffer::{Buffer, Cell};
use ratatui::style::{Color, Modifier};
use threadviz::PauseState;
use threadviz::dashboard::app::App;
use threadviz::dashboard::view::theme::{Theme, ThemeName};

use crate::{MAIN, P, condition_app, deadlock_app, find, lock_app, panic_app, press, render, status, text};

/// The terminal a theme is made for, as (text, background): xterm's default foreground and
/// background on a dark terminal, black on white on a light one. `Color::Reset` is these.
fn terminal_of(name: ThemeName) -> ((u8, u8, u8), (u8, u8, u8)) {
    match name {
        ThemeName::Dark | ThemeName::HighContrast => ((229, 229, 229), (0, 0, 0)),
        ThemeName::Light => ((0, 0, 0), (255, 255, 255)),
    }
}

/// A colour as RGB: the 16 named colours in xterm's default palette, the 256-colour cube and
/// grey ramp by their standard values.
fn rgb(color: Color, reset: (u8, u8, u8)) -> (u8, u8, u8) {
    const NAMED: [(u8, u8, u8); 16] = [
        (0, 0, 0),
        (205, 0, 0),
        (0, 205, 0),
        (205, 205, 0),
        (0, 0, 238),
        (205, 0, 205),
        (0, 205, 205),
        (229, 229, 229),
        (127, 127, 127),
        (255, 0, 0),
        (0, 255, 0),
        (255, 255, 0),
        (92, 92, 255),
        (255, 0, 255),
        (0, 255, 255),
        (255, 255, 255),
    ];
    let index = match color {
        Color::Reset => return reset,
        Color::Rgb(red, green, blue) => return (red, green, blue),
        Color::Black => 0,
        Color::Red => 1,
        Color::Green => 2,
        Color::Yellow => 3,
        Color::Blue => 4,
        Color::Magenta => 5,
        Color::Cyan => 6,
        Color::Gray => 7,
        Color::DarkGray => 8,
        Color::LightRed => 9,
        Color::LightGreen => 10,
        Color::LightYellow => 11,
        Color::LightBlue => 12,
        Color::LightMagenta => 13,
        Color::LightCyan => 14,
        Color::White => 15,
        Color::Indexed(index) => index,
    };
    match index {
        0..=15 => NAMED[usize::from(index)],
        16..=231 => {
            let level = |step: u8| if step == 0 { 0 } else { 55 + step * 40 };
            let cube = index - 16;
            (level(cube / 36), level(cube / 6 % 6), level(cube % 6))
        }
        _ => {
            let grey = 8 + (index - 232) * 10;
            (grey, grey, grey)
        }
    }
}

/// WCAG relative luminance.
fn luminance((red, green, blue): (u8, u8, u8)) -> f64 {
    let linear = |channel: u8| {
        let value = f64::from(channel) / 255.0;
        if value <= 0.039_28 { value / 12.92 } else { ((value + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
}

/// The WCAG contrast ratio of a cell's text against its background, as the theme's terminal
/// shows it: reset colours resolved, dim text halfway to the background (reversing swaps the
/// two, which leaves the ratio as it is).
fn contrast(cell: &Cell, name: ThemeName) -> f64 {
    let (text, background) = terminal_of(name);
    let bg = rgb(cell.bg, background);
    let mut fg = rgb(cell.fg, text);
    if cell.modifier.contains(Modifier::DIM) {
        let half = |a: u8, b: u8| a.midpoint(b);
        fg = (half(fg.0, bg.0), half(fg.1, bg.1), half(fg.2, bg.2));
    }
    let (light, dark) = {
        let (a, b) = (luminance(fg), luminance(bg));
        if a >= b { (a, b) } else { (b, a) }
    };
    (light + 0.05) / (dark + 0.05)
}

/// The screens whose colours matter most: the deadlock (its banner and rows, with the
/// selection off and on a deadlocked row, and its timeline), a paused program with a thread
/// ready to step, the key help, and the lock and panic screens with every state and error.
fn screens_to_check(theme: Theme) -> Vec<(String, Buffer)> {
    let mut screens = Vec::new();
    let mut deadlock = deadlock_app(PauseState::Paused, 3);
    deadlock.set_appearance(theme);
    for (width, height) in [(80, 24), (120, 40), (200, 60)] {
        screens.push((format!("deadlock {width}x{height}"), render(&deadlock, width, height)));
    }
    press(&mut deadlock, KeyCode::Down);
    press(&mut deadlock, KeyCode::Down);
    screens.push(("deadlock, Thread-2 selected".into(), render(&deadlock, 120, 40)));
    press(&mut deadlock, KeyCode::Tab);
    screens.push(("deadlock, timeline focused".into(), render(&deadlock, 80, 24)));
    let mut ready = condition_app(PauseState::Paused);
    ready.set_appearance(theme);
    status(&mut ready, 45, PauseState::Paused, vec![P, MAIN]);
    screens.push(("ready".into(), render(&ready, 200, 60)));
    press(&mut ready, KeyCode::Char('?'));
    for (width, height) in [(80, 24), (120, 40)] {
        screens.push((format!("help {width}x{height}"), render(&ready, width, height)));
    }
    let mut lock = lock_app(theme);
    press(&mut lock, KeyCode::Down);
    press(&mut lock, KeyCode::Down);
    screens.push(("lock, Thread-2 selected".into(), render(&lock, 200, 60)));
    screens.push(("panic".into(), render(&panic_app(theme), 120, 40)));
    screens
}

#[test]
fn no_text_is_drawn_in_a_colour_close_to_its_background_in_any_theme() {
    let mut faults = Vec::new();
    for name in [ThemeName::Dark, ThemeName::Light, ThemeName::HighContrast] {
        // The high-contrast theme keeps to the contrast WCAG asks of body text; the others to
        // what it asks of large text.
        let least = if name == ThemeName::HighContrast { 4.5 } else { 3.0 };
        for color in [true, false] {
            for (screen, buf) in screens_to_check(Theme::new(name, color)) {
                let area = buf.area;
                // The first faint cell of each screen row is enough to find the style at fault.
                for y in area.top()..area.bottom() {
                    let faint = (area.left()..area.right())
                        .map(|x| (x, &buf[(x, y)]))
                        .find(|(_, cell)| !cell.symbol().trim().is_empty() && contrast(cell, name) < least);
                    if let Some((x, cell)) = faint {
                        let row = text(&buf).lines().nth(usize::from(y)).unwrap_or_default().to_owned();
                        faults.push(format!(
                            "{name:?}, colour {color}, {screen}: `{}` at x={x} in {:?} on {:?} ({:?}) has a contrast \
                             of {:.2}, under {least}, in\n    {row}",
                            cell.symbol(),
                            cell.fg,
                            cell.bg,
                            cell.modifier,
                            contrast(cell, name),
                        ));
                    }
                }
            }
        }
    }
    assert!(faults.is_empty(), "{} rows with faint text:\n{}", faults.len(), faults.join("\n"));
}

#[test]
fn the_high_contrast_theme_has_no_dim_or_dark_grey_text_or_borders() {
    for (screen, buf) in screens_to_check(Theme::new(ThemeName::HighContrast, true)) {
        for cell in buf.content().iter().filter(|cell| !cell.symbol().trim().is_empty()) {
            assert!(
                !cell.modifier.contains(Modifier::DIM) && cell.fg != Color::DarkGray,
                "{screen}: `{}` is {:?} in {:?}:\n{}",
                cell.symbol(),
                cell.modifier,
                cell.fg,
                text(&buf)
            );
        }
    }
}

#[test]
fn without_colour_the_selected_row_and_the_deadlocked_rows_look_different() {
    for name in [ThemeName::Dark, ThemeName::Light, ThemeName::HighContrast] {
        let mut app = deadlock_app(PauseState::Paused, 3);
        app.set_appearance(Theme::new(name, false));
        let modifiers = |app: &App, row: &str| {
            let buf = render(app, 120, 40);
            let (x, y) = find(&buf, row);
            buf[(x, y)].modifier
        };
        // MainThread is selected; it joins a deadlocked thread but is not part of the cycle.
        let selected = modifiers(&app, "MainThread … WAITING");
        let deadlocked = modifiers(&app, "Thread-1   ■ BLOCKED");
        assert!(selected.contains(Modifier::REVERSED), "{name:?}: the selection is reversed: {selected:?}");
        assert!(!deadlocked.contains(Modifier::REVERSED), "{name:?}: a deadlocked row is not: {deadlocked:?}");
        assert!(
            deadlocked.contains(Modifier::BOLD | Modifier::UNDERLINED),
            "{name:?}: a deadlocked row is bold and underlined: {deadlocked:?}"
        );
        assert!(!selected.contains(Modifier::UNDERLINED), "{name:?}: MainThread is not in the cycle: {selected:?}");
        // Selecting a deadlocked row keeps both marks.
        press(&mut app, KeyCode::Down);
        press(&mut app, KeyCode::Down);
        let both = modifiers(&app, "Thread-2   ■ BLOCKED");
        assert!(both.contains(Modifier::REVERSED | Modifier::UNDERLINED | Modifier::BOLD), "{name:?}: {both:?}");
        let unselected_main = modifiers(&app, "MainThread … WAITING");
        assert!(
            !unselected_main.intersects(Modifier::REVERSED | Modifier::UNDERLINED),
            "{name:?}: MainThread has no mark of its own: {unselected_main:?}"
        );
    }
}
