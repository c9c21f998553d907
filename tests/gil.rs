//! The GIL lesson of `timeslice`, checked on this machine's interpreter (issue 19, 5b): the Rust
//! demo's busy threads compute on several cores at once, while its Python twin, under the hook
//! (`threadviz demo timeslice --python`) and bare (`python3`), never uses more than one core's
//! worth of CPU however many of its threads want one, and shares that core fairly between them.
//!
//! CPU use is read from `/proc/<pid>/stat` (user plus system time) every few milliseconds while
//! the process runs. A process whose CPU time grows faster than the wall clock, over a
//! half-second window, had two threads computing at the same instant: that is the measure of
//! parallelism here. The Rust test looks for one such window above [`PARALLEL`] (the busiest one,
//! so that other programs on a shared machine taking the cores for a while do not hide what the
//! demo can do); the Python test requires that no window, and not the run as a whole, goes above
//! [`ONE_CORE`].
//!
//! The two tests take turns (a lock), since a measurement beside another would lose CPU to it,
//! and each run has a deadline, after which the demo and its interpreter are killed. Linux and
//! `python3` are required: without them these tests fail rather than pass unseen, as in
//! `tests/run.rs`.
#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test at the line that broke")]
#![allow(clippy::doc_markdown, reason = "the docs name Python's threads, calls and outputs in prose")]

