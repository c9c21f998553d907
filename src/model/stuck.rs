//! Why a thread cannot move now and what would let it, in words, for a step the class asked
//! for that cannot be taken (`why_stuck`): read from the model's state, not from an event, in
//! the names `vocabulary.rs` gives. What one event did is told in `happenings.rs`.

use std::fmt::Write as _;

use super::happenings::at;
use super::prims::PrimState;
use super::threads::{ThreadState, WaitTarget};
use super::{KnownPrim, Model};
use crate::event::{PrimId, Tid};

impl Model {
    /// Why thread `tid` cannot move now, and what would let it: `Thread-2 sleeps until t=0.8s;
    /// Thread-1 wakes first (t=0.4s)`, `c1 waits on Condition condition: another thread's
    /// notify wakes it`.
    #[must_use]
    pub fn why_stuck(&self, tid: Tid) -> String {
        let name = self.thread_name(tid);
        let Some(thread) = self.threads.get(&tid) else { return format!("{name} is not a thread of this program") };
        let timeout = |until_us: &Option<u64>| {
            until_us.map_or_else(String::new, |until| format!(", or its timeout at {}", at(until)))
        };
        match &thread.state {
            ThreadState::New => format!("{name} has not been started: another thread's start() lets it run"),
            ThreadState::Running => format!("{name} is still on its way to its next operation"),
            ThreadState::Sleeping { until_us } => {
                let mut text = format!("{name} sleeps until {}", at(*until_us));
                if let Some((first, when)) = self.first_wake_up().filter(|&(first, _)| first != tid) {
                    let _ = write!(text, "; {} wakes first ({})", self.thread_name(first), at(when));
                }
                text
            }
            ThreadState::Blocked { prim, until_us } => {
                let holders = self.prims.get(prim).map(KnownPrim::holders).unwrap_or_default();
                let label = self.prim_label(*prim);
                if holders.is_empty() {
                    format!("{name} is blocked on {label}: it goes on when it gets it{}", timeout(until_us))
                } else {
                    let holders = self.names(&holders);
                    format!(
                        "{name} is blocked on {label}, held by {holders}: a release by {holders} lets it go{}",
                        timeout(until_us)
                    )
                }
            }
            ThreadState::Waiting { on: WaitTarget::Prim(prim), until_us } => {
                let label = self.prim_label(*prim);
                let what = match self.prims.get(prim).map(|prim| &prim.state) {
                    Some(PrimState::Condition { .. }) => "another thread's notify wakes it".to_owned(),
                    Some(PrimState::Event { .. }) => "another thread's set() wakes it".to_owned(),
                    Some(PrimState::Barrier { parties, arrived, .. }) => {
                        let missing = parties.saturating_sub(u32::try_from(arrived.len()).unwrap_or(u32::MAX));
                        format!("{missing} more thread{} must arrive", if missing == 1 { "" } else { "s" })
                    }
                    Some(PrimState::Queue { qsize: 0, .. }) => "another thread's put() wakes it".to_owned(),
                    Some(PrimState::Queue { qsize, maxsize, .. }) if *maxsize > 0 && qsize >= maxsize => {
                        "another thread's get() makes room".to_owned()
                    }
                    Some(PrimState::Queue { .. }) => "every task must be marked task_done()".to_owned(),
                    Some(PrimState::Channel { sending, capacity: Some(0), .. }) if sending.contains(&tid) => {
                        "the receiver's recv() takes its item".to_owned()
                    }
                    Some(PrimState::Channel { sending, .. }) if sending.contains(&tid) => {
                        "the receiver's recv() makes room".to_owned()
                    }
                    Some(PrimState::Channel { .. }) => {
                        "another thread's send() wakes it, or dropping every sender".to_owned()
                    }
                    _ => "another thread wakes it".to_owned(),
                };
                if !self.another_could_wake(tid, *prim) {
                    return match until_us {
                        Some(until) => format!(
                            "{name} waits on {label}: no other thread is left to wake it, only its timeout at {} ends the wait",
                            at(*until)
                        ),
                        None => {
                            format!("{name} waits on {label}: no other thread is left to wake it; it waits forever")
                        }
                    };
                }
                format!("{name} waits on {label}: {what}{}", timeout(until_us))
            }
            ThreadState::Waiting { on: WaitTarget::Join(target), until_us } => {
                let target = self.thread_name(*target);
                format!("{name} joins {target}: it goes on when {target} ends{}", timeout(until_us))
            }
            ThreadState::Waiting { on: WaitTarget::Shutdown, .. } => {
                format!("{name} waits for the non-daemon threads to end")
            }
            ThreadState::Done | ThreadState::Killed | ThreadState::Panicked { .. } => format!("{name} has ended"),
        }
    }

    /// Whether a thread other than `tid` is left that could wake a waiter on `prim`: one that
    /// has not ended, is not itself waiting on `prim`, and is not waiting only for such a
    /// waiter to end (a join of one, or the program's end).
    fn another_could_wake(&self, tid: Tid, prim: PrimId) -> bool {
        let stuck_on_prim = |tid: Tid| {
            self.threads.get(&tid).is_some_and(
                |thread| matches!(thread.state, ThreadState::Waiting { on: WaitTarget::Prim(on), .. } if on == prim),
            )
        };
        self.threads.values().any(|thread| {
            thread.tid != tid
                && match &thread.state {
                    ThreadState::Done
                    | ThreadState::Killed
                    | ThreadState::Panicked { .. }
                    | ThreadState::Waiting { on: WaitTarget::Shutdown, .. } => false,
                    ThreadState::Waiting { on: WaitTarget::Prim(on), .. } => *on != prim,
                    ThreadState::Waiting { on: WaitTarget::Join(target), until_us: None } => {
                        *target != tid && !stuck_on_prim(*target)
                    }
                    _ => true,
                }
        })
    }

    /// The thread whose sleep or timeout ends first, and when.
    fn first_wake_up(&self) -> Option<(Tid, u64)> {
        self.threads
            .values()
            .filter_map(|thread| match &thread.state {
                ThreadState::Sleeping { until_us }
                | ThreadState::Blocked { until_us: Some(until_us), .. }
                | ThreadState::Waiting { until_us: Some(until_us), .. } => Some((thread.tid, *until_us)),
                _ => None,
            })
            .min_by_key(|&(tid, until)| (until, tid))
    }
}
