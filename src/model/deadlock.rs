//! Deadlock detection, computed from the wait-for relation as the model folds events. Pure: no
//! clock, no I/O.
//!
//! A deadlock is a set of threads none of which can ever go on. The search starts from the
//! threads that can go on by themselves (running, sleeping, in a wait with a timeout, or in a
//! wait that is already over but not yet reported) and spreads that freedom backwards along
//! the wait-for relation ([`super::waits`]): a thread blocked on a lock is free if the lock's
//! holder is, a thread at shutdown is free if every thread it waits for is, and a thread
//! waiting for a notify, a flag, a barrier, a queue or a semaphore permit is free if any thread
//! at all is. The threads left over are stuck for good. They are reported as a cycle when they
//! wait for each other around a ring of locks and joins, or as "everyone is stuck" when no live
//! thread is free.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use super::Model;
use super::prims::PrimState;
use super::threads::{KnownThread, ThreadState, WaitTarget};
use super::waits::{Need, may_change_waits, need};
use crate::event::{EventKind, PrimId, Tid, TraceEvent, WaitMode};

/// How far the quick check follows a chain of lock holders before it leaves the question to
/// the full analysis.
const QUICK_CHAIN: usize = 64;

/// How long a deadlock must last, in microseconds, before it is reported: the dashboard's
/// banner and pause (in demo time, so a slowed or paused program is judged by what it did) and
/// plain mode's report and stop (in real time: the only clock that moves for a run whose
/// events have stopped coming). A real deadlock
/// lasts forever, so any grace is correct for it; the grace only keeps a moment that merely
/// looks stuck from being reported: a thread about to report that its wait is over, or a
/// release dropped at the source (see [`Session::lost_events`](crate::Session::lost_events))
/// that the thread's next event contradicts.
pub const DEADLOCK_GRACE_US: u64 = 200_000;

/// What kind of deadlock was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DeadlockKind {
    /// Threads wait for each other around a ring of locks (or joins): each holds what the
    /// next one waits for. A thread blocked on a Lock it holds itself is a ring of one.
    Cycle,
    /// Every live thread waits, with no timeout, for something only another one of them
    /// could do: nobody is left to do it.
    AllBlocked,
}

/// One step of a deadlock cycle: `thread` waits on `on`, which `holder` holds (or, for a join,
/// is). The holder is the next link's thread; the last link's holder is the first's thread.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CycleLink {
    /// The waiting thread.
    pub thread: Tid,
    /// What it waits for.
    pub on: WaitTarget,
    /// The thread that holds it: the next thread around the cycle.
    pub holder: Tid,
}

impl CycleLink {
    /// The primitive this link waits on, if it waits on one (not a join or shutdown).
    #[must_use]
    pub fn prim(&self) -> Option<PrimId> {
        match self.on {
            WaitTarget::Prim(prim) => Some(prim),
            WaitTarget::Join(_) | WaitTarget::Shutdown => None,
        }
    }
}

/// Threads that can never go on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Deadlock {
    /// A cycle, or everyone stuck.
    pub kind: DeadlockKind,
    /// For [`DeadlockKind::Cycle`], the cycle in order, starting at its lowest thread number;
    /// empty for [`DeadlockKind::AllBlocked`].
    pub cycle: Vec<CycleLink>,
    /// Every thread that can never go on, in number order: the cycle and whoever waits on it
    /// (a thread joining a deadlocked one is stuck too), or all live threads.
    pub stuck: Vec<Tid>,
    /// Whether the program can never end: a non-daemon thread (such as `MainThread`) is stuck.
    /// A deadlock among daemon threads alone ends with the program.
    pub hangs: bool,
    /// Sequence number of the event after which the deadlock was first seen.
    pub seq: u64,
    /// Demo time of that event, in microseconds.
    pub time_us: u64,
}

impl Deadlock {
    /// Whether thread `tid` is one of the links of the cycle.
    #[must_use]
    pub fn in_cycle(&self, tid: Tid) -> bool {
        self.cycle.iter().any(|link| link.thread == tid)
    }

    /// Whether thread `tid` can never go on.
    #[must_use]
    pub fn is_stuck(&self, tid: Tid) -> bool {
        self.stuck.binary_search(&tid).is_ok()
    }

    /// One sentence naming the cycle, e.g. `deadlock: Thread-1 holds lock-a and waits for
    /// lock-b, held by Thread-2, which waits for lock-a`.
    #[must_use]
    pub fn describe(&self, model: &Model) -> String {
        match self.kind {
            DeadlockKind::Cycle => format!("deadlock: {}", describe_cycle(&self.cycle, model)),
            DeadlockKind::AllBlocked => {
                let waits: Vec<String> = self
                    .stuck
                    .iter()
                    .map(|&tid| {
                        let wait = model.wait_edge(tid).map_or_else(String::new, |edge| model.describe_wait(&edge));
                        format!("{} {wait}", model.thread_name(tid)).trim_end().to_owned()
                    })
                    .collect();
                format!("deadlock: every thread waits and none is left to wake the others: {}", waits.join("; "))
            }
        }
    }
}

