//! Where a replay or an export of a recording stops as the live dashboard did: the wake-ups a
//! lingering session held on screen, and the lesson's moment, where a live run paused to ask.
//!
//! A live hold freezes demo time, so the recorded times do not show it: the holds are found
//! again from the events, by the rule the session held them by ([`may_hold`], over the same
//! [`LINGER`]) and with the model's own account of whom each event woke (the words of the
//! "what just happened" line). A hold, like a pause, stops every thread at its next operation
//! while the woken threads finish the one they were blocked in (`c1` and `c2` leave the
//! condition's waiters and turn BLOCKED on the lock `p` still holds). What they did in the
//! meantime was stamped with the one demo time the hold stood still at; so a stop comes after
//! the event that began it and after those: the events up to the last one stamped with the
//! time of the woken threads' first event after it, when that comes within [`FOLLOW_US`].

use std::collections::VecDeque;
use std::sync::Arc;

use parking_lot::{Condvar, Mutex};

use crate::app::Subject;
use crate::app::live::LINGER;
use crate::event::{Tid, TraceEvent};
use crate::lesson::Trigger;
use crate::model::Model;
use crate::session::may_hold;

/// How soon after a wake-up (demo time) a woken thread's first event must come to count as the
/// wake-up's doing. In a lingering run it comes at once (demo time stands still while it is
/// held); in one that did not linger, after the operating system's wake-up latency, scaled by
/// the speed: well under this. A tenth of the clock's resolution, so nothing taken in looks
/// like a later time on screen.
pub const FOLLOW_US: u64 = 10_000;

/// One place a replay or an export stops at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stop {
    /// Where: after this many events.
    pub at: usize,
    /// A wake-up is held here for [`LINGER`] of demo time, as a live run held it.
    pub hold: bool,
    /// The lesson's moment was reached at this event (its index): its question is asked here.
    pub ask: Option<usize>,
}

/// The stops of a recording, in order: found all at once ([`Stops::find`]), or found by a
/// thread of their own while the replay plays ([`Stops::find_in_background`]), published as
/// they become certain.
#[derive(Debug, Default)]
pub struct Stops {
    found: Mutex<Found>,
    /// Told whenever more are certain.
    grown: Condvar,
}

/// The stops found so far.
#[derive(Debug, Default)]
struct Found {
    stops: Vec<Stop>,
    /// Every stop placed before this many events is among `stops`.
    settled: usize,
    /// Whether every stop is.
    done: bool,
}

/// How many events the background finder looks at between two publications.
const PUBLISH_EVERY: usize = 4_096;

impl Stops {
    /// The stops of `events`, the recording of what `subject` shows: its wake-ups' holds and,
    /// if it has a lesson, every event at which the lesson's moment comes (the dashboard asks
    /// at the first it folds, once per run). A moment the model's state shows only with time
    /// (a deadlock, confirmed once it lasts) is left to the dashboard.
    pub fn find(events: impl IntoIterator<Item = TraceEvent>, subject: &Subject) -> Self {
        let mut finder = Finder::new(subject);
        for (index, event) in events.into_iter().enumerate() {
            finder.input.push_back((index, event));
            finder.drain();
        }
        finder.finish();
        let found = Found { settled: usize::MAX, stops: finder.stops, done: true };
        Self { found: Mutex::new(found), grown: Condvar::new() }
    }

    /// [`Stops::find`] on a thread of its own, so that a replay of a long recording starts at
    /// once: what asks about a place not looked at yet waits for it (the player, before it
    /// sends an event, waits without holding the play head). The thread stops early once
    /// nobody holds the stops any more.
    pub fn find_in_background(
        events: impl Iterator<Item = TraceEvent> + Send + 'static,
        subject: &Subject,
    ) -> Arc<Self> {
        let stops = Arc::new(Self::default());
        let weak = Arc::downgrade(&stops);
        let subject = *subject;
        let started = std::thread::Builder::new().name("threadviz-stops".into()).spawn(move || {
            let mut finder = Finder::new(&subject);
            for (index, event) in events.enumerate() {
                finder.input.push_back((index, event));
                finder.drain();
                if (index + 1).is_multiple_of(PUBLISH_EVERY) {
                    let Some(stops) = weak.upgrade() else { return };
                    stops.publish(&finder, index + 1);
                }
            }
            finder.finish();
            if let Some(stops) = weak.upgrade() {
                let mut found = stops.found.lock();
                found.stops = std::mem::take(&mut finder.stops);
                (found.settled, found.done) = (usize::MAX, true);
                stops.grown.notify_all();
            }
        });
        if started.is_err() {
            // No thread to find them: the replay holds nothing, rather than waiting forever.
            let mut found = stops.found.lock();
            (found.settled, found.done) = (usize::MAX, true);
        }
        stops
    }

