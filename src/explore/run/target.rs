//! What a [`super::Driver`] steers: a controlled session of this process running a Rust
//! program, or one run of a controlled interpreter; each settles after a grant and says what
//! may move, and tells a thread stuck outside threadviz.

use super::super::history::RunEnd;
use super::{OUTSIDE, PATIENCE, UNWINDING};
use crate::child;
use crate::event::{Control, EventKind, Tid, TraceEvent};
use crate::session::{Choice, Session};

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
    /// A count that changes whenever a timed wait begins or ends or the program reads demo
    /// time, when the target keeps one: a step it does not change commutes with time passing.
    fn timing(&self) -> Option<u64> {
        None
    }
    /// Why the last grant could not be made, when the target knows better than "it could not".
    fn why_not(&self) -> Option<String> {
        None
    }
}

/// A controlled session of this process running a Rust program.
pub(crate) struct SessionTarget {
    pub(super) session: Session,
    pub(super) finished: crossbeam_channel::Receiver<()>,
    pub(super) started: bool,
    /// Its OS threads still running its threads once it was over (see [`UNWINDING`]).
    pub(super) left_behind: usize,
}

impl SessionTarget {
    /// Waits until the step under way has settled. Not back within [`OUTSIDE`] with a thread
    /// of it asleep in the kernel, it waits outside threadviz (said at once); still running,
    /// it may be computing, and has the rest of the patience.
    pub(super) fn settled(&self) -> Result<(), RunEnd> {
        if !self.started {
            return Err(RunEnd::Stuck(None));
        }
        if self.session.settle(OUTSIDE) {
            return Ok(());
        }
        if let Some(asleep) = self.session.asleep_outside() {
            return Err(RunEnd::Stuck(Some(asleep)));
        }
        if self.session.settle(PATIENCE.saturating_sub(OUTSIDE)) {
            Ok(())
        } else {
            Err(RunEnd::Stuck(self.session.moving()))
        }
    }
}

impl Target for SessionTarget {
    fn settle(&mut self) -> Result<(), RunEnd> {
        self.settled()
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

    fn timing(&self) -> Option<u64> {
        Some(self.session.timing())
    }

    /// Waits for its main thread and its last events, then for every thread's OS thread to be
    /// done with it. A run that did not complete is stopped first: its threads at threadviz's
    /// gate or in its waits unwind (with threadviz's own payload, caught where each thread
    /// began, no panic of the program's); a thread blocked outside threadviz cannot be
    /// stopped, and is counted as left behind once [`UNWINDING`] has passed.
    fn finish(&mut self, end: &RunEnd) {
        if *end != RunEnd::Completed {
            self.session.abort();
        }
        // A run stuck outside threadviz may be stuck in its main thread: it is not waited for.
        let main_patience = if matches!(end, RunEnd::Stuck(_)) { UNWINDING } else { PATIENCE };
        let _ = self.finished.recv_timeout(main_patience);
        self.session.flush();
        self.left_behind = self.session.wait_os_threads(UNWINDING);
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

    /// The thread whose step is under way: the last step begun (steps the interpreter takes
    /// alone follow the last grant), else the last granted, else the main thread (1), whose
    /// first steps, before any choice, are its own (a thread it starts that goes straight into
    /// a wait outside leaves the step open as its starter's).
    fn moving(&self) -> Tid {
        let begun = self.run.events().iter().rev().find_map(|event| match event.kind {
            EventKind::Control { control: Control::Step { thread } | Control::Advance { thread } } => Some(thread),
            _ => None,
        });
        begun.or(Some(self.last_granted)).filter(|&tid| tid != 0).unwrap_or(1)
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
        // Silent for a second with every thread of the interpreter asleep: the step waits
        // outside the hook's primitives, as a Rust thread asleep in the kernel does. One that
        // computes has the rest of the patience.
        let settled = match self.run.settle(OUTSIDE) {
            child::Settled::Silent if !self.run.asleep() => self.run.settle(PATIENCE.saturating_sub(OUTSIDE)),
            settled => settled,
        };
        match settled {
            child::Settled::Choose(choose) => {
                self.asked = Some(choose);
                Ok(())
            }
            // A run whose stream stops early still ended: the program is gone.
            child::Settled::Ended | child::Settled::Cut(_) => {
                self.over = true;
                Ok(())
            }
            child::Settled::Silent => Err(RunEnd::Stuck(Some(self.moving()))),
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
                            Some(tid) if !picked.time => crate::explore::follow::choice_words(Choice::Thread(tid)),
                            _ => crate::explore::follow::choice_words(Choice::Time),
                        },
                        crate::explore::follow::choice_words(choice),
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
