//! The way out of every event, from the watched threads towards the collector.
//!
//! Two entry points, one per kind of record, each testing once whether anybody listens:
//! [`SessionInner::emit`], the hot path of the operations a program repeats, packed into the
//! calling thread's ring, and [`SessionInner::emit_direct`], for what may never be dropped at
//! the source (threads and primitives appearing, renames, ends, controls, log records) and for
//! events told on behalf of another thread.
//!
//! Each thread pushes its events into its own lock-free ring: no lock is shared with other
//! threads, so instrumentation never blocks the watched program, and an event costs one atomic
//! increment (its sequence number) and a push of 40 bytes ([`RingEvent`]). The collector
//! (`collector.rs`) drains the rings and fans the events out. A ring that is full makes its
//! thread wait for the collector while a lossless subscriber (a recorder, plain output, a test)
//! is attached, so a recording is complete and the program only runs slower (the time it waited
//! is [`Session::held_up`](crate::Session::held_up)); with only lossy subscribers (the
//! dashboard), or when dropping was chosen ([`Session::set_lossy`](crate::Session::set_lossy)),
//! it drops the new event before it gets a sequence number and counts it
//! ([`Session::lost_events`](crate::Session::lost_events)). Thread lifecycle events never take
//! that path, so the model can always tell which threads exist.

use std::cell::RefCell;
use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;

use crossbeam_utils::CachePadded;
use parking_lot::{Condvar, Mutex};

use super::context::{self, By};
use super::fanout::Fanout;
use super::packed::{PackedKind, RingEvent};
use super::{COLD, LISTENING, PAUSE_AT, SessionInner};
use crate::event::{EventKind, SourceLoc, Tid, TraceEvent};

/// Events one thread may have in flight before the collector drains them.
pub(super) const RING_CAPACITY: usize = 4096;
/// Events a ring dropped because it was full, and how many of those the stream has told
/// (`EventKind::Lost`): on a cache line of their own, touched only when a ring is full, so
/// counting a drop never touches a line the collector writes on every drain.
type LostCount = Arc<CachePadded<LostCounts>>;

#[derive(Debug, Default)]
struct LostCounts {
    /// Dropped, in all.
    dropped: AtomicU64,
    /// Told in the stream by the dropping thread itself (see [`RingWriter::dropping`]), or by the
    /// collector for a thread that ended in the middle of a burst. Raised before `dropped`, so
    /// it may run ahead of it but the stream never tells more than was dropped.
    told: AtomicU64,
}

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
    /// The thread's number in the session.
    tid: Tid,
    /// The thread is dropping: its first loss was marked in the stream (`EventKind::Lost`,
    /// numbered before anything the program did next); its next event that fits tells the
    /// rest of the burst first, so a viewer knows where the loss began and where it ended.
    dropping: bool,
    /// Events dropped in the current burst.
    burst: u64,
}

thread_local! {
    static RING: RefCell<Option<RingWriter>> = const { RefCell::new(None) };
}

/// Drops the calling thread's ring (its remaining events are still collected): used when a
/// thread stops being a session's thread, so a later session on it gets a fresh ring.
pub(crate) fn release_thread_ring() {
    let _ = RING.try_with(|ring| ring.try_borrow_mut().map(|mut ring| ring.take()));
}

/// What the session's event path writes to and the collector reads: sequence numbers, the
/// rings and the direct queue (here), the fan-out and the collector's wake-up (`collector.rs`).
/// Its own methods need nothing else; the entry points, which also read the session's flag
/// word and clock, are the session's.
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
    /// What a thread whose ring is full reads and counts: on a cache line of its own, away
    /// from the locks the collector takes at every drain.
    pub(super) when_full: CachePadded<WhenFull>,
    pub(super) fanout: Mutex<Fanout>,
    pub(super) collector: Mutex<Option<JoinHandle<()>>>,
    pub(super) stop: AtomicBool,
    pub(super) tick: Condvar,
    pub(super) tick_lock: Mutex<()>,
}

