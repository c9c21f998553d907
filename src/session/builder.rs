//! Options for a new session: its seed, speed, whether it starts paused, how long it holds a
//! wake-up on screen, its program's parameters, and whether a controller chooses every step.

use std::collections::BTreeMap;
use std::time::Duration;

use std::sync::{Arc, Weak};

use super::pool::Pool;
use super::{Session, SessionInner};

/// How the sleeps of a controlled session end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sleeps {
    /// In the order of their deadlines: letting time pass is a step of its own, which ends
    /// the earliest (the only way, for a program with timed waits or that reads demo time).
    InDeadlineOrder,
    /// In any order: a sleep ends as soon as it begins, in its thread's own step, and the
    /// thread may move again at any later step, as Shuttle and loom treat sleeps. For a
    /// program whose only timed waits are sleeps and that never reads demo time, the orders of
    /// its operations are the same either way (a thread woken early need not move at once, so
    /// what another thread can see of it is only when it next moves), while no step has to be
    /// ordered against time passing and a sleep's wake is no step of its own: a depth-first
    /// search needs far fewer runs, of fewer steps.
    AnyOrder,
}

/// Options for a new [`Session`].
#[derive(Debug, Clone)]
pub struct SessionBuilder {
    pub(super) seed: u64,
    pub(super) speed: f64,
    pub(super) paused: bool,
    pub(super) linger: Option<Duration>,
    pub(super) params: BTreeMap<String, i64>,
    pub(super) controlled: bool,
    pub(super) delivered_on_flush: bool,
    pub(super) pool: Option<Weak<Pool>>,
    pub(super) sleeps: Sleeps,
}

impl Default for SessionBuilder {
    fn default() -> Self {
        Self {
            seed: 0,
            speed: 1.0,
            paused: false,
            linger: None,
            params: BTreeMap::new(),
            controlled: false,
            delivered_on_flush: false,
            pool: None,
            sleeps: Sleeps::InDeadlineOrder,
        }
    }
}

impl SessionBuilder {
    /// Seed of the session's random numbers (`--seed`); threads draw from their own streams
    /// derived from it, so random sleeps repeat across runs.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Initial speed, clamped to [`SPEED_RANGE`](super::SPEED_RANGE).
    #[must_use]
    pub fn speed(mut self, speed: f64) -> Self {
        self.speed = speed;
        self
    }

    /// Start paused: the main thread stops before its first operation.
    #[must_use]
    pub fn paused(mut self, paused: bool) -> Self {
        self.paused = paused;
        self
    }

    /// Hold each wake-up on screen for `linger` of demo time (real time scaled by the speed):
    /// a notify, a lock handed to a waiter, an event set, a barrier passing, a thread woken by
    /// a put or a release. Demo time stands still meanwhile, so the program's behaviour in demo
    /// time is unchanged; holds never add more than the demo time that has passed. For live
    /// viewers; off by default.
    #[must_use]
    pub fn linger(mut self, linger: Duration) -> Self {
        self.linger = Some(linger).filter(|linger| !linger.is_zero());
        self
    }

    /// Sets a parameter of the program, which it reads with [`crate::param`]: how many
    /// threads a demo starts, say.
    #[must_use]
    pub fn param(mut self, name: impl Into<String>, value: i64) -> Self {
        self.params.insert(name.into(), value);
        self
    }

    /// A session whose every step a controller chooses (exploration, a replayed schedule, a
    /// challenge). It starts paused and never runs freely.
    #[must_use]
    pub(crate) fn controlled(mut self) -> Self {
        self.controlled = true;
        self
    }

    /// A session whose events reach its subscribers only when it is flushed, by the flushing
    /// thread: no collector thread runs beside the program. For an explored run, read once it
    /// is over, whose threads move one at a time: a collector there is one more thread to
    /// start and one more to wake at every step, for nothing.
    #[must_use]
    pub(crate) fn delivered_on_flush(mut self) -> Self {
        self.delivered_on_flush = true;
        self
    }

    /// A session whose threads run on `pool`'s parked OS threads instead of new ones: an
    /// exploration's runs, one after another, reuse the OS threads of the runs before. The
    /// session does not keep the pool: a thread it leaves behind never keeps the pool's parked
    /// workers from ending with the exploration.
    #[must_use]
    pub(crate) fn pooled(mut self, pool: &Arc<Pool>) -> Self {
        self.pool = Some(Arc::downgrade(pool));
        self
    }

    /// How a controlled session's sleeps end (in deadline order unless told otherwise).
    #[must_use]
    pub(crate) fn sleeps(mut self, sleeps: Sleeps) -> Self {
        self.sleeps = sleeps;
        self
    }

    /// Creates the session.
    #[must_use]
    pub fn build(self) -> Session {
        Session { inner: SessionInner::new(&self, false) }
    }
}
