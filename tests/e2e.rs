//! The real binary in a real pseudo-terminal, driven through tmux: the dashboard shows a demo's
//! threads, `n` moves exactly one operation, space pauses and resumes, `q`, Ctrl-C and SIGTERM
//! all end the program with the terminal restored, resizing redraws (down to the "too small"
//! screen and back), and `NO_COLOR` leaves no colour on the screen.
//!
//! tmux is required: without it these tests fail rather than pass unseen.
#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test at the line that broke")]
#![allow(clippy::doc_markdown, reason = "the docs name Python's threads, calls and outputs in prose")]

mod common;

use std::process::Command;

use common::tmux::{Tmux, assert_exited_and_restored};

/// The shell line that runs the demo, then reports how it ended and whether the terminal
/// was left in raw mode, and stays alive so the pane can still be read.
fn demo_command(args: &str) -> String {
    let binary = env!("CARGO_BIN_EXE_threadviz");
    format!(
        "'{binary}' demo {args}; echo EXITED $?; \
         if stty -a | grep -q -- -icanon; then echo TTY RAW; else echo TTY COOKED; fi; sleep 600"
    )
}

/// The number of events the status bar shows.
#[track_caller]
fn events_shown(screen: &str) -> u64 {
    let bar = screen.lines().rev().find(|line| line.contains(" events")).unwrap_or_else(|| panic!("{screen}"));
    let before = &bar[..bar.find(" events").unwrap()];
    before.rsplit(' ').next().unwrap().parse().unwrap_or_else(|_| panic!("an event count in {bar:?}"))
}

/// The table row of thread `name`.
#[track_caller]
fn row<'a>(screen: &'a str, name: &str) -> &'a str {
    let cell = format!(" {name} ");
    screen
        .lines()
        .find(|line| line.starts_with('│') && line.contains(&cell) && line.contains("  "))
        .unwrap_or_else(|| panic!("no row for {name}:\n{screen}"))
}

/// Starts the condition demo paused, slowed down so nothing moves unless stepped or resumed.
fn paused_condition(test: &str, width: u16, height: u16) -> Tmux {
    let tmux = Tmux::start(test, width, height, &demo_command("condition --paused --speed 0.1"));
    tmux.wait_for("the paused dashboard", |screen| {
        screen.contains("⏸ PAUSED") && screen.contains(" MainThread ") && screen.contains(" p ")
    });
    tmux
}

/// Presses `n` and waits until the screen shows `done`. A step asked for while the previous
/// one is still under way is refused with a message; then `n` is pressed again. A thread that
/// arrives at the pause gate sends no event, so the dashboard may not look again on its own:
/// any other key makes it.
#[track_caller]
fn step(tmux: &Tmux, what: &str, done: impl Fn(&str) -> bool) -> String {
    tmux.keys(&["n"]);
    tmux.wait_for_with(what, done, |screen| {
        let key = if screen.contains("is still finishing its step") { "n" } else { "x" };
        tmux.keys(&[key]);
    })
}

#[test]
fn n_moves_exactly_one_operation_and_space_pauses_and_resumes() {
    let tmux = paused_condition("step", 120, 40);
    let before = tmux.settled();
    assert_eq!(tmux.display("#{alternate_on}"), "1", "the dashboard draws on the alternate screen");
    assert!(row(&before, "MainThread").contains("▷ READY"), "{before}");
    for consumer in ["c1", "c2", "p"] {
        assert!(row(&before, consumer).contains("· NEW"), "{before}");
    }
    let start = events_shown(&before);

    // One step: the main thread starts c1 (one event of the program's: the step itself is the
    // viewer's and not counted), and c1 runs to its first operation and waits there.
    let after = step(&tmux, "c1 started and held", |screen| {
        events_shown(screen) == start + 1 && row(screen, "c1").contains("▷ READY")
    });
    assert!(row(&after, "MainThread").contains("▷ READY"), "{after}");
    assert!(row(&after, "c2").contains("· NEW") && row(&after, "p").contains("· NEW"), "{after}");
    assert!(after.contains("Log 0 "), "nothing logged yet:\n{after}");
    let after = tmux.settled();
    assert_eq!(events_shown(&after), start + 1, "nothing else moved:\n{after}");

    // The next step goes to the next ready thread, c1: its first line.
    let after = step(&tmux, "c1's first log line", |screen| screen.contains("(c1        ) Starting consumer thread"));
    assert!(after.contains("Log 1 "), "{after}");
    assert_eq!(events_shown(&tmux.settled()), start + 2);

    tmux.keys(&["Space"]);
    tmux.wait_for("running", |screen| screen.contains("▶ LIVE") && !screen.contains("PAUSED"));
    tmux.keys(&["Space"]);
    tmux.wait_for("paused again", |screen| screen.contains("⏸ PAUSED") && !screen.contains("LIVE"));

    tmux.keys(&["q"]);
    assert_exited_and_restored(&tmux, 0);
}

