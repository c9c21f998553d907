//! Sessions: isolated worlds of threads with their own registry, clock, pause/step gate, RNG
//! seed and event subscribers. Outside an explicit session everything runs in a default one.

mod builder;
mod capture;
mod clock;
mod collector;
pub(crate) mod context;
mod controlled;
mod controls;
mod emit;
mod fanout;
mod gate;
mod lifecycle;
mod packed;
pub(crate) mod pool;
pub(crate) mod registry;
pub(crate) mod wait;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crossbeam_utils::CachePadded;
use parking_lot::Mutex;

pub use self::builder::SessionBuilder;
pub(crate) use self::builder::Sleeps;
use self::clock::Clock;
pub use self::clock::{SPEED_RANGE, clamp_speed};
pub(crate) use self::context::By;
pub(crate) use self::controlled::Choice;
pub use self::controls::{hold_length, may_hold};
use self::emit::Emitter;
pub use self::fanout::Subscription;
use self::gate::Gate;
pub use self::gate::{PauseState, Step, StepRefused};
pub(crate) use self::lifecycle::{exit_of, panic_message};
pub(crate) use self::packed::PackedKind;
use self::registry::{DefaultName, Life, Registry, ThreadRecord};
use crate::event::{EventKind, PrimId, PrimInfo, SourceLoc, Tid};

/// Somebody subscribed: build and send events.
pub(crate) const LISTENING: u8 = 1;
/// The gate is closed or stepping: every operation stops at it.
pub(crate) const GATED: u8 = 2;
/// The session is shutting down: killed daemons unwind at their next operation.
pub(crate) const SHUTDOWN: u8 = 4;
/// Set: the event collector is idle and sleeps long; the next event wakes it.
pub(crate) const COLD: u8 = 8;
/// Set: an event to pause at is armed ([`Session::pause_at`]); emitting threads test for it.
pub(crate) const PAUSE_AT: u8 = 16;

/// The test for the event to pause at: the caller's file and line, if any, and the event.
type PauseAt = Box<dyn Fn(Option<(&str, u32)>, &EventKind) -> bool + Send + Sync>;

#[derive(Debug, Default)]
struct PrimCounters {
    next_pid: PrimId,
    per_kind: HashMap<&'static str, u32>,
}

/// The shared state of a session.
pub(crate) struct SessionInner {
    pub(crate) seed: u64,
    /// Read by every operation, written only by controls: kept apart from busier fields.
    pub(crate) flags: CachePadded<AtomicU8>,
    pub(crate) clock: Clock,
    pub(crate) gate: Gate,
    /// Every step is chosen by a controller (exploration, a schedule, a challenge): threads
    /// move one at a time, blocked ones only when granted, and demo time only when the
    /// controller lets it pass (`controlled.rs`).
    pub(crate) controlled: bool,
    /// How its sleeps end ([`SessionBuilder::sleeps`]).
    pub(crate) sleeps: Sleeps,
    /// The program's parameters ([`crate::param`]).
    params: BTreeMap<String, i64>,
    emitter: Emitter,
    pub(crate) registry: Registry,
    /// Threads in a timed wait, by demo-time deadline: the order in which a paused session's
    /// steps wake sleepers.
    pub(crate) timers: Mutex<BTreeSet<(u64, Tid)>>,
    prims: Mutex<PrimCounters>,
    main: Mutex<Option<Arc<ThreadRecord>>>,
    /// The event to pause at, until it happens.
    pause_at: Mutex<Option<PauseAt>>,
    is_default: bool,
    main_bound: AtomicBool,
    ran: AtomicBool,
    /// How long a wake-up is held on screen, in demo time; None: never.
    linger: Option<Duration>,
    /// Demo-time length of the holds so far (nanoseconds), against the lingering budget.
    lingered_ns: AtomicU64,
    /// The main function has returned: the main thread waits for the non-daemon threads.
    shutting_down: AtomicBool,
    /// Events are queued as they come and delivered when the session is flushed, with no
    /// collector thread ([`SessionBuilder::delivered_on_flush`]).
    pub(crate) delivered_on_flush: bool,
    /// Parked OS threads its threads run on, when it has them ([`SessionBuilder::pooled`]).
    pool: Option<std::sync::Weak<pool::Pool>>,
    /// Its threads' OS threads that have not finished their body yet.
    pub(crate) os_threads: Arc<pool::OsThreads>,
}

