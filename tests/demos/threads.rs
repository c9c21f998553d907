//! The demos of the threads chapter: starting, naming, daemons, joining, timers, and threads
//! sharing the processor.

use threadviz::EventKind;
use threadviz::event::ExitKind;

use crate::run;

#[test]
fn start() {
    let run = run("start");
    assert_eq!(run.said_by("Thread-1"), ["Inside func1"; 3]);
    assert_eq!(run.said_by("Thread-2"), ["Inside func2"; 3]);
    assert!(run.exit_index("Thread-2") < run.exit_index("Thread-1"), "func2 ends first");
}

#[test]
fn simple() {
    let run = run("simple");
    for n in 0..5 {
        assert_eq!(run.said_by(&format!("Thread-{}", n + 1)), [format!("Worker: {n}")]);
    }
}

#[test]
fn names() {
    let run = run("names");
    for thread in ["wait_3", "wait_2", "Thread-1"] {
        assert_eq!(run.said_by(thread), ["starting...", "exiting..."], "{thread}");
    }
    let last_exit = run.lines.iter().rposition(|(_, message)| message == "exiting...");
    assert_eq!(last_exit, run.index("wait_3", "exiting..."), "wait_3 sleeps longest");
}

#[test]
fn daemon() {
    let run = run("daemon");
    assert_eq!(run.said_by("non-daemon"), ["Starting", "Exiting"]);
    assert!(!run.has("daemon", "Exiting"), "the daemon is stopped before it prints Exiting\n{}", run.dump());
    assert_eq!(run.exit_of("daemon"), ExitKind::Killed);
}

#[test]
fn daemon_join() {
    let run = run("daemon-join");
    assert_eq!(run.said_by("daemon"), ["Starting", "Exiting"]);
    assert_eq!(run.said_by("non-daemon"), ["Starting", "Exiting"]);
    assert_eq!(run.lines.last().map(|(name, _)| name.as_str()), Some("daemon"), "the daemon's Exiting comes last");
    // It finished its work before shutdown, and join returned only once its end was reported.
    assert_eq!(run.exit_of("daemon"), ExitKind::Normal);
}

#[test]
fn join_timeout() {
    let run = run("join-timeout");
    run.expect_line("MainThread", "d.isAlive() True");
    assert!(!run.has("daemon", "Exiting"));
    assert_eq!(run.exit_of("daemon"), ExitKind::Killed);
}

#[test]
fn enumerate() {
    let run = run("enumerate");
    let joins: Vec<&str> = run.said_by("MainThread");
    assert_eq!(joins, ["joining Thread-1", "joining Thread-2", "joining Thread-3"], "never joins itself");
    for worker in ["Thread-1", "Thread-2", "Thread-3"] {
        let said = run.said_by(worker);
        assert_eq!(said.len(), 2, "{worker}: {said:?}");
        let pause: u32 = said[0].strip_prefix("sleeping ").and_then(|n| n.parse().ok()).expect("sleeping N");
        assert!((1..=5).contains(&pause), "{worker} sleeps 1 to 5 s");
        assert_eq!(said[1], "ending");
        assert_eq!(run.exit_of(worker), ExitKind::Normal, "{worker} was joined, not killed");
    }
}

#[test]
fn subclass() {
    let run = run("subclass");
    for i in 0..5 {
        let expected = format!("running with ({i},) and {{'a': 'A', 'b': 'B'}}");
        assert_eq!(run.said_by(&format!("Thread-{}", i + 1)), [expected]);
    }
}

#[test]
fn timer() {
    let run = run("timer");
    assert_eq!(run.said_by("MainThread"), ["starting timers", "waiting before canceling t2", "canceling t2", "done"]);
    assert_eq!(run.said_by("t1"), ["worker running"]);
    assert!(run.said_by("t2").is_empty(), "t2's function never runs");
    assert!(run.expect_line("t1", "worker running") > run.expect_line("MainThread", "done"));
}

#[test]
fn square_roots() {
    let run = run("square-roots");
    let said = run.said_by("MainThread");
    assert_eq!(said.first(), Some(&"Turning on the calculator thread..."));
    assert_eq!(said.last(), Some(&"Calculated 35 square root(s); the last one is sqrt(35)=5.916080"));
    let reports: Vec<usize> = said
        .iter()
        .filter_map(|line| line.strip_suffix(" square roots calculated so far.").and_then(|n| n.parse().ok()))
        .collect();
    assert!(reports.len() >= 3, "progress once a second: {reports:?}");
    assert!(reports.windows(2).all(|pair| pair[0] <= pair[1]), "progress only grows: {reports:?}");
    let calculator = run.tid("Thread-1");
    assert!(run.events.iter().any(|event| matches!(
        event.kind,
        EventKind::ThreadStarted { tid, daemon: true, .. } if tid == calculator
    )));
}

