//! An `RLock` held across calls: `getAll` holds it while `getPart1` and `getPart2` take it
//! too, and its level rises and falls with the calls (000 Re-Entrant locks: `getAll` /
//! `getPart1` / `getPart2`).

use threadviz::py::repr;
use threadviz::sync::RLock;
use tracing::info;

fn get_part1(lock: &RLock) -> &'static str {
    let _with = lock.hold();
    info!("getPart1: level {}", lock.level());
    "first part"
}

fn get_part2(lock: &RLock) -> &'static str {
    let _with = lock.hold();
    info!("getPart2: level {}", lock.level());
    "second part"
}

/// Holds the lock across both reads, so nobody changes the data in between. With a plain
/// `Lock`, `get_part1` would block forever on the lock its own caller holds.
fn get_all(lock: &RLock) -> (&'static str, &'static str) {
    let _with = lock.hold();
    info!("getAll: level {}", lock.level());
    let first = get_part1(lock);
    let second = get_part2(lock);
    (first, second)
}

/// Calls `getAll`, then shows the level once it has returned.
pub fn main() {
    let lock = RLock::named("lock");
    let (first, second) = get_all(&lock);
    info!("getAll returned {} and {}; level {}", repr(first), repr(second), lock.level());
}
