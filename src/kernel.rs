//! What the operating system's scheduler says about the program's threads: the kernel's state
//! letter (R, S, D...), CPU time, context switches and the last core used, read from Linux's
//! `/proc/<TID>/task/<TID>/`: the threadviz process's own threads, or a watched child's
//! (`threadviz run prog.py`), by their OS ids. Elsewhere every reading is `None`, so those columns are simply
//! absent.
//!
//! threadviz's own states say what a thread waits for in the program; these say what the OS
//! does with it, which is how time slices become visible: a busy thread stays `R` while its
//! involuntary context switches climb, one pre-emption at a time.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

/// Clock ticks per second of the time fields in `/proc/.../stat` (Linux's `USER_HZ`). It is
/// part of the kernel's user-space ABI and 100 on every architecture Rust supports on Linux
/// but Alpha; reading it properly (`sysconf(_SC_CLK_TCK)`) would need `libc`.
pub const TICKS_PER_SECOND: u64 = 100;

/// The fields threadviz uses from a thread's `stat` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    /// The kernel's state letter: `R` running or ready, `S` sleeping, `D` uninterruptible
    /// sleep, `T` stopped, `Z` zombie...
    pub state: char,
    /// CPU time used so far, user plus system, in clock ticks (`TICKS_PER_SECOND`).
    pub cpu_ticks: u64,
    /// The core the thread last ran on (field 39), if the kernel reports it.
    pub last_cpu: Option<u32>,
}

/// Context switch counts from a thread's `status` file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Switches {
    /// The thread gave up its core itself: it slept, waited or blocked.
    pub voluntary: u64,
    /// The scheduler took the core away: the thread's time slice ran out (pre-emption).
    pub involuntary: u64,
}

/// One reading of one OS thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KernelThread {
    /// The thread's id in the OS (what `/proc/self/task/` lists).
    pub os_tid: u32,
    /// The kernel's state letter.
    pub state: char,
    /// CPU time used so far, in clock ticks (`TICKS_PER_SECOND`).
    pub cpu_ticks: u64,
    /// Voluntary and involuntary context switches so far.
    pub switches: Switches,
    /// The core the thread last ran on.
    pub last_cpu: Option<u32>,
}

/// Parses the text of `/proc/<pid>/task/<tid>/stat`. The second field, the command name, is in
/// parentheses and may itself contain spaces and parentheses, so the fields after it are found
/// from the last `)`.
#[must_use]
pub fn parse_stat(text: &str) -> Option<Stat> {
    let (_, after_name) = text.rsplit_once(')')?;
    // Field 3 (the state) is the first after the name; field N is at index N - 3.
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field = |number: usize| fields.get(number - 3).copied();
    let mut state_chars = field(3)?.chars();
    let state = state_chars.next()?;
    if state_chars.next().is_some() {
        return None;
    }
    let utime: u64 = field(14)?.parse().ok()?;
    let stime: u64 = field(15)?.parse().ok()?;
    let last_cpu = field(39).and_then(|cpu| cpu.parse().ok());
    Some(Stat { state, cpu_ticks: utime.saturating_add(stime), last_cpu })
}

/// Parses the context switch counts out of the text of `/proc/<pid>/task/<tid>/status`.
#[must_use]
pub fn parse_status(text: &str) -> Option<Switches> {
    let mut voluntary = None;
    let mut involuntary = None;
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else { continue };
        let slot = match key.trim() {
            "voluntary_ctxt_switches" => &mut voluntary,
            "nonvoluntary_ctxt_switches" => &mut involuntary,
            _ => continue,
        };
        *slot = value.trim().parse().ok();
    }
    Some(Switches { voluntary: voluntary?, involuntary: involuntary? })
}

/// Whether this OS offers the readings (Linux with `/proc`).
#[must_use]
pub fn supported() -> bool {
    cfg!(target_os = "linux") && std::path::Path::new("/proc/self/task").is_dir()
}

