//! The play head a replay's controller and its player thread share: where in the recording
//! the replay is, its clock (demo time, standing still while a hold lasts or while paused),
//! and where the lesson's question stands. Both sides move it only under [`Shared`]'s lock,
//! so the events sent and the position never disagree.

use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use super::stops::Stops;
use crate::app::live::LINGER;
use crate::record::Cursor;
use crate::session::{clamp_speed, hold_length};

/// The play head, shared by the controller and the player thread.
#[derive(Debug)]
pub(super) struct Head {
    /// The events not sent yet; its position is the events sent down the channel so far: the
    /// app has folded them, or will next.
    pub(super) cursor: Cursor,
    /// Whether the player sends events as they fall due.
    pub(super) playing: bool,
    /// Demo time's speed.
    pub(super) speed: f64,
    /// Demo time at `since`.
    pub(super) anchor_us: u64,
    /// When the clock stood at `anchor_us`; in the future while a hold lasts, so that demo
    /// time stands still until then (as a live session's clock does).
    pub(super) since: Instant,
    /// What was left of a hold when the replay paused: it runs again on resume, so a hold is
    /// seen whole whatever pauses interrupt it.
    pub(super) hold_left: Duration,
    /// The first stop after the head's position, once known (the stops may still be being
    /// found that far: the player finds it before it sends the next event).
    pub(super) next_stop: Option<usize>,
    /// The lesson's question in this run, which the app asks once, at the first moment it folds.
    pub(super) question: Question,
    /// Set when the replay quits or is dropped: the player thread ends.
    pub(super) quit: bool,
}

/// Where a run is with the lesson's question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Question {
    /// Not asked yet.
    Unasked,
    /// The player sent the moment's event: the app asks, and the player pauses where the
    /// moment's stop comes.
    PauseAtStop,
    /// Asked.
    Asked,
}

impl Question {
    /// After the head moved other than by playing: a pause still to come is not (the app has
    /// asked already, at the event the player sent).
    pub(super) fn moved(self) -> Self {
        if self == Self::PauseAtStop { Self::Asked } else { self }
    }
}

impl Head {
    pub(super) fn position(&self) -> usize {
        self.cursor.position()
    }

    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "elapsed demo time is positive and far below u64::MAX microseconds"
    )]
    pub(super) fn clock_us(&self) -> u64 {
        if self.playing {
            let elapsed = Instant::now().saturating_duration_since(self.since).as_secs_f64() * 1e6 * self.speed;
            self.anchor_us.saturating_add(elapsed as u64)
        } else {
            self.anchor_us
        }
    }

    /// Puts the clock at `time_us`, ending any hold: the head went somewhere else.
    pub(super) fn set_clock(&mut self, time_us: u64) {
        self.anchor_us = time_us;
        self.since = Instant::now();
        self.hold_left = Duration::ZERO;
    }

    /// What is left of the hold in force, if the head is holding.
    pub(super) fn holding(&self) -> Option<Duration> {
        let left = self.since.saturating_duration_since(Instant::now());
        (self.playing && !left.is_zero()).then_some(left)
    }

    /// Stands demo time still for `real` of real time from now.
    fn hold(&mut self, real: Duration) {
        let now = self.clock_us();
        self.anchor_us = now;
        self.since = Instant::now() + real;
    }

    pub(super) fn pause(&mut self) {
        if !self.playing {
            return;
        }
        let left = self.since.saturating_duration_since(Instant::now());
        let now = self.clock_us();
        self.playing = false;
        self.set_clock(now);
        self.hold_left = left;
    }

    pub(super) fn resume(&mut self) {
        if self.playing {
            return;
        }
        self.playing = true;
        self.since = Instant::now() + std::mem::take(&mut self.hold_left);
    }

    /// A new speed from now on; a hold in force keeps the real time it has left, as a live
    /// one does.
    pub(super) fn set_speed(&mut self, speed: f64) {
        let left = self.since.saturating_duration_since(Instant::now());
        let now = self.clock_us();
        self.speed = clamp_speed(speed);
        self.anchor_us = now;
        self.since = Instant::now() + left;
    }

    /// The player just sent an event: if a stop comes here, holds or pauses as it says and
    /// returns true. The lesson's moment pauses only if this run has not asked yet, so the
    /// replay and the app's question agree.
    pub(super) fn reached(&mut self, stops: &Stops) -> bool {
        let position = self.position();
        let next = *self.next_stop.get_or_insert_with(|| stops.first_after(position.saturating_sub(1)));
        let Some(stop) = stops.get(next) else { return false };
        if stop.ask.is_some_and(|moment| moment + 1 == position) && self.question == Question::Unasked {
            self.question = Question::PauseAtStop;
        }
        if stop.at != position {
            return false;
        }
        self.next_stop = Some(next + 1);
        if stop.hold {
            self.hold(hold_length(LINGER, self.speed));
        }
        let asks = stop.ask.is_some() && self.question == Question::PauseAtStop;
        if asks {
            self.question = Question::Asked;
            // The hold, if any, waits for the question to be answered: it runs on resume.
            self.pause();
        }
        stop.hold || asks
    }
}

/// The head under its lock, and the player's wake-up call.
#[derive(Debug)]
pub(super) struct Shared {
    pub(super) head: Mutex<Head>,
    /// Wakes the player when the head changes.
    pub(super) changed: Condvar,
}
