//! Presenter mode: only what a class needs, the thread table, what just happened, the source
//! around the threads' lines and the primitives with their queues, spaced out with blank rows
//! and margins, in the high-contrast theme the view draws in while it is on.

use ratatui::buffer::Buffer;
use ratatui::layout::{Margin, Rect};

use super::{deadlock_banner, prims, render_happened, source, status, threads};
use crate::app::App;

/// A part of the screen, in the order they are drawn top to bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Threads,
    Happened,
    Source,
    Prims,
}

/// Heights for `parts` (least, wanted) in `height` rows, and how many of them get a blank row
/// above (the first ones): every part first gets its least, then the table what it wants, the
/// primitives what they want, the source `source_first` rows (every thread's line), then the
/// blank rows, then the source more context.
fn heights(parts: &[(Part, u16, u16)], source_first: u16, height: u16) -> (Vec<u16>, usize) {
    let mut heights: Vec<u16> = parts.iter().map(|(_, least, _)| *least).collect();
    let mut left = height.saturating_sub(heights.iter().sum());
    let grow = |part: Part, up_to: u16, heights: &mut Vec<u16>, left: &mut u16| {
        if let Some(index) = parts.iter().position(|(which, _, _)| *which == part) {
            let more = parts[index].2.min(up_to).saturating_sub(heights[index]).min(*left);
            heights[index] += more;
            *left -= more;
        }
    };
    grow(Part::Threads, u16::MAX, &mut heights, &mut left);
    grow(Part::Prims, u16::MAX, &mut heights, &mut left);
    grow(Part::Source, source_first, &mut heights, &mut left);
    let gaps = parts.len().min(usize::from(left));
    left -= u16::try_from(gaps).unwrap_or(0);
    grow(Part::Source, u16::MAX, &mut heights, &mut left);
    (heights, gaps)
}

/// Draws the presenter screen; returns the area overlays may cover (all but the status bar's
/// bottom row).
pub fn render(app: &App, area: Rect, buf: &mut Buffer) -> Rect {
    let bar_height = status::height(app, area.width, &[]);
    let bar = Rect { y: area.bottom().saturating_sub(bar_height), height: bar_height, ..area };
    status::render_with(app, bar, buf, &[]);
    let main = Rect { height: area.height.saturating_sub(bar_height), ..area }.inner(Margin::new(1, 0));
    let main = deadlock_banner(app, main, buf);
    let main = super::guide::render(app, main, buf);
    // The table gets what its rows need, up to about half the screen (it scrolls to the
    // selected row), so the rest always has room.
    let threads = super::table_height(app, main.height);
    let prims = prims::height(app, main.width.saturating_sub(2), main.height).saturating_add(2);
    let mut parts = vec![(Part::Threads, threads.min(5), threads)];
    if app.what_happened.is_some() {
        parts.push((Part::Happened, 1, 1));
    }
    // The source takes what is left, up to the whole file: more context around the threads'
    // lines.
    let source_lines = app.source().map_or(1, |(_, text)| text.lines().count());
    let source = u16::try_from(source_lines).unwrap_or(u16::MAX).saturating_add(2).min(main.height);
    parts.push((Part::Source, 3, source));
    if !app.model.prims.is_empty() {
        parts.push((Part::Prims, 3, prims.max(3)));
    }
    // Every thread's line, and the borders.
    let source_first = super::thread_lines(app).saturating_add(2);
    let (heights, gaps) = heights(&parts, source_first, main.height);
    let mut y = main.y;
    for (index, ((part, _, _), height)) in parts.iter().zip(heights).enumerate() {
        if index < gaps {
            y += 1;
        }
        let height = height.min(main.bottom().saturating_sub(y));
        let place = Rect { y, height, ..main };
        match part {
            Part::Threads => threads::render(app, place, buf, false),
            Part::Happened => render_happened(app, place, buf),
            Part::Source => source::render_excerpt(app, place, buf, false),
            Part::Prims => prims::render(app, place, buf, false),
        }
        y += height;
    }
    Rect { height: area.height.saturating_sub(1), ..area }
}

#[cfg(test)]
mod tests {
    //! Presenter mode's layout: what comes first when rows are few, and what gives way.

    use super::*;

    #[test]
    fn the_table_comes_first_then_the_primitives_every_threads_line_blank_rows_and_context() {
        let parts = [(Part::Threads, 5, 7), (Part::Source, 3, 9), (Part::Prims, 3, 5)];
        // Room for everything.
        assert_eq!(heights(&parts, 5, 40), (vec![7, 9, 5], 3));
        // 22 rows: least 11; the table's 2 more, the primitives' 2, the threads' lines 2, three
        // blank rows, 2 rows of context.
        assert_eq!(heights(&parts, 5, 22), (vec![7, 7, 5], 3));
        // 19 rows: blank rows above the first two parts only.
        assert_eq!(heights(&parts, 5, 19), (vec![7, 5, 5], 2));
        // 16 rows: no blank rows, not every thread's line.
        assert_eq!(heights(&parts, 5, 16), (vec![7, 4, 5], 0));
    }
}
