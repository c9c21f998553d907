//! One explored run: a fresh controlled session whose every step a chooser picks, until the
//! program ends, deadlocks, or cannot go on; then what its events say happened.

use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;

use super::schedule::Schedule;
use super::strategy::{Chooser, Point};
use crate::event::{Tid, TraceEvent};
use crate::record::RecordTo;
use crate::session::{Choice, Session};

/// How long one step may take in real time before the run is given up: a thread that does not
/// come back to threadviz waits outside it (a std lock, a channel, I/O) or loops without calling
/// it, and exploring it would hang.
pub(crate) const PATIENCE: Duration = Duration::from_secs(10);

/// The most steps one run may take by default: a program that never ends (a polling loop
/// whose condition never comes true under some schedule) is cut there.
pub(crate) const MAX_STEPS: usize = 100_000;

/// The program under exploration: its main function and how its sessions are made.
#[derive(Clone)]
pub(crate) struct Program {
    pub(crate) body: Arc<dyn Fn() + Send + Sync>,
    /// The seed of the program's own random numbers, the same in every run.
    pub(crate) seed: u64,
    pub(crate) params: Vec<(String, i64)>,
    pub(crate) max_steps: usize,
}

impl Program {
    pub(crate) fn new(body: impl Fn() + Send + Sync + 'static) -> Self {
        Self { body: Arc::new(body), seed: 0, params: Vec::new(), max_steps: MAX_STEPS }
    }

    /// A fresh controlled session for one run.
    pub(crate) fn session(&self) -> Session {
        let mut builder = Session::builder().seed(self.seed).controlled();
        for (name, value) in &self.params {
            builder = builder.param(name.clone(), *value);
        }
        builder.build()
    }
}

/// How a run stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RunEnd {
    /// The program ended (whatever its threads did on the way).
    Completed,
    /// No thread could move, and the program had not ended.
    Deadlock,
    /// A step did not come back: this thread waits outside threadviz or loops without it.
    Stuck(Option<Tid>),
    /// The run reached the step limit.
    StepLimit(usize),
    /// The schedule being followed does not fit the program.
    Misfit(String),
}

/// One run: the schedule that made it, how it stopped, and its events.
pub(crate) struct Run {
    pub(crate) schedule: Schedule,
    /// What the chooser saw at each entry of the schedule.
    pub(crate) asked: Vec<Asked>,
    /// Steps at which more than one thing could move (fewer than the schedule's entries when
    /// a thread refused its grant).
    pub(crate) choices: usize,
    pub(crate) steps: usize,
    pub(crate) end: RunEnd,
    pub(crate) events: Vec<TraceEvent>,
}

/// One entry of a run's schedule, as it was chosen: a grant the thread refused (its wait was
/// not over) is an entry too, since what the run did next depends on it, and so is the move
/// made for the chooser when refusals leave a single option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Asked {
    /// What could move then (those that refused before it at this step left out).
    pub(crate) options: Vec<Choice>,
    /// What had moved at the step before.
    pub(crate) last: Option<Choice>,
    /// How many steps that thread had taken.
    pub(crate) taken: usize,
    /// What was chosen.
    pub(crate) chosen: Choice,
    /// Whether it refused its grant.
    pub(crate) refused: bool,
}

/// What may move, as the chooser sees it: threads by number (at the gate or poked), then time.
fn options_now(session: &Session) -> Vec<Choice> {
    let choices = session.choices();
    let mut threads: Vec<Tid> = choices.ready.iter().chain(&choices.poked).copied().collect();
    threads.sort_unstable();
    threads.dedup();
    let mut options: Vec<Choice> = threads.into_iter().map(Choice::Thread).collect();
    if choices.timeout.is_some() {
        options.push(Choice::Time);
    }
    options
}

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

/// A controlled session running a program, one step at a time: exploration drives it with a
/// strategy, the dashboard with a schedule or the class's choices.
pub(crate) struct Driver {
    session: Session,
    finished: crossbeam_channel::Receiver<()>,
    started: bool,
    pub(crate) schedule: Schedule,
    asked: Vec<Asked>,
    /// Steps taken at which more than one thing could move.
    choices: usize,
    pub(crate) steps: usize,
    pub(crate) last: Option<Choice>,
    /// Steps taken by each thread, by number (time passing counts for the thread it wakes).
    taken: HashMap<Tid, usize>,
    max_steps: usize,
}

