//! The demos of the synchronization chapter: events, conditions, semaphores, a barrier, a
//! queue and thread-local data.

use threadviz::EventKind;
use threadviz::event::{ExitKind, PrimId, PrimInfo};

use crate::run;

#[test]
fn event() {
    let run = run("event");
    assert_eq!(run.said_by("block"), ["wait_for_event starting", "event set: True"]);
    let non_block = run.said_by("non-block");
    assert_eq!(&non_block[..3], ["wait_for_event_timeout starting", "event set: False", "doing other work"]);
    assert_eq!(&non_block[non_block.len() - 2..], ["event set: True", "processing event"]);
    assert_eq!(run.said_by("MainThread"), ["Waiting before calling Event.set()", "Event is set"]);
}

#[test]
fn event_worker() {
    let run = run("event-worker");
    assert_eq!(run.said_by("MainThread"), ["."; 3]);
    let worker = run.said_by("Thread-1");
    assert_eq!(worker.first(), Some(&"Start"));
    assert_eq!(worker.last(), Some(&"End"));
    assert!(worker[1..worker.len() - 1].iter().all(|line| *line == "Working..."));
    assert!(worker.len() >= 4, "works while the event is set: {worker:?}");
    assert!(
        run.expect_line("Thread-1", "Start") > run.lines.iter().rposition(|(_, message)| message == ".").unwrap_or(0)
    );
}

#[test]
fn condition() {
    let run = run("condition");
    let made = run.expect_line("p", "Making resource available");
    for consumer in ["c1", "c2"] {
        assert_eq!(run.said_by(consumer), ["Starting consumer thread", "Resource is available to consumer"]);
        assert!(
            run.expect_line(consumer, "Resource is available to consumer") > made,
            "{consumer} goes on after the notify"
        );
    }
}

#[test]
fn producer_consumer() {
    let run = run("producer-consumer");
    let size = |message: &str| -> usize {
        message.rsplit(' ').next().and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("a size: {message}"))
    };
    for producer in ["Thread-1", "Thread-2", "Thread-3"] {
        let made = run.said_by(producer);
        assert_eq!(made.len(), 2, "{producer}: {made:?}");
        assert!(made.iter().all(|line| line.starts_with("Producer a elem ") && size(line) <= 2));
    }
    for consumer in ["Thread-4", "Thread-5"] {
        let taken = run.said_by(consumer);
        assert_eq!(taken.len(), 3, "{consumer}: {taken:?}");
        assert!(taken.iter().all(|line| line.starts_with("Consumer a elem ") && size(line) <= 1));
    }
    assert_eq!(run.lines.last().map(|(_, message)| size(message)), Some(0), "every item made was taken");
}

#[test]
fn condition_shared_lock() {
    let run = run("condition-shared-lock");
    let lock = run.prim("lock");
    let conditions: Vec<PrimId> = ["condition_1", "condition_2"].iter().map(|name| run.prim(name)).collect();
    for condition in &conditions {
        let on_lock = run.events.iter().any(|event| {
            matches!(&event.kind, EventKind::PrimCreated { prim, info: PrimInfo::Condition { lock: under }, .. } if prim == condition && *under == lock)
        });
        assert!(on_lock, "both conditions use the one RLock");
    }
    for item in 1..=3 {
        run.expect_line("producer", &format!("Put item {item}"));
        run.expect_line("consumer", &format!("Took item {item}"));
    }
    run.expect_line("consumer", "Shelf empty: waiting on condition_1");
    run.expect_line("producer", "Shelf full: waiting on condition_2");
    assert!(
        run.lines
            .iter()
            .filter(|(_, message)| message.starts_with("Notifying"))
            .all(|(_, message)| message.ends_with("level 2"))
    );
}

