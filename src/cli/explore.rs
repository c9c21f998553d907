//! `threadviz explore NAME`: runs a demo under many schedules and reports what can happen,
//! with the schedule that replays each failure.

use std::fmt::Write as _;
use std::io::{self, IsTerminal};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Args, ValueEnum};

use crate::catalog::{self, Demo};
use crate::explore::{Exploration, FailureKind, Find, Program, Report, Strategy};

/// The strategies, as the command line names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StrategyName {
    /// A seeded random choice at each step.
    Random,
    /// Probabilistic concurrency testing: random priorities with `--depth` - 1 change points.
    Pct,
    /// Every interleaving with at most `--preemptions` preemptions, depth first.
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
    /// The demo to explore, e.g. `race`.
    pub name: String,
    /// How each step's thread is chosen.
    #[arg(long, value_enum, default_value_t = StrategyName::Random)]
    pub strategy: StrategyName,
    /// PCT's bug depth: the number of ordering constraints the bug needs.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..))]
    pub depth: u16,
    /// DFS's bound: the most switches away from a thread that could go on, in one run.
    #[arg(long, default_value_t = 2)]
    pub preemptions: u16,
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
    let demo = catalog::find(&args.name).ok_or_else(|| super::unknown_demo_message(&args.name))?;
    Ok(exploration(demo, args).explore_until(&mut |done, _| progress(done), stop))
}

fn runs_at_most(args: &ExploreArgs) -> usize {
    let default_runs = if args.strategy == StrategyName::Dfs { 100_000 } else { 1_000 };
    args.runs.map_or(default_runs, |runs| runs as usize)
}

/// The exploration `args` ask for.
fn exploration(demo: &'static Demo, args: &ExploreArgs) -> Exploration {
    let strategy = match args.strategy {
        StrategyName::Random => Strategy::Random,
        StrategyName::Pct => Strategy::Pct { depth: usize::from(args.depth) },
        StrategyName::Dfs => Strategy::Dfs { preemptions: usize::from(args.preemptions) },
    };
    let find = match args.find {
        None => Find::All,
        Some(FindName::Any) => Find::Any,
        Some(FindName::LostUpdate) => Find::Kind(FailureKind::LostUpdate),
        Some(FindName::Deadlock) => Find::Kind(FailureKind::Deadlock),
        Some(FindName::Panic) => Find::Kind(FailureKind::Panic),
        Some(FindName::Misuse) => Find::Kind(FailureKind::Misuse),
    };
    let mut program = Program::new(demo.main);
    program.params.clone_from(&args.params);
    let name = demo.name;
    let flags = param_flags(&args.params);
    let title = if args.params.is_empty() { name.to_owned() } else { format!("{name} ({})", flags.trim()) };
    Exploration {
        program,
        name: title,
        strategy,
        runs: runs_at_most(args),
        seed: args.seed,
        find,
        replay_hint: Box::new(move |schedule| format!("threadviz demo {name}{flags} --schedule {schedule}")),
        goal: None,
        shrink: !args.no_shrink,
    }
}

fn progress_bar(runs: usize) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(runs as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "exploring {bar:40} {pos}/{len} runs, {elapsed} so far, about {eta} left",
    ) {
        bar.set_style(style);
    }
    bar
}
