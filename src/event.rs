//! The event type: one record per state change, sent from the primitives to every subscriber.
//!
//! Events are the only thing the model and the view ever see, and they are what recordings
//! store, so each carries everything needed to replay it: a gap-free sequence number, the
//! session's demo time, the acting thread, the caller's source line and what happened.
//!
//! This module holds the record itself, its numbers and its source line; what happened is
//! [`EventKind`] (`kind.rs`), the values its fields take (`fields.rs`).

mod fields;
mod kind;

use std::borrow::Cow;
use std::panic::Location;

use serde::{Deserialize, Serialize};

pub use self::fields::{ChannelSide, Control, ExitKind, LogLevel, PrimInfo, WaitMode};
pub use self::kind::EventKind;

/// A thread's number inside its session: 1 is `MainThread`, then one per thread in creation order.
/// 0 stands for a thread that belongs to another session.
pub type Tid = u32;

/// A primitive's number inside its session, in creation order from 1.
pub type PrimId = u32;

/// Where in the source an operation was called.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SourceLoc {
    /// Path of the source file as the compiler saw it.
    pub file: Cow<'static, str>,
    /// One-based line number.
    pub line: u32,
}

impl SourceLoc {
    /// The location of a `#[track_caller]` caller.
    #[must_use]
    pub fn from_location(location: &'static Location<'static>) -> Self {
        Self { file: Cow::Borrowed(location.file()), line: location.line() }
    }
}

/// One state change, as delivered to subscribers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceEvent {
    /// Gap-free number within the session, from 0; a gap means a lossy subscriber dropped events.
    pub seq: u64,
    /// Demo time in microseconds: stops while paused, scales with the speed.
    pub time_us: u64,
    /// The thread that performed the operation.
    pub thread: Tid,
    /// The caller's source line, when the operation has one.
    pub loc: Option<SourceLoc>,
    /// What happened.
    pub kind: EventKind,
}

/// Demo microseconds of a duration, saturating.
#[must_use]
pub fn micros(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    //! Events in JSON and the primitive each concerns.

    use super::*;

    #[test]
    fn events_round_trip_through_json() {
        let event = TraceEvent {
            seq: 7,
            time_us: 1_500,
            thread: 2,
            loc: Some(SourceLoc { file: "demos/lock.rs".into(), line: 12 }),
            kind: EventKind::Notified { prim: 3, n: 2, woken: vec![4, 5] },
        };
        let json = serde_json::to_string(&event).expect("serialises");
        assert!(json.contains(r#""kind":"notified""#), "{json}");
        let back: TraceEvent = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, event);
    }

    #[test]
    fn the_os_thread_id_is_optional_in_json() {
        let started = EventKind::ThreadStarted { tid: 2, daemon: false, os_tid: Some(4242) };
        let json = serde_json::to_string(&started).expect("serialises");
        assert_eq!(json, r#"{"kind":"thread_started","tid":2,"daemon":false,"os_tid":4242}"#);
        assert_eq!(serde_json::from_str::<EventKind>(&json).expect("parses"), started);
        // Written where the OS does not tell, or before the field existed.
        let without: EventKind =
            serde_json::from_str(r#"{"kind":"thread_started","tid":2,"daemon":true}"#).expect("parses");
        assert_eq!(without, EventKind::ThreadStarted { tid: 2, daemon: true, os_tid: None });
        let json = serde_json::to_string(&without).expect("serialises");
        assert!(!json.contains("os_tid"), "{json}");
    }

    #[test]
    fn an_instruction_reads_as_the_hook_writes_it() {
        let json = r#"{"kind":"instruction","offset":10,"text":"STORE_GLOBAL balance ← 6"}"#;
        let instruction = EventKind::Instruction { offset: 10, text: "STORE_GLOBAL balance ← 6".into() };
        assert_eq!(serde_json::from_str::<EventKind>(json).expect("parses"), instruction);
        assert_eq!(serde_json::to_string(&instruction).expect("serialises"), json);
        assert!(!instruction.is_lifecycle(), "a lossy viewer may drop instructions");
        assert_eq!(instruction.prim(), None, "its load or store names the variable");
    }

    #[test]
    fn a_read_modify_write_reads_as_one_event_in_json() {
        let update = EventKind::Update { prim: 4, op: "fetch_add(1)".into(), read: "1".into(), value: "2".into() };
        let json = serde_json::to_string(&update).expect("serialises");
        assert_eq!(json, r#"{"kind":"update","prim":4,"op":"fetch_add(1)","read":"1","value":"2"}"#);
        assert_eq!(serde_json::from_str::<EventKind>(&json).expect("parses"), update);
        assert_eq!(update.prim(), Some(4));
        assert!(!update.is_lifecycle());
    }

    #[test]
    fn a_channel_event_names_its_side_in_json() {
        let wait = EventKind::ChannelWait { prim: 4, side: ChannelSide::Send, timeout_us: None };
        let json = serde_json::to_string(&wait).expect("serialises");
        assert_eq!(json, r#"{"kind":"channel_wait","prim":4,"side":"send","timeout_us":null}"#);
        assert_eq!(serde_json::from_str::<EventKind>(&json).expect("parses"), wait);
        assert_eq!(wait.prim(), Some(4));
        let info = serde_json::to_string(&PrimInfo::Channel { capacity: Some(0) }).expect("serialises");
        assert_eq!(info, r#"{"type":"channel","capacity":0}"#);
    }

    #[test]
    fn prim_names_the_primitive_an_event_concerns() {
        assert_eq!(EventKind::Set { prim: 9 }.prim(), Some(9));
        assert_eq!(EventKind::SleepEnd.prim(), None);
        assert_eq!(EventKind::Misuse { prim: None, message: String::new() }.prim(), None);
    }
}
