//! `threadviz run PROGRAM.py [ARGS]...` and `threadviz run -m MODULE [ARGS]...`: a real Python
//! program on the real interpreter, watched in the dashboard or, with `--plain`, left to its
//! terminal with threadviz's own lines on stderr.
//!
//! Exit status: the program's (128 + the signal when one ended it); 2 for threadviz's bad input
//! (a missing program, an unusable interpreter, bad options); 3 when `--plain` stopped a
//! deadlock; 1 when threadviz itself failed.

use std::ffi::OsString;
use std::io::{self, IsTerminal, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::Args;
use nix::sys::signal::Signal;

use crate::app::child::ChildRun;
use crate::app::launch::Launch;
use crate::app::live;
use crate::app::{Appearance, Subject, ThemeName};
use crate::child::{self, Child, Grain, Options, Program, RunError, Subscriber, Target, exit_code, status_words};
use crate::record::RecordTo;

/// Options of `threadviz run`.
#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools, reason = "independent options, each a flag of its own")]
pub struct RunArgs {
    /// Leave the program's output as it is and print threadviz's own lines (a deadlock, a
    /// cut stream) on stderr; chosen automatically when stdout is not a terminal. A deadlock
    /// ends the program with exit status 3.
    #[arg(long)]
    pub plain: bool,
    /// Start paused, before the program's first operation.
    #[arg(long)]
    pub paused: bool,
    /// Speed of demo time (`time.sleep`), from 0.1 (slow motion) to 10 (fast forward).
    #[arg(long, default_value_t = 1.0, value_parser = super::parse_speed)]
    pub speed: f64,
    /// Colours: dark, light or high-contrast (`NO_COLOR` turns colour off).
    #[arg(long, value_enum, default_value_t = ThemeName::Dark)]
    pub theme: ThemeName,
    /// Presenter mode: only what a class needs, in high contrast (`p` toggles it).
    #[arg(long)]
    pub present: bool,
    /// Write every event of the run, and the program's source, to FILE for `threadviz replay`
    /// and `threadviz export`; a restart is not recorded.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// While recording under the dashboard, let the program outrun the recorder: a thread
    /// drops events (counted) rather than wait.
    #[arg(long, requires = "record", conflicts_with = "plain")]
    pub lossy: bool,
    /// The Python interpreter to run (CPython 3.9 or newer).
    #[arg(long, value_name = "PATH", default_value = "python3")]
    pub python: OsString,
    /// What one step is: `op` (an operation on a primitive or a shared variable), `line`
    /// (every line the program runs, too) or `bytecode` (every instruction, too).
    #[arg(long, value_name = "GRAIN", default_value = "op", value_parser = parse_grain)]
    pub step: Grain,
    /// Show this global (or attribute) as a shared variable from the start, with each load
    /// and store; repeatable. Without it, threadviz finds shared variables when stepping by
    /// line or bytecode.
    #[arg(long, value_name = "NAME")]
    pub watch: Vec<String>,
    /// Replay this interleaving exactly, as `threadviz explore PROGRAM.py` gave it (with the
    /// `--step` it was found at): one thread at a time, sleeps in demo time, the same output
    /// and final values on every run.
    #[arg(long, value_name = "SCHEDULE")]
    pub schedule: Option<String>,
    /// The seed of the program's random numbers in a replayed schedule.
    #[arg(long, default_value_t = 0, requires = "schedule")]
    pub seed: u64,
    /// Run a module as a script, as `python3 -m MODULE` does: the first word of the command
    /// is the module's name.
    #[arg(short = 'm')]
    pub module: bool,
    /// The program (`bank.py`, or with -m a module's name) and its own arguments, given to it
    /// as `sys.argv` exactly as `python3` would.
    #[arg(value_name = "PROGRAM.py [ARGS]", required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<OsString>,
}

impl RunArgs {
    /// The program the command names.
    fn program(&self) -> Result<Program, RunError> {
        let (first, args) = self.command.split_first().ok_or_else(|| RunError {
            message: "name the program to run, e.g. `threadviz run bank.py`".to_owned(),
            code: 2,
        })?;
        let target = if self.module {
            let name = first.to_str().filter(|name| !name.is_empty()).ok_or_else(|| RunError {
                message: format!("`{}` is not a module name", first.to_string_lossy()),
                code: 2,
            })?;
            Target::Module(name.to_owned())
        } else {
            Target::Script(PathBuf::from(first))
        };
        Ok(Program { target, args: args.to_vec() })
    }
}

/// Reads a `--step` value.
pub fn parse_grain(text: &str) -> Result<Grain, String> {
    Grain::named(text).ok_or_else(|| format!("`{text}` is no step: use op, line or bytecode"))
}

/// Prints threadviz's one line about a run that could not start; its exit status.
fn refuse(error: &RunError) -> ExitCode {
    eprintln!("threadviz: error: {}", error.message);
    ExitCode::from(error.code)
}

/// `threadviz run`.
pub fn run(args: &RunArgs) -> ExitCode {
    let program = match args.program() {
        Ok(program) => program,
        Err(error) => return refuse(&error),
    };
    if let Err(error) = child::check_program(&program) {
        return refuse(&error);
    }
    let record = match args.record.as_deref().map(|path| super::recordings::record_to(path, &program.title())) {
        Some(Ok(record)) => Some(record),
        Some(Err(code)) => return code,
        None => None,
    };
    let plain = args.plain || !io::stdout().is_terminal();
    let options = Options {
        python: args.python.clone(),
        paused: args.paused,
        speed: args.speed,
        lossy: args.lossy,
        step: args.step,
        watch: args.watch.clone(),
        ..Options::new(args.python.clone())
    };
    let how = How { plain, theme: args.theme, present: args.present, lesson: None, kernel_first: false, title: None };
    launch(&program, options, &how, args.schedule.as_deref().map(|schedule| (schedule, args.seed)), record)
}

/// How a program is shown: plainly or in the dashboard, and with which lesson.
pub struct How {
    /// Left to the terminal, threadviz's own lines on stderr.
    pub plain: bool,
    /// The dashboard's colours.
    pub theme: ThemeName,
    /// Presenter mode.
    pub present: bool,
    /// The lesson of the demo the program is the Python twin of.
    pub lesson: Option<&'static str>,
    /// Whether the kernel's columns come first (a demo about time slices).
    pub kernel_first: bool,
    /// The name the status bar gives the run, when not the program's path (a demo's twin is
    /// `condition (Python)`, not the folder it was written to).
    pub title: Option<String>,
}

/// Runs `program` as `how` says: replaying `schedule` (with its seed) when given.
pub fn launch(
    program: &Program,
    mut options: Options,
    how: &How,
    schedule: Option<(&str, u64)>,
    record: Option<RecordTo>,
) -> ExitCode {
    if let Some((schedule, seed)) = schedule {
        if how.plain {
            return super::schedule::replay_program(program, &options, schedule, seed, record, how.lesson.is_some());
        }
        if record.is_some() {
            return refuse(&RunError {
                message: "a replayed schedule is recorded with --plain: add --plain to record it".to_owned(),
                code: 2,
            });
        }
        return steer_schedule(program, options, how, schedule, seed);
    }
    // A recording holds the wake-ups as the dashboard does, so its replay shows them.
    options.linger = if how.plain && record.is_none() { std::time::Duration::ZERO } else { live::LINGER };
    options.dashboard = !how.plain;
    if how.plain {
        return run_plain(program, &options, record, how.lesson.is_some());
    }
    run_dashboard(program.clone(), options, record, how)
}

/// Follows `schedule` in the dashboard, as `threadviz demo NAME --schedule S` does: paused,
/// `n` takes the next step, the guide says where the schedule is and what comes.
fn steer_schedule(program: &Program, options: Options, how: &How, schedule: &str, seed: u64) -> ExitCode {
    let parsed = match crate::explore::Schedule::parse(schedule) {
        Ok(parsed) => parsed,
        Err(error) => return refuse(&RunError { message: error.to_string(), code: 2 }),
    };
    if let Err(error) = child::check_program(program) {
        return refuse(&error);
    }
    let demo_speed = options.speed;
    let start = crate::app::steer::target::PythonStart { program: program.clone(), options, seed };
    let steered = match crate::app::steer::Steered::python(start, parsed, demo_speed) {
        Ok(steered) => steered,
        Err(error) => return refuse(&error),
    };
    // The title lives as long as the dashboard, which is the rest of the process.
    let title: &'static str = Box::leak(how.title.clone().unwrap_or_else(|| program.title()).into_boxed_str());
    let subject = Subject { title, source: None, lesson: how.lesson };
    let appearance = Appearance::new(how.theme, crate::color_wanted());
    let launch = Launch {
        speed: demo_speed,
        paused: true,
        present: how.present,
        kernel_first: how.kernel_first,
        ..Launch::default()
    };
    match crate::app::steer::open(subject, appearance, &launch, move || steered) {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("threadviz: error: the terminal failed: {error}; try `--plain`");
            ExitCode::FAILURE
        }
    }
}

