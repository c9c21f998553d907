//! Recordings: a session's events written down, read back for replays and exports.
//!
//! A recording has two forms, told apart by their first bytes, never by the file's name. The
//! one [`RecordTo`] writes is binary ([`binary`]): a preamble that says what the file is and
//! holds the [`Header`], then frames of delta-coded, compressed events, a couple of bytes an
//! event. The other is JSON Lines, for reading and for tools: its first line is the header
//! (format, versions, the demo, its seed and speed, when it started), every further line one
//! [`TraceEvent`] exactly as subscribers receive it, sequence number included:
//!
//! ```text
//! {"format":"threadviz-recording","version":2,"threadviz":"0.1.0","demo":"condition","seed":0,"speed":1.0,"started":"2026-01-02T10:00:00Z","unix_time":1767348000}
//! {"seq":0,"time_us":0,"thread":1,"loc":null,"kind":{"kind":"thread_created","tid":1,"name":"MainThread","daemon":false,"foreign":false}}
//! {"end":{"events":1}}
//! ```
//!
//! Both forms end with an end marker when the recording was finished; a reader that meets the
//! file's end without one says the recording was cut short, however cleanly the cut fell.
//!
//! A [`Recorder`] attaches to any [`Session`] with a lossless subscription of its own and
//! writes on a thread of its own, so recording never holds the dashboard up and never loses an
//! event the session delivered. [`read`] loads a recording whole; [`index`] opens one for
//! replay, keeping models along it and reading events from the file as they are needed;
//! [`stream`] and [`RecordingWriter`] convert between the forms an event at a time.
//!
//! ```
//! use threadviz::record::{self, RecordTo};
//! use threadviz::{Session, thread};
//!
//! let out = std::env::temp_dir().join(format!("threadviz-doc-{}.tvr", std::process::id()));
//! let session = Session::new();
//! let recorder = RecordTo::file(&out, "my program")?.attach(&session)?;
//! session.run(|| thread::spawn(|| tracing::info!("hello")).join());
//! let summary = recorder.finish()?;
//! let recording = record::read(&out).expect("a recording");
//! assert_eq!(recording.events.len() as u64, summary.events);
//! # std::fs::remove_file(&out)?;
//! # Ok::<(), std::io::Error>(())
//! ```

pub mod binary;
mod read;
mod snapshots;
pub(crate) mod sources;

use std::fmt;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crossbeam_channel::{Receiver, Sender, TryRecvError, select};
use serde::{Deserialize, Serialize};

use self::binary::FrameEncoder;
pub use self::read::{EventStream, Place, ReadError, Recording, read, read_bytes, run_end_missing, stream};
pub use self::snapshots::{Cursor, Indexed, SNAPSHOT_EVERY, Snapshots, index};
use crate::{Session, TraceEvent};

/// The `format` field of every recording's header.
pub const FORMAT: &str = "threadviz-recording";
/// The version of the file format this threadviz writes and reads: 2 ends a finished
/// recording with an end marker (an end frame, or an `{"end":{"events":N}}` line), so a file
/// cut short is told from a whole one; version 1 files, which had none, are still read.
pub const FORMAT_VERSION: u32 = 2;
/// How long [`Recorder::finish`] waits for the session to end before it stops recording.
pub const FINISH_GRACE: Duration = Duration::from_secs(3);

/// The first line of a recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Always [`FORMAT`]: tells a recording from any other JSON Lines file.
    pub format: String,
    /// The file format's version ([`FORMAT_VERSION`] when written by this threadviz).
    pub version: u32,
    /// The version of threadviz that wrote it.
    pub threadviz: String,
    /// The demo's name, or the title of the program recorded.
    pub demo: String,
    /// The session's RNG seed.
    pub seed: u64,
    /// The session's speed when recording started.
    pub speed: f64,
    /// When recording started, as RFC 3339 in UTC.
    pub started: String,
    /// When recording started, in Unix seconds.
    pub unix_time: u64,
}

impl Header {
    /// A header for a recording of `session` starting now.
    #[must_use]
    pub fn new(demo: &str, session: &Session) -> Self {
        Self::starting_now(demo, session.seed(), session.speed())
    }

    /// A header for a recording of `program` (its title) starting now, at `speed`, with no seed
    /// of threadviz's (a watched child's own randomness is its business).
    #[must_use]
    pub fn starting_now(program: &str, seed: u64, speed_then: f64) -> Self {
        let unix_time = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_secs());
        Self {
            format: FORMAT.to_owned(),
            version: FORMAT_VERSION,
            threadviz: env!("CARGO_PKG_VERSION").to_owned(),
            demo: program.to_owned(),
            seed,
            speed: speed_then,
            started: rfc3339(unix_time),
            unix_time,
        }
    }
}

