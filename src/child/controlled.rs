//! A controlled Python run (`threadviz explore PROGRAM.py`, `threadviz run --schedule`): one
//! thread of the program moves at a time, and at every step with more than one option the
//! interpreter asks which (a `choose` line) and waits for the answer (a `grant`). The
//! conversation is synchronous, in the caller's thread: a step is a line each way (or none, when
//! the run draws the random strategy's choices itself and tells them). A fork server
//! ([`Server`]) prepares the interpreter once and forks it for every run, so that a run costs a
//! fork, not an interpreter's start; once a run has reached its first thread's start, the later
//! runs are forked from there (ARCHITECTURE.md, "Controlled runs and the fork server").

use std::io::{self, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use super::stream::Files;
use super::{Child, Control, Options, Program, RunError};
use crate::event::{Control as Told, EventKind, TraceEvent};
use crate::session::Choice;
use crate::wire::{Choose, FromChild, Reader, ToChild, WireError};

/// How long a fork server may take to start a run or to say that one is over.
const SERVER_PATIENCE: Duration = Duration::from_secs(20);

/// How long [`Run::asleep`] watches a silent run's threads for any CPU use.
const ASLEEP_LOOK: Duration = Duration::from_millis(50);

/// Where a run stands once its last step has settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// The child asks what moves next (no options: nothing can).
    Choose(Choose),
    /// The run's end arrived (`session_ended`).
    Ended,
    /// The stream stopped before the run's end: the process died, or its line was bad.
    Cut(String),
    /// Nothing came within the patience: a thread waits outside threadviz or loops without
    /// reaching a step point.
    Silent,
}

/// The socket to a controlled interpreter, read and written in the caller's thread.
struct Link {
    reader: Reader<BufReader<UnixStream>>,
    writer: UnixStream,
    files: Files,
    /// The socket's read timeout as last set: set again only when it changes, not before
    /// every line (a system call per line, hundreds in a run stepped by instruction).
    patience: Option<Duration>,
    /// A fork server's runs that go on from the first part of an earlier run (see
    /// [`crate::wire::RunStarted::prefix`]): that part's events, put before each one's.
    prefix: Option<Vec<TraceEvent>>,
}

impl Link {
    fn new(reader: Reader<BufReader<UnixStream>>, writer: UnixStream) -> Self {
        Self { reader, writer, files: Files::default(), patience: None, prefix: None }
    }

    fn send(&mut self, control: ToChild) -> io::Result<()> {
        self.writer.write_all(&control.line())?;
        self.writer.flush()
    }

    /// The next message, waiting at most `patience` for each read of the socket.
    fn next(&mut self, patience: Duration) -> Result<Option<FromChild>, WireError> {
        if self.patience != Some(patience) {
            self.writer.set_read_timeout(Some(patience)).map_err(WireError::Io)?;
            self.patience = Some(patience);
        }
        self.reader.next_message()
    }
}

/// What a fork server says of a run's process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Served {
    /// Not served: the run is its interpreter's only one.
    Alone,
    /// Served, and not yet said to be gone.
    Running,
    /// Gone, with the exit status the server told (minus the signal that ended it), if it did.
    Gone(Option<i32>),
}

/// One run under way: its events so far and the last question.
pub struct Run<'a> {
    link: &'a mut Link,
    pid: u32,
    /// Whether a fork server answers for the run's process once it is gone, and what it said.
    served: Served,
    events: Vec<TraceEvent>,
    /// The thread of each step begun since [`Run::take_moves`] was last called: every step's
    /// events start with its control event, asked for or taken alone.
    moves: Vec<crate::event::Tid>,
    time_us: u64,
    ended: bool,
    /// Whether the run's process is gone or was killed.
    gone: bool,
}

impl Run<'_> {
    /// Reads until the child asks, the run ends, or `patience` passes in silence.
    pub fn settle(&mut self, patience: Duration) -> Settled {
        if self.ended {
            return Settled::Ended;
        }
        loop {
            match self.link.next(patience) {
                Ok(Some(FromChild::Event(mut event))) => {
                    self.time_us = self.time_us.max(event.time_us);
                    event.time_us = self.time_us;
                    event.seq = self.events.len() as u64;
                    self.link.files.intern(&mut event);
                    let last = event.kind == EventKind::SessionEnded;
                    if let EventKind::Control { control: Told::Step { thread } | Told::Advance { thread } } = event.kind
                    {
                        self.moves.push(thread);
                    }
                    self.events.push(event);
                    if last {
                        self.ended = true;
                        return Settled::Ended;
                    }
                }
                Ok(Some(FromChild::Choose(choose))) => return Settled::Choose(choose),
                Ok(Some(FromChild::Ran(ran))) => {
                    self.gone = true;
                    if self.served != Served::Alone {
                        self.served = Served::Gone(Some(ran.status));
                    }
                    return Settled::Cut("the program's process ended before its run did".to_owned());
                }
                // The run goes on in another process, forked here: what came so far is the
                // first part of every later run of the server.
                Ok(Some(FromChild::RunStarted(started))) if started.prefix => {
                    self.pid = started.pid;
                    self.link.prefix = Some(self.events.clone());
                }
                Ok(Some(FromChild::Gate(_) | FromChild::Step(_) | FromChild::RunStarted(_))) => {}
                Ok(None) => {
                    self.gone = true;
                    return Settled::Cut("the interpreter closed its stream".to_owned());
                }
                Err(WireError::Io(error))
                    if matches!(error.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) =>
                {
                    return Settled::Silent;
                }
                Err(error) => return Settled::Cut(error.to_string()),
            }
        }
    }

    /// Whether every thread of the run's process sleeps in the kernel and none used the CPU
    /// over a short look (Linux's `/proc/<pid>/task/*/stat`): a step that has not come back
    /// then waits outside the hook's primitives (I/O, a C extension's lock, a sleep the hook
    /// does not see), where a thread that computes would be running. False where there is no
    /// `/proc`, or the process is gone.
    #[must_use]
    pub fn asleep(&self) -> bool {
        let Some(before) = crate::kernel::ticks_if_all_asleep(self.pid) else { return false };
        std::thread::sleep(ASLEEP_LOOK);
        crate::kernel::ticks_if_all_asleep(self.pid) == Some(before)
    }

    /// Grants `choice` its step; false when the child is gone.
    pub(crate) fn grant(&mut self, choice: Choice) -> bool {
        let control = match choice {
            Choice::Thread(thread) => ToChild::Grant { thread: Some(thread), time: false },
            Choice::Time => ToChild::Grant { thread: None, time: true },
        };
        self.link.send(control).is_ok()
    }

    /// Ends the run's process at once (a deadlock, a stuck thread, the step limit).
    pub fn kill(&mut self) {
        if self.gone {
            return;
        }
        if let Ok(pid) = i32::try_from(self.pid) {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
        }
        self.gone = true;
    }

    /// The thread of each step begun since the last call, in order.
    pub fn take_moves(&mut self) -> Vec<crate::event::Tid> {
        std::mem::take(&mut self.moves)
    }

    /// The run's events, numbered in the order they arrived.
    #[must_use]
    pub fn events(&self) -> &[TraceEvent] {
        &self.events
    }

    /// Takes the run's events.
    pub fn take_events(&mut self) -> Vec<TraceEvent> {
        std::mem::take(&mut self.events)
    }
}

