//! The event path from the watched threads to subscribers.
//!
//! Each thread pushes its events into its own lock-free ring: no lock is shared with other
//! threads, so instrumentation never blocks the watched program, and an event costs one atomic
//! increment (its sequence number) and a push of 40 bytes ([`RingEvent`]). A collector thread
//! unpacks them, merges the rings back into sequence order and fans the events out to
//! subscribers: lossless ones (recorders, plain output, tests) and lossy ones (the dashboard)
//! that drop and count instead of holding anything up. A ring that is full drops the new event
//! before it gets a sequence number and counts it
//! ([`Session::lost_events`](crate::Session::lost_events)); thread lifecycle events never take
//! that path, so the model can always tell which threads exist.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use crossbeam_utils::CachePadded;
use parking_lot::{Condvar, Mutex};

use super::packed::{PackedKind, RingEvent};
use super::{COLD, LISTENING, SessionInner};
use crate::event::{EventKind, SourceLoc, Tid, TraceEvent};

/// Events one thread may have in flight before the collector drains them.
const RING_CAPACITY: usize = 4096;
/// How often the collector drains while events flow, and while idle.
const HOT_TICK: Duration = Duration::from_millis(1);
const IDLE_TICK: Duration = Duration::from_millis(16);
/// Pause between drains while a thread floods its ring; see [`collect`].
const BUSY_TICK: Duration = Duration::from_micros(50);
/// Empty ticks after which stamps are read from the precise clock again.
const COOL_AFTER: u32 = 20;
/// Empty ticks (about a second) after which the collector sleeps long, until an event wakes
/// it: a paused or idle program then costs no measurable CPU.
const COLD_AFTER: u32 = 60;
const COLD_TICK: Duration = Duration::from_millis(500);

#[derive(Debug)]
struct Subscriber {
    tx: Sender<TraceEvent>,
    /// Events a lossy subscriber may fall behind by; None: lossless.
    capacity: Option<usize>,
    dropped: Arc<AtomicU64>,
}

impl Subscriber {
    /// Sends or, when a lossy subscriber is `capacity` events behind, drops and counts; false
    /// once the receiver is gone. The channel itself is unbounded, so that lifecycle events
    /// (threads and primitives appearing, renamed and ending, shutdown) always get through
    /// without ever making the collector wait: a viewer that missed one would show a ghost.
    fn offer(&self, event: TraceEvent) -> bool {
        if self.capacity.is_some_and(|capacity| self.tx.len() >= capacity) && !event.kind.is_lifecycle() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return true;
        }
        self.tx.send(event).is_ok()
    }
}

/// A subscriber's end of the event stream.
///
/// Dropping it unsubscribes. A lossy subscription drops events when its buffer is full and
/// counts them in [`Subscription::dropped`]; sequence numbers then show the gap.
#[derive(Debug)]
pub struct Subscription {
    rx: Receiver<TraceEvent>,
    dropped: Arc<AtomicU64>,
}

impl Subscription {
    /// The receiving end; use it with `recv`, `try_iter` or crossbeam's `select!`.
    #[must_use]
    pub fn receiver(&self) -> &Receiver<TraceEvent> {
        &self.rx
    }

    /// Events this subscription lost because its buffer was full.
    #[must_use]
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Splits into the receiver and the shared drop counter.
    #[must_use]
    pub fn into_parts(self) -> (Receiver<TraceEvent>, Arc<AtomicU64>) {
        (self.rx, self.dropped)
    }
}

/// Events a ring dropped because it was full: written by its own thread only, and on its own
/// cache line, so counting a drop never touches a line the collector writes.
type LostCount = Arc<CachePadded<AtomicU64>>;

/// The collector's side of one thread's ring.
struct RingReader {
    consumer: rtrb::Consumer<RingEvent>,
    tid: Tid,
    lost: LostCount,
}

/// A thread's side of its ring in one session.
struct RingWriter {
    session: Weak<SessionInner>,
    producer: rtrb::Producer<RingEvent>,
    lost: LostCount,
}

