//! Logging: a `tracing` layer that turns each log record into a log event of the current
//! threadviz thread, and the plain printer that writes `(ThreadName) message` lines like the
//! tutorials' `(%(threadName)-10s) %(message)s`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use crossbeam_channel::Receiver;
use tracing::field::{Field, Visit};
use tracing::{Dispatch, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};

use crate::event::{EventKind, ExitKind, LogLevel, SourceLoc, Tid, TraceEvent};
use crate::session::{GATED, SHUTDOWN, SessionInner, context};

/// Turns `tracing` events into threadviz log events of the calling thread's session. Each log
/// line is one operation: it stops at the pause gate like any other.
#[derive(Debug, Default, Clone, Copy)]
pub struct CaptureLayer;

#[derive(Default)]
struct MessageVisitor {
    message: String,
    fields: String,
}

impl Visit for MessageVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.fields, " {}={value}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }
}

fn level_of(level: Level) -> LogLevel {
    match level {
        Level::TRACE => LogLevel::Trace,
        Level::DEBUG => LogLevel::Debug,
        Level::INFO => LogLevel::Info,
        Level::WARN => LogLevel::Warn,
        Level::ERROR => LogLevel::Error,
    }
}

impl<S: Subscriber> Layer<S> for CaptureLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let thread = context::current();
        let session = &thread.session;
        if session.flags() & (GATED | SHUTDOWN) != 0 {
            SessionInner::enter_op();
        }
        if !session.listening() {
            return;
        }
        let mut visitor = MessageVisitor::default();
        event.record(&mut visitor);
        let metadata = event.metadata();
        let loc =
            metadata.file().map(|file| SourceLoc { file: Cow::Borrowed(file), line: metadata.line().unwrap_or(0) });
        let message = visitor.message + &visitor.fields;
        session.emit_as(thread.tid, loc, EventKind::Log { level: level_of(*metadata.level()), message });
    }
}

/// A dispatcher that captures every log record into the session (used by `Session::run`).
#[must_use]
pub fn capture_dispatch() -> Dispatch {
    Dispatch::new(tracing_subscriber::registry().with(CaptureLayer))
}

/// Turns events into the lines plain mode prints. Pure: it only remembers thread names.
#[derive(Debug, Default)]
pub struct PlainPrinter {
    names: HashMap<Tid, String>,
}

impl PlainPrinter {
    /// A printer that knows no thread yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn name(&self, tid: Tid) -> &str {
        self.names.get(&tid).map_or("?", String::as_str)
    }

    /// The line to print for `event`, if any: log lines and uncaught panics.
    pub fn line(&mut self, event: &TraceEvent) -> Option<String> {
        match &event.kind {
            EventKind::ThreadCreated { tid, name, .. } | EventKind::ThreadRenamed { tid, name } => {
                self.names.insert(*tid, name.clone());
                None
            }
            EventKind::Log { message, .. } => Some(format!("({:<10}) {message}", self.name(event.thread))),
            EventKind::ThreadExited { tid, exit: ExitKind::Panicked { message } } => {
                Some(format!("Exception in thread {}: {message}", self.name(*tid)))
            }
            _ => None,
        }
    }
}

/// Prints the log lines of an event stream until the session ends or the stream closes.
pub fn print_plain(events: &Receiver<TraceEvent>, out: &mut impl Write) -> io::Result<()> {
    let mut printer = PlainPrinter::new();
    for event in events {
        if let Some(line) = printer.line(&event) {
            writeln!(out, "{line}")?;
            out.flush()?;
        }
        if event.kind == EventKind::SessionEnded {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(thread: Tid, kind: EventKind) -> TraceEvent {
        TraceEvent { seq: 0, time_us: 0, thread, loc: None, kind }
    }

    #[test]
    fn lines_are_tagged_with_the_padded_thread_name() {
        let mut printer = PlainPrinter::new();
        let created = EventKind::ThreadCreated { tid: 2, name: "daemon".into(), daemon: true, foreign: false };
        assert_eq!(printer.line(&event(1, created)), None);
        let log = EventKind::Log { level: LogLevel::Info, message: "Starting".into() };
        assert_eq!(printer.line(&event(2, log)).as_deref(), Some("(daemon    ) Starting"));
    }

    #[test]
    fn a_panic_is_reported_like_an_uncaught_exception() {
        let mut printer = PlainPrinter::new();
        let created = EventKind::ThreadCreated { tid: 3, name: "Thread-2".into(), daemon: false, foreign: false };
        printer.line(&event(1, created));
        let exited = EventKind::ThreadExited { tid: 3, exit: ExitKind::Panicked { message: "boom".into() } };
        assert_eq!(printer.line(&event(3, exited)).as_deref(), Some("Exception in thread Thread-2: boom"));
    }
}
