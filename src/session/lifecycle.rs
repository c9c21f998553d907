//! A thread's life in its session: created, adopted when threadviz did not start it, ended
//! (returned, panicked or killed), and the session's end as Python's: the main function
//! returns, non-daemon threads are waited for, daemons are killed.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe, Location};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::registry::{DefaultName, Life, ThreadRecord};
use super::{By, SHUTDOWN, SessionInner, capture, context, emit};
use crate::event::{EventKind, ExitKind, SourceLoc, Tid};

/// How a thread's function ended, as its exit: returned, unwound because the session killed it
/// (a daemon at shutdown, or any thread on abort), or panicked with a message.
pub(crate) fn exit_of<R>(result: &std::thread::Result<R>) -> ExitKind {
    match result {
        Ok(_) => ExitKind::Normal,
        Err(payload) if payload.is::<context::Killed>() => ExitKind::Killed,
        Err(payload) => ExitKind::Panicked { message: panic_message(payload.as_ref()) },
    }
}

/// The message of a panic payload, as a thread's end reports it.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "Box<dyn Any>".to_owned()
    }
}

impl SessionInner {
    /// Runs `main` on the calling OS thread as the session's `MainThread` (see
    /// [`Session::run`](super::Session::run)), then shuts down.
    pub(super) fn run_main<R>(&self, main: impl FnOnce() -> R) -> R {
        let record = self.main_thread().expect("a session that has not run has its main thread");
        record.set_ident(context::ident());
        record.note_os_thread();
        self.registry.add_alive(record.clone());
        let tid = record.tid;
        self.emit_direct(By::Thread(tid), None, || EventKind::ThreadCreated {
            tid,
            name: record.name(),
            daemon: false,
            foreign: false,
        });
        self.emit_direct(By::Thread(tid), None, || EventKind::ThreadStarted {
            tid,
            daemon: false,
            os_tid: crate::kernel::current_os_tid(),
        });
        let previous = context::bind(Some(record.clone()));
        let dispatch = capture::capture_dispatch();
        // The main thread's `threadviz::std::thread_local!` values are destroyed when `main`
        // returns, before the other threads are waited for: the next session run on this OS
        // thread (an explored run's) starts with none.
        let (result, destroyed) = tracing::dispatcher::with_default(&dispatch, || {
            let locals = context::locals::ThreadLocals::begin();
            let result = panic::catch_unwind(AssertUnwindSafe(main));
            (result, locals.end())
        });
        let exit = if result.is_ok() { exit_of(&destroyed) } else { exit_of(&result) };
        self.shutdown(&record, exit);
        emit::release_thread_ring();
        context::bind(previous);
        // Break the session <-> main record cycle now that nothing runs.
        self.main.lock().take();
        match result {
            Ok(value) => value,
            Err(payload) => panic::resume_unwind(payload),
        }
    }

    /// A new, unstarted thread record.
    pub(crate) fn create_thread(
        self: &Arc<Self>,
        name: Option<String>,
        daemon: bool,
        loc: &'static Location<'static>,
    ) -> Arc<ThreadRecord> {
        let (tid, name) = self.registry.allocate(name, DefaultName::Thread);
        let record = Arc::new(ThreadRecord::new(self.clone(), tid, name.clone(), daemon, false, Life::Created));
        let loc = Some(SourceLoc::from_location(loc));
        self.emit_direct(By::Caller, loc, || EventKind::ThreadCreated { tid, name, daemon, foreign: false });
        record
    }

