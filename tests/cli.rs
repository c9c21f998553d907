//! The command line of the real binary: `list`, `demo` in plain mode (asked for, or chosen
//! because stdout is not a terminal), the one-line errors for unknown demos and bad options,
//! shell completions, and `--help` on every subcommand. Every run has a deadline.
#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test at the line that broke")]
#![allow(clippy::doc_markdown, reason = "the docs name Python's threads, calls and outputs in prose")]

mod common;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

use clap::CommandFactory;
use threadviz::dashboard::catalog::DEMOS;

/// Far longer than any run here needs (a demo at speed 10 lasts about a second).
const DEADLINE: Duration = Duration::from_mins(1);

/// What a finished run left behind.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn stdout_lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    fn stderr_lines(&self) -> Vec<&str> {
        self.stderr.lines().collect()
    }
}

/// Runs the binary with `args`, stdin empty and stdout and stderr captured (so stdout is not
/// a terminal). Kills it and fails the test if it has not ended within [`DEADLINE`].
fn threadviz(args: &[&str]) -> Run {
    threadviz_with(args, &[])
}

fn threadviz_with(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_threadviz"))
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    // Read both pipes while waiting, so a full pipe can never stall the child.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let stdout = std::thread::spawn(move || {
        let mut text = String::new();
        out.read_to_string(&mut text).map(|_| text)
    });
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        err.read_to_string(&mut text).map(|_| text)
    });
    let status = common::wait_child(&mut child, &format!("`threadviz {}`", args.join(" ")), DEADLINE);
    Run {
        code: status.code(),
        stdout: stdout.join().unwrap().expect("stdout is UTF-8"),
        stderr: stderr.join().unwrap().expect("stderr is UTF-8"),
    }
}

