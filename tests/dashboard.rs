//! The dashboard as a user sees it: scripted sessions of synthetic events and key presses
//! rendered into a test terminal at 80x24 and 120x40 and compared with reviewed snapshots; the
//! colours that carry meaning, and the monochrome screen that must read without them; single
//! panels rendered on their own; and the run loop driven with synthetic input against a fake
//! session controller.
#![allow(clippy::unwrap_used, clippy::doc_markdown)]

mod common;

use std::sync::{Arc, Mutex};

use common::{WAIT, recv, with_deadline};
use crossbeam_channel::{Receiver, Sender};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::{Position, Rect, Size};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Span;
use threadviz::app::keys::KEYS;
use threadviz::app::run::{Controller, Status, run};
use threadviz::app::{App, Command, KernelColumns, Msg, Panel, Showing};
use threadviz::event::{EventKind, ExitKind, LogLevel, Pid, PrimInfo, SourceLoc, Tid, TraceEvent, WaitMode};
use threadviz::model::{ThreadState, WaitTarget};
use threadviz::view::theme::{Theme, ThemeName};
use threadviz::{PauseState, Step, StepRefused};

// ---------------------------------------------------------------------------------------------
// The watched program: a fixed source text, so the source panel is the same on every run.

const PATH: &str = "demos/scenario.rs";

/// The program the condition scenario re-enacts; its line numbers are the ones the events name.
const CONDITION_SOURCE: &str = r#"//! Consumers wait until the producer makes the resource available.

fn consumer(condition: &Condition) {
    let _with = condition.hold();
    condition.wait().expect("held");
    info!("Resource is available");
}

fn producer(condition: &Condition) {
    let _with = condition.hold();
    info!("Making resource available");
    condition.notify_all().expect("held");
}

pub fn main() {
    let condition = Condition::named("condition");
    spawn_named("c1", consumer);
    spawn_named("c2", consumer);
    spawn_named("p", producer);
}
"#;

/// The program the lock scenario re-enacts.
const LOCK_SOURCE: &str = r#"//! Workers share a lock, a re-entrant lock and two permits.

fn worker(shared: &Shared) {
    let _held = shared.lock.hold();
    let _outer = shared.rlock.hold();
    let _inner = shared.rlock.hold();
    let _permit = shared.slots.acquire_timeout(1.5);
    info!("working");
}

pub fn main() {
    let shared = Shared::new();
    let _permit = shared.slots.hold();
    for _ in 0..4 {
        spawn(worker, &shared);
    }
}
"#;

const LESSON: &str = "# Condition: wait until told

## The idea
A `Condition` lets consumers sleep until a producer says the resource is
ready. The waiters give up the lock while they wait and take it back when
they wake.

## Watch for
- c1 and c2 turn WAITING on `condition`, in arrival order.
- p holds the lock while it calls `notify_all()`.

## Ask the class
<!-- moment: notify -->
Right after `p` calls `notify_all()`, can `c1` print its line?

> **Answer:** No: `p` still holds the lock, so `c1` and `c2` stay BLOCKED.
";

const MAIN: Tid = 1;

fn showing(source: &'static str) -> Showing {
    Showing { title: "scenario", source: Some((PATH, source)), lesson: Some(LESSON) }
}

fn dark() -> Theme {
    Theme::new(ThemeName::Dark, true)
}

// ---------------------------------------------------------------------------------------------
// Synthetic event streams: fixed sequence numbers, demo times and thread numbers.

/// Builds a gap-free event stream the way a session numbers it.
#[derive(Default)]
struct Script {
    seq: u64,
    time_us: u64,
    events: Vec<TraceEvent>,
}

impl Script {
    /// A stream that starts with the main thread, as every session does.
    fn new() -> Self {
        let mut script = Self::default();
        script.push(
            MAIN,
            None,
            EventKind::ThreadCreated { tid: MAIN, name: "MainThread".into(), daemon: false, foreign: false },
        );
        script.push(MAIN, None, EventKind::ThreadStarted { tid: MAIN, daemon: false, os_tid: None });
        script
    }

    /// Demo time of the events that follow, in tenths of a second.
    fn at(&mut self, tenths: u64) -> &mut Self {
        self.time_us = tenths * 100_000;
        self
    }

    /// Leaves `missing` sequence numbers out, as a viewer that fell behind sees it.
    fn gap(&mut self, missing: u64) -> &mut Self {
        self.seq += missing;
        self
    }

    fn push(&mut self, thread: Tid, line: Option<u32>, kind: EventKind) -> &mut Self {
        let loc = line.map(|line| SourceLoc { file: PATH.into(), line });
        self.events.push(TraceEvent { seq: self.seq, time_us: self.time_us, thread, loc, kind });
        self.seq += 1;
        self
    }

    /// `thread` does `kind` at `line` of the program.
    fn at_line(&mut self, thread: Tid, line: u32, kind: EventKind) -> &mut Self {
        self.push(thread, Some(line), kind)
    }

    /// The main thread creates and starts thread `tid` at `line`.
    fn spawn(&mut self, tid: Tid, name: &str, line: u32) -> &mut Self {
        let created = EventKind::ThreadCreated { tid, name: name.into(), daemon: false, foreign: false };
        self.at_line(MAIN, line, created).at_line(
            MAIN,
            line,
            EventKind::ThreadStarted { tid, daemon: false, os_tid: None },
        )
    }

    /// The main thread creates thread `tid` at `line` without starting it.
    fn create(&mut self, tid: Tid, name: &str, line: u32) -> &mut Self {
        let created = EventKind::ThreadCreated { tid, name: name.into(), daemon: false, foreign: false };
        self.at_line(MAIN, line, created)
    }

    fn prim(&mut self, prim: Pid, name: &str, info: PrimInfo, line: u32) -> &mut Self {
        self.at_line(MAIN, line, EventKind::PrimCreated { prim, name: name.into(), info })
    }

    /// `thread` acquires `prim` at once; `count` is the state after (level, permits left).
    fn acquire(&mut self, thread: Tid, prim: Pid, count: u64, line: u32) -> &mut Self {
        self.at_line(thread, line, EventKind::Requested { prim, mode: WaitMode::Blocking }).at_line(
            thread,
            line,
            EventKind::Acquired { prim, count },
        )
    }

    fn log(&mut self, thread: Tid, line: u32, level: LogLevel, message: &str) -> &mut Self {
        self.at_line(thread, line, EventKind::Log { level, message: message.into() })
    }

    fn take(&mut self) -> Vec<TraceEvent> {
        std::mem::take(&mut self.events)
    }
}

fn status(app: &mut App, tenths: u64, pause: PauseState, ready: Vec<Tid>) {
    app.update(Msg::Status { now_us: tenths * 100_000, pause, speed: 1.0, dropped: 0, ready });
}

