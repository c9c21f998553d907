//! A controlled session's controls: what may move once nothing does, and granting one step.
//! Exploration, a replayed schedule and a challenge all drive a session through these.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::gate::Choices;
use super::{By, Session};
use crate::event::{Control, EventKind, Tid};

/// One step a controller can choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Choice {
    /// This thread performs its next operation, or checks its wait again.
    Thread(Tid),
    /// Demo time passes to the earliest deadline, and that thread's sleep or timed wait ends.
    Time,
}

impl Session {
    /// Waits until the step under way has settled: the thread that moved has come back to the
    /// gate, blocked or ended. False when `patience` ran out first: that thread waits outside
    /// threadviz (a std lock, a channel, I/O) or loops without calling it.
    pub(crate) fn settle(&self, patience: Duration) -> bool {
        self.inner.gate.wait_settled(patience)
    }

    /// Whether thread `tid` sleeps in the kernel now (Linux: state S or D in
    /// `/proc/self/task/N/stat`). A thread threadviz granted a step and that has not come back
    /// waits outside threadviz's primitives when it does: every wait of threadviz's own settles
    /// the step first.
    pub(crate) fn in_the_kernel(&self, tid: Tid) -> bool {
        let Some(os_tid) = self.inner.registry.find(tid).and_then(|record| record.os_tid()) else { return false };
        crate::kernel::read_thread(os_tid).is_some_and(|thread| matches!(thread.state, 'S' | 'D'))
    }

    /// A thread of the step under way that sleeps in the kernel, not at threadviz's gate nor
    /// in one of its waits: the moving thread, or one it started that has not reached its
    /// first operation (a thread started into a std sleep leaves its starter at the gate, and
    /// the step open). Asked once a step has not settled for a while.
    pub(crate) fn asleep_outside(&self) -> Option<Tid> {
        let ready = self.inner.gate.ready();
        self.inner
            .registry
            .alive()
            .into_iter()
            .filter(|record| !ready.contains(&record.tid) && !self.inner.gate.is_blocked(record.tid))
            .map(|record| record.tid)
            .find(|&tid| self.in_the_kernel(tid))
    }

    /// The thread whose step is under way, if any.
    pub(crate) fn moving(&self) -> Option<Tid> {
        match self.inner.gate.mode() {
            super::PauseState::Stepping(tid) => Some(tid),
            _ => None,
        }
    }

    /// What may move now, once the last step has settled.
    pub(crate) fn choices(&self) -> Choices {
        self.inner.gate.choices()
    }

    /// Whether thread `tid` sleeps (`None`: whether any thread does), until its deadline.
    pub(crate) fn asleep(&self, tid: Option<Tid>) -> bool {
        self.inner.gate.is_asleep(tid)
    }

    /// Whether the program is over but for its end: the main function has returned and no
    /// thread it waits for is alive, so the main thread is finishing by itself.
    pub(crate) fn finishing(&self) -> bool {
        let inner = &self.inner;
        inner.shutting_down.load(Ordering::SeqCst)
            && inner.main_thread().is_none_or(|main| !inner.registry.non_daemon_alive(main.tid))
    }

    /// Grants `choice` one step; false when it cannot move now (or a step is under way).
    /// Letting time pass moves demo time to the earliest deadline first.
    pub(crate) fn grant(&self, choice: Choice) -> bool {
        let inner = &self.inner;
        let (tid, timeout) = match choice {
            Choice::Thread(tid) => (tid, false),
            Choice::Time => match inner.gate.choices().timeout {
                Some((_, tid)) => (tid, true),
                None => return false,
            },
        };
        if !inner.gate.may_grant(tid, timeout) {
            return false;
        }
        if let (Choice::Time, Some((deadline, _))) = (choice, inner.gate.choices().timeout) {
            inner.advance_clock(deadline);
        }
        // Numbered before anything the step does, so a run's events split into its steps. A
        // poked thread may refuse its grant (its wait is not over): it reports its step itself,
        // once it knows it goes on (`wait::block_controlled`), so a refusal is no step.
        if timeout || !inner.gate.is_blocked(tid) {
            let control = if timeout { Control::Advance { thread: tid } } else { Control::Step { thread: tid } };
            inner.emit_direct(By::Thread(0), None, || EventKind::Control { control });
        }
        inner.gate.grant(tid, timeout)
    }

    /// Whether the program began a timed wait other than a sleep, or read demo time, so far.
    pub(crate) fn timed_wait_or_clock_read(&self) -> bool {
        self.inner.gate.timed_wait_or_clock_read()
    }

    /// How many times a timed wait began or ended, or the program read demo time, so far.
    pub(crate) fn timing(&self) -> u64 {
        self.inner.gate.timing()
    }

    /// The thread granted the last step (for time passing: the thread whose wait ended).
    pub(crate) fn last_granted(&self) -> Tid {
        self.inner.gate.last_stepped()
    }

    /// Whether the last grant did nothing: the poked thread found its wait unsatisfied.
    pub(crate) fn grant_refused(&self) -> bool {
        self.inner.gate.grant_refused()
    }

    /// Whether every step is chosen by a controller.
    pub(crate) fn is_controlled(&self) -> bool {
        self.inner.controlled
    }
}
