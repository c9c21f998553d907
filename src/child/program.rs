//! What to run (a script or a module, with its arguments) and how (the interpreter, pausing,
//! speed, the step's grain, a controlled run): the plain data a caller fills in before a child
//! starts, apart from the process that runs it.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

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
