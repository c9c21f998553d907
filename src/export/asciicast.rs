//! asciicast v2: the dashboard rendered headlessly from a recording, as a terminal recording
//! that asciinema plays. The first line is the header; each further line is one frame,
//! `[seconds, "o", text]`, where the text homes the cursor and redraws every row with SGR
//! colour codes. Frames are taken at events and at each tenth of a second the clock shows, at
//! most one per [`FRAME_US`] of demo time, skipping silences longer than [`IDLE_US`], and
//! written only when the screen changed; their times are demo seconds, so they never decrease.

use std::fmt::Write as _;
use std::io::{self, Write};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use ratatui::text::Span;
use ratatui::widgets::Widget;
use serde::Serialize;
use serde_json::json;

use crate::app::replay::showing;
use crate::app::{App, Msg};
use crate::record::Recording;
use crate::session::PauseState;
use crate::view::theme::Theme;

/// The least demo time between two frames: at most 30 frames a second.
pub const FRAME_US: u64 = 33_333;
/// The dashboard shows demo time in tenths of a second: between events, nothing changes more
/// often.
const CLOCK_US: u64 = 100_000;
/// How long the clock keeps ticking in frames after an event before the cast skips to the
/// next event.
pub const IDLE_US: u64 = 10_000_000;

/// How to render.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Columns.
    pub width: u16,
    /// Rows.
    pub height: u16,
    /// Colours.
    pub theme: Theme,
}

/// The header line, its fields in the order the format's documentation lists them.
#[derive(Serialize)]
struct CastHeader {
    version: u8,
    width: u16,
    height: u16,
    timestamp: u64,
    title: String,
    env: CastEnv,
}

#[derive(Serialize)]
struct CastEnv {
    #[serde(rename = "TERM")]
    term: &'static str,
}

/// Writes the recording as an asciicast; returns the number of frames written.
pub fn write(recording: &Recording, options: &Options, mut out: impl Write) -> io::Result<usize> {
    let header = &recording.header;
    let meta = CastHeader {
        version: 2,
        width: options.width,
        height: options.height,
        timestamp: header.unix_time,
        title: format!("threadviz: {}", header.demo),
        env: CastEnv { term: "xterm-256color" },
    };
    serde_json::to_writer(&mut out, &meta)?;
    out.write_all(b"\n")?;
    let mut app = App::new(showing(&header.demo, None), options.theme, PauseState::Running, header.speed);
    app.replay = true;
    app.size = (options.width, options.height);
    let area = Rect::new(0, 0, options.width, options.height);
    let events = &recording.events;
    let end = recording.end_us();
    let (mut next, mut time_us, mut frames) = (0, 0, 0);
    let mut shown: Option<Buffer> = None;
    loop {
        let due = events[next..].iter().take_while(|event| event.time_us <= time_us).count();
        if due > 0 {
            app.update(Msg::Events(events[next..next + due].to_vec()));
            next += due;
        }
        let status = Msg::Status {
            now_us: time_us,
            pause: PauseState::Running,
            speed: header.speed,
            dropped: 0,
            ready: Vec::new(),
        };
        app.update(status);
        let mut screen = Buffer::empty(area);
        (&app).render(area, &mut screen);
        if shown.as_ref() != Some(&screen) {
            let frame = json!([time_us as f64 / 1e6, "o", ansi(&screen)]);
            serde_json::to_writer(&mut out, &frame)?;
            out.write_all(b"\n")?;
            frames += 1;
            shown = Some(screen);
        }
        if time_us >= end {
            break;
        }
        // Between events only the clock moves; after IDLE_US of that, jump to the next event,
        // so a long silence costs a bounded number of frames.
        let last_event = next.checked_sub(1).map_or(0, |index| events[index].time_us);
        let next_event = events.get(next).map_or(end, |event| event.time_us);
        // The next frame: the next event or the next tenth the clock shows, whichever comes
        // first, but no sooner than a frame after this one.
        let tenth = (time_us / CLOCK_US + 1).saturating_mul(CLOCK_US);
        let due = next_event.min(tenth).max(time_us.saturating_add(FRAME_US));
        let idle = due.saturating_sub(last_event) > IDLE_US;
        time_us = if idle { next_event.max(due) } else { due }.min(end);
    }
    out.flush()?;
    Ok(frames)
}

