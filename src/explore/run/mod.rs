//! One explored run: a fresh controlled session whose every step a chooser picks, until the
//! program ends, deadlocks, or cannot go on; then what its events say happened.

use std::cell::RefCell;
use std::sync::Arc;
use std::time::Duration;

use super::choosing::Chooser;
use super::history::{Run, RunEnd};
use super::schedule::{MAX_STEPS, Schedule};
use parking_lot::Mutex;

use crate::child;
use crate::event::TraceEvent;
use crate::record::RecordTo;
use crate::session::Session;
use crate::session::pool::Pool;

/// How long one step may take in real time before the run is given up: a thread that does not
/// come back to threadviz waits outside it (a std lock, a channel, I/O) or loops without calling
/// it, and exploring it would hang.
pub(crate) const PATIENCE: Duration = Duration::from_secs(10);

/// How long a thread granted a step may sleep in the kernel before it is said to wait outside
/// threadviz (a std lock, a channel, `std::thread::sleep`, I/O): sooner than [`PATIENCE`],
/// which is for a thread still running, that may yet come back.
pub(crate) const OUTSIDE: Duration = Duration::from_secs(1);

/// How long a run given up waits for its threads' OS threads once it has stopped them: a thread
/// stopped at threadviz's gate or in one of its waits unwinds at once (so do those it let go,
/// a std lock it held released by its unwinding); one still asleep in the kernel after this is
/// blocked outside threadviz, where nothing can stop it from within the process: left behind.
pub(crate) const UNWINDING: Duration = Duration::from_millis(250);

/// The program under exploration: its main function and how its sessions are made.
#[derive(Clone)]
pub(crate) struct Program {
    pub(crate) body: Body,
    /// The seed of the program's own random numbers, the same in every run.
    pub(crate) seed: u64,
    pub(crate) params: Vec<(String, i64)>,
    pub(crate) max_steps: usize,
    /// How its sleeps end: in any order only under the reduced search of a Rust program,
    /// until a run shows that timing matters to it.
    pub(crate) sleeps: Sleeps,
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
        Self {
            body: Body::Rust(Arc::new(body)),
            seed: 0,
            params: Vec::new(),
            max_steps: MAX_STEPS,
            sleeps: Sleeps::InDeadlineOrder,
        }
    }

    /// A program in another interpreter, run by `server`.
    pub(crate) fn child(server: child::Server) -> Self {
        Self {
            body: Body::Child(Arc::new(Mutex::new(server))),
            seed: 0,
            params: Vec::new(),
            max_steps: MAX_STEPS,
            sleeps: Sleeps::InDeadlineOrder,
        }
    }

    /// A fresh controlled session for one run.
    pub(crate) fn session(&self) -> Session {
        self.builder().build()
    }

    fn builder(&self) -> crate::session::SessionBuilder {
        let mut builder = Session::builder().seed(self.seed).controlled();
        builder = builder.sleeps(self.sleeps);
        for (name, value) in &self.params {
            builder = builder.param(name.clone(), *value);
        }
        builder
    }
}

mod driver;
mod retime;
mod target;

pub(crate) use self::driver::{Driver, Stepped};
pub(crate) use self::retime::in_deadline_order;
pub(crate) use self::target::{ChildTarget, SessionTarget, Target};
pub(crate) use crate::session::Sleeps;

thread_local! {
    /// The pool of OS threads the runs explored on this thread reuse, while [`with_pool`] runs.
    static POOL: RefCell<Option<Arc<Pool>>> = const { RefCell::new(None) };
}

/// Runs `explore` with a pool of parked OS threads that the runs it makes on this thread run
/// their threads on, one run after another, instead of creating them for every run. A worker
/// stays on the CPUs its creator had: the runs made here should be made on one CPU (see
/// `pin`). At the end the parked workers are ended and waited for: no OS thread of the runs
/// outlives `explore`, but one left behind, blocked outside threadviz. Within another
/// `with_pool`, the pool already there.
pub(crate) fn with_pool<R>(explore: impl FnOnce() -> R) -> R {
    /// Ends the pool however `explore` ends.
    struct Ends;
    impl Drop for Ends {
        fn drop(&mut self) {
            let pool = POOL.with(RefCell::take);
            drop(pool);
        }
    }
    if pool().is_some() {
        return explore();
    }
    POOL.with(|pool| *pool.borrow_mut() = Some(Arc::default()));
    let _ends = Ends;
    explore()
}

/// The pool of the exploration on this thread, if it has one.
fn pool() -> Option<Arc<Pool>> {
    POOL.with(|pool| pool.borrow().clone())
}

/// Runs `program` once, `chooser` picking every step.
pub(crate) fn run_once(program: &Program, chooser: &mut dyn Chooser, record: Option<RecordTo>) -> Run {
    match &program.body {
        Body::Rust(_) => run_here(program, chooser, record),
        Body::Child(server) => run_child(&mut server.lock(), program.max_steps, chooser, record),
    }
}

fn run_here(program: &Program, chooser: &mut dyn Chooser, record: Option<RecordTo>) -> Run {
    // Spawned while pinned, the run's threads stay on the explorer's CPU (see `pin`); an
    // exploration's pooled threads were, and its explorer is pinned throughout.
    let _one_cpu = pool().is_none().then(crate::explore::pin::OneCpu::here);
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
    let left_behind = driver.target.left_behind;
    let timed_wait = driver.session().timed_wait_or_clock_read();
    Run { left_behind, timed_wait, ..driver.into_run(end, events) }
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
                left_behind: 0,
                timed_wait: false,
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