fn run_dashboard(program: Program, options: Options, record: Option<RecordTo>, how: &How) -> ExitCode {
    // The title lives as long as the dashboard, which is the rest of the process.
    let title: &'static str = Box::leak(how.title.clone().unwrap_or_else(|| program.title()).into_boxed_str());
    let (speed, paused) = (options.speed, options.paused);
    let controller = match ChildRun::start(program, options, record) {
        Ok(controller) => controller,
        Err(error) => return refuse(&error),
    };
    let subject = Subject { title, source: None, lesson: how.lesson };
    let appearance = Appearance::new(how.theme, crate::color_wanted());
    let launch = Launch { speed, paused, present: how.present, kernel_first: how.kernel_first, ..Launch::default() };
    let mut holder = None;
    let watched = crate::app::run::open_dashboard(subject, appearance, &launch, &mut holder, || Ok(controller));
    let mut code = ExitCode::SUCCESS;
    if let Some(controller) = holder {
        // Ended by itself before the quit: its status is the run's. Quit first: the user's.
        if let Some(status) = controller.ended_by_itself() {
            if !status.success() {
                eprintln!("threadviz: {title} ended: {}", status_words(status));
            }
            code = ExitCode::from(exit_code(status));
        }
        if let Some(recorder) = controller.finish() {
            super::recordings::report_recorded(recorder.finish());
        }
    }
    if let Err(error) = watched {
        eprintln!("threadviz: error: the terminal failed: {error}; try `--plain`");
        return ExitCode::FAILURE;
    }
    code
}

