//! The model's vocabulary: the names and phrases for the model's current state, the one way
//! each thing is named wherever it is said (the dashboard's panels and overlays, the app's
//! explanations, plain mode, the exports). A primitive's label, a list of threads, a wait
//! (what a thread waits for and who holds it), and a hand-over gone wrong (a store that lost
//! or brought back updates). It says what is, never what an event did: the sentences about
//! events (`happenings.rs`) and about a stuck thread (`stuck.rs`) are built from these words.
//! Screens cut these to their width and style them; they never reword.

use super::prims::{KnownPrim, PrimState};
use super::threads::{KnownThread, ThreadState, WaitTarget};
use super::waits::WaitEdge;
use super::{LostUpdate, Model};
use crate::event::{PrimId, Tid};

/// How a wait names the threads holding what it wants: `RLock-1, held by p`. A screen too
/// narrow for the whole phrase drops this clause first (the holder's own row says it holds it).
pub const HELD_BY: &str = ", held by ";

/// What shutdown waits for, as a thread's wait names it.
const SHUTDOWN_WAIT: &str = "non-daemon threads to end";

/// What the model says where events were lost and it cannot vouch for a state: a thread's
/// until its next event, a primitive's until an event tells its whole state.
pub const UNKNOWN: &str = "unknown: events were lost";

/// What a thread holds, where events were lost and a lock may have changed hands unseen.
const UNKNOWN_HOLDINGS: &str = "?";

/// What a piece of a primitive's state says, so that a screen can show it as it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// The state a wait turns on: locked, set, no permit left.
    Active,
    /// Its opposite: unlocked, unset, permits left.
    Idle,
    /// A detail.
    Plain,
    /// A value the program stored.
    Value,
    /// Something went wrong: a broken barrier, a stale read, lost updates.
    Warning,
    /// A thread's name.
    Thread(Tid),
}

/// A piece of a sentence and its tone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    /// The words.
    pub text: String,
    /// What they say about the primitive.
    pub tone: Tone,
}

impl Phrase {
    fn new(text: impl Into<String>, tone: Tone) -> Self {
        Self { text: text.into(), tone }
    }
}

impl Model {
    /// The name of thread `tid`, or `#tid` if unknown.
    #[must_use]
    pub fn thread_name(&self, tid: Tid) -> String {
        self.threads.get(&tid).map_or_else(|| format!("#{tid}"), |thread| thread.name.clone())
    }

    /// The name of primitive `pid` alone, or `#pid` if unknown: where the sentence already says
    /// what it is (`Thread-1 holds lock-a`, `10 lost updates on counter`).
    #[must_use]
    pub fn prim_name(&self, pid: PrimId) -> String {
        self.prims.get(&pid).map_or_else(|| format!("#{pid}"), |prim| prim.name.clone())
    }

    /// A primitive as a sentence names it: a chosen name with its kind (`Condition condition`),
    /// or a default name that already says it (`RLock-1`).
    #[must_use]
    pub fn prim_label(&self, pid: PrimId) -> String {
        self.prims.get(&pid).map_or_else(
            || format!("#{pid}"),
            |prim| {
                if prim.name.starts_with(prim.kind()) {
                    prim.name.clone()
                } else {
                    format!("{} {}", prim.kind(), prim.name)
                }
            },
        )
    }

    /// Threads named in a list: `c1, c2, p`.
    #[must_use]
    pub fn names(&self, tids: &[Tid]) -> String {
        tids.iter().map(|&tid| self.thread_name(tid)).collect::<Vec<_>>().join(", ")
    }

    /// The clause naming who holds what a thread wants (`, held by p`), or nothing when nobody
    /// does.
    #[must_use]
    pub fn held_by(&self, holders: &[Tid]) -> String {
        if holders.is_empty() { String::new() } else { format!("{HELD_BY}{}", self.names(holders)) }
    }

