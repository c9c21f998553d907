//! `threadviz run` on real Python programs, the real binary on the real interpreter: the same
//! output and exit status as a bare `python3` in `--plain`, a deadlock stopped with exit 3, a
//! recording that carries the program's source and places every event at the program's own
//! lines, the bad inputs refused with one line and exit 2, and in a real terminal (tmux) the
//! dashboard showing the Python threads, stepping them, and leaving no interpreter behind on
//! `q`, Ctrl-C and SIGTERM.
//!
//! `python3` (CPython 3.9 or newer) and tmux are required: without them these tests fail
//! rather than pass unseen (`.ci/run` installs both).
#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test at the line that broke")]
#![allow(clippy::doc_markdown, reason = "the docs name Python's threads, calls and outputs in prose")]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::Ran;
use common::tmux::Tmux;
use threadviz::event::{EventKind, PrimInfo};

/// Far longer than any run here needs.
const DEADLINE: Duration = Duration::from_mins(2);

/// Runs `program` with `args` in the repository's folder, stdin empty and output captured.
fn run(program: &str, args: &[&str]) -> Ran {
    common::output_of(program, args, DEADLINE)
}

fn threadviz(args: &[&str]) -> Ran {
    run(env!("CARGO_BIN_EXE_threadviz"), args)
}

fn python(args: &[&str]) -> Ran {
    run("python3", args)
}

