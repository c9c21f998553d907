//! The controlled gate: one thread moves at a time, and only when its controller grants it a
//! step, whether it waits at the gate or is blocked in a wait.
//!
//! A blocked thread does not wake itself: a notify on what it waits for only *pokes* it, which
//! makes it one of the controller's choices. Granted, it checks its wait again; it may find the
//! wait still unsatisfied (another poked thread took the lock first, or the notify was meant
//! for another waiter) and block again, having done nothing: the grant is refused. A blocked
//! thread with a deadline can also be granted its timeout, which is how the controller lets
//! demo time pass.

use super::{Gate, PauseState};
use crate::event::Tid;

/// A thread blocked in a controlled session.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Blocked {
    /// The address of the wait cell it blocks on, which notifies poke.
    cell: usize,
    /// Its demo-time deadline, if the wait is timed (sleeps included).
    pub(super) deadline: Option<u64>,
    /// A notify on its cell since it last blocked: granting it may let it go on.
    poked: bool,
    /// The wait is a sleep: only its deadline ends it.
    sleep: bool,
}

/// What the controller may choose from once nothing moves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Choices {
    /// Threads waiting at the gate before their next operation, in thread order.
    pub(crate) ready: Vec<Tid>,
    /// Blocked threads whose wait may be over, in thread order.
    pub(crate) poked: Vec<Tid>,
    /// The earliest deadline of a timed wait and its thread: letting time pass ends it.
    pub(crate) timeout: Option<(u64, Tid)>,
}

/// How a blocked thread of a controlled session was resumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resumed {
    /// Granted a step: check the wait again.
    Granted,
    /// Granted its timeout: demo time has reached its deadline.
    TimedOut,
    /// Killed (abort or shutdown): unwind.
    Killed,
}

impl Gate {
    /// A controlled gate, its first thread already moving (the main thread, on its way to its
    /// first operation).
    pub(crate) fn controlled(first: Tid) -> Self {
        Self::starting(PauseState::Stepping(first))
    }

    /// `tid` blocks on the wait cell at `cell` until a grant: its step, if it had one, is over.
    /// `again` says it was granted and found its wait still unsatisfied: that grant did nothing.
    /// `sleep` says the wait is a sleep, which only its deadline ends.
    pub(crate) fn block(&self, tid: Tid, cell: usize, deadline: Option<u64>, again: bool, sleep: bool) {
        let mut state = self.state.lock();
        state.ready.remove(&tid);
        state.timing += u64::from(deadline.is_some());
        state.timed_wait |= deadline.is_some() && !sleep;
        state.blocked.insert(tid, Blocked { cell, deadline, poked: false, sleep });
        if state.mode == PauseState::Stepping(tid) {
            state.mode = PauseState::Paused;
            state.grant_refused = again;
            self.settled.notify_all();
        }
    }

    /// A notify on the wait cell at `cell`: every thread blocked on it may be able to go on.
    pub(crate) fn poke(&self, cell: usize) {
        let mut state = self.state.lock();
        for blocked in state.blocked.values_mut().filter(|blocked| blocked.cell == cell) {
            blocked.poked = true;
        }
    }

    /// Waits, blocked, until the controller grants `tid` a step or its timeout, or `killed()`.
    pub(crate) fn await_grant(&self, tid: Tid, killed: impl Fn() -> bool) -> Resumed {
        let mut state = self.state.lock();
        loop {
            if killed() {
                state.unblock(tid);
                super::done_waiting(&mut state, tid);
                return Resumed::Killed;
            }
            if state.grant == Some(tid) {
                state.grant = None;
                state.unblock(tid);
                state.mode = PauseState::Stepping(tid);
                super::done_waiting(&mut state, tid);
                return if std::mem::take(&mut state.grant_timeout) { Resumed::TimedOut } else { Resumed::Granted };
            }
            super::wait_own(&mut state, tid, None);
        }
    }

    /// How many times a timed wait began or ended, or the program read demo time: a step
    /// during which this did not change neither decided nor saw which deadline comes first, nor
    /// what time it is, so it commutes with time passing (partial-order reduction's reading).
    pub(crate) fn timing(&self) -> u64 {
        self.state.lock().timing
    }

    /// The program read demo time ([`Session::now`](crate::Session::now)): the step did
    /// something that depends on when time passes.
    pub(crate) fn note_clock_read(&self) {
        let mut state = self.state.lock();
        state.timing += 1;
        state.timed_wait = true;
    }

    /// Whether the program began a timed wait other than a sleep, or read demo time: what it
    /// does may then depend on which deadline comes first, which sleeps that end in any order
    /// do not keep.
    pub(crate) fn timed_wait_or_clock_read(&self) -> bool {
        self.state.lock().timed_wait
    }