    /// The clause naming who keeps a blocked thread out of `prim`: its holders (`, held by
    /// p`) or, for a reader kept out of a reader-writer lock by writers waiting first, those
    /// (`, after writer w`).
    #[must_use]
    pub fn blocked_by(&self, tid: Tid, prim: PrimId) -> String {
        let Some(view) = self.prims.get(&prim) else { return String::new() };
        match &view.state {
            PrimState::RwLock { writer: None, writers_waiting, .. } if !writers_waiting.contains(&tid) => {
                let first = view.rwlock_blockers(tid);
                if first.is_empty() {
                    String::new()
                } else {
                    let writers = if first.len() == 1 { "writer" } else { "writers" };
                    format!(", after {writers} {}", self.names(&first))
                }
            }
            _ => self.held_by(&view.holders()),
        }
    }

    /// What a wait is for, without who holds it: `Lock lock-a`, `join Thread-1`,
    /// `non-daemon threads to end`.
    #[must_use]
    pub fn wait_target(&self, on: &WaitTarget) -> String {
        match on {
            WaitTarget::Prim(prim) => self.prim_label(*prim),
            WaitTarget::Join(target) => format!("join {}", self.thread_name(*target)),
            WaitTarget::Shutdown => SHUTDOWN_WAIT.to_owned(),
        }
    }

    /// What a thread holds, by name: `lock-a, lock-b`; empty when it holds nothing; `?` when
    /// events were lost and it is not known.
    #[must_use]
    pub fn holdings(&self, thread: &KnownThread) -> String {
        if !self.holds_known(thread.tid) && !thread.state.is_finished() {
            return UNKNOWN_HOLDINGS.to_owned();
        }
        thread.holds.iter().map(|&pid| self.prim_name(pid)).collect::<Vec<_>>().join(", ")
    }

    /// What a thread holds and what it waits for, in one phrase for a single column:
    /// `holds lock-a; Lock lock-b, held by Thread-2`, `holds lock-a`, `RLock-1, held by p`.
    #[must_use]
    pub fn holds_and_waits(&self, thread: &KnownThread) -> String {
        if !self.thread_known(thread.tid) {
            return UNKNOWN.to_owned();
        }
        let holds = self.holdings(thread);
        let waits = self.waits_for(thread).unwrap_or_default();
        match (holds.is_empty(), waits.is_empty()) {
            (false, false) => format!("holds {holds}; {waits}"),
            (false, true) => format!("holds {holds}"),
            _ => waits,
        }
    }

    /// What a blocked or waiting thread waits for, and who holds it, as the thread table's
    /// column says it: `RLock-1, held by p`, `Queue q (empty)`, `Barrier b (2/3)`, `join c1`;
    /// for a thread ended by a panic, the panic's message.
    #[must_use]
    pub fn waits_for(&self, thread: &KnownThread) -> Option<String> {
        if !self.thread_known(thread.tid) {
            return Some(UNKNOWN.to_owned());
        }
        match &thread.state {
            ThreadState::Blocked { prim, .. } => {
                Some(format!("{}{}", self.prim_label(*prim), self.blocked_by(thread.tid, *prim)))
            }
            ThreadState::Waiting { on: WaitTarget::Prim(pid), .. } => {
                let detail = match self.prims.get(pid).map(|prim| &prim.state) {
                    Some(PrimState::Queue { qsize: 0, .. }) => " (empty)".to_owned(),
                    Some(PrimState::Queue { qsize, maxsize, .. }) if *maxsize > 0 && qsize >= maxsize => {
                        " (full)".to_owned()
                    }
                    Some(PrimState::Queue { .. }) if self.prims.get(pid).is_some_and(|prim| prim.unfinished_unsure) => {
                        " (unfinished tasks unknown)".to_owned()
                    }
                    Some(PrimState::Queue { unfinished, .. }) => format!(" ({unfinished} unfinished)"),
                    Some(PrimState::Barrier { parties, arrived, .. }) => format!(" ({}/{parties})", arrived.len()),
                    Some(PrimState::Channel { sending, capacity, .. }) if sending.contains(&thread.tid) => {
                        if *capacity == Some(0) { " (to be taken)" } else { " (full)" }.to_owned()
                    }
                    Some(PrimState::Channel { .. }) => " (empty)".to_owned(),
                    _ => String::new(),
                };
                Some(format!("{}{detail}", self.prim_label(*pid)))
            }
            ThreadState::Waiting { on, .. } => Some(self.wait_target(on)),
            ThreadState::Panicked { message } => Some(format!("panic: {message}")),
            _ => None,
        }
    }