/// A program of the test's own, written to a temporary file.
fn program(name: &str, text: &str) -> PathBuf {
    let folder = std::env::temp_dir().join(format!("threadviz-run-test-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `args` bare and under `threadviz run --plain`; the two must be the same.
#[track_caller]
fn same_as_bare(args: &[&str]) -> Ran {
    let bare = python(args);
    let mut watched_args = vec!["run", "--plain"];
    watched_args.extend_from_slice(args);
    let watched = threadviz(&watched_args);
    assert_eq!(watched, bare, "`threadviz run --plain {}` differs from `python3 {}`", args.join(" "), args.join(" "));
    watched
}

#[test]
fn the_examples_print_and_exit_as_they_do_bare() {
    let bank = same_as_bare(&["demos/python/bank.py", "--lock"]);
    assert_eq!(bank.stdout, "expected 100, balance 100: 0 deposits lost\n");
    // Its threads take turns as the OS schedules them: the same lines, in an order of their own.
    let bare = python(&["demos/python/bounded_buffer.py"]);
    let watched = threadviz(&["run", "--plain", "demos/python/bounded_buffer.py"]);
    // Which consumer gets an item, and how full the buffer was, is the schedule's business;
    // every item is put once and got once, whoever runs.
    let sorted = |text: &str| {
        let mut items: Vec<String> = text
            .lines()
            .map(|line| line.split(" (").next().unwrap_or(line))
            .map(|line| line.replace("consumer-1 ", "").replace("consumer-2 ", ""))
            .collect();
        items.sort();
        items
    };
    assert_eq!(sorted(&watched.stdout), sorted(&bare.stdout));
    assert_eq!((watched.code, watched.stderr.as_str()), (Some(0), ""));
    assert!(watched.stdout.ends_with("buffer empty: True\n"), "{}", watched.stdout);
    let pool = same_as_bare(&["demos/python/pool.py"]);
    assert!(pool.stdout.ends_with("8 pages, 48036 bytes\n"), "{}", pool.stdout);
}

#[test]
fn exit_status_exceptions_and_tracebacks_are_the_programs() {
    let exits = program("exits.py", "import sys\nprint('bye')\nsys.exit(3)\n");
    assert_eq!(same_as_bare(&[exits.to_str().unwrap()]).code, Some(3));
    let raises = program(
        "raises.py",
        "import threading\n\ndef work():\n    raise ValueError('in a thread')\n\n\
         t = threading.Thread(target=work)\nt.start()\nt.join()\nprint('main goes on')\n\
         raise KeyError('main')\n",
    );
    let failed = same_as_bare(&[raises.to_str().unwrap()]);
    assert_eq!(failed.code, Some(1));
    assert!(failed.stderr.contains("ValueError: in a thread"), "{}", failed.stderr);
    assert!(failed.stderr.contains("KeyError: 'main'"), "{}", failed.stderr);
    for hook in ["threadviz_hook", "runpy", "<string>"] {
        assert!(!failed.stderr.contains(hook), "no frame of the hook in a traceback:\n{}", failed.stderr);
    }
    let args = program("args.py", "import sys\nprint(sys.argv)\n");
    same_as_bare(&[args.to_str().unwrap(), "--plain", "-m", "x y"]);
}

#[test]
fn a_module_runs_as_python_dash_m_runs_it() {
    let ran = same_as_bare(&["-m", "json.tool", "--help"]);
    assert_eq!(ran.code, Some(0));
}

#[test]
fn a_deadlock_is_reported_on_stderr_and_ends_the_run_with_exit_3() {
    let ran = threadviz(&["run", "--plain", "demos/python/philosophers.py"]);
    assert_eq!(ran.code, Some(3), "{ran:?}");
    assert!(ran.stdout.contains("philosopher 0 thinks"), "the program's own output:\n{}", ran.stdout);
    let ours: Vec<&str> = ran.stderr.lines().filter(|line| line.starts_with("threadviz: ")).collect();
    assert_eq!(ours.len(), ran.stderr.lines().count(), "threadviz's lines start `threadviz:`:\n{}", ran.stderr);
    assert!(ours[0].starts_with("threadviz: deadlock:"), "{}", ran.stderr);
    assert!(ours[0].contains("phil-0") && ours[0].contains("forks["), "named as the program names them: {}", ours[0]);
    assert!(ran.stderr.contains("stopped (exit status 3)"), "{}", ran.stderr);
}

#[test]
fn a_recording_holds_the_source_and_every_event_at_the_programs_own_lines() {
    let folder = std::env::temp_dir().join(format!("threadviz-run-rec-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let recording = folder.join("buffer.tvr");
    let ran = threadviz(&["run", "--plain", "--record", recording.to_str().unwrap(), "demos/python/bounded_buffer.py"]);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    let events = threadviz::record::read(&recording).unwrap().events;
    let source = events.iter().find_map(|event| match &event.kind {
        EventKind::Source { path, text } => Some((path.clone(), text.clone())),
        _ => None,
    });
    let (path, text) = source.expect("the program's source is in the recording");
    assert!(path.ends_with("bounded_buffer.py"), "{path}");
    assert!(text.contains("cond.wait_for"), "its text");
    for event in &events {
        if let Some(loc) = &event.loc {
            assert!(loc.file.ends_with("bounded_buffer.py"), "{event:?} is placed outside the program");
        }
    }
    let names: Vec<(&str, &PrimInfo)> = events
        .iter()
        .filter_map(|event| match &event.kind {
            EventKind::PrimCreated { name, info, .. } => Some((name.as_str(), info)),
            _ => None,
        })
        .collect();
    assert!(
        names.iter().any(|(name, info)| *name == "cond" && matches!(info, PrimInfo::Condition { .. })),
        "{names:?}"
    );
    let notifies = events.iter().filter(|event| matches!(event.kind, EventKind::Notified { .. })).count();
    assert_eq!(notifies, 24, "one notify_all per put and per get");
    assert!(matches!(events.last().map(|event| &event.kind), Some(EventKind::SessionEnded)), "the run's end");
    // Shown from the recording alone, on any machine: the export renders the Python source.
    let cast = folder.join("buffer.cast");
    let exported =
        threadviz(&["export", recording.to_str().unwrap(), "--format", "asciicast", "-o", cast.to_str().unwrap()]);
    assert_eq!(exported.code, Some(0), "{exported:?}");
    assert!(std::fs::read_to_string(&cast).unwrap().contains("cond.wait_for"), "the source panel shows Python");
}

#[test]
fn an_interpreter_that_dies_mid_run_leaves_a_recording_that_says_its_end_is_missing() {
    let folder = std::env::temp_dir().join(format!("threadviz-run-died-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let recording = folder.join("died.tvr");
    let dies = program(
        "dies.py",
        // The sleep lets the hook send what it holds: nothing can send it after a SIGKILL.
        "import os, signal, threading, time\nlock = threading.Lock()\nwith lock:\n    print('held', flush=True)\ntime.sleep(0.2)\nos.kill(os.getpid(), signal.SIGKILL)\n",
    );
    let ran = threadviz(&["run", "--plain", "--record", recording.to_str().unwrap(), dies.to_str().unwrap()]);
    assert_eq!(ran.code, Some(128 + 9), "{ran:?}");
    assert_eq!(ran.stdout, "held\n");
    assert!(ran.stderr.contains("the run's end is missing"), "{}", ran.stderr);
    assert!(ran.stderr.contains("(the run was cut short)"), "the recording's summary says so: {}", ran.stderr);
    let read = threadviz::record::read(&recording).unwrap();
    assert!(!read.ended(), "no session end in the file");
    assert!(read.events.iter().any(|event| matches!(event.kind, EventKind::Acquired { .. })), "what happened is kept");
    let jsonl = folder.join("died.jsonl");
    let exported =
        threadviz(&["export", recording.to_str().unwrap(), "--format", "jsonl", "-o", jsonl.to_str().unwrap()]);
    assert_eq!(exported.code, Some(0), "{exported:?}");
    assert!(exported.stderr.contains("the run's end is missing: the recording stops after"), "{}", exported.stderr);
    assert_eq!(
        exported.stderr.lines().count(),
        2,
        "one warning, one line saying what was written: {}",
        exported.stderr
    );
}

#[test]
fn bad_input_gets_one_line_and_exit_2() {
    let folder = std::env::temp_dir().join(format!("threadviz-run-bad-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let old = folder.join("python3.8");
    // Like a real 3.8: the bootstrap refuses it, and asked, it says what it is.
    std::fs::write(&old, "#!/bin/sh\nif [ \"$1\" = -E ]; then echo cpython; echo 3.8.18; else exit 97; fi\n").unwrap();
    let mut permissions = std::fs::metadata(&old).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&old, permissions).unwrap();
    let hello = program("hello.py", "print('hello')\n");
    let cases: [(Vec<&str>, &str); 5] = [
        (vec!["run", "no-such-program.py"], "cannot open no-such-program.py: no such file"),
        (vec!["run", "demos"], "demos is a directory"),
        (vec!["run", "--python", "no-such-python", hello.to_str().unwrap()], "no Python interpreter `no-such-python`"),
        (
            vec!["run", "--python", old.to_str().unwrap(), hello.to_str().unwrap()],
            "is Python 3.8.18; threadviz run needs CPython 3.9",
        ),
        (vec!["run", "--speed", "99", hello.to_str().unwrap()], "speed must be between"),
    ];
    for (args, words) in cases {
        let ran = threadviz(&args);
        assert_eq!(ran.code, Some(2), "{args:?}: {ran:?}");
        assert!(ran.stderr.contains(words), "{args:?} says {words:?}: {}", ran.stderr);
        assert!(ran.stdout.is_empty(), "{args:?}");
    }
    let syntax = program("syntax.py", "def broken(:\n");
    let ran = same_as_bare(&[syntax.to_str().unwrap()]);
    assert_eq!(ran.code, Some(1), "a program's own error keeps its status");
    assert!(ran.stderr.contains("SyntaxError"), "{}", ran.stderr);
}

/// The interpreters whose command line names `path`.
fn interpreters_running(path: &Path) -> Vec<u32> {
    let needle = path.to_str().unwrap().as_bytes().to_vec();
    common::pythons_where(|command, _| common::holds(command, &needle))
}

#[track_caller]
fn assert_no_interpreter_left(path: &Path) {
    common::assert_none_left(|| interpreters_running(path));
}

/// The shell line that runs `threadviz run ARGS`, then says how it ended.
fn run_command(args: &str) -> String {
    let binary = env!("CARGO_BIN_EXE_threadviz");
    format!(
        "cd '{}' && '{binary}' run {args}; echo EXITED $?; \
         if stty -a | grep -q -- -icanon; then echo TTY RAW; else echo TTY COOKED; fi; sleep 600",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// A program that runs until it is stopped: two workers on one lock.
fn forever() -> PathBuf {
    program(
        "forever.py",
        "import threading, time\n\nlock = threading.Lock()\n\ndef work():\n    while True:\n        \
         with lock:\n            time.sleep(0.05)\n\nfor n in range(2):\n    \
         threading.Thread(target=work, name=f'worker-{n}').start()\n",
    )
}

#[test]
fn the_dashboard_shows_the_philosophers_deadlock_with_their_forks() {
    let tmux = Tmux::start("run-philosophers", 120, 40, &run_command("demos/python/philosophers.py"));
    let screen = tmux.wait_for("the deadlock banner", |screen| screen.contains("⚠ deadlock:"));
    assert!(screen.contains("phil-0 holds forks[0] and waits for forks[1], held by phil-1"), "{screen}");
    tmux.wait_for("the automatic pause", |screen| screen.contains("⏸ PAUSED"));
    for seat in 0..5 {
        assert!(screen.contains(&format!(" phil-{seat} ")), "a row per philosopher:\n{screen}");
    }
    assert!(screen.contains("forks["), "the forks named as the program names them:\n{screen}");
    assert!(screen.contains("with forks[right]:"), "the Python source:\n{screen}");
    tmux.keys(&["q"]);
    tmux.wait_for("the exit", |screen| screen.contains("EXITED 0"));
    assert_no_interpreter_left(Path::new("demos/python/philosophers.py"));
}

#[test]
fn paused_it_steps_one_operation_at_a_time() {
    let tmux = Tmux::start("run-step", 120, 40, &run_command("--paused demos/python/bounded_buffer.py"));
    tmux.wait_for("the paused dashboard", |screen| screen.contains("PAUSED") && screen.contains(" MainThread "));
    tmux.keys(&["n"]);
    tmux.wait_for("the first thread created", |screen| screen.contains(" producer-a "));
    tmux.keys(&["Space"]);
    tmux.wait_for("the run's end", |screen| screen.contains("ended: exit status 0"));
    tmux.keys(&["q"]);
    tmux.wait_for("the exit", |screen| screen.contains("EXITED 0"));
}

#[test]
fn no_interpreter_outlives_q_ctrl_c_or_sigterm() {
    let path = forever();
    for (test, keys) in [("run-q", Some("q")), ("run-ctrl-c", Some("C-c")), ("run-sigterm", None)] {
        let tmux = Tmux::start(test, 100, 30, &run_command(path.to_str().unwrap()));
        tmux.wait_for("the workers", |screen| screen.contains(" worker-1 "));
        assert!(!interpreters_running(&path).is_empty(), "the interpreter runs");
        if let Some(key) = keys {
            tmux.keys(&[key]);
        } else {
            let pid = tmux.program_pid();
            Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
        }
        tmux.wait_for("the exit", |screen| screen.contains("EXITED "));
        common::tmux::assert_exited_and_restored(&tmux, 0);
        assert_no_interpreter_left(&path);
    }
}

#[test]
fn stdin_in_the_dashboard_is_empty_and_the_log_says_what_the_program_printed() {
    let asks = program(
        "asks.py",
        "import threading\ntry:\n    input('name? ')\nexcept EOFError:\n    print('no input in the dashboard')\n",
    );
    let tmux = Tmux::start("run-stdin", 100, 30, &run_command(asks.to_str().unwrap()));
    tmux.wait_for("the program's line in the log", |screen| screen.contains("no input in the dashboard"));
    tmux.keys(&["q"]);
    tmux.wait_for("the exit", |screen| screen.contains("EXITED "));
}
