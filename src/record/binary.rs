//! The binary form of a recording: a preamble that says what the file is, then frames of
//! events, each delta-coded with postcard, compressed with LZ4 and checked with a CRC-32.
//!
//! ```text
//! preamble  MAGIC (8 bytes) | container version: u32 LE | header length: u32 LE | header (JSON)
//! frame     payload length: u32 LE | events: u32 LE | raw length: u32 LE | CRC-32: u32 LE | payload
//! model     payload length: u32 LE | 0: u32 LE | u32::MAX: u32 LE | CRC-32: u32 LE | payload
//!           (any number, from footer version 2: a kept model; see `snapshots/stored.rs`)
//! footer    payload length: u32 LE | 0: u32 LE | u32::MAX: u32 LE | CRC-32: u32 LE | payload
//!           (version 3 on: the frames' index, postcard; see `footer.rs`)
//! end       24 (32 from version 3): u32 LE | 0: u32 LE | 0: u32 LE | CRC-32: u32 LE
//!           END_MAGIC (8 bytes) | events: u64 LE | frames: u32 LE | index CRC-32: u32 LE
//!           | the footer's offset: u64 LE (version 3 on)
//! ```
//!
//! A clean finish ends the file with the end marker (container version 2 on): a frame header
//! that holds no events, whose payload gives the events and frames written and a CRC-32 of
//! every frame header before it (the index a reader would build). A file that ends without it
//! was cut short, even when the cut fell exactly between two frames. From version 3 on, the
//! footer comes just before it, and the end marker gives its offset: where every frame is and
//! what a replay needs to open the file without reading them all; a reader that reads the
//! frames in order passes over it, whatever it holds (a damaged footer only means the file is
//! read that way), and over the kept models stored before it, records of the same kind.
//!
//! The header is the JSON Lines header, so both forms say the same about a run. A frame's
//! payload is one LZ4 block of its events, each a postcard record whose sequence number and
//! time are differences from the event before it in the frame and whose source file is named
//! once per frame, then referred to by number. Every frame decodes on its own, so a replay can
//! start reading at any frame, and one frame is written at a time: a file cut short (the
//! process killed mid-write) loses at most its last frame.
//!
//! This module is the file's layout: the preamble, the frames one after another, the end
//! marker and the index it checks. What is inside one frame, its events compressed and
//! checked, is `frame.rs`; the stored form of one event, whose tags never change, `wire.rs`;
//! the footer before the end marker, `footer.rs`.

use std::io::{self, Read};

use crate::event::TraceEvent;

mod footer;
mod frame;
mod wire;

use self::footer::MAX_FOOTER_BYTES;
pub(super) use self::footer::{Footer, FrameEntry, ModelTable, StoredModel, read_record, record};
use self::frame::FrameDecoder;
pub(super) use self::frame::FrameEncoder;

/// The first bytes of a binary recording. The high first byte keeps the file from passing for
/// text, the line endings catch a transfer that rewrote them.
pub const MAGIC: [u8; 8] = *b"\x89TVZ\r\n\x1a\n";
/// The version of the binary container this threadviz writes and reads: 2 ends the file with
/// an end marker, 3 with the footer after it; 1, which had neither, is still read.
pub const BINARY_VERSION: u32 = 3;
/// The first bytes of the end marker's payload.
const END_MAGIC: [u8; 8] = *b"TVZ-END\n";
/// The end marker's payload: its magic, the events, the frames and the index checksum...
const END_PAYLOAD_BYTES: u32 = 24;
/// ... and from version 3 on, the footer's offset.
pub(super) const END_PAYLOAD_WITH_FOOTER: u32 = 32;
/// The raw length a footer's frame header gives, with no events: tells it from any frame.
pub(super) const FOOTER_RAW_LEN: u32 = u32::MAX;
/// Magic, container version and header length.
pub(super) const PREAMBLE_BYTES: u64 = 16;
/// Payload length, event count, raw length and checksum.
pub(super) const FRAME_HEADER_BYTES: usize = 16;
/// A frame closes after this many events...
const FRAME_EVENTS: u32 = 8_192;
/// ... or this many bytes of encoded events, whichever comes first.
pub(super) const FRAME_BYTES: usize = 256 * 1024;
/// The longest header a reader accepts: a damaged length cannot make it read the whole file.
const MAX_HEADER_BYTES: u32 = 1 << 16;
/// The largest frame a reader accepts, before or after decompression (a frame only grows past
/// [`FRAME_BYTES`] by an event that long on its own).
const MAX_FRAME_BYTES: u32 = 1 << 28;

