//! threadviz's explorer beside Shuttle and loom, in one run, on the same four std-style
//! programs (a correct locked counter, a lost update on an atomic, a two-lock deadlock, a lost
//! wake-up), each written once and compiled three times against `threadviz::std`, `shuttle`
//! and `loom`, only the module they import from changing. It prints figures and ratios
//! (threadviz / peer) and asserts no timing:
//!
//! - (a) an exhaustive search of the counter with 2 and 3 threads, no preemption bound: runs
//!   and wall time (threadviz's DFS with its partial-order reduction and without it, Shuttle's
//!   `check_dfs`, `loom::model`);
//! - (b) random exploration of the lost update: runs a second (loom has no random mode);
//! - (c) PCT at depth 2: the runs until the first failure of the lost update, the deadlock and
//!   the lost wake-up, the median over 21 seeds (threadviz and Shuttle's `check_pct`).
//!
//! Run with `cargo bench --bench peers` (about 25 s on 2 cores). Shuttle reports
//! a failure by printing to stderr and panicking; its searches for failures run in a child
//! process of this bench whose stderr is dropped, so that the table stays readable.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use threadviz::explore::{Explorer, FailureKind, Strategy};

/// The four programs, as a std user writes them; `stdx` is `threadviz::std`, `shuttle` or
/// `loom`, whose `sync` and `thread` modules mirror std's.
macro_rules! programs {
    () => {
        use stdx::sync::atomic::{AtomicU64, Ordering::SeqCst};
        use stdx::sync::{Arc, Condvar, Mutex};
        use stdx::thread;

        /// (1) `threads` threads each add one to a counter under a mutex; the total is right.
        pub fn locked_counter(threads: u64) {
            let counter = Arc::new(Mutex::new(0_u64));
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    let counter = Arc::clone(&counter);
                    thread::spawn(move || {
                        *counter.lock().expect("not poisoned") += 1;
                    })
                })
                .collect();
            for worker in workers {
                worker.join().expect("a worker panicked");
            }
            assert_eq!(*counter.lock().expect("not poisoned"), threads, "an update was lost under the mutex");
        }

        /// (2) Two threads add one to a counter with a separate load and store: the final
        /// count, 1 when an update was lost.
        pub fn lost_update() -> u64 {
            let counter = Arc::new(AtomicU64::new(0));
            let workers: Vec<_> = (0..2)
                .map(|_| {
                    let counter = Arc::clone(&counter);
                    thread::spawn(move || {
                        let seen = counter.load(SeqCst);
                        counter.store(seen + 1, SeqCst);
                    })
                })
                .collect();
            for worker in workers {
                worker.join().expect("a worker panicked");
            }
            counter.load(SeqCst)
        }

        /// (2) checked: the lost update fails.
        pub fn the_counter_is_two() {
            assert_eq!(lost_update(), 2, "an update to the counter was lost");
        }

        /// (3) Two threads take two locks in opposite orders.
        pub fn two_lock_deadlock() {
            let first = Arc::new(Mutex::new(0));
            let second = Arc::new(Mutex::new(0));
            let other = {
                let (first, second) = (Arc::clone(&first), Arc::clone(&second));
                thread::spawn(move || {
                    let mut a = first.lock().expect("not poisoned");
                    let mut b = second.lock().expect("not poisoned");
                    *a += 1;
                    *b += 1;
                })
            };
            {
                let mut b = second.lock().expect("not poisoned");
                let mut a = first.lock().expect("not poisoned");
                *a += 1;
                *b += 1;
            }
            other.join().expect("the other thread panicked");
        }

        /// (4) The waiter waits without checking the flag first: a notify sent before it
        /// waits is lost, and the waiter (and the main thread joining it) wait for good.
        pub fn lost_wakeup() {
            let pair = Arc::new((Mutex::new(false), Condvar::new()));
            let waiter = {
                let pair = Arc::clone(&pair);
                thread::spawn(move || {
                    let (ready, condvar) = &*pair;
                    let guard = ready.lock().expect("not poisoned");
                    let guard = condvar.wait(guard).expect("not poisoned");
                    assert!(*guard, "woken before the flag was set");
                })
            };
            let (ready, condvar) = &*pair;
            *ready.lock().expect("not poisoned") = true;
            condvar.notify_one();
            waiter.join().expect("the waiter panicked");
        }
    };
}

mod on_threadviz {
    use threadviz::std as stdx;
    programs!();
}

mod on_shuttle {
    use shuttle as stdx;
    programs!();
}

