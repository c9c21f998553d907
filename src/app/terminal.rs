//! The real terminal: raw mode and the alternate screen, always restored on quit, on early
//! return (a Drop guard), on a panic in the UI (a hook chained before the default), and on
//! SIGTERM, SIGHUP, SIGINT and SIGQUIT (turned into a quit message). Job control: SIGTSTP (and
//! ctrl-z, which raw mode delivers as a key) restores the terminal and stops the process; once
//! continued it takes the terminal back and the whole screen is drawn again.

use std::io::{self, Stdout};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::ThreadId;

use crossbeam_channel::Sender;
use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event};
use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use super::Msg;

/// The thread that owns the terminal: only its panics restore the terminal; panics of the
/// watched threads are shown in the table instead of printed over it.
static UI_THREAD: OnceLock<ThreadId> = OnceLock::new();

/// Puts the terminal back as it was. Safe to call more than once.
pub fn restore() -> io::Result<()> {
    disable_raw_mode()?;
    execute!(io::stdout(), LeaveAlternateScreen, DisableMouseCapture, crossterm::cursor::Show)
}

/// Restores the terminal when dropped.
#[derive(Debug)]
pub struct TerminalGuard {
    _private: (),
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = restore();
    }
}

/// Enters raw mode and the alternate screen; the guard restores them.
pub fn enter() -> io::Result<(TerminalGuard, Terminal<CrosstermBackend<Stdout>>)> {
    install_panic_hook();
    enable_raw_mode()?;
    let guard = TerminalGuard { _private: () };
    TAKEN.store(true, Ordering::SeqCst);
    take_back()?;
    let terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    Ok((guard, terminal))
}

/// Raw mode, the alternate screen, the mouse, no cursor: the dashboard's terminal.
fn take_back() -> io::Result<()> {
    enable_raw_mode()?;
    execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture, crossterm::cursor::Hide)
}

/// Held while a frame is drawn, and while the process is suspended: a frame is never written
/// over the shell's screen.
static DRAWING: parking_lot::Mutex<()> = parking_lot::Mutex::new(());
/// Set when the terminal was given back and taken again: the next frame draws everything.
static REDRAW: AtomicBool = AtomicBool::new(false);
/// Set once the real terminal is taken: only then can a suspend come between two frames.
static TAKEN: AtomicBool = AtomicBool::new(false);

/// Held while a frame is drawn on the real terminal (see [`suspend`]); nothing for any other
/// backend (a test's), whose frames need not wait for each other.
pub fn drawing() -> Option<parking_lot::MutexGuard<'static, ()>> {
    TAKEN.load(Ordering::SeqCst).then(|| DRAWING.lock())
}

/// Whether the screen must be drawn whole (once: the request is taken).
pub fn take_redraw() -> bool {
    REDRAW.swap(false, Ordering::SeqCst)
}

/// Job control: gives the terminal back to the shell, stops the process (as SIGTSTP would
/// have), and once continued takes the terminal back and asks `sender` for a whole redraw.
fn suspend(sender: &Sender<Msg>) {
    use nix::sys::signal::{Signal, raise};
    {
        let _drawing = DRAWING.lock();
        let _ = restore();
        let _ = raise(Signal::SIGSTOP);
        // Continued (`fg`, `kill -CONT`).
        let _ = take_back();
        REDRAW.store(true, Ordering::SeqCst);
    }
    ask_redraw(sender);
}

/// Wakes the loop with the terminal's size, after which it draws the whole screen.
fn ask_redraw(sender: &Sender<Msg>) {
    REDRAW.store(true, Ordering::SeqCst);
    let (width, height) = crossterm::terminal::size().unwrap_or((80, 24));
    let _ = sender.send(Msg::Resize(width, height));
}

fn install_panic_hook() {
    if UI_THREAD.set(std::thread::current().id()).is_err() {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // A watched thread's panic is the program's: its row shows PANICKED with the message,
        // and printing it would scribble over the dashboard.
        if UI_THREAD.get() != Some(&std::thread::current().id()) && crate::session::context::is_bound() {
            return;
        }
        // The dashboard's own threads: a bug in threadviz. Leave a readable terminal first.
        let _ = restore();
        previous(info);
    }));
}

/// Reads keys, mouse and resizes on a thread of its own and sends them as messages.
pub fn spawn_input(sender: Sender<Msg>) {
    let _ = std::thread::Builder::new().name("threadviz-input".into()).spawn(move || {
        loop {
            let msg = match event::read() {
                Ok(Event::Key(key)) if is_suspend(key) => {
                    suspend(&sender);
                    continue;
                }
                Ok(Event::Key(key)) => Msg::Key(key),
                Ok(Event::Mouse(mouse)) => Msg::Mouse(mouse),
                Ok(Event::Resize(width, height)) => Msg::Resize(width, height),
                Ok(_) => continue,
                Err(_) => Msg::Quit,
            };
            if sender.send(msg).is_err() {
                return;
            }
        }
    });
}

/// Ctrl-z: in raw mode a key, not the terminal's SIGTSTP.
fn is_suspend(key: crossterm::event::KeyEvent) -> bool {
    use crossterm::event::{KeyCode, KeyEventKind, KeyModifiers};
    key.code == KeyCode::Char('z') && key.modifiers.contains(KeyModifiers::CONTROL) && key.kind != KeyEventKind::Release
}

/// Turns SIGTERM, SIGHUP, SIGINT and SIGQUIT into a quit message, so the terminal is restored;
/// SIGTSTP suspends (see [`suspend`]), and SIGCONT after a stop from elsewhere (SIGSTOP)
/// takes the terminal back and draws it whole.
pub fn spawn_signals(sender: Sender<Msg>) {
    use signal_hook::consts::{SIGCONT, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGTSTP};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGTSTP, SIGCONT])
    else {
        return;
    };
    let _ = std::thread::Builder::new().name("threadviz-signals".into()).spawn(move || {
        for signal in signals.forever() {
            match signal {
                SIGTSTP => suspend(&sender),
                SIGCONT => {
                    let _ = take_back();
                    ask_redraw(&sender);
                }
                _ => {
                    let _ = sender.send(Msg::Quit);
                    return;
                }
            }
        }
    });
}
