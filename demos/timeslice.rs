//! Time slices: more CPU-bound threads than cores, so the OS hands the cores around in turns
//! and pre-empts each thread when its slice runs out (001 processes, time slices and context
//! switch; the process table with its Run and Sleep states).

use std::hint::black_box;
use std::num::NonZero;
use std::time::{Duration, Instant};

use threadviz::Session;
use threadviz::sync::Local;
use threadviz::thread::{self, Thread};
use tracing::info;

/// How long the busy threads work, in demo time.
const DEMO_TIME: Duration = Duration::from_secs(7);
/// Real CPU time of one chunk of work on an idle core.
const CHUNK: Duration = Duration::from_millis(4);
/// At most this many busy threads, however many cores there are.
const MAX_BUSY: usize = 12;
/// The fastest of this many measurements sets a chunk's rounds.
const CALIBRATION_TRIES: u32 = 5;
/// How long the sleeper sleeps, then works, in turns (demo time).
const NAP: Duration = Duration::from_millis(500);

/// `rounds` steps of arithmetic that never waits for anything.
fn crunch(rounds: u64, seed: u64) -> u64 {
    let mut x = seed | 1;
    for _ in 0..rounds {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x = black_box(x);
    }
    x
}

/// How many rounds of `crunch` take one [`CHUNK`] of CPU time on this machine, measured once
/// before any worker starts, so a chunk is the same amount of work for every thread. The
/// fastest of several tries counts: a busy neighbour on the machine slows a try down, which
/// would make every chunk cheaper.
fn calibrate() -> u64 {
    let mut rounds: u64 = 1_000;
    let mut took = loop {
        let started = Instant::now();
        crunch(rounds, rounds);
        let took = started.elapsed();
        if took >= Duration::from_millis(2) {
            break took;
        }
        rounds *= 2;
    };
    for _ in 0..CALIBRATION_TRIES {
        let started = Instant::now();
        crunch(rounds, rounds);
        took = took.min(started.elapsed());
    }
    let scaled = u128::from(rounds) * CHUNK.as_nanos() / took.as_nanos().max(1);
    u64::try_from(scaled).unwrap_or(u64::MAX).max(1)
}

/// Works in chunks until demo time `end`, counting them in `chunks`.
fn busy(chunks: &Local<u64>, rounds: u64, end: Duration) {
    let session = Session::current();
    let mut done = 0;
    while session.now() < end {
        crunch(rounds, done);
        done += 1;
        // One visible operation per chunk: the pause gate can stop the thread here.
        chunks.set(done);
    }
    info!("done: {done} chunks");
}

/// Sleeps and works in turns: its kernel state flips between S and R, and each sleep is a
/// voluntary context switch.
fn sleeper(chunks: &Local<u64>, rounds: u64, end: Duration) {
    let session = Session::current();
    let mut done = 0;
    while session.now() < end {
        thread::sleep(NAP);
        let work_until = session.now() + NAP;
        while session.now() < work_until.min(end) {
            crunch(rounds, done);
            done += 1;
            chunks.set(done);
        }
    }
    info!("done: {done} chunks between naps");
}

/// Starts two more busy threads than there are cores, and one that sleeps now and then.
pub fn main() {
    let cores = std::thread::available_parallelism().map_or(1, NonZero::get);
    let count = (cores + 2).min(MAX_BUSY);
    info!("{cores} cores, {count} busy threads and one sleeper");
    let rounds = calibrate();
    let chunks = Local::named("chunks");
    let end = Session::current().now() + DEMO_TIME;
    let mut threads: Vec<Thread> = (1..=count)
        .map(|number| {
            let chunks = chunks.clone();
            Thread::builder().name(format!("busy-{number}")).build(move || busy(&chunks, rounds, end))
        })
        .collect();
    threads.push(Thread::builder().name("sleeper").build(move || sleeper(&chunks, rounds, end)));
    for worker in &threads {
        worker.start();
    }
    for worker in &threads {
        worker.join();
    }
    info!("time is up");
}
