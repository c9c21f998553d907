//! Seeking in a recording: the model after any number of events, from the nearest kept model
//! and a few folds, and the [`Cursor`] that reads the events from there on, from memory or
//! from the file a frame at a time. How models are kept is [`super`]'s business.

use std::fs::File;
use std::io::{BufReader, Seek, SeekFrom};
use std::sync::Arc;

use super::{FramePlace, Snapshots, Source};
use crate::TraceEvent;
use crate::model::Model;
use crate::record::binary::{FrameReader, Next};

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
        let index = (position / self.every).min(self.kept.len().saturating_sub(1));
        let Some(kept) = self.kept.get(index) else {
            return (Model::new(), self.cursor_from(0, FramePlace::default()));
        };
        let mut model = kept.model();
        let mut cursor = self.cursor_from(index * self.every, kept.next);
        while cursor.position < position {
            let Some(event) = cursor.peek() else { break };
            model.apply(event);
            cursor.advance();
        }
        (model, cursor)
    }

    /// The events from `position` on.
    #[must_use]
    pub fn cursor(&self, position: usize) -> Cursor {
        let position = position.min(self.len);
        let index = (position / self.every).min(self.kept.len().saturating_sub(1));
        let next = self.kept.get(index).map_or_else(FramePlace::default, |kept| kept.next);
        let mut cursor = self.cursor_from(index * self.every, next);
        while cursor.position < position && cursor.peek().is_some() {
            cursor.advance();
        }
        cursor
    }

    fn cursor_from(&self, position: usize, next: FramePlace) -> Cursor {
        let events = match &self.source {
            Source::Memory(events) => Events::Memory(events.clone()),
            Source::File(path) => {
                let reader = File::open(path).and_then(|mut file| {
                    file.seek(SeekFrom::Start(next.offset))?;
                    Ok(FrameReader::new(BufReader::with_capacity(1 << 16, file), next.offset))
                });
                match reader {
                    Ok(reader) => Events::File { reader: Box::new(reader), buffer: Vec::new(), at: 0, skip: next.skip },
                    // The file went away since it was indexed: nothing more to show.
                    Err(_) => Events::Gone,
                }
            }
        };
        Cursor { position, len: self.len, events }
    }

    /// How many events have happened once the event numbered `seq` has (all of them past
    /// the last).
    #[must_use]
    pub fn position_after_seq(&self, seq: u64) -> usize {
        match (&self.source, self.first_seq) {
            (Source::Memory(events), _) => events.partition_point(|event| event.seq <= seq),
            (Source::File(_), Some(first)) if seq >= first => {
                usize::try_from((seq - first).saturating_add(1)).unwrap_or(usize::MAX).min(self.len)
            }
            (Source::File(_), _) => 0,
        }
    }

    /// How many events have happened at demo time `time_us`: all those stamped at or before it.
    #[must_use]
    pub fn position_at_time(&self, time_us: u64) -> usize {
        // A kept model's time is that of the last event before it; times never go back.
        let index = self.kept.partition_point(|kept| kept.model.time_us <= time_us).saturating_sub(1);
        let next = self.kept.get(index).map_or_else(FramePlace::default, |kept| kept.next);
        let mut cursor = self.cursor_from(index * self.every, next);
        while cursor.peek().is_some_and(|event| event.time_us <= time_us) {
            cursor.advance();
        }
        cursor.position
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
