//! Reading a recording back, in either form (told apart by the first bytes, never by the
//! file's name): every line or frame checked, every problem reported as one line naming the
//! file, the place and what is wrong. A run killed mid-write leaves its last line or frame cut
//! off: that is tolerated with a warning. Nothing in a file, however damaged, makes the reader
//! panic.
//!
//! Nothing in a file is trusted before it is checked: only a regular file is opened (a FIFO or
//! a device is refused from its metadata, so an endless or writerless input never blocks or
//! fills memory); a file without the binary magic must start with a bounded JSON header line;
//! after that, JSON Lines are read one bounded line at a time, so memory grows with the events
//! kept, never with the file's size.
//!
//! This module opens a file, tells its form and holds what both forms share: the errors and
//! their places, the header's and the events' checks, and the stream of events. Each form's
//! own reading is apart: `lines.rs` for JSON Lines, `frames.rs` for the binary form.

mod frames;
mod lines;

use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use self::frames::read_binary;
pub(super) use self::frames::{BinaryFrames, binary_frames};
pub(super) use self::lines::{EndCount, EndLine, JsonLines, read_all_lines};
use super::binary::{MAGIC, Next};
use super::{FORMAT, FORMAT_VERSION, Header};
use crate::{EventKind, TraceEvent};

/// Says how to get a good recording, after a problem that no repair can fix.
const RECORD_ONE: &str = "record one with `threadviz demo NAME --record FILE`";

/// A recording read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    /// Its header.
    pub header: Header,
    /// Its events, in sequence order, gap-free.
    pub events: Vec<TraceEvent>,
    /// What was tolerated (a cut-off last line), as one line naming the file and the line.
    pub warning: Option<String>,
}

impl Recording {
    /// Demo time of the last event, in microseconds (0 when there is none).
    #[must_use]
    pub fn end_us(&self) -> u64 {
        self.events.last().map_or(0, |event| event.time_us)
    }

    /// Whether it holds the session's end: a run stopped before it ended, or a watched
    /// program whose stream was cut, has not.
    #[must_use]
    pub fn ended(&self) -> bool {
        self.events.last().is_some_and(|event| matches!(event.kind, EventKind::SessionEnded))
    }
}

/// The warning for a recording that is whole but stops before the session's end.
#[must_use]
pub fn run_end_missing(file: &str, events: u64) -> String {
    let plural = if events == 1 { "event" } else { "events" };
    format!(
        "{file}: the run's end is missing: the recording stops after {events} {plural}, before the program ended (it was stopped, or its stream was cut)"
    )
}

/// Where in a recording a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A line of JSON Lines, from 1.
    Line(usize),
    /// A byte of a binary recording's preamble.
    Byte(u64),
    /// A frame of a binary recording: its number from 1 and the byte it starts at.
    Frame {
        /// The frame's number, from 1.
        number: usize,
        /// Its first byte in the file.
        offset: u64,
    },
}

/// Why a recording cannot be read. Its `Display` is one line: `FILE:LINE: what is wrong; what
/// to do` (or `FILE: frame N at byte B: ...` in a binary recording).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// The file, as the user named it.
    pub file: String,
    /// The place at fault, when the problem is in one.
    pub place: Option<Place>,
    /// What is wrong and what to do.
    pub problem: String,
}

impl ReadError {
    fn new(file: &str, place: Option<Place>, problem: String) -> Self {
        Self { file: file.to_owned(), place, problem }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Line(line) => write!(f, "{line}"),
            Self::Byte(offset) => write!(f, " byte {offset}"),
            Self::Frame { number, offset } => write!(f, " frame {number} at byte {offset}"),
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.place {
            Some(place) => write!(f, "{}:{place}: {}", self.file, self.problem),
            None => write!(f, "{}: {}", self.file, self.problem),
        }
    }
}

impl std::error::Error for ReadError {}

/// Reads the recording at `path`, in either form, into memory.
pub fn read(path: impl AsRef<Path>) -> Result<Recording, ReadError> {
    let path = path.as_ref();
    let file = path.display().to_string();
    match open(path)? {
        Opened::Binary(mut reader) => read_binary(&mut reader, &file),
        Opened::Text(lines) => read_all_lines(*lines),
    }
}

/// What follows the first bytes of a file that is not binary: those bytes, then the rest.
pub(super) type TextInput = io::Chain<io::Cursor<Vec<u8>>, BufReader<File>>;

/// A recording file opened and told apart by its first bytes.
pub(super) enum Opened {
    /// A binary recording, positioned after its magic.
    Binary(BufReader<File>),
    /// JSON Lines whose header has been read and checked, its events still to read.
    Text(Box<JsonLines<TextInput>>),
}

