//! The lesson notes overlay: the demo's Markdown notes, rendered and wrapped, answers hidden
//! until revealed.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph, Widget};

use super::markdown::{self, Answers};
use super::{block, centered};
use crate::app::App;
use crate::app::keys::{self, Action};

/// The widest the notes get: lines of prose longer than this are hard to read.
const WIDTH: u16 = 80;

/// The popup for a screen area: centred, at most [`WIDTH`] wide, two rows shorter.
fn popup(area: Rect) -> Rect {
    centered(area, WIDTH, area.height.saturating_sub(2))
}

/// The text area inside the popup's border.
fn inner(area: Rect) -> Rect {
    block("", ratatui::style::Style::new()).inner(popup(area))
}

/// The notes as lines `width` columns wide, with answers hidden or shown as the app says.
#[must_use]
pub fn lines(app: &App, width: u16) -> Vec<Line<'static>> {
    let Some(lesson) = app.subject.lesson else { return Vec::new() };
    markdown::lines(lesson, width, app.theme(), answers(app))
}

/// Whether answers show, and the key that reveals them.
#[must_use]
pub fn answers(app: &App) -> Answers<'static> {
    if app.ui.answers == crate::app::Answers::Shown {
        Answers::Shown
    } else {
        Answers::Hidden { key: keys::label(Action::Reveal) }
    }
}

/// The first line shown when the last line is at the bottom of `text`: how far the notes scroll.
fn limit(app: &App, text: Rect) -> usize {
    lines(app, text.width).len().saturating_sub(usize::from(text.height))
}

/// Draws the notes over `area` (the screen above the status bar).
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = app.theme();
    let popup = popup(area);
    let text = inner(area);
    let limit = limit(app, text);
    app.ui.scroll_limits.notes.set(limit);
    let top = app.ui.notes_top.min(limit);
    let reveal = keys::label(Action::Reveal);
    let answers = if app.ui.answers == crate::app::Answers::Shown { "hides" } else { "shows" };
    let title = format!(" Lesson notes (l or esc closes, up/down scroll, {reveal} {answers} answers) ");
    Clear.render(popup, buf);
    block(&title, theme.border(true)).render(popup, buf);
    let mut lines = lines(app, text.width);
    let shown = lines.split_off(top.min(lines.len()));
    Paragraph::new(shown).render(text, buf);
}
