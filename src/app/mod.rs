//! The dashboard application: its state, the pure `update` that turns messages into state
//! changes and commands, and the loop that runs it against a real or test terminal.
//!
//! This file holds the state ([`App`]) and what it answers about itself. Its parts have files
//! of their own: the session's [`Status`] with the messages and commands ([`msg`]), the UI
//! state (`ui`), the program's source files (`sources`). `update` and its handlers are in
//! `update`, the keys' actions in `actions`, scrolling in `navigate`, the "what just happened"
//! line in `tell`. The loop (`run`) owns the [`Controller`](run::Controller) trait the
//! controllers plug into: `live`, `replay`, `steer`, `child`.

mod actions;
mod appearance;
pub mod child;
pub mod keys;
pub mod launch;
pub mod live;
mod moment;
pub mod msg;
mod navigate;
mod prompt;
mod quest;
pub mod replay;
pub mod run;
mod sources;
mod speed;
pub mod steer;
mod tell;
pub mod terminal;
mod ui;
mod update;
mod wakes;

use std::collections::BTreeMap;

pub use self::appearance::{Appearance, ThemeName};
pub use self::msg::{Command, Guide, Msg, Next, Seek, Status};
use self::sources::SourceFiles;
#[cfg(test)]
pub(crate) use self::ui::TIMELINE_SCALES;
pub use self::ui::{Answers, Overlay, Panel, Ui};
use crate::event::{SourceLoc, Tid};
use crate::kernel::KernelSample;
use crate::model::{Happening, KnownThread, Model, ThreadState, WaitTarget};
use crate::session::PauseState;

/// What the dashboard is about: shown in the status bar and the source panel.
#[derive(Debug, Clone, Copy)]
pub struct Subject {
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

/// The dashboard's state, in three parts and what ties them: the folded events (`model`), the
/// session's control state as last read (`status`) and what the user did to the screen (`ui`);
/// then the run's story as the dashboard tells it (what just happened, the lesson's moment, the
/// deadlock pause) and the program's own source files.
#[derive(Debug, Clone)]
pub struct App {
    /// What the dashboard is about.
    pub(crate) subject: Subject,
    /// The folded events.
    pub(crate) model: Model,
    /// Running, paused or stepping, the speed, the clock, the losses and the threads ready, as
    /// last read from the session.
    pub(crate) status: Status,
    /// Focus, selection, scrolling, overlays, zoom, size and looks.
    pub(crate) ui: Ui,
    /// The kernel's latest view of the OS threads, by OS thread id (empty where unavailable).
    pub(crate) kernel: BTreeMap<u32, KernelSample>,
    /// Where the table shows the kernel's view of the threads.
    pub(crate) kernel_columns: KernelColumns,
    /// Whether a recording is shown rather than a live program (the badge says so).
    pub(crate) replay: bool,
    /// The moment the lesson names: a live run pauses there and asks its question.
    pub(crate) moment: Option<crate::lesson::Moment>,
    /// The event at which this run reached the moment, if it has (it is asked once per run).
    moment_asked_at: Option<u64>,
    /// The deadlock (by the sequence number it was found at) the session was paused for, so
    /// that it pauses once per deadlock and the lecturer can resume past it.
    paused_for_deadlock: Option<u64>,
    /// A one-line message for the status bar (e.g. why a step did nothing).
    pub(crate) message: Option<String>,
    /// What just happened, in words (the last step's effect, a wake-up, a lost update), for the
    /// class to read.
    pub(crate) what_happened: Option<String>,
    /// What a steered run follows or aims at and what comes next (a schedule, a challenge).
    pub(crate) guide: Option<Guide>,
    /// What the current step's events did so far; None when no step is being told (the
    /// program runs, or a pause caught threads between operations: their in-flight events are
    /// told only if they are moments, so the moment that paused stays on the line).
    step_happenings: Option<Vec<Happening>>,
    /// Threads a told wake-up woke whose own wake-up events are still to come: they say
    /// nothing new, so they are not told again.
    woken_untold: Vec<Tid>,
    /// Whether the user chose to be paused (space, a step, or starting paused) rather than the
    /// app pausing for a deadlock: a restart after the program ended keeps only that choice.
    paused_by_user: bool,
    /// The thread the gate let through last (from the session's step events): `n` steps the
    /// next ready thread after it, in number order.
    last_stepped: Tid,
    /// The program's own source files, by the path its events name them by, when no source was
    /// given (a program under `watch`): the loop reads the ones wanted.
    sources: SourceFiles,
    /// Whether the app wants to stop.
    quit: bool,
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
    /// A fresh app about `subject`, looking as `appearance` says (an [`Appearance`], or the
    /// view's theme).
    #[must_use]
    pub fn new(subject: Subject, appearance: impl Into<Appearance>, pause: PauseState, speed: f64) -> Self {
        let status = Status { now_us: 0, pause, speed, dropped: 0, ready: Vec::new(), ready_at: BTreeMap::new() };
        Self {
            subject,
            model: Model::new(),
            status,
            ui: Ui::new(appearance.into()),
            kernel: BTreeMap::new(),
            kernel_columns: KernelColumns::Unread,
            replay: false,
            moment: subject.lesson.and_then(crate::lesson::moment),
            moment_asked_at: None,
            paused_for_deadlock: None,
            message: None,
            what_happened: None,
            guide: None,
            step_happenings: None,
            woken_untold: Vec::new(),
            paused_by_user: pause == PauseState::Paused,
            last_stepped: 0,
            sources: SourceFiles::default(),
            quit: false,
        }
    }

