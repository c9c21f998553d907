//! `Barrier(parties, action, timeout)`: three threads pass in lockstep, the action runs once
//! per round, and `abort()` breaks the barrier for everyone (004 `Barrier`; 003 Barrier).

use std::time::Duration;

use threadviz::dashboard::catalog::Param;
use threadviz::random;
use threadviz::sync::Barrier;
use threadviz::thread::{self, Thread};
use tracing::info;

/// Works `rounds` of the program's `all` rounds, meeting the others at the barrier after each
/// one; a thread with fewer rounds gives up and aborts the barrier so nobody waits for it
/// forever.
fn worker(barrier: &Barrier, rounds: u32, all: u32) {
    for round in 1..=all {
        if round > rounds {
            thread::sleep(Duration::from_secs(2)); // stuck, while the others wait
            info!("Round {round}: giving up, abort()");
            barrier.abort();
            return;
        }
        thread::sleep(random::seconds(0.5, 1.5)); // this round's work
        info!("Round {round}: waiting at the barrier");
        match barrier.wait() {
            Ok(index) => info!("Round {round}: passed (arrived as number {index})"),
            Err(error) => {
                info!("Round {round}: BrokenBarrierError: {error}");
                return;
            }
        }
    }
}

/// Three rounds, the third worker stopping after two; `--param rounds=1`: one round, and
/// nobody gives up.
pub const ROUNDS: Param = Param::new("rounds", 1..=5, 3, "the rounds the first two workers go through");

/// Three workers; the third stops after two rounds.
pub fn main() {
    let all: u32 = ROUNDS.get();
    // The action runs once per round, in the last thread to arrive, before anyone passes.
    // A thread waiting longer than 5 s would break the barrier too.
    let barrier = Barrier::with_action(3, || info!("All 3 arrived: everyone passes")).timeout(Duration::from_secs(5));
    for rounds in [all, all, all.min(2)] {
        let barrier = barrier.clone();
        let t = Thread::new(move || worker(&barrier, rounds, all));
        t.start();
    }
}
