//! What one event did, told as a sentence (`apply_told`, [`Happening`]): for the "what just
//! happened" line, and for the moments a lesson is about (one thread woke another, a store
//! lost updates). It tells events as they are folded; `vocabulary.rs` has no events, only
//! the names and phrases for the current state, which these sentences are made of. Why a
//! thread cannot move now is `stuck.rs`. The view only styles these.

use super::prims::PrimState;
use super::threads::ThreadState;
use super::{KnownPrim, Model};
use crate::event::{ChannelSide, EventKind, ExitKind, PrimId, Tid, TraceEvent};

/// What one event did, in words, for the class to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Happening {
    /// Sequence number of the event.
    pub seq: u64,
    /// The thread that did it.
    pub thread: Tid,
    /// E.g. `p: notify_all on Condition condition → woke c1, c2`.
    pub text: String,
    /// A moment a lesson is about: one thread woke another, or a store lost or brought back
    /// updates.
    pub moment: bool,
    /// The threads it woke (a notify, a set, a put...): their own wake-up events that follow
    /// in the same step say nothing the class has not read already.
    pub woke: Vec<Tid>,
    /// A woken thread's wake-up, or its asking for the lock again: what a wake-up told
    /// before it already said.
    pub follows_wake: bool,
    /// Said only until the thread's next event says it better: a request that found the
    /// primitive free (the acquire says what came of it), or, in a run stepped by instruction,
    /// a load or store (the instruction that made it says it, with its value).
    pub prelude: bool,
}

/// `text` in at most `width` columns: whole if it fits, else cut after its last whole word
/// that fits, with `…` (never in the middle of a word, unless one word alone is too long).
#[must_use]
pub fn shorten(text: &str, width: usize) -> String {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    if text.width() <= width {
        return text.to_owned();
    }
    let room = width.saturating_sub(1);
    let (mut end, mut used) = (0, 0);
    let mut last_word_end = None;
    for (at, char) in text.char_indices() {
        used += char.width().unwrap_or(0);
        if used > room {
            break;
        }
        if char == ' ' && at > 0 {
            last_word_end = Some(at);
        }
        end = at + char.len_utf8();
    }
    let kept = match last_word_end {
        // Words cut at a word's end; a comma or a semicolon before the cut goes too.
        Some(at) if text[end..].chars().next().is_some_and(|char| !matches!(char, ' ' | ',' | ';' | ':' | ')')) => {
            &text[..at]
        }
        _ => &text[..end],
    };
    let kept = kept.trim_end_matches([' ', ',', ';', ':', '→', '←']).trim_end();
    if width == 0 { String::new() } else { format!("{kept}…") }
}

/// Demo time as a sentence says it: `t=0.8s`.
#[must_use]
pub fn at(time_us: u64) -> String {
    let tenths = time_us / 100_000;
    format!("t={}.{}s", tenths / 10, tenths % 10)
}

impl Model {
    /// Thread `tid` asks for `prim`: notes whether it finds it taken by another thread, so that
    /// the acquire that follows can say it ended a wait. (The request is folded as a BLOCKED
    /// state either way; an acquire that finds the lock free reports both at once.)
    pub(super) fn note_request(&mut self, tid: Tid, prim: PrimId, read: bool) {
        let taken = match self.prims.get(&prim).map(|prim| &prim.state) {
            Some(PrimState::Lock { holder: Some(holder) }) => *holder != tid,
            Some(PrimState::RLock { owner: Some(owner), .. }) => *owner != tid,
            Some(PrimState::Semaphore { value: 0, .. }) => true,
            // A write request finds it taken by a writer or readers; a read request, by a
            // writer holding it or waiting for it.
            Some(PrimState::RwLock { writer, readers, writers_waiting, .. }) => {
                writer.is_some_and(|writer| writer != tid)
                    || if read { !writers_waiting.is_empty() } else { !readers.is_empty() }
            }
            _ => false,
        };
        if taken {
            self.contended.insert(tid);
        } else {
            self.contended.remove(&tid);
        }
    }

