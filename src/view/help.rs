//! The help overlay, written from the same key table that dispatches keys, and a legend of
//! every state a row can show, the table's columns, and the timeline's letters and marks, all
//! written from the words and symbols the panels themselves draw.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget, Wrap};

use super::theme::Theme;
use super::threads::{NEXT_MARK, line_word};
use super::{block, centered};
use crate::app::keys::KEYS;
use crate::app::{App, LineIs};
use crate::model::{LaneState, MarkKind, ThreadState, WaitTarget};

/// Columns of the legend's headings (`States`, `Timeline`...).
const HEADING_WIDTH: usize = 10;
/// Columns a legend line has after its heading, so that the help fits 80 columns unwrapped.
const LEGEND_WIDTH: usize = 78 - 1 - HEADING_WIDTH;

/// Every state a row can show, with what it means.
fn states() -> Vec<(String, String)> {
    let state =
        |state: ThreadState, meaning: &str| (format!("{} {}", state.symbol(), state.word()), meaning.to_owned());
    vec![
        state(ThreadState::New, "created, not started: not alive yet"),
        ("▷ READY".to_owned(), format!("paused here; n or enter moves it; {NEXT_MARK}: n's pick")),
        state(ThreadState::Running, "running, or ready to run when the OS picks it"),
        state(ThreadState::Sleeping { until_us: 0 }, "in sleep, with the time left"),
        state(ThreadState::Blocked { prim: 0, until_us: None }, "waiting to acquire a lock or a semaphore permit"),
        state(
            ThreadState::Waiting { on: WaitTarget::Shutdown, until_us: None },
            "on a condition, event, barrier, queue, join, shutdown",
        ),
        state(ThreadState::Done, "ended normally"),
        state(ThreadState::Killed, "a daemon stopped when the program ended"),
        state(ThreadState::Panicked { message: String::new() }, "ended by an exception (its message is on the row)"),
        ("≤1.2s".to_owned(), "after BLOCKED or WAITING: its timeout runs out in 1.2s".to_owned()),
    ]
}

/// What LINE can say, in one line: the line run last, or a line not run yet, marked so.
fn line_column() -> (String, String) {
    let form = |line_is: LineIs, meaning: &str| format!("{} {meaning}", line_word(line_is));
    let forms = [
        form(LineIs::Ran, "21: ran"),
        form(LineIs::Next, "23: runs when stepped"),
        form(LineIs::In, "23: waits in it"),
    ];
    ("LINE".to_owned(), forms.join("; "))
}

/// `entries` joined by two spaces into lines of at most `width` columns.
fn flow(entries: &[String], width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for entry in entries {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 2 + entry.chars().count() <= width => {
                line.push_str("  ");
                line.push_str(entry);
            }
            _ => lines.push(entry.clone()),
        }
    }
    lines
}

/// The timeline's letters for each state, and its marks for operations, in lines that fit
/// beside their heading at 80 columns.
fn timeline() -> (Vec<String>, Vec<String>) {
    let lanes = [
        (LaneState::Running, "running"),
        (LaneState::Sleeping, "sleeping"),
        (LaneState::Blocked, "blocked"),
        (LaneState::Waiting, "waiting"),
        (LaneState::Done, "done"),
        (LaneState::Killed, "killed"),
        (LaneState::Panicked, "exception"),
        (LaneState::Unknown, "unknown (events lost)"),
    ];
    let marks = [
        (MarkKind::Acquire, "acquire"),
        (MarkKind::Release, "release"),
        (MarkKind::Notify, "notify"),
        (MarkKind::Set, "set"),
        (MarkKind::Clear, "clear"),
        (MarkKind::Put, "put"),
        (MarkKind::Get, "get"),
        // `log`, not `log line`: the marks fit one line of the legend, which at 120x40 shows
        // whole.
        (MarkKind::Log, "log"),
    ];
    let lanes = lanes.map(|(lane, word)| format!("{} {word}", lane.letter()));
    let marks = marks.map(|(mark, word)| format!("{} {word}", mark.symbol()));
    (flow(&lanes, LEGEND_WIDTH), flow(&marks, LEGEND_WIDTH))
}

/// The overlay's lines: the keys, then the legend, each part headed in a column of its own.
#[must_use]
pub fn lines(theme: Theme) -> Vec<Line<'static>> {
    let width = KEYS.iter().map(|binding| binding.label.len()).max().unwrap_or(0);
    let mut lines: Vec<Line> = KEYS
        .iter()
        .map(|binding| {
            Line::from(vec![
                Span::styled(format!(" {:>width$} ", binding.label), theme.header()),
                Span::raw(binding.help),
            ])
        })
        .collect();
    // A part's heading on its first line only.
    let mut part = |heading: &str, entries: Vec<(String, String)>| {
        let term_width = entries.iter().map(|(term, _)| term.chars().count()).max().unwrap_or(0);
        for (index, (term, meaning)) in entries.into_iter().enumerate() {
            let heading = if index == 0 { heading } else { "" };
            let term = if term_width == 0 { String::new() } else { format!("{term:<term_width$}  ") };
            lines.push(Line::from(vec![
                Span::styled(format!(" {heading:<HEADING_WIDTH$}"), theme.header()),
                Span::styled(term, theme.header()),
                Span::raw(meaning),
            ]));
        }
    };
    part("States", states());
    part(
        "Columns",
        vec![
            ("D".to_owned(), "d: a daemon, not waited for; killed when the program ends".to_owned()),
            ("FOR".to_owned(), "how long the thread has been in its state".to_owned()),
            line_column(),
        ],
    );
    let (letters, marks) = timeline();
    let untermed = |entries: Vec<String>| entries.into_iter().map(|entry| (String::new(), entry)).collect();
    part("Timeline", untermed(letters));
    part("Marks", untermed(marks));
    lines
}

/// How many lines the help has: how far it can scroll.
#[must_use]
#[cfg(test)]
pub fn line_count() -> usize {
    lines(Theme::new(super::theme::ThemeName::Dark, false)).len()
}

/// Draws the overlay in the middle of `area`, scrolled down by `app.ui.help_top` lines when it is
/// taller than the screen.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = app.theme();
    let lines = lines(theme);
    // Tall enough for the lines as wrapped at the popup's width.
    let inner_width = usize::from(area.width.min(100).saturating_sub(2)).max(1);
    let rows: usize = lines.iter().map(|line| line.width().max(1).div_ceil(inner_width)).sum();
    let popup = centered(area, 100, u16::try_from(rows + 2).unwrap_or(u16::MAX));
    let shown = usize::from(popup.height.saturating_sub(2));
    app.ui.scroll_limits.help.set(rows.saturating_sub(shown));
    let title = if rows > shown {
        // Scrolled no further than the last line at the bottom.
        let top = app.ui.help_top.min(rows - shown);
        let more = if top + shown < rows { "↓ more below" } else { "↑ the end" };
        format!(" Keys (esc closes) {more}: up/down scroll ")
    } else {
        " Keys (esc closes) ".to_owned()
    };
    let top = u16::try_from(app.ui.help_top.min(rows.saturating_sub(shown))).unwrap_or(0);
    Clear.render(popup, buf);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((top, 0))
        .block(block(&title, theme.border(true)))
        .render(popup, buf);
}

#[cfg(test)]
mod tests {
    //! The help fits an 80-column screen.

    use super::*;

    #[test]
    fn no_line_wraps_at_80_columns() {
        for line in lines(Theme::new(super::super::theme::ThemeName::Dark, false)) {
            assert!(line.width() <= 78, "{line}");
        }
    }
}
