//! Snapshots of whole screens: each scenario at 80x24 and 120x40, the overlays (key help,
//! lesson notes, the lesson's moment), the zoomed panel, and the screens for a panic, dropped
//! events, an ended program and a terminal below the minimum size.

use crossterm::event::KeyCode;
use ratatui::style::Color;
use threadviz::dashboard::app::keys::KEYS;
use threadviz::dashboard::app::{App, Command, Msg, Panel, Status, Subject};
use threadviz::event::{EventKind, LogLevel};
use threadviz::{PauseState, StepRefused};

use crate::{
    C1, CONDITION_SOURCE, MAIN, Script, assert_screen_snapshot, assert_styled, condition_app, condition_start, dark,
    find_all, lock_app, moment_app, panic_app, press, render, row_of, snapshot_both, status, subject, text,
};

#[test]
fn condition_two_consumers_wait_while_the_producer_holds_the_lock() {
    let app = condition_app(PauseState::Running);
    snapshot_both("condition", &app);
    let buf = render(&app, 80, 24);
    assert!(text(&buf).contains("waiting: c1, then c2"), "the waiters in arrival order:\n{}", text(&buf));
    assert!(row_of(&buf, "c2         … WAITING").contains("≤2.5s"), "c2's timeout runs out at 7.0 s");
    assert!(row_of(&buf, "p          ▶ RUNNING").contains("holds RLock-1"));
    let buf = render(&app, 120, 40);
    assert!(text(&buf).contains("owned by p, level 1"), "{}", text(&buf));
    assert!(row_of(&buf, "MainThread … WAITING").contains("non-daemon threads to end"));
}

#[test]
fn lock_contention_shows_the_holder_its_waiters_the_rlock_level_and_the_permits_left() {
    let app = lock_app(dark());
    snapshot_both("lock_contention", &app);
    let buf = render(&app, 120, 40);
    assert!(row_of(&buf, "Thread-3   ■ BLOCKED").contains("Lock lock, held by Thread-1"));
    assert!(row_of(&buf, "Thread-4   ■ BLOCKED").contains("≤1.0s"), "the timeout runs out in 1.0 s");
    // The narrow layout has room for every primitive with its waiters (wrapped at the panel's edge).
    let screen = text(&render(&app, 80, 24));
    for expected in [
        "│Lock      lock  locked by Thread-1",
        "│  ⏳ waiting: Thread-2, then Thread-3",
        "│RLock     rlock owned by Thread-1, level 2",
        "│Semaphore slots 0/2 left, held by MainThread,",
        "│Thread-1",
        "│  ⏳ waiting: Thread-4",
    ] {
        assert!(screen.contains(expected), "`{expected}` in\n{screen}");
    }
}

#[test]
fn paused_threads_held_at_the_gate_show_ready() {
    let mut script = Script::new();
    condition_start(&mut script);
    let mut app = App::new(subject(CONDITION_SOURCE), dark(), PauseState::Paused, 1.0);
    app.update(Msg::Events(script.take()));
    status(&mut app, 20, PauseState::Paused, vec![MAIN]);
    snapshot_both("paused_ready", &app);

    let buf = render(&app, 120, 40);
    assert!(row_of(&buf, "MainThread ▷ READY").contains("line 18"));
    assert!(text(&buf).contains("⏸ PAUSED"));

    // While a step is under way the bar names the thread that moves.
    status(&mut app, 20, PauseState::Stepping(MAIN), Vec::new());
    assert!(text(&render(&app, 120, 40)).contains("⏭ STEPPING MainThread"));

    // A running session shows no READY even if a stale list says so.
    status(&mut app, 20, PauseState::Running, vec![MAIN]);
    let screen = text(&render(&app, 120, 40));
    assert!(!screen.contains("READY") && screen.contains("▶ LIVE"), "{screen}");
}

#[test]
fn question_mark_opens_the_key_help_and_escape_closes_it() {
    let mut app = condition_app(PauseState::Paused);
    assert!(press(&mut app, KeyCode::Char('?')).is_empty());
    snapshot_both("help", &app);
    let screen = text(&render(&app, 120, 40));
    for binding in KEYS {
        assert!(
            screen.lines().any(|line| line.contains(binding.label) && line.contains(binding.help)),
            "the help lists `{}`: {}\n{screen}",
            binding.label,
            binding.help
        );
    }
    press(&mut app, KeyCode::Esc);
    assert!(!text(&render(&app, 120, 40)).contains("Keys (esc closes)"));
}

#[test]
fn z_zooms_the_focused_panel_to_the_full_screen() {
    let mut app = condition_app(PauseState::Running);
    while app.ui().focus() != Panel::Source {
        assert!(press(&mut app, KeyCode::Tab).is_empty());
    }
    press(&mut app, KeyCode::Char('z'));
    snapshot_both("zoomed_source", &app);
    let buf = render(&app, 80, 24);
    assert!(find_all(&buf, "Threads").is_empty(), "only the source panel is drawn:\n{}", text(&buf));
    assert!(row_of(&buf, "condition.wait()").contains("◀ c1, c2"), "both consumers are at the wait");
    press(&mut app, KeyCode::Esc);
    assert!(!app.ui().zoomed());
}