/// `--plain`: the program owns the terminal; threadviz watches its stream for a deadlock and
/// forwards the signals it is sent. A demo's twin (`demo_lines`) is printed as the demo is,
/// `(ThreadName) message`, its own output captured.
fn run_plain(program: &Program, options: &Options, record: Option<RecordTo>, demo_lines: bool) -> ExitCode {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};

    let (deadlock_watch, watched) = Subscriber::lossless();
    let mut subscribers = vec![deadlock_watch];
    let for_recorder = record.as_ref().map(|_| {
        let (subscriber, events) = Subscriber::lossless();
        subscribers.push(subscriber);
        events
    });
    let captured = Options { dashboard: true, ..options.clone() };
    let mut child = match Child::spawn(program, if demo_lines { &captured } else { options }, subscribers) {
        Ok(child) => child,
        Err(error) => return refuse(&error),
    };
    let recorder = match record.zip(for_recorder).map(|(to, events)| to.attach_events(events, options.speed)) {
        Some(Ok(recorder)) => Some(recorder),
        Some(Err(error)) => {
            child.end();
            return refuse(&RunError { message: format!("cannot record: {error}"), code: 1 });
        }
        None => None,
    };
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.pid()).unwrap_or(i32::MAX));
    // Ctrl-C at a terminal reaches the program itself (it shares threadviz's process group);
    // a signal sent to threadviz alone is passed on.
    let interactive = io::stdin().is_terminal() && !demo_lines;
    let signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT]).ok().map(|mut signals| {
        let handle = signals.handle();
        let _ = std::thread::Builder::new().name("threadviz-signals".into()).spawn(move || {
            for number in signals.forever() {
                if number == SIGINT && interactive {
                    continue;
                }
                if let Ok(signal) = Signal::try_from(number) {
                    let _ = nix::sys::signal::kill(pid, signal);
                }
            }
        });
        handle
    });
    let stopped = Arc::new(AtomicBool::new(false));
    let stop = stopped.clone();
    let deadlock_thread = std::thread::Builder::new().name("threadviz-deadlock".into()).spawn(move || {
        let stopping = |deadlocked: &crate::plain::Deadlocked| {
            stop.store(true, Ordering::SeqCst);
            let _ = nix::sys::signal::kill(pid, Signal::SIGKILL);
            deadlocked.message.clone()
        };
        if demo_lines {
            let stdout = super::CheckedStdout::default();
            let mut out = stdout.clone();
            crate::plain::watch_for_deadlock(&watched, crate::plain::printing_fold(stdout), |deadlocked| {
                let message = stopping(deadlocked);
                let _ = writeln!(out, "{message}");
                let _ = writeln!(
                    out,
                    "the program would wait forever: stopped (exit status {})",
                    crate::DEADLOCK_EXIT_CODE
                );
            })
        } else {
            crate::plain::watch_for_deadlock(&watched, crate::model::Model::apply, |deadlocked| {
                eprintln!("threadviz: {}", stopping(deadlocked));
                eprintln!(
                    "threadviz: the program would wait forever: stopped (exit status {})",
                    crate::DEADLOCK_EXIT_CODE
                );
            })
        }
    });
    let status = child.wait();
    let deadlocked = deadlock_thread.ok().and_then(|thread| thread.join().ok()).flatten().is_some();
    if let Some(handle) = signals {
        handle.close();
    }
    if let Some(recorder) = recorder {
        super::recordings::report_recorded(recorder.finish());
    }
    let Ok(status) = status else {
        eprintln!("threadviz: error: lost track of the interpreter");
        return ExitCode::FAILURE;
    };
    if deadlocked || stopped.load(Ordering::SeqCst) {
        return ExitCode::from(crate::DEADLOCK_EXIT_CODE);
    }
    if let Some(error) = child.shared().error() {
        eprintln!("threadviz: {error}; the run's end is missing ({})", status_words(status));
    } else if !child.shared().ended() {
        eprintln!(
            "threadviz: the interpreter ended without its end marker ({}): the run's end is missing",
            status_words(status)
        );
    }
    ExitCode::from(exit_code(status))
}
