//! Reading the JSON Lines form: one bounded line at a time, the header line checked on
//! opening, then each event checked to follow the one before, up to the end line that counts
//! them. The binary form is read in `frames.rs`; what both share (opening a file, the errors,
//! the header's and the events' checks) is in [`super`].

use std::io::{self, BufRead, Read};

use serde::{Deserialize, Serialize};

use super::{Place, RECORD_ONE, ReadError, Recording, check_order, json_problem, no_end_marker, read_header};
use crate::TraceEvent;
use crate::record::Header;

/// The longest first line of a JSON Lines recording: a header is a few hundred bytes, so a
/// longer first line is not one, and nothing after it is read.
pub const MAX_HEADER_LINE: usize = 64 << 10;
/// The longest line of an event in a JSON Lines recording (a log line may be long, not this).
pub const MAX_EVENT_LINE: usize = 16 << 20;

/// The last line of a finished JSON Lines recording (version 2 on): how many events it holds.
/// Its lines are checked one by one as they are read, so it carries no checksum, and a tool
/// that rewrites values in the lines keeps the file readable.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::record) struct EndLine {
    /// The marker.
    pub(in crate::record) end: EndCount,
}

/// What the end line says.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::record) struct EndCount {
    /// Events in the file.
    pub(in crate::record) events: u64,
}

/// Reads the events of JSON Lines whose header `lines` has read.
pub(in crate::record) fn read_all_lines<R: BufRead>(mut lines: JsonLines<R>) -> Result<Recording, ReadError> {
    let mut events = Vec::new();
    while let Some(event) = lines.next_event()? {
        events.push(event);
    }
    Ok(Recording { header: lines.header, events, warning: lines.warning })
}

/// How a line read with [`read_line`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineEnd {
    /// The input had ended before it: there is no line.
    Eof,
    /// By a newline.
    Newline,
    /// By the end of the input: the line is the last one, maybe cut off.
    Unterminated,
    /// It is longer than allowed: only the allowed bytes and one more were read.
    TooLong,
}

/// Reads one line of at most `most` bytes (not counting its newline and a carriage return
/// before it, which are dropped) into `line`, reading never more than `most + 2` bytes.
fn read_line(input: &mut impl BufRead, line: &mut Vec<u8>, most: usize) -> io::Result<LineEnd> {
    line.clear();
    let read = input.by_ref().take(most as u64 + 2).read_until(b'\n', line)?;
    if read == 0 {
        return Ok(LineEnd::Eof);
    }
    let end = if line.last() == Some(&b'\n') {
        line.pop();
        LineEnd::Newline
    } else {
        LineEnd::Unterminated
    };
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    if line.len() > most || (end == LineEnd::Unterminated && read > most + 1) {
        return Ok(LineEnd::TooLong);
    }
    Ok(end)
}

/// JSON Lines read a line at a time, each line bounded: its header read and checked on
/// opening, then its events, each checked to follow the one before.
pub(in crate::record) struct JsonLines<R> {
    file: String,
    /// The recording's header.
    pub(super) header: Header,
    input: R,
    /// The number of the line read last, from 1.
    number: usize,
    /// The event read last.
    last: Option<TraceEvent>,
    /// Events read so far.
    events: usize,
    /// Set when the file was cut short: its last line cut off, or no end line.
    pub(super) warning: Option<String>,
    /// Whether the end line has been read.
    ended: bool,
    done: bool,
    line: Vec<u8>,
}

impl<R: BufRead> JsonLines<R> {
    /// Reads and checks the header, the first line, from `input`; `file` names it in errors.
    pub(in crate::record) fn new(mut input: R, file: &str) -> Result<Self, ReadError> {
        let fail = |problem: String| ReadError::new(file, Some(Place::Line(1)), problem);
        let mut line = Vec::new();
        let end = read_line(&mut input, &mut line, MAX_HEADER_LINE)
            .map_err(|error| ReadError::new(file, None, format!("cannot read it: {error}")))?;
        let header = match end {
            LineEnd::Eof => {
                return Err(fail(format!("the file is empty, where a threadviz header was expected; {RECORD_ONE}")));
            }
            LineEnd::TooLong => {
                return Err(fail(format!(
                    "not a threadviz recording: the first line is longer than {} KiB, where a threadviz header was expected; {RECORD_ONE}",
                    MAX_HEADER_LINE >> 10
                )));
            }
            _ if is_blank(&line) => {
                return Err(fail(format!(
                    "the first line is empty, where a threadviz header was expected; {RECORD_ONE}"
                )));
            }
            LineEnd::Newline | LineEnd::Unterminated => {
                read_header(&line, end == LineEnd::Unterminated).map_err(fail)?
            }
        };
        Ok(Self {
            file: file.to_owned(),
            header,
            input,
            number: 1,
            last: None,
            events: 0,
            warning: None,
            ended: false,
            done: end == LineEnd::Unterminated,
            line,
        })
    }

