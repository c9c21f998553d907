//! The speed of exploring: runs a second for `race` (2 threads x 2 increments), `deadlock` and
//! `producer-consumer`, beside one plain run of the same demo at speed 10; and the cost of one
//! explored step beside a bare hand-off between two threads, all measured in one run.
//!
//! Run with `cargo bench --bench explore`; `THREADVIZ_BENCH_RUNS` sets the runs explored per
//! demo (1,000 by default, well under a minute).

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use parking_lot::{Condvar, Mutex};
use threadviz::Session;
use threadviz::dashboard::catalog;
use threadviz::dashboard::cli::{Cli, Command};
use threadviz::explore::{Explorer, Strategy};
use threadviz::sync::Shared;
use threadviz::thread;

fn explore(args: &[&str]) -> threadviz::explore::Report {
    let cli = Cli::try_parse_from(["threadviz", "explore"].iter().chain(args)).expect("valid options");
    let Command::Explore(options) = cli.command else { unreachable!("explore") };
    threadviz::dashboard::cli::explore::report(&options, &mut |_| {}).expect("a demo")
}

/// One plain run of `demo` at speed 10 with `params`, printing to nowhere: its wall time. A
/// demo that deadlocks (`deadlock`) is stopped once the deadlock is sure, as `--plain` does.
fn plain_run(demo: &str, params: &[(&str, i64)]) -> Duration {
    let demo = catalog::find(demo).expect("a demo");
    let mut builder = Session::builder().speed(10.0);
    for &(name, value) in params {
        builder = builder.param(name, value);
    }
    let session = builder.build();
    let started = Instant::now();
    let _ = threadviz::run_plain_to(&session, std::io::sink(), demo.main);
    started.elapsed()
}

/// Half a round trip between two threads that wake each other through a mutex and condvar:
/// the least a step that moves another thread can cost.
fn hand_off(rounds: u32) -> Duration {
    let turn = Arc::new((Mutex::new(false), Condvar::new()));
    let other = {
        let turn = turn.clone();
        std::thread::spawn(move || {
            for _ in 0..rounds {
                let mut mine = turn.0.lock();
                while !*mine {
                    turn.1.wait(&mut mine);
                }
                *mine = false;
                turn.1.notify_one();
            }
        })
    };
    let started = Instant::now();
    for _ in 0..rounds {
        let mut theirs = turn.0.lock();
        *theirs = true;
        turn.1.notify_one();
        while *theirs {
            turn.1.wait(&mut theirs);
        }
    }
    let elapsed = started.elapsed();
    other.join().expect("the other thread ends");
    elapsed / (rounds * 2)
}

fn main() {
    let runs = std::env::var("THREADVIZ_BENCH_RUNS").unwrap_or_else(|_| "1000".to_owned());
    println!("{:<32} {:>12} {:>14} {:>16}", "demo", "runs/s", "steps/run", "one plain run");
    for (demo, params) in
        [("race", &[("threads", 2), ("items", 2)][..]), ("deadlock", &[][..]), ("producer-consumer", &[][..])]
    {
        let mut args = vec![demo, "--runs", &runs];
        let flags: Vec<String> = params.iter().map(|(name, value)| format!("{name}={value}")).collect();
        for flag in &flags {
            args.extend(["--param", flag]);
        }
        let report = explore(&args);
        let plain = plain_run(demo, params);
        let label = if flags.is_empty() { demo.to_owned() } else { format!("{demo} {}", flags.join(" ")) };
        println!(
            "{label:<32} {:>12.0} {:>14.1} {:>13.1} ms   ({:.0} explored runs in the time of one plain run)",
            report.runs_per_second(),
            report.steps() as f64 / report.runs() as f64,
            plain.as_secs_f64() * 1e3,
            report.runs_per_second() * plain.as_secs_f64(),
        );
    }
    // One step, against a bare hand-off: a program whose steps are all loads.
    let report = Explorer::new()
        .runs(200)
        .strategy(Strategy::Random)
        .check(|| {
            let value = Shared::new(0);
            let other = {
                let value = value.clone();
                thread::spawn(move || {
                    for _ in 0..200 {
                        value.load();
                    }
                })
            };
            for _ in 0..200 {
                value.load();
            }
            other.join();
        })
        .expect("no failure");
    let per_step = report.elapsed() / u32::try_from(report.steps()).unwrap_or(u32::MAX);
    let hand_off = hand_off(20_000);
    println!(
        "one explored step: {:.1} us; one hand-off between two threads: {:.1} us ({:.1}x)",
        per_step.as_secs_f64() * 1e6,
        hand_off.as_secs_f64() * 1e6,
        per_step.as_secs_f64() / hand_off.as_secs_f64()
    );
}
