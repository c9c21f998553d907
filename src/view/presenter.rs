//! Presenter mode: only what a class needs, the thread table, what just happened, the source
//! around the threads' lines and the primitives with their queues, spaced out with blank rows
//! and margins, in the high-contrast theme the app switches to while it is on.

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

/// Heights for `parts` (least, wanted) in `height` rows, and whether blank rows separate them:
/// every part first gets its least, then the table what it wants, then the blank rows, then the
/// primitives and the source what they want.
fn heights(parts: &[(Part, u16, u16)], height: u16) -> (Vec<u16>, bool) {
    let mut heights: Vec<u16> = parts.iter().map(|(_, least, _)| *least).collect();
    let mut left = height.saturating_sub(heights.iter().sum());
    let grow = |part: Part, heights: &mut Vec<u16>, left: &mut u16| {
        if let Some(index) = parts.iter().position(|(which, _, _)| *which == part) {
            let more = parts[index].2.saturating_sub(heights[index]).min(*left);
            heights[index] += more;
            *left -= more;
        }
    };
    grow(Part::Threads, &mut heights, &mut left);
    // A blank row above each part.
    let gaps = u16::try_from(parts.len()).unwrap_or(u16::MAX);
    let spaced = left >= gaps;
    if spaced {
        left -= gaps;
    }
    grow(Part::Prims, &mut heights, &mut left);
    grow(Part::Source, &mut heights, &mut left);
    (heights, spaced)
}

/// Draws the presenter screen; returns the area overlays may cover (all but the status bar's
/// bottom row).
pub fn render(app: &App, area: Rect, buf: &mut Buffer) -> Rect {
    let bar_height = status::height(app, area.width, &[]);
    let bar = Rect { y: area.bottom().saturating_sub(bar_height), height: bar_height, ..area };
    status::render_with(app, bar, buf, &[]);
    let main = Rect { height: area.height.saturating_sub(bar_height), ..area }.inner(Margin::new(1, 0));
    let main = deadlock_banner(app, main, buf);
    // The table gets what its rows need, up to about half the screen (it scrolls to the
    // selected row), so the rest always has room.
    let threads = super::table_height(app, main.height);
    let prims = prims::height(app, main.width.saturating_sub(2), main.height).saturating_add(2);
    let mut parts = vec![(Part::Threads, threads.min(5), threads)];
    if app.happened.is_some() {
        parts.push((Part::Happened, 1, 1));
    }
    // The source takes what is left, up to the whole file: more context around the threads'
    // lines.
    let source_lines = app.showing.source.map_or(1, |(_, text)| text.lines().count());
    let source = u16::try_from(source_lines).unwrap_or(u16::MAX).saturating_add(2).min(main.height);
    parts.push((Part::Source, 3, source));
    if !app.model.prims.is_empty() {
        parts.push((Part::Prims, 3, prims.max(3)));
    }
    let (heights, spaced) = heights(&parts, main.height);
    let mut y = main.y;
    for ((part, _, _), height) in parts.iter().zip(heights) {
        if spaced {
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
    use super::*;

    #[test]
    fn the_table_comes_first_then_blank_rows_then_the_rest() {
        let parts = [(Part::Threads, 5, 7), (Part::Source, 3, 9), (Part::Prims, 3, 5)];
        // Room for everything.
        assert_eq!(heights(&parts, 40), (vec![7, 9, 5], true));
        // 22 rows: least 11, the table's 2 more, 3 blank rows, the primitives' 2, the source's 4.
        assert_eq!(heights(&parts, 22), (vec![7, 7, 5], true));
        // Too few rows for blank ones.
        assert_eq!(heights(&parts, 13), (vec![7, 3, 3], false));
    }
}
