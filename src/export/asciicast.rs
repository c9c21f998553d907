//! asciicast v2: the dashboard rendered headlessly from a recording, as a terminal recording
//! that asciinema plays. The first line is the header; each further line is one frame,
//! `[seconds, "o", text]`, where the text homes the cursor and redraws every row with SGR
//! colour codes. Frames are taken at events and at each tenth of a second the clock shows, at
//! most one per [`FRAME_US`] of the cast's time, skipping silences longer than [`IDLE_US`],
//! and written only when the screen changed.
//!
//! The cast keeps the live dashboard's time: demo time goes by at the recorded speed (and at
//! each speed the run was changed to), each wake-up the session held stays on screen for the
//! same real time the session held it ([`hold_length`] of [`LINGER`], demo time standing
//! still), and the lesson's moment stops the cast to ask its question ([`question_pause`]), as
//! a live run paused there to ask the class. The stops are found as a replay finds them
//! ([`Stops`]). Nothing depends on the wall clock: a recording always makes the same cast.
//!
//! The recording is read twice, event by event, never held whole: once for its stops, once
//! to render ([`write_events`]).

use std::fmt::Write as _;
use std::io::{self, Write};
use std::time::Duration;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use ratatui::text::Span;
use ratatui::widgets::Widget;
use serde::Serialize;
use serde_json::json;

use crate::TraceEvent;
use crate::app::live::LINGER;
use crate::app::replay::stops::Stops;
use crate::app::replay::subject;
use crate::app::{Answers, App, Msg, Overlay, Status};
use crate::event::{Control, EventKind};
use crate::lesson::{ANSWER_OPENER, Moment};
use crate::record::{Header, Recording};
use crate::session::{PauseState, clamp_speed, hold_length};
use crate::view::theme::Theme;

/// The least time of the cast between two frames: at most 30 frames a second.
pub const FRAME_US: u64 = 33_333;
/// The dashboard shows demo time in tenths of a second: between events, nothing changes more
/// often.
const CLOCK_US: u64 = 100_000;
/// How long (the cast's time) the clock keeps ticking in frames after an event before the
/// cast skips to the next event.
pub const IDLE_US: u64 = 10_000_000;

/// How fast the class reads a question off the shared screen: 3 words a second (180 a
/// minute), slower than one reader alone (about 240), as a room reads together.
const WORDS_PER_SECOND: u64 = 3;
/// How long the class thinks about the question once read, before the answer shows: what a
/// lecturer leaves before asking for hands.
const THINK: Duration = Duration::from_secs(5);
/// The longest either part of a question's pause lasts, however long its text.
const LONGEST_READ: Duration = Duration::from_secs(30);

/// How long a cast stops at the lesson's moment: first the question with its answer hidden,
/// for the time to read it plus `THINK`; then its answer, for the time to read that (none
/// if the lesson gives no answer). A live run waits there for the lecturer, who asks the class
/// and reveals the answer; a cast has nobody to press a key, so it waits as long as reading and
/// a moment's thought take, and the viewer still sees the question, then the answer, whole.
/// Each part is at most `LONGEST_READ`. Real time, whatever the speed: reading does not go
/// faster in fast forward.
#[must_use]
pub fn question_pause(moment: &Moment) -> (Duration, Duration) {
    let (question, answer) = moment.question.split_once(ANSWER_OPENER).unwrap_or((moment.question, ""));
    let reading = |text: &str| {
        let words = text.split_whitespace().filter(|word| word.chars().any(char::is_alphanumeric)).count();
        let millis = u64::try_from(words).unwrap_or(u64::MAX).saturating_mul(1_000) / WORDS_PER_SECOND;
        Duration::from_millis(millis)
    };
    let answer = if answer.trim().is_empty() { Duration::ZERO } else { reading(answer).min(LONGEST_READ) };
    ((reading(question) + THINK).min(LONGEST_READ), answer)
}

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

/// The cast's time against demo time: demo time over the speed, plus the time the cast stood
/// still (holds, the question).
#[derive(Debug, Clone, Copy)]
struct CastClock {
    speed: f64,
    /// Demo time at `anchor_cast_us`.
    anchor_demo_us: u64,
    anchor_cast_us: u64,
}