    /// Folds `event` as [`Model::apply`] does and says what it did: always when `every` is
    /// set (a step the class watches), otherwise only at a moment (a thread woke another, an
    /// update was lost or brought back), so a running flood of events costs no words.
    pub fn apply_told(&mut self, event: &TraceEvent, every: bool) -> Option<Happening> {
        let prim = event.kind.prim().and_then(|pid| self.prims.get(&pid));
        // Who was waiting before the event, for the kinds of event that wake them.
        let waiting: Vec<Tid> = match &event.kind {
            EventKind::Set { .. }
            | EventKind::Put { .. }
            | EventKind::Got { .. }
            | EventKind::BarrierPass { .. }
            | EventKind::BarrierBroken { .. }
            | EventKind::ChannelDropped { .. } => prim.map(|prim| prim.waiters.clone()).unwrap_or_default(),
            EventKind::Released { count, .. } if releases_fully(prim, *count) => {
                prim.map(|prim| prim.waiters.clone()).unwrap_or_default()
            }
            EventKind::ReadReleased { readers: 0, .. } => prim.map(|prim| prim.waiters.clone()).unwrap_or_default(),
            // A send wakes the receiver waiting; a receive, the senders waiting for room or
            // (on a rendezvous) the one whose item it took.
            EventKind::Sent { .. } | EventKind::Received { .. } => {
                match prim.map(|prim| (&prim.state, &prim.waiters)) {
                    Some((PrimState::Channel { sending, offers, capacity, .. }, waiters)) => {
                        if matches!(event.kind, EventKind::Sent { .. }) {
                            waiters.iter().copied().filter(|waiter| !sending.contains(waiter)).collect()
                        } else if *capacity == Some(0) {
                            offers.front().copied().filter(|sender| sending.contains(sender)).into_iter().collect()
                        } else {
                            sending.clone()
                        }
                    }
                    _ => Vec::new(),
                }
            }
            _ => Vec::new(),
        };
        let was_blocked = matches!(event.kind, EventKind::Acquired { .. } | EventKind::ReadAcquired { .. })
            && self.contended.contains(&event.thread);
        self.apply(event);
        let counted = matches!(event.kind, EventKind::Store { .. }) && self.lost_update_at(event.seq).is_some();
        let moment = match &event.kind {
            EventKind::Notified { woken, .. } => !woken.is_empty(),
            EventKind::BarrierPass { .. } | EventKind::Poisoned { .. } => true,
            EventKind::Store { .. } => counted,
            EventKind::Instruction { .. } => self.stored_over(event).is_some(),
            EventKind::Acquired { .. } | EventKind::ReadAcquired { .. } => was_blocked,
            _ => !waiting.is_empty(),
        };
        if !(every || moment) {
            return None;
        }
        let text = self.words(event, &waiting, was_blocked)?;
        let woke = match &event.kind {
            EventKind::Notified { woken, .. } => woken.clone(),
            _ => waiting,
        };
        let follows_wake = matches!(
            event.kind,
            EventKind::Woken { notified: true, .. } | EventKind::Requested { .. } | EventKind::ReadRequested { .. }
        );
        let prelude = match event.kind {
            EventKind::Requested { .. } | EventKind::ReadRequested { .. } => !self.contended.contains(&event.thread),
            EventKind::Load { .. } | EventKind::Store { .. } => self.instructions > 0,
            _ => false,
        };
        Some(Happening { seq: event.seq, thread: event.thread, text, moment, woke, follows_wake, prelude })
    }

