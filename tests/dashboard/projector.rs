//! The projector size (80x24) and presenter mode: what a class must see without any key.

use crossterm::event::KeyCode;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use threadviz::PauseState;
use threadviz::dashboard::app::{App, KernelColumns, Msg};
use threadviz::dashboard::view::theme::{Theme, ThemeName};
use threadviz::event::{EventKind, PrimInfo};

use crate::{
    C1, C2, CONDITION_SOURCE, MAIN, Script, assert_styled, condition_app, dark, find, lock_app, press, render, row_of,
    snapshot_both, status, subject, text,
};

/// A program whose consumers wait at a line far wider than any panel.
const LONG_LINE_SOURCE: &str = r#"//! Consumers wait at a long line.

fn consumer(condition: &Condition) {
    let _with = condition.hold();
    condition.wait_for(|| resource_is_available_for_this_consumer_and_every_other_one_too()).expect("held");
    info!("Resource is available");
}
"#;

/// The program the queue scenario re-enacts.
const QUEUE_SOURCE: &str = r#"//! Ten workers take items from a queue.

fn worker(queue: &Queue) {
    loop {
        let item = queue.get();
        info!("Working on {item}");
        queue.task_done();
    }
}

pub fn main() {
    let queue = Queue::named("queue");
    for _ in 0..10 {
        spawn_daemon(worker, &queue);
    }
    queue.join();
}
"#;

/// Ten workers wait on an empty queue, the main thread waits for them to take what it put.
fn waiting_on_a_queue_app() -> App {
    let mut script = Script::new();
    script.prim(1, "queue", PrimInfo::Queue { maxsize: 0 }, 12);
    for tid in 2..12 {
        script.spawn(tid, &format!("Thread-{}", tid - 1), 14);
    }
    for tid in 2..12 {
        script.at_line(tid, 5, EventKind::WaitBegin { prim: 1, timeout_us: None });
    }
    script.at(3).at_line(MAIN, 16, EventKind::WaitBegin { prim: 1, timeout_us: None });
    let mut app = App::new(subject(QUEUE_SOURCE), dark(), PauseState::Paused, 1.0);
    app.update(Msg::Events(script.take()));
    status(&mut app, 5, PauseState::Paused, Vec::new());
    app
}

/// Asserts that the screen shows, without any key pressed, the thread table, the selected
/// thread's source line with its marker, the primitives with their queues and the step keys.
#[track_caller]
fn assert_class_sees(screen: &str, table: &str, selected_line: &str, queue: &str) {
    assert!(screen.contains(table), "the thread table (`{table}`):\n{screen}");
    let line = screen.lines().find(|line| line.contains(selected_line));
    assert!(line.is_some_and(|line| line.contains('◀')), "the selected thread's line, marked:\n{screen}");
    assert!(screen.contains(queue), "the primitives with their queues (`{queue}`):\n{screen}");
    assert!(screen.contains("n:step") && screen.contains("enter:step selected"), "the step keys:\n{screen}");
}

#[test]
fn at_the_projector_size_the_class_sees_threads_source_primitives_and_step_keys_without_a_key() {
    for (width, height) in [(80, 24), (120, 40), (200, 60)] {
        let app = condition_app(PauseState::Running);
        let screen = text(&render(&app, width, height));
        assert_class_sees(&screen, "Threads 4 alive / 4", "spawn_named(\"p\", producer);", "waiting: c1, then c2");
        let mut app = lock_app(dark());
        let screen = text(&render(&app, width, height));
        assert_class_sees(&screen, "Threads 5 alive / 5", "spawn(worker, &shared);", "waiting: Thread-4");
        // The selection moves the excerpt to the selected thread's line.
        press(&mut app, KeyCode::Char('3'));
        let screen = text(&render(&app, width, height));
        assert_class_sees(&screen, "Thread-2", "let _held = shared.lock.hold();", "waiting: Thread-2, then Thread-3");
    }
    // Eleven threads on a queue: the table scrolls, the queue and its waiters still show.
    let app = waiting_on_a_queue_app();
    snapshot_both("queue", &app);
    let screen = text(&render(&app, 80, 24));
    assert_class_sees(&screen, "Threads 11 alive / 11", "queue.join();", "waiting: Thread-1, then Thread-2");
}

#[test]
fn the_status_bar_says_where_the_panels_without_a_place_are() {
    let app = condition_app(PauseState::Running);
    let screen = text(&render(&app, 80, 24));
    assert!(screen.contains("tab:timeline, source"), "{screen}");
    // At 120x40 every panel has a place.
    let screen = text(&render(&app, 120, 40));
    assert!(!screen.contains("tab:"), "{screen}");
}

