//! The write path of events, from the watched threads towards the collector.
//!
//! Each thread pushes its events into its own lock-free ring: no lock is shared with other
//! threads, so instrumentation never blocks the watched program, and an event costs one atomic
//! increment (its sequence number) and a push of 40 bytes ([`RingEvent`]). The collector
//! (`collector.rs`) drains the rings and fans the events out. A ring that is full drops the new
//! event before it gets a sequence number and counts it
//! ([`Session::lost_events`](crate::Session::lost_events)); thread lifecycle events never take
//! that path, so the model can always tell which threads exist.

use std::cell::RefCell;
use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;

use crossbeam_utils::CachePadded;
use parking_lot::{Condvar, Mutex};

use super::collector::Fanout;
use super::packed::{PackedKind, RingEvent};
use super::{COLD, SessionInner};
use crate::event::{EventKind, SourceLoc, Tid, TraceEvent};

/// Events one thread may have in flight before the collector drains them.
pub(super) const RING_CAPACITY: usize = 4096;
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

/// The session's event path: sequence numbers and rings (the write path, here), the collector
/// and the fan-out (`collector.rs`).
#[derive(Debug, Default)]
pub(crate) struct Emitter {
    /// Written by every emitting thread; on its own cache line so the collector's writes
    /// below never slow the watched threads down.
    pub(super) next_seq: CachePadded<AtomicU64>,
    /// Demo time in microseconds, refreshed by the collector while events flow, so that a
    /// busy thread stamps its events with one load instead of a clock read.
    pub(super) recent: CachePadded<RecentTime>,
    rings: Mutex<Vec<RingReaderSlot>>,
    /// Events dropped by rings that are gone (live rings count their own).
    retired_lost: AtomicU64,
    direct: Mutex<Vec<TraceEvent>>,
    pub(super) fanout: Mutex<Fanout>,
    pub(super) collector: Mutex<Option<JoinHandle<()>>>,
    pub(super) stop: AtomicBool,
    pub(super) tick: Condvar,
    pub(super) tick_lock: Mutex<()>,
}

#[derive(Debug, Default)]
pub(super) struct RecentTime {
    pub(super) us: AtomicU64,
    pub(super) hot: AtomicBool,
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
    pub(super) fn wake_if_cold(&self, session: &SessionInner) {
        if session.flags.load(Ordering::Relaxed) & COLD != 0 {
            session.flags.fetch_and(!COLD, Ordering::SeqCst);
            // Under the lock: the collector checks the flag and starts waiting under it too,
            // so this wake-up cannot fall between the two.
            let _guard = self.tick_lock.lock();
            self.tick.notify_all();
        }
    }

    /// Moves everything emitted so far, from every ring and the direct path, into `batch`, in
    /// no particular order; finished rings are dropped and their losses kept.
    pub(super) fn drain_sources(&self, batch: &mut Vec<TraceEvent>) {
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
        drop(rings);
        batch.append(&mut self.direct.lock());
    }

    /// Events dropped at the source because a thread's ring was full.
    pub(crate) fn lost(&self) -> u64 {
        let rings = self.rings.lock();
        let live: u64 = rings.iter().map(|RingReaderSlot(ring)| ring.lost.load(Ordering::Relaxed)).sum();
        self.retired_lost.load(Ordering::Relaxed) + live
    }
}