#[test]
fn busy_main() {
    let run = run("busy-main");
    let times = |thread: &str| -> Vec<f64> {
        run.said_by(thread)
            .iter()
            .map(|line| {
                let time = line.strip_prefix(&format!("{thread}: ")).and_then(|rest| rest.strip_suffix(" s"));
                time.and_then(|time| time.parse().ok()).unwrap_or_else(|| panic!("a time: {line}"))
            })
            .collect()
    };
    let thread_1 = times("thread-1");
    let thread_2 = times("thread-2");
    assert_eq!(thread_1.len(), 5, "five prints per thread, as in the tutorial");
    assert_eq!(thread_2.len(), 5, "five prints per thread, as in the tutorial");
    assert!(thread_1[0] >= 2.0 && thread_2[0] >= 4.0, "{thread_1:?} {thread_2:?}");
    assert!(thread_1[4] >= 10.0, "thread-1 prints every 2 s: {thread_1:?}");
    assert!(thread_2[4] >= 20.0, "thread-2 prints every 4 s: {thread_2:?}");
    // The main thread spun instead of waiting: it never blocked in a join or a sleep.
    let main = run.tid("MainThread");
    assert!(!run.events.iter().any(|event| event.thread == main
        && matches!(event.kind, EventKind::JoinBegin { .. } | EventKind::SleepBegin { .. })));
}

#[test]
fn timeslice() {
    let run = run("timeslice");
    let said = run.said_by("MainThread");
    let first = said.first().copied().unwrap_or_default();
    let (cores, rest) = first.split_once(" cores, ").unwrap_or_else(|| panic!("N cores, ...: {first}"));
    let cores: usize = cores.parse().expect("a number of cores");
    let busy: usize = rest.strip_suffix(" busy threads and one sleeper").and_then(|n| n.parse().ok()).expect("N busy");
    assert_eq!(busy, (cores + 2).min(12), "more busy threads than cores");
    assert_eq!(said.last(), Some(&"time is up"), "it ends by itself");
    for number in 1..=busy {
        let worker = format!("busy-{number}");
        let done = run.said_by(&worker);
        assert_eq!(done.len(), 1, "{worker}: {done:?}");
        let chunks: u64 = done[0]
            .strip_prefix("done: ")
            .and_then(|rest| rest.strip_suffix(" chunks"))
            .and_then(|n| n.parse().ok())
            .expect("done: N chunks");
        assert!(chunks > 0, "{worker} worked");
        // Busy threads never wait: only their start and end change their threadviz state.
        let tid = run.tid(&worker);
        assert!(!run.events.iter().any(|event| event.thread == tid
            && matches!(
                event.kind,
                EventKind::SleepBegin { .. } | EventKind::WaitBegin { .. } | EventKind::Requested { .. }
            )));
    }
    let sleeper = run.tid("sleeper");
    let naps = run
        .events
        .iter()
        .filter(|event| event.thread == sleeper && matches!(event.kind, EventKind::SleepBegin { .. }))
        .count();
    assert!(naps >= 2, "the sleeper sleeps in turns: {naps}");
    let chunks = run.prim("chunks");
    assert!(run.events.iter().any(|event| matches!(event.kind, EventKind::LocalSet { prim, .. } if prim == chunks)));
    // Each thread reports its OS id, so its kernel state can be read; ids are distinct.
    if cfg!(target_os = "linux") {
        let mut os_tids: Vec<u32> = run
            .events
            .iter()
            .filter_map(|event| match event.kind {
                EventKind::ThreadStarted { os_tid, .. } => Some(os_tid.expect("Linux tells the OS thread id")),
                _ => None,
            })
            .collect();
        let started = os_tids.len();
        assert_eq!(started, busy + 2, "the busy threads, the sleeper and the main thread");
        os_tids.sort_unstable();
        os_tids.dedup();
        assert_eq!(os_tids.len(), started);
        assert!(run.model.threads.values().all(|thread| thread.os_tid.is_some()));
    }
}
