//! The driver of one controlled run, one step at a time: the chooser asked at every step with
//! a choice, each refused grant asked again without it, the schedule and the moves written as
//! they are made.

use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};

use super::super::choosing::{Chooser, Point};
use super::super::history::{Asked, Move, Run, RunEnd};
use super::super::schedule::Schedule;

use super::{Body, Program, SessionTarget, Target};
use crate::event::{Tid, TraceEvent};
use crate::session::{Choice, Session};

/// What one step came to.
pub(crate) enum Stepped {
    /// It moved.
    Moved(Choice),
    /// Every option refused: nothing could move after all (the next look finds the end).
    Nothing,
    /// The chooser declined (a schedule that does not fit, a thread that cannot move): nothing
    /// moved, and the run can still go on.
    Declined(String),
    /// The run cannot go on.
    Stopped(RunEnd),
}

/// A controlled run, one step at a time: exploration drives it with a strategy, the dashboard
/// with a schedule or the class's choices.
pub(crate) struct Driver<T: Target = SessionTarget> {
    pub(super) target: T,
    pub(crate) schedule: Schedule,
    asked: Vec<Asked>,
    /// Steps taken at which more than one thing could move.
    choices: usize,
    pub(crate) steps: usize,
    pub(crate) last: Option<Choice>,
    /// Steps taken by each thread, by number (time passing counts for the thread it wakes).
    taken: HashMap<Tid, usize>,
    max_steps: usize,
    moves: Vec<Move>,
    redundant: bool,
}

impl Driver {
    /// Starts `program` in a fresh controlled session; `prepare` subscribes to it first.
    pub(crate) fn start(program: &Program, prepare: impl FnOnce(&Session)) -> Self {
        Self::start_in(program, program.session(), prepare)
    }

    /// [`Driver::start`] for a run read once it is over: its events are delivered when it is
    /// flushed, at its end, with no collector thread beside it. Its threads run on the parked
    /// OS threads of the exploration's pool, if it has one ([`super::with_pool`]).
    pub(crate) fn start_read_at_end(program: &Program, prepare: impl FnOnce(&Session)) -> Self {
        let mut builder = program.builder().delivered_on_flush();
        if let Some(pool) = super::pool() {
            builder = builder.pooled(&pool);
        }
        Self::start_in(program, builder.build(), prepare)
    }

    fn start_in(program: &Program, session: Session, prepare: impl FnOnce(&Session)) -> Self {
        crate::explore::quiet::silence_panics();
        prepare(&session);
        let (done, finished) = crossbeam_channel::bounded::<()>(1);
        // Only a Rust program runs in a session of this process; another cannot start here.
        let runner = match &program.body {
            Body::Rust(body) => {
                let runs = session.clone();
                let body = body.clone();
                let main = Box::new(move || {
                    let _ = panic::catch_unwind(AssertUnwindSafe(|| runs.run(|| body())));
                    let _ = done.send(());
                });
                session.spawn_counted(std::thread::Builder::new().name("MainThread".to_owned()), main).is_ok()
            }
            Body::Child(_) => false,
        };
        Self::new(SessionTarget { session, finished, started: runner, left_behind: 0 }, program.max_steps)
    }

    pub(crate) fn session(&self) -> &Session {
        &self.target.session
    }

    /// [`Driver::options`] for a reader that may not step: a session settles by itself, so it
    /// can be asked through a shared reference (the dashboard's status asks every frame).
    pub(crate) fn options_now(&self) -> Result<Vec<Choice>, RunEnd> {
        let target = &self.target;
        target.settled()?;
        if target.over() {
            return Err(RunEnd::Completed);
        }
        if self.steps >= self.max_steps {
            return Err(RunEnd::StepLimit(self.steps));
        }
        let options = target.options();
        if options.is_empty() { Err(RunEnd::Deadlock) } else { Ok(options) }
    }
}

impl<T: Target> Driver<T> {
    /// Drives `target`, cut at `max_steps` steps.
    pub(crate) fn new(target: T, max_steps: usize) -> Self {
        Self {
            target,
            schedule: Schedule::default(),
            asked: Vec::new(),
            choices: 0,
            steps: 0,
            last: None,
            taken: HashMap::new(),
            max_steps,
            moves: Vec::new(),
            redundant: false,
        }
    }

