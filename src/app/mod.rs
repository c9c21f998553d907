//! The dashboard application: its state, the pure `update` that turns messages into state
//! changes and commands, and the loop that runs it against a real or test terminal.
//!
//! This file holds the state ([`App`]) and what it answers about itself; the messages and
//! commands are in [`msg`], `update` and its handlers in `update`, the overlays in `overlay`,
//! the program's source files in `sources`, and the "what just happened" line in `tell`.

mod actions;
pub mod child;
pub mod keys;
pub mod live;
pub mod look;
mod moment;
pub mod msg;
mod navigate;
mod overlay;
mod prompt;
mod quest;
pub mod replay;
pub mod run;
mod sources;
mod speed;
pub mod steer;
mod tell;
pub mod terminal;
mod update;
mod wakes;

use std::collections::BTreeMap;

pub use self::look::{Look, ThemeName};
pub use self::msg::{Command, Msg};
use self::navigate::DEFAULT_SCALE;
pub use self::navigate::TIMELINE_SCALES;
pub use self::overlay::{Answers, Overlay};
pub use self::sources::SourceFile;
pub use self::speed::{SPEED_LADDER, next_speed};
use crate::event::{SourceLoc, Tid};
use crate::model::{KnownThread, Model, ThreadState, WaitTarget};
use crate::session::PauseState;

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

    fn cycle(self, forward: bool) -> Self {
        let index = Self::ORDER.iter().position(|&panel| panel == self).unwrap_or(0);
        let next = if forward { index + 1 } else { index + Self::ORDER.len() - 1 };
        Self::ORDER[next % Self::ORDER.len()]
    }
}

/// The first line that puts the last one at the bottom, for each scrolling overlay, as the
/// view last drew it.
#[derive(Debug, Clone, Default)]
pub struct ScrollLimits {
    /// The notes'.
    pub notes: std::cell::Cell<usize>,
    /// The help's.
    pub help: std::cell::Cell<usize>,
}

/// What is being watched: shown in the status bar and the source panel.
#[derive(Debug, Clone, Copy)]
pub struct Showing {
    /// The title (a demo's name).
    pub title: &'static str,
    /// The program's source, if known, and its path as events name it.
    pub source: Option<(&'static str, &'static str)>,
    /// Lesson notes, if any.
    pub lesson: Option<&'static str>,
}

/// Where the thread table shows the kernel's view of the threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KernelColumns {
    /// Not read (a recording, a test, another OS): columns only for samples that arrive anyway.
    #[default]
    Unread,
    /// Read (a live program on Linux): columns on screens wide enough for them, there from the
    /// first frame so the table does not jump when the first sample arrives.
    Read,
    /// Read, and what the program shows (`demo timeslice`): columns even on a narrow screen.
    First,
}

