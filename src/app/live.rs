//! Watching a live program: it runs as the `MainThread` of a session on a thread of its own,
//! the dashboard folds its events, and restart starts it again in a fresh session.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_channel::Receiver;

use super::run::{Controller, Status, run};
use super::terminal;
use super::{App, Command, Msg, Showing};
use crate::TraceEvent;
use crate::session::{PauseState, Session};
use crate::view::theme::Theme;

/// Events the dashboard may fall behind by before it drops (and counts) new ones.
const VIEW_BUFFER: usize = 65_536;

/// How to start the program.
#[derive(Debug, Clone, Copy)]
pub struct Launch {
    /// RNG seed.
    pub seed: u64,
    /// Initial speed.
    pub speed: f64,
    /// Start paused before the first operation.
    pub paused: bool,
}

impl Default for Launch {
    fn default() -> Self {
        Self { seed: 0, speed: 1.0, paused: false }
    }
}

/// A running program and its session.
pub struct Live {
    program: Arc<dyn Fn() + Send + Sync>,
    launch: Launch,
    session: Session,
    events: Receiver<TraceEvent>,
    dropped: Arc<AtomicU64>,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live").field("session", &self.session).finish_non_exhaustive()
    }
}

impl Live {
    /// Starts `program` in a new session.
    pub fn start(program: Arc<dyn Fn() + Send + Sync>, launch: Launch) -> Self {
        let (session, events, dropped) = Self::launch(&program, launch);
        Self { program, launch, session, events, dropped }
    }

    fn launch(
        program: &Arc<dyn Fn() + Send + Sync>,
        launch: Launch,
    ) -> (Session, Receiver<TraceEvent>, Arc<AtomicU64>) {
        let session = Session::builder().seed(launch.seed).speed(launch.speed).paused(launch.paused).build();
        let (events, dropped) = session.subscribe_lossy(VIEW_BUFFER).into_parts();
        let runner = session.clone();
        let program = program.clone();
        let _ = std::thread::Builder::new().name("threadviz-main".into()).spawn(move || {
            // A panic of the program's main function is shown in the table; an abort unwinds here.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runner.run(|| program())));
        });
        (session, events, dropped)
    }

    /// The session of the current run.
    #[must_use]
    pub fn session(&self) -> &Session {
        &self.session
    }
}

impl Controller for Live {
    fn events(&self) -> &Receiver<TraceEvent> {
        &self.events
    }

    fn status(&self) -> Status {
        Status {
            now_us: u64::try_from(self.session.now().as_micros()).unwrap_or(u64::MAX),
            pause: self.session.pause_state(),
            speed: self.session.speed(),
            dropped: self.dropped.load(Ordering::Relaxed),
            ready: self.session.ready_threads(),
        }
    }

    fn apply(&mut self, command: Command) -> Option<Msg> {
        match command {
            Command::Pause => self.session.pause(),
            Command::Resume => self.session.resume(),
            Command::Step(thread) => return Some(Msg::Stepped(self.session.step(thread))),
            Command::SetSpeed(speed) => {
                self.session.set_speed(speed);
            }
            Command::Restart => {
                self.session.abort();
                let launch = Launch {
                    speed: self.session.speed(),
                    paused: self.session.pause_state() != PauseState::Running,
                    ..self.launch
                };
                (self.session, self.events, self.dropped) = Self::launch(&self.program, launch);
            }
            Command::Quit => self.session.abort(),
        }
        None
    }
}

/// Runs `program` under the dashboard until the user quits. The terminal is restored however
/// it ends.
pub fn watch(program: Arc<dyn Fn() + Send + Sync>, showing: Showing, theme: Theme, launch: Launch) -> io::Result<()> {
    let (guard, mut terminal) = terminal::enter()?;
    let (sender, input) = crossbeam_channel::unbounded();
    terminal::spawn_input(sender.clone());
    terminal::spawn_signals(sender);
    let mut live = Live::start(program, launch);
    let mut app = App::new(showing, theme, live.session.pause_state(), launch.speed);
    let size = terminal.size()?;
    app.size = (size.width, size.height);
    let result = run(&mut terminal, &mut app, &input, &mut live);
    live.apply(Command::Quit);
    drop(guard);
    result
}