/// The preamble of a binary recording whose header is `header_json`.
pub(super) fn preamble(header_json: &[u8]) -> io::Result<Vec<u8>> {
    let length = u32::try_from(header_json.len())
        .ok()
        .filter(|&length| length <= MAX_HEADER_BYTES)
        .ok_or_else(|| io::Error::other("the recording's header is too long; shorten the demo's title"))?;
    let mut out = Vec::with_capacity(header_json.len() + 16);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&BINARY_VERSION.to_le_bytes());
    out.extend_from_slice(&length.to_le_bytes());
    out.extend_from_slice(header_json);
    Ok(out)
}

/// What the frames of a file add up to, kept by the writer and checked by the reader.
#[derive(Debug, Default, Clone)]
pub(super) struct Index {
    /// Events in the frames.
    pub(super) events: u64,
    /// Frames.
    pub(super) frames: u32,
    /// A CRC-32 of every frame header, in order.
    checksum: crc32fast::Hasher,
}

impl Index {
    fn add(&mut self, header: &[u8], events: u32) {
        self.events += u64::from(events);
        self.frames = self.frames.saturating_add(1);
        self.checksum.update(header);
    }

    fn checksum(&self) -> u32 {
        self.checksum.clone().finalize()
    }

    /// The end marker after these frames, and after the footer at `footer` if there is one:
    /// what a clean finish writes last.
    fn end_marker(&self, footer: Option<u64>) -> Vec<u8> {
        let mut payload = Vec::with_capacity(END_PAYLOAD_WITH_FOOTER as usize);
        payload.extend_from_slice(&END_MAGIC);
        payload.extend_from_slice(&self.events.to_le_bytes());
        payload.extend_from_slice(&self.frames.to_le_bytes());
        payload.extend_from_slice(&self.checksum().to_le_bytes());
        if let Some(footer) = footer {
            payload.extend_from_slice(&footer.to_le_bytes());
        }
        let length = u32::try_from(payload.len()).unwrap_or(END_PAYLOAD_BYTES);
        let mut out = Vec::with_capacity(FRAME_HEADER_BYTES + payload.len());
        for value in [length, 0, 0, checksum(0, 0, &payload)] {
            out.extend_from_slice(&value.to_le_bytes());
        }
        out.extend_from_slice(&payload);
        out
    }
}

/// What a file's end marker says about the frames before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct EndMarker {
    /// Events in the file.
    pub(super) events: u64,
    /// Frames in the file.
    pub(super) frames: u32,
    /// The CRC-32 of every frame header.
    checksum: u32,
    /// Where the footer is (version 3 on).
    pub(super) footer: Option<u64>,
}

fn checksum(events: u32, raw_len: u32, payload: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&events.to_le_bytes());
    hasher.update(&raw_len.to_le_bytes());
    hasher.update(payload);
    hasher.finalize()
}

