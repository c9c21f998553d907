//! `threadviz demo NAME --schedule S` and `threadviz run --schedule S PROGRAM.py`: one exact
//! interleaving, as `threadviz explore` found it, printed (`--plain`, and a program's own
//! output) or followed step by step in the dashboard.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use super::DemoArgs;
use crate::app::launch::Launch;
use crate::app::steer::{self, Steered};
use crate::app::{Appearance, Subject};
use crate::catalog::Demo;
use crate::child::{self, Options};
use crate::explore::{FailureKind, Follow, Program, RunEnd, Schedule, follow_schedule, trouble_of};
use crate::record::RecordTo;

/// Runs `demo` along `schedule`. Exit status: 0 when it ran, 2 for a schedule that does not
/// read or does not fit the demo, 3 when the interleaving deadlocks (as `--plain` runs do).
pub fn run(demo: &'static Demo, args: &DemoArgs, schedule: &str, record: Option<RecordTo>) -> ExitCode {
    let parsed = match Schedule::parse(schedule) {
        Ok(parsed) => parsed,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let mut program = Program::new(demo.main);
    program.params.clone_from(&args.params);
    // The random sleeps of the run the schedule was found in: `--seed` as given (0 when not,
    // as `threadviz explore` runs them).
    program.seed = args.seed;
    if args.plain || !io::stdout().is_terminal() {
        let code = plain(&program, parsed, record);
        if let Some(path) = &args.record {
            eprintln!("the run is recorded in {0}; replay it with `threadviz replay {0}`", path.display());
        }
        return code;
    }
    dashboard(demo, args, program, parsed, record)
}

/// Prints the run's log as plain mode does, then what the schedule led to.
fn plain(program: &Program, schedule: Schedule, record: Option<RecordTo>) -> ExitCode {
    let (outcome, events) = follow_schedule(program, schedule, record);
    let mut out = io::stdout().lock();
    let mut printed = crate::plain::print_events(&events, &mut out).map(drop);
    if let Some(trouble) = trouble_of(&outcome) {
        let _ = out.flush();
        eprintln!("error: {trouble}");
        return ExitCode::from(2);
    }
    let deadlock = outcome.finding(FailureKind::Deadlock);
    if let Some(deadlock) = deadlock {
        printed = printed.and_then(|()| writeln!(out, "{}", deadlock.text)).and_then(|()| {
            writeln!(out, "the program would wait forever: stopped (exit status {})", crate::DEADLOCK_EXIT_CODE)
        });
    }
    // A closed stdout or a reader gone (`| head -1`): quietly exit 1, as every command does.
    if printed.and_then(|()| out.flush()).is_err() || super::stdout_was_closed() {
        return ExitCode::FAILURE;
    }
    if deadlock.is_some() {
        return ExitCode::from(crate::DEADLOCK_EXIT_CODE);
    }
    debug_assert_eq!(outcome.end, RunEnd::Completed);
    ExitCode::SUCCESS
}

/// Follows `schedule` in the dashboard: it starts paused, `n` takes the schedule's next step.
fn dashboard(
    demo: &'static Demo,
    args: &DemoArgs,
    program: Program,
    schedule: Schedule,
    record: Option<RecordTo>,
) -> ExitCode {
    let subject = Subject { title: demo.name, source: Some((demo.path, demo.source)), lesson: Some(demo.lesson) };
    let appearance = Appearance::new(args.theme, crate::color_wanted());
    let launch = Launch {
        seed: 0,
        speed: args.speed,
        paused: true,
        present: args.present,
        kernel_first: false,
        lossy: false,
        params: args.params.clone(),
    };
    let speed = args.speed;
    match steer::open(subject, appearance, &launch, move || Steered::start(program, Some(schedule), speed, record)) {
        Ok(Some(Err(error))) => {
            eprintln!("error: the recording is incomplete: {error}");
            ExitCode::FAILURE
        }
        Ok(recorded) => {
            if let Some(Ok(summary)) = recorded {
                super::recordings::report(&summary);
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: the terminal failed: {error}; try `--plain` to print the log instead");
            ExitCode::FAILURE
        }
    }
}

/// `threadviz run --schedule S PROGRAM.py`: one controlled run of the program along the
/// schedule, its output on the terminal as a bare run's (a demo's twin, `demo_lines`, printed
/// as the demo is: `(ThreadName) message`); the program's exit status, 2 when the schedule
/// does not fit it, 3 when it deadlocks.
pub fn replay_program(
    program: &child::Program,
    options: &Options,
    schedule: &str,
    seed: u64,
    record: Option<RecordTo>,
    demo_lines: bool,
) -> ExitCode {
    let refuse = |message: String, code: u8| {
        eprintln!("threadviz: error: {message}");
        ExitCode::from(code)
    };
    let schedule = match Schedule::parse(schedule) {
        Ok(schedule) => schedule,
        Err(error) => return refuse(format!("{error}"), 2),
    };
    if let Err(error) = child::check_program(program) {
        return refuse(error.message, error.code);
    }
    let options =
        Options { paused: false, dashboard: demo_lines, linger: std::time::Duration::ZERO, ..options.clone() };
    let mut controlled = match child::Controlled::start(program, &options, seed) {
        Ok(controlled) => controlled,
        Err(error) => return refuse(error.message, error.code),
    };
    let planned = schedule.len();
    let run = crate::explore::run_controlled(controlled.run(), crate::explore::MAX_STEPS, &mut Follow::new(schedule));
    let status = controlled.child().wait();
    if demo_lines {
        let mut out = io::stdout().lock();
        let printed = crate::plain::print_events(&run.events, &mut out).map(drop);
        if printed.and_then(|()| io::Write::flush(&mut out)).is_err() {
            return ExitCode::FAILURE;
        }
    }
    if let Some(to) = record {
        super::recordings::report_recorded(crate::explore::record_events(to, &run.events));
    }
    let left = planned.saturating_sub(run.schedule.len());
    match &run.end {
        RunEnd::Misfit(why) => return refuse(format!("the schedule does not fit {}: {why}", program.title()), 2),
        RunEnd::Completed if left > 0 => {
            return refuse(
                format!(
                    "the schedule does not fit {}: the program ended after {} steps with {left} choices left over; was it found with another --step or version of the program?",
                    program.title(),
                    run.steps
                ),
                2,
            );
        }
        RunEnd::Deadlock => {
            let mut model = crate::model::Model::new();
            for event in &run.events {
                model.apply(event);
            }
            let message = model.deadlock_message().unwrap_or_else(|| "deadlock: no thread can move".to_owned());
            let stopped =
                format!("the program would wait forever: stopped (exit status {})", crate::DEADLOCK_EXIT_CODE);
            if demo_lines {
                println!("{message}");
                println!("{stopped}");
            } else {
                eprintln!("threadviz: {message}");
                eprintln!("threadviz: {stopped}");
            }
            return ExitCode::from(crate::DEADLOCK_EXIT_CODE);
        }
        RunEnd::Stuck(_) => {
            return refuse(
                format!(
                    "a thread did not come back to threadviz: it waits outside the hook's primitives (every thread asleep in the kernel for {} s: I/O, input, a C extension's lock) or ran {} s without reaching a step point (`--step line` makes every line one)",
                    crate::explore::OUTSIDE.as_secs(),
                    crate::explore::PATIENCE.as_secs()
                ),
                1,
            );
        }
        RunEnd::StepLimit(steps) => return refuse(format!("the run was cut after {steps} steps"), 1),
        RunEnd::Completed => {}
    }
    match status {
        Ok(status) => ExitCode::from(child::exit_code(status)),
        Err(_) => refuse("lost track of the interpreter".to_owned(), 1),
    }
}