impl Drop for SessionInner {
    fn drop(&mut self) {
        if self.controlled {
            wait::controlled_session_dropped();
        }
    }
}

impl fmt::Debug for SessionInner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("seed", &self.seed)
            .field("speed", &self.clock.speed())
            .field("pause", &self.gate.mode())
            .field("threads", &self.registry.count_alive())
            .finish_non_exhaustive()
    }
}

/// The default session, used by code that runs outside [`Session::run`].
pub(crate) fn default_session() -> &'static Arc<SessionInner> {
    static DEFAULT: OnceLock<Arc<SessionInner>> = OnceLock::new();
    DEFAULT.get_or_init(|| SessionInner::new(&Session::builder(), true))
}

impl SessionInner {
    fn new(options: &SessionBuilder, is_default: bool) -> Arc<Self> {
        let registry = Registry::default();
        let (main_tid, main_name) = registry.allocate(Some("MainThread".to_owned()), DefaultName::Thread);
        let controlled = options.controlled;
        let paused = options.paused || controlled;
        let inner = Arc::new(Self {
            seed: options.seed,
            flags: CachePadded::new(AtomicU8::new(if paused { GATED } else { 0 })),
            clock: Clock::new(options.speed, paused),
            gate: if controlled { Gate::controlled(main_tid) } else { Gate::new(paused) },
            controlled,
            params: options.params.clone(),
            emitter: Emitter::default(),
            registry,
            timers: Mutex::new(BTreeSet::new()),
            prims: Mutex::new(PrimCounters::default()),
            main: Mutex::new(None),
            pause_at: Mutex::new(None),
            is_default,
            main_bound: AtomicBool::new(false),
            ran: AtomicBool::new(false),
            linger: options.linger.filter(|_| !controlled),
            shutting_down: AtomicBool::new(false),
            lingered_ns: AtomicU64::new(0),
            delivered_on_flush: options.delivered_on_flush,
            sleeps: if controlled { options.sleeps } else { Sleeps::InDeadlineOrder },
            pool: options.pool.clone(),
            os_threads: Arc::default(),
        });
        if controlled {
            wait::controlled_session_created(&inner);
        }
        let main = Arc::new(ThreadRecord::new(inner.clone(), main_tid, main_name, false, false, Life::Started));
        if is_default {
            // The process's main thread is alive from the start, whether or not it calls in,
            // and has its ident (Python's `main_thread().ident` from any thread).
            main.set_ident(context::PROCESS_MAIN_IDENT);
            inner.registry.add_alive(main.clone());
        }
        *inner.main.lock() = Some(main);
        inner
    }

    /// The flag word every operation reads first; 0 means "run the raw primitive".
    #[inline]
    pub(crate) fn flags(&self) -> u8 {
        self.flags.load(Ordering::Relaxed)
    }

    /// Whether somebody subscribed; the event path tests it itself, once per event.
    #[inline]
    pub(crate) fn listening(&self) -> bool {
        self.flags() & LISTENING != 0
    }

    /// Whether an operation needs more than the raw primitive: a listener, the gate or
    /// shutdown. With this false an operation is the raw primitive and nothing else.
    #[inline]
    pub(crate) fn active(&self) -> bool {
        self.flags() != 0
    }

    /// The one way into an operation of this session, for primitives, threads and log
    /// records alike: stops at the session's pause gate while it is paused, stepping or
    /// holding, and unwinds a thread killed at shutdown. `loc` is the caller's place, the line
    /// of the operation: a thread held at the gate is shown there, about to run it. Costs a
    /// flag test while the session runs.
    #[inline]
    pub(crate) fn enter_gate(&self, loc: &'static Location<'static>) {
        if self.flags() & (GATED | SHUTDOWN) != 0 {
            self.pass_gate(Some(&SourceLoc::from_location(loc)));
        }
    }

    /// [`Self::enter_gate`] for an operation whose place is not a `#[track_caller]` location
    /// (a log record names its own file and line), or that has none.
    #[inline]
    pub(crate) fn enter_gate_at(&self, place: impl FnOnce() -> Option<SourceLoc>) {
        if self.flags() & (GATED | SHUTDOWN) != 0 {
            self.pass_gate(place().as_ref());
        }
    }