/// Whether a full ring waits or drops, and how long threads waited.
#[derive(Debug, Default)]
pub(super) struct WhenFull {
    /// A lossless subscriber is attached: a full ring waits rather than drops.
    pub(super) lossless: AtomicBool,
    /// Dropping was chosen: a full ring drops even while a lossless subscriber is attached.
    pub(super) lossy_chosen: AtomicBool,
    /// Nanoseconds of real time threads waited for the collector to make room in their rings.
    held_ns: AtomicU64,
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

impl SessionInner {
    /// Sends an event of the calling thread through its ring: `record` builds it (an
    /// [`EventKind`], or an acquire taken at once as one [`PackedKind`]) only if somebody
    /// listens. A full ring drops it and counts the loss.
    #[inline]
    pub(crate) fn emit<R: Into<PackedKind>>(
        self: &Arc<Self>,
        loc: Option<&'static Location<'static>>,
        record: impl FnOnce() -> R,
    ) {
        let flags = self.flags();
        if flags & LISTENING == 0 {
            return;
        }
        let record = record().into();
        if flags & PAUSE_AT == 0 {
            self.push(loc, record);
        } else {
            self.push_then_pause_if_due(loc, record);
        }
    }

    /// Sends an event that is never dropped at the source, of the thread `by` says; `kind` is
    /// built only if somebody listens.
    pub(crate) fn emit_direct(&self, by: By, loc: Option<SourceLoc>, kind: impl FnOnce() -> EventKind) {
        let flags = self.flags();
        if flags & LISTENING == 0 {
            return;
        }
        let kind = kind();
        let due = flags & PAUSE_AT != 0 && self.pause_due(loc.as_ref().map(|loc| (loc.file.as_ref(), loc.line)), &kind);
        let thread = match by {
            By::Caller => context::tid_in(self),
            By::Thread(tid) => tid,
        };
        self.push_direct(thread, loc, kind);
        if due {
            self.pause();
        }
    }

    /// The hot path while an event to pause at is armed: tests the record's events first.
    #[cold]
    fn push_then_pause_if_due(self: &Arc<Self>, loc: Option<&'static Location<'static>>, record: PackedKind) {
        let at = loc.map(|loc| (loc.file(), loc.line()));
        let (first, second) = record.kinds();
        let due = self.pause_due(at, &first) || second.is_some_and(|second| self.pause_due(at, &second));
        self.push(loc, record);
        if due {
            self.pause();
        }
    }

    /// Whether `kind`, about to be emitted by the calling thread, is the event to pause at;
    /// if so the test is used up.
    fn pause_due(&self, at: Option<(&str, u32)>, kind: &EventKind) -> bool {
        let mut pause_at = self.pause_at.lock();
        if !pause_at.as_ref().is_some_and(|when| when(at, kind)) {
            return false;
        }
        *pause_at = None;
        self.set_flag(PAUSE_AT, false);
        true
    }

    /// Pushes a record into the calling thread's ring (created on first use).
    fn push(self: &Arc<Self>, loc: Option<&'static Location<'static>>, record: PackedKind) {
        if self.delivered_on_flush {
            // Queued in order for the flush: no collector reads rings in such a session.
            let thread = context::tid_in(self);
            let (first, second) = record.unpack_pair();
            for kind in std::iter::once(first).chain(second) {
                self.push_direct(thread, loc.map(SourceLoc::from_location), kind);
            }
            return;
        }
        let mut record = Some(record);
        let _ = RING.try_with(|ring| {
            let Ok(mut ring) = ring.try_borrow_mut() else { return };
            let writer = match &mut *ring {
                Some(writer) if std::ptr::eq(writer.session.as_ptr(), Arc::as_ptr(self)) => writer,
                slot => {
                    // The thread's first event in this session (or its old session is over).
                    if slot.as_ref().is_some_and(|writer| writer.session.strong_count() > 0) {
                        return;
                    }
                    let tid = context::tid_in(self);
                    let (producer, lost) = self.emitter.new_ring(tid);
                    slot.insert(RingWriter {
                        session: Arc::downgrade(self),
                        producer,
                        lost,
                        tid,
                        dropping: false,
                        burst: 0,
                    })
                }
            };
            // Reserving a slot reads the collector's position only when the cached one says full.
            let Ok(slot) = writer.producer.write_chunk_uninit(1) else {
                if let Some(packed) = record.take() {
                    self.push_into_full_ring(writer, loc, packed);
                }
                return;
            };
            let slot = if writer.dropping {
                // Room again after a burst of drops: its end is told before this event (the
                // slot reserved is left unwritten and reserved again after).
                self.end_drop_burst(writer);
                let Ok(slot) = writer.producer.write_chunk_uninit(1) else {
                    if let Some(packed) = record.take() {
                        self.push_into_full_ring(writer, loc, packed);
                    }
                    return;
                };
                slot
            } else {
                slot
            };
            let Some(packed) = record.take() else { return };
            let seq = self.emitter.next_seq.fetch_add(packed.events(), Ordering::Relaxed);
            let time_us = self.stamp();
            slot.fill_from_iter(std::iter::once(RingEvent { seq, time_us, loc, kind: packed }));
        });
        self.wake_collector_if_cold();
        if let Some(packed) = record {
            // No ring on this thread (it is being torn down, or belongs to another session).
            let thread = context::tid_in(self);
            let (first, second) = packed.unpack_pair();
            for kind in std::iter::once(first).chain(second) {
                self.push_direct(thread, loc.map(SourceLoc::from_location), kind);
            }
        }
    }

