//! The demo catalogue: every tutorial example as a demo, compiled in with its own source (for
//! the source panel), its lesson notes and the parameters it reads.

use std::fmt;
use std::ops::RangeInclusive;

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
    /// The parameters it reads (`--param NAME=VALUE`), each declared once as a constant beside
    /// the code that reads it.
    pub params: &'static [Param],
}

/// A parameter a demo reads (`--param threads=2`): its name, the values it takes, its default
/// and what it sets. A demo declares each as a constant next to the code that reads it and
/// reads it only through [`Param::get`]; its catalogue entry lists the constants. So the
/// values the command line accepts, the list an error prints and the value the demo gets all
/// come from one declaration, and a read of a parameter the entry does not list panics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// Its name on the command line.
    pub name: &'static str,
    /// The smallest value it takes.
    pub min: i64,
    /// The largest value it takes.
    pub max: i64,
    /// Its value when the command line does not set it.
    pub default: i64,
    /// What it sets, in a few words.
    pub about: &'static str,
}

impl Param {
    /// Declares a parameter taking `values`, `default` when not set.
    ///
    /// # Panics
    /// If `default` is not one of `values` (at compile time, in a constant).
    #[must_use]
    pub const fn new(name: &'static str, values: RangeInclusive<i64>, default: i64, about: &'static str) -> Self {
        let (min, max) = (*values.start(), *values.end());
        assert!(min <= default && default <= max, "a parameter's default is one of its values");
        Self { name, min, max, default, about }
    }

    /// Its value in the current session: what `--param` set, or its default. Called from a
    /// demo, it must be one its catalogue entry lists.
    ///
    /// # Panics
    /// If the demo calling it does not list it, if the session holds a value out of its range
    /// (the command line refuses those, so only a session built by hand can), or if `T`
    /// cannot hold the value (a declaration whose range does not fit the type it is read as).
    #[must_use]
    #[track_caller]
    pub fn get<T: TryFrom<i64>>(&self) -> T {
        let caller = std::panic::Location::caller().file();
        self.check_reader(caller);
        #[cfg(test)]
        tests::note_read(caller, self.name);
        let value = crate::Session::current().param(self.name).unwrap_or(self.default);
        assert!(self.takes(value), "--param {}={value} is out of range: {}", self.name, self.values());
        T::try_from(value)
            .unwrap_or_else(|_| panic!("--param {}={value} does not fit the type it is read as", self.name))
    }

    /// Panics if `file` is a demo's source whose catalogue entry does not list this parameter.
    fn check_reader(&self, file: &str) {
        if let Some(demo) = DEMOS.iter().find(|demo| same_file(file, demo.path)) {
            assert!(
                demo.params.contains(self),
                "{} reads --param {}, which its catalogue entry does not list",
                demo.name,
                self.name
            );
        }
    }

    /// Whether `value` is one of its values.
    #[must_use]
    pub fn takes(&self, value: i64) -> bool {
        (self.min..=self.max).contains(&value)
    }

    /// Its values in words: `1 to 8`, `0 or 1`.
    #[must_use]
    pub fn values(&self) -> String {
        if self.max == self.min + 1 {
            format!("{} or {}", self.min, self.max)
        } else {
            format!("{} to {}", self.min, self.max)
        }
    }
}

impl fmt::Display for Param {
    /// `threads (1 to 8, default 4: the threads that count)`, as an error lists it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}, default {}: {})", self.name, self.values(), self.default, self.about)
    }
}

/// Demos whose lesson is the kernel's view of the threads (run states, CPU, context switches):
/// the table keeps those columns even on a narrow screen.
const KERNEL_DEMOS: [&str; 1] = ["timeslice"];

/// Each demo's Python twin (`demos/python/twins/`, the demo's name with `_` for `-`), compiled
/// in by build.rs: (file name, text).
const TWIN_FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/twin_files.rs"));

impl Demo {
    /// The demo's Python twin, as `threadviz demo NAME --python` runs it: its file name
    /// (`lost_wakeup.py`; `queue_demo.py` where the plain name would hide a module of the
    /// standard library from the program) and text.
    #[must_use]
    pub fn python(&self) -> Option<(&'static str, &'static str)> {
        let stem = self.name.replace('-', "_");
        let (plain, named) = (format!("{stem}.py"), format!("{stem}_demo.py"));
        TWIN_FILES.iter().find(|(file, _)| *file == plain || *file == named).copied()
    }

    /// Whether the kernel's view of the threads is what this demo shows.
    #[must_use]
    pub fn kernel_first(&self) -> bool {
        KERNEL_DEMOS.contains(&self.name)
    }

