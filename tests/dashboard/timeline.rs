//! The timeline: a lane per thread with its states and marks, crowded columns, the pause gate,
//! lanes that do not fit, and the zoom.

use crossterm::event::KeyCode;
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use threadviz::PauseState;
use threadviz::dashboard::app::{App, Msg, Panel};
use threadviz::dashboard::model::ThreadState;
use threadviz::event::{EventKind, Tid};

use crate::{
    C1, C2, CONDITION_SOURCE, LOCK_SOURCE, P, Script, T1, condition_app, condition_full, dark, deadlock_app, find,
    find_all, press, render, row_of, snapshot_both, status, subject, text,
};

#[test]
fn the_timeline_draws_a_lane_per_thread_with_states_and_marks() {
    let mut app = deadlock_app(PauseState::Paused, 3);
    // Focus the timeline, so that at 80x24 it shows in place of the primitives.
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.ui().focus(), Panel::Timeline);
    snapshot_both("timeline", &app);
    let buf = render(&app, 120, 40);
    // Thread-1: acquires at 0 s (mark), logs, sleeps, then is blocked from 0.5 s on.
    let lane = row_of(&buf, "│Thread-1   ");
    assert!(lane.contains("SSSS") && lane.contains("BBB"), "sleeping then blocked: {lane}");
    assert!(lane.contains('•') || lane.contains('a'), "the acquire and log marks show: {lane}");
    let blocked_colour = dark().state(&ThreadState::Blocked { prim: 0, until_us: None }).fg.unwrap_or_default();
    let (_, y) = find(&buf, "│Thread-1   ");
    let (x, _) = find_all(&buf, "BBB").into_iter().find(|&(_, row)| row == y).expect("Thread-1's lane is blocked");
    assert_eq!(buf[(x, y)].fg, blocked_colour, "blocked lanes are in the blocked colour");
    // Zooming in shows less time per column.
    press(&mut app, KeyCode::Char('>'));
    assert!(app.ui().timeline_scale_us() < 100_000);
    // Scrolling the log back to a line highlights its mark and moves the timeline there.
    let mut app = deadlock_app(PauseState::Paused, 3);
    for _ in 0..3 {
        press(&mut app, KeyCode::Tab);
    }
    assert_eq!(app.ui().focus(), Panel::Log);
    press(&mut app, KeyCode::Up);
    assert_eq!(app.selected_log_line().map(|line| line.message.as_str()), Some("holding lock-a"));
    snapshot_both("timeline_linked_to_log", &app);
}

/// The timeline panel of `app` alone, in a `width` x `height` area.
fn timeline_panel(app: &App, width: u16, height: u16) -> Buffer {
    let mut buf = Buffer::empty(Rect::new(0, 0, width, height));
    threadviz::dashboard::view::timeline::render(app, buf.area, &mut buf, true);
    buf
}

/// The lane of `name` in a rendered timeline whose longest thread name is `label_width` long:
/// its row as text, and its cells after the label.
fn lane<'a>(buf: &'a Buffer, name: &str, label_width: u16) -> (String, Vec<&'a Cell>) {
    let (x, y) = find(buf, &format!("│{name} "));
    let row = text(buf).lines().nth(usize::from(y)).unwrap().to_owned();
    (row, (x + label_width + 2..buf.area.right() - 1).map(|column| &buf[(column, y)]).collect())
}

#[test]
fn a_column_of_the_timeline_shows_its_strongest_mark_and_says_when_it_holds_more() {
    // p takes the condition's lock, logs, notifies and lets go, all within one column.
    let mut script = Script::new();
    condition_full(&mut script);
    script.at_line(P, 12, EventKind::Notified { prim: 2, n: u64::MAX, woken: vec![C1, C2] }).at_line(
        P,
        12,
        EventKind::Released { prim: 1, count: 0 },
    );
    let mut app = App::new(subject(CONDITION_SOURCE), dark(), PauseState::Running, 1.0);
    app.update(Msg::Events(script.take()));
    status(&mut app, 45, PauseState::Running, Vec::new());
    let buf = timeline_panel(&app, 110, 8);
    let (row, cells) = lane(&buf, "p", 10);
    let marks: Vec<&&Cell> = cells.iter().filter(|cell| !"R ".contains(cell.symbol())).collect();
    assert_eq!(marks.len(), 1, "one column holds p's operations: {row}");
    assert_eq!(marks[0].symbol(), "n", "the notify outranks the acquire, release and log line: {row}");
    assert!(marks[0].modifier.contains(Modifier::UNDERLINED), "a crowded column is underlined");
    // A column with one mark is not underlined: c1's acquire, then its wait, at 0 s.
    let (row, cells) = lane(&buf, "c1", 10);
    let first = cells.iter().find(|cell| cell.symbol() != " ").unwrap();
    assert_eq!(first.symbol(), "a", "c1's acquire outranks its release: {row}");
    // The legend in the bottom border says the rule.
    assert!(text(&buf).contains("strongest shown: n notify s set"), "{}", text(&buf));
}

