//! The session's demo clock: real time scaled by the speed, frozen while paused or held.
//!
//! A hold freezes demo time for a stretch of real time and then lets it run again by itself:
//! the clock's base real time is set that far in the future, and demo time counts only real
//! time past it. So a held moment needs nobody to end it, and no demo-time behaviour changes.
//!
//! Readers (every event timestamp, every timed wait) take no lock: the parameters live in
//! atomics guarded by a sequence counter, and only the rare writers (pause, resume, speed,
//! advance) serialise on a mutex. Real time comes from the CPU's time-stamp counter (quanta),
//! several times cheaper here than the OS clock, since every event is stamped.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering, fence};
use std::time::Duration;

use quanta::Instant;

use parking_lot::Mutex;

/// The slowest and fastest speeds a session accepts.
pub const SPEED_RANGE: (f64, f64) = (0.1, 10.0);

/// What a timed wait should do next, given its demo-time deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RealWait {
    /// The deadline has passed.
    Expired,
    /// The clock is frozen: wait until something wakes the thread.
    Indefinitely,
    /// Wait this long in real time, then look again.
    For(Duration),
}

#[derive(Debug, Clone, Copy)]
struct Params {
    base_real_ns: u64,
    base_demo_ns: u64,
    speed: f64,
    paused: bool,
}

impl Params {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "elapsed demo time is positive and far below u64::MAX ns"
    )]
    fn demo_at(&self, real_ns: u64) -> u64 {
        if self.paused {
            self.base_demo_ns
        } else {
            let elapsed = real_ns.saturating_sub(self.base_real_ns) as f64 * self.speed;
            self.base_demo_ns.saturating_add(elapsed as u64)
        }
    }
}

/// A pausable, scalable clock. Demo time starts at zero when the session is created.
#[derive(Debug)]
pub(crate) struct Clock {
    origin: Instant,
    version: AtomicU64,
    base_real_ns: AtomicU64,
    base_demo_ns: AtomicU64,
    speed_bits: AtomicU64,
    paused: AtomicBool,
    writer: Mutex<()>,
}

pub(crate) fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

impl Clock {
    pub(crate) fn new(speed: f64, paused: bool) -> Self {
        Self {
            origin: Instant::now(),
            version: AtomicU64::new(0),
            base_real_ns: AtomicU64::new(0),
            base_demo_ns: AtomicU64::new(0),
            speed_bits: AtomicU64::new(clamp_speed(speed).to_bits()),
            paused: AtomicBool::new(paused),
            writer: Mutex::new(()),
        }
    }

    fn real_ns(&self) -> u64 {
        nanos(self.origin.elapsed())
    }

    fn params(&self) -> Params {
        loop {
            let before = self.version.load(Ordering::Acquire);
            if before & 1 == 1 {
                std::hint::spin_loop();
                continue;
            }
            let params = Params {
                base_real_ns: self.base_real_ns.load(Ordering::Relaxed),
                base_demo_ns: self.base_demo_ns.load(Ordering::Relaxed),
                speed: f64::from_bits(self.speed_bits.load(Ordering::Relaxed)),
                paused: self.paused.load(Ordering::Relaxed),
            };
            fence(Ordering::Acquire);
            if self.version.load(Ordering::Relaxed) == before {
                return params;
            }
        }
    }

    fn write(&self, change: impl FnOnce(&mut Params)) {
        let _writer = self.writer.lock();
        let real = self.real_ns();
        let mut params = self.params();
        params.base_demo_ns = params.demo_at(real);
        // A hold still running stays in force: its base real time is in the future.
        params.base_real_ns = params.base_real_ns.max(real);
        change(&mut params);
        let version = self.version.load(Ordering::Relaxed);
        self.version.store(version + 1, Ordering::Relaxed);
        fence(Ordering::Release);
        self.base_real_ns.store(params.base_real_ns, Ordering::Relaxed);
        self.base_demo_ns.store(params.base_demo_ns, Ordering::Relaxed);
        self.speed_bits.store(params.speed.to_bits(), Ordering::Relaxed);
        self.paused.store(params.paused, Ordering::Relaxed);
        self.version.store(version + 2, Ordering::Release);
    }

    /// Demo time now, in nanoseconds.
    pub(crate) fn now_ns(&self) -> u64 {
        let params = self.params();
        if params.paused { params.base_demo_ns } else { params.demo_at(self.real_ns()) }
    }

    /// Demo time now.
    pub(crate) fn now(&self) -> Duration {
        Duration::from_nanos(self.now_ns())
    }

    /// The demo-time deadline `timeout` from now; `None` when it is too far to represent
    /// (`Duration::MAX` means forever).
    pub(crate) fn deadline_after(&self, timeout: Duration) -> Option<u64> {
        let timeout = u64::try_from(timeout.as_nanos()).ok()?;
        self.now_ns().checked_add(timeout)
    }

    pub(crate) fn speed(&self) -> f64 {
        self.params().speed
    }

    pub(crate) fn set_paused(&self, paused: bool) {
        self.write(|params| params.paused = paused);
    }

    pub(crate) fn set_speed(&self, speed: f64) -> f64 {
        let speed = clamp_speed(speed);
        self.write(|params| params.speed = speed);
        speed
    }

