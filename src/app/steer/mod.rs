//! The steered controller: a controlled run whose steps a schedule gives (`--schedule`) or
//! the class chooses (challenges, or after the schedule). One thread moves per step; `n` takes
//! the next step, Enter moves the selected thread, space plays the steps at the chosen speed.
//! The run is a Rust demo's controlled session or a controlled Python interpreter
//! ([`target::Runner`]); a Python program takes the steps with a single option by
//! itself, so there a step of the class's runs on to the next choice. Each step is taken on a
//! thread of its own ([`away`], [`step`]): the dashboard never waits for one to settle.

use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};

mod away;
mod guide;
mod step;
pub(crate) mod target;

use self::away::{Away, Here};
use self::guide::Known;
use crate::app::quest::Quest;
use crate::app::run::Controller;
use crate::app::{Command, Guide, Msg, Status};
use crate::catalog::Demo;
use crate::challenge::Challenge;
use crate::child::RunError;
use crate::event::TraceEvent;
use crate::explore::{Driver, Follow, Inspector, Program, RunEnd, Schedule};
use crate::record::{RecordTo, Recorder};
use crate::session::{Choice, PauseState};
use target::{PythonStart, Runner};

/// How long a played step shows at speed 1 before the next.
const PLAY_STEP: Duration = Duration::from_millis(600);

/// What the steps follow.
enum Plan {
    /// A schedule, until it ends or the class chooses otherwise.
    Schedule(Follow),
    /// The class's choices; `n` moves the next thread in turn.
    Free,
}

/// What a steered run starts, again on a restart.
enum Start {
    Rust(Program),
    Python(PythonStart),
}

/// Where the run is: the dashboard's between steps, a step's thread's while one is under way
/// (see [`away`]).
enum Hands {
    Here(Box<Here>),
    Away(Box<Away>),
}

/// The steered controller.
pub struct Steered {
    start: Start,
    schedule: Option<Schedule>,
    known: Option<Known>,
    hands: Hands,
    events: Receiver<TraceEvent>,
    playing: bool,
    speed: f64,
    next_play: Instant,
    end: Option<RunEnd>,
    recorder: Option<Recorder>,
    /// Why the plan changed, for the guide.
    left_plan: Option<String>,
    /// The run's events, for the inspector to find failures and the challenge's goal in.
    inspected: Receiver<TraceEvent>,
    inspector: Inspector,
    /// The challenge being played, if any.
    quest: Option<Quest>,
    /// What one step is, said in the headline (a Python run's grain).
    grain: Option<String>,
    /// Pinged by a step's thread once it has handed the run back, to wake the loop.
    wake: (Sender<()>, Receiver<()>),
    /// Steps asked for while a quick one was under way (keys pressed in a burst, a held `n`),
    /// each taken in turn once the one before it has been told.
    queued: std::collections::VecDeque<Option<crate::event::Tid>>,
}

impl std::fmt::Debug for Steered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let steps = self.here().map(|here| here.runner.steps());
        f.debug_struct("Steered").field("steps", &steps).field("end", &self.end).finish_non_exhaustive()
    }
}

impl Steered {
    /// Starts `program` steered by `schedule` (or by the class alone), recording to `record`.
    /// The schedule is run once first, headless, to know the step that makes its failure.
    #[must_use]
    pub(crate) fn start(program: Program, schedule: Option<Schedule>, speed: f64, record: Option<RecordTo>) -> Self {
        let goal = None;
        let known = schedule.as_ref().and_then(|schedule| Self::foresee(&program, schedule, goal));
        let (driver, events, inspected, recorder) = Self::launch(&program, record);
        Self::with(
            Start::Rust(program),
            Runner::Session(driver),
            (events, inspected),
            schedule,
            known,
            speed,
            recorder,
            None,
        )
    }

    /// Starts `demo` (with `params`) steered by the schedule `schedule`, at speed 1; the error
    /// says what in the schedule does not read.
    pub fn for_schedule(demo: &'static Demo, params: &[(String, i64)], schedule: &str) -> Result<Self, String> {
        let schedule = Schedule::parse(schedule).map_err(|error| error.to_string())?;
        let mut program = Program::new(demo.main);
        program.params = params.to_vec();
        Ok(Self::start(program, Some(schedule), 1.0, None))
    }