    /// Publishes what `finder`, having looked at `looked` events, is sure of.
    fn publish(&self, finder: &Finder<'_>, looked: usize) {
        // A pending stop, and any found later, comes after its first event.
        let settled = finder.pending.as_ref().map_or(looked, |pending| pending.after.min(looked));
        let mut found = self.found.lock();
        let known = found.stops.len();
        let sure = finder.stops.get(known..).unwrap_or_default().iter().take_while(|stop| stop.at < settled);
        found.stops.extend(sure);
        found.settled = settled;
        self.grown.notify_all();
    }

    /// Waits until every stop placed at or before `position` events is known.
    fn found_up_to(&self, position: usize) -> parking_lot::MutexGuard<'_, Found> {
        let mut found = self.found.lock();
        while !found.done && found.settled <= position {
            self.grown.wait(&mut found);
        }
        found
    }

    /// Whether every stop placed at or before `position` events is known now.
    #[must_use]
    pub fn known_up_to(&self, position: usize) -> bool {
        let found = self.found.lock();
        found.done || found.settled > position
    }

    /// Waits at most `patience` for every stop placed at or before `position` to be known.
    pub fn wait_for(&self, position: usize, patience: std::time::Duration) {
        let mut found = self.found.lock();
        if !found.done && found.settled <= position {
            self.grown.wait_for(&mut found, patience);
        }
    }

    /// Every stop, in order (once all are found).
    #[must_use]
    pub fn all(&self) -> Vec<Stop> {
        self.found_up_to(usize::MAX).stops.clone()
    }

    /// The stop with this index, if it is known.
    #[must_use]
    pub fn get(&self, index: usize) -> Option<Stop> {
        self.found.lock().stops.get(index).copied()
    }

    /// The index of the first stop after `position` events (the number of stops if none),
    /// once it is known.
    #[must_use]
    pub fn first_after(&self, position: usize) -> usize {
        self.found_up_to(position).stops.partition_point(|stop| stop.at <= position)
    }

    /// [`Stops::first_after`], if it is known already.
    #[must_use]
    pub fn first_after_if_known(&self, position: usize) -> Option<usize> {
        self.known_up_to(position).then(|| self.first_after(position))
    }

    /// Whether the lesson's moment comes at one of the events in `range` (by index).
    #[must_use]
    pub fn asks_within(&self, range: std::ops::Range<usize>) -> bool {
        let found = self.found_up_to(range.end);
        let stops = &found.stops;
        for stop in &stops[stops.partition_point(|stop| stop.at <= range.start)..] {
            if stop.ask.is_some_and(|moment| range.contains(&moment)) {
                return true;
            }
            // A stop's moment comes before it: later stops' moments are later still.
            if stop.at > range.end {
                break;
            }
        }
        false
    }
}

/// A stop found, whose place is not yet known: the events that come while it lasts are still
/// coming.
#[derive(Debug)]
struct Pending {
    /// Right after the event that began it.
    after: usize,
    /// That event's demo time.
    start_us: u64,
    /// The threads it woke, whose events come while it lasts.
    woken: Vec<Tid>,
    /// The demo time it stood still at: that of the first woken thread's event after it.
    frozen_us: Option<u64>,
    /// Events after `after` not yet folded: whether they come while it lasts is told by
    /// whether a woken thread's event follows them soon enough.
    unsure: Vec<(usize, TraceEvent)>,
    /// Where it ends so far.
    end: usize,
    hold: bool,
    ask: Option<usize>,
}

struct Finder<'a> {
    model: Model,
    trigger: Option<Trigger>,
    path: Option<&'a str>,
    /// Demo time the holds so far added (nanoseconds), as the live session counts it.
    lingered_ns: u64,
    linger_ns: u64,
    pending: Option<Pending>,
    /// Events to look at, in order: a pending stop that ends before them hands them back.
    input: VecDeque<(usize, TraceEvent)>,
    stops: Vec<Stop>,
}