fn describe_cycle(cycle: &[CycleLink], model: &Model) -> String {
    let name = |tid: Tid| model.thread_name(tid);
    let Some(first) = cycle.first() else { return String::new() };
    if let [only] = cycle {
        return match only.on {
            WaitTarget::Prim(prim) => {
                format!("{} waits for {}, which it holds itself", name(only.thread), model.prim_name(prim))
            }
            WaitTarget::Join(_) | WaitTarget::Shutdown => format!("{} waits for itself", name(only.thread)),
        };
    }
    let mut text = name(first.thread);
    if let Some(WaitTarget::Prim(prim)) = cycle.last().map(|link| &link.on) {
        let _ = write!(text, " holds {} and", model.prim_name(*prim));
    }
    for (index, link) in cycle.iter().enumerate() {
        let last = index + 1 == cycle.len();
        match link.on {
            WaitTarget::Prim(prim) => {
                let view = model.prims.get(&prim);
                // On a reader-writer lock, whether it waits to read or to write, and a reader
                // may wait behind a writer that waits too rather than holds it.
                let verb = match view.map(|view| &view.state) {
                    Some(PrimState::RwLock { writers_waiting, .. }) if writers_waiting.contains(&link.thread) => {
                        "waits to write"
                    }
                    Some(PrimState::RwLock { .. }) => "waits to read",
                    _ => "waits for",
                };
                let _ = write!(text, " {verb} {}", model.prim_name(prim));
                if !last {
                    if view.is_none_or(|view| view.held_by(link.holder)) {
                        let _ = write!(text, ", held by {}, which", name(link.holder));
                    } else {
                        let _ = write!(text, " behind {}, which", name(link.holder));
                    }
                }
            }
            WaitTarget::Join(target) => {
                let _ = write!(text, " joins {}", name(target));
                if !last {
                    text.push_str(", which");
                }
            }
            WaitTarget::Shutdown => {
                let _ = write!(text, " waits at shutdown for {}", name(link.holder));
                if !last {
                    text.push_str(", which");
                }
            }
        }
    }
    text
}

/// Whether the event, folded into a model with no deadlock, may have made one. Only a thread
/// entering a wait with no timeout, or a thread ending, can: every other event leaves its
/// thread free and frees others. A thread entering such a wait makes a deadlock only if it is
/// stuck itself, which a short walk along lock holders usually rules out.
fn may_start_deadlock(model: &Model, event: &TraceEvent) -> bool {
    match &event.kind {
        EventKind::Requested { mode: WaitMode::Blocking, .. }
        | EventKind::ReadRequested { mode: WaitMode::Blocking, .. }
        | EventKind::WaitBegin { timeout_us: None, .. }
        | EventKind::ChannelWait { timeout_us: None, .. }
        | EventKind::JoinBegin { timeout_us: None, .. } => !surely_free(model, event.thread),
        EventKind::ShutdownBegin | EventKind::ThreadExited { .. } => true,
        _ => false,
    }
}

/// Whether thread `tid` can certainly go on: following the holders of what it waits for
/// reaches a free thread, or it waits for anyone and another thread is free. False means
/// "not sure".
fn surely_free(model: &Model, tid: Tid) -> bool {
    let mut current = tid;
    for _ in 0..QUICK_CHAIN {
        let Some(thread) = model.threads.get(&current) else { return false };
        match need(model, thread) {
            Need::Free => return true,
            Need::Thread(next) if next != current => current = next,
            Need::Anyone => {
                return model
                    .threads
                    .values()
                    .any(|other| other.tid != current && other.state.is_live() && need(model, other) == Need::Free);
            }
            Need::Thread(_) | Need::All(_) => return false,
        }
    }
    false
}

