//! Exploring interleavings through the library: strategies, reports, failures and replays.

use std::time::Duration;

use threadviz::explore::{self, Explorer, FailureKind, Strategy};
use threadviz::sync::{Lock, Shared};
use threadviz::thread;

/// Two threads each add one to `counter` with a separate load and store, unlocked; the counter.
fn add_one_twice() -> Shared<u32> {
    let counter = Shared::named("counter", 0);
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let counter = counter.clone();
            thread::spawn(move || {
                let seen = counter.load();
                counter.store(seen + 1);
            })
        })
        .collect();
    for worker in workers {
        worker.join();
    }
    counter
}

fn unlocked_increments() {
    add_one_twice();
}

#[test]
fn exhaustive_dfs_of_two_unlocked_increments_finds_exactly_one_and_two() {
    let report = Explorer::new()
        .strategy(Strategy::Dfs { preemptions: usize::MAX })
        .runs(100_000)
        .check(unlocked_increments)
        .expect("no panic, no deadlock");
    assert!(report.is_exhaustive(), "{report}");
    let finals: Vec<&str> = report.final_values("counter").expect("counter").keys().map(String::as_str).collect();
    assert_eq!(finals, ["1", "2"], "{report}");
    assert!(report.runs_with(FailureKind::LostUpdate) > 0);
    println!("{report}");
}

/// `threadviz explore` with these options, as the command line parses them.
fn explore_demo(args: &[&str]) -> explore::Report {
    use clap::Parser;
    let cli = threadviz::dashboard::cli::Cli::try_parse_from(["threadviz", "explore"].iter().chain(args))
        .expect("valid options");
    let threadviz::dashboard::cli::Command::Explore(options) = cli.command else { panic!("explore") };
    threadviz::dashboard::cli::explore::report(&options, &mut |_| {}).expect("a demo")
}

/// The report without the figures that depend on the machine (time, runs a second).
fn steady(report: &explore::Report) -> Vec<String> {
    report.to_string().lines().skip(1).map(str::to_owned).collect()
}

#[test]
fn the_same_seed_gives_the_same_report_and_another_seed_another() {
    let args = ["race", "--param", "threads=2", "--param", "items=2", "--runs", "60"];
    let first = explore_demo(&[&args[..], &["--seed", "5"]].concat());
    let again = explore_demo(&[&args[..], &["--seed", "5"]].concat());
    assert_eq!(steady(&first), steady(&again));
    assert_eq!(first.runs(), 60);
    let other = explore_demo(&[&args[..], &["--seed", "6"]].concat());
    assert_ne!(steady(&first), steady(&other));
}

#[test]
fn race_has_several_outcomes_and_a_lost_update_whose_schedule_replays_exactly() {
    let report = explore_demo(&["race", "--param", "threads=2", "--param", "items=2", "--runs", "200"]);
    let finals = report.final_values("counter").expect("the counter's final values");
    assert!(finals.len() >= 2, "{report}");
    assert!(report.runs_with(FailureKind::LostUpdate) > 0, "{report}");
    assert!(report.interleavings() > 100, "{report}");
    let schedule = report.first_schedule(FailureKind::LostUpdate).expect("a lost update's schedule");
    // Replayed through the command line: the same final value, below the expected 4, every time.
    let finals: Vec<String> = (0..3)
        .map(|_| {
            let output = std::process::Command::new(env!("CARGO_BIN_EXE_threadviz"))
                .args(["demo", "race", "--param", "threads=2", "--param", "items=2", "--plain", "--schedule", schedule])
                .output()
                .expect("the binary runs");
            assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
            let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
            let line = stdout.lines().find(|line| line.contains("Final counter")).expect("the final line").to_owned();
            assert!(stdout.contains("lost update"), "{stdout}");
            line
        })
        .collect();
    assert!(finals.iter().all(|line| *line == finals[0]), "{finals:?}");
    let value: u32 = finals[0].rsplit(' ').next().and_then(|value| value.parse().ok()).expect("a number");
    assert!(value < 4, "{}", finals[0]);
}

