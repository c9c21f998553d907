//! The steered controller: a controlled session whose steps a schedule gives (`--schedule`) or
//! the class chooses (challenges, or after the schedule). One thread moves per step; `n` takes
//! the next step, Enter moves the selected thread, space plays the steps at the chosen speed.

use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;

use super::run::{Controller, Status};
use super::{Command, Msg};
use crate::event::{Tid, TraceEvent};
use crate::explore::{
    Driver, Finding, Follow, Pick, Program, RoundRobin, RunEnd, Schedule, Stepped,
};
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

/// What the schedule is known to lead to: its first failure, found by running it once before.
struct Known {
    finding: Finding,
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
        let known = schedule.as_ref().and_then(|schedule| {
            let (outcome, _) = crate::explore::follow_schedule(&program, schedule.clone(), None);
            let first = outcome.findings.iter().min_by_key(|finding| finding.step).cloned();
            first.map(|finding| Known { finding })
        });
        let (driver, events, recorder) = Self::launch(&program, record);
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
        }
    }

    fn launch(program: &Program, record: Option<RecordTo>) -> (Driver, Receiver<TraceEvent>, Option<Recorder>) {
        let mut events = None;
        let mut recorder = None;
        let driver = Driver::start(program, |session| {
            events = Some(session.subscribe().receiver().clone());
            recorder = record.and_then(|to| to.attach(session).ok());
        });
        (driver, events.unwrap_or_else(crossbeam_channel::never), recorder)
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
            Err(end) => return self.ended(end),
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
                if let Plan::Schedule(follow) = &self.plan
                    && follow.next_choice(&options) != Some(choice)
                {
                    self.left_plan =
                        Some(format!("left the schedule at step {}: you choose from here", self.driver.steps + 1));
                    self.plan = Plan::Free;
                }
                self.driver.step(&mut Pick(choice))
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
                let timeout_thread = || self.driver.session().last_granted();
                let step = match choice {
                    Choice::Thread(thread) => Step { thread, advanced: false },
                    Choice::Time => Step { thread: timeout_thread(), advanced: true },
                };
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
            Stepped::Stopped(end) => self.ended(end),
        }
    }

    fn ended(&mut self, end: RunEnd) -> Option<Msg> {
        self.playing = false;
        self.driver.finish(&end);
        let note = ended_words(&end);
        self.end = Some(end);
        Some(Msg::Note(note))
    }

    /// The thread the next step moves, if the plan knows it.
    fn next_thread(&self) -> Option<Choice> {
        let options = self.driver.options().ok()?;
        match (&self.plan, options.as_slice()) {
            (_, [only]) => Some(*only),
            (Plan::Schedule(follow), _) => follow.next_choice(&options),
            (Plan::Free, _) => None,
        }
    }
}

/// What the end of a run says.
fn ended_words(end: &RunEnd) -> String {
    match end {
        RunEnd::Completed => "the program has ended: r runs it again".to_owned(),
        RunEnd::Deadlock => "no thread can move: deadlock (r runs it again)".to_owned(),
        RunEnd::StepLimit(steps) => format!("stopped after {steps} steps"),
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
                self.driver.finish(&RunEnd::Misfit(String::new()));
                let (driver, events, _) = Self::launch(&self.program, None);
                (self.driver, self.events) = (driver, events);
                self.plan = self.schedule.clone().map_or(Plan::Free, |schedule| Plan::Schedule(Follow::new(schedule)));
                self.end = None;
                self.playing = false;
                self.left_plan = None;
            }
            Command::StepBack | Command::Seek(_) => {
                return Some(Msg::Note("only replays go back: record with --record FILE, then replay it".to_owned()));
            }
            Command::Quit => {
                if self.end.is_none() {
                    self.driver.finish(&RunEnd::Misfit(String::new()));
                }
            }
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
        let headline = match (&self.plan, &self.schedule) {
            (Plan::Schedule(follow), Some(schedule)) => format!(
                "following the schedule: {} steps taken, {} of its {} choices",
                steps,
                schedule.len() - follow.left(),
                schedule.len()
            ),
            _ => format!("{steps} steps taken: you choose who moves (Enter), n moves the next in turn"),
        };
        let known = self.known.as_ref().map(|known| &known.finding);
        let following = matches!(self.plan, Plan::Schedule(_));
        let (detail, alert) = match (&self.end, known) {
            (Some(end), _) => (Some(ended_words(end)), None),
            (None, Some(finding)) if following && finding.step == steps + 1 => {
                let what = if finding.text.starts_with(finding.kind.words()) {
                    format!("the {}", finding.text)
                } else {
                    format!("the {}: {}", finding.kind.words(), finding.text)
                };
                (None, Some(what))
            }
            (None, Some(finding)) if following && finding.step > steps => {
                (Some(format!("the {} comes at step {}", finding.kind.words(), finding.step)), None)
            }
            _ => (self.left_plan.clone(), None),
        };
        let next = self.end.is_none().then(|| self.next_thread()).flatten().map(|choice| match choice {
            Choice::Thread(tid) => Next::Thread(tid),
            Choice::Time => Next::Time,
        });
        Some(Guide { headline, detail, alert, next })
    }
}

/// Runs `program` steered, under the dashboard, until the user quits; the terminal is restored
/// however it ends. Returns what was recorded, when recording.
pub(crate) fn watch(
    showing: super::Showing,
    look: super::Look,
    launch: super::live::Launch,
    start: impl FnOnce() -> Steered,
) -> std::io::Result<Option<std::io::Result<crate::record::RecordSummary>>> {
    let mut steered = None;
    let watched = super::live::watch_live(showing, look, launch, &mut steered, || Ok(start()));
    let recorded = steered.and_then(|mut steered| steered.take_recorder()).map(Recorder::finish);
    watched.map(|()| recorded)
}