#[test]
fn list_prints_every_demo_under_its_chapter_with_its_summary() {
    let run = threadviz(&["list"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stderr.is_empty(), "{run:?}");
    let mut chapter = None;
    let mut listed = Vec::new();
    for line in run.stdout_lines() {
        match line.strip_prefix("  ") {
            None => chapter = Some(line.to_owned()),
            Some(entry) => {
                let (name, summary) = entry.split_once(' ').unwrap();
                listed.push((chapter.clone().expect("a chapter heading comes first"), name, summary.trim()));
            }
        }
    }
    assert_eq!(listed.len(), DEMOS.len(), "every demo once:\n{}", run.stdout);
    for demo in DEMOS {
        let entry = listed.iter().find(|(_, name, _)| *name == demo.name);
        let (chapter, _, summary) = entry.unwrap_or_else(|| panic!("{} is listed:\n{}", demo.name, run.stdout));
        assert_eq!(chapter, &demo.chapter.to_string(), "{} is listed under its chapter", demo.name);
        assert_eq!(*summary, demo.summary);
    }
    let chapters: Vec<&str> = run.stdout_lines().into_iter().filter(|line| !line.starts_with(' ')).collect();
    assert_eq!(chapters, ["Threads", "Locks", "Synchronization"], "chapters in teaching order");
}

#[test]
fn an_unknown_demo_exits_2_with_one_line_that_suggests_close_names() {
    for (typo, suggested) in [("conditon", "condition"), ("lok", "lock"), ("semaphor", "semaphore")] {
        let run = threadviz(&["demo", typo]);
        assert_eq!(run.code, Some(2), "{run:?}");
        assert!(run.stdout.is_empty(), "{run:?}");
        let lines = run.stderr_lines();
        assert_eq!(lines.len(), 1, "one line: {run:?}");
        assert!(lines[0].starts_with(&format!("error: no demo named `{typo}`")), "{run:?}");
        assert!(lines[0].contains(&format!("did you mean {suggested}")), "{typo} suggests {suggested}: {run:?}");
    }
    // Nothing close: the line points to the list instead.
    let run = threadviz(&["demo", "nosuch"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert_eq!(run.stderr_lines(), ["error: no demo named `nosuch`; run `threadviz list` to see them all"]);
}

/// `(thread, message)` of each plain line `(name      ) message`.
fn plain_lines(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .map(|line| {
            let (name, message) = line
                .strip_prefix('(')
                .and_then(|rest| rest.split_once(") "))
                .unwrap_or_else(|| panic!("a plain line `(name) message`: {line:?}"));
            (name.trim_end().to_owned(), message.to_owned())
        })
        .collect()
}

fn said_by<'a>(lines: &'a [(String, String)], thread: &str) -> Vec<&'a str> {
    lines.iter().filter(|(name, _)| name == thread).map(|(_, message)| message.as_str()).collect()
}

/// Checks the log of the `lock` demo: two workers, two increments each, no update lost.
#[track_caller]
fn check_lock_log(run: &Run) {
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(!run.stdout.contains('\x1b'), "plain output has no escape sequences: {run:?}");
    assert!(run.stderr.is_empty(), "{run:?}");
    let lines = plain_lines(&run.stdout);
    assert_eq!(said_by(&lines, "MainThread"), ["Waiting for worker threads", "Counter: 4"], "{}", run.stdout);
    assert_eq!(run.stdout.lines().last(), Some("(MainThread) Counter: 4"), "the padded tutorial format");
    for worker in ["Thread-1", "Thread-2"] {
        let said = said_by(&lines, worker);
        // Twice: sleep a random while, then take the lock to increment.
        assert_eq!(said.len(), 7, "{worker}: {said:?}");
        for round in said[..6].chunks(3) {
            assert!(round[0].starts_with("Sleeping 0."), "{worker}: {said:?}");
            assert_eq!(round[1..], ["Waiting for lock", "Acquired lock"], "{worker}: {said:?}");
        }
        assert_eq!(said.last(), Some(&"Done"));
    }
}

#[test]
fn demo_plain_prints_the_log_lines_and_exits_0() {
    check_lock_log(&threadviz(&["demo", "lock", "--plain", "--speed", "10"]));
}

#[test]
fn stdout_that_is_not_a_terminal_gets_plain_output() {
    // No --plain: captured stdout is not a terminal, so the dashboard is not drawn.
    check_lock_log(&threadviz(&["demo", "lock", "--speed", "10"]));
}

#[test]
fn paused_has_no_effect_in_plain_mode_and_the_run_ends() {
    let run = threadviz(&["demo", "condition", "--paused", "--speed", "10"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    let lines = plain_lines(&run.stdout);
    for consumer in ["c1", "c2"] {
        assert_eq!(said_by(&lines, consumer), ["Starting consumer thread", "Resource is available to consumer"]);
    }
    assert_eq!(said_by(&lines, "p"), ["Starting producer thread", "Making resource available"]);
}

#[test]
fn the_same_seed_repeats_the_same_sleeps() {
    let sleeps = |seed: &str| {
        let run = threadviz(&["demo", "lock", "--plain", "--speed", "10", "--seed", seed]);
        assert_eq!(run.code, Some(0), "{run:?}");
        let lines = plain_lines(&run.stdout);
        ["Thread-1", "Thread-2"].map(|worker| {
            said_by(&lines, worker)
                .into_iter()
                .filter(|message| message.starts_with("Sleeping"))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
    };
    let first = sleeps("3");
    assert_eq!(first, sleeps("3"));
    assert_ne!(first, sleeps("4"), "another seed, other sleeps");
}

#[test]
fn a_bad_speed_exits_2_and_says_what_is_allowed() {
    for (speed, reason) in [("0", "speed must be between 0.1 and 10"), ("11", "speed must be between 0.1 and 10")] {
        let run = threadviz(&["demo", "lock", "--speed", speed]);
        assert_eq!(run.code, Some(2), "{run:?}");
        assert!(run.stdout.is_empty(), "nothing runs: {run:?}");
        let first = run.stderr_lines()[0];
        assert!(first.starts_with("error: ") && first.contains("--speed") && first.contains(reason), "{run:?}");
    }
    let run = threadviz(&["demo", "lock", "--speed", "abc"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stderr_lines()[0].contains("`abc` is not a number; try 0.5 or 2"), "{run:?}");
}

#[test]
fn lossy_is_a_choice_for_a_recording_under_the_dashboard_only() {
    // Without a recording nothing waits anyway; plain output never drops.
    let run = threadviz(&["demo", "lock", "--lossy"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stdout.is_empty(), "nothing runs: {run:?}");
    assert!(run.stderr.contains("--record <FILE>"), "{run:?}");
    let run = threadviz(&["demo", "lock", "--plain", "--record", "never-written.jsonl", "--lossy"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stderr_lines()[0].contains("'--plain' cannot be used with '--lossy'"), "{run:?}");
    assert!(!std::path::Path::new("never-written.jsonl").exists());
}

#[test]
fn a_bad_theme_exits_2_and_lists_the_themes() {
    let run = threadviz(&["demo", "lock", "--theme", "nope"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert!(run.stderr_lines()[0].starts_with("error: invalid value 'nope' for '--theme"), "{run:?}");
    assert!(run.stderr.contains("dark, light, high-contrast"), "{run:?}");
}

#[test]
fn a_missing_subcommand_or_demo_name_exits_2_with_the_usage() {
    for args in [&[][..], &["demo"][..], &["completions"][..], &["frobnicate"][..]] {
        let run = threadviz(args);
        assert_eq!(run.code, Some(2), "{args:?}: {run:?}");
        assert!(run.stderr.contains("Usage: threadviz"), "{args:?}: {run:?}");
    }
}

#[test]
fn completions_prints_a_script_for_each_shell() {
    let run = threadviz(&["completions", "bash"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.contains("_threadviz()"), "a bash function: {}", run.stdout);
    assert!(run.stdout.contains("complete -F _threadviz"), "registered for threadviz");
    for word in ["list", "demo", "completions", "--speed", "--paused", "--plain", "--theme"] {
        assert!(run.stdout.contains(word), "completes `{word}`");
    }
    for (shell, marker) in [("zsh", "#compdef threadviz"), ("fish", "complete -c threadviz"), ("elvish", "threadviz")] {
        let run = threadviz(&["completions", shell]);
        assert_eq!(run.code, Some(0), "{shell}: {run:?}");
        assert!(run.stdout.contains(marker), "{shell}: {}", run.stdout);
    }
    let run = threadviz(&["completions", "tcsh"]);
    assert_eq!(run.code, Some(2), "an unknown shell is refused: {run:?}");
}

#[test]
fn help_works_on_every_subcommand() {
    let run = threadviz(&["--help"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.contains("Usage: threadviz <COMMAND>"), "{}", run.stdout);
    let subcommands: Vec<String> = threadviz::dashboard::cli::Cli::command()
        .get_subcommands()
        .map(|command| command.get_name().to_owned())
        .collect();
    assert!(subcommands.len() >= 3, "{subcommands:?}");
    for name in &subcommands {
        assert!(run.stdout.contains(&format!("\n  {name} ")), "the top help lists `{name}`: {}", run.stdout);
        let sub = threadviz(&[name, "--help"]);
        assert_eq!(sub.code, Some(0), "{name} --help: {sub:?}");
        assert!(sub.stderr.is_empty(), "{name} --help: {sub:?}");
        assert!(sub.stdout.contains(&format!("Usage: threadviz {name}")), "{name} --help: {}", sub.stdout);
        // `help NAME` says the same.
        let help = threadviz(&["help", name]);
        assert_eq!(help.code, Some(0), "help {name}: {help:?}");
        assert_eq!(help.stdout, sub.stdout, "help {name}");
    }
    let run = threadviz(&["demo", "--help"]);
    for option in ["--plain", "--paused", "--speed", "--seed", "--theme", "NO_COLOR"] {
        assert!(run.stdout.contains(option), "demo --help explains {option}: {}", run.stdout);
    }
    let run = threadviz(&["completions", "--help"]);
    for shell in ["bash", "zsh", "fish"] {
        assert!(run.stdout.contains(shell), "completions --help names {shell}: {}", run.stdout);
    }
}

#[test]
fn version_prints_the_package_version() {
    let run = threadviz(&["--version"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert_eq!(run.stdout.trim(), concat!("threadviz ", env!("CARGO_PKG_VERSION")));
    // Subcommands know the version too.
    let run = threadviz(&["demo", "--version"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.trim().ends_with(concat!(" ", env!("CARGO_PKG_VERSION"))), "{run:?}");
}

#[test]
fn no_color_does_not_change_plain_output() {
    check_lock_log(&threadviz_with(&["demo", "lock", "--plain", "--speed", "10"], &[("NO_COLOR", "1")]));
}

#[test]
fn explore_reports_with_a_replay_command_and_exits_0() {
    let run = threadviz(&["explore", "deadlock", "--find", "deadlock", "--runs", "300"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stderr.is_empty(), "no progress bar when stderr is not a terminal: {run:?}");
    let replay = run.stdout_lines().into_iter().find_map(|line| line.trim().strip_prefix("replay: ")).unwrap();
    let args: Vec<&str> = replay.split(' ').skip(1).collect();
    // The schedule it printed runs that very deadlock, in plain mode: exit status 3.
    let again = threadviz(&[&args[..], &["--plain"]].concat());
    assert_eq!(again.code, Some(3), "{again:?}");
    assert!(again.stdout.contains("Thread-1 holds lock-a and waits for lock-b"), "{again:?}");
}

#[test]
fn explore_and_schedules_refuse_bad_input_with_one_line_and_exit_2() {
    for (args, expected) in [
        (&["explore", "nosuch"][..], "error: no demo named `nosuch`"),
        (&["explore", "race", "--strategy", "bogus"][..], "invalid value 'bogus'"),
        (&["explore", "race", "--param", "threads"][..], "is not NAME=VALUE"),
        (&["demo", "race", "--plain", "--schedule", "1.x"][..], "is not a schedule step"),
        (&["demo", "race", "--plain", "--schedule", "9.9"][..], "thread 9, which cannot move then"),
        (&["challenge", "nosuch"][..], "error: no challenge named `nosuch`"),
    ] {
        let run = threadviz(args);
        assert_eq!(run.code, Some(2), "{args:?}: {run:?}");
        assert!(run.stderr.contains(expected), "{args:?}: {run:?}");
        assert!(!run.stderr.contains("panicked"), "{args:?}: {run:?}");
    }
}

#[test]
fn challenge_lists_every_challenge_and_needs_a_terminal_to_play() {
    let run = threadviz(&["challenge"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    for challenge in threadviz::dashboard::challenge::CHALLENGES {
        assert!(run.stdout.contains(challenge.name) && run.stdout.contains(challenge.goal_words), "{run:?}");
    }
    let run = threadviz(&["challenge", "deadlock"]);
    assert_eq!(run.code, Some(2), "{run:?}");
    assert_eq!(run.stderr_lines().len(), 1, "{run:?}");
}

#[test]
fn a_demo_takes_its_parameters_in_plain_mode() {
    let run = threadviz(&["demo", "race", "--plain", "--speed", "10", "--param", "threads=2", "--param", "items=1"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.contains("Expected counter: 2"), "{run:?}");
    assert_eq!(run.stdout.matches(", stored ").count(), 2, "two threads, one item each: {run:?}");
}

/// What `race` declares, as every error about its parameters lists it.
const RACE_PARAMS: &str = "Its parameters: threads (1 to 8, default 4: the threads that count), items (1 to 20, default 5: the items each thread counts)";

/// Runs `args` and checks that it was refused with exit status 2 and the one line `expected`.
fn refused_with(args: &[&str], expected: &str) {
    let run = threadviz(args);
    assert_eq!(run.code, Some(2), "{args:?}: {run:?}");
    assert!(run.stdout.is_empty(), "{args:?}: nothing runs: {run:?}");
    assert_eq!(run.stderr_lines(), [expected], "{args:?}: one line: {run:?}");
}

#[test]
fn an_unknown_parameter_exits_2_with_one_line_listing_the_demos_parameters() {
    for command in ["demo", "explore"] {
        refused_with(
            &[command, "race", "--param", "speed=2"],
            &format!("error: race has no parameter `speed`. {RACE_PARAMS}"),
        );
    }
    // A demo that reads none says so.
    refused_with(
        &["demo", "lock-with", "--plain", "--param", "threads=2"],
        "error: lock-with has no parameters; run it without `--param threads=2`",
    );
}

#[test]
fn a_mistyped_parameter_exits_2_with_one_line_that_suggests_the_close_name() {
    for command in ["demo", "explore"] {
        refused_with(
            &[command, "race", "--param", "thread=2"],
            &format!("error: race has no parameter `thread`; did you mean `threads`? {RACE_PARAMS}"),
        );
    }
    refused_with(
        &["demo", "semaphore", "--plain", "--param", "worker=3"],
        "error: semaphore has no parameter `worker`; did you mean `workers`? Its parameters: workers (1 to 8, default 4: the workers sharing the semaphore), pool (0 or 1, default 1: 1 keeps the list of running workers, 0 leaves it out)",
    );
}

#[test]
fn a_parameter_out_of_range_exits_2_with_one_line_giving_its_range() {
    for command in ["demo", "explore"] {
        refused_with(
            &[command, "race", "--param", "items=99999999999"],
            &format!("error: `--param items=99999999999` is out of range: items is 1 to 20. {RACE_PARAMS}"),
        );
        refused_with(
            &[command, "race", "--param", "threads=0"],
            &format!("error: `--param threads=0` is out of range: threads is 1 to 8. {RACE_PARAMS}"),
        );
    }
    refused_with(
        &["demo", "race", "--plain", "--param", "threads=2", "--param", "threads=3"],
        &format!("error: `--param threads` is given twice (2 and 3); give it once. {RACE_PARAMS}"),
    );
}

#[test]
fn a_parameter_in_range_is_taken_by_demo_and_explore() {
    // The largest values a parameter takes run (in plain mode: a pipe is not a terminal).
    let run = threadviz(&["demo", "race", "--plain", "--speed", "10", "--param", "threads=8", "--param", "items=1"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.contains("Expected counter: 8"), "{run:?}");
    let run = threadviz(&["explore", "deadlock", "--param", "sleep=0", "--find", "deadlock", "--runs", "300"]);
    assert_eq!(run.code, Some(0), "{run:?}");
    assert!(run.stdout.contains("--param sleep=0"), "the replay command keeps the parameter: {run:?}");
}

/// Runs the binary with `args` and its stdout a pipe whose reader is gone before anything is
/// written; the exit code and stderr.
fn with_a_broken_pipe(args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut child = Command::new(env!("CARGO_BIN_EXE_threadviz"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = common::wait_child(&mut child, &format!("threadviz {args:?}"), DEADLINE);
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    (status.code(), stderr)
}

/// Runs the binary with `args` through `sh`, its stdout closed (`>&-`).
fn with_stdout_closed(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("exec \"$0\" \"$@\" >&-")
        .arg(env!("CARGO_BIN_EXE_threadviz"))
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = common::wait_child(&mut child, &format!("threadviz {args:?} >&-"), DEADLINE);
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    (status.code(), stderr)
}

#[test]
fn a_failed_write_to_stdout_exits_1_quietly() {
    let plain_demo = &["demo", "race", "--plain", "--speed", "10"][..];
    // A deadlock, which would exit 3, found by `explore deadlock`.
    let scheduled = &["demo", "deadlock", "--plain", "--schedule", "2.1x2.2.3x2.t.2"][..];
    for args in
        [&["list"][..], &["completions", "bash"], &["completions", "zsh"], &["challenge"], plain_demo, scheduled]
    {
        for (how, (code, stderr)) in [("closed", with_stdout_closed(args)), ("a broken pipe", with_a_broken_pipe(args))]
        {
            assert_eq!(code, Some(1), "threadviz {args:?} with stdout {how}: {stderr}");
            assert!(!stderr.contains("panicked"), "no panic: {stderr}");
            assert!(stderr.is_empty(), "quietly: {stderr}");
        }
    }
    // Thrown away on purpose, stdout is written and the run succeeds.
    let status = Command::new("sh")
        .arg("-c")
        .arg("exec \"$0\" list >/dev/null")
        .arg(env!("CARGO_BIN_EXE_threadviz"))
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
}