#[test]
fn stepping_alone_runs_the_demo_to_its_end() {
    let tmux = paused_condition("step-to-end", 120, 40);
    let mut screen = tmux.settled();
    let mut steps = 0;
    while !screen.contains(" ENDED ") {
        steps += 1;
        assert!(steps <= 100, "still not ended after 100 steps:\n{screen}");
        let before = events_shown(&screen);
        screen = step(&tmux, &format!("step {steps}"), |now| events_shown(now) > before || now.contains(" ENDED "));
    }
    for thread in ["MainThread", "c1", "c2", "p"] {
        assert!(row(&screen, thread).contains("✓ DONE"), "{screen}");
    }
    assert!(screen.contains("(c2        ) Resource is available to consumer"), "{screen}");
    // At the end space runs the demo again, running, though it was stepped paused to the end.
    assert!(screen.contains("space:run again"), "{screen}");
    tmux.keys(&["Space"]);
    // Right after the restart the table is empty for a frame: wait for MainThread's row.
    tmux.wait_for("the demo running again", |screen| {
        let main = screen.lines().find(|line| line.starts_with('│') && line.contains(" MainThread "));
        screen.contains("▶ LIVE")
            && !screen.contains(" ENDED ")
            && main.is_some_and(|main| main.contains("RUNNING") || main.contains("SLEEPING"))
    });
    tmux.keys(&["q"]);
    assert_exited_and_restored(&tmux, 0);
}

#[test]
fn r_restarts_the_demo_from_its_start_keeping_pause_and_speed() {
    let tmux = paused_condition("restart", 120, 40);
    let start = events_shown(&tmux.settled());
    step(&tmux, "the first step", |screen| row(screen, "c1").contains("▷ READY"));
    step(&tmux, "the second step", |screen| screen.contains("(c1        ) Starting consumer thread"));
    tmux.keys(&["r"]);
    let screen = tmux.wait_for_with(
        "the demo from its start",
        |screen| events_shown(screen) == start && row(screen, "MainThread").contains("▷ READY"),
        |_| tmux.keys(&["x"]),
    );
    assert!(screen.contains("⏸ PAUSED  0.1x  t=0.0s"), "{screen}");
    assert!(row(&screen, "c1").contains("· NEW") && screen.contains("Log 0 "), "{screen}");
    tmux.keys(&["q"]);
    assert_exited_and_restored(&tmux, 0);
}

#[test]
fn the_help_and_notes_open_over_the_dashboard_and_escape_closes_them() {
    let tmux = paused_condition("overlays", 120, 40);
    tmux.keys(&["?"]);
    tmux.wait_for("the key help", |screen| screen.contains("Keys (esc closes)") && screen.contains("pause / resume"));
    tmux.keys(&["Escape"]);
    tmux.wait_for("the help closed", |screen| !screen.contains("Keys (esc closes)"));
    tmux.keys(&["l"]);
    tmux.wait_for("the lesson notes", |screen| screen.contains("Lesson notes"));
    tmux.keys(&["Escape"]);
    tmux.wait_for("the notes closed", |screen| !screen.contains("Lesson notes"));
    tmux.keys(&["q"]);
    assert_exited_and_restored(&tmux, 0);
}

#[test]
fn ctrl_c_quits_and_restores_the_terminal() {
    let tmux = paused_condition("ctrl-c", 120, 40);
    tmux.keys(&["C-c"]);
    assert_exited_and_restored(&tmux, 0);
}

#[test]
fn sigterm_quits_and_restores_the_terminal() {
    let tmux = paused_condition("sigterm", 120, 40);
    let pid = tmux.program_pid();
    let killed = Command::new("kill").args(["-TERM", &pid.to_string()]).status().expect("kill runs");
    assert!(killed.success());
    assert_exited_and_restored(&tmux, 0);
}

#[test]
fn q_quits_a_running_demo_too() {
    let tmux = Tmux::start("running", 120, 40, &demo_command("condition --speed 0.1"));
    tmux.wait_for("the running dashboard", |screen| screen.contains("▶ LIVE") && screen.contains(" c1 "));
    tmux.keys(&["q"]);
    assert_exited_and_restored(&tmux, 0);
}

