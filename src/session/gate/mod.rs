//! The pause/step gate: the state machine every instrumented call passes through.
//!
//! `Running` lets everyone through. `Paused` holds each thread at its next instrumented call
//! (it joins the ready set). A step grants one ready thread a single pass and the gate becomes
//! `Stepping(tid)` until that thread comes back to the gate, blocks, or ends.
//!
//! A running gate can also *hold* for a moment of real time (a wake-up the class should see):
//! threads that reach it wait until the moment is over, without the gate leaving `Running`.
//!
//! A *controlled* gate (exploration, a replayed schedule, a challenge) never runs: its
//! controller chooses every step, blocked threads included (`controlled.rs`).

mod controlled;

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex, MutexGuard};

use crate::event::{SourceLoc, Tid};

pub(crate) use self::controlled::{Choices, Resumed};

/// Where the gate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PauseState {
    /// Threads run freely.
    Running,
    /// Every thread stops at its next instrumented call.
    Paused,
    /// One thread was let through for one operation and has not yet stopped again.
    Stepping(Tid),
}

/// A step that took effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// The thread that moves.
    pub thread: Tid,
    /// True when no thread was ready and demo time jumped to this thread's timeout instead.
    pub advanced: bool,
}

/// Why a step request did nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepRefused {
    /// The session is running; pause it first.
    NotPaused,
    /// The previous step has not finished: this thread is still moving.
    Busy(Tid),
    /// The chosen thread cannot move now (blocked, or a sleeper with a later timeout).
    NotReady(Tid),
    /// No thread can move: all are blocked without a timeout, or all have ended.
    NothingToStep,
}

impl fmt::Display for StepRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotPaused => f.write_str("the session is running: pause it before stepping"),
            Self::Busy(tid) => write!(f, "thread #{tid} is still finishing its step"),
            Self::NotReady(tid) => write!(f, "thread #{tid} cannot move now: it waits for another thread"),
            Self::NothingToStep => f.write_str("no thread can move: every live thread is blocked"),
        }
    }
}

impl std::error::Error for StepRefused {}

#[derive(Debug)]
struct GateState {
    mode: PauseState,
    /// Threads held at the gate, by number (the deterministic step order), each with the place
    /// of the operation it stopped before (none for one without a place of its own).
    ready: BTreeMap<Tid, Option<SourceLoc>>,
    /// The thread allowed through once.
    grant: Option<Tid>,
    last_stepped: Tid,
    /// While running, threads that reach the gate wait until this instant.
    hold_until: Option<Instant>,
    /// Controlled gates only: threads blocked in a wait, which only a grant resumes.
    blocked: BTreeMap<Tid, controlled::Blocked>,
    /// Controlled gates only: timed waits begun and ended, and reads of demo time, so far
    /// ([`Gate::timing`]).
    timing: u64,
    /// Controlled gates only: a timed wait other than a sleep began, or demo time was read
    /// ([`Gate::timed_wait_or_clock_read`]).
    timed_wait: bool,
    /// Controlled gates only: the granted blocked thread resumes with its wait timed out.
    grant_timeout: bool,
    /// Controlled gates only: the last grant resumed a blocked thread that found its wait
    /// still unsatisfied and blocked again, having done nothing.
    grant_refused: bool,
    /// The threads waiting at the gate or for a grant, each on its own condition variable: a
    /// grant wakes only the thread it is for, not every other one to find it is not theirs
    /// (three wake-ups a step where one does, in a run of two threads and a joining main).
    waiting: BTreeMap<Tid, Arc<Condvar>>,
}

impl GateState {
    /// Whether a hold is in force now; forgets one that is over.
    fn holding(&mut self) -> bool {
        self.hold_until = self.hold_until.filter(|&until| Instant::now() < until);
        self.hold_until.is_some()
    }

    /// Whether threads must come to the gate at all: paused, stepping or holding.
    fn closed(&mut self) -> bool {
        self.mode != PauseState::Running || self.holding()
    }

    /// `tid` is no longer blocked; a timed wait ending counts in [`GateState::timing`].
    fn unblock(&mut self, tid: Tid) {
        if let Some(blocked) = self.blocked.remove(&tid) {
            self.timing += u64::from(blocked.deadline.is_some());
        }
    }