/// What kind of file `metadata` says a path is, when it is not a regular file or directory.
fn not_regular(kind: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// Opens the recording at `path` and tells its form from its first bytes. Only a regular file
/// is opened (a FIFO or a device is refused from its metadata, before any read); a file that is
/// not binary must start with a JSON header line of at most
/// [`MAX_HEADER_LINE`](lines::MAX_HEADER_LINE) bytes, which is read and checked before anything
/// else.
pub(super) fn open(path: &Path) -> Result<Opened, ReadError> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = path.display().to_string();
    let cannot = |error: io::Error| {
        let problem = match error.kind() {
            io::ErrorKind::NotFound => format!("no such file; {RECORD_ONE}"),
            io::ErrorKind::IsADirectory => "this is a directory, not a recording".to_owned(),
            _ => format!("cannot read it: {error}"),
        };
        ReadError::new(&file, None, problem)
    };
    let refuse = |metadata: &std::fs::Metadata| -> Result<(), ReadError> {
        if metadata.is_dir() {
            return Err(ReadError::new(&file, None, "this is a directory, not a recording".to_owned()));
        }
        if !metadata.is_file() {
            let what = not_regular(metadata.file_type());
            return Err(ReadError::new(
                &file,
                None,
                format!("this is {what}, not a recording: a recording is a regular file; {RECORD_ONE}"),
            ));
        }
        Ok(())
    };
    refuse(&std::fs::metadata(path).map_err(cannot)?)?;
    // Opened without blocking, should the path have become a FIFO since its metadata was read
    // (on a regular file the flag changes nothing), and looked at again once open.
    let opened =
        std::fs::OpenOptions::new().read(true).custom_flags(nix::libc::O_NONBLOCK).open(path).map_err(cannot)?;
    refuse(&opened.metadata().map_err(cannot)?)?;
    let mut input = BufReader::new(opened);
    let mut start = Vec::with_capacity(MAGIC.len());
    (&mut input).take(MAGIC.len() as u64).read_to_end(&mut start).map_err(cannot)?;
    if start == MAGIC {
        return Ok(Opened::Binary(input));
    }
    if !start.is_empty() && MAGIC.starts_with(&start) {
        return Err(cut_magic(&file, start.len()));
    }
    let lines = JsonLines::new(io::Cursor::new(start).chain(input), &file)?;
    Ok(Opened::Text(Box::new(lines)))
}

/// The error for a file that holds the first bytes of the binary magic and ends.
fn cut_magic(file: &str, len: usize) -> ReadError {
    ReadError::new(
        file,
        Some(Place::Byte(len as u64)),
        "the header is cut off: the recording was interrupted before it began".to_owned(),
    )
}

/// Reads a recording from its bytes, in either form; `file` names it in errors.
pub fn read_bytes(bytes: &[u8], file: &str) -> Result<Recording, ReadError> {
    if let Some(rest) = bytes.strip_prefix(&MAGIC) {
        return read_binary(&mut &rest[..], file);
    }
    if !bytes.is_empty() && MAGIC.starts_with(bytes) {
        return Err(cut_magic(file, bytes.len()));
    }
    read_all_lines(JsonLines::new(bytes, file)?)
}

/// A recording's events read one at a time: a binary recording frame by frame, never whole.
pub struct EventStream {
    header: Header,
    events: StreamEvents,
    warning: Option<String>,
}

enum StreamEvents {
    Memory(std::vec::IntoIter<TraceEvent>),
    Lines(Box<JsonLines<TextInput>>),
    Frames {
        frames: Box<BinaryFrames<BufReader<File>>>,
        buffer: std::vec::IntoIter<TraceEvent>,
        last: Option<TraceEvent>,
    },
}

impl fmt::Debug for EventStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream").field("header", &self.header).finish_non_exhaustive()
    }
}

/// Opens the recording at `path`, in either form, to read its events one at a time.
pub fn stream(path: impl AsRef<Path>) -> Result<EventStream, ReadError> {
    let path = path.as_ref();
    let file = path.display().to_string();
    match open(path)? {
        Opened::Text(lines) => {
            Ok(EventStream { header: lines.header.clone(), events: StreamEvents::Lines(lines), warning: None })
        }
        Opened::Binary(input) => {
            let frames = binary_frames(input, &file)?;
            Ok(EventStream {
                header: frames.header.clone(),
                events: StreamEvents::Frames { frames: Box::new(frames), buffer: Vec::new().into_iter(), last: None },
                warning: None,
            })
        }
    }
}

impl EventStream {
    /// The recording's header.
    #[must_use]
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// What was tolerated (a cut-off last line or frame), once the events are read.
    #[must_use]
    pub fn warning(&self) -> Option<&str> {
        self.warning.as_deref()
    }
}

