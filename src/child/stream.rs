//! The thread that reads a child's stream: numbers its events in the order they arrive, makes
//! their time monotone, hands them to every subscriber (dropping, and counting, only for a lossy
//! one that has fallen behind, never a lifecycle event), and keeps the gate's latest state and
//! how the stream ended for the controller to read.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender};
use parking_lot::Mutex;

use crate::event::{EventKind, SourceLoc, Tid, TraceEvent};
use crate::session::PauseState;
use crate::wire::{FromChild, Gate, GateMode, Reader, StepAnswer};

/// How far past the child's latest word on its clock the dashboard's clock may run on: a
/// running child says the time at least every 100 ms, even when nothing happens.
const AHEAD: std::time::Duration = std::time::Duration::from_millis(150);

/// One receiver of a child's events.
#[derive(Debug)]
pub struct Subscriber {
    sender: Sender<TraceEvent>,
    /// For a lossy subscriber: how far behind it may fall, and how many events it missed.
    lossy: Option<(usize, Arc<AtomicU64>)>,
}

impl Subscriber {
    /// A subscriber that gets every event (a recorder, plain mode).
    #[must_use]
    pub fn lossless() -> (Self, Receiver<TraceEvent>) {
        let (sender, receiver) = crossbeam_channel::unbounded();
        (Self { sender, lossy: None }, receiver)
    }

    /// A subscriber that may fall `buffer` events behind before it misses some (the dashboard);
    /// the counter says how many it missed. Lifecycle events always get through, so the model
    /// never shows a thread that is gone or misses one that exists.
    #[must_use]
    pub fn lossy(buffer: usize) -> (Self, Receiver<TraceEvent>, Arc<AtomicU64>) {
        let (sender, receiver) = crossbeam_channel::unbounded();
        let dropped = Arc::new(AtomicU64::new(0));
        (Self { sender, lossy: Some((buffer, dropped.clone())) }, receiver, dropped)
    }

    fn offer(&self, event: &TraceEvent) {
        if let Some((buffer, dropped)) = &self.lossy
            && self.sender.len() >= *buffer
            && !event.kind.is_lifecycle()
        {
            dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let _ = self.sender.send(event.clone());
    }
}

/// What the stream has said, for the controller and the command line.
#[derive(Debug, Default)]
pub struct Shared {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    gate: Gate,
    /// The child's latest word on demo time (its latest event's or gate report's) and when it
    /// arrived: running, demo time has moved on since at the child's speed.
    anchor: (u64, Instant),
    /// The latest time told to the dashboard: what it shows never goes back.
    shown_us: u64,
    ended: bool,
    closed: bool,
    error: Option<String>,
}

impl Default for State {
    fn default() -> Self {
        Self {
            gate: Gate {
                mode: GateMode::Running,
                thread: None,
                ready: Vec::new(),
                ready_at: BTreeMap::new(),
                time_us: 0,
                speed: 1.0,
            },
            // Demo time starts with the stream, running, until the child says otherwise.
            anchor: (0, Instant::now()),
            shown_us: 0,
            ended: false,
            closed: false,
            error: None,
        }
    }
}

impl State {
    /// Demo time now, as far as the stream tells: the child's latest word, moved on at its
    /// speed while it runs, but never more than [`AHEAD`] of real time past that word (the
    /// child reports its clock at least that often, and its clock stands still while it holds a
    /// wake-up on screen), and never back from what was said before.
    fn now_us(&mut self) -> u64 {
        let (time_us, at) = self.anchor;
        let mut now = time_us;
        if self.gate.mode == GateMode::Running && !self.closed {
            let since = at.elapsed().min(AHEAD).as_secs_f64() * 1e6 * self.gate.speed;
            // Whole microseconds: the fraction is far below what the screen shows.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "a positive, bounded duration")]
            let since = since as u64;
            now = now.saturating_add(since);
        }
        self.shown_us = self.shown_us.max(now);
        self.shown_us
    }

    /// The child said it is `time_us` now.
    fn told(&mut self, time_us: u64) {
        self.anchor = (time_us.max(self.anchor.0), Instant::now());
    }
}

impl Shared {
    /// Nothing said yet by a child started at `speed`.
    #[must_use]
    pub fn new(speed: f64) -> Self {
        let shared = Self::default();
        shared.state.lock().gate.speed = speed;
        shared
    }