fn press(app: &mut App, code: KeyCode) -> Vec<Command> {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

// Condition scenario: pid 1 is the condition's RLock, pid 2 the condition; c1 = 2, c2 = 3, p = 4.
const C1: Tid = 2;
const C2: Tid = 3;
const P: Tid = 4;

/// c1 waits on the condition, the main thread is about to start c2; c2 and p are not started.
fn condition_start(script: &mut Script) {
    script
        .at(0)
        .prim(1, "RLock-1", PrimInfo::RLock, 16)
        .prim(2, "condition", PrimInfo::Condition { lock: 1 }, 16)
        .spawn(C1, "c1", 17)
        .create(C2, "c2", 18)
        .create(P, "p", 19)
        .acquire(C1, 1, 1, 4)
        .at_line(C1, 5, EventKind::WaitBegin { prim: 2, timeout_us: None })
        .at_line(C1, 5, EventKind::Released { prim: 1, count: 0 })
        .at(20)
        .at_line(MAIN, 18, EventKind::SleepEnd);
}

/// Both consumers wait (c2 with a timeout), the producer holds the lock, the main thread waits
/// for the program's threads to end.
fn condition_full(script: &mut Script) {
    condition_start(script);
    script
        .at_line(MAIN, 18, EventKind::ThreadStarted { tid: C2, daemon: false, os_tid: None })
        .acquire(C2, 1, 1, 4)
        .at_line(C2, 5, EventKind::WaitBegin { prim: 2, timeout_us: Some(5_000_000) })
        .at_line(C2, 5, EventKind::Released { prim: 1, count: 0 })
        .at(40)
        .at_line(MAIN, 19, EventKind::ThreadStarted { tid: P, daemon: false, os_tid: None })
        .push(MAIN, None, EventKind::ShutdownBegin)
        .acquire(P, 1, 1, 10)
        .log(P, 11, LogLevel::Info, "Making resource available");
}

fn condition_app(pause: PauseState) -> App {
    let mut script = Script::new();
    condition_full(&mut script);
    let mut app = App::new(showing(CONDITION_SOURCE), dark(), pause, 1.0);
    app.update(Msg::Events(script.take()));
    status(&mut app, 45, pause, Vec::new());
    app
}

// Lock scenario: pid 1 lock, 2 rlock, 3 slots (two permits); Thread-1..Thread-4 are 2..5.
const T1: Tid = 2;
const T2: Tid = 3;
const T3: Tid = 4;
const T4: Tid = 5;

/// Thread-1 holds the lock, the RLock twice and a permit; Thread-2 and Thread-3 are blocked on
/// the lock; Thread-4 waits for a permit with a timeout, none being left. With `misuse`,
/// Thread-3 first releases the RLock it does not own, which is refused.
fn lock_script(misuse: bool) -> Script {
    let mut script = Script::new();
    script
        .prim(1, "lock", PrimInfo::Lock, 12)
        .prim(2, "rlock", PrimInfo::RLock, 12)
        .prim(3, "slots", PrimInfo::Semaphore { initial: 2, bounded: false }, 12)
        .acquire(MAIN, 3, 1, 13)
        .spawn(T1, "Thread-1", 15)
        .spawn(T2, "Thread-2", 15)
        .spawn(T3, "Thread-3", 15)
        .spawn(T4, "Thread-4", 15)
        .at_line(MAIN, 15, EventKind::JoinBegin { target: T1, timeout_us: None })
        .acquire(T1, 1, 1, 4)
        .acquire(T1, 2, 1, 5)
        .acquire(T1, 2, 2, 6)
        .acquire(T1, 3, 0, 7)
        .log(T1, 8, LogLevel::Info, "working")
        .at(3)
        .at_line(T2, 4, EventKind::Requested { prim: 1, mode: WaitMode::Blocking })
        .at(4);
    if misuse {
        let message = "cannot release un-acquired lock".to_owned();
        script.at_line(T3, 6, EventKind::Misuse { prim: Some(2), message });
    }
    script.at(5).at_line(T3, 4, EventKind::Requested { prim: 1, mode: WaitMode::Blocking }).at_line(
        T4,
        7,
        EventKind::Requested { prim: 3, mode: WaitMode::Timeout(1_500_000) },
    );
    script
}

fn lock_app(theme: Theme) -> App {
    let mut app = App::new(showing(LOCK_SOURCE), theme, PauseState::Running, 1.0);
    app.update(Msg::Events(lock_script(false).take()));
    status(&mut app, 10, PauseState::Running, Vec::new());
    app
}

/// The lock scenario with Thread-3's misuse, after Thread-2 panicked.
fn panic_app(theme: Theme) -> App {
    let mut script = lock_script(true);
    script.at(8).log(T4, 7, LogLevel::Warn, "no permit after 1.5 s, giving up").at_line(
        T2,
        4,
        EventKind::ThreadExited {
            tid: T2,
            exit: ExitKind::Panicked { message: "index out of bounds: the len is 3 but the index is 7".into() },
        },
    );
    let mut app = App::new(showing(LOCK_SOURCE), theme, PauseState::Running, 1.0);
    app.update(Msg::Events(script.take()));
    status(&mut app, 10, PauseState::Running, Vec::new());
    app
}

// ---------------------------------------------------------------------------------------------
// Rendering and reading the screen.

fn render(app: &App, width: u16, height: u16) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| frame.render_widget(app, frame.area())).unwrap();
    terminal.backend().buffer().clone()
}

/// The buffer as text, one line per row, trailing blanks cut. A wide symbol covers the cell
/// after it, which is skipped, so columns line up as on a real terminal.
fn text(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        let mut covered = 0;
        for x in area.left()..area.right() {
            let symbol = buf[(x, y)].symbol();
            if covered > 0 {
                covered -= 1;
                continue;
            }
            line.push_str(symbol);
            covered = Span::raw(symbol).width().saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Snapshots the app at the two sizes every layout is checked at.
fn snapshot_both(name: &str, app: &App) {
    for (width, height) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), text(&render(app, width, height)));
    }
}

/// Every place `needle` starts, as (x, y); the needle's characters must each fill one cell.
fn find_all(buf: &Buffer, needle: &str) -> Vec<(u16, u16)> {
    let chars: Vec<String> = needle.chars().map(String::from).collect();
    let width = u16::try_from(chars.len()).unwrap();
    let area = buf.area;
    let mut found = Vec::new();
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right().saturating_sub(width - 1) {
            if chars.iter().zip(x..).all(|(char, x)| buf[(x, y)].symbol() == char) {
                found.push((x, y));
            }
        }
    }
    found
}

fn find(buf: &Buffer, needle: &str) -> (u16, u16) {
    let found = find_all(buf, needle);
    assert_eq!(found.len(), 1, "`{needle}` appears once on the screen:\n{}", text(buf));
    found[0]
}

/// The cells of `needle`'s single occurrence.
fn cells<'a>(buf: &'a Buffer, needle: &str) -> Vec<&'a Cell> {
    let (x, y) = find(buf, needle);
    (x..).take(needle.chars().count()).map(|x| &buf[(x, y)]).collect()
}

#[track_caller]
fn assert_styled(buf: &Buffer, needle: &str, style: Style) {
    for cell in cells(buf, needle) {
        assert_eq!(Some(cell.fg), style.fg.or(Some(Color::Reset)), "foreground of `{needle}`");
        assert!(cell.modifier.contains(style.add_modifier), "`{needle}` is {:?}, wants {style:?}", cell.modifier);
    }
}

/// `buf` with every style removed, to compare its text with [`Buffer::with_lines`].
fn unstyled(mut buf: Buffer) -> Buffer {
    let area = buf.area;
    buf.set_style(area, Style::reset());
    buf
}

fn row_of(buf: &Buffer, needle: &str) -> String {
    let (_, y) = find(buf, needle);
    text(buf).lines().nth(usize::from(y)).unwrap().to_owned()
}

// ---------------------------------------------------------------------------------------------
// Snapshots of whole screens.

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
    let mut app = App::new(showing(CONDITION_SOURCE), dark(), PauseState::Paused, 1.0);
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
    while app.focus != Panel::Source {
        assert!(press(&mut app, KeyCode::Tab).is_empty());
    }
    press(&mut app, KeyCode::Char('z'));
    snapshot_both("zoomed_source", &app);
    let buf = render(&app, 80, 24);
    assert!(find_all(&buf, "Threads").is_empty(), "only the source panel is drawn:\n{}", text(&buf));
    assert!(row_of(&buf, "condition.wait()").contains("◀ c1, c2"), "both consumers are at the wait");
    press(&mut app, KeyCode::Esc);
    assert!(!app.zoomed);
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