// loom only searches the counter exhaustively: it has no random or PCT mode.
#[allow(dead_code, reason = "loom explores only the locked counter here")]
mod on_loom {
    use loom as stdx;
    programs!();
}

/// The environment variable that makes this bench a child running Shuttle's PCT searches.
const CHILD: &str = "THREADVIZ_PEERS_SHUTTLE_PCT";
/// The PCT depth both tools use: each of these bugs needs two ordering constraints.
const PCT_DEPTH: usize = 2;
/// The seeds of the PCT searches; the median of their runs to the first failure is shown.
const PCT_SEEDS: std::ops::RangeInclusive<u64> = 1..=21;
/// The most runs one PCT search may take before it is said not to have found the failure.
const PCT_RUNS: usize = 10_000;
/// The time one exhaustive search is given before it is said not to have finished: Shuttle
/// stops at it; threadviz, which counts runs rather than time, stops after the runs that its
/// rate on 2 threads fits in it (the time it took is printed as it was).
const DFS_BUDGET: Duration = Duration::from_secs(15);
/// The runs of each random exploration of the lost update.
const RANDOM_RUNS: usize = 3_000;

/// Runs of the program body begun so far, counted from inside the body: the same count for
/// every tool, whatever the tool itself reports.
static BODIES: AtomicUsize = AtomicUsize::new(0);

fn counted(program: fn()) -> impl Fn() + Send + Sync + 'static {
    move || {
        BODIES.fetch_add(1, Ordering::SeqCst);
        program();
    }
}

/// One exhaustive search: how many runs, how long, and whether it saw every interleaving.
struct Search {
    runs: usize,
    time: Duration,
    finished: bool,
}

impl Search {
    /// Runs a second.
    fn rate(&self) -> f64 {
        self.runs as f64 / self.time.as_secs_f64()
    }

    /// How many runs at this search's rate fit in `budget`.
    fn runs_within(&self, budget: Duration) -> usize {
        let runs = self.runs as u128 * budget.as_nanos() / self.time.as_nanos().max(1);
        usize::try_from(runs).unwrap_or(usize::MAX)
    }

    fn words(&self) -> String {
        let time = self.time.as_secs_f64();
        if self.finished {
            format!("{:>6} runs in {:>9.2} ms ({:>7.1} us/run)", self.runs, time * 1e3, time * 1e6 / self.runs as f64)
        } else {
            format!("not finished after {} runs in {time:.1} s", self.runs)
        }
    }
}

/// The least time measured for a figure: a search quicker than that is repeated (it explores
/// the same runs each time) and its time is the mean.
const MEASURED: Duration = Duration::from_millis(200);

/// `search`, repeated until [`MEASURED`] has passed, with the mean time of one.
fn repeated(search: impl Fn() -> Search) -> Search {
    let first = search();
    let (mut total, mut times, mut finished) = (first.time, 1_u32, first.finished);
    while total < MEASURED {
        let again = search();
        total += again.time;
        times += 1;
        finished &= again.finished;
    }
    Search { runs: first.runs, time: total / times, finished }
}

fn threadviz_dfs(strategy: Strategy, threads: u64, runs: usize) -> Search {
    let started = Instant::now();
    let report = Explorer::new()
        .strategy(strategy)
        .runs(runs)
        .shrink(false)
        .check(move || on_threadviz::locked_counter(threads))
        .expect("the locked counter is correct");
    Search { runs: report.runs(), time: started.elapsed(), finished: report.is_exhaustive() }
}

fn shuttle_dfs(threads: u64) -> Search {
    let mut config = shuttle::Config::new();
    config.max_time = Some(DFS_BUDGET);
    let runner = shuttle::Runner::new(shuttle::scheduler::DfsScheduler::new(None, false), config);
    let started = Instant::now();
    let runs = runner.run(move || on_shuttle::locked_counter(threads));
    let time = started.elapsed();
    // Shuttle stops quietly at max_time: a search that lasted less than it has finished.
    Search { runs, time, finished: time < DFS_BUDGET }
}

fn loom_dfs(threads: u64) -> Search {
    BODIES.store(0, Ordering::SeqCst);
    let started = Instant::now();
    loom::model(move || {
        BODIES.fetch_add(1, Ordering::SeqCst);
        on_loom::locked_counter(threads);
    });
    Search { runs: BODIES.load(Ordering::SeqCst), time: started.elapsed(), finished: true }
}

