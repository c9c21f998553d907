//! The loop: waits on input, session events and a clock; feeds the app; draws only when
//! something changed, at most 60 frames a second. Generic over the ratatui backend, with every
//! source injected, so tests drive it with synthetic input on a `TestBackend`.

use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, select};
use ratatui::Terminal;
use ratatui::backend::Backend;

use super::{App, Command, Msg};
use crate::TraceEvent;
use crate::session::PauseState;

/// The shortest time between two frames (60 frames a second).
pub const FRAME: Duration = Duration::from_micros(16_667);
/// How often the clock columns refresh while the session runs.
const LIVE_TICK: Duration = Duration::from_millis(100);
/// Events folded before drawing, so a flood cannot starve the screen.
const BATCH: usize = 20_000;

/// The session as the loop sees it: its events, its state, and the commands it obeys.
pub trait Controller {
    /// The events to fold (replaced on restart).
    fn events(&self) -> &Receiver<TraceEvent>;
    /// The session's state now.
    fn status(&self) -> Status;
    /// Carries out a command; a message for the app when it has something to say.
    fn apply(&mut self, command: Command) -> Option<Msg>;
}

/// The session's state as the status bar shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    /// Demo time in microseconds.
    pub now_us: u64,
    /// Running, paused or stepping.
    pub pause: PauseState,
    /// Speed.
    pub speed: f64,
    /// Events the viewer's buffer dropped.
    pub dropped: u64,
    /// Threads held at the pause gate.
    pub ready: Vec<crate::event::Tid>,
}

/// Runs until the app quits or `input` closes.
pub fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    input: &Receiver<Msg>,
    controller: &mut impl Controller,
) -> Result<(), B::Error> {
    let mut dirty = true;
    let mut last_draw: Option<Instant> = None;
    let mut last_status = None;
    loop {
        let events: Vec<TraceEvent> = controller.events().try_iter().take(BATCH).collect();
        if !events.is_empty() {
            app.update(Msg::Events(events));
            dirty = true;
        }
        let Status { now_us, pause, speed, dropped, ready } = controller.status();
        // The clock is shown to a tenth of a second: no redraw for smaller changes.
        let shown = (now_us / 100_000, pause, speed.to_bits(), dropped, ready.clone());
        if last_status.as_ref() != Some(&shown) {
            last_status = Some(shown);
            app.update(Msg::Status { now_us, pause, speed, dropped, ready });
            dirty = true;
        }
        if app.quit {
            return Ok(());
        }
        let since_draw = last_draw.map_or(FRAME, |at| at.elapsed());
        if dirty && since_draw >= FRAME {
            terminal.draw(|frame| frame.render_widget(&*app, frame.area()))?;
            last_draw = Some(Instant::now());
            dirty = false;
        }
        let timeout = if dirty {
            FRAME.saturating_sub(since_draw)
        } else if pause == PauseState::Running && !app.model.ended {
            LIVE_TICK
        } else {
            // Paused or ended: nothing changes until a key or an event arrives.
            Duration::from_hours(1)
        };
        let events = controller.events().clone();
        select! {
            recv(input) -> msg => {
                let Ok(msg) = msg else { return Ok(()) };
                if let Msg::Resize(..) = msg {
                    terminal.autoresize()?;
                }
                let commands = app.update(msg);
                for command in commands {
                    if let Some(reply) = controller.apply(command) {
                        app.update(reply);
                    }
                }
                dirty = true;
            }
            recv(events) -> event => {
                if let Ok(event) = event {
                    app.update(Msg::Events(vec![event]));
                    dirty = true;
                }
            }
            default(timeout) => {}
        }
    }
}