    /// What `event` did, in words; `waiting` were the threads waiting on its primitive before.
    fn words(&self, event: &TraceEvent, waiting: &[Tid], was_blocked: bool) -> Option<String> {
        let who = self.thread_name(event.thread);
        let woke = |text: String| {
            if waiting.is_empty() { text } else { format!("{text} → woke {}", self.names(waiting)) }
        };
        if let Some(text) = self.std_words(event, &who, waiting, was_blocked) {
            return Some(text);
        }
        let text = match &event.kind {
            EventKind::Notified { prim, n, woken } => self.notify_words(&who, *prim, *n, woken),
            EventKind::Set { prim } => woke(format!("{who} set {}", self.prim_label(*prim))),
            EventKind::Clear { prim } => format!("{who} cleared {}", self.prim_label(*prim)),
            EventKind::Released { prim, .. } if !waiting.is_empty() => {
                let wait = if waiting.len() == 1 { "waits" } else { "wait" };
                format!("{who} released {}, {} {wait} for it", self.prim_label(*prim), self.names(waiting))
            }
            EventKind::Released { prim, .. } => format!("{who} released {}", self.prim_label(*prim)),
            EventKind::Requested { prim, .. } => match self.threads.get(&event.thread).map(|thread| &thread.state) {
                // Folded as BLOCKED either way: only a request that found it taken waits.
                Some(ThreadState::Blocked { .. }) if self.contended.contains(&event.thread) => {
                    let holders = self.prims.get(prim).map(KnownPrim::holders).unwrap_or_default();
                    format!("{who} asks for {}{}: blocked", self.prim_label(*prim), self.held_by(&holders))
                }
                _ => format!("{who} asks for {}", self.prim_label(*prim)),
            },
            EventKind::Acquired { prim, .. } if was_blocked => {
                format!("{who} got {} after waiting", self.prim_label(*prim))
            }
            EventKind::Acquired { prim, .. } => format!("{who} acquired {}", self.prim_label(*prim)),
            EventKind::TryFailed { prim } => format!("{who} tried {}: taken, gives up at once", self.prim_label(*prim)),
            EventKind::TimedOut { prim } => {
                format!("{who} stopped waiting for {}: its timeout ran out", self.prim_label(*prim))
            }
            EventKind::WaitBegin { prim, .. } => format!("{who} waits on {}", self.prim_label(*prim)),
            EventKind::Woken { prim, notified: true } => format!("{who} was woken on {}", self.prim_label(*prim)),
            EventKind::Woken { prim, notified: false } => {
                format!("{who}'s wait on {} ended without a wake-up", self.prim_label(*prim))
            }
            EventKind::Put { prim, item, .. } => woke(format!("{who} put {item} on {}", self.prim_label(*prim))),
            EventKind::Got { prim, item, .. } => woke(format!("{who} got {item} from {}", self.prim_label(*prim))),
            EventKind::TaskDone { prim, unfinished } => {
                format!("{who}: task_done on {}, {unfinished} unfinished", self.prim_label(*prim))
            }
            EventKind::BarrierArrive { prim, .. } => format!("{who} arrived at {}", self.prim_label(*prim)),
            EventKind::BarrierPass { prim, .. } => {
                let mut all = waiting.to_vec();
                all.push(event.thread);
                format!("{} passed: {} go on", self.prim_label(*prim), self.names(&all))
            }
            EventKind::BarrierBroken { prim } => woke(format!("{} broke", self.prim_label(*prim))),
            EventKind::BarrierReset { prim } => format!("{who} reset {}", self.prim_label(*prim)),
            EventKind::Load { prim, value } => format!("{who} read {value} from {}", self.prim_label(*prim)),
            EventKind::Store { prim, value } => match self.lost_update_at(event.seq) {
                Some(lost) => format!(
                    "{who} stored {value} over {}'s {}: {}",
                    self.thread_name(lost.overwritten_thread),
                    lost.overwritten_value,
                    super::lost_or_brought_back(lost.updates_lost),
                ),
                None => format!("{who} stored {value} to {}", self.prim_label(*prim)),
            },
            EventKind::Update { prim, op, read, value } => {
                format!("{who}: {op} on {}, {read} → {value} in one step", self.prim_label(*prim))
            }
            EventKind::LocalGet { prim, value } => {
                format!("{who} read its own {}: {}", self.prim_label(*prim), value.as_deref().unwrap_or("nothing yet"))
            }
            EventKind::LocalSet { prim, value } => format!("{who} set its own {} to {value}", self.prim_label(*prim)),
            EventKind::SleepBegin { duration_us } => format!("{who} sleeps {}", seconds(*duration_us)),
            EventKind::SleepEnd => format!("{who} woke up"),
            EventKind::JoinBegin { target, .. } => format!("{who} joins {}", self.thread_name(*target)),
            EventKind::JoinEnd { target, finished: true } => {
                format!("{who}: {} has ended, join returns", self.thread_name(*target))
            }
            EventKind::JoinEnd { target, finished: false } => {
                format!("{who}: join of {} timed out", self.thread_name(*target))
            }
            EventKind::ThreadStarted { tid, .. } => format!("{} started", self.thread_name(*tid)),
            EventKind::ThreadExited { tid, exit } => match exit {
                ExitKind::Normal => format!("{} ended", self.thread_name(*tid)),
                ExitKind::Killed => format!("{} was stopped at shutdown (daemon)", self.thread_name(*tid)),
                ExitKind::Panicked { message } => {
                    format!("{} ended by an exception: {message}", self.thread_name(*tid))
                }
            },
            EventKind::Log { message, .. } => format!("{who} logged: {message}"),
            EventKind::Misuse { message, .. } => format!("{who}: error: {message}"),
            EventKind::ShutdownBegin => format!("{who} returned; waits for the non-daemon threads"),
            EventKind::Instruction { text, .. } => match self.stored_over(event) {
                Some(lost) => format!(
                    "{who}: {text} over {}'s {}: {}",
                    self.thread_name(lost.overwritten_thread),
                    lost.overwritten_value,
                    super::lost_or_brought_back(lost.updates_lost),
                ),
                None => format!("{who}: {text}"),
            },
            _ => return None,
        };
        Some(text)
    }

