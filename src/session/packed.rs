//! The compact form an event takes inside a thread's ring, so that the hot path writes 40
//! bytes instead of a full [`TraceEvent`]: the operations a busy program repeats (acquire,
//! release, wait, set, sleep...) are packed into a tag, a primitive and one number; anything
//! rarer or carrying text is boxed. An acquire that succeeds at once is one record for its two
//! events (requested, acquired), which get consecutive sequence numbers. The collector unpacks
//! on its own thread.

use std::panic::Location;

use crate::event::{EventKind, PrimId, SourceLoc, Tid, TraceEvent, WaitMode};

/// One event as a thread's ring holds it; the ring knows the thread.
#[derive(Debug)]
pub(crate) struct RingEvent {
    pub(crate) seq: u64,
    pub(crate) time_us: u64,
    pub(crate) loc: Option<&'static Location<'static>>,
    pub(crate) kind: PackedKind,
}

impl RingEvent {
    /// The events as subscribers see them, appended to `out`.
    pub(crate) fn unpack_into(self, thread: Tid, out: &mut Vec<TraceEvent>) {
        let loc = self.loc.map(SourceLoc::from_location);
        let (first, second) = self.kind.unpack_pair();
        if let Some(second) = second {
            out.push(TraceEvent { seq: self.seq, time_us: self.time_us, thread, loc: loc.clone(), kind: first });
            out.push(TraceEvent { seq: self.seq + 1, time_us: self.time_us, thread, loc, kind: second });
        } else {
            out.push(TraceEvent { seq: self.seq, time_us: self.time_us, thread, loc, kind: first });
        }
    }
}

/// Which frequent operation a packed event is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    RequestedBlocking,
    RequestedNonBlocking,
    RequestedTimeout,
    Acquired,
    TryFailed,
    TimedOut,
    Released,
    WaitBegin,
    WaitBeginForever,
    Woken,
    Set,
    Clear,
    TaskDone,
    BarrierArrive,
    BarrierPass,
    BarrierBroken,
    BarrierReset,
    SleepBegin,
    SleepEnd,
    /// Requested (blocking) then Acquired with count `arg`, taken without waiting.
    AcquiredAtOnceBlocking,
    /// Requested (non-blocking) then Acquired with count `arg`.
    AcquiredAtOnceNonBlocking,
}

/// An [`EventKind`] in 16 bytes when it is a frequent operation, boxed otherwise.
#[derive(Debug)]
pub(crate) enum PackedKind {
    Op { op: Op, prim: PrimId, arg: u64 },
    Boxed(Box<EventKind>),
}

impl From<EventKind> for PackedKind {
    #[inline]
    fn from(kind: EventKind) -> Self {
        Self::pack(kind)
    }
}

impl PackedKind {
    /// Packs `kind`; inlined so that a caller's constant kind folds into a constant op.
    #[inline]
    pub(crate) fn pack(kind: EventKind) -> Self {
        let (op, prim, arg) = match kind {
            EventKind::Requested { prim, mode: WaitMode::Blocking } => (Op::RequestedBlocking, prim, 0),
            EventKind::Requested { prim, mode: WaitMode::NonBlocking } => (Op::RequestedNonBlocking, prim, 0),
            EventKind::Requested { prim, mode: WaitMode::Timeout(us) } => (Op::RequestedTimeout, prim, us),
            EventKind::Acquired { prim, count } => (Op::Acquired, prim, count),
            EventKind::TryFailed { prim } => (Op::TryFailed, prim, 0),
            EventKind::TimedOut { prim } => (Op::TimedOut, prim, 0),
            EventKind::Released { prim, count } => (Op::Released, prim, count),
            EventKind::WaitBegin { prim, timeout_us: Some(us) } => (Op::WaitBegin, prim, us),
            EventKind::WaitBegin { prim, timeout_us: None } => (Op::WaitBeginForever, prim, 0),
            EventKind::Woken { prim, notified } => (Op::Woken, prim, u64::from(notified)),
            EventKind::Set { prim } => (Op::Set, prim, 0),
            EventKind::Clear { prim } => (Op::Clear, prim, 0),
            EventKind::TaskDone { prim, unfinished } => (Op::TaskDone, prim, unfinished),
            EventKind::BarrierArrive { prim, index } => (Op::BarrierArrive, prim, u64::from(index)),
            EventKind::BarrierPass { prim, generation } => (Op::BarrierPass, prim, generation),
            EventKind::BarrierBroken { prim } => (Op::BarrierBroken, prim, 0),
            EventKind::BarrierReset { prim } => (Op::BarrierReset, prim, 0),
            EventKind::SleepBegin { duration_us } => (Op::SleepBegin, 0, duration_us),
            EventKind::SleepEnd => (Op::SleepEnd, 0, 0),
            other => return Self::Boxed(Box::new(other)),
        };
        Self::Op { op, prim, arg }
    }