impl Finder<'_> {
    fn new(subject: &Subject) -> Finder<'_> {
        Finder {
            model: Model::new(),
            trigger: subject.lesson.and_then(crate::lesson::moment).map(|moment| moment.trigger),
            path: subject.source.map(|(path, _)| path),
            lingered_ns: 0,
            linger_ns: u64::try_from(LINGER.as_nanos()).unwrap_or(u64::MAX),
            pending: None,
            input: VecDeque::new(),
            stops: Vec::new(),
        }
    }

    fn drain(&mut self) {
        while let Some((index, event)) = self.input.pop_front() {
            self.look_at(index, event);
        }
    }

    fn look_at(&mut self, index: usize, event: TraceEvent) {
        if let Some(pending) = &mut self.pending {
            match pending.frozen_us {
                Some(frozen) if event.time_us <= frozen => {
                    pending.end = index + 1;
                    self.fold_within(index, &event);
                    return;
                }
                Some(_) => self.close(),
                None if event.time_us > pending.start_us.saturating_add(FOLLOW_US) => {
                    // No woken thread moved soon enough: the stop comes right after the event
                    // that began it, and the events held back are looked at again.
                    self.input.push_front((index, event));
                    self.close();
                    return;
                }
                None if pending.woken.contains(&event.thread) => {
                    pending.frozen_us = Some(event.time_us);
                    pending.end = index + 1;
                    let unsure = std::mem::take(&mut pending.unsure);
                    for (unsure_index, unsure) in unsure {
                        self.fold_within(unsure_index, &unsure);
                    }
                    self.fold_within(index, &event);
                    return;
                }
                None => {
                    pending.unsure.push((index, event));
                    return;
                }
            }
        }
        let (woke, fires) = self.fold(&event);
        let now_ns = event.time_us.saturating_mul(1_000);
        let hold = !woke.is_empty() && may_hold(self.lingered_ns, now_ns);
        if hold {
            self.lingered_ns = self.lingered_ns.saturating_add(self.linger_ns);
        }
        if !hold && !fires {
            return;
        }
        let ask = fires.then_some(index);
        if woke.is_empty() {
            // Nobody finishes an operation meanwhile: the stop is right after the event.
            self.stops.push(Stop { at: index + 1, hold, ask });
            return;
        }
        self.pending = Some(Pending {
            after: index + 1,
            start_us: event.time_us,
            woken: woke,
            frozen_us: None,
            unsure: Vec::new(),
            end: index + 1,
            hold,
            ask,
        });
    }

    /// Folds an event that comes while a stop lasts: a wake-up then is not held (one hold at
    /// a time), the lesson's moment is asked where the stop ends.
    fn fold_within(&mut self, index: usize, event: &TraceEvent) {
        let (_, fires) = self.fold(event);
        if let Some(pending) = &mut self.pending
            && fires
            && pending.ask.is_none()
        {
            pending.ask = Some(index);
        }
    }

    /// Folds `event`: whom it woke, and whether it is the lesson's moment (tested on the
    /// model after it, as the dashboard tests it).
    fn fold(&mut self, event: &TraceEvent) -> (Vec<Tid>, bool) {
        let woke = self.model.apply_told(event, false).map(|happening| happening.woke).unwrap_or_default();
        let fires = self.trigger.is_some_and(|trigger| trigger.fires(&self.model, event, self.path));
        (woke, fires)
    }

    /// Places the pending stop where it ends so far; the events it was unsure of are looked
    /// at again, first.
    fn close(&mut self) {
        let Some(pending) = self.pending.take() else { return };
        let at = if pending.frozen_us.is_some() { pending.end } else { pending.after };
        self.stops.push(Stop { at, hold: pending.hold, ask: pending.ask });
        for unsure in pending.unsure.into_iter().rev() {
            self.input.push_front(unsure);
        }
    }

    /// The events are over: a stop still pending ends with them.
    fn finish(&mut self) {
        while self.pending.is_some() {
            self.close();
            self.drain();
        }
        // A hold after the last event holds nothing that a final frame does not show.
        let len = self.model.events;
        self.stops.retain(|stop| stop.ask.is_some() || usize::try_from(len).is_ok_and(|len| stop.at < len));
    }
}

#[cfg(test)]
mod tests {
    //! Stops found in hand-made recordings.

    use super::*;
    use crate::event::{EventKind, PrimInfo, WaitMode};

    const LESSON: &str = "# Condition\n\n## Ask the class\n<!-- moment: notify -->\nCan `c1` print its line?\n";

