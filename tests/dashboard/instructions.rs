//! A watched Python program stepped by instruction (`--step bytecode`): the line under the
//! table says the instruction each step ran, and the source panel notes it at its line. The
//! events are built by hand as the Python hook sends them: a load or store of a shared
//! variable, then the instruction that made it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use threadviz::dashboard::app::{App, Msg, Status, Subject};
use threadviz::event::{Control, EventKind, ExitKind, PrimInfo, SourceLoc, Tid, TraceEvent};
use threadviz::{PauseState, Step};

use crate::{MAIN, assert_screen_snapshot, assert_styled, dark, render, text, unstyled};

const BANK: &str = "bank.py";

/// The program the events re-enact; its line numbers are the ones they name.
const BANK_SOURCE: &str = r#"import threading

balance = 0

def deposit():
    global balance
    balance += 1

def main():
    clerks = [threading.Thread(target=deposit, name=f"clerk-{n}") for n in (1, 2)]
    for clerk in clerks:
        clerk.start()
    for clerk in clerks:
        clerk.join()
    print("balance:", balance)

main()
"#;

const CLERK_1: Tid = 2;
const CLERK_2: Tid = 3;
/// `balance += 1`.
const INCREMENT: u32 = 7;

/// The run as the dashboard is fed it, one step at a time.
struct Bank {
    app: App,
    seq: u64,
}

impl Bank {
    /// `balance` watched from the start (`--watch balance`: shared at its first store), both
    /// clerks started, the main thread joining
    /// clerk-1; paused, clerk-2 selected.
    fn new() -> Self {
        let subject = Subject { title: BANK, source: None, lesson: None };
        let mut bank = Self { app: App::new(subject, dark(), PauseState::Paused, 1.0), seq: 0 };
        let created =
            |tid: Tid, name: &str| EventKind::ThreadCreated { tid, name: name.into(), daemon: false, foreign: false };
        let started = |tid: Tid| EventKind::ThreadStarted { tid, daemon: false, os_tid: None };
        let events = vec![
            bank.event(MAIN, None, created(MAIN, "MainThread")),
            bank.event(MAIN, None, started(MAIN)),
            bank.event(MAIN, None, EventKind::Source { path: BANK.into(), text: BANK_SOURCE.into() }),
            bank.event(MAIN, Some(1), EventKind::Instruction { offset: 4, text: "IMPORT_NAME threading".into() }),
            bank.event(
                MAIN,
                Some(3),
                EventKind::PrimCreated {
                    prim: 1,
                    name: "balance".into(),
                    info: PrimInfo::Shared { initial: "0".into() },
                },
            ),
            bank.event(MAIN, Some(3), EventKind::Store { prim: 1, value: "0".into() }),
            bank.event(MAIN, Some(3), EventKind::Instruction { offset: 12, text: "STORE_NAME balance ← 0".into() }),
            bank.event(MAIN, Some(10), created(CLERK_1, "clerk-1")),
            bank.event(MAIN, Some(10), created(CLERK_2, "clerk-2")),
            bank.event(MAIN, Some(12), started(CLERK_1)),
            bank.event(MAIN, Some(12), started(CLERK_2)),
            bank.event(MAIN, Some(14), EventKind::JoinBegin { target: CLERK_1, timeout_us: None }),
        ];
        bank.app.update(Msg::Resize(80, 24));
        bank.app.update(Msg::Events(events));
        bank.status();
        // The panel follows clerk-2, the thread a class steps here.
        for _ in 0..2 {
            bank.app.update(Msg::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE)));
        }
        assert_eq!(bank.app.selected_thread(), Some(CLERK_2));
        bank
    }

    fn event(&mut self, thread: Tid, line: Option<u32>, kind: EventKind) -> TraceEvent {
        let loc = line.map(|line| SourceLoc { file: BANK.into(), line });
        self.seq += 1;
        TraceEvent { seq: self.seq, time_us: 0, thread, loc, kind }
    }

    /// Paused, both clerks held before their next instruction at `balance += 1`.
    fn status(&mut self) {
        let next = SourceLoc { file: BANK.into(), line: INCREMENT };
        self.app.update(Msg::Status(Status {
            now_us: 0,
            pause: PauseState::Paused,
            speed: 1.0,
            dropped: 0,
            ready: vec![CLERK_1, CLERK_2],
            ready_at: [(CLERK_1, next.clone()), (CLERK_2, next)].into(),
        }));
    }

    /// `thread` is stepped one instruction at `balance += 1`: its load or store (if any),
    /// then the instruction.
    fn step(&mut self, thread: Tid, access: Option<EventKind>, offset: u32, instruction: &str) {
        self.app.update(Msg::Stepped(Ok(Step { thread, advanced: false })));
        let mut events = vec![self.event(thread, None, EventKind::Control { control: Control::Step { thread } })];
        events.extend(access.map(|access| self.event(thread, Some(INCREMENT), access)));
        let kind = EventKind::Instruction { offset, text: instruction.into() };
        events.push(self.event(thread, Some(INCREMENT), kind));
        self.app.update(Msg::Events(events));
        self.status();
    }

    fn load(&mut self, thread: Tid, value: u32) {
        let access = EventKind::Load { prim: 1, value: value.to_string() };
        self.step(thread, Some(access), 2, &format!("LOAD_GLOBAL balance → {value}"));
    }

    fn store(&mut self, thread: Tid, value: u32) {
        let access = EventKind::Store { prim: 1, value: value.to_string() };
        self.step(thread, Some(access), 10, &format!("STORE_GLOBAL balance ← {value}"));
    }

    /// The rows of the source panel alone, `width` columns wide.
    fn source_panel(&self, width: u16) -> Buffer {
        let mut buf = Buffer::empty(Rect::new(0, 0, width, 5));
        threadviz::dashboard::view::source::render(&self.app, buf.area, &mut buf, false);
        buf
    }
}