    /// Freezes demo time for `real` of real time from now (at most: a hold already running
    /// longer is kept), after which it runs on from where it stood.
    pub(crate) fn hold_for(&self, real: Duration) {
        let until = self.real_ns().saturating_add(nanos(real));
        self.write(|params| params.base_real_ns = params.base_real_ns.max(until));
    }

    /// Moves a paused clock forward to `demo_ns` (never backward).
    pub(crate) fn advance_to(&self, demo_ns: u64) {
        self.write(|params| params.base_demo_ns = params.base_demo_ns.max(demo_ns));
    }

    /// How long, in real time, a thread should wait for the demo-time deadline `deadline_ns`.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a positive wait, scaled by a speed of at least 0.1, fits in u64 ns"
    )]
    pub(crate) fn real_wait(&self, deadline_ns: u64) -> RealWait {
        let params = self.params();
        let real = self.real_ns();
        let now = if params.paused { params.base_demo_ns } else { params.demo_at(real) };
        if now >= deadline_ns {
            RealWait::Expired
        } else if params.paused {
            RealWait::Indefinitely
        } else {
            let demo_left = (deadline_ns - now) as f64;
            let held = params.base_real_ns.saturating_sub(real);
            // Round up so a wake-up never comes a hair early and loops.
            RealWait::For(Duration::from_nanos(held + (demo_left / params.speed).ceil() as u64 + 1))
        }
    }
}

/// Keeps a requested speed within [`SPEED_RANGE`]; a NaN becomes 1.
#[must_use]
pub fn clamp_speed(speed: f64) -> f64 {
    if speed.is_nan() { 1.0 } else { speed.clamp(SPEED_RANGE.0, SPEED_RANGE.1) }
}

/// The session's demo time, as the program and the dashboard read and set it.
impl super::Session {
    /// Sets the speed (clamped to [`SPEED_RANGE`]); sleeps and timeouts scale. Returns the speed set.
    pub fn set_speed(&self, speed: f64) -> f64 {
        self.inner.set_speed(speed)
    }

    /// The current speed.
    #[must_use]
    pub fn speed(&self) -> f64 {
        self.inner.clock.speed()
    }

    /// Demo time since the session was created.
    #[must_use]
    pub fn now(&self) -> Duration {
        if self.inner.controlled {
            self.inner.gate.note_clock_read(); // what comes of it depends on when time passed
        }
        self.inner.clock.now()
    }

    /// Demo-time length of the holds so far (see [`super::SessionBuilder::linger`]): how much longer
    /// than its demo time the program took to watch.
    #[must_use]
    pub fn lingered(&self) -> Duration {
        Duration::from_nanos(self.inner.lingered_ns.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    //! The demo clock paused, advanced, held, scaled and clamped.

    use super::*;

    #[test]
    fn a_paused_clock_does_not_move() {
        let clock = Clock::new(1.0, true);
        let before = clock.now_ns();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(clock.now_ns(), before);
        assert_eq!(clock.real_wait(before + 1), RealWait::Indefinitely);
    }

    #[test]
    fn advancing_a_paused_clock_expires_deadlines_up_to_that_point() {
        let clock = Clock::new(1.0, true);
        clock.advance_to(2_000_000);
        assert_eq!(clock.now_ns(), 2_000_000);
        assert_eq!(clock.real_wait(2_000_000), RealWait::Expired);
        clock.advance_to(1_000);
        assert_eq!(clock.now_ns(), 2_000_000, "the clock never goes back");
    }

    #[test]
    fn speed_scales_real_waits() {
        let clock = Clock::new(10.0, false);
        let RealWait::For(wait) = clock.real_wait(clock.now_ns() + 1_000_000_000) else {
            panic!("a running clock with a future deadline waits a finite time");
        };
        assert!(wait <= Duration::from_millis(101), "{wait:?}");
    }

    #[test]
    fn a_hold_freezes_demo_time_then_lets_it_run_on() {
        let clock = Clock::new(1.0, false);
        clock.hold_for(Duration::from_hours(1));
        let held_at = clock.now_ns();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(clock.now_ns(), held_at, "held");
        let RealWait::For(wait) = clock.real_wait(held_at + 1_000) else {
            panic!("a held clock with a future deadline waits a finite time");
        };
        assert!(wait >= Duration::from_secs(3599), "the wait counts the hold: {wait:?}");
        // A speed change keeps the hold.
        clock.set_speed(2.0);
        assert_eq!(clock.now_ns(), held_at);

        let clock = Clock::new(1.0, false);
        clock.hold_for(Duration::from_millis(1));
        let held_at = clock.now_ns();
        std::thread::sleep(Duration::from_millis(20));
        assert!(clock.now_ns() > held_at, "a hold ends by itself");
    }

    #[test]
    fn speeds_are_clamped() {
        assert!((clamp_speed(100.0) - 10.0).abs() < f64::EPSILON);
        assert!((clamp_speed(0.0) - 0.1).abs() < f64::EPSILON);
        assert!((clamp_speed(f64::NAN) - 1.0).abs() < f64::EPSILON);
    }

    #[test]
    fn far_deadlines_are_forever() {
        let clock = Clock::new(1.0, false);
        assert_eq!(clock.deadline_after(Duration::MAX), None);
        assert!(clock.deadline_after(Duration::from_secs(1)).is_some());
    }
}
