//! The lesson notes overlay: the demo's Markdown notes, lightly styled.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget, Wrap};

use super::{block, centered};
use crate::app::App;

/// Draws the notes over the right part of the screen.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let Some(lesson) = app.showing.lesson else { return };
    let lines: Vec<Line> = lesson
        .lines()
        .skip(app.notes_top)
        .map(|line| {
            if let Some(heading) = line.strip_prefix("# ").or_else(|| line.strip_prefix("## ")) {
                Line::styled(heading.to_owned(), theme.header())
            } else if let Some(item) = line.strip_prefix("- ") {
                Line::from(vec![Span::raw(" • "), Span::raw(item.replace('`', ""))])
            } else {
                Line::raw(line.replace(['`', '_'], ""))
            }
        })
        .collect();
    let popup = centered(area, 80, area.height.saturating_sub(2));
    Clear.render(popup, buf);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(block(" Lesson notes (l or esc closes, up/down scroll) ", theme.border(true)))
        .render(popup, buf);
}