#[test]
fn a_thread_held_at_the_pause_gate_is_ready_on_its_lane_not_running() {
    let mut app = condition_app(PauseState::Paused);
    status(&mut app, 45, PauseState::Paused, vec![P]);
    let buf = timeline_panel(&app, 72, 8);
    let (row, cells) = lane(&buf, "p", 10);
    let drawn: Vec<&&Cell> = cells.iter().filter(|cell| cell.symbol() != " ").collect();
    let present = drawn.last().unwrap();
    assert_eq!(present.symbol(), "▷", "the present column of a held thread: {row}");
    assert_eq!(present.fg, dark().lane(threadviz::dashboard::model::LaneState::Ready).fg.unwrap());
    assert_ne!(present.fg, dark().lane(threadviz::dashboard::model::LaneState::Running).fg.unwrap());
    assert!(row.contains("RRRR▷"), "it ran until the pause: {row}");
    // Running again, the same lane ends running.
    status(&mut app, 45, PauseState::Running, vec![P]);
    let (row, _) = lane(&timeline_panel(&app, 72, 8), "p", 10);
    assert!(row.trim_end_matches([' ', '│']).ends_with('R'), "{row}");
}

/// The main thread and `count` workers, Thread-1 and on, each started and running.
fn many_threads_app(count: Tid) -> App {
    let mut script = Script::new();
    for n in 1..=count {
        script.spawn(n + 1, &format!("Thread-{n}"), 15);
    }
    let mut app = App::new(subject(LOCK_SOURCE), dark(), PauseState::Running, 1.0);
    app.update(Msg::Events(script.take()));
    status(&mut app, 10, PauseState::Running, Vec::new());
    app
}

#[test]
fn the_timeline_shows_every_lane_with_room_and_names_the_lanes_it_cannot_show() {
    let app = many_threads_app(10);
    // Room for all eleven: two borders, eleven lanes, the axis.
    let screen = text(&timeline_panel(&app, 80, 14));
    for n in 1..=10 {
        assert!(screen.contains(&format!("│Thread-{n:<2} ")), "Thread-{n} has a lane:\n{screen}");
    }
    assert!(!screen.contains("more"), "{screen}");
    // Room for five rows: four lanes and a line that names the other seven.
    let screen = text(&timeline_panel(&app, 80, 8));
    assert!(
        screen.contains("│+7 more: Thread-4, Thread-5, Thread-6, Thread-7, Thread-8, Thread-9, Thread-10"),
        "{screen}"
    );
    // The whole dashboard gives a tall screen's timeline band a lane per thread.
    let screen = text(&render(&app, 200, 60));
    assert!(screen.contains("│Thread-10  R"), "Thread-10's lane is in the band:\n{screen}");
    assert!(!screen.contains("more:"), "{screen}");
}

#[test]
fn the_timeline_zoomed_in_labels_columns_and_ticks_in_milliseconds() {
    let mut app = deadlock_app(PauseState::Paused, 3);
    // From the default 0.1 s a column to the finest zoom.
    for _ in 0..4 {
        press(&mut app, KeyCode::Char('>'));
    }
    let screen = text(&timeline_panel(&app, 100, 8));
    assert!(screen.contains(" Timeline 1ms/col"), "{screen}");
    let axis = screen.lines().find(|line| line.contains('|')).unwrap();
    let ticks: Vec<&str> = axis.split('|').skip(1).map(str::trim).collect();
    assert!(ticks.len() >= 4, "{axis}");
    assert_eq!(ticks[..3], ["0.714s", "0.726s", "0.738s"], "ticks 12 ms apart: {axis}");
    press(&mut app, KeyCode::Char('<'));
    assert!(text(&timeline_panel(&app, 100, 8)).contains(" Timeline 5ms/col"));
    for _ in 0..4 {
        press(&mut app, KeyCode::Char('<'));
    }
    let screen = text(&timeline_panel(&app, 100, 8));
    assert!(screen.contains(" Timeline 0.25s/col"), "{screen}");
    assert!(screen.contains("|0.00s      |3.00s"), "{screen}");
}

#[test]
fn a_thread_that_changed_state_thousands_of_times_a_column_is_never_blank_on_its_lane() {
    // Thread-1 takes a contended lock 100,000 times a second for two seconds: blocked 7 µs,
    // running 3 µs, far more changes than a lane keeps one by one, and more marks than the
    // timeline keeps.
    let mut script = Script::new();
    script.prim(1, "lock", threadviz::event::PrimInfo::Lock, 4).spawn(T1, "Thread-1", 15);
    let mut app = App::new(subject(LOCK_SOURCE), dark(), PauseState::Running, 1.0);
    app.update(Msg::Events(script.take()));
    for step in 0..200_000 {
        script.time_us = step * 10;
        script.at_line(T1, 4, EventKind::Requested { prim: 1, mode: threadviz::event::WaitMode::Blocking });
        script.time_us += 7;
        script.at_line(T1, 4, EventKind::Acquired { prim: 1, count: 1 }).at_line(
            T1,
            4,
            EventKind::Released { prim: 1, count: 0 },
        );
        if step % 10_000 == 0 {
            app.update(Msg::Events(script.take()));
        }
    }
    app.update(Msg::Events(script.take()));
    status(&mut app, 20, PauseState::Running, Vec::new());
    let buf = timeline_panel(&app, 60, 6);
    let (row, cells) = lane(&buf, "Thread-1", 10);
    // The window begins at 0 s, 0.1 s a column: twenty columns of the flood, then the present.
    let ran = &cells[..20];
    assert!(ran.iter().all(|cell| cell.symbol() != " "), "no blank column while the thread ran: {row}");
    let blocked = dark().lane(threadviz::dashboard::model::LaneState::Blocked).fg.unwrap();
    for cell in ran {
        assert_eq!(cell.fg, blocked, "a column is in the colour of the state it spent most time in: {row}");
        assert!(cell.modifier.contains(Modifier::UNDERLINED), "and says there was more: {row}");
    }
    // Where the timeline no longer keeps the marks, the letter says the state.
    assert!(row.contains("BBBBB"), "{row}");
}
