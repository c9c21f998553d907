//! `threadviz explore NAME`: runs a demo under many schedules and reports what can happen,
//! with the schedule that replays each failure.

use std::fmt::Write as _;
use std::io::{self, IsTerminal};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::catalog::{self, Demo};
use crate::child::{self, Grain, Options, RunError, Target};
use crate::explore::{Exploration, FailureKind, Find, Program, ReplayHint, Report, Strategy};

/// The strategies, as the command line names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StrategyName {
    /// A seeded random choice at each step.
    Random,
    /// Probabilistic concurrency testing: random priorities with `--depth` - 1 change points.
    Pct,
    /// Every interleaving, depth first: without a bound and with partial-order reduction
    /// (one run for each order of the dependent steps), or with at most `--preemptions`.
    Dfs,
}

/// What `--find` stops at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FindName {
    /// A store that overwrote another thread's update.
    LostUpdate,
    /// No thread can move and the program has not ended.
    Deadlock,
    /// A thread panicked.
    Panic,
    /// A primitive was misused.
    Misuse,
    /// Any of these.
    Any,
}

/// Options of `threadviz explore`.
#[derive(Debug, Args)]
pub struct ExploreArgs {
    /// The demo to explore, e.g. `race`, or a Python program: a name ending in `.py` or holding
    /// a `/` (`bank.py`, `./bank`), run on the real interpreter under the hook.
    #[arg(value_name = "NAME | PROGRAM.py")]
    pub name: String,
    /// The program's own arguments (`sys.argv[1:]`): every word after its name, also one that
    /// names an option of explore's (`bank.py --runs 5` gives the program `--runs 5`).
    #[arg(value_name = "ARGS", trailing_var_arg = true, allow_hyphen_values = true)]
    pub program_args: Vec<OsString>,
    /// For a Python program: the interpreter (CPython 3.9 or newer, python3 when not given).
    /// For a demo: explore its Python twin (`demos/python/twins/`) instead, with the demo's
    /// parameters, on that interpreter.
    #[arg(long, value_name = "PATH", num_args = 0..=1, default_missing_value = "python3")]
    pub python: Option<OsString>,
    /// For a Python program: what one step is, `op` (an operation on a primitive or a shared
    /// variable), `line` or `bytecode` (every line or instruction of the program's files too).
    #[arg(long, value_name = "GRAIN", default_value = "op", value_parser = super::run::parse_grain)]
    pub step: Grain,
    /// For a Python program: a global (or attribute) to watch as a shared variable, repeatable.
    #[arg(long, value_name = "NAME")]
    pub watch: Vec<String>,
    /// How each step's thread is chosen.
    #[arg(long, value_enum, default_value_t = StrategyName::Random)]
    pub strategy: StrategyName,
    /// PCT's bug depth: the number of ordering constraints the bug needs.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..))]
    pub depth: u16,
    /// DFS's bound: the most switches away from a thread that could go on, in one run
    /// [default: no bound, with partial-order reduction]. A bounded search is not reduced.
    #[arg(long)]
    pub preemptions: Option<u16>,
    /// DFS without a bound and without partial-order reduction: every interleaving run, also
    /// those that only reorder independent steps.
    #[arg(long, conflicts_with = "preemptions")]
    pub no_reduce: bool,
    /// The most runs [default: 1000; 100000 for dfs, which stops when it has tried every
    /// interleaving].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: Option<u32>,
    /// The seed of the random and PCT choices: the same seed gives the same runs and report.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Stop at the first run with this failure (default: explore every run, report all).
    #[arg(long, value_enum)]
    pub find: Option<FindName>,
    /// A parameter of the demo, e.g. `--param threads=2`; a name it does not read is refused
    /// with the list of those it does.
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_param)]
    pub params: Vec<(String, i64)>,
    /// Give each failure's schedule as the run that found it had it, unshrunk. By default it is
    /// shrunk first: the fewest preemptions, then the fewest entries, `_` for each default move,
    /// replaying candidates (a few hundred at most) and keeping only those that fail the same way.
    #[arg(long)]
    pub no_shrink: bool,
}

/// Reads `NAME=VALUE` with a whole-number value.
pub fn parse_param(text: &str) -> Result<(String, i64), String> {
    let (name, value) =
        text.split_once('=').ok_or_else(|| format!("`{text}` is not NAME=VALUE; try `--param threads=2`"))?;
    let value: i64 =
        value.trim().parse().map_err(|_| format!("`{value}` is not a whole number; try `--param {name}=2`"))?;
    Ok((name.trim().to_owned(), value))
}

