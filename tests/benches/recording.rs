//! Recording a flooding program and replaying the recording: four threads hammering one
//! `Lock` and a bounded `Queue` for a fixed number of operations, run once with nobody
//! listening and once recorded to a file, then the file opened for replay in a child process.
//!
//! Run with `cargo bench --bench recording`; `THREADVIZ_BENCH_OPS` sets the operations each
//! thread does (200,000 by default, a few million events, well under a minute), and
//! `THREADVIZ_BENCH_FILE` keeps the recording at that path for a look. It prints, in
//! one run: the events a second delivered to the recorder, the events a second the recorder
//! writes on its own core, bytes an event in the file, events lost, the program's slowdown
//! while recording, and the replay's time to its first frame, its peak memory and its seeks.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use threadviz::dashboard::app::Seek;
use threadviz::dashboard::app::replay::{Replay, subject};
use threadviz::dashboard::app::run::Controller;
use threadviz::dashboard::app::{App, Command as AppCommand, Msg};
use threadviz::dashboard::session::PauseState;
use threadviz::dashboard::view::theme::{Theme, ThemeName};
use threadviz::record::{self, Form, RecordTo, RecordingWriter};
use threadviz::sync::{Lock, Queue};
use threadviz::thread::{self, Thread};
use threadviz::{Session, TraceEvent};

/// Set in the child process that opens the recording, to the recording's path.
const CHILD: &str = "THREADVIZ_REPLAY_CHILD";
const DEFAULT_OPS: u64 = 200_000;

fn main() {
    if let Ok(path) = std::env::var(CHILD) {
        replay_child(Path::new(&path));
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
/// frame, seeks, and reports the time and the peak memory.
fn replay_child(path: &Path) {
    let started = Instant::now();
    let indexed = record::index(path).expect("the recording indexes");
    let snapshots = indexed.snapshots;
    let (len, every, kept, kept_bytes) = (snapshots.len(), snapshots.every(), snapshots.kept(), snapshots.kept_bytes());
    let mut replay = Replay::with_snapshots(snapshots, 1.0, true).expect("a replay");
    let mut app = App::new(subject("flood", None), Theme::new(ThemeName::Dark, true), PauseState::Paused, 1.0);
    app.update(Msg::Resize(120, 40));
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("a test terminal");
    terminal.draw(|frame| frame.render_widget(&app, frame.area())).expect("draws");
    let first_frame = started.elapsed();

    // Seeks anywhere, the worst just before a kept model.
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
        terminal.draw(|frame| frame.render_widget(&app, frame.area())).expect("draws");
        let took = started.elapsed();
        slowest = slowest.max(took);
        total += took;
    }
    let events: Vec<TraceEvent> = replay.events().try_iter().collect();
    black_box(events);
    println!(
        "replay: {len} events, first frame in {first_frame:.2?} (target at most 5 s); {kept} models kept every {every} events (about {:.0} MB)",
        kept_bytes as f64 / 1e6
    );
    println!(
        "replay: seek and draw {:.2?} on average, {slowest:.2?} at worst (target at most 50 ms); peak memory {} (target at most 300 MB)",
        total / u32::try_from(positions.len()).unwrap_or(1),
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