use std::io::Read;
use std::num::NonZero;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Clock ticks per second of the time fields in `/proc/.../stat` (Linux's `USER_HZ`, 100 on
/// every architecture Rust supports on Linux but Alpha).
const TICKS_PER_SECOND: f64 = 100.0;
/// How often the measured process's CPU time is read.
const SAMPLE_EVERY: Duration = Duration::from_millis(20);
/// The shortest stretch of a run whose CPU time over wall time counts as a reading: long enough
/// that the clock ticks' 10 ms granularity moves it by less than 5%.
const WINDOW: Duration = Duration::from_millis(500);
/// Far longer than any run here needs (the twin computes for 7 s).
const DEADLINE: Duration = Duration::from_mins(1);
/// Cores' worth of CPU that only threads running in parallel can use.
const PARALLEL: f64 = 1.4;
/// Cores' worth of CPU that threads sharing one core cannot exceed, with a margin for the
/// clock ticks' granularity and for what the interpreter does outside the GIL.
const ONE_CORE: f64 = 1.2;
/// How many times the Rust demo is run, at most, to find the cores free for half a second on a
/// machine that other programs use too.
const RUST_ATTEMPTS: usize = 5;
/// Other programs' use of the cores, in cores' worth, below which the machine counts as quiet:
/// a run starts once it is (or after [`QUIET_WAIT`]), and a window of the Rust demo's run in
/// which the others used no more than this left it the cores to show its parallelism.
const QUIET: f64 = 0.3;
/// The longest a run waits for the machine to be quiet.
const QUIET_WAIT: Duration = Duration::from_secs(5);
/// The Rust demo's speed: its 7 s of demo time in 3.5 s of real time.
const RUST_SPEED: &str = "2";
/// The twin, as `threadviz demo timeslice --python` runs it.
const TWIN: &str = "demos/python/twins/timeslice.py";

/// One measurement at a time: a run beside another would lose CPU to it.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// One reading of the measured process.
#[derive(Debug, Clone, Copy)]
struct Sample {
    at: Instant,
    /// User plus system time of all its threads so far, in clock ticks.
    cpu_ticks: u64,
    /// Voluntary context switches of its threads alive now, so far.
    voluntary: u64,
    /// Involuntary context switches of its threads alive now, so far.
    involuntary: u64,
    /// The busy time of all the machine's cores so far, in clock ticks (see [`machine_busy_ticks`]).
    machine_ticks: u64,
}

/// A finished run: what it printed and how much CPU it used.
#[derive(Debug)]
struct Measured {
    what: String,
    stdout: String,
    stderr: String,
    samples: Vec<Sample>,
    /// Every core's busy time over the run, from `/proc/stat`, in cores' worth: this process's
    /// use and everyone else's.
    machine_cores: f64,
}

impl Measured {
    /// CPU time over wall time from the first reading to the last, in cores' worth.
    fn cores(&self) -> f64 {
        let (Some(first), Some(last)) = (self.samples.first(), self.samples.last()) else { return 0.0 };
        cores_between(first, last)
    }

    /// Every stretch of at least [`WINDOW`] from one reading: its first and last readings.
    fn windows(&self) -> impl Iterator<Item = (&Sample, &Sample)> {
        self.samples.iter().enumerate().filter_map(|(index, start)| {
            let end = self.samples[index..].iter().find(|sample| sample.at.duration_since(start.at) >= WINDOW)?;
            Some((start, end))
        })
    }

    /// The highest CPU time over wall time of any stretch of at least [`WINDOW`].
    fn busiest_window(&self) -> f64 {
        self.windows().map(|(start, end)| cores_between(start, end)).fold(0.0, f64::max)
    }

    /// The highest CPU time over wall time of any stretch of at least [`WINDOW`] in which the
    /// other programs on the machine used no more than [`QUIET`] cores; None if there was none.
    /// Stretches within [`WINDOW`] of the first or last reading do not count: the process may
    /// be starting its threads or ending them.
    fn busiest_quiet_window(&self) -> Option<f64> {
        let (first, last) = (self.samples.first()?.at, self.samples.last()?.at);
        self.windows()
            .filter(|(start, end)| start.at >= first + WINDOW && end.at + WINDOW <= last)
            .filter(|(start, end)| others_between(start, end) <= QUIET)
            .map(|(start, end)| cores_between(start, end))
            .reduce(f64::max)
    }

    /// The median, over the stretches of at least [`WINDOW`], of how many context switches a
    /// second `count` reads (a thread that ends takes its counts with it: such stretches, at
    /// the end, read less, and the median passes over them).
    fn switches_a_second(&self, count: impl Fn(&Sample) -> u64) -> f64 {
        let mut rates: Vec<f64> = self
            .windows()
            .map(|(start, end)| {
                count(end).saturating_sub(count(start)) as f64 / end.at.duration_since(start.at).as_secs_f64()
            })
            .collect();
        rates.sort_by(f64::total_cmp);
        rates.get(rates.len() / 2).copied().unwrap_or(0.0)
    }

    /// The CPU time the process used, as last read.
    fn cpu_seconds(&self) -> f64 {
        self.samples.last().map_or(0.0, |last| last.cpu_ticks as f64 / TICKS_PER_SECOND)
    }

    /// What the other programs on the machine used meanwhile, in cores' worth.
    fn others_cores(&self) -> f64 {
        (self.machine_cores - self.cores()).max(0.0)
    }

    /// The figures, for a message.
    fn figures(&self) -> String {
        let wall = match (self.samples.first(), self.samples.last()) {
            (Some(first), Some(last)) => last.at.duration_since(first.at).as_secs_f64(),
            _ => 0.0,
        };
        format!(
            "{}: {:.2} cores on average over the {wall:.2} s measured ({:.2} s of CPU in all), {:.2} in the \
             busiest {WINDOW:?}; {:.0} voluntary and {:.0} involuntary context switches a second; \
             other programs used {:.2} cores meanwhile",
            self.what,
            self.cores(),
            self.cpu_seconds(),
            self.busiest_window(),
            self.switches_a_second(|sample| sample.voluntary),
            self.switches_a_second(|sample| sample.involuntary),
            self.others_cores()
        )
    }
}

/// What the other programs on the machine used between two readings, in cores' worth.
fn others_between(start: &Sample, end: &Sample) -> f64 {
    let wall = end.at.duration_since(start.at).as_secs_f64();
    if wall <= 0.0 {
        return 0.0;
    }
    let machine = end.machine_ticks.saturating_sub(start.machine_ticks) as f64 / TICKS_PER_SECOND / wall;
    (machine - cores_between(start, end)).max(0.0)
}

/// Waits until the other programs on the machine use less than [`QUIET`] cores (over a tenth
/// of a second), or [`QUIET_WAIT`] has passed.
fn wait_for_quiet() {
    let started = Instant::now();
    while started.elapsed() < QUIET_WAIT {
        let (before, then) = (machine_busy_ticks(), Instant::now());
        std::thread::sleep(Duration::from_millis(100));
        let busy = machine_busy_ticks().saturating_sub(before) as f64 / TICKS_PER_SECOND / then.elapsed().as_secs_f64();
        if busy < QUIET {
            return;
        }
    }
    eprintln!("the machine stayed busy for {QUIET_WAIT:?}: measuring anyway");
}

fn cores_between(start: &Sample, end: &Sample) -> f64 {
    let wall = end.at.duration_since(start.at).as_secs_f64();
    if wall <= 0.0 {
        return 0.0;
    }
    end.cpu_ticks.saturating_sub(start.cpu_ticks) as f64 / TICKS_PER_SECOND / wall
}

/// The fields of `/proc/<pid>/stat` after the command name, which is in parentheses and may
/// itself hold spaces and parentheses; index 0 is field 3 (the state letter).
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, after_name) = text.rsplit_once(')')?;
    Some(after_name.split_whitespace().map(str::to_owned).collect())
}