/// The dashboard's state.
#[derive(Debug, Clone)]
#[allow(clippy::struct_excessive_bools, reason = "independent facts about the view, not states of one machine")]
pub struct App {
    /// What is watched.
    pub showing: Showing,
    /// The folded events.
    pub model: Model,
    /// How the user asked the dashboard to look: the theme and whether colour is wanted
    /// (presenter mode shows high contrast whatever was chosen).
    pub look: Look,
    /// Running, paused or stepping, as last read from the session.
    pub pause: PauseState,
    /// Speed, as last read.
    pub speed: f64,
    /// Demo time now, in microseconds.
    pub now_us: u64,
    /// Events the viewer will never see: dropped at their source (a thread's full ring) or by
    /// its buffer.
    pub dropped: u64,
    /// Threads held at the pause gate, ready to be stepped.
    pub ready: Vec<Tid>,
    /// Where each ready thread goes on, when the controller knows: the line it runs when
    /// stepped.
    pub ready_at: BTreeMap<Tid, SourceLoc>,
    /// Index of the selected row in the thread table.
    pub selected: usize,
    /// The focused panel.
    pub focus: Panel,
    /// Whether the focused panel fills the screen.
    pub zoomed: bool,
    /// Overlays drawn over the panels, bottom first; `esc` closes the top one.
    pub overlays: Vec<Overlay>,
    /// Lines scrolled back from the end of the log (0 follows new lines).
    pub log_back: usize,
    /// First line shown of the primitives panel.
    pub prims_top: usize,
    /// Lines scrolled in the source panel relative to following the selected thread.
    pub source_offset: isize,
    /// Lines scrolled in the notes.
    pub notes_top: usize,
    /// Lines scrolled in the help (taller than a small screen).
    pub help_top: usize,
    /// How far the notes and the help scroll on the screen last drawn: settled by the view as
    /// it draws them (as a ratatui `StatefulWidget`'s state is), so that scrolling stops at the
    /// last line without the app laying them out itself.
    pub scroll_limits: ScrollLimits,
    /// Whether the answers to the lesson's questions show (they are hidden until revealed).
    pub answers: Answers,
    /// The moment the lesson names: a live run pauses there and asks its question.
    pub moment: Option<crate::lesson::Moment>,
    /// The event at which this run reached the moment, if it has (it is asked once per run).
    pub moment_asked_at: Option<u64>,
    /// Demo time per timeline column, in microseconds.
    pub timeline_scale_us: u64,
    /// Demo time at the timeline's right edge; None follows the present.
    pub timeline_end_us: Option<u64>,
    /// Whether a recording is shown rather than a live program (the badge says so).
    pub replay: bool,
    /// The kernel's latest view of the OS threads, by OS thread id (empty where unavailable).
    pub kernel: std::collections::BTreeMap<u32, crate::kernel::KernelSample>,
    /// The deadlock (by the sequence number it was found at) the session was paused for, so
    /// that it pauses once per deadlock and the lecturer can resume past it.
    pub paused_for_deadlock: Option<u64>,
    /// A one-line message for the status bar (e.g. why a step did nothing).
    pub message: Option<String>,
    /// What just happened, in words (the last step's effect, a wake-up, a lost update), for the class to read.
    pub happened: Option<String>,
    /// What a steered run follows or aims at and what comes next (a schedule, a challenge).
    pub guide: Option<steer::Guide>,
    /// Presenter mode (`p`, `--present`): only what a class needs, spaced out, in high contrast.
    pub present: bool,
    /// Where the table shows the kernel's view of the threads.
    pub kernel_columns: KernelColumns,
    /// The words of the current step's events so far; None when no step is being told (the
    /// program runs, or a pause caught threads between operations: their in-flight events are
    /// told only if they are moments, so the moment that paused stays on the line).
    pub step_told: Option<Vec<crate::model::Happening>>,
    /// Threads a told wake-up woke whose own wake-up events are still to come: they say
    /// nothing new, so they are not told again.
    pub woken_untold: Vec<Tid>,
    /// The go-to prompt's text while it is open (replays, `:`).
    pub prompt: Option<String>,
    /// The terminal size, as last reported.
    pub size: (u16, u16),
    /// Whether the user chose to be paused (space, a step, or starting paused) rather than the
    /// app pausing for a deadlock: a restart after the program ended keeps only that choice.
    pub paused_by_user: bool,
    /// The thread the gate let through last (from the session's step events): `n` steps the
    /// next ready thread after it, in number order.
    pub last_stepped: Tid,
    /// The program's own source files, by the path its events name them by, when no source was
    /// given (a program under `watch`): the loop reads the ones wanted.
    pub sources: BTreeMap<String, SourceFile>,
    /// Whether the app wants to stop.
    pub quit: bool,
}

/// What the line shown for a thread is to it ([`App::thread_line`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineIs {
    /// The line of its latest operation, which it has run.
    Ran,
    /// The line a READY thread runs when it is stepped.
    Next,
    /// The call a blocked, waiting or sleeping thread is in, not yet returned from.
    In,
}

/// How long (demo time) a deadlock must last before the banner shows and the session pauses.
pub use crate::model::DEADLOCK_GRACE_US;

