//! The source panel: the running program's own source, with a marker at the line each thread
//! is at, following the selected thread.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::block;
use crate::app::App;
use crate::event::{SourceLoc, Tid};

/// Whether a location from an event points into the shown file (paths differ by how the file
/// was compiled in: `demos/x.rs` and `src/../demos/x.rs` are the same file).
pub(crate) fn same_file(loc: &SourceLoc, path: &str) -> bool {
    crate::catalog::same_file(&loc.file, path)
}

/// Draws the source around the selected thread's line.
pub fn render(app: &App, area: Rect, buf: &mut Buffer, focused: bool) {
    let theme = &app.theme;
    let Some((path, source)) = app.showing.source else {
        Paragraph::new("(no source for this program)")
            .block(block(" Source ", theme.border(focused)))
            .render(area, buf);
        return;
    };
    let model = &app.model;
    // Threads at each line, live ones only.
    let mut at_line: std::collections::BTreeMap<u32, Vec<Tid>> = std::collections::BTreeMap::new();
    for thread in model.threads.values().filter(|thread| !thread.state.is_finished()) {
        if let Some(loc) = thread.loc.as_ref().filter(|loc| same_file(loc, path)) {
            at_line.entry(loc.line).or_default().push(thread.tid);
        }
    }
    let selected = app.selected_thread();
    let selected_line =
        selected.and_then(|tid| model.thread_loc(tid)).filter(|loc| same_file(loc, path)).map(|loc| loc.line);
    let height = usize::from(area.height.saturating_sub(2));
    let total = source.lines().count();
    // Lines are numbered from 1; rows from 0.
    let centre = selected_line.map_or(0, |line| (line as usize).saturating_sub(1));
    let top = centre
        .saturating_sub(height / 2)
        .saturating_add_signed(app.source_offset)
        .min(total.saturating_sub(height.min(total)));
    let lines: Vec<Line> = source
        .lines()
        .enumerate()
        .skip(top)
        .take(height)
        .map(|(index, text)| {
            let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
            let here = at_line.get(&number);
            let marker = if here.is_some() { "▶" } else { " " };
            let mut spans = vec![
                Span::styled(format!("{number:>4} "), theme.dim()),
                Span::styled(marker.to_owned(), theme.hot()),
                Span::raw(format!(" {text}")),
            ];
            if let Some(tids) = here {
                spans.push(Span::raw("  ◀ "));
                for (position, tid) in tids.iter().enumerate() {
                    if position > 0 {
                        spans.push(Span::raw(", "));
                    }
                    spans.push(Span::styled(model.thread_name(*tid), theme.thread(*tid)));
                }
            }
            let line = Line::from(spans);
            if Some(number) == selected_line { line.style(theme.selected()) } else { line }
        })
        .collect();
    let following = selected.map_or_else(String::new, |tid| format!(" following {} ", model.thread_name(tid)));
    let title = format!(" Source {path}{following}");
    Paragraph::new(lines).block(block(&title, theme.border(focused))).render(area, buf);
}
