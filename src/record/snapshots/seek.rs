//! Seeking in a recording: the model after any number of events, from the nearest kept model
//! and a few folds, and the [`Cursor`] that reads the events from there on, from memory or
//! from the file a frame at a time, starting at the frame the frame table says holds the first
//! one. How models are kept is `keeper.rs`'s business.

use std::fs::File;
use std::io::{BufReader, Seek, SeekFrom};
use std::sync::Arc;

use super::{Snapshots, Source};
use crate::TraceEvent;
use crate::model::Model;
use crate::record::binary::{FrameEntry, FrameReader, Next};

impl Snapshots {
    /// The state after the first `position` events (all of them if `position` is larger).
    #[must_use]
    pub fn model_at(&self, position: usize) -> Model {
        self.seek(position).0
    }

    /// The state after the first `position` events (all of them if `position` is larger),
    /// and the events from there on.
    #[must_use]
    pub fn seek(&self, position: usize) -> (Model, Cursor) {
        let position = position.min(self.len);
        let (mut model, at) = self.kept.nearest(position);
        let mut cursor = self.cursor(at);
        // Past the models kept so far (still being kept in the background), the ones this
        // fold goes by are kept on the way: the next seek, and the background, start there.
        let every = self.kept.every();
        let offer = !self.kept.done();
        while cursor.position < position {
            let Some(event) = cursor.peek() else { break };
            model.apply(event);
            cursor.advance();
            if offer && cursor.position.is_multiple_of(every) {
                self.kept.offer(cursor.position, &mut model);
            }
        }
        (model, cursor)
    }

    /// The events from `position` on (none if `position` is past the last).
    #[must_use]
    pub fn cursor(&self, position: usize) -> Cursor {
        self.source.cursor(position, self.len)
    }

    /// How many events have happened once the event numbered `seq` has (all of them past
    /// the last).
    #[must_use]
    pub fn position_after_seq(&self, seq: u64) -> usize {
        match (&self.source, self.first_seq) {
            (Source::Memory(events), _) => events.partition_point(|event| event.seq <= seq),
            (Source::File { .. }, Some(first)) if seq >= first => {
                usize::try_from((seq - first).saturating_add(1)).unwrap_or(usize::MAX).min(self.len)
            }
            (Source::File { .. }, _) => 0,
        }
    }

    /// How many events have happened at demo time `time_us`: all those stamped at or before it.
    #[must_use]
    pub fn position_at_time(&self, time_us: u64) -> usize {
        // Times never go back: every event of the frames before the last that starts at or
        // before `time_us` is stamped at or before it.
        let start = match &self.source {
            Source::Memory(events) => return events.partition_point(|event| event.time_us <= time_us),
            Source::File { frames, .. } => {
                let index = frames.partition_point(|frame| frame.first_us <= time_us);
                match index.checked_sub(1).and_then(|index| frames.get(index)) {
                    Some(frame) => usize::try_from(frame.first).unwrap_or(usize::MAX),
                    None => return 0,
                }
            }
        };
        let mut cursor = self.cursor(start);
        while cursor.peek().is_some_and(|event| event.time_us <= time_us) {
            cursor.advance();
        }
        cursor.position
    }
}

impl Source {
    /// The events from `position` on, of `len` in all.
    pub(super) fn cursor(&self, position: usize, len: usize) -> Cursor {
        let position = position.min(len);
        let events = match self {
            Source::Memory(events) => Events::Memory(events.clone()),
            Source::File { path, frames } => {
                // The frame that holds the event at `position`: the last that starts at or before it.
                let index = frames.partition_point(|frame| frame.first <= position as u64).saturating_sub(1);
                let frame =
                    frames.get(index).copied().unwrap_or(FrameEntry { offset: 0, first: 0, events: 0, first_us: 0 });
                let reader = File::open(path).and_then(|mut file| {
                    file.seek(SeekFrom::Start(frame.offset))?;
                    Ok(FrameReader::new(BufReader::with_capacity(1 << 16, file), frame.offset))
                });
                let skip = usize::try_from((position as u64).saturating_sub(frame.first)).unwrap_or(usize::MAX);
                match reader {
                    Ok(reader) if !frames.is_empty() => {
                        Events::File { reader: Box::new(reader), buffer: Vec::new(), at: 0, skip }
                    }
                    // The file went away since it was indexed, or holds no frame: nothing to show.
                    _ => Events::Gone,
                }
            }
        };
        Cursor { position, len, events }
    }
}

/// Where a cursor takes its events from.
#[derive(Debug)]
enum Events {
    Memory(Arc<[TraceEvent]>),
    File {
        reader: Box<FrameReader<BufReader<File>>>,
        /// The frame being read.
        buffer: Vec<TraceEvent>,
        at: usize,
        /// Events of the first frame that come before the cursor's start.
        skip: usize,
    },
    Gone,
}

/// A recording's events from some position on, read as they are needed.
#[derive(Debug)]
pub struct Cursor {
    /// Events before the next one.
    position: usize,
    len: usize,
    events: Events,
}

impl Cursor {
    /// How many events come before the next one.
    #[must_use]
    pub fn position(&self) -> usize {
        self.position
    }

    /// The next event, if any.
    pub fn peek(&mut self) -> Option<&TraceEvent> {
        if self.position >= self.len {
            return None;
        }
        match &mut self.events {
            Events::Memory(events) => events.get(self.position),
            Events::File { reader, buffer, at, skip } => {
                while *at >= buffer.len() {
                    buffer.clear();
                    // The file was checked when it was indexed: a frame that no longer reads
                    // ends the events.
                    if reader.next_frame(buffer) != Ok(Next::Frame) {
                        self.len = self.position;
                        return None;
                    }
                    *at = std::mem::take(skip);
                }
                buffer.get(*at)
            }
            Events::Gone => None,
        }
    }

    /// Moves past the next event (call after [`Cursor::peek`] found one).
    pub fn advance(&mut self) {
        if let Events::File { at, .. } = &mut self.events {
            *at += 1;
        }
        self.position += 1;
    }
}

impl Iterator for Cursor {
    type Item = TraceEvent;

    fn next(&mut self) -> Option<TraceEvent> {
        let event = self.peek().cloned()?;
        self.advance();
        Some(event)
    }
}