    /// What an event of a reader-writer lock or a channel did, in words (`threadviz::std`'s
    /// kinds); None for any other event.
    fn std_words(&self, event: &TraceEvent, who: &str, waiting: &[Tid], was_blocked: bool) -> Option<String> {
        let woke = |text: String| {
            if waiting.is_empty() { text } else { format!("{text} → woke {}", self.names(waiting)) }
        };
        let text = match &event.kind {
            EventKind::ReadRequested { prim, .. } => {
                match self.threads.get(&event.thread).map(|thread| &thread.state) {
                    Some(ThreadState::Blocked { .. }) if self.contended.contains(&event.thread) => {
                        format!(
                            "{who} asks to read {}{}: blocked",
                            self.prim_label(*prim),
                            self.blocked_by(event.thread, *prim)
                        )
                    }
                    _ => format!("{who} asks to read {}", self.prim_label(*prim)),
                }
            }
            EventKind::ReadAcquired { prim, readers } => {
                let after = if was_blocked { " after waiting" } else { "" };
                let others = match readers.saturating_sub(1) {
                    0 => String::new(),
                    1 => " (1 other reader)".to_owned(),
                    others => format!(" ({others} other readers)"),
                };
                format!("{who} reads {}{after}{others}", self.prim_label(*prim))
            }
            EventKind::ReadReleased { prim, .. } if !waiting.is_empty() => {
                let wait = if waiting.len() == 1 { "waits" } else { "wait" };
                format!("{who} stopped reading {}, {} {wait} for it", self.prim_label(*prim), self.names(waiting))
            }
            EventKind::ReadReleased { prim, .. } => format!("{who} stopped reading {}", self.prim_label(*prim)),
            EventKind::Poisoned { prim } => {
                format!("{who} panicked holding {} to write: it is poisoned", self.prim_label(*prim))
            }
            EventKind::PoisonCleared { prim } => format!("{who} cleared the poison of {}", self.prim_label(*prim)),
            EventKind::ChannelWait { prim, side: ChannelSide::Recv, .. } => {
                format!("{who} waits on {} for an item", self.prim_label(*prim))
            }
            EventKind::ChannelWait { prim, side: ChannelSide::Send, .. } => {
                match self.prims.get(prim).map(|view| &view.state) {
                    Some(PrimState::Channel { capacity: Some(0), .. }) => {
                        format!("{who} waits on {} for the receiver to take its item", self.prim_label(*prim))
                    }
                    _ => format!("{who} waits on {}: it is full", self.prim_label(*prim)),
                }
            }
            EventKind::Sent { prim, item, .. } => woke(format!("{who} sent {item} on {}", self.prim_label(*prim))),
            EventKind::Received { prim, item, .. } => {
                woke(format!("{who} received {item} from {}", self.prim_label(*prim)))
            }
            EventKind::ChannelDropped { prim, side: ChannelSide::Send, .. } => {
                woke(format!("{who} dropped the last sender of {}: disconnected", self.prim_label(*prim)))
            }
            EventKind::ChannelDropped { prim, side: ChannelSide::Recv, discarded } => {
                let lost = match discarded {
                    0 => String::new(),
                    1 => ", 1 item never received".to_owned(),
                    many => format!(", {many} items never received"),
                };
                woke(format!("{who} dropped the receiver of {}: disconnected{lost}", self.prim_label(*prim)))
            }
            EventKind::Disconnected { prim, side: ChannelSide::Send } => {
                format!("{who}: send on {} failed: its receiver is gone", self.prim_label(*prim))
            }
            EventKind::Disconnected { prim, side: ChannelSide::Recv } => {
                format!("{who}: recv on {} failed: empty, and every sender is gone", self.prim_label(*prim))
            }
            _ => return None,
        };
        Some(text)
    }

    /// The lost or brought back updates of the store an instruction made: the same thread's
    /// event just before it, which its words then say with it.
    fn stored_over(&self, event: &TraceEvent) -> Option<&super::LostUpdate> {
        self.lost_update_at(event.seq.checked_sub(1)?).filter(|lost| lost.thread == event.thread)
    }

