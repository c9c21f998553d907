//! Recording a session as it runs: where the recording goes ([`RecordTo`]), the thread that
//! writes every event it is delivered without holding the program up ([`Recorder`]), and what
//! the finished recording holds ([`RecordSummary`]). The bytes themselves are `writer.rs`'s.

use std::fmt;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, TryRecvError, select};

use super::writer::{Encoder, Written};
use super::{FINISH_GRACE, Form, Header, sources};
use crate::{Session, TraceEvent};

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
