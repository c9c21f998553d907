//! `threadviz explore PROGRAM.py` and `threadviz run --schedule S PROGRAM.py` on the real
//! interpreter: the lost update a bare CPython 3.10+ run never shows is found at bytecode
//! steps and replayed exactly, every time; with a lock, every interleaving (up to the bound)
//! loses nothing; the philosophers' deadlock is found with its cycle named, and ordered forks
//! have none. Also the lesson's premise, on the machine's own interpreter: bare, `balance += 1`
//! in a loop loses nothing on 3.10 and later, and loses on 3.9.
//!
//! `python3` (CPython 3.9 or newer) is required: without it these tests fail rather than pass
//! unseen (`.ci/run` installs it).
#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test at the line that broke")]

mod common;

use std::time::Duration;

/// Far longer than any run here needs.
const DEADLINE: Duration = Duration::from_mins(3);

const BANK: [&str; 5] = ["demos/python/bank.py", "--clerks", "2", "--deposits", "2"];

/// What `program ARGS` printed on stdout and how it exited.
fn run(program: &str, args: &[&str]) -> (String, Option<i32>) {
    common::stdout_of(program, args, DEADLINE)
}

fn threadviz(args: &[&str]) -> (String, Option<i32>) {
    run(env!("CARGO_BIN_EXE_threadviz"), args)
}

/// The `replay:` command of the report's first failure, as words.
fn replay_command(report: &str) -> Vec<String> {
    let line = report.lines().find_map(|line| line.trim().strip_prefix("replay: ")).unwrap_or_else(|| {
        panic!("the report gives no replay command:\n{report}");
    });
    line.split_whitespace().map(str::to_owned).collect()
}

/// The deposits a bank run says it lost.
fn lost(output: &str) -> u64 {
    let words: Vec<&str> = output.split_whitespace().collect();
    let at = words.iter().position(|&word| word == "deposits").unwrap_or_else(|| panic!("no count in {output:?}"));
    words[at - 1].parse().unwrap()
}

#[test]
fn bytecode_steps_find_the_lost_update_and_its_schedule_replays_it_every_time() {
    let mut args = vec!["explore", "--step", "bytecode", "--find", "lost-update", "--runs", "200"];
    args.extend_from_slice(&BANK);
    let (report, code) = threadviz(&args);
    assert_eq!(code, Some(0), "{report}");
    assert!(report.contains("lost update in 1 of"), "found in the first runs:\n{report}");
    assert!(report.contains("on balance: clerk-"), "the report names the variable and the clerks:\n{report}");
    let replay = replay_command(&report);
    assert_eq!(&replay[..4], ["threadviz", "run", "--step", "bytecode"], "{report}");
    assert_eq!(replay[replay.len() - 5..], BANK, "the program and its arguments: {report}");
    let replay: Vec<&str> = replay[1..].iter().map(String::as_str).collect();
    let (first, code) = threadviz(&replay);
    assert_eq!(code, Some(0));
    assert!(lost(&first) > 0, "the replayed run loses a deposit: {first:?}");
    for _ in 0..19 {
        assert_eq!(threadviz(&replay), (first.clone(), Some(0)), "the same schedule, the same run");
    }
}

#[test]
fn with_a_lock_no_interleaving_loses_a_deposit() {
    let mut args = vec!["explore", "--strategy", "dfs"];
    args.extend_from_slice(&BANK);
    args.push("--lock");
    let (report, code) = threadviz(&args);
    assert_eq!(code, Some(0), "{report}");
    assert!(
        report.contains("exhaustive: every order of the steps on locks"),
        "the search ran out of interleavings:\n{report}"
    );
    assert!(report.contains("no deadlock, no panic, no misuse, no lost update"), "{report}");
    assert!(report.contains("expected 4, balance 4: 0 deposits lost"), "every run printed the right total:\n{report}");
    assert!(!report.contains("balance 3"), "{report}");
}