    /// Wakes `tid` if it waits at the gate or for a grant.
    fn wake(&self, tid: Tid) {
        if let Some(waker) = self.waiting.get(&tid) {
            waker.notify_one();
        }
    }

    /// Wakes every thread that waits at the gate or for a grant.
    fn wake_all(&self) {
        for waker in self.waiting.values() {
            waker.notify_one();
        }
    }
}

/// Waits, as `tid`, for a wake-up meant for it (or until `until`); the caller looks again.
fn wait_own(state: &mut MutexGuard<'_, GateState>, tid: Tid, until: Option<Instant>) {
    let waker = state.waiting.entry(tid).or_insert_with(|| Arc::new(Condvar::new())).clone();
    match until {
        Some(until) => {
            waker.wait_until(state, until);
        }
        None => waker.wait(state),
    }
}

/// `tid` no longer waits: wake-ups need not look for it.
fn done_waiting(state: &mut GateState, tid: Tid) {
    state.waiting.remove(&tid);
}

/// The gate. The session wraps it with the clock and the flags; this type is only the state
/// machine and the waiting.
#[derive(Debug)]
pub(crate) struct Gate {
    state: Mutex<GateState>,
    /// Controllers waiting for a step to finish wait here.
    settled: Condvar,
}

impl Gate {
    pub(crate) fn new(paused: bool) -> Self {
        Self::starting(if paused { PauseState::Paused } else { PauseState::Running })
    }

    fn starting(mode: PauseState) -> Self {
        Self {
            state: Mutex::new(GateState {
                mode,
                ready: BTreeMap::new(),
                grant: None,
                last_stepped: 0,
                hold_until: None,
                blocked: BTreeMap::new(),
                timing: 0,
                timed_wait: false,
                grant_timeout: false,
                grant_refused: false,
                waiting: BTreeMap::new(),
            }),
            settled: Condvar::new(),
        }
    }

    pub(crate) fn mode(&self) -> PauseState {
        self.state.lock().mode
    }

    /// Holds `tid` at the gate while paused, until it is granted a step, the session resumes,
    /// or `killed()` turns true; `place` is where its next operation is, kept while it is held
    /// so that a paused screen can show the line each ready thread will run. Calls `held` once the thread is held at the gate (or, when it
    /// is not held at all, before it returns): a controller that waits for it then finds the
    /// thread among the ready ones.
    pub(crate) fn pass(&self, tid: Tid, place: Option<&SourceLoc>, killed: impl Fn() -> bool, held: impl FnOnce()) {
        let mut held = Some(held);
        let mut tell = || {
            if let Some(held) = held.take() {
                held();
            }
        };
        let mut state = self.state.lock();
        if state.mode == PauseState::Stepping(tid) {
            state.mode = PauseState::Paused;
            self.settled.notify_all();
        }
        loop {
            if killed() {
                state.ready.remove(&tid);
                done_waiting(&mut state, tid);
                tell();
                return;
            }
            if state.mode == PauseState::Running {
                state.ready.remove(&tid);
                tell();
                let Some(until) = state.hold_until.filter(|&until| Instant::now() < until) else {
                    done_waiting(&mut state, tid);
                    return;
                };
                wait_own(&mut state, tid, Some(until));
                continue;
            }
            if state.grant == Some(tid) {
                state.grant = None;
                state.ready.remove(&tid);
                state.mode = PauseState::Stepping(tid);
                done_waiting(&mut state, tid);
                tell();
                return;
            }
            if let Entry::Vacant(entry) = state.ready.entry(tid) {
                entry.insert(place.cloned());
                self.settled.notify_all();
            }
            tell();
            wait_own(&mut state, tid, None);
        }
    }

    /// The thread `tid` stopped moving without reaching the gate (it blocked, slept or ended):
    /// its step is over.
    pub(crate) fn note_stopped(&self, tid: Tid) {
        let mut state = self.state.lock();
        state.ready.remove(&tid);
        state.unblock(tid);
        if state.mode == PauseState::Stepping(tid) {
            state.mode = PauseState::Paused;
            self.settled.notify_all();
        }
    }

    /// Whether a timed wait of `tid` may run out now: always while running; while paused only
    /// for the thread being stepped, so that a step moves exactly one thread.
    pub(crate) fn may_expire(&self, tid: Tid) -> bool {
        let mode = self.state.lock().mode;
        mode == PauseState::Running || mode == PauseState::Stepping(tid)
    }

