//! One explored run: a fresh controlled session whose every step a chooser picks, until the
//! program ends, deadlocks, or cannot go on; then what its events say happened.

use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;

use super::schedule::Schedule;
use super::strategy::{Chooser, Point};
use parking_lot::Mutex;

use crate::child;
use crate::event::{Tid, TraceEvent};
use crate::record::RecordTo;
use crate::session::{Choice, Session};

/// How long one step may take in real time before the run is given up: a thread that does not
/// come back to threadviz waits outside it (a std lock, a channel, I/O) or loops without calling
/// it, and exploring it would hang.
pub(crate) const PATIENCE: Duration = Duration::from_secs(10);

/// How long a thread granted a step may sleep in the kernel before it is said to wait outside
/// threadviz (a std lock, a channel, `std::thread::sleep`, I/O): sooner than [`PATIENCE`],
/// which is for a thread still running, that may yet come back.
pub(crate) const OUTSIDE: Duration = Duration::from_secs(1);

/// The most steps one run may take by default: a program that never ends (a polling loop
/// whose condition never comes true under some schedule) is cut there.
pub(crate) const MAX_STEPS: usize = 100_000;

/// The program under exploration: its main function and how its sessions are made.
#[derive(Clone)]
pub(crate) struct Program {
    pub(crate) body: Body,
    /// The seed of the program's own random numbers, the same in every run.
    pub(crate) seed: u64,
    pub(crate) params: Vec<(String, i64)>,
    pub(crate) max_steps: usize,
}

/// What runs: a Rust function in a session of this process, or a program in an interpreter
/// that a fork server starts afresh for every run.
#[derive(Clone)]
pub(crate) enum Body {
    Rust(Arc<dyn Fn() + Send + Sync>),
    Child(Arc<Mutex<child::Server>>),
}

impl Program {
    pub(crate) fn new(body: impl Fn() + Send + Sync + 'static) -> Self {
        Self { body: Body::Rust(Arc::new(body)), seed: 0, params: Vec::new(), max_steps: MAX_STEPS }
    }

    /// A program in another interpreter, run by `server`.
    pub(crate) fn child(server: child::Server) -> Self {
        Self { body: Body::Child(Arc::new(Mutex::new(server))), seed: 0, params: Vec::new(), max_steps: MAX_STEPS }
    }

    /// A fresh controlled session for one run.
    pub(crate) fn session(&self) -> Session {
        self.builder().build()
    }