/// A process's CPU time so far (fields 14 and 15, all its threads), or None once it has ended
/// (a zombie's times are not read: the kernel may already have folded them elsewhere).
fn cpu_ticks(pid: u32) -> Option<u64> {
    let fields = stat_fields(pid)?;
    if fields.first().is_none_or(|state| state == "Z") {
        return None;
    }
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// The context switches, voluntary and involuntary, of the threads of process `pid` alive now.
fn switches(pid: u32) -> (u64, u64) {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return (0, 0) };
    let mut counts = (0, 0);
    for task in tasks.flatten() {
        let Ok(status) = std::fs::read_to_string(task.path().join("status")) else { continue };
        for line in status.lines() {
            let Some((key, value)) = line.split_once(':') else { continue };
            let slot = match key {
                "voluntary_ctxt_switches" => &mut counts.0,
                "nonvoluntary_ctxt_switches" => &mut counts.1,
                _ => continue,
            };
            *slot += value.trim().parse::<u64>().unwrap_or(0);
        }
    }
    counts
}

/// The busy time of all cores so far (the first line of `/proc/stat`), in clock ticks.
fn machine_busy_ticks() -> u64 {
    let text = std::fs::read_to_string("/proc/stat").expect("/proc/stat (Linux) is readable");
    let first = text.lines().next().expect("/proc/stat starts with the cpu line");
    let fields: Vec<u64> = first.split_whitespace().skip(1).map(|field| field.parse().expect("a tick count")).collect();
    // user nice system idle iowait irq softirq steal: everything but idle and iowait is busy.
    [0, 1, 2, 5, 6, 7].iter().filter_map(|&index| fields.get(index)).sum()
}

/// The interpreter `threadviz` (process `parent`) started: a child whose command name starts
/// with `python`.
fn python_child_of(parent: u32) -> Option<u32> {
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|name| name.parse::<u32>().ok()) else { continue };
        let Some(fields) = stat_fields(pid) else { continue };
        if fields.get(1).and_then(|ppid| ppid.parse::<u32>().ok()) != Some(parent) {
            continue;
        }
        let command = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if command.starts_with("python") {
            return Some(pid);
        }
    }
    None
}

/// Which process of a run is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Measure {
    /// The process started.
    Itself,
    /// The interpreter that `threadviz demo --python` starts.
    ItsPython,
}

/// The processes of a run, killed when dropped (a failed assertion or the deadline) unless
/// they have ended.
struct Running {
    child: Child,
    python: Option<u32>,
}

impl Drop for Running {
    fn drop(&mut self) {
        // Only the interpreter this run started: still alive and still threadviz's child.
        if let Some(python) = self.python.filter(|&pid| python_child_of(self.child.id()) == Some(pid)) {
            let pid = nix::unistd::Pid::from_raw(i32::try_from(python).expect("a pid fits an i32"));
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        }
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// Runs `program` with `args` from the repository's folder and reads the CPU time of the
/// process `which` names while it runs; fails if it does not end within [`DEADLINE`] or ends
/// with an error.
fn measure(program: &str, args: &[&str], which: Measure) -> Measured {
    let what = format!("`{} {}`", program.rsplit('/').next().unwrap_or(program), args.join(" "));
    wait_for_quiet();
    let child = Command::new(program)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run {program}: {error}"));
    let mut running = Running { child, python: None };
    let read_all = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            pipe.read_to_string(&mut text).expect("the output is text");
            text
        })
    };
    let stdout = read_all(Box::new(running.child.stdout.take().expect("stdout is piped")));
    let stderr = read_all(Box::new(running.child.stderr.take().expect("stderr is piped")));
    let started = Instant::now();
    let machine_before = machine_busy_ticks();
    let mut samples = Vec::new();
    let status = loop {
        if let Some(status) = running.child.try_wait().expect("the child can be waited for") {
            break status;
        }
        assert!(started.elapsed() < DEADLINE, "{what} did not end within {DEADLINE:?}");
        let pid = match which {
            Measure::Itself => Some(running.child.id()),
            Measure::ItsPython => {
                if running.python.is_none() {
                    running.python = python_child_of(running.child.id());
                }
                running.python
            }
        };
        if let Some((pid, cpu_ticks)) = pid.and_then(|pid| Some((pid, cpu_ticks(pid)?))) {
            let (voluntary, involuntary) = switches(pid);
            let machine_ticks = machine_busy_ticks();
            samples.push(Sample { at: Instant::now(), cpu_ticks, voluntary, involuntary, machine_ticks });
        }
        std::thread::sleep(SAMPLE_EVERY);
    };
    let machine_cores =
        machine_busy_ticks().saturating_sub(machine_before) as f64 / TICKS_PER_SECOND / started.elapsed().as_secs_f64();
    let measured = Measured {
        what,
        stdout: stdout.join().expect("the stdout reader ends"),
        stderr: stderr.join().expect("the stderr reader ends"),
        samples,
        machine_cores,
    };
    assert!(status.success(), "{} ended with {status}: {}", measured.what, measured.stderr);
    assert!(
        measured
            .samples
            .last()
            .zip(measured.samples.first())
            .is_some_and(|(last, first)| last.at - first.at >= WINDOW * 2),
        "{} was measured for at least {:?}: {} readings",
        measured.what,
        WINDOW * 2,
        measured.samples.len()
    );
    eprintln!("{}", measured.figures());
    measured
}