impl Iterator for EventStream {
    type Item = Result<TraceEvent, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.events {
            StreamEvents::Memory(events) => events.next().map(Ok),
            StreamEvents::Lines(lines) => match lines.next_event() {
                Ok(Some(event)) => Some(Ok(event)),
                Ok(None) => {
                    self.warning = lines.warning.take();
                    self.events = StreamEvents::Memory(Vec::new().into_iter());
                    None
                }
                Err(error) => {
                    self.events = StreamEvents::Memory(Vec::new().into_iter());
                    Some(Err(error))
                }
            },
            StreamEvents::Frames { frames, buffer, last } => loop {
                if let Some(event) = buffer.next() {
                    if let Err(error) = frames.check(last.as_ref(), &event) {
                        self.events = StreamEvents::Memory(Vec::new().into_iter());
                        return Some(Err(error));
                    }
                    *last = Some(event.clone());
                    return Some(Ok(event));
                }
                let mut events = Vec::new();
                match frames.next(&mut events) {
                    Ok(Next::Frame) => *buffer = events.into_iter(),
                    Ok(Next::End | Next::Ended(_) | Next::CutOff) => {
                        self.warning = frames.warning.take();
                        self.events = StreamEvents::Memory(Vec::new().into_iter());
                        return None;
                    }
                    Err(error) => {
                        self.events = StreamEvents::Memory(Vec::new().into_iter());
                        return Some(Err(error));
                    }
                }
            },
        }
    }
}

/// The warning for a file that stops between two events or frames with no end marker after
/// them: nothing is damaged, but the run's end was never written.
fn no_end_marker(file: &str, events: usize) -> String {
    let plural = if events == 1 { "event" } else { "events" };
    format!(
        "{file}: ended without its end marker: {events} {plural}, the run's end is missing (the recording was interrupted)"
    )
}

/// `serde_json`'s message without its "at line 1" (each line is parsed on its own).
fn json_problem(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let message = text.split(" at line ").next().unwrap_or(&text);
    format!("{message} at column {}", error.column())
}

fn read_header(line: &[u8], cut_off: bool) -> Result<Header, String> {
    let value: serde_json::Value = serde_json::from_slice(line).map_err(|error| {
        if cut_off && error.is_eof() {
            "the header line is cut off: the recording was interrupted before it began".to_owned()
        } else {
            format!("not a threadviz recording: the first line is not JSON ({}); {RECORD_ONE}", json_problem(&error))
        }
    })?;
    if value.get("format").and_then(serde_json::Value::as_str) != Some(FORMAT) {
        let looks_like_event = value.get("seq").is_some() && value.get("kind").is_some();
        return Err(if looks_like_event {
            "the header line is missing: the file starts with an event; record it again".to_owned()
        } else {
            format!("not a threadviz recording: the first line is not a threadviz header; {RECORD_ONE}")
        });
    }
    match value.get("version").and_then(serde_json::Value::as_u64) {
        Some(version) if version > u64::from(FORMAT_VERSION) => {
            return Err(format!(
                "the recording's format version {version} is newer than this threadviz reads ({FORMAT_VERSION}); update threadviz"
            ));
        }
        Some(1..) => {}
        _ => return Err("the header has no valid format version; the file is damaged: record it again".to_owned()),
    }
    let header: Header =
        serde_json::from_value(value).map_err(|error| format!("the header is damaged ({error}); record it again"))?;
    if !(header.speed.is_finite() && header.speed > 0.0) {
        return Err(format!(
            "the header's speed {} is not a positive number; the file is damaged: record it again",
            header.speed
        ));
    }
    Ok(header)
}

