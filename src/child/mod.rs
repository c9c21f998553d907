//! A program watched in another process (`threadviz run prog.py`): the interpreter started
//! with the hook, in a process group of its own, the socket it talks over, and the thread that
//! turns its stream into numbered events for the model, the recorder and plain mode. Nothing
//! here draws or folds: a child is one more event source beside a session and a recording.

mod controlled;
pub mod hook;
mod stream;

use std::ffi::OsString;
use std::io::{self, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use parking_lot::Mutex;

pub use self::controlled::{Controlled, Run as ControlledRun, Server, Settled};
pub use self::stream::{Shared, Subscriber};
use crate::event::Tid;
use crate::session::{Step, StepRefused};
use crate::wire::{self, Hello, StepAnswer, ToChild};

/// How long the interpreter has to start and say hello.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a step's answer may take: the child answers at once, unless it is overloaded.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(2);
/// How long the child has to end after SIGTERM before it is killed.
const GRACE: Duration = Duration::from_millis(500);
/// How much of the child's captured standard error is kept, for a message when it fails.
const STDERR_TAIL: usize = 16 << 10;
/// The oldest Python `threadviz run` supports.
pub const OLDEST_PYTHON: (u32, u32) = (3, 9);

/// What to run: a script or a module, and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// The script or module.
    pub target: Target,
    /// The program's own arguments (`sys.argv[1:]`).
    pub args: Vec<OsString>,
}

/// A script's path, or a module's name (`-m`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `python3 PROGRAM.py`.
    Script(PathBuf),
    /// `python3 -m MODULE`.
    Module(String),
}

impl Program {
    /// The program as the status bar and a recording's header name it: `bank.py`,
    /// `-m http.server`.
    #[must_use]
    pub fn title(&self) -> String {
        match &self.target {
            Target::Script(path) => path.display().to_string(),
            Target::Module(name) => format!("-m {name}"),
        }
    }
}

/// How to run it.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::struct_excessive_bools, reason = "independent options, each a flag of its own")]
pub struct Options {
    /// The interpreter.
    pub python: OsString,
    /// Held before its first operation.
    pub paused: bool,
    /// Demo time's speed.
    pub speed: f64,
    /// How long a wake-up is held on screen at 1x (zero: never).
    pub linger: Duration,
    /// Threads drop events rather than wait when the stream falls behind.
    pub lossy: bool,
    /// Under the dashboard: the child has a process group of its own, no standard input, and
    /// its output is captured (the log shows it); otherwise it shares the terminal as
    /// `python3 prog.py` would.
    pub dashboard: bool,
    /// What one step is.
    pub step: Grain,
    /// Variables watched as shared from the start (`--watch NAME`).
    pub watch: Vec<String>,
    /// Find the variables the program's threads share as it runs, even stepping by operation
    /// (stepping by line or bytecode, watching or controlled, they are always found).
    pub shared: bool,
    /// A controlled run: one thread at a time, each step chosen by threadviz.
    pub control: Option<Control>,
    /// The folder the program starts in (threadviz's own, when none).
    pub cwd: Option<PathBuf>,
}

impl Options {
    /// Watching `python` as `threadviz run` does by default: free running, at 1x, in a terminal
    /// of its own.
    #[must_use]
    pub fn new(python: OsString) -> Self {
        Self {
            python,
            paused: false,
            speed: 1.0,
            linger: Duration::ZERO,
            lossy: false,
            dashboard: false,
            step: Grain::Op,
            watch: Vec::new(),
            shared: false,
            control: None,
            cwd: None,
        }
    }
}

/// What one step of a Python program is (`--step`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Grain {
    /// An operation on a primitive, or a load or store of a shared variable.
    #[default]
    Op,
    /// Every line a thread runs in the program's own files, too.
    Line,
    /// Every bytecode instruction it runs there, too.
    Bytecode,
}

impl Grain {
    /// Its name, on the command line and in the hook's settings.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Op => "op",
            Self::Line => "line",
            Self::Bytecode => "bytecode",
        }
    }

    /// The grain named `name`.
    #[must_use]
    pub fn named(name: &str) -> Option<Self> {
        [Self::Op, Self::Line, Self::Bytecode].into_iter().find(|grain| grain.name() == name)
    }
}

