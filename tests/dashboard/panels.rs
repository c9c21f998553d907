//! Single panels, rendered on their own: the status bar, the primitives, the thread table, the
//! log and the source.

use crossterm::event::KeyCode;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use threadviz::dashboard::app::{App, Msg, Panel, Status};
use threadviz::dashboard::view::theme::{Theme, ThemeName};
use threadviz::event::{EventKind, LogLevel, PrimInfo, SourceLoc};
use threadviz::{PauseState, StepRefused};

use crate::{
    C1, CONDITION_SOURCE, LOCK_SOURCE, MAIN, P, PATH, Script, T1, T2, assert_styled, condition_app, dark, find,
    lock_app, lock_script, press, render, subject, text, unstyled,
};

#[test]
fn the_status_bar_reads_title_badge_speed_time_events_and_hints() {
    let mut app = condition_app(PauseState::Paused);
    app.update(Msg::Status(Status { speed: 2.0, ..app.status().clone() }));
    let mut buf = Buffer::empty(Rect::new(0, 0, 100, 1));
    threadviz::dashboard::view::status::render(&app, buf.area, &mut buf);
    // The hints that do not fit are left out whole, never cut; paused, space resumes.
    let expected = " scenario  ⏸ PAUSED  2.0x  t=4.5s  23 events  n:step  enter:step selected  space:resume  ?:help";
    assert_eq!(unstyled(buf), Buffer::with_lines([format!("{expected:<100}")]));

    // A message replaces the hints, in the error style.
    app.update(Msg::Stepped(Err(StepRefused::NotReady(C1))));
    let mut buf = Buffer::empty(Rect::new(0, 0, 100, 1));
    threadviz::dashboard::view::status::render(&app, buf.area, &mut buf);
    let line = text(&buf);
    assert!(line.contains("23 events  c1 cannot move now"), "{line}");
    assert_styled(&buf, "c1 cannot move now", app.theme().error());
    // Why, and what would let it go, in words.
    assert_eq!(app.what_happened(), Some("c1 waits on Condition condition: another thread's notify wakes it"));
}

#[test]
fn the_primitives_panel_lists_state_and_waiters_in_queue_order() {
    let app = lock_app(Theme::new(ThemeName::Dark, false));
    let mut buf = Buffer::empty(Rect::new(0, 0, 56, 8));
    threadviz::dashboard::view::prims::render(&app, buf.area, &mut buf, false);
    assert_eq!(
        unstyled(buf),
        Buffer::with_lines([
            "╭ Primitives 3 ────────────────────────────────────────╮",
            "│Lock      lock  locked by Thread-1                    │",
            "│  ⏳ waiting: Thread-2, then Thread-3                 │",
            "│RLock     rlock owned by Thread-1, level 2            │",
            "│Semaphore slots 0/2 left, held by MainThread, Thread-1│",
            "│  ⏳ waiting: Thread-4                                │",
            "│                                                      │",
            "╰──────────────────────────────────────────────────────╯",
        ])
    );
}

#[test]
fn the_primitives_panel_colours_held_and_free() {
    let theme = dark();
    let mut script = lock_script(false);
    script.prim(9, "done", PrimInfo::Event, 12);
    let mut app = App::new(subject(LOCK_SOURCE), theme, PauseState::Running, 1.0);
    app.update(Msg::Events(script.take()));
    let mut buf = Buffer::empty(Rect::new(0, 0, 60, 10));
    threadviz::dashboard::view::prims::render(&app, buf.area, &mut buf, true);
    assert_styled(&buf, "locked by Thread-1", theme.hot());
    assert_styled(&buf, "0/2 left", theme.hot());
    assert_styled(&buf, "unset", theme.calm());
}

#[test]
fn the_thread_table_names_what_each_thread_waits_for() {
    let app = condition_app(PauseState::Running);
    let mut buf = Buffer::empty(Rect::new(0, 0, 80, 7));
    threadviz::dashboard::view::threads::render(&app, buf.area, &mut buf, true);
    assert_eq!(
        unstyled(buf),
        Buffer::with_lines([
            "╭ Threads 4 alive / 4 ─────────────────────────────────────────────────────────╮",
            "│ID  NAME       STATE           D FOR     HOLDS / WAITS FOR         LINE       │",
            "│  1 MainThread … WAITING            0.5s non-daemon threads to end line 19    │",
            "│  2 c1         … WAITING            4.5s Condition condition       in 5       │",
            "│  3 c2         … WAITING ≤2.5s      2.5s Condition condition       in 5       │",
            "│  4 p          ▶ RUNNING            0.5s holds RLock-1             line 11    │",
            "╰──────────────────────────────────────────────────────────────────────────────╯",
        ])
    );
}