impl Run<'_> {
    /// Ends the run (killing it unless it ended) and, for a served run, waits until the
    /// server says its process is gone, reading past whatever it still sent, so the next run
    /// starts on a clean stream. The run's exit status, or minus the signal that ended it;
    /// None when the server did not say.
    pub fn close(&mut self) -> Option<i32> {
        if !self.ended {
            self.kill();
        }
        match self.served {
            Served::Alone => return None,
            Served::Gone(status) => return status,
            Served::Running => {}
        }
        let status = loop {
            match self.link.next(SERVER_PATIENCE) {
                Ok(Some(FromChild::Ran(ran))) => break Some(ran.status),
                Ok(None) => break None,
                // A wait too long: the server is gone or stuck, and its next run will say so.
                Err(WireError::Io(error))
                    if matches!(error.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) =>
                {
                    break None;
                }
                // What the run still sent, or a line the kill cut short: skipped.
                Ok(Some(_)) | Err(_) => {}
            }
        };
        self.served = Served::Gone(status);
        status
    }
}

impl Drop for Run<'_> {
    fn drop(&mut self) {
        self.close();
    }
}

/// An interpreter that runs the program once, controlled (`threadviz run --schedule`): its
/// output is the terminal's, as a bare run's would be.
pub struct Controlled {
    child: Child,
    link: Link,
}

impl Controlled {
    /// Starts `program` controlled, with the seed of its random numbers.
    pub fn start(program: &Program, options: &Options, seed: u64) -> Result<Self, RunError> {
        let options = Options { control: Some(Control { seed, server: false }), ..options.clone() };
        let (child, reader, writer) = Child::spawn_controlled(program, &options)?;
        Ok(Self { child, link: Link::new(reader, writer) })
    }

    /// The run.
    pub fn run(&mut self) -> Run<'_> {
        let pid = self.child.pid();
        Run {
            link: &mut self.link,
            pid,
            served: Served::Alone,
            events: Vec::new(),
            moves: Vec::new(),
            time_us: 0,
            ended: false,
            gone: false,
        }
    }

    /// The interpreter, to wait for its exit status.
    pub fn child(&mut self) -> &mut Child {
        &mut self.child
    }
}

/// A fork server: one interpreter, prepared once, that forks a controlled run on demand.
pub struct Server {
    child: Child,
    link: Link,
}

impl Server {
    /// Starts the server for `program`, with the seed of its random numbers.
    pub fn start(program: &Program, options: &Options, seed: u64) -> Result<Self, RunError> {
        let options = Options { control: Some(Control { seed, server: true }), ..options.clone() };
        let (child, reader, writer) = Child::spawn_controlled(program, &options)?;
        Ok(Self { child, link: Link::new(reader, writer) })
    }

    /// Starts one more run; with `pick`, a run that makes its choices itself from this state
    /// of the random chooser's generator (see [`ToChild::Run`]).
    pub fn run(&mut self, pick: Option<u64>) -> Result<Run<'_>, String> {
        let gone = |why: &dyn std::fmt::Display| format!("the Python fork server stopped: {why}");
        self.link.send(ToChild::Run { pick }).map_err(|error| gone(&error))?;
        let started = loop {
            match self.link.next(SERVER_PATIENCE) {
                Ok(Some(FromChild::RunStarted(started))) => break started,
                Ok(Some(_)) => {}
                Ok(None) => return Err(gone(&"it closed its stream")),
                Err(error) => return Err(gone(&error)),
            }
        };
        let events = if started.prefix {
            self.link.prefix.clone().ok_or_else(|| gone(&"it went on from a first part threadviz never saw"))?
        } else {
            Vec::new()
        };
        let moves = events
            .iter()
            .filter_map(|event| match event.kind {
                EventKind::Control { control: Told::Step { thread } | Told::Advance { thread } } => Some(thread),
                _ => None,
            })
            .collect();
        let time_us = events.last().map_or(0, |event| event.time_us);
        Ok(Run {
            link: &mut self.link,
            pid: started.pid,
            served: Served::Running,
            events,
            moves,
            time_us,
            ended: false,
            gone: false,
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.link.send(ToChild::Quit);
        self.child.end();
    }
}
