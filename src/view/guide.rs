//! The guide of a steered run, above the thread table: what the run follows or aims at (a
//! schedule, a challenge's goal), how far it is, and what comes next, loud when the next step
//! is the one the lesson is about.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::app::App;
use crate::app::steer::{Guide, Next};

/// Rows the guide takes at `width`: its headline, and an alert of up to two rows.
#[must_use]
pub fn height(app: &App, width: u16) -> u16 {
    let Some(guide) = &app.guide else { return 0 };
    let alert_rows = alert(app).map_or(0, |alert| {
        let rows = (alert.chars().count() + 4).div_ceil(usize::from(width.max(1)));
        u16::try_from(rows).unwrap_or(2).clamp(1, 2)
    });
    1 + u16::from(!one_row(guide, width)) + alert_rows
}

/// Whether the headline and the detail fit on one row.
fn one_row(guide: &Guide, width: u16) -> bool {
    let detail = guide.detail.as_ref().map_or(0, |detail| detail.chars().count() + 2);
    guide.headline.chars().count() + 4 + detail <= usize::from(width)
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
    let headline = Span::styled(format!(" ◆ {} ", guide.headline), theme.header());
    let two_rows = !one_row(guide, main.width);
    let [top, second, below] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(u16::from(two_rows)), Constraint::Min(0)])
            .areas(area);
    match &guide.detail {
        Some(detail) if two_rows => {
            Paragraph::new(Line::from(headline)).render(top, buf);
            let detail = super::source::cut(detail, usize::from(main.width).saturating_sub(4));
            Paragraph::new(Line::from(Span::styled(format!("   {detail}"), theme.dim()))).render(second, buf);
        }
        Some(detail) => {
            let line = Line::from(vec![headline, Span::styled(format!("· {detail}"), theme.dim())]);
            Paragraph::new(line).render(top, buf);
        }
        None => Paragraph::new(Line::from(headline)).render(top, buf),
    }
    if let Some(alert) = alert(app) {
        Paragraph::new(format!(" ⚠ {alert} ")).style(theme.banner()).wrap(Wrap { trim: false }).render(below, buf);
    }
    rest
}