/// The screen as terminal output: cursor home, then each row with its colours.
#[must_use]
pub fn ansi(screen: &Buffer) -> String {
    let area = screen.area;
    let mut text = String::from("\x1b[H");
    for y in area.top()..area.bottom() {
        if y > area.top() {
            text.push_str("\r\n");
        }
        let mut style = None;
        let mut covered = 0;
        for x in area.left()..area.right() {
            let Some(cell) = screen.cell((x, y)) else { continue };
            // The columns a wide character spans after its own are drawn by it.
            if covered > 0 {
                covered -= 1;
                continue;
            }
            let current = (cell.fg, cell.bg, cell.modifier);
            if style != Some(current) {
                text.push_str(&sgr(cell.fg, cell.bg, cell.modifier));
                style = Some(current);
            }
            let symbol = if cell.symbol().is_empty() { " " } else { cell.symbol() };
            text.push_str(symbol);
            covered = Span::raw(symbol).width().saturating_sub(1);
        }
        text.push_str("\x1b[0m");
    }
    text
}

/// The SGR sequence that sets exactly this style.
fn sgr(fg: Color, bg: Color, modifier: Modifier) -> String {
    let mut codes = String::from("\x1b[0");
    let flags = [
        (Modifier::BOLD, 1),
        (Modifier::DIM, 2),
        (Modifier::ITALIC, 3),
        (Modifier::UNDERLINED, 4),
        (Modifier::SLOW_BLINK, 5),
        (Modifier::RAPID_BLINK, 6),
        (Modifier::REVERSED, 7),
        (Modifier::HIDDEN, 8),
        (Modifier::CROSSED_OUT, 9),
    ];
    for (flag, code) in flags {
        if modifier.contains(flag) {
            let _ = write!(codes, ";{code}");
        }
    }
    for (color, offset) in [(fg, 0), (bg, 10)] {
        if let Some(code) = color_code(color, offset) {
            codes.push(';');
            codes.push_str(&code);
        }
    }
    codes.push('m');
    codes
}

/// A colour's SGR parameters; `offset` 10 makes it the background.
fn color_code(color: Color, offset: u8) -> Option<String> {
    let basic = |code: u8| Some((code + offset).to_string());
    match color {
        Color::Reset => None,
        Color::Black => basic(30),
        Color::Red => basic(31),
        Color::Green => basic(32),
        Color::Yellow => basic(33),
        Color::Blue => basic(34),
        Color::Magenta => basic(35),
        Color::Cyan => basic(36),
        Color::Gray => basic(37),
        Color::DarkGray => basic(90),
        Color::LightRed => basic(91),
        Color::LightGreen => basic(92),
        Color::LightYellow => basic(93),
        Color::LightBlue => basic(94),
        Color::LightMagenta => basic(95),
        Color::LightCyan => basic(96),
        Color::White => basic(97),
        Color::Rgb(red, green, blue) => Some(format!("{};2;{red};{green};{blue}", 38 + offset)),
        Color::Indexed(index) => Some(format!("{};5;{index}", 38 + offset)),
    }
}

#[cfg(test)]
mod tests {
    //! Rows of the rendered dashboard as terminal output.

    use super::*;
    use ratatui::style::Style;

    #[test]
    fn rows_carry_their_colours_and_wide_characters_take_their_columns() {
        let mut screen = Buffer::empty(Rect::new(0, 0, 4, 2));
        screen.set_string(0, 0, "ab", Style::new().fg(Color::Red).add_modifier(Modifier::BOLD));
        screen.set_string(0, 1, "界x", Style::new().bg(Color::Rgb(1, 2, 3)));
        let text = ansi(&screen);
        assert_eq!(text, "\x1b[H\x1b[0;1;31mab\x1b[0m  \x1b[0m\r\n\x1b[0;48;2;1;2;3m界x\x1b[0m \x1b[0m");
    }
}