    /// A notify's words: `p: notify_all on condition → woke c1, c2; they wait for RLock-1,
    /// held by p`.
    fn notify_words(&self, who: &str, prim: PrimId, n: u64, woken: &[Tid]) -> String {
        let call = match n {
            u64::MAX => "notify_all".to_owned(),
            1 => "notify".to_owned(),
            n => format!("notify({n})"),
        };
        let label = self.short_label(prim);
        if woken.is_empty() {
            return format!("{who}: {call} on {label}, but nobody was waiting: it wakes no one");
        }
        // A woken thread must take the condition's lock again before wait() returns.
        let lock = match self.prims.get(&prim).map(|prim| &prim.state) {
            Some(PrimState::Condition { lock }) => Some(*lock),
            _ => None,
        };
        let holders = lock.and_then(|lock| self.prims.get(&lock)).map(KnownPrim::holders).unwrap_or_default();
        let they = if woken.len() == 1 { "it waits" } else { "they wait" };
        match lock.filter(|_| !holders.is_empty()) {
            Some(lock) => format!(
                "{who}: {call} on {label} → woke {}; {they} for {}{}",
                self.names(woken),
                self.prim_label(lock),
                self.held_by(&holders)
            ),
            None => format!("{who}: {call} on {label} → woke {}", self.names(woken)),
        }
    }

    /// A primitive's name alone when it says what it is (`condition`, `RLock-1`), else its
    /// kind and name: the words of a line that must fit 80 columns.
    fn short_label(&self, pid: PrimId) -> String {
        match self.prims.get(&pid) {
            Some(prim) if prim.name.to_lowercase().starts_with(&prim.kind().to_lowercase()) => prim.name.clone(),
            _ => self.prim_label(pid),
        }
    }
}

/// Whether a release with `count` left lets a waiter in: a Lock or an RLock's last level, any
/// release of a semaphore.
fn releases_fully(prim: Option<&KnownPrim>, count: u64) -> bool {
    match prim.map(|prim| &prim.state) {
        Some(PrimState::Lock { .. } | PrimState::RLock { .. } | PrimState::RwLock { .. }) => count == 0,
        Some(PrimState::Semaphore { .. }) => true,
        _ => false,
    }
}

/// A length of demo time in words: `0.3s`, `0.05s`.
fn seconds(micros: u64) -> String {
    let secs = micros as f64 / 1e6;
    if micros.is_multiple_of(100_000) { format!("{secs:.1}s") } else { format!("{secs:.2}s") }
}

#[cfg(test)]
mod tests {
    //! What the model says happened, and why a step cannot be taken.

    use super::*;
    use crate::event::{PrimInfo, WaitMode};

    /// Folds events of `thread` one after the other, 0.1 s apart, saying what each did.
    struct Script {
        model: Model,
        seq: u64,
    }

    impl Script {
        fn new(names: &[&str]) -> Self {
            let mut script = Self { model: Model::new(), seq: 0 };
            for (tid, name) in (1..).zip(names) {
                script.at(1, EventKind::ThreadCreated { tid, name: (*name).to_owned(), daemon: false, foreign: false });
                script.at(1, EventKind::ThreadStarted { tid, daemon: false, os_tid: None });
            }
            script
        }

        fn at(&mut self, thread: Tid, kind: EventKind) -> Option<Happening> {
            self.seq += 1;
            let event = TraceEvent { seq: self.seq, time_us: self.seq * 100_000, thread, loc: None, kind };
            self.model.apply_told(&event, true)
        }

        fn text(&mut self, thread: Tid, kind: EventKind) -> (String, bool) {
            let told = self.at(thread, kind).expect("the event is told");
            (told.text, told.moment)
        }
    }

    const BLOCKING: WaitMode = WaitMode::Blocking;

