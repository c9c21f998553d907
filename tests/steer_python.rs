//! The dashboard steering a controlled Python run, the real binary on the real interpreter in a
//! real terminal (tmux): `threadviz run --schedule S PROGRAM.py` followed step by step to its
//! lost update, `threadviz demo race --python --schedule S` reaching the lesson's moment, and
//! `threadviz challenge lost-update --python` won by choosing threads, then the search's
//! shortest way shown with `s`. No interpreter outlives `q`, Ctrl-C or SIGTERM.
//!
//! `python3` (CPython 3.9 or newer) and tmux are required: without them these tests fail
//! rather than pass unseen (`.ci/run` installs both).
#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test at the line that broke")]

mod common;

use std::process::Command;

use common::tmux::Tmux;

/// The bank's losing schedule, as `threadviz explore demos/python/bank.py --clerks 2
/// --deposits 2` gives it.
const BANK: &str = "--schedule 1.3x4.1 demos/python/bank.py --clerks 2 --deposits 2";

/// The interpreters started under the test `tag` (see [`command`]): the tests of this file run
/// side by side, each telling its own processes by the environment it gave them.
fn interpreters_running(tag: &str) -> Vec<u32> {
    let needle = format!("THREADVIZ_TEST_TAG={tag}\0").into_bytes();
    common::pythons_where(|_, environment| common::holds(environment, &needle))
}

#[track_caller]
fn assert_no_interpreter_left(tag: &str) {
    common::assert_none_left(|| interpreters_running(tag));
}

/// The shell line that runs `threadviz ARGS` with the test's `tag` in its environment (which the
/// interpreters it starts inherit), then says how it ended.
fn command(tag: &str, args: &str) -> String {
    let binary = env!("CARGO_BIN_EXE_threadviz");
    format!(
        "cd '{}' && THREADVIZ_TEST_TAG={tag} '{binary}' {args}; echo EXITED $?; \
         if stty -a | grep -q -- -icanon; then echo TTY RAW; else echo TTY COOKED; fi; sleep 600",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Presses `key` until the screen satisfies `ready` (at most `presses` times); that screen.
#[track_caller]
fn press_until(tmux: &Tmux, key: &str, presses: usize, what: &str, ready: impl Fn(&str) -> bool) -> String {
    for _ in 0..presses {
        let screen = tmux.settled();
        if ready(&screen) {
            return screen;
        }
        tmux.keys(&[key]);
    }
    tmux.wait_for(what, ready)
}

#[test]
fn the_banks_schedule_is_followed_step_by_step_to_the_lost_update() {
    let tmux = Tmux::start("steer-bank", 120, 40, &command("steer-bank", &format!("run {BANK}")));
    // The first frames may come before the run has settled at its first question.
    let start = tmux.wait_for("the paused dashboard", |screen| {
        screen.contains("following the schedule") && screen.contains("PAUSED") && screen.contains("comes at step")
    });
    assert!(start.contains("0 of its 6 choices"), "the guide says where the schedule is:\n{start}");
    assert!(start.contains("the loss of 2 updates on balance comes at step 8"), "and what comes:\n{start}");
    let alert = press_until(&tmux, "n", 10, "the announcement", |screen| screen.contains("⚠ MainThread's next step"));
    assert!(
        alert.contains("makes way for the loss of 2 updates on balance (in a step the program then takes by itself)"),
        "{alert}"
    );
    assert!(alert.contains("5 of its 6 choices"), "{alert}");
    assert!(alert.contains("clerk-1 read 0 (stale)"), "the stale load in the primitives panel:\n{alert}");
    tmux.keys(&["n"]);
    let lost = tmux.wait_for("the lost update", |screen| screen.contains("lost 2 updates"));
    assert!(lost.contains("6 of its 6 choices"), "{lost}");
    assert!(lost.contains("expected 4, balance 2: 2 deposits lost"), "the program's own line in the log:\n{lost}");
    tmux.keys(&["q"]);
    tmux.wait_for("the exit", |screen| screen.contains("EXITED 0"));
    assert_no_interpreter_left("steer-bank");
}

#[test]
fn no_interpreter_outlives_q_ctrl_c_or_sigterm_of_a_steered_run() {
    for (test, key) in [("steer-q", Some("q")), ("steer-ctrl-c", Some("C-c")), ("steer-sigterm", None)] {
        let tmux = Tmux::start(test, 100, 30, &command(test, &format!("run {BANK}")));
        tmux.wait_for("the paused dashboard", |screen| screen.contains("following the schedule"));
        tmux.keys(&["n"]);
        tmux.wait_for("a step", |screen| screen.contains("1 of its 6 choices"));
        assert!(!interpreters_running(test).is_empty(), "the interpreter runs");
        if let Some(key) = key {
            tmux.keys(&[key]);
        } else {
            let pid = tmux.program_pid();
            Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
        }
        tmux.wait_for("the exit", |screen| screen.contains("EXITED "));
        common::tmux::assert_exited_and_restored(&tmux, 0);
        assert_no_interpreter_left(test);
    }
}

#[test]
fn the_python_race_followed_by_its_schedule_stops_at_the_lessons_moment() {
    let tmux = Tmux::start("steer-race", 120, 40, &command("steer-race", "demo race --python --schedule _x80"));
    tmux.wait_for("the paused dashboard", |screen| screen.contains("following the schedule"));
    let moment = press_until(&tmux, "n", 40, "the lesson's moment", |screen| {
        screen.contains("The log has just warned of the first lost update")
    });
    assert!(moment.contains("What will Final counter say"), "{moment}");
    tmux.keys(&["q"]);
    tmux.wait_for("the exit", |screen| screen.contains("EXITED 0"));
    assert_no_interpreter_left("steer-race");
}

#[test]
fn the_lost_update_challenge_is_won_on_python_by_choosing_threads() {
    let tmux = Tmux::start("steer-challenge", 120, 40, &command("steer-challenge", "challenge lost-update --python"));
    tmux.wait_for("the challenge", |screen| screen.contains("challenge: make the two threads lose"));
    // The whole first frame, not one caught half drawn.
    let start = tmux.settled();
    assert!(start.contains("(Python, --step op: a step is an operation or a load or"), "{start}");
    // MainThread starts both workers; Thread-1 and Thread-2 each go to sleep; time wakes
    // Thread-2 first, which reads; Thread-1 reads the same 0 before either stores.
    for keys in
        [&["Enter"][..], &["Enter"], &["Down", "Enter"], &["Down", "Enter"], &["Enter"], &["Enter"], &["Up", "Enter"]]
    {
        tmux.settled();
        tmux.keys(keys);
    }
    let won = press_until(&tmux, "n", 10, "the win", |screen| screen.contains("done! you: "));
    assert!(won.contains("lost 1 update"), "{won}");
    let shortest = tmux.wait_for("the search's answer", |screen| screen.contains("shortest: "));
    assert!(shortest.contains("(s shows it)"), "{shortest}");
    tmux.keys(&["s"]);
    tmux.wait_for("the shortest way", |screen| screen.contains("watching the shortest way"));
    press_until(&tmux, "n", 20, "the shortest way's goal", |screen| {
        screen.contains("the shortest way reached the goal at step")
    });
    tmux.keys(&["q"]);
    tmux.wait_for("the exit", |screen| screen.contains("EXITED 0"));
    assert_no_interpreter_left("steer-challenge");
}
