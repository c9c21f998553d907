//! The timeline: a swimlane per thread over demo time, lettered and coloured by state, with
//! marks for acquire, release, notify, set/clear, put/get and log lines.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::{block, seconds};
use crate::app::App;
use crate::model::Mark;

/// The demo time at the right edge: the present, a moment the user panned to, or just after
/// the log line picked in the log.
fn window_end(app: &App, columns: u64) -> u64 {
    if let Some(end) = app.timeline_end_us {
        return end;
    }
    match app.selected_log_line() {
        Some(line) => (line.time_us + app.timeline_scale_us * columns / 2).min(app.now_us.max(line.time_us)),
        None => app.now_us,
    }
}

/// Draws the panel.
pub fn render(app: &App, area: Rect, buf: &mut Buffer, focused: bool) {
    let theme = app.theme;
    let model = &app.model;
    let scale = app.timeline_scale_us;
    let following = app.timeline_end_us.is_none() && app.log_back == 0;
    let title = format!(
        " Timeline {}/col{} ",
        seconds(scale).trim(),
        if following { ", following" } else { ", ←/→ to move, End: back to now" }
    );
    let outer = block(&title, theme.border(focused));
    let inner = outer.inner(area);
    outer.render(area, buf);
    if inner.height < 2 || inner.width < 20 {
        return;
    }
    let label_width = model.threads.values().map(|thread| thread.name.chars().count()).max().unwrap_or(4).min(12);
    let columns = usize::from(inner.width).saturating_sub(label_width + 1);
    let columns_u64 = columns as u64;
    let end = window_end(app, columns_u64);
    // The right edge is the bucket that contains `end`.
    let start = (end / scale + 1).saturating_sub(columns_u64) * scale;
    let picked = app.selected_log_line().map(|line| line.seq);

    let lane_rows = usize::from(inner.height - 1);
    // The window's marks, by thread, in one pass.
    let mut window_marks: std::collections::HashMap<crate::event::Tid, Vec<&Mark>> = std::collections::HashMap::new();
    for mark in model.timeline.marks_between(start, start + columns_u64 * scale) {
        window_marks.entry(mark.thread).or_default().push(mark);
    }
    let first = app.selected.saturating_sub(lane_rows.saturating_sub(1));
    let mut lines: Vec<Line> = Vec::with_capacity(lane_rows + 1);
    for thread in model.threads.values().skip(first).take(lane_rows) {
        let mut spans =
            vec![Span::styled(format!("{:<label_width$.label_width$} ", thread.name), theme.thread(thread.tid))];
        let mut marks = window_marks.get(&thread.tid).map_or(&[][..], Vec::as_slice).iter().copied().peekable();
        for column in 0..columns_u64 {
            let from = start + column * scale;
            let to = from + scale;
            // The strongest mark in the bucket wins; otherwise the state at the bucket's end.
            let mut shown: Option<&Mark> = None;
            while let Some(mark) = marks.next_if(|mark| mark.time_us < to) {
                if shown
                    .is_none_or(|best| Some(mark.seq) == picked || (mark.kind > best.kind && Some(best.seq) != picked))
                {
                    shown = Some(mark);
                }
            }
            let state = if from > app.now_us {
                None
            } else {
                model.timeline.state_at(thread.tid, to.saturating_sub(1).min(app.now_us))
            };
            let state_style = state.map_or_else(Style::new, |state| theme.lane(state));
            let span = match (shown, state) {
                (Some(mark), _) if Some(mark.seq) == picked => {
                    Span::styled(mark.kind.symbol().to_string(), theme.selected().add_modifier(Modifier::REVERSED))
                }
                (Some(mark), _) => {
                    Span::styled(mark.kind.symbol().to_string(), state_style.add_modifier(Modifier::BOLD))
                }
                (None, Some(state)) => Span::styled(state.letter().to_string(), state_style),
                (None, None) => Span::raw(" "),
            };
            spans.push(span);
        }
        lines.push(Line::from(spans));
    }
    // The time axis: a tick label every 12 columns.
    let mut axis = " ".repeat(label_width + 1);
    let mut column = 0;
    while column + 8 <= columns {
        let label = format!("|{}", seconds(start + column as u64 * scale).trim());
        axis.push_str(&label);
        axis.push_str(&" ".repeat(12_usize.saturating_sub(label.chars().count())));
        column += 12;
    }
    lines.push(Line::styled(axis, theme.dim()));
    Paragraph::new(lines).render(inner, buf);
}
