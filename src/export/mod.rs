//! Exports of a recording for other tools: Chrome's trace event format (for Perfetto or
//! `chrome://tracing`) and asciicast v2 (the dashboard as a terminal recording for asciinema).
//!
//! Both read the recording event by event ([`Events`] over [`record::stream`]), so memory
//! holds the model and what the export has not written yet, never the recording.

pub mod asciicast;
pub mod chrome;

use crate::TraceEvent;
use crate::record::{self, EventStream, ReadError};

/// How many events go by between two calls of the progress callback.
const PROGRESS_EVERY: u64 = 1 << 16;

/// A recording's events for an export, read one at a time: the first error ends them and is
/// kept for the export to report, and what was read is counted on the way.
pub struct Events<'a> {
    stream: EventStream,
    /// The first error met, which ended the events.
    pub error: Option<ReadError>,
    /// Events read so far.
    pub count: u64,
    /// The demo time of the last event read.
    pub end_us: u64,
    /// Whether the last event read is the session's end.
    pub ended: bool,
    progress: Box<dyn FnMut(u64) + 'a>,
}

impl<'a> Events<'a> {
    /// The events of `stream`.
    #[must_use]
    pub fn new(stream: EventStream) -> Self {
        Self { stream, error: None, count: 0, end_us: 0, ended: false, progress: Box::new(|_| {}) }
    }

    /// Opens the recording at `path` to read its events.
    pub fn open(path: &std::path::Path) -> Result<Self, ReadError> {
        record::stream(path).map(Self::new)
    }

    /// Tells `progress` how many events have been read, now and then.
    #[must_use]
    pub fn progress(self, progress: impl FnMut(u64) + 'a) -> Self {
        Self { progress: Box::new(progress), ..self }
    }

    /// The recording's header.
    #[must_use]
    pub fn header(&self) -> &record::Header {
        self.stream.header()
    }

    /// What reading tolerated (a cut-off last frame, no end marker), once the events are read.
    #[must_use]
    pub fn warning(&self) -> Option<&str> {
        self.stream.warning()
    }
}

impl Iterator for Events<'_> {
    type Item = TraceEvent;

    fn next(&mut self) -> Option<TraceEvent> {
        if self.error.is_some() {
            return None;
        }
        match self.stream.next()? {
            Ok(event) => {
                self.count += 1;
                self.end_us = event.time_us;
                self.ended = matches!(event.kind, crate::EventKind::SessionEnded);
                if self.count.is_multiple_of(PROGRESS_EVERY) {
                    (self.progress)(self.count);
                }
                Some(event)
            }
            Err(error) => {
                self.error = Some(error);
                None
            }
        }
    }
}
