//! What watching costs a real Python program, side by side in one run: four threads doing
//! 50,000 `with lock:` increments each (`tests/python/programs/lockbench.py`, the program the
//! hook's own tests flood with) bare, under
//! `threadviz run --plain`, recorded, and under VizTracer when it is installed
//! (`pip install viztracer`); and the start-up of an empty program. Each is run several times,
//! interleaved, and the median is reported, with the cost per lock pair and the ratios to the
//! bare run. The recording is read back to check it lost nothing.
//!
//! `cargo bench --bench python_run`; `THREADVIZ_BENCH_PYTHON` names the interpreter (default
//! `python3`), `THREADVIZ_BENCH_INCREMENTS` the increments per thread (default 50,000).
#![allow(clippy::unwrap_used, reason = "a benchmark that cannot run should stop at the line that broke")]
#![allow(clippy::print_stdout, reason = "a benchmark's report is its output")]
#![allow(clippy::doc_markdown, reason = "the docs name tools and Python calls in prose")]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use threadviz::event::EventKind;

const ROUNDS: usize = 5;
const STARTUP_ROUNDS: usize = 15;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Runs a command to its end, its output thrown away; its wall time.
fn time(program: &str, args: &[&str]) -> Duration {
    let started = Instant::now();
    let status = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap_or_else(|error| panic!("cannot run {program}: {error}"));
    let took = started.elapsed();
    assert!(status.success(), "{program} {args:?} failed: {status}");
    took
}

fn main() {
    let python = std::env::var("THREADVIZ_BENCH_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let increments = std::env::var("THREADVIZ_BENCH_INCREMENTS").unwrap_or_else(|_| "50000".to_owned());
    let pairs = 4 * increments.parse::<u64>().unwrap();
    let threadviz = env!("CARGO_BIN_EXE_threadviz");
    let manifest = env!("CARGO_MANIFEST_DIR");
    let program = format!("{manifest}/tests/python/programs/lockbench.py");
    let empty = format!("{manifest}/tests/benches/python/empty.py");
    let folder = std::env::temp_dir().join(format!("threadviz-bench-python-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let recording = folder.join("locks.tvr");
    let recording = recording.to_str().unwrap();
    let trace = folder.join("viztracer.json");
    let trace = trace.to_str().unwrap();
    let python_flag = ["--python", python.as_str()];
    let viztracer = Command::new(&python)
        .args(["-m", "viztracer", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());

    let (mut bare, mut plain, mut recorded, mut traced) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let counter = [program.as_str(), increments.as_str()];
        bare.push(time(&python, &counter));
        plain.push(time(threadviz, &[&["run", "--plain"], &python_flag[..], &counter].concat()));
        recorded
            .push(time(threadviz, &[&["run", "--plain", "--record", recording], &python_flag[..], &counter].concat()));
        if viztracer {
            traced.push(time(&python, &[&["-m", "viztracer", "--quiet", "-o", trace], &counter[..]].concat()));
        }
    }
    let (mut bare_start, mut run_start) = (Vec::new(), Vec::new());
    for _ in 0..STARTUP_ROUNDS {
        bare_start.push(time(&python, &[&empty]));
        run_start.push(time(threadviz, &[&["run", "--plain"], &python_flag[..], &[&empty]].concat()));
    }

    let events = threadviz::record::read(recording).unwrap().events;
    let acquired = events.iter().filter(|event| matches!(event.kind, EventKind::Acquired { .. })).count();
    let released = events.iter().filter(|event| matches!(event.kind, EventKind::Released { .. })).count();
    let ended = matches!(events.last().map(|event| &event.kind), Some(EventKind::SessionEnded));
    let bytes = std::fs::metadata(recording).map_or(0, |metadata| metadata.len());

    let bare = median(bare);
    let show = |name: &str, took: Duration| {
        let added = took.saturating_sub(bare).as_secs_f64() * 1e6 / pairs as f64;
        println!(
            "{name:<34} {:>8.3} s  {:>5.2}x bare  {added:>6.2} µs added per lock pair",
            took.as_secs_f64(),
            took.as_secs_f64() / bare.as_secs_f64()
        );
    };
    println!("{python}: 4 threads x {increments} `with lock:` increments, median of {ROUNDS} runs each");
    show("python3 (bare)", bare);
    show("threadviz run --plain", median(plain));
    let recorded = median(recorded);
    show("threadviz run --plain --record", recorded);
    if viztracer {
        let traced = median(traced);
        show("viztracer", traced);
        println!(
            "recorded run / VizTracer run: {:.2}x (target: at most 1)",
            recorded.as_secs_f64() / traced.as_secs_f64()
        );
    } else {
        println!("viztracer: not installed (`pip install viztracer` to compare)");
    }
    println!(
        "recording: {} events, {acquired} acquired and {released} released of {pairs} pairs, {}, {:.1} MB",
        events.len(),
        if ended { "complete" } else { "CUT SHORT" },
        bytes as f64 / 1e6
    );
    let (bare_start, run_start) = (median(bare_start), median(run_start));
    println!(
        "start-up of an empty program: bare {:.1} ms, threadviz run --plain {:.1} ms: {:.1} ms more (target: at most 150)",
        bare_start.as_secs_f64() * 1e3,
        run_start.as_secs_f64() * 1e3,
        run_start.saturating_sub(bare_start).as_secs_f64() * 1e3
    );
    let _ = std::fs::remove_dir_all(&folder);
}
