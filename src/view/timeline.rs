//! The timeline: a swimlane per thread over demo time, lettered and coloured by state, with
//! marks for acquire, release, notify, set/clear, put/get and log lines.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use std::collections::HashMap;

use super::block;
use crate::app::App;
use crate::event::Tid;
use crate::model::{Column, KnownThread, LaneState, Mark};

/// The demo time at the right edge: the present, a moment the user panned to, or just after
/// the log line picked in the log.
fn window_end(app: &App, columns: u64) -> u64 {
    if let Some(end) = app.ui.timeline_end_us {
        return end;
    }
    match app.selected_log_line() {
        Some(line) => (line.time_us + app.ui.timeline_scale_us * columns / 2).min(app.status.now_us.max(line.time_us)),
        None => app.status.now_us,
    }
}

/// The marks' legend, strongest first (the order a column picks its mark in), in the longest
/// form that fits the panel's bottom border.
const LEGENDS: [&str; 3] = [
    " strongest shown: n notify  s set  c clear  p put  g get  a acquire  r release  • log; underlined: more in that column ",
    " strongest shown: n notify s set c clear p put g get a acquire r release • log; underlined: more ",
    " strongest first: n s c p g a r • ",
];

/// `whole` and a fraction of `digits` decimal digits, with the fraction's trailing zeros cut:
/// `0.25`, `5`.
fn decimal(whole: u64, fraction: u64, digits: usize) -> String {
    let fraction = format!("{fraction:0digits$}");
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() { whole.to_string() } else { format!("{whole}.{fraction}") }
}

/// A span of demo time as a zoom level says it: `1ms`, `50ms`, `0.25s`, `5s`.
#[must_use]
pub fn span_label(micros: u64) -> String {
    if micros < 1_000 {
        format!("{micros}µs")
    } else if micros < 100_000 {
        format!("{}ms", decimal(micros / 1_000, micros % 1_000, 3))
    } else {
        format!("{}s", decimal(micros / 1_000_000, micros % 1_000_000, 6))
    }
}

/// A moment on the axis, with as many decimals as a multiple of `scale` needs, so that ticks
/// one zoom level apart never read the same: `3.912s` at 1 ms a column, `3.9s` at 0.1 s.
#[must_use]
pub fn tick_label(micros: u64, scale: u64) -> String {
    let mut digits = 6;
    let mut rest = scale.max(1);
    while digits > 0 && rest.is_multiple_of(10) {
        rest /= 10;
        digits -= 1;
    }
    let whole = micros / 1_000_000;
    if digits == 0 {
        return format!("{whole}s");
    }
    let fraction = (micros % 1_000_000) / 10_u64.pow(6 - digits);
    format!("{whole}.{fraction:0width$}s", width = digits as usize)
}

/// What the lane of thread `tid` shows for the column of demo times `from..to`: nothing in
/// the future, ready for the present of a thread held at the pause gate, else the model's column.
fn lane_column(app: &App, tid: Tid, ready: bool, from: u64, to: u64) -> Option<Column> {
    if from > app.status.now_us {
        None
    } else if ready && app.status.now_us < to {
        // Held at the pause gate now: the present is not running.
        Some(Column { state: LaneState::Ready, more: false })
    } else {
        app.model.timeline.column(tid, from, to.min(app.status.now_us + 1))
    }
}

/// The stretch of demo time the panel shows: its first column's start, the time per column,
/// how many columns, and the log line picked (whose mark always shows).
struct Window {
    start: u64,
    scale: u64,
    columns: u64,
    picked: Option<u64>,
}

/// Draws the panel.
pub fn render(app: &App, area: Rect, buf: &mut Buffer, focused: bool) {
    let theme = app.theme();
    let model = &app.model;
    let Some(inner) = frame(app, area, buf, focused) else { return };
    let scale = app.ui.timeline_scale_us;
    let label_width = model.threads.values().map(|thread| thread.name.chars().count()).max().unwrap_or(4).min(12);
    let columns = usize::from(inner.width).saturating_sub(label_width + 1);
    let columns_u64 = columns as u64;
    let end = window_end(app, columns_u64);
    // The right edge is the bucket that contains `end`.
    let start = (end / scale + 1).saturating_sub(columns_u64) * scale;
    let window = Window { start, scale, columns: columns_u64, picked: app.selected_log_line().map(|line| line.seq) };

    // Every lane when there is room; else as many as fit around the selected thread, and a
    // line that names the rest.
    let rows = usize::from(inner.height - 1);
    let threads: Vec<&KnownThread> = model.threads.values().collect();
    let (first, shown) = if threads.len() <= rows {
        (0, threads.len())
    } else {
        let shown = rows - 1;
        let first = app.selected_row().saturating_sub(shown.saturating_sub(1)).min(threads.len() - shown);
        (first, shown)
    };
    // The window's marks, by thread, in one pass.
    let mut window_marks: HashMap<Tid, Vec<&Mark>> = HashMap::new();
    for mark in model.timeline.marks_between(start, start + columns_u64 * scale) {
        window_marks.entry(mark.thread).or_default().push(mark);
    }
    let mut lines: Vec<Line> = Vec::with_capacity(rows + 1);
    for thread in &threads[first..first + shown] {
        let marks = window_marks.get(&thread.tid).map_or(&[][..], Vec::as_slice);
        lines.push(lane(app, thread, label_width, &window, marks));
    }
    let hidden: Vec<&str> =
        threads[..first].iter().chain(&threads[first + shown..]).map(|thread| thread.name.as_str()).collect();
    if !hidden.is_empty() {
        lines.push(Line::styled(format!("+{} more: {}", hidden.len(), hidden.join(", ")), theme.header()));
    }
    lines.push(Line::styled(axis(label_width, columns, start, scale), theme.dim()));
    Paragraph::new(lines).render(inner, buf);
}

