//! The command line: `threadviz list`, `threadviz demo NAME [--record FILE] [--schedule S]`,
//! `threadviz run PROGRAM.py [ARGS]...`,
//! `threadviz explore NAME`, `threadviz challenge [NAME]`, `threadviz replay FILE`,
//! `threadviz export FILE`, `threadviz completions SHELL`.

pub mod challenge;
pub mod explore;
mod program_words;
mod progress;
pub mod recordings;
pub mod run;
pub mod schedule;
mod twin;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::app::Subject;
use crate::app::launch::Launch;
use crate::app::live;
use crate::app::{Appearance, ThemeName};
use crate::catalog::{self, Chapter, DEMOS, Demo};
use crate::session::SPEED_RANGE;

/// Makes threads visible: Python's threading tutorials, re-enacted live in your terminal.
#[derive(Debug, Parser)]
#[command(name = "threadviz", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every demo with its chapter and what it shows.
    List,
    /// Run a demo in the dashboard (see `threadviz list`).
    Demo(DemoArgs),
    /// Run your own Python program on the real interpreter and watch its threads:
    /// `threadviz run bank.py`, `threadviz run -m package ARGS`.
    Run(run::RunArgs),
    /// Run a demo under many schedules: which outcomes are possible, and the schedule that
    /// replays each failure (`threadviz demo NAME --schedule S`).
    Explore(explore::ExploreArgs),
    /// Play scheduler: choose who moves until the goal is reached (or learn why it cannot
    /// be); without a name, the list.
    Challenge(challenge::ChallengeArgs),
    /// Replay a recording in the dashboard: pause, step forward and back, seek.
    Replay(recordings::ReplayArgs),
    /// Export a recording as a Chrome trace, an asciicast of the dashboard, JSON Lines or binary.
    Export(recordings::ExportArgs),
    /// Print a shell completion script, e.g. `threadviz completions bash > ~/.bash_completion.d/threadviz`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// Options of `threadviz demo`.
#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools, reason = "independent options, each a flag of its own")]
pub struct DemoArgs {
    /// The demo to run, e.g. `condition`.
    pub name: String,
    /// Print the log lines to stdout instead of the dashboard; chosen automatically when
    /// stdout is not a terminal. A deadlock is reported and ends the run with exit status 3.
    #[arg(long)]
    pub plain: bool,
    /// Start paused, before the first operation.
    #[arg(long)]
    pub paused: bool,
    /// Speed of demo time, from 0.1 (slow motion) to 10 (fast forward).
    #[arg(long, default_value_t = 1.0, value_parser = parse_speed)]
    pub speed: f64,
    /// Seed for the demo's random sleeps; the same seed repeats the same run.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Colours: dark, light or high-contrast (`NO_COLOR` turns colour off).
    #[arg(long, value_enum, default_value_t = ThemeName::Dark)]
    pub theme: ThemeName,
    /// Presenter mode: only the threads, primitives, source and what just happened, spaced
    /// out in high contrast for a projector (`p` toggles it).
    #[arg(long)]
    pub present: bool,
    /// Write every event of the run to FILE, in the compact binary form, for `threadviz replay`
    /// and `threadviz export` (`--format jsonl` reads it out); a restart is not recorded.
    #[arg(long, value_name = "FILE")]
    pub record: Option<std::path::PathBuf>,
    /// Run exactly this interleaving, as `threadviz explore` prints it: the dashboard starts
    /// paused and `n` follows the schedule one step at a time.
    #[arg(long, value_name = "SCHEDULE")]
    pub schedule: Option<String>,
    /// A parameter of the demo, e.g. `--param threads=2`; a name it does not read is refused
    /// with the list of those it does.
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = explore::parse_param)]
    pub params: Vec<(String, i64)>,
    /// While recording under the dashboard, let the program outrun the recorder: a thread whose
    /// event buffer is full drops the event (counted, and marked in the recording) instead of
    /// waiting. By default a recording is complete and the program runs slower if it must.
    #[arg(long, requires = "record", conflicts_with = "plain")]
    pub lossy: bool,
    /// Run the demo's Python twin (`demos/python/twins/`) on the real interpreter instead, under
    /// the hook, with the same lesson: the source panel shows Python. PATH names the
    /// interpreter (python3 when not given).
    #[arg(long, value_name = "PATH", num_args = 0..=1, default_missing_value = "python3")]
    pub python: Option<std::ffi::OsString>,
    /// With --python: what one step is, `op`, `line` or `bytecode` (see `threadviz run`).
    #[arg(long, value_name = "GRAIN", default_value = "op", value_parser = run::parse_grain, requires = "python")]
    pub step: crate::child::Grain,
}