    /// Starts `challenge`: the class chooses every step, the goal is looked for, and the search
    /// for its shortest solution runs beside it.
    #[must_use]
    pub fn challenge(challenge: &'static Challenge, speed: f64) -> Self {
        let mut program = Program::new(challenge.demo().main);
        program.params = challenge.params();
        let quest = Quest::new(challenge, &program);
        let (driver, events, inspected, _) = Self::launch(&program, None);
        Self::with(
            Start::Rust(program),
            Runner::Session(driver),
            (events, inspected),
            None,
            None,
            speed,
            None,
            Some(quest),
        )
    }

    /// Starts a Python program controlled, steered by `schedule`: it is followed once
    /// first, headless in an interpreter of its own, to know the step that makes its failure.
    pub(crate) fn python(start: PythonStart, schedule: Schedule, speed: f64) -> Result<Self, RunError> {
        let known = Self::foresee_python(&start, &schedule, None)?;
        let (runner, events, inspected) = Self::launch_python(&start)?;
        Ok(Self::with(Start::Python(start), runner, (events, inspected), Some(schedule), known, speed, None, None))
    }

    /// Starts `challenge` on its Python twin: the class chooses every step, and the search
    /// for the shortest solution runs on `searched` (a fork server of the same program);
    /// `grain` says what one step is.
    pub(crate) fn python_challenge(
        challenge: &'static Challenge,
        start: PythonStart,
        searched: &Program,
        grain: String,
    ) -> Result<Self, RunError> {
        let quest = Quest::new(challenge, searched);
        let (runner, events, inspected) = Self::launch_python(&start)?;
        let mut steered =
            Self::with(Start::Python(start), runner, (events, inspected), None, None, 1.0, None, Some(quest));
        steered.grain = Some(grain);
        Ok(steered)
    }

    #[allow(clippy::too_many_arguments, reason = "one constructor behind the four ways to start")]
    fn with(
        start: Start,
        runner: Runner,
        (events, inspected): (Receiver<TraceEvent>, Receiver<TraceEvent>),
        schedule: Option<Schedule>,
        known: Option<Known>,
        speed: f64,
        recorder: Option<Recorder>,
        quest: Option<Quest>,
    ) -> Self {
        let goal = quest.as_ref().map(|quest| quest.challenge.goal);
        let plan = schedule.clone().map_or(Plan::Free, |schedule| Plan::Schedule(Follow::new(schedule)));
        Self {
            start,
            schedule,
            known,
            hands: Hands::Here(Box::new(Here { runner, plan })),
            events,
            playing: false,
            speed,
            next_play: Instant::now(),
            end: None,
            recorder,
            left_plan: None,
            inspected,
            inspector: Inspector::new(goal),
            quest,
            grain: None,
            wake: crossbeam_channel::unbounded(),
            queued: std::collections::VecDeque::new(),
        }
    }

    /// The run and its plan, between steps.
    fn here(&self) -> Option<&Here> {
        match &self.hands {
            Hands::Here(here) => Some(here),
            Hands::Away(_) => None,
        }
    }

    fn here_mut(&mut self) -> Option<&mut Here> {
        match &mut self.hands {
            Hands::Here(here) => Some(here),
            Hands::Away(_) => None,
        }
    }

    fn launch(
        program: &Program,
        record: Option<RecordTo>,
    ) -> (Driver, Receiver<TraceEvent>, Receiver<TraceEvent>, Option<Recorder>) {
        let mut events = None;
        let mut inspected = None;
        let mut recorder = None;
        let mut driver = Driver::start(program, |session| {
            events = Some(session.subscribe().receiver().clone());
            inspected = Some(session.subscribe().receiver().clone());
            recorder = record.and_then(|to| to.attach(session).ok());
        });
        // The screen starts with the program at its first operation, `MainThread` on it
        // to be selected: what a learner chooses from before the first step.
        let _ = driver.options();
        driver.session().flush();
        let never = crossbeam_channel::never;
        (driver, events.unwrap_or_else(never), inspected.unwrap_or_else(never), recorder)
    }

    /// Starts a Python program controlled, settled at its first question.
    fn launch_python(start: &PythonStart) -> Result<(Runner, Receiver<TraceEvent>, Receiver<TraceEvent>), RunError> {
        let (mut runner, events, inspected) = Runner::python(start, crate::explore::MAX_STEPS)?;
        let _ = runner.options();
        Ok((runner, events, inspected))
    }