/// Draws the panel's border, its title (the zoom, whether it follows the present) and the
/// widest legend that fits; the room inside, unless it is too small for a lane.
fn frame(app: &App, area: Rect, buf: &mut Buffer, focused: bool) -> Option<Rect> {
    let theme = app.theme();
    let following = app.ui.timeline_end_us.is_none() && app.log_back() == 0;
    let title = format!(
        " Timeline {}/col{} ",
        span_label(app.ui.timeline_scale_us),
        if following { ", following" } else { ", ←/→ to move, End: back to now" }
    );
    let mut outer = block(&title, theme.border(focused));
    let room = usize::from(area.width.saturating_sub(4));
    if let Some(legend) = LEGENDS.iter().find(|legend| Line::raw(**legend).width() <= room) {
        outer = outer.title_bottom(Line::styled(*legend, theme.dim()));
    }
    let inner = outer.inner(area);
    outer.render(area, buf);
    (inner.height >= 2 && inner.width >= 20).then_some(inner)
}

/// One thread's lane: its name, then a cell per column of `window`; `marks` are the thread's
/// marks in the window, in time order.
fn lane<'a>(app: &App, thread: &'a KnownThread, label_width: usize, window: &Window, marks: &[&Mark]) -> Line<'a> {
    let theme = app.theme();
    let mut spans =
        vec![Span::styled(format!("{:<label_width$.label_width$} ", thread.name), theme.thread(thread.tid))];
    let ready = app.is_ready(thread.tid);
    let mut marks = marks.iter().copied().peekable();
    for column in 0..window.columns {
        let from = window.start + column * window.scale;
        let to = from + window.scale;
        // The strongest mark in the bucket wins (the picked one always); otherwise the
        // state at the bucket's end, or the one it spent most time in if it changed more
        // than once.
        let mut shown_mark: Option<&Mark> = None;
        let mut in_bucket = 0;
        while let Some(mark) = marks.next_if(|mark| mark.time_us < to) {
            in_bucket += 1;
            let stronger = shown_mark.is_none_or(|best| {
                Some(mark.seq) == window.picked || (mark.kind > best.kind && Some(best.seq) != window.picked)
            });
            if stronger {
                shown_mark = Some(mark);
            }
        }
        let column_state = lane_column(app, thread.tid, ready, from, to);
        // A column that holds more marks than it can show, or more states than its letter,
        // is underlined: zoom in to see them.
        let crowded = in_bucket > 1 || column_state.is_some_and(|column| column.more);
        spans.push(cell(app, shown_mark, column_state.map(|column| column.state), crowded, window.picked));
    }
    Line::from(spans)
}

/// One cell of a lane: the mark shown (the picked one reversed), else the state's letter,
/// underlined when `crowded`.
fn cell(app: &App, mark: Option<&Mark>, state: Option<LaneState>, crowded: bool, picked: Option<u64>) -> Span<'static> {
    let theme = app.theme();
    let state_style = state.map_or_else(Style::new, |state| theme.lane(state));
    let crowded = if crowded { Modifier::UNDERLINED } else { Modifier::empty() };
    match (mark, state) {
        (Some(mark), _) if Some(mark.seq) == picked => {
            Span::styled(mark.kind.symbol().to_string(), theme.selected().add_modifier(Modifier::REVERSED | crowded))
        }
        (Some(mark), _) => {
            Span::styled(mark.kind.symbol().to_string(), state_style.add_modifier(Modifier::BOLD | crowded))
        }
        (None, Some(state)) => Span::styled(state.letter().to_string(), state_style.add_modifier(crowded)),
        (None, None) => Span::raw(" "),
    }
}

/// The time axis under the lanes: a tick label every 12 columns, where it fits whole.
fn axis(label_width: usize, columns: usize, start: u64, scale: u64) -> String {
    let mut axis = " ".repeat(label_width + 1);
    let mut column = 0;
    loop {
        let label = format!("|{}", tick_label(start + column as u64 * scale, scale));
        if column + label.chars().count() > columns {
            break;
        }
        axis.push_str(&label);
        axis.push_str(&" ".repeat(12_usize.saturating_sub(label.chars().count())));
        column += 12;
    }
    axis
}

#[cfg(test)]
mod tests {
    //! The timeline's ruler: a label of its own for each zoom level.

    use super::*;
    use crate::app::TIMELINE_SCALES;

    #[test]
    fn every_zoom_level_has_its_own_label_and_ticks_that_differ() {
        let labels: Vec<String> = TIMELINE_SCALES.iter().map(|&scale| span_label(scale)).collect();
        assert_eq!(labels, ["1ms", "5ms", "10ms", "50ms", "0.1s", "0.25s", "0.5s", "1s", "5s"]);
        for scale in TIMELINE_SCALES {
            // Ticks 12 columns apart, from a column's start as the panel draws them.
            let start = 3_900_000 / scale * scale;
            let ticks: Vec<String> = (0..4).map(|tick| tick_label(start + tick * 12 * scale, scale)).collect();
            for pair in ticks.windows(2) {
                assert_ne!(pair[0], pair[1], "{scale} µs a column");
            }
        }
        assert_eq!(tick_label(3_912_000, 1_000), "3.912s");
        assert_eq!(tick_label(3_900_000, 100_000), "3.9s");
        assert_eq!(tick_label(3_750_000, 250_000), "3.75s");
        assert_eq!(tick_label(65_000_000, 5_000_000), "65s");
    }
}