    #[test]
    fn notify_all_and_the_lock_hand_over_are_told_as_moments() {
        let mut script = Script::new(&["MainThread", "c1", "c2", "p"]);
        script.at(1, EventKind::PrimCreated { prim: 1, name: "RLock-1".into(), info: PrimInfo::RLock });
        script
            .at(1, EventKind::PrimCreated { prim: 2, name: "condition".into(), info: PrimInfo::Condition { lock: 1 } });
        for consumer in [2, 3] {
            script.at(consumer, EventKind::WaitBegin { prim: 2, timeout_us: None });
        }
        script.at(4, EventKind::Requested { prim: 1, mode: BLOCKING });
        script.at(4, EventKind::Acquired { prim: 1, count: 1 });
        assert_eq!(
            script.text(4, EventKind::Notified { prim: 2, n: u64::MAX, woken: vec![2, 3] }),
            ("p: notify_all on condition → woke c1, c2; they wait for RLock-1, held by p".to_owned(), true)
        );
        for consumer in [2, 3] {
            script.at(consumer, EventKind::Woken { prim: 2, notified: true });
        }
        assert_eq!(
            script.text(2, EventKind::Requested { prim: 1, mode: BLOCKING }),
            ("c1 asks for RLock-1, held by p: blocked".to_owned(), false)
        );
        script.at(3, EventKind::Requested { prim: 1, mode: BLOCKING });
        assert_eq!(
            script.text(4, EventKind::Released { prim: 1, count: 0 }),
            ("p released RLock-1, c1, c2 wait for it".to_owned(), true)
        );
        assert_eq!(
            script.text(2, EventKind::Acquired { prim: 1, count: 1 }),
            ("c1 got RLock-1 after waiting".to_owned(), true)
        );
        assert_eq!(script.model.why_stuck(3), "c2 is blocked on RLock-1, held by c1: a release by c1 lets it go");
    }

    #[test]
    fn only_a_request_that_finds_it_taken_is_blocked() {
        let mut script = Script::new(&["MainThread", "0", "1"]);
        script.at(
            1,
            EventKind::PrimCreated {
                prim: 1,
                name: "s".into(),
                info: PrimInfo::Semaphore { initial: 2, bounded: false },
            },
        );
        let asked = script.at(2, EventKind::Requested { prim: 1, mode: BLOCKING }).expect("told");
        assert_eq!((asked.text.as_str(), asked.prelude), ("0 asks for Semaphore s", true));
        assert_eq!(script.text(2, EventKind::Acquired { prim: 1, count: 1 }).0, "0 acquired Semaphore s");
        script.at(3, EventKind::Requested { prim: 1, mode: BLOCKING });
        script.at(3, EventKind::Acquired { prim: 1, count: 0 });
        let blocked = script.at(1, EventKind::Requested { prim: 1, mode: BLOCKING }).expect("told");
        assert_eq!(
            (blocked.text.as_str(), blocked.prelude),
            ("MainThread asks for Semaphore s, held by 0, 1: blocked", false)
        );
    }

    #[test]
    fn a_notify_with_nobody_waiting_says_it_wakes_no_one() {
        let mut script = Script::new(&["MainThread", "p"]);
        script.at(1, EventKind::PrimCreated { prim: 1, name: "RLock-1".into(), info: PrimInfo::RLock });
        script
            .at(1, EventKind::PrimCreated { prim: 2, name: "condition".into(), info: PrimInfo::Condition { lock: 1 } });
        assert_eq!(
            script.text(2, EventKind::Notified { prim: 2, n: 1, woken: Vec::new() }).0,
            "p: notify on condition, but nobody was waiting: it wakes no one"
        );
    }

    #[test]
    fn a_waiter_nobody_is_left_to_wake_is_told_so() {
        let mut script = Script::new(&["MainThread", "c1", "p"]);
        script
            .at(1, EventKind::PrimCreated { prim: 1, name: "condition".into(), info: PrimInfo::Condition { lock: 9 } });
        script.at(2, EventKind::WaitBegin { prim: 1, timeout_us: None });
        assert_eq!(script.model.why_stuck(2), "c1 waits on Condition condition: another thread's notify wakes it");
        script.at(1, EventKind::JoinBegin { target: 2, timeout_us: None });
        assert_eq!(script.model.why_stuck(2), "c1 waits on Condition condition: another thread's notify wakes it");
        script.at(3, EventKind::ThreadExited { tid: 3, exit: ExitKind::Normal });
        assert_eq!(
            script.model.why_stuck(2),
            "c1 waits on Condition condition: no other thread is left to wake it; it waits forever"
        );
    }