    /// Demo time now: the child's last word on it, moved on at its speed while it runs.
    #[must_use]
    pub fn now_us(&self) -> u64 {
        self.state.lock().now_us()
    }

    /// The gate's mode.
    #[must_use]
    pub fn pause(&self) -> PauseState {
        let state = self.state.lock();
        if state.closed { PauseState::Running } else { state.gate.pause_state() }
    }

    /// The threads held at the gate, in step order.
    #[must_use]
    pub fn ready(&self) -> Vec<Tid> {
        let state = self.state.lock();
        if state.closed { Vec::new() } else { state.gate.ready.clone() }
    }

    /// Where each thread held at the gate goes on, as far as the child said.
    #[must_use]
    pub fn ready_at(&self) -> BTreeMap<Tid, SourceLoc> {
        let state = self.state.lock();
        if state.closed { BTreeMap::new() } else { state.gate.ready_at.clone() }
    }

    /// The child's speed.
    #[must_use]
    pub fn speed(&self) -> f64 {
        self.state.lock().gate.speed
    }

    /// Takes the speed the child was asked for, until it says otherwise.
    pub fn assume_speed(&self, speed: f64) {
        let mut state = self.state.lock();
        let now = state.now_us();
        state.told(now);
        state.gate.speed = speed;
    }

    /// Whether the run's end (`session_ended`) arrived.
    #[must_use]
    pub fn ended(&self) -> bool {
        self.state.lock().ended
    }

    /// Whether the stream is over (the child closed it or died).
    #[must_use]
    pub fn closed(&self) -> bool {
        self.state.lock().closed
    }

    /// What was wrong with the stream, if it was cut by a bad line.
    #[must_use]
    pub fn error(&self) -> Option<String> {
        self.state.lock().error.clone()
    }
}

/// Starts the thread that reads the rest of the stream after the hello.
pub(super) fn spawn<R: BufRead + Send + 'static>(
    reader: Reader<R>,
    shared: Arc<Shared>,
    subscribers: Vec<Subscriber>,
    answers: Sender<StepAnswer>,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("threadviz-child-stream".into())
        .spawn(move || read(reader, &shared, &subscribers, &answers))
        .map(drop)
}

/// The most distinct file names kept for the life of the process: a program's own files are a
/// handful; past this, names are simply owned by each event.
const INTERNED_FILES: usize = 4096;

/// Every file name a child's events have named, one `'static` copy each, for the whole
/// process (a restarted program names the same files).
static FILES: std::sync::OnceLock<Mutex<std::collections::HashMap<String, &'static str>>> = std::sync::OnceLock::new();