    /// Turns presenter mode on or off; while on, the dashboard shows the high-contrast theme
    /// (the user's choice of [`Appearance`] stays, to come back to).
    pub fn set_present(&mut self, on: bool) {
        self.ui.present = on;
    }

    /// Changes how the dashboard looks (the theme and whether colour is wanted).
    pub fn set_appearance(&mut self, appearance: impl Into<Appearance>) {
        self.ui.appearance = appearance.into();
    }

    /// Says where the thread table shows the kernel's view of the threads.
    pub fn set_kernel_columns(&mut self, columns: KernelColumns) {
        self.kernel_columns = columns;
    }

    /// Marks what is shown as a recording (the badge says so).
    pub fn mark_as_replay(&mut self) {
        self.replay = true;
    }

    /// Puts `words` on the line made for what just happened, as a step's events would: for a
    /// screen shown with a line of its own (an export's, a test's).
    pub fn say_what_happened(&mut self, words: impl Into<String>) {
        self.what_happened = Some(words.into());
    }

    /// What the dashboard is about.
    #[must_use]
    pub fn subject(&self) -> &Subject {
        &self.subject
    }

    /// The folded events.
    #[must_use]
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The session's control state as last read.
    #[must_use]
    pub fn status(&self) -> &Status {
        &self.status
    }

    /// What the user did to the screen: focus, selection, scrolling, overlays, zoom.
    #[must_use]
    pub fn ui(&self) -> &Ui {
        &self.ui
    }

    /// What just happened, in words, if anything is to be said.
    #[must_use]
    pub fn what_happened(&self) -> Option<&str> {
        self.what_happened.as_deref()
    }

    /// The status bar's message, if any.
    #[must_use]
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// What a steered run shows above the table.
    #[must_use]
    pub fn guide(&self) -> Option<&Guide> {
        self.guide.as_ref()
    }

    /// Whether the app wants to stop (a quit key, a signal).
    #[must_use]
    pub fn has_quit(&self) -> bool {
        self.quit
    }

    /// Whether `overlay` is open.
    #[must_use]
    pub fn shows(&self, overlay: Overlay) -> bool {
        self.ui.shows(overlay)
    }

    /// Whether thread `tid` is held at the pause gate, ready to be stepped.
    #[must_use]
    pub fn is_ready(&self, tid: Tid) -> bool {
        self.status.pause != PauseState::Running && self.status.ready.contains(&tid)
    }

    /// The line to show for `thread` and what it is to it: the line a READY thread runs when
    /// stepped, the call a blocked, waiting or sleeping thread is in, or else the line of its
    /// latest operation, already run.
    #[must_use]
    pub fn thread_line<'a>(&'a self, thread: &'a KnownThread) -> Option<(&'a SourceLoc, LineIs)> {
        if self.is_ready(thread.tid)
            && let Some(next) = self.status.ready_at.get(&thread.tid)
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
        if self.status.pause != PauseState::Paused {
            return None;
        }
        // A steered run knows its next step (a schedule's), time passing included.
        if let Some(next) = self.guide.as_ref().and_then(|guide| guide.next) {
            return match next {
                Next::Thread(tid) => Some(tid),
                Next::Time => None,
            };
        }
        let after = self.last_stepped;
        self.status
            .ready
            .iter()
            .copied()
            .filter(|&tid| tid > after)
            .min()
            .or_else(|| self.status.ready.iter().copied().min())
    }

    /// The source the panel shows and its path: the program's, when given; otherwise the file
    /// the selected thread is in, or else the first file a live thread is in, when it could be
    /// read.
    #[must_use]
    pub fn source(&self) -> Option<(&str, &str)> {
        if let Some((path, text)) = self.subject.source {
            return Some((path, text));
        }
        let read = |loc: &SourceLoc| self.sources.read(loc.file.as_ref());
        self.selected_thread().and_then(|tid| self.thread_loc(tid)).and_then(read).or_else(|| {
            self.model
                .threads
                .values()
                .filter(|thread| !thread.state.is_finished())
                .filter_map(|thread| thread.loc.as_ref())
                .find_map(read)
        })
    }

    /// A file of the program's own that the threads are in but that could not be read, if
    /// no source can be shown: the panel says which, and how to make it readable.
    #[must_use]
    pub fn unreadable_source(&self) -> Option<&str> {
        if self.source().is_some() {
            return None;
        }
        self.sources.unreadable()
    }

    /// The source files the loop should read for the panel: named by a thread's place, not
    /// yet read.
    #[must_use]
    pub fn wanted_sources(&self) -> Vec<String> {
        self.sources.wanted()
    }

    /// The thread shown in the selected row.
    #[must_use]
    pub fn selected_thread(&self) -> Option<Tid> {
        self.model.threads.keys().nth(self.selected_row()).copied()
    }

    /// The selected row, settled against the rows there are when it is read (as a ratatui
    /// `TableState` is at render time): a selection past the last row (a seek went back to
    /// before some threads were made) shows the last one, and comes back when the rows do.
    #[must_use]
    pub(crate) fn selected_row(&self) -> usize {
        self.ui.selected.min(self.model.threads.len().saturating_sub(1))
    }

    /// Log lines scrolled back from the end, settled against the lines there are when read.
    #[must_use]
    pub(crate) fn log_back(&self) -> usize {
        self.ui.log_back.min(self.model.log.len().saturating_sub(1))
    }
}

#[cfg(test)]
mod tests;
