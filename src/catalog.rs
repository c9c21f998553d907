//! The demo catalogue: every tutorial example as a demo, compiled in with its own source (for
//! the source panel) and its lesson notes.

use std::fmt;

/// The tutorials' chapters, in teaching order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Chapter {
    /// Starting, naming, joining threads; daemons; timers.
    Threads,
    /// Shared data, races and locks.
    Locks,
    /// Events, conditions, semaphores, barriers, queues, thread-local data.
    Synchronization,
}

impl fmt::Display for Chapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Threads => "Threads",
            Self::Locks => "Locks",
            Self::Synchronization => "Synchronization",
        })
    }
}

/// One demo: a tutorial example re-enacted with threadviz's primitives.
#[derive(Clone, Copy)]
pub struct Demo {
    /// The name typed after `threadviz demo`.
    pub name: &'static str,
    /// Its chapter.
    pub chapter: Chapter,
    /// One line saying what it shows.
    pub summary: &'static str,
    /// Path of its source, as `#[track_caller]` locations name it.
    pub path: &'static str,
    /// Its source code.
    pub source: &'static str,
    /// Its lesson notes (Markdown).
    pub lesson: &'static str,
    /// The demo's main function, run as the session's `MainThread`.
    pub main: fn(),
}

/// Demos whose lesson is the kernel's view of the threads (run states, CPU, context switches):
/// the table keeps those columns even on a narrow screen.
const KERNEL_DEMOS: [&str; 1] = ["timeslice"];

impl Demo {
    /// Whether the kernel's view of the threads is what this demo shows.
    #[must_use]
    pub fn kernel_first(&self) -> bool {
        KERNEL_DEMOS.contains(&self.name)
    }
}

impl fmt::Debug for Demo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Demo").field("name", &self.name).field("chapter", &self.chapter).finish_non_exhaustive()
    }
}

macro_rules! catalogue {
    ($( $module:ident: $name:literal, $file:literal, $chapter:ident, $summary:literal; )*) => {
        $(
            #[path = $file]
            mod $module;
        )*

        /// Every demo, in teaching order.
        pub static DEMOS: &[Demo] = &[
            $(
                Demo {
                    name: $name,
                    chapter: Chapter::$chapter,
                    summary: $summary,
                    path: concat!("demos/", $name, ".rs"),
                    source: include_str!($file),
                    lesson: include_str!(concat!("../assets/lessons/", $name, ".md")),
                    main: $module::main,
                },
            )*
        ];
    };
}

catalogue! {
    start: "start", "../demos/start.rs", Threads,
        "func1 and func2 run in two threads at once; the faster func2 ends first";
    simple: "simple", "../demos/simple.rs", Threads,
        "five threads, each started with its own argument, print Worker: N";
    names: "names", "../demos/names.rs", Threads,
        "wait_3, wait_2 and a default-named Thread-1; every log line names its thread";
    daemon: "daemon", "../demos/daemon.rs", Threads,
        "the program ends without waiting for the daemon, which is killed before Exiting";
    daemon_join: "daemon-join", "../demos/daemon-join.rs", Threads,
        "joining the daemon lets it finish and print Exiting";
    join_timeout: "join-timeout", "../demos/join-timeout.rs", Threads,
        "join(1) gives up while the daemon still sleeps: it is still alive";
    enumerate: "enumerate", "../demos/enumerate.rs", Threads,
        "the main thread joins every thread from enumerate() except itself";
    subclass: "subclass", "../demos/subclass.rs", Threads,
        "a thread type with its own fields and run method, like subclassing Thread";
    timer: "timer", "../demos/timer.rs", Threads,
        "timer t1 fires after its delay; t2 is cancelled and never runs";
    square_roots: "square-roots", "../demos/square-roots.rs", Threads,
        "a daemon computes square roots; the main thread reports progress each second";
    busy_main: "busy-main", "../demos/busy-main.rs", Threads,
        "thread-1 and thread-2 print the time while the main thread spins in a busy loop";
    timeslice: "timeslice", "../demos/timeslice.rs", Threads,
        "more busy threads than cores: the OS pre-empts them in turns (kernel R/S, context switches)";
    race: "race", "../demos/race.rs", Locks,
        "threads increment a shared counter without a lock and lose updates";
    flag_lock: "flag-lock", "../demos/flag-lock.rs", Locks,
        "a lock made from a flag: looking and raising are two steps, so both threads can get in";
    lock: "lock", "../demos/lock.rs", Locks,
        "two workers increment a counter under a Lock: Counter: 4";
    lock_noblock: "lock-noblock", "../demos/lock-noblock.rs", Locks,
        "Worker tries the lock without blocking while LockHolder takes and drops it";
    lock_release_other: "lock-release-other", "../demos/lock-release-other.rs", Locks,
        "a Lock has no owner: another thread releases it; a try by another fails";
    reacquire: "reacquire", "../demos/reacquire.rs", Locks,
        "a Lock cannot be acquired twice, not even by its holder";
    rlock_reacquire: "rlock-reacquire", "../demos/rlock-reacquire.rs", Locks,
        "the owner acquires an RLock again and gets it, one level deeper; a Lock refuses";
    rlock_levels: "rlock-levels", "../demos/rlock-levels.rs", Locks,
        "getAll holds an RLock while getPart1 and getPart2 take it too: the level rises and falls";
    rlock_owner: "rlock-owner", "../demos/rlock-owner.rs", Locks,
        "only the owner may release an RLock; others are kept out until its last release";
    self_deadlock: "self-deadlock", "../demos/self-deadlock.rs", Locks,
        "getAll calls getPart1: fine with an RLock, a thread waiting for itself with a Lock";
    lock_with: "lock-with", "../demos/lock-with.rs", Locks,
        "hold() (with lock:) and explicit acquire/release do the same thing";
    fetch: "fetch", "../demos/fetch.rs", Locks,
        "three downloads run side by side; the writes to one file take turns under a lock";
    deadlock: "deadlock", "../demos/deadlock.rs", Locks,
        "two threads take lock-a and lock-b in opposite order and wait for each other forever";
    event: "event", "../demos/event.rs", Synchronization,
        "block waits for the event, non-block waits with timeouts; main sets it";
    event_worker: "event-worker", "../demos/event-worker.rs", Synchronization,
        "an Event as a switch: the worker starts when set and stops when cleared";
    condition: "condition", "../demos/condition.rs", Synchronization,
        "consumers c1 and c2 wait; producer p makes the resource available and notifies all";
    lost_wakeup: "lost-wakeup", "../demos/lost-wakeup.rs", Synchronization,
        "a wait without a predicate loop: notified too early, the consumer waits forever";
    producer_consumer: "producer-consumer", "../demos/producer-consumer.rs", Synchronization,
        "three producers and two consumers on a bounded list under one Condition";
    condition_shared_lock: "condition-shared-lock", "../demos/condition-shared-lock.rs", Synchronization,
        "two conditions share one RLock: two waiting rooms, one lock";
    semaphore: "semaphore", "../demos/semaphore.rs", Synchronization,
        "Semaphore(2): never more than two of four workers run at once";
    bounded_semaphore: "bounded-semaphore", "../demos/bounded-semaphore.rs", Synchronization,
        "BoundedSemaphore(5) limits connections; a release too many is refused";
    barrier: "barrier", "../demos/barrier.rs", Synchronization,
        "threads pass a Barrier in lockstep; the action runs once per round; abort breaks it";
    queue: "queue", "../demos/queue.rs", Synchronization,
        "ten daemon workers take 100 items from a Queue; the main thread joins the queue";
    local: "local", "../demos/local.rs", Synchronization,
        "thread-local data: each thread sees only its own value";
    local_defaults: "local-defaults", "../demos/local-defaults.rs", Synchronization,
        "thread-local data with a default: every thread starts from 1000";
}

