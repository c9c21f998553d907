//! What a steered run steps: a controlled session of this process (a Rust demo), or a
//! controlled Python interpreter. [`super::Steered`] sees one [`Runner`] either way.
//!
//! A controlled interpreter's run borrows its [`Controlled`] (the socket is read in the
//! caller's thread), so the dashboard cannot keep both in one value: a thread of its own owns
//! the interpreter and its run, and [`Remote`] is the [`Target`] that asks it, one request per
//! settle or grant. That thread forwards the run's new events to the dashboard's two receivers
//! before it answers a settle, so they are there when the step is told.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use parking_lot::Mutex;

use crate::child::{self, Controlled, RunError};
use crate::event::{SourceLoc, Tid, TraceEvent};
use crate::explore::{ChildTarget, Driver, Follow, PATIENCE, Pick, RoundRobin, RunEnd, Stepped, Target};
use crate::session::Choice;

/// How long the dashboard waits for the interpreter's thread to end the run and the
/// interpreter (a SIGTERM's grace and a SIGKILL, then the wait).
const FINISH_PATIENCE: Duration = Duration::from_secs(10);

/// What chooses the step a [`Runner`] takes.
pub(crate) enum By<'a> {
    /// The schedule's next entry.
    Schedule(&'a mut Follow),
    /// This choice.
    Choice(Choice),
    /// The next thread in turn.
    Turn,
}

/// How a Python program is started controlled: again on every restart.
#[derive(Clone)]
pub(crate) struct PythonStart {
    pub(crate) program: child::Program,
    /// Its options (the step grain, shared variables, the folder); made controlled and
    /// captured (the dashboard owns the terminal) when started.
    pub(crate) options: child::Options,
    /// The seed of its random numbers.
    pub(crate) seed: u64,
}

impl PythonStart {
    fn start(&self) -> Result<Controlled, RunError> {
        let options = child::Options { dashboard: true, paused: false, linger: Duration::ZERO, ..self.options.clone() };
        Controlled::start(&self.program, &options, self.seed)
    }
}

/// Where a controlled Python run stands, as the interpreter's thread last saw it.
#[derive(Debug, Default)]
pub(crate) struct View {
    /// What may move, once settled: threads by number, then time.
    options: Vec<Choice>,
    /// The earliest deadline and the thread it wakes.
    timeout: Option<(u64, Tid)>,
    /// The program is over.
    over: bool,
    /// The thread the last grant moved.
    last_granted: Tid,
    /// Demo time: the latest event's.
    time_us: u64,
    /// Each thread's last event's place: where a thread at a step point stands.
    places: HashMap<Tid, SourceLoc>,
    /// The thread granted the step under way, from its grant until it has settled.
    moving: Option<Tid>,
    /// The interpreter's process, to stop from outside while a step of it is under way.
    pid: u32,
    /// The interpreter has been ended (and waited for: its process id may be another's now).
    gone: bool,
}

enum Request {
    Settle,
    Grant(Choice),
    Finish(RunEnd),
}

enum Reply {
    Settled { result: Result<(), RunEnd>, took_alone: Vec<Tid> },
    Granted(bool),
    Finished,
}

/// The [`Target`] of a controlled interpreter owned by a thread of its own.
pub(crate) struct Remote {
    requests: Sender<Request>,
    replies: Receiver<Reply>,
    view: Arc<Mutex<View>>,
    took_alone: Vec<Tid>,
    finished: bool,
}

impl Remote {
    /// Starts `start`'s program; its events go to both receivers returned.
    fn spawn(start: &PythonStart) -> Result<(Self, Receiver<TraceEvent>, Receiver<TraceEvent>), RunError> {
        let mut controlled = start.start()?;
        let pid = controlled.child().pid();
        let (requests, asked) = crossbeam_channel::unbounded();
        let (answer, replies) = crossbeam_channel::unbounded();
        let (events_to, events) = crossbeam_channel::unbounded();
        let (inspected_to, inspected) = crossbeam_channel::unbounded();
        let view = Arc::new(Mutex::new(View { pid, ..View::default() }));
        let shown = view.clone();
        std::thread::Builder::new()
            .name("threadviz-python-run".into())
            .spawn(move || serve(controlled, &asked, &answer, &shown, &[events_to, inspected_to]))
            .map_err(|error| RunError { message: format!("cannot start the run's thread: {error}"), code: 1 })?;
        Ok((Self { requests, replies, view, took_alone: Vec::new(), finished: false }, events, inspected))
    }

