//! One CPU for a controlled run: its threads move one at a time, each step a hand-off from
//! the explorer to the granted thread and back. On one CPU a hand-off is a switch there; across
//! two it wakes the other CPU, several times slower (measured: 1,262 runs a second of the
//! `race` demo, 2 threads x 2 items, pinned, against 554 free).
//!
//! The explorer's thread is pinned for the run to the CPU it is on, so that explorers running
//! side by side (a test suite's) stay spread over the machine; the run's threads inherit it
//! when they are spawned. What the program asks of the machine through `threadviz::std`
//! ([`machine_cpus`]) is what it would have been unpinned.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};

use nix::sched::{CpuSet, sched_getaffinity, sched_getcpu, sched_setaffinity};
use nix::unistd::Pid;

/// How many CPUs the explorer's thread could run on before it was first pinned; 0: never pinned.
static MACHINE_CPUS: AtomicUsize = AtomicUsize::new(0);

/// The calling thread kept on one CPU until this is dropped, when it gets back the CPUs it had.
#[must_use = "the thread is unpinned when this is dropped"]
pub(crate) struct OneCpu {
    /// The CPUs the thread had; none when it could not be pinned (and runs as before).
    before: Option<CpuSet>,
}

impl OneCpu {
    /// Pins the calling thread to the CPU it is running on, if the system lets it.
    pub(crate) fn here() -> Self {
        sched_getcpu().map_or(Self { before: None }, Self::on)
    }

    /// Pins the calling thread to `cpu`, if the system lets it. The CPUs it had count as the
    /// machine's ([`machine_cpus`]): a thread pinned already (an explorer's, pinning its run)
    /// has fewer, and the most seen is kept.
    pub(crate) fn on(cpu: usize) -> Self {
        // Pid 0: the calling thread, not the whole process.
        let this = Pid::from_raw(0);
        let Ok(before) = sched_getaffinity(this) else { return Self { before: None } };
        MACHINE_CPUS.fetch_max(cpus_of(&before).len(), Ordering::Relaxed);
        let mut one = CpuSet::new();
        let pinned = one.set(cpu).is_ok() && sched_setaffinity(this, &one).is_ok();
        Self { before: pinned.then_some(before) }
    }

    /// The CPUs the calling thread may run on, in order; none if the system does not say.
    pub(crate) fn allowed() -> Vec<usize> {
        sched_getaffinity(Pid::from_raw(0)).map(|set| cpus_of(&set)).unwrap_or_default()
    }
}

/// The CPUs in `set`, in order.
fn cpus_of(set: &CpuSet) -> Vec<usize> {
    (0..CpuSet::count()).filter(|&cpu| set.is_set(cpu).unwrap_or(false)).collect()
}

impl Drop for OneCpu {
    fn drop(&mut self) {
        if let Some(before) = &self.before {
            let _ = sched_setaffinity(Pid::from_raw(0), before);
        }
    }
}

/// How many CPUs an explored program would have had if its run were not pinned, once a run
/// has been pinned; nothing before.
pub(crate) fn machine_cpus() -> Option<NonZeroUsize> {
    NonZeroUsize::new(MACHINE_CPUS.load(Ordering::Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pinned_thread_runs_on_one_cpu_and_gets_its_cpus_back() {
        let this = Pid::from_raw(0);
        let before = sched_getaffinity(this).expect("the thread's CPUs");
        let count = |set: &CpuSet| cpus_of(set).len();
        {
            let _pinned = OneCpu::here();
            assert_eq!(count(&sched_getaffinity(this).expect("pinned CPUs")), 1);
            let spawned = std::thread::spawn(move || count(&sched_getaffinity(this).expect("a child's CPUs")));
            assert_eq!(spawned.join().expect("the child ends"), 1, "a thread spawned meanwhile inherits it");
            assert_eq!(machine_cpus().map(NonZeroUsize::get), Some(count(&before)));
        }
        assert_eq!(count(&sched_getaffinity(this).expect("CPUs after")), count(&before));
    }
}