/// How a controlled interpreter runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Control {
    /// The seed of the program's random numbers.
    pub seed: u64,
    /// A fork server of runs (exploration) rather than one run.
    pub server: bool,
}

/// Why a run could not start: one line, and the exit status it calls for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunError {
    /// What was wrong and what to do.
    pub message: String,
    /// 2 for bad input (a missing program, an unusable interpreter), 1 otherwise.
    pub code: u8,
}

impl RunError {
    fn input(message: String) -> Self {
        Self { message, code: 2 }
    }

    fn failure(message: String) -> Self {
        Self { message, code: 1 }
    }
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Checks that the script is a file threadviz can hand the interpreter, before anything runs.
pub fn check_program(program: &Program) -> Result<(), RunError> {
    let Target::Script(path) = &program.target else { return Ok(()) };
    let shown = path.display();
    let metadata = std::fs::metadata(path)
        .map_err(|error| RunError::input(format!("cannot open {shown}: {}; check the path", io_words(&error))))?;
    if metadata.is_dir() {
        return Err(RunError::input(format!(
            "{shown} is a directory: name a .py file, or run a package with `threadviz run -m NAME`"
        )));
    }
    if !metadata.is_file() {
        return Err(RunError::input(format!(
            "{shown} is not a regular file (a FIFO or a device?): name the program's .py file"
        )));
    }
    Ok(())
}

/// An I/O error in words, without Rust's `(os error 2)`.
fn io_words(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "no such file".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => error.to_string(),
    }
}

/// Why the interpreter `python` would not start.
fn cannot_start(python: &OsString, error: &io::Error) -> RunError {
    let shown = Path::new(python).display();
    if error.kind() == io::ErrorKind::NotFound {
        RunError::input(format!(
            "no Python interpreter `{shown}` found: install python3, or name one with --python PATH"
        ))
    } else {
        RunError::input(format!("cannot start `{shown}`: {}; name another with --python PATH", io_words(error)))
    }
}

/// Asks `python` what it is; the version (`CPython 3.11.7`) when it can run the hook.
pub fn check_python(python: &OsString) -> Result<String, RunError> {
    let shown = Path::new(python).display().to_string();
    // Valid in Python 2 too, so that an old interpreter is named rather than failing to parse.
    let probe = "import sys;print(getattr(sys,'implementation',None) and sys.implementation.name or 'python');\
                 print('.'.join(map(str,sys.version_info[:3])))";
    let output = Command::new(python)
        .args(["-E", "-c", probe])
        .stdin(Stdio::null())
        .output()
        .map_err(|error| cannot_start(python, &error))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let mut lines = text.lines();
    let (implementation, version) = (lines.next().unwrap_or(""), lines.next().unwrap_or(""));
    let numbers: Vec<u32> = version.split('.').filter_map(|part| part.parse().ok()).collect();
    let (major, minor) = (numbers.first().copied().unwrap_or(0), numbers.get(1).copied().unwrap_or(0));
    if !output.status.success() || numbers.len() < 2 {
        return Err(RunError::input(format!(
            "`{shown}` does not run as Python 3: name a CPython 3.9 or newer with --python PATH"
        )));
    }
    if (major, minor) < OLDEST_PYTHON {
        return Err(RunError::input(format!(
            "`{shown}` is Python {version}; threadviz run needs CPython {}.{} or newer: name one with --python PATH",
            OLDEST_PYTHON.0, OLDEST_PYTHON.1
        )));
    }
    if implementation != "cpython" {
        return Err(RunError::input(format!(
            "`{shown}` is {implementation} {version}; threadviz run needs CPython: name one with --python PATH"
        )));
    }
    Ok(format!("CPython {version}"))
}

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

