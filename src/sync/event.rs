//! `Event`: Python's event, a flag that threads wait for.

use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use super::{PrimMeta, deadline_after, timeout_us};
use crate::event::{EventKind, PrimInfo};
use crate::session::context;
use crate::session::wait::{Outcome, WaitCell, block_on};

#[derive(Debug, Default)]
struct Flag {
    set: bool,
    /// Counts `set()` calls, so a waiter woken by a set returns true even if a clear follows.
    generation: u64,
}

struct EventInner {
    flag: Arc<WaitCell<Flag>>,
    meta: PrimMeta,
}

/// Python's `threading.Event`: `set` raises the flag and wakes every waiter, `clear` lowers
/// it, `wait` blocks while it is down.
///
/// ```
/// let event = threadviz::sync::Event::new();
/// assert!(!event.wait_timeout(std::time::Duration::from_millis(1)));
/// event.set();
/// assert!(event.wait_timeout(std::time::Duration::from_millis(1)));
/// ```
#[derive(Clone)]
pub struct Event {
    inner: Arc<EventInner>,
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.is_set() { "set" } else { "unset" };
        write!(f, "<Event {} {state}>", self.inner.meta.name)
    }
}

impl Default for Event {
    #[track_caller]
    fn default() -> Self {
        Self::named_at_opt(None, Location::caller())
    }
}

impl Event {
    /// A new event with its flag down, named `Event-N`.
    #[track_caller]
    #[must_use]
    pub fn new() -> Self {
        Self::named_at_opt(None, Location::caller())
    }

    /// A new named event.
    #[track_caller]
    #[must_use]
    pub fn named(name: impl Into<String>) -> Self {
        Self::named_at_opt(Some(name.into()), Location::caller())
    }

    pub(crate) fn named_at(name: impl Into<String>, loc: &'static Location<'static>) -> Self {
        Self::named_at_opt(Some(name.into()), loc)
    }

    fn named_at_opt(name: Option<String>, loc: &'static Location<'static>) -> Self {
        let meta = PrimMeta::new("Event", name, PrimInfo::Event, loc);
        Self { inner: Arc::new(EventInner { flag: WaitCell::new(Flag::default()), meta }) }
    }

    /// Raises the flag and wakes every waiter.
    #[track_caller]
    pub fn set(&self) {
        let inner = &*self.inner;
        inner.meta.session.enter_gate(Location::caller());
        let mut flag = inner.flag.lock();
        flag.set = true;
        flag.generation += 1;
        inner.meta.emit(Location::caller(), |prim| EventKind::Set { prim });
        inner.flag.notify_all();
    }

    /// Lowers the flag.
    #[track_caller]
    pub fn clear(&self) {
        let inner = &*self.inner;
        inner.meta.session.enter_gate(Location::caller());
        let mut flag = inner.flag.lock();
        flag.set = false;
        inner.meta.emit(Location::caller(), |prim| EventKind::Clear { prim });
    }

    /// Whether the flag is up.
    #[must_use]
    pub fn is_set(&self) -> bool {
        self.inner.flag.lock().set
    }

    /// Blocks until the flag is up; returns true.
    #[track_caller]
    pub fn wait(&self) -> bool {
        self.wait_at(None, Location::caller())
    }

    /// Blocks until the flag is up or `timeout` (demo time) passes; the flag's state then
    /// (true if a `set` woke the thread, even if a `clear` followed at once).
    #[track_caller]
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.wait_at(Some(timeout), Location::caller())
    }

    fn wait_at(&self, timeout: Option<Duration>, loc: &'static Location<'static>) -> bool {
        let inner = &*self.inner;
        inner.meta.session.enter_gate(loc);
        let mut flag = inner.flag.lock();
        inner.meta.emit(loc, |prim| EventKind::WaitBegin { prim, timeout_us: timeout_us(timeout) });
        let generation = flag.generation;
        let deadline = timeout.and_then(deadline_after);
        let outcome = block_on(&inner.flag, &mut flag, deadline, |flag| flag.set || flag.generation != generation);
        if outcome == Outcome::Killed {
            drop(flag);
            context::die();
        }
        let notified = outcome == Outcome::Ready;
        inner.meta.emit(loc, |prim| EventKind::Woken { prim, notified });
        drop(flag);
        inner.meta.session.leave_gate();
        notified
    }

    /// The display name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.inner.meta.name
    }
}
