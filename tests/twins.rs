//! Every demo has a Python twin (`demos/python/twins/`) that does what it does: run both with
//! `--plain` along the same schedule (`_*`, the run that never preempts, and a seed for the
//! random sleeps) and their logs, final values and exit statuses are the same, line for line.
//! So the Rust demo and the Python program a class reads can never drift apart.
//!
//! `python3` (CPython 3.9 or newer) is required: without it these tests fail rather than pass
//! unseen (`.ci/run` installs it).
#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test at the line that broke")]

mod common;

use std::time::Duration;

use threadviz::dashboard::catalog::DEMOS;

/// Far longer than any run here needs.
const DEADLINE: Duration = Duration::from_mins(2);

/// Demos whose threads spin without an operation: a controlled run cannot schedule them, in
/// Rust or in Python (both say a thread did not come back), so they are watched, not twinned.
const SPINNING: [&str; 2] = ["busy-main", "timeslice"];

/// What `threadviz ARGS` printed and how it exited.
fn threadviz(args: &[&str]) -> (String, Option<i32>) {
    common::stdout_of(env!("CARGO_BIN_EXE_threadviz"), args, DEADLINE)
}

/// The Rust demo's and its twin's plain runs along `schedule`, with `extra` options.
#[track_caller]
fn assert_twins(name: &str, schedule: &str, extra: &[&str]) {
    let mut args = vec!["demo", name, "--plain", "--schedule", schedule];
    args.extend_from_slice(extra);
    let (rust, rust_code) = threadviz(&args);
    args.push("--python");
    let (python, python_code) = threadviz(&args);
    // A Python name cannot hold a hyphen: the twin's locks are `lock_a` where the demo's are
    // `lock-a`, and only the deadlock's report names them.
    let python: String = python
        .lines()
        .map(|line| if line.starts_with("deadlock:") { line.replace("lock_", "lock-") } else { line.to_owned() })
        .map(|line| line + "\n")
        .collect();
    assert!(!rust.is_empty(), "{name}: the demo printed nothing");
    assert_eq!(python, rust, "{name} {}: the twin's log differs from the demo's", extra.join(" "));
    assert_eq!(python_code, rust_code, "{name}: the twin exits otherwise");
}

#[test]
fn every_demo_has_a_python_twin() {
    for demo in DEMOS {
        let (file, text) = demo.python().unwrap_or_else(|| panic!("{} has no twin in demos/python/twins/", demo.name));
        assert!(std::path::Path::new(file).extension().is_some_and(|extension| extension == "py"), "{file}");
        assert!(text.starts_with("\"\"\""), "{file} starts with its docstring");
    }
}

#[test]
fn each_twin_logs_what_its_demo_logs_along_the_same_schedule() {
    for demo in DEMOS.iter().filter(|demo| !SPINNING.contains(&demo.name)) {
        assert_twins(demo.name, "_*", &[]);
    }
}

#[test]
fn twins_take_the_demos_parameters_seeds_and_schedules() {
    // Random sleeps drawn from another seed, and a smaller race.
    assert_twins("race", "_*", &["--seed", "7", "--param", "threads=3", "--param", "items=2"]);
    assert_twins("lock", "_*", &["--seed", "3", "--param", "increments=3"]);
    // A schedule with preemptions, as `threadviz explore race` finds it: the same lost update.
    assert_twins("race", "_x3.t.3.t._*", &["--param", "threads=2", "--param", "items=1"]);
}