    /// What may move now, once the last step has settled; the run's end when nothing will.
    pub(crate) fn options(&mut self) -> Result<Vec<Choice>, RunEnd> {
        self.target.settle()?;
        for tid in self.target.took_alone() {
            self.moves.push(Move { granted: Choice::Thread(tid), thread: tid, choice: None, timed: None });
            self.count_step(tid);
        }
        if self.target.over() {
            return Err(RunEnd::Completed);
        }
        if self.steps >= self.max_steps {
            return Err(RunEnd::StepLimit(self.steps));
        }
        let options = self.target.options();
        if options.is_empty() {
            return Err(RunEnd::Deadlock);
        }
        Ok(options)
    }

    /// Takes one step: the only option, or the one `chooser` picks, asked again without each
    /// that refuses.
    pub(crate) fn step(&mut self, chooser: &mut dyn Chooser) -> Stepped {
        let options = match self.options() {
            Ok(options) => options,
            Err(end) => return Stepped::Stopped(end),
        };
        let many = options.len() > 1;
        let taken = match self.last {
            Some(Choice::Thread(tid)) => self.taken.get(&tid).copied().unwrap_or(0),
            _ => 0,
        };
        let point = Point { options: &options, choice: self.choices, step: self.steps, last: self.last, taken };
        let timing = self.target.timing();
        let (stepped, asked) = step(&mut self.target, chooser, point);
        if many {
            for asked in asked {
                self.schedule.push(asked.chosen);
                self.asked.push(asked);
            }
        }
        if let Stepped::Moved(choice) = stepped {
            // Time passing moved the thread whose wait ended: that thread goes on next without
            // a preemption.
            let moved = match choice {
                Choice::Time => self.target.last_granted(),
                Choice::Thread(tid) => tid,
            };
            let timed = timing.zip(self.target.timing()).map(|(before, after)| before != after);
            self.moves.push(Move { granted: choice, thread: moved, choice: many.then_some(self.choices), timed });
            self.choices += usize::from(many);
            self.count_step(moved);
        }
        stepped
    }

    fn count_step(&mut self, moved: Tid) {
        self.steps += 1;
        *self.taken.entry(moved).or_default() += 1;
        self.last = Some(Choice::Thread(moved));
    }

    /// Ends the run: stops what is left of it unless it completed.
    pub(crate) fn finish(&mut self, end: &RunEnd) {
        self.target.finish(end);
    }

    /// Drives the run to its end with `chooser`; how it ended.
    pub(super) fn run_to_end(&mut self, chooser: &mut dyn Chooser) -> RunEnd {
        let end = loop {
            if chooser.redundant() {
                // Stopped as a deadlock is (the session aborted); the run is not counted.
                self.redundant = true;
                break RunEnd::Deadlock;
            }
            match self.step(chooser) {
                Stepped::Moved(_) | Stepped::Nothing => {}
                Stepped::Declined(why) => break RunEnd::Misfit(why),
                Stepped::Stopped(end) => break end,
            }
        };
        self.finish(&end);
        end
    }

    pub(super) fn into_run(self, end: RunEnd, events: Vec<TraceEvent>) -> Run {
        Run {
            schedule: self.schedule,
            asked: self.asked,
            choices: self.choices,
            steps: self.steps,
            end,
            events,
            exit: None,
            moves: self.moves,
            redundant: self.redundant,
            left_behind: 0,
            timed_wait: false,
        }
    }
}

/// Chooses and grants one step at `point`, asking again without each option that refuses;
/// what came of it, and each grant made.
fn step(target: &mut dyn Target, chooser: &mut dyn Chooser, point: Point<'_>) -> (Stepped, Vec<Asked>) {
    let mut options = point.options.to_vec();
    let mut asked = Vec::new();
    loop {
        let point = Point { options: &options, ..point };
        let choice = match options.as_slice() {
            [] => return (Stepped::Nothing, asked),
            [only] => *only,
            _ => match chooser.choose(&point) {
                Ok(choice) => choice,
                Err(why) => return (Stepped::Declined(why), asked),
            },
        };
        asked.push(Asked {
            options: options.clone(),
            last: point.last,
            taken: point.taken,
            chosen: choice,
            refused: false,
        });
        if !target.grant(choice) {
            let why = target.why_not().unwrap_or_else(|| {
                format!("{} could not be granted a step", crate::explore::follow::choice_words(choice))
            });
            return (Stepped::Stopped(RunEnd::Misfit(why)), asked);
        }
        if let Err(end) = target.settle() {
            return (Stepped::Stopped(end), asked);
        }
        if !target.refused() {
            return (Stepped::Moved(choice), asked);
        }
        if let Some(refused) = asked.last_mut() {
            refused.refused = true;
        }
        if let Err(why) = chooser.refused(&point, choice) {
            return (Stepped::Declined(why), asked);
        }
        options.retain(|&option| option != choice);
    }
}