    fn builder(&self) -> crate::session::SessionBuilder {
        let mut builder = Session::builder().seed(self.seed).controlled();
        for (name, value) in &self.params {
            builder = builder.param(name.clone(), *value);
        }
        builder
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
    /// A program in another process: the exit status its run ended with (minus the signal
    /// that ended it), when it told; nothing for a session of this process.
    pub(crate) exit: Option<i32>,
    /// Every step that moved, in order: what was granted and which choice it was, so that a
    /// depth-first search can tell which of its choices each step's events belong to.
    pub(crate) moves: Vec<Move>,
    /// The chooser cut the run short: the rest of it repeats a run already made (or, under
    /// partial-order reduction, one equivalent to it), so it counts for nothing.
    pub(crate) redundant: bool,
}

#[cfg(test)]
impl Run {
    /// A run of `choices` choices and nothing else, for a chooser's tests.
    pub(crate) fn of_choices(choices: usize) -> Self {
        Self {
            schedule: Schedule::default(),
            asked: Vec::new(),
            choices,
            steps: choices,
            end: RunEnd::Completed,
            events: Vec::new(),
            exit: None,
            moves: Vec::new(),
            redundant: false,
        }
    }
}

/// One step that moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Move {
    /// What was granted: the thread, or time passing.
    pub(crate) granted: Choice,
    /// The thread that moved (for time passing: the one whose wait ended).
    pub(crate) thread: Tid,
    /// The choice's number in the run, when more than one thing could move.
    pub(crate) choice: Option<usize>,
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

/// What a [`Driver`] steers: a controlled session in this process, or one run of a controlled
/// interpreter. Both settle after each grant and then say what may move.
pub(crate) trait Target {
    /// Waits until the step under way has settled; the run's end when it cannot go on (a thread
    /// that never came back).
    fn settle(&mut self) -> Result<(), RunEnd>;
    /// Whether the program is over (or over but for its end).
    fn over(&self) -> bool;
    /// What may move now, once settled: threads by number, then time.
    fn options(&self) -> Vec<Choice>;
    /// Grants `choice` one step; false when it cannot move.
    fn grant(&mut self, choice: Choice) -> bool;
    /// Whether the last grant did nothing (a poked thread found its wait unsatisfied).
    fn refused(&self) -> bool;
    /// The thread the last grant moved (for time passing: the thread whose wait ended).
    fn last_granted(&self) -> Tid;
    /// Steps the target took by itself since it was last asked, each the only option, and the
    /// thread that took each.
    fn took_alone(&mut self) -> Vec<Tid> {
        Vec::new()
    }
    /// Ends the run: stops what is left of it unless it completed.
    fn finish(&mut self, end: &RunEnd);
    /// Why the last grant could not be made, when the target knows better than "it could not".
    fn why_not(&self) -> Option<String> {
        None
    }
}

/// A controlled session of this process running a Rust program.
pub(crate) struct SessionTarget {
    session: Session,
    finished: crossbeam_channel::Receiver<()>,
    started: bool,
}

impl Target for SessionTarget {
    fn settle(&mut self) -> Result<(), RunEnd> {
        if !self.started {
            return Err(RunEnd::Stuck(None));
        }
        if self.session.settle(OUTSIDE) {
            return Ok(());
        }
        // Not back within a second: asleep in the kernel, it waits outside threadviz (said at
        // once); still running, it may be computing, and has the rest of the patience.
        if let Some(asleep) = self.session.asleep_outside() {
            return Err(RunEnd::Stuck(Some(asleep)));
        }
        if self.session.settle(PATIENCE.saturating_sub(OUTSIDE)) {
            Ok(())
        } else {
            Err(RunEnd::Stuck(self.session.moving()))
        }
    }

    fn over(&self) -> bool {
        !self.finished.is_empty() || self.session.finishing()
    }

    fn options(&self) -> Vec<Choice> {
        options_now(&self.session)
    }

    fn grant(&mut self, choice: Choice) -> bool {
        self.session.grant(choice)
    }

    fn refused(&self) -> bool {
        self.session.grant_refused()
    }

    fn last_granted(&self) -> Tid {
        self.session.last_granted()
    }

    /// Waits (within the patience) for its main thread and its last events. A thread stuck
    /// outside threadviz may never end: its run is left behind, not waited for.
    fn finish(&mut self, end: &RunEnd) {
        if *end != RunEnd::Completed {
            self.session.abort();
        }
        let _ = self.finished.recv_timeout(PATIENCE);
        self.session.flush();
    }
}

/// One run of a controlled interpreter: it asks at every step with a choice, and takes the
/// steps with a single option by itself.
pub(crate) struct ChildTarget<'a> {
    run: child::ControlledRun<'a>,
    asked: Option<crate::wire::Choose>,
    over: bool,
    last_granted: Tid,
    /// Whether a step was granted since the steps were last counted: the driver counts that
    /// one itself.
    granted: bool,
    /// A run choosing itself chose otherwise than the explorer: what each chose.
    disagreed: Option<String>,
}

impl<'a> ChildTarget<'a> {
    pub(crate) fn new(run: child::ControlledRun<'a>) -> Self {
        Self { run, asked: None, over: false, last_granted: 0, granted: false, disagreed: None }
    }

    /// The run's events.
    /// Ends the run; its exit status, as its fork server tells it.
    pub(crate) fn exit_status(&mut self) -> Option<i32> {
        self.run.close()
    }

    pub(crate) fn take_events(&mut self) -> Vec<TraceEvent> {
        self.run.take_events()
    }

    /// The run's events so far, left in place (the dashboard forwards each once).
    pub(crate) fn events(&self) -> &[TraceEvent] {
        self.run.events()
    }

