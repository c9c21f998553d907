//! The steered controller: a controlled session whose steps a schedule gives (`--schedule`) or
//! the class chooses (challenges, or after the schedule). One thread moves per step; `n` takes
//! the next step, Enter moves the selected thread, space plays the steps at the chosen speed.

use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;

use super::quest::Quest;
use super::run::{Controller, Status};
use super::{Command, Msg};
use crate::catalog::Demo;
use crate::challenge::Challenge;
use crate::event::{Tid, TraceEvent};
use crate::explore::{Driver, Follow, Goal, Pick, Program, RoundRobin, RunEnd, Schedule, Stepped, Watch};
use crate::record::{RecordTo, Recorder};
use crate::session::{Choice, PauseState, Step, StepRefused};

/// How long a played step shows at speed 1 before the next.
const PLAY_STEP: Duration = Duration::from_millis(600);

/// What a steered run shows above the thread table: what it follows or aims at, and what
/// comes next. Pure data, drawn by `view::guide`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guide {
    /// What the run follows or aims at, with where it is: `schedule: step 4 of 37`.
    pub headline: String,
    /// What comes next or what came of it.
    pub detail: Option<String>,
    /// What the next step makes, when it is the one the lesson is about (the overwrite, the
    /// acquire that closes the cycle): `lost update: ...`.
    pub alert: Option<String>,
    /// What moves next, when the plan knows.
    pub next: Option<Next>,
}

/// What moves at the next step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// This thread.
    Thread(Tid),
    /// Demo time passes to the earliest deadline.
    Time,
}

/// What the steps follow.
enum Plan {
    /// A schedule, until it ends or the class chooses otherwise.
    Schedule(Follow),
    /// The class's choices; `n` moves the next thread in turn.
    Free,
}

/// What the schedule is known to lead to, found by running it once before: the step that
/// reaches the goal or makes its first failure, and how.
struct Known {
    step: usize,
    what: String,
}

/// The steered controller.
pub struct Steered {
    program: Program,
    schedule: Option<Schedule>,
    known: Option<Known>,
    driver: Driver,
    events: Receiver<TraceEvent>,
    plan: Plan,
    playing: bool,
    speed: f64,
    next_play: Instant,
    end: Option<RunEnd>,
    recorder: Option<Recorder>,
    /// Why the plan changed, for the guide.
    left_plan: Option<String>,
    /// The run's events, watched for failures and the challenge's goal.
    watched: Receiver<TraceEvent>,
    watch: Watch,
    /// The challenge being played, if any.
    quest: Option<Quest>,
}

impl std::fmt::Debug for Steered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Steered").field("steps", &self.driver.steps).field("end", &self.end).finish_non_exhaustive()
    }
}

impl Steered {
    /// Starts `program` steered by `schedule` (or by the class alone), recording to `record`.
    /// The schedule is run once first, headless, to know the step that makes its failure.
    #[must_use]
    pub(crate) fn start(program: Program, schedule: Option<Schedule>, speed: f64, record: Option<RecordTo>) -> Self {
        Self::begin(program, schedule, speed, record, None)
    }

    /// Starts `demo` (with `params`) steered by the schedule `schedule`, at speed 1; the error
    /// says what in the schedule does not read.
    pub fn for_schedule(demo: &'static Demo, params: &[(String, i64)], schedule: &str) -> Result<Self, String> {
        let schedule = Schedule::parse(schedule).map_err(|error| error.to_string())?;
        let mut program = Program::new(demo.main);
        program.params = params.to_vec();
        Ok(Self::start(program, Some(schedule), 1.0, None))
    }

    /// Starts `challenge`: the class chooses every step, the goal is watched, and the search
    /// for its shortest solution runs beside it.
    #[must_use]
    pub fn challenge(challenge: &'static Challenge, speed: f64) -> Self {
        let mut program = Program::new(challenge.demo().main);
        program.params = challenge.params();
        let quest = Quest::new(challenge, &program);
        Self::begin(program, None, speed, None, Some(quest))
    }

    fn begin(
        program: Program,
        schedule: Option<Schedule>,
        speed: f64,
        record: Option<RecordTo>,
        quest: Option<Quest>,
    ) -> Self {
        let goal = quest.as_ref().map(|quest| quest.challenge.goal);
        let known = schedule.as_ref().and_then(|schedule| Self::foresee(&program, schedule, goal));
        let (driver, events, watched, recorder) = Self::launch(&program, record);
        let plan = schedule.clone().map_or(Plan::Free, |schedule| Plan::Schedule(Follow::new(schedule)));
        Self {
            program,
            schedule,
            known,
            driver,
            events,
            plan,
            playing: false,
            speed,
            next_play: Instant::now(),
            end: None,
            recorder,
            left_plan: None,
            watched,
            watch: Watch::new(goal),
            quest,
        }
    }