#[test]
fn l_shows_the_lesson_notes() {
    let mut app = condition_app(PauseState::Paused);
    press(&mut app, KeyCode::Char('l'));
    snapshot_both("notes", &app);
    let screen = text(&render(&app, 80, 24));
    assert!(screen.contains("Lesson notes"), "{screen}");
    assert!(screen.contains(" • p holds the lock while it calls notify_all()."), "Markdown is rendered:\n{screen}");
    assert!(screen.contains("▸ answer hidden: press a to reveal") && !screen.contains("stay BLOCKED"), "{screen}");
    let buf = render(&app, 80, 24);
    let (x, y) = find_all(&buf, "notify_all()")[0];
    assert_eq!(buf[(x, y)].style().fg, Some(Color::LightCyan), "code has its own colour");
    press(&mut app, KeyCode::Char('a'));
    let screen = text(&render(&app, 80, 24));
    assert!(screen.contains("┃ Answer: No: p still holds the lock, so c1 and c2 stay BLOCKED."), "{screen}");
    press(&mut app, KeyCode::Char('l'));
    assert!(!text(&render(&app, 80, 24)).contains("Lesson notes"));
}

#[test]
fn the_lessons_moment_pauses_and_asks_with_the_threads_it_asks_about_in_view() {
    let mut app = moment_app();
    snapshot_both("moment", &app);
    for (width, height) in [(80, 24), (120, 40)] {
        let buf = render(&app, width, height);
        let screen = text(&buf);
        assert!(screen.contains("Ask the class: a notify wakes a waiter"), "{screen}");
        assert!(screen.contains("Right after p calls notify_all(), can c1 print its line?"), "{screen}");
        assert!(screen.contains("▸ answer hidden: press a to reveal") && !screen.contains("stay BLOCKED"), "{screen}");
        // What the question is about stays in view: who holds the lock, who is blocked on it.
        for row in ["2 c1", "3 c2"] {
            let blocked = |line: &&str| line.contains(row) && line.contains("■ BLOCKED") && line.contains("held by p");
            assert!(screen.lines().any(|line| blocked(&line)), "{screen}");
        }
    }
    press(&mut app, KeyCode::Char('a'));
    let screen = text(&render(&app, 80, 24));
    assert!(screen.contains("┃ Answer: No: p still holds the lock, so c1 and c2 stay BLOCKED."), "{screen}");
    assert_eq!(press(&mut app, KeyCode::Char(' ')), [Command::Resume]);
    assert!(!text(&render(&app, 80, 24)).contains("Ask the class"), "resuming puts the question away");
}

#[test]
fn every_lesson_shows_each_of_its_code_spans_verbatim() {
    use pulldown_cmark::{Event, Parser};
    for demo in threadviz::dashboard::catalog::DEMOS {
        let subject = Subject { title: demo.name, source: Some((demo.path, demo.source)), lesson: Some(demo.lesson) };
        let mut app = App::new(subject, dark(), PauseState::Paused, 1.0);
        app.update(Msg::Resize(80, 24));
        press(&mut app, KeyCode::Char('l'));
        press(&mut app, KeyCode::Char('a'));
        // Page through the notes; a page of 19 rows moves on by 10 lines, so none is skipped.
        let mut rows: Vec<String> = Vec::new();
        loop {
            let before = app.ui().notes_top();
            rows.extend(text(&render(&app, 80, 24)).lines().map(str::to_owned));
            press(&mut app, KeyCode::PageDown);
            if app.ui().notes_top() == before {
                break;
            }
        }
        for event in Parser::new(demo.lesson) {
            if let Event::Code(code) = event {
                assert!(
                    rows.iter().any(|row| row.contains(code.as_ref())),
                    "{}: `{code}` is not on screen verbatim:\n{}",
                    demo.name,
                    rows.join("\n")
                );
            }
        }
    }
}

#[test]
fn a_panicked_thread_shows_panicked_with_its_message() {
    let app = panic_app(dark());
    snapshot_both("panicked", &app);
    let buf = render(&app, 120, 40);
    let row = row_of(&buf, "Thread-2   ! EXCEPTION");
    assert!(row.contains("panic: index out of bounds"), "{row}");
    assert!(text(&buf).contains("Threads 4 alive / 5"), "a panicked thread is not alive");
    assert!(
        row_of(&buf, "Thread-3   ■ BLOCKED").contains("✗ cannot release un-acquired lock"),
        "misuses show on the row"
    );
}

#[test]
fn the_wide_layout_shows_every_primitive_with_its_waiters() {
    let screen = text(&render(&lock_app(dark()), 120, 40));
    for expected in ["waiting: Thread-2, then Thread-3", "Semaphore slots 0/2 left", "waiting: Thread-4"] {
        assert!(screen.contains(expected), "`{expected}` in\n{screen}");
    }
    let screen = text(&render(&condition_app(PauseState::Running), 120, 40));
    assert!(screen.contains("waiting: c1, then c2"), "{screen}");
}