#[test]
fn the_log_wraps_long_lines_under_their_message_and_keeps_the_newest_at_the_bottom() {
    let mut script = Script::new();
    script
        .spawn(C1, "c1", 17)
        .at(12)
        .log(MAIN, 16, LogLevel::Info, "first")
        .log(C1, 6, LogLevel::Info, "Resource is available to consumer c1 after a long wait")
        .log(C1, 6, LogLevel::Info, "last");
    let mut app = App::new(subject(CONDITION_SOURCE), Theme::new(ThemeName::Dark, false), PauseState::Running, 1.0);
    app.update(Msg::Events(script.take()));
    let mut buf = Buffer::empty(Rect::new(0, 0, 40, 6));
    threadviz::dashboard::view::log::render(&app, buf.area, &mut buf, false);
    assert_eq!(
        unstyled(buf),
        Buffer::with_lines([
            "╭ Log 3 ───────────────────────────────╮",
            "│(c1        ) Resource is available to │",
            "│             consumer c1 after a long │",
            "│             wait                     │",
            "│(c1        ) last                     │",
            "╰──────────────────────────────────────╯",
        ])
    );

    // Wide panels add the demo time of each line.
    let mut buf = Buffer::empty(Rect::new(0, 0, 70, 6));
    threadviz::dashboard::view::log::render(&app, buf.area, &mut buf, false);
    assert_eq!(
        unstyled(buf),
        Buffer::with_lines([
            "╭ Log 3 ─────────────────────────────────────────────────────────────╮",
            "│   1.2s (MainThread) first                                          │",
            "│   1.2s (c1        ) Resource is available to consumer c1 after a   │",
            "│                     long wait                                      │",
            "│   1.2s (c1        ) last                                           │",
            "╰────────────────────────────────────────────────────────────────────╯",
        ])
    );
}

#[test]
fn the_source_panel_marks_each_threads_line_and_follows_the_selected_thread() {
    let mut app = condition_app(PauseState::Running);
    app.set_appearance(Theme::new(ThemeName::Dark, false));
    press(&mut app, KeyCode::Char('2'));
    let mut buf = Buffer::empty(Rect::new(0, 0, 60, 15));
    threadviz::dashboard::view::source::render(&app, buf.area, &mut buf, false);
    let (x, y) = find(&buf, "   5 ▶");
    assert!(buf[(x + 1, y)].modifier.contains(Modifier::REVERSED), "the selected thread's line is highlighted");
    // MainThread's line 19 is out of the window around c1's: every thread's line shows, with
    // the context that fits.
    assert_eq!(
        unstyled(buf),
        Buffer::with_lines([
            "╭ Source demos/scenario.rs following c1 ───────────────────╮",
            "│   3   fn consumer(condition: &Condition) {               │",
            "│   4       let _with = condition.hold();                  │",
            "│   5 ▶     condition.wait().expect(\"held\");  ◀ c1, c2     │",
            "│   6       info!(\"Resource is available\");                │",
            "│   7   }                                                  │",
            "│     ⋮                                                    │",
            "│  10       let _with = condition.hold();                  │",
            "│  11 ▶     info!(\"Making resource available\");  ◀ p       │",
            "│  12       condition.notify_all().expect(\"held\");         │",
            "│     ⋮                                                    │",
            "│  18       spawn_named(\"c2\", consumer);                   │",
            "│  19 ▶     spawn_named(\"p\", producer);  ◀ MainThread      │",
            "│  20   }                                                  │",
            "╰──────────────────────────────────────────────────────────╯",
        ])
    );
    // Scrolled, the panel shows the file as it is, line after line.
    for _ in 0..4 {
        press(&mut app, KeyCode::Tab);
    }
    assert_eq!(app.ui().focus(), Panel::Source);
    press(&mut app, KeyCode::Down);
    let mut buf = Buffer::empty(Rect::new(0, 0, 60, 15));
    threadviz::dashboard::view::source::render(&app, buf.area, &mut buf, false);
    let panel = text(&buf);
    let numbers: Vec<&str> =
        panel.lines().skip(1).take(13).map(|line| line[3..].split_whitespace().next().unwrap()).collect();
    assert_eq!(numbers, (2..=14).map(|n| n.to_string()).collect::<Vec<_>>(), "{panel}");
}

/// The log panel of `app` in a 40x7 area, as text.
fn log_panel(app: &App) -> String {
    let mut buf = Buffer::empty(Rect::new(0, 0, 40, 7));
    threadviz::dashboard::view::log::render(app, buf.area, &mut buf, false);
    text(&buf)
}