impl App {
    /// A fresh app watching `showing`, looking as `look` says (a [`Look`], or the view's theme).
    #[must_use]
    pub fn new(showing: Showing, look: impl Into<Look>, pause: PauseState, speed: f64) -> Self {
        Self {
            showing,
            model: Model::new(),
            look: look.into(),
            pause,
            speed,
            now_us: 0,
            dropped: 0,
            ready: Vec::new(),
            ready_at: BTreeMap::new(),
            selected: 0,
            focus: Panel::Threads,
            zoomed: false,
            overlays: Vec::new(),
            log_back: 0,
            prims_top: 0,
            source_offset: 0,
            notes_top: 0,
            help_top: 0,
            scroll_limits: ScrollLimits::default(),
            answers: Answers::Hidden,
            moment: showing.lesson.and_then(crate::lesson::moment),
            moment_asked_at: None,
            timeline_scale_us: TIMELINE_SCALES[DEFAULT_SCALE],
            timeline_end_us: None,
            paused_for_deadlock: None,
            kernel: std::collections::BTreeMap::new(),
            replay: false,
            message: None,
            happened: None,
            guide: None,
            present: false,
            kernel_columns: KernelColumns::Unread,
            step_told: None,
            woken_untold: Vec::new(),
            prompt: None,
            size: (80, 24),
            paused_by_user: pause == PauseState::Paused,
            last_stepped: 0,
            sources: BTreeMap::new(),
            quit: false,
        }
    }

    /// Turns presenter mode on or off; while on, the dashboard shows the high-contrast theme
    /// (the user's choice in [`App::look`] stays, to come back to).
    pub fn set_present(&mut self, on: bool) {
        self.present = on;
    }

    /// Whether thread `tid` is held at the pause gate, ready to be stepped.
    #[must_use]
    pub fn is_ready(&self, tid: Tid) -> bool {
        self.pause != PauseState::Running && self.ready.contains(&tid)
    }

    /// The line to show for `thread` and what it is to it: the line a READY thread runs when
    /// stepped, the call a blocked, waiting or sleeping thread is in, or else the line of its
    /// latest operation, already run.
    #[must_use]
    pub fn thread_line<'a>(&'a self, thread: &'a KnownThread) -> Option<(&'a SourceLoc, LineIs)> {
        if self.is_ready(thread.tid)
            && let Some(next) = self.ready_at.get(&thread.tid)
        {
            return Some((next, LineIs::Next));
        }
        let loc = thread.loc.as_ref()?;
        // A thread whose events were lost may have moved on: only its latest line is known.
        if thread.unsure {
            return Some((loc, LineIs::Ran));
        }
        // Its latest event began the call it is in (the main thread's wait at shutdown has
        // no line of its own: it waits after its last one).
        let in_call = match &thread.state {
            ThreadState::Blocked { .. } | ThreadState::Sleeping { .. } => true,
            ThreadState::Waiting { on, .. } => *on != WaitTarget::Shutdown,
            _ => false,
        };
        Some(match (in_call, self.is_ready(thread.tid)) {
            // Granted a step, a blocked thread ready to go on checks its wait again.
            (true, true) => (loc, LineIs::Next),
            (true, false) => (loc, LineIs::In),
            (false, _) => (loc, LineIs::Ran),
        })
    }

    /// [`App::thread_line`] of thread `tid`'s line alone, for a known thread.
    #[must_use]
    pub fn thread_loc(&self, tid: Tid) -> Option<&SourceLoc> {
        self.model.threads.get(&tid).and_then(|thread| self.thread_line(thread)).map(|(loc, _)| loc)
    }

    /// The thread `n` steps next while paused: the first ready thread after the one stepped
    /// last, in number order, as the gate picks it (`Gate::step`); None while running.
    #[must_use]
    pub fn next_to_step(&self) -> Option<Tid> {
        if self.pause != PauseState::Paused {
            return None;
        }
        // A steered run knows its next step (a schedule's), time passing included.
        if let Some(next) = self.guide.as_ref().and_then(|guide| guide.next) {
            return match next {
                steer::Next::Thread(tid) => Some(tid),
                steer::Next::Time => None,
            };
        }
        let after = self.last_stepped;
        self.ready.iter().copied().filter(|&tid| tid > after).min().or_else(|| self.ready.iter().copied().min())
    }

    /// The thread shown in the selected row.
    #[must_use]
    pub fn selected_thread(&self) -> Option<Tid> {
        self.model.threads.keys().nth(self.selected).copied()
    }
}

#[cfg(test)]
mod tests;