#[test]
fn lock_explored_loses_no_update() {
    let report = explore_demo(&["lock", "--runs", "150"]);
    assert_eq!(report.runs_with(FailureKind::LostUpdate), 0, "{report}");
    assert_eq!(report.runs(), 150);
    assert!(report.interleavings() > 1, "{report}");
}

#[test]
fn deadlock_explored_finds_the_deadlock_and_stops_there() {
    let report = explore_demo(&["deadlock", "--find", "deadlock", "--runs", "500"]);
    assert_eq!(report.runs_with(FailureKind::Deadlock), 1, "{report}");
    let text = report.to_string();
    assert!(text.contains("holds lock-a and waits for lock-b"), "{text}");
    assert!(text.contains("replay: threadviz demo deadlock --schedule "), "{text}");
}

/// A bug that needs one thread to run to its end before another takes a single step.
fn late_reader() {
    let progress = Shared::named("progress", 0);
    let writer = {
        let progress = progress.clone();
        thread::spawn(move || {
            for step in 1..=30 {
                progress.store(step);
            }
        })
    };
    let reader = thread::spawn(move || {
        assert!(progress.load() < 30, "the reader ran only after the writer had finished");
    });
    writer.join();
    reader.join();
}

#[test]
fn pct_finds_a_deep_ordering_that_random_choices_miss_and_replay_reproduces_it() {
    let random = Explorer::new().strategy(Strategy::Random).runs(300).seed(1).check(late_reader);
    assert!(random.is_ok(), "random choices should almost never run 30 writes before one read");
    let failure = Explorer::new()
        .strategy(Strategy::Pct { depth: 1 })
        .runs(300)
        .seed(1)
        .check(late_reader)
        .expect_err("PCT runs the writer first in about half its runs");
    assert_eq!(failure.kind().finding(), Some(FailureKind::Panic));
    assert!(failure.to_string().contains("the reader ran only after the writer had finished"), "{failure}");
    assert!(failure.to_string().contains("replay: threadviz::explore::replay("), "{failure}");
    for _ in 0..3 {
        let again = explore::replay(failure.schedule(), late_reader).expect_err("the same failure");
        assert_eq!(again.message(), failure.message());
    }
}

#[test]
fn a_deadlock_is_a_failure_with_its_cycle() {
    let failure = Explorer::new()
        .strategy(Strategy::Dfs { preemptions: 2 })
        .check(|| {
            let (a, b) = (Lock::named("a"), Lock::named("b"));
            let other = {
                let (a, b) = (a.clone(), b.clone());
                thread::spawn(move || {
                    let _b = b.hold();
                    let _a = a.hold();
                })
            };
            {
                let _a = a.hold();
                let _b = b.hold();
            }
            other.join();
        })
        .expect_err("the two orders deadlock");
    assert_eq!(failure.kind().finding(), Some(FailureKind::Deadlock));
    assert!(failure.message().contains("waits for"), "{failure}");
}

#[test]
fn a_schedule_that_does_not_fit_says_at_which_step() {
    let misfit = explore::replay("1.9.9", unlocked_increments).expect_err("thread 9 never exists");
    assert_eq!(misfit.kind().finding(), None);
    assert!(misfit.message().contains("thread 9, which cannot move then"), "{misfit}");
    assert!(misfit.message().contains("another version of the program"), "{misfit}");
    let short = explore::replay("1", unlocked_increments).expect_err("the schedule ends too soon");
    assert!(short.message().contains("the schedule ends after 1 choice,"), "{short}");
    let unreadable = explore::replay("1.x", unlocked_increments).expect_err("not a schedule");
    assert!(unreadable.message().contains("is not a schedule step"), "{unreadable}");
}