thread_local! {
    static RING: RefCell<Option<RingWriter>> = const { RefCell::new(None) };
}

/// Drops the calling thread's ring (its remaining events are still collected): used when a
/// thread stops being a session's thread, so a later session on it gets a fresh ring.
pub(crate) fn release_thread_ring() {
    let _ = RING.try_with(|ring| ring.try_borrow_mut().map(|mut ring| ring.take()));
}

/// Merges out-of-order arrivals back into sequence order and delivers them.
#[derive(Debug, Default)]
struct Fanout {
    subscribers: Vec<Subscriber>,
    /// The next sequence number to deliver.
    next: u64,
    /// Arrivals ahead of a number still in flight.
    pending: BTreeMap<u64, TraceEvent>,
    last_time_us: u64,
}

impl Fanout {
    /// Takes a batch in any order, leaving it empty; delivers the in-order prefix. The number
    /// delivered.
    fn accept(&mut self, batch: &mut Vec<TraceEvent>) -> usize {
        batch.sort_unstable_by_key(|event| event.seq);
        let mut delivered = 0;
        for event in batch.drain(..) {
            if event.seq == self.next && self.pending.is_empty() {
                self.deliver_next(event);
                delivered += 1;
            } else if event.seq >= self.next {
                self.pending.insert(event.seq, event);
            }
        }
        while let Some(event) = self.pending.remove(&self.next) {
            self.deliver_next(event);
            delivered += 1;
        }
        delivered
    }

    fn deliver_next(&mut self, mut event: TraceEvent) {
        // Stamps are taken just before sequencing; keep time monotone along the sequence.
        event.time_us = event.time_us.max(self.last_time_us);
        self.last_time_us = event.time_us;
        self.next += 1;
        self.deliver(event);
    }

    fn deliver(&mut self, event: TraceEvent) {
        if let [only] = self.subscribers.as_slice() {
            if !only.offer(event) {
                self.subscribers.clear();
            }
            return;
        }
        let mut event = Some(event);
        let last = self.subscribers.len().saturating_sub(1);
        let mut index = 0;
        self.subscribers.retain(|subscriber| {
            let this = if index == last { event.take() } else { event.clone() };
            index += 1;
            this.is_none_or(|this| subscriber.offer(this))
        });
    }
}

/// The session's event path: sequence numbers, rings, the collector and the fan-out.
#[derive(Debug, Default)]
pub(crate) struct Emitter {
    /// Written by every emitting thread; on its own cache line so the collector's writes
    /// below never slow the watched threads down.
    next_seq: CachePadded<AtomicU64>,
    /// Demo time in microseconds, refreshed by the collector while events flow, so that a
    /// busy thread stamps its events with one load instead of a clock read.
    recent: CachePadded<RecentTime>,
    rings: Mutex<Vec<RingReaderSlot>>,
    /// Events dropped by rings that are gone (live rings count their own).
    retired_lost: AtomicU64,
    direct: Mutex<Vec<TraceEvent>>,
    fanout: Mutex<Fanout>,
    collector: Mutex<Option<JoinHandle<()>>>,
    stop: AtomicBool,
    tick: Condvar,
    tick_lock: Mutex<()>,
}

#[derive(Debug, Default)]
struct RecentTime {
    us: AtomicU64,
    hot: AtomicBool,
}

/// `RingReader` is not `Debug`; the emitter only needs to print how many rings it drains.
/// Padded because the collector writes its cached position at every drain: no other heap
/// object (a lock word, say) may share that cache line.
struct RingReaderSlot(CachePadded<RingReader>);

impl std::fmt::Debug for RingReaderSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ring")
    }
}

impl Emitter {
    fn stamp(&self, session: &SessionInner) -> u64 {
        if self.recent.hot.load(Ordering::Relaxed) {
            self.recent.us.load(Ordering::Relaxed)
        } else {
            session.clock.now_ns() / 1_000
        }
    }

