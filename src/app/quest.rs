//! A challenge being played: its goal watched in the run's events, and the search for the
//! shortest solution (or the proof that there is none) running beside it on its own thread.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use parking_lot::Mutex;

use crate::challenge::{Challenge, SEARCH_STEPS};
use crate::explore::{Program, Searched, search};

/// The most runs the search tries before it settles for what it found.
const SEARCH_RUNS: usize = 20_000;

/// How long a search given up waits for its run under way (a Python program's fork server
/// and its run end with it).
const STOP_PATIENCE: std::time::Duration = std::time::Duration::from_secs(10);

/// The search for a challenge's shortest solution, on its own thread.
pub(crate) struct Search {
    progress: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    found: Arc<Mutex<Option<Searched>>>,
    /// The search so far, each time it finds a shorter way.
    best: Arc<Mutex<Option<Searched>>>,
    /// Closed when the search's thread is over, with what it ran on.
    over: crossbeam_channel::Receiver<()>,
}

impl Search {
    /// Starts searching `challenge` (with the program `program` runs).
    pub(crate) fn start(challenge: &'static Challenge, program: &Program) -> Self {
        let progress = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let found = Arc::new(Mutex::new(None));
        let best = Arc::new(Mutex::new(None));
        let mut program = program.clone();
        program.max_steps = SEARCH_STEPS;
        let (counter, stopped, result, so_far) = (progress.clone(), stop.clone(), found.clone(), best.clone());
        let (done, over) = crossbeam_channel::bounded::<()>(0);
        let _ = std::thread::Builder::new().name("threadviz-search".into()).spawn(move || {
            // Dropped last, once the program (and a fork server in it) is gone.
            let _done = done;
            let program = program;
            let better = |searched: &Searched| *so_far.lock() = Some(searched.clone());
            let (goal, preemptions) = (challenge.goal, challenge.preemptions);
            let searched = search(&program, goal, preemptions, SEARCH_RUNS, &counter, &stopped, &better);
            *result.lock() = Some(searched);
        });
        Self { progress, stop, found, best, over }
    }

    /// What the search found, once it is over.
    pub(crate) fn found(&self) -> Option<Searched> {
        self.found.lock().clone()
    }

    /// The shortest way found so far, while the search goes on (or once it is over).
    pub(crate) fn best(&self) -> Option<Searched> {
        self.found().or_else(|| self.best.lock().clone())
    }

    /// Runs explored so far.
    pub(crate) fn runs(&self) -> usize {
        self.progress.load(Ordering::Relaxed)
    }
}

impl Drop for Search {
    /// Stops the search and waits (within a patience) for its thread to end, so that no
    /// interpreter of a Python challenge's search outlives the dashboard.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.over.recv_timeout(STOP_PATIENCE);
    }
}

/// A challenge being played.
pub(crate) struct Quest {
    pub(crate) challenge: &'static Challenge,
    pub(crate) search: Search,
    /// The learner's run reached the goal: at which step, and how.
    pub(crate) reached: Option<(usize, String)>,
    /// The learner gave up (`s`) at some point: the shortest way, or the proof, has been shown.
    pub(crate) gave_up: bool,
    /// The learner chose a thread (Enter) in this run, rather than only taking the next in
    /// turn (`n`, space).
    pub(crate) chose: bool,
}

impl Quest {
    pub(crate) fn new(challenge: &'static Challenge, program: &Program) -> Self {
        Self { challenge, search: Search::start(challenge, program), reached: None, gave_up: false, chose: false }
    }
}