    /// The collector is behind this thread: with a lossless subscriber attached (and dropping
    /// not chosen) wait until it makes room, then push; otherwise drop before sequencing, so
    /// no gap waits forever, and count the loss.
    #[cold]
    #[inline(never)]
    fn push_into_full_ring(
        &self,
        writer: &mut RingWriter,
        loc: Option<&'static Location<'static>>,
        packed: PackedKind,
    ) {
        // Read the clock only to wait: a dropping thread must stay cheap.
        let mut started = None;
        let mut tries = 0_u32;
        while self.emitter.waits_when_full() && self.flags() & LISTENING != 0 {
            let started = *started.get_or_insert_with(std::time::Instant::now);
            if let Ok(slot) = writer.producer.write_chunk_uninit(1) {
                let seq = self.emitter.next_seq.fetch_add(packed.events(), Ordering::Relaxed);
                let time_us = self.stamp();
                slot.fill_from_iter(std::iter::once(RingEvent { seq, time_us, loc, kind: packed }));
                let waited = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
                self.emitter.when_full.held_ns.fetch_add(waited, Ordering::Relaxed);
                return;
            }
            // Call the collector now rather than at its next tick (a sleeping one too), then
            // give it the core, briefly at first.
            if tries.is_multiple_of(64) {
                self.emitter.tick.notify_all();
            }
            self.wake_collector_if_cold();
            tries += 1;
            if tries < 16 {
                std::hint::spin_loop();
            } else if tries < 64 {
                std::thread::yield_now();
            } else {
                std::thread::sleep(std::time::Duration::from_micros(20));
            }
        }
        let events = packed.events();
        if writer.dropping {
            writer.burst += events;
        } else {
            // Mark where the loss begins, numbered before anything the program does next, so a
            // viewer stops vouching for what it knows from here on.
            writer.dropping = true;
            writer.lost.told.fetch_add(events, Ordering::Relaxed);
            self.push_direct(writer.tid, None, EventKind::Lost { events });
        }
        writer.lost.dropped.fetch_add(events, Ordering::Relaxed);
    }

    /// The thread's ring has room again after a burst of drops: tell the rest of the burst,
    /// numbered before the event about to go in.
    #[cold]
    #[inline(never)]
    fn end_drop_burst(&self, writer: &mut RingWriter) {
        writer.dropping = false;
        let events = std::mem::take(&mut writer.burst);
        if events > 0 {
            writer.lost.told.fetch_add(events, Ordering::Relaxed);
            self.push_direct(writer.tid, None, EventKind::Lost { events });
        }
    }

    /// Queues an event on behalf of `thread` without a ring: slower, but never dropped.
    fn push_direct(&self, thread: Tid, loc: Option<SourceLoc>, kind: EventKind) {
        let mut direct = self.emitter.direct.lock();
        let seq = self.emitter.next_seq.fetch_add(1, Ordering::Relaxed);
        let time_us = self.stamp();
        direct.push(TraceEvent { seq, time_us, thread, loc, kind });
        drop(direct);
        self.wake_collector_if_cold();
    }