    #[test]
    fn text_is_shortened_after_a_whole_word() {
        assert_eq!(shorten("c1 asks for RLock-1", 40), "c1 asks for RLock-1");
        assert_eq!(shorten("c1 asks for RLock-1, held by p", 20), "c1 asks for RLock-1…");
        assert_eq!(shorten("c1 asks for RLock-1, held by p", 17), "c1 asks for…");
        assert_eq!(shorten("unbreakable-word", 8), "unbreak…");
        assert_eq!(shorten("anything", 0), "");
        // An arrow is never left pointing at nothing.
        assert_eq!(shorten("STORE_GLOBAL balance ← 1", 23), "STORE_GLOBAL balance…");
        assert_eq!(shorten("LOAD_GLOBAL balance → 1", 22), "LOAD_GLOBAL balance…");
        for width in 1..40 {
            let short = shorten("p: notify_all on Condition condition → woke c1, c2", width);
            assert!(unicode_width::UnicodeWidthStr::width(short.as_str()) <= width, "{width}: {short}");
        }
    }

    #[test]
    fn running_only_moments_are_told() {
        let mut script = Script::new(&["MainThread"]);
        script.seq += 1;
        let event = TraceEvent {
            seq: script.seq,
            time_us: 0,
            thread: 1,
            loc: None,
            kind: EventKind::SleepBegin { duration_us: 300_000 },
        };
        assert_eq!(script.model.apply_told(&event, false), None);
    }

    #[test]
    fn a_read_modify_write_is_told_as_one_step_and_loses_nothing() {
        let mut script = Script::new(&["MainThread", "Thread-1", "Thread-2"]);
        let info = PrimInfo::Shared { initial: "0".into() };
        script.at(1, EventKind::PrimCreated { prim: 1, name: "AtomicUsize-1".into(), info });
        script.at(2, EventKind::Update { prim: 1, op: "fetch_add(1)".into(), read: "0".into(), value: "1".into() });
        let update = EventKind::Update { prim: 1, op: "fetch_add(1)".into(), read: "1".into(), value: "2".into() };
        assert_eq!(
            script.text(3, update),
            ("Thread-2: fetch_add(1) on Shared AtomicUsize-1, 1 → 2 in one step".to_owned(), false)
        );
        assert_eq!(script.model.lost_updates_on(1), 0);
    }

    #[test]
    fn a_lost_update_is_told_with_whose_store_it_overwrote() {
        let mut script = Script::new(&["MainThread", "Thread-1", "Thread-2"]);
        script.at(
            1,
            EventKind::PrimCreated { prim: 1, name: "counter".into(), info: PrimInfo::Shared { initial: "0".into() } },
        );
        script.at(2, EventKind::Load { prim: 1, value: "0".into() });
        assert_eq!(
            script.text(3, EventKind::Load { prim: 1, value: "0".into() }).0,
            "Thread-2 read 0 from Shared counter"
        );
        script.at(2, EventKind::Store { prim: 1, value: "1".into() });
        assert_eq!(
            script.text(3, EventKind::Store { prim: 1, value: "1".into() }),
            ("Thread-2 stored 1 over Thread-1's 1: lost 1 update".to_owned(), true)
        );
    }

    #[test]
    fn an_instruction_says_itself_and_the_lost_update_of_its_store() {
        let instruction = |offset: u32, text: &str| EventKind::Instruction { offset, text: text.into() };
        let mut script = Script::new(&["MainThread", "clerk-1", "clerk-2"]);
        let shared = PrimInfo::Shared { initial: "0".into() };
        script.at(1, EventKind::PrimCreated { prim: 1, name: "balance".into(), info: shared });
        // Before any instruction (a program stepped by operation), a load is told in full.
        let load = script.at(2, EventKind::Load { prim: 1, value: "0".into() }).expect("told");
        assert_eq!((load.text.as_str(), load.prelude), ("clerk-1 read 0 from Shared balance", false));
        assert_eq!(
            script.text(2, instruction(2, "LOAD_GLOBAL balance → 0")),
            ("clerk-1: LOAD_GLOBAL balance → 0".into(), false)
        );
        // Once instructions come, the load is said by the instruction that follows it.
        assert!(script.at(3, EventKind::Load { prim: 1, value: "0".into() }).expect("told").prelude);
        script.at(3, instruction(2, "LOAD_GLOBAL balance → 0"));
        script.at(2, EventKind::Store { prim: 1, value: "1".into() });
        assert_eq!(script.text(2, instruction(10, "STORE_GLOBAL balance ← 1")).0, "clerk-1: STORE_GLOBAL balance ← 1");
        let store = script.at(3, EventKind::Store { prim: 1, value: "1".into() }).expect("told");
        assert!(store.moment && store.prelude, "the lost update, to be said again by its instruction");
        assert_eq!(
            script.text(3, instruction(10, "STORE_GLOBAL balance ← 1")),
            ("clerk-2: STORE_GLOBAL balance ← 1 over clerk-1's 1: lost 1 update".into(), true)
        );
        // Running, nobody stepping: an instruction is no moment, and costs no words.
        let next = TraceEvent {
            seq: script.seq + 1,
            time_us: 0,
            thread: 3,
            loc: None,
            kind: instruction(12, "LOAD_CONST None"),
        };
        assert_eq!(script.model.apply_told(&next, false), None);
    }