    /// The child's question, once settled and until granted: who may move, and whose
    /// deadline comes first.
    pub(crate) fn asked(&self) -> Option<&crate::wire::Choose> {
        self.asked.as_ref()
    }
}

impl Target for ChildTarget<'_> {
    fn settle(&mut self) -> Result<(), RunEnd> {
        if self.over || self.asked.is_some() {
            return Ok(());
        }
        match self.run.settle(PATIENCE) {
            child::Settled::Choose(choose) => {
                self.asked = Some(choose);
                Ok(())
            }
            // A run whose stream stops early still ended: the program is gone.
            child::Settled::Ended | child::Settled::Cut(_) => {
                self.over = true;
                Ok(())
            }
            child::Settled::Silent => Err(RunEnd::Stuck(Some(self.last_granted).filter(|&tid| tid != 0))),
        }
    }

    fn over(&self) -> bool {
        self.over
    }

    fn options(&self) -> Vec<Choice> {
        let Some(asked) = &self.asked else { return Vec::new() };
        let mut options: Vec<Choice> = asked.threads.iter().copied().map(Choice::Thread).collect();
        options.sort_unstable();
        options.dedup();
        if asked.time.is_some() {
            options.push(Choice::Time);
        }
        options
    }

    fn grant(&mut self, choice: Choice) -> bool {
        let Some(asked) = self.asked.take() else { return false };
        self.last_granted = match choice {
            Choice::Thread(tid) => tid,
            Choice::Time => match asked.time {
                Some((_, tid)) => tid,
                None => return false,
            },
        };
        self.granted = true;
        match asked.picked {
            // The run chose itself, drawing as the chooser does: the two agree, or the run
            // cannot be trusted (and is stopped as a misfit).
            Some(picked) => {
                let agreed = match choice {
                    Choice::Thread(tid) => picked.thread == Some(tid) && !picked.time,
                    Choice::Time => picked.time,
                };
                if !agreed {
                    self.run.kill();
                    self.disagreed = Some(format!(
                        "the interpreter chose {} where the explorer chose {}: its random draws went astray",
                        match picked.thread {
                            Some(tid) if !picked.time => super::follow::choice_words(Choice::Thread(tid)),
                            _ => super::follow::choice_words(Choice::Time),
                        },
                        super::follow::choice_words(choice),
                    ));
                }
                agreed
            }
            None => self.run.grant(choice),
        }
    }

    fn refused(&self) -> bool {
        false
    }

    fn last_granted(&self) -> Tid {
        self.last_granted
    }

    /// The steps the child's control events began, but for the one granted.
    fn took_alone(&mut self) -> Vec<Tid> {
        let mut moves = self.run.take_moves();
        if std::mem::take(&mut self.granted) && !moves.is_empty() {
            moves.remove(0);
        }
        moves
    }

    fn finish(&mut self, end: &RunEnd) {
        if *end != RunEnd::Completed {
            self.run.kill();
        }
    }

    fn why_not(&self) -> Option<String> {
        self.disagreed.clone()
    }
}

/// A controlled run, one step at a time: exploration drives it with a strategy, the dashboard
/// with a schedule or the class's choices.
pub(crate) struct Driver<T: Target = SessionTarget> {
    target: T,
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
    /// flushed, at its end, with no collector thread beside it.
    pub(crate) fn start_read_at_end(program: &Program, prepare: impl FnOnce(&Session)) -> Self {
        Self::start_in(program, program.builder().delivered_on_flush().build(), prepare)
    }

    fn start_in(program: &Program, session: Session, prepare: impl FnOnce(&Session)) -> Self {
        super::quiet::silence_panics();
        prepare(&session);
        let (done, finished) = crossbeam_channel::bounded::<()>(1);
        // Only a Rust program runs in a session of this process; another cannot start here.
        let runner = match &program.body {
            Body::Rust(body) => {
                let session = session.clone();
                let body = body.clone();
                std::thread::Builder::new()
                    .name("MainThread".to_owned())
                    .spawn(move || {
                        let _ = panic::catch_unwind(AssertUnwindSafe(|| session.run(|| body())));
                        let _ = done.send(());
                    })
                    .is_ok()
            }
            Body::Child(_) => false,
        };
        Self::new(SessionTarget { session, finished, started: runner }, program.max_steps)
    }

