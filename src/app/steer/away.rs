//! A step under way off the dashboard's thread. The grant is given and its settling waited
//! for (up to [`crate::explore::OUTSIDE`] for a thread asleep outside threadviz, longer for one
//! that computes) on a thread of the step's own, which has the run and its plan until it hands
//! them back; meanwhile the dashboard draws, reads keys and polls the answer every turn of its
//! loop, and may stop the run from outside ([`Watch::stop`]) to quit at once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use parking_lot::Mutex;

use super::Plan;
use super::target::{By, Runner, Watch};
use crate::app::{Guide, Status};
use crate::event::{Tid, TraceEvent};
use crate::explore::{RunEnd, Stepped};
use crate::session::Choice;

/// How long a step may be under way before the status line says its thread is moving: a step
/// that settles sooner is just a step.
pub(super) const MOMENT: Duration = Duration::from_millis(200);

/// How long quitting (or restarting) waits for a step stopped from outside to hand its run
/// back, so that the run is ended in order: a Python run's comes back at once (its interpreter
/// killed, its stream closes), and is ended and waited for. A session's thread asleep in the
/// kernel or computing cannot be stopped from within the process, and waiting longer would
/// not bring it back: its run is left to end on the step's thread (the process's exit ends it).
const QUIT_PATIENCE: Duration = Duration::from_millis(300);

/// The run and the plan its steps follow: the dashboard's between steps, the step's thread's
/// while one is under way.
pub(super) struct Here {
    pub(super) runner: Runner,
    pub(super) plan: Plan,
}

/// What a step asks for: the plan's step, the class's choice, or the next thread in turn.
#[derive(Clone, Copy)]
pub(super) enum How {
    Schedule,
    Choice(Choice),
    Turn,
}

/// A step's run handed back, with what came of the step.
pub(super) struct Back {
    pub(super) here: Here,
    pub(super) stepped: Stepped,
    /// The step stopped the run, and its thread has ended it already (out of the dashboard's
    /// way: ending a run waits for its threads or its interpreter).
    pub(super) finished: bool,
}

/// A step under way on its own thread.
pub(super) struct Away {
    /// The run, once the step has settled; dropped to abandon the step, whose thread then
    /// ends the run itself.
    back: Receiver<Back>,
    watch: Watch,
    since: Instant,
    /// The thread the class chose, when it chose (`Enter`).
    pub(super) chosen: Option<Tid>,
    /// The state and the guide as the step began, shown until it has settled.
    pub(super) status: Status,
    pub(super) guide: Guide,
    /// Whether the status line has said that the thread is moving.
    pub(super) told: bool,
    /// Whether the step has been abandoned: its thread ends the run.
    abandoned: bool,
    /// The view's events are held back while the step is under way, so that they are folded
    /// after the step is told, as the step's own (`App::on_stepped`).
    pub(super) held: Receiver<TraceEvent>,
}

impl Away {
    /// A step about to be taken on the run `watch` watches, showing `status` and `guide`
    /// meanwhile; the sender its thread hands the run back on ([`spawn`]).
    pub(super) fn new(watch: Watch, how: How, (status, guide): (Status, Guide)) -> (Self, Sender<Back>) {
        let (answer, back) = crossbeam_channel::bounded(1);
        let chosen = match how {
            How::Choice(Choice::Thread(tid)) => Some(tid),
            _ => None,
        };
        let held = crossbeam_channel::never();
        (
            Self { back, watch, since: Instant::now(), chosen, status, guide, told: false, abandoned: false, held },
            answer,
        )
    }

    /// The run handed back, once the step has settled.
    pub(super) fn poll(&self) -> Option<Back> {
        self.back.try_recv().ok()
    }

    /// [`Away::poll`], waiting up to `patience`.
    pub(super) fn wait(&self, patience: Duration) -> Option<Back> {
        self.back.recv_timeout(patience).ok()
    }

    /// Whether the step went off less than a [`MOMENT`] ago: a quick step, whose next press
    /// waits its turn rather than being refused.
    pub(super) fn young(&self) -> bool {
        self.since.elapsed() < MOMENT
    }

    /// The thread moving, once granted: its step has been under way for more than a
    /// [`MOMENT`].
    pub(super) fn moving_long(&self) -> Option<Tid> {
        (self.since.elapsed() >= MOMENT).then(|| self.watch.moving()).flatten()
    }

    /// The thread granted the step, when known.
    pub(super) fn moving(&self) -> Option<Tid> {
        self.watch.moving().or(self.chosen)
    }

    /// Quitting: stops the run from outside and waits a little for it back, to be ended in
    /// order; None when it did not come, and is left to end by itself.
    pub(super) fn stop(&mut self) -> Option<Back> {
        if self.abandoned {
            return None;
        }
        self.watch.stop();
        let back = self.wait(QUIT_PATIENCE);
        if back.is_none() {
            // Nobody will take it back now: its thread ends it once the step settles.
            self.back = crossbeam_channel::never();
            self.abandoned = true;
        }
        back
    }
}

/// Takes the step `how` on a thread of its own, which hands `here` back on `answer` when it has
/// settled and then pings `wake`; `here` back when no thread could be started.
pub(super) fn spawn(
    here: Box<Here>,
    how: How,
    answer: Sender<Back>,
    wake: Sender<()>,
) -> Result<(), (Box<Here>, std::io::Error)> {
    // Handed over through a slot, not moved into the thread: a thread that cannot start
    // leaves the run where it was.
    let slot = Arc::new(Mutex::new(Some(here)));
    let taken = slot.clone();
    let started = std::thread::Builder::new().name("threadviz-step".to_owned()).spawn(move || {
        let Some(here) = taken.lock().take() else { return };
        let back = take_step(*here, how);
        // Abandoned (the dashboard quit without it): the run is ended here.
        if let Err(crossbeam_channel::SendError(mut abandoned)) = answer.send(back) {
            abandoned.here.runner.finish(&RunEnd::Misfit(String::new()));
        }
        let _ = wake.send(());
    });
    match started {
        Ok(_) => Ok(()),
        Err(error) => Err((slot.lock().take().expect("a thread that never started took nothing"), error)),
    }
}

/// Takes the step on the step's thread; a run the step stopped is ended there too (but for a
/// deadlock, which stays on screen).
fn take_step(mut here: Here, how: How) -> Back {
    let by = match (how, &mut here.plan) {
        (How::Schedule, Plan::Schedule(follow)) => By::Schedule(follow),
        (How::Choice(choice), _) => By::Choice(choice),
        (How::Schedule | How::Turn, _) => By::Turn,
    };
    let stepped = here.runner.step(by);
    let finished = match &stepped {
        Stepped::Stopped(end) if *end != RunEnd::Deadlock => {
            here.runner.finish(end);
            true
        }
        _ => false,
    };
    Back { here, stepped, finished }
}