    /// The gate, for operations started while a flag is set. Only the session's own threads
    /// stop at it (under their own numbers, which steps choose from); a thread of another
    /// session that uses one of its primitives goes through, unless it was killed.
    #[cold]
    fn pass_gate(&self, place: Option<&SourceLoc>) {
        if std::thread::panicking() {
            return;
        }
        context::with_current(|thread| {
            if thread.is_killed() {
                context::die();
            }
            if self.flags() & GATED == 0 || !std::ptr::eq(Arc::as_ptr(&thread.session), self) {
                return;
            }
            // The first yield tells the starter the new thread runs: only once it is held, so
            // that a controller that looks next finds it ready.
            self.gate.pass(thread.tid, place, || thread.is_killed(), || thread.yielded());
            if thread.is_killed() {
                context::die();
            }
            // A hold that is over leaves the flag set: the first thread through clears it.
            self.gate.publish(&self.flags, GATED);
        });
    }

    /// The end of an operation that may have blocked: a thread killed meanwhile unwinds here.
    #[inline]
    pub(crate) fn leave_gate(&self) {
        if self.flags() & SHUTDOWN != 0 {
            context::die_if_killed();
        }
    }

    /// Registers a primitive: its number and display name (`Lock-1` style when unnamed).
    pub(crate) fn register_prim(
        self: &Arc<Self>,
        kind: &'static str,
        name: Option<String>,
        info: PrimInfo,
        loc: &'static Location<'static>,
    ) -> (PrimId, String) {
        let (pid, name) = {
            let mut prims = self.prims.lock();
            prims.next_pid += 1;
            let counter = prims.per_kind.entry(kind).or_insert(0);
            *counter += 1;
            let name = name.unwrap_or_else(|| format!("{kind}-{counter}"));
            (prims.next_pid, name)
        };
        let loc = Some(SourceLoc::from_location(loc));
        self.emit_direct(By::Caller, loc, || EventKind::PrimCreated { prim: pid, name: name.clone(), info });
        (pid, name)
    }

    fn set_flag(&self, bit: u8, on: bool) {
        if on {
            self.flags.fetch_or(bit, Ordering::SeqCst);
        } else {
            self.flags.fetch_and(!bit, Ordering::SeqCst);
        }
    }
}

/// An isolated world of threads: a registry, a `Thread-N` counter, a demo clock, a pause/step
/// gate, an RNG seed and event subscribers. Cheap to clone; clones control the same session.
///
/// ```
/// use threadviz::{Session, thread};
///
/// let session = Session::new();
/// let events = session.subscribe();
/// session.run(|| {
///     let worker = thread::spawn(|| tracing::info!("Worker"));
///     worker.join();
/// });
/// assert!(events.receiver().try_iter().any(|event| matches!(event.kind, threadviz::EventKind::Log { .. })));
/// ```
#[derive(Clone)]
pub struct Session {
    inner: Arc<SessionInner>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

impl Session {
    /// A new session: seed 0, speed 1, running.
    #[must_use]
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// Options for a new session.
    #[must_use]
    pub fn builder() -> SessionBuilder {
        SessionBuilder::default()
    }

    /// The session of the calling thread (the default session outside any).
    #[must_use]
    pub fn current() -> Self {
        Self { inner: context::session() }
    }

    /// Runs `main` on the calling OS thread as this session's `MainThread`, then shuts down as
    /// Python does: waits for every non-daemon thread, then stops the daemon threads at their
    /// next instrumented call (they are reported as killed). Logs made with `tracing` inside
    /// become log events of the calling thread. A panic in `main` is re-raised after shutdown.
    ///
    /// # Panics
    /// If the session has already run.
    pub fn run<R>(&self, main: impl FnOnce() -> R) -> R {
        assert!(!self.inner.ran.swap(true, Ordering::SeqCst), "a Session runs once; create a new one to run again");
        self.inner.run_main(main)
    }

    /// A lossless subscription: every event from now on, in sequence order.
    /// Subscribe before [`Session::run`] to see the session from its start. While one is
    /// attached, a thread that emits faster than the events are collected waits rather than
    /// drops ([`Session::held_up`] says how long), unless [`Session::set_lossy`] chose dropping.
    #[must_use]
    pub fn subscribe(&self) -> Subscription {
        self.inner.subscribe(None)
    }

    /// A lossy subscription for viewers: when `capacity` events are waiting, new ones are
    /// dropped and counted instead of ever blocking the watched program. With only lossy
    /// subscriptions attached, a thread that emits faster than the events are collected drops
    /// too ([`Session::lost_events`]), and the stream says where (`EventKind::Lost`).
    #[must_use]
    pub fn subscribe_lossy(&self, capacity: usize) -> Subscription {
        self.inner.subscribe(Some(capacity))
    }