    pub(crate) fn session(&self) -> &Session {
        &self.target.session
    }

    /// [`Driver::options`] for a reader that may not step: a session settles by itself, so it
    /// can be asked through a shared reference (the dashboard's status asks every frame).
    pub(crate) fn options_now(&self) -> Result<Vec<Choice>, RunEnd> {
        let target = &self.target;
        if !target.started {
            return Err(RunEnd::Stuck(None));
        }
        if !target.session.settle(PATIENCE) {
            return Err(RunEnd::Stuck(target.session.moving()));
        }
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
            self.moves.push(Move { granted: Choice::Thread(tid), thread: tid, choice: None });
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
            self.moves.push(Move { granted: choice, thread: moved, choice: many.then_some(self.choices) });
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
    fn run_to_end(&mut self, chooser: &mut dyn Chooser) -> RunEnd {
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

    fn into_run(self, end: RunEnd, events: Vec<TraceEvent>) -> Run {
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
        }
    }
}

/// Runs `program` once, `chooser` picking every step.
pub(crate) fn run_once(program: &Program, chooser: &mut dyn Chooser, record: Option<RecordTo>) -> Run {
    match &program.body {
        Body::Rust(_) => run_here(program, chooser, record),
        Body::Child(server) => run_child(&mut server.lock(), program.max_steps, chooser, record),
    }
}

fn run_here(program: &Program, chooser: &mut dyn Chooser, record: Option<RecordTo>) -> Run {
    // Spawned while pinned, the run's threads stay on the explorer's CPU (see `pin`).
    let _one_cpu = super::pin::OneCpu::here();
    let mut subscription = None;
    let mut recorder = None;
    let mut driver = Driver::start_read_at_end(program, |session| {
        subscription = Some(session.subscribe());
        recorder = record.and_then(|to| to.attach(session).ok());
    });
    let end = driver.run_to_end(chooser);
    if let Some(recorder) = recorder {
        let _ = recorder.finish();
    }
    let events = subscription.map(|events| events.receiver().try_iter().collect()).unwrap_or_default();
    driver.into_run(end, events)
}

/// One run of a program in a fork server's interpreter.
fn run_child(server: &mut child::Server, max_steps: usize, chooser: &mut dyn Chooser, record: Option<RecordTo>) -> Run {
    let run = match server.run(chooser.delegate()) {
        Ok(run) => run,
        Err(why) => {
            return Run {
                schedule: Schedule::default(),
                asked: Vec::new(),
                choices: 0,
                steps: 0,
                end: RunEnd::Misfit(why),
                events: Vec::new(),
                exit: None,
                moves: Vec::new(),
                redundant: false,
            };
        }
    };
    let mut driver = Driver::new(ChildTarget::new(run), max_steps);
    let end = driver.run_to_end(chooser);
    let exit = driver.target.exit_status();
    let events = driver.target.take_events();
    if let Some(to) = record {
        let _ = record_events(to, &events);
    }
    Run { exit, ..driver.into_run(end, events) }
}

/// Writes a finished run's events as a recording; what it holds.
pub(crate) fn record_events(to: RecordTo, events: &[TraceEvent]) -> std::io::Result<crate::record::RecordSummary> {
    let (sender, receiver) = crossbeam_channel::unbounded();
    for event in events {
        let _ = sender.send(event.clone());
    }
    drop(sender);
    to.attach_events(receiver, 1.0)?.finish()
}

/// Drives one run of a controlled interpreter started for it alone (`threadviz run
/// --schedule`): the run's end, its schedule as followed, and its events.
pub(crate) fn run_controlled(run: child::ControlledRun<'_>, max_steps: usize, chooser: &mut dyn Chooser) -> Run {
    let mut driver = Driver::new(ChildTarget::new(run), max_steps);
    let end = driver.run_to_end(chooser);
    let events = driver.target.take_events();
    driver.into_run(end, events)
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
            let why = target
                .why_not()
                .unwrap_or_else(|| format!("{} could not be granted a step", super::follow::choice_words(choice)));
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