/// Two threads append to one list, each under a lock of its own: the list is an object threadviz
/// is not told of, so the reduction, which sees two independent locks, never reorders the
/// appends, and says so; without it every order of the steps is run and both orders appear.
#[test]
fn what_the_reduction_cannot_see_it_says_and_no_reduce_reorders() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two_locks.py");
    std::fs::write(
        &path,
        "import threading\n\
         order = []\n\
         lock_a, lock_b = threading.Lock(), threading.Lock()\n\
         def put(lock, x):\n\
         \x20   with lock:\n\
         \x20       order.append(x)\n\
         ts = [threading.Thread(target=put, args=(lock_a, 'a')), threading.Thread(target=put, args=(lock_b, 'b'))]\n\
         for t in ts: t.start()\n\
         for t in ts: t.join()\n\
         print(''.join(order))\n",
    )
    .unwrap();
    let path = path.to_str().unwrap();
    let (reduced, code) = threadviz(&["explore", "--strategy", "dfs", path]);
    assert_eq!(code, Some(0), "{reduced}");
    assert!(
        reduced.contains("objects the threads share otherwise (a list both append to) are not seen"),
        "the reduced search says what it cannot see:\n{reduced}"
    );
    assert!(!reduced.contains("every interleaving explored"), "{reduced}");
    let (full, code) = threadviz(&["explore", "--strategy", "dfs", "--no-reduce", path]);
    assert_eq!(code, Some(0), "{full}");
    assert!(full.contains("exhaustive: all "), "{full}");
    for order in ["  ab │", "  ba │"] {
        assert!(full.contains(order), "every order of the steps gives both orders of the list:\n{full}");
    }
}

#[test]
fn the_philosophers_deadlock_is_found_and_ordered_forks_never_deadlock() {
    let (report, code) = threadviz(&["explore", "--find", "deadlock", "demos/python/philosophers.py"]);
    assert_eq!(code, Some(0), "{report}");
    assert!(
        report.contains("phil-0 holds forks[0] and waits for forks[1], held by phil-1"),
        "the cycle is named by the program's own names:\n{report}"
    );
    let replay = replay_command(&report);
    let replay: Vec<&str> = replay[1..].iter().map(String::as_str).collect();
    let (_, code) = threadviz(&replay);
    assert_eq!(code, Some(i32::from(threadviz::DEADLOCK_EXIT_CODE)), "the replay deadlocks too");
    let (report, code) = threadviz(&["explore", "--runs", "100", "demos/python/philosophers.py", "--ordered"]);
    assert_eq!(code, Some(0), "{report}");
    assert!(report.contains("100 completed"), "{report}");
    assert!(report.contains("everyone has eaten │"), "{report}");
}

/// Every CPython from 3.9 that pyenv lists, and python3.
fn pythons() -> Vec<(String, (u32, u32))> {
    let root = std::env::var("PYENV_ROOT").unwrap_or_else(|_| "/root/.pyenv".to_owned());
    let mut found: Vec<String> = vec!["python3".to_owned()];
    if let Ok(entries) = std::fs::read_dir(format!("{root}/versions")) {
        for entry in entries.flatten() {
            let python = entry.path().join("bin/python3");
            if python.exists() {
                found.push(python.display().to_string());
            }
        }
    }
    found
        .into_iter()
        .filter_map(|python| {
            let (text, code) = run(&python, &["-c", "import sys; print(sys.version_info[0], sys.version_info[1])"]);
            let mut numbers = text.split_whitespace().filter_map(|word| word.parse().ok());
            let version = (numbers.next()?, numbers.next()?);
            (code == Some(0) && version >= (3, 9)).then_some((python, version))
        })
        .collect()
}

#[test]
fn bare_cpython_310_and_later_lose_nothing_that_39_loses() {
    let pythons = pythons();
    assert!(!pythons.is_empty(), "no CPython 3.9 or later found");
    for (python, version) in pythons {
        // Four clerks, a million deposits each: on 3.9 a switch (every 5 ms) can fall between
        // the load and the store, and each clerk runs for many switches (with fewer deposits
        // a clerk may finish within its first slice and lose nothing); from 3.10 the
        // interpreter switches only at calls and backward jumps.
        let (output, code) = run(&python, &["demos/python/bank.py", "--deposits", "1000000"]);
        assert_eq!(code, Some(0), "{python}: {output}");
        if version >= (3, 10) {
            assert_eq!(lost(&output), 0, "{python} {version:?}: {output}");
        } else {
            assert!(lost(&output) > 0, "{python} {version:?} loses deposits bare: {output}");
        }
    }
}

#[test]
fn a_program_that_fails_every_run_is_said_to_fail_not_to_pass() {
    // An option bank.py does not know: argparse exits 2 before any thread starts.
    let (report, code) = threadviz(&["explore", "--runs", "3", "demos/python/bank.py", "--no-such-option"]);
    assert_eq!(code, Some(0), "{report}");
    assert!(report.contains("runs ended: 3 completed\n  the program exited with status 2 in 3 runs"), "{report}");
}