#[test]
fn sleeps_and_timeouts_never_wait_for_the_wall_clock() {
    let started = std::time::Instant::now();
    let report = Explorer::new()
        .runs(20)
        .check(|| {
            let lock = Lock::new();
            let holder = {
                let lock = lock.clone();
                thread::spawn(move || {
                    let _held = lock.hold();
                    thread::sleep(Duration::from_hours(1));
                })
            };
            // Either the holder got there first and this times out after a demo-time hour, or
            // this got the lock first.
            if lock.acquire_timeout(Duration::from_hours(2)) {
                lock.release().expect("held");
            }
            holder.join();
        })
        .unwrap_or_else(|failure| panic!("{failure}"));
    assert_eq!(report.runs(), 20);
    assert!(started.elapsed() < Duration::from_mins(1), "hours of demo time took {:?}", started.elapsed());
}

/// The README's example: the same program, which checks its counter at the end.
fn two_increments() {
    let counter = add_one_twice();
    assert_eq!(counter.load(), 2, "an update was lost");
}

#[test]
fn the_readme_example_fails_as_the_readme_says() {
    let failure = Explorer::new()
        .strategy(Strategy::Dfs { preemptions: 2 })
        .check(two_increments)
        .expect_err("the lost update is found");
    let readme = include_str!("../README.md");
    for line in failure.to_string().lines() {
        assert!(readme.contains(&format!("// {line}")), "the README shows `{line}`:\n{failure}");
    }
    assert!(explore::replay(failure.schedule(), two_increments).is_err());
}