/// The deadlock in the model's current state, if any (its `seq` and `time_us` left at 0).
fn find_deadlock(model: &Model) -> Option<Deadlock> {
    let live: Vec<&KnownThread> = model.threads.values().filter(|thread| thread.state.is_live()).collect();
    let mut needs: HashMap<Tid, Need> = HashMap::with_capacity(live.len());
    let mut free: BTreeSet<Tid> = BTreeSet::new();
    let mut ready: Vec<Tid> = Vec::new();
    for thread in &live {
        let need = need(model, thread);
        if need == Need::Free {
            free.insert(thread.tid);
            ready.push(thread.tid);
        }
        needs.insert(thread.tid, need);
    }
    if free.len() == live.len() {
        return None;
    }
    // Spread freedom backwards: from each free thread to the threads that wait for it.
    let mut waiting_for: HashMap<Tid, Vec<Tid>> = HashMap::new();
    let mut pending: HashMap<Tid, usize> = HashMap::new();
    for (&tid, need) in &needs {
        match need {
            Need::Thread(holder) => waiting_for.entry(*holder).or_default().push(tid),
            Need::All(holders) => {
                pending.insert(tid, holders.len());
                for holder in holders {
                    waiting_for.entry(*holder).or_default().push(tid);
                }
            }
            Need::Free | Need::Anyone => {}
        }
    }
    if !ready.is_empty() {
        for (&tid, need) in &needs {
            if *need == Need::Anyone && free.insert(tid) {
                ready.push(tid);
            }
        }
    }
    while let Some(freed) = ready.pop() {
        for &waiter in waiting_for.get(&freed).into_iter().flatten() {
            if free.contains(&waiter) {
                continue;
            }
            let now_free = match needs.get(&waiter) {
                Some(Need::Thread(_)) => true,
                Some(Need::All(_)) => pending.get_mut(&waiter).is_some_and(|left| {
                    *left = left.saturating_sub(1);
                    *left == 0
                }),
                _ => false,
            };
            if now_free {
                free.insert(waiter);
                ready.push(waiter);
            }
        }
    }
    let stuck: Vec<Tid> = live.iter().map(|thread| thread.tid).filter(|tid| !free.contains(tid)).collect();
    if stuck.is_empty() {
        return None;
    }
    let hangs = stuck.iter().any(|tid| model.threads.get(tid).is_some_and(|thread| !thread.daemon));
    if let Some(cycle) = find_cycle(model, &stuck, &needs, &free) {
        return Some(Deadlock { kind: DeadlockKind::Cycle, cycle, stuck, hangs, seq: 0, time_us: 0 });
    }
    (stuck.len() == live.len()).then(|| Deadlock {
        kind: DeadlockKind::AllBlocked,
        cycle: Vec::new(),
        stuck,
        hangs,
        seq: 0,
        time_us: 0,
    })
}

/// A cycle among the stuck threads along lock and join edges, starting at its lowest thread.
fn find_cycle(
    model: &Model,
    stuck: &[Tid],
    needs: &HashMap<Tid, Need>,
    free: &BTreeSet<Tid>,
) -> Option<Vec<CycleLink>> {
    // Each stuck thread has at most one next thread, so walking from each finds every cycle.
    let next = |tid: Tid| match needs.get(&tid) {
        Some(Need::Thread(holder)) => Some(*holder),
        Some(Need::All(holders)) => holders.iter().copied().find(|holder| !free.contains(holder)),
        _ => None,
    };
    let mut explored: BTreeSet<Tid> = BTreeSet::new();
    for &start in stuck {
        let mut path: Vec<Tid> = Vec::new();
        let mut current = start;
        loop {
            if let Some(position) = path.iter().position(|&seen| seen == current) {
                let mut ring = path.split_off(position);
                let lowest = ring.iter().enumerate().min_by_key(|&(_, tid)| *tid).map_or(0, |(index, _)| index);
                ring.rotate_left(lowest);
                return Some(links(model, &ring));
            }
            if explored.contains(&current) {
                break;
            }
            path.push(current);
            match next(current) {
                Some(holder) => current = holder,
                None => break,
            }
        }
        explored.extend(path);
    }
    None
}

fn links(model: &Model, ring: &[Tid]) -> Vec<CycleLink> {
    ring.iter()
        .enumerate()
        .map(|(index, &thread)| {
            let holder = ring[(index + 1) % ring.len()];
            let on = match model.threads.get(&thread).map(|view| &view.state) {
                Some(ThreadState::Blocked { prim, .. }) => WaitTarget::Prim(*prim),
                Some(ThreadState::Waiting { on, .. }) => on.clone(),
                _ => WaitTarget::Join(holder),
            };
            CycleLink { thread, on, holder }
        })
        .collect()
}

impl Model {
    /// Brings the analysis up to date after folding `event`.
    pub(super) fn analyse(&mut self, event: &TraceEvent) {
        if !may_change_waits(&event.kind) {
            return;
        }
        self.waits.note(event, &self.prims);
        if self.deadlock.is_none() && !may_start_deadlock(self, event) {
            return;
        }
        let found = find_deadlock(self);
        self.deadlock = match (found, self.deadlock.take()) {
            // The same deadlock as before keeps the moment it was first seen.
            (Some(found), Some(old)) if found.kind == old.kind && found.cycle == old.cycle => {
                Some(Deadlock { seq: old.seq, time_us: old.time_us, ..found })
            }
            (Some(found), _) => Some(Deadlock { seq: event.seq, time_us: event.time_us, ..found }),
            (None, _) => None,
        };
    }
}

#[cfg(test)]
mod tests;