    /// What may move now; meaningful once the last step has settled.
    pub(crate) fn choices(&self) -> Choices {
        let state = self.state.lock();
        Choices {
            ready: state.ready.keys().copied().collect(),
            poked: state.blocked.iter().filter(|(_, blocked)| blocked.poked).map(|(&tid, _)| tid).collect(),
            timeout: state
                .blocked
                .iter()
                .filter_map(|(&tid, blocked)| blocked.deadline.map(|deadline| (deadline, tid)))
                .min(),
        }
    }

    /// Grants `tid` one step: a thread at the gate performs its next operation, a poked one
    /// checks its wait again, and with `timeout` a timed wait ends (the caller has moved demo
    /// time to its deadline). False when `tid` is none of these, or a step is under way.
    pub(crate) fn grant(&self, tid: Tid, timeout: bool) -> bool {
        let mut state = self.state.lock();
        let allowed = Self::allowed(&state, tid, timeout);
        if allowed {
            state.grant = Some(tid);
            state.grant_timeout = timeout;
            state.grant_refused = false;
            state.last_stepped = tid;
            state.wake(tid);
        }
        allowed
    }

    /// Whether `tid` is blocked in a wait (not at the gate).
    pub(crate) fn is_blocked(&self, tid: Tid) -> bool {
        self.state.lock().blocked.contains_key(&tid)
    }

    /// Whether `tid` sleeps (`None`: whether any thread does) until its deadline.
    pub(crate) fn is_asleep(&self, tid: Option<Tid>) -> bool {
        let state = self.state.lock();
        state.blocked.iter().any(|(&blocked_tid, blocked)| {
            blocked.sleep && blocked.deadline.is_some() && tid.is_none_or(|tid| tid == blocked_tid)
        })
    }

    /// Whether [`grant`](Self::grant) would grant `tid` now.
    pub(crate) fn may_grant(&self, tid: Tid, timeout: bool) -> bool {
        Self::allowed(&self.state.lock(), tid, timeout)
    }

    fn allowed(state: &super::GateState, tid: Tid, timeout: bool) -> bool {
        if state.mode != PauseState::Paused || state.grant.is_some() {
            return false;
        }
        match state.blocked.get(&tid) {
            Some(blocked) if timeout => blocked.deadline.is_some(),
            Some(blocked) => blocked.poked,
            None => !timeout && state.ready.contains_key(&tid),
        }
    }

    /// Whether the last grant was refused: the thread found its wait unsatisfied and blocked
    /// again without doing anything. Asked once the step has settled.
    pub(crate) fn grant_refused(&self) -> bool {
        self.state.lock().grant_refused
    }
}

#[cfg(test)]
mod tests {
    //! Grants, pokes and refusals of a controlled gate, driven by hand.

    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_blocked_thread_is_a_choice_only_once_poked() {
        let gate = Gate::controlled(1);
        gate.block(1, 100, None, false, false);
        assert_eq!(gate.mode(), PauseState::Paused, "blocking ends the first thread's step");
        assert_eq!(gate.choices(), Choices::default());
        assert!(!gate.grant(1, false), "not poked: nothing would let it go on");
        gate.poke(200);
        assert!(gate.choices().poked.is_empty(), "a notify elsewhere does not poke it");
        gate.poke(100);
        assert_eq!(gate.choices().poked, [1]);
    }

    #[test]
    fn the_earliest_deadline_is_the_timeout_choice() {
        let gate = Gate::controlled(1);
        gate.block(1, 100, Some(50), false, false);
        gate.block(2, 101, Some(20), false, false);
        gate.block(3, 102, None, false, false);
        assert_eq!(gate.choices().timeout, Some((20, 2)));
        assert!(!gate.grant(3, true), "an untimed wait has no timeout to grant");
    }

    #[test]
    fn a_granted_thread_that_blocks_again_refuses_the_grant() {
        let gate = Arc::new(Gate::controlled(1));
        gate.block(1, 100, None, false, false);
        gate.poke(100);
        let blocked = gate.clone();
        let thread = std::thread::spawn(move || {
            assert_eq!(blocked.await_grant(1, || false), Resumed::Granted);
            blocked.block(1, 100, None, true, false);
        });
        assert!(gate.grant(1, false));
        assert!(!gate.grant(1, false), "one grant at a time");
        assert!(gate.wait_settled(Duration::from_secs(30)));
        thread.join().expect("the granted thread ends");
        assert!(gate.grant_refused());
        assert!(gate.choices().poked.is_empty(), "blocked again, not poked");
    }
}