    /// Emits from the current thread through its ring (created on first use).
    pub(crate) fn emit_fast(session: &Arc<SessionInner>, loc: Option<&'static Location<'static>>, kind: PackedKind) {
        let mut kind = Some(kind);
        let _ = RING.try_with(|ring| {
            let Ok(mut ring) = ring.try_borrow_mut() else { return };
            let writer = match &mut *ring {
                Some(writer) if std::ptr::eq(writer.session.as_ptr(), Arc::as_ptr(session)) => writer,
                slot => {
                    // The thread's first event in this session (or its old session is over).
                    if slot.as_ref().is_some_and(|writer| writer.session.strong_count() > 0) {
                        return;
                    }
                    let tid = super::context::tid_in(session);
                    slot.insert(session.emitter.new_ring(session, tid))
                }
            };
            // Reserving a slot reads the collector's position only when the cached one says full.
            let Ok(slot) = writer.producer.write_chunk_uninit(1) else {
                // The collector is behind: drop before sequencing, so no gap waits forever.
                writer.lost.fetch_add(kind.take().map_or(1, |kind| kind.events()), Ordering::Relaxed);
                return;
            };
            let Some(packed) = kind.take() else { return };
            let seq = session.emitter.next_seq.fetch_add(packed.events(), Ordering::Relaxed);
            let time_us = session.emitter.stamp(session);
            slot.fill_from_iter(std::iter::once(RingEvent { seq, time_us, loc, kind: packed }));
        });
        session.emitter.wake_if_cold(session);
        if let Some(packed) = kind {
            // No ring on this thread (it is being torn down, or belongs to another session).
            let thread = super::context::tid_in(session);
            let (first, second) = packed.unpack_pair();
            for kind in std::iter::once(first).chain(second) {
                session.emitter.emit_direct(session, thread, loc.map(SourceLoc::from_location), kind);
            }
        }
    }

    fn new_ring(&self, session: &Arc<SessionInner>, tid: Tid) -> RingWriter {
        let (producer, consumer) = rtrb::RingBuffer::new(RING_CAPACITY);
        let lost = LostCount::default();
        self.rings.lock().push(RingReaderSlot(CachePadded::new(RingReader { consumer, tid, lost: lost.clone() })));
        RingWriter { session: Arc::downgrade(session), producer, lost }
    }

    /// Emits on behalf of `thread` without a ring: for controllers, shutdown and threads of
    /// other sessions. Slower, but off the hot path.
    pub(crate) fn emit_direct(&self, session: &SessionInner, thread: Tid, loc: Option<SourceLoc>, kind: EventKind) {
        let mut direct = self.direct.lock();
        let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
        let time_us = self.stamp(session);
        direct.push(TraceEvent { seq, time_us, thread, loc, kind });
        drop(direct);
        self.wake_if_cold(session);
    }

    /// Wakes a collector sleeping long. The flag shares its cache line with the listening flag
    /// every operation reads anyway, so a warm collector costs the emitter nothing more.
    fn wake_if_cold(&self, session: &SessionInner) {
        if session.flags.load(Ordering::Relaxed) & COLD != 0 {
            session.flags.fetch_and(!COLD, Ordering::SeqCst);
            // Under the lock: the collector checks the flag and starts waiting under it too,
            // so this wake-up cannot fall between the two.
            let _guard = self.tick_lock.lock();
            self.tick.notify_all();
        }
    }

    /// Moves everything emitted so far towards the subscribers; the number delivered. `batch`
    /// is scratch space, kept by the collector so that its memory stays warm between drains.
    fn drain(&self, batch: &mut Vec<TraceEvent>) -> usize {
        {
            let mut rings = self.rings.lock();
            rings.retain_mut(|RingReaderSlot(ring)| {
                let (tid, available) = (ring.tid, ring.consumer.slots());
                if let Ok(chunk) = ring.consumer.read_chunk(available) {
                    for event in chunk {
                        event.unpack_into(tid, batch);
                    }
                }
                let finished = ring.consumer.is_abandoned() && ring.consumer.is_empty();
                if finished {
                    self.retired_lost.fetch_add(ring.lost.load(Ordering::Relaxed), Ordering::Relaxed);
                }
                !finished
            });
        }
        batch.append(&mut self.direct.lock());
        self.fanout.lock().accept(batch)
    }

