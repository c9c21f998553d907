//! How to start a watched program: its seed, speed and parameters, paused or not, presenter
//! mode, the kernel's columns, losses allowed. The live and steered controllers start by it,
//! and the loop's launcher (`run::open_dashboard`) sets the app up by it.

use crate::session::Session;

/// How to start the program.
#[derive(Debug, Clone)]
#[allow(clippy::struct_excessive_bools, reason = "independent options, each a flag of its own")]
pub struct Launch {
    /// RNG seed.
    pub seed: u64,
    /// Initial speed.
    pub speed: f64,
    /// Start paused before the first operation.
    pub paused: bool,
    /// Start in presenter mode.
    pub present: bool,
    /// Keep the kernel's columns even on a narrow screen (the program is about them).
    pub kernel_first: bool,
    /// Let threads drop events rather than wait while a recorder is attached
    /// ([`Session::set_lossy`]).
    pub lossy: bool,
    /// The program's parameters (`--param NAME=VALUE`).
    pub params: Vec<(String, i64)>,
}

impl Default for Launch {
    fn default() -> Self {
        Self {
            seed: 0,
            speed: 1.0,
            paused: false,
            present: false,
            kernel_first: false,
            lossy: false,
            params: Vec::new(),
        }
    }
}

impl Launch {
    /// A session as this launch asks for: its seed, speed and parameters.
    #[must_use]
    pub fn session(&self) -> crate::SessionBuilder {
        let builder = Session::builder().seed(self.seed).speed(self.speed);
        self.params.iter().fold(builder, |builder, (name, value)| builder.param(name.clone(), *value))
    }

    /// Whether the lesson's words fit this run: its question and numbers speak of the demo as
    /// shipped, not of one made smaller with parameters.
    pub(crate) fn as_shipped(&self) -> bool {
        self.params.is_empty()
    }
}
