//! `threadviz run PROGRAM.py [ARGS]...` and `threadviz run -m MODULE [ARGS]...`: a real Python
//! program on the real interpreter, watched in the dashboard or, with `--plain`, left to its
//! terminal with threadviz's own lines on stderr.
//!
//! Exit status: the program's (128 + the signal when one ended it); 2 for threadviz's bad input
//! (a missing program, an unusable interpreter, bad options); 3 when `--plain` stopped a
//! deadlock; 1 when threadviz itself failed.

use std::ffi::OsString;
use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::Args;
use nix::sys::signal::Signal;

use crate::app::child::ChildRun;
use crate::app::live::{self, Launch};
use crate::app::{Look, Showing, ThemeName};
use crate::child::{self, Child, Options, Program, RunError, Subscriber, Target, exit_code, status_words};
use crate::record::{RecordSummary, RecordTo};

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
        // A recording holds the wake-ups as the dashboard does, so its replay shows them.
        linger: if plain && record.is_none() { std::time::Duration::ZERO } else { live::LINGER },
        lossy: args.lossy,
        dashboard: !plain,
    };
    if plain {
        return run_plain(&program, &options, record);
    }
    run_dashboard(program, options, record, args)
}

/// Prints what a recording holds, as threadviz's own line.
fn report(recorded: io::Result<RecordSummary>) {
    match recorded {
        Ok(summary) => {
            let replay = summary
                .path
                .as_ref()
                .map_or_else(String::new, |path| format!("; replay it with `threadviz replay {}`", path.display()));
            eprintln!("threadviz: {summary}{replay}");
        }
        Err(error) => eprintln!("threadviz: error: {error}"),
    }
}

fn run_dashboard(program: Program, options: Options, record: Option<RecordTo>, args: &RunArgs) -> ExitCode {
    // The title lives as long as the dashboard, which is the rest of the process.
    let title: &'static str = Box::leak(program.title().into_boxed_str());
    let controller = match ChildRun::start(program, options, record) {
        Ok(controller) => controller,
        Err(error) => return refuse(&error),
    };
    let showing = Showing { title, source: None, lesson: None };
    let look = Look::new(args.theme, crate::color_wanted());
    let launch = Launch { speed: args.speed, paused: args.paused, present: args.present, ..Launch::default() };
    let mut holder = None;
    let watched = live::watch_live(showing, look, &launch, &mut holder, || Ok(controller));
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
            report(recorder.finish());
        }
    }
    if let Err(error) = watched {
        eprintln!("threadviz: error: the terminal failed: {error}; try `--plain`");
        return ExitCode::FAILURE;
    }
    code
}

/// `--plain`: the program owns the terminal; threadviz watches its stream for a deadlock and
/// forwards the signals it is sent.
fn run_plain(program: &Program, options: &Options, record: Option<RecordTo>) -> ExitCode {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};

    let (deadlock_watch, watched) = Subscriber::lossless();
    let mut subscribers = vec![deadlock_watch];
    let for_recorder = record.as_ref().map(|_| {
        let (subscriber, events) = Subscriber::lossless();
        subscribers.push(subscriber);
        events
    });
    let mut child = match Child::spawn(program, options, subscribers) {
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
    let interactive = io::stdin().is_terminal();
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
        crate::plain::watch_for_deadlock(&watched, crate::model::Model::apply, |deadlocked| {
            eprintln!("threadviz: {}", deadlocked.message);
            eprintln!("threadviz: the program would wait forever: stopped (exit status {})", crate::DEADLOCK_EXIT_CODE);
            stop.store(true, Ordering::SeqCst);
            let _ = nix::sys::signal::kill(pid, Signal::SIGKILL);
        })
    });
    let status = child.wait();
    let deadlocked = deadlock_thread.ok().and_then(|thread| thread.join().ok()).flatten().is_some();
    if let Some(handle) = signals {
        handle.close();
    }
    if let Some(recorder) = recorder {
        report(recorder.finish());
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