    /// Holds a running gate for `length` of real time: threads that reach it wait until then.
    /// Returns false, and holds nothing, when the gate is paused or already holding.
    pub(crate) fn hold(&self, length: Duration) -> bool {
        let mut state = self.state.lock();
        if state.closed() {
            return false;
        }
        state.hold_until = Instant::now().checked_add(length);
        state.hold_until.is_some()
    }

    /// Sets or clears `bit` in `flags` to say whether threads must come to the gate (paused,
    /// stepping or holding), under the gate's lock, so that the flag never disagrees with the
    /// state when two controls race.
    pub(crate) fn publish(&self, flags: &AtomicU8, bit: u8) {
        let mut state = self.state.lock();
        if state.closed() {
            flags.fetch_or(bit, Ordering::SeqCst);
        } else {
            flags.fetch_and(!bit, Ordering::SeqCst);
        }
    }

    /// Switches between running and paused; returns false when nothing changed.
    pub(crate) fn set_paused(&self, paused: bool) -> bool {
        let mut state = self.state.lock();
        let changed = match (state.mode, paused) {
            (PauseState::Running, true) => {
                state.mode = PauseState::Paused;
                true
            }
            (PauseState::Paused | PauseState::Stepping(_), false) => {
                state.mode = PauseState::Running;
                state.grant = None;
                true
            }
            _ => false,
        };
        if changed {
            state.wake_all();
            self.settled.notify_all();
        }
        changed
    }

    /// Picks the thread to step: `target`, or the next ready thread after the last one stepped.
    /// `sleeper` names the thread whose timeout ends first, used when nobody is ready.
    pub(crate) fn step(&self, target: Option<Tid>, sleeper: Option<Tid>) -> Result<Step, StepRefused> {
        let mut state = self.state.lock();
        match state.mode {
            PauseState::Running => return Err(StepRefused::NotPaused),
            PauseState::Stepping(tid) => return Err(StepRefused::Busy(tid)),
            PauseState::Paused => {}
        }
        let chosen = match target {
            Some(tid) if state.ready.contains_key(&tid) => Some(tid),
            Some(tid) if sleeper == Some(tid) => None,
            Some(tid) => return Err(StepRefused::NotReady(tid)),
            None => {
                let after = state.last_stepped;
                state.ready.range(after + 1..).next().or_else(|| state.ready.iter().next()).map(|(&tid, _)| tid)
            }
        };
        let step = match (chosen, sleeper) {
            (Some(thread), _) => {
                state.grant = Some(thread);
                state.wake(thread);
                Step { thread, advanced: false }
            }
            (None, Some(thread)) => {
                state.mode = PauseState::Stepping(thread);
                Step { thread, advanced: true }
            }
            (None, None) => return Err(StepRefused::NothingToStep),
        };
        state.last_stepped = step.thread;
        Ok(step)
    }

    /// The thread granted the last step.
    pub(crate) fn last_stepped(&self) -> Tid {
        self.state.lock().last_stepped
    }

    /// Threads held at the gate, in step order.
    pub(crate) fn ready(&self) -> Vec<Tid> {
        self.state.lock().ready.keys().copied().collect()
    }

    /// Threads held at the gate, in step order, each with the place of the operation it
    /// performs when stepped.
    pub(crate) fn ready_places(&self) -> Vec<(Tid, Option<SourceLoc>)> {
        self.state.lock().ready.iter().map(|(&tid, place)| (tid, place.clone())).collect()
    }

    /// Waits until no step is in progress and no grant is pending; false on timeout.
    pub(crate) fn wait_settled(&self, timeout: Duration) -> bool {
        self.wait_while(timeout, |state| matches!(state.mode, PauseState::Stepping(_)) || state.grant.is_some())
    }

    /// Waits until at least `count` threads are held at the gate; false on timeout.
    pub(crate) fn wait_ready(&self, count: usize, timeout: Duration) -> bool {
        self.wait_while(timeout, |state| state.ready.len() < count)
    }

    /// Waits while `waiting` says so, woken by each change a controller may wait for; false
    /// when `timeout` passed first.
    fn wait_while(&self, timeout: Duration, waiting: impl Fn(&GateState) -> bool) -> bool {
        let deadline = Instant::now().checked_add(timeout);
        let mut state = self.state.lock();
        while waiting(&state) {
            match deadline {
                Some(deadline) => {
                    if self.settled.wait_until(&mut state, deadline).timed_out() {
                        return false;
                    }
                }
                None => self.settled.wait(&mut state),
            }
        }
        true
    }