    /// One record for an acquire that succeeded without waiting: its requested and acquired
    /// events. None for a timed acquire, whose timeout and count do not both fit.
    pub(crate) fn acquired_at_once(prim: PrimId, mode: WaitMode, count: u64) -> Option<Self> {
        let op = match mode {
            WaitMode::Blocking => Op::AcquiredAtOnceBlocking,
            WaitMode::NonBlocking => Op::AcquiredAtOnceNonBlocking,
            WaitMode::Timeout(_) => return None,
        };
        Some(Self::Op { op, prim, arg: count })
    }

    /// How many events (and sequence numbers) the record stands for.
    pub(crate) fn events(&self) -> u64 {
        match self {
            Self::Op { op: Op::AcquiredAtOnceBlocking | Op::AcquiredAtOnceNonBlocking, .. } => 2,
            _ => 1,
        }
    }

    /// The event kinds it stands for, leaving the record whole: for the test of the event to
    /// pause at, before the record is sent.
    pub(crate) fn kinds(&self) -> (EventKind, Option<EventKind>) {
        match self {
            Self::Op { op, prim, arg } => Self::Op { op: *op, prim: *prim, arg: *arg }.unpack_pair(),
            Self::Boxed(kind) => (EventKind::clone(kind), None),
        }
    }

    /// The event kinds it stands for: one, or two for an acquire taken at once.
    pub(crate) fn unpack_pair(self) -> (EventKind, Option<EventKind>) {
        match self {
            Self::Op { op: Op::AcquiredAtOnceBlocking, prim, arg } => (
                EventKind::Requested { prim, mode: WaitMode::Blocking },
                Some(EventKind::Acquired { prim, count: arg }),
            ),
            Self::Op { op: Op::AcquiredAtOnceNonBlocking, prim, arg } => (
                EventKind::Requested { prim, mode: WaitMode::NonBlocking },
                Some(EventKind::Acquired { prim, count: arg }),
            ),
            single => (single.unpack(), None),
        }
    }

    /// The event kind it was packed from (a pair's first event).
    pub(crate) fn unpack(self) -> EventKind {
        let (op, prim, arg) = match self {
            Self::Boxed(kind) => return *kind,
            Self::Op { op, prim, arg } => (op, prim, arg),
        };
        match op {
            Op::RequestedBlocking | Op::AcquiredAtOnceBlocking => {
                EventKind::Requested { prim, mode: WaitMode::Blocking }
            }
            Op::RequestedNonBlocking | Op::AcquiredAtOnceNonBlocking => {
                EventKind::Requested { prim, mode: WaitMode::NonBlocking }
            }
            Op::RequestedTimeout => EventKind::Requested { prim, mode: WaitMode::Timeout(arg) },
            Op::Acquired => EventKind::Acquired { prim, count: arg },
            Op::TryFailed => EventKind::TryFailed { prim },
            Op::TimedOut => EventKind::TimedOut { prim },
            Op::Released => EventKind::Released { prim, count: arg },
            Op::WaitBegin => EventKind::WaitBegin { prim, timeout_us: Some(arg) },
            Op::WaitBeginForever => EventKind::WaitBegin { prim, timeout_us: None },
            Op::Woken => EventKind::Woken { prim, notified: arg != 0 },
            Op::Set => EventKind::Set { prim },
            Op::Clear => EventKind::Clear { prim },
            Op::TaskDone => EventKind::TaskDone { prim, unfinished: arg },
            // Packed from a u32, so it fits.
            Op::BarrierArrive => EventKind::BarrierArrive { prim, index: u32::try_from(arg).unwrap_or(u32::MAX) },
            Op::BarrierPass => EventKind::BarrierPass { prim, generation: arg },
            Op::BarrierBroken => EventKind::BarrierBroken { prim },
            Op::BarrierReset => EventKind::BarrierReset { prim },
            Op::SleepBegin => EventKind::SleepBegin { duration_us: arg },
            Op::SleepEnd => EventKind::SleepEnd,
        }
    }
}

#[cfg(test)]
mod tests {
    //! Packing: every kind survives it, frequent ones without allocating.

    use super::*;
    use crate::event::{Control, ExitKind, LogLevel, PrimInfo};

