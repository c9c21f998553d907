//! The messages into the app and the commands out of it: what the loop hands `App::update`
//! and what `update` asks the loop to carry out, and the words they carry (the session's
//! [`Status`], a steered run's [`Guide`], a replay's [`Seek`]). Kept apart from the state so
//! that a controller (live, replay, child, steered) needs only these words to talk to the app.

use std::collections::BTreeMap;

use crossterm::event::{KeyEvent, MouseEvent};

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
    Status(Status),
    /// The kernel's latest view of the OS threads, by OS thread id.
    Kernel(std::collections::BTreeMap<u32, crate::kernel::KernelSample>),
    /// The outcome of a step command.
    Stepped(Result<Step, StepRefused>),
    /// The model to show from now on, in place of the folded one: a replay went back in time.
    Reset(Box<Model>),
    /// A source file the loop read (or could not) because the app wanted it
    /// (`App::wanted_sources`).
    Source {
        /// The path as the events name it.
        path: String,
        /// Its text; None when it could not be read.
        text: Option<String>,
    },
    /// A message for the status bar.
    Note(String),
    /// What a steered run shows above the table, or None.
    Guide(Option<Guide>),
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

/// The session's control state, as a controller reads it and the app shows it: the one
/// status the loop hands over ([`Msg::Status`]) and the app keeps (`App::status`).
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    /// Demo time now, in microseconds.
    pub now_us: u64,
    /// Running, paused or stepping.
    pub pause: PauseState,
    /// Speed.
    pub speed: f64,
    /// Events the viewer will never see: dropped at their source (a thread's full ring) or by
    /// its buffer.
    pub dropped: u64,
    /// Threads held at the pause gate, ready to be stepped.
    pub ready: Vec<Tid>,
    /// Where each ready thread goes on, when the controller knows: the place of the operation
    /// it stopped before, run when it is stepped (`ready_places`).
    pub ready_at: BTreeMap<Tid, SourceLoc>,
}

impl From<Status> for Msg {
    /// The session's state, as the app takes it.
    fn from(status: Status) -> Self {
        Msg::Status(status)
    }
}

/// The places of the threads held at a gate ([`crate::Session::ready_places`]), by thread, for
/// [`Status::ready_at`]: the ones whose next operation has a place.
#[must_use]
pub fn ready_places(ready: Vec<(Tid, Option<SourceLoc>)>) -> BTreeMap<Tid, SourceLoc> {
    ready.into_iter().filter_map(|(tid, place)| Some((tid, place?))).collect()
}

/// Where a seek in a recording goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Seek {
    /// Right after the event with this sequence number (the end if it is past the last).
    Seq(u64),
    /// At this demo time, in microseconds: every event stamped at or before it has happened.
    Time(u64),
    /// After this share of the events, from 0.0 (the start) to 1.0 (the end).
    Share(f64),
    /// This share of the events forward from where the replay is (negative: back).
    By(f64),
}

/// What a steered run shows above the thread table: what it follows or aims at, and what
/// comes next. Pure data, made by the steered controller (`steer/guide.rs`) and drawn by
/// `view::guide`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guide {
    /// What the run follows or aims at, with where it is: `schedule: step 4 of 37`.
    pub headline: String,
    /// What comes next or what came of it.
    pub detail: Option<String>,
    /// What the next step makes, when it is the one the lesson is about (the overwrite, the
    /// acquire that closes the cycle): `lost update: ...`.
    pub alert: Option<String>,
    /// What moves next, when the plan knows.
    pub next: Option<Next>,
}

/// What moves at the next step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// This thread.
    Thread(Tid),
    /// Demo time passes to the earliest deadline.
    Time,
}