fn parse_speed(text: &str) -> Result<f64, String> {
    let speed: f64 = text.parse().map_err(|_| format!("`{text}` is not a number; try 0.5 or 2"))?;
    if (SPEED_RANGE.0..=SPEED_RANGE.1).contains(&speed) {
        Ok(speed)
    } else {
        Err(format!("speed must be between {} and {}", SPEED_RANGE.0, SPEED_RANGE.1))
    }
}

/// The binary's entry point. Exit status: 0 when done, 2 for an unknown demo or parameter, 3
/// ([`DEADLOCK_EXIT_CODE`](crate::DEADLOCK_EXIT_CODE)) when a demo run with `--plain`
/// deadlocked, 1 when the terminal failed; `recordings` adds those of recordings.
#[must_use]
pub fn main() -> ExitCode {
    let cli = Cli::parse_from(program_words::program_words_apart(&Cli::command(), std::env::args_os().collect()));
    match cli.command {
        Command::List => print_out(|mut out| write_list(&mut out)),
        Command::Demo(args) => run_demo(&args),
        Command::Run(args) => run::run(&args),
        Command::Explore(args) => match catalog::find(&args.name).map(|demo| demo.check_params(&args.params)) {
            Some(Err(error)) => refuse(&error),
            // An unknown demo is the explorer's to refuse.
            _ => explore::explore(&args),
        },
        Command::Challenge(args) => challenge::run(&args),
        Command::Replay(args) => recordings::replay(&args),
        Command::Export(args) => recordings::export(&args),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "threadviz", &mut script);
            print_out(|out| out.write_all(&script))
        }
    }
}

/// Writes to stdout with `write`, and flushes: exit 0 when all of it was written, 1 (quietly)
/// when stdout is closed or its reader has gone (a broken pipe, as `| head -1` leaves it).
pub fn print_out(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> ExitCode {
    if stdout_was_closed() {
        return ExitCode::FAILURE;
    }
    let mut out = io::stdout().lock();
    match write(&mut out).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}

/// Stdout for a plain run, which goes on when stdout is closed (the program is not changed by
/// who reads its log) but remembers it, so that the run exits 1 rather than a silent 0.
#[derive(Debug, Clone, Default)]
pub(crate) struct CheckedStdout {
    failed: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl CheckedStdout {
    /// Whether a write or flush failed, or stdout was closed from the start.
    pub(crate) fn failed(&self) -> bool {
        self.failed.load(std::sync::atomic::Ordering::Relaxed) || stdout_was_closed()
    }

    fn check<T>(&self, result: io::Result<T>) -> io::Result<T> {
        if result.is_err() {
            self.failed.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        result
    }
}

impl Write for CheckedStdout {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.check(io::stdout().write(bytes))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.check(io::stdout().flush())
    }
}

/// Whether the process started with its stdout closed (`threadviz list >&-`). Rust's runtime
/// then opens `/dev/null` in its place, for reading and writing, so writes to it succeed and
/// are lost; a shell's `>/dev/null` opens it for writing only, which is left alone.
#[must_use]
pub fn stdout_was_closed() -> bool {
    let is_null = std::fs::read_link("/proc/self/fd/1").is_ok_and(|target| target == std::path::Path::new("/dev/null"));
    is_null
        && std::fs::read_to_string("/proc/self/fdinfo/1").is_ok_and(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("flags:"))
                .and_then(|flags| u32::from_str_radix(flags.trim(), 8).ok())
                .is_some_and(|flags| flags & 0o3 == 0o2)
        })
}

/// Writes the catalogue grouped by chapter.
pub fn write_list(out: &mut impl Write) -> io::Result<()> {
    let width = DEMOS.iter().map(|demo| demo.name.len()).max().unwrap_or(0);
    for chapter in [Chapter::Threads, Chapter::Locks, Chapter::Synchronization] {
        let demos: Vec<&Demo> = DEMOS.iter().filter(|demo| demo.chapter == chapter).collect();
        if demos.is_empty() {
            continue;
        }
        writeln!(out, "{chapter}")?;
        for demo in demos {
            writeln!(out, "  {:<width$}  {}", demo.name, demo.summary)?;
        }
    }
    Ok(())
}