/// A reader's view of [`FILES`]: the names it has seen, looked up without the lock.
#[derive(Default)]
pub(super) struct Files(std::collections::HashMap<String, &'static str>);

impl Files {
    /// Gives the event's file name its one `'static` copy, so that its location, cloned for
    /// every subscriber and folded into every model, costs no allocation.
    pub(super) fn intern(&mut self, event: &mut TraceEvent) {
        let Some(loc) = &mut event.loc else { return };
        let std::borrow::Cow::Owned(file) = &loc.file else { return };
        if let Some(kept) = self.0.get(file.as_str()) {
            loc.file = std::borrow::Cow::Borrowed(kept);
            return;
        }
        let mut all = FILES.get_or_init(Mutex::default).lock();
        let kept = match all.get(file.as_str()) {
            Some(kept) => *kept,
            None if all.len() < INTERNED_FILES => {
                let kept: &'static str = Box::leak(file.clone().into_boxed_str());
                all.insert(file.clone(), kept);
                kept
            }
            None => return,
        };
        self.0.insert(file.clone(), kept);
        loc.file = std::borrow::Cow::Borrowed(kept);
    }
}

fn read<R: BufRead>(mut reader: Reader<R>, shared: &Shared, subscribers: &[Subscriber], answers: &Sender<StepAnswer>) {
    let mut seq = 0;
    let mut time_us = 0;
    let mut files = Files::default();
    loop {
        match reader.next_message() {
            Ok(Some(FromChild::Event(mut event))) => {
                time_us = event.time_us.max(time_us);
                event.time_us = time_us;
                event.seq = seq;
                seq += 1;
                files.intern(&mut event);
                {
                    let mut state = shared.state.lock();
                    state.told(time_us);
                    state.ended |= event.kind == EventKind::SessionEnded;
                }
                for subscriber in subscribers {
                    subscriber.offer(&event);
                }
            }
            Ok(Some(FromChild::Gate(gate))) => {
                let mut state = shared.state.lock();
                let time_us = gate.time_us;
                state.gate = gate;
                state.told(time_us);
            }
            Ok(Some(FromChild::Step(answer))) => {
                let _ = answers.send(answer);
            }
            // A child watched freely neither asks nor forks runs; a stray question waits for
            // no answer.
            Ok(Some(FromChild::Choose(_) | FromChild::RunStarted(_) | FromChild::Ran(_))) => {}
            Ok(None) => break,
            Err(error) => {
                shared.state.lock().error = Some(error.to_string());
                break;
            }
        }
    }
    shared.state.lock().closed = true;
}

#[cfg(test)]
mod tests {
    //! Numbering, time and the lossy subscriber.

    use super::*;

    /// Reads `text` as a child's stream to its end: the state it leaves, the events delivered.
    fn read_all(text: &str) -> (Shared, Vec<TraceEvent>) {
        let shared = Shared::default();
        let (subscriber, events) = Subscriber::lossless();
        let (answers, _) = crossbeam_channel::unbounded();
        read(Reader::new(text.as_bytes()), &shared, &[subscriber], &answers);
        let events = events.try_iter().collect();
        (shared, events)
    }

    #[test]
    fn events_are_numbered_in_arrival_order_with_monotone_time() {
        let text = concat!(
            r#"{"time_us":10,"thread":1,"loc":null,"kind":{"kind":"log","level":"info","message":"a"}}"#,
            "\n",
            r#"{"time_us":7,"thread":2,"loc":null,"kind":{"kind":"log","level":"info","message":"b"}}"#,
            "\n",
            r#"{"gate":{"mode":"paused","ready":[2],"time_us":12,"speed":1.0}}"#,
            "\n",
            r#"{"time_us":12,"thread":1,"loc":null,"kind":{"kind":"session_ended"}}"#,
            "\n",
        );
        let (shared, events) = read_all(text);
        let numbered: Vec<(u64, u64)> = events.iter().map(|event| (event.seq, event.time_us)).collect();
        assert_eq!(numbered, [(0, 10), (1, 10), (2, 12)]);
        assert!(shared.ended() && shared.closed());
        assert_eq!(shared.now_us(), 12);
        assert_eq!(shared.pause(), PauseState::Running, "a closed stream has no gate");
    }

    #[test]
    fn a_corrupt_line_cuts_the_stream_with_its_reason_and_keeps_what_came_before() {
        let text = concat!(
            r#"{"time_us":10,"thread":1,"loc":null,"kind":{"kind":"log","level":"info","message":"a"}}"#,
            "\n",
            "{\"time_us\":11,\"thr\u{0}\n",
            r#"{"time_us":12,"thread":1,"loc":null,"kind":{"kind":"session_ended"}}"#,
            "\n",
        );
        let (shared, events) = read_all(text);
        assert_eq!(events.len(), 1, "the event before the damage, nothing after it");
        assert!(shared.closed() && !shared.ended(), "the run's end is missing");
        let error = shared.error().expect("the reason is kept");
        assert!(!error.contains('\n'), "one line: {error}");
    }

    #[test]
    fn a_lossy_subscriber_drops_only_what_it_can_do_without() {
        let (subscriber, events, dropped) = Subscriber::lossy(1);
        let event = |kind| TraceEvent { seq: 0, time_us: 0, thread: 1, loc: None, kind };
        subscriber.offer(&event(EventKind::SleepEnd));
        subscriber.offer(&event(EventKind::SleepEnd));
        subscriber.offer(&event(EventKind::SessionEnded));
        assert_eq!(events.len(), 2, "the end is never dropped");
        assert_eq!(dropped.load(Ordering::Relaxed), 1);
    }
}