    /// Runs `schedule` once, headless: where it reaches `goal`, or makes its first failure.
    fn foresee(program: &Program, schedule: &Schedule, goal: Option<Goal>) -> Option<Known> {
        let run = crate::explore::run_once(program, &mut Follow::new(schedule.clone()), None);
        let (outcome, _) = crate::explore::Outcome::of(run, goal);
        if let Some((step, text)) = outcome.reached {
            return Some(Known { step, what: format!("the goal: {text}") });
        }
        let first = outcome.findings.iter().min_by_key(|finding| finding.step)?;
        // A lost update's finding counts what it lost (`lost 1 update on counter: …`): the
        // announcement names the event instead (`the lost update on counter: …`).
        let counted = first.text.strip_prefix("lost ").and_then(|rest| rest.split_once(" on "));
        let what = if let Some((count, rest)) =
            counted.filter(|(count, _)| count.ends_with("update") || count.ends_with("updates"))
        {
            if count == "1 update" {
                format!("the lost update on {rest}")
            } else {
                format!("the loss of {count} on {rest}")
            }
        } else if first.text.starts_with(first.kind.words()) {
            format!("the {}", first.text)
        } else {
            format!("the {}: {}", first.kind.words(), first.text)
        };
        Some(Known { step: first.step, what })
    }

    fn launch(
        program: &Program,
        record: Option<RecordTo>,
    ) -> (Driver, Receiver<TraceEvent>, Receiver<TraceEvent>, Option<Recorder>) {
        let mut events = None;
        let mut watched = None;
        let mut recorder = None;
        let mut driver = Driver::start(program, |session| {
            events = Some(session.subscribe().receiver().clone());
            watched = Some(session.subscribe().receiver().clone());
            recorder = record.and_then(|to| to.attach(session).ok());
        });
        // The screen starts with the program at its first operation, `MainThread` on it
        // to be selected: what a learner chooses from before the first step.
        let _ = driver.options();
        driver.session().flush();
        let never = crossbeam_channel::never;
        (driver, events.unwrap_or_else(never), watched.unwrap_or_else(never), recorder)
    }

    /// Starts the program again, following `schedule` (or the class).
    fn restart(&mut self, schedule: Option<Schedule>) {
        self.driver.finish(&RunEnd::Misfit(String::new()));
        let (driver, events, watched, _) = Self::launch(&self.program, None);
        (self.driver, self.events, self.watched) = (driver, events, watched);
        let goal = self.quest.as_ref().map(|quest| quest.challenge.goal);
        self.known = schedule.as_ref().and_then(|schedule| Self::foresee(&self.program, schedule, goal));
        self.plan = schedule.clone().map_or(Plan::Free, |schedule| Plan::Schedule(Follow::new(schedule)));
        self.schedule = schedule;
        self.watch = Watch::new(goal);
        self.end = None;
        self.playing = false;
        self.left_plan = None;
        if let Some(quest) = &mut self.quest {
            quest.reached = None;
            quest.chose = false;
        }
    }