impl CastClock {
    fn new(speed: f64) -> Self {
        Self { speed: clamp_speed(speed), anchor_demo_us: 0, anchor_cast_us: 0 }
    }

    /// The cast's time, in microseconds, when demo time is `demo_us` (not before the anchor).
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "a positive time; past u64::MAX microseconds it saturates, and so does the cast"
    )]
    fn at(&self, demo_us: u64) -> u64 {
        let since = demo_us.saturating_sub(self.anchor_demo_us) as f64 / self.speed;
        self.anchor_cast_us.saturating_add(since.round() as u64)
    }

    /// From demo time `demo_us` on, demo time goes by at `speed`.
    fn set_speed(&mut self, demo_us: u64, speed: f64) {
        self.anchor_cast_us = self.at(demo_us);
        self.anchor_demo_us = demo_us;
        self.speed = clamp_speed(speed);
    }

    /// The cast stands still at demo time `demo_us` for `length`.
    fn stand_still(&mut self, demo_us: u64, length: Duration) {
        let length = u64::try_from(length.as_micros()).unwrap_or(u64::MAX);
        self.anchor_cast_us = self.at(demo_us).saturating_add(length);
        self.anchor_demo_us = demo_us;
    }

    /// The demo time that `cast_us` of the cast's time takes at the speed now (at least 1 µs).
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "a positive length well within u64 at speeds of 0.1 to 10"
    )]
    fn demo_for(&self, cast_us: u64) -> u64 {
        ((cast_us as f64 * self.speed).round() as u64).max(1)
    }
}

/// The frames written so far and what is on screen.
struct Cast<W> {
    out: W,
    area: Rect,
    shown: Option<Buffer>,
    frames: usize,
    clock: CastClock,
}

impl<W: Write> Cast<W> {
    /// Renders `app` and writes the screen as a frame at demo time `demo_us`, if it changed.
    fn frame(&mut self, app: &App, demo_us: u64) -> io::Result<()> {
        let mut screen = Buffer::empty(self.area);
        app.render(self.area, &mut screen);
        if self.shown.as_ref() != Some(&screen) {
            #[allow(clippy::cast_precision_loss, reason = "seconds for a player, to the microsecond")]
            let seconds = self.clock.at(demo_us) as f64 / 1e6;
            serde_json::to_writer(&mut self.out, &json!([seconds, "o", ansi(&screen)]))?;
            self.out.write_all(b"\n")?;
            self.frames += 1;
            self.shown = Some(screen);
        }
        Ok(())
    }

    /// The app's status at demo time `demo_us`.
    fn status(&self, app: &mut App, demo_us: u64, pause: PauseState) {
        app.update(Msg::Status(Status {
            now_us: demo_us,
            pause,
            speed: self.clock.speed,
            dropped: 0,
            ready: Vec::new(),
            ready_at: std::collections::BTreeMap::new(),
        }));
    }

    /// The app asks the lesson's question: the cast pauses to show it, then its answer (see
    /// [`question_pause`]), then puts it away and goes on, as the lecturer's space does.
    fn ask(&mut self, app: &mut App, demo_us: u64) -> io::Result<()> {
        let Some(moment) = app.moment else { return Ok(()) };
        let (question, answer) = question_pause(&moment);
        self.status(app, demo_us, PauseState::Paused);
        self.frame(app, demo_us)?;
        self.clock.stand_still(demo_us, question);
        if !answer.is_zero() {
            app.ui.answers = Answers::Shown;
            self.frame(app, demo_us)?;
            self.clock.stand_still(demo_us, answer);
        }
        app.ui.overlays.retain(|&overlay| overlay != Overlay::Moment);
        app.ui.answers = Answers::Hidden;
        self.status(app, demo_us, PauseState::Running);
        self.frame(app, demo_us)
    }
}