/// Reads from `input` until `buffer` is full or the input ends; returns how much was read.
fn read_full(input: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match input.read(buffer.get_mut(filled..).unwrap_or_default()) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

/// Why the start of a binary recording cannot be read: a problem at a byte offset.
pub(super) type Problem = (u64, String);

/// Reads the preamble after the magic (which the caller has matched) and returns the
/// container's version and the header's JSON.
pub(super) fn read_preamble(input: &mut impl Read) -> Result<(u32, Vec<u8>), Problem> {
    let cut = |at: u64| (at, "the header is cut off: the recording was interrupted before it began".to_owned());
    let mut fixed = [0_u8; 8];
    let read = read_full(input, &mut fixed).map_err(|error| (8, format!("cannot read it: {error}")))?;
    if read < fixed.len() {
        return Err(cut(8 + read as u64));
    }
    let [v0, v1, v2, v3, l0, l1, l2, l3] = fixed;
    let version = u32::from_le_bytes([v0, v1, v2, v3]);
    if version > BINARY_VERSION {
        return Err((
            8,
            format!(
                "the recording's binary format version {version} is newer than this threadviz reads ({BINARY_VERSION}); update threadviz"
            ),
        ));
    }
    if version == 0 {
        return Err((8, "the binary format version is 0; the file is damaged: record it again".to_owned()));
    }
    let length = u32::from_le_bytes([l0, l1, l2, l3]);
    if length == 0 || length > MAX_HEADER_BYTES {
        return Err((12, format!("the header length {length} is out of range; the file is damaged: record it again")));
    }
    let mut header = vec![0; length as usize];
    let read = read_full(input, &mut header).map_err(|error| (16, format!("cannot read it: {error}")))?;
    if read < header.len() {
        return Err(cut(PREAMBLE_BYTES + read as u64));
    }
    Ok((version, header))
}

/// How many events the frames from `offset` on say they hold, from their headers alone: what
/// a reader expects before it reads them (0 if the file cannot be read).
pub(super) fn count_events(path: &std::path::Path, offset: u64) -> usize {
    use std::io::{Seek, SeekFrom};
    let Ok(mut file) = std::fs::File::open(path) else { return 0 };
    let mut at = offset;
    let mut count = 0_usize;
    let mut header = [0_u8; FRAME_HEADER_BYTES];
    while file.seek(SeekFrom::Start(at)).is_ok()
        && read_full(&mut file, &mut header).is_ok_and(|read| read == header.len())
    {
        let [p0, p1, p2, p3, e0, e1, e2, e3, ..] = header;
        count = count.saturating_add(u32::from_le_bytes([e0, e1, e2, e3]) as usize);
        at += (FRAME_HEADER_BYTES as u64) + u64::from(u32::from_le_bytes([p0, p1, p2, p3]));
    }
    count
}

/// What reading the next frame found.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Next {
    /// A whole frame; its events were appended.
    Frame,
    /// The end of the file, after a whole frame, with no end marker: the file was cut short
    /// between frames (or written before there were end markers).
    End,
    /// The end marker, and nothing after it: the file was finished.
    Ended(EndMarker),
    /// The file ends inside a frame: it was cut short while that frame was written.
    CutOff,
}

/// Reads frames one after another from `input`, which is positioned at a frame.
#[derive(Debug)]
pub(super) struct FrameReader<R> {
    input: R,
    /// Byte offset of the next frame in the file.
    offset: u64,
    payload: Vec<u8>,
    decoder: FrameDecoder,
    /// The frames read so far (from the first frame when `offset` was the first's).
    index: Index,
    /// Whether the footer comes before the end marker (container version 3 on).
    footer: bool,
    /// Whether a record of the footer's kind (a stored model, the footer) was passed: only
    /// more of them and the end marker may follow.
    past_frames: bool,
}

impl<R: Read> FrameReader<R> {
    /// Reads frames from `input`, whose next byte is the file's byte `offset`.
    pub(super) fn new(input: R, offset: u64) -> Self {
        Self {
            input,
            offset,
            payload: Vec::new(),
            decoder: FrameDecoder::default(),
            index: Index::default(),
            footer: false,
            past_frames: false,
        }
    }

    /// Expects the file's footer before its end marker, as from container version 3 on.
    pub(super) fn with_footer(mut self, follows: bool) -> Self {
        self.footer = follows;
        self
    }

    /// The frames read so far.
    pub(super) fn index(&self) -> &Index {
        &self.index
    }

    /// The file offset of the next frame.
    pub(super) fn offset(&self) -> u64 {
        self.offset
    }

