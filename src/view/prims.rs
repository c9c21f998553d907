//! The primitives panel: every lock, semaphore, condition, event, barrier, queue, local and
//! shared value with its live state and its waiters in queue order.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::block;
use crate::app::App;
use crate::model::{Phrase, PrimState, Tone};
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

/// The model's phrases as spans, coloured by what they say.
fn spans(phrases: Vec<Phrase>, theme: Theme) -> impl Iterator<Item = Span<'static>> {
    phrases.into_iter().map(move |phrase| {
        let style = match phrase.tone {
            Tone::Active => theme.hot(),
            Tone::Idle => theme.calm(),
            Tone::Plain => Style::new(),
            Tone::Value => theme.header(),
            Tone::Warning => theme.error(),
            Tone::Thread(tid) => theme.thread(tid),
        };
        Span::styled(phrase.text, style)
    })
}

/// A line of its own under a primitive: a caption, then the model's phrases; None when the
/// model has nothing to say there.
fn captioned(caption: Span<'static>, phrases: Vec<Phrase>, theme: Theme) -> Option<Line<'static>> {
    (!phrases.is_empty()).then(|| Line::from(std::iter::once(caption).chain(spans(phrases, theme)).collect::<Vec<_>>()))
}

/// The lines of each primitive at `width` columns: its kind, name and state, then a queue's
/// items, a `Shared` value's race and the waiters in queue order on lines of their own (so a
/// long queue never pushes the state off screen, and a number never wraps away from its words).
pub fn lines(app: &App, width: u16) -> impl Iterator<Item = Vec<Line<'static>>> + '_ {
    let model = &app.model;
    let theme = app.theme();
    let kind_width = model.prims.values().map(|prim| prim.kind().chars().count()).max().unwrap_or(0);
    let name_width = model.prims.values().map(|prim| prim.name.chars().count()).max().unwrap_or(0).min(18);
    model.prims.values().map(move |prim| {
        let mut first = vec![
            Span::styled(format!("{:<kind_width$} ", prim.kind()), theme.dim()),
            Span::styled(format!("{:<name_width$} ", prim.name), theme.header()),
        ];
        first.extend(spans(model.prim_state(prim), theme));
        let mut group = vec![Line::from(first)];
        // A queue's items, next out first, as many as the width holds.
        let label = "  next out: ";
        let room = usize::from(width).saturating_sub(label.chars().count());
        if let Some(items) = queue_items(&prim.state, room).filter(|_| model.prim_known(prim.pid)) {
            group.push(Line::from(vec![Span::styled(label, theme.dim()), Span::raw(items)]));
        }
        group.extend(captioned(Span::styled("  not yet stored: ", theme.dim()), model.pending_reads(prim), theme));
        group.extend(captioned(Span::styled("  ⚠ ", theme.error()), model.lost_update_line(prim), theme));
        group.extend(captioned(Span::styled("  ⏳ waiting: ", theme.dim()), model.waiting_order(prim), theme));
        group
    })
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
