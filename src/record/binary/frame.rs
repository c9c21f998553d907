//! One frame of a binary recording, encoded and decoded: events in, one checked LZ4 block of
//! delta-coded postcard records out ([`super::wire`] is each record's form), and back. Every
//! frame stands on its own, its source files named once in it and then by number, so a replay
//! can start at any frame; where the frames sit in the file is [`super`]'s business.

use std::borrow::Cow;
use std::collections::HashSet;
use std::io;
use std::sync::OnceLock;

use parking_lot::Mutex;

use super::wire::{WireEvent, WireKind, WireLoc};
use super::{FRAME_BYTES, FRAME_EVENTS, FRAME_HEADER_BYTES, Index, MAX_FRAME_BYTES, checksum};
use crate::event::{SourceLoc, TraceEvent};

/// Collects events into frames.
#[derive(Debug, Default)]
pub(in crate::record) struct FrameEncoder {
    raw: Vec<u8>,
    events: u32,
    /// Source files named in this frame, by number.
    files: Vec<Cow<'static, str>>,
    last_seq: Option<u64>,
    last_time: u64,
    compressed: Vec<u8>,
    /// What the end marker says: every frame finished so far.
    index: Index,
}

impl FrameEncoder {
    /// Whether the frame holds any event.
    pub(in crate::record) fn is_empty(&self) -> bool {
        self.events == 0
    }

    /// How many events the frame holds.
    pub(in crate::record) fn len(&self) -> u32 {
        self.events
    }

    /// Whether the frame is as big as frames get.
    pub(in crate::record) fn is_full(&self) -> bool {
        self.events >= FRAME_EVENTS || self.raw.len() >= FRAME_BYTES
    }

    /// Adds `event` to the frame.
    pub(in crate::record) fn push(&mut self, event: &TraceEvent) -> io::Result<()> {
        let expected = self.last_seq.map_or(0, |seq| seq.wrapping_add(1));
        let loc = match &event.loc {
            None => WireLoc::None,
            Some(SourceLoc { file, line }) => {
                let known = self
                    .files
                    .iter()
                    .rposition(|named| (named.as_ptr() == file.as_ptr() && named.len() == file.len()) || named == file);
                if let Some(index) = known.and_then(|index| u32::try_from(index).ok()) {
                    WireLoc::Known(index, *line)
                } else {
                    self.files.push(file.clone());
                    WireLoc::New(Cow::Borrowed(file.as_ref()), *line)
                }
            }
        };
        let wire = WireEvent {
            seq: event.seq.wrapping_sub(expected).cast_signed(),
            time: event.time_us.wrapping_sub(self.last_time).cast_signed(),
            thread: event.thread,
            loc,
            kind: WireKind::from(&event.kind),
        };
        // Most events fit a small buffer on the stack; a long text goes the slower way.
        let mut scratch = [0_u8; 128];
        if let Ok(bytes) = postcard::to_slice(&wire, &mut scratch) {
            self.raw.extend_from_slice(bytes);
        } else {
            let raw = std::mem::take(&mut self.raw);
            self.raw = postcard::to_extend(&wire, raw).map_err(io::Error::other)?;
        }
        self.events += 1;
        self.last_seq = Some(event.seq);
        self.last_time = event.time_us;
        Ok(())
    }

    /// The frame's bytes, header and compressed payload; the encoder starts a new frame.
    pub(in crate::record) fn finish(&mut self) -> io::Result<&[u8]> {
        let too_big = || io::Error::other("an event is too large to record (over 256 MiB)");
        let raw_len = u32::try_from(self.raw.len()).ok().filter(|&len| len <= MAX_FRAME_BYTES).ok_or_else(too_big)?;
        self.compressed.clear();
        self.compressed.resize(FRAME_HEADER_BYTES + lz4_flex::block::get_maximum_output_size(self.raw.len()), 0);
        let (header, payload) = self.compressed.split_at_mut(FRAME_HEADER_BYTES);
        let written = lz4_flex::block::compress_into(&self.raw, payload).map_err(io::Error::other)?;
        let payload_len = u32::try_from(written).ok().filter(|&len| len <= MAX_FRAME_BYTES).ok_or_else(too_big)?;
        let checksum = checksum(self.events, raw_len, payload.get(..written).unwrap_or_default());
        for (at, value) in [payload_len, self.events, raw_len, checksum].into_iter().enumerate() {
            header[at * 4..at * 4 + 4].copy_from_slice(&value.to_le_bytes());
        }
        self.compressed.truncate(FRAME_HEADER_BYTES + written);
        self.index.add(self.compressed.get(..FRAME_HEADER_BYTES).unwrap_or_default(), self.events);
        self.raw.clear();
        self.events = 0;
        self.files.clear();
        self.last_seq = None;
        self.last_time = 0;
        Ok(&self.compressed)
    }

