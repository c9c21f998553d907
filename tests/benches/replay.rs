//! Cost of rewinding a replay: seeking into a recording of 100,000 events, and reading such a
//! recording from its JSON Lines.
//!
//! Run with `cargo bench --bench replay`. The events come from a real session recorded once at
//! start-up. A seek costs one kept model's clone plus fewer than `SNAPSHOT_EVERY` folds; the
//! summary at the end gives the worst case, a step back to just before a kept model, and a
//! seek to the middle, against the target (a seek well under a frame, 16 ms).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use threadviz::record::{self, Form, RecordTo, SNAPSHOT_EVERY, Snapshots};
use threadviz::sync::{Condition, Lock, Queue};
use threadviz::thread::{self, Thread};
use threadviz::{Session, TraceEvent};

const EVENTS: usize = 100_000;

fn main() {
    divan::main();
    print_summary();
}

/// A recording of at least [`EVENTS`] events from a busy program, as JSON Lines.
fn recording_bytes() -> Vec<u8> {
    let (mut reader, writer) = std::io::pipe().expect("a pipe");
    let collector = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut reader, &mut bytes).expect("the recording");
        bytes
    });
    let session = Session::new();
    let recorder = RecordTo::writer(writer, "bench").form(Form::JsonLines).attach(&session).expect("a recorder");
    session.run(|| {
        let lock = Lock::named("lock");
        let condition = Condition::named("condition");
        let queue = Queue::named("queue", 0);
        let workers: Vec<Thread> = (0..4)
            .map(|worker| {
                let (lock, condition, queue) = (lock.clone(), condition.clone(), queue.clone());
                thread::spawn(move || {
                    for round in 0..EVENTS / 4 / 7 {
                        lock.acquire();
                        let _ = lock.release();
                        let with = condition.hold();
                        let _ = condition.notify(1);
                        drop(with);
                        queue.put(round);
                        black_box(queue.get());
                        if round % 100 == 0 {
                            tracing::info!("worker {worker} at round {round}");
                        }
                        // Pauses let the collector keep up, so no event is lost at its source.
                        if round % 32 == 0 {
                            thread::sleep(Duration::from_millis(1));
                        }
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join();
        }
    });
    recorder.finish().expect("the recording is written");
    collector.join().expect("the collector ends")
}

fn events() -> Arc<[TraceEvent]> {
    let recording = record::read_bytes(&recording_bytes(), "bench").expect("it reads back");
    assert!(recording.events.len() >= EVENTS, "{} events", recording.events.len());
    recording.events.into()
}

#[divan::bench(sample_count = 50)]
fn seek_to_the_middle(bencher: divan::Bencher) {
    let snapshots = Snapshots::new(events());
    let middle = snapshots.len() / 2;
    bencher.bench_local(|| snapshots.model_at(black_box(middle)));
}

#[divan::bench(sample_count = 50)]
fn step_back_across_a_kept_model(bencher: divan::Bencher) {
    let snapshots = Snapshots::new(events());
    let worst = snapshots.every() * 50 - 1;
    bencher.bench_local(|| snapshots.model_at(black_box(worst)));
}

#[divan::bench(sample_count = 5)]
fn read_the_recording(bencher: divan::Bencher) {
    let bytes = recording_bytes();
    bencher.bench_local(|| record::read_bytes(black_box(&bytes), "bench").expect("reads"));
}

fn print_summary() {
    let bytes = recording_bytes();
    let started = Instant::now();
    let recording = record::read_bytes(&bytes, "bench").expect("it reads back");
    let read = started.elapsed();
    let len = recording.events.len();
    let started = Instant::now();
    let snapshots = Snapshots::new(recording.events.into());
    let load = started.elapsed();
    let time = |position: usize| {
        let rounds = 50;
        let started = Instant::now();
        for _ in 0..rounds {
            black_box(snapshots.model_at(black_box(position)));
        }
        started.elapsed() / rounds
    };
    println!();
    println!("recording of {len} events ({} MB): read in {read:.2?}, models kept in {load:.2?}", bytes.len() >> 20);
    println!("seek to the middle: {:.2?}", time(len / 2));
    println!(
        "worst seek ({} folds after a kept model, every {SNAPSHOT_EVERY}): {:.2?} (target well under 16 ms)",
        snapshots.every() - 1,
        time(snapshots.every() * 50 - 1)
    );
}