    /// Delivers every event emitted before the call (waiting for events in flight: a thread
    /// that took its sequence number may not have pushed its record yet). The deadline only
    /// guards against a thread stopped for good between the two; on a loaded machine a
    /// preempted writer can take far longer than a second, and giving up early loses events.
    pub(crate) fn flush(&self) {
        let target = self.next_seq.load(Ordering::SeqCst);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            self.drain(&mut Vec::new());
            if self.fanout.lock().next >= target || Instant::now() >= deadline {
                return;
            }
            std::thread::yield_now();
        }
    }

    /// Events dropped at the source because a thread's ring was full.
    pub(crate) fn lost(&self) -> u64 {
        let rings = self.rings.lock();
        let live: u64 = rings.iter().map(|RingReaderSlot(ring)| ring.lost.load(Ordering::Relaxed)).sum();
        self.retired_lost.load(Ordering::Relaxed) + live
    }

    fn has_subscribers(&self) -> bool {
        !self.fanout.lock().subscribers.is_empty()
    }

    /// Adds a subscriber; `capacity` None means unbounded and lossless.
    pub(crate) fn subscribe(session: &Arc<SessionInner>, capacity: Option<usize>, flags: &AtomicU8) -> Subscription {
        let emitter = &session.emitter;
        let (tx, rx) = crossbeam_channel::unbounded();
        let capacity = capacity.map(|capacity| capacity.max(1));
        let dropped = Arc::new(AtomicU64::new(0));
        {
            let mut fanout = emitter.fanout.lock();
            if fanout.subscribers.is_empty() {
                // Nothing older than this subscription is delivered to it.
                fanout.next = emitter.next_seq.load(Ordering::SeqCst);
                fanout.pending.clear();
            }
            fanout.subscribers.push(Subscriber { tx, capacity, dropped: dropped.clone() });
            flags.fetch_or(LISTENING, Ordering::SeqCst);
        }
        let mut collector = emitter.collector.lock();
        if collector.as_ref().is_none_or(JoinHandle::is_finished) {
            emitter.stop.store(false, Ordering::SeqCst);
            let session = session.clone();
            *collector =
                std::thread::Builder::new().name("threadviz-collector".into()).spawn(move || collect(&session)).ok();
        }
        Subscription { rx, dropped }
    }

    /// Delivers everything, then disconnects every subscriber (their receivers end once
    /// drained) and stops the collector.
    pub(crate) fn close(&self, flags: &AtomicU8) {
        self.flush();
        {
            let mut fanout = self.fanout.lock();
            fanout.subscribers.clear();
            flags.fetch_and(!LISTENING, Ordering::SeqCst);
        }
        self.stop.store(true, Ordering::SeqCst);
        self.tick.notify_all();
        let handle = self.collector.lock().take();
        if let Some(handle) = handle
            && handle.thread().id() != std::thread::current().id()
        {
            let _ = handle.join();
        }
    }
}