    /// A wait-for edge as a sentence says it, without the waiting thread's name:
    /// `waits for Lock lock-a, held by Thread-2`, `waits on Condition condition`,
    /// `joins Thread-1`, `waits at shutdown for c1, c2`.
    #[must_use]
    pub fn describe_wait(&self, edge: &WaitEdge) -> String {
        match edge.on {
            WaitTarget::Prim(prim) => {
                let kind = self.prims.get(&prim).map_or("", KnownPrim::kind);
                // A lock or a permit is waited for; anything else is waited on (for a notify,
                // a set, a put...).
                let verb = if matches!(kind, "Lock" | "RLock" | "Semaphore" | "BoundedSemaphore" | "RwLock") {
                    "waits for"
                } else {
                    "waits on"
                };
                // A reader may wait behind writers that hold nothing yet; a channel's waiter
                // says which end it is.
                let by = match self.prims.get(&prim).map(|view| &view.state) {
                    Some(PrimState::RwLock { .. }) => self.blocked_by(edge.thread, prim),
                    Some(PrimState::Channel { sending, .. }) if sending.contains(&edge.thread) => " to send".to_owned(),
                    Some(PrimState::Channel { .. }) => " to receive".to_owned(),
                    _ => self.held_by(&edge.holders),
                };
                format!("{verb} {}{by}", self.prim_label(prim))
            }
            WaitTarget::Join(target) => format!("joins {}", self.thread_name(target)),
            WaitTarget::Shutdown => format!("waits at shutdown for {}", self.names(&edge.holders)),
        }
    }

    /// A primitive's state in words, without its name, items and waiters: `locked by p`,
    /// `owned by c1, level 2`, `0/2 left, held by MainThread, Thread-1`, `3/∞, 2 unfinished`.
    #[must_use]
    pub fn prim_state(&self, prim: &KnownPrim) -> Vec<Phrase> {
        if !self.prim_known(prim.pid) {
            return vec![Phrase::new(UNKNOWN, Tone::Warning)];
        }
        let active = |text: String| Phrase::new(text, Tone::Active);
        let idle = |text: &str| Phrase::new(text, Tone::Idle);
        let plain = |text: String| Phrase::new(text, Tone::Plain);
        match &prim.state {
            PrimState::Lock { holder: Some(tid) } => vec![active(format!("locked by {}", self.thread_name(*tid)))],
            PrimState::RLock { owner: Some(tid), level } => {
                vec![active(format!("owned by {}", self.thread_name(*tid))), plain(format!(", level {level}"))]
            }
            PrimState::Lock { holder: None } | PrimState::RLock { owner: None, .. } => vec![idle("unlocked")],
            PrimState::Semaphore { value, initial, holders, .. } => {
                let left = format!("{value}/{initial} left");
                let mut phrases = vec![if *value == 0 { active(left) } else { Phrase::new(left, Tone::Idle) }];
                if !holders.is_empty() {
                    phrases.push(plain(self.held_by(holders)));
                }
                phrases
            }
            // A std `Condvar` first used by a notify is tied to no lock (it names none, 0).
            PrimState::Condition { lock } if !self.prims.contains_key(lock) => {
                vec![plain("on the mutex each waiter holds".to_owned())]
            }
            PrimState::Condition { lock } => vec![plain(format!("on {}", self.prim_name(*lock)))],
            PrimState::Event { set: true } => vec![active("SET".to_owned())],
            PrimState::Event { set: false } => vec![idle("unset")],
            PrimState::Barrier { parties, arrived, generation, broken } => {
                let mut phrases = vec![plain(format!("{}/{parties} arrived, generation {generation}", arrived.len()))];
                if *broken {
                    phrases.push(Phrase::new(" BROKEN", Tone::Warning));
                }
                phrases
            }
            PrimState::Queue { maxsize, qsize, unfinished, .. } => {
                let capacity = if *maxsize == 0 { "∞".to_owned() } else { maxsize.to_string() };
                let empty = if *qsize == 0 { ", empty" } else { "" };
                let unfinished = if prim.unfinished_unsure {
                    "unfinished unknown".to_owned()
                } else {
                    format!("{unfinished} unfinished")
                };
                vec![plain(format!("{qsize}/{capacity}{empty}, {unfinished}"))]
            }
            PrimState::Local { values } => {
                let values: Vec<String> =
                    values.iter().map(|(tid, value)| format!("{}={value}", self.thread_name(*tid))).collect();
                vec![plain(if values.is_empty() { "no values".to_owned() } else { values.join(" ") })]
            }
            PrimState::Shared { value, writer } => {
                let by = writer.map_or_else(String::new, |tid| format!(" (stored by {})", self.thread_name(tid)));
                vec![Phrase::new(format!("= {value}"), Tone::Value), plain(by)]
            }
            PrimState::RwLock { writer, readers, poisoned, .. } => {
                let mut phrases = match writer {
                    Some(tid) => vec![active(format!("written by {}", self.thread_name(*tid)))],
                    None if readers.is_empty() => vec![idle("unlocked")],
                    None => {
                        let count = readers.len();
                        vec![
                            active(format!("read by {}", self.names(readers))),
                            plain(format!(" ({count} reader{})", if count == 1 { "" } else { "s" })),
                        ]
                    }
                };
                if *poisoned {
                    phrases.push(Phrase::new(" POISONED", Tone::Warning));
                }
                phrases
            }
            PrimState::Channel { capacity, queued, senders_gone, receiver_gone, .. } => {
                let mut phrases = vec![plain(match capacity {
                    None => format!("{queued} queued/∞"),
                    Some(0) => format!("rendezvous, {queued} offered"),
                    Some(capacity) => format!("{queued}/{capacity} queued"),
                })];
                if *receiver_gone {
                    phrases.push(Phrase::new(", disconnected: receiver dropped", Tone::Warning));
                } else if *senders_gone {
                    phrases.push(Phrase::new(", disconnected: every sender dropped", Tone::Warning));
                }
                phrases
            }
        }
    }