    #[test]
    fn a_refused_step_says_what_would_let_the_thread_go() {
        let mut script = Script::new(&["MainThread", "Thread-1", "Thread-2", "c1"]);
        script
            .at(1, EventKind::PrimCreated { prim: 1, name: "condition".into(), info: PrimInfo::Condition { lock: 9 } });
        // At t=1.0s and 1.1s: Thread-2 sleeps until 1.8s, Thread-1 until 1.4s.
        script.at(3, EventKind::SleepBegin { duration_us: 800_000 });
        script.at(2, EventKind::SleepBegin { duration_us: 300_000 });
        script.at(4, EventKind::WaitBegin { prim: 1, timeout_us: None });
        assert_eq!(script.model.why_stuck(3), "Thread-2 sleeps until t=1.8s; Thread-1 wakes first (t=1.4s)");
        assert_eq!(script.model.why_stuck(4), "c1 waits on Condition condition: another thread's notify wakes it");
    }

    #[test]
    fn a_reader_writer_lock_and_a_channel_are_told_in_their_own_words() {
        use crate::event::ChannelSide;
        let mut script = Script::new(&["MainThread", "r1", "w", "r2"]);
        script.at(1, EventKind::PrimCreated { prim: 1, name: "table".into(), info: PrimInfo::RwLock });
        script.at(2, EventKind::ReadRequested { prim: 1, mode: BLOCKING });
        assert_eq!(script.text(2, EventKind::ReadAcquired { prim: 1, readers: 1 }).0, "r1 reads RwLock table");
        script.at(3, EventKind::Requested { prim: 1, mode: BLOCKING });
        assert_eq!(
            script.text(4, EventKind::ReadRequested { prim: 1, mode: BLOCKING }).0,
            "r2 asks to read RwLock table, after writer w: blocked"
        );
        assert_eq!(
            script.text(2, EventKind::ReadReleased { prim: 1, readers: 0 }),
            ("r1 stopped reading RwLock table, w, r2 wait for it".to_owned(), true)
        );
        assert_eq!(script.text(3, EventKind::Acquired { prim: 1, count: 1 }).0, "w got RwLock table after waiting");
        assert_eq!(
            script.text(3, EventKind::Poisoned { prim: 1 }),
            ("w panicked holding RwLock table to write: it is poisoned".to_owned(), true)
        );

        let channel = PrimInfo::Channel { capacity: Some(0) };
        script.at(1, EventKind::PrimCreated { prim: 2, name: "handoff".into(), info: channel });
        script.at(1, EventKind::ChannelWait { prim: 2, side: ChannelSide::Recv, timeout_us: None });
        assert_eq!(
            script.text(2, EventKind::Sent { prim: 2, item: "u8 #1".into(), queued: 1 }),
            ("r1 sent u8 #1 on Channel handoff → woke MainThread".to_owned(), true)
        );
        assert_eq!(
            script.text(2, EventKind::ChannelWait { prim: 2, side: ChannelSide::Send, timeout_us: None }).0,
            "r1 waits on Channel handoff for the receiver to take its item"
        );
        assert_eq!(
            script.text(1, EventKind::Received { prim: 2, item: "u8 #1".into(), queued: 0 }),
            ("MainThread received u8 #1 from Channel handoff → woke r1".to_owned(), true)
        );
        assert_eq!(
            script.text(1, EventKind::ChannelDropped { prim: 2, side: ChannelSide::Recv, discarded: 2 }).0,
            "MainThread dropped the receiver of Channel handoff: disconnected, 2 items never received"
        );
        assert_eq!(
            script.text(4, EventKind::Disconnected { prim: 2, side: ChannelSide::Send }).0,
            "r2: send on Channel handoff failed: its receiver is gone"
        );
    }

    #[test]
    fn short_sleeps_keep_their_precision() {
        assert_eq!(seconds(300_000), "0.3s");
        assert_eq!(seconds(50_000), "0.05s");
        assert_eq!(at(1_234_567), "t=1.2s");
    }
}