    /// Reads the next frame, appending its events to `events`. A damaged frame is an error
    /// saying what is wrong with it; the events of a frame are only appended when all of it
    /// decodes.
    pub(super) fn next_frame(&mut self, events: &mut Vec<TraceEvent>) -> Result<Next, String> {
        let damaged = |what: &str| format!("{what}; the file is damaged: record it again");
        let mut header = [0_u8; FRAME_HEADER_BYTES];
        let (payload_len, count, raw_len, expected) = loop {
            let read = read_full(&mut self.input, &mut header).map_err(|error| format!("cannot read it: {error}"))?;
            if read == 0 {
                return Ok(Next::End);
            }
            if read < header.len() {
                return Ok(Next::CutOff);
            }
            let field = |at: usize| u32::from_le_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]]);
            let (payload_len, count, raw_len, expected) = (field(0), field(4), field(8), field(12));
            if count == 0
                && raw_len == 0
                && (payload_len == END_PAYLOAD_BYTES || payload_len == END_PAYLOAD_WITH_FOOTER)
            {
                return self.end_marker(payload_len, expected);
            }
            if count == 0 && raw_len == FOOTER_RAW_LEN && self.footer {
                if !self.pass_record(payload_len)? {
                    return Ok(Next::CutOff);
                }
                continue;
            }
            break (payload_len, count, raw_len, expected);
        };
        if self.past_frames {
            // Nothing but the footer's kind of record and the end marker follows a footer.
            return Err(damaged("a frame follows the index at the end"));
        }
        if payload_len > MAX_FRAME_BYTES || raw_len > MAX_FRAME_BYTES || count == 0 || count > raw_len {
            return Err(damaged("the frame's header is not valid"));
        }
        self.payload.clear();
        // Read as it comes rather than allocated up front: a damaged length meets the file's end.
        let read = (&mut self.input)
            .take(u64::from(payload_len))
            .read_to_end(&mut self.payload)
            .map_err(|error| format!("cannot read it: {error}"))?;
        if read < payload_len as usize {
            return Ok(Next::CutOff);
        }
        self.decoder.decode(count, raw_len, expected, &self.payload, events).map_err(|what| damaged(&what))?;
        self.offset += (FRAME_HEADER_BYTES as u64) + u64::from(payload_len);
        self.index.add(&header, count);
        Ok(Next::Frame)
    }

    /// Reads the end marker's payload, whose header's checksum is `expected`: checks it, and
    /// that nothing follows it.
    fn end_marker(&mut self, length: u32, expected: u32) -> Result<Next, String> {
        let damaged = |what: &str| format!("{what}; the file is damaged: record it again");
        let mut payload = [0_u8; END_PAYLOAD_WITH_FOOTER as usize];
        let payload = payload.get_mut(..length as usize).unwrap_or_default();
        let read = read_full(&mut self.input, payload).map_err(|error| format!("cannot read it: {error}"))?;
        if read < payload.len() {
            return Ok(Next::CutOff);
        }
        if checksum(0, 0, payload) != expected || payload[..8] != END_MAGIC {
            return Err(damaged("the end marker is not valid"));
        }
        if length == END_PAYLOAD_WITH_FOOTER && !self.footer {
            return Err(damaged("the end marker is not the one this version of the file has"));
        }
        let mut after = [0_u8; 1];
        let after = read_full(&mut self.input, &mut after).map_err(|error| format!("cannot read it: {error}"))?;
        if after > 0 {
            return Err(damaged("bytes follow the end marker"));
        }
        let field = |at: usize, len: usize| {
            let mut bytes = [0_u8; 8];
            bytes[..len].copy_from_slice(payload.get(at..at + len).unwrap_or(&[0; 8][..len]));
            u64::from_le_bytes(bytes)
        };
        #[allow(clippy::cast_possible_truncation, reason = "four-byte fields")]
        let marker = EndMarker {
            events: field(8, 8),
            frames: field(16, 4) as u32,
            checksum: field(20, 4) as u32,
            footer: self.footer.then(|| field(24, 8)),
        };
        Ok(Next::Ended(marker))
    }

    /// Passes over a record of the footer's kind (a stored model, or the footer), whose header
    /// says it is `length` bytes long; false when the file ends inside it. Its contents are
    /// not looked at: read in order, the frames are checked one by one and the end marker
    /// counts them.
    fn pass_record(&mut self, length: u32) -> Result<bool, String> {
        if u64::from(length) > MAX_FOOTER_BYTES {
            return Err("the index at the end is too long; the file is damaged: record it again".to_owned());
        }
        let passed = io::copy(&mut (&mut self.input).take(u64::from(length)), &mut io::sink())
            .map_err(|error| format!("cannot read it: {error}"))?;
        if passed < u64::from(length) {
            return Ok(false);
        }
        self.offset += (FRAME_HEADER_BYTES as u64) + u64::from(length);
        self.past_frames = true;
        Ok(true)
    }
}

impl EndMarker {
    /// Whether the marker describes exactly the frames `index` read, from the first one.
    pub(super) fn matches(&self, index: &Index) -> bool {
        self.events == index.events && self.frames == index.frames && self.checksum == index.checksum()
    }
}

#[cfg(test)]
mod tests {
    //! Frames: every kind of event survives the round trip, and damage is named.

    use std::borrow::Cow;

    use super::*;
    use crate::event::{ChannelSide, Control, EventKind, ExitKind, LogLevel, PrimInfo, SourceLoc, WaitMode};

