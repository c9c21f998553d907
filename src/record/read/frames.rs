//! Reading the binary form: its preamble and header checked, then its frames in order, each
//! problem named by its frame, the end marker checked against the frames read, and the events
//! checked to follow each other across frames. The frames themselves are decoded by
//! [`crate::record::binary`]; JSON Lines are read in `lines.rs`.

use std::io::Read;

use super::{Place, ReadError, Recording, check_order, no_end_marker, read_header};
use crate::TraceEvent;
use crate::record::Header;
use crate::record::binary::{self, FrameReader, Next, PREAMBLE_BYTES};

/// Reads a binary recording whose magic has been read from `input`.
pub(super) fn read_binary(input: &mut impl Read, file: &str) -> Result<Recording, ReadError> {
    let mut frames = binary_frames(input, file)?;
    let mut events = Vec::new();
    let mut checked = 0;
    while frames.next(&mut events)? == Next::Frame {
        for index in checked..events.len() {
            frames.check(index.checked_sub(1).and_then(|before| events.get(before)), &events[index])?;
        }
        checked = events.len();
    }
    let warning = frames.warning.take();
    Ok(Recording { header: frames.header.clone(), events, warning })
}

/// Reads the preamble of a binary recording whose magic has been read from `input`.
pub(in crate::record) fn binary_frames<R: Read>(mut input: R, file: &str) -> Result<BinaryFrames<R>, ReadError> {
    let (version, json) = binary::read_preamble(&mut input)
        .map_err(|(offset, problem)| ReadError::new(file, Some(Place::Byte(offset)), problem))?;
    let at_header = |problem: String| ReadError::new(file, Some(Place::Byte(PREAMBLE_BYTES)), problem);
    if serde_json::from_slice::<serde_json::Value>(&json).is_err() {
        return Err(at_header(
            "the header is damaged (it is not JSON); the file is damaged: record it again".to_owned(),
        ));
    }
    let header = read_header(&json, false).map_err(at_header)?;
    let offset = PREAMBLE_BYTES + json.len() as u64;
    Ok(BinaryFrames {
        file: file.to_owned(),
        header,
        reader: FrameReader::new(input, offset).with_footer(version >= 3),
        number: 0,
        last: Place::Byte(offset),
        events: 0,
        marked: version >= 2,
        warning: None,
    })
}

/// The frames of a binary recording, read in order, each problem named by its frame.
pub(in crate::record) struct BinaryFrames<R> {
    file: String,
    /// The recording's header.
    pub(in crate::record) header: Header,
    reader: FrameReader<R>,
    /// Frames read so far.
    number: usize,
    /// The frame read last.
    last: Place,
    /// Events read so far.
    events: usize,
    /// Whether the file's container ends with an end marker when it is whole (version 2 on).
    marked: bool,
    /// Set when the file was cut short: its last frame cut off, or no end marker.
    pub(in crate::record) warning: Option<String>,
}

impl<R: Read> BinaryFrames<R> {
    /// The offset of the next frame.
    pub(in crate::record) fn offset(&self) -> u64 {
        self.reader.offset()
    }

    /// Appends the next frame's events to `events`; a cut-off frame sets the warning and ends.
    pub(in crate::record) fn next(&mut self, events: &mut Vec<TraceEvent>) -> Result<Next, ReadError> {
        let before = events.len();
        let place = Place::Frame { number: self.number + 1, offset: self.reader.offset() };
        let next =
            self.reader.next_frame(events).map_err(|problem| ReadError::new(&self.file, Some(place), problem))?;
        match next {
            Next::Frame => {
                self.number += 1;
                self.last = place;
                self.events += events.len() - before;
            }
            Next::CutOff => {
                self.warning = Some(format!(
                    "{}:{place}: the last frame is cut off (the recording was interrupted); using the {} events before it",
                    self.file, self.events
                ));
            }
            Next::End if self.marked => self.warning = Some(no_end_marker(&self.file, self.events)),
            Next::End => {}
            Next::Ended(marker) => {
                if !marker.matches(self.reader.index()) {
                    let index = self.reader.index();
                    return Err(ReadError::new(
                        &self.file,
                        Some(place),
                        format!(
                            "the end marker counts {} events in {} frames, but the file holds {} in {}; the file is damaged: record it again",
                            marker.events, marker.frames, index.events, index.frames
                        ),
                    ));
                }
            }
        }
        Ok(next)
    }

    /// Checks that `event`, of the frame just read, follows `previous`.
    pub(in crate::record) fn check(&self, previous: Option<&TraceEvent>, event: &TraceEvent) -> Result<(), ReadError> {
        check_order(previous, event).map_err(|problem| {
            ReadError::new(&self.file, Some(self.last), format!("{problem}; the file is damaged: record it again"))
        })
    }
}