/// Makes the folder, writes the hook and listens on the socket.
fn prepare() -> Result<(tempfile::TempDir, PathBuf, UnixListener), RunError> {
    let failed = |error: io::Error| RunError::failure(format!("cannot prepare the hook: {error}"));
    let folder = tempfile::Builder::new().prefix("threadviz-run-").tempdir().map_err(failed)?;
    hook::write_to(folder.path()).map_err(failed)?;
    let socket = folder.path().join("wire.sock");
    let listener = UnixListener::bind(&socket).map_err(failed)?;
    listener.set_nonblocking(true).map_err(failed)?;
    Ok((folder, socket, listener))
}

impl Child {
    /// Starts `program` under the hook and waits for its hello; its events go to
    /// `subscribers` from then on, numbered in the order they arrive.
    pub fn spawn(program: &Program, options: &Options, subscribers: Vec<Subscriber>) -> Result<Self, RunError> {
        let (mut child, stream) = Self::launch(program, options)?;
        let (answers_tx, answers) = crossbeam_channel::unbounded();
        match child.start_reading(stream, subscribers, answers_tx) {
            Ok(()) => {
                child.answers = answers;
                Ok(child)
            }
            Err(error) => {
                child.end();
                Err(error)
            }
        }
    }

    /// Starts `program` in a controlled interpreter (`options.control`) and reads its hello;
    /// the caller reads the rest, synchronously, through the reader returned.
    pub(crate) fn spawn_controlled(
        program: &Program,
        options: &Options,
    ) -> Result<(Self, wire::Reader<BufReader<UnixStream>>, UnixStream), RunError> {
        let (mut child, stream) = Self::launch(program, options)?;
        let failed = |error: io::Error| RunError::failure(format!("cannot talk to the hook: {error}"));
        let opened = (|| {
            stream.set_read_timeout(Some(CONNECT_TIMEOUT)).map_err(failed)?;
            let mut reader = wire::Reader::new(BufReader::new(stream.try_clone().map_err(failed)?));
            child.hello =
                reader.hello().map_err(|error| RunError::failure(format!("{error}{}", child.stderr_words())))?;
            stream.set_read_timeout(None).map_err(failed)?;
            Ok(reader)
        })();
        match opened {
            Ok(reader) => Ok((child, reader, stream)),
            Err(error) => {
                child.end();
                Err(error)
            }
        }
    }

    /// Starts the interpreter with the hook and waits for it to connect.
    fn launch(program: &Program, options: &Options) -> Result<(Self, UnixStream), RunError> {
        let (folder, socket, listener) = prepare()?;
        let mut config = serde_json::json!({
            "wire": socket,
            "version": wire::WIRE_VERSION,
            "paused": options.paused,
            "speed": options.speed,
            "linger_ms": u64::try_from(options.linger.as_millis()).unwrap_or(u64::MAX),
            "parent": std::process::id(),
            "lossy": options.lossy,
            "step": options.step.name(),
            "watch": options.watch,
        });
        if options.shared {
            config["shared"] = true.into();
        }
        if let Some(control) = options.control {
            config["controlled"] = true.into();
            config["auto"] = true.into();
            config["seed"] = control.seed.into();
            config["server"] = control.server.into();
        }
        let mut command = Command::new(&options.python);
        command.arg("-c").arg(hook::BOOTSTRAP);
        match &program.target {
            Target::Script(path) => command.arg(path),
            Target::Module(name) => command.arg("-m").arg(name),
        };
        command.args(&program.args).env("THREADVIZ_HOOK_DIR", folder.path()).env("THREADVIZ_HOOK", config.to_string());
        if let Some(cwd) = &options.cwd {
            command.current_dir(cwd);
        }
        if options.control.is_some() {
            // Sets and dicts of strings iterate in one order in every run.
            command.env("PYTHONHASHSEED", "0");
        }
        let server = options.control.is_some_and(|control| control.server);
        if options.dashboard || server {
            // A fork server's runs are its children: in its group, so that ending the group
            // leaves none of them behind; their output is the exploration's, not the terminal's.
            command.process_group(0).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        }
        let mut process = command.spawn().map_err(|error| cannot_start(&options.python, &error))?;
        let stderr = Arc::new(Mutex::new(Vec::new()));
        drain(process.stdout.take(), None);
        drain(process.stderr.take(), Some(stderr.clone()));
        let mut child = Self::connecting(process, options, folder, stderr);
        child.own_group = options.dashboard || server;
        match child.accept(&listener) {
            Ok(stream) => Ok((child, stream)),
            Err(error) => {
                child.end();
                Err(error)
            }
        }
    }