    /// Starts the program again, following `schedule` (or the class); why it could not. A
    /// step under way is stopped first: its run is taken back if it comes within a moment,
    /// else left to end on the step's thread.
    fn restart(&mut self, schedule: Option<Schedule>) -> Result<(), String> {
        self.queued.clear();
        self.stop_away();
        if let Some(here) = self.here_mut() {
            here.runner.finish(&RunEnd::Misfit(String::new()));
        }
        let plan = || schedule.clone().map_or(Plan::Free, |schedule| Plan::Schedule(Follow::new(schedule)));
        let goal = self.quest.as_ref().map(|quest| quest.challenge.goal);
        match &self.start {
            Start::Rust(program) => {
                let (driver, events, inspected, _) = Self::launch(program, None);
                let runner = Runner::Session(driver);
                (self.hands, self.events, self.inspected) =
                    (Hands::Here(Box::new(Here { runner, plan: plan() })), events, inspected);
                self.known = schedule.as_ref().and_then(|schedule| Self::foresee(program, schedule, goal));
            }
            Start::Python(start) => {
                let known = match &schedule {
                    Some(schedule) => Self::foresee_python(start, schedule, goal),
                    None => Ok(None),
                };
                let launched = known.and_then(|known| Ok((known, Self::launch_python(start)?)));
                match launched {
                    Ok((known, (runner, events, inspected))) => {
                        let here = Box::new(Here { runner, plan: plan() });
                        (self.hands, self.events, self.inspected) = (Hands::Here(here), events, inspected);
                        self.known = known;
                    }
                    Err(error) => {
                        let why = format!("cannot start the program again: {}", error.message);
                        self.end = Some(RunEnd::Misfit(why.clone()));
                        return Err(why);
                    }
                }
            }
        }
        self.schedule = schedule;
        self.inspector = Inspector::new(goal);
        self.end = None;
        self.playing = false;
        self.left_plan = None;
        if let Some(quest) = &mut self.quest {
            quest.reached = None;
            quest.chose = false;
        }
        Ok(())
    }

    /// Folds the events of the steps so far into the inspector, and notes when the goal is reached.
    fn observe(&mut self) {
        if let Some(here) = self.here() {
            here.runner.flush();
        }
        for event in self.inspected.try_iter() {
            self.inspector.apply(&event);
        }
        if let Some(end) = &self.end {
            self.inspector.close(end);
        }
        if let Some(quest) = &mut self.quest
            && quest.reached.is_none()
        {
            quest.reached.clone_from(&self.inspector.reached);
        }
    }

    /// `s`: the shortest solution to watch, or the proof that there is none.
    fn solution(&mut self) -> Msg {
        let Some(quest) = &mut self.quest else {
            return Msg::Note(super::live::NO_CHALLENGE.to_owned());
        };
        // A way to the goal is worth showing as soon as one is known; that there is none is
        // known only once every interleaving has run.
        let Some(found) = quest.search.best() else {
            let runs = crate::explore::thousands(quest.search.runs());
            return Msg::Note(format!("still exploring ({runs} interleavings so far): try again in a moment"));
        };
        quest.gave_up = true;
        match found.shortest {
            Some((_, _, schedule)) => {
                // A fresh run: the view starts again from an empty model, as for `r`.
                match self.restart(Some(schedule)) {
                    Ok(()) => Msg::Reset(Box::default()),
                    Err(why) => Msg::Note(why),
                }
            }
            None if found.exhaustive => Msg::Note(format!("impossible: {}", found.proof())),
            None => Msg::Note(format!("no way found: {}", found.proof())),
        }
    }

    /// Whether the challenge's search is over (its answer is known).
    #[must_use]
    pub fn searched(&self) -> bool {
        self.quest.as_ref().is_some_and(|quest| quest.search.found().is_some())
    }

    /// Whether the run is over (ended, or deadlocked and kept on screen).
    #[must_use]
    pub fn is_over(&self) -> bool {
        self.end.is_some()
    }

    /// The recorder, once the run is over, to finish.
    pub fn take_recorder(&mut self) -> Option<Recorder> {
        self.recorder.take()
    }