/// Unix seconds as an RFC 3339 UTC timestamp (`2026-01-02T10:00:00Z`).
#[must_use]
pub fn rfc3339(unix_time: u64) -> String {
    let (year, month, day) = civil_from_days(unix_time / 86_400);
    let seconds = unix_time % 86_400;
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", seconds / 3600, seconds / 60 % 60, seconds % 60)
}

/// The calendar date of a day counted from 1970-01-01 (Howard Hinnant's `civil_from_days`,
/// for days on or after the epoch, so all in unsigned arithmetic).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// The two forms of a recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Form {
    /// Compact frames of compressed events (see [`binary`]): what `--record` writes.
    #[default]
    Binary,
    /// One JSON object a line: readable, about ten times bigger.
    JsonLines,
}

/// Where a recording will go: opened, not yet attached to a session.
pub struct RecordTo {
    demo: String,
    path: Option<PathBuf>,
    form: Form,
    out: Box<dyn Write + Send>,
    /// Whether the program's source files go into the recording ([`RecordTo::with_sources`]).
    sources: bool,
}

impl fmt::Debug for RecordTo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordTo")
            .field("demo", &self.demo)
            .field("path", &self.path)
            .field("form", &self.form)
            .field("sources", &self.sources)
            .finish_non_exhaustive()
    }
}

impl RecordTo {
    /// Creates (or truncates) the file `path` now, so a bad path is reported before anything
    /// runs. `demo` names what is recorded in the header. The recording is binary whatever the
    /// file is called.
    pub fn file(path: impl AsRef<Path>, demo: &str) -> io::Result<Self> {
        let path = path.as_ref().to_path_buf();
        let file = File::create(&path).map_err(|error| {
            io::Error::new(
                error.kind(),
                format!("cannot create the recording {}: {error}; choose a writable path", path.display()),
            )
        })?;
        Ok(Self { demo: demo.to_owned(), path: Some(path), form: Form::Binary, out: Box::new(file), sources: false })
    }

    /// Records into any writer (a socket, a buffer in a test).
    pub fn writer(out: impl Write + Send + 'static, demo: &str) -> Self {
        Self { demo: demo.to_owned(), path: None, form: Form::Binary, out: Box::new(out), sources: false }
    }

    /// Writes the recording in `form` instead.
    #[must_use]
    pub fn form(mut self, form: Form) -> Self {
        self.form = form;
        self
    }

    /// Carries the program's own source files in the recording, so that `threadviz replay`
    /// shows them on any machine, wherever it runs: each file an event names (by the
    /// `#[track_caller]` location of an operation) goes in once, as an
    /// [`EventKind::Source`](crate::EventKind::Source) event just before the first event in it,
    /// the way a watched Python program sends its files. A file is read as the source panel
    /// reads it (a relative path under the current directory, then `CARGO_MANIFEST_DIR`), and
    /// left out when it cannot be read, is not `.rs` or `.py`, is over 1 MiB, or would take
    /// the recording's sources past 8 MiB. The events after one carried are numbered on, so the
    /// recording stays gap-free: it holds more events than the session delivered.
    ///
    /// A demo needs none of this (a replay finds its source in the catalogue);
    /// [`crate::watch_recorded`] and [`Explorer::record_failure`](crate::explore::Explorer::record_failure)
    /// carry sources.
    ///
    /// ```
    /// use threadviz::record::{self, RecordTo};
    /// use threadviz::{Session, thread};
    ///
    /// let out = std::env::temp_dir().join(format!("threadviz-doc-sources-{}.tvr", std::process::id()));
    /// let session = Session::new();
    /// let recorder = RecordTo::file(&out, "my program")?.with_sources().attach(&session)?;
    /// session.run(|| thread::spawn(|| tracing::info!("hello")).join());
    /// recorder.finish()?;
    /// // `threadviz replay` of the file shows the lines the threads were at, from the file.
    /// assert!(record::read(&out).is_ok());
    /// # std::fs::remove_file(&out)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn with_sources(mut self) -> Self {
        self.sources = true;
        self
    }

    /// The file recorded to, if it is one.
    #[must_use]
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Starts recording events that arrive on `events` (a watched child's, `threadviz run`),
    /// run at `speed`, on a thread of its own; the recording ends when the channel closes.
    pub fn attach_events(self, events: Receiver<TraceEvent>, speed: f64) -> io::Result<Recorder> {
        let header = Header::starting_now(&self.demo, 0, speed);
        self.start(events, header, None)
    }

    /// Starts recording `session`: subscribes now (so attach before [`Session::run`] to record
    /// the whole run), writes the header, then every event as it is delivered.
    pub fn attach(self, session: &Session) -> io::Result<Recorder> {
        let header = Header::new(&self.demo, session);
        let (events, _) = session.subscribe().into_parts();
        self.start(events, header, Some(session.clone()))
    }

    fn start(self, events: Receiver<TraceEvent>, header: Header, session: Option<Session>) -> io::Result<Recorder> {
        let (stop_tx, stop_rx) = crossbeam_channel::bounded::<()>(0);
        let (done_tx, done_rx) = crossbeam_channel::bounded::<()>(0);
        let (out, form, sources) = (self.out, self.form, self.sources);
        let writer = std::thread::Builder::new().name("threadviz-recorder".into()).spawn(move || {
            let _done = done_tx;
            let mut encoder = Encoder::new(form, out);
            if sources {
                encoder.sources = Some(sources::SourceCarrier::new());
            }
            write_recording(&header, &events, &stop_rx, encoder)
        })?;
        Ok(Recorder { path: self.path, session, stop: Some(stop_tx), done: done_rx, writer: Some(writer) })
    }
}