/// The calling thread's id in the OS (`gettid`); `None` where the OS has no such id.
#[must_use]
pub fn current_os_tid() -> Option<u32> {
    #[cfg(target_os = "linux")]
    {
        u32::try_from(nix::unistd::gettid().as_raw()).ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// Reads one OS thread, of this process or another one (Linux lets every thread be found as
/// `/proc/<TID>`); `None` if it has ended or the OS has no `/proc`.
#[must_use]
pub fn read_thread(os_tid: u32) -> Option<KernelThread> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let dir = format!("/proc/{os_tid}/task/{os_tid}");
    let stat = parse_stat(&std::fs::read_to_string(format!("{dir}/stat")).ok()?)?;
    // Without the status file (a very old kernel) the counts read as zero rather than hiding
    // the state letter.
    let switches =
        std::fs::read_to_string(format!("{dir}/status")).ok().and_then(|text| parse_status(&text)).unwrap_or_default();
    Some(KernelThread { os_tid, state: stat.state, cpu_ticks: stat.cpu_ticks, switches, last_cpu: stat.last_cpu })
}

/// The CPU time (in clock ticks) of all the threads of process `pid` together, when every one
/// of them sleeps in the kernel (state S or D); `None` when one runs, none can be read, the
/// process is gone or the OS has no `/proc`. Two equal readings a moment apart say that the
/// process waits for something outside it and computes nothing meanwhile.
#[must_use]
pub fn ticks_if_all_asleep(pid: u32) -> Option<u64> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let mut ticks = 0u64;
    let mut any = false;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let stat = parse_stat(&std::fs::read_to_string(task.ok()?.path().join("stat")).ok()?)?;
        if !matches!(stat.state, 'S' | 'D') {
            return None;
        }
        ticks = ticks.saturating_add(stat.cpu_ticks);
        any = true;
    }
    any.then_some(ticks)
}

/// One thread's reading with its CPU use since the previous reading.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KernelSample {
    /// The reading.
    pub thread: KernelThread,
    /// Share of one core used since the previous sample, in percent (100 is one full core);
    /// `None` on a thread's first sample.
    pub cpu_percent: Option<f64>,
}

/// Keeps each thread's previous reading, so that CPU use can be given as a percentage over
/// the interval between two samples.
#[derive(Debug, Default, Clone)]
pub struct Sampler {
    previous: HashMap<u32, (Instant, u64)>,
}

impl Sampler {
    /// A sampler that has seen nothing yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the threads `os_tids` now where the OS offers the readings ([`supported`]); None
    /// elsewhere. What a live program's controller answers the loop with.
    pub fn sample_if_supported(&mut self, os_tids: &[u32]) -> Option<BTreeMap<u32, KernelSample>> {
        supported().then(|| self.sample(os_tids.iter().copied()))
    }

    /// Reads the threads `os_tids` now. Threads that have ended are left out.
    pub fn sample(&mut self, os_tids: impl IntoIterator<Item = u32>) -> BTreeMap<u32, KernelSample> {
        let now = Instant::now();
        let threads: Vec<KernelThread> = os_tids.into_iter().filter_map(read_thread).collect();
        self.update(now, threads)
    }

    /// Folds in readings taken at `now`; the samples by OS thread id. Threads not read this
    /// time are forgotten, so that an id the OS reuses starts afresh.
    pub fn update(
        &mut self,
        now: Instant,
        threads: impl IntoIterator<Item = KernelThread>,
    ) -> BTreeMap<u32, KernelSample> {
        let mut samples = BTreeMap::new();
        let mut previous = HashMap::new();
        for thread in threads {
            let cpu_percent = self.previous.get(&thread.os_tid).and_then(|&(then, ticks)| {
                let seconds = now.checked_duration_since(then)?.as_secs_f64();
                let used = thread.cpu_ticks.saturating_sub(ticks) as f64 / TICKS_PER_SECOND as f64;
                (seconds > 0.0).then(|| used / seconds * 100.0)
            });
            previous.insert(thread.os_tid, (now, thread.cpu_ticks));
            samples.insert(thread.os_tid, KernelSample { thread, cpu_percent });
        }
        self.previous = previous;
        samples
    }
}

#[cfg(test)]
mod tests {
    //! Reading Linux's thread statistics, and what other systems read.

    use std::time::Duration;

    use super::*;

    /// A real line from Linux, of a thread whose name holds spaces and parentheses.
    const STAT: &str = "17055 (my (odd) name) R 17053 17053 26797 0 -1 4194304 100 0 0 0 25 7 0 0 20 0 1 0 \
                        1254759 3133440 356 18446744073709551615 93930167861248 93930167881129 140728766893888 \
                        0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 93930167897136 93930167898752 93930303991808 \
                        140728766900954 140728766900981 140728766900981 140728766902251 0\n";

