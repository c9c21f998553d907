//! `mpsc`: std's channels (`channel`, `sync_channel`), whose every send, receive, wait and
//! disconnection threadviz sees, steps and explores.
//!
//! A channel is one instrumented cell: its items, how many senders are left, whether the
//! receiver is there, and every wait goes through threadviz's one way of blocking. A
//! rendezvous (`sync_channel(0)`) offers each item in the channel and its sender waits until
//! the receiver takes it, so `try_recv` finds an item exactly when a sender is blocked
//! offering one, as in std.
//!
//! Items are shown by their type and their number in the channel (`u32 #3`, the third item
//! sent): std's channels ask nothing of their items, not even `Debug`, and neither do these,
//! so a program keeps compiling with its imports swapped.

mod error;
mod inner;

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

pub use self::error::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};
use self::inner::{Channel, Nothing, Patience, Refused};

/// A new unbounded channel: sends never wait. std's `mpsc::channel`.
#[track_caller]
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let channel = Channel::create(None, Location::caller());
    (Sender { channel: channel.clone() }, Receiver { channel, not_sync: PhantomData })
}

/// A new channel holding at most `bound` items: a send waits while it is full, and with
/// `bound` 0 (a rendezvous) until the receiver takes its item. std's `mpsc::sync_channel`.
#[track_caller]
pub fn sync_channel<T>(bound: usize) -> (SyncSender<T>, Receiver<T>) {
    let channel = Channel::create(Some(bound), Location::caller());
    (SyncSender { channel: channel.clone() }, Receiver { channel, not_sync: PhantomData })
}

/// The sending half of [`channel`]: cloned for each sending thread.
pub struct Sender<T> {
    channel: Arc<Channel<T>>,
}

impl<T> Sender<T> {
    /// Sends `value` without waiting; hands it back if the receiver is gone.
    #[track_caller]
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.channel.send(value, Patience::Forever, Location::caller()).map_err(|refused| match refused {
            Refused::Full(value) | Refused::Disconnected(value) => SendError(value),
        })
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.channel.add_sender();
        Self { channel: self.channel.clone() }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.channel.drop_sender();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").field("channel", &self.channel.meta.name).finish_non_exhaustive()
    }
}

/// The sending half of [`sync_channel`]: cloned for each sending thread.
pub struct SyncSender<T> {
    channel: Arc<Channel<T>>,
}

impl<T> SyncSender<T> {
    /// Sends `value`, waiting while the channel is full (on a rendezvous, until the receiver
    /// takes it); hands it back if the receiver is gone.
    #[track_caller]
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.channel.send(value, Patience::Forever, Location::caller()).map_err(|refused| match refused {
            Refused::Full(value) | Refused::Disconnected(value) => SendError(value),
        })
    }

    /// Sends `value` if that needs no wait (on a rendezvous: the receiver waits for it).
    #[track_caller]
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.channel.send(value, Patience::Never, Location::caller()).map_err(|refused| match refused {
            Refused::Full(value) => TrySendError::Full(value),
            Refused::Disconnected(value) => TrySendError::Disconnected(value),
        })
    }
}

impl<T> Clone for SyncSender<T> {
    fn clone(&self) -> Self {
        self.channel.add_sender();
        Self { channel: self.channel.clone() }
    }
}

impl<T> Drop for SyncSender<T> {
    fn drop(&mut self) {
        self.channel.drop_sender();
    }
}

impl<T> fmt::Debug for SyncSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncSender").field("channel", &self.channel.meta.name).finish_non_exhaustive()
    }
}

/// The receiving half of a channel: one thread receives at a time (it is `Send`, not `Sync`,
/// as std's is).
pub struct Receiver<T> {
    channel: Arc<Channel<T>>,
    not_sync: PhantomData<Cell<()>>,
}

impl<T> Receiver<T> {
    /// Takes the oldest item, waiting while the channel is empty; an error once it is empty
    /// and every sender is gone.
    #[track_caller]
    pub fn recv(&self) -> Result<T, RecvError> {
        self.channel.recv(Patience::Forever, Location::caller()).map_err(|_| RecvError)
    }

    /// Takes the oldest item if there is one now.
    #[track_caller]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.channel.recv(Patience::Never, Location::caller()).map_err(|nothing| match nothing {
            Nothing::Disconnected => TryRecvError::Disconnected,
            Nothing::Empty | Nothing::TimedOut => TryRecvError::Empty,
        })
    }

    /// Takes the oldest item, waiting at most `timeout` (demo time).
    #[track_caller]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.channel.recv(Patience::Upto(timeout), Location::caller()).map_err(|nothing| match nothing {
            Nothing::Disconnected => RecvTimeoutError::Disconnected,
            Nothing::Empty | Nothing::TimedOut => RecvTimeoutError::Timeout,
        })
    }

    /// The items as they come, waiting for each; ends once every sender is gone.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { receiver: self }
    }

    /// The items there are now, without waiting.
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter { receiver: self }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.channel.drop_receiver();
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").field("channel", &self.channel.meta.name).finish_non_exhaustive()
    }
}

/// [`Receiver::iter`]: waits for each item, ends at disconnection.
#[derive(Debug)]
pub struct Iter<'a, T> {
    receiver: &'a Receiver<T>,
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;

    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.receiver.recv().ok()
    }
}

/// [`Receiver::try_iter`]: the items there now.
#[derive(Debug)]
pub struct TryIter<'a, T> {
    receiver: &'a Receiver<T>,
}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;

    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.receiver.try_recv().ok()
    }
}

/// A receiver turned into an iterator: waits for each item, ends at disconnection.
#[derive(Debug)]
pub struct IntoIter<T> {
    receiver: Receiver<T>,
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;

    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.receiver.recv().ok()
    }
}

impl<T> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    fn into_iter(self) -> IntoIter<T> {
        IntoIter { receiver: self }
    }
}

impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}