/// Starts `threadviz explore race` with far more runs than a test waits for, sends `signal`
/// after a second, and returns its exit code and stdout.
fn interrupted_explore(signal: nix::sys::signal::Signal) -> (Option<i32>, String) {
    use std::io::Read as _;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_threadviz"))
        .args(["explore", "race", "--runs", "10000000"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("threadviz starts");
    std::thread::sleep(Duration::from_secs(1));
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("a pid"));
    nix::sys::signal::kill(pid, signal).expect("the signal is sent");
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().expect("waits") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("explore did not stop after {signal}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut stdout = String::new();
    child.stdout.take().expect("stdout").read_to_string(&mut stdout).expect("stdout is read");
    (status.code(), stdout)
}

#[test]
fn an_interrupted_explore_prints_the_report_of_the_runs_done() {
    use nix::sys::signal::Signal;
    for (signal, code) in [(Signal::SIGINT, 130), (Signal::SIGTERM, 143)] {
        let (status, stdout) = interrupted_explore(signal);
        assert_eq!(status, Some(code), "{signal}: {stdout}");
        let first = stdout.lines().next().unwrap_or_default();
        assert!(first.starts_with("explored race: "), "{stdout}");
        // As printed: 2,875 past a thousand.
        let printed = first["explored race: ".len()..].split_whitespace().next().unwrap_or_default();
        let runs: usize = printed.replace(',', "").parse().expect("a number of runs");
        assert!(runs >= 1, "{stdout}");
        assert!(stdout.contains(&format!("stopped after {printed} run")), "{stdout}");
        assert!(stdout.contains("lost update"), "the partial report: {stdout}");
    }
}

/// Every demo and kind of failure `threadviz explore` finds, with the runs it takes to find it.
const FAILING_DEMOS: [(&str, FailureKind, &str); 8] = [
    ("race", FailureKind::LostUpdate, "20"),
    ("flag-lock", FailureKind::LostUpdate, "60"),
    ("deadlock", FailureKind::Deadlock, "20"),
    ("self-deadlock", FailureKind::Deadlock, "5"),
    ("condition", FailureKind::Deadlock, "60"),
    ("lost-wakeup", FailureKind::Deadlock, "100"),
    ("bounded-semaphore", FailureKind::Misuse, "5"),
    ("rlock-owner", FailureKind::Misuse, "5"),
];

/// Runs `threadviz demo NAME --plain --schedule S`: its exit status, stdout and stderr.
fn replay_demo(name: &str, schedule: &str) -> (Option<i32>, String, String) {
    replay_demo_with(name, &[], schedule)
}

/// [`replay_demo`] with more options (a demo's `--param`s).
fn replay_demo_with(name: &str, options: &[&str], schedule: &str) -> (Option<i32>, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_threadviz"))
        .args(["demo", name, "--plain", "--schedule", schedule])
        .args(options)
        .output()
        .expect("the binary runs");
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status.code(), text(&output.stdout), text(&output.stderr))
}

#[test]
fn every_failure_explore_finds_in_a_demo_is_shrunk_to_a_schedule_that_replays_it() {
    for (name, kind, runs) in FAILING_DEMOS {
        let report = explore_demo(&[name, "--runs", runs]);
        let text = report.to_string();
        let failure = report.failure(kind).unwrap_or_else(|| panic!("{name}: a {kind}\n{text}"));
        assert!(
            text.contains(" shrunk in ") || text.contains(" is as short as shrinking makes it ("),
            "{name}: the report says what shrinking did\n{text}"
        );
        assert!(text.contains(&format!("  schedule: {}\n", failure.schedule())), "{name}\n{text}");
        let entries = if failure.schedule() == "none" { 0 } else { failure.schedule().split('.').count() };
        let found = report.first_schedule(kind).expect("the schedule as found");
        let found_entries = if found == "none" { 0 } else { found.split('.').count() };
        assert!(entries <= found_entries, "{name}: {} from {found}", failure.schedule());
        // Replayed through the library, the same failure, word for word, at the same step.
        let demo = threadviz::dashboard::catalog::find(name).expect("a demo");
        let again = match explore::replay(failure.schedule(), demo.main) {
            Ok(replayed) => replayed.failure(kind).unwrap_or_else(|| panic!("{name}: {kind} again\n{replayed}")),
            Err(replayed) => replayed,
        };
        assert_eq!(again.kind().finding(), Some(kind), "{name}: {again}");
        assert_eq!(again.message(), failure.message(), "{name}");
        let at_step = |failure: &explore::Failure| {
            let text = failure.to_string();
            text.lines().nth(1).and_then(|line| line.rsplit_once("at step ")).map(|(_, at)| at.to_owned())
        };
        assert_eq!(at_step(&again), at_step(&failure), "{name}: {again}\n{failure}");
        // And through the command line, as the report says to replay it.
        let (status, stdout, stderr) = replay_demo(name, failure.schedule());
        assert!(stderr.is_empty(), "{name}: {stderr}");
        match kind {
            FailureKind::Deadlock => {
                assert_eq!(status, Some(3), "{name}: {stdout}");
                assert!(stdout.contains(failure.message()), "{name}: {stdout}");
            }
            FailureKind::LostUpdate => {
                assert_eq!(status, Some(0), "{name}: {stdout}");
                assert!(stdout.contains(failure.message()), "{name}: {stdout}");
            }
            _ => assert_eq!(status, Some(0), "{name}: {stdout}"),
        }
    }
}

#[test]
fn the_first_race_failure_shrinks_to_at_most_fifteen_entries_without_a_preemption() {
    let report = explore_demo(&["race", "--runs", "10"]);
    let text = report.to_string();
    let schedule = report.schedule(FailureKind::LostUpdate).expect("a lost update");
    assert!(schedule.split('.').count() <= 15, "{schedule}\n{text}");
    let found = report.first_schedule(FailureKind::LostUpdate).expect("as found");
    assert!(found.split('.').count() > 50, "the random run's schedule is long: {found}");
    let line = text.lines().find(|line| line.starts_with("  first in run 1, ")).expect("the first line");
    assert!(line.contains(" shrunk in ") && line.ends_with(" (no preemption)"), "{text}");
    // `_` is said once, the first time a schedule uses it.
    assert_eq!(text.matches("`_` is the default move").count(), usize::from(schedule.contains('_')), "{text}");
}

#[test]
fn without_shrinking_the_schedule_is_the_one_found() {
    let report = explore_demo(&["deadlock", "--runs", "20", "--no-shrink"]);
    let text = report.to_string();
    let found = report.first_schedule(FailureKind::Deadlock).expect("a deadlock");
    assert_eq!(report.schedule(FailureKind::Deadlock), Some(found));
    assert!(!text.contains("shrunk") && !text.contains("shrinking"), "{text}");
    assert!(text.contains(&format!("steps): {found}\n")), "{text}");
    let library = Explorer::new().shrink(false).strategy(Strategy::Dfs { preemptions: 2 }).check(two_increments);
    let failure = library.expect_err("the lost update");
    assert!(!failure.to_string().contains("shrunk"), "{failure}");
    assert!(explore::replay(failure.schedule(), two_increments).is_err());
}

#[test]
fn a_shrunk_deadlock_report() {
    let report = explore_demo(&["deadlock", "--runs", "30"]);
    insta::assert_snapshot!("explore_deadlock_shrunk", steady(&report).join("\n"));
}

#[test]
fn a_failure_that_does_not_come_again_is_reported_as_found_and_not_shrunk() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    // The first run panics, no later one does: replaying it cannot fail the same way.
    let failure = Explorer::new()
        .runs(3)
        .check(|| {
            let run = RUNS.fetch_add(1, Ordering::SeqCst);
            let worker = thread::spawn(move || assert!(run > 0, "only the first run fails"));
            worker.join();
        })
        .expect_err("the first run panics");
    let text = failure.to_string();
    assert!(text.contains("only the first run fails"), "{text}");
    assert!(text.contains("not shrunk: replayed, its schedule did not fail the same way"), "{text}");
    assert!(text.contains("at step "), "{text}");
}

