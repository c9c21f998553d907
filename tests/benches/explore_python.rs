//! How fast `threadviz explore` goes through runs of a Python program (issue 19's target: 100
//! runs a second on the bank program, 2 clerks x 2 deposits, stepped by instruction): the bank
//! program at `--step bytecode` and `--step op`, the dining philosophers, and an empty program,
//! each as the runs a second the report's first line tells, beside the floor no fork server
//! can beat: a bare `fork()` + `_exit` + `waitpid` of an interpreter holding what the server
//! holds (the hook's modules and the programs' imports). Each is run several times,
//! interleaved, and the median is reported, with its ratio to the floor; nothing is asserted
//! (a busy machine slows everything alike).
//!
//! `cargo bench --bench explore_python`; `THREADVIZ_BENCH_PYTHON` names the interpreter
//! (default `python3`), `THREADVIZ_BENCH_RUNS` the runs of each exploration (default 300).
#![allow(clippy::unwrap_used, reason = "a benchmark that cannot run should stop at the line that broke")]
#![allow(clippy::print_stdout, reason = "a benchmark's report is its output")]
#![allow(clippy::doc_markdown, reason = "the docs name tools and Python calls in prose")]

use std::process::{Command, Stdio};

const ROUNDS: usize = 3;
const FORKS: usize = 500;

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Runs one exploration; the runs a second its report's first line tells.
fn explore(threadviz: &str, python: &str, runs: &str, args: &[&str]) -> f64 {
    let output = Command::new(threadviz)
        .args(["explore", "--python", python, "--runs", runs, "--no-shrink"])
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .unwrap_or_else(|error| panic!("cannot run {threadviz}: {error}"));
    let report = String::from_utf8_lossy(&output.stdout);
    let first = report.lines().next().unwrap_or_default();
    let rate = first
        .split_once(" runs a second")
        .and_then(|(before, _)| before.rsplit_once('('))
        .and_then(|(_, rate)| rate.trim().parse::<f64>().ok());
    rate.unwrap_or_else(|| panic!("no rate in the report of explore {args:?}: {report}"))
}

/// Forks and waits for an interpreter prepared as a fork server is, `FORKS` times; the
/// forks a second.
fn fork_floor(python: &str, manifest: &str) -> f64 {
    let script = format!(
        "import gc, os, sys, time\n\
         sys.path.insert(0, {hook:?})\n\
         import argparse, ast, linecache, threading, traceback\n\
         import threadviz_hook.boot, threadviz_hook.prims, threadviz_hook.sched, threadviz_hook.trace\n\
         gc.freeze()\n\
         start = time.monotonic()\n\
         for _ in range({FORKS}):\n\
         \x20   pid = os.fork()\n\
         \x20   if pid == 0:\n\
         \x20       os._exit(0)\n\
         \x20   os.waitpid(pid, 0)\n\
         print({FORKS} / (time.monotonic() - start))\n",
        hook = format!("{manifest}/assets/python"),
    );
    let output = Command::new(python)
        .args(["-c", &script])
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|error| panic!("cannot run {python}: {error}"));
    assert!(output.status.success(), "the fork floor failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().parse().unwrap()
}

fn main() {
    let python = std::env::var("THREADVIZ_BENCH_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let runs = std::env::var("THREADVIZ_BENCH_RUNS").unwrap_or_else(|_| "300".to_owned());
    let threadviz = env!("CARGO_BIN_EXE_threadviz");
    let manifest = env!("CARGO_MANIFEST_DIR");
    let bank = format!("{manifest}/demos/python/bank.py");
    let philosophers = format!("{manifest}/demos/python/philosophers.py");
    let empty = format!("{manifest}/tests/benches/python/empty.py");
    let cases: [(&str, Vec<&str>); 4] = [
        ("bank 2x2, --step bytecode", vec!["--step", "bytecode", &bank, "--clerks", "2", "--deposits", "2"]),
        ("bank 2x2, --step op", vec!["--step", "op", &bank, "--clerks", "2", "--deposits", "2"]),
        ("philosophers", vec![&philosophers]),
        ("empty program", vec![&empty]),
    ];
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); cases.len()];
    let mut floor = Vec::new();
    for _ in 0..ROUNDS {
        floor.push(fork_floor(&python, manifest));
        for ((_, args), rate) in cases.iter().zip(&mut rates) {
            rate.push(explore(threadviz, &python, &runs, args));
        }
    }
    let floor = median(floor);
    println!("threadviz explore of Python programs, {runs} runs each, median of {ROUNDS} rounds ({python})");
    println!("  {:<28} {:>8} {:>9} {:>9}", "", "runs/s", "ms/run", "x floor");
    println!("  {:<28} {:>8.0} {:>9.2} {:>9}", "floor: fork + exit + waitpid", floor, 1000.0 / floor, "1");
    for ((name, _), rate) in cases.iter().zip(rates) {
        let rate = median(rate);
        println!("  {name:<28} {rate:>8.0} {:>9.2} {:>9.1}", 1000.0 / rate, floor / rate);
    }
}