    /// The next event, or `None` after the last one (a cut-off last line sets the warning).
    pub(in crate::record) fn next_event(&mut self) -> Result<Option<TraceEvent>, ReadError> {
        while !self.done {
            let end = match read_line(&mut self.input, &mut self.line, MAX_EVENT_LINE) {
                Ok(end) => end,
                Err(error) => {
                    self.done = true;
                    return Err(ReadError::new(&self.file, None, format!("cannot read it: {error}")));
                }
            };
            self.number += 1;
            let number = self.number;
            let fail = |problem: String| ReadError::new(&self.file, Some(Place::Line(number)), problem);
            match end {
                LineEnd::Eof => {
                    self.done = true;
                    if !self.ended && self.header.version >= 2 && self.warning.is_none() {
                        self.warning = Some(no_end_marker(&self.file, self.events));
                    }
                }
                LineEnd::TooLong => {
                    self.done = true;
                    return Err(fail(format!(
                        "the line is longer than {} MiB: not a threadviz event; the file is damaged: record it again",
                        MAX_EVENT_LINE >> 20
                    )));
                }
                LineEnd::Newline | LineEnd::Unterminated => {
                    self.done = end == LineEnd::Unterminated;
                    if is_blank(&self.line) {
                        continue;
                    }
                    if self.ended {
                        self.done = true;
                        return Err(fail(
                            "a line follows the end line; the file is damaged: record it again".to_owned(),
                        ));
                    }
                    let event: TraceEvent = match serde_json::from_slice(&self.line) {
                        Ok(event) => event,
                        Err(_) if self.line.starts_with(b"{\"end\"") => {
                            self.end_line(end, number)?;
                            continue;
                        }
                        Err(_) if end == LineEnd::Unterminated => {
                            self.warning = Some(format!(
                                "{}:{number}: the last line is cut off (the recording was interrupted); using the {} events before it",
                                self.file, self.events
                            ));
                            return Ok(None);
                        }
                        Err(error) => {
                            self.done = true;
                            return Err(fail(format!(
                                "not a threadviz event ({}); the file is damaged: record it again",
                                json_problem(&error)
                            )));
                        }
                    };
                    if let Err(problem) = check_order(self.last.as_ref(), &event) {
                        self.done = true;
                        return Err(fail(format!("{problem}; the file is damaged: record it again")));
                    }
                    self.last = Some(event.clone());
                    self.events += 1;
                    return Ok(Some(event));
                }
            }
        }
        Ok(None)
    }
}

impl<R> JsonLines<R> {
    /// Reads the end line just read (line `number`, ended by `end`): it must count the events
    /// before it.
    fn end_line(&mut self, end: LineEnd, number: usize) -> Result<(), ReadError> {
        let fail = |problem: String| ReadError::new(&self.file, Some(Place::Line(number)), problem);
        let marker: EndLine = match serde_json::from_slice(&self.line) {
            Ok(marker) => marker,
            Err(_) if end == LineEnd::Unterminated => {
                self.warning = Some(no_end_marker(&self.file, self.events));
                return Ok(());
            }
            Err(error) => {
                self.done = true;
                return Err(fail(format!(
                    "the end line is not valid ({}); the file is damaged: record it again",
                    json_problem(&error)
                )));
            }
        };
        if marker.end.events != self.events as u64 {
            self.done = true;
            return Err(fail(format!(
                "the end line counts {} events, but the file holds {}; the file is damaged: record it again",
                marker.end.events, self.events
            )));
        }
        self.ended = true;
        Ok(())
    }
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}