#[test]
fn a_thread_asleep_outside_threadviz_is_said_within_a_second_or_two_not_ten() {
    // A std sleep (as a std lock or a std channel would) in a threadviz thread: the step it was
    // granted never settles, and the thread sleeps in the kernel.
    let started = std::time::Instant::now();
    let failure = Explorer::new()
        .runs(5)
        .check(|| {
            let sleeper = thread::spawn(|| std::thread::sleep(Duration::from_secs(4)));
            sleeper.join();
        })
        .expect_err("no run can be explored");
    let took = started.elapsed();
    assert_eq!(failure.kind(), explore::Failed::Stuck, "{failure}");
    assert!(failure.message().contains("waited outside threadviz's primitives"), "{failure}");
    assert!(failure.message().contains("threadviz::std"), "the way out is named: {failure}");
    assert!(took < Duration::from_secs(4), "said after {took:?}, before the sleep was even over");
}

#[test]
fn a_program_of_std_threads_is_said_to_have_had_no_choice_not_passed_quietly() {
    // The std lost update, unchanged: std threads and atomics, which threadviz does not see.
    let report = Explorer::new()
        .runs(50)
        .check(|| {
            let counter = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let workers: Vec<_> = (0..2)
                .map(|_| {
                    let counter = std::sync::Arc::clone(&counter);
                    std::thread::spawn(move || {
                        let v = counter.load(std::sync::atomic::Ordering::SeqCst);
                        counter.store(v + 1, std::sync::atomic::Ordering::SeqCst);
                    })
                })
                .collect();
            for worker in workers {
                worker.join().expect("a worker panicked");
            }
        })
        .expect("nothing threadviz sees fails");
    let text = report.to_string();
    assert!(text.contains("note: only one thread ran threadviz's operations"), "{text}");
    assert!(text.contains("threadviz::std mirrors them"), "{text}");
    // A program whose threads threadviz sees has no such note.
    let report = Explorer::new().runs(50).check(unlocked_increments).expect("no assertion fails");
    assert!(report.interleavings() > 1, "{report}");
    assert!(!report.to_string().contains("note: only one thread"), "{report}");
}

