//! The help overlay, written from the same key table that dispatches keys.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget, Wrap};

use super::{block, centered};
use crate::app::App;
use crate::app::keys::KEYS;

/// Draws the overlay in the middle of `area`.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
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
    // The legend, in two short lines so it fits beside nothing at 80 columns.
    lines.push(Line::styled(" States: ▷ READY (paused, can step)  ▶ RUNNING  z SLEEPING  ■ BLOCKED", theme.dim()));
    lines.push(Line::styled("         … WAITING  ✓ DONE  ✗ KILLED  ! PANICKED", theme.dim()));
    // Tall enough for the lines as wrapped at the popup's width.
    let inner_width = usize::from(area.width.min(100).saturating_sub(2)).max(1);
    let rows: usize = lines.iter().map(|line| line.width().max(1).div_ceil(inner_width)).sum();
    let popup = centered(area, 100, u16::try_from(rows + 2).unwrap_or(u16::MAX));
    Clear.render(popup, buf);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(block(" Keys (esc closes) ", theme.border(true)))
        .render(popup, buf);
}
