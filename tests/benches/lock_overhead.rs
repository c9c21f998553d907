//! Cost of instrumentation: threadviz's `Lock` acquire+release against raw `parking_lot`, with
//! nobody listening and with a subscriber draining every event on another thread.
//!
//! Run with `cargo bench --bench lock_overhead`. Divan prints the time of each variant; the
//! summary at the end gives the ratios, measured side by side in the same run (interleaved
//! rounds, median of rounds) so machine noise hits both sides alike.
//!
//! Two summaries: the tight loop (nothing but lock+unlock) against two baselines measured in
//! the same rounds, a plain `parking_lot::Mutex<()>` and `std::sync::Mutex<()>`: with nobody
//! listening (target: at most 1.3x the plain mutex), with the dashboard's lossy subscriber
//! (it cannot take every event; most are dropped at the source, cheaply) and with a lossless
//! one, as when recording (every event delivered; the loop waits for the collector). Then the
//! same pair amid other work, slow enough that every event is delivered: what an event that
//! reaches the viewer costs the watched thread. Last, a program of four threads hammering a
//! lock and a bounded queue, alone and recorded: how much slower recording makes it, how fast
//! events reach the recorder, and that none is lost. On a virtual machine the listened figures
//! depend on how far apart the host placed the two cores.

use std::hint::black_box;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use threadviz::Session;
use threadviz::record::RecordTo;
use threadviz::sync::{Lock, Queue};
use threadviz::thread;

fn main() {
    divan::main();
    print_ratios();
    print_paced_cost();
    print_recorded_program();
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
    let _ = with_listened_lock(Listener::Dashboard, |lock| {
        bencher.bench_local(|| {
            black_box(lock).acquire();
            let _ = black_box(lock).release();
        });
    });
}

/// Events the subscriber received, events dropped at the source because it fell behind, and
/// how long the program waited for the collector.
struct Delivery {
    delivered: u64,
    lost: u64,
    held_up: Duration,
}

/// Who listens.
#[derive(Clone, Copy)]
enum Listener {
    /// The dashboard: a lossy subscription; a thread whose ring is full drops.
    Dashboard,
    /// A recorder: lossless; a thread whose ring is full waits for the collector.
    Recorder,
}

/// Runs `body` with a lock whose session has a subscriber draining events on another thread,
/// the way the dashboard does: everything queued, once a millisecond, never blocking on a
/// single event (a receiver blocked in `recv` would make every send a futex wake-up).
fn with_listened_lock(listener: Listener, body: impl FnOnce(&Lock)) -> Delivery {
    let session = Session::new();
    let (events, _dropped) = match listener {
        Listener::Dashboard => session.subscribe_lossy(65_536),
        Listener::Recorder => session.subscribe(),
    }
    .into_parts();
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
    Delivery { delivered, lost: session.lost_events(), held_up: session.held_up() }
}

const ITERATIONS: u32 = 200_000;
const ROUNDS: usize = 15;

/// Nanoseconds an operation, to a hundredth (a `Duration` divided by the iterations would
/// round to whole nanoseconds, too coarse for a ratio of 1.3).
fn time_per_op(op: impl FnMut()) -> f64 {
    time_per_op_n(ITERATIONS, op)
}

