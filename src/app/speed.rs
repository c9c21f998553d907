//! The speed ladder `+` and `-` climb.

use crate::session::SPEED_RANGE;

/// The speeds `+` and `-` go through, 1x among them so that it is always one press away.
pub const SPEED_LADDER: [f64; 7] = [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0];

/// The rung after `speed` on [`SPEED_LADDER`], up or down; a speed between rungs (from
/// `--speed 0.3`) goes to the nearest rung in that direction, and the ends stay put.
#[must_use]
pub fn next_speed(speed: f64, faster: bool) -> f64 {
    // Speeds read back from the session may carry rounding: a hair off a rung is on it.
    let tolerance = 1e-9;
    let rung = if faster {
        SPEED_LADDER.iter().copied().find(|&rung| rung > speed + tolerance)
    } else {
        SPEED_LADDER.iter().rev().copied().find(|&rung| rung < speed - tolerance)
    };
    let edge = if faster { SPEED_LADDER[SPEED_LADDER.len() - 1] } else { SPEED_LADDER[0] };
    rung.unwrap_or(edge).clamp(SPEED_RANGE.0, SPEED_RANGE.1)
}
