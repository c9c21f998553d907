//! Challenges: the class plays scheduler. Each takes a demo, made small through its
//! parameters, and a goal the model checks after every event; the learner chooses who steps.
//! A goal within reach takes a decision (`n` alone, the next thread in turn, never gets
//! there), and its hint is a list of moves a learner can follow to the letter. Some goals
//! cannot be reached, and that is their lesson: exploring every interleaving proves it.

use std::fmt;

use crate::catalog::{self, Demo};
use crate::child::Grain;
use crate::event::{EventKind, TraceEvent};
use crate::explore::{FailureKind, Goal};
use crate::model::Model;

/// One challenge.
pub struct Challenge {
    /// The name typed after `threadviz challenge`.
    pub name: &'static str,
    /// The goal, as the screen states it.
    pub goal_words: &'static str,
    /// The demo it plays.
    pub demo: &'static str,
    /// The demo's parameters for it: small enough to play by hand and to explore.
    pub params: &'static [(&'static str, i64)],
    pub(crate) goal: Goal,
    /// Whether some interleaving reaches the goal (the tests check this against exploration).
    pub reachable: bool,
    /// The way to the goal, as moves a learner makes (empty when there is none). Its words,
    /// [`Challenge::hint_words`], are the answer in the notes.
    pub hint: &'static [Move],
    /// The preemption bound of the search for the shortest solution, or for the proof:
    /// `usize::MAX` for none (the proofs of the impossible ones), with partial-order reduction.
    pub preemptions: usize,
    /// What one step is when the challenge is played on the demo's Python twin (`--python`),
    /// unless `--step` says otherwise. `op` makes each load and store of a shared variable a
    /// step, as `Shared` is in the Rust demo: `lost-update` is won there in a few choices and
    /// its search is exhaustive (819 interleavings within 2 preemptions); at `bytecode` every
    /// instruction is a step and the search no longer finishes in minutes.
    pub python_step: Grain,
    /// Its notes (Markdown), shown with `l`.
    pub notes: &'static str,
}

impl fmt::Debug for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Challenge").field("name", &self.name).field("demo", &self.demo).finish_non_exhaustive()
    }
}

impl Challenge {
    /// Its demo.
    #[must_use]
    pub fn demo(&self) -> &'static Demo {
        catalog::find(self.demo).unwrap_or(&catalog::DEMOS[0])
    }

    /// The parameters as the session takes them.
    #[must_use]
    pub fn params(&self) -> Vec<(String, i64)> {
        self.params.iter().map(|&(name, value)| (name.to_owned(), value)).collect()
    }

    /// The hint in words, as the notes' answer says it: `Step MainThread until Thread-2 has
    /// started, then step Thread-1 until it has read counter, ...`.
    #[must_use]
    pub fn hint_words(&self) -> String {
        let moves: Vec<String> = self.hint.iter().map(Move::to_string).collect();
        let sentence = moves.join(", then ");
        let mut letters = sentence.chars();
        letters.next().map_or_else(String::new, |first| format!("{}{}.", first.to_uppercase(), letters.as_str()))
    }
}

/// One move of a hint: what the learner presses, and until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// Select the thread called `thread` and press Enter until `until` has happened.
    Step {
        /// The thread's name.
        thread: &'static str,
        /// What happens last.
        until: Until,
    },
    /// Press `n`, the next thread in turn, until the goal is reached.
    Next,
}

/// What a [`Move::Step`] goes on until: something one of the stepped thread's operations does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// It has started the thread called this.
    Started(&'static str),
    /// It has read the `Shared` value called this.
    Read(&'static str),
    /// It has acquired the lock called this.
    Holds(&'static str),
    /// It has ended.
    Ended,
}

impl Until {
    /// Whether `event`, one of the events of a step of the thread called `thread`, is it;
    /// `model` has folded the events before it (it names threads and primitives).
    #[must_use]
    pub fn is(&self, event: &TraceEvent, thread: &str, model: &Model) -> bool {
        let prim_named = |prim, name: &str| model.prims.get(&prim).is_some_and(|known| known.name == name);
        let by_thread = model.thread_name(event.thread) == thread;
        match (*self, &event.kind) {
            (Self::Started(started), EventKind::ThreadStarted { tid, .. }) => {
                by_thread && model.thread_name(*tid) == started
            }
            (Self::Read(shared), EventKind::Load { prim, .. }) => by_thread && prim_named(*prim, shared),
            (Self::Holds(lock), EventKind::Acquired { prim, .. }) => by_thread && prim_named(*prim, lock),
            (Self::Ended, EventKind::ThreadExited { tid, .. }) => model.thread_name(*tid) == thread,
            _ => false,
        }
    }
}

impl fmt::Display for Move {
    /// `step Thread-1 until it has read counter`, `press n until the goal is reached`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Step { thread, until: Until::Started(started) } => {
                write!(f, "step `{thread}` until `{started}` has started")
            }
            Self::Step { thread, until: Until::Read(shared) } => {
                write!(f, "step `{thread}` until it has read `{shared}`")
            }
            Self::Step { thread, until: Until::Holds(lock) } => write!(f, "step `{thread}` until it holds `{lock}`"),
            Self::Step { thread, until: Until::Ended } => write!(f, "step `{thread}` until it has ended"),
            Self::Next => f.write_str("press `n` until the goal is reached"),
        }
    }
}

macro_rules! notes {
    ($name:literal) => {
        include_str!(concat!("../assets/challenges/", $name, ".md"))
    };
}