/// The `--param` options that give `params`, as a command line repeats them.
pub fn param_flags(params: &[(String, i64)]) -> String {
    params.iter().fold(String::new(), |mut flags, (name, value)| {
        let _ = write!(flags, " --param {name}={value}");
        flags
    })
}

/// Runs `threadviz explore`. SIGINT or SIGTERM stops it after the run under way: the report of
/// the runs done is printed, marked `stopped after N runs`, and the exit code is 130 or 143
/// (128 + the signal, as shells report it); a second signal ends it at once.
pub fn explore(args: &ExploreArgs) -> ExitCode {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let stop = Arc::new(AtomicBool::new(false));
    let (interrupt, terminate) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
    for (signal, flag) in [(SIGINT, &interrupt), (SIGTERM, &terminate)] {
        // The second signal exits at once; the first sets the flags the exploration looks at.
        let _ = signal_hook::flag::register_conditional_shutdown(signal, 128 + signal, stop.clone());
        let _ = signal_hook::flag::register(signal, flag.clone());
        let _ = signal_hook::flag::register(signal, stop.clone());
    }
    let bar = io::stderr().is_terminal().then(|| progress_bar(runs_at_most(args)));
    let report = report_until(
        args,
        &mut |done| {
            if let Some(bar) = &bar {
                bar.set_position(done as u64);
            }
        },
        &stop,
    );
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    match report {
        Ok(report) => {
            let printed = super::print_out(|out| write!(out, "{report}"));
            if terminate.load(Ordering::SeqCst) {
                ExitCode::from(128 + 15)
            } else if interrupt.load(Ordering::SeqCst) {
                ExitCode::from(128 + 2)
            } else {
                printed
            }
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::from(2)
        }
    }
}

/// Explores as `args` ask, telling `progress` the runs done; the error line for an unknown demo.
pub fn report(args: &ExploreArgs, progress: &mut dyn FnMut(usize)) -> Result<Report, String> {
    report_until(args, progress, &AtomicBool::new(false))
}

/// [`report`], stopping after the run during which `stop` became set.
pub fn report_until(args: &ExploreArgs, progress: &mut dyn FnMut(usize), stop: &AtomicBool) -> Result<Report, String> {
    if let Some(program) = python_program(args) {
        let exploration = program_exploration(&program, args).map_err(|error| format!("threadviz: error: {error}"))?;
        return Ok(exploration.explore_until(&mut |done, _| progress(done), stop));
    }
    let demo = catalog::find(&args.name).ok_or_else(|| super::unknown_demo_message(&args.name))?;
    if args.python.is_some() {
        // The folder the twin is written to stays until the exploration is over.
        let (exploration, _folder) = twin_exploration(demo, args)?;
        return Ok(exploration.explore_until(&mut |done, _| progress(done), stop));
    }
    if !args.program_args.is_empty() {
        return Err(format!(
            "threadviz: error: a demo takes no arguments after its name; its parameters are `--param NAME=VALUE` (a Python program is named with .py or a /: `threadviz explore ./{}.py`)",
            args.name
        ));
    }
    Ok(exploration(demo, args).explore_until(&mut |done, _| progress(done), stop))
}

/// The exploration of `demo`'s Python twin, and the folder it is written to, which must stay
/// while the runs run in it.
fn twin_exploration(demo: &'static Demo, args: &ExploreArgs) -> Result<(Exploration, tempfile::TempDir), String> {
    let twin = super::twin::write(demo, &args.params, "explore it").map_err(|error| format!("threadviz: {error}"))?;
    let python = args.python.clone().unwrap_or_else(|| "python3".into());
    let options = Options {
        shared: true,
        cwd: Some(twin.folder.path().to_owned()),
        ..program_options(&python, args.step, &args.watch)
    };
    let server = child::Server::start(&twin.program, &options, 0)
        .map_err(|failed| format!("threadviz: error: {}", failed.message))?;
    let flags = param_flags(&args.params);
    let name = demo.name;
    let step = if args.step == Grain::Op { String::new() } else { format!(" --step {}", args.step.name()) };
    let title = format!("{name} (Python{step}{flags})");
    let hint = move |schedule: &str| format!("threadviz demo {name} --python{step}{flags} --schedule {schedule}");
    Ok((exploration_of(Program::child(server), title, args, Box::new(hint)), twin.folder))
}

/// The Python program `args` name, if the name is one (ends in `.py` or holds a `/`).
pub fn python_program(args: &ExploreArgs) -> Option<child::Program> {
    let name = &args.name;
    super::program_words::names_a_program(name.as_ref())
        .then(|| child::Program { target: Target::Script(PathBuf::from(name)), args: args.program_args.clone() })
}