#[test]
fn semaphore() {
    let run = run("semaphore");
    let s = run.prim_where(|info| matches!(info, PrimInfo::Semaphore { initial: 2, bounded: false }));
    assert_eq!(run.max_holders(s), 2, "never more than two hold the semaphore, and two do at once");
    for worker in ["0", "1", "2", "3"] {
        let said = run.said_by(worker);
        assert_eq!(said.first(), Some(&"Waiting to join the pool"), "{worker}");
        assert_eq!(said.len(), 3, "{worker}: {said:?}");
    }
    let mut running = Vec::new();
    for (name, message) in &run.lines {
        if let Some(list) = message.strip_prefix("Running: ") {
            // Python's repr of a list of strings: `[]`, `['0']`, `['0', '1']`.
            let names = list.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')).expect("a Python list");
            let names: Vec<&str> = if names.is_empty() { Vec::new() } else { names.split(", ").collect() };
            assert!(
                names.iter().all(|name| name.len() == 3 && name.starts_with('\'') && name.ends_with('\'')),
                "{message}"
            );
            assert!(names.len() <= 2, "at most two running: {message}");
            running.push((name.as_str(), list));
        }
    }
    assert_eq!(running.len(), 8, "each worker logs the pool as it joins and as it leaves");
    let (first, list) = running[0];
    assert_eq!(list, format!("['{first}']"), "the first one in is alone");
    assert_eq!(running.last().map(|(_, list)| *list), Some("[]"), "the pool ends empty");
    // The primitives panel shows the list as the log does, in Python's spelling.
    let active = run.prim("active");
    let stored: Vec<&str> = run
        .events
        .iter()
        .filter_map(|event| match &event.kind {
            EventKind::Store { prim, value } if *prim == active => Some(value.as_str()),
            _ => None,
        })
        .collect();
    let logged: Vec<&str> = running.iter().map(|(_, list)| *list).collect();
    assert_eq!(stored, logged, "each list is stored right after it is logged");
}

#[test]
fn bounded_semaphore() {
    let run = run("bounded-semaphore");
    let pool = run.prim("pool_sema");
    assert_eq!(run.max_holders(pool), 5, "five connections at most, and five at once");
    run.expect_line("MainThread", "ValueError: Semaphore released too many times");
    run.expect_line("MainThread", "Value is still 5");
    assert_eq!(run.misuses(), ["Semaphore released too many times"]);
    assert_eq!(run.count("Connected"), 7);
}

#[test]
fn barrier() {
    let run = run("barrier");
    assert_eq!(run.count("All 3 arrived: everyone passes"), 2, "the action runs once per round");
    let generations = run.events.iter().filter(|event| matches!(event.kind, EventKind::BarrierPass { .. })).count();
    assert_eq!(generations, 2);
    for worker in ["Thread-1", "Thread-2"] {
        for round in 1..=2 {
            let passed = format!("Round {round}: passed");
            assert!(
                run.said_by(worker).iter().any(|line| line.starts_with(&passed)),
                "{worker}: {passed}\n{}",
                run.dump()
            );
        }
        run.expect_line(worker, "Round 3: BrokenBarrierError: the barrier is broken");
    }
    run.expect_line("Thread-3", "Round 3: giving up, abort()");
    // Lockstep: nobody reaches round 2's barrier before everyone has passed round 1.
    let last_pass = run.lines.iter().rposition(|(_, message)| message.starts_with("Round 1: passed"));
    let first_wait = run.lines.iter().position(|(_, message)| message == "Round 2: waiting at the barrier");
    assert!(last_pass < first_wait, "{}", run.dump());
}

#[test]
fn queue() {
    let run = run("queue");
    let done: Vec<u64> = run
        .events
        .iter()
        .filter_map(|event| match event.kind {
            EventKind::TaskDone { unfinished, .. } => Some(unfinished),
            _ => None,
        })
        .collect();
    assert_eq!(done.len(), 100, "task_done after each of the 100 items");
    assert_eq!(done.last(), Some(&0), "nothing unfinished at the end");
    let mut items: Vec<u32> = run.lines.iter().filter_map(|(_, message)| message.parse().ok()).collect();
    items.sort_unstable();
    assert_eq!(items, (0..100).collect::<Vec<_>>());
    for worker in 1..=10 {
        assert_eq!(
            run.exit_of(&format!("Thread-{worker}")),
            ExitKind::Killed,
            "daemon workers are stopped at shutdown"
        );
    }
}

#[test]
fn local() {
    let run = run("local");
    assert_eq!(run.said_by("MainThread"), ["No value yet", "value=1000"]);
    for worker in ["Thread-1", "Thread-2"] {
        let said = run.said_by(worker);
        assert_eq!(said.len(), 2);
        assert_eq!(said[0], "No value yet", "{worker} does not see the main thread's value");
        let value: i64 = said[1].strip_prefix("value=").and_then(|n| n.parse().ok()).expect("value=N");
        assert!((1..=100).contains(&value));
    }
}

#[test]
fn local_defaults() {
    let run = run("local-defaults");
    assert_eq!(run.said_by("MainThread"), ["Initializing local_data", "value=1000"]);
    let _named_as_logged = run.prim("local_data");
    for worker in ["Thread-1", "Thread-2"] {
        let said = run.said_by(worker);
        assert_eq!(said.len(), 3);
        assert_eq!(&said[..2], ["Initializing local_data", "value=1000"], "{worker} starts from the default");
        let value: i64 = said[2].strip_prefix("value=").and_then(|n| n.parse().ok()).expect("value=N");
        assert!((1..=100).contains(&value));
    }
}