    fn ask(&self, request: Request) -> Option<Reply> {
        self.requests.send(request).ok()?;
        self.replies.recv_timeout(PATIENCE + FINISH_PATIENCE).ok()
    }
}

impl Target for Remote {
    fn settle(&mut self) -> Result<(), RunEnd> {
        match self.ask(Request::Settle) {
            Some(Reply::Settled { result, took_alone }) => {
                self.took_alone.extend(took_alone);
                result
            }
            _ => Err(RunEnd::Misfit("the interpreter's run stopped answering".to_owned())),
        }
    }

    fn over(&self) -> bool {
        self.view.lock().over
    }

    fn options(&self) -> Vec<Choice> {
        self.view.lock().options.clone()
    }

    fn grant(&mut self, choice: Choice) -> bool {
        matches!(self.ask(Request::Grant(choice)), Some(Reply::Granted(true)))
    }

    fn refused(&self) -> bool {
        false
    }

    fn last_granted(&self) -> Tid {
        self.view.lock().last_granted
    }

    fn took_alone(&mut self) -> Vec<Tid> {
        std::mem::take(&mut self.took_alone)
    }

    /// Ends the run and the interpreter, and waits until both are gone.
    fn finish(&mut self, end: &RunEnd) {
        if std::mem::replace(&mut self.finished, true) {
            return;
        }
        let _ = self.ask(Request::Finish(end.clone()));
    }
}

impl Drop for Remote {
    fn drop(&mut self) {
        self.finish(&RunEnd::Misfit(String::new()));
    }
}

/// The interpreter's thread: answers each request on the run, forwarding the run's new events
/// before it answers a settle; on `Finish` (or when the dashboard is gone) ends the run and
/// the interpreter, then says so.
fn serve(
    mut controlled: Controlled,
    requests: &Receiver<Request>,
    replies: &Sender<Reply>,
    view: &Mutex<View>,
    to: &[Sender<TraceEvent>; 2],
) {
    {
        let mut target = ChildTarget::new(controlled.run());
        let mut forwarded = 0;
        while let Ok(request) = requests.recv() {
            let reply = match request {
                Request::Settle => {
                    let result = target.settle();
                    let took_alone = target.took_alone();
                    forwarded = forward(&target, forwarded, view, to);
                    let mut view = view.lock();
                    view.options = target.options();
                    view.timeout = target.asked().and_then(|asked| asked.time);
                    view.over = target.over();
                    view.moving = None;
                    Reply::Settled { result, took_alone }
                }
                Request::Grant(choice) => {
                    let granted = target.grant(choice);
                    let mut view = view.lock();
                    view.last_granted = target.last_granted();
                    view.moving = granted.then_some(view.last_granted);
                    view.options.clear();
                    view.timeout = None;
                    Reply::Granted(granted)
                }
                Request::Finish(end) => {
                    target.finish(&end);
                    break;
                }
            };
            if replies.send(reply).is_err() {
                break;
            }
        }
    }
    // Said before the process is waited for, under the lock [`Watch::stop`] kills it under.
    view.lock().gone = true;
    controlled.child().end();
    let _ = replies.send(Reply::Finished);
}

/// Sends the run's events from `from` on to both receivers, noting each thread's place and
/// demo time; where the next forward starts.
fn forward(target: &ChildTarget<'_>, from: usize, view: &Mutex<View>, to: &[Sender<TraceEvent>; 2]) -> usize {
    let events = target.events();
    let mut view = view.lock();
    for event in events.get(from..).unwrap_or_default() {
        view.time_us = view.time_us.max(event.time_us);
        if let Some(loc) = &event.loc {
            view.places.insert(event.thread, loc.clone());
        }
        for sender in to {
            let _ = sender.send(event.clone());
        }
    }
    events.len().max(from)
}

/// What the dashboard keeps of a run while one of its steps is under way on another thread
/// (`super::away`): who moves, and a way to stop the run from outside.
pub(crate) enum Watch {
    Session(crate::Session),
    Python(Arc<Mutex<View>>),
}

impl Watch {
    /// The thread granted the step under way, once granted and until it has settled.
    pub(crate) fn moving(&self) -> Option<Tid> {
        match self {
            Self::Session(session) => session.moving(),
            Self::Python(view) => view.lock().moving,
        }
    }