/// What the demo printed, in the Rust demo's and the twin's words alike (a plain log line has
/// the thread's name in front, a bare `python3` prints the message alone).
#[derive(Debug)]
struct Printed {
    cores: usize,
    busy: usize,
    /// Each busy thread's `done: N chunks`.
    busy_chunks: Vec<u64>,
    /// The sleeper's `done: N chunks between naps`.
    sleeper_chunks: u64,
}

fn read_printed(measured: &Measured) -> Printed {
    let text = &measured.stdout;
    let message = |line: &str| line.split_once(") ").map_or(line, |(_, message)| message).to_owned();
    let messages: Vec<String> = text.lines().map(message).collect();
    let header = messages.first().unwrap_or_else(|| panic!("{} printed nothing", measured.what));
    let (cores, rest) = header.split_once(" cores, ").unwrap_or_else(|| panic!("`N cores, ...` first: {text}"));
    let busy = rest
        .strip_suffix(" busy threads and one sleeper")
        .and_then(|busy| busy.parse().ok())
        .unwrap_or_else(|| panic!("`M busy threads and one sleeper`: {header}"));
    // Python's `print` writes the message and its newline separately, so two threads' lines
    // can share one (`done: 476 chunksdone: 494 chunks`): each `done: ` is read where it is.
    let (mut busy_chunks, mut sleeper_chunks) = (Vec::new(), Vec::new());
    for (_, after) in text.match_indices("done: ").map(|(at, opener)| text.split_at(at + opener.len())) {
        let digits = after.find(|c: char| !c.is_ascii_digit()).unwrap_or(after.len());
        let chunks: u64 = after[..digits].parse().unwrap_or_else(|_| panic!("`done: N`: {text}"));
        if after[digits..].starts_with(" chunks between naps") {
            sleeper_chunks.push(chunks);
        } else {
            assert!(after[digits..].starts_with(" chunks"), "`done: N chunks`: {text}");
            busy_chunks.push(chunks);
        }
    }
    assert_eq!(sleeper_chunks.len(), 1, "one sleeper reports: {text}");
    assert_eq!(messages.last().map(String::as_str), Some("time is up"), "{} ends by itself: {text}", measured.what);
    Printed {
        cores: cores.parse().unwrap_or_else(|_| panic!("a number of cores: {header}")),
        busy,
        busy_chunks,
        sleeper_chunks: sleeper_chunks[0],
    }
}

/// The CPU time one chunk of the twin's work takes on an idle core (its `CHUNK`), read from its
/// source so that the two can never drift apart.
fn twin_chunk_seconds() -> f64 {
    let source = std::fs::read_to_string(format!("{}/{TWIN}", env!("CARGO_MANIFEST_DIR"))).expect("the twin is there");
    source
        .lines()
        .find_map(|line| line.strip_prefix("CHUNK = ")?.split_whitespace().next()?.parse().ok())
        .expect("the twin sets `CHUNK = seconds`")
}

/// The machine's cores as Rust counts them (CPU affinity and cgroup quotas included).
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, NonZero::get)
}

