//! The guide of a steered run, above the thread table: what the run follows or aims at (a
//! schedule, a challenge's goal), how far it is, and what comes next, loud when the next step
//! is the one the lesson is about.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::app::App;
use crate::app::steer::Next;

/// Rows the guide takes at `width`: its headline, and an alert of up to two rows.
#[must_use]
pub fn height(app: &App, width: u16) -> u16 {
    match alert(app) {
        Some(alert) => {
            let rows = (alert.chars().count() + 4).div_ceil(usize::from(width.max(1)));
            1 + u16::try_from(rows).unwrap_or(2).clamp(1, 2)
        }
        None => u16::from(app.guide.is_some()),
    }
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
    Some(format!("{who} makes {what}"))
}

/// Draws the guide at the top of `main`; returns what is left.
pub(crate) fn render(app: &App, main: Rect, buf: &mut Buffer) -> Rect {
    let Some(guide) = &app.guide else { return main };
    let theme = app.theme();
    let rows = height(app, main.width).min(main.height);
    let [area, rest] = Layout::vertical([Constraint::Length(rows), Constraint::Min(0)]).areas(main);
    let mut headline = vec![Span::styled(format!(" ◆ {} ", guide.headline), theme.header())];
    if let Some(detail) = &guide.detail {
        headline.push(Span::styled(format!("· {detail}"), theme.dim()));
    }
    let [top, below] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    Paragraph::new(Line::from(headline)).render(top, buf);
    if let Some(alert) = alert(app) {
        Paragraph::new(format!(" ⚠ {alert} ")).style(theme.banner()).wrap(Wrap { trim: false }).render(below, buf);
    }
    rest
}
