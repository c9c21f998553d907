//! Recording a flooding program and replaying the recording: four threads hammering one
//! `Lock` and a bounded `Queue` for a fixed number of operations, run once with nobody
//! listening and once recorded to a file, then the file opened for replay in a child process.
//!
//! Run with `cargo bench --bench recording`; `THREADVIZ_BENCH_OPS` sets the operations each
//! thread does (200,000 by default, a few million events, well under a minute), and
//! `THREADVIZ_BENCH_FILE` keeps the recording at that path for a look. It prints, in
//! one run: the events a second delivered to the recorder, the events a second the recorder
//! writes on its own core, bytes an event in the file, events lost, the program's slowdown
//! while recording, and the replay's time to its first frame, its peak memory and its seeks
//! (right after opening, and once every model is kept); then the exports' time and peak memory
//! (each in a child process of its own), against reading the recording whole.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use threadviz::dashboard::app::Seek;
use threadviz::dashboard::app::replay::stops::Stops;
use threadviz::dashboard::app::replay::{Replay, subject};
use threadviz::dashboard::app::run::Controller;
use threadviz::dashboard::app::{App, Command as AppCommand, Msg};
use threadviz::dashboard::export::{Events, asciicast, chrome};
use threadviz::dashboard::session::PauseState;
use threadviz::dashboard::view::theme::{Theme, ThemeName};
use threadviz::record::{self, Form, RecordTo, RecordingWriter};
use threadviz::sync::{Lock, Queue};
use threadviz::thread::{self, Thread};
use threadviz::{Session, TraceEvent};

/// Set in the child process that opens the recording, to the recording's path.
const CHILD: &str = "THREADVIZ_REPLAY_CHILD";
/// Set in a child process that exports the recording, to the recording's path...
const EXPORT_CHILD: &str = "THREADVIZ_EXPORT_CHILD";
/// ... in this format (`chrome`, `asciicast`, or `whole`: the recording read into memory, as
/// exports did before they streamed).
const EXPORT_FORMAT: &str = "THREADVIZ_EXPORT_FORMAT";
const DEFAULT_OPS: u64 = 200_000;

fn main() {
    if let Ok(path) = std::env::var(CHILD) {
        replay_child(Path::new(&path));
        return;
    }
    if let (Ok(path), Ok(format)) = (std::env::var(EXPORT_CHILD), std::env::var(EXPORT_FORMAT)) {
        export_child(Path::new(&path), &format);
        return;
    }
    let ops = std::env::var("THREADVIZ_BENCH_OPS").ok().and_then(|ops| ops.parse().ok()).unwrap_or(DEFAULT_OPS);
    // Kept for a look with `threadviz replay` when named; a temporary file otherwise.
    let kept = std::env::var_os("THREADVIZ_BENCH_FILE").map(PathBuf::from);
    let path = kept
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join(format!("threadviz-bench-{}.tvr", std::process::id())));
    println!("four threads, {ops} operations each, on one Lock and a Queue of 16");

    let quiet = time(|| flood(&Session::new(), ops));
    let session = Session::new();
    let recorder = RecordTo::file(&path, "flood").expect("a recording file").attach(&session).expect("a recorder");
    let started = Instant::now();
    flood(&session, ops);
    let while_recorded = started.elapsed();
    let summary = recorder.finish().expect("the recording is written");
    let written = started.elapsed();
    let events = summary.events as f64;
    println!(
        "program: {quiet:.2?} with nobody listening, {while_recorded:.2?} recorded: {:.2}x slower while recording",
        while_recorded.as_secs_f64() / quiet.as_secs_f64()
    );
    println!(
        "recording: {} events delivered to the recorder, {:.2} million a second (until the file was complete, {written:.2?})",
        summary.events,
        events / written.as_secs_f64() / 1e6
    );
    println!(
        "file: {:.1} MB, {:.2} bytes an event (target at most 16); events lost at their source: {}",
        summary.bytes as f64 / 1e6,
        summary.bytes as f64 / events,
        summary.lost
    );
    writer_rate(&path);

    let child = Command::new(std::env::current_exe().expect("the bench's own path"))
        .env(CHILD, &path)
        .output()
        .expect("the replay child runs");
    print!("{}", String::from_utf8_lossy(&child.stdout));
    assert!(child.status.success(), "the replay child failed: {}", String::from_utf8_lossy(&child.stderr));
    for format in ["whole", "chrome", "asciicast"] {
        let child = Command::new(std::env::current_exe().expect("the bench's own path"))
            .env(EXPORT_CHILD, &path)
            .env(EXPORT_FORMAT, format)
            .output()
            .expect("the export child runs");
        print!("{}", String::from_utf8_lossy(&child.stdout));
        assert!(child.status.success(), "the export child failed: {}", String::from_utf8_lossy(&child.stderr));
    }
    if kept.is_none() {
        let _ = std::fs::remove_file(&path);
    }
}

fn time(body: impl FnOnce()) -> Duration {
    let started = Instant::now();
    body();
    started.elapsed()
}

/// The program: four threads, each taking the lock, counting, releasing it, then putting on
/// the queue (two of them) or taking from it (the other two), with a short timeout.
fn flood(session: &Session, ops: u64) {
    session.run(move || {
        let lock = Lock::named("counter");
        let queue = Queue::named("queue", 16);
        let workers: Vec<Thread> = (0..4)
            .map(|worker| {
                let (lock, queue) = (lock.clone(), queue.clone());
                thread::spawn(move || {
                    let mut counted = 0_u64;
                    for op in 0..ops {
                        lock.acquire();
                        counted += 1;
                        let _ = lock.release();
                        if worker % 2 == 0 {
                            let _ = queue.put_timeout(op, Duration::from_millis(1));
                        } else {
                            let _ = black_box(queue.get_timeout(Duration::from_millis(1)));
                        }
                    }
                    black_box(counted);
                })
            })
            .collect();
        for worker in workers {
            worker.join();
        }
    });
}