#[test]
fn resizing_redraws_for_the_new_size_down_to_the_too_small_screen_and_back() {
    let tmux = paused_condition("resize", 120, 40);
    tmux.wait_for("the wide layout", |screen| screen.contains(" WAITS FOR ") && screen.contains("╭ Source"));

    tmux.resize(80, 24);
    let narrow = tmux.wait_for("the narrow layout", |screen| screen.contains("HOLDS / WAITS FOR"));
    assert_eq!(narrow.lines().count(), 24, "{narrow}");
    assert!(narrow.lines().all(|line| line.chars().count() <= 80), "{narrow}");

    tmux.resize(60, 15);
    let small = tmux.wait_for("the too-small screen", |screen| screen.contains("terminal too small: 60x15"));
    assert!(small.contains("needs at least 60x16"), "{small}");

    tmux.resize(120, 40);
    let wide = tmux.wait_for("the wide layout again", |screen| {
        screen.contains(" WAITS FOR ") && screen.contains("╭ Source") && !screen.contains("too small")
    });
    assert!(wide.contains("⏸ PAUSED"), "{wide}");
    tmux.keys(&["q"]);
    assert_exited_and_restored(&tmux, 0);
}

/// The SGR parameters of every `ESC [ ... m` sequence in `text`.
fn sgr_parameters(text: &str) -> Vec<u32> {
    let mut parameters = Vec::new();
    for sequence in text.split("\x1b[").skip(1) {
        let Some(end) = sequence.find(|c: char| !(c.is_ascii_digit() || c == ';')) else { continue };
        if sequence[end..].starts_with('m') {
            parameters.extend(sequence[..end].split(';').filter_map(|number| number.parse::<u32>().ok()));
        }
    }
    parameters
}

fn is_colour(parameter: u32) -> bool {
    matches!(parameter, 30..=38 | 40..=48 | 90..=97 | 100..=107)
}

#[test]
fn no_color_leaves_no_colour_on_screen_but_every_word() {
    let command = format!("NO_COLOR=1 {}", demo_command("condition --paused --speed 0.1"));
    let tmux = Tmux::start("no-color", 120, 40, &command);
    tmux.wait_for("the paused dashboard", |screen| screen.contains("⏸ PAUSED") && screen.contains(" MainThread "));
    tmux.settled();
    let escaped = tmux.screen_with_escapes();
    let colours: Vec<u32> = sgr_parameters(&escaped).into_iter().filter(|&p| is_colour(p)).collect();
    assert!(colours.is_empty(), "no colour with NO_COLOR, found SGR {colours:?}:\n{escaped:?}");
    let screen = tmux.screen();
    assert!(screen.contains("▷ READY") && screen.contains("· NEW"), "{screen}");
    tmux.keys(&["q"]);
    assert_exited_and_restored(&tmux, 0);

    // The same screen with colour on does use colour, so the check above can fail.
    let tmux = Tmux::start("color", 120, 40, &format!("env -u NO_COLOR {}", demo_command("condition --paused")));
    tmux.wait_for("the paused dashboard", |screen| screen.contains("⏸ PAUSED") && screen.contains(" MainThread "));
    tmux.settled();
    assert!(sgr_parameters(&tmux.screen_with_escapes()).into_iter().any(is_colour), "colour is on");
}

#[test]
fn the_deadlock_demo_shows_the_banner_and_pauses() {
    let tmux = Tmux::start("deadlock", 120, 40, &demo_command("deadlock"));
    let screen = tmux.wait_for("the deadlock banner", |screen| screen.contains("⚠ deadlock:"));
    assert!(
        screen.contains("Thread-1 holds lock-a and waits for lock-b, held by Thread-2, which waits for lock-a"),
        "the banner names the cycle:\n{screen}"
    );
    // The session pauses by itself so the lecturer can explain.
    let screen = tmux.wait_for("the automatic pause", |screen| screen.contains("⏸ PAUSED"));
    for thread in ["2 Thread-1", "3 Thread-2"] {
        assert!(row(&screen, thread).contains("■ BLOCKED"), "{screen}");
    }
    tmux.keys(&["w"]);
    tmux.wait_for("the wait-for view", |screen| screen.contains("Who waits for whom"));
    tmux.keys(&["q"]);
    assert_exited_and_restored(&tmux, 0);
}

