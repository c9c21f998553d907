//! A channel's instrumented core: its cell (items, senders left, the receiver), the values
//! beside it, and the send and receive every public handle of [`super`] goes through.

use std::collections::VecDeque;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use crate::event::{ChannelSide, EventKind, PrimInfo};
use crate::session::context;
use crate::session::wait::{Outcome, WaitCell, block_on};
use crate::sync::{PrimMeta, deadline_after, timeout_us};

/// What the cell knows of an item in a channel: its number and the text the events show.
/// The value itself waits beside, in the same place in [`Channel::values`].
struct Parcel {
    ticket: u64,
    text: String,
    /// On a rendezvous: its sender waits for it to be taken, and takes it back if the
    /// receiver goes first.
    sender_waits: bool,
}

/// The channel's instrumented cell. It holds no value, so that a wait on it asks nothing of
/// the items' type (std's channels carry borrowed data between scoped threads).
struct State {
    items: VecDeque<Parcel>,
    next_ticket: u64,
    /// Every ticket below this was received or discarded.
    taken_below: u64,
    senders: usize,
    receiver_alive: bool,
    /// The receiver is blocked in `recv` with nothing to take: a rendezvous `try_send` may
    /// hand it an item.
    receiver_waiting: bool,
}

impl State {
    fn queued(&self) -> u64 {
        self.items.len() as u64
    }
}

pub(super) struct Channel<T> {
    pub(super) meta: PrimMeta,
    state: Arc<WaitCell<State>>,
    /// The items' values, in the order of `State::items`: locked only with the cell held, so
    /// this lock never waits.
    values: Mutex<VecDeque<T>>,
    /// `None`: unbounded; `Some(0)`: a rendezvous.
    capacity: Option<usize>,
}

/// How long an operation may wait.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Patience {
    Forever,
    Upto(Duration),
    Never,
}

/// Why a send did not send: the value comes back.
pub(super) enum Refused<T> {
    Full(T),
    Disconnected(T),
}

/// Why a receive returned nothing.
pub(super) enum Nothing {
    Empty,
    TimedOut,
    Disconnected,
}

impl<T> Channel<T> {
    pub(super) fn create(capacity: Option<usize>, loc: &'static Location<'static>) -> Arc<Self> {
        let info = PrimInfo::Channel { capacity: capacity.map(|capacity| capacity as u64) };
        let meta = PrimMeta::new("Channel", None, info, loc);
        let state = WaitCell::new(State {
            items: VecDeque::new(),
            next_ticket: 0,
            taken_below: 0,
            senders: 1,
            receiver_alive: true,
            receiver_waiting: false,
        });
        Arc::new(Self { meta, state, values: Mutex::new(VecDeque::new()), capacity })
    }

    fn has_room(&self, state: &State) -> bool {
        self.capacity.is_none_or(|capacity| state.items.len() < capacity)
    }

    pub(super) fn send(&self, value: T, patience: Patience, loc: &'static Location<'static>) -> Result<(), Refused<T>> {
        let meta = &self.meta;
        meta.session.enter_gate(loc);
        let mut state = self.state.lock();
        let rendezvous = self.capacity == Some(0);
        loop {
            if !state.receiver_alive {
                meta.emit(loc, |prim| EventKind::Disconnected { prim, side: ChannelSide::Send });
                return Err(Refused::Disconnected(value));
            }
            // A rendezvous takes an offer from a blocking send at once; a `try_send` only when
            // the receiver waits with nothing else to take.
            let room = if rendezvous {
                patience != Patience::Never || (state.receiver_waiting && state.items.is_empty())
            } else {
                self.has_room(&state)
            };
            if room {
                break;
            }
            if patience == Patience::Never {
                meta.emit(loc, |prim| EventKind::TryFailed { prim });
                return Err(Refused::Full(value));
            }
            meta.emit(loc, |prim| EventKind::ChannelWait { prim, side: ChannelSide::Send, timeout_us: None });
            let outcome =
                block_on(&self.state, &mut state, None, |state| !state.receiver_alive || self.has_room(state));
            if outcome == Outcome::Killed {
                drop(state);
                context::die();
            }
        }
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        let text = item_text::<T>(ticket);
        let sender_waits = rendezvous && patience != Patience::Never;
        let queued = state.queued() + 1;
        meta.emit(loc, |prim| EventKind::Sent { prim, item: text.clone(), queued });
        state.items.push_back(Parcel { ticket, text, sender_waits });
        self.values.lock().push_back(value);
        self.state.notify_all();
        if sender_waits {
            meta.emit(loc, |prim| EventKind::ChannelWait { prim, side: ChannelSide::Send, timeout_us: None });
            let outcome =
                block_on(&self.state, &mut state, None, |state| state.taken_below > ticket || !state.receiver_alive);
            if outcome == Outcome::Killed {
                drop(state);
                context::die();
            }
            if state.taken_below <= ticket
                && let Some(at) = state.items.iter().position(|parcel| parcel.ticket == ticket)
                && let Some(value) = self.values.lock().remove(at)
            {
                // The receiver went before taking it: it comes back.
                state.items.remove(at);
                meta.emit(loc, |prim| EventKind::Disconnected { prim, side: ChannelSide::Send });
                return Err(Refused::Disconnected(value));
            }
            meta.emit(loc, |prim| EventKind::Woken { prim, notified: true });
        }
        drop(state);
        meta.session.leave_gate();
        Ok(())
    }