/// The recorder's own rate: the recorded events encoded again on this core, to nowhere.
fn writer_rate(path: &Path) {
    let recording = record::read(path).expect("the recording reads back");
    let rounds = 3;
    let started = Instant::now();
    for _ in 0..rounds {
        let mut writer = RecordingWriter::new(std::io::sink(), &recording.header, Form::Binary).expect("a writer");
        for event in &recording.events {
            writer.event(black_box(event)).expect("written");
        }
        black_box(writer.finish().expect("finished"));
    }
    let per_second = (recording.events.len() * rounds) as f64 / started.elapsed().as_secs_f64();
    println!("writer: {:.1} million events a second on one core (target at least 5)", per_second / 1e6);
}

/// In the child: opens the recording for replay as `threadviz replay` does, draws the first
/// frame, seeks, and reports the time and the peak memory. A recording with its footer opens
/// at once and keeps its models in the background: the seeks are timed right after the first
/// frame (while that goes on) and again once every model is kept.
fn replay_child(path: &Path) {
    let started = Instant::now();
    let indexed = record::index(path).expect("the recording indexes");
    let from_footer = indexed.from_footer;
    let snapshots = indexed.snapshots;
    let len = snapshots.len();
    let kept_too = snapshots.clone();
    let replay = Replay::with_snapshots(snapshots, 1.0, true).expect("a replay");
    let mut app = App::new(subject("flood", None), Theme::new(ThemeName::Dark, true), PauseState::Paused, 1.0);
    app.update(Msg::Resize(120, 40));
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("a test terminal");
    terminal.draw(|frame| frame.render_widget(&app, frame.area())).expect("draws");
    let first_frame = started.elapsed();
    let opened = if from_footer { "from its footer" } else { "read whole (no footer)" };
    println!("replay: {len} events, opened {opened}, first frame in {first_frame:.2?} (target at most 300 ms)");

    let mut replay = replay;
    let (average, slowest) = seeks(&mut replay, &mut app, &mut terminal, len, kept_too.every());
    println!(
        "replay: right after opening, seek and draw {average:.2?} on average, {slowest:.2?} at worst (target at most 50 ms)"
    );
    let waited = Instant::now();
    kept_too.wait_until_kept();
    println!(
        "replay: every model kept {:.2?} later ({} every {} events, about {:.0} MB)",
        waited.elapsed(),
        kept_too.kept(),
        kept_too.every(),
        kept_too.kept_bytes() as f64 / 1e6
    );
    let (average, slowest) = seeks(&mut replay, &mut app, &mut terminal, len, kept_too.every());
    let events: Vec<TraceEvent> = replay.events().try_iter().collect();
    black_box(events);
    println!(
        "replay: then seek and draw {average:.2?} on average, {slowest:.2?} at worst (target at most 50 ms); peak memory {} (target at most 100 MB)",
        peak_memory().unwrap_or_else(|| "unknown".to_owned())
    );
}

/// Seeks anywhere, the worst just before a kept model, drawing after each: the average and
/// the slowest.
fn seeks(
    replay: &mut Replay,
    app: &mut App,
    terminal: &mut Terminal<TestBackend>,
    len: usize,
    every: usize,
) -> (Duration, Duration) {
    let mut rng = fastrand::Rng::with_seed(1);
    let mut positions: Vec<usize> = (0..20).map(|_| rng.usize(0..=len)).collect();
    positions.extend((1..=5).map(|kept| (kept * every).saturating_sub(1).min(len)));
    let mut slowest = Duration::ZERO;
    let mut total = Duration::ZERO;
    for &position in &positions {
        let started = Instant::now();
        let share = Seek::Share(position as f64 / len.max(1) as f64);
        if let Some(answer) = replay.apply(AppCommand::Seek(share)) {
            app.update(answer);
        }
        terminal.draw(|frame| frame.render_widget(&*app, frame.area())).expect("draws");
        let took = started.elapsed();
        slowest = slowest.max(took);
        total += took;
    }
    (total / u32::try_from(positions.len()).unwrap_or(1), slowest)
}

/// In a child: exports the recording to nowhere as `threadviz export` does (or reads it whole,
/// as exports did before), and reports the time and the peak memory.
fn export_child(path: &Path, format: &str) {
    let started = Instant::now();
    let what = match format {
        "whole" => format!("read whole: {} events", record::read(path).expect("it reads").events.len()),
        "chrome" => {
            let mut events = Events::open(path).expect("it opens");
            let header = events.header().clone();
            let count = chrome::write_events(&header, &mut events, std::io::sink()).expect("written");
            format!("Chrome trace of {count} events")
        }
        _ => {
            let mut first = Events::open(path).expect("it opens");
            let header = first.header().clone();
            let stops = Stops::find(&mut first, &subject(&header.demo, None));
            let mut second = Events::open(path).expect("it opens");
            let options = asciicast::Options { width: 120, height: 40, theme: Theme::new(ThemeName::Dark, true) };
            let frames = asciicast::write_events(
                &header,
                &stops,
                first.end_us,
                &mut second,
                &options,
                std::io::sink(),
                &mut |_| {},
            )
            .expect("written");
            format!("asciicast of {} events, {frames} frames", second.count)
        }
    };
    println!(
        "export: {what} in {:.2?}; peak memory {} (target at most 200 MB)",
        started.elapsed(),
        peak_memory().unwrap_or_else(|| "unknown".to_owned())
    );
}

/// The process's peak resident memory, as Linux reports it.
fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string(PathBuf::from("/proc/self/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(format!("{:.0} MB", kb / 1e3))
}