    /// Folds the events of the steps so far into the watch, and notes when the goal is reached.
    fn observe(&mut self) {
        self.driver.session().flush();
        for event in self.watched.try_iter() {
            self.watch.apply(&event);
        }
        if let Some(end) = &self.end {
            self.watch.close(end);
        }
        if let Some(quest) = &mut self.quest
            && quest.reached.is_none()
        {
            quest.reached.clone_from(&self.watch.reached);
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
                self.restart(Some(schedule));
                Msg::Reset(Box::default())
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

    /// Takes one step: `target`, or what the plan says.
    fn step(&mut self, target: Option<Tid>) -> Option<Msg> {
        if let Some(end) = &self.end {
            return Some(Msg::Note(ended_words(end)));
        }
        let options = match self.driver.options() {
            Ok(options) => options,
            Err(end) => return Some(self.ended(end)),
        };
        let stepped = match target {
            Some(tid) => {
                let timeout_thread = self.driver.session().choices().timeout.map(|(_, tid)| tid);
                let choice = if options.contains(&Choice::Thread(tid)) {
                    Choice::Thread(tid)
                } else if timeout_thread == Some(tid) && options.contains(&Choice::Time) {
                    Choice::Time
                } else {
                    return Some(Msg::Stepped(Err(StepRefused::NotReady(tid))));
                };
                match &mut self.plan {
                    // The schedule's own next step: it stays on the schedule.
                    Plan::Schedule(follow) if follow.next_choice(&options, self.driver.last) == Some(choice) => {
                        self.driver.step(follow)
                    }
                    Plan::Schedule(_) => {
                        self.left_plan =
                            Some(format!("left the schedule at step {}: you choose from here", self.driver.steps + 1));
                        self.plan = Plan::Free;
                        self.driver.step(&mut Pick(choice))
                    }
                    Plan::Free => self.driver.step(&mut Pick(choice)),
                }
            }
            None => match &mut self.plan {
                Plan::Schedule(follow) if follow.left() > 0 || options.len() == 1 => self.driver.step(follow),
                Plan::Schedule(_) => {
                    self.left_plan = Some("the schedule is over: you choose from here".to_owned());
                    self.plan = Plan::Free;
                    self.driver.step(&mut RoundRobin)
                }
                Plan::Free => self.driver.step(&mut RoundRobin),
            },
        };
        match stepped {
            Stepped::Moved(choice) => {
                if target.is_some()
                    && let Some(quest) = &mut self.quest
                {
                    quest.chose = true;
                }
                let step = match choice {
                    Choice::Thread(thread) => Step { thread, advanced: false },
                    Choice::Time => Step { thread: self.driver.session().last_granted(), advanced: true },
                };
                // Reaching the goal is said above the table; the line under it tells the step.
                self.observe();
                Some(Msg::Stepped(Ok(step)))
            }
            Stepped::Nothing => None,
            Stepped::Declined(why) => {
                if matches!(self.plan, Plan::Schedule(_)) {
                    self.left_plan = Some(format!("{why}; you choose from here"));
                    self.plan = Plan::Free;
                }
                Some(Msg::Note(why))
            }
            Stepped::Stopped(end) => Some(self.ended(end)),
        }
    }

    fn ended(&mut self, end: RunEnd) -> Msg {
        self.playing = false;
        self.watch.close(&end);
        // A deadlock stays on screen, its threads blocked where they are, until the class
        // restarts or quits; any other end is over already.
        if end != RunEnd::Deadlock {
            self.driver.finish(&end);
        }
        let note = ended_words(&end);
        self.end = Some(end);
        self.observe();
        Msg::Note(note)
    }

    /// The thread the next step moves, if the plan knows it.
    fn next_thread(&self) -> Option<Choice> {
        let options = self.driver.options_now().ok()?;
        match (&self.plan, options.as_slice()) {
            (_, [only]) => Some(*only),
            (Plan::Schedule(follow), _) => follow.next_choice(&options, self.driver.last),
            (Plan::Free, _) => None,
        }
    }
}

/// What the end of a run says.
fn ended_words(end: &RunEnd) -> String {
    match end {
        RunEnd::Completed => "the program has ended: r runs it again".to_owned(),
        RunEnd::Deadlock => "no thread can move: deadlock (r runs it again)".to_owned(),
        RunEnd::StepLimit(steps) => format!("stopped after {}", steps_word(*steps)),
        RunEnd::Stuck(_) => "a thread did not come back to threadviz: it waits outside its primitives".to_owned(),
        RunEnd::Misfit(why) => why.clone(),
    }
}

impl Controller for Steered {
    fn events(&self) -> &Receiver<TraceEvent> {
        &self.events
    }

    fn status(&self) -> Status {
        let session = self.driver.session();
        let choices = session.choices();
        let mut ready: Vec<Tid> = choices.ready.iter().chain(&choices.poked).copied().collect();
        ready.sort_unstable();
        ready.dedup();
        Status {
            now_us: u64::try_from(session.now().as_micros()).unwrap_or(u64::MAX),
            pause: if self.playing { PauseState::Running } else { PauseState::Paused },
            speed: self.speed,
            dropped: 0,
            ready,
            ready_at: super::run::ready_places(session.ready_places()),
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
                self.restart(schedule);
            }
            Command::Solution => return Some(self.solution()),
            Command::StepBack | Command::Seek(_) => {
                return Some(Msg::Note(super::live::ONLY_REPLAYS_GO_BACK.to_owned()));
            }
            // Stops what is left of the run (a run already over has nothing left to stop).
            Command::Quit => self.driver.finish(&RunEnd::Misfit(String::new())),
        }
        None
    }

    fn tick(&mut self) -> Option<Msg> {
        if !self.playing || Instant::now() < self.next_play {
            return None;
        }
        self.next_play = Instant::now() + PLAY_STEP.div_f64(self.speed.max(0.1));
        self.step(None)
    }

    fn guide(&self) -> Option<Guide> {
        let steps = self.driver.steps;
        let following = matches!(self.plan, Plan::Schedule(_));
        let headline = match (&self.quest, &self.plan, &self.schedule) {
            (Some(quest), _, _) => format!("challenge: {}", quest.challenge.goal_words),
            (None, Plan::Schedule(follow), Some(schedule)) => format!(
                "following the schedule: {} taken, {} of its {} choices",
                steps_word(steps),
                schedule.len() - follow.left(),
                schedule.len()
            ),
            _ => format!("{} taken: you choose who moves (Enter), n moves the next in turn", steps_word(steps)),
        };
        let known = self.known.as_ref().filter(|_| following && self.end.is_none());
        let alert = known.filter(|known| known.step == steps + 1).map(|known| known.what.clone());
        let detail = match (&self.quest, known) {
            (Some(quest), _) => Some(self.quest_detail(quest)),
            (None, Some(known)) if known.step > steps + 1 => {
                Some(format!("{} comes at step {}", known.what.split(':').next().unwrap_or("it"), known.step))
            }
            _ => self.end.as_ref().map(ended_words).or_else(|| self.left_plan.clone()),
        };
        let next = self.end.is_none().then(|| self.next_thread()).flatten().map(|choice| match choice {
            Choice::Thread(tid) => Next::Thread(tid),
            Choice::Time => Next::Time,
        });
        Some(Guide { headline, detail, alert, next })
    }
}

impl Steered {
    /// Where the challenge stands: the learner's steps, the goal reached or not, and what the
    /// search knows.
    fn quest_detail(&self, quest: &Quest) -> String {
        let steps = self.driver.steps;
        let found = quest.search.found();
        let best = quest.search.best();
        let shortest = best.as_ref().and_then(|best| best.shortest.as_ref().map(|(step, _, _)| *step));
        let watching = quest.gave_up && matches!(self.plan, Plan::Schedule(_));
        match (&quest.reached, &found) {
            // What the goal looks like is on screen already (the table, the log, a deadlock's
            // banner): the guide only says that, and when, it was reached.
            (Some((step, _)), _) if watching => format!("the shortest way reached the goal at step {step}"),
            (Some((step, _)), _) => match shortest {
                Some(best) => format!("done! you: {}; shortest: {best} (s shows it)", steps_word(*step)),
                None => format!("done! you: {}", steps_word(*step)),
            },
            (None, Some(found)) if quest.gave_up && found.shortest.is_none() => {
                let verdict = if found.exhaustive { "impossible" } else { "no way found" };
                format!("{verdict}: {}", found.proof())
            }
            (None, _) if watching => {
                let at = shortest.map_or_else(String::new, |best| format!("; the goal comes at step {best}"));
                format!("watching the shortest way: {}{at}", steps_word(steps))
            }
            // `n` alone takes the next thread in turn and lets the seeded sleeps decide who
            // wakes first: the tests check that it never reaches a goal within reach.
            (None, _) if self.end.is_some() && !quest.chose && quest.challenge.reachable => format!(
                "the run ended without reaching the goal after {}: n alone never does, choose who moves (Enter); r tries again",
                steps_word(steps)
            ),
            (None, _) if self.end.is_some() => {
                format!(
                    "the run ended without reaching the goal after {}: r tries again, s gives up",
                    steps_word(steps)
                )
            }
            (None, _) if shortest.is_some() => {
                format!("you: {} · s gives up and shows the shortest way", steps_word(steps))
            }
            (None, None) => format!("you: {} · s gives up (the answer is still being worked out)", steps_word(steps)),
            (None, Some(_)) => format!("you: {steps} steps · s gives up and shows the answer"),
        }
    }
}

/// Runs a steered program under the dashboard, until the user quits; the terminal is restored
/// however it ends. Returns what was recorded, when recording.
pub(crate) fn watch(
    showing: super::Showing,
    look: super::Look,
    launch: &super::live::Launch,
    start: impl FnOnce() -> Steered,
) -> std::io::Result<Option<std::io::Result<crate::record::RecordSummary>>> {
    let mut steered = None;
    let watched = super::live::watch_live(showing, look, launch, &mut steered, || Ok(start()));
    let recorded = steered.and_then(|mut steered| steered.take_recorder()).map(Recorder::finish);
    watched.map(|()| recorded)
}

/// `1 step`, `2 steps`.
fn steps_word(steps: usize) -> String {
    format!("{steps} step{}", if steps == 1 { "" } else { "s" })
}