/// Whether `file`, as a caller's location names it, is the source at `path` (paths differ by
/// how the file was compiled in: `demos/x.rs` and `src/../demos/x.rs` are the same file).
#[must_use]
pub fn same_file(file: &str, path: &str) -> bool {
    let file = file.strip_prefix("src/../").unwrap_or(file);
    file == path || file.ends_with(&format!("/{path}"))
}

/// The demo called `name`.
#[must_use]
pub fn find(name: &str) -> Option<&'static Demo> {
    DEMOS.iter().find(|demo| demo.name == name)
}

/// Demo names closest to a mistyped `name`, best first (at most three).
#[must_use]
pub fn closest(name: &str) -> Vec<&'static str> {
    let mut scored: Vec<(usize, &'static str)> = DEMOS
        .iter()
        .map(|demo| (strsim::levenshtein(name, demo.name), demo.name))
        .filter(|&(distance, candidate)| distance <= 3.max(candidate.len() / 2) || candidate.contains(name))
        .collect();
    scored.sort_unstable();
    scored.into_iter().take(3).map(|(_, name)| name).collect()
}

#[cfg(test)]
mod tests {
    //! The catalogue's names, files and lessons.

    use super::*;

    #[test]
    fn names_are_unique_and_files_match() {
        let mut names: Vec<_> = DEMOS.iter().map(|demo| demo.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), DEMOS.len());
        for demo in DEMOS {
            assert!(demo.source.contains("pub fn main()"), "{} has a main", demo.name);
            assert!(demo.lesson.starts_with("# "), "{} has lesson notes", demo.name);
        }
    }

    #[test]
    fn every_lesson_writes_answers_as_quotes_and_its_moment_marker_reads() {
        for demo in DEMOS {
            let asks = demo.lesson.matches("## Ask the class").count();
            let answers = demo.lesson.matches(&format!("> {}", crate::lesson::ANSWER_OPENER)).count();
            assert!(answers >= asks, "{}: every question has its answer in a `> **Answer:**` quote", demo.name);
            for line in demo.lesson.lines() {
                assert!(!line.starts_with("Answer:"), "{}: `{line}` should be a `> **Answer:**` quote", demo.name);
            }
            if let Err(error) = crate::lesson::parse_moment(demo.lesson) {
                panic!("{}: {error}", demo.name);
            }
        }
        for name in ["condition", "race", "deadlock", "semaphore", "event", "barrier", "producer-consumer"] {
            let moment = find(name).and_then(|demo| crate::lesson::moment(demo.lesson));
            let question = moment.map_or("", |moment| moment.question);
            assert!(question.contains(crate::lesson::ANSWER_OPENER), "{name} pauses at a moment to ask a question");
        }
    }

    #[test]
    fn typos_suggest_the_closest_names() {
        assert_eq!(closest("conditon").first(), Some(&"condition"));
        assert!(closest("zzzzzzzzzzzz").is_empty());
    }
}
