//! Turning events into the bytes of either form and writing them: JSON Lines a batch of lines
//! at a time, the binary form a frame at a time (a frame goes out once full or old), and the
//! end marker last, just after the footer in the binary form: the index of the frames, kept as
//! they are written (a few bytes a frame, the threads' names, where the sources are), after the
//! models kept along the way (`snapshots/stored.rs`). The thread that feeds a session's events
//! in is `recorder.rs`'s.

use std::fmt;
use std::io::{self, Write};
use std::time::{Duration, Instant};

use super::binary::{self, Footer, FrameEncoder};
use super::snapshots::ModelsWritten;
use super::{FORMAT_VERSION, Form, Header, read, sources};
use crate::TraceEvent;

/// The oldest a frame gets before it is written, when events come slowly: what a run killed
/// without warning can lose.
const FRAME_AGE: Duration = Duration::from_millis(50);

/// What the writing thread did.
#[derive(Debug, Default)]
pub(super) struct Written {
    /// Events written.
    pub(super) events: u64,
    /// Bytes written, header included.
    pub(super) bytes: u64,
    /// Whether the session's end was among the events.
    pub(super) ended: bool,
}

/// Turns events into the bytes of one form and writes them.
pub(super) struct Encoder {
    out: Box<dyn Write + Send>,
    /// Lines not written yet, in JSON Lines.
    lines: Option<Vec<u8>>,
    /// The frame being filled, in the binary form.
    frame: FrameEncoder,
    /// When the frame being filled got its first event.
    since: Option<Instant>,
    /// The demo time of the frame's first event.
    first_us: u64,
    /// The index written just before the end marker, in the binary form.
    footer: Option<Footer>,
    /// The models kept along the way, stored before the footer, in the binary form.
    models: Option<ModelsWritten>,
    written: Written,
    /// The program's source files, carried in as its events name them, when asked for.
    pub(super) sources: Option<sources::SourceCarrier>,
}

impl Encoder {
    pub(super) fn new(form: Form, out: Box<dyn Write + Send>) -> Self {
        let lines = (form == Form::JsonLines).then(Vec::new);
        let footer = (form == Form::Binary).then(Footer::default);
        let models = (form == Form::Binary).then(ModelsWritten::new);
        Self {
            out,
            lines,
            frame: FrameEncoder::default(),
            since: None,
            first_us: 0,
            footer,
            models,
            written: Written::default(),
            sources: None,
        }
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.written.bytes += bytes.len() as u64;
        Ok(())
    }

    pub(super) fn header(&mut self, header: &Header) -> io::Result<()> {
        let json = serde_json::to_vec(header)?;
        if self.lines.is_some() {
            self.write(&json)?;
            self.write(b"\n")?;
        } else {
            self.write(&binary::preamble(&json)?)?;
        }
        self.out.flush()
    }

    /// Writes `event`, after the source file it is in when sources are carried and the file
    /// has not been carried yet.
    pub(super) fn event(&mut self, event: &TraceEvent) -> io::Result<()> {
        let Some(sources) = &mut self.sources else { return self.write_event(event) };
        let source = sources.before(event);
        let inserted = sources.inserted;
        if let Some(source) = source {
            self.write_event(&source)?;
        }
        if inserted == 0 {
            return self.write_event(event);
        }
        let renumbered = TraceEvent { seq: event.seq + inserted, ..event.clone() };
        self.write_event(&renumbered)
    }

    fn write_event(&mut self, event: &TraceEvent) -> io::Result<()> {
        self.written.events += 1;
        self.written.ended |= matches!(event.kind, crate::EventKind::SessionEnded);
        if let Some(lines) = &mut self.lines {
            serde_json::to_writer(&mut *lines, event)?;
            lines.push(b'\n');
            // A flood that never lets the channel empty still goes out in pieces.
            return if lines.len() >= binary::FRAME_BYTES { self.write_lines() } else { Ok(()) };
        }
        if self.frame.is_empty() {
            self.first_us = event.time_us;
        }
        self.frame.push(event)?;
        if let Some(footer) = &mut self.footer {
            footer.event(event);
        }
        if let Some(models) = &mut self.models {
            models.fold(event);
        }
        self.since.get_or_insert_with(Instant::now);
        if self.frame.is_full() { self.end_frame() } else { Ok(()) }
    }

