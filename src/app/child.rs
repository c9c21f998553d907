//! Watching a program in another process (`threadviz run prog.py`): the controller that turns
//! the dashboard's commands into the wire's controls and the child's stream into the loop's
//! events. Restart ends the interpreter and starts it again; a recording holds the first run.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_channel::Receiver;

use super::Status;
use super::live::{NO_CHALLENGE, ONLY_REPLAYS_GO_BACK};
use super::run::Controller;
use super::{Command, Msg};
use crate::TraceEvent;
use crate::child::{Child, Options, Program, RunError, Subscriber, status_words};
use crate::record::{RecordTo, Recorder};
use crate::session::PauseState;
use crate::wire::ToChild;

/// How long the loop waits, once, for the interpreter's exit status after its stream closed.
const END_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// Events the dashboard may fall behind by before it drops (and counts) new ones.
const VIEW_BUFFER: usize = 65_536;

/// A watched interpreter and what the dashboard reads of it.
#[derive(Debug)]
pub struct ChildRun {
    program: Program,
    options: Options,
    child: Child,
    events: Receiver<TraceEvent>,
    dropped: Arc<AtomicU64>,
    recorder: Option<Recorder>,
    sampler: crate::kernel::Sampler,
    /// Whether the line under the table has said how the run ended.
    told_end: bool,
    /// How the program ended by itself, before the user quit (not the end threadviz gave it).
    ended_by_itself: Option<std::process::ExitStatus>,
    /// Whether the user quit.
    quit: bool,
}

impl ChildRun {
    /// Starts `program`; with `record`, its first run is recorded.
    pub fn start(program: Program, options: Options, record: Option<RecordTo>) -> Result<Self, RunError> {
        let (view, events, dropped) = Subscriber::lossy(VIEW_BUFFER);
        let mut subscribers = vec![view];
        let mut for_recorder = None;
        if record.is_some() {
            let (subscriber, events) = Subscriber::lossless();
            subscribers.push(subscriber);
            for_recorder = Some(events);
        }
        let child = Child::spawn(&program, &options, subscribers)?;
        let recorder = match (record, for_recorder) {
            (Some(record), Some(events)) => Some(
                record
                    .attach_events(events, options.speed)
                    .map_err(|error| RunError { message: format!("cannot record: {error}"), code: 1 })?,
            ),
            _ => None,
        };
        Ok(Self {
            program,
            options,
            child,
            events,
            dropped,
            recorder,
            sampler: crate::kernel::Sampler::new(),
            told_end: false,
            ended_by_itself: None,
            quit: false,
        })
    }

    /// How the program ended by itself before the user quit, if it did: its status is the
    /// run's.
    #[must_use]
    pub fn ended_by_itself(&self) -> Option<std::process::ExitStatus> {
        self.ended_by_itself
    }

    /// Ends the interpreter and hands back the recorder, to be finished.
    pub fn finish(mut self) -> Option<Recorder> {
        self.child.end();
        self.recorder.take()
    }

    fn restart(&mut self) -> Msg {
        self.child.end();
        let options = Options {
            paused: self.child.shared().pause() != PauseState::Running,
            speed: self.child.shared().speed(),
            ..self.options.clone()
        };
        let (view, events, dropped) = Subscriber::lossy(VIEW_BUFFER);
        match Child::spawn(&self.program, &options, vec![view]) {
            Ok(child) => {
                self.child = child;
                (self.events, self.dropped) = (events, dropped);
                self.told_end = false;
                match self.recorder.as_ref().and_then(Recorder::path) {
                    Some(path) => Msg::Note(format!("restarted; {} holds the first run only", path.display())),
                    None => Msg::Note(format!("restarted {}", self.program.title())),
                }
            }
            Err(error) => Msg::Note(format!("cannot restart: {error}")),
        }
    }
}

impl Controller for ChildRun {
    fn events(&self) -> &Receiver<TraceEvent> {
        &self.events
    }

    fn status(&self) -> Status {
        let shared = self.child.shared();
        Status {
            now_us: shared.now_us(),
            pause: shared.pause(),
            speed: shared.speed(),
            dropped: self.dropped.load(Ordering::Relaxed),
            ready: shared.ready(),
            ready_at: shared.ready_at(),
        }
    }

    fn reads_kernel(&self) -> bool {
        crate::kernel::supported()
    }

    fn kernel(&mut self, os_tids: &[u32]) -> Option<std::collections::BTreeMap<u32, crate::kernel::KernelSample>> {
        self.sampler.sample_if_supported(os_tids)
    }

    fn apply(&mut self, command: Command) -> Option<Msg> {
        match command {
            Command::Pause => {
                self.child.send(ToChild::Pause);
            }
            Command::Resume => {
                self.child.send(ToChild::Resume);
            }
            Command::Step(thread) => {
                return Some(match self.child.step(thread) {
                    Some(result) => Msg::Stepped(result),
                    None => Msg::Note("the program did not answer the step: it may have ended".to_owned()),
                });
            }
            Command::SetSpeed(speed) => {
                if self.child.send(ToChild::Speed { speed }) {
                    self.child.shared().assume_speed(speed);
                }
            }
            Command::Restart => return Some(self.restart()),
            Command::StepBack | Command::Seek(_) => {
                return Some(Msg::Note(ONLY_REPLAYS_GO_BACK.to_owned()));
            }
            Command::Solution => return Some(Msg::Note(NO_CHALLENGE.to_owned())),
            Command::Quit => {
                // Asked once by the key and once more as the dashboard closes: the first says.
                if !self.quit && self.child.shared().closed() {
                    self.ended_by_itself = self.child.try_status();
                }
                self.quit = true;
                self.child.end();
            }
        }
        None
    }

    fn tick(&mut self) -> Option<Msg> {
        if self.told_end || !self.child.shared().closed() || !self.events.is_empty() {
            return None;
        }
        // The stream closes as the interpreter exits: its status follows within moments. Once
        // the run has ended the loop waits for keys alone, so this is the one chance to say it.
        let deadline = std::time::Instant::now() + END_GRACE;
        let status = loop {
            if let Some(status) = self.child.try_status() {
                break status;
            }
            if std::time::Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        };
        self.told_end = true;
        let title = self.program.title();
        let how = status_words(status);
        Some(Msg::Note(match self.child.shared().error() {
            Some(error) => format!("{title}: {error}; the run's end is missing ({how})"),
            None if !self.child.shared().ended() => {
                format!("{title}: the interpreter ended without its end marker ({how}): the run's end is missing")
            }
            None => format!("{title} ended: {how}; r runs it again"),
        }))
    }
}