    fn every_kind() -> Vec<EventKind> {
        vec![
            EventKind::ThreadCreated { tid: 1, name: "MainThread".into(), daemon: false, foreign: true },
            EventKind::ThreadStarted { tid: 2, daemon: true, os_tid: Some(4242) },
            EventKind::ThreadStarted { tid: 3, daemon: false, os_tid: None },
            EventKind::ThreadRenamed { tid: 2, name: "worker".into() },
            EventKind::ThreadExited { tid: 2, exit: ExitKind::Normal },
            EventKind::ThreadExited { tid: 3, exit: ExitKind::Panicked { message: "boom".into() } },
            EventKind::ThreadExited { tid: 4, exit: ExitKind::Killed },
            EventKind::ShutdownBegin,
            EventKind::PrimCreated { prim: 1, name: "l".into(), info: PrimInfo::Lock },
            EventKind::PrimCreated { prim: 2, name: "r".into(), info: PrimInfo::RLock },
            EventKind::PrimCreated { prim: 3, name: "c".into(), info: PrimInfo::Condition { lock: 2 } },
            EventKind::PrimCreated {
                prim: 4,
                name: "s".into(),
                info: PrimInfo::Semaphore { initial: u64::MAX, bounded: true },
            },
            EventKind::PrimCreated { prim: 5, name: "e".into(), info: PrimInfo::Event },
            EventKind::PrimCreated { prim: 6, name: "b".into(), info: PrimInfo::Barrier { parties: 3 } },
            EventKind::PrimCreated { prim: 7, name: "q".into(), info: PrimInfo::Queue { maxsize: 10 } },
            EventKind::PrimCreated { prim: 8, name: "t".into(), info: PrimInfo::Local },
            EventKind::PrimCreated { prim: 9, name: "v".into(), info: PrimInfo::Shared { initial: "0".into() } },
            EventKind::Requested { prim: 1, mode: WaitMode::Blocking },
            EventKind::Requested { prim: 1, mode: WaitMode::NonBlocking },
            EventKind::Requested { prim: 1, mode: WaitMode::Timeout(7) },
            EventKind::Acquired { prim: 1, count: 1 },
            EventKind::TryFailed { prim: 1 },
            EventKind::TimedOut { prim: 1 },
            EventKind::Released { prim: 1, count: 0 },
            EventKind::WaitBegin { prim: 3, timeout_us: Some(5) },
            EventKind::WaitBegin { prim: 3, timeout_us: None },
            EventKind::Woken { prim: 3, notified: true },
            EventKind::Notified { prim: 3, n: u64::MAX, woken: vec![2, 3] },
            EventKind::Set { prim: 5 },
            EventKind::Clear { prim: 5 },
            EventKind::Put { prim: 7, item: "'x'".into(), qsize: 1 },
            EventKind::Got { prim: 7, item: "'x'".into(), qsize: 0 },
            EventKind::TaskDone { prim: 7, unfinished: 0 },
            EventKind::BarrierArrive { prim: 6, index: 2 },
            EventKind::BarrierPass { prim: 6, generation: 9 },
            EventKind::BarrierBroken { prim: 6 },
            EventKind::BarrierReset { prim: 6 },
            EventKind::Load { prim: 9, value: "1".into() },
            EventKind::Store { prim: 9, value: "2".into() },
            EventKind::Update { prim: 9, op: "fetch_add(1)".into(), read: "2".into(), value: "3".into() },
            EventKind::LocalGet { prim: 8, value: None },
            EventKind::LocalGet { prim: 8, value: Some("a".into()) },
            EventKind::LocalSet { prim: 8, value: "b".into() },
            EventKind::SleepBegin { duration_us: 10 },
            EventKind::SleepEnd,
            EventKind::JoinBegin { target: 2, timeout_us: Some(1) },
            EventKind::JoinEnd { target: 2, finished: false },
            EventKind::Log { level: LogLevel::Warn, message: "x".repeat(1000) },
            EventKind::Misuse { prim: None, message: "release unlocked lock".into() },
            EventKind::Misuse { prim: Some(1), message: "m".into() },
            EventKind::Control { control: Control::Pause },
            EventKind::Control { control: Control::Resume },
            EventKind::Control { control: Control::Step { thread: 2 } },
            EventKind::Control { control: Control::Advance { thread: 3 } },
            EventKind::Control { control: Control::Speed { speed: 2.5 } },
            EventKind::Lost { events: 12 },
            EventKind::Source { path: "bank.py".into(), text: "balance = 0\n".into() },
            EventKind::Instruction { offset: 2, text: "LOAD_GLOBAL balance → 5".into() },
            EventKind::Instruction { offset: u32::MAX, text: "STORE_GLOBAL balance ← 'é'".into() },
            EventKind::PrimCreated { prim: 10, name: "rw".into(), info: PrimInfo::RwLock },
            EventKind::PrimCreated { prim: 11, name: "ch".into(), info: PrimInfo::Channel { capacity: None } },
            EventKind::PrimCreated { prim: 12, name: "rv".into(), info: PrimInfo::Channel { capacity: Some(0) } },
            EventKind::ReadRequested { prim: 10, mode: WaitMode::NonBlocking },
            EventKind::ReadAcquired { prim: 10, readers: 3 },
            EventKind::ReadReleased { prim: 10, readers: 2 },
            EventKind::Poisoned { prim: 10 },
            EventKind::PoisonCleared { prim: 10 },
            EventKind::ChannelWait { prim: 11, side: ChannelSide::Recv, timeout_us: Some(9) },
            EventKind::ChannelWait { prim: 12, side: ChannelSide::Send, timeout_us: None },
            EventKind::Sent { prim: 11, item: "u32 #1".into(), queued: 1 },
            EventKind::Received { prim: 11, item: "u32 #1".into(), queued: 0 },
            EventKind::ChannelDropped { prim: 11, side: ChannelSide::Recv, discarded: 4 },
            EventKind::Disconnected { prim: 12, side: ChannelSide::Send },
            EventKind::SessionEnded,
        ]
    }