fn app_with_log(thread_name: &str, message: &str) -> App {
    let mut script = Script::new();
    script.spawn(C1, thread_name, 17).at(12).log(C1, 6, LogLevel::Info, message);
    let mut app = App::new(subject(CONDITION_SOURCE), Theme::new(ThemeName::Dark, false), PauseState::Running, 1.0);
    app.update(Msg::Events(script.take()));
    app
}

#[test]
fn the_log_shows_a_message_with_leading_spaces_once() {
    let screen = log_panel(&app_with_log("c1", "  indented"));
    assert!(screen.contains(") indented") || screen.contains(")   indented"), "{screen}");
    assert!(!screen.contains("│             ed "), "no piece of the message shows twice:\n{screen}");
}

#[test]
fn the_log_shows_every_word_of_a_line_from_a_thread_with_a_long_name() {
    let message = "Resource is available to consumer c1 after a long wait";
    let screen = log_panel(&app_with_log("producer-thread-1", message));
    let shown: Vec<&str> = screen.split(|c: char| c == '│' || c.is_whitespace()).collect();
    for word in message.split(' ') {
        assert!(shown.contains(&word), "`{word}` is shown whole:\n{screen}");
    }
}

#[test]
fn a_thread_name_too_long_for_the_log_tag_is_cut_with_an_ellipsis_not_mid_bracket() {
    let screen = log_panel(&app_with_log("Thread-1 (spin)", "spun"));
    assert!(screen.contains("(Thread-1 …) spun"), "the cut is shown:\n{screen}");
    assert!(!screen.contains("(Thread-1 ()"), "a name cut inside its own parenthesis reads as a glitch:\n{screen}");
}

#[test]
fn a_log_line_with_leading_spaces_and_accents_does_not_crash_the_log() {
    let screen = log_panel(&app_with_log("c1", "  éa"));
    assert!(screen.contains("éa"), "{screen}");
}

#[test]
fn after_lost_events_the_table_and_the_primitives_say_unknown_until_events_settle_them() {
    let mut script = lock_script(false);
    let mut app = App::new(subject(LOCK_SOURCE), dark(), PauseState::Running, 1.0);
    app.update(Msg::Events(script.take()));
    // The viewer fell behind: events went missing, then Thread-2 got the lock.
    script.gap(7).at(6).at_line(T2, 4, EventKind::Acquired { prim: 1, count: 1 });
    app.update(Msg::Events(script.take()));
    let prims = |app: &App| {
        let mut buf = Buffer::empty(Rect::new(0, 0, 60, 8));
        threadviz::dashboard::view::prims::render(app, buf.area, &mut buf, true);
        text(&buf)
    };
    let table = |app: &App| {
        let mut buf = Buffer::empty(Rect::new(0, 0, 80, 8));
        threadviz::dashboard::view::threads::render(app, buf.area, &mut buf, true);
        text(&buf)
    };
    let screen = prims(&app);
    // The acquire tells the lock's whole state; the others are not known.
    assert!(screen.contains("lock  locked by Thread-2"), "{screen}");
    assert!(screen.contains("rlock unknown: events were lost"), "{screen}");
    assert!(screen.contains("slots unknown: events were lost"), "{screen}");
    let screen = table(&app);
    assert!(row_of_text(&screen, "3 Thread-2").contains("RUNNING"), "it acted: {screen}");
    // The main thread joins Thread-1, which has not ended (its end is never lost): still known.
    assert!(row_of_text(&screen, "1 MainThread").contains("WAITING"), "{screen}");
    for name in ["2 Thread-1", "4 Thread-3", "5 Thread-4"] {
        let row = row_of_text(&screen, name);
        assert!(row.contains("? UNKNOWN") && row.contains("unknown: events were lost"), "{row}");
        assert!(!row.contains("BLOCKED"), "no stale wait: {row}");
    }
    // Thread-1 lets go of the RLock entirely: it is running, the RLock is free.
    script.at_line(T1, 9, EventKind::Released { prim: 2, count: 1 }).at_line(
        T1,
        9,
        EventKind::Released { prim: 2, count: 0 },
    );
    app.update(Msg::Events(script.take()));
    assert!(prims(&app).contains("rlock unlocked"), "{}", prims(&app));
    assert!(row_of_text(&table(&app), "2 Thread-1").contains("RUNNING"));
    assert!(text(&render(&app, 80, 24)).contains("⚠ 7 dropped"));
}

/// The line of `screen` that names `name`.
fn row_of_text<'a>(screen: &'a str, name: &str) -> &'a str {
    screen.lines().find(|line| line.contains(name)).unwrap_or_default()
}

