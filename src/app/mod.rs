//! The dashboard application: its state, the pure `update` that turns messages into state
//! changes and commands, and the loop that runs it against a real or test terminal.

mod actions;
pub mod child;
pub mod keys;
pub mod live;
pub mod look;
mod moment;
mod navigate;
mod prompt;
mod quest;
pub mod replay;
pub mod run;
mod speed;
pub mod steer;
pub mod terminal;
mod wakes;

use std::collections::BTreeMap;
use std::sync::Arc;

use crossterm::event::{KeyEvent, KeyEventKind, MouseEvent, MouseEventKind};

use self::keys::Action;
pub use self::look::{Look, ThemeName};
use self::navigate::DEFAULT_SCALE;
pub use self::navigate::TIMELINE_SCALES;
use self::replay::Seek;
pub use self::speed::{SPEED_LADDER, next_speed};
use crate::event::{Control, EventKind, SourceLoc, Tid, TraceEvent};
use crate::model::{KnownThread, Model, ThreadState, WaitTarget};
use crate::session::{PauseState, Step, StepRefused};

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

/// A window drawn over the panels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    /// The key help, generated from the key table.
    Help,
    /// The lesson notes of the demo.
    Notes,
    /// Who waits for whom.
    WaitFor,
    /// The lesson's question, asked at its moment.
    Moment,
}

/// Whether the answers to the lesson's questions show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answers {
    /// Hidden until the reveal key: the class answers first.
    Hidden,
    /// Shown.
    Shown,
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
    /// ([`App::wanted_sources`]).
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

