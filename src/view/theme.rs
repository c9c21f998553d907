//! Colours. Every meaning is also carried by a word or symbol, so the screen reads in
//! monochrome (`NO_COLOR`) and for colour-blind viewers; colour only adds to it.

use ratatui::style::{Color, Modifier, Style};

pub use crate::app::ThemeName;
use crate::app::{App, Appearance};
use crate::event::Tid;
use crate::model::{LaneState, ThreadState};

/// The palette in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// Which theme.
    pub name: ThemeName,
    /// False when colour is off (`NO_COLOR`): only bold, dim and reverse remain.
    pub color: bool,
}

// Each palette keeps a contrast of at least 3:1 (4.5:1 for high contrast) against the
// terminal it is made for, in xterm's default colours: the dashboard tests check every cell.
const THREAD_COLORS_DARK: [Color; 8] = [
    Color::Cyan,
    Color::LightGreen,
    Color::LightYellow,
    Color::LightMagenta,
    Color::LightBlue,
    Color::LightRed,
    Color::Green,
    Color::Yellow,
];
// On white, the 16-colour green, cyan and yellow are too pale: darker shades from the 256.
const THREAD_COLORS_LIGHT: [Color; 8] = [
    Color::Blue,
    DARK_GREEN,
    Color::Magenta,
    Color::Red,
    Color::Indexed(30),
    Color::DarkGray,
    Color::Indexed(94),
    Color::Indexed(25),
];
// Bright colours only: no dark blue, red or grey.
const THREAD_COLORS_HIGH_CONTRAST: [Color; 8] = [
    Color::LightCyan,
    Color::LightGreen,
    Color::LightYellow,
    Color::LightMagenta,
    SKY_BLUE,
    Color::LightRed,
    Color::White,
    Color::Yellow,
];
/// A green that reads on white (`#008700`).
const DARK_GREEN: Color = Color::Indexed(28);
/// A dark orange that reads on white (`#af5f00`).
const DARK_ORANGE: Color = Color::Indexed(130);
/// A blue light enough for high contrast on black (`#87afff`), where `LightBlue` is not.
const SKY_BLUE: Color = Color::Indexed(111);

impl From<Appearance> for Theme {
    fn from(look: Appearance) -> Self {
        Self::new(look.theme, look.color)
    }
}

/// A theme is also a look: what an app built with it asks for.
impl From<Theme> for Appearance {
    fn from(theme: Theme) -> Self {
        Self::new(theme.name, theme.color)
    }
}

impl App {
    /// The palette the dashboard draws `self` in: the look chosen, or high contrast in
    /// presenter mode.
    #[must_use]
    pub fn theme(&self) -> Theme {
        let name = if self.ui.present { ThemeName::HighContrast } else { self.ui.appearance.theme };
        Theme::new(name, self.ui.appearance.color)
    }
}

impl Theme {
    /// A theme; `color` false gives the monochrome variant.
    #[must_use]
    pub fn new(name: ThemeName, color: bool) -> Self {
        Self { name, color }
    }

    fn fg(self, color: Color) -> Style {
        if self.color { Style::new().fg(color) } else { Style::new() }
    }

    /// One colour per theme.
    fn pick(self, dark: Color, light: Color, high_contrast: Color) -> Color {
        match self.name {
            ThemeName::Dark => dark,
            ThemeName::Light => light,
            ThemeName::HighContrast => high_contrast,
        }
    }

    fn bold_if_contrast(self, style: Style) -> Style {
        if self.name == ThemeName::HighContrast { style.add_modifier(Modifier::BOLD) } else { style }
    }

    /// The style of a thread state's word and symbol.
    #[must_use]
    pub fn state(self, state: &ThreadState) -> Style {
        self.lane(LaneState::of(state))
    }