/// Each step's line says the one instruction it ran, never the load it made as well; the
/// source panel notes the latest instruction at its line, with whose it is when several
/// threads are there.
#[test]
fn a_step_by_instruction_is_told_and_noted_at_its_line() {
    let mut bank = Bank::new();
    bank.load(CLERK_1, 0);
    assert_eq!(bank.app.what_happened(), Some("t=0.0s  clerk-1: LOAD_GLOBAL balance → 0"));
    bank.step(CLERK_1, None, 4, "LOAD_CONST 1");
    assert_eq!(bank.app.what_happened(), Some("t=0.0s  clerk-1: LOAD_CONST 1"));
    bank.load(CLERK_2, 0);
    assert_eq!(bank.app.what_happened(), Some("t=0.0s  clerk-2: LOAD_GLOBAL balance → 0"));
    assert_eq!(bank.app.model().instructions, 5, "the main thread's two, then the clerks'");
    assert!(bank.app.model().log.is_empty(), "instructions are not logged: {:?}", bank.app.model().log);

    // Both clerks are at line 7: the note is clerk-2's, whose instruction ran last, cut to
    // what the names leave of the line.
    let panel = bank.source_panel(70);
    assert_eq!(
        unstyled(panel.clone()),
        Buffer::with_lines([
            "╭ Source bank.py following clerk-2 ──────────────────────────────────╮",
            "│   7 ▶     balance += 1  ◀ clerk-1, clerk-2 ◂ clerk-2: LOAD_GLOBAL… │",
            "│     ⋮                                                              │",
            "│  14 ▶         clerk.join()  ◀ MainThread                           │",
            "╰────────────────────────────────────────────────────────────────────╯",
        ])
    );
    assert_styled(&panel, "◂", bank.app.theme().hot());
    assert_styled(&panel, "LOAD_GLOBAL…", bank.app.theme().code());
    let wide = text(&bank.source_panel(100));
    assert!(wide.contains("balance += 1  ◀ clerk-1, clerk-2 ◂ clerk-2: LOAD_GLOBAL balance → 0"), "{wide}");

    // The whole screen at 80x24: the line under the table and the panel.
    assert_screen_snapshot("instruction_step_80x24", &text(&render(&bank.app, 80, 24)));
}

/// The store that loses an update is told once, by its instruction, with what it overwrote.
#[test]
fn the_store_that_loses_an_update_is_told_by_its_instruction() {
    let mut bank = Bank::new();
    bank.load(CLERK_1, 0);
    bank.load(CLERK_2, 0);
    for clerk in [CLERK_1, CLERK_2] {
        bank.step(clerk, None, 4, "LOAD_CONST 1");
        bank.step(clerk, None, 6, "BINARY_OP +=");
    }
    bank.store(CLERK_1, 1);
    assert_eq!(bank.app.what_happened(), Some("t=0.0s  clerk-1: STORE_GLOBAL balance ← 1"));
    bank.store(CLERK_2, 1);
    assert_eq!(
        bank.app.what_happened(),
        Some("t=0.0s  clerk-2: STORE_GLOBAL balance ← 1 over clerk-1's 1: lost 1 update")
    );
    assert_eq!(bank.app.model().lost_updates_on(1), 1);
    // The log says the lost update, and nothing of the instructions.
    let log: Vec<&str> = bank.app.model().log.iter().map(|line| line.message.as_str()).collect();
    assert_eq!(log.len(), 1, "{log:?}");
    let panel = text(&bank.source_panel(100));
    assert!(panel.contains("balance += 1  ◀ clerk-1, clerk-2 ◂ clerk-2: STORE_GLOBAL balance ← 1"), "{panel}");
    // Alone at its line, the thread's note goes without its name.
    let ended = bank.event(CLERK_1, None, EventKind::ThreadExited { tid: CLERK_1, exit: ExitKind::Normal });
    bank.app.update(Msg::Events(vec![ended]));
    let panel = text(&bank.source_panel(80));
    assert!(panel.contains("balance += 1  ◀ clerk-2 ◂ STORE_GLOBAL balance ← 1"), "{panel}");
}