    /// Who waits on `prim`, first in line first: `c1, then c2, c3`; nothing when nobody does.
    #[must_use]
    pub fn waiting_order(&self, prim: &KnownPrim) -> Vec<Phrase> {
        if !self.prim_known(prim.pid) {
            return Vec::new();
        }
        // After lost events, only the waiters known to be waiting still; the others may have gone.
        let known: Vec<Tid> = prim.waiters.iter().copied().filter(|&tid| self.thread_known(tid)).collect();
        if known.len() < prim.waiters.len() {
            let others = if known.is_empty() { UNKNOWN.to_owned() } else { format!(" (others {UNKNOWN})") };
            let mut phrases = self.names_in_order(prim, &known);
            phrases.push(Phrase::new(others, Tone::Warning));
            return phrases;
        }
        self.names_in_order(prim, &prim.waiters)
    }

    /// Threads first in line first: `c1, then c2, c3`; on a reader-writer lock or a channel,
    /// each with what it waits to do: `w (write), then r1 (read)`, `p (send), c (recv)`.
    fn names_in_order(&self, prim: &KnownPrim, waiters: &[Tid]) -> Vec<Phrase> {
        let mut phrases = Vec::new();
        for (index, &tid) in waiters.iter().enumerate() {
            match index {
                0 => {}
                1 => phrases.push(Phrase::new(", then ", Tone::Plain)),
                _ => phrases.push(Phrase::new(", ", Tone::Plain)),
            }
            phrases.push(Phrase::new(self.thread_name(tid), Tone::Thread(tid)));
            let wants = match &prim.state {
                PrimState::RwLock { writers_waiting, .. } => {
                    Some(if writers_waiting.contains(&tid) { " (write)" } else { " (read)" })
                }
                PrimState::Channel { sending, .. } => Some(if sending.contains(&tid) { " (send)" } else { " (recv)" }),
                _ => None,
            };
            phrases.extend(wants.map(|wants| Phrase::new(wants, Tone::Plain)));
        }
        phrases
    }

