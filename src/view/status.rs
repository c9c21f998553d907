//! The status bar: what runs, LIVE / PAUSED / STEPPING, speed, demo time, event count,
//! dropped events, and key hints (or the latest message). When the hints that matter do not fit
//! beside the rest, they get a row of their own.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::app::{App, Panel};
use crate::session::PauseState;

/// How many hints, the first ones (step, step selected, space, help), must fit beside the state
/// for the bar to stay on one row; otherwise the hints get a row of their own.
const ESSENTIAL: usize = 4;

/// The pause badge's text.
#[must_use]
pub fn badge(app: &App) -> String {
    if app.model.ended {
        return " ENDED ".to_owned();
    }
    match app.status.pause {
        PauseState::Running if app.replay => " ▶ REPLAY ".to_owned(),
        PauseState::Running => " ▶ LIVE ".to_owned(),
        PauseState::Paused => " ⏸ PAUSED ".to_owned(),
        PauseState::Stepping(tid) => format!(" ⏭ STEPPING {} ", app.model.thread_name(tid)),
    }
}

/// Key hints, most important first: stepping, pausing, help, then the panels that have no
/// place on this screen (`elsewhere`), which Tab brings in.
fn hints(app: &App, elsewhere: &[Panel]) -> Vec<(String, String)> {
    // At the end there is nothing to pause: space runs the program again.
    let space = match app.status.pause {
        _ if app.model.ended => "run again",
        PauseState::Running => "pause",
        _ => "resume",
    };
    let mut hints: Vec<(String, String)> = vec![
        ("n".into(), "step".into()),
        ("enter".into(), "step selected".into()),
        ("space".into(), space.into()),
        ("?".into(), "help".into()),
    ];
    if !elsewhere.is_empty() {
        let names: Vec<&str> = elsewhere
            .iter()
            .map(|panel| match panel {
                Panel::Threads => "threads",
                Panel::Prims => "primitives",
                Panel::Log => "log",
                Panel::Source => "source",
                Panel::Timeline => "timeline",
            })
            .collect();
        hints.push(("tab".into(), names.join(", ")));
    }
    hints.push(("q".into(), "quit".into()));
    hints.push(("p".into(), if app.ui.present { "normal view".into() } else { "present".into() }));
    if !app.ui.present {
        hints.push(("l".into(), "notes".into()));
    }
    hints
}

/// Spans of the state: title, badge, speed, time, events (not in presenter mode, where the
/// class needs none), dropped events.
fn state_spans(app: &App) -> Vec<Span<'static>> {
    let theme = app.theme();
    let mut spans = vec![
        Span::styled(format!(" {} ", app.subject.title), theme.header()),
        Span::styled(badge(app), theme.badge(app.status.pause != PauseState::Running)),
        Span::raw(format!(" {:.1}x  {}", app.status.speed, crate::model::at(app.status.now_us))),
    ];
    if !app.ui.present {
        spans.push(Span::raw(format!("  {} events", app.model.events)));
    }
    // Both kinds of loss: the session's count (at the source and in the view's buffer) and
    // what the events themselves tell (gaps, losses at the source), whichever is further on.
    let missed = app.status.dropped.max(app.model.lost());
    if missed > 0 {
        spans.push(Span::styled(format!("  ⚠ {missed} dropped"), theme.error()));
    }
    spans.push(Span::raw("  "));
    spans
}

/// As many hints as fit in `room` columns, whole, most important first.
fn hint_spans(app: &App, elsewhere: &[Panel], room: usize) -> Vec<Span<'static>> {
    let theme = app.theme();
    let mut spans = Vec::new();
    let mut room = room;
    for (index, (key, does)) in hints(app, elsewhere).into_iter().enumerate() {
        let gap = if index == 0 { 0 } else { 2 };
        let needed = gap + key.chars().count() + 1 + does.chars().count();
        if needed > room {
            break;
        }
        if gap > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(key, theme.header()));
        spans.push(Span::styled(format!(":{does}"), theme.dim()));
        room -= needed;
    }
    spans
}

/// Rows the bar needs at `width` columns: one when the state and the essential hints fit on
/// it, two otherwise.
#[must_use]
pub fn height(app: &App, width: u16, elsewhere: &[Panel]) -> u16 {
    let state: usize = state_spans(app).iter().map(Span::width).sum();
    let essential: usize = hints(app, elsewhere)
        .iter()
        .take(if app.ui.present { ESSENTIAL - 1 } else { ESSENTIAL })
        .enumerate()
        .map(|(index, (key, does))| if index == 0 { 0 } else { 2 } + key.chars().count() + 1 + does.chars().count())
        .sum();
    if state + essential <= usize::from(width) { 1 } else { 2 }
}

/// Draws the bar on one row, the message (if any) in place of the hints.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    render_with(app, area, buf, &[]);
}

/// Draws the bar: on one row, the state and the hints; on two, the hints on the first and the
/// state on the second. A message (if any) takes the hints' place. `elsewhere` are the panels with no
/// place on screen, which the hints say Tab brings in.
pub fn render_with(app: &App, area: Rect, buf: &mut Buffer, elsewhere: &[Panel]) {
    let theme = app.theme();
    let mut spans = state_spans(app);
    let message = app.message.as_ref().map(|message| Span::styled(message.clone(), theme.error()));
    if area.height >= 2 {
        // The state stays on the bottom row, as on one row; overlays may cover the hints.
        // A message takes the hints' row, the wider one, until the next key.
        let [top, bottom] = Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(area);
        let mut hints = vec![Span::raw(" ")];
        match message {
            Some(message) => hints.push(message),
            None => hints.extend(hint_spans(app, elsewhere, usize::from(top.width).saturating_sub(1))),
        }
        Paragraph::new(Line::from(hints)).render(top, buf);
        Paragraph::new(Line::from(spans)).render(bottom, buf);
        return;
    }
    if let Some(message) = message {
        spans.push(message);
    } else {
        let used: usize = spans.iter().map(Span::width).sum();
        spans.extend(hint_spans(app, elsewhere, usize::from(area.width).saturating_sub(used)));
    }
    Paragraph::new(Line::from(spans)).render(area, buf);
}
