//! The primitives panel: every lock, semaphore, condition, event, barrier, queue, local and
//! shared value with its live state and its waiters in queue order.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::block;
use crate::app::App;
use crate::model::{Model, PrimState, PrimView, Tone};
use crate::view::theme::Theme;

/// A queue's items from the front, as many as fit in `room` columns, then `…` if more are in
/// the queue; None for an empty queue.
fn queue_items(state: &PrimState, room: usize) -> Option<String> {
    let PrimState::Queue { items, untracked, qsize, .. } = state else { return None };
    if *qsize == 0 {
        return None;
    }
    let more = ", …";
    let mut budget = room.saturating_sub(more.chars().count());
    let mut shown: Vec<&str> = Vec::new();
    for item in items {
        let needed = item.chars().count() + if shown.is_empty() { 0 } else { 2 };
        if needed > budget {
            break;
        }
        budget -= needed;
        shown.push(item);
    }
    let all_shown = shown.len() == items.len() && *untracked == 0;
    Some(match (shown.is_empty(), all_shown) {
        (_, true) => shown.join(", "),
        (true, false) => "…".to_owned(),
        (false, false) => format!("{}{more}", shown.join(", ")),
    })
}

/// The state of one primitive as styled spans (without its name, items and waiters): the
/// model's words, coloured by what they say.
fn state_spans(model: &Model, prim: &PrimView, theme: Theme) -> Vec<Span<'static>> {
    let style = |tone| match tone {
        Tone::Active => theme.hot(),
        Tone::Idle => theme.calm(),
        Tone::Plain => Style::new(),
        Tone::Value => theme.header(),
        Tone::Broken => theme.error(),
    };
    model.prim_state(prim).into_iter().map(|phrase| Span::styled(phrase.text, style(phrase.tone))).collect()
}

/// The lines of each primitive at `width` columns: its kind, name and state, then a queue's
/// items and its waiters in queue order on lines of their own (so a long queue never pushes the
/// state off screen).
pub fn lines(app: &App, width: u16) -> impl Iterator<Item = Vec<Line<'static>>> + '_ {
    let model = &app.model;
    let theme = app.theme();
    let kind_width = model.prims.values().map(|prim| prim.kind().chars().count()).max().unwrap_or(0);
    let name_width = model.prims.values().map(|prim| prim.name.chars().count()).max().unwrap_or(0).min(18);
    model.prims.values().map(move |prim| {
        let mut spans = vec![
            Span::styled(format!("{:<kind_width$} ", prim.kind()), theme.dim()),
            Span::styled(format!("{:<name_width$} ", prim.name), theme.header()),
        ];
        spans.extend(state_spans(model, prim, theme));
        let mut group = vec![Line::from(spans)];
        // A queue's items on a line of their own, next out first, as many as the width holds.
        let label = "  next out: ";
        if let Some(items) = queue_items(&prim.state, usize::from(width).saturating_sub(label.chars().count())) {
            group.push(Line::from(vec![Span::styled(label, theme.dim()), Span::raw(items)]));
        }
        group.extend(shared_lines(model, prim, theme));
        if !prim.waiters.is_empty() {
            // First in line first: `c1, then c2, c3`.
            let mut waiting = vec![Span::styled("  ⏳ waiting: ", theme.dim())];
            for (index, tid) in prim.waiters.iter().enumerate() {
                match index {
                    0 => {}
                    1 => waiting.push(Span::raw(", then ")),
                    _ => waiting.push(Span::raw(", ")),
                }
                waiting.push(Span::styled(model.thread_name(*tid), theme.thread(*tid)));
            }
            group.push(Line::from(waiting));
        }
        group
    })
}

/// A `Shared` value's race on lines of their own, so a number never wraps away from its
/// words: the values read and not yet stored back (the race before it shows in the value),
/// then how many updates the value is missing and the latest overwrite, named.
fn shared_lines(model: &Model, prim: &PrimView, theme: Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if !prim.reads.is_empty() {
        let mut spans = vec![Span::styled("  not yet stored: ", theme.dim())];
        for (index, read) in prim.reads.iter().enumerate() {
            if index > 0 {
                spans.push(Span::raw(", "));
            }
            spans.push(Span::styled(model.thread_name(read.thread), theme.thread(read.thread)));
            spans.push(Span::raw(format!(" read {}", read.value)));
            if read.stale {
                spans.push(Span::styled(" (stale)", theme.error()));
            }
        }
        lines.push(Line::from(spans));
    }
    let missing = model.lost_updates_on(prim.pid);
    let latest = model.lost_updates.iter().rev().find(|lost| lost.prim == prim.pid);
    if let Some(lost) = latest.filter(|_| missing > 0) {
        lines.push(Line::from(vec![
            Span::styled(format!("  ⚠ {}", crate::model::lost_updates(missing)), theme.error()),
            Span::raw(format!("; latest: {}", model.overwrite(lost))),
        ]));
    }
    lines
}

/// Rows the panel's lines take at `width` columns, wrapped, counted up to `cap` (a big session
/// has more primitives than any screen has rows).
#[must_use]
pub fn height(app: &App, width: u16, cap: u16) -> u16 {
    let columns = usize::from(width.max(1));
    let mut rows = 0;
    for line in lines(app, width).flatten() {
        rows += line.width().max(1).div_ceil(columns);
        if rows >= usize::from(cap) {
            return cap;
        }
    }
    u16::try_from(rows).unwrap_or(cap)
}

/// Draws the panel.
pub fn render(app: &App, area: Rect, buf: &mut Buffer, focused: bool) {
    let title = format!(" Primitives {} ", app.model.prims.len());
    // Only what can show is built.
    let rows = usize::from(area.height.saturating_sub(2));
    let lines: Vec<Line> = lines(app, area.width.saturating_sub(2)).skip(app.prims_top).flatten().take(rows).collect();
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(block(&title, app.theme().border(focused)))
        .render(area, buf);
}
