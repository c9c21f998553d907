//! `park` and `unpark`: each thread's park token, a threadviz primitive of its own
//! (`park(Thread-2)`, shown as an event that is set while the token waits to be taken), made
//! at the thread's first `park` or `unpark`.

use std::cell::RefCell;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use super::Thread;
use crate::event::{EventKind, PrimInfo};
use crate::session::context;
use crate::session::wait::{Outcome, WaitCell, block_on};
use crate::sync::{PrimMeta, deadline_after, timeout_us};

/// A thread's park token, registered as a primitive when it is first used.
#[derive(Default)]
pub(super) struct Parker {
    token: parking_lot::Mutex<Option<Arc<Token>>>,
}

struct Token {
    /// Whether an `unpark` left the token for the next `park`.
    ready: Arc<WaitCell<bool>>,
    meta: PrimMeta,
}

impl Parker {
    fn token(&self, owner: &crate::thread::Thread, loc: &'static Location<'static>) -> Arc<Token> {
        let mut token = self.token.lock();
        token
            .get_or_insert_with(|| {
                let name = format!("park({})", owner.name());
                let meta = PrimMeta::new("Parker", Some(name), PrimInfo::Event, loc);
                Arc::new(Token { ready: WaitCell::new(false), meta })
            })
            .clone()
    }

    /// Leaves the token for the owner's next `park`, and wakes it if it is parked.
    pub(super) fn unpark(&self, owner: &crate::thread::Thread, loc: &'static Location<'static>) {
        let token = self.token(owner, loc);
        token.meta.session.enter_gate(loc);
        let mut ready = token.ready.lock();
        *ready = true;
        token.meta.emit(loc, |prim| EventKind::Set { prim });
        token.ready.notify_all();
    }

    /// Takes the token, waiting for it at most `timeout` (None: as long as it takes).
    fn park(&self, owner: &crate::thread::Thread, timeout: Option<Duration>, loc: &'static Location<'static>) {
        let token = self.token(owner, loc);
        let session = &token.meta.session;
        session.enter_gate(loc);
        let mut ready = token.ready.lock();
        token.meta.emit(loc, |prim| EventKind::WaitBegin { prim, timeout_us: timeout_us(timeout) });
        let deadline = timeout.and_then(deadline_after);
        let outcome = block_on(&token.ready, &mut ready, deadline, |ready| *ready);
        if outcome == Outcome::Killed {
            drop(ready);
            context::die();
        }
        let notified = outcome == Outcome::Ready;
        token.meta.emit(loc, |prim| EventKind::Woken { prim, notified });
        if notified {
            *ready = false;
            token.meta.emit(loc, |prim| EventKind::Clear { prim });
        }
        drop(ready);
        session.leave_gate();
    }
}

thread_local! {
    /// The calling thread's std handle, for `current()` and `park()` to find the same name and
    /// token: set when a `threadviz::std` thread starts, made on first use otherwise.
    static OWN: RefCell<Option<Thread>> = const { RefCell::new(None) };
}

/// A thread spawned by `threadviz::std` starts: its handle is the one its `JoinHandle` has.
/// `None` when it ends: its OS thread may run another thread next.
pub(super) fn adopt(thread: Option<Thread>) {
    let _ = OWN.try_with(|own| *own.borrow_mut() = thread);
}

/// The calling thread's handle. An OS thread that runs several sessions in turn (a test that
/// explores) is a new threadviz thread in each, and gets a new handle.
pub(super) fn own() -> Thread {
    let handle = crate::thread::current_thread();
    let known = OWN.try_with(|own| own.borrow().clone().filter(|thread| thread.handle == handle)).ok().flatten();
    known.unwrap_or_else(|| {
        let name = handle.is_main().then(|| Arc::from("main"));
        let thread = Thread::new(handle, name);
        adopt(Some(thread.clone()));
        thread
    })
}

/// Blocks until the calling thread's token is given ([`Thread::unpark`]), and takes it; at
/// once when it was given already. Unlike std's, it never returns spuriously.
#[track_caller]
pub fn park() {
    let me = own();
    me.parker.park(&me.handle, None, Location::caller());
}

/// [`park`], for at most `timeout` of demo time.
#[track_caller]
pub fn park_timeout(timeout: Duration) {
    let me = own();
    me.parker.park(&me.handle, Some(timeout), Location::caller());
}