    const STATUS: &str = "Name:\tworker\nState:\tS (sleeping)\nTgid:\t17053\nPid:\t17055\n\
                          voluntary_ctxt_switches:\t12\nnonvoluntary_ctxt_switches:\t345\n";

    #[test]
    fn stat_fields_are_found_after_the_last_parenthesis() {
        let stat = parse_stat(STAT).expect("parses");
        assert_eq!(stat, Stat { state: 'R', cpu_ticks: 32, last_cpu: Some(1) });
    }

    #[test]
    fn a_sleeping_thread_on_core_three() {
        let text = "9 (a) S 1 1 1 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 5 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 17 3";
        assert_eq!(parse_stat(text), Some(Stat { state: 'S', cpu_ticks: 3, last_cpu: Some(3) }));
    }

    #[test]
    fn broken_stat_text_is_refused() {
        assert_eq!(parse_stat(""), None);
        assert_eq!(parse_stat("12 (no closing parenthesis R 1 2 3"), None);
        assert_eq!(parse_stat("12 (short) R 1 2 3"), None);
        assert_eq!(parse_stat("12 (x) RS 1 1 1 0 -1 0 0 0 0 0 1 2"), None, "a state is one letter");
        // A kernel too old to report the core still gives the rest.
        let old = "9 (a) S 1 1 1 0 -1 0 0 0 0 0 1 2 0 0 20";
        assert_eq!(parse_stat(old), Some(Stat { state: 'S', cpu_ticks: 3, last_cpu: None }));
    }

    #[test]
    fn status_gives_both_switch_counts() {
        assert_eq!(parse_status(STATUS), Some(Switches { voluntary: 12, involuntary: 345 }));
        assert_eq!(parse_status("Name:\tx\nvoluntary_ctxt_switches:\t1\n"), None);
    }

    fn reading(os_tid: u32, cpu_ticks: u64) -> KernelThread {
        KernelThread { os_tid, state: 'R', cpu_ticks, switches: Switches::default(), last_cpu: None }
    }

    #[test]
    fn cpu_percent_comes_from_two_samples() {
        let mut sampler = Sampler::new();
        let start = Instant::now();
        let first = sampler.update(start, [reading(7, 100), reading(8, 0)]);
        assert_eq!(first[&7].cpu_percent, None, "one sample says nothing about a rate");
        let later = start + Duration::from_secs(2);
        // Thread 7 used 1 s of CPU in 2 s, thread 8 nothing; 9 is new.
        let second = sampler.update(later, [reading(7, 200), reading(8, 0), reading(9, 50)]);
        assert_eq!(second[&7].cpu_percent, Some(50.0));
        assert_eq!(second[&8].cpu_percent, Some(0.0));
        assert_eq!(second[&9].cpu_percent, None);
        // Thread 8 ended; if the OS reuses its id, the new thread starts afresh.
        let third = sampler.update(later + Duration::from_secs(1), [reading(7, 300)]);
        assert_eq!(third[&7].cpu_percent, Some(100.0));
        let reused = sampler.update(later + Duration::from_secs(2), [reading(8, 1)]);
        assert_eq!(reused[&8].cpu_percent, None);
    }

    #[test]
    fn the_same_instant_gives_no_rate() {
        let mut sampler = Sampler::new();
        let now = Instant::now();
        sampler.update(now, [reading(1, 10)]);
        assert_eq!(sampler.update(now, [reading(1, 10)])[&1].cpu_percent, None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_current_thread_reads_itself() {
        let os_tid = current_os_tid().expect("Linux has /proc/thread-self");
        let me = read_thread(os_tid).expect("this thread's own entry");
        assert_eq!(me.os_tid, os_tid);
        assert_eq!(me.state, 'R', "a thread reading its own state is running");
        let mut sampler = Sampler::new();
        assert!(sampler.sample([os_tid]).contains_key(&os_tid));
        assert!(supported());
        // Another thread has another id.
        let other = std::thread::spawn(current_os_tid).join().expect("runs");
        assert!(other.is_some_and(|other| other != os_tid));
    }

    #[cfg(not(target_os = "linux"))]
    #[test]
    fn other_systems_read_nothing() {
        assert_eq!(current_os_tid(), None);
        assert_eq!(read_thread(1), None);
        assert!(!supported());
    }
}