/// What the writing thread did.
#[derive(Debug, Default)]
struct Written {
    events: u64,
    bytes: u64,
    ended: bool,
}

/// Turns events into the bytes of one form and writes them.
struct Encoder {
    out: Box<dyn Write + Send>,
    /// Lines not written yet, in JSON Lines.
    lines: Option<Vec<u8>>,
    /// The frame being filled, in the binary form.
    frame: FrameEncoder,
    /// When the frame being filled got its first event.
    since: Option<Instant>,
    written: Written,
    /// The program's source files, carried in as its events name them, when asked for.
    sources: Option<sources::SourceCarrier>,
}

impl Encoder {
    fn new(form: Form, out: Box<dyn Write + Send>) -> Self {
        let lines = (form == Form::JsonLines).then(Vec::new);
        Self { out, lines, frame: FrameEncoder::default(), since: None, written: Written::default(), sources: None }
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.written.bytes += bytes.len() as u64;
        Ok(())
    }

    fn header(&mut self, header: &Header) -> io::Result<()> {
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
    fn event(&mut self, event: &TraceEvent) -> io::Result<()> {
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
        self.frame.push(event)?;
        self.since.get_or_insert_with(Instant::now);
        if self.frame.is_full() { self.end_frame() } else { Ok(()) }
    }

    /// Writes the frame being filled, if it holds anything.
    fn end_frame(&mut self) -> io::Result<()> {
        self.since = None;
        if self.frame.is_empty() {
            return Ok(());
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
    fn batch_done(&mut self) -> io::Result<()> {
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
    fn due_in(&self) -> Option<Duration> {
        self.since.map(|since| FRAME_AGE.saturating_sub(since.elapsed()))
    }

    /// Writes what is left and the end marker, and flushes: the file is whole.
    fn finish(mut self) -> io::Result<Written> {
        self.write_lines()?;
        self.end_frame()?;
        if self.lines.is_some() {
            let end = read::EndLine { end: read::EndCount { events: self.written.events } };
            let mut line = serde_json::to_vec(&end)?;
            line.push(b'\n');
            self.write(&line)?;
        } else {
            let marker = self.frame.end_marker();
            self.write(&marker)?;
        }
        self.out.flush()?;
        Ok(self.written)
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

/// The oldest a frame gets before it is written, when events come slowly: what a run killed
/// without warning can lose.
const FRAME_AGE: Duration = Duration::from_millis(50);
/// How long the writer sleeps between batches while events flow. It does not block on the
/// channel then, which would make every event's delivery wake it.
const POLL: Duration = Duration::from_millis(1);

fn write_recording(
    header: &Header,
    events: &Receiver<TraceEvent>,
    stop: &Receiver<()>,
    mut encoder: Encoder,
) -> io::Result<Written> {
    encoder.header(header)?;
    loop {
        let mut received = false;
        loop {
            match events.try_recv() {
                Ok(event) => {
                    encoder.event(&event)?;
                    received = true;
                }
                Err(TryRecvError::Empty) => break,
                // The session ended and everything it delivered is written.
                Err(TryRecvError::Disconnected) => return encoder.finish(),
            }
        }
        encoder.batch_done()?;
        let stopped = if received {
            stop.recv_timeout(POLL).map_err(|error| error.is_disconnected())
        } else if let Some(due) = encoder.due_in() {
            stop.recv_timeout(due.min(POLL)).map_err(|error| error.is_disconnected())
        } else {
            // Quiet: sleep until the next event or the stop.
            select! {
                recv(events) -> event => match event {
                    Ok(event) => { encoder.event(&event)?; Err(false) }
                    Err(_) => return encoder.finish(),
                },
                recv(stop) -> _ => Err(true),
            }
        };
        if matches!(stopped, Ok(()) | Err(true)) {
            for event in events.try_iter() {
                encoder.event(&event)?;
            }
            return encoder.finish();
        }
    }
}

/// Writes a session's events to a recording on a thread of its own.
///
/// Call [`Recorder::finish`] after the session has ended to wait until every event is written
/// and flushed. Dropping a recorder (on a panic, say) stops it at once and still flushes what
/// it received.
pub struct Recorder {
    path: Option<PathBuf>,
    /// The session recorded, when it is one in this process (it counts losses and waits).
    session: Option<Session>,
    /// Dropping it tells the writer to stop after what it has received.
    stop: Option<Sender<()>>,
    /// Disconnects when the writer ends.
    done: Receiver<()>,
    writer: Option<JoinHandle<io::Result<Written>>>,
}

impl fmt::Debug for Recorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recorder").field("path", &self.path).finish_non_exhaustive()
    }
}

impl Recorder {
    /// The file recorded to, if it is one.
    #[must_use]
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Waits for the session to end (at most [`FINISH_GRACE`]), writes and flushes everything
    /// it delivered, and stops.
    pub fn finish(mut self) -> io::Result<RecordSummary> {
        let _ = self.done.recv_timeout(FINISH_GRACE);
        self.close()
    }

    /// Stops now: writes and flushes the events received so far.
    pub fn stop(mut self) -> io::Result<RecordSummary> {
        self.close()
    }

    fn close(&mut self) -> io::Result<RecordSummary> {
        self.stop.take();
        let written = match self.writer.take().map(JoinHandle::join) {
            Some(Ok(written)) => written,
            Some(Err(_)) => Err(io::Error::other("the recording thread failed")),
            None => Ok(Written::default()),
        };
        let written = written.map_err(|error| {
            let path = self.path.as_ref().map_or_else(|| "the recording".to_owned(), |path| path.display().to_string());
            io::Error::new(error.kind(), format!("writing {path} failed: {error}; the recording is incomplete"))
        })?;
        Ok(RecordSummary {
            path: self.path.clone(),
            events: written.events,
            bytes: written.bytes,
            ended: written.ended,
            lost: self.session.as_ref().map_or(0, Session::lost_events),
            held_up: self.session.as_ref().map_or(Duration::ZERO, Session::held_up),
        })
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        if self.writer.is_some() {
            let _ = self.close();
        }
    }
}

/// What a finished recording holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordSummary {
    /// The file, if it was one.
    pub path: Option<PathBuf>,
    /// Events written.
    pub events: u64,
    /// Bytes written, header included.
    pub bytes: u64,
    /// Whether the session's end was recorded (the run was not cut short).
    pub ended: bool,
    /// Events the session dropped at their source because its collector fell behind (only
    /// when dropping was chosen: `Session::set_lossy`, `--lossy`).
    pub lost: u64,
    /// How long the program's threads waited, in all, for the collector so that nothing was
    /// lost.
    pub held_up: std::time::Duration,
}

impl fmt::Display for RecordSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "recorded {} events", self.events)?;
        if let Some(path) = &self.path {
            write!(f, " to {}", path.display())?;
        }
        if !self.ended {
            f.write_str(" (the run was cut short)")?;
        }
        if self.lost > 0 {
            write!(f, "; {} events were lost at their source because the program outran the collector", self.lost)?;
        }
        if self.held_up >= std::time::Duration::from_millis(1) {
            write!(
                f,
                "; the program's threads waited {:.3} s in all for the recorder to keep up",
                self.held_up.as_secs_f64()
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! The recording header's timestamp.

    use super::*;

    #[test]
    fn timestamps_are_rfc3339_in_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_767_348_000 + 3_723), "2026-01-02T11:02:03Z");
        assert_eq!(rfc3339(4_107_542_399), "2100-02-28T23:59:59Z");
    }
}
