//! Moving around the dashboard: scrolling the focused panel or the overlay on top, and panning
//! and zooming the timeline, with the log kept at the timeline's edge.

use super::keys::Action;
use super::{App, Overlay, Panel};

/// Lines a page key scrolls by.
const PAGE: isize = 10;

/// Timeline zoom levels: demo time per column, in microseconds.
pub const TIMELINE_SCALES: [u64; 9] = [1_000, 5_000, 10_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 5_000_000];
/// The zoom level a fresh app starts at: 0.1 s a column.
pub(super) const DEFAULT_SCALE: usize = 4;
/// Columns a pan moves the timeline by.
const PAN_COLUMNS: u64 = 10;

impl App {
    /// The log line picked by scrolling the log back (the bottom one shown), which the timeline
    /// highlights; None while the log follows new lines.
    #[must_use]
    pub fn selected_log_line(&self) -> Option<&crate::model::LogLine> {
        if self.log_back == 0 {
            return None;
        }
        self.model.log.len().checked_sub(self.log_back + 1).and_then(|index| self.model.log.get(index))
    }

    /// Pans or zooms the timeline; panning also scrolls the log to the last line at or before
    /// the timeline's right edge, so the two stay linked.
    pub(super) fn move_timeline(&mut self, action: Action) {
        let scale = TIMELINE_SCALES.iter().position(|&scale| scale == self.timeline_scale_us).unwrap_or(DEFAULT_SCALE);
        match action {
            Action::ZoomOut => self.timeline_scale_us = TIMELINE_SCALES[(scale + 1).min(TIMELINE_SCALES.len() - 1)],
            Action::ZoomIn => self.timeline_scale_us = TIMELINE_SCALES[scale.saturating_sub(1)],
            Action::Earlier | Action::Later => {
                let end = self.timeline_end_us.unwrap_or(self.now_us);
                let step = self.timeline_scale_us * PAN_COLUMNS;
                let end = if action == Action::Earlier { end.saturating_sub(step) } else { end + step };
                self.timeline_end_us = (end < self.now_us).then_some(end);
                // The log's bottom line becomes the last one at or before the edge (the first
                // line if none is).
                self.log_back = self.timeline_end_us.map_or(0, |end| {
                    let up_to_end = self.model.log.partition_point(|line| line.time_us <= end);
                    self.model.log.len().saturating_sub(up_to_end.max(1))
                });
            }
            _ => {}
        }
    }

    pub(super) fn scroll(&mut self, action: Action) {
        let delta: isize = match action {
            Action::Up => -1,
            Action::Down => 1,
            Action::PageUp => -PAGE,
            Action::PageDown => PAGE,
            Action::Top => isize::MIN / 2,
            _ => isize::MAX / 2,
        };
        let apply = |value: usize, delta: isize, max: usize| value.saturating_add_signed(delta).min(max);
        if self.overlays.last() == Some(&Overlay::Help) {
            // No further than the last line at the bottom of the screen.
            self.help_top = apply(self.help_top, delta, self.scroll_limits.help.get());
            return;
        }
        if self.shows(Overlay::Notes) {
            // Down to the page that ends with the last line.
            self.notes_top = apply(self.notes_top, delta, self.scroll_limits.notes.get());
            return;
        }
        match self.focus {
            Panel::Threads => {
                self.selected = apply(self.selected, delta, self.model.threads.len().saturating_sub(1));
                self.source_offset = 0;
            }
            Panel::Prims => self.prims_top = apply(self.prims_top, delta, self.model.prims.len().saturating_sub(1)),
            // The log counts from its end: scrolling up goes back in time.
            Panel::Log => self.log_back = apply(self.log_back, -delta, self.model.log.len().saturating_sub(1)),
            Panel::Source => self.source_offset = self.source_offset.saturating_add(delta).clamp(-100_000, 100_000),
            // Lanes follow the selected thread.
            Panel::Timeline => {
                self.selected = apply(self.selected, delta, self.model.threads.len().saturating_sub(1));
            }
        }
    }
}