#[test]
fn at_80x24_a_class_sees_the_threads_their_source_lines_the_primitives_and_the_step_keys() {
    let tmux = paused_condition("projector", 80, 24);
    let screen = tmux.settled();
    assert!(screen.contains("╭ Threads 1 alive / 4"), "{screen}");
    assert!(screen.contains("╭ Source demos/condition.rs following MainThread"), "{screen}");
    assert!(screen.lines().any(|line| line.contains(" ▶ ") && line.contains("◀ MainThread")), "{screen}");
    assert!(screen.contains("╭ Primitives"), "{screen}");
    assert!(screen.contains("n:step  enter:step selected  space:resume"), "{screen}");
    assert!(screen.contains("tab:timeline, source"), "{screen}");

    // Presenter mode: no log, the rest spaced out; p brings the dashboard back.
    tmux.keys(&["p"]);
    tmux.wait_for("presenter mode", |screen| screen.contains(" ╭ Threads") && !screen.contains("Log 0"));
    // Looked at once the frame is whole: a capture in the middle of the redraw still holds the
    // old status line below the new layout.
    let presenting = tmux.settled();
    assert!(presenting.lines().next().is_some_and(|line| line.trim().is_empty()), "{presenting}");
    assert!(presenting.contains("╭ Source") && presenting.contains("╭ Primitives"), "{presenting}");
    assert!(!presenting.contains("events"), "{presenting}");
    tmux.keys(&["p"]);
    tmux.wait_for("the dashboard again", |screen| screen.contains("Log 0") && screen.contains("events"));
    tmux.keys(&["q"]);
    assert_exited_and_restored(&tmux, 0);
}

#[test]
fn present_starts_the_demo_in_presenter_mode() {
    let tmux = Tmux::start("present", 80, 24, &demo_command("condition --paused --present"));
    let screen = tmux.wait_for("presenter mode", |screen| screen.contains(" ╭ Threads") && screen.contains("⏸ PAUSED"));
    assert!(!screen.contains("╭ Log") && !screen.contains("╭ Timeline"), "{screen}");
    tmux.keys(&["q"]);
    assert_exited_and_restored(&tmux, 0);
}

/// Sends `signal` (a name `kill` knows) to process `pid`.
fn kill(signal: &str, pid: u32) {
    let killed = Command::new("kill").args([&format!("-{signal}"), &pid.to_string()]).status().expect("kill runs");
    assert!(killed.success(), "kill -{signal} {pid}");
}

/// Checks that the stopped dashboard left the terminal to the shell: cooked, main screen,
/// cursor shown, no mouse reporting.
#[track_caller]
fn assert_given_back(tmux: &Tmux, pid: u32) {
    common::tmux::wait_for_state(pid, 'T');
    assert!(tmux.tty_is_cooked(), "raw mode is switched off while stopped");
    assert_eq!(tmux.display("#{alternate_on}"), "0", "the alternate screen is left");
    assert_eq!(tmux.display("#{cursor_flag}"), "1", "the cursor is shown again");
    assert_eq!(tmux.display("#{mouse_any_flag}"), "0", "mouse reporting is off");
    assert!(!tmux.screen().contains("╭ Threads"), "the dashboard is gone:\n{}", tmux.screen());
}

/// Continues the stopped dashboard and checks that it is drawn whole again and still obeys.
#[track_caller]
fn assert_taken_back(tmux: &Tmux, pid: u32) {
    kill("CONT", pid);
    tmux.wait_for("the dashboard redrawn", |screen| {
        screen.contains("╭ Threads") && screen.contains("⏸ PAUSED") && screen.contains(" MainThread ")
    });
    assert_eq!(tmux.display("#{alternate_on}"), "1", "the alternate screen again");
    assert!(!tmux.tty_is_cooked(), "raw mode again");
    assert_eq!(tmux.display("#{mouse_any_flag}"), "1", "mouse reporting again");
}

#[test]
fn sigtstp_gives_the_terminal_back_and_sigcont_takes_it_again() {
    let tmux = paused_condition("sigtstp", 120, 40);
    let pid = tmux.program_pid();
    kill("TSTP", pid);
    assert_given_back(&tmux, pid);
    assert_taken_back(&tmux, pid);
    // Twice, and the keys still work after it.
    kill("TSTP", pid);
    assert_given_back(&tmux, pid);
    assert_taken_back(&tmux, pid);
    tmux.keys(&["q"]);
    assert_exited_and_restored(&tmux, 0);
}

#[test]
fn ctrl_z_suspends_the_dashboard_too() {
    let tmux = paused_condition("ctrl-z", 120, 40);
    let pid = tmux.program_pid();
    tmux.keys(&["C-z"]);
    assert_given_back(&tmux, pid);
    assert_taken_back(&tmux, pid);
    tmux.keys(&["q"]);
    assert_exited_and_restored(&tmux, 0);
}

#[test]
fn sigquit_quits_and_restores_the_terminal() {
    let tmux = paused_condition("sigquit", 120, 40);
    kill("QUIT", tmux.program_pid());
    assert_exited_and_restored(&tmux, 0);
}