    /// The thread the next step moves, if the plan knows it.
    fn next_thread(here: &Here) -> Option<Choice> {
        let options = here.runner.options_now().ok()?;
        match (&here.plan, options.as_slice()) {
            (_, [only]) => Some(*only),
            (Plan::Schedule(follow), _) => follow.next_choice(&options, here.runner.last()),
            (Plan::Free, _) => None,
        }
    }

    /// Waits up to `patience` for the step under way, if any, to settle, and tells what came
    /// of it as the loop's turn would ([`Controller::tick`]): for a caller without the loop.
    pub fn wait_step(&mut self, patience: Duration) -> Option<Msg> {
        self.settled(patience)
    }

    /// Whether a step is under way.
    #[must_use]
    pub fn stepping(&self) -> bool {
        matches!(self.hands, Hands::Away(_))
    }
}

#[cfg(test)]
impl Steered {
    /// Whether a step is under way and went off less than a moment ago.
    fn away_young(&self) -> bool {
        matches!(&self.hands, Hands::Away(away) if away.young())
    }
}

impl Controller for Steered {
    /// The run's events, held back while a step is under way (see `Away`).
    fn events(&self) -> &Receiver<TraceEvent> {
        match &self.hands {
            Hands::Here(_) => &self.events,
            Hands::Away(away) => &away.held,
        }
    }

    fn status(&self) -> Status {
        let here = match &self.hands {
            Hands::Here(here) => here,
            Hands::Away(away) => return self.status_away(away),
        };
        let (ready, ready_at) = here.runner.ready();
        Status {
            now_us: here.runner.now_us(),
            pause: if self.playing { PauseState::Running } else { PauseState::Paused },
            speed: self.speed,
            dropped: 0,
            ready,
            ready_at,
        }
    }

    fn apply(&mut self, command: Command) -> Option<Msg> {
        match command {
            Command::Pause => self.playing = false,
            Command::Resume => {
                self.playing = self.end.is_none();
                self.next_play = Instant::now();
            }
            Command::Step(target) => return self.step(target),
            Command::SetSpeed(speed) => self.speed = speed,
            Command::Restart => {
                // A challenge starts the learner's own game again, also after `s` showed the
                // shortest way; a schedule is followed again from its start.
                let schedule = if self.quest.is_some() { None } else { self.schedule.clone() };
                if let Err(why) = self.restart(schedule) {
                    return Some(Msg::Note(why));
                }
            }
            Command::Solution => return Some(self.solution()),
            Command::StepBack | Command::Seek(_) => {
                return Some(Msg::Note(super::live::ONLY_REPLAYS_GO_BACK.to_owned()));
            }
            // Stops what is left of the run (a run already over has nothing left to stop); a
            // step under way is stopped from outside first.
            Command::Quit => {
                self.queued.clear();
                if !self.stop_away()
                    && let Some(here) = self.here_mut()
                {
                    here.runner.finish(&RunEnd::Misfit(String::new()));
                }
            }
        }
        None
    }

    fn tick(&mut self) -> Option<Msg> {
        if self.stepping() {
            return self.settled(Duration::ZERO).or_else(|| self.moving_note());
        }
        if let Some(target) = self.queued.pop_front() {
            return self.step(target);
        }
        if !self.playing || Instant::now() < self.next_play {
            return None;
        }
        self.next_play = Instant::now() + PLAY_STEP.div_f64(self.speed.max(0.1));
        self.step(None)
    }

    fn guide(&self) -> Option<Guide> {
        Some(match &self.hands {
            Hands::Here(here) => self.guide_now(here),
            Hands::Away(away) => away.guide.clone(),
        })
    }

    fn wakes(&self) -> Option<&Receiver<()>> {
        Some(&self.wake.1)
    }
}

/// Runs a steered program under the dashboard, until the user quits; the terminal is restored
/// however it ends. Returns what was recorded, when recording.
pub(crate) fn open(
    subject: super::Subject,
    appearance: super::Appearance,
    launch: &super::launch::Launch,
    start: impl FnOnce() -> Steered,
) -> std::io::Result<Option<std::io::Result<crate::record::RecordSummary>>> {
    let mut steered = None;
    let inspected = super::run::open_dashboard(subject, appearance, launch, &mut steered, || Ok(start()));
    let recorded = steered.and_then(|mut steered| steered.take_recorder()).map(Recorder::finish);
    inspected.map(|()| recorded)
}

#[cfg(test)]
mod tests;