    /// The parameter called `name`.
    #[must_use]
    pub fn param(&self, name: &str) -> Option<&'static Param> {
        self.params.iter().find(|param| param.name == name)
    }

    /// Checks parameters given on the command line against the ones the demo declares: the
    /// one-line error for a name it does not read (with the closest one it does), a value out
    /// of range or a name given twice, listing its parameters.
    pub fn check_params(&self, given: &[(String, i64)]) -> Result<(), String> {
        for (index, (name, value)) in given.iter().enumerate() {
            let Some(param) = self.param(name) else {
                return Err(self.unknown_param(name, *value));
            };
            if !param.takes(*value) {
                return Err(format!(
                    "error: `--param {name}={value}` is out of range: {name} is {}. {}",
                    param.values(),
                    self.params_words()
                ));
            }
            if let Some((_, first)) = given[..index].iter().find(|(earlier, _)| earlier == name) {
                return Err(format!(
                    "error: `--param {name}` is given twice ({first} and {value}); give it once. {}",
                    self.params_words()
                ));
            }
        }
        Ok(())
    }

    fn unknown_param(&self, name: &str, value: i64) -> String {
        if self.params.is_empty() {
            return format!("error: {} has no parameters; run it without `--param {name}={value}`", self.name);
        }
        let closest = self
            .params
            .iter()
            .map(|param| (strsim::levenshtein(name, param.name), param.name))
            .filter(|&(distance, candidate)| {
                distance <= 2.max(candidate.len() / 3) || candidate.starts_with(name) || name.starts_with(candidate)
            })
            .min();
        let suggestion =
            closest.map_or_else(|| ".".to_owned(), |(_, candidate)| format!("; did you mean `{candidate}`?"));
        format!("error: {} has no parameter `{name}`{suggestion} {}", self.name, self.params_words())
    }

    /// `Its parameters: threads (1 to 8, default 4: ...), items (...)`.
    fn params_words(&self) -> String {
        let params: Vec<String> = self.params.iter().map(Param::to_string).collect();
        format!("Its parameters: {}", params.join(", "))
    }
}

impl fmt::Debug for Demo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Demo").field("name", &self.name).field("chapter", &self.chapter).finish_non_exhaustive()
    }
}