    fn every_kind() -> Vec<EventKind> {
        let prim = 7;
        vec![
            EventKind::ThreadCreated { tid: 2, name: "T".into(), daemon: true, foreign: false },
            EventKind::ThreadStarted { tid: 2, daemon: false, os_tid: Some(99) },
            EventKind::ThreadRenamed { tid: 2, name: "U".into() },
            EventKind::ThreadExited { tid: 2, exit: ExitKind::Panicked { message: "boom".into() } },
            EventKind::ShutdownBegin,
            EventKind::SessionEnded,
            EventKind::PrimCreated { prim, name: "L".into(), info: PrimInfo::Lock },
            EventKind::Requested { prim, mode: WaitMode::Blocking },
            EventKind::Requested { prim, mode: WaitMode::NonBlocking },
            EventKind::Requested { prim, mode: WaitMode::Timeout(u64::MAX) },
            EventKind::Acquired { prim, count: 3 },
            EventKind::TryFailed { prim },
            EventKind::TimedOut { prim },
            EventKind::Released { prim, count: u64::MAX },
            EventKind::WaitBegin { prim, timeout_us: Some(0) },
            EventKind::WaitBegin { prim, timeout_us: Some(u64::MAX) },
            EventKind::WaitBegin { prim, timeout_us: None },
            EventKind::Woken { prim, notified: true },
            EventKind::Woken { prim, notified: false },
            EventKind::Notified { prim, n: 2, woken: vec![3, 4] },
            EventKind::Set { prim },
            EventKind::Clear { prim },
            EventKind::Put { prim, item: "1".into(), qsize: 1 },
            EventKind::Got { prim, item: "1".into(), qsize: 0 },
            EventKind::TaskDone { prim, unfinished: 5 },
            EventKind::BarrierArrive { prim, index: u32::MAX },
            EventKind::BarrierPass { prim, generation: 9 },
            EventKind::BarrierBroken { prim },
            EventKind::BarrierReset { prim },
            EventKind::Load { prim, value: "0".into() },
            EventKind::Store { prim, value: "1".into() },
            EventKind::LocalGet { prim, value: None },
            EventKind::LocalSet { prim, value: "x".into() },
            EventKind::SleepBegin { duration_us: 100 },
            EventKind::SleepEnd,
            EventKind::JoinBegin { target: 2, timeout_us: None },
            EventKind::JoinEnd { target: 2, finished: true },
            EventKind::Log { level: LogLevel::Info, message: "hi".into() },
            EventKind::Misuse { prim: Some(prim), message: "release unlocked lock".into() },
            EventKind::Control { control: Control::Pause },
        ]
    }

    #[test]
    fn every_kind_survives_packing_unchanged() {
        for kind in every_kind() {
            assert_eq!(PackedKind::pack(kind.clone()).unpack(), kind);
        }
    }

    #[test]
    fn frequent_operations_are_packed_without_allocating() {
        let hot = [
            EventKind::Requested { prim: 1, mode: WaitMode::Blocking },
            EventKind::Acquired { prim: 1, count: 1 },
            EventKind::Released { prim: 1, count: 0 },
            EventKind::WaitBegin { prim: 1, timeout_us: None },
            EventKind::SleepEnd,
        ];
        for kind in hot {
            assert!(matches!(PackedKind::pack(kind), PackedKind::Op { .. }));
        }
        assert!(matches!(PackedKind::pack(EventKind::ShutdownBegin), PackedKind::Boxed(_)));
    }

    #[test]
    fn a_ring_slot_is_small() {
        assert_eq!(size_of::<PackedKind>(), 16);
        assert_eq!(size_of::<RingEvent>(), 40);
    }

    #[test]
    fn unpacking_restores_the_thread_and_the_source_line() {
        let loc = Location::caller();
        let event = RingEvent { seq: 4, time_us: 10, loc: Some(loc), kind: PackedKind::pack(EventKind::SleepEnd) };
        let mut out = Vec::new();
        event.unpack_into(3, &mut out);
        let [event] = out.as_slice() else { panic!("one event, got {out:?}") };
        assert_eq!((event.seq, event.time_us, event.thread), (4, 10, 3));
        assert_eq!(event.loc, Some(SourceLoc::from_location(loc)));
    }

    #[test]
    fn an_acquire_taken_at_once_unpacks_into_requested_then_acquired() {
        let loc = Location::caller();
        let kind = PackedKind::acquired_at_once(5, WaitMode::NonBlocking, 1).expect("packs");
        assert_eq!(kind.events(), 2);
        let mut out = Vec::new();
        RingEvent { seq: 8, time_us: 3, loc: Some(loc), kind }.unpack_into(2, &mut out);
        let got: Vec<(u64, u64, Tid, EventKind)> =
            out.into_iter().map(|event| (event.seq, event.time_us, event.thread, event.kind)).collect();
        assert_eq!(
            got,
            [
                (8, 3, 2, EventKind::Requested { prim: 5, mode: WaitMode::NonBlocking }),
                (9, 3, 2, EventKind::Acquired { prim: 5, count: 1 }),
            ]
        );
        assert!(PackedKind::acquired_at_once(5, WaitMode::Timeout(7), 1).is_none());
        assert_eq!(PackedKind::pack(EventKind::SleepEnd).events(), 1);
    }
}