#[test]
fn the_help_legend_names_every_state_the_daemon_column_and_the_timeline_marks() {
    let legend = [
        "· NEW",
        "▷ READY",
        "← next",
        "▶ RUNNING",
        "z SLEEPING",
        "■ BLOCKED",
        "… WAITING",
        "✓ DONE",
        "✗ KILLED",
        "! EXCEPTION",
        "≤1.2s",
        "d: a daemon",
        "R running",
        "S sleeping",
        "B blocked",
        "W waiting",
        "D done",
        "K killed",
        "E exception",
        "a acquire",
        "r release",
        "n notify",
        "s set",
        "c clear",
        "p put",
        "g get",
        "• log",
        "LINE",
        "line 21: ran; next 23: runs when stepped; in 23: waits in it",
    ];
    for (width, height) in [(80, 24), (120, 40)] {
        let mut app = condition_app(PauseState::Paused);
        app.update(Msg::Resize(width, height));
        press(&mut app, KeyCode::Char('?'));
        // What a small screen cannot show at once, scrolling brings in: every line is seen.
        let mut seen = text(&render(&app, width, height));
        let first_screen = seen.clone();
        for _ in 0..40 {
            press(&mut app, KeyCode::Down);
            seen.push_str(&text(&render(&app, width, height)));
        }
        for entry in legend {
            assert!(seen.contains(entry), "{width}x{height}: the legend names `{entry}`:\n{seen}");
        }
        let last_screen = text(&render(&app, width, height));
        if height < 40 {
            assert!(first_screen.contains("↓ more below"), "the title says there is more:\n{first_screen}");
            assert!(last_screen.contains("↑ the end"), "scrolled to the end:\n{last_screen}");
            assert!(!first_screen.contains("• log") && last_screen.contains("• log"));
        } else {
            assert_eq!(first_screen, last_screen, "{width}x{height}: all of it fits, nothing scrolls");
        }
    }
}

#[test]
fn below_the_minimum_size_the_screen_says_it_is_too_small() {
    let app = condition_app(PauseState::Running);
    assert_screen_snapshot("too_small_50x12", &text(&render(&app, 50, 12)));
    for (width, height) in [(59, 16), (60, 15)] {
        let screen = text(&render(&app, width, height));
        let expected = format!("terminal too small: {width}x{height}, threadviz needs at least 60x16.");
        assert!(screen.starts_with(&expected), "{screen}");
        assert!(screen.contains("press q to quit"), "{screen}");
    }
    let screen = text(&render(&app, 60, 16));
    assert!(!screen.contains("too small") && screen.contains("Threads 4 alive / 4"), "{screen}");
}

#[test]
fn dropped_events_show_in_the_status_bar() {
    let mut script = Script::new();
    condition_start(&mut script);
    let mut app = App::new(subject(CONDITION_SOURCE), dark(), PauseState::Running, 1.0);
    app.update(Msg::Events(script.take()));
    // The session reports what the viewer's buffer dropped.
    app.update(Msg::Status(Status {
        now_us: 2_000_000,
        pause: PauseState::Running,
        speed: 1.0,
        dropped: 42,
        ready: vec![],
        ready_at: std::collections::BTreeMap::new(),
    }));
    snapshot_both("dropped", &app);
    let buf = render(&app, 80, 24);
    assert_styled(&buf, "⚠ 42 dropped", app.theme().error());

    // Gaps in the sequence numbers count too, when they are more than the session reported.
    script.gap(100).at(21).log(C1, 6, LogLevel::Info, "late");
    app.update(Msg::Events(script.take()));
    assert!(text(&render(&app, 80, 24)).contains("⚠ 100 dropped"));
}

#[test]
fn an_ended_program_says_so_and_its_clock_stops() {
    let mut script = Script::new();
    condition_start(&mut script);
    script.at(30).push(MAIN, None, EventKind::SessionEnded);
    let mut app = App::new(subject(CONDITION_SOURCE), dark(), PauseState::Running, 1.0);
    app.update(Msg::Events(script.take()));
    status(&mut app, 99, PauseState::Running, Vec::new());
    let screen = text(&render(&app, 80, 24));
    assert!(screen.contains(" ENDED ") && screen.contains("t=3.0s"), "{screen}");
    assert!(screen.contains("space:run again") && !screen.contains("space:pause"), "{screen}");
    app.update(Msg::Stepped(Err(StepRefused::NothingToStep)));
    assert!(text(&render(&app, 120, 40)).contains("the program has ended: space or r runs it again, q quits"));
}

#[test]
fn a_small_screen_keeps_what_threads_hold_and_wait_for_over_how_long() {
    let app = crate::condition_app(PauseState::Paused);
    let screen = text(&render(&app, 60, 20));
    let header = screen.lines().find(|line| line.contains("NAME")).unwrap();
    assert!(header.contains("HOLDS/WAITS FOR") && header.matches("FOR").count() == 1, "FOR gives way: {header}");
    assert!(!screen.lines().take(8).any(|line| line.contains("HOLDS") && line.contains('…')), "{screen}");
    crate::assert_screen_snapshot("small_screen_60x20", &screen);
}