    /// Writes the frame being filled, if it holds anything.
    fn end_frame(&mut self) -> io::Result<()> {
        self.since = None;
        if self.frame.is_empty() {
            return Ok(());
        }
        if let Some(footer) = &mut self.footer {
            footer.frame(self.written.bytes, self.frame.len(), self.first_us);
        }
        let frame = self.frame.finish()?;
        self.out.write_all(frame)?;
        self.written.bytes += frame.len() as u64;
        Ok(())
    }

    /// Writes the lines not written yet.
    fn write_lines(&mut self) -> io::Result<()> {
        let Some(lines) = self.lines.take() else { return Ok(()) };
        let written = self.write(&lines);
        self.lines = Some(Vec::with_capacity(lines.capacity()));
        written
    }

    /// After a batch of events: writes what a cut-off file must not lose. Lines go at once; a
    /// frame once it is [`FRAME_AGE`] old, so that a busy program's frames are big.
    pub(super) fn batch_done(&mut self) -> io::Result<()> {
        if self.lines.is_some() {
            self.write_lines()?;
        } else if self.since.is_some_and(|since| since.elapsed() >= FRAME_AGE) {
            self.end_frame()?;
        } else {
            return Ok(());
        }
        self.out.flush()
    }

    /// How long the writer may wait before the frame being filled is due.
    pub(super) fn due_in(&self) -> Option<Duration> {
        self.since.map(|since| FRAME_AGE.saturating_sub(since.elapsed()))
    }

    /// Writes what is left and the end marker, and flushes: the file is whole.
    pub(super) fn finish(mut self) -> io::Result<Written> {
        self.write_lines()?;
        self.end_frame()?;
        if self.lines.is_some() {
            let end = read::EndLine { end: read::EndCount { events: self.written.events } };
            let mut line = serde_json::to_vec(&end)?;
            line.push(b'\n');
            self.write(&line)?;
        } else {
            self.write_models()?;
            let footer_at = self.written.bytes;
            let footer = self.footer.take().map(|footer| footer.to_bytes()).transpose()?;
            if let Some(footer) = &footer {
                self.write(footer)?;
            }
            let marker = self.frame.end_marker(footer.is_some().then_some(footer_at));
            self.write(&marker)?;
        }
        self.out.flush()?;
        Ok(self.written)
    }

    /// Writes the models kept along the way, each a record of the footer's kind, and lists
    /// them in the footer.
    fn write_models(&mut self) -> io::Result<()> {
        let (Some(models), Some(footer)) = (self.models.take(), self.footer.as_mut()) else { return Ok(()) };
        let (every, models) = models.finish();
        footer.models.format = super::snapshots::MODEL_FORMAT;
        footer.models.every = every;
        for (position, model) in models {
            // One too long for a reader to take is left out: a seek near it folds further.
            let Some(record) = binary::record(&model) else { continue };
            let offset = self.written.bytes;
            self.out.write_all(&record)?;
            self.written.bytes += record.len() as u64;
            let length = u32::try_from(record.len() - binary::FRAME_HEADER_BYTES).unwrap_or(u32::MAX);
            footer.model(position, offset, length);
        }
        Ok(())
    }
}

/// Writes a recording from events already at hand: converting between the two forms.
pub struct RecordingWriter {
    encoder: Encoder,
}

impl fmt::Debug for RecordingWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordingWriter").field("events", &self.encoder.written.events).finish_non_exhaustive()
    }
}

impl RecordingWriter {
    /// Writes `header` to `out` in `form`, ready for the events.
    /// The header's version becomes this threadviz's, whose form (with its end marker) the
    /// file then has.
    pub fn new(out: impl Write + Send + 'static, header: &Header, form: Form) -> io::Result<Self> {
        let mut encoder = Encoder::new(form, Box::new(out));
        encoder.header(&Header { version: FORMAT_VERSION, ..header.clone() })?;
        Ok(Self { encoder })
    }

    /// Writes one event (in pieces: lines and frames go out as they fill).
    pub fn event(&mut self, event: &TraceEvent) -> io::Result<()> {
        self.encoder.event(event)
    }

    /// Writes what is left and flushes; returns the bytes written.
    pub fn finish(self) -> io::Result<u64> {
        self.encoder.finish().map(|written| written.bytes)
    }
}
