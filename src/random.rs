//! Seeded random numbers for demos, like Python's `random` module: each thread draws from its
//! own stream derived from the session seed and its thread number, so `--seed` repeats a run's
//! random sleeps whatever the interleaving.

use std::ops::RangeInclusive;
use std::time::Duration;

use crate::session::context;

/// A float in `[0, 1)` (Python's `random.random()`).
#[must_use]
pub fn random() -> f64 {
    context::current().rng.lock().f64()
}

/// A float in `[low, high)` (Python's `random.uniform`).
#[must_use]
pub fn uniform(low: f64, high: f64) -> f64 {
    low + (high - low) * random()
}

/// An integer in `range`, both ends included (Python's `random.randint`).
#[must_use]
pub fn randint(range: RangeInclusive<i64>) -> i64 {
    context::current().rng.lock().i64(range)
}

/// A duration of `uniform(low, high)` seconds, for random sleeps.
#[must_use]
pub fn seconds(low: f64, high: f64) -> Duration {
    Duration::from_secs_f64(uniform(low, high).max(0.0))
}