/// The collector thread: drains every tick while anybody listens.
fn collect(session: &Arc<SessionInner>) {
    let emitter = &session.emitter;
    let mut empty_ticks = 0_u32;
    let mut batch = Vec::new();
    while !emitter.stop.load(Ordering::SeqCst) {
        if emitter.recent.hot.load(Ordering::Relaxed) {
            let now = session.clock.now_ns() / 1_000;
            // Refresh at most every 100 µs: each store costs the emitting threads a cache miss.
            if now >= emitter.recent.us.load(Ordering::Relaxed) + 100 {
                emitter.recent.us.store(now, Ordering::Relaxed);
            }
        }
        let delivered = emitter.drain(&mut batch);
        if delivered > 0 {
            empty_ticks = 0;
            // Read before writing: the emitting threads read this line for every event.
            if !emitter.recent.hot.load(Ordering::Relaxed) {
                emitter.recent.us.store(session.clock.now_ns() / 1_000, Ordering::Relaxed);
                emitter.recent.hot.store(true, Ordering::Relaxed);
            }
        } else {
            empty_ticks = empty_ticks.saturating_add(1);
            if empty_ticks > COOL_AFTER && emitter.recent.hot.load(Ordering::Relaxed) {
                emitter.recent.hot.store(false, Ordering::Relaxed);
            }
        }
        let cold = empty_ticks > COLD_AFTER;
        if cold {
            session.flags.fetch_or(COLD, Ordering::SeqCst);
        } else if empty_ticks == 0 && session.flags.load(Ordering::Relaxed) & COLD != 0 {
            // Only when set: every operation reads this word, so a needless write here would
            // cost each of them a cache miss.
            session.flags.fetch_and(!COLD, Ordering::SeqCst);
        }
        if !emitter.has_subscribers() {
            session.flags.fetch_and(!LISTENING, Ordering::SeqCst);
            emitter.recent.hot.store(false, Ordering::Relaxed);
            return;
        }
        let tick = match (cold, emitter.recent.hot.load(Ordering::Relaxed)) {
            (true, _) => COLD_TICK,
            // A busy producer: come back soon, but not at once. Draining right behind a
            // writer makes the cache lines it is filling bounce between the cores.
            _ if delivered >= RING_CAPACITY / 64 => BUSY_TICK,
            (false, true) => HOT_TICK,
            (false, false) => IDLE_TICK,
        };
        let mut lock = emitter.tick_lock.lock();
        // An emitter that found the flag set clears it, then notifies under this lock: either
        // the flag is already clear here (no wait), or the notification comes during the wait.
        if !(cold && session.flags.load(Ordering::SeqCst) & COLD == 0) {
            emitter.tick.wait_for(&mut lock, tick);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: u64, time_us: u64) -> TraceEvent {
        TraceEvent { seq, time_us, thread: 1, loc: None, kind: EventKind::SleepEnd }
    }

    #[test]
    fn the_fanout_restores_sequence_order_with_monotone_time() {
        let (tx, rx) = crossbeam_channel::unbounded();
        let mut fanout = Fanout {
            subscribers: vec![Subscriber { tx, capacity: None, dropped: Arc::default() }],
            ..Fanout::default()
        };
        assert_eq!(fanout.accept(&mut vec![event(2, 9), event(1, 5)]), 0, "0 is still in flight");
        assert_eq!(fanout.accept(&mut vec![event(0, 7)]), 3);
        assert_eq!(fanout.accept(&mut vec![event(3, 1)]), 1);
        let got: Vec<(u64, u64)> = rx.try_iter().map(|event| (event.seq, event.time_us)).collect();
        assert_eq!(got, [(0, 7), (1, 7), (2, 9), (3, 9)]);
    }

    #[test]
    fn a_full_lossy_subscriber_drops_and_counts_while_others_get_everything() {
        let (lossy_tx, lossy_rx) = crossbeam_channel::unbounded();
        let (all_tx, all_rx) = crossbeam_channel::unbounded();
        let dropped = Arc::new(AtomicU64::new(0));
        let mut fanout = Fanout {
            subscribers: vec![
                Subscriber { tx: lossy_tx, capacity: Some(2), dropped: dropped.clone() },
                Subscriber { tx: all_tx, capacity: None, dropped: Arc::default() },
            ],
            ..Fanout::default()
        };
        fanout.accept(&mut (0..5).map(|seq| event(seq, 0)).collect());
        assert_eq!(dropped.load(Ordering::Relaxed), 3);
        assert_eq!(lossy_rx.try_iter().count(), 2);
        assert_eq!(all_rx.try_iter().map(|event| event.seq).collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
    }
}