/// The one-line error for an unknown demo name.
#[must_use]
pub fn unknown_demo_message(name: &str) -> String {
    let closest = catalog::closest(name);
    if closest.is_empty() {
        format!("error: no demo named `{name}`; run `threadviz list` to see them all")
    } else {
        format!("error: no demo named `{name}`; did you mean {}? (`threadviz list` shows all)", closest.join(", "))
    }
}

/// Writes the one-line error `error` and gives the exit status of bad input.
fn refuse(error: &str) -> ExitCode {
    eprintln!("{error}");
    ExitCode::from(2)
}

/// `threadviz demo NAME --python`: the demo's Python twin, written to a folder of its own
/// (where it starts, so the source panel names it `race.py`) and run as `threadviz run`
/// runs a program, with the demo's lesson and its parameters as the twin's options.
fn run_twin(
    demo: &'static Demo,
    args: &DemoArgs,
    python: &std::ffi::OsString,
    record: Option<crate::record::RecordTo>,
) -> ExitCode {
    let twin = match twin::write(demo, &args.params, "run it") {
        Ok(twin) => twin,
        Err(error) => return refuse(&error),
    };
    let options = crate::child::Options {
        paused: args.paused,
        speed: args.speed,
        lossy: args.lossy,
        // The twins' shared variables are the demos' `Shared` values, found as they run; a
        // demo about CPU time is not traced, since tracing would change what it measures.
        shared: !demo.kernel_first(),
        step: args.step,
        cwd: Some(twin.folder.path().to_owned()),
        ..crate::child::Options::new(python.clone())
    };
    let how = run::How {
        plain: args.plain || !io::stdout().is_terminal(),
        theme: args.theme,
        present: args.present,
        lesson: Some(demo.lesson),
        kernel_first: demo.kernel_first(),
        title: Some(format!("{} (Python)", demo.name)),
    };
    run::launch(&twin.program, options, &how, args.schedule.as_deref().map(|schedule| (schedule, args.seed)), record)
}

fn run_demo(args: &DemoArgs) -> ExitCode {
    let Some(demo) = catalog::find(&args.name) else {
        return refuse(&unknown_demo_message(&args.name));
    };
    if let Err(error) = demo.check_params(&args.params) {
        return refuse(&error);
    }
    let launch = Launch {
        seed: args.seed,
        speed: args.speed,
        paused: args.paused,
        present: args.present,
        kernel_first: demo.kernel_first(),
        lossy: args.lossy,
        params: args.params.clone(),
    };
    let record = match args.record.as_deref().map(|path| recordings::record_to(path, demo.name)).transpose() {
        Ok(record) => record,
        Err(code) => return code,
    };
    if let Some(python) = &args.python {
        return run_twin(demo, args, python, record);
    }
    if let Some(schedule) = &args.schedule {
        return schedule::run(demo, args, schedule, record);
    }
    if args.plain || !io::stdout().is_terminal() {
        if let Some(record) = record {
            return recordings::record_plain(demo, &launch, record);
        }
        let session = launch.session().build();
        let stdout = CheckedStdout::default();
        let ran = crate::run_plain_to(&session, stdout.clone(), demo.main);
        if stdout.failed() {
            return ExitCode::FAILURE;
        }
        return match ran {
            Ok(()) => ExitCode::SUCCESS,
            // The report is already printed, after the log lines it explains.
            Err(_) => ExitCode::from(crate::DEADLOCK_EXIT_CODE),
        };
    }
    let subject = Subject { title: demo.name, source: Some((demo.path, demo.source)), lesson: Some(demo.lesson) };
    let appearance = Appearance::new(args.theme, crate::color_wanted());
    if let Some(record) = record {
        return recordings::record_dashboard(demo, subject, appearance, launch, record);
    }
    match live::open(std::sync::Arc::new(demo.main), subject, appearance, launch) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: the terminal failed: {error}; try `--plain` to print the log instead");
            ExitCode::FAILURE
        }
    }
}