    pub(super) fn recv(&self, patience: Patience, loc: &'static Location<'static>) -> Result<T, Nothing> {
        let meta = &self.meta;
        meta.session.enter_gate(loc);
        let mut state = self.state.lock();
        let deadline = match patience {
            Patience::Upto(timeout) => deadline_after(timeout),
            Patience::Forever | Patience::Never => None,
        };
        loop {
            if let Some(parcel) = state.items.pop_front()
                && let Some(value) = self.values.lock().pop_front()
            {
                state.taken_below = parcel.ticket + 1;
                let queued = state.queued();
                meta.emit(loc, |prim| EventKind::Received { prim, item: parcel.text, queued });
                self.state.notify_all();
                drop(state);
                meta.session.leave_gate();
                return Ok(value);
            }
            if state.senders == 0 {
                meta.emit(loc, |prim| EventKind::Disconnected { prim, side: ChannelSide::Recv });
                return Err(Nothing::Disconnected);
            }
            if patience == Patience::Never {
                meta.emit(loc, |prim| EventKind::TryFailed { prim });
                return Err(Nothing::Empty);
            }
            let timeout = match patience {
                Patience::Upto(timeout) => timeout_us(Some(timeout)),
                Patience::Forever | Patience::Never => None,
            };
            meta.emit(loc, |prim| EventKind::ChannelWait { prim, side: ChannelSide::Recv, timeout_us: timeout });
            state.receiver_waiting = true;
            let outcome =
                block_on(&self.state, &mut state, deadline, |state| !state.items.is_empty() || state.senders == 0);
            state.receiver_waiting = false;
            match outcome {
                Outcome::Ready => {}
                Outcome::TimedOut => {
                    meta.emit(loc, |prim| EventKind::TimedOut { prim });
                    return Err(Nothing::TimedOut);
                }
                Outcome::Killed => {
                    drop(state);
                    context::die();
                }
            }
        }
    }

    pub(super) fn add_sender(&self) {
        self.state.lock().senders += 1;
    }

    /// A sender is dropped; the last one disconnects the channel and wakes a waiting receiver.
    pub(super) fn drop_sender(&self) {
        let meta = &self.meta;
        meta.session.enter_gate_at(|| None);
        let mut state = self.state.lock();
        state.senders -= 1;
        if state.senders == 0 {
            let dropped = EventKind::ChannelDropped { prim: meta.pid, side: ChannelSide::Send, discarded: 0 };
            meta.session.emit(None, || dropped);
            self.state.notify_all();
        }
    }

    /// The receiver is dropped: the channel is disconnected, its items are dropped (after the
    /// cell is let go, since dropping one may use this channel) but those of senders waiting
    /// on a rendezvous, which take theirs back.
    pub(super) fn drop_receiver(&self) {
        let meta = &self.meta;
        meta.session.enter_gate_at(|| None);
        let mut state = self.state.lock();
        state.receiver_alive = false;
        let discarded = state.queued();
        let mut values = self.values.lock();
        let mut dropped = Vec::new();
        let (mut kept_items, mut kept_values) = (VecDeque::new(), VecDeque::new());
        for (parcel, value) in std::mem::take(&mut state.items).into_iter().zip(std::mem::take(&mut *values)) {
            if parcel.sender_waits {
                kept_items.push_back(parcel);
                kept_values.push_back(value);
            } else {
                dropped.push(value);
            }
        }
        (state.items, *values) = (kept_items, kept_values);
        drop(values);
        let kind = EventKind::ChannelDropped { prim: meta.pid, side: ChannelSide::Recv, discarded };
        meta.session.emit(None, || kind);
        self.state.notify_all();
        drop(state);
        drop(dropped);
    }
}

/// An item's text in the events: its type, without module paths, and its number in the
/// channel from 1 (`u32 #1`, `Vec<String> #2`).
fn item_text<T>(ticket: u64) -> String {
    let mut short = String::new();
    let mut word = String::new();
    let mut rest = std::any::type_name::<T>();
    while let Some(char) = rest.chars().next() {
        rest = &rest[char.len_utf8()..];
        if char.is_alphanumeric() || char == '_' {
            word.push(char);
        } else if char == ':' && rest.starts_with(':') {
            // A path's leading segment: dropped with its `::`.
            rest = &rest[1..];
            word.clear();
        } else {
            short.push_str(&word);
            word.clear();
            short.push(char);
        }
    }
    short.push_str(&word);
    format!("{short} #{}", ticket + 1)
}

#[cfg(test)]
mod tests {
    //! Items' text.

    use super::item_text;

    #[test]
    fn an_item_is_its_type_without_paths_and_its_number() {
        assert_eq!(item_text::<u32>(0), "u32 #1");
        assert_eq!(item_text::<Vec<String>>(1), "Vec<String> #2");
        assert_eq!(item_text::<Box<dyn FnOnce() + Send>>(2), "Box<dyn FnOnce() + Send> #3");
        assert_eq!(item_text::<(i32, &str)>(3), "(i32, &str) #4");
    }
}
