//! `threadviz challenge [NAME]`: the list of challenges, or one opened in the dashboard,
//! paused, with its goal on screen.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use clap::Args;

use crate::app::live::Launch;
use crate::app::steer::{self, Steered};
use crate::app::{Look, Showing, ThemeName};
use crate::challenge::{CHALLENGES, find};

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
    let demo = challenge.demo();
    let showing =
        Showing { title: challenge.name, source: Some((demo.path, demo.source)), lesson: Some(challenge.notes) };
    let look = Look::new(args.theme, crate::color_wanted());
    let launch = Launch {
        seed: 0,
        speed: 1.0,
        paused: true,
        present: args.present,
        kernel_first: false,
        lossy: false,
        params: challenge.params(),
    };
    match steer::watch(showing, look, &launch, move || Steered::challenge(challenge, 1.0)) {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: the terminal failed: {error}");
            ExitCode::FAILURE
        }
    }
}
