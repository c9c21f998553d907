//! Cost of instrumentation: threadviz's `Lock` acquire+release against raw `parking_lot`, with
//! nobody listening and with a subscriber draining every event on another thread.
//!
//! Run with `cargo bench --bench lock_overhead`. Divan prints the time of each variant; the
//! summary at the end gives the ratios, measured side by side in the same run (interleaved
//! rounds, median of rounds) so machine noise hits both sides alike.
//!
//! Two summaries: the tight loop (the target: nothing but lock+unlock, so the
//! subscriber cannot take every event and most are dropped at the source, cheaply), and the
//! same pair amid other work, slow enough that every event is delivered: what an event that
//! reaches the viewer costs the watched thread. On a virtual machine the second figure, and the
//! first through it, depend on how far apart the host placed the two cores.

use std::hint::black_box;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use threadviz::Session;
use threadviz::sync::Lock;

fn main() {
    divan::main();
    print_ratios();
    print_paced_cost();
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

/// Events the subscriber received, and events dropped at the source because it fell behind.
struct Delivery {
    delivered: u64,
    lost: u64,
}

/// Runs `body` with a lock whose session has a subscriber draining events on another thread,
/// the way the dashboard does: everything queued, once a millisecond, never blocking on a
/// single event (a receiver blocked in `recv` would make every send a futex wake-up).
fn with_listened_lock(body: impl FnOnce(&Lock)) -> Delivery {
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
    Delivery { delivered, lost: session.lost_events() }
}

const ITERATIONS: u32 = 200_000;
const ROUNDS: usize = 15;

fn time_per_op(op: impl FnMut()) -> Duration {
    time_per_op_n(ITERATIONS, op)
}

fn time_per_op_n(iterations: u32, mut op: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..iterations {
        op();
    }
    start.elapsed() / iterations
}

/// Stand-in for the rest of a program's work between two lock+unlock pairs.
fn other_work() {
    for step in 0..PACING_STEPS {
        black_box(step);
    }
}

const PACING_STEPS: u32 = 2_000;
const PACED_ITERATIONS: u32 = 5_000;

/// The tight loop above emits far more events than any viewer can take, so most are dropped
/// and cost little. This measures the cost of an event that is delivered: the same loop with
/// other work in between, slow enough that the subscriber gets every event.
fn print_paced_cost() {
    let mutex = Mutex::new(());
    let mut raw = Vec::new();
    let mut listened = Vec::new();
    let delivery = with_listened_lock(|lock| {
        for _ in 0..ROUNDS {
            raw.push(time_per_op_n(PACED_ITERATIONS, || {
                drop(black_box(&mutex).lock());
                other_work();
            }));
            listened.push(time_per_op_n(PACED_ITERATIONS, || {
                black_box(lock).acquire();
                let _ = black_box(lock).release();
                other_work();
            }));
        }
    });
    let (raw, listened) = (median(raw), median(listened));
    let emitted = (delivery.delivered + delivery.lost).max(1);
    println!();
    println!("lock+unlock between other work, median of {ROUNDS} interleaved rounds of {PACED_ITERATIONS}:");
    println!("  raw parking_lot + work          {raw:>10.2?}");
    println!(
        "  threadviz + work, subscribed    {listened:>10.2?}   +{:.0?} per lock+unlock (3 events)",
        listened.saturating_sub(raw)
    );
    println!(
        "  events delivered to the subscriber: {} of {emitted} ({:.1}%)",
        delivery.delivered,
        delivery.delivered as f64 * 100.0 / emitted as f64
    );
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
    let delivery = with_listened_lock(|lock| {
        for _ in 0..ROUNDS {
            listened_raw.push(time_per_op(|| drop(black_box(&mutex).lock())));
            listened.push(time_per_op(|| {
                black_box(lock).acquire();
                let _ = black_box(lock).release();
            }));
        }
    });
    let (raw, instrumented) = (median(raw), median(instrumented));
    let listened_total: Duration = listened.iter().sum::<Duration>() * ITERATIONS;
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
    let emitted = (delivery.delivered + delivery.lost).max(1);
    println!(
        "  events delivered to the subscriber: {} of {emitted} ({:.1}%), {:.1} million a second while the loop ran;",
        delivery.delivered,
        delivery.delivered as f64 * 100.0 / emitted as f64,
        delivery.delivered as f64 / listened_total.as_secs_f64() / 1e6,
    );
    println!("  the rest were dropped at the source and counted, as designed when a viewer falls behind");
}