    /// Stops the whole program: every thread, the main thread included, unwinds at its next
    /// instrumented call and is reported killed; `run` then unwinds in its caller. Used to
    /// restart a demo or to quit while it runs.
    pub fn abort(&self) {
        self.inner.abort();
    }

    /// Every thread stops at its next instrumented call; demo time stops.
    pub fn pause(&self) {
        self.inner.pause();
    }

    /// Pauses the session at the first event `when` accepts, as [`Session::pause`] does but
    /// without delay: the thread that emits the event stops before its next operation, so
    /// what follows it has not happened yet. `when` sees the caller's file and line, if any,
    /// and the event; it runs on the emitting thread, so it must be quick. It is tested only
    /// while somebody listens, and replaces one not yet reached.
    pub fn pause_at(&self, when: impl Fn(Option<(&str, u32)>, &EventKind) -> bool + Send + Sync + 'static) {
        *self.inner.pause_at.lock() = Some(Box::new(when));
        self.inner.set_flag(PAUSE_AT, true);
    }

    /// Threads run freely again; demo time runs again.
    pub fn resume(&self) {
        self.inner.resume();
    }

    /// Lets exactly one thread perform its next operation: `thread`, or the next ready thread
    /// in thread-number order after the last one stepped. When no thread is ready, demo time
    /// jumps to the earliest timeout and that thread's wait ends.
    pub fn step(&self, thread: Option<Tid>) -> Result<Step, StepRefused> {
        self.inner.step(thread)
    }

    /// Running, paused or stepping.
    #[must_use]
    pub fn pause_state(&self) -> PauseState {
        self.inner.gate.mode()
    }

    /// Threads held at the gate, in step order.
    #[must_use]
    pub fn ready_threads(&self) -> Vec<Tid> {
        self.inner.gate.ready()
    }

    /// Threads held at the gate, in step order, each with the caller's place of the operation
    /// it stopped before: the line it runs when stepped (none for an operation without one).
    #[must_use]
    pub fn ready_places(&self) -> Vec<(Tid, Option<SourceLoc>)> {
        self.inner.gate.ready_places()
    }

    /// Waits until the current step has finished and its events are delivered; false if
    /// `timeout` passed first.
    pub fn wait_settled(&self, timeout: Duration) -> bool {
        let settled = self.inner.gate.wait_settled(timeout);
        self.flush();
        settled
    }

    /// Waits until at least `count` threads are held at the gate and their events are
    /// delivered; false if `timeout` passed first.
    pub fn wait_ready(&self, count: usize, timeout: Duration) -> bool {
        let ready = self.inner.gate.wait_ready(count, timeout);
        self.flush();
        ready
    }

    /// Lets a thread whose ring is full drop the event even while a lossless subscriber is
    /// attached (`lossy` true), so the program is never held up and a recording may have gaps
    /// (counted in [`Session::lost_events`]); or, by default, makes it wait for the collector.
    /// With only lossy subscribers (the dashboard alone) a full ring always drops.
    pub fn set_lossy(&self, lossy: bool) {
        self.inner.emitter.when_full.lossy_chosen.store(lossy, Ordering::Relaxed);
    }

    /// How long the program's threads waited, in all (summed over threads, real time), for the
    /// collector to make room in their rings so that a lossless subscriber lost nothing.
    #[must_use]
    pub fn held_up(&self) -> Duration {
        self.inner.emitter.held_up()
    }

    /// Events dropped at their source because the collector fell behind a thread (its ring
    /// was full) while nobody needed every event, or dropping was chosen
    /// ([`Session::set_lossy`]). Primitive operations only: thread lifecycle events are never
    /// dropped.
    #[must_use]
    pub fn lost_events(&self) -> u64 {
        self.inner.emitter.lost()
    }

    /// Delivers to subscribers every event emitted before the call. Events otherwise arrive
    /// within a few milliseconds, collected in batches off the watched threads.
    pub fn flush(&self) {
        self.inner.emitter.flush();
    }

    /// The RNG seed.
    #[must_use]
    pub fn seed(&self) -> u64 {
        self.inner.seed
    }

    /// The program's parameter `name`, if the session was built with it.
    #[must_use]
    pub fn param(&self, name: &str) -> Option<i64> {
        self.inner.params.get(name).copied()
    }

    /// Whether this is the implicit default session.
    #[must_use]
    pub fn is_default(&self) -> bool {
        self.inner.is_default
    }
}
