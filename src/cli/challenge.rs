//! `threadviz challenge [NAME]`: the list of challenges, or one opened in the dashboard,
//! paused, with its goal on screen.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use clap::Args;

use crate::app::launch::Launch;
use crate::app::steer::{self, Steered};
use crate::app::{Appearance, Subject, ThemeName};
use crate::challenge::{CHALLENGES, Challenge, find};
use crate::child::{self, Grain};

/// Options of `threadviz challenge`.
#[derive(Debug, Args)]
pub struct ChallengeArgs {
    /// The challenge to play; without it, the list.
    pub name: Option<String>,
    /// Colours: dark, light or high-contrast (`NO_COLOR` turns colour off).
    #[arg(long, value_enum, default_value_t = ThemeName::Dark)]
    pub theme: ThemeName,
    /// Presenter mode: big, high contrast, for a class.
    #[arg(long)]
    pub present: bool,
    /// Play it on the demo's Python twin (`demos/python/twins/`), on the real interpreter
    /// under the hook. PATH names the interpreter (python3 when not given).
    #[arg(long, value_name = "PATH", num_args = 0..=1, default_missing_value = "python3")]
    pub python: Option<std::ffi::OsString>,
    /// With `--python`: what one step is, `op` (an operation, or a load or store of a shared
    /// variable), `line` or `bytecode` [default: the challenge's own, `op` for every one].
    #[arg(long, value_name = "GRAIN", value_parser = super::run::parse_grain, requires = "python")]
    pub step: Option<Grain>,
}

/// Writes the list of challenges.
pub fn write_list(out: &mut impl Write) -> io::Result<()> {
    let width = CHALLENGES.iter().map(|challenge| challenge.name.len()).max().unwrap_or(0);
    for challenge in CHALLENGES {
        let params: Vec<String> = challenge.params.iter().map(|(name, value)| format!("{name}={value}")).collect();
        let demo = if params.is_empty() {
            challenge.demo.to_owned()
        } else {
            format!("{} {}", challenge.demo, params.join(" "))
        };
        writeln!(out, "  {:<width$}  {} ({demo})", challenge.name, challenge.goal_words)?;
    }
    writeln!(out, "Play one: threadviz challenge NAME")
}

/// Runs `threadviz challenge`.
pub fn run(args: &ChallengeArgs) -> ExitCode {
    let Some(name) = &args.name else {
        return super::print_out(|mut out| write_list(&mut out));
    };
    let Some(challenge) = find(name) else {
        let names: Vec<&str> = CHALLENGES.iter().map(|challenge| challenge.name).collect();
        eprintln!("error: no challenge named `{name}`; the challenges are {}", names.join(", "));
        return ExitCode::from(2);
    };
    if !io::stdout().is_terminal() {
        eprintln!(
            "error: a challenge is played in the dashboard, which needs a terminal; try `threadviz explore {}`",
            challenge.demo
        );
        return ExitCode::from(2);
    }
    if let Some(python) = &args.python {
        return play_python(challenge, args, python);
    }
    let demo = challenge.demo();
    let subject =
        Subject { title: challenge.name, source: Some((demo.path, demo.source)), lesson: Some(challenge.notes) };
    let appearance = Appearance::new(args.theme, crate::color_wanted());
    let launch = Launch {
        seed: 0,
        speed: 1.0,
        paused: true,
        present: args.present,
        kernel_first: false,
        lossy: false,
        params: challenge.params(),
    };
    match steer::open(subject, appearance, &launch, move || Steered::challenge(challenge, 1.0)) {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: the terminal failed: {error}");
            ExitCode::FAILURE
        }
    }
}

/// What one step is at `grain`, as the challenge's headline says it.
fn grain_words(grain: Grain) -> String {
    let step = match grain {
        Grain::Op => "an operation or a load or store of a shared variable",
        Grain::Line => "a line",
        Grain::Bytecode => "a bytecode instruction",
    };
    format!("Python, --step {}: a step is {step}", grain.name())
}

/// Plays `challenge` on its demo's Python twin: the twin written to a folder of its own, one
/// controlled interpreter for the class's run and a fork server for the search.
fn play_python(challenge: &'static Challenge, args: &ChallengeArgs, python: &std::ffi::OsString) -> ExitCode {
    let refuse = |message: String, code: u8| {
        eprintln!("threadviz: error: {message}");
        ExitCode::from(code)
    };
    let demo = challenge.demo();
    let Some((file, text)) = demo.python() else {
        return refuse(format!("{} has no Python version; play it without --python", demo.name), 2);
    };
    let folder = match tempfile::Builder::new().prefix("threadviz-challenge-").tempdir() {
        Ok(folder) => folder,
        Err(error) => return refuse(format!("cannot write the Python demo: {error}"), 1),
    };
    if let Err(error) = std::fs::write(folder.path().join(file), text) {
        return refuse(format!("cannot write the Python demo: {error}"), 1);
    }
    let program_args =
        challenge.params.iter().flat_map(|(name, value)| [format!("--{name}").into(), value.to_string().into()]);
    let program = child::Program { target: child::Target::Script(file.into()), args: program_args.collect() };
    let grain = args.step.unwrap_or(challenge.python_step);
    let options = child::Options {
        step: grain,
        shared: true,
        cwd: Some(folder.path().to_owned()),
        ..child::Options::new(python.clone())
    };
    let server = match child::Server::start(&program, &options, 0) {
        Ok(server) => server,
        Err(error) => return refuse(error.message, error.code),
    };
    let searched = crate::explore::Program::child(server);
    let start = crate::app::steer::target::PythonStart { program, options, seed: 0 };
    let steered = match Steered::python_challenge(challenge, start, &searched, grain_words(grain)) {
        Ok(steered) => steered,
        Err(error) => return refuse(error.message, error.code),
    };
    drop(searched);
    let subject = Subject { title: challenge.name, source: None, lesson: Some(challenge.notes) };
    let appearance = Appearance::new(args.theme, crate::color_wanted());
    let launch = Launch { speed: 1.0, paused: true, present: args.present, ..Launch::default() };
    let played = steer::open(subject, appearance, &launch, move || steered);
    // The twin's folder stays until both interpreters are gone.
    drop(folder);
    match played {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => refuse(format!("the terminal failed: {error}"), 1),
    }
}