    /// The style of a kind of state: the table's state column and the timeline's lanes alike.
    #[must_use]
    pub fn lane(self, state: LaneState) -> Style {
        let style = match state {
            // Dimmed grey reads on black only; elsewhere a plain grey.
            LaneState::New if self.name == ThemeName::Dark => self.fg(Color::Gray).add_modifier(Modifier::DIM),
            LaneState::New => self.fg(self.pick(Color::Gray, Color::DarkGray, Color::Gray)),
            // Not known: grey, and italic so that it reads as a question, not a state.
            LaneState::Unknown => {
                self.fg(self.pick(Color::Gray, Color::DarkGray, Color::Gray)).add_modifier(Modifier::ITALIC)
            }
            LaneState::Ready => {
                self.fg(self.pick(Color::LightCyan, Color::Indexed(30), Color::LightCyan)).add_modifier(Modifier::BOLD)
            }
            LaneState::Running => {
                self.fg(self.pick(Color::LightGreen, DARK_GREEN, Color::LightGreen)).add_modifier(Modifier::BOLD)
            }
            LaneState::Sleeping => self.fg(self.pick(Color::LightBlue, Color::Blue, SKY_BLUE)),
            LaneState::Blocked => {
                self.fg(self.pick(Color::LightRed, Color::Red, Color::LightRed)).add_modifier(Modifier::BOLD)
            }
            LaneState::Waiting => self.fg(self.pick(Color::Yellow, DARK_ORANGE, Color::Yellow)),
            LaneState::Done => self.fg(self.pick(Color::DarkGray, Color::DarkGray, Color::Gray)),
            LaneState::Killed => self
                .fg(self.pick(Color::Magenta, Color::Magenta, Color::LightMagenta))
                .add_modifier(Modifier::CROSSED_OUT),
            LaneState::Panicked => self
                .fg(self.pick(Color::Red, Color::Red, Color::LightRed))
                .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
        };
        self.bold_if_contrast(style)
    }

    /// The deadlock banner: loud in colour, reversed without.
    #[must_use]
    pub fn banner(self) -> Style {
        if self.color {
            Style::new().fg(Color::White).bg(Color::Red).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }

    /// The rows of deadlocked threads: bold and underlined, in the alarm colour where there
    /// is colour. No background, so that every colour in the row keeps its contrast, and no
    /// reverse, which marks the selection.
    #[must_use]
    pub fn deadlocked(self) -> Style {
        self.fg(self.pick(Color::LightRed, Color::Red, Color::LightRed))
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    /// The colour that tags thread `tid` everywhere (log, source markers).
    #[must_use]
    pub fn thread(self, tid: Tid) -> Style {
        let palette = match self.name {
            ThemeName::Dark => &THREAD_COLORS_DARK,
            ThemeName::Light => &THREAD_COLORS_LIGHT,
            ThemeName::HighContrast => &THREAD_COLORS_HIGH_CONTRAST,
        };
        self.bold_if_contrast(self.fg(palette[tid as usize % palette.len()]))
    }

    /// Panel borders; the focused panel's stands out.
    #[must_use]
    pub fn border(self, focused: bool) -> Style {
        match (focused, self.color) {
            (true, true) => {
                Style::new().fg(self.pick(Color::LightCyan, Color::Blue, Color::LightCyan)).add_modifier(Modifier::BOLD)
            }
            (true, false) => Style::new().add_modifier(Modifier::BOLD),
            (false, _) => self.fg(self.pick(Color::DarkGray, Color::DarkGray, Color::Gray)),
        }
    }

    /// Column headers and labels.
    #[must_use]
    pub fn header(self) -> Style {
        self.fg(self.pick(Color::White, Color::Black, Color::White)).add_modifier(Modifier::BOLD)
    }

    /// Secondary text.
    #[must_use]
    pub fn dim(self) -> Style {
        if self.name == ThemeName::HighContrast { Style::new() } else { self.fg(Color::DarkGray) }
    }

    /// The selected row.
    #[must_use]
    pub fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// Errors and warnings.
    #[must_use]
    pub fn error(self) -> Style {
        self.fg(self.pick(Color::LightRed, Color::Red, Color::LightRed)).add_modifier(Modifier::BOLD)
    }

    /// A highlighted value (a set flag, a held lock).
    #[must_use]
    pub fn hot(self) -> Style {
        self.bold_if_contrast(self.fg(self.pick(Color::LightRed, Color::Red, Color::LightRed)))
    }

    /// A calm value (an unset flag, a free lock).
    #[must_use]
    pub fn calm(self) -> Style {
        self.fg(self.pick(Color::LightGreen, DARK_GREEN, Color::LightGreen))
    }

    /// Code in lesson notes (`notify_all()`): a colour of its own, and underlined without
    /// colour, so that code never reads as prose.
    #[must_use]
    pub fn code(self) -> Style {
        if !self.color {
            return Style::new().add_modifier(Modifier::UNDERLINED);
        }
        self.bold_if_contrast(self.fg(self.pick(Color::LightCyan, Color::Blue, Color::LightCyan)))
    }

    /// The status bar's pause badge: reversed, so the colour is its background.
    #[must_use]
    pub fn badge(self, paused: bool) -> Style {
        let style = Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED);
        if !self.color {
            return style;
        }
        style.fg(match (paused, self.name) {
            (true, ThemeName::Light) => DARK_ORANGE,
            (true, _) => Color::Yellow,
            (false, ThemeName::Light) => DARK_GREEN,
            (false, _) => Color::Green,
        })
    }
}