    /// The values of a `Shared` value read and not yet stored back that another thread may
    /// store over first (the race before it shows in the value): `Thread-1 read 0, Thread-2
    /// read 0 (stale)`; nothing when there are none. A read made holding the lock every store
    /// to the value holds is no race, and is not listed.
    #[must_use]
    pub fn pending_reads(&self, prim: &KnownPrim) -> Vec<Phrase> {
        let mut phrases = Vec::new();
        for read in prim.reads.iter().filter(|read| self.read_exposed(prim.pid, read.thread)) {
            if !phrases.is_empty() {
                phrases.push(Phrase::new(", ", Tone::Plain));
            }
            phrases.push(Phrase::new(self.thread_name(read.thread), Tone::Thread(read.thread)));
            phrases.push(Phrase::new(format!(" read {}", read.value), Tone::Plain));
            if read.stale {
                phrases.push(Phrase::new(" (stale)", Tone::Warning));
            }
        }
        phrases
    }

    /// How many updates a `Shared` value is missing and the latest store that changed it:
    /// `3 lost updates; latest: Thread-2 overwrote Thread-1's 1 with 1 and lost 1 update`;
    /// nothing when it misses none.
    #[must_use]
    pub fn lost_update_line(&self, prim: &KnownPrim) -> Vec<Phrase> {
        let missing = self.lost_updates_on(prim.pid);
        let latest = self.lost_updates.iter().rev().find(|lost| lost.prim == prim.pid);
        let Some(lost) = latest.filter(|_| missing > 0) else { return Vec::new() };
        vec![
            Phrase::new(lost_updates(missing), Tone::Warning),
            Phrase::new(format!("; latest: {}", self.overwrite(lost)), Tone::Plain),
        ]
    }

    /// A counted store in one phrase: `Thread-2 overwrote Thread-1's 1 with 1 and lost 1
    /// update`, `Thread-3 overwrote Thread-1's 2 with 4 and brought back 1 update`.
    #[must_use]
    pub fn overwrite(&self, lost: &LostUpdate) -> String {
        format!(
            "{} overwrote {}'s {} with {} and {}",
            self.thread_name(lost.thread),
            self.thread_name(lost.overwritten_thread),
            lost.overwritten_value,
            lost.value,
            lost_or_brought_back(lost.updates_lost),
        )
    }

    /// A counted store told whole, as the log's warning says it: `lost 1 update on counter:
    /// Thread-2 read 0, Thread-1 then stored 1, and Thread-2 overwrote it with 1`, or `brought
    /// back 1 update on counter: ...`. The counts of all of them add up to the updates missing.
    #[must_use]
    pub fn lost_update_story(&self, lost: &LostUpdate) -> String {
        format!(
            "{} on {}: {} read {}, {} then stored {}, and {} overwrote it with {}",
            lost_or_brought_back(lost.updates_lost),
            self.prim_name(lost.prim),
            self.thread_name(lost.thread),
            lost.read,
            self.thread_name(lost.overwritten_thread),
            lost.overwritten_value,
            self.thread_name(lost.thread),
            lost.value,
        )
    }

    /// One line per `Shared` value missing updates, e.g. `10 lost updates on counter`.
    #[must_use]
    pub fn lost_update_summary(&self) -> Vec<String> {
        self.shared
            .all_lost()
            .map(|(prim, lost)| format!("{} on {}", lost_updates(lost), self.prim_name(prim)))
            .collect()
    }
}

/// `1 lost update`, `3 lost updates`: how many a value is missing.
#[must_use]
pub fn lost_updates(count: u64) -> String {
    format!("{count} lost update{}", plural(count))
}

/// What one store did to the updates missing, from its signed count: `lost 1 update`, `lost 2
/// updates`, `brought back 1 update`.
#[must_use]
pub fn lost_or_brought_back(updates_lost: i64) -> String {
    let count = updates_lost.unsigned_abs();
    let verb = if updates_lost < 0 { "brought back" } else { "lost" };
    format!("{verb} {count} update{}", plural(count))
}

