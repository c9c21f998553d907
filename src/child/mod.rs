//! A program watched in another process (`threadviz run prog.py`): the interpreter started
//! with the hook, in a process group of its own, the socket it talks over, and the thread that
//! turns its stream into numbered events for the model, the recorder and plain mode. Nothing
//! here draws or folds: a child is one more event source beside a session and a recording.
//!
//! What to run and how is in `program`, the checks made before anything runs in `check`,
//! starting the interpreter and its handshake in `launch`, a controlled run and the fork
//! server in `controlled`, the reading of the stream in `stream`. This file is the running
//! child: talking to it, its exit status, ending it.

mod check;
mod controlled;
pub mod hook;
mod launch;
mod program;
mod stream;

use std::ffi::OsString;
use std::io::{self, Write};
use std::os::unix::net::UnixStream;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use parking_lot::Mutex;

pub use self::check::{RunError, check_program, check_python};
pub use self::controlled::{Controlled, Run as ControlledRun, Server, Settled};
pub use self::program::{Control, Grain, Options, Program, Target};
pub use self::stream::{Shared, Subscriber};
use crate::event::Tid;
use crate::session::{Step, StepRefused};
use crate::wire::{Hello, StepAnswer, ToChild};

/// How long a step's answer may take: the child answers at once, unless it is overloaded.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(2);
/// How long the child has to end after SIGTERM before it is killed.
const GRACE: Duration = Duration::from_millis(500);

/// The running interpreter: its process, the socket's writing half, and what its stream said.
#[derive(Debug)]
pub struct Child {
    process: std::process::Child,
    own_group: bool,
    /// The socket's writing half, once the hook has connected.
    control: Mutex<Option<UnixStream>>,
    shared: Arc<Shared>,
    answers: Receiver<StepAnswer>,
    hello: Hello,
    stderr: Arc<Mutex<Vec<u8>>>,
    status: Option<ExitStatus>,
    /// The interpreter, to ask what it is when it refuses the hook.
    python: OsString,
    /// The hook's files and the socket; removed when the child is dropped.
    _folder: tempfile::TempDir,
}

impl Child {
    /// What the stream has said so far: the gate, the time, how it ended.
    #[must_use]
    pub fn shared(&self) -> &Shared {
        &self.shared
    }

    /// The interpreter's process id.
    #[must_use]
    pub fn pid(&self) -> u32 {
        self.process.id()
    }

    /// Sends a control; false when the child is gone.
    pub fn send(&self, control: ToChild) -> bool {
        let mut socket = self.control.lock();
        let Some(socket) = socket.as_mut() else { return false };
        socket.write_all(&control.line()).and_then(|()| socket.flush()).is_ok()
    }

    /// Asks for a step and waits for its answer; None when none came.
    pub fn step(&self, thread: Option<Tid>) -> Option<Result<Step, StepRefused>> {
        // An answer left over from a step that timed out belongs to no one now.
        while self.answers.try_recv().is_ok() {}
        if !self.send(ToChild::Step { thread }) {
            return None;
        }
        self.answers.recv_timeout(ANSWER_TIMEOUT).ok().map(|answer| answer.result())
    }

    /// The interpreter's exit status, once it has ended.
    pub fn try_status(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.process.try_wait().ok().flatten();
        }
        self.status
    }

    /// Waits for the interpreter to end.
    pub fn wait(&mut self) -> io::Result<ExitStatus> {
        if let Some(status) = self.status {
            return Ok(status);
        }
        let status = self.process.wait()?;
        self.status = Some(status);
        Ok(status)
    }

    /// Sends `signal` to the interpreter (and, under the dashboard, its whole group).
    pub fn signal(&self, signal: nix::sys::signal::Signal) {
        let Ok(pid) = i32::try_from(self.process.id()) else { return };
        let pid = nix::unistd::Pid::from_raw(pid);
        let _ =
            if self.own_group { nix::sys::signal::killpg(pid, signal) } else { nix::sys::signal::kill(pid, signal) };
    }

    /// Ends the interpreter and everything in its group: SIGTERM, then SIGKILL after a grace
    /// period. Returns its exit status.
    pub fn end(&mut self) -> Option<ExitStatus> {
        use nix::sys::signal::Signal;
        if self.try_status().is_none() {
            self.signal(Signal::SIGTERM);
            let deadline = Instant::now() + GRACE;
            while self.try_status().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        // The group may outlive its leader (a process the program started): no one stays.
        self.signal(Signal::SIGKILL);
        let _ = self.wait();
        self.status
    }

    /// The end of the child's captured standard error, as a message's tail: `: <last line>`.
    fn stderr_words(&self) -> String {
        let tail = self.stderr.lock();
        let text = String::from_utf8_lossy(&tail);
        text.lines().rev().find(|line| !line.trim().is_empty()).map_or_else(String::new, |line| format!(": {line}"))
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.end();
    }
}

/// An exit status in words: `exit status 1`, `killed by signal 9`.
#[must_use]
pub fn status_words(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        (None, None) => "ended".to_owned(),
    }
}

/// The exit status threadviz gives for the child's: its code, or 128 + the signal that ended
/// it, as a shell reports it.
#[must_use]
pub fn exit_code(status: ExitStatus) -> u8 {
    match (status.code(), status.signal()) {
        (Some(code), _) => u8::try_from(code & 0xff).unwrap_or(1),
        (None, Some(signal)) => u8::try_from((128 + signal) & 0xff).unwrap_or(1),
        (None, None) => 1,
    }
}