/// `threadviz / peer` for two numbers, to 3 significant digits at least: `0.420x`, `0.00942x`,
/// `56.8x`.
fn ratio(threadviz: f64, peer: f64) -> String {
    let ratio = threadviz / peer;
    let mut decimals = 0;
    let mut above = 100.0;
    while ratio < above && decimals < 9 {
        decimals += 1;
        above /= 10.0;
    }
    format!("{ratio:.decimals$}x")
}

/// The ratios of runs and time of two finished searches, or why there are none.
fn search_ratios(threadviz: &Search, peer: &Search) -> String {
    if threadviz.finished && peer.finished {
        format!(
            "runs {}, time {}, time per run {}",
            ratio(threadviz.runs as f64, peer.runs as f64),
            ratio(threadviz.time.as_secs_f64(), peer.time.as_secs_f64()),
            ratio(threadviz.time.as_secs_f64() / threadviz.runs as f64, peer.time.as_secs_f64() / peer.runs as f64)
        )
    } else {
        "none: a search did not finish".to_owned()
    }
}

fn exhaustive() {
    println!("(a) exhaustive search of the locked counter, no preemption bound");
    // threadviz's explorer takes a number of runs, not a time: the 2-thread searches, which
    // finish, set the run caps of the 3-thread ones at what their rate fits in the budget.
    let (mut reduced_cap, mut plain_cap) = (usize::MAX, usize::MAX);
    for threads in [2, 3] {
        let reduced = repeated(|| threadviz_dfs(Strategy::Dpor, threads, reduced_cap));
        let plain = repeated(|| threadviz_dfs(Strategy::Dfs { preemptions: usize::MAX }, threads, plain_cap));
        (reduced_cap, plain_cap) = (reduced.runs_within(DFS_BUDGET), plain.runs_within(DFS_BUDGET));
        let shuttle = repeated(|| shuttle_dfs(threads));
        let loom = repeated(|| loom_dfs(threads));
        println!("  {threads} threads");
        println!("    threadviz dfs (DPOR)        {}", reduced.words());
        println!("    threadviz dfs --no-reduce   {}", plain.words());
        println!("    shuttle check_dfs           {}", shuttle.words());
        println!("    loom model                  {}", loom.words());
        println!("    threadviz DPOR / loom:          {}", search_ratios(&reduced, &loom));
        println!("    threadviz no-reduce / shuttle:  {}", search_ratios(&plain, &shuttle));
    }
}

fn random_throughput() {
    println!("(b) random exploration of the lost update, 2 threads, {RANDOM_RUNS} runs (unchecked: it runs on)");
    // threadviz sees a lost update without the assertion: the runs in which it saw one.
    let lost = Cell::new(0);
    let threadviz = repeated(|| {
        let started = Instant::now();
        let explorer = Explorer::new().strategy(Strategy::Random).runs(RANDOM_RUNS).seed(1).shrink(false);
        let report = explorer
            .check(|| {
                on_threadviz::lost_update();
            })
            .expect("unchecked, the lost update does not fail");
        let time = started.elapsed();
        lost.set(report.runs_with(FailureKind::LostUpdate));
        Search { runs: report.runs(), time, finished: true }
    });
    let shuttle = repeated(|| {
        let scheduler = shuttle::scheduler::RandomScheduler::new_from_seed(1, RANDOM_RUNS);
        let started = Instant::now();
        let runs = shuttle::Runner::new(scheduler, shuttle::Config::new()).run(|| {
            on_shuttle::lost_update();
        });
        Search { runs, time: started.elapsed(), finished: true }
    });
    let (threadviz, shuttle) = (threadviz.rate(), shuttle.rate());
    println!(
        "    threadviz random     {threadviz:>9.0} runs/s (and it saw the lost update, unasked, in {} of {RANDOM_RUNS} runs)",
        lost.get()
    );
    println!("    shuttle check_random {shuttle:>9.0} runs/s");
    println!("    threadviz / shuttle: {}", ratio(threadviz, shuttle));
}

/// The programs whose first failure PCT looks for, by name.
const FAILING: [&str; 3] = ["lost update", "two-lock deadlock", "lost wake-up"];

fn failing(name: &str, tool: &str) -> fn() {
    match (name, tool) {
        ("lost update", "threadviz") => on_threadviz::the_counter_is_two,
        ("two-lock deadlock", "threadviz") => on_threadviz::two_lock_deadlock,
        ("lost wake-up", "threadviz") => on_threadviz::lost_wakeup,
        ("lost update", _) => on_shuttle::the_counter_is_two,
        ("two-lock deadlock", _) => on_shuttle::two_lock_deadlock,
        ("lost wake-up", _) => on_shuttle::lost_wakeup,
        _ => unreachable!("a failing program: {name}"),
    }
}

