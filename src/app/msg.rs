//! The messages into the app and the commands out of it: what the loop hands `App::update`
//! and what `update` asks the loop to carry out. Kept apart from the state so that a
//! controller (live, replay, child, steered) needs only these words to talk to the app.

use std::collections::BTreeMap;

use crossterm::event::{KeyEvent, MouseEvent};

use super::replay::Seek;
use super::steer;
use crate::event::{SourceLoc, Tid, TraceEvent};
use crate::model::Model;
use crate::session::{PauseState, Step, StepRefused};

/// A message into the app.
#[derive(Debug, Clone)]
pub enum Msg {
    /// A key press.
    Key(KeyEvent),
    /// A mouse event.
    Mouse(MouseEvent),
    /// The terminal was resized.
    Resize(u16, u16),
    /// Events from the session.
    Events(Vec<TraceEvent>),
    /// The session's control state, read by the loop.
    Status {
        /// Demo time now, in microseconds.
        now_us: u64,
        /// Running, paused or stepping.
        pause: PauseState,
        /// Speed.
        speed: f64,
        /// Events the viewer will never see: dropped at their source (a thread's full ring) or by
        /// its buffer.
        dropped: u64,
        /// Threads held at the pause gate, ready to be stepped.
        ready: Vec<Tid>,
        /// Where each ready thread goes on: the place of the operation it stopped before, run
        /// when it is stepped (missing where the controller does not know it).
        ready_at: BTreeMap<Tid, SourceLoc>,
    },
    /// The kernel's latest view of the OS threads, by OS thread id.
    Kernel(std::collections::BTreeMap<u32, crate::kernel::KernelSample>),
    /// The outcome of a step command.
    Stepped(Result<Step, StepRefused>),
    /// The model to show from now on, in place of the folded one: a replay went back in time.
    Reset(Box<Model>),
    /// A source file the loop read (or could not) because the app wanted it
    /// ([`App::wanted_sources`](super::App::wanted_sources)).
    Source {
        /// The path as the events name it.
        path: String,
        /// Its text; None when it could not be read.
        text: Option<String>,
    },
    /// A message for the status bar.
    Note(String),
    /// What a steered run shows above the table, or None.
    Guide(Option<steer::Guide>),
    /// A stop request from outside (a signal).
    Quit,
}

/// A side effect `update` asks the loop to carry out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Command {
    /// Pause the session.
    Pause,
    /// Resume the session.
    Resume,
    /// Step one thread (or the next in order).
    Step(Option<Tid>),
    /// Change the speed.
    SetSpeed(f64),
    /// Start the program again in a fresh session.
    Restart,
    /// Challenges: give up and show the answer.
    Solution,
    /// Replays: go back one event.
    StepBack,
    /// Replays: go to a position in the recording.
    Seek(Seek),
    /// Leave.
    Quit,
}