fn plural(count: u64) -> &'static str {
    if count == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    //! The vocabulary's words: labels, waits as the table and the wait-for overlay say them,
    //! a primitive's state with its tones.

    use super::*;
    use crate::event::{EventKind, PrimInfo};
    use crate::model::script::{MAIN, Script};

    /// Thread-1 holds `RLock-1` (a default name) and Thread-2 asks for it; Thread-3 waits on
    /// the empty queue `jobs`.
    fn held_rlock() -> Script {
        let mut script = Script::new(3);
        script.prim(1, "RLock-1", PrimInfo::RLock).prim(2, "jobs", PrimInfo::Queue { maxsize: 0 });
        script.acquire(2, 1).request(3, 1).at(4, EventKind::WaitBegin { prim: 2, timeout_us: None });
        script
    }

    #[test]
    fn a_label_adds_the_kind_only_to_a_name_that_does_not_say_it() {
        let script = held_rlock();
        assert_eq!(script.model.prim_label(1), "RLock-1");
        assert_eq!(script.model.prim_label(2), "Queue jobs");
        assert_eq!(script.model.prim_label(9), "#9");
        assert_eq!(script.model.prim_name(2), "jobs");
    }

    #[test]
    fn the_table_and_the_overlay_name_a_wait_with_the_same_label() {
        let script = held_rlock();
        let model = &script.model;
        let waits_for = |tid| model.threads.get(&tid).and_then(|thread| model.waits_for(thread));
        assert_eq!(waits_for(3).as_deref(), Some("RLock-1, held by Thread-1"));
        assert_eq!(waits_for(4).as_deref(), Some("Queue jobs (empty)"));
        assert_eq!(waits_for(MAIN), None);
        let one_column = |tid| model.threads.get(&tid).map(|thread| model.holds_and_waits(thread));
        assert_eq!(one_column(2).as_deref(), Some("holds RLock-1"));
        assert_eq!(one_column(3).as_deref(), Some("RLock-1, held by Thread-1"));
        let describe = |tid| model.wait_edge(tid).map(|edge| model.describe_wait(&edge));
        assert_eq!(describe(3).as_deref(), Some("waits for RLock-1, held by Thread-1"));
        assert_eq!(describe(4).as_deref(), Some("waits on Queue jobs"));
    }

    #[test]
    fn a_join_and_shutdown_are_named_alike_everywhere() {
        let script = held_rlock();
        assert_eq!(script.model.wait_target(&WaitTarget::Join(2)), "join Thread-1");
        assert_eq!(script.model.wait_target(&WaitTarget::Shutdown), "non-daemon threads to end");
        assert_eq!(script.model.held_by(&[]), "");
        assert_eq!(script.model.held_by(&[2, 3]), ", held by Thread-1, Thread-2");
    }

    #[test]
    fn a_primitives_state_is_said_with_its_tone() {
        let mut script = Script::new(1);
        script.prim(1, "slots", PrimInfo::Semaphore { initial: 1, bounded: false });
        let state = |script: &Script| script.model.prim_state(&script.model.prims[&1]);
        assert_eq!(state(&script), [Phrase::new("1/1 left", Tone::Idle)]);
        // A semaphore's acquire reports the permits left.
        script.request(2, 1).at(2, EventKind::Acquired { prim: 1, count: 0 });
        assert_eq!(
            state(&script),
            [Phrase::new("0/1 left", Tone::Active), Phrase::new(", held by Thread-1", Tone::Plain)]
        );
    }

    #[test]
    fn a_condition_tied_to_no_lock_says_whose_lock_it_waits_with() {
        let mut script = Script::new(1);
        script.prim(1, "Mutex-1", PrimInfo::Lock);
        script.prim(2, "Condvar-1", PrimInfo::Condition { lock: 1 }).prim(
            3,
            "Condvar-2",
            PrimInfo::Condition { lock: 0 },
        );
        let state = |pid| script.model.prim_state(&script.model.prims[&pid]);
        assert_eq!(state(2), [Phrase::new("on Mutex-1", Tone::Plain)]);
        assert_eq!(state(3), [Phrase::new("on the mutex each waiter holds", Tone::Plain)], "never `on #0`");
    }

    #[test]
    fn lost_updates_are_counted_in_words() {
        assert_eq!(lost_updates(1), "1 lost update");
        assert_eq!(lost_updates(0), "0 lost updates");
        assert_eq!(lost_updates(15), "15 lost updates");
        assert_eq!(lost_or_brought_back(1), "lost 1 update");
        assert_eq!(lost_or_brought_back(2), "lost 2 updates");
        assert_eq!(lost_or_brought_back(-1), "brought back 1 update");
        assert_eq!(lost_or_brought_back(-3), "brought back 3 updates");
    }
}
