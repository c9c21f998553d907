//! One step of a steered run, in two halves around the step's own thread ([`super::away`]):
//! what the class or the plan asks for is worked out here and the step sent off; once it has
//! settled, what came of it is told. In between the dashboard goes on: the status line says
//! that the thread is moving, a second step is refused, quitting stops the run.

use std::time::Duration;

use super::away::{self, Away, Back, How};
use super::guide::ended_words;
use super::{Hands, Plan, Steered};
use crate::app::run::Controller;
use crate::app::{Msg, Status};
use crate::event::Tid;
use crate::explore::{RunEnd, Stepped};
use crate::session::{Choice, PauseState, Step, StepRefused};

/// The most steps kept while a quick one is under way (a held key's repeats).
const QUEUED_AT_MOST: usize = 32;

impl Steered {
    /// Begins one step: `target`, or what the plan says. A reply at once when it cannot be
    /// taken; otherwise the step goes off, and [`Steered::settled`] tells what came of it.
    pub(super) fn step(&mut self, target: Option<Tid>) -> Option<Msg> {
        if let Some(end) = &self.end {
            return Some(Msg::Note(ended_words(end)));
        }
        let Hands::Here(here) = &mut self.hands else { return self.queue_or_refuse(target) };
        // Between steps the run has settled (its last step did, on its thread): this is
        // answered at once.
        let options = match here.runner.options() {
            Ok(options) => options,
            Err(end) => return Some(self.ended(end, false)),
        };
        let how = match target {
            Some(tid) => {
                let timeout_thread = here.runner.timeout_thread();
                let choice = if options.contains(&Choice::Thread(tid)) {
                    Choice::Thread(tid)
                } else if timeout_thread == Some(tid) && options.contains(&Choice::Time) {
                    Choice::Time
                } else {
                    return Some(Msg::Stepped(Err(StepRefused::NotReady(tid))));
                };
                match &here.plan {
                    // The schedule's own next step: it stays on the schedule.
                    Plan::Schedule(follow) if follow.next_choice(&options, here.runner.last()) == Some(choice) => {
                        How::Schedule
                    }
                    Plan::Schedule(_) => {
                        let at = here.runner.steps() + 1;
                        here.plan = Plan::Free;
                        self.left_plan = Some(format!("left the schedule at step {at}: you choose from here"));
                        How::Choice(choice)
                    }
                    Plan::Free => How::Choice(choice),
                }
            }
            None => match &here.plan {
                Plan::Schedule(follow) if follow.left() > 0 || options.len() == 1 => How::Schedule,
                Plan::Schedule(_) => {
                    here.plan = Plan::Free;
                    self.left_plan = Some("the schedule is over: you choose from here".to_owned());
                    How::Turn
                }
                Plan::Free => How::Turn,
            },
        };
        self.send(how)
    }

    /// Sends the step `how` off with the run, showing meanwhile what the screen showed.
    fn send(&mut self, how: How) -> Option<Msg> {
        let Hands::Here(here) = &self.hands else { return Some(self.busy()) };
        let shown = (self.status(), self.guide_now(here));
        let (away, answer) = Away::new(here.runner.watch(), how, shown);
        let here = match std::mem::replace(&mut self.hands, Hands::Away(Box::new(away))) {
            Hands::Here(here) => here,
            away @ Hands::Away(_) => {
                self.hands = away;
                return Some(self.busy());
            }
        };
        match away::spawn(here, how, answer, self.wake.0.clone()) {
            Ok(()) => None,
            Err((here, error)) => {
                self.hands = Hands::Here(here);
                Some(Msg::Note(format!("cannot take the step: no thread for it ({error})")))
            }
        }
    }

    /// What the step under way came to, once it has settled (waiting up to `patience` for
    /// it); None while it has not, or when no step is under way or it had nothing to say.
    pub(super) fn settled(&mut self, patience: Duration) -> Option<Msg> {
        let Hands::Away(away) = &self.hands else { return None };
        let back = if patience.is_zero() { away.poll() } else { away.wait(patience) }?;
        let chosen = away.chosen.is_some();
        Some(self.told(back, chosen)).flatten()
    }

