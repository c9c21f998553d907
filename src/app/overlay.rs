//! The windows drawn over the panels (help, lesson notes, who waits for whom, the lesson's
//! question) and whether the answers to the lesson's questions show in them: which are open,
//! in what order, kept apart from what the panels show.

use super::App;

/// A window drawn over the panels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    /// The key help, generated from the key table.
    Help,
    /// The lesson notes of the demo.
    Notes,
    /// Who waits for whom.
    WaitFor,
    /// The lesson's question, asked at its moment.
    Moment,
}

/// Whether the answers to the lesson's questions show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answers {
    /// Hidden until the reveal key: the class answers first.
    Hidden,
    /// Shown.
    Shown,
}

impl App {
    /// Whether `overlay` is open.
    #[must_use]
    pub fn shows(&self, overlay: Overlay) -> bool {
        self.overlays.contains(&overlay)
    }

    /// Opens `overlay` on top, or closes it where it is open.
    pub(super) fn toggle(&mut self, overlay: Overlay) {
        if self.shows(overlay) {
            self.overlays.retain(|&open| open != overlay);
        } else {
            self.overlays.push(overlay);
        }
    }
}