#[test]
fn the_rust_demo_s_busy_threads_compute_on_several_cores_at_once() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let cores = cores();
    if cores < 2 {
        eprintln!("skipped: this machine gives threadviz {cores} core, so nothing can run in parallel");
        return;
    }
    let binary = env!("CARGO_BIN_EXE_threadviz");
    let mut runs = Vec::new();
    for _ in 0..RUST_ATTEMPTS {
        let run = measure(binary, &["demo", "timeslice", "--plain", "--speed", RUST_SPEED], Measure::Itself);
        let printed = read_printed(&run);
        assert_eq!(printed.cores, cores, "the demo counts the cores as Rust does: {}", run.stdout);
        assert_eq!(printed.busy, (cores + 2).min(12), "two more busy threads than cores: {}", run.stdout);
        assert_eq!(printed.busy_chunks.len(), printed.busy, "every busy thread reports: {}", run.stdout);
        let parallel = run.busiest_window() >= PARALLEL;
        // With the cores left free for half a second, the demo must have taken them.
        let quiet = run.busiest_quiet_window();
        assert!(
            quiet.is_none_or(|cores| cores >= PARALLEL),
            "the other programs left the cores free for {WINDOW:?} and more, yet the Rust demo's busy threads \
             used at most {:.2} cores' worth then: {}",
            quiet.unwrap_or_default(),
            run.figures()
        );
        runs.push(run);
        if parallel {
            return;
        }
    }
    let figures: Vec<String> = runs.iter().map(Measured::figures).collect();
    panic!(
        "other programs never left the cores free for {WINDOW:?} in {RUST_ATTEMPTS} runs, so the Rust demo's \
         parallelism could not be seen (it used {PARALLEL} cores' worth in none of them); run this test \
         again on a quieter machine:\n{}",
        figures.join("\n")
    );
}

#[test]
fn the_python_twin_s_busy_threads_share_one_core_under_the_gil() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let hooked =
        measure(env!("CARGO_BIN_EXE_threadviz"), &["demo", "timeslice", "--python", "--plain"], Measure::ItsPython);
    let bare = measure("python3", &[TWIN], Measure::Itself);
    let chunk = twin_chunk_seconds();
    for run in [&hooked, &bare] {
        assert!(
            run.busiest_window() <= ONE_CORE && run.cores() <= ONE_CORE,
            "the GIL lets one thread compute at a time, so at most one core's worth: {}",
            run.figures()
        );
        let printed = read_printed(run);
        assert_eq!(printed.busy, (printed.cores + 2).min(12), "two more busy threads than cores: {}", run.stdout);
        assert!(printed.busy > printed.cores, "more busy threads than cores: {}", run.stdout);
        assert_eq!(printed.busy_chunks.len(), printed.busy, "every busy thread reports: {}", run.stdout);
        // A chunk is CHUNK seconds of CPU (calibrated once, over a few milliseconds of the
        // thread's own CPU clock), so the chunks printed can be no more work than the CPU time
        // measured, give or take that calibration (on a shared machine a calibration slowed by
        // a neighbour makes every chunk cheaper: up to 30% was seen here).
        let total: u64 = printed.busy_chunks.iter().sum::<u64>() + printed.sleeper_chunks;
        let work = total as f64 * chunk;
        eprintln!("{}: {total} chunks = {work:.2} s of work in {:.2} s of CPU", run.what, run.cpu_seconds());
        assert!(
            work <= run.cpu_seconds() * 1.6,
            "{total} chunks of {chunk} s = {work:.2} s of work, in {:.2} s of CPU: {}",
            run.cpu_seconds(),
            run.figures()
        );
        // A thread waiting for the GIL sleeps in the kernel and wakes every switch interval
        // (5 ms) to ask for it: each busy thread's voluntary switches climb by about 200 a
        // second (fewer when other programs keep the cores), where a Rust busy thread has next
        // to none.
        let voluntary = run.switches_a_second(|sample| sample.voluntary) / printed.busy as f64;
        assert!(
            voluntary >= 50.0,
            "the busy threads give their core away while they wait for the GIL: {}",
            run.figures()
        );
        // The one core is shared: each busy thread gets about its 1/N of it.
        let mean = printed.busy_chunks.iter().sum::<u64>() as f64 / printed.busy as f64;
        assert!(
            printed.busy_chunks.iter().all(|&chunks| chunks as f64 >= mean / 2.0),
            "every busy thread gets a fair share of the one core: {:?}: {}",
            printed.busy_chunks,
            run.stdout
        );
    }
}