#[test]
fn the_status_bar_says_space_resumes_while_paused_and_pauses_while_running() {
    let mut app = condition_app(PauseState::Running);
    for (pause, expected, other) in [
        (PauseState::Running, "space:pause", "space:resume"),
        (PauseState::Paused, "space:resume", "space:pause"),
        (PauseState::Stepping(C1), "space:resume", "space:pause"),
    ] {
        status(&mut app, 45, pause, Vec::new());
        for (width, height) in [(80, 24), (120, 40)] {
            let screen = text(&render(&app, width, height));
            assert!(screen.contains(expected) && !screen.contains(other), "{pause:?}, {width}x{height}:\n{screen}");
        }
    }
}

#[test]
fn a_long_source_line_loses_its_code_not_the_threads_marker() {
    let mut script = Script::new();
    script
        .at(0)
        .prim(1, "RLock-1", PrimInfo::RLock, 4)
        .prim(2, "condition", PrimInfo::Condition { lock: 1 }, 4)
        .spawn(C1, "c1", 4)
        .spawn(C2, "c2", 4)
        .acquire(C1, 1, 1, 4)
        .at_line(C1, 5, EventKind::WaitBegin { prim: 2, timeout_us: None })
        .at_line(C1, 5, EventKind::Released { prim: 1, count: 0 })
        .acquire(C2, 1, 1, 4)
        .at_line(C2, 5, EventKind::WaitBegin { prim: 2, timeout_us: None })
        .at_line(C2, 5, EventKind::Released { prim: 1, count: 0 });
    let mut app = App::new(subject(LONG_LINE_SOURCE), dark(), PauseState::Running, 1.0);
    app.update(Msg::Events(script.take()));
    press(&mut app, KeyCode::Char('2'));
    snapshot_both("long_line", &app);
    for (width, height) in [(80, 24), (120, 40), (200, 60)] {
        let screen = text(&render(&app, width, height));
        let line = screen.lines().find(|line| line.contains("   5 ▶")).unwrap();
        assert!(line.contains("…  ◀ c1, c2"), "{width}x{height}: the code is cut, the names stay: {line}");
    }
    // The source panel on its own, as Tab and z show it.
    for width in [40, 60, 90] {
        let mut buf = Buffer::empty(Rect::new(0, 0, width, 8));
        threadviz::dashboard::view::source::render(&app, buf.area, &mut buf, false);
        let panel = text(&buf);
        let line = panel.lines().find(|line| line.contains("   5 ▶")).unwrap();
        assert!(line.ends_with("◀ c1, c2│"), "{width} wide: {line}");
    }
}

/// The condition scenario on Linux: the threads' OS ids are known and the kernel is read.
fn kernel_app(kernel_first: bool) -> App {
    let mut script = Script::new();
    script.at(0).spawn(C1, "c1", 17);
    let mut events = script.take();
    for event in &mut events {
        if let EventKind::ThreadStarted { tid, os_tid, .. } = &mut event.kind {
            *os_tid = Some(1000 + *tid);
        }
    }
    let mut app = App::new(subject(CONDITION_SOURCE), dark(), PauseState::Running, 1.0);
    app.set_kernel_columns(if kernel_first { KernelColumns::First } else { KernelColumns::Read });
    app.update(Msg::Events(events));
    status(&mut app, 5, PauseState::Running, Vec::new());
    app
}

fn kernel_sample(os_tid: u32) -> (u32, threadviz::dashboard::kernel::KernelSample) {
    let thread = threadviz::dashboard::kernel::KernelThread {
        os_tid,
        state: 'R',
        cpu_ticks: 42,
        switches: threadviz::dashboard::kernel::Switches { voluntary: 12, involuntary: 345 },
        last_cpu: Some(1),
    };
    (os_tid, threadviz::dashboard::kernel::KernelSample { thread, cpu_percent: Some(97.0) })
}

