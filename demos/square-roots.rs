//! A daemon thread computes square roots while the main thread reports its progress once a
//! second (000 `SquareRootCalculator` and its `CalculatorThread`).

use std::time::Duration;

use threadviz::sync::Shared;
use threadviz::thread::{self, Thread};
use tracing::info;

/// How many roots to calculate (the tutorial reads it from the command line).
const TARGET: usize = 35;

/// The tutorial's `CalculatorThread.run`: appends `sqrt(i)` for `i` in `1..=target`.
fn calculator(results: &Shared<Vec<f64>>, target: usize) {
    for i in 1..=target {
        // Each root stands for a slow calculation: 0.1 s here, so the demo lasts a few seconds.
        thread::sleep(Duration::from_millis(100));
        // Only this thread writes `results`, so its load-append-store loses nothing.
        let mut done = results.load();
        done.push((i as f64).sqrt());
        results.store(done);
    }
}

/// Starts the calculator as a daemon, then checks `results` once a second until it is done.
pub fn main() {
    let results = Shared::named("results", Vec::new());
    // A daemon, so the script could end without waiting for it.
    let counter = Thread::builder().daemon(true).build({
        let results = results.clone();
        move || calculator(&results, TARGET)
    });
    info!("Turning on the calculator thread...");
    counter.start();

    while results.load().len() < TARGET {
        info!("{} square roots calculated so far.", results.load().len());
        thread::sleep(Duration::from_secs(1));
    }
    let results = results.load();
    let last = results[results.len() - 1];
    info!("Calculated {TARGET} square root(s); the last one is sqrt({})={last:.6}", results.len());
}
