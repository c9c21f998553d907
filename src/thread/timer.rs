//! `Timer`: a thread that runs a function after a delay unless cancelled first.

use std::fmt;
use std::panic::Location;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use parking_lot::Mutex;

use super::{Thread, ThreadError};
use crate::sync::Event;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Pending,
    Cancelled,
    Fired,
}

/// Python's `threading.Timer`: after `interval` of demo time, runs `f` on its own thread,
/// unless [`Timer::cancel`] came first. A cancelled timer never runs `f`.
#[derive(Clone)]
pub struct Timer {
    thread: Thread,
    finished: Event,
    fate: Arc<Mutex<Fate>>,
}

impl fmt::Debug for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timer").field("name", &self.thread.name()).field("fate", &*self.fate.lock()).finish()
    }
}

/// Options for a new [`Timer`].
#[derive(Debug, Default)]
#[must_use]
pub struct TimerBuilder {
    name: Option<String>,
}

impl TimerBuilder {
    /// The timer thread's name (default `Thread-N`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Creates the timer (not started).
    #[track_caller]
    pub fn build(self, interval: Duration, f: impl FnOnce() + Send + 'static) -> Timer {
        Timer::create(self.name, interval, f, Location::caller())
    }
}

impl Timer {
    /// A timer that will run `f` after `interval` once started.
    #[track_caller]
    pub fn new(interval: Duration, f: impl FnOnce() + Send + 'static) -> Self {
        Self::create(None, interval, f, Location::caller())
    }

    /// Options for a named timer.
    pub fn builder() -> TimerBuilder {
        TimerBuilder::default()
    }

    fn create(
        name: Option<String>,
        interval: Duration,
        f: impl FnOnce() + Send + 'static,
        loc: &'static Location<'static>,
    ) -> Self {
        let fate = Arc::new(Mutex::new(Fate::Pending));
        let mut builder = Thread::builder();
        if let Some(name) = name {
            builder = builder.name(name);
        }
        // The thread's name is only known once it exists, and the cancel event is named after it.
        let slot: Arc<OnceLock<Event>> = Arc::new(OnceLock::new());
        let (finished, thread) = {
            let waiter_slot = slot.clone();
            let thread_fate = fate.clone();
            let thread = builder.build_at(
                move || {
                    let Some(waiter) = waiter_slot.get() else { return };
                    waiter.wait_timeout(interval);
                    let fire = {
                        let mut fate = thread_fate.lock();
                        let fire = *fate == Fate::Pending;
                        if fire {
                            *fate = Fate::Fired;
                        }
                        fire
                    };
                    if fire {
                        f();
                    }
                    waiter.set();
                },
                loc,
            );
            let finished = Event::named_at(format!("{} cancel", thread.name()), loc);
            let _ = slot.set(finished.clone());
            (finished, thread)
        };
        Self { thread, finished, fate }
    }

    /// Starts the countdown.
    ///
    /// # Panics
    /// As [`Thread::start`] does: when the timer was started before, or the operating system
    /// cannot create its thread. [`try_start`](Self::try_start) returns the error instead.
    #[track_caller]
    pub fn start(&self) {
        self.thread.start();
    }

    /// [`start`](Self::start), returning the misuse instead of panicking.
    #[track_caller]
    pub fn try_start(&self) -> Result<(), ThreadError> {
        self.thread.try_start()
    }

    /// Stops the timer if it has not fired yet; the function will then never run.
    #[track_caller]
    pub fn cancel(&self) {
        {
            let mut fate = self.fate.lock();
            if *fate == Fate::Pending {
                *fate = Fate::Cancelled;
            }
        }
        self.finished.set();
    }

    /// Waits for the timer thread to end.
    ///
    /// # Panics
    /// As [`Thread::join`] does: when the timer was never started, or from its own thread.
    /// [`try_join`](Self::try_join) returns the error instead.
    #[track_caller]
    pub fn join(&self) {
        self.thread.join();
    }

    /// [`join`](Self::join), returning the misuse instead of panicking.
    #[track_caller]
    pub fn try_join(&self) -> Result<(), ThreadError> {
        self.thread.try_join()
    }

    /// Whether the timer thread is running.
    #[must_use]
    pub fn is_alive(&self) -> bool {
        self.thread.is_alive()
    }

    /// The timer thread's name.
    #[must_use]
    pub fn name(&self) -> String {
        self.thread.name()
    }

    /// The timer's thread.
    #[must_use]
    pub fn thread(&self) -> &Thread {
        &self.thread
    }
}