/// Writes the recording as an asciicast; returns the number of frames written.
pub fn write(recording: &Recording, options: &Options, out: impl Write) -> io::Result<usize> {
    let subject = subject(&recording.header.demo, None);
    let stops = Stops::find(recording.events.iter().cloned(), &subject);
    let events = recording.events.iter().cloned();
    write_events(&recording.header, &stops, recording.end_us(), events, options, out, &mut |_| {})
}

/// The most events the cast hands the app at once: a flood due within one frame goes in
/// pieces, so memory holds a piece, not the flood.
const FOLD_BATCH: usize = 65_536;

/// Writes the asciicast of `events`, the recording with `header` whose stops are `stops`
/// (found by a first reading, [`Stops::find`]) and whose last event is at `end_us`: the
/// events are read as they are due, never held all at once. `progress` is told the events
/// folded so far. Returns the number of frames written.
pub fn write_events(
    header: &Header,
    stops: &Stops,
    end_us: u64,
    events: impl Iterator<Item = TraceEvent>,
    options: &Options,
    mut out: impl Write,
    progress: &mut dyn FnMut(usize),
) -> io::Result<usize> {
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
    let subject = subject(&header.demo, None);
    let mut app = App::new(subject, options.theme, PauseState::Running, header.speed);
    app.replay = true;
    app.ui.size = (options.width, options.height);
    let area = Rect::new(0, 0, options.width, options.height);
    let mut cast = Cast { out, area, shown: None, frames: 0, clock: CastClock::new(header.speed) };
    let mut events = events.peekable();
    let end = end_us;
    let (mut next, mut time_us, mut stop) = (0, 0, 0);
    // The demo time of the last event folded (the events before `next`).
    let mut last_event = 0;
    let mut asked = false;
    loop {
        // The events due, but none past the next stop: what a stop holds is seen before
        // anything after it.
        let stop_at = stops.get(stop).map(|stop| stop.at);
        let limit = stop_at.unwrap_or(usize::MAX);
        let mut folded = Vec::new();
        while next < limit
            && let Some(event) = events.next_if(|event| event.time_us <= time_us)
        {
            if let EventKind::Control { control: Control::Speed { speed } } = event.kind {
                cast.clock.set_speed(event.time_us, speed);
            }
            last_event = event.time_us;
            folded.push(event);
            next += 1;
            if folded.len() == FOLD_BATCH {
                app.update(Msg::Events(std::mem::take(&mut folded)));
                progress(next);
            }
        }
        if !folded.is_empty() {
            app.update(Msg::Events(folded));
            progress(next);
        }
        cast.status(&mut app, time_us, PauseState::Running);
        // The question, once the app asks it: where its stop comes, when it has one (the
        // events the moment lets through are on screen by then); a deadlock's, at once.
        let moment_folded = stops.get(stop).and_then(|stop| stop.ask).is_some_and(|moment| moment < next);
        let at_stop = stop_at == Some(next);
        if !asked && app.shows(Overlay::Moment) && (at_stop || !moment_folded) {
            asked = true;
            cast.ask(&mut app, time_us)?;
        } else {
            cast.frame(&app, time_us)?;
        }
        if at_stop {
            if stops.get(stop).is_some_and(|stop| stop.hold) {
                cast.clock.stand_still(time_us, hold_length(LINGER, cast.clock.speed));
            }
            stop += 1;
            continue;
        }
        let next_event = events.peek().map(|event| event.time_us);
        if time_us >= end && next_event.is_none() {
            break;
        }
        // Between events only the clock moves; after IDLE_US of that, jump to the next event,
        // so a long silence costs a bounded number of frames.
        let next_event = next_event.unwrap_or(end);
        // The next frame: the next event or the next tenth the clock shows, whichever comes
        // first, but no sooner than a frame after this one.
        let tenth = (time_us / CLOCK_US + 1).saturating_mul(CLOCK_US);
        let due = next_event.min(tenth).max(time_us.saturating_add(cast.clock.demo_for(FRAME_US)));
        let idle = due.saturating_sub(last_event) > cast.clock.demo_for(IDLE_US);
        time_us = if idle { next_event.max(due) } else { due }.min(end);
    }
    cast.out.flush()?;
    Ok(cast.frames)
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