/// The condition scenario run live up to `p`'s `notify_all()`: both consumers woken, BLOCKED
/// on the lock that `p` still holds. The lesson's moment has paused the program.
fn moment_app() -> App {
    let mut script = Script::new();
    condition_full(&mut script);
    let mut app = App::new(showing(CONDITION_SOURCE), dark(), PauseState::Running, 1.0);
    status(&mut app, 40, PauseState::Running, Vec::new());
    assert_eq!(app.update(Msg::Events(script.take())), [], "nothing to ask before the notify");
    script
        .at(45)
        .at_line(P, 12, EventKind::Notified { prim: 2, n: u64::MAX, woken: vec![C1, C2] })
        .at_line(C1, 5, EventKind::Woken { prim: 2, notified: true })
        .at_line(C1, 5, EventKind::Requested { prim: 1, mode: WaitMode::Blocking })
        .at_line(C2, 5, EventKind::Woken { prim: 2, notified: true })
        .at_line(C2, 5, EventKind::Requested { prim: 1, mode: WaitMode::Blocking });
    assert_eq!(app.update(Msg::Events(script.take())), [Command::Pause], "the moment pauses the program");
    status(&mut app, 45, PauseState::Paused, vec![P]);
    app
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
    for demo in threadviz::catalog::DEMOS {
        let showing = Showing { title: demo.name, source: Some((demo.path, demo.source)), lesson: Some(demo.lesson) };
        let mut app = App::new(showing, dark(), PauseState::Paused, 1.0);
        app.update(Msg::Resize(80, 24));
        press(&mut app, KeyCode::Char('l'));
        press(&mut app, KeyCode::Char('a'));
        // Page through the notes; a page of 19 rows moves on by 10 lines, so none is skipped.
        let mut rows: Vec<String> = Vec::new();
        loop {
            let before = app.notes_top;
            rows.extend(text(&render(&app, 80, 24)).lines().map(str::to_owned));
            press(&mut app, KeyCode::PageDown);
            if app.notes_top == before {
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
    let row = row_of(&buf, "Thread-2   ! PANICKED");
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
        "! PANICKED",
        "≤1.2s",
        "d: a daemon",
        "R running",
        "S sleeping",
        "B blocked",
        "W waiting",
        "D done",
        "K killed",
        "P panicked",
        "a acquire",
        "r release",
        "n notify",
        "s set",
        "c clear",
        "p put",
        "g get",
        "• log line",
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
            assert!(!first_screen.contains("• log line") && last_screen.contains("• log line"));
        } else {
            assert_eq!(first_screen, last_screen, "{width}x{height}: all of it fits, nothing scrolls");
        }
    }
}

#[test]
fn below_the_minimum_size_the_screen_says_it_is_too_small() {
    let app = condition_app(PauseState::Running);
    insta::assert_snapshot!("too_small_50x12", text(&render(&app, 50, 12)));
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
    let mut app = App::new(showing(CONDITION_SOURCE), dark(), PauseState::Running, 1.0);
    app.update(Msg::Events(script.take()));
    // The session reports what the viewer's buffer dropped.
    app.update(Msg::Status { now_us: 2_000_000, pause: PauseState::Running, speed: 1.0, dropped: 42, ready: vec![] });
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
    let mut app = App::new(showing(CONDITION_SOURCE), dark(), PauseState::Running, 1.0);
    app.update(Msg::Events(script.take()));
    status(&mut app, 99, PauseState::Running, Vec::new());
    let screen = text(&render(&app, 80, 24));
    assert!(screen.contains(" ENDED ") && screen.contains("t=3.0s"), "{screen}");
    assert!(screen.contains("space:run again") && !screen.contains("space:pause"), "{screen}");
    app.update(Msg::Stepped(Err(StepRefused::NothingToStep)));
    assert!(text(&render(&app, 120, 40)).contains("the program has ended: space or r runs it again, q quits"));
}

// ---------------------------------------------------------------------------------------------
// Colour: it adds to the words and symbols, never replaces them.

#[test]
fn blocked_and_waiting_states_have_the_themes_colours() {
    for name in [ThemeName::Dark, ThemeName::Light, ThemeName::HighContrast] {
        let theme = Theme::new(name, true);
        let blocked = theme.state(&ThreadState::Blocked { prim: 1, until_us: None });
        assert!(blocked.fg.is_some(), "{name:?}: BLOCKED has a colour");
        let buf = render(&lock_app(theme), 120, 40);
        // Thread-2's row is not selected, so nothing but the state's style applies.
        let (x, y) = find(&buf, "Thread-2   ■ BLOCKED");
        for cell in (x + 11..x + 20).map(|x| &buf[(x, y)]) {
            assert_eq!(Some(cell.fg), blocked.fg, "{name:?}: `■ BLOCKED` is in the blocked colour");
            assert!(cell.modifier.contains(Modifier::BOLD));
        }

        let app = condition_app(PauseState::Running);
        let app = App { look: theme.into(), ..app };
        let buf = render(&app, 120, 40);
        let waiting = theme.state(&ThreadState::Waiting { on: WaitTarget::Prim(2), until_us: None });
        let (_, y) = find(&buf, "c1         … WAITING");
        let (x, _) = find_all(&buf, "WAITING").into_iter().find(|&(_, row)| row == y).unwrap();
        assert_eq!(Some(buf[(x, y)].fg), waiting.fg, "{name:?}: WAITING is in the waiting colour");
        assert_ne!(waiting.fg, blocked.fg, "{name:?}: waiting and blocked look different");
    }
}

#[test]
fn a_panicked_row_and_misuses_use_the_error_styles() {
    let theme = dark();
    let buf = render(&panic_app(theme), 120, 40);
    let panicked = theme.state(&ThreadState::Panicked { message: String::new() });
    assert_styled(&buf, "! PANICKED", panicked);
    assert!(matches!(panicked.fg, Some(Color::Red | Color::LightRed)), "a panic is red: {panicked:?}");
    assert_styled(&buf, "✗ cannot release un-acquired lock", theme.error());
    // The log shows the misuse and the warning in the error style too.
    assert_styled(&buf, "error: cannot release un-acquired lock", theme.error());
    assert_styled(&buf, "no permit after 1.5 s, giving up", theme.error());
}

#[test]
fn the_pause_badge_and_focused_border_stand_out() {
    let theme = dark();
    let paused = render(&condition_app(PauseState::Paused), 80, 24);
    assert_styled(&paused, "⏸ PAUSED", theme.badge(true));
    let live = render(&condition_app(PauseState::Running), 80, 24);
    assert_styled(&live, "▶ LIVE", theme.badge(false));
    assert_ne!(theme.badge(true).fg, theme.badge(false).fg);
    // The thread table has the focus at start: its border has the focused colour.
    assert_eq!(Some(live[(0, 0)].fg), theme.border(true).fg);
    let (x, y) = find(&live, "Primitives");
    assert_eq!(Some(live[(x - 2, y)].fg), theme.border(false).fg, "the primitives panel below is not focused");
}

#[test]
fn without_colour_no_cell_has_a_colour_and_every_state_still_reads() {
    for name in [ThemeName::Dark, ThemeName::Light, ThemeName::HighContrast] {
        let theme = Theme::new(name, false);
        let mut ready = condition_app(PauseState::Paused);
        ready.look = theme.into();
        status(&mut ready, 45, PauseState::Paused, vec![P]);
        let screens = [
            (render(&lock_app(theme), 120, 40), vec!["■ BLOCKED", "▶ RUNNING", "… WAITING", "▶ LIVE"]),
            (render(&panic_app(theme), 120, 40), vec!["! PANICKED", "✗ cannot release un-acquired lock"]),
            (render(&panic_app(theme), 80, 24), vec!["! PANICKED", "■ BLOCKED"]),
            (render(&ready, 80, 24), vec!["▷ READY", "… WAITING", "⏸ PAUSED"]),
        ];
        for (buf, words) in screens {
            for cell in buf.content() {
                assert_eq!(
                    (cell.fg, cell.bg),
                    (Color::Reset, Color::Reset),
                    "{name:?}: a coloured cell in\n{}",
                    text(&buf)
                );
            }
            let screen = text(&buf);
            for word in words {
                assert!(screen.contains(word), "{name:?}: `{word}` without colour:\n{screen}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Contrast: no text in a colour equal or close to the colour behind it, in any theme.

/// The terminal a theme is made for, as (text, background): xterm's default foreground and
/// background on a dark terminal, black on white on a light one. `Color::Reset` is these.
fn terminal_of(name: ThemeName) -> ((u8, u8, u8), (u8, u8, u8)) {
    match name {
        ThemeName::Dark | ThemeName::HighContrast => ((229, 229, 229), (0, 0, 0)),
        ThemeName::Light => ((0, 0, 0), (255, 255, 255)),
    }
}

/// A colour as RGB: the 16 named colours in xterm's default palette, the 256-colour cube and
/// grey ramp by their standard values.
fn rgb(color: Color, reset: (u8, u8, u8)) -> (u8, u8, u8) {
    const NAMED: [(u8, u8, u8); 16] = [
        (0, 0, 0),
        (205, 0, 0),
        (0, 205, 0),
        (205, 205, 0),
        (0, 0, 238),
        (205, 0, 205),
        (0, 205, 205),
        (229, 229, 229),
        (127, 127, 127),
        (255, 0, 0),
        (0, 255, 0),
        (255, 255, 0),
        (92, 92, 255),
        (255, 0, 255),
        (0, 255, 255),
        (255, 255, 255),
    ];
    let index = match color {
        Color::Reset => return reset,
        Color::Rgb(red, green, blue) => return (red, green, blue),
        Color::Black => 0,
        Color::Red => 1,
        Color::Green => 2,
        Color::Yellow => 3,
        Color::Blue => 4,
        Color::Magenta => 5,
        Color::Cyan => 6,
        Color::Gray => 7,
        Color::DarkGray => 8,
        Color::LightRed => 9,
        Color::LightGreen => 10,
        Color::LightYellow => 11,
        Color::LightBlue => 12,
        Color::LightMagenta => 13,
        Color::LightCyan => 14,
        Color::White => 15,
        Color::Indexed(index) => index,
    };
    match index {
        0..=15 => NAMED[usize::from(index)],
        16..=231 => {
            let level = |step: u8| if step == 0 { 0 } else { 55 + step * 40 };
            let cube = index - 16;
            (level(cube / 36), level(cube / 6 % 6), level(cube % 6))
        }
        _ => {
            let grey = 8 + (index - 232) * 10;
            (grey, grey, grey)
        }
    }
}

/// WCAG relative luminance.
fn luminance((red, green, blue): (u8, u8, u8)) -> f64 {
    let linear = |channel: u8| {
        let value = f64::from(channel) / 255.0;
        if value <= 0.039_28 { value / 12.92 } else { ((value + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
}

/// The WCAG contrast ratio of a cell's text against its background, as the theme's terminal
/// shows it: reset colours resolved, dim text halfway to the background (reversing swaps the
/// two, which leaves the ratio as it is).
fn contrast(cell: &Cell, name: ThemeName) -> f64 {
    let (text, background) = terminal_of(name);
    let bg = rgb(cell.bg, background);
    let mut fg = rgb(cell.fg, text);
    if cell.modifier.contains(Modifier::DIM) {
        let half = |a: u8, b: u8| a.midpoint(b);
        fg = (half(fg.0, bg.0), half(fg.1, bg.1), half(fg.2, bg.2));
    }
    let (light, dark) = {
        let (a, b) = (luminance(fg), luminance(bg));
        if a >= b { (a, b) } else { (b, a) }
    };
    (light + 0.05) / (dark + 0.05)
}

/// The screens whose colours matter most: the deadlock (its banner and rows, with the
/// selection off and on a deadlocked row, and its timeline), a paused program with a thread
/// ready to step, the key help, and the lock and panic screens with every state and error.
fn screens_to_check(theme: Theme) -> Vec<(String, Buffer)> {
    let mut screens = Vec::new();
    let mut deadlock = deadlock_app(PauseState::Paused, 3);
    deadlock.look = theme.into();
    for (width, height) in [(80, 24), (120, 40), (200, 60)] {
        screens.push((format!("deadlock {width}x{height}"), render(&deadlock, width, height)));
    }
    press(&mut deadlock, KeyCode::Down);
    press(&mut deadlock, KeyCode::Down);
    screens.push(("deadlock, Thread-2 selected".into(), render(&deadlock, 120, 40)));
    press(&mut deadlock, KeyCode::Tab);
    screens.push(("deadlock, timeline focused".into(), render(&deadlock, 80, 24)));
    let mut ready = condition_app(PauseState::Paused);
    ready.look = theme.into();
    status(&mut ready, 45, PauseState::Paused, vec![P, MAIN]);
    screens.push(("ready".into(), render(&ready, 200, 60)));
    press(&mut ready, KeyCode::Char('?'));
    for (width, height) in [(80, 24), (120, 40)] {
        screens.push((format!("help {width}x{height}"), render(&ready, width, height)));
    }
    let mut lock = lock_app(theme);
    press(&mut lock, KeyCode::Down);
    press(&mut lock, KeyCode::Down);
    screens.push(("lock, Thread-2 selected".into(), render(&lock, 200, 60)));
    screens.push(("panic".into(), render(&panic_app(theme), 120, 40)));
    screens
}

#[test]
fn no_text_is_drawn_in_a_colour_close_to_its_background_in_any_theme() {
    let mut faults = Vec::new();
    for name in [ThemeName::Dark, ThemeName::Light, ThemeName::HighContrast] {
        // The high-contrast theme keeps to the contrast WCAG asks of body text; the others to
        // what it asks of large text.
        let least = if name == ThemeName::HighContrast { 4.5 } else { 3.0 };
        for color in [true, false] {
            for (screen, buf) in screens_to_check(Theme::new(name, color)) {
                let area = buf.area;
                // The first faint cell of each screen row is enough to find the style at fault.
                for y in area.top()..area.bottom() {
                    let faint = (area.left()..area.right())
                        .map(|x| (x, &buf[(x, y)]))
                        .find(|(_, cell)| !cell.symbol().trim().is_empty() && contrast(cell, name) < least);
                    if let Some((x, cell)) = faint {
                        let row = text(&buf).lines().nth(usize::from(y)).unwrap_or_default().to_owned();
                        faults.push(format!(
                            "{name:?}, colour {color}, {screen}: `{}` at x={x} in {:?} on {:?} ({:?}) has a contrast \
                             of {:.2}, under {least}, in\n    {row}",
                            cell.symbol(),
                            cell.fg,
                            cell.bg,
                            cell.modifier,
                            contrast(cell, name),
                        ));
                    }
                }
            }
        }
    }
    assert!(faults.is_empty(), "{} rows with faint text:\n{}", faults.len(), faults.join("\n"));
}

#[test]
fn the_high_contrast_theme_has_no_dim_or_dark_grey_text_or_borders() {
    for (screen, buf) in screens_to_check(Theme::new(ThemeName::HighContrast, true)) {
        for cell in buf.content().iter().filter(|cell| !cell.symbol().trim().is_empty()) {
            assert!(
                !cell.modifier.contains(Modifier::DIM) && cell.fg != Color::DarkGray,
                "{screen}: `{}` is {:?} in {:?}:\n{}",
                cell.symbol(),
                cell.modifier,
                cell.fg,
                text(&buf)
            );
        }
    }
}

#[test]
fn without_colour_the_selected_row_and_the_deadlocked_rows_look_different() {
    for name in [ThemeName::Dark, ThemeName::Light, ThemeName::HighContrast] {
        let mut app = deadlock_app(PauseState::Paused, 3);
        app.look = Theme::new(name, false).into();
        let modifiers = |app: &App, row: &str| {
            let buf = render(app, 120, 40);
            let (x, y) = find(&buf, row);
            buf[(x, y)].modifier
        };
        // MainThread is selected; it joins a deadlocked thread but is not part of the cycle.
        let selected = modifiers(&app, "MainThread … WAITING");
        let deadlocked = modifiers(&app, "Thread-1   ■ BLOCKED");
        assert!(selected.contains(Modifier::REVERSED), "{name:?}: the selection is reversed: {selected:?}");
        assert!(!deadlocked.contains(Modifier::REVERSED), "{name:?}: a deadlocked row is not: {deadlocked:?}");
        assert!(
            deadlocked.contains(Modifier::BOLD | Modifier::UNDERLINED),
            "{name:?}: a deadlocked row is bold and underlined: {deadlocked:?}"
        );
        assert!(!selected.contains(Modifier::UNDERLINED), "{name:?}: MainThread is not in the cycle: {selected:?}");
        // Selecting a deadlocked row keeps both marks.
        press(&mut app, KeyCode::Down);
        press(&mut app, KeyCode::Down);
        let both = modifiers(&app, "Thread-2   ■ BLOCKED");
        assert!(both.contains(Modifier::REVERSED | Modifier::UNDERLINED | Modifier::BOLD), "{name:?}: {both:?}");
        let unselected_main = modifiers(&app, "MainThread … WAITING");
        assert!(
            !unselected_main.intersects(Modifier::REVERSED | Modifier::UNDERLINED),
            "{name:?}: MainThread has no mark of its own: {unselected_main:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Single panels, rendered on their own.

#[test]
fn the_status_bar_reads_title_badge_speed_time_events_and_hints() {
    let mut app = condition_app(PauseState::Paused);
    app.speed = 2.0;
    let mut buf = Buffer::empty(Rect::new(0, 0, 100, 1));
    threadviz::view::status::render(&app, buf.area, &mut buf);
    // The hints that do not fit are left out whole, never cut; paused, space resumes.
    let expected = " scenario  ⏸ PAUSED  2.0x  t=4.5s  23 events  n:step  enter:step selected  space:resume  ?:help";
    assert_eq!(unstyled(buf), Buffer::with_lines([format!("{expected:<100}")]));

    // A message replaces the hints, in the error style.
    app.update(Msg::Stepped(Err(StepRefused::NotReady(C1))));
    let mut buf = Buffer::empty(Rect::new(0, 0, 100, 1));
    threadviz::view::status::render(&app, buf.area, &mut buf);
    let line = text(&buf);
    assert!(line.contains("23 events  c1 cannot move now"), "{line}");
    assert_styled(&buf, "c1 cannot move now", app.theme().error());
    // Why, and what would let it go, in words.
    assert_eq!(app.happened.as_deref(), Some("c1 waits on Condition condition: another thread's notify wakes it"));
}

#[test]
fn the_primitives_panel_lists_state_and_waiters_in_queue_order() {
    let app = lock_app(Theme::new(ThemeName::Dark, false));
    let mut buf = Buffer::empty(Rect::new(0, 0, 56, 8));
    threadviz::view::prims::render(&app, buf.area, &mut buf, false);
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
    let mut app = lock_app(theme);
    let mut script = Script::new();
    script.gap(100).prim(9, "done", PrimInfo::Event, 12);
    app.update(Msg::Events(script.take()));
    let mut buf = Buffer::empty(Rect::new(0, 0, 60, 10));
    threadviz::view::prims::render(&app, buf.area, &mut buf, true);
    assert_styled(&buf, "locked by Thread-1", theme.hot());
    assert_styled(&buf, "0/2 left", theme.hot());
    assert_styled(&buf, "unset", theme.calm());
}

#[test]
fn the_thread_table_names_what_each_thread_waits_for() {
    let app = condition_app(PauseState::Running);
    let mut buf = Buffer::empty(Rect::new(0, 0, 80, 7));
    threadviz::view::threads::render(&app, buf.area, &mut buf, true);
    assert_eq!(
        unstyled(buf),
        Buffer::with_lines([
            "╭ Threads 4 alive / 4 ─────────────────────────────────────────────────────────╮",
            "│ID  NAME       STATE           D FOR     HOLDS / WAITS FOR         LINE       │",
            "│  1 MainThread … WAITING            0.5s non-daemon threads to end line 19    │",
            "│  2 c1         … WAITING            4.5s Condition condition       line 5     │",
            "│  3 c2         … WAITING ≤2.5s      2.5s Condition condition       line 5     │",
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
    let mut app = App::new(showing(CONDITION_SOURCE), Theme::new(ThemeName::Dark, false), PauseState::Running, 1.0);
    app.update(Msg::Events(script.take()));
    let mut buf = Buffer::empty(Rect::new(0, 0, 40, 6));
    threadviz::view::log::render(&app, buf.area, &mut buf, false);
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
    threadviz::view::log::render(&app, buf.area, &mut buf, false);
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
    app.look = Theme::new(ThemeName::Dark, false).into();
    press(&mut app, KeyCode::Char('2'));
    let mut buf = Buffer::empty(Rect::new(0, 0, 60, 15));
    threadviz::view::source::render(&app, buf.area, &mut buf, false);
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
    app.source_offset = 1;
    let mut buf = Buffer::empty(Rect::new(0, 0, 60, 15));
    threadviz::view::source::render(&app, buf.area, &mut buf, false);
    let panel = text(&buf);
    let numbers: Vec<&str> =
        panel.lines().skip(1).take(13).map(|line| line[3..].split_whitespace().next().unwrap()).collect();
    assert_eq!(numbers, (2..=14).map(|n| n.to_string()).collect::<Vec<_>>(), "{panel}");
}

// ---------------------------------------------------------------------------------------------
// The run loop, with synthetic input and a fake session.

/// A session stand-in: it obeys pause and resume, answers steps, and reports every command it
/// is given on a channel the test reads.
struct FakeSession {
    events: Receiver<TraceEvent>,
    commands: Sender<Command>,
    pause: PauseState,
    dropped: u64,
    /// Threads held at the gate: they arrive there without sending an event.
    ready: Arc<Mutex<Vec<Tid>>>,
}

impl Controller for FakeSession {
    fn events(&self) -> &Receiver<TraceEvent> {
        &self.events
    }

    fn status(&self) -> Status {
        let ready = self.ready.lock().unwrap().clone();
        Status { now_us: 0, pause: self.pause, speed: 1.0, dropped: self.dropped, ready }
    }

    fn apply(&mut self, command: Command) -> Option<Msg> {
        let reply = match command {
            Command::Pause => {
                self.pause = PauseState::Paused;
                None
            }
            Command::Resume => {
                self.pause = PauseState::Running;
                None
            }
            Command::Step(_) => Some(Msg::Stepped(Ok(Step { thread: MAIN, advanced: false }))),
            Command::SetSpeed(_) | Command::Restart | Command::StepBack | Command::Seek(_) | Command::Quit => None,
        };
        let _ = self.commands.send(command);
        reply
    }
}

/// A test backend that reports each finished frame as text and can be resized from outside,
/// as a real terminal is.
struct SpyBackend {
    inner: TestBackend,
    size: Arc<Mutex<Size>>,
    frames: Sender<String>,
}

impl Backend for SpyBackend {
    type Error = <TestBackend as Backend>::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let size = *self.size.lock().unwrap();
        if self.inner.buffer().area.as_size() != size {
            self.inner.resize(size.width, size.height);
        }
        self.inner.draw(content)
    }

    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> Result<Size, Self::Error> {
        Ok(*self.size.lock().unwrap())
    }

    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        let columns_rows = *self.size.lock().unwrap();
        Ok(WindowSize { columns_rows, pixels: Size::default() })
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        let _ = self.frames.send(text(self.inner.buffer()));
        Ok(())
    }
}

/// The loop running on a thread of its own, and the channels to talk to it.
struct Loop {
    input: Sender<Msg>,
    events: Sender<TraceEvent>,
    commands: Receiver<Command>,
    frames: Receiver<String>,
    size: Arc<Mutex<Size>>,
    ready: Arc<Mutex<Vec<Tid>>>,
    done: Receiver<(App, Result<(), String>)>,
}

impl Loop {
    fn start(pause: PauseState, dropped: u64) -> Self {
        let (input, input_rx) = crossbeam_channel::unbounded();
        let (events, events_rx) = crossbeam_channel::unbounded();
        let (commands_tx, commands) = crossbeam_channel::unbounded();
        let (frames_tx, frames) = crossbeam_channel::unbounded();
        let (done_tx, done) = crossbeam_channel::bounded(1);
        let size = Arc::new(Mutex::new(Size::new(80, 24)));
        let ready = Arc::new(Mutex::new(Vec::new()));
        let held = ready.clone();
        let backend = SpyBackend { inner: TestBackend::new(80, 24), size: size.clone(), frames: frames_tx };
        std::thread::Builder::new()
            .name("dashboard loop".into())
            .spawn(move || {
                let mut terminal = Terminal::new(backend).unwrap();
                let mut app = App::new(showing(CONDITION_SOURCE), dark(), pause, 1.0);
                let mut session = FakeSession { events: events_rx, commands: commands_tx, pause, dropped, ready: held };
                let result = run(&mut terminal, &mut app, &input_rx, &mut session).map_err(|error| error.to_string());
                let _ = done_tx.send((app, result));
            })
            .unwrap();
        Self { input, events, commands, frames, size, ready, done }
    }

    fn key(&self, code: KeyCode) {
        self.input.send(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))).unwrap();
    }

    #[track_caller]
    fn expect_command(&self, expected: Command) {
        assert_eq!(recv(&self.commands, &format!("{expected:?}")), expected);
    }

    /// Waits for a drawn frame that contains `expected`; returns it.
    #[track_caller]
    fn expect_frame(&self, expected: &str) -> String {
        self.expect_frame_within(expected, WAIT)
    }

    #[track_caller]
    fn expect_frame_within(&self, expected: &str, wait: std::time::Duration) -> String {
        let deadline = std::time::Instant::now() + wait;
        let mut last = String::new();
        while let Ok(frame) = self.frames.recv_deadline(deadline) {
            if frame.contains(expected) {
                return frame;
            }
            last = frame;
        }
        panic!("no frame showing `{expected}` within {wait:?}; the last one was\n{last}");
    }

    #[track_caller]
    fn finish(self) -> App {
        let (app, result) = recv(&self.done, "the loop to return");
        assert_eq!(result, Ok(()));
        app
    }
}

#[test]
fn the_loop_turns_keys_into_commands_for_the_session_and_quits_on_q() {
    with_deadline("run loop", || {
        let ui = Loop::start(PauseState::Running, 0);
        ui.expect_frame("▶ LIVE");
        ui.key(KeyCode::Char(' '));
        ui.expect_command(Command::Pause);
        ui.expect_frame("⏸ PAUSED");
        ui.key(KeyCode::Char('n'));
        ui.expect_command(Command::Step(None));
        ui.key(KeyCode::Char(' '));
        ui.expect_command(Command::Resume);
        ui.expect_frame("▶ LIVE");
        // Stepping a running session pauses it first.
        ui.key(KeyCode::Char('n'));
        ui.expect_command(Command::Pause);
        ui.expect_command(Command::Step(None));
        ui.key(KeyCode::Char('+'));
        ui.expect_command(Command::SetSpeed(2.0));
        ui.key(KeyCode::Char('q'));
        ui.expect_command(Command::Quit);
        let commands = ui.commands.clone();
        let app = ui.finish();
        assert!(app.quit);
        assert_eq!(commands.try_iter().collect::<Vec<_>>(), [], "nothing is asked after quitting");
    });
}

#[test]
fn the_loop_draws_session_events_as_they_arrive() {
    with_deadline("run loop events", || {
        let ui = Loop::start(PauseState::Paused, 7);
        ui.expect_frame("⚠ 7 dropped");
        let mut script = Script::new();
        condition_start(&mut script);
        for event in script.take() {
            ui.events.send(event).unwrap();
        }
        let frame = ui.expect_frame("c1         … WAITING");
        // c2 and p are created, not started: not alive yet, as Python's `is_alive()` says.
        assert!(frame.contains("Threads 2 alive / 4"), "{frame}");
        // A control-C is a quit like q.
        ui.input.send(Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL))).unwrap();
        ui.expect_command(Command::Quit);
        let app = ui.finish();
        assert_eq!(app.model.threads.len(), 4);
    });
}

#[test]
fn the_loop_redraws_for_the_new_size_after_a_resize() {
    with_deadline("run loop resize", || {
        let ui = Loop::start(PauseState::Paused, 0);
        ui.expect_frame("⏸ PAUSED");
        *ui.size.lock().unwrap() = Size::new(60, 15);
        ui.input.send(Msg::Resize(60, 15)).unwrap();
        ui.expect_frame("terminal too small: 60x15");
        *ui.size.lock().unwrap() = Size::new(120, 40);
        ui.input.send(Msg::Resize(120, 40)).unwrap();
        let frame = ui.expect_frame("⏸ PAUSED");
        assert_eq!(frame.lines().count(), 40, "{frame}");
        // A quit request from outside (a signal) ends the loop too.
        ui.input.send(Msg::Quit).unwrap();
        ui.expect_command(Command::Quit);
        let app = ui.finish();
        assert_eq!(app.size, (120, 40));
    });
}

#[test]
fn the_loop_returns_when_its_input_closes() {
    with_deadline("run loop input closed", || {
        let ui = Loop::start(PauseState::Paused, 0);
        ui.expect_frame("⏸ PAUSED");
        let Loop { input, done, .. } = ui;
        drop(input);
        let (app, result) = recv(&done, "the loop to return");
        assert_eq!(result, Ok(()));
        assert!(!app.quit);
    });
}

#[test]
fn the_loop_shows_a_thread_that_reaches_the_gate_while_paused() {
    with_deadline("run loop gate", || {
        let ui = Loop::start(PauseState::Paused, 0);
        let mut script = Script::new();
        condition_start(&mut script);
        for event in script.take() {
            ui.events.send(event).unwrap();
        }
        ui.expect_frame("c1         … WAITING");
        // The main thread arrives at the gate: the session's ready list changes, no event is sent.
        ui.ready.lock().unwrap().push(MAIN);
        ui.expect_frame_within("MainThread ▷ READY", std::time::Duration::from_secs(2));
        ui.input.send(Msg::Quit).unwrap();
        ui.finish();
    });
}

/// The log panel of `app` in a 40x7 area, as text.
fn log_panel(app: &App) -> String {
    let mut buf = Buffer::empty(Rect::new(0, 0, 40, 7));
    threadviz::view::log::render(app, buf.area, &mut buf, false);
    text(&buf)
}

fn app_with_log(thread_name: &str, message: &str) -> App {
    let mut script = Script::new();
    script.spawn(C1, thread_name, 17).at(12).log(C1, 6, LogLevel::Info, message);
    let mut app = App::new(showing(CONDITION_SOURCE), Theme::new(ThemeName::Dark, false), PauseState::Running, 1.0);
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
fn a_log_line_with_leading_spaces_and_accents_does_not_crash_the_log() {
    let screen = log_panel(&app_with_log("c1", "  éa"));
    assert!(screen.contains("éa"), "{screen}");
}

// Deadlock scenario: Thread-1 holds lock-a and wants lock-b; Thread-2 the other way round; the
// main thread joins Thread-1.

/// The two-lock deadlock, `lasted` tenths of a second after it closed.
fn deadlock_app(pause: PauseState, lasted: u64) -> App {
    let mut script = Script::new();
    script
        .prim(1, "lock-a", PrimInfo::Lock, 12)
        .prim(2, "lock-b", PrimInfo::Lock, 13)
        .spawn(T1, "Thread-1", 15)
        .spawn(T2, "Thread-2", 16)
        .at_line(MAIN, 17, EventKind::JoinBegin { target: T1, timeout_us: None })
        .acquire(T1, 1, 1, 4)
        .log(T1, 5, LogLevel::Info, "holding lock-a")
        .acquire(T2, 2, 1, 4)
        .log(T2, 5, LogLevel::Info, "holding lock-b")
        .at_line(T1, 6, EventKind::SleepBegin { duration_us: 500_000 })
        .at_line(T2, 6, EventKind::SleepBegin { duration_us: 500_000 })
        .at(5)
        .at_line(T1, 6, EventKind::SleepEnd)
        .at_line(T2, 6, EventKind::SleepEnd)
        .at_line(T1, 7, EventKind::Requested { prim: 2, mode: WaitMode::Blocking })
        .at_line(T2, 7, EventKind::Requested { prim: 1, mode: WaitMode::Blocking });
    let mut app = App::new(showing(LOCK_SOURCE), dark(), PauseState::Running, 1.0);
    let commands = app.update(Msg::Events(script.take()));
    assert!(commands.is_empty(), "a deadlock only just closed is not yet shown: {commands:?}");
    let commands =
        app.update(Msg::Status { now_us: (5 + lasted) * 100_000, pause, speed: 1.0, dropped: 0, ready: Vec::new() });
    if pause == PauseState::Running && lasted >= 2 {
        assert_eq!(commands, [Command::Pause], "a deadlock that lasted pauses the session");
    }
    app
}

#[test]
fn a_deadlock_is_named_in_a_banner_and_its_rows_stand_out() {
    let app = deadlock_app(PauseState::Paused, 3);
    snapshot_both("deadlock_banner", &app);
    let buf = render(&app, 120, 40);
    let banner = "⚠ deadlock: Thread-1 holds lock-a and waits for lock-b, held by Thread-2, which waits for lock-a";
    assert_eq!(find(&buf, banner).1, 0, "the banner is the top line");
    assert_styled(&buf, banner, dark().banner());
    // The cycle's rows are bold, underlined and in the alarm colour where nothing else
    // colours them (the ID column); MainThread, which only joins Thread-1, is not marked.
    let deadlocked = dark().deadlocked();
    for row in ["Thread-1   ■ BLOCKED", "Thread-2   ■ BLOCKED"] {
        let (x, y) = find(&buf, row);
        let id = &buf[(x - 2, y)];
        assert_eq!(Some(id.fg), deadlocked.fg, "`{row}` is in the alarm colour");
        assert!(buf[(x, y)].modifier.contains(deadlocked.add_modifier), "`{row}` is highlighted");
    }
    let (x, y) = find(&buf, "MainThread … WAITING");
    assert!(!buf[(x, y)].modifier.contains(Modifier::UNDERLINED), "MainThread is not part of the cycle");
    // Without colour the banner is still set apart, reversed.
    let plain = App { look: Theme::new(ThemeName::Dark, false).into(), ..app };
    let buf = render(&plain, 80, 24);
    assert!(buf[(1, 0)].modifier.contains(Modifier::REVERSED), "the banner is reversed without colour");
}

#[test]
fn a_moment_that_only_looks_stuck_shows_no_banner() {
    // A dropped event can make threads look stuck for an instant: the banner waits.
    let app = deadlock_app(PauseState::Running, 1);
    assert!(app.model.deadlock.is_some() && app.confirmed_deadlock().is_none());
    assert!(find_all(&render(&app, 120, 40), "deadlock:").is_empty());
}

#[test]
fn w_lists_who_waits_for_whom() {
    let mut app = deadlock_app(PauseState::Paused, 3);
    press(&mut app, KeyCode::Char('w'));
    snapshot_both("wait_for", &app);
    let buf = render(&app, 120, 40);
    find(&buf, "⚠ Thread-1 waits for Lock lock-b, held by Thread-2");
    find(&buf, "⚠ Thread-2 waits for Lock lock-a, held by Thread-1");
    find(&buf, "⚠ MainThread joins Thread-1");
}

#[test]
fn the_timeline_draws_a_lane_per_thread_with_states_and_marks() {
    let mut app = deadlock_app(PauseState::Paused, 3);
    // Focus the timeline, so that at 80x24 it shows in place of the primitives.
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Panel::Timeline);
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
    assert!(app.timeline_scale_us < 100_000);
    // Scrolling the log back to a line highlights its mark and moves the timeline there.
    let mut app = deadlock_app(PauseState::Paused, 3);
    app.focus = Panel::Log;
    press(&mut app, KeyCode::Up);
    assert_eq!(app.selected_log_line().map(|line| line.message.as_str()), Some("holding lock-a"));
    snapshot_both("timeline_linked_to_log", &app);
}

// ---------------------------------------------------------------------------------------------
// The projector size (80x24) and presenter mode: what a class must see without any key.

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
    let mut app = App::new(showing(QUEUE_SOURCE), dark(), PauseState::Paused, 1.0);
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
    let mut app = App::new(showing(LONG_LINE_SOURCE), dark(), PauseState::Running, 1.0);
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
        threadviz::view::source::render(&app, buf.area, &mut buf, false);
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
    let mut app = App::new(showing(CONDITION_SOURCE), dark(), PauseState::Running, 1.0);
    app.kernel_columns = if kernel_first { KernelColumns::First } else { KernelColumns::Read };
    app.update(Msg::Events(events));
    status(&mut app, 5, PauseState::Running, Vec::new());
    app
}

fn kernel_sample(os_tid: u32) -> (u32, threadviz::kernel::KernelSample) {
    let thread = threadviz::kernel::KernelThread {
        os_tid,
        state: 'R',
        cpu_ticks: 42,
        switches: threadviz::kernel::Switches { voluntary: 12, involuntary: 345 },
        last_cpu: Some(1),
    };
    (os_tid, threadviz::kernel::KernelSample { thread, cpu_percent: Some(97.0) })
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
    app.kernel_columns = KernelColumns::Unread;
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
    app.happened = Some("p notified all: c1 and c2 wake up and queue for the lock".into());
    snapshot_both("happened", &app);
    // Too long for the row, it is cut with `…`.
    let mut long = app.clone();
    long.happened = Some(format!("p notified all: {}", "c1 and c2 wake up ".repeat(6)));
    let row = row_of(&render(&long, 80, 24), "» p notified all");
    // The row's text and `…` take 79 columns; the last stays blank (and is trimmed here).
    assert!(row.ends_with("c1 an…") && row.chars().count() == 79, "{row:?}");
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
    app.happened = Some("p holds RLock-1 and logs".into());
    assert!(press(&mut app, KeyCode::Char('p')).is_empty());
    assert!(app.present);
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
    assert!(!app.present);
    assert_eq!(app.theme(), dark(), "the chosen theme comes back");
    assert!(text(&render(&app, 80, 24)).contains("Log 1"));
}

#[test]
fn every_size_from_the_smallest_up_draws_in_both_modes() {
    let mut app = waiting_on_a_queue_app();
    app.happened = Some("Thread-1 took nothing: the queue is empty".into());
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

/// The timeline panel of `app` alone, in a `width` x `height` area.
fn timeline_panel(app: &App, width: u16, height: u16) -> Buffer {
    let mut buf = Buffer::empty(Rect::new(0, 0, width, height));
    threadviz::view::timeline::render(app, buf.area, &mut buf, true);
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
    let mut app = App::new(showing(CONDITION_SOURCE), dark(), PauseState::Running, 1.0);
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
    assert_eq!(present.fg, dark().lane(threadviz::model::LaneState::Ready).fg.unwrap());
    assert_ne!(present.fg, dark().lane(threadviz::model::LaneState::Running).fg.unwrap());
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
    let mut app = App::new(showing(LOCK_SOURCE), dark(), PauseState::Running, 1.0);
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

// ---------------------------------------------------------------------------------------------
// Panels that say what they hold.

/// The primitives panel alone, `width` columns wide, as monochrome text.
fn prims_panel(app: &App, width: u16, height: u16) -> String {
    let mut buf = Buffer::empty(Rect::new(0, 0, width, height));
    threadviz::view::prims::render(app, buf.area, &mut buf, false);
    text(&unstyled(buf))
}

/// A queue of 70 numbers of which 40 were taken: its front is 40.
fn queue_app() -> App {
    let mut script = Script::new();
    script.prim(1, "stream", PrimInfo::Queue { maxsize: 0 }, 3);
    for (n, qsize) in (0..70).zip(1..) {
        script.push(MAIN, None, EventKind::Put { prim: 1, item: n.to_string(), qsize });
    }
    for (n, qsize) in (0..40).zip((30..70).rev()) {
        script.push(MAIN, None, EventKind::Got { prim: 1, item: n.to_string(), qsize });
    }
    let mut app = App::new(showing(LOCK_SOURCE), dark(), PauseState::Running, 1.0);
    app.update(Msg::Events(script.take()));
    app
}

#[test]
fn a_queue_shows_its_real_first_items_as_many_as_fit_then_an_ellipsis() {
    let app = queue_app();
    let narrow = prims_panel(&app, 40, 5);
    assert!(narrow.contains("│Queue stream 30/∞, 70 unfinished"), "{narrow}");
    assert!(narrow.contains("│  next out: 40, 41, 42, 43, 44, 45, … │"), "{narrow}");
    let wide = prims_panel(&app, 120, 5);
    let line = wide.lines().nth(2).unwrap();
    assert!(line.starts_with("│  next out: 40, 41, 42, ") && line.contains(", …"), "{line}");
    // As many as fit: one more item (`, 6x`) would not have.
    let content = line.trim_matches('│').trim_end();
    assert!(content.chars().count() + 4 > 118, "room was left for more:\n{line}");
    // All of a short queue, and no ellipsis; an empty one says so.
    let mut script = Script::new();
    script.prim(1, "stream", PrimInfo::Queue { maxsize: 3 }, 3);
    script.push(MAIN, None, EventKind::Put { prim: 1, item: "'a'".into(), qsize: 1 });
    script.push(MAIN, None, EventKind::Put { prim: 1, item: "'b'".into(), qsize: 2 });
    let mut app = App::new(showing(LOCK_SOURCE), dark(), PauseState::Running, 1.0);
    app.update(Msg::Events(script.take()));
    let panel = prims_panel(&app, 56, 5);
    assert!(panel.contains("Queue stream 2/3, 2 unfinished") && panel.contains("next out: 'a', 'b' "), "{panel}");
    script.push(MAIN, None, EventKind::Got { prim: 1, item: "'a'".into(), qsize: 1 });
    script.push(MAIN, None, EventKind::Got { prim: 1, item: "'b'".into(), qsize: 0 });
    app.update(Msg::Events(script.take()));
    let panel = prims_panel(&app, 56, 5);
    assert!(panel.contains("Queue stream 0/3, empty, 2 unfinished") && !panel.contains("next out"), "{panel}");
}

#[test]
fn a_shared_value_shows_each_read_not_yet_stored_under_the_value() {
    let mut script = Script::new();
    script.spawn(2, "Thread-1", 10).spawn(3, "Thread-2", 10);
    script.prim(1, "counter", PrimInfo::Shared { initial: "0".into() }, 3);
    script.at_line(2, 5, EventKind::Load { prim: 1, value: "0".into() });
    let mut app = App::new(showing(LOCK_SOURCE), dark(), PauseState::Running, 1.0);
    app.update(Msg::Events(script.take()));
    let panel = prims_panel(&app, 100, 5);
    assert!(panel.contains("Shared counter = 0 ") && panel.contains("│  not yet stored: Thread-1 read 0 "), "{panel}");
    // Thread-2 reads the same 0 and stores 1: Thread-1's read is stale, its store will lose one.
    script.at_line(3, 5, EventKind::Load { prim: 1, value: "0".into() });
    script.at_line(3, 7, EventKind::Store { prim: 1, value: "1".into() });
    app.update(Msg::Events(script.take()));
    let panel = prims_panel(&app, 100, 5);
    assert!(panel.contains("Shared counter = 1 (stored by Thread-2) "), "{panel}");
    assert!(panel.contains("│  not yet stored: Thread-1 read 0 (stale) "), "{panel}");
    script.at_line(2, 7, EventKind::Store { prim: 1, value: "1".into() });
    app.update(Msg::Events(script.take()));
    let panel = prims_panel(&app, 100, 5);
    assert!(!panel.contains("not yet stored"), "{panel}");
    // The lost update on a line of its own: the count never wraps away from its words.
    assert!(panel.contains("│  ⚠ 1 lost update; latest: Thread-1 overwrote Thread-2's 1 with 1 "), "{panel}");
}

#[test]
fn a_held_by_cell_is_cut_between_names_never_inside_one() {
    use threadviz::view::threads::fit_words;
    assert_eq!(fit_words("RLock-1, held by Thread-2, Thread-3", 40), "RLock-1, held by Thread-2, Thread-3");
    assert_eq!(fit_words("RLock-1, held by Thread-2, Thread-3", 30), "RLock-1, held by Thread-2 …");
    assert_eq!(fit_words("RLock-1, held by Thread-2", 20), "RLock-1 …", "no dangling `held by`");
    assert_eq!(fit_words("RLock-1, held by Thread-2", 3), "…");
    assert_eq!(fit_words("Queue stream (70 unfinished)", 20), "Queue stream …", "no half of a parenthesis");
    // In the table, at both sizes: each waits-for cell is whole, or cut after a whole name.
    let app = lock_app(Theme::new(ThemeName::Dark, false));
    for (width, height) in [(80, 24), (120, 40), (100, 30)] {
        let screen = text(&render(&app, width, height));
        for row in screen.lines().filter(|row| row.contains("■ BLOCKED")) {
            if let Some((_, holders)) = row.split_once("held by ") {
                let names = holders.split(" line ").next().unwrap().trim_end();
                for name in names.split(", ").map(|name| name.trim_end_matches(" …")) {
                    assert!(["MainThread", "Thread-1", "…"].contains(&name), "{width}x{height}: `{name}` in {row}");
                }
            }
        }
    }
}

#[test]
fn help_notes_and_who_waits_for_whom_open_in_presenter_mode_too() {
    let mut app = condition_app(PauseState::Paused);
    press(&mut app, KeyCode::Char('p'));
    for (key, title) in [('?', "Keys (esc closes)"), ('l', "Lesson notes"), ('w', "Who waits for whom")] {
        press(&mut app, KeyCode::Char(key));
        let screen = text(&render(&app, 80, 24));
        assert!(screen.contains(title), "`{key}` opens {title}:\n{screen}");
        press(&mut app, KeyCode::Esc);
        assert!(!text(&render(&app, 80, 24)).contains(title));
    }
    assert!(app.present, "esc closes the overlay, not presenter mode");
}

#[test]
fn at_80x24_a_message_takes_the_row_of_key_hints_whole_until_the_next_key() {
    let mut app = condition_app(PauseState::Paused);
    app.update(Msg::Stepped(Err(StepRefused::NotReady(C1))));
    let buf = render(&app, 80, 24);
    let screen = text(&buf);
    let rows: Vec<&str> = screen.lines().collect();
    assert!(rows[22].starts_with(" c1 cannot move now"), "{screen}");
    assert!(rows[23].starts_with(" scenario  ⏸ PAUSED"), "{screen}");
    assert_styled(&buf, "c1 cannot move now", app.theme().error());
    press(&mut app, KeyCode::Char('?'));
    press(&mut app, KeyCode::Esc);
    assert!(text(&render(&app, 80, 24)).contains("n:step  enter:step selected  space:resume"));
}

#[test]
fn paused_the_thread_n_steps_next_is_marked_in_its_row() {
    let mut app = condition_app(PauseState::Paused);
    status(&mut app, 45, PauseState::Paused, vec![MAIN, C2, P]);
    let mut script = Script::new();
    script.seq = 100;
    script.push(0, None, EventKind::Control { control: threadviz::event::Control::Step { thread: C2 } });
    app.update(Msg::Events(script.take().split_off(2)));
    let buf = render(&app, 80, 24);
    assert!(row_of(&buf, "p          ▷ READY").contains("▷ READY ← next"), "{}", text(&buf));
    assert!(!row_of(&buf, "c2         ▷ READY").contains("next"));
    assert_eq!(find_all(&buf, "← next").len(), 1, "one thread is next");
    // Legible without colour, at both sizes.
    let mono = unstyled(render(&app, 120, 40));
    assert!(row_of(&mono, "p          ▷ READY").contains("← next"));
    // Running, no thread is next.
    status(&mut app, 45, PauseState::Running, vec![MAIN, C2, P]);
    assert!(find_all(&render(&app, 80, 24), "← next").is_empty());
}

// The moments a lecture is about, as the class sees them.

/// `condition` just after `notify_all`: c1 and c2 were woken and are blocked on the lock that p
/// still holds; the line under the table says what happened.
#[test]
fn condition_just_after_notify_all() {
    let mut app = moment_app();
    // The lecturer has put the question away; the program is paused at the moment.
    press(&mut app, KeyCode::Esc);
    for (width, height) in [(80, 24), (120, 40)] {
        let screen = text(&render(&app, width, height));
        for consumer in ["2 c1", "3 c2"] {
            let blocked =
                |line: &&str| line.contains(consumer) && line.contains("■ BLOCKED") && line.contains("held by p");
            assert!(screen.lines().any(|line| blocked(&line)), "{screen}");
        }
    }
    assert!(
        app.happened.as_deref().is_some_and(|line| line.contains("p: notify_all on Condition condition → woke c1, c2")),
        "{:?}",
        app.happened
    );
    snapshot_both("condition_after_notify_all", &app);
}

/// `race` at its end: four threads, five increments each, every round's four stores built on
/// the same read. The counter ends at 5 of 20, and the screen says 15 lost updates.
#[test]
fn race_at_its_end() {
    let race = threadviz::catalog::find("race").unwrap();
    let workers: [Tid; 4] = [2, 3, 4, 5];
    let mut script = Script::new();
    script.prim(1, "counter", PrimInfo::Shared { initial: "0".into() }, 28);
    for (index, &tid) in workers.iter().enumerate() {
        script.spawn(tid, &format!("Thread-{}", index + 1), 39);
    }
    for round in 0..5_u64 {
        script.at(10 * round + 5);
        for &tid in &workers {
            script.at_line(tid, 17, EventKind::Load { prim: 1, value: round.to_string() });
        }
        script.at(10 * round + 8);
        for &tid in &workers {
            let stored = (round + 1).to_string();
            script.at_line(tid, 21, EventKind::Store { prim: 1, value: stored.clone() }).log(
                tid,
                22,
                LogLevel::Info,
                &format!("read {round}, stored {stored}"),
            );
        }
    }
    script.at(50);
    for &tid in &workers {
        script.push(tid, None, EventKind::ThreadExited { tid, exit: ExitKind::Normal });
    }
    script
        .log(MAIN, 45, LogLevel::Info, "Expected counter: 20")
        .at_line(MAIN, 46, EventKind::Load { prim: 1, value: "5".into() })
        .log(MAIN, 46, LogLevel::Info, "Final counter: 5")
        .push(MAIN, None, EventKind::ShutdownBegin)
        .push(MAIN, None, EventKind::ThreadExited { tid: MAIN, exit: ExitKind::Normal })
        .push(MAIN, None, EventKind::SessionEnded);
    let showing = Showing { title: "race", source: Some((PATH, race.source)), lesson: None };
    let mut app = App::new(showing, dark(), PauseState::Running, 1.0);
    app.update(Msg::Events(script.take()));
    status(&mut app, 50, PauseState::Running, Vec::new());
    assert_eq!(app.model.lost_updates_on(1), 15, "expected 20 - final 5");
    for (width, height) in [(80, 24), (120, 40)] {
        let screen = text(&render(&app, width, height));
        // The panel may wrap the words, never the number.
        assert!(screen.contains("⚠ 15 lost") && screen.contains("Final counter: 5"), "{screen}");
    }
    snapshot_both("race_at_its_end", &app);
}
