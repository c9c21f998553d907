//! How the user asked the dashboard to look, in plain terms: the theme chosen (`--theme`) and
//! whether colour is wanted (`NO_COLOR`). The view turns it into its palette when it draws.

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

/// How the user asked the dashboard to look: the theme and whether colour is wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appearance {
    /// The theme chosen.
    pub theme: ThemeName,
    /// False when colour is off (`NO_COLOR`): only bold, dim and reverse remain.
    pub color: bool,
}

impl Appearance {
    /// The appearance of `theme`, in colour or not.
    #[must_use]
    pub fn new(theme: ThemeName, color: bool) -> Self {
        Self { theme, color }
    }
}