/// threadviz's runs until PCT finds the failure of `program` with each seed (`None`: not in
/// [`PCT_RUNS`]).
fn threadviz_pct(program: fn()) -> Vec<Option<usize>> {
    PCT_SEEDS
        .map(|seed| {
            BODIES.store(0, Ordering::SeqCst);
            let explorer = Explorer::new().strategy(Strategy::Pct { depth: PCT_DEPTH }).runs(PCT_RUNS).seed(seed);
            explorer.shrink(false).check(counted(program)).err().map(|_| BODIES.load(Ordering::SeqCst))
        })
        .collect()
}

/// Shuttle's runs until PCT finds the failure of `program` with each seed: Shuttle panics on
/// the first failing run. Runs in the child process, whose stderr takes Shuttle's messages.
fn shuttle_pct(program: fn()) -> Vec<Option<usize>> {
    let mut config = shuttle::Config::new();
    config.failure_persistence = shuttle::FailurePersistence::None;
    PCT_SEEDS
        .map(|seed| {
            BODIES.store(0, Ordering::SeqCst);
            let scheduler = shuttle::scheduler::PctScheduler::new_from_seed(seed, PCT_DEPTH, PCT_RUNS);
            let runner = shuttle::Runner::new(scheduler, config.clone());
            let failed = panic::catch_unwind(AssertUnwindSafe(|| runner.run(counted(program)))).is_err();
            failed.then(|| BODIES.load(Ordering::SeqCst))
        })
        .collect()
}

/// As the child: Shuttle's PCT searches of `name`, one line of runs (`-` for not found).
fn child(name: &str) {
    panic::set_hook(Box::new(|_| {}));
    let runs = shuttle_pct(failing(name, "shuttle"));
    let words: Vec<String> =
        runs.iter().map(|runs| runs.map_or_else(|| "-".to_owned(), |runs| runs.to_string())).collect();
    println!("{}", words.join(" "));
}

/// Shuttle's PCT searches of `name`, run in a child process of this bench.
fn shuttle_pct_in_child(name: &str) -> Vec<Option<usize>> {
    let exe = std::env::current_exe().expect("this bench's executable");
    let output = Command::new(exe).env(CHILD, name).stderr(Stdio::null()).output().expect("the child runs");
    assert!(output.status.success(), "the child running Shuttle's PCT searches failed: {}", output.status);
    String::from_utf8_lossy(&output.stdout).split_whitespace().map(|word| word.parse().ok()).collect()
}

/// The median of 21 searches; one that found nothing counts as more than any that did.
fn median(runs: &[Option<usize>]) -> Option<usize> {
    let mut sorted = runs.to_vec();
    sorted.sort_by_key(|runs| runs.unwrap_or(usize::MAX));
    sorted[sorted.len() / 2]
}

fn median_words(runs: &[Option<usize>]) -> String {
    let found = runs.iter().flatten().count();
    let median = median(runs).map_or_else(|| format!("> {PCT_RUNS}"), |runs| runs.to_string());
    format!("median {median:>6} (found with {found} of {} seeds)", runs.len())
}

fn pct() {
    println!(
        "(c) PCT, depth {PCT_DEPTH}: runs to the first failure, over {} seeds (at most {PCT_RUNS} runs each)",
        PCT_SEEDS.count()
    );
    for name in FAILING {
        let threadviz = threadviz_pct(failing(name, "threadviz"));
        let shuttle = shuttle_pct_in_child(name);
        println!("  {name}");
        println!("    threadviz pct      {}", median_words(&threadviz));
        println!("    shuttle check_pct  {}", median_words(&shuttle));
        let ratio = match (median(&threadviz), median(&shuttle)) {
            (Some(threadviz), Some(shuttle)) => ratio(threadviz as f64, shuttle as f64),
            _ => "none: a median is not a number of runs".to_owned(),
        };
        println!("    threadviz / shuttle: {ratio}");
    }
}

fn main() {
    if let Ok(name) = std::env::var(CHILD) {
        child(&name);
        return;
    }
    // Shuttle installs its panic hook, which prints every panic, on its first run: made first, it
    // lies beneath threadviz's, which keeps the panics of explored runs quiet.
    shuttle::check(|| {});
    let started = Instant::now();
    println!(
        "threadviz {} beside shuttle and loom, on {} cores",
        env!("CARGO_PKG_VERSION"),
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    );
    exhaustive();
    random_throughput();
    pct();
    println!("all of it in {:.1} s", started.elapsed().as_secs_f64());
}