    /// Wakes every held thread so it can look at its kill flag.
    pub(crate) fn wake_all(&self) {
        self.state.lock().wake_all();
    }
}

#[cfg(test)]
mod tests {
    //! The gate's steps, holds and refusals.

    use super::*;

    #[test]
    fn stepping_requires_a_pause() {
        let gate = Gate::new(false);
        assert_eq!(gate.step(None, None), Err(StepRefused::NotPaused));
    }

    #[test]
    fn with_nobody_ready_a_step_wakes_the_first_sleeper() {
        let gate = Gate::new(true);
        assert_eq!(gate.step(None, Some(4)), Ok(Step { thread: 4, advanced: true }));
        assert_eq!(gate.mode(), PauseState::Stepping(4));
        assert_eq!(gate.step(None, None), Err(StepRefused::Busy(4)));
        gate.note_stopped(4);
        assert_eq!(gate.mode(), PauseState::Paused);
        assert_eq!(gate.step(None, None), Err(StepRefused::NothingToStep));
    }

    #[test]
    fn a_hold_keeps_threads_at_the_gate_until_it_is_over() {
        let gate = std::sync::Arc::new(Gate::new(false));
        let flags = AtomicU8::new(0);
        assert!(gate.hold(Duration::from_hours(1)));
        assert!(!gate.hold(Duration::from_secs(1)), "one hold at a time");
        gate.publish(&flags, 1);
        assert_eq!(flags.load(Ordering::SeqCst), 1, "threads must come to a holding gate");
        let (passed, done) = std::sync::mpsc::channel();
        let held = gate.clone();
        let thread = std::thread::spawn(move || {
            held.pass(5, None, || false, || {});
            let _ = passed.send(());
        });
        assert!(done.recv_timeout(Duration::from_millis(50)).is_err(), "held while the hold lasts");
        assert_eq!(gate.mode(), PauseState::Running, "a hold is not a pause");
        assert!(gate.ready().is_empty(), "held threads are not ready to step");
        // Shorten the hold: the thread goes on once it is over.
        gate.state.lock().hold_until = Instant::now().checked_add(Duration::from_millis(1));
        gate.wake_all();
        assert!(done.recv_timeout(Duration::from_secs(30)).is_ok(), "let through once it is over");
        thread.join().expect("the held thread ends");
        gate.publish(&flags, 1);
        assert_eq!(flags.load(Ordering::SeqCst), 0, "no reason left to come to the gate");
    }

    #[test]
    fn a_paused_gate_does_not_hold() {
        let gate = Gate::new(true);
        assert!(!gate.hold(Duration::from_secs(1)));
    }

    #[test]
    fn a_blocked_target_is_refused() {
        let gate = Gate::new(true);
        assert_eq!(gate.step(Some(3), None), Err(StepRefused::NotReady(3)));
    }

    #[test]
    fn steps_go_round_robin_over_ready_threads() {
        let gate = std::sync::Arc::new(Gate::new(true));
        let threads: Vec<_> = (1..=3)
            .map(|tid| {
                let gate = gate.clone();
                std::thread::spawn(move || {
                    for _ in 0..2 {
                        gate.pass(tid, None, || false, || {});
                    }
                    gate.note_stopped(tid);
                })
            })
            .collect();
        assert!(gate.wait_ready(3, Duration::from_secs(30)));
        let mut order = Vec::new();
        for _ in 0..6 {
            assert!(gate.wait_settled(Duration::from_secs(30)));
            // The stepped thread comes back to the gate (or ends) before the next step.
            let step = loop {
                match gate.step(None, None) {
                    Ok(step) => break step,
                    Err(StepRefused::NothingToStep | StepRefused::Busy(_)) => std::thread::yield_now(),
                    Err(other) => panic!("{other}"),
                }
            };
            order.push(step.thread);
            assert!(gate.wait_settled(Duration::from_secs(30)));
        }
        for thread in threads {
            thread.join().expect("gate thread ends");
        }
        assert_eq!(order, [1, 2, 3, 1, 2, 3]);
    }
}
