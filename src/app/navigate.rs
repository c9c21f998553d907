//! Moving around the dashboard: scrolling the focused panel or the overlay on top, and panning
//! and zooming the timeline, with the log kept at the timeline's edge.

use super::keys::Action;
use super::ui::{DEFAULT_SCALE, TIMELINE_SCALES};
use super::{App, Overlay, Panel};

/// Lines a page key scrolls by.
const PAGE: isize = 10;

/// Columns a pan moves the timeline by.
const PAN_COLUMNS: u64 = 10;

impl App {
    /// The log line picked by scrolling the log back (the bottom one shown), which the timeline
    /// highlights; None while the log follows new lines.
    #[must_use]
    pub fn selected_log_line(&self) -> Option<&crate::model::LogLine> {
        if self.log_back() == 0 {
            return None;
        }
        self.model.log.len().checked_sub(self.log_back() + 1).and_then(|index| self.model.log.get(index))
    }

    /// Pans or zooms the timeline; panning also scrolls the log to the last line at or before
    /// the timeline's right edge, so the two stay linked.
    pub(super) fn move_timeline(&mut self, action: Action) {
        let scale =
            TIMELINE_SCALES.iter().position(|&scale| scale == self.ui.timeline_scale_us).unwrap_or(DEFAULT_SCALE);
        match action {
            Action::ZoomOut => self.ui.timeline_scale_us = TIMELINE_SCALES[(scale + 1).min(TIMELINE_SCALES.len() - 1)],
            Action::ZoomIn => self.ui.timeline_scale_us = TIMELINE_SCALES[scale.saturating_sub(1)],
            Action::Earlier | Action::Later => {
                let end = self.ui.timeline_end_us.unwrap_or(self.status.now_us);
                let step = self.ui.timeline_scale_us * PAN_COLUMNS;
                let end = if action == Action::Earlier { end.saturating_sub(step) } else { end + step };
                self.ui.timeline_end_us = (end < self.status.now_us).then_some(end);
                // The log's bottom line becomes the last one at or before the edge (the first
                // line if none is).
                self.ui.log_back = self.ui.timeline_end_us.map_or(0, |end| {
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
        if self.ui.overlays.last() == Some(&Overlay::Help) {
            // No further than the last line at the bottom of the screen.
            self.ui.help_top = apply(self.ui.help_top, delta, self.ui.scroll_limits.help.get());
            return;
        }
        if self.shows(Overlay::Notes) {
            // Down to the page that ends with the last line.
            self.ui.notes_top = apply(self.ui.notes_top, delta, self.ui.scroll_limits.notes.get());
            return;
        }
        match self.ui.focus {
            Panel::Threads => {
                self.ui.selected = apply(self.selected_row(), delta, self.model.threads.len().saturating_sub(1));
                self.ui.source_offset = 0;
            }
            Panel::Prims => {
                self.ui.prims_top = apply(self.ui.prims_top, delta, self.model.prims.len().saturating_sub(1));
            }
            // The log counts from its end: scrolling up goes back in time.
            Panel::Log => self.ui.log_back = apply(self.log_back(), -delta, self.model.log.len().saturating_sub(1)),
            Panel::Source => {
                self.ui.source_offset = self.ui.source_offset.saturating_add(delta).clamp(-100_000, 100_000);
            }
            // Lanes follow the selected thread.
            Panel::Timeline => {
                self.ui.selected = apply(self.selected_row(), delta, self.model.threads.len().saturating_sub(1));
            }
        }
    }
}
