//! The wait-for overlay: every waiting thread, what it waits on, and who holds it, with the
//! threads of a deadlock marked.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget, Wrap};

use super::{block, centered};
use crate::app::App;

/// Draws the overlay in the middle of `area`.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = app.theme();
    let model = &app.model;
    let edges = model.wait_edges();
    let mut lines: Vec<Line> = edges
        .iter()
        .map(|edge| {
            let deadlocked = app
                .confirmed_deadlock()
                .is_some_and(|deadlock| deadlock.in_cycle(edge.thread) || deadlock.is_stuck(edge.thread));
            let marker = if deadlocked { Span::styled(" ⚠ ", theme.error()) } else { Span::raw("   ") };
            Line::from(vec![
                marker,
                Span::styled(model.thread_name(edge.thread), theme.thread(edge.thread)),
                Span::raw(" "),
                Span::raw(model.describe_wait(edge)),
            ])
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::styled("   nobody waits", theme.dim()));
    }
    lines.push(Line::raw(""));
    match app.confirmed_deadlock() {
        Some(deadlock) => lines.push(Line::styled(format!(" {}", deadlock.describe(model)), theme.error())),
        None => lines.push(Line::styled(" no cycle: every wait can still end", theme.dim())),
    }
    let height = u16::try_from(lines.len() + 3).unwrap_or(u16::MAX);
    let popup = centered(area, 100, height);
    Clear.render(popup, buf);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(block(" Who waits for whom (esc closes) ", theme.border(true)))
        .render(popup, buf);
}