/// How an explored or replayed program's interpreter runs: in the background, its output the
/// run's events.
fn program_options(python: &OsString, step: Grain, watch: &[String]) -> Options {
    Options { step, watch: watch.to_vec(), ..Options::new(python.clone()) }
}

/// The exploration of a Python program: a fork server started for it, and the options.
fn program_exploration(program: &child::Program, args: &ExploreArgs) -> Result<Exploration, RunError> {
    if !args.params.is_empty() {
        return Err(RunError {
            message: "`--param` sets a demo's parameters; a program takes its own arguments after its name".to_owned(),
            code: 2,
        });
    }
    child::check_program(program)?;
    let python = args.python.clone().unwrap_or_else(|| "python3".into());
    let options = program_options(&python, args.step, &args.watch);
    let server = child::Server::start(program, &options, 0)?;
    let mut flags = String::new();
    if args.step != Grain::Op {
        let _ = write!(flags, " --step {}", args.step.name());
    }
    if python != "python3" {
        let _ = write!(flags, " --python {}", shell_word(&python.to_string_lossy()));
    }
    for name in &args.watch {
        let _ = write!(flags, " --watch {}", shell_word(name));
    }
    let command = std::iter::once(program.title())
        .chain(program.args.iter().map(|arg| arg.to_string_lossy().into_owned()))
        .map(|word| shell_word(&word))
        .collect::<Vec<_>>()
        .join(" ");
    let title =
        if args.step == Grain::Op { command.clone() } else { format!("{command} (--step {})", args.step.name()) };
    let hint = move |schedule: &str| format!("threadviz run{flags} --schedule {schedule} {command}");
    Ok(exploration_of(Program::child(server), title, args, Box::new(hint)))
}

/// A word as a shell reads it back: quoted when it holds anything but the plainest characters.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | '=' | ':' | ',' | '+'));
    if plain { word.to_owned() } else { format!("'{}'", word.replace('\'', "'\\''")) }
}

fn runs_at_most(args: &ExploreArgs) -> usize {
    let default_runs = if args.strategy == StrategyName::Dfs { 100_000 } else { 1_000 };
    args.runs.map_or(default_runs, |runs| runs as usize)
}

fn strategy_of(args: &ExploreArgs) -> Strategy {
    match args.strategy {
        StrategyName::Random => Strategy::Random,
        StrategyName::Pct => Strategy::Pct { depth: usize::from(args.depth) },
        StrategyName::Dfs => match args.preemptions {
            Some(preemptions) => Strategy::Dfs { preemptions: usize::from(preemptions) },
            None if args.no_reduce => Strategy::Dfs { preemptions: usize::MAX },
            None => Strategy::Dpor,
        },
    }
}

fn find_of(args: &ExploreArgs) -> Find {
    match args.find {
        None => Find::All,
        Some(FindName::Any) => Find::Any,
        Some(FindName::LostUpdate) => Find::Kind(FailureKind::LostUpdate),
        Some(FindName::Deadlock) => Find::Kind(FailureKind::Deadlock),
        Some(FindName::Panic) => Find::Kind(FailureKind::Panic),
        Some(FindName::Misuse) => Find::Kind(FailureKind::Misuse),
    }
}

/// The exploration of `program`, called `name` in the report, with the strategy, runs, seed,
/// stopping rule and shrinking `args` ask for; `replay_hint` writes the command that replays a
/// schedule.
fn exploration_of(program: Program, name: String, args: &ExploreArgs, replay_hint: ReplayHint) -> Exploration {
    Exploration {
        program,
        name,
        strategy: strategy_of(args),
        runs: runs_at_most(args),
        seed: args.seed,
        find: find_of(args),
        replay_hint,
        goal: None,
        shrink: !args.no_shrink,
    }
}

/// The exploration `args` ask for.
fn exploration(demo: &'static Demo, args: &ExploreArgs) -> Exploration {
    let mut program = Program::new(demo.main);
    program.params.clone_from(&args.params);
    let name = demo.name;
    let flags = param_flags(&args.params);
    let title = if args.params.is_empty() { name.to_owned() } else { format!("{name} ({})", flags.trim()) };
    let hint = move |schedule: &str| format!("threadviz demo {name}{flags} --schedule {schedule}");
    exploration_of(program, title, args, Box::new(hint))
}

fn progress_bar(runs: usize) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(runs as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        // As wide as the terminal leaves room for: a fixed 40 wrapped the line at 80 columns.
        "exploring {wide_bar} {pos}/{len} runs, {elapsed} so far, about {eta} left",
    ) {
        bar.set_style(style);
    }
    bar
}
