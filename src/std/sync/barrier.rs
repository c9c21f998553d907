//! `Barrier`: std's rendezvous of `n` threads, on threadviz's barrier (`Barrier-1` in the
//! dashboard: who has arrived, who waits).

use std::fmt;

/// A barrier for `n` threads, as std's: each `wait` blocks until `n` threads have called it,
/// then all go on, and the barrier is ready for the next round.
pub struct Barrier {
    inner: crate::sync::Barrier,
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier").field("name", &self.inner.name()).field("parties", &self.inner.parties()).finish()
    }
}

// As std's: a barrier holds no data a panic could leave half done.
impl std::panic::UnwindSafe for Barrier {}
impl std::panic::RefUnwindSafe for Barrier {}

/// What `wait` says: whether this thread is the round's leader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// True for exactly one thread of each round: the last to arrive, as std chooses.
    #[must_use]
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl Barrier {
    /// A barrier for `n` threads, named `Barrier-N`. As std's, 0 behaves as 1: nobody waits.
    #[track_caller]
    #[must_use]
    pub fn new(n: usize) -> Self {
        Self { inner: crate::sync::Barrier::new(n.max(1)) }
    }

    /// Blocks until all `n` threads have arrived.
    #[track_caller]
    pub fn wait(&self) -> BarrierWaitResult {
        // Without timeouts, resets or aborts (which std has not) it never breaks.
        let index = self.inner.wait().expect("a barrier without timeouts never breaks");
        BarrierWaitResult(index + 1 == self.inner.parties())
    }
}
