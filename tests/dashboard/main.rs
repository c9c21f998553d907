//! The dashboard as a user sees it: scripted sessions of synthetic events and key presses
//! rendered into a test terminal at 80x24 and 120x40 and compared with reviewed snapshots; the
//! colours that carry meaning, and the monochrome screen that must read without them; single
//! panels rendered on their own; and the run loop driven with synthetic input against a fake
//! session controller.
//!
//! This root holds what the modules share: the watched program, the scripted event streams and
//! the scenarios built from them, and the helpers that render and read the screen. Each module
//! holds one group of tests.
#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test at the line that broke")]

#[path = "../common/mod.rs"]
mod common;

mod colour;
mod contents;
mod contrast;
mod deadlock;
mod instructions;
mod moments;
mod panels;
mod projector;
mod run_loop;
mod screens;
mod steered;
mod summaries;
mod timeline;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::{Buffer, Cell};
use ratatui::style::{Color, Style};
use ratatui::text::Span;
use threadviz::PauseState;
use threadviz::dashboard::app::{App, Command, Msg, Status, Subject};
use threadviz::dashboard::view::theme::{Theme, ThemeName};
use threadviz::event::{EventKind, ExitKind, LogLevel, PrimId, PrimInfo, SourceLoc, Tid, TraceEvent, WaitMode};

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

fn subject(source: &'static str) -> Subject {
    Subject { title: "scenario", source: Some((PATH, source)), lesson: Some(LESSON) }
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

    fn prim(&mut self, prim: PrimId, name: &str, info: PrimInfo, line: u32) -> &mut Self {
        self.at_line(MAIN, line, EventKind::PrimCreated { prim, name: name.into(), info })
    }

    /// `thread` acquires `prim` at once; `count` is the state after (level, permits left).
    fn acquire(&mut self, thread: Tid, prim: PrimId, count: u64, line: u32) -> &mut Self {
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
    app.update(Msg::Status(Status {
        now_us: tenths * 100_000,
        pause,
        speed: 1.0,
        dropped: 0,
        ready,
        ready_at: std::collections::BTreeMap::new(),
    }));
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
    let mut app = App::new(subject(CONDITION_SOURCE), dark(), pause, 1.0);
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
    let mut app = App::new(subject(LOCK_SOURCE), theme, PauseState::Running, 1.0);
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
    let mut app = App::new(subject(LOCK_SOURCE), theme, PauseState::Running, 1.0);
    app.update(Msg::Events(script.take()));
    status(&mut app, 10, PauseState::Running, Vec::new());
    app
}

/// The condition scenario run live up to `p`'s `notify_all()`: both consumers woken, BLOCKED
/// on the lock that `p` still holds. The lesson's moment has paused the program.
fn moment_app() -> App {
    let mut script = Script::new();
    condition_full(&mut script);
    let mut app = App::new(subject(CONDITION_SOURCE), dark(), PauseState::Running, 1.0);
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
    let mut app = App::new(subject(LOCK_SOURCE), dark(), PauseState::Running, 1.0);
    let commands = app.update(Msg::Events(script.take()));
    assert!(commands.is_empty(), "a deadlock only just closed is not yet shown: {commands:?}");
    let commands = app.update(Msg::Status(Status {
        now_us: (5 + lasted) * 100_000,
        pause,
        speed: 1.0,
        dropped: 0,
        ready: Vec::new(),
        ready_at: std::collections::BTreeMap::new(),
    }));
    if pause == PauseState::Running && lasted >= 2 {
        assert_eq!(commands, [Command::Pause], "a deadlock that lasted pauses the session");
    }
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
        assert_screen_snapshot(&format!("{name}_{width}x{height}"), &text(&render(app, width, height)));
    }
}

/// Compares `screen` with the reviewed `tests/snapshots/dashboard__{name}.snap`. The assertion is
/// made here, at the root of the test binary, so a snapshot's name does not depend on the module
/// whose test takes it; the snapshots sit beside the other test files, not in this folder.
fn assert_screen_snapshot(name: &str, screen: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.bind(|| insta::assert_snapshot!(name, screen));
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
