//! The run loop, with synthetic input and a fake session: keys become commands, session
//! events and resizes are drawn, and the loop ends when told or when its input closes.

use std::sync::{Arc, Mutex};

use crossbeam_channel::{Receiver, Sender};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use threadviz::dashboard::app::Status;
use threadviz::dashboard::app::run::{Controller, run};
use threadviz::dashboard::app::{App, Command, Msg, Subject};
use threadviz::event::{EventKind, SourceLoc, Tid, TraceEvent};
use threadviz::{PauseState, Step};

use crate::common::{WAIT, recv, with_deadline};
use crate::{CONDITION_SOURCE, MAIN, Script, condition_start, dark, subject, text};

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
        Status {
            now_us: 0,
            pause: self.pause,
            speed: 1.0,
            dropped: self.dropped,
            ready,
            ready_at: std::collections::BTreeMap::new(),
        }
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
            Command::SetSpeed(_)
            | Command::Restart
            | Command::Solution
            | Command::StepBack
            | Command::Seek(_)
            | Command::Quit => None,
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
        Self::start_showing(subject(CONDITION_SOURCE), pause, dropped)
    }

    fn start_showing(subject: Subject, pause: PauseState, dropped: u64) -> Self {
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
                let mut app = App::new(subject, dark(), pause, 1.0);
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
        panic!("no frame subject `{expected}` within {wait:?}; the last one was\n{last}");
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
        assert!(app.has_quit());
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
        assert_eq!(app.model().threads.len(), 4);
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
        assert_eq!(app.ui().size(), (120, 40));
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
        assert!(!app.has_quit());
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

/// The line of this file the worker of the next test stands at.
const WORKER_LINE: u32 = line!(); // here

#[test]
fn the_source_panel_shows_the_programs_own_file_where_its_threads_are() {
    with_deadline("run loop", || {
        // A program watched without its source: its events name a file of the crate's own
        // (this one), as the compiler names it, relative to the manifest directory.
        let program = Subject { title: "my program", source: None, lesson: None };
        let ui = Loop::start_showing(program, PauseState::Running, 0);
        ui.expect_frame("(no source for this program)");
        let here = |line| Some(SourceLoc { file: "tests/dashboard/run_loop.rs".into(), line });
        let events = [
            EventKind::ThreadCreated { tid: MAIN, name: "MainThread".into(), daemon: false, foreign: false },
            EventKind::ThreadStarted { tid: MAIN, daemon: false, os_tid: None },
        ];
        for (seq, kind) in (0..).zip(events) {
            ui.events.send(TraceEvent { seq, time_us: 0, thread: MAIN, loc: here(WORKER_LINE), kind }).unwrap();
        }
        let worker = EventKind::ThreadCreated { tid: 2, name: "worker".into(), daemon: false, foreign: false };
        ui.events.send(TraceEvent { seq: 2, time_us: 0, thread: MAIN, loc: here(WORKER_LINE), kind: worker }).unwrap();
        ui.events
            .send(TraceEvent {
                seq: 3,
                time_us: 0,
                thread: MAIN,
                loc: here(WORKER_LINE),
                kind: EventKind::ThreadStarted { tid: 2, daemon: false, os_tid: None },
            })
            .unwrap();
        let frame = ui.expect_frame("Source tests/dashboard/run_loop.rs");
        let marked = frame.lines().find(|line| line.contains("line!(); // here")).unwrap_or_else(|| {
            panic!("the line the threads are at shows:\n{frame}");
        });
        assert!(marked.contains(&format!("{WORKER_LINE} ▶")), "with its number and marker: {marked}");
        assert!(marked.contains("◀ MainThread"), "and the threads there: {marked}");
        assert!(!frame.contains("no source"), "{frame}");
        ui.input.send(Msg::Quit).unwrap();
        ui.finish();
    });
}