    /// Takes the run back from a step that has settled, and tells what came of it.
    fn told(&mut self, back: Back, chosen: bool) -> Option<Msg> {
        let Back { here, stepped, finished } = back;
        self.hands = Hands::Here(Box::new(here));
        match stepped {
            Stepped::Moved(choice) => {
                if chosen && let Some(quest) = &mut self.quest {
                    quest.chose = true;
                }
                let step = match choice {
                    Choice::Thread(thread) => Step { thread, advanced: false },
                    Choice::Time => {
                        let thread = self.here().map_or(0, |here| here.runner.last_granted());
                        Step { thread, advanced: true }
                    }
                };
                // Reaching the goal is said above the table; the line under it tells the step.
                self.observe();
                Some(Msg::Stepped(Ok(step)))
            }
            Stepped::Nothing => None,
            Stepped::Declined(why) => {
                self.queued.clear();
                if let Some(here) = self.here_mut()
                    && matches!(here.plan, Plan::Schedule(_))
                {
                    here.plan = Plan::Free;
                    self.left_plan = Some(format!("{why}; you choose from here"));
                }
                Some(Msg::Note(why))
            }
            Stepped::Stopped(end) => Some(self.ended(end, finished)),
        }
    }

    /// The run has ended as `end`; `finished` when it has been ended already.
    pub(super) fn ended(&mut self, end: RunEnd, finished: bool) -> Msg {
        self.playing = false;
        self.queued.clear();
        self.inspector.close(&end);
        // A deadlock stays on screen, its threads blocked where they are, until the class
        // restarts or quits; any other end is over already.
        if end != RunEnd::Deadlock
            && !finished
            && let Some(here) = self.here_mut()
        {
            here.runner.finish(&end);
        }
        let note = ended_words(&end);
        self.end = Some(end);
        self.observe();
        Msg::Note(note)
    }

    /// A step asked for while one is under way: kept, to be taken once that one has been told,
    /// while it is quick (keys pressed in a burst are each a step, as they were when a step
    /// was taken at once); refused once it has been under way for a moment (the status line
    /// says its thread is moving, and a step queued behind a thread stuck outside threadviz
    /// would only wait for a run about to end).
    fn queue_or_refuse(&mut self, target: Option<Tid>) -> Option<Msg> {
        match &self.hands {
            Hands::Away(away) if away.young() && self.queued.len() < QUEUED_AT_MOST => {
                self.queued.push_back(target);
                None
            }
            _ => Some(self.busy()),
        }
    }

    /// A step asked for while one has been under way for a moment: refused.
    pub(super) fn busy(&self) -> Msg {
        match &self.hands {
            Hands::Away(away) if let Some(tid) = away.moving() => Msg::Stepped(Err(StepRefused::Busy(tid))),
            _ => Msg::Note("the step under way has not settled yet".to_owned()),
        }
    }

    /// While a step has been under way for more than a moment, the status line says that
    /// its thread is moving (once a step).
    pub(super) fn moving_note(&mut self) -> Option<Msg> {
        let Hands::Away(away) = &mut self.hands else { return None };
        if away.told {
            return None;
        }
        let tid = away.moving_long()?;
        away.told = true;
        // The class should see this step through before asking for more.
        self.queued.clear();
        for event in self.inspected.try_iter() {
            self.inspector.apply(&event);
        }
        let name = self.inspector.model.thread_name(tid);
        Some(Msg::Note(format!("{name} is running its step…")))
    }

    /// The state shown while a step is under way: as it began, its thread stepping (once it
    /// has been under way for more than a moment: a quick step does not flash the badge).
    pub(super) fn status_away(&self, away: &Away) -> Status {
        let moving = away.moving_long();
        let pause = match moving {
            _ if self.playing => PauseState::Running,
            Some(tid) => PauseState::Stepping(tid),
            None => PauseState::Paused,
        };
        let mut status = Status { pause, speed: self.speed, ..away.status.clone() };
        if let Some(tid) = moving {
            status.ready.retain(|&ready| ready != tid);
            status.ready_at.remove(&tid);
        }
        status
    }

    /// Stops the step under way, if any, from outside, and takes the run back when it comes
    /// back soon; a run that does not is left to end by itself.
    pub(super) fn stop_away(&mut self) -> bool {
        let Hands::Away(away) = &mut self.hands else { return false };
        match away.stop() {
            Some(back) => {
                let finished = back.finished;
                self.hands = Hands::Here(Box::new(back.here));
                finished
            }
            None => true,
        }
    }
}
