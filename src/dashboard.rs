//! The dashboard's machinery, for threadviz's own binary, tests and benchmarks: the app and its
//! loop, the model the events fold into, the panels, the demo catalogue and its lessons, the
//! kernel's view of threads, exports and the command line. Not a stable API: a program uses
//! [`crate::thread`], [`crate::sync`], [`crate::Session`], `crate::watch` and [`crate::record`].
//!
//! Each module names the items the binary, the tests and the benchmarks use, and no more: the
//! rest stays private to the crate. The app, the panels, the exports and the command line need
//! the `dashboard` feature; the catalogue and what it is made of come with it (and into the
//! library's own unit tests, whose explorations run the demos).

/// The app: its state and its parts, the messages in and commands out, the loop and its
/// controllers.
#[cfg(feature = "dashboard")]
pub mod app {
    pub use crate::app::{
        Answers, App, Appearance, Command, Guide, KernelColumns, Msg, Next, Overlay, Panel, Seek, Status, Subject,
        ThemeName, Ui,
    };

    /// The key table.
    pub mod keys {
        pub use crate::app::keys::{Action, Binding, KEYS};
    }

    /// How to start a watched program.
    pub mod launch {
        pub use crate::app::launch::Launch;
    }

    /// The live controller.
    pub mod live {
        pub use crate::app::live::{LINGER, Live};
    }

    /// The loop and the controller trait the sessions plug into.
    pub mod run {
        pub use crate::app::run::{Controller, run};
    }

    /// The replay controller and where a replay stops.
    pub mod replay {
        pub use crate::app::replay::{Replay, subject};

        /// Where a replay or an export stops as the live dashboard did.
        pub mod stops {
            pub use crate::app::replay::stops::{Stop, Stops};
        }
    }

    /// The steered controller.
    pub mod steer {
        pub use crate::app::steer::Steered;
    }
}

/// The demo catalogue.
pub mod catalog {
    pub use crate::catalog::{Chapter, DEMOS, Demo, Param, find};
}

/// The challenges: goals for the class playing scheduler.
pub mod challenge {
    pub use crate::challenge::{CHALLENGES, Challenge, Move, Until, find};
}

/// The command line.
#[cfg(feature = "dashboard")]
pub mod cli {
    pub use crate::cli::{Cli, Command, main};

    /// `threadviz explore`.
    pub mod explore {
        pub use crate::cli::explore::report;
    }
}

/// Exports of a recording.
#[cfg(feature = "dashboard")]
pub mod export {
    pub use crate::export::{Events, asciicast, chrome};
}

/// What Linux says about each OS thread.
pub mod kernel {
    pub use crate::kernel::{KernelSample, KernelThread, Switches};
}

/// What a lesson marks up beyond prose: answers and moments.
pub mod lesson {
    pub use crate::lesson::{Moment, Trigger, moment};
}

/// The model: the pure fold of events into what the dashboard shows.
pub mod model {
    pub use crate::model::{
        CycleLink, DeadlockKind, KnownPrim, KnownThread, LaneState, Model, PrimState, ThreadState, Tone, WaitTarget,
    };
}

/// Plain mode: the log printed as the tutorials print it.
pub mod plain {
    pub use crate::plain::PlainPrinter;
}

/// The session's controls and state, beyond what the crate root re-exports.
pub mod session {
    pub use crate::session::{PauseState, SPEED_RANGE, clamp_speed, hold_length};
}

/// The panels, one module each, and the themes.
#[cfg(feature = "dashboard")]
pub mod view {
    /// The log panel.
    pub mod log {
        pub use crate::view::log::render;
    }
    /// The primitives panel.
    pub mod prims {
        pub use crate::view::prims::render;
    }
    /// The source panel.
    pub mod source {
        pub use crate::view::source::render;
    }
    /// The status bar.
    pub mod status {
        pub use crate::view::status::render;
    }
    /// The themes.
    pub mod theme {
        pub use crate::view::theme::{Theme, ThemeName};
    }
    /// The thread table.
    pub mod threads {
        pub use crate::view::threads::{fit_words, render};
    }
    /// The timeline.
    pub mod timeline {
        pub use crate::view::timeline::render;
    }
}
