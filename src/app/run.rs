//! The loop: waits on input, session events and a clock; feeds the app; draws only when
//! something changed, at most 60 frames a second. Generic over the ratatui backend, with every
//! source injected, so tests drive it with synthetic input on a `TestBackend`. The loop owns the
//! [`Controller`] trait the sessions plug into (live, replay, steered, a child process) and
//! [`open_dashboard`], which sets the terminal and the app up around it.

use std::collections::BTreeMap;
use std::io;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, select};
use ratatui::Terminal;
use ratatui::backend::Backend;

use super::launch::Launch;
use super::{App, Appearance, Command, Guide, KernelColumns, Msg, Status, Subject};
use crate::TraceEvent;
use crate::kernel::KernelSample;
use crate::session::PauseState;

/// The shortest time between two frames (60 frames a second).
pub const FRAME: Duration = Duration::from_micros(16_667);
/// How often the clock columns refresh while the session runs.
const LIVE_TICK: Duration = Duration::from_millis(100);
/// How often the paused session's state is read.
const PAUSED_TICK: Duration = Duration::from_millis(250);
/// How often the kernel's view of the threads is read (CPU % is over this interval).
const KERNEL_TICK: Duration = Duration::from_secs(1);
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

    /// The kernel's view of the OS threads `os_tids` (Linux), for a live program; None where
    /// there is none to read (a recording, a test, another OS).
    fn kernel(&mut self, _os_tids: &[u32]) -> Option<BTreeMap<u32, KernelSample>> {
        None
    }

    /// Whether [`kernel`](Self::kernel) reads anything: a live program's threads are real and
    /// running; a recording's, a test's or a steered run's are not worth sampling.
    fn reads_kernel(&self) -> bool {
        false
    }

    /// Called on every turn of the loop: a controller that plays steps by itself takes the
    /// next one when it is due.
    fn tick(&mut self) -> Option<Msg> {
        None
    }

    /// What a steered run shows above the table (see [`Guide`]); None for any other.
    fn guide(&self) -> Option<Guide> {
        None
    }

    /// Pinged when the controller has something to hand over that no event brings (a steered
    /// step that settled on a thread of its own): the loop wakes and ticks at once.
    fn wakes(&self) -> Option<&Receiver<()>> {
        None
    }
}

/// Hands `msg` to the app and the commands it returns to the controller (a deadlock found in
/// new events asks for a pause just as a key does).
fn dispatch(app: &mut App, controller: &mut impl Controller, msg: Msg) {
    for command in app.update(msg) {
        if let Some(reply) = controller.apply(command) {
            app.update(reply);
        }
    }
}

/// Reads the source files the app wants for its source panel (the loop does the I/O, never
/// `App::update`). Each file is wanted once, so this reads only when threads reach new files.
fn read_wanted_sources(app: &mut App) {
    let wanted = app.wanted_sources();
    if wanted.is_empty() {
        return;
    }
    let bases = crate::record::sources::bases();
    for path in wanted {
        let text = crate::record::sources::read(&path, &bases);
        app.update(Msg::Source { path, text });
    }
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
    let mut last_kernel: Option<Instant> = None;
    let mut events_open = true;
    loop {
        dirty |= sample_kernel(app, controller, &mut last_kernel);
        let (took_in, pause) = take_in(app, controller, &mut last_status);
        dirty |= took_in;
        if app.quit {
            return Ok(());
        }
        let since_draw = last_draw.map_or(FRAME, |at| at.elapsed());
        if dirty && since_draw >= FRAME {
            draw(terminal, app)?;
            last_draw = Some(Instant::now());
            dirty = false;
        }
        let timeout = wait_at_most(dirty, since_draw, pause, app.model.ended);
        // Once the session has ended its channel is closed and would wake the loop at once,
        // forever: wait on nothing instead (a restart brings a fresh channel).
        let events = if events_open { controller.events().clone() } else { crossbeam_channel::never() };
        let wakes = controller.wakes().cloned().unwrap_or_else(crossbeam_channel::never);
        select! {
            recv(input) -> msg => {
                let Ok(msg) = msg else { return Ok(()) };
                if let Msg::Resize(..) = msg {
                    terminal.autoresize()?;
                }
                dispatch(app, controller, msg);
                // A key may have restarted the program with a new channel: look again.
                events_open = true;
                dirty = true;
            }
            recv(events) -> event => {
                if let Ok(event) = event {
                    dispatch(app, controller, Msg::Events(vec![event]));
                    read_wanted_sources(app);
                    dirty = true;
                } else {
                    events_open = false;
                }
            }
            recv(wakes) -> _ => dirty = true,
            default(timeout) => {}
        }
    }
}