    fn events() -> Vec<TraceEvent> {
        every_kind()
            .into_iter()
            .zip(0_u64..)
            .map(|(kind, index)| TraceEvent {
                seq: u64::MAX - 100 + index,
                // Times leap, even backwards: whatever is written comes back.
                time_us: if index == 3 { u64::MAX } else { index * 1_000 },
                thread: u32::try_from(index % 4).expect("small"),
                loc: (index % 3 != 0).then(|| SourceLoc {
                    file: if index % 2 == 0 { "src/a.rs".into() } else { Cow::Owned(format!("src/b{}.rs", index % 5)) },
                    line: u32::try_from(index).expect("small"),
                }),
                kind,
            })
            .collect()
    }

    fn frame_of(events: &[TraceEvent]) -> Vec<u8> {
        let mut encoder = FrameEncoder::default();
        for event in events {
            encoder.push(event).expect("encodes");
        }
        encoder.finish().expect("finishes").to_vec()
    }

    #[test]
    fn every_kind_of_event_survives_a_frame() {
        let events = events();
        let mut bytes = frame_of(&events);
        bytes.extend(frame_of(&events[..5]));
        let mut reader = FrameReader::new(bytes.as_slice(), 0);
        let mut back = Vec::new();
        assert_eq!(reader.next_frame(&mut back), Ok(Next::Frame));
        assert_eq!(back, events);
        assert_eq!(reader.next_frame(&mut back), Ok(Next::Frame));
        assert_eq!(back.get(events.len()..), Some(&events[..5]));
        assert_eq!(reader.next_frame(&mut back), Ok(Next::End));
        assert_eq!(reader.offset(), bytes.len() as u64);
    }

    #[test]
    fn a_cut_frame_is_told_from_a_damaged_one() {
        let bytes = frame_of(&events());
        for cut in [1, FRAME_HEADER_BYTES - 1, FRAME_HEADER_BYTES, bytes.len() - 1] {
            let mut reader = FrameReader::new(&bytes[..cut], 0);
            assert_eq!(reader.next_frame(&mut Vec::new()), Ok(Next::CutOff), "cut at {cut}");
        }
        for at in [0, 5, 9, 13, FRAME_HEADER_BYTES + 3, bytes.len() - 1] {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x40;
            let mut events = Vec::new();
            match FrameReader::new(damaged.as_slice(), 0).next_frame(&mut events) {
                Err(problem) => assert!(problem.contains("damaged"), "{problem}"),
                // A longer payload length runs into the end of the file.
                Ok(next) => assert!(at < 4 && next == Next::CutOff, "byte {at}: {next:?}"),
            }
            assert!(events.is_empty(), "nothing from a damaged frame");
        }
    }
}