#[test]
fn a_program_file_that_cannot_be_read_is_named_with_what_to_do() {
    let program = threadviz::dashboard::app::Subject { title: "my program", source: None, lesson: None };
    let mut app = App::new(program, dark(), PauseState::Running, 1.0);
    let mut script = Script::new();
    script.at_line(MAIN, 3, EventKind::SleepBegin { duration_us: 1_000 });
    let mut events = script.take();
    for event in &mut events {
        event.loc = Some(threadviz::event::SourceLoc { file: "src/elsewhere.rs".into(), line: 3 });
    }
    app.update(Msg::Events(events));
    assert_eq!(app.wanted_sources(), ["src/elsewhere.rs"], "the loop is asked to read it");
    app.update(Msg::Source { path: "src/elsewhere.rs".into(), text: None });
    assert!(app.wanted_sources().is_empty(), "asked once");
    let mut buf = Buffer::empty(Rect::new(0, 0, 60, 6));
    threadviz::dashboard::view::source::render(&app, buf.area, &mut buf, true);
    let screen = text(&buf).replace('│', " ").split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        screen.contains("(cannot read src/elsewhere.rs: run from the crate's directory, or set CARGO_MANIFEST_DIR"),
        "{screen}"
    );
}

#[test]
fn a_ready_thread_shows_the_line_it_runs_next_and_a_blocked_one_the_call_it_is_in() {
    // Paused with p held at the gate before its notify_all (line 12), its latest operation the
    // log line 11; c1 and c2 wait in their `condition.wait()` (line 5).
    let mut app = condition_app(PauseState::Paused);
    let at_notify = SourceLoc { file: PATH.into(), line: 12 };
    app.update(Msg::Status(Status {
        now_us: 4_500_000,
        pause: PauseState::Paused,
        speed: 1.0,
        dropped: 0,
        ready: vec![P],
        ready_at: [(P, at_notify)].into(),
    }));
    let table = |app: &App, width: u16| {
        let mut buf = Buffer::empty(Rect::new(0, 0, width, 7));
        threadviz::dashboard::view::threads::render(app, buf.area, &mut buf, true);
        unstyled(buf)
    };
    assert_eq!(
        table(&app, 80),
        Buffer::with_lines([
            "╭ Threads 4 alive / 4 ─────────────────────────────────────────────────────────╮",
            "│ID  NAME       STATE           D FOR     HOLDS / WAITS FOR         LINE       │",
            "│  1 MainThread … WAITING            0.5s non-daemon threads to end line 19    │",
            "│  2 c1         … WAITING            4.5s Condition condition       in 5       │",
            "│  3 c2         … WAITING ≤2.5s      2.5s Condition condition       in 5       │",
            "│  4 p          ▷ READY ← next       0.5s holds RLock-1             next 12    │",
            "╰──────────────────────────────────────────────────────────────────────────────╯",
        ])
    );
    // A small screen gives LINE 8 columns: the mark still fits beside the number.
    let small = text(&table(&app, 60));
    assert!(small.lines().any(|row| row.contains(" p ") && row.ends_with("next 12 │")), "{small}");
    // The source panel marks p at the line it runs next, not at the one it has run.
    let mut buf = Buffer::empty(Rect::new(0, 0, 60, 15));
    threadviz::dashboard::view::source::render(&app, buf.area, &mut buf, false);
    let panel = text(&buf);
    assert!(panel.contains("  12 ▶     condition.notify_all().expect(\"held\");  ◀ p"), "{panel}");
    assert!(panel.contains("  11       info!(\"Making resource available\");"), "{panel}");

    // Without the gate's word on where p stopped, LINE says only what it ran last.
    app.update(Msg::Status(Status {
        now_us: 4_500_000,
        pause: PauseState::Paused,
        speed: 1.0,
        dropped: 0,
        ready: vec![P],
        ready_at: std::collections::BTreeMap::new(),
    }));
    assert!(text(&table(&app, 80)).contains("▷ READY ← next       0.5s holds RLock-1             line 11"));

    // A thread BLOCKED on a lock shows the acquire it is stuck in.
    let lock = lock_app(dark());
    let mut buf = Buffer::empty(Rect::new(0, 0, 80, 8));
    threadviz::dashboard::view::threads::render(&lock, buf.area, &mut buf, true);
    let rows = text(&buf);
    let blocked = rows.lines().find(|row| row.contains("Thread-2")).unwrap();
    assert!(blocked.contains("■ BLOCKED") && blocked.ends_with(" in 4       │"), "{rows}");
}