/// Reads the kernel's view of the program's live threads, at most once a [`KERNEL_TICK`] and
/// only while it runs; returns whether the app got a sample.
fn sample_kernel(app: &mut App, controller: &mut impl Controller, last_kernel: &mut Option<Instant>) -> bool {
    // Paused, the threads are idle: no reading, so a paused dashboard costs nothing.
    let due = last_kernel.is_none_or(|at| at.elapsed() >= KERNEL_TICK);
    if !due || app.status.pause != PauseState::Running || app.model.ended {
        return false;
    }
    *last_kernel = Some(Instant::now());
    let os_tids: Vec<u32> = app
        .model
        .threads
        .values()
        .filter(|thread| !thread.state.is_finished())
        .filter_map(|thread| thread.os_tid)
        .collect();
    let Some(samples) = controller.kernel(&os_tids) else { return false };
    app.update(Msg::Kernel(samples));
    true
}

/// Hands the app what the controller has for it: the events waiting (a batch at most), its
/// status when the screen would show the change, a step it took by itself, its guide. Returns
/// whether anything came, and the pause state it reported.
fn take_in(
    app: &mut App,
    controller: &mut impl Controller,
    // The status as last handed to the app, with the clock to the tenth of a second it is shown
    // to: a change in it calls for a redraw.
    last_status: &mut Option<Status>,
) -> (bool, PauseState) {
    let mut dirty = false;
    let events: Vec<TraceEvent> = controller.events().try_iter().take(BATCH).collect();
    if !events.is_empty() {
        dispatch(app, controller, Msg::Events(events));
        read_wanted_sources(app);
        dirty = true;
    }
    let status = controller.status();
    let pause = status.pause;
    // The clock is shown to a tenth of a second: no redraw for smaller changes.
    let shown = Status { now_us: status.now_us / 100_000, ..status.clone() };
    if last_status.as_ref() != Some(&shown) {
        *last_status = Some(shown);
        dispatch(app, controller, Msg::Status(status));
        dirty = true;
    }
    if let Some(msg) = controller.tick() {
        dispatch(app, controller, msg);
        dirty = true;
    }
    let guide = controller.guide();
    if guide != app.guide {
        app.update(Msg::Guide(guide));
        dirty = true;
    }
    (dirty, pause)
}

/// Draws the app, the whole screen after a suspend.
fn draw<B: Backend>(terminal: &mut Terminal<B>, app: &App) -> Result<(), B::Error> {
    let _drawing = super::terminal::drawing();
    // After a suspend the screen is the shell's: draw all of it, not what changed.
    // (`resize` clears the screen and forgets what was drawn, without asking the
    // terminal where its cursor is, which the input thread would answer.)
    if super::terminal::take_redraw() {
        let size = terminal.size()?;
        terminal.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))?;
    }
    terminal.draw(|frame| frame.render_widget(app, frame.area()))?;
    Ok(())
}

/// How long the loop may wait for input or events before it looks at the session again.
fn wait_at_most(dirty: bool, since_draw: Duration, pause: PauseState, ended: bool) -> Duration {
    if dirty {
        FRAME.saturating_sub(since_draw)
    } else if pause == PauseState::Running && !ended {
        LIVE_TICK
    } else if !ended {
        // Paused: a thread reaching the gate or a step ending sends no event, so look at the
        // session now and then (a few cheap reads a second; nothing is drawn unless it changed).
        PAUSED_TICK
    } else {
        // Ended: nothing changes until a key arrives.
        Duration::from_hours(1)
    }
}

/// Runs the dashboard on the controller that `start` makes (a live session, a steered one, a
/// program in another process): the terminal taken over, input and signals read, the app set
/// up as `launch` says, then the loop. The controller is kept in `controller` so that the caller still has it afterwards and, on a panic, drops
/// it (and its recorder) while unwinding.
pub(crate) fn open_dashboard<C: Controller>(
    subject: Subject,
    appearance: Appearance,
    launch: &Launch,
    controller: &mut Option<C>,
    start: impl FnOnce() -> io::Result<C>,
) -> io::Result<()> {
    let (guard, mut terminal) = super::terminal::enter()?;
    let (sender, input) = crossbeam_channel::unbounded();
    super::terminal::spawn_input(sender.clone());
    super::terminal::spawn_signals(sender);
    let live = controller.insert(start()?);
    let mut app = App::new(subject, appearance, live.status().pause, launch.speed);
    app.set_present(launch.present);
    if !launch.as_shipped() {
        app.moment = None;
    }
    app.kernel_columns = match (live.reads_kernel(), launch.kernel_first) {
        (false, _) => KernelColumns::Unread,
        (true, false) => KernelColumns::Read,
        (true, true) => KernelColumns::First,
    };
    let size = terminal.size()?;
    app.ui.size = (size.width, size.height);
    let result = run(&mut terminal, &mut app, &input, live);
    live.apply(Command::Quit);
    drop(guard);
    result
}
