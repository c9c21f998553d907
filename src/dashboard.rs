//! The dashboard's machinery, for threadviz's own binary, tests and benchmarks: the app and its
//! loop, the model the events fold into, the panels, the demo catalogue and its lessons, the
//! kernel's view of threads, exports and the command line. Not a stable API: a program uses
//! [`crate::thread`], [`crate::sync`], [`crate::Session`], [`crate::watch`] and
//! [`crate::record`].

/// The app: its state, its pure update, the key table, the loop and its controllers.
pub mod app {
    pub use crate::app::*;
}

/// The demo catalogue.
pub mod catalog {
    pub use crate::catalog::*;
}

/// The challenges: goals for the class playing scheduler.
pub mod challenge {
    pub use crate::challenge::*;
}

/// A program watched in another process (`threadviz run prog.py`).
pub mod child {
    pub use crate::child::*;
}

/// The command line.
pub mod cli {
    pub use crate::cli::*;
}

/// Exports of a recording.
pub mod export {
    pub use crate::export::*;
}

/// What Linux says about each OS thread.
pub mod kernel {
    pub use crate::kernel::*;
}

/// What a lesson marks up beyond prose: answers and moments.
pub mod lesson {
    pub use crate::lesson::*;
}

/// The model: the pure fold of events into what the dashboard shows.
pub mod model {
    pub use crate::model::*;
}

/// Plain mode: the log printed as the tutorials print it.
pub mod plain {
    pub use crate::plain::*;
}

/// The session's controls and state, beyond what the crate root re-exports.
pub mod session {
    pub use crate::session::*;
}

/// The panels, one module each, and the themes.
pub mod view {
    pub use crate::view::*;
}
