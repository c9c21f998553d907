//! The collector: a thread that drains every ring of the session (see `emit.rs`) each tick,
//! merges the events back into sequence order and hands them to the fan-out (`fanout.rs`):
//! lossless subscribers (recorders, plain output, tests), for which a thread whose ring is full
//! waits, and lossy ones (the dashboard) that drop and count instead of holding anything up.
//! It ticks fast while events flow, slowly while idle, and sleeps until woken once the program
//! has been quiet for a second.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::emit::{Emitter, RING_CAPACITY};
use super::fanout::{Subscriber, Subscription};
use super::{COLD, LISTENING, SessionInner};
use crate::event::TraceEvent;

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

impl Emitter {
    /// Moves everything emitted so far towards the subscribers; the number delivered. `batch`
    /// is scratch space, kept by the collector so that its memory stays warm between drains.
    fn drain(&self, batch: &mut Vec<TraceEvent>) -> usize {
        self.drain_sources(batch);
        let mut fanout = self.fanout.lock();
        let delivered = fanout.accept(batch);
        // A lossless subscriber that went away no longer holds the program up.
        let lossless = fanout.subscribers.iter().any(|subscriber| subscriber.capacity.is_none());
        if self.when_full.lossless.load(Ordering::Relaxed) != lossless {
            self.when_full.lossless.store(lossless, Ordering::Relaxed);
        }
        delivered
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

    fn has_subscribers(&self) -> bool {
        !self.fanout.lock().subscribers.is_empty()
    }
}

impl SessionInner {
    /// Adds a subscriber, and starts the collector if it is not running; `capacity` None
    /// means unbounded and lossless.
    pub(super) fn subscribe(self: &Arc<Self>, capacity: Option<usize>) -> Subscription {
        let emitter = &self.emitter;
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
            if capacity.is_none() {
                emitter.when_full.lossless.store(true, Ordering::SeqCst);
            }
            self.flags.fetch_or(LISTENING, Ordering::SeqCst);
        }
        let mut collector = emitter.collector.lock();
        if !self.delivered_on_flush && collector.as_ref().is_none_or(JoinHandle::is_finished) {
            emitter.stop.store(false, Ordering::SeqCst);
            let session = self.clone();
            *collector =
                std::thread::Builder::new().name("threadviz-collector".into()).spawn(move || collect(&session)).ok();
        }
        Subscription { rx, dropped }
    }