    /// A record for an OS thread threadviz did not start: the process's main thread becomes
    /// `MainThread`, any other a daemonic `Dummy-N`, as in Python.
    pub(crate) fn adopt_current_os_thread(self: &Arc<Self>) -> Arc<ThreadRecord> {
        let is_main = context::is_process_main_thread();
        if is_main
            && !self.main_bound.swap(true, Ordering::SeqCst)
            && let Some(main) = self.main.lock().clone()
        {
            main.set_ident(context::ident());
            main.note_os_thread();
            return main;
        }
        let (tid, name) = self.registry.allocate(None, DefaultName::Dummy);
        let record = Arc::new(ThreadRecord::new(self.clone(), tid, name.clone(), true, true, Life::Started));
        record.set_ident(context::ident());
        record.note_os_thread();
        self.registry.add_alive(record.clone());
        self.emit_direct(By::Thread(tid), None, || EventKind::ThreadCreated { tid, name, daemon: true, foreign: true });
        self.emit_direct(By::Thread(tid), None, || EventKind::ThreadStarted {
            tid,
            daemon: true,
            os_tid: crate::kernel::current_os_tid(),
        });
        record
    }

    pub(crate) fn foreign_thread_ended(&self, record: &ThreadRecord) {
        if record.foreign && record.begin_ending() {
            self.emit_direct(By::Thread(record.tid), None, || EventKind::ThreadExited {
                tid: record.tid,
                exit: ExitKind::Normal,
            });
            self.registry.remove_finished(record, ExitKind::Normal);
        }
    }

    /// A thread's target returned, panicked or was killed.
    pub(crate) fn thread_ended(&self, record: &ThreadRecord, exit: ExitKind) {
        if exit != ExitKind::Killed && record.begin_ending() {
            self.emit_direct(By::Thread(record.tid), None, || EventKind::ThreadExited {
                tid: record.tid,
                exit: exit.clone(),
            });
            self.registry.remove_finished(record, exit);
        } else {
            self.registry.remove_alive(record.tid);
        }
        self.gate.note_stopped(record.tid);
        // Told last: a thread that ends without an operation has ended by the time its
        // starter goes on, its joiners told.
        record.yielded();
    }

    pub(crate) fn main_thread(&self) -> Option<Arc<ThreadRecord>> {
        self.main.lock().clone()
    }

    /// Python's shutdown: wait for the non-daemon threads, then stop the daemons.
    fn shutdown(&self, main: &ThreadRecord, exit: ExitKind) {
        let aborted = self.flags() & SHUTDOWN != 0;
        if !aborted {
            self.emit_direct(By::Thread(main.tid), None, || EventKind::ShutdownBegin);
            // The main thread now waits outside the gate: a step that brought it here is over.
            self.shutting_down.store(true, Ordering::SeqCst);
            self.gate.note_stopped(main.tid);
            self.registry.wait_non_daemons(main.tid);
            self.set_flag(SHUTDOWN, true);
        }
        self.kill_all(Some(main.tid));
        if main.begin_ending() {
            self.emit_direct(By::Thread(main.tid), None, || EventKind::ThreadExited {
                tid: main.tid,
                exit: exit.clone(),
            });
            self.registry.remove_finished(main, exit);
        } else {
            self.registry.remove_alive(main.tid);
        }
        // Losses still untold (a thread ended in the middle of a burst) before the end: nothing
        // is delivered after it.
        self.emitter.tell_untold_losses();
        self.emit_direct(By::Thread(main.tid), None, || EventKind::SessionEnded);
        self.close_subscriptions();
    }

    /// Marks every live thread threadviz started (but `spare`) killed, reports it, wakes it.
    fn kill_all(&self, spare: Option<Tid>) {
        for record in self.registry.alive() {
            if Some(record.tid) != spare && !record.foreign && record.kill() {
                self.emit_direct(By::Thread(record.tid), None, || EventKind::ThreadExited {
                    tid: record.tid,
                    exit: ExitKind::Killed,
                });
                if Some(record.tid) != self.main.lock().as_ref().map(|main| main.tid) {
                    self.registry.remove_alive(record.tid);
                }
            }
        }
        self.gate.wake_all();
    }

    /// Stops every thread of the session, the main thread included, at its next operation.
    pub(super) fn abort(&self) {
        self.set_flag(SHUTDOWN, true);
        self.kill_all(None);
    }
}
