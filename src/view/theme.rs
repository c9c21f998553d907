//! Colours. Every meaning is also carried by a word or symbol, so the screen reads in
//! monochrome (`NO_COLOR`) and for colour-blind viewers; colour only adds to it.

use ratatui::style::{Color, Modifier, Style};

use crate::event::Tid;
use crate::model::{LaneState, ThreadState};

/// The themes `--theme` offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ThemeName {
    /// Light text on a dark terminal.
    #[default]
    Dark,
    /// Dark text on a light terminal.
    Light,
    /// Bold, bright, for projectors and low vision.
    HighContrast,
}

/// The palette in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// Which theme.
    pub name: ThemeName,
    /// False when colour is off (`NO_COLOR`): only bold, dim and reverse remain.
    pub color: bool,
}

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
const THREAD_COLORS_LIGHT: [Color; 8] = [
    Color::Blue,
    Color::Green,
    Color::Magenta,
    Color::Red,
    Color::Cyan,
    Color::DarkGray,
    Color::Indexed(94),
    Color::Indexed(25),
];

impl Theme {
    /// A theme; `color` false gives the monochrome variant.
    #[must_use]
    pub fn new(name: ThemeName, color: bool) -> Self {
        Self { name, color }
    }

    fn fg(self, color: Color) -> Style {
        if self.color { Style::new().fg(color) } else { Style::new() }
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
        let light = self.name == ThemeName::Light;
        let style = match state {
            LaneState::New => self.fg(Color::Gray).add_modifier(Modifier::DIM),
            LaneState::Running => {
                self.fg(if light { Color::Green } else { Color::LightGreen }).add_modifier(Modifier::BOLD)
            }
            LaneState::Sleeping => self.fg(if light { Color::Blue } else { Color::LightBlue }),
            LaneState::Blocked => {
                self.fg(if light { Color::Red } else { Color::LightRed }).add_modifier(Modifier::BOLD)
            }
            LaneState::Waiting => self.fg(if light { Color::Indexed(130) } else { Color::Yellow }),
            LaneState::Done => self.fg(Color::DarkGray),
            LaneState::Killed => self.fg(Color::Magenta).add_modifier(Modifier::CROSSED_OUT),
            LaneState::Panicked => self.fg(Color::Red).add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
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

    /// The colour that tags thread `tid` everywhere (log, source markers).
    #[must_use]
    pub fn thread(self, tid: Tid) -> Style {
        let palette = if self.name == ThemeName::Light { &THREAD_COLORS_LIGHT } else { &THREAD_COLORS_DARK };
        self.bold_if_contrast(self.fg(palette[tid as usize % palette.len()]))
    }

    /// Panel borders; the focused panel's stands out.
    #[must_use]
    pub fn border(self, focused: bool) -> Style {
        match (focused, self.color) {
            (true, true) => Style::new()
                .fg(if self.name == ThemeName::Light { Color::Blue } else { Color::LightCyan })
                .add_modifier(Modifier::BOLD),
            (true, false) => Style::new().add_modifier(Modifier::BOLD),
            (false, _) => self.fg(Color::DarkGray),
        }
    }

    /// Column headers and labels.
    #[must_use]
    pub fn header(self) -> Style {
        self.fg(if self.name == ThemeName::Light { Color::Black } else { Color::White }).add_modifier(Modifier::BOLD)
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
        self.fg(Color::LightRed).add_modifier(Modifier::BOLD)
    }

    /// A highlighted value (a set flag, a held lock).
    #[must_use]
    pub fn hot(self) -> Style {
        self.bold_if_contrast(self.fg(if self.name == ThemeName::Light { Color::Red } else { Color::LightRed }))
    }

    /// A calm value (an unset flag, a free lock).
    #[must_use]
    pub fn calm(self) -> Style {
        self.fg(if self.name == ThemeName::Light { Color::Green } else { Color::LightGreen })
    }

    /// Code in lesson notes (`notify_all()`): a colour of its own, and underlined without
    /// colour, so that code never reads as prose.
    #[must_use]
    pub fn code(self) -> Style {
        if !self.color {
            return Style::new().add_modifier(Modifier::UNDERLINED);
        }
        self.bold_if_contrast(self.fg(if self.name == ThemeName::Light { Color::Blue } else { Color::LightCyan }))
    }

    /// The status bar's pause badge.
    #[must_use]
    pub fn badge(self, paused: bool) -> Style {
        let style = Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED);
        if !self.color {
            return style;
        }
        style.fg(if paused { Color::Yellow } else { Color::Green })
    }
}
