//! The real terminal: raw mode and the alternate screen, always restored on quit, on early
//! return (a Drop guard), on a panic in the UI (a hook chained before the default), and on
//! SIGTERM, SIGHUP and SIGINT (turned into a quit message).

use std::io::{self, Stdout};
use std::sync::OnceLock;
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
    execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture, crossterm::cursor::Hide)?;
    let terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    Ok((guard, terminal))
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

/// Turns SIGTERM, SIGHUP and SIGINT into a quit message, so the terminal is restored.
pub fn spawn_signals(sender: Sender<Msg>) {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT]) else { return };
    let _ = std::thread::Builder::new().name("threadviz-signals".into()).spawn(move || {
        if signals.forever().next().is_some() {
            let _ = sender.send(Msg::Quit);
        }
    });
}