macro_rules! catalogue {
    ($( $module:ident: $name:literal, $file:literal, $chapter:ident, $summary:literal $(, params [$($param:ident),*])?; )*) => {
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
                    params: &[$($($module::$param),*)?],
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
        "threads increment a shared counter without a lock and lose updates", params [THREADS, ITEMS];
    flag_lock: "flag-lock", "../demos/flag-lock.rs", Locks,
        "a lock made from a flag: looking and raising are two steps, so both threads can get in";
    lock: "lock", "../demos/lock.rs", Locks,
        "two workers increment a counter under a Lock: Counter: 4", params [INCREMENTS];
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
        "two threads take lock-a and lock-b in opposite order and wait for each other forever", params [SLEEP];
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
        "Semaphore(2): never more than two of four workers run at once", params [WORKERS, POOL];
    bounded_semaphore: "bounded-semaphore", "../demos/bounded-semaphore.rs", Synchronization,
        "BoundedSemaphore(5) limits connections; a release too many is refused";
    barrier: "barrier", "../demos/barrier.rs", Synchronization,
        "threads pass a Barrier in lockstep; the action runs once per round; abort breaks it", params [ROUNDS];
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

    /// Every parameter read through [`Param::get`] in this test process: the file that read it
    /// and its name.
    static READS: parking_lot::Mutex<std::collections::BTreeSet<(&'static str, &'static str)>> =
        parking_lot::Mutex::new(std::collections::BTreeSet::new());

    pub(super) fn note_read(file: &'static str, name: &'static str) {
        READS.lock().insert((file, name));
    }

    /// The names of the parameters read from `demo`'s file so far.
    fn read_by(demo: &Demo) -> Vec<&'static str> {
        READS.lock().iter().filter(|(file, _)| same_file(file, demo.path)).map(|&(_, name)| name).collect()
    }

    /// Runs `demo` once to its end, each step the next thread in turn, with `params`.
    fn run(demo: &Demo, params: Vec<(String, i64)>) -> crate::explore::RunEnd {
        let mut program = crate::explore::Program::new(demo.main);
        program.params = params;
        let run = crate::explore::run_once(&program, &mut crate::explore::RoundRobin, None);
        assert!(
            !run.events.iter().any(|event| matches!(
                event.kind,
                crate::event::EventKind::ThreadExited { exit: crate::event::ExitKind::Panicked { .. }, .. }
            )),
            "{}: no thread panics reading its parameters",
            demo.name
        );
        run.end
    }

    #[test]
    fn every_demo_reads_exactly_the_parameters_it_declares_and_nothing_else() {
        for demo in DEMOS {
            // No reading by name around the declarations.
            for reader in ["threadviz::param(", ".param("] {
                assert!(!demo.source.contains(reader), "{} reads a parameter with {reader}", demo.name);
            }
            let declared: Vec<&str> = demo.params.iter().map(|param| param.name).collect();
            let in_source: Vec<&str> =
                demo.source.split("Param::new(\"").skip(1).filter_map(|rest| rest.split('"').next()).collect();
            assert_eq!(in_source, declared, "{}: the catalogue lists the parameters its source declares", demo.name);
            if demo.params.is_empty() {
                continue;
            }
            // At their defaults, at their largest and at their smallest: each is read, and
            // read as a type that holds every value it takes.
            run(demo, Vec::new());
            for pick in [|param: &Param| param.max, |param: &Param| param.min] {
                run(demo, demo.params.iter().map(|param| (param.name.to_owned(), pick(param))).collect());
            }
            let mut read = read_by(demo);
            read.sort_unstable();
            let mut declared = declared;
            declared.sort_unstable();
            assert_eq!(read, declared, "{} reads the parameters it declares", demo.name);
        }
    }

    #[test]
    fn every_parameter_the_docs_mention_is_declared_and_in_range() {
        let mentions = |text: &'static str| {
            text.split("--param ").skip(1).filter_map(|rest| {
                let (name, value) = rest.split_once('=')?;
                let value: String = value.chars().take_while(char::is_ascii_digit).collect();
                Some((name, value.parse::<i64>().ok()?))
            })
        };
        let documents = DEMOS
            .iter()
            .flat_map(|demo| [(demo, demo.source), (demo, demo.lesson)])
            .chain(crate::challenge::CHALLENGES.iter().map(|challenge| (challenge.demo(), challenge.notes)));
        let mut checked = 0;
        for (demo, text) in documents {
            for (name, value) in mentions(text) {
                let param = demo.param(name).unwrap_or_else(|| panic!("{} has no parameter {name}", demo.name));
                assert!(param.takes(value), "{}: --param {name}={value} is out of range", demo.name);
                checked += 1;
            }
        }
        assert!(checked >= 5, "the docs mention parameters: {checked}");
    }

    #[test]
    fn parameters_given_are_checked_with_one_line_that_lists_the_demos_parameters() {
        let race = find("race").expect("race is a demo");
        let given = |pairs: &[(&str, i64)]| -> Vec<(String, i64)> {
            pairs.iter().map(|&(name, value)| (name.to_owned(), value)).collect()
        };
        let listed = "Its parameters: threads (1 to 8, default 4: the threads that count), items (1 to 20, default 5: the items each thread counts)";
        assert_eq!(race.check_params(&given(&[("threads", 2), ("items", 1)])), Ok(()));
        assert_eq!(race.check_params(&given(&[("threads", 8), ("items", 20)])), Ok(()));
        assert_eq!(
            race.check_params(&given(&[("thread", 2)])),
            Err(format!("error: race has no parameter `thread`; did you mean `threads`? {listed}"))
        );
        assert_eq!(
            race.check_params(&given(&[("item", 2)])).map_err(|error| error.contains("did you mean `items`?")),
            Err(true)
        );
        assert_eq!(
            race.check_params(&given(&[("speed", 2)])),
            Err(format!("error: race has no parameter `speed`. {listed}"))
        );
        assert_eq!(
            race.check_params(&given(&[("items", 99_999_999_999)])),
            Err(format!("error: `--param items=99999999999` is out of range: items is 1 to 20. {listed}"))
        );
        assert!(race.check_params(&given(&[("threads", 0)])).is_err_and(|error| error.contains("is out of range")));
        assert_eq!(
            race.check_params(&given(&[("threads", 2), ("threads", 3)])),
            Err(format!("error: `--param threads` is given twice (2 and 3); give it once. {listed}"))
        );
        let with = find("lock-with").expect("lock-with is a demo");
        assert_eq!(
            with.check_params(&given(&[("threads", 2)])),
            Err("error: lock-with has no parameters; run it without `--param threads=2`".to_owned())
        );
        let semaphore = find("semaphore").expect("semaphore is a demo");
        assert!(semaphore.check_params(&given(&[("pool", 2)])).is_err_and(|error| error.contains("pool is 0 or 1")));
    }

    #[test]
    fn every_challenge_plays_its_demo_with_parameters_it_declares() {
        for challenge in crate::challenge::CHALLENGES {
            assert_eq!(challenge.demo().check_params(&challenge.params()), Ok(()), "{}", challenge.name);
        }
    }

    #[test]
    #[should_panic(expected = "race reads --param rounds, which its catalogue entry does not list")]
    fn a_demo_reading_a_parameter_it_does_not_list_panics() {
        let barrier = find("barrier").expect("barrier is a demo");
        // What `ROUNDS.get()` would check, called in demos/race.rs.
        barrier.params[0].check_reader("src/../demos/race.rs");
    }

    #[test]
    fn a_demo_reading_a_parameter_it_lists_and_a_program_outside_the_catalogue_may() {
        let barrier = find("barrier").expect("barrier is a demo");
        barrier.params[0].check_reader("src/../demos/barrier.rs");
        barrier.params[0].check_reader("examples/mine.rs");
    }
}
