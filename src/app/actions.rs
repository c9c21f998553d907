//! What each key's action does to the app, and the commands it asks the loop for.

use super::Seek;
use super::keys::Action;
use super::speed::next_speed;
use super::{Answers, App, Command, Overlay};
use crate::event::Tid;
use crate::model::Model;
use crate::session::{PauseState, StepRefused};

impl App {
    pub(super) fn explain(&self, refused: StepRefused) -> String {
        if self.model.ended {
            return "the program has ended: space or r runs it again, q quits".to_owned();
        }
        match refused {
            StepRefused::Busy(tid) => format!("{} is still finishing its step", self.model.thread_name(tid)),
            other => other.to_string(),
        }
    }

    pub(super) fn act(&mut self, action: Action) -> Vec<Command> {
        self.message = None;
        match action {
            Action::Quit => {
                self.quit = true;
                return vec![Command::Quit];
            }
            // The terminal has suspended the process and taken the screen back by now.
            Action::Suspend => {}
            // At the end there is nothing to pause: space runs the program again, as a player
            // does at the end of a film.
            Action::TogglePause if self.model.ended => {
                self.paused_by_user = false;
                return self.restart(vec![Command::Resume, Command::Restart]);
            }
            Action::TogglePause => {
                if self.status.pause != PauseState::Running {
                    // Going on past the moment: the question has been asked.
                    self.ui.overlays.retain(|&overlay| overlay != Overlay::Moment);
                }
                self.paused_by_user = self.status.pause == PauseState::Running;
                return vec![if self.paused_by_user { Command::Pause } else { Command::Resume }];
            }
            Action::Step => return self.step(None),
            Action::StepSelected => return self.step(self.selected_thread()),
            Action::SpeedUp | Action::SlowDown => {
                return vec![Command::SetSpeed(next_speed(self.status.speed, action == Action::SpeedUp))];
            }
            // After the end, a restart runs unless the user paused: a pause the app made (for
            // a deadlock) is not kept.
            Action::Restart if self.model.ended && self.status.pause != PauseState::Running && !self.paused_by_user => {
                return self.restart(vec![Command::Resume, Command::Restart]);
            }
            Action::Restart => return self.restart(vec![Command::Restart]),
            Action::Solution => return vec![Command::Solution],
            // A replay pauses itself to step back; a live session refuses with a message.
            Action::StepBack => return vec![Command::StepBack],
            Action::SeekBack => return vec![Command::Seek(Seek::By(-0.1))],
            Action::SeekForward => return vec![Command::Seek(Seek::By(0.1))],
            Action::SeekStart => return vec![Command::Seek(Seek::Share(0.0))],
            Action::SeekEnd => return vec![Command::Seek(Seek::Share(1.0))],
            Action::GoTo => self.open_prompt(),
            Action::FocusNext | Action::FocusPrevious => {
                self.ui.focus = self.ui.focus.cycle(action == Action::FocusNext);
            }
            Action::Zoom => self.ui.zoomed = !self.ui.zoomed,
            Action::Present => self.set_present(!self.ui.present),
            Action::Help => {
                self.ui.help_top = 0;
                self.ui.toggle(Overlay::Help);
            }
            Action::WaitFor => self.ui.toggle(Overlay::WaitFor),
            Action::Notes if self.subject.lesson.is_some() => {
                self.ui.toggle(Overlay::Notes);
                self.ui.answers = Answers::Hidden;
            }
            Action::Reveal if self.shows(Overlay::Notes) || self.shows(Overlay::Moment) => {
                self.ui.answers = if self.ui.answers == Answers::Hidden { Answers::Shown } else { Answers::Hidden };
            }
            Action::Reveal => self.message = Some("no question on screen: l shows the lesson notes".to_owned()),
            Action::Notes => self.message = Some("this program has no lesson notes".to_owned()),
            Action::Back => {
                if self.ui.overlays.pop().is_none() {
                    self.ui.zoomed = false;
                }
            }
            Action::Select(row) => {
                let row = usize::from(row) - 1;
                if row < self.model.threads.len() {
                    self.ui.selected = row;
                    self.ui.source_offset = 0;
                }
            }
            Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Top | Action::Bottom => {
                self.scroll(action);
            }
            Action::Earlier | Action::Later | Action::ZoomOut | Action::ZoomIn => self.move_timeline(action),
        }
        Vec::new()
    }

    /// Empties the view for a fresh run; `commands` start it.
    fn restart(&mut self, commands: Vec<Command>) -> Vec<Command> {
        self.model = Model::new();
        self.what_happened = None;
        // The new run reaches the moment again.
        self.moment_asked_at = None;
        self.ui.overlays.retain(|&overlay| overlay != Overlay::Moment);
        self.paused_for_deadlock = None;
        self.last_stepped = 0;
        self.ui.selected = 0;
        self.ui.log_back = 0;
        commands
    }

    fn step(&mut self, thread: Option<Tid>) -> Vec<Command> {
        // Stepping is choosing to be paused.
        self.paused_by_user = true;
        if self.status.pause == PauseState::Running {
            // Stepping a running session first pauses it, as a debugger's "step" does.
            return vec![Command::Pause, Command::Step(thread)];
        }
        vec![Command::Step(thread)]
    }
}