    /// Events of the condition demo as a lingering run records them: `p` (thread 4) notifies
    /// `c1` and `c2` (2 and 3) while holding the condition's lock (primitive 1).
    fn condition(frozen: bool) -> Vec<TraceEvent> {
        let mut events = Vec::new();
        let mut push = |time_us: u64, thread: Tid, kind: EventKind| {
            let seq = events.len() as u64;
            events.push(TraceEvent { seq, time_us, thread, loc: None, kind });
        };
        for (tid, name) in [(2, "c1"), (3, "c2"), (4, "p")] {
            push(0, 1, EventKind::ThreadCreated { tid, name: name.to_owned(), daemon: false, foreign: false });
        }
        push(0, 1, EventKind::PrimCreated { prim: 1, name: "RLock-1".to_owned(), info: PrimInfo::RLock });
        push(
            0,
            1,
            EventKind::PrimCreated { prim: 2, name: "condition".to_owned(), info: PrimInfo::Condition { lock: 1 } },
        );
        for (at, tid) in [(1_000, 2), (2_000_000, 3)] {
            push(at, tid, EventKind::Requested { prim: 1, mode: WaitMode::Blocking });
            push(at, tid, EventKind::Acquired { prim: 1, count: 1 });
            push(at, tid, EventKind::WaitBegin { prim: 2, timeout_us: None });
            push(at, tid, EventKind::Released { prim: 1, count: 0 });
        }
        let t = 4_000_000;
        push(t, 4, EventKind::Requested { prim: 1, mode: WaitMode::Blocking });
        push(t, 4, EventKind::Acquired { prim: 1, count: 1 });
        push(t, 4, EventKind::Notified { prim: 2, n: u64::MAX, woken: vec![2, 3] });
        // While held, demo time stands still; a run that did not linger goes on meanwhile.
        let later = |step: u64| if frozen { t } else { t + step * 10 };
        for (step, tid) in [(1, 2), (2, 3)] {
            push(later(step), tid, EventKind::Woken { prim: 2, notified: true });
            push(later(step), tid, EventKind::Requested { prim: 1, mode: WaitMode::Blocking });
        }
        push(t + 200, 4, EventKind::Released { prim: 1, count: 0 });
        push(t + 220, 2, EventKind::Acquired { prim: 1, count: 1 });
        push(t + 220, 4, EventKind::ThreadExited { tid: 4, exit: crate::event::ExitKind::Normal });
        push(t + 500, 2, EventKind::Released { prim: 1, count: 0 });
        push(t + 600, 3, EventKind::Acquired { prim: 1, count: 1 });
        push(t + 900, 3, EventKind::Released { prim: 1, count: 0 });
        events
    }

    fn subject(lesson: Option<&'static str>) -> Subject {
        Subject { title: "condition", source: None, lesson }
    }

    #[test]
    fn a_notify_is_held_once_the_woken_threads_block_and_asked_there() {
        let events = condition(true);
        let notify =
            events.iter().position(|event| matches!(event.kind, EventKind::Notified { .. })).expect("a notify");
        let stops = Stops::find(events.clone(), &subject(Some(LESSON)));
        let first = stops.all()[0];
        // After the notify and the four events of c1 and c2 that came while it was held.
        assert_eq!(first, Stop { at: notify + 5, hold: true, ask: Some(notify) });
        assert!(matches!(events[first.at].kind, EventKind::Released { .. }), "p's release waits for the hold's end");
        // p's release hands the lock to c1 (p's end came meanwhile); c1's to c2.
        let rest: Vec<Stop> = stops.all()[1..].to_vec();
        assert_eq!(
            rest,
            [Stop { at: notify + 8, hold: true, ask: None }, Stop { at: notify + 10, hold: true, ask: None }]
        );
        assert_eq!(stops.first_after(0), 0);
        assert_eq!(stops.first_after(first.at), 1);
        assert!(stops.asks_within(notify..notify + 1) && !stops.asks_within(0..notify));
    }

    #[test]
    fn without_a_lesson_only_the_holds_remain_and_a_run_that_did_not_linger_is_held_alike() {
        let held = Stops::find(condition(true), &subject(None));
        assert!(held.all().iter().all(|stop| stop.hold && stop.ask.is_none()));
        // Not frozen: the woken threads' first event comes 10 µs later, and the events at that
        // time are taken in.
        let loose = Stops::find(condition(false), &subject(None));
        assert_eq!(loose.all().len(), 3);
        let notify = condition(false).iter().position(|event| matches!(event.kind, EventKind::Notified { .. }));
        assert_eq!(loose.all()[0].at, notify.expect("a notify") + 3, "c1's two events, stamped alike");
    }

    #[test]
    fn holds_add_no_more_than_the_demo_time_that_passed() {
        // A notify at 0.1 s is held (nothing held yet); the next, 0.1 s later, is not: the hold
        // so far (0.5 s) exceeds the 0.2 s that passed.
        let mut events = condition(true);
        for event in &mut events {
            if event.time_us >= 4_000_000 {
                event.time_us -= 3_900_000;
            } else {
                event.time_us /= 40;
            }
        }
        let stops = Stops::find(events, &subject(None));
        assert_eq!(stops.all().len(), 1, "{stops:?}");
    }
}