#[test]
fn depth_first_search_wakes_sleepers_in_any_order_and_its_schedules_replay_in_deadline_order() {
    // The race's only timed waits are sleeps: its reduced search wakes each sleeper at any
    // step instead of letting time pass, far fewer runs for the same outcomes.
    let race = explore_demo(&["race", "--param", "threads=2", "--param", "items=2", "--strategy", "dfs"]);
    assert!(race.is_exhaustive(), "{race}");
    assert!(race.runs() < 500, "sleeps in any order: {} runs\n{race}", race.runs());
    let finals: Vec<&str> = race.final_values("counter").expect("counter").keys().map(String::as_str).collect();
    assert_eq!(finals, ["2", "3", "4"], "{race}");
    for (name, params) in [
        ("race", &["--param", "threads=2", "--param", "items=2"][..]),
        ("deadlock", &[][..]),
        ("lost-wakeup", &[][..]),
        ("condition", &[][..]),
    ] {
        let mut options = vec![name, "--strategy", "dfs", "--runs", "3000"];
        options.extend(params);
        let report = explore_demo(&options);
        let kinds = [FailureKind::LostUpdate, FailureKind::Deadlock];
        let failures: Vec<_> = kinds.into_iter().filter_map(|kind| Some((kind, report.failure(kind)?))).collect();
        assert!(!failures.is_empty(), "{name}: a failure\n{report}");
        for (kind, failure) in failures {
            // The schedule as found and the one shrunk both replay where sleeps end in
            // deadline order, as `threadviz demo --schedule` runs them.
            let found = report.first_schedule(kind).expect("as found");
            for schedule in [found, failure.schedule()] {
                let (status, stdout, stderr) = replay_demo_with(name, params, schedule);
                assert!(stderr.is_empty(), "{name} {schedule}: {stderr}\n{report}");
                let (code, says) = if kind == FailureKind::Deadlock { (3, "deadlock") } else { (0, "lost") };
                assert_eq!(status, Some(code), "{name} {schedule}: {stdout}\n{report}");
                assert!(stdout.contains(says), "{name} {schedule}: {stdout}\n{report}");
            }
            let (_, stdout, _) = replay_demo_with(name, params, failure.schedule());
            assert!(stdout.contains(failure.message()), "{name}: {stdout}\n{report}");
        }
    }
}

#[test]
fn a_depth_first_search_that_meets_deadlocks_makes_the_same_runs_every_time() {
    // A deadlocked run's threads are killed at its end and unwind in no set order: what they
    // touch then must not change which runs the search makes next.
    let reports: Vec<Vec<String>> =
        (0..4).map(|_| steady(&explore_demo(&["deadlock", "--strategy", "dfs", "--no-shrink"]))).collect();
    assert!(reports.iter().all(|report| *report == reports[0]), "{reports:#?}");
    let first = explore_demo(&["deadlock", "--strategy", "dfs", "--no-shrink"]);
    assert!(first.is_exhaustive() && first.runs_with(FailureKind::Deadlock) > 0, "{first}");
}

#[test]
fn a_sleep_too_long_to_end_never_ends_under_the_reduced_search_either() {
    // Duration::MAX has no deadline in demo time: the sleeper never wakes, and the join waits
    // for it forever, whether sleeps end in deadline order or at once.
    let forever = || {
        let sleeper = thread::spawn(|| thread::sleep(Duration::MAX));
        sleeper.join();
    };
    for strategy in [Strategy::Dpor, Strategy::Dfs { preemptions: usize::MAX }] {
        let failure = Explorer::new().strategy(strategy).check(forever).expect_err("a deadlock");
        assert_eq!(failure.kind().finding(), Some(FailureKind::Deadlock), "{strategy:?}: {failure}");
    }
}