/// A source file of the watched program, as far as the app knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceFile {
    /// Named by an event; the loop has yet to read it.
    Wanted,
    /// Its text.
    Read(Arc<str>),
    /// It could not be read (not found, not a Rust source file, not text).
    Unreadable,
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

    /// Whether `overlay` is open.
    #[must_use]
    pub fn shows(&self, overlay: Overlay) -> bool {
        self.overlays.contains(&overlay)
    }

    fn toggle(&mut self, overlay: Overlay) {
        if self.shows(overlay) {
            self.overlays.retain(|&open| open != overlay);
        } else {
            self.overlays.push(overlay);
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

    /// The source the panel shows and its path: the program's, when given; otherwise the file
    /// the selected thread is in, or else the first file a live thread is in, when it could be
    /// read.
    #[must_use]
    pub fn source(&self) -> Option<(&str, &str)> {
        if let Some((path, text)) = self.showing.source {
            return Some((path, text));
        }
        let read = |loc: &SourceLoc| match self.sources.get_key_value(loc.file.as_ref()) {
            Some((path, SourceFile::Read(text))) => Some((path.as_str(), &**text)),
            _ => None,
        };
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
        self.sources.iter().find(|(_, file)| **file == SourceFile::Unreadable).map(|(path, _)| path.as_str())
    }

    /// The source files the loop should read for the panel: named by a thread's place, not
    /// yet read.
    #[must_use]
    pub fn wanted_sources(&self) -> Vec<String> {
        self.sources.iter().filter(|(_, file)| **file == SourceFile::Wanted).map(|(path, _)| path.clone()).collect()
    }

    /// Notes the files `events` name that the app has not asked for yet, when the program came
    /// without its source. Runs of events from one file are looked up once.
    fn want_sources(&mut self, events: &[TraceEvent]) {
        if self.showing.source.is_some() {
            return;
        }
        // A program in another language sends its files' text in the stream (and so in its
        // recordings): nothing to read from disk for those.
        for event in events {
            if let EventKind::Source { path, text } = &event.kind {
                self.sources.insert(path.clone(), SourceFile::Read(text.as_str().into()));
            }
        }
        let mut last: Option<&str> = None;
        for loc in events.iter().filter_map(|event| event.loc.as_ref()) {
            if last == Some(loc.file.as_ref()) {
                continue;
            }
            last = Some(loc.file.as_ref());
            if !self.sources.contains_key(loc.file.as_ref()) {
                self.sources.insert(loc.file.to_string(), SourceFile::Wanted);
            }
        }
    }

    /// The thread shown in the selected row.
    #[must_use]
    pub fn selected_thread(&self) -> Option<Tid> {
        self.model.threads.keys().nth(self.selected).copied()
    }

    /// Applies a message; returns the commands for the loop to carry out. No I/O.
    pub fn update(&mut self, msg: Msg) -> Vec<Command> {
        match msg {
            Msg::Key(key) if key.kind != KeyEventKind::Release && self.prompt.is_some() => self.prompt_key(key),
            Msg::Key(key) if key.kind != KeyEventKind::Release => {
                keys::action_for(key).map(|action| self.act(action)).unwrap_or_default()
            }
            Msg::Key(_) => Vec::new(),
            Msg::Mouse(mouse) => {
                match mouse.kind {
                    MouseEventKind::ScrollUp => self.scroll(Action::Up),
                    MouseEventKind::ScrollDown => self.scroll(Action::Down),
                    _ => {}
                }
                Vec::new()
            }
            Msg::Resize(width, height) => {
                self.size = (width, height);
                // The notes rewrap: the last line stays reachable, and no further.
                self.notes_top = self.notes_top.min(crate::view::notes::scroll_limit(self));
                Vec::new()
            }
            Msg::Events(events) => {
                // After a step, every event is part of what the class asked for: say what each
                // did. Otherwise only the moments a lesson is about are worth the words.
                let every = self.step_told.is_some();
                let mut asked = false;
                for event in &events {
                    if let EventKind::Control { control: Control::Step { thread } | Control::Advance { thread } } =
                        event.kind
                    {
                        self.last_stepped = thread;
                    }
                    if let Some(happening) = self.model.apply_told(event, every) {
                        self.tell(happening);
                    }
                    asked |= self.ask_at(event);
                }
                self.selected = self.selected.min(self.model.threads.len().saturating_sub(1));
                self.want_sources(&events);
                let commands = self.pause_for_deadlock();
                if asked && commands.is_empty() && self.pause == PauseState::Running {
                    return vec![Command::Pause];
                }
                commands
            }
            Msg::Status { now_us, pause, speed, dropped, ready, ready_at } => {
                // Once the program has ended its clock stops with it.
                self.now_us = if self.model.ended { self.model.time_us } else { now_us.max(self.model.time_us) };
                self.ready = ready;
                self.ready_at = ready_at;
                self.pause = pause;
                // Running, nobody is paused: a later pause is the user's only if they ask for it,
                // and events are no step's.
                if pause == PauseState::Running {
                    self.paused_by_user = false;
                    self.step_told = None;
                }
                self.speed = speed;
                self.dropped = dropped;
                self.pause_for_deadlock()
            }
            Msg::Kernel(samples) => {
                self.kernel = samples;
                Vec::new()
            }
            Msg::Stepped(Ok(_)) => {
                self.message = None;
                // The step's events will say what it did.
                self.step_told = Some(Vec::new());
                Vec::new()
            }
            Msg::Stepped(Err(StepRefused::NotReady(tid))) if !self.model.ended => {
                // The status bar says that it cannot; the line made for words says why, and
                // what would let it go.
                self.message = Some(format!("{} cannot move now", self.model.thread_name(tid)));
                // A sleeper kept back by sleeps that end first is told which to step first.
                self.happened = Some(wakes::wake_first(&self.model, tid).unwrap_or_else(|| self.model.why_stuck(tid)));
                Vec::new()
            }
            Msg::Stepped(Err(refused)) => {
                self.message = Some(self.explain(refused));
                Vec::new()
            }
            Msg::Reset(model) => {
                self.model = *model;
                self.happened = None;
                self.now_us = self.model.time_us;
                // A deadlock already in the new model is on screen; one met later pauses again.
                self.paused_for_deadlock = self.model.deadlock.as_ref().map(|deadlock| deadlock.seq);
                self.selected = self.selected.min(self.model.threads.len().saturating_sub(1));
                self.log_back = self.log_back.min(self.model.log.len().saturating_sub(1));
                // A timeline looking past the new present follows it again.
                self.timeline_end_us = self.timeline_end_us.filter(|&end| end < self.now_us);
                Vec::new()
            }
            Msg::Source { path, text } => {
                let file = text.map_or(SourceFile::Unreadable, |text| SourceFile::Read(text.into()));
                self.sources.insert(path, file);
                Vec::new()
            }
            Msg::Note(note) => {
                self.message = Some(note);
                Vec::new()
            }
            Msg::Guide(guide) => {
                self.guide = guide;
                Vec::new()
            }
            Msg::Quit => {
                self.quit = true;
                vec![Command::Quit]
            }
        }
    }

    /// The deadlock to show: one that has lasted [`DEADLOCK_GRACE_US`] of demo time (a
    /// dropped event can make a moment look stuck until the thread's next event), or any once
    /// paused or ended, when nothing more is coming.
    #[must_use]
    pub fn confirmed_deadlock(&self) -> Option<&crate::model::Deadlock> {
        self.model.deadlock.as_ref().filter(|deadlock| {
            self.pause != PauseState::Running
                || self.model.ended
                || self.now_us.saturating_sub(deadlock.time_us) >= DEADLOCK_GRACE_US
        })
    }

    /// A confirmed deadlock pauses the session once, so the lecturer can explain it.
    fn pause_for_deadlock(&mut self) -> Vec<Command> {
        let Some(seq) = self.confirmed_deadlock().map(|deadlock| deadlock.seq) else { return Vec::new() };
        if self.paused_for_deadlock == Some(seq) {
            return Vec::new();
        }
        self.paused_for_deadlock = Some(seq);
        if self.moment.is_some_and(|moment| moment.trigger == crate::lesson::Trigger::Deadlock) {
            self.ask(seq);
        }
        if self.pause == PauseState::Running { vec![Command::Pause] } else { Vec::new() }
    }

    /// Puts what just happened on the "what just happened" line: a step's events one after
    /// the other, or else the latest moment, made to fit the line (see [`fit_step`]).
    fn tell(&mut self, happening: crate::model::Happening) {
        let at = crate::model::at(self.model.time_us);
        // The line is drawn as ` » TEXT ` across the screen.
        let width = usize::from(if self.size.0 == 0 { 80 } else { self.size.0 }).saturating_sub(4);
        let Some(told) = self.step_told.as_mut() else {
            self.woken_untold.clear();
            self.happened = Some(fit_step(&at, &[happening], width));
            return;
        };
        // A woken thread's own wake-up and its asking for the lock again were said by the
        // wake-up (`woke c1, c2; they wait for RLock-1, held by p`), in this step or an earlier.
        if happening.follows_wake && self.woken_untold.contains(&happening.thread) {
            return;
        }
        self.woken_untold.retain(|&tid| tid != happening.thread);
        self.woken_untold.extend(happening.woke.iter().copied());
        // `asks for X` is only said until the acquire that follows says it in full.
        if told.last().is_some_and(|last| last.prelude && last.thread == happening.thread) {
            told.pop();
        }
        told.push(happening);
        self.happened = Some(fit_step(&at, told, width));
    }
}

/// A step's happenings as one line of at most `width` columns: `t=4.5s  A → B → C`. What does
/// not fit goes, oldest first, but a moment (a notify, a lost update) only when nothing else
/// is left to drop; what went is marked `… →`. A last piece still too long is cut after a
/// whole word.
fn fit_step(at: &str, told: &[crate::model::Happening], width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    // Each happening, or None where one was left out (shown as `…`, once for a run of them).
    let line = |at: &str, kept: &[Option<&crate::model::Happening>]| {
        let mut texts: Vec<&str> = Vec::new();
        for happening in kept {
            match happening {
                Some(happening) => texts.push(&happening.text),
                None if texts.last() == Some(&"…") => {}
                None => texts.push("…"),
            }
        }
        let text = texts.join(" → ");
        if at.is_empty() { text } else { format!("{at}  {text}") }
    };
    let mut kept: Vec<Option<&crate::model::Happening>> = told.iter().map(Some).collect();
    // The status bar shows the time too: it is the first thing a long line does without.
    let at = if line(at, &kept).width() > width { "" } else { at };
    while kept.iter().flatten().count() > 1 && line(at, &kept).width() > width {
        let left_out = kept
            .iter()
            .position(|happening| happening.is_some_and(|happening| !happening.moment))
            .or_else(|| kept.iter().position(Option::is_some));
        if let Some(index) = left_out {
            kept[index] = None;
        }
    }
    crate::model::shorten(&line(at, &kept), width)
}

#[cfg(test)]
mod tests;
