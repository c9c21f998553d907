//! Starting the interpreter: the folder with the hook and the socket, the command line and the
//! hook's settings, the process (in a group of its own under the dashboard), its output
//! drained, and the handshake: the hook connects and says hello, or the interpreter ends
//! first and the error says why.

use std::io::{self, BufReader, Read};
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;
use parking_lot::Mutex;

use super::check::cannot_start;
use super::{Child, Options, Program, RunError, Shared, Subscriber, Target, check_python, hook, status_words, stream};
use crate::wire::{self, Hello, StepAnswer};

/// How long the interpreter has to start and say hello.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// How much of the child's captured standard error is kept, for a message when it fails.
const STDERR_TAIL: usize = 16 << 10;

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