fn time_per_op_n(iterations: u32, mut op: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..iterations {
        op();
    }
    start.elapsed().as_secs_f64() * 1e9 / f64::from(iterations)
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
    let delivery = with_listened_lock(Listener::Recorder, |lock| {
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
    println!("  raw parking_lot + work          {raw:>10.2} ns");
    println!(
        "  threadviz + work, recorded      {listened:>10.2} ns   +{:.0} ns per lock+unlock (3 events)",
        listened - raw
    );
    println!(
        "  events delivered to the subscriber: {} of {emitted} ({:.1}%)",
        delivery.delivered,
        delivery.delivered as f64 * 100.0 / emitted as f64
    );
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_unstable_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn print_ratios() {
    let mutex = Mutex::new(());
    let std_mutex = std::sync::Mutex::new(());
    let quiet = Lock::new();
    let (mut raw, mut std_raw, mut instrumented) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        raw.push(time_per_op(|| drop(black_box(&mutex).lock())));
        std_raw.push(time_per_op(|| drop(black_box(&std_mutex).lock())));
        instrumented.push(time_per_op(|| {
            black_box(&quiet).acquire();
            let _ = black_box(&quiet).release();
        }));
    }
    let (raw, std_raw, instrumented) = (median(raw), median(std_raw), median(instrumented));
    println!();
    println!("lock+unlock, tight loop, median of {ROUNDS} interleaved rounds of {ITERATIONS}:");
    println!("  parking_lot::Mutex<()>           {raw:>8.2} ns   the plain mutex");
    println!("  std::sync::Mutex<()>             {std_raw:>8.2} ns   {:.2}x the plain mutex", std_raw / raw);
    println!(
        "  threadviz Lock, nobody listening {instrumented:>8.2} ns   {:.2}x the plain mutex (target <= 1.3x)",
        instrumented / raw
    );
    for (listener, label) in [(Listener::Dashboard, "dashboard (lossy)  "), (Listener::Recorder, "recorded (lossless)")]
    {
        let (mut same_rounds_raw, mut listened) = (Vec::new(), Vec::new());
        let delivery = with_listened_lock(listener, |lock| {
            for _ in 0..ROUNDS {
                same_rounds_raw.push(time_per_op(|| drop(black_box(&mutex).lock())));
                listened.push(time_per_op(|| {
                    black_box(lock).acquire();
                    let _ = black_box(lock).release();
                }));
            }
        });
        let loop_seconds = listened.iter().sum::<f64>() * f64::from(ITERATIONS) / 1e9;
        let (same_rounds_raw, listened) = (median(same_rounds_raw), median(listened));
        let emitted = (delivery.delivered + delivery.lost).max(1);
        println!(
            "  threadviz Lock, {label} {listened:>8.2} ns   {:.2}x the plain mutex ({same_rounds_raw:.2} ns in the same rounds)",
            listened / same_rounds_raw
        );
        println!(
            "      events delivered {} of {emitted} ({:.1}%), {:.1} million a second; lost at the source {}; \
             threads held up {:.3} s",
            delivery.delivered,
            delivery.delivered as f64 * 100.0 / emitted as f64,
            delivery.delivered as f64 / loop_seconds / 1e6,
            delivery.lost,
            delivery.held_up.as_secs_f64(),
        );
    }
}

/// Rounds each of the four threads of [`four_threads`] runs.
const PROGRAM_ROUNDS: u64 = 100_000;

/// Four threads hammering one lock and a bounded queue: each takes the lock, counts, lets go,
/// then puts (two of them) or gets (the other two) with a timeout.
fn four_threads() {
    let lock = Lock::named("counter lock");
    let queue: Queue<u64> = Queue::named("work", 8);
    let workers: Vec<_> = (0..4)
        .map(|worker| {
            let (lock, queue) = (lock.clone(), queue.clone());
            thread::spawn(move || {
                for round in 0..PROGRAM_ROUNDS {
                    lock.acquire();
                    black_box(round);
                    let _ = lock.release();
                    if worker % 2 == 0 {
                        let _ = queue.put_timeout(round, Duration::from_millis(1));
                    } else {
                        let _ = queue.get_timeout(Duration::from_millis(1));
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join();
    }
}

/// The four-thread program alone, then recorded (lossless: every event, the program waits
/// when it must): how much slower it runs, how fast events reach the recorder, how many are
/// lost (none), how long its threads waited.
fn print_recorded_program() {
    let alone = {
        let session = Session::new();
        let started = Instant::now();
        session.run(four_threads);
        started.elapsed()
    };
    let session = Session::new();
    let recorder = RecordTo::writer(std::io::sink(), "four threads").attach(&session).expect("a recorder");
    let started = Instant::now();
    session.run(four_threads);
    let while_recording = started.elapsed();
    let summary = recorder.finish().expect("the recording finishes");
    let written = started.elapsed();
    println!();
    println!(
        "four threads, {PROGRAM_ROUNDS} rounds each of lock+unlock then put or get (timeout 1 ms), bounded queue of 8:"
    );
    println!("  alone, nobody listening          {alone:>10.2?}");
    println!(
        "  recorded (lossless)              {while_recording:>10.2?}   {:.2}x slower",
        while_recording.as_secs_f64() / alone.as_secs_f64()
    );
    println!(
        "      {} events, {:.2} million a second to the recorder (all written in {written:.2?}); lost {}; \
         threads held up {:.3} s in all",
        summary.events,
        summary.events as f64 / written.as_secs_f64() / 1e6,
        summary.lost,
        summary.held_up.as_secs_f64(),
    );
}
