//! Reading a recording back: every line checked, every problem reported as one line naming
//! the file, the line and what is wrong. A run killed mid-write leaves its last line cut off:
//! that is tolerated with a warning. Nothing in a file, however damaged, makes the reader panic.

use std::fmt;
use std::path::Path;

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
}

/// Why a recording cannot be read. Its `Display` is one line: `FILE:LINE: what is wrong; what
/// to do`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// The file, as the user named it.
    pub file: String,
    /// The one-based line at fault, when the problem is in a line.
    pub line: Option<usize>,
    /// What is wrong and what to do.
    pub problem: String,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.problem),
            None => write!(f, "{}: {}", self.file, self.problem),
        }
    }
}

impl std::error::Error for ReadError {}

/// Reads the recording at `path`.
pub fn read(path: impl AsRef<Path>) -> Result<Recording, ReadError> {
    let path = path.as_ref();
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|error| {
        let problem = match error.kind() {
            std::io::ErrorKind::NotFound => format!("no such file; {RECORD_ONE}"),
            std::io::ErrorKind::IsADirectory => "this is a directory, not a recording".to_owned(),
            _ => format!("cannot read it: {error}"),
        };
        ReadError { file: file.clone(), line: None, problem }
    })?;
    read_bytes(&bytes, &file)
}

/// Reads a recording from its bytes; `file` names it in errors.
pub fn read_bytes(bytes: &[u8], file: &str) -> Result<Recording, ReadError> {
    let fail = |line: usize, problem: String| ReadError { file: file.to_owned(), line: Some(line), problem };
    let complete = bytes.last() == Some(&b'\n');
    let mut lines: Vec<&[u8]> = bytes.split(|&byte| byte == b'\n').collect();
    if complete {
        lines.pop();
    }
    let lines: Vec<&[u8]> = lines.into_iter().map(|line| line.strip_suffix(b"\r").unwrap_or(line)).collect();
    let Some(first) = lines.first().filter(|line| !is_blank(line)) else {
        let problem = if bytes.is_empty() { "the file is empty" } else { "the first line is empty" };
        return Err(fail(1, format!("{problem}, where a threadviz header was expected; {RECORD_ONE}")));
    };
    let header = read_header(first, lines.len() == 1 && !complete).map_err(|problem| fail(1, problem))?;
    let mut events: Vec<TraceEvent> = Vec::with_capacity(lines.len().saturating_sub(1));
    let mut warning = None;
    for (index, line) in lines.iter().enumerate().skip(1) {
        let number = index + 1;
        if is_blank(line) {
            continue;
        }
        let event: TraceEvent = match serde_json::from_slice(line) {
            Ok(event) => event,
            Err(_) if number == lines.len() && !complete => {
                warning = Some(format!(
                    "{file}:{number}: the last line is cut off (the recording was interrupted); using the {} events before it",
                    events.len()
                ));
                break;
            }
            Err(error) => {
                return Err(fail(
                    number,
                    format!("not a threadviz event ({}); the file is damaged: record it again", json_problem(&error)),
                ));
            }
        };
        check_order(events.last(), &event)
            .map_err(|problem| fail(number, format!("{problem}; the file is damaged: record it again")))?;
        events.push(event);
    }
    Ok(Recording { header, events, warning })
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
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
    fn a_missing_file_is_named() {
        let message = read("/nonexistent/threadviz.jsonl").expect_err("missing").to_string();
        assert!(message.starts_with("/nonexistent/threadviz.jsonl: no such file"), "{message}");
    }
}
