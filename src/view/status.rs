//! The status bar: what runs, LIVE / PAUSED / STEPPING, speed, demo time, event count,
//! dropped events, and key hints (or the latest message).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::seconds;
use crate::app::App;
use crate::session::PauseState;

/// Key hints for the status bar, most important first.
const HINTS: [&str; 6] = ["?:help", "q:quit", "space:pause", "n:step", "enter:step selected", "l:notes"];

/// The pause badge's text.
#[must_use]
pub fn badge(app: &App) -> String {
    if app.model.ended {
        return " ENDED ".to_owned();
    }
    match app.pause {
        PauseState::Running if app.replay => " ▶ REPLAY ".to_owned(),
        PauseState::Running => " ▶ LIVE ".to_owned(),
        PauseState::Paused => " ⏸ PAUSED ".to_owned(),
        PauseState::Stepping(tid) => format!(" ⏭ STEPPING {} ", app.model.thread_name(tid)),
    }
}

/// Draws the bar.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let mut spans = vec![
        Span::styled(format!(" {} ", app.showing.title), theme.header()),
        Span::styled(badge(app), theme.badge(app.pause != PauseState::Running)),
        Span::raw(format!(" {:.1}x  t={}  {} events", app.speed, seconds(app.now_us).trim(), app.model.events)),
    ];
    let missed = app.dropped.max(app.model.missed);
    if missed > 0 {
        spans.push(Span::styled(format!("  ⚠ {missed} dropped"), theme.error()));
    }
    spans.push(Span::raw("  "));
    if let Some(message) = &app.message {
        spans.push(Span::styled(message.clone(), theme.error()));
    } else {
        // As many hints as fit, most important first; `?` lists every key.
        let used: usize = spans.iter().map(Span::width).sum();
        let mut room = usize::from(area.width).saturating_sub(used);
        let mut hints = String::new();
        for hint in HINTS {
            // At the end there is nothing to pause: space runs the program again.
            let hint = if app.model.ended && hint == "space:pause" { "space:run again" } else { hint };
            let needed = hint.chars().count() + if hints.is_empty() { 0 } else { 2 };
            if needed > room {
                break;
            }
            if !hints.is_empty() {
                hints.push_str("  ");
            }
            hints.push_str(hint);
            room -= needed;
        }
        spans.push(Span::styled(hints, theme.dim()));
    }
    Paragraph::new(Line::from(spans)).render(area, buf);
}
