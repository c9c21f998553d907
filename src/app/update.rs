//! `App::update`: the one door messages come in by, and a handler for each family of them
//! (keys and the mouse, the terminal's size, the session's events, its status, a step's
//! outcome, a replay's new model). Pure: no I/O, only state changes and commands for the loop.

use crossterm::event::{KeyEvent, KeyEventKind, MouseEvent, MouseEventKind};

use super::keys::{self, Action};
use super::{App, Command, DEADLOCK_GRACE_US, Msg, Status, wakes};
use crate::event::{Control, EventKind, TraceEvent};
use crate::model::Model;
use crate::session::{PauseState, Step, StepRefused};

impl App {
    /// Applies a message; returns the commands for the loop to carry out. No I/O.
    pub fn update(&mut self, msg: Msg) -> Vec<Command> {
        match msg {
            Msg::Key(key) => return self.on_key(key),
            Msg::Events(events) => return self.on_events(&events),
            Msg::Status(status) => return self.on_status(status),
            Msg::Quit => {
                self.quit = true;
                return vec![Command::Quit];
            }
            Msg::Mouse(mouse) => self.on_mouse(mouse),
            Msg::Resize(width, height) => self.on_resize(width, height),
            Msg::Kernel(samples) => self.kernel = samples,
            Msg::Stepped(stepped) => self.on_stepped(stepped),
            Msg::Reset(model) => self.on_reset(*model),
            Msg::Source { path, text } => self.sources.take(path, text),
            Msg::Note(note) => self.message = Some(note),
            Msg::Guide(guide) => self.guide = guide,
        }
        Vec::new()
    }

    /// A key: typed into the go-to prompt while it is open, else what the key table makes of
    /// it. Releases do nothing (terminals that report them report presses too).
    fn on_key(&mut self, key: KeyEvent) -> Vec<Command> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        if self.ui.prompt.is_some() {
            return self.prompt_key(key);
        }
        keys::action_for(key).map(|action| self.act(action)).unwrap_or_default()
    }

    /// The wheel scrolls as the arrow keys do.
    fn on_mouse(&mut self, mouse: MouseEvent) {
        match mouse.kind {
            MouseEventKind::ScrollUp => self.scroll(Action::Up),
            MouseEventKind::ScrollDown => self.scroll(Action::Down),
            _ => {}
        }
    }

    fn on_resize(&mut self, width: u16, height: u16) {
        self.ui.size = (width, height);
        // The notes rewrap: the view settles how far they scroll as it draws them anew, and
        // shows them no further down than that meanwhile.
    }

    /// Folds the session's events, telling what they did; pauses at a confirmed deadlock or
    /// at the lesson's moment.
    fn on_events(&mut self, events: &[TraceEvent]) -> Vec<Command> {
        // After a step, every event is part of what the class asked for: say what each
        // did. Otherwise only the moments a lesson is about are worth the words.
        let every = self.step_happenings.is_some();
        let mut asked = false;
        for event in events {
            if let EventKind::Control { control: Control::Step { thread } | Control::Advance { thread } } = event.kind {
                self.last_stepped = thread;
            }
            if let Some(happening) = self.model.apply_told(event, every) {
                self.tell(happening);
            }
            asked |= self.ask_at(event);
        }
        // A program that came with its source needs none of its files read.
        if self.subject.source.is_none() {
            self.sources.want(events);
        }
        let commands = self.pause_for_deadlock();
        if asked && commands.is_empty() && self.status.pause == PauseState::Running {
            return vec![Command::Pause];
        }
        commands
    }

    /// The session's control state, as the loop read it.
    fn on_status(&mut self, status: Status) -> Vec<Command> {
        // Once the program has ended its clock stops with it.
        let now_us = if self.model.ended { self.model.time_us } else { status.now_us.max(self.model.time_us) };
        self.status = Status { now_us, ..status };
        // Running, nobody is paused: a later pause is the user's only if they ask for it,
        // and events are no step's.
        if self.status.pause == PauseState::Running {
            self.paused_by_user = false;
            self.step_happenings = None;
        }
        self.pause_for_deadlock()
    }

    /// A step's outcome: a step taken is told by its events; a refusal says why.
    fn on_stepped(&mut self, stepped: Result<Step, StepRefused>) {
        match stepped {
            Ok(_) => {
                self.message = None;
                // The step's events will say what it did.
                self.step_happenings = Some(Vec::new());
            }
            Err(StepRefused::NotReady(tid)) if !self.model.ended => {
                // The status bar says that it cannot; the line made for words says why, and
                // what would let it go.
                self.message = Some(format!("{} cannot move now", self.model.thread_name(tid)));
                // A sleeper kept back by sleeps that end first is told which to step first.
                self.what_happened =
                    Some(wakes::wake_first(&self.model, tid).unwrap_or_else(|| self.model.why_stuck(tid)));
            }
            Err(refused) => self.message = Some(self.explain(refused)),
        }
    }

    /// Shows `model` in place of the folded one (a replay went back in time or seeked).
    fn on_reset(&mut self, model: Model) {
        self.model = model;
        self.what_happened = None;
        self.status.now_us = self.model.time_us;
        // A deadlock already in the new model is on screen; one met later pauses again.
        self.paused_for_deadlock = self.model.deadlock.as_ref().map(|deadlock| deadlock.seq);
        // A timeline looking past the new present follows it again.
        self.ui.timeline_end_us = self.ui.timeline_end_us.filter(|&end| end < self.status.now_us);
    }

    /// The deadlock to show: one that has lasted `DEADLOCK_GRACE_US` of demo time (a
    /// dropped event can make a moment look stuck until the thread's next event), or any once
    /// paused or ended, when nothing more is coming.
    #[must_use]
    pub fn confirmed_deadlock(&self) -> Option<&crate::model::Deadlock> {
        self.model.deadlock.as_ref().filter(|deadlock| {
            self.status.pause != PauseState::Running
                || self.model.ended
                || self.status.now_us.saturating_sub(deadlock.time_us) >= DEADLOCK_GRACE_US
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
        if self.status.pause == PauseState::Running { vec![Command::Pause] } else { Vec::new() }
    }
}
