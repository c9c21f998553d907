//! The controls a viewer has over a running session: pause, resume, step, speed, each reported
//! as a control event; and the holds of a lingering session, which keep a wake-up on screen.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::clock::{clamp_speed, nanos};
use super::gate::{Step, StepRefused};
use super::{By, GATED, SessionInner};
use crate::event::{Control, EventKind, Tid};

/// Whether a wake-up at demo time `now_ns` is held, the holds so far having added
/// `lingered_ns` of demo time: holds add at most the demo time that has passed (plus one hold).
/// The rule a lingering session holds its wake-ups by, and the one a replay or an export of its
/// recording holds them again by (`app/moment.rs`), so they hold the same ones.
#[must_use]
pub fn may_hold(lingered_ns: u64, now_ns: u64) -> bool {
    lingered_ns <= now_ns
}

/// The real time a hold of `linger` (demo time) lasts at `speed` (clamped as a session clamps
/// it): live and in a replay or an export alike.
#[must_use]
pub fn hold_length(linger: Duration, speed: f64) -> Duration {
    linger.div_f64(clamp_speed(speed))
}

impl SessionInner {
    /// A blocked thread was woken by another thread's action (a notify, a release, a set, a
    /// put, a barrier passing, a thread ending): when the session lingers, hold the moment so
    /// the class can see it. For the hold's length of real time (scaled by the speed) demo time
    /// stands still and threads wait at their next operation, while the woken threads move on
    /// to where the wake-up takes them (blocked on the lock their waker still holds, say).
    ///
    /// Budget: holds add at most the demo time that has passed (plus one hold), so a busy
    /// program runs at most about twice as long and a quiet one shows every wake-up.
    pub(crate) fn woken(&self) {
        let Some(linger) = self.linger else { return };
        let linger_ns = nanos(linger);
        if !may_hold(self.lingered_ns.load(Ordering::Relaxed), self.clock.now_ns()) {
            return;
        }
        let real = hold_length(linger, self.clock.speed());
        if self.gate.hold(real) {
            self.lingered_ns.fetch_add(linger_ns, Ordering::Relaxed);
            self.gate.publish(&self.flags, GATED);
            self.clock.hold_for(real);
        }
    }

    fn wake_all_threads(&self) {
        self.gate.wake_all();
        for record in self.registry.alive() {
            record.wake();
        }
    }

    /// Moves the paused demo clock forward to `deadline_ns` (a step that lets time pass), and
    /// the time events are stamped with along with it: while events flow, threads stamp them
    /// with the collector's recent reading, which would otherwise give the woken thread's
    /// first events the time before the jump.
    pub(super) fn advance_clock(&self, deadline_ns: u64) {
        self.clock.advance_to(deadline_ns);
        self.emitter.recent.us.fetch_max(self.clock.now_ns() / 1_000, Ordering::Relaxed);
    }

    fn control(&self, control: Control) {
        self.emit_direct(By::Thread(0), None, || EventKind::Control { control });
    }

    pub(super) fn pause(&self) {
        // Raised before the gate closes, so no thread slips past a pause it should see.
        self.set_flag(GATED, true);
        if self.gate.set_paused(true) {
            self.clock.set_paused(true);
            self.control(Control::Pause);
        }
        self.gate.publish(&self.flags, GATED);
    }

    pub(super) fn resume(&self) {
        if self.gate.set_paused(false) {
            self.clock.set_paused(false);
            self.control(Control::Resume);
        }
        self.gate.publish(&self.flags, GATED);
        // Timed waiters computed "forever" while paused: let them look at the clock again.
        self.wake_all_threads();
    }

    pub(super) fn step(&self, target: Option<Tid>) -> Result<Step, StepRefused> {
        let first_timer = self.timers.lock().iter().next().copied();
        let step = self.gate.step(target, first_timer.map(|(_, tid)| tid))?;
        if step.advanced {
            if let Some((deadline, tid)) = first_timer {
                self.advance_clock(deadline);
                if let Some(record) = self.registry.find(tid) {
                    record.wake();
                }
            }
            self.control(Control::Advance { thread: step.thread });
        } else {
            self.control(Control::Step { thread: step.thread });
        }
        Ok(step)
    }

    pub(super) fn set_speed(&self, speed: f64) -> f64 {
        let speed = self.clock.set_speed(speed);
        self.control(Control::Speed { speed });
        self.wake_all_threads();
        speed
    }
}
