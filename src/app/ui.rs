//! The dashboard's UI state, apart from the model it shows and the session's status: which
//! panel has focus, the selected row, how far each panel and overlay is scrolled, the overlays
//! open, the timeline's zoom and edge, the go-to prompt, the screen's size and how it looks.
//! The view reads it; where a limit depends on the layout (how far the notes scroll), the view
//! settles it as it draws, as a ratatui `StatefulWidget`'s state is.

use std::cell::Cell;

use super::appearance::Appearance;

/// Timeline zoom levels: demo time per column, in microseconds.
pub const TIMELINE_SCALES: [u64; 9] = [1_000, 5_000, 10_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 5_000_000];
/// The zoom level a fresh app starts at: 0.1 s a column.
pub(super) const DEFAULT_SCALE: usize = 4;

/// The panels that can take focus, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Panel {
    /// The thread table.
    Threads,
    /// The primitives panel.
    Prims,
    /// The log.
    Log,
    /// The source code.
    Source,
    /// The timeline.
    Timeline,
}

impl Panel {
    const ORDER: [Self; 5] = [Self::Threads, Self::Timeline, Self::Prims, Self::Log, Self::Source];

    pub(super) fn cycle(self, forward: bool) -> Self {
        let index = Self::ORDER.iter().position(|&panel| panel == self).unwrap_or(0);
        let next = if forward { index + 1 } else { index + Self::ORDER.len() - 1 };
        Self::ORDER[next % Self::ORDER.len()]
    }
}

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

/// The first line that puts the last one at the bottom, for each scrolling overlay, as the
/// view last drew it.
#[derive(Debug, Clone, Default)]
pub struct ScrollLimits {
    /// The notes'.
    pub notes: Cell<usize>,
    /// The help's.
    pub help: Cell<usize>,
}

/// What the user has done to the screen, as opposed to what it shows.
#[derive(Debug, Clone)]
pub struct Ui {
    /// How the user asked the dashboard to look: the theme and whether colour is wanted
    /// (presenter mode shows high contrast whatever was chosen).
    pub(crate) appearance: Appearance,
    /// Presenter mode (`p`, `--present`): only what a class needs, spaced out, in high contrast.
    pub(crate) present: bool,
    /// The terminal size, as last reported.
    pub(crate) size: (u16, u16),
    /// Index of the selected row in the thread table.
    pub(crate) selected: usize,
    /// The focused panel.
    pub(crate) focus: Panel,
    /// Whether the focused panel fills the screen.
    pub(crate) zoomed: bool,
    /// Overlays drawn over the panels, bottom first; `esc` closes the top one.
    pub(crate) overlays: Vec<Overlay>,
    /// Whether the answers to the lesson's questions show (they are hidden until revealed).
    pub(crate) answers: Answers,
    /// Lines scrolled back from the end of the log (0 follows new lines).
    pub(crate) log_back: usize,
    /// First line shown of the primitives panel.
    pub(crate) prims_top: usize,
    /// Lines scrolled in the source panel relative to following the selected thread.
    pub(crate) source_offset: isize,
    /// Lines scrolled in the notes.
    pub(crate) notes_top: usize,
    /// Lines scrolled in the help (taller than a small screen).
    pub(crate) help_top: usize,
    /// How far the notes and the help scroll on the screen last drawn: settled by the view as
    /// it draws them, so that scrolling stops at the last line without the app laying them out
    /// itself.
    pub(crate) scroll_limits: ScrollLimits,
    /// Demo time per timeline column, in microseconds.
    pub(crate) timeline_scale_us: u64,
    /// Demo time at the timeline's right edge; None follows the present.
    pub(crate) timeline_end_us: Option<u64>,
    /// The go-to prompt's text while it is open (replays, `:`).
    pub(crate) prompt: Option<String>,
}

impl Ui {
    /// A fresh screen: the thread table focused, nothing scrolled or open, 80x24 until the
    /// terminal says otherwise.
    pub(super) fn new(appearance: Appearance) -> Self {
        Self {
            appearance,
            present: false,
            size: (80, 24),
            selected: 0,
            focus: Panel::Threads,
            zoomed: false,
            overlays: Vec::new(),
            answers: Answers::Hidden,
            log_back: 0,
            prims_top: 0,
            source_offset: 0,
            notes_top: 0,
            help_top: 0,
            scroll_limits: ScrollLimits::default(),
            timeline_scale_us: TIMELINE_SCALES[DEFAULT_SCALE],
            timeline_end_us: None,
            prompt: None,
        }
    }

    /// The focused panel.
    #[must_use]
    pub fn focus(&self) -> Panel {
        self.focus
    }

    /// Whether the focused panel fills the screen.
    #[must_use]
    pub fn zoomed(&self) -> bool {
        self.zoomed
    }

    /// Whether presenter mode is on.
    #[must_use]
    pub fn present(&self) -> bool {
        self.present
    }

    /// The terminal size, as last reported: width and height.
    #[must_use]
    pub fn size(&self) -> (u16, u16) {
        self.size
    }

    /// The first line of the notes shown.
    #[must_use]
    pub fn notes_top(&self) -> usize {
        self.notes_top
    }

    /// Demo time per timeline column, in microseconds.
    #[must_use]
    pub fn timeline_scale_us(&self) -> u64 {
        self.timeline_scale_us
    }

    /// Whether `overlay` is open.
    pub(super) fn shows(&self, overlay: Overlay) -> bool {
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
