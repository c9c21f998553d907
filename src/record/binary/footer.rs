//! The index a clean finish writes at the end of a binary recording (container version 3 on),
//! just before the end marker, which gives its offset: where each frame is, how many events
//! come before it and when its first one happened, and what a replay must know before it shows
//! anything (the events in all, the first sequence number, the last demo time, whether the
//! session ended, the threads' names, where the carried source files are), and from its
//! version 2 on where the models kept as the file was written are (they come just before it).
//! A replay reads it first and opens at once instead of reading every frame.
//!
//! ```text
//! footer   payload length: u32 LE | 0: u32 LE | u32::MAX: u32 LE | CRC-32: u32 LE
//!          | postcard(Footer), its first field the footer's own version
//!          | postcard(ModelTable) (version 2 on)
//! end      the end marker, whose payload ends with the footer's offset: u64 LE
//! ```
//!
//! Nothing in it is trusted before it is checked against the file: the end marker (its
//! checksum, and that it ends the file), the footer's header (where the marker says, ending
//! where the marker begins), its checksum and version, and every frame header it points at
//! and its contents (their event counts, their lengths laid end to end up to the footer, each
//! frame's CRC-32 of its compressed contents, and the end marker's checksum of every header).
//! Checking costs one sequential read of the file and no decoding, a few milliseconds where
//! reading every frame's events and folding them took seconds. A file cut short has no end
//! marker and so no footer; one that fails any check is read frame by frame as if it had none,
//! which names a damaged frame by its place.

use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::fs::FileExt;

use serde::{Deserialize, Serialize};

use super::{
    END_PAYLOAD_WITH_FOOTER, EndMarker, FOOTER_RAW_LEN, FRAME_HEADER_BYTES, FrameReader, Index, MAX_FRAME_BYTES, Next,
    checksum,
};
use crate::event::{EventKind, Tid, TraceEvent};

/// The footer's own version: a reader ignores a footer of any other (and reads the frames).
/// Version 2 adds the table of the kept models stored before it; version 1's is still read.
const FOOTER_VERSION: u32 = 2;
/// The first version, without a table of models.
const FOOTER_WITHOUT_MODELS: u32 = 1;
/// The end marker with the footer's offset: a frame header and its payload.
const END_MARKER_LEN: usize = FRAME_HEADER_BYTES + END_PAYLOAD_WITH_FOOTER as usize;
/// The same, as a file offset.
const END_MARKER_BYTES: u64 = END_MARKER_LEN as u64;
/// The longest footer a reader accepts: a damaged length cannot make it read the whole file.
pub(in crate::record) const MAX_FOOTER_BYTES: u64 = 1 << 26;

/// One frame of the file, as the index gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(in crate::record) struct FrameEntry {
    /// Its first byte in the file.
    pub(in crate::record) offset: u64,
    /// How many events come before it in the file.
    pub(in crate::record) first: u64,
    /// Its events.
    pub(in crate::record) events: u32,
    /// The demo time of its first event.
    pub(in crate::record) first_us: u64,
}

/// What a replay needs to open a recording without reading its frames.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(in crate::record) struct Footer {
    /// The footer's version, [`FOOTER_VERSION`] (first, so that any version's can be told).
    pub(in crate::record) version: u32,
    /// Events in the file.
    pub(in crate::record) events: u64,
    /// The first event's sequence number.
    pub(in crate::record) first_seq: Option<u64>,
    /// The last event's demo time (0 when there is none).
    pub(in crate::record) end_us: u64,
    /// Whether the last event is the session's end.
    pub(in crate::record) ended: bool,
    /// Every thread's name, as last given.
    pub(in crate::record) names: BTreeMap<Tid, String>,
    /// The positions of the events that carry a source file ([`EventKind::Source`]).
    pub(in crate::record) sources: Vec<u64>,
    /// Every frame, in order.
    pub(in crate::record) frames: Vec<FrameEntry>,
    /// The kept models stored between the last frame and the footer (version 2 on), written
    /// after the rest of the footer in its payload.
    #[serde(skip)]
    pub(in crate::record) models: ModelTable,
}

/// Where the models kept along a recording are in its file: each the state after `position`
/// events, a record of the footer's kind (a frame header of no events with the footer's raw
/// length, and its CRC-32), laid end to end from the last frame to the footer. A reader that
/// reads the frames in order passes over them as it passes over the footer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(in crate::record) struct ModelTable {
    /// The layout of the models (`record/snapshots/kept.rs`'s `MODEL_FORMAT`): a reader of
    /// another uses none of them.
    pub(in crate::record) format: u32,
    /// Events between two models kept.
    pub(in crate::record) every: u64,
    /// Every model stored, in order.
    pub(in crate::record) models: Vec<StoredModel>,
}