    /// Delivers everything, then disconnects every subscriber (their receivers end once
    /// drained) and stops the collector.
    pub(super) fn close_subscriptions(&self) {
        let emitter = &self.emitter;
        emitter.tell_untold_losses();
        emitter.flush();
        {
            let mut fanout = emitter.fanout.lock();
            fanout.subscribers.clear();
            emitter.when_full.lossless.store(false, Ordering::SeqCst);
            self.flags.fetch_and(!LISTENING, Ordering::SeqCst);
        }
        emitter.stop.store(true, Ordering::SeqCst);
        emitter.tick.notify_all();
        let handle = emitter.collector.lock().take();
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
            // A maximum, not a store: a step that advanced the clock meanwhile has already
            // moved the reading past `now` (`SessionInner::advance_clock`).
            if now >= emitter.recent.us.load(Ordering::Relaxed) + 100 {
                emitter.recent.us.fetch_max(now, Ordering::Relaxed);
            }
        }
        let delivered = emitter.drain(&mut batch);
        if delivered > 0 {
            empty_ticks = 0;
            // Read before writing: the emitting threads read this line for every event.
            if !emitter.recent.hot.load(Ordering::Relaxed) {
                emitter.recent.us.fetch_max(session.clock.now_ns() / 1_000, Ordering::Relaxed);
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
    //! A full ring: its thread waits for the collector while a lossless subscriber listens,
    //! and drops and counts when only lossy ones do.

    use super::*;
    use crate::event::EventKind;

    /// Stops `session`'s collector, as if it had fallen far behind; returns it so the test can
    /// start it again.
    fn stop_collector(session: &crate::Session) {
        let emitter = &session.inner.emitter;
        emitter.stop.store(true, Ordering::SeqCst);
        emitter.tick.notify_all();
        let handle = emitter.collector.lock().take().expect("a subscription starts the collector");
        handle.join().expect("the collector stops cleanly");
        emitter.stop.store(false, Ordering::SeqCst);
    }

    fn start_collector(session: &crate::Session) {
        let inner = session.inner.clone();
        *session.inner.emitter.collector.lock() = Some(std::thread::spawn(move || collect(&inner)));
    }

    /// A thread of `session` that takes and releases a lock `pairs` times, counting the pairs.
    fn flood(session: &crate::Session, pairs: u64) -> (std::thread::JoinHandle<()>, Arc<AtomicU64>) {
        let done = Arc::new(AtomicU64::new(0));
        let (runner, counted) = (session.clone(), done.clone());
        let handle = std::thread::spawn(move || {
            runner.run(|| {
                let lock = crate::sync::Lock::new();
                for _ in 0..pairs {
                    lock.acquire();
                    let _ = lock.release();
                    counted.fetch_add(1, Ordering::SeqCst);
                }
            });
        });
        (handle, done)
    }

    /// Waits until `count` reaches `target`, for a generous while.
    fn reaches(count: &AtomicU64, target: u64) -> bool {
        let deadline = Instant::now() + Duration::from_secs(30);
        while count.load(Ordering::SeqCst) < target && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        count.load(Ordering::SeqCst) >= target
    }

    // An acquire found free and a release are one record each: a ring holds this many pairs.
    const PAIRS_IN_A_RING: u64 = RING_CAPACITY as u64 / 2;

    #[test]
    fn a_full_ring_waits_for_the_collector_while_a_lossless_subscriber_is_attached() {
        let session = crate::Session::new();
        let events = session.subscribe();
        stop_collector(&session);
        let (handle, done) = flood(&session, PAIRS_IN_A_RING * 3);
        assert!(reaches(&done, PAIRS_IN_A_RING), "the ring fills");
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(done.load(Ordering::SeqCst), PAIRS_IN_A_RING, "then the thread waits, dropping nothing");
        start_collector(&session);
        handle.join().expect("the flood ends once the collector drains");
        assert_eq!(session.lost_events(), 0);
        assert!(session.held_up() >= Duration::from_millis(50), "the wait is counted: {:?}", session.held_up());
        let received: Vec<TraceEvent> = events.receiver().try_iter().collect();
        assert!(received.windows(2).all(|pair| pair[1].seq == pair[0].seq + 1), "no gap in the sequence");
        let released = received.iter().filter(|event| matches!(event.kind, EventKind::Released { .. })).count();
        assert_eq!(released as u64, PAIRS_IN_A_RING * 3, "every release arrived");
    }

    #[test]
    fn a_full_ring_drops_when_only_lossy_subscribers_listen_or_dropping_was_chosen() {
        for lossy_choice in [false, true] {
            let session = crate::Session::new();
            let events = if lossy_choice {
                session.set_lossy(true);
                session.subscribe()
            } else {
                session.subscribe_lossy(1_000_000)
            };
            stop_collector(&session);
            let (handle, done) = flood(&session, PAIRS_IN_A_RING * 3);
            assert!(reaches(&done, PAIRS_IN_A_RING * 3), "the thread never waits (lossy choice: {lossy_choice})");
            start_collector(&session);
            handle.join().expect("the flood ends");
            // The pairs past a ring's worth dropped, three events each (requested and acquired
            // in one record, released in another), and counted.
            assert_eq!(session.lost_events(), PAIRS_IN_A_RING * 2 * 3);
            assert_eq!(session.held_up(), Duration::ZERO);
            // The stream says so: where the loss began, and how much was lost in all.
            let received: Vec<TraceEvent> = events.receiver().try_iter().collect();
            let told: Vec<u64> = received
                .iter()
                .filter_map(|event| if let EventKind::Lost { events } = event.kind { Some(events) } else { None })
                .collect();
            assert_eq!(told.first(), Some(&2), "the first dropped record (an acquire: two events) is marked");
            assert_eq!(told.iter().sum::<u64>(), session.lost_events());
        }
    }
}
