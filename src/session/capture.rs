//! Log records into events: a `tracing` layer that turns each log record made on a threadviz
//! thread into a log event of that thread, stopping at the pause gate like any operation.

use std::borrow::Cow;
use std::fmt::Write as _;

use tracing::field::{Field, Visit};
use tracing::{Dispatch, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};

use super::{By, context};
use crate::event::{EventKind, LogLevel, SourceLoc};

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
        // Under a controller a log line is no step of its own: it changes nothing another
        // thread can see, so it goes with the step its thread is taking. Exploring every order
        // of log lines would multiply the interleavings without a new outcome.
        let metadata = event.metadata();
        let place =
            || metadata.file().map(|file| SourceLoc { file: Cow::Borrowed(file), line: metadata.line().unwrap_or(0) });
        if !session.controlled {
            session.enter_gate_at(place);
        }
        let loc = place();
        session.emit_direct(By::Thread(thread.tid), loc, || {
            let mut visitor = MessageVisitor::default();
            event.record(&mut visitor);
            let message = visitor.message + &visitor.fields;
            EventKind::Log { level: level_of(*metadata.level()), message }
        });
    }
}

/// A dispatcher that captures every log record into the session of the thread that logs it
/// (used by `Session::run`). One for the process, shared: the layer keeps nothing of its own,
/// and an exploration's thousands of runs need not each build a registry.
#[must_use]
pub(crate) fn capture_dispatch() -> Dispatch {
    static CAPTURE: std::sync::OnceLock<Dispatch> = std::sync::OnceLock::new();
    CAPTURE.get_or_init(|| Dispatch::new(tracing_subscriber::registry().with(CaptureLayer))).clone()
}