    /// The end marker after every frame finished so far and the footer at `footer`: what a
    /// clean finish writes last.
    pub(in crate::record) fn end_marker(&self, footer: Option<u64>) -> Vec<u8> {
        self.index.end_marker(footer)
    }
}

/// Decodes frames one after another, reusing its buffers.
#[derive(Debug, Default)]
pub(super) struct FrameDecoder {
    /// The payload decompressed.
    raw: Vec<u8>,
    /// Source files named in the frame, by number.
    files: Vec<Cow<'static, str>>,
}

impl FrameDecoder {
    /// Checks a frame's `payload` against the CRC-32 its header gives (`expected`), decompresses
    /// it to the `raw_len` bytes the header says and appends its `count` events to `events`:
    /// all of them, or none when the frame is damaged, which the error then says.
    pub(super) fn decode(
        &mut self,
        count: u32,
        raw_len: u32,
        expected: u32,
        payload: &[u8],
        events: &mut Vec<TraceEvent>,
    ) -> Result<(), String> {
        if checksum(count, raw_len, payload) != expected {
            return Err("the frame's checksum does not match its contents".to_owned());
        }
        self.raw.clear();
        self.raw.resize(raw_len as usize, 0);
        match lz4_flex::block::decompress_into(payload, &mut self.raw) {
            Ok(size) if size == raw_len as usize => {}
            _ => return Err("the frame does not decompress".to_owned()),
        }
        let start = events.len();
        let decoded = self.events(count, events);
        if decoded.is_err() {
            events.truncate(start);
        }
        decoded.map_err(|index| format!("event {index} of the frame does not decode"))
    }

    /// Decodes the frame's `count` events; the error is the index of the one that failed.
    fn events(&mut self, count: u32, events: &mut Vec<TraceEvent>) -> Result<(), u32> {
        self.files.clear();
        let mut rest = self.raw.as_slice();
        let (mut last_seq, mut last_time): (Option<u64>, u64) = (None, 0);
        for index in 0..count {
            let (wire, after) = postcard::take_from_bytes::<WireEvent<'_>>(rest).map_err(|_| index)?;
            rest = after;
            let loc = match wire.loc {
                WireLoc::None => None,
                WireLoc::Known(file, line) => {
                    let file = self.files.get(file as usize).ok_or(index)?.clone();
                    Some(SourceLoc { file, line })
                }
                WireLoc::New(file, line) => {
                    let file = intern(file);
                    self.files.push(file.clone());
                    Some(SourceLoc { file, line })
                }
            };
            let expected = last_seq.map_or(0, |seq| seq.wrapping_add(1));
            let seq = expected.wrapping_add(wire.seq.cast_unsigned());
            let time_us = last_time.wrapping_add(wire.time.cast_unsigned());
            (last_seq, last_time) = (Some(seq), time_us);
            events.push(TraceEvent { seq, time_us, thread: wire.thread, loc, kind: wire.kind.into() });
        }
        if rest.is_empty() { Ok(()) } else { Err(count) }
    }
}

/// The names of source files, each kept once for the life of the process: events refer to
/// their file as `&'static str`, and a replay reads the same frames again and again.
fn intern(name: Cow<'_, str>) -> Cow<'static, str> {
    /// More distinct names than any program has files: past it, names are no longer shared.
    const MOST: usize = 10_000;
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut names = NAMES.get_or_init(Mutex::default).lock();
    if let Some(&known) = names.get(name.as_ref()) {
        return Cow::Borrowed(known);
    }
    if names.len() >= MOST {
        return Cow::Owned(name.into_owned());
    }
    let leaked: &'static str = Box::leak(name.into_owned().into_boxed_str());
    names.insert(leaked);
    Cow::Borrowed(leaked)
}
