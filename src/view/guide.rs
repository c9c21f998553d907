//! The guide of a steered run, above the thread table: what the run follows or aims at (a
//! schedule, a challenge's goal), how far it is, and what comes next, loud when the next step
//! is the one the lesson is about. Every word is kept: text too long for a row wraps.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::app::App;
use crate::app::Next;

/// The most rows each part of the guide takes: its headline with the detail, and the alert.
const MOST_ROWS: usize = 3;

/// Rows `text` wraps to at `width`, word by word as the paragraph wraps it, at most
/// [`MOST_ROWS`].
fn rows(text: &str, width: u16) -> u16 {
    let width = usize::from(width.max(1));
    let (mut rows, mut column) = (1, 0);
    for word in text.split(' ') {
        let length = word.chars().count();
        if column > 0 && column + 1 + length > width {
            rows += 1;
            column = 0;
        }
        column += usize::from(column > 0) + length;
        // A word longer than the row takes rows of its own.
        while column > width {
            rows += 1;
            column -= width;
        }
    }
    u16::try_from(rows.min(MOST_ROWS)).unwrap_or(1)
}

/// The headline and the detail, as the first part of the guide reads.
fn headline(app: &App) -> Option<String> {
    let guide = app.guide.as_ref()?;
    Some(match &guide.detail {
        Some(detail) => format!(" ◆ {} · {detail} ", guide.headline),
        None => format!(" ◆ {} ", guide.headline),
    })
}

/// The announcement of the step the lesson is about, naming who takes it.
fn alert(app: &App) -> Option<String> {
    let guide = app.guide.as_ref()?;
    let what = guide.alert.as_ref()?;
    let who = match guide.next {
        Some(Next::Thread(tid)) => format!("{}'s next step", app.model.thread_name(tid)),
        Some(Next::Time) => "letting time pass".to_owned(),
        None => "the next step".to_owned(),
    };
    Some(format!(" ⚠ {who} makes {what} "))
}

/// Draws the guide at the top of `main`; returns what is left.
pub(crate) fn render(app: &App, main: Rect, buf: &mut Buffer) -> Rect {
    let Some(headline) = headline(app) else { return main };
    let theme = app.theme();
    let alert = alert(app);
    let top = rows(&headline, main.width);
    let below = alert.as_deref().map_or(0, |alert| rows(alert, main.width));
    let [top_area, alert_area, rest] =
        Layout::vertical([Constraint::Length(top), Constraint::Length(below), Constraint::Min(0)]).areas(main);
    draw(Line::from(Span::styled(headline, theme.header())), Style::new(), top_area, buf);
    if let Some(alert) = alert {
        draw(Line::from(alert), theme.banner(), alert_area, buf);
    }
    rest
}

fn draw(line: Line<'_>, style: Style, area: Rect, buf: &mut Buffer) {
    Paragraph::new(line).style(style).wrap(Wrap { trim: false }).render(area, buf);
}