/// Events follow each other gap-free, in time order, and nothing follows the session's end.
fn check_order(previous: Option<&TraceEvent>, event: &TraceEvent) -> Result<(), String> {
    let seq = event.seq;
    // The model counts one past each sequence number.
    if seq == u64::MAX {
        return Err(format!("sequence number {seq} is out of range"));
    }
    let Some(previous) = previous else { return Ok(()) };
    if matches!(previous.kind, EventKind::SessionEnded) {
        return Err(format!("event {seq} follows the end of the session"));
    }
    let expected = previous.seq + 1;
    if seq < expected {
        return Err(format!("event {seq} comes after event {}: events are repeated or out of order", previous.seq));
    }
    if seq > expected {
        let missing = seq - expected;
        let plural = if missing == 1 { "event is" } else { "events are" };
        return Err(format!("{missing} {plural} missing before event {seq}"));
    }
    if event.time_us < previous.time_us {
        return Err(format!(
            "event {seq} is stamped {} µs, earlier than the event before it ({} µs)",
            event.time_us, previous.time_us
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    //! Reading recordings back: good files, cut-off lines, named problems.

    use super::lines::{MAX_EVENT_LINE, MAX_HEADER_LINE};
    use super::*;

    const HEADER: &str = r#"{"format":"threadviz-recording","version":1,"threadviz":"0.1.0","demo":"x","seed":0,"speed":1.0,"started":"1970-01-01T00:00:00Z","unix_time":0}"#;

    fn event(seq: u64, time_us: u64) -> String {
        format!(r#"{{"seq":{seq},"time_us":{time_us},"thread":1,"loc":null,"kind":{{"kind":"shutdown_begin"}}}}"#)
    }

    fn error(text: &str) -> String {
        read_bytes(text.as_bytes(), "r.jsonl").expect_err("an error").to_string()
    }

    #[test]
    fn a_good_file_reads_back() {
        let text = format!("{HEADER}\n{}\n{}\n", event(0, 0), event(1, 5));
        let recording = read_bytes(text.as_bytes(), "r.jsonl").expect("reads");
        assert_eq!(recording.events.len(), 2);
        assert_eq!(recording.header.demo, "x");
        assert_eq!(recording.warning, None);
        assert_eq!(recording.end_us(), 5);
    }

    #[test]
    fn a_cut_off_last_line_is_a_warning() {
        let text = format!("{HEADER}\n{}\n{}", event(0, 0), &event(1, 5)[..20]);
        let recording = read_bytes(text.as_bytes(), "r.jsonl").expect("reads");
        assert_eq!(recording.events.len(), 1);
        let warning = recording.warning.expect("a warning");
        assert!(warning.starts_with("r.jsonl:3: the last line is cut off"), "{warning}");
    }

    #[test]
    fn problems_name_the_file_and_the_line() {
        assert!(error("").starts_with("r.jsonl:1: the file is empty"), "{}", error(""));
        assert!(error("hello\n").starts_with("r.jsonl:1: not a threadviz recording"), "{}", error("hello\n"));
        assert!(error("{\"a\":1}\n").starts_with("r.jsonl:1: not a threadviz recording"));
        assert!(error(&format!("{}\n", event(0, 0))).starts_with("r.jsonl:1: the header line is missing"));
        let newer = HEADER.replace("\"version\":1", "\"version\":7");
        assert!(error(&newer).contains("format version 7 is newer"), "{}", error(&newer));
        let corrupt = format!("{HEADER}\n{}\n{{\"seq\":1,\n{}\n", event(0, 0), event(2, 0));
        assert!(error(&corrupt).starts_with("r.jsonl:3: not a threadviz event"), "{}", error(&corrupt));
        let repeated = format!("{HEADER}\n{}\n{}\n", event(0, 0), event(0, 0));
        assert!(error(&repeated).starts_with("r.jsonl:3: event 0 comes after event 0"), "{}", error(&repeated));
        let gap = format!("{HEADER}\n{}\n{}\n", event(0, 0), event(3, 0));
        assert!(error(&gap).starts_with("r.jsonl:3: 2 events are missing"), "{}", error(&gap));
        let backwards = format!("{HEADER}\n{}\n{}\n", event(0, 9), event(1, 2));
        assert!(error(&backwards).contains("earlier than the event before"), "{}", error(&backwards));
        for message in [error(""), error(&corrupt), error(&gap)] {
            assert!(!message.contains('\n'), "one line: {message}");
        }
    }

    #[test]
    fn lines_are_bounded_to_the_byte() {
        // A header padded to exactly the bound reads, with `\n` or `\r\n` after it; a byte more
        // is refused, whatever follows.
        let padded = |len: usize| format!("{HEADER}{}", " ".repeat(len - HEADER.len()));
        for end in ["\n", "\r\n", ""] {
            let text = format!("{}{end}", padded(MAX_HEADER_LINE));
            assert!(read_bytes(text.as_bytes(), "r.jsonl").is_ok(), "{end:?}");
            let text = format!("{}{end}{}\n", padded(MAX_HEADER_LINE + 1), event(0, 0));
            assert!(
                error(&text).starts_with("r.jsonl:1: not a threadviz recording: the first line is longer than 64 KiB")
            );
        }
        let long = format!("{HEADER}\n{}\n{}", event(0, 0), "x".repeat(MAX_EVENT_LINE + 1));
        assert!(error(&long).starts_with("r.jsonl:3: the line is longer than 16 MiB"), "{}", &error(&long)[..80]);
        let blank_lines = format!("{HEADER}\n\n{}\n   \n{}\n\n", event(0, 0), event(1, 1));
        assert_eq!(read_bytes(blank_lines.as_bytes(), "r.jsonl").expect("reads").events.len(), 2);
    }

    #[test]
    fn a_missing_file_is_named() {
        let message = read("/nonexistent/threadviz.jsonl").expect_err("missing").to_string();
        assert!(message.starts_with("/nonexistent/threadviz.jsonl: no such file"), "{message}");
    }
}