#[test]
fn every_word_after_the_program_is_the_programs_even_one_explore_knows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("words.py");
    std::fs::write(&path, "import sys\nprint(sys.argv[1:])\n").unwrap();
    let path = path.to_str().unwrap();
    let (report, code) = threadviz(&["explore", "--runs", "2", path, "--runs", "4", "--seed"]);
    assert_eq!(code, Some(0), "{report}");
    assert!(report.contains(" 2 runs of random"), "explore's own --runs is 2: {report}");
    assert!(report.contains("['--runs', '4', '--seed']"), "the program's words reach it: {report}");
}

/// The interpreters whose command line names `path`.
fn interpreters_running(path: &std::path::Path) -> Vec<u32> {
    let needle = path.to_str().unwrap().as_bytes().to_vec();
    common::pythons_where(|command, _| common::holds(command, &needle))
}

/// A program of this test's own, in a folder of its own, so that the interpreters it finds
/// are its own (the tests of this file run side by side).
fn own_program(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(
        &path,
        "import threading, time\n\
         count = 0\n\
         def work():\n\
         \x20   global count\n\
         \x20   for _ in range(3):\n\
         \x20       count += 1\n\
         \x20       time.sleep(0.001)\n\
         threads = [threading.Thread(target=work) for _ in range(2)]\n\
         for t in threads:\n\
         \x20   t.start()\n\
         for t in threads:\n\
         \x20   t.join()\n\
         print('count', count)\n",
    )
    .unwrap();
    (dir, path)
}

#[test]
fn no_interpreter_outlives_an_exploration_finished_or_killed() {
    // Finished: the fork server, the run that serves the later ones from its first thread's
    // start, and the process waiting for the next run all end with it.
    let (_dir, program) = own_program("finished.py");
    let (report, code) = threadviz(&["explore", "--runs", "40", "--step", "bytecode", program.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{report}");
    assert!(report.contains("40 completed"), "{report}");
    common::assert_none_left(|| interpreters_running(&program));
    // Killed mid-exploration (SIGKILL: threadviz can do nothing): they end all the same.
    let (_dir, program) = own_program("killed.py");
    let mut explore = std::process::Command::new(env!("CARGO_BIN_EXE_threadviz"))
        .args(["explore", "--runs", "100000", "--no-shrink", "--step", "bytecode", program.to_str().unwrap()])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + DEADLINE;
    while interpreters_running(&program).len() < 3 {
        assert!(std::time::Instant::now() < deadline, "the exploration never got under way");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    explore.kill().unwrap();
    explore.wait().unwrap();
    common::assert_none_left(|| interpreters_running(&program));
}

/// A program whose second thread reads a pipe nobody writes: it waits outside threading's
/// primitives, asleep in the kernel.
fn stuck_program() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stuck.py");
    std::fs::write(
        &path,
        "import os, threading\n\
         r, w = os.pipe()\n\
         def reader():\n\
         \x20   os.read(r, 1)\n\
         t = threading.Thread(target=reader)\n\
         t.start()\n\
         t.join()\n",
    )
    .unwrap();
    (dir, path)
}

#[test]
fn a_thread_asleep_outside_the_hook_is_said_to_be_stuck_in_a_second_not_ten_and_never_passes() {
    let (_dir, program) = stuck_program();
    let began = std::time::Instant::now();
    let (report, code) = threadviz(&["explore", "--runs", "3", program.to_str().unwrap()]);
    let took = began.elapsed();
    assert_eq!(code, Some(0), "explore ran, whatever it found: {report}");
    assert!(report.contains("stuck outside threadviz"), "{report}");
    assert!(report.contains("thread 1 did not come back to threadviz"), "the thread whose step it was: {report}");
    assert!(
        report.contains("in the 0 runs that ran to the end"),
        "no pass claimed for a run that did not end: {report}"
    );
    // The verdict comes after about one second of silence (ten before); generous for a busy
    // machine, and still well under the ten the patience allows a thread that computes.
    assert!(took < Duration::from_secs(8), "said after {took:?}");
    common::assert_none_left(|| interpreters_running(&program));
    let replayed = common::output_of(
        env!("CARGO_BIN_EXE_threadviz"),
        &["run", "--schedule", "_*", program.to_str().unwrap()],
        DEADLINE,
    );
    let said = replayed.stderr;
    assert_eq!(replayed.code, Some(1), "{said}");
    assert!(said.contains("waits outside the hook's primitives"), "{said}");
    common::assert_none_left(|| interpreters_running(&program));
}