/// One model a recording stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(in crate::record) struct StoredModel {
    /// The events folded into it.
    pub(in crate::record) position: u64,
    /// Its record's first byte in the file.
    pub(in crate::record) offset: u64,
    /// Its record's payload length.
    pub(in crate::record) length: u32,
}

impl Default for Footer {
    fn default() -> Self {
        Self {
            version: FOOTER_VERSION,
            events: 0,
            first_seq: None,
            end_us: 0,
            ended: false,
            names: BTreeMap::new(),
            sources: Vec::new(),
            frames: Vec::new(),
            models: ModelTable::default(),
        }
    }
}

impl Footer {
    /// Takes `event`, the next one written, into account.
    pub(in crate::record) fn event(&mut self, event: &TraceEvent) {
        match &event.kind {
            EventKind::ThreadCreated { tid, name, .. } | EventKind::ThreadRenamed { tid, name } => {
                self.names.insert(*tid, name.clone());
            }
            EventKind::Source { .. } => self.sources.push(self.events),
            _ => {}
        }
        self.first_seq.get_or_insert(event.seq);
        self.end_us = event.time_us;
        self.ended = matches!(event.kind, EventKind::SessionEnded);
        self.events += 1;
    }

    /// Takes a frame written at `offset` into account: it holds the last `events` events
    /// taken, the first at `first_us`.
    pub(in crate::record) fn frame(&mut self, offset: u64, events: u32, first_us: u64) {
        let first = self.events.saturating_sub(u64::from(events));
        self.frames.push(FrameEntry { offset, first, events, first_us });
    }

    /// The footer's bytes, header and payload: what a clean finish writes before the end
    /// marker.
    pub(in crate::record) fn to_bytes(&self) -> std::io::Result<Vec<u8>> {
        let mut payload = postcard::to_allocvec(self).map_err(std::io::Error::other)?;
        payload.extend(postcard::to_allocvec(&self.models).map_err(std::io::Error::other)?);
        record(&payload).ok_or_else(|| std::io::Error::other("the recording's index is too large"))
    }

    /// Takes a model stored `length` bytes long at `offset`, after `position` events, into
    /// account.
    pub(in crate::record) fn model(&mut self, position: u64, offset: u64, length: u32) {
        self.models.models.push(StoredModel { position, offset, length });
    }

    /// The footer of `file`, `len` bytes long, whose first frame would start at `frames_at`:
    /// `None` unless it is there and every check against the file passes.
    pub(in crate::record) fn read(file: &File, len: u64, frames_at: u64) -> Option<Self> {
        let marker_at = len.checked_sub(END_MARKER_BYTES).filter(|&at| at >= frames_at)?;
        let mut marker = [0_u8; END_MARKER_LEN];
        file.read_exact_at(&mut marker, marker_at).ok()?;
        let reader = FrameReader::new(marker.as_slice(), marker_at).with_footer(true);
        let Ok(Next::Ended(end)) = { reader }.next_frame(&mut Vec::new()) else { return None };
        let footer_at = end.footer.filter(|&at| at >= frames_at && at < marker_at)?;
        let mut header = [0_u8; FRAME_HEADER_BYTES];
        file.read_exact_at(&mut header, footer_at).ok()?;
        let field = |at: usize| Some(u32::from_le_bytes(header.get(at..at + 4)?.try_into().ok()?));
        let length = field(0)?;
        if field(4)? != 0
            || field(8)? != FOOTER_RAW_LEN
            || footer_at + FRAME_HEADER_BYTES as u64 + u64::from(length) != marker_at
            || u64::from(length) > MAX_FOOTER_BYTES
        {
            return None;
        }
        let mut payload = vec![0_u8; usize::try_from(length).ok()?];
        file.read_exact_at(&mut payload, footer_at + FRAME_HEADER_BYTES as u64).ok()?;
        if checksum(0, FOOTER_RAW_LEN, &payload) != field(12)? {
            return None;
        }
        // The version first: a footer of another version is not decoded further.
        let (version, _) = postcard::take_from_bytes::<u32>(&payload).ok()?;
        let (mut footer, rest): (Self, _) = match version {
            FOOTER_VERSION | FOOTER_WITHOUT_MODELS => postcard::take_from_bytes(&payload).ok()?,
            _ => return None,
        };
        if version == FOOTER_VERSION {
            footer.models = postcard::from_bytes(rest).ok()?;
        }
        footer.matches(file, frames_at, footer_at, &end).then_some(footer)
    }