#[test]
fn the_table_keeps_its_columns_when_the_first_kernel_sample_arrives() {
    for (kernel_first, width, height) in [(false, 120, 40), (false, 200, 60), (true, 80, 24)] {
        let mut app = kernel_app(kernel_first);
        let before = render(&app, width, height);
        app.update(Msg::Kernel([kernel_sample(1001), kernel_sample(1002)].into()));
        let after = render(&app, width, height);
        let header = row_of(&before, "ID  NAME");
        assert!(header.contains("K  CPU%  VOL/INVOL CSW  CPU"), "room from the first frame:\n{}", text(&before));
        assert_eq!(row_of(&after, "ID  NAME"), header, "{width}x{height}: the header stays put");
        // The kernel's cells fill in where the room was kept; nothing before them moves.
        let (kernel_x, _) = find(&before, "K  CPU%");
        let row = row_of(&after, "  2 c1");
        let (before_row, after_row) = (row_of(&before, "  2 c1"), row.clone());
        let cut = |row: &str| row.chars().take(usize::from(kernel_x)).collect::<String>();
        assert_eq!(cut(&before_row), cut(&after_row), "{width}x{height}");
        assert!(row.contains("R   97%     12/345"), "{width}x{height}: {row}");
    }
    // A replay or a test reads no kernel: no empty columns.
    let mut app = kernel_app(false);
    app.set_kernel_columns(KernelColumns::Unread);
    assert!(!text(&render(&app, 120, 40)).contains("CPU%"));
    // Where the kernel is what the program shows, its columns stay at 80 columns, zoomed too;
    // elsewhere they need a wide screen.
    let mut app = kernel_app(true);
    press(&mut app, KeyCode::Char('z'));
    assert!(text(&render(&app, 80, 24)).contains("K  CPU%"), "{}", text(&render(&app, 80, 24)));
    assert!(!text(&render(&kernel_app(false), 80, 24)).contains("CPU%"));
}

#[test]
fn what_just_happened_shows_on_a_line_of_its_own_to_be_noticed() {
    let mut app = condition_app(PauseState::Paused);
    app.say_what_happened("p notified all: c1 and c2 wake up and queue for the lock");
    snapshot_both("happened", &app);
    // Too long for the row, it is cut after a whole word, with `…`.
    let mut long = app.clone();
    long.say_what_happened(format!("p notified all: {}", "c1 and c2 wake up ".repeat(6)));
    let row = row_of(&render(&long, 80, 24), "» p notified all");
    let last_word = row.trim_end_matches('…').rsplit(' ').next().unwrap_or_default();
    assert!(
        row.ends_with('…') && ["c1", "and", "c2", "wake", "up"].contains(&last_word) && row.chars().count() <= 79,
        "cut after a whole word: {row:?}"
    );
    for (width, height) in [(80, 24), (120, 40)] {
        let buf = render(&app, width, height);
        assert_styled(&buf, "p notified all: c1 and c2 wake up", app.theme().badge(true));
        let screen = text(&buf);
        assert!(screen.contains("waiting: c1, then c2") && screen.contains("n:step"), "{screen}");
    }
}

#[test]
fn p_shows_only_what_a_class_needs_spaced_out_in_high_contrast() {
    let mut app = condition_app(PauseState::Paused);
    app.say_what_happened("p holds RLock-1 and logs");
    assert!(press(&mut app, KeyCode::Char('p')).is_empty());
    assert!(app.ui().present());
    assert_eq!(app.theme(), Theme::new(ThemeName::HighContrast, true), "high contrast while presenting");
    snapshot_both("presenter", &app);
    for (width, height) in [(80, 24), (120, 40)] {
        let buf = render(&app, width, height);
        let screen = text(&buf);
        assert_class_sees(&screen, "Threads 4 alive / 4", "spawn_named(\"p\", producer);", "waiting: c1, then c2");
        assert!(screen.contains("p holds RLock-1 and logs"), "what just happened:\n{screen}");
        assert!(screen.contains("space:resume"), "{screen}");
        for absent in ["Log 1", "Timeline", "events"] {
            assert!(!screen.contains(absent), "{width}x{height}: no `{absent}` for a class:\n{screen}");
        }
        // A margin each side and a blank row above the table.
        let lines: Vec<&str> = screen.lines().collect();
        assert!(lines[0].trim().is_empty() && lines[1].starts_with(" ╭ Threads"), "{screen}");
    }
    press(&mut app, KeyCode::Char('p'));
    assert!(!app.ui().present());
    assert_eq!(app.theme(), dark(), "the chosen theme comes back");
    assert!(text(&render(&app, 80, 24)).contains("Log 1"));
}

#[test]
fn every_size_from_the_smallest_up_draws_in_both_modes() {
    let mut app = waiting_on_a_queue_app();
    app.say_what_happened("Thread-1 took nothing: the queue is empty");
    for present in [false, true] {
        app.set_present(present);
        for width in (60..=210).step_by(25) {
            for height in (16..=64).step_by(8) {
                let screen = text(&render(&app, width, height));
                assert!(screen.contains("Threads 11 alive / 11"), "{width}x{height}, present {present}:\n{screen}");
                assert!(screen.contains("n:step"), "{width}x{height}, present {present}:\n{screen}");
            }
        }
    }
}