    /// Demo time in microseconds for a new event: the collector's recent reading while events
    /// flow, the clock otherwise.
    fn stamp(&self) -> u64 {
        if self.emitter.recent.hot.load(Ordering::Relaxed) {
            self.emitter.recent.us.load(Ordering::Relaxed)
        } else {
            self.clock.now_ns() / 1_000
        }
    }

    /// Wakes a collector sleeping long. The flag shares its word with the listening flag every
    /// operation reads anyway, so a warm collector costs the emitter nothing more.
    fn wake_collector_if_cold(&self) {
        if self.flags() & COLD != 0 {
            self.flags.fetch_and(!COLD, Ordering::SeqCst);
            // Under the lock: the collector checks the flag and starts waiting under it too,
            // so this wake-up cannot fall between the two.
            let _guard = self.emitter.tick_lock.lock();
            self.emitter.tick.notify_all();
        }
    }
}

impl Emitter {
    /// A new ring for the thread `tid`: the collector keeps the reading end, the writer gets
    /// the writing end and the count of what it drops.
    fn new_ring(&self, tid: Tid) -> (rtrb::Producer<RingEvent>, LostCount) {
        let (producer, consumer) = rtrb::RingBuffer::new(RING_CAPACITY);
        let lost = LostCount::default();
        self.rings.lock().push(RingReaderSlot(CachePadded::new(RingReader { consumer, tid, lost: lost.clone() })));
        (producer, lost)
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
            // A thread that ended in the middle of a burst of losses never told its rest.
            let (dropped, told) = (ring.lost.dropped.load(Ordering::Relaxed), ring.lost.told.load(Ordering::Relaxed));
            if finished && dropped > told {
                let events = dropped - told;
                ring.lost.told.fetch_add(events, Ordering::Relaxed);
                let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
                let time_us = self.recent.us.load(Ordering::Relaxed);
                batch.push(TraceEvent { seq, time_us, thread: tid, loc: None, kind: EventKind::Lost { events } });
            }
            if finished {
                self.retired_lost.fetch_add(ring.lost.dropped.load(Ordering::Relaxed), Ordering::Relaxed);
            }
            !finished
        });
        drop(rings);
        batch.append(&mut self.direct.lock());
    }

    /// Whether a thread whose ring is full waits for the collector: a lossless subscriber is
    /// attached and dropping was not chosen.
    fn waits_when_full(&self) -> bool {
        self.when_full.lossless.load(Ordering::Relaxed) && !self.when_full.lossy_chosen.load(Ordering::Relaxed)
    }

    /// How long threads waited, in all, for the collector to make room in their rings.
    pub(crate) fn held_up(&self) -> std::time::Duration {
        std::time::Duration::from_nanos(self.when_full.held_ns.load(Ordering::Relaxed))
    }

    /// Tells every loss not yet told in the stream (threads still in a burst of drops when the
    /// session ends), so that the stream's count of losses is the session's.
    pub(super) fn tell_untold_losses(&self) {
        let rings = self.rings.lock();
        for RingReaderSlot(ring) in rings.iter() {
            let (dropped, told) = (ring.lost.dropped.load(Ordering::Relaxed), ring.lost.told.load(Ordering::Relaxed));
            if dropped > told {
                let events = dropped - told;
                ring.lost.told.fetch_add(events, Ordering::Relaxed);
                let mut direct = self.direct.lock();
                let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
                let time_us = self.recent.us.load(Ordering::Relaxed);
                direct.push(TraceEvent { seq, time_us, thread: ring.tid, loc: None, kind: EventKind::Lost { events } });
            }
        }
    }

    /// Events dropped at the source because a thread's ring was full.
    pub(crate) fn lost(&self) -> u64 {
        let rings = self.rings.lock();
        let live: u64 = rings.iter().map(|RingReaderSlot(ring)| ring.lost.dropped.load(Ordering::Relaxed)).sum();
        self.retired_lost.load(Ordering::Relaxed) + live
    }
}
