//! The primitives panel: every lock, semaphore, condition, event, barrier, queue, local,
//! shared value, reader-writer lock and channel with its live state and its waiters in queue
//! order.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::block;
use crate::app::App;
use crate::model::{Phrase, PrimState, Tone};
use crate::view::theme::Theme;

/// A queue's or a channel's items from the front, as many as fit in `room` columns, then `…`
/// if more are in it; None when it is empty.
fn queue_items(state: &PrimState, room: usize) -> Option<String> {
    let (items, untracked, qsize) = match state {
        PrimState::Queue { items, untracked, qsize, .. } => (items, untracked, qsize),
        PrimState::Channel { items, untracked, queued, .. } => (items, untracked, queued),
        _ => return None,
    };
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
    let lines: Vec<Line> =
        lines(app, area.width.saturating_sub(2)).skip(app.ui.prims_top).flatten().take(rows).collect();
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(block(&title, app.theme().border(focused)))
        .render(area, buf);
}

#[cfg(test)]
mod tests {
    //! The rows of a reader-writer lock and of channels, as the panel draws them.

    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;

    use crate::PauseState;
    use crate::app::{App, Appearance, Subject, ThemeName};
    use crate::event::{ChannelSide, EventKind, PrimInfo, Tid, TraceEvent, WaitMode};

    /// An app whose model folded `kinds` (each by its thread), after `threads` threads began.
    fn app_after(threads: &[&str], kinds: Vec<(Tid, EventKind)>) -> App {
        let showing = Subject { title: "std", source: None, lesson: None };
        let mut app = App::new(showing, Appearance::new(ThemeName::Dark, false), PauseState::Paused, 1.0);
        let mut all = Vec::new();
        for (tid, name) in (1..).zip(threads) {
            all.push((1, EventKind::ThreadCreated { tid, name: (*name).to_owned(), daemon: false, foreign: false }));
            all.push((1, EventKind::ThreadStarted { tid, daemon: false, os_tid: None }));
        }
        all.extend(kinds);
        for (seq, (thread, kind)) in (0..).zip(all) {
            app.model.apply(&TraceEvent { seq, time_us: seq * 1_000, thread, loc: None, kind });
        }
        app
    }

    /// The panel drawn at `width` x `height`, one line per row, trailing blanks cut.
    fn panel(app: &App, width: u16, height: u16) -> String {
        let area = Rect::new(0, 0, width, height);
        let mut buf = Buffer::empty(area);
        super::render(app, area, &mut buf, false);
        (0..height)
            .map(|y| (0..width).map(|x| buf[(x, y)].symbol()).collect::<String>().trim_end().to_owned())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn an_rwlock_shows_its_readers_its_poison_and_who_waits_to_read_or_write() {
        let read = |prim| {
            vec![
                EventKind::ReadRequested { prim, mode: WaitMode::Blocking },
                EventKind::ReadAcquired { prim, readers: 1 },
            ]
        };
        let mut kinds = vec![
            (1, EventKind::PrimCreated { prim: 1, name: "config".into(), info: PrimInfo::RwLock }),
            (1, EventKind::PrimCreated { prim: 2, name: "RwLock-2".into(), info: PrimInfo::RwLock }),
        ];
        kinds.extend(read(1).into_iter().map(|kind| (2, kind)));
        kinds.push((3, EventKind::ReadRequested { prim: 1, mode: WaitMode::Blocking }));
        kinds.push((3, EventKind::ReadAcquired { prim: 1, readers: 2 }));
        kinds.push((4, EventKind::Requested { prim: 1, mode: WaitMode::Blocking }));
        kinds.push((5, EventKind::ReadRequested { prim: 1, mode: WaitMode::Blocking }));
        // The second lock: written, then poisoned by its writer's panic, and written again.
        kinds.push((1, EventKind::Requested { prim: 2, mode: WaitMode::Blocking }));
        kinds.push((1, EventKind::Acquired { prim: 2, count: 1 }));
        kinds.push((1, EventKind::Poisoned { prim: 2 }));
        kinds.push((1, EventKind::Released { prim: 2, count: 0 }));
        let app = app_after(&["MainThread", "reader-1", "reader-2", "writer", "reader-3"], kinds);
        let model = &app.model;
        let table = |tid| model.threads.get(&tid).and_then(|thread| model.waits_for(thread));
        assert_eq!(table(4).as_deref(), Some("RwLock config, held by reader-1, reader-2"));
        assert_eq!(table(5).as_deref(), Some("RwLock config, after writer writer"));
        insta::assert_snapshot!("prims_rwlock_readers_writer_waiting_poisoned", panel(&app, 72, 8));
    }

    #[test]
    fn channels_show_their_items_their_blocked_ends_and_disconnection() {
        let created = |prim, name: &str, capacity| {
            (1, EventKind::PrimCreated { prim, name: name.into(), info: PrimInfo::Channel { capacity } })
        };
        let sent = |prim, item: &str, queued| EventKind::Sent { prim, item: item.into(), queued };
        let kinds = vec![
            created(1, "jobs", Some(2)),
            created(2, "results", None),
            created(3, "handoff", Some(0)),
            // jobs: full, a second producer waits for room.
            (2, sent(1, "u32 #1", 1)),
            (2, sent(1, "u32 #2", 2)),
            (3, EventKind::ChannelWait { prim: 1, side: ChannelSide::Send, timeout_us: None }),
            // results: the receiver waits, then every sender goes.
            (1, EventKind::ChannelWait { prim: 2, side: ChannelSide::Recv, timeout_us: None }),
            (2, EventKind::ChannelDropped { prim: 2, side: ChannelSide::Send, discarded: 0 }),
            // handoff: a rendezvous sender offers its item and waits for it to be taken.
            (4, sent(3, "String #1", 1)),
            (4, EventKind::ChannelWait { prim: 3, side: ChannelSide::Send, timeout_us: None }),
        ];
        let app = app_after(&["MainThread", "producer-1", "producer-2", "courier"], kinds);
        let model = &app.model;
        let table = |tid| model.threads.get(&tid).and_then(|thread| model.waits_for(thread));
        assert_eq!(table(3).as_deref(), Some("Channel jobs (full)"));
        assert_eq!(table(4).as_deref(), Some("Channel handoff (to be taken)"));
        assert_eq!(model.why_stuck(4), "courier waits on Channel handoff: the receiver's recv() takes its item");
        insta::assert_snapshot!("prims_channels_full_disconnected_rendezvous", panel(&app, 72, 10));
    }
}