    /// Stops the run where it stands, so that the step under way comes back at once (a
    /// Python run: its interpreter killed, its stream closes) or as soon as its thread is
    /// found asleep outside threadviz (a session: its threads at the gate and in threadviz's
    /// waits unwind; one asleep in the kernel cannot be stopped, and is left behind).
    pub(crate) fn stop(&self) {
        match self {
            Self::Session(session) => session.abort(),
            Self::Python(view) => {
                let view = view.lock();
                if !view.gone
                    && let Ok(pid) = i32::try_from(view.pid)
                {
                    use nix::sys::signal::{Signal, kill, killpg};
                    let pid = nix::unistd::Pid::from_raw(pid);
                    // Under the dashboard the interpreter leads a group of its own: what the
                    // program started goes with it.
                    let _ = if nix::unistd::getpgid(Some(pid)) == Ok(pid) {
                        killpg(pid, Signal::SIGKILL)
                    } else {
                        kill(pid, Signal::SIGKILL)
                    };
                }
            }
        }
    }
}

/// A steered run: a Rust demo in a controlled session of this process, or a Python program in
/// a controlled interpreter.
pub(crate) enum Runner {
    Session(Driver),
    Python { driver: Driver<Remote>, view: Arc<Mutex<View>> },
}

impl Runner {
    /// Starts `start`'s program, cut at `max_steps`; the events for the view and for the
    /// inspector.
    pub(crate) fn python(
        start: &PythonStart,
        max_steps: usize,
    ) -> Result<(Self, Receiver<TraceEvent>, Receiver<TraceEvent>), RunError> {
        let (remote, events, inspected) = Remote::spawn(start)?;
        let view = remote.view.clone();
        Ok((Self::Python { driver: Driver::new(remote, max_steps), view }, events, inspected))
    }

    /// What may move now, once the last step has settled; the run's end when nothing will.
    pub(crate) fn options(&mut self) -> Result<Vec<Choice>, RunEnd> {
        match self {
            Self::Session(driver) => driver.options(),
            Self::Python { driver, .. } => driver.options(),
        }
    }

    /// [`Runner::options`] for a reader that may not step; a Python run answers from its
    /// last settle.
    pub(crate) fn options_now(&self) -> Result<Vec<Choice>, RunEnd> {
        match self {
            Self::Session(driver) => driver.options_now(),
            Self::Python { view, .. } => {
                let view = view.lock();
                if view.over {
                    Err(RunEnd::Completed)
                } else if view.options.is_empty() {
                    Err(RunEnd::Deadlock)
                } else {
                    Ok(view.options.clone())
                }
            }
        }
    }

    /// Takes one step as `by` says. A Python run is settled again after it, so that the
    /// steps it took alone are counted at once.
    pub(crate) fn step(&mut self, by: By<'_>) -> Stepped {
        macro_rules! step {
            ($driver:expr) => {
                match by {
                    By::Schedule(follow) => $driver.step(follow),
                    By::Choice(choice) => $driver.step(&mut Pick(choice)),
                    By::Turn => $driver.step(&mut RoundRobin),
                }
            };
        }
        match self {
            Self::Session(driver) => step!(driver),
            Self::Python { driver, .. } => {
                let stepped = step!(driver);
                if matches!(stepped, Stepped::Moved(_)) {
                    // The end, if it came, is found by the next step as for a session.
                    let _ = driver.options();
                }
                stepped
            }
        }
    }

    /// What to watch the run by while a step of it is under way on another thread.
    pub(crate) fn watch(&self) -> Watch {
        match self {
            Self::Session(driver) => Watch::Session(driver.session().clone()),
            Self::Python { view, .. } => Watch::Python(view.clone()),
        }
    }

    /// Ends the run: stops what is left of it unless it completed.
    pub(crate) fn finish(&mut self, end: &RunEnd) {
        match self {
            Self::Session(driver) => driver.finish(end),
            Self::Python { driver, .. } => driver.finish(end),
        }
    }

    /// Steps taken.
    pub(crate) fn steps(&self) -> usize {
        match self {
            Self::Session(driver) => driver.steps,
            Self::Python { driver, .. } => driver.steps,
        }
    }

    /// What moved at the last step.
    pub(crate) fn last(&self) -> Option<Choice> {
        match self {
            Self::Session(driver) => driver.last,
            Self::Python { driver, .. } => driver.last,
        }
    }

