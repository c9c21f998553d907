//! Cost of instrumentation: threadviz's `Lock` acquire+release against raw `parking_lot`, with
//! nobody listening and with a subscriber draining every event on another thread.
//!
//! Run with `cargo bench --bench lock_overhead`. Divan prints the time of each variant; the
//! summary at the end gives the ratios, measured side by side in the same run (interleaved
//! rounds, median of rounds) so machine noise hits both sides alike.

use std::hint::black_box;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use threadviz::Session;
use threadviz::sync::Lock;

fn main() {
    divan::main();
    print_ratios();
}

#[divan::bench]
fn raw_parking_lot(bencher: divan::Bencher) {
    let mutex = Mutex::new(());
    bencher.bench_local(|| drop(black_box(&mutex).lock()));
}

#[divan::bench]
fn threadviz_quiet(bencher: divan::Bencher) {
    let lock = Lock::new();
    bencher.bench_local(|| {
        black_box(&lock).acquire();
        let _ = black_box(&lock).release();
    });
}

#[divan::bench]
fn threadviz_listened(bencher: divan::Bencher) {
    let _ = with_listened_lock(|lock| {
        bencher.bench_local(|| {
            black_box(lock).acquire();
            let _ = black_box(lock).release();
        });
    });
}

/// Runs `body` with a lock whose session has a subscriber draining events on another thread,
/// the way the dashboard does: everything queued, once a millisecond, never blocking on a
/// single event (a receiver blocked in `recv` would make every send a futex wake-up).
fn with_listened_lock(body: impl FnOnce(&Lock)) -> u64 {
    let session = Session::new();
    let (events, _dropped) = session.subscribe().into_parts();
    let drain = std::thread::spawn(move || {
        let mut seen = 0_usize;
        loop {
            match events.try_recv() {
                Ok(_) => seen += 1 + events.try_iter().count(),
                Err(crossbeam_channel::TryRecvError::Empty) => std::thread::sleep(Duration::from_millis(1)),
                Err(crossbeam_channel::TryRecvError::Disconnected) => return seen,
            }
        }
    });
    session.run(|| body(&Lock::new()));
    // The session's end disconnects the subscription, which ends the drain.
    let delivered = drain.join().unwrap_or(0) as u64;
    let lost = session.lost_events();
    delivered * 1000 / (delivered + lost).max(1)
}

const ITERATIONS: u32 = 200_000;
const ROUNDS: usize = 15;

fn time_per_op(mut op: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..ITERATIONS {
        op();
    }
    start.elapsed() / ITERATIONS
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

fn print_ratios() {
    let mutex = Mutex::new(());
    let quiet = Lock::new();
    let mut raw = Vec::new();
    let mut instrumented = Vec::new();
    let mut listened_raw = Vec::new();
    let mut listened = Vec::new();
    for _ in 0..ROUNDS {
        raw.push(time_per_op(|| drop(black_box(&mutex).lock())));
        instrumented.push(time_per_op(|| {
            black_box(&quiet).acquire();
            let _ = black_box(&quiet).release();
        }));
    }
    let delivered_permille = with_listened_lock(|lock| {
        for _ in 0..ROUNDS {
            listened_raw.push(time_per_op(|| drop(black_box(&mutex).lock())));
            listened.push(time_per_op(|| {
                black_box(lock).acquire();
                let _ = black_box(lock).release();
            }));
        }
    });
    let (raw, instrumented) = (median(raw), median(instrumented));
    let (listened_raw, listened) = (median(listened_raw), median(listened));
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(f64::MIN_POSITIVE);
    println!();
    println!("lock+unlock, median of {ROUNDS} interleaved rounds of {ITERATIONS}:");
    println!("  raw parking_lot                 {raw:>10.2?}");
    println!(
        "  threadviz, nobody listening     {instrumented:>10.2?}   {:.2}x raw (target <= 1.3x)",
        ratio(instrumented, raw)
    );
    println!(
        "  threadviz, subscriber draining  {listened:>10.2?}   {:.2}x raw (target <= 5x; raw in the same rounds {listened_raw:.2?})",
        ratio(listened, listened_raw)
    );
    println!(
        "  events delivered to the subscriber: {:.1}% (the rest dropped at the source and counted, as designed when a viewer falls behind)",
        delivered_permille as f64 / 10.0
    );
}
