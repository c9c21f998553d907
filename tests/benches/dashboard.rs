//! Cost of the dashboard: drawing one frame of a big session (1,000 threads, 200 primitives at
//! 200x60) and folding events into the model.
//!
//! Run with `cargo bench --bench dashboard`. The events come from real sessions recorded once
//! at start-up, so the mix is what the primitives really emit. The summary at the end gives
//! the frame time and the fold rate, against the targets (2 ms a frame, 2 million events a
//! second on one core).

use std::hint::black_box;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use threadviz::dashboard::app::{App, Msg, Subject};
use threadviz::dashboard::model::Model;
use threadviz::dashboard::view::theme::{Theme, ThemeName};
use threadviz::sync::{Condition, Event, Lock, Queue, Semaphore};
use threadviz::thread::{self, Thread};
use threadviz::{PauseState, Session, TraceEvent};

const THREADS: usize = 1_000;
const PRIMS: usize = 200;
const SIZE: (u16, u16) = (200, 60);

fn main() {
    divan::main();
    print_summary();
}

/// Runs `program` as the main thread of a fresh session and returns every event it emitted.
fn record(program: impl Fn() + Send + Sync + 'static) -> Vec<TraceEvent> {
    let session = Session::new();
    let subscription = session.subscribe();
    session.run(program);
    subscription.receiver().try_iter().collect()
}

/// A frozen picture of a big program: 1,000 threads, 200 locks; the first 200 threads each
/// hold a lock and the rest wait on an event. The events stop while everyone waits.
fn big_session_events() -> Vec<TraceEvent> {
    let (snapshot_tx, snapshot_rx) = crossbeam_channel::bounded(1);
    let session = Session::new();
    let subscription = session.subscribe();
    let runner = std::thread::spawn({
        let session = session.clone();
        move || {
            session.run(move || {
                let locks: Vec<Lock> = (0..PRIMS).map(|index| Lock::named(format!("lock-{index}"))).collect();
                let go = Event::named("go");
                let waiting = Semaphore::new(0);
                let workers: Vec<Thread> = (0..THREADS)
                    .map(|index| {
                        let (lock, go, waiting) = (locks.get(index).cloned(), go.clone(), waiting.clone());
                        thread::spawn(move || {
                            let _held = lock.as_ref().map(Lock::hold);
                            waiting.release();
                            go.wait();
                        })
                    })
                    .collect();
                for _ in 0..THREADS {
                    waiting.acquire();
                }
                snapshot_tx.send(()).expect("the bench waits for the snapshot");
                // Everyone is in (or about to enter) its wait: give the bench time to take the
                // picture before letting them go.
                thread::sleep(Duration::from_millis(500));
                go.set();
                for worker in workers {
                    worker.join();
                }
            });
        }
    });
    snapshot_rx.recv().expect("the program reaches its snapshot");
    std::thread::sleep(Duration::from_millis(100));
    session.flush();
    let frozen: Vec<TraceEvent> = subscription.receiver().try_iter().collect();
    runner.join().expect("the program ends");
    frozen
}

/// A busy mix of operations from several threads: locks, a condition, a queue, logs.
fn busy_events() -> Vec<TraceEvent> {
    record(|| {
        let lock = Lock::named("lock");
        let condition = Condition::named("condition");
        let queue = Queue::named("queue", 0);
        let workers: Vec<Thread> = (0..4)
            .map(|worker| {
                let (lock, condition, queue) = (lock.clone(), condition.clone(), queue.clone());
                thread::spawn(move || {
                    for round in 0..5_000 {
                        lock.acquire();
                        let _ = lock.release();
                        let with = condition.hold();
                        let _ = condition.notify(1);
                        drop(with);
                        queue.put(round);
                        black_box(queue.get());
                        queue.task_done().expect("one get per put");
                        if round % 100 == 0 {
                            tracing::info!("worker {worker} at round {round}");
                        }
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join();
        }
    })
}

fn big_app() -> App {
    let subject = Subject { title: "bench", source: None, lesson: None };
    let mut app = App::new(subject, Theme::new(ThemeName::Dark, true), PauseState::Running, 1.0);
    app.update(Msg::Resize(SIZE.0, SIZE.1));
    app.update(Msg::Events(big_session_events()));
    app
}

#[divan::bench(sample_count = 200)]
fn render_big_frame(bencher: divan::Bencher) {
    let app = big_app();
    assert!(app.model().threads.len() > THREADS && app.model().prims.len() >= PRIMS, "the picture is complete");
    let mut terminal = Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).expect("a test terminal");
    bencher.bench_local(|| {
        terminal.draw(|frame| frame.render_widget(black_box(&app), frame.area())).expect("draws");
    });
}

#[divan::bench(sample_count = 20)]
fn fold_events(bencher: divan::Bencher) {
    let events = busy_events();
    bencher.counter(divan::counter::ItemsCount::new(events.len())).bench_local(|| {
        let mut model = Model::new();
        for event in black_box(&events) {
            // As the running dashboard folds: telling only the moments a lesson is about.
            black_box(model.apply_told(event, false));
        }
        model
    });
}

/// The two figures against their targets, measured once more after divan's own report.
fn print_summary() {
    let app = big_app();
    let mut terminal = Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).expect("a test terminal");
    let frames = 200;
    let started = Instant::now();
    for _ in 0..frames {
        terminal.draw(|frame| frame.render_widget(&app, frame.area())).expect("draws");
    }
    let frame = started.elapsed() / frames;

    let events = busy_events();
    let rounds = 20;
    let started = Instant::now();
    for _ in 0..rounds {
        let mut model = Model::new();
        for event in &events {
            // As the running dashboard folds: telling only the moments a lesson is about.
            black_box(model.apply_told(event, false));
        }
        black_box(model);
    }
    let per_second = (events.len() * rounds) as f64 / started.elapsed().as_secs_f64();
    println!();
    println!(
        "frame of {} threads and {} primitives at {}x{}: {frame:.2?} (target at most 2 ms)",
        app.model().threads.len(),
        app.model().prims.len(),
        SIZE.0,
        SIZE.1
    );
    println!("fold: {:.2} million events a second (target at least 2 million)", per_second / 1e6);
}