    /// The thread whose sleep or timed wait ends first, if one is pending.
    pub(crate) fn timeout_thread(&self) -> Option<Tid> {
        match self {
            Self::Session(driver) => driver.session().choices().timeout.map(|(_, tid)| tid),
            Self::Python { view, .. } => view.lock().timeout.map(|(_, tid)| tid),
        }
    }

    /// The thread the last grant moved (for time passing: the one whose wait ended).
    pub(crate) fn last_granted(&self) -> Tid {
        match self {
            Self::Session(driver) => driver.session().last_granted(),
            Self::Python { view, .. } => view.lock().last_granted,
        }
    }

    /// Makes the events of the steps so far arrive (a Python run's are there already).
    pub(crate) fn flush(&self) {
        if let Self::Session(driver) = self {
            driver.session().flush();
        }
    }

    /// Demo time, in microseconds.
    pub(crate) fn now_us(&self) -> u64 {
        match self {
            Self::Session(driver) => u64::try_from(driver.session().now().as_micros()).unwrap_or(u64::MAX),
            Self::Python { view, .. } => view.lock().time_us,
        }
    }

    /// The threads that may move, by number, and where each stands when known.
    pub(crate) fn ready(&self) -> (Vec<Tid>, BTreeMap<Tid, SourceLoc>) {
        match self {
            Self::Session(driver) => {
                let session = driver.session();
                let choices = session.choices();
                let mut ready: Vec<Tid> = choices.ready.iter().chain(&choices.poked).copied().collect();
                ready.sort_unstable();
                ready.dedup();
                (ready, crate::app::msg::ready_places(session.ready_places()))
            }
            Self::Python { view, .. } => {
                let view = view.lock();
                let ready: Vec<Tid> = view
                    .options
                    .iter()
                    .filter_map(|choice| match choice {
                        Choice::Thread(tid) => Some(*tid),
                        Choice::Time => None,
                    })
                    .collect();
                let places = ready.iter().filter_map(|tid| Some((*tid, view.places.get(tid)?.clone()))).collect();
                (ready, places)
            }
        }
    }
}

/// What following a schedule headless showed: each step at which the program asked (a Python
/// run takes the others alone), the events, and how it ended.
pub(crate) struct Followed {
    pub(crate) asked_at: Vec<usize>,
    pub(crate) events: Vec<TraceEvent>,
    pub(crate) end: RunEnd,
    pub(crate) steps: usize,
}

/// Follows `follow` to the end in a fresh controlled interpreter of `start`'s program.
pub(crate) fn follow_python(start: &PythonStart, max_steps: usize, mut follow: Follow) -> Result<Followed, RunError> {
    let (mut runner, _, inspected) = Runner::python(start, max_steps)?;
    let mut asked_at = Vec::new();
    let end = loop {
        match runner.options() {
            Ok(_) => asked_at.push(runner.steps()),
            Err(end) => break end,
        }
        match runner.step(By::Schedule(&mut follow)) {
            Stepped::Moved(_) | Stepped::Nothing => {}
            Stepped::Declined(why) => break RunEnd::Misfit(why),
            Stepped::Stopped(end) => break end,
        }
    };
    let events = inspected.try_iter().collect();
    runner.finish(&end);
    Ok(Followed { asked_at, events, end, steps: runner.steps() })
}

/// The last step a grant made at step `steps` takes, when the program asks at `asked_at`
/// (ascending) and ends after `total`: the steps up to the next question are its own.
pub(crate) fn reach_of_grant(asked_at: &[usize], steps: usize, total: usize) -> usize {
    asked_at.iter().copied().find(|&at| at > steps).unwrap_or(total)
}

#[cfg(test)]
mod tests {
    use super::reach_of_grant;

    #[test]
    fn a_grant_reaches_up_to_the_next_question_or_the_end() {
        // Asked at steps 2, 3 and 7; the run ends after 9.
        let asked = [2, 3, 7];
        assert_eq!(reach_of_grant(&asked, 2, 9), 3, "the next question comes at once");
        assert_eq!(reach_of_grant(&asked, 3, 9), 7, "steps 4 to 7 are the grant's and the program's alone");
        assert_eq!(reach_of_grant(&asked, 7, 9), 9, "after the last question the grant runs to the end");
    }
}