/// Every challenge, easiest first.
pub static CHALLENGES: &[Challenge] = &[
    Challenge {
        name: "lost-update",
        goal_words: "make the two threads lose an update on counter",
        demo: "race",
        params: &[("threads", 2), ("items", 1)],
        goal: Goal::Find(FailureKind::LostUpdate),
        reachable: true,
        hint: &[
            Move::Step { thread: "MainThread", until: Until::Started("Thread-2") },
            Move::Step { thread: "Thread-1", until: Until::Read("counter") },
            Move::Step { thread: "Thread-2", until: Until::Read("counter") },
            Move::Next,
        ],
        preemptions: 2,
        python_step: Grain::Op,
        notes: notes!("lost-update"),
    },
    Challenge {
        name: "two-inside",
        goal_words: "get both threads into the critical section at once",
        demo: "flag-lock",
        params: &[],
        goal: Goal::Together { enter: "in the critical section", leave: "leaving the critical section", count: 2 },
        reachable: true,
        hint: &[
            Move::Step { thread: "MainThread", until: Until::Started("Thread-2") },
            Move::Step { thread: "Thread-1", until: Until::Read("flag") },
            Move::Step { thread: "Thread-2", until: Until::Read("flag") },
            Move::Next,
        ],
        preemptions: 2,
        python_step: Grain::Op,
        notes: notes!("two-inside"),
    },
    Challenge {
        name: "deadlock",
        goal_words: "make Thread-1 and Thread-2 wait for each other forever",
        demo: "deadlock",
        params: &[("sleep", 0)],
        goal: Goal::Find(FailureKind::Deadlock),
        reachable: true,
        hint: &[
            Move::Step { thread: "MainThread", until: Until::Started("Thread-2") },
            Move::Step { thread: "Thread-1", until: Until::Holds("lock-a") },
            Move::Step { thread: "Thread-2", until: Until::Holds("lock-b") },
            Move::Next,
        ],
        preemptions: 2,
        python_step: Grain::Op,
        notes: notes!("deadlock"),
    },
    Challenge {
        name: "lost-wakeup",
        goal_words: "make the consumer wait forever",
        demo: "lost-wakeup",
        params: &[],
        goal: Goal::Find(FailureKind::Deadlock),
        reachable: true,
        hint: &[
            Move::Step { thread: "MainThread", until: Until::Started("producer") },
            Move::Step { thread: "producer", until: Until::Ended },
            Move::Next,
        ],
        preemptions: 2,
        python_step: Grain::Op,
        notes: notes!("lost-wakeup"),
    },
    Challenge {
        name: "three-permits",
        goal_words: "get three workers past Semaphore(2) at once",
        demo: "semaphore",
        params: &[("workers", 3), ("pool", 0)],
        goal: Goal::Holders { prim: "s", count: 3 },
        reachable: false,
        hint: &[],
        preemptions: usize::MAX,
        python_step: Grain::Op,
        notes: notes!("three-permits"),
    },
    Challenge {
        name: "early-bird",
        goal_words: "get a thread past the barrier before the other two arrive",
        demo: "barrier",
        params: &[("rounds", 1)],
        goal: Goal::Overtake { passed: "passed", arrived: "waiting at the barrier", parties: 3 },
        reachable: false,
        hint: &[],
        preemptions: usize::MAX,
        python_step: Grain::Op,
        notes: notes!("early-bird"),
    },
    Challenge {
        name: "locked-counter",
        goal_words: "make the workers lose an update on value, though a Lock guards it",
        demo: "lock",
        params: &[("increments", 1)],
        goal: Goal::Find(FailureKind::LostUpdate),
        reachable: false,
        hint: &[],
        preemptions: usize::MAX,
        python_step: Grain::Op,
        notes: notes!("locked-counter"),
    },
];

/// What exploring a challenge found: whether its goal can be reached, in how few steps, and
/// the sentence that says so.
#[derive(Debug, Clone)]
pub struct Solved {
    /// Runs explored.
    pub runs: usize,
    /// Every interleaving within the challenge's preemption bound ran.
    pub exhaustive: bool,
    /// The fewest steps that reach the goal, if any run did.
    pub shortest: Option<usize>,
    /// The schedule of that run.
    pub schedule: Option<String>,
    /// The finding in a sentence, as the screen says it.
    pub proof: String,
}

impl Challenge {
    /// Explores the challenge as the dashboard does while it is played (depth first, within
    /// its preemption bound, at most `runs` runs).
    #[must_use]
    pub fn solve(&'static self, runs: usize) -> Solved {
        let mut program = crate::explore::Program::new(self.demo().main);
        program.params = self.params();
        program.max_steps = SEARCH_STEPS;
        let progress = std::sync::atomic::AtomicUsize::new(0);
        let stop = std::sync::atomic::AtomicBool::new(false);
        let found = crate::explore::search(&program, self.goal, self.preemptions, runs, &progress, &stop, &|_| {});
        Solved {
            runs: found.runs,
            exhaustive: found.exhaustive,
            shortest: found.shortest.as_ref().map(|(step, _, _)| *step),
            schedule: found.shortest.as_ref().map(|(_, _, schedule)| schedule.to_string()),
            proof: found.proof(),
        }
    }
}

/// The most steps of one searched run: a hand-made spin lock can spin forever in some
/// interleavings, and a challenge's solution is short.
pub(crate) const SEARCH_STEPS: usize = 400;

/// The challenge called `name`.
#[must_use]
pub fn find(name: &str) -> Option<&'static Challenge> {
    CHALLENGES.iter().find(|challenge| challenge.name == name)
}