    fn connecting(
        process: std::process::Child,
        options: &Options,
        folder: tempfile::TempDir,
        stderr: Arc<Mutex<Vec<u8>>>,
    ) -> Self {
        Self {
            process,
            own_group: options.dashboard,
            python: options.python.clone(),
            control: Mutex::new(None),
            shared: Arc::new(Shared::new(options.speed)),
            answers: crossbeam_channel::never(),
            hello: Hello {
                wire: String::new(),
                version: 0,
                language: String::new(),
                runtime: String::new(),
                pid: 0,
                program: None,
            },
            stderr,
            status: None,
            _folder: folder,
        }
    }

    /// Waits for the hook to connect, or the interpreter to end first.
    fn accept(&mut self, listener: &UnixListener) -> Result<UnixStream, RunError> {
        let deadline = Instant::now() + CONNECT_TIMEOUT;
        loop {
            match listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false).map_err(|error| RunError::failure(error.to_string()))?;
                    return Ok(stream);
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
                Err(error) => return Err(RunError::failure(format!("the hook could not connect: {error}"))),
            }
            if let Ok(Some(status)) = self.process.try_wait() {
                self.status = Some(status);
                if status.code() == Some(hook::UNSUPPORTED) {
                    // Asked only now, so that a good interpreter starts once, not twice.
                    return Err(match check_python(&self.python) {
                        Err(error) => error,
                        Ok(version) => RunError::input(format!("{version} cannot run threadviz's hook")),
                    });
                }
                return Err(RunError::failure(format!(
                    "the interpreter ended ({}) before the hook started{}",
                    status_words(status),
                    self.stderr_words()
                )));
            }
            if Instant::now() >= deadline {
                return Err(RunError::failure(format!(
                    "the interpreter did not start the hook within {} s{}",
                    CONNECT_TIMEOUT.as_secs(),
                    self.stderr_words()
                )));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Reads the hello, then starts the thread that reads the rest.
    fn start_reading(
        &mut self,
        stream: UnixStream,
        subscribers: Vec<Subscriber>,
        answers: Sender<StepAnswer>,
    ) -> Result<(), RunError> {
        let failed = |error: io::Error| RunError::failure(format!("cannot talk to the hook: {error}"));
        stream.set_read_timeout(Some(CONNECT_TIMEOUT)).map_err(failed)?;
        let mut reader = wire::Reader::new(BufReader::new(stream.try_clone().map_err(failed)?));
        self.hello = reader.hello().map_err(|error| RunError::failure(format!("{error}{}", self.stderr_words())))?;
        stream.set_read_timeout(None).map_err(failed)?;
        *self.control.lock() = Some(stream);
        stream::spawn(reader, self.shared.clone(), subscribers, answers).map_err(failed)
    }

    /// What the hook said of itself.
    #[must_use]
    pub fn hello(&self) -> &Hello {
        &self.hello
    }

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

/// Reads a captured output to its end on a thread of its own, so the child never blocks on a
/// full pipe; keeps the last [`STDERR_TAIL`] bytes in `keep` when given.
fn drain(output: Option<impl Read + Send + 'static>, keep: Option<Arc<Mutex<Vec<u8>>>>) {
    let Some(mut output) = output else { return };
    let _ = std::thread::Builder::new().name("threadviz-child-output".into()).spawn(move || {
        let mut buffer = [0_u8; 8192];
        while let Ok(read) = output.read(&mut buffer) {
            if read == 0 {
                break;
            }
            if let Some(keep) = &keep {
                let mut kept = keep.lock();
                kept.extend_from_slice(&buffer[..read]);
                let excess = kept.len().saturating_sub(STDERR_TAIL);
                kept.drain(..excess);
            }
        }
    });
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