impl Driver {
    /// Starts `program` in a fresh controlled session; `prepare` subscribes to it first.
    pub(crate) fn start(program: &Program, prepare: impl FnOnce(&Session)) -> Self {
        super::quiet::silence_panics();
        let session = program.session();
        prepare(&session);
        let (done, finished) = crossbeam_channel::bounded::<()>(1);
        let runner = {
            let session = session.clone();
            let body = program.body.clone();
            std::thread::Builder::new().name("MainThread".to_owned()).spawn(move || {
                let _ = panic::catch_unwind(AssertUnwindSafe(|| session.run(|| body())));
                let _ = done.send(());
            })
        };
        Self {
            session,
            finished,
            started: runner.is_ok(),
            schedule: Schedule::default(),
            asked: Vec::new(),
            choices: 0,
            steps: 0,
            last: None,
            taken: HashMap::new(),
            max_steps: program.max_steps,
        }
    }

    pub(crate) fn session(&self) -> &Session {
        &self.session
    }

    /// What may move now, once the last step has settled; the run's end when nothing will.
    pub(crate) fn options(&self) -> Result<Vec<Choice>, RunEnd> {
        if !self.started {
            return Err(RunEnd::Stuck(None));
        }
        if !self.session.settle(PATIENCE) {
            return Err(RunEnd::Stuck(self.session.moving()));
        }
        if !self.finished.is_empty() || self.session.finishing() {
            return Err(RunEnd::Completed);
        }
        if self.steps >= self.max_steps {
            return Err(RunEnd::StepLimit(self.steps));
        }
        let options = options_now(&self.session);
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
        let (stepped, asked) = step(&self.session, chooser, point);
        if many {
            for asked in asked {
                self.schedule.push(asked.chosen);
                self.asked.push(asked);
            }
        }
        if let Stepped::Moved(choice) = stepped {
            self.choices += usize::from(many);
            self.steps += 1;
            // Time passing moved the thread whose wait ended: that thread goes on next without
            // a preemption.
            let moved = match choice {
                Choice::Time => self.session.last_granted(),
                Choice::Thread(tid) => tid,
            };
            *self.taken.entry(moved).or_default() += 1;
            self.last = Some(Choice::Thread(moved));
        }
        stepped
    }

    /// Ends the run: stops what is left of it unless it completed, and waits (within the
    /// patience) for its main thread and its last events. A thread stuck outside threadviz may
    /// never end: its run is left behind, not waited for.
    pub(crate) fn finish(&self, end: &RunEnd) {
        if *end != RunEnd::Completed {
            self.session.abort();
        }
        let _ = self.finished.recv_timeout(PATIENCE);
        self.session.flush();
    }
}

/// Runs `program` once, `chooser` picking every step.
pub(crate) fn run_once(program: &Program, chooser: &mut dyn Chooser, record: Option<RecordTo>) -> Run {
    let mut subscription = None;
    let mut recorder = None;
    let mut driver = Driver::start(program, |session| {
        subscription = Some(session.subscribe());
        recorder = record.and_then(|to| to.attach(session).ok());
    });
    let end = loop {
        match driver.step(chooser) {
            Stepped::Moved(_) | Stepped::Nothing => {}
            Stepped::Declined(why) => break RunEnd::Misfit(why),
            Stepped::Stopped(end) => break end,
        }
    };
    driver.finish(&end);
    if let Some(recorder) = recorder {
        let _ = recorder.finish();
    }
    let events = subscription.map(|events| events.receiver().try_iter().collect()).unwrap_or_default();
    Run { schedule: driver.schedule, asked: driver.asked, choices: driver.choices, steps: driver.steps, end, events }
}

/// Chooses and grants one step at `point`, asking again without each option that refuses;
/// what came of it, and each grant made.
fn step(session: &Session, chooser: &mut dyn Chooser, point: Point<'_>) -> (Stepped, Vec<Asked>) {
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
        if !session.grant(choice) {
            let why = format!("{} could not be granted a step", super::follow::choice_words(choice));
            return (Stepped::Stopped(RunEnd::Misfit(why)), asked);
        }
        if !session.settle(PATIENCE) {
            return (Stepped::Stopped(RunEnd::Stuck(session.moving())), asked);
        }
        if !session.grant_refused() {
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
