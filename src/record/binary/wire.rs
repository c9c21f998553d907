//! The stored form of one event in a binary recording's frame: [`EventKind`] mirrored as
//! postcard can write it, each variant's place in its enum being its tag for good, so that
//! recordings written before a kind was added still read. How the events are grouped into
//! frames is [`super::frame`]'s business; how the frames sit in the file, [`super`]'s.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::event::{ChannelSide, Control, EventKind, ExitKind, LogLevel, PrimId, PrimInfo, Tid, WaitMode};

/// Where an event was called from, once per frame in full, then by its number in the frame.
#[derive(Serialize, Deserialize)]
pub(super) enum WireLoc<'a> {
    None,
    Known(u32, u32),
    New(Cow<'a, str>, u32),
}

/// An event as it is stored: the sequence number as its distance from the one expected (0
/// almost always), the time as its distance from the previous event's.
#[derive(Serialize, Deserialize)]
pub(super) struct WireEvent<'a> {
    pub(super) seq: i64,
    pub(super) time: i64,
    pub(super) thread: Tid,
    pub(super) loc: WireLoc<'a>,
    pub(super) kind: WireKind<'a>,
}

/// [`EventKind`] in a form postcard can store (externally tagged), borrowing its text when
/// written. New variants go at the end: the position is the tag.
#[derive(Serialize, Deserialize)]
pub(super) enum WireKind<'a> {
    ThreadCreated { tid: Tid, name: Cow<'a, str>, daemon: bool, foreign: bool },
    ThreadStarted { tid: Tid, daemon: bool, os_tid: Option<u32> },
    ThreadRenamed { tid: Tid, name: Cow<'a, str> },
    ThreadExited { tid: Tid, exit: WireExit<'a> },
    ShutdownBegin,
    SessionEnded,
    PrimCreated { prim: PrimId, name: Cow<'a, str>, info: WireInfo<'a> },
    Requested { prim: PrimId, mode: WaitMode },
    Acquired { prim: PrimId, count: u64 },
    TryFailed { prim: PrimId },
    TimedOut { prim: PrimId },
    Released { prim: PrimId, count: u64 },
    WaitBegin { prim: PrimId, timeout_us: Option<u64> },
    Woken { prim: PrimId, notified: bool },
    Notified { prim: PrimId, n: u64, woken: Cow<'a, [Tid]> },
    Set { prim: PrimId },
    Clear { prim: PrimId },
    Put { prim: PrimId, item: Cow<'a, str>, qsize: u64 },
    Got { prim: PrimId, item: Cow<'a, str>, qsize: u64 },
    TaskDone { prim: PrimId, unfinished: u64 },
    BarrierArrive { prim: PrimId, index: u32 },
    BarrierPass { prim: PrimId, generation: u64 },
    BarrierBroken { prim: PrimId },
    BarrierReset { prim: PrimId },
    Load { prim: PrimId, value: Cow<'a, str> },
    Store { prim: PrimId, value: Cow<'a, str> },
    LocalGet { prim: PrimId, value: Option<Cow<'a, str>> },
    LocalSet { prim: PrimId, value: Cow<'a, str> },
    SleepBegin { duration_us: u64 },
    SleepEnd,
    JoinBegin { target: Tid, timeout_us: Option<u64> },
    JoinEnd { target: Tid, finished: bool },
    Log { level: LogLevel, message: Cow<'a, str> },
    Misuse { prim: Option<PrimId>, message: Cow<'a, str> },
    Control { control: WireControl },
    // New kinds go last: a variant's number is its place in this list.
    Lost { events: u64 },
    Source { path: Cow<'a, str>, text: Cow<'a, str> },
    Instruction { offset: u32, text: Cow<'a, str> },
    Update { prim: PrimId, op: Cow<'a, str>, read: Cow<'a, str>, value: Cow<'a, str> },
    ReadRequested { prim: PrimId, mode: WaitMode },
    ReadAcquired { prim: PrimId, readers: u64 },
    ReadReleased { prim: PrimId, readers: u64 },
    Poisoned { prim: PrimId },
    PoisonCleared { prim: PrimId },
    ChannelWait { prim: PrimId, side: ChannelSide, timeout_us: Option<u64> },
    Sent { prim: PrimId, item: Cow<'a, str>, queued: u64 },
    Received { prim: PrimId, item: Cow<'a, str>, queued: u64 },
    ChannelDropped { prim: PrimId, side: ChannelSide, discarded: u64 },
    Disconnected { prim: PrimId, side: ChannelSide },
}

#[derive(Serialize, Deserialize)]
pub(super) enum WireExit<'a> {
    Normal,
    Panicked { message: Cow<'a, str> },
    Killed,
}

#[derive(Serialize, Deserialize)]
pub(super) enum WireInfo<'a> {
    Lock,
    RLock,
    Condition { lock: PrimId },
    Semaphore { initial: u64, bounded: bool },
    Event,
    Barrier { parties: u32 },
    Queue { maxsize: u64 },
    Local,
    Shared { initial: Cow<'a, str> },
    // New kinds go last, as in `WireKind`.
    RwLock,
    Channel { capacity: Option<u64> },
}

#[derive(Serialize, Deserialize)]
pub(super) enum WireControl {
    Pause,
    Resume,
    Step { thread: Tid },
    Advance { thread: Tid },
    Speed { speed: f64 },
}

fn text(text: &str) -> Cow<'_, str> {
    Cow::Borrowed(text)
}

impl<'a> From<&'a EventKind> for WireKind<'a> {
    fn from(kind: &'a EventKind) -> Self {
        match kind {
            EventKind::ThreadCreated { tid, name, daemon, foreign } => {
                Self::ThreadCreated { tid: *tid, name: text(name), daemon: *daemon, foreign: *foreign }
            }
            EventKind::ThreadStarted { tid, daemon, os_tid } => {
                Self::ThreadStarted { tid: *tid, daemon: *daemon, os_tid: *os_tid }
            }
            EventKind::ThreadRenamed { tid, name } => Self::ThreadRenamed { tid: *tid, name: text(name) },
            EventKind::ThreadExited { tid, exit } => Self::ThreadExited {
                tid: *tid,
                exit: match exit {
                    ExitKind::Normal => WireExit::Normal,
                    ExitKind::Panicked { message } => WireExit::Panicked { message: text(message) },
                    ExitKind::Killed => WireExit::Killed,
                },
            },
            EventKind::ShutdownBegin => Self::ShutdownBegin,
            EventKind::SessionEnded => Self::SessionEnded,
            EventKind::PrimCreated { prim, name, info } => Self::PrimCreated {
                prim: *prim,
                name: text(name),
                info: match info {
                    PrimInfo::Lock => WireInfo::Lock,
                    PrimInfo::RLock => WireInfo::RLock,
                    PrimInfo::Condition { lock } => WireInfo::Condition { lock: *lock },
                    PrimInfo::Semaphore { initial, bounded } => {
                        WireInfo::Semaphore { initial: *initial, bounded: *bounded }
                    }
                    PrimInfo::Event => WireInfo::Event,
                    PrimInfo::Barrier { parties } => WireInfo::Barrier { parties: *parties },
                    PrimInfo::Queue { maxsize } => WireInfo::Queue { maxsize: *maxsize },
                    PrimInfo::Local => WireInfo::Local,
                    PrimInfo::Shared { initial } => WireInfo::Shared { initial: text(initial) },
                    PrimInfo::RwLock => WireInfo::RwLock,
                    PrimInfo::Channel { capacity } => WireInfo::Channel { capacity: *capacity },
                },
            },
            EventKind::Requested { prim, mode } => Self::Requested { prim: *prim, mode: *mode },
            EventKind::Acquired { prim, count } => Self::Acquired { prim: *prim, count: *count },
            EventKind::TryFailed { prim } => Self::TryFailed { prim: *prim },
            EventKind::TimedOut { prim } => Self::TimedOut { prim: *prim },
            EventKind::Released { prim, count } => Self::Released { prim: *prim, count: *count },
            EventKind::WaitBegin { prim, timeout_us } => Self::WaitBegin { prim: *prim, timeout_us: *timeout_us },
            EventKind::Woken { prim, notified } => Self::Woken { prim: *prim, notified: *notified },
            EventKind::Notified { prim, n, woken } => {
                Self::Notified { prim: *prim, n: *n, woken: Cow::Borrowed(woken.as_slice()) }
            }
            EventKind::Set { prim } => Self::Set { prim: *prim },
            EventKind::Clear { prim } => Self::Clear { prim: *prim },
            EventKind::Put { prim, item, qsize } => Self::Put { prim: *prim, item: text(item), qsize: *qsize },
            EventKind::Got { prim, item, qsize } => Self::Got { prim: *prim, item: text(item), qsize: *qsize },
            EventKind::TaskDone { prim, unfinished } => Self::TaskDone { prim: *prim, unfinished: *unfinished },
            EventKind::BarrierArrive { prim, index } => Self::BarrierArrive { prim: *prim, index: *index },
            EventKind::BarrierPass { prim, generation } => Self::BarrierPass { prim: *prim, generation: *generation },
            EventKind::BarrierBroken { prim } => Self::BarrierBroken { prim: *prim },
            EventKind::BarrierReset { prim } => Self::BarrierReset { prim: *prim },
            EventKind::Load { prim, value } => Self::Load { prim: *prim, value: text(value) },
            EventKind::Store { prim, value } => Self::Store { prim: *prim, value: text(value) },
            EventKind::LocalGet { prim, value } => Self::LocalGet { prim: *prim, value: value.as_deref().map(text) },
            EventKind::LocalSet { prim, value } => Self::LocalSet { prim: *prim, value: text(value) },
            EventKind::SleepBegin { duration_us } => Self::SleepBegin { duration_us: *duration_us },
            EventKind::SleepEnd => Self::SleepEnd,
            EventKind::JoinBegin { target, timeout_us } => Self::JoinBegin { target: *target, timeout_us: *timeout_us },
            EventKind::JoinEnd { target, finished } => Self::JoinEnd { target: *target, finished: *finished },
            EventKind::Log { level, message } => Self::Log { level: *level, message: text(message) },
            EventKind::Misuse { prim, message } => Self::Misuse { prim: *prim, message: text(message) },
            EventKind::Lost { events } => Self::Lost { events: *events },
            EventKind::Source { path, text: body } => Self::Source { path: text(path), text: text(body) },
            EventKind::Instruction { offset, text: body } => Self::Instruction { offset: *offset, text: text(body) },
            EventKind::Update { prim, op, read, value } => {
                Self::Update { prim: *prim, op: text(op), read: text(read), value: text(value) }
            }
            EventKind::ReadRequested { prim, mode } => Self::ReadRequested { prim: *prim, mode: *mode },
            EventKind::ReadAcquired { prim, readers } => Self::ReadAcquired { prim: *prim, readers: *readers },
            EventKind::ReadReleased { prim, readers } => Self::ReadReleased { prim: *prim, readers: *readers },
            EventKind::Poisoned { prim } => Self::Poisoned { prim: *prim },
            EventKind::PoisonCleared { prim } => Self::PoisonCleared { prim: *prim },
            EventKind::ChannelWait { prim, side, timeout_us } => {
                Self::ChannelWait { prim: *prim, side: *side, timeout_us: *timeout_us }
            }
            EventKind::Sent { prim, item, queued } => Self::Sent { prim: *prim, item: text(item), queued: *queued },
            EventKind::Received { prim, item, queued } => {
                Self::Received { prim: *prim, item: text(item), queued: *queued }
            }
            EventKind::ChannelDropped { prim, side, discarded } => {
                Self::ChannelDropped { prim: *prim, side: *side, discarded: *discarded }
            }
            EventKind::Disconnected { prim, side } => Self::Disconnected { prim: *prim, side: *side },
            EventKind::Control { control } => Self::Control {
                control: match *control {
                    Control::Pause => WireControl::Pause,
                    Control::Resume => WireControl::Resume,
                    Control::Step { thread } => WireControl::Step { thread },
                    Control::Advance { thread } => WireControl::Advance { thread },
                    Control::Speed { speed } => WireControl::Speed { speed },
                },
            },
        }
    }
}

impl From<WireKind<'_>> for EventKind {
    fn from(kind: WireKind<'_>) -> Self {
        match kind {
            WireKind::ThreadCreated { tid, name, daemon, foreign } => {
                Self::ThreadCreated { tid, name: name.into_owned(), daemon, foreign }
            }
            WireKind::ThreadStarted { tid, daemon, os_tid } => Self::ThreadStarted { tid, daemon, os_tid },
            WireKind::ThreadRenamed { tid, name } => Self::ThreadRenamed { tid, name: name.into_owned() },
            WireKind::ThreadExited { tid, exit } => Self::ThreadExited {
                tid,
                exit: match exit {
                    WireExit::Normal => ExitKind::Normal,
                    WireExit::Panicked { message } => ExitKind::Panicked { message: message.into_owned() },
                    WireExit::Killed => ExitKind::Killed,
                },
            },
            WireKind::ShutdownBegin => Self::ShutdownBegin,
            WireKind::SessionEnded => Self::SessionEnded,
            WireKind::PrimCreated { prim, name, info } => Self::PrimCreated {
                prim,
                name: name.into_owned(),
                info: match info {
                    WireInfo::Lock => PrimInfo::Lock,
                    WireInfo::RLock => PrimInfo::RLock,
                    WireInfo::Condition { lock } => PrimInfo::Condition { lock },
                    WireInfo::Semaphore { initial, bounded } => PrimInfo::Semaphore { initial, bounded },
                    WireInfo::Event => PrimInfo::Event,
                    WireInfo::Barrier { parties } => PrimInfo::Barrier { parties },
                    WireInfo::Queue { maxsize } => PrimInfo::Queue { maxsize },
                    WireInfo::Local => PrimInfo::Local,
                    WireInfo::Shared { initial } => PrimInfo::Shared { initial: initial.into_owned() },
                    WireInfo::RwLock => PrimInfo::RwLock,
                    WireInfo::Channel { capacity } => PrimInfo::Channel { capacity },
                },
            },
            WireKind::Requested { prim, mode } => Self::Requested { prim, mode },
            WireKind::Acquired { prim, count } => Self::Acquired { prim, count },
            WireKind::TryFailed { prim } => Self::TryFailed { prim },
            WireKind::TimedOut { prim } => Self::TimedOut { prim },
            WireKind::Released { prim, count } => Self::Released { prim, count },
            WireKind::WaitBegin { prim, timeout_us } => Self::WaitBegin { prim, timeout_us },
            WireKind::Woken { prim, notified } => Self::Woken { prim, notified },
            WireKind::Notified { prim, n, woken } => Self::Notified { prim, n, woken: woken.into_owned() },
            WireKind::Set { prim } => Self::Set { prim },
            WireKind::Clear { prim } => Self::Clear { prim },
            WireKind::Put { prim, item, qsize } => Self::Put { prim, item: item.into_owned(), qsize },
            WireKind::Got { prim, item, qsize } => Self::Got { prim, item: item.into_owned(), qsize },
            WireKind::TaskDone { prim, unfinished } => Self::TaskDone { prim, unfinished },
            WireKind::BarrierArrive { prim, index } => Self::BarrierArrive { prim, index },
            WireKind::BarrierPass { prim, generation } => Self::BarrierPass { prim, generation },
            WireKind::BarrierBroken { prim } => Self::BarrierBroken { prim },
            WireKind::BarrierReset { prim } => Self::BarrierReset { prim },
            WireKind::Load { prim, value } => Self::Load { prim, value: value.into_owned() },
            WireKind::Store { prim, value } => Self::Store { prim, value: value.into_owned() },
            WireKind::LocalGet { prim, value } => Self::LocalGet { prim, value: value.map(Cow::into_owned) },
            WireKind::LocalSet { prim, value } => Self::LocalSet { prim, value: value.into_owned() },
            WireKind::SleepBegin { duration_us } => Self::SleepBegin { duration_us },
            WireKind::SleepEnd => Self::SleepEnd,
            WireKind::JoinBegin { target, timeout_us } => Self::JoinBegin { target, timeout_us },
            WireKind::JoinEnd { target, finished } => Self::JoinEnd { target, finished },
            WireKind::Log { level, message } => Self::Log { level, message: message.into_owned() },
            WireKind::Misuse { prim, message } => Self::Misuse { prim, message: message.into_owned() },
            WireKind::Lost { events } => Self::Lost { events },
            WireKind::Source { path, text } => Self::Source { path: path.into_owned(), text: text.into_owned() },
            WireKind::Instruction { offset, text } => Self::Instruction { offset, text: text.into_owned() },
            WireKind::Update { prim, op, read, value } => {
                Self::Update { prim, op: op.into_owned(), read: read.into_owned(), value: value.into_owned() }
            }
            WireKind::ReadRequested { prim, mode } => Self::ReadRequested { prim, mode },
            WireKind::ReadAcquired { prim, readers } => Self::ReadAcquired { prim, readers },
            WireKind::ReadReleased { prim, readers } => Self::ReadReleased { prim, readers },
            WireKind::Poisoned { prim } => Self::Poisoned { prim },
            WireKind::PoisonCleared { prim } => Self::PoisonCleared { prim },
            WireKind::ChannelWait { prim, side, timeout_us } => Self::ChannelWait { prim, side, timeout_us },
            WireKind::Sent { prim, item, queued } => Self::Sent { prim, item: item.into_owned(), queued },
            WireKind::Received { prim, item, queued } => Self::Received { prim, item: item.into_owned(), queued },
            WireKind::ChannelDropped { prim, side, discarded } => Self::ChannelDropped { prim, side, discarded },
            WireKind::Disconnected { prim, side } => Self::Disconnected { prim, side },
            WireKind::Control { control } => Self::Control {
                control: match control {
                    WireControl::Pause => Control::Pause,
                    WireControl::Resume => Control::Resume,
                    WireControl::Step { thread } => Control::Step { thread },
                    WireControl::Advance { thread } => Control::Advance { thread },
                    WireControl::Speed { speed } => Control::Speed { speed },
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    //! The tags of the stored kinds stay where they were.

    use super::*;

    #[test]
    fn new_kinds_of_event_take_new_tags() {
        // A variant's tag is its place in `WireKind`: the kinds added last keep theirs, so that
        // the recordings written before them still read.
        let tag = |kind: &EventKind| postcard::to_allocvec(&WireKind::from(kind)).expect("encodes")[0];
        assert_eq!(tag(&EventKind::Control { control: Control::Pause }), 34);
        assert_eq!(tag(&EventKind::Lost { events: 1 }), 35);
        assert_eq!(tag(&EventKind::Source { path: String::new(), text: String::new() }), 36);
        assert_eq!(tag(&EventKind::Instruction { offset: 0, text: String::new() }), 37);
        let update = EventKind::Update { prim: 1, op: String::new(), read: String::new(), value: String::new() };
        assert_eq!(tag(&update), 38);
        assert_eq!(tag(&EventKind::ReadRequested { prim: 1, mode: WaitMode::Blocking }), 39);
        assert_eq!(tag(&EventKind::Disconnected { prim: 1, side: ChannelSide::Recv }), 48);
    }
}