    /// Whether the frames the footer lists are the file's, from `frames_at` to the footer at
    /// `footer_at`, as the end marker `end` counts them, and what it says of them holds
    /// together.
    fn matches(&self, file: &File, frames_at: u64, footer_at: u64, end: &EndMarker) -> bool {
        let mut index = Index::default();
        let (mut at, mut first, mut first_us) = (frames_at, 0_u64, 0_u64);
        let mut payload = Vec::new();
        for entry in &self.frames {
            let mut header = [0_u8; FRAME_HEADER_BYTES];
            if entry.offset != at
                || entry.first != first
                || entry.first_us < first_us
                || file.read_exact_at(&mut header, at).is_err()
            {
                return false;
            }
            let field = |at: usize| u32::from_le_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]]);
            let (length, count, raw_len, expected) = (field(0), field(4), field(8), field(12));
            let end = at + FRAME_HEADER_BYTES as u64 + u64::from(length);
            if count != entry.events || count == 0 || length > MAX_FRAME_BYTES || end > footer_at {
                return false;
            }
            // Every frame's contents checked, not decoded: a damaged one is then named, with
            // its place, by the reading of every frame this falls back to.
            payload.resize(length as usize, 0);
            if file.read_exact_at(&mut payload, at + FRAME_HEADER_BYTES as u64).is_err()
                || checksum(count, raw_len, &payload) != expected
            {
                return false;
            }
            index.add(&header, count);
            at = end;
            first += u64::from(count);
            first_us = entry.first_us;
        }
        self.models_match(file, at, footer_at)
            && end.matches(&index)
            && first == self.events
            && self.end_us >= first_us
            && self.first_seq.is_some() == (self.events > 0)
            && self.first_seq.is_none_or(|seq| seq.checked_add(self.events).is_some())
            && self.sources.iter().all(|&position| position < self.events)
    }

    /// Whether the models the footer lists lie end to end from `at`, where the frames end, to
    /// the footer at `footer_at`, each a record of the footer's kind of the length listed, at
    /// growing positions within the events. Their contents are checked when one is read.
    fn models_match(&self, file: &File, mut at: u64, footer_at: u64) -> bool {
        let mut position = 0_u64;
        for model in &self.models.models {
            if model.offset != at || model.position <= position || model.position > self.events {
                return false;
            }
            if record_checksum(file, at, model.length).is_none() {
                return false;
            }
            at += FRAME_HEADER_BYTES as u64 + u64::from(model.length);
            position = model.position;
        }
        at == footer_at
    }
}

/// `payload` as a record of the footer's kind (a stored model, or the footer itself): a frame
/// header of no events with the footer's raw length and the payload's CRC-32, then the
/// payload; `None` when it is longer than a reader accepts.
pub(in crate::record) fn record(payload: &[u8]) -> Option<Vec<u8>> {
    let length = u32::try_from(payload.len()).ok().filter(|&length| u64::from(length) <= MAX_FOOTER_BYTES)?;
    let mut out = Vec::with_capacity(FRAME_HEADER_BYTES + payload.len());
    for value in [length, 0, FOOTER_RAW_LEN, checksum(0, FOOTER_RAW_LEN, payload)] {
        out.extend_from_slice(&value.to_le_bytes());
    }
    out.extend_from_slice(payload);
    Some(out)
}

/// The payload of the record of the footer's kind `length` bytes long at `offset` in `file`,
/// if its checksum holds.
pub(in crate::record) fn read_record(file: &File, offset: u64, length: u32) -> Option<Vec<u8>> {
    let expected = record_checksum(file, offset, length)?;
    let mut payload = vec![0_u8; usize::try_from(length).ok()?];
    file.read_exact_at(&mut payload, offset + FRAME_HEADER_BYTES as u64).ok()?;
    (checksum(0, FOOTER_RAW_LEN, &payload) == expected).then_some(payload)
}

/// The checksum the header at `offset` in `file` gives, if it is the header of a record of
/// the footer's kind `length` bytes long (no longer than a reader accepts).
fn record_checksum(file: &File, offset: u64, length: u32) -> Option<u32> {
    if u64::from(length) > MAX_FOOTER_BYTES {
        return None;
    }
    let mut header = [0_u8; FRAME_HEADER_BYTES];
    file.read_exact_at(&mut header, offset).ok()?;
    let field = |at: usize| u32::from_le_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]]);
    (field(0) == length && field(4) == 0 && field(8) == FOOTER_RAW_LEN).then(|| field(12))
}
