//! Exact rewind in bounded memory: models kept at regular positions of a recording, so the
//! state after any number of events is the nearest kept model plus a few folds, never a fold
//! from the start.
//!
//! A binary recording is indexed, not loaded: where each frame is, how many events come before
//! it and when its first happened (the frame table), and events are read from the file as
//! they are needed. A file a clean finish wrote ends with that table and what else a replay
//! needs (the footer, `binary/footer.rs`), and the models its writer kept as it wrote
//! (`stored.rs`): it opens at once, without reading its frames, and a seek reads the nearest
//! stored model. One whose footer lists no models this threadviz reads has its models kept by
//! a thread that folds the file in the background while the replay already shows it; a seek
//! past what that thread has folded folds from its last kept model. A file without a footer
//! (cut short, or written before there were footers) or whose footer fails its checks is read
//! whole first, every frame checked, as it always was. Memory grows with the number of kept
//! models, which is bounded, not with the number of events. A busy program's model is mostly
//! its timeline, so kept models hold theirs packed, delta-coded and compressed: tens of times
//! smaller, unpacked in a millisecond.
//!
//! This module opens a file either way and holds what a replay asks of it; `keeper.rs`
//! decides where models are kept (how far apart, how many) and keeps them, `kept.rs` stores
//! one kept model small, `stored.rs` writes them into a recording and reads them back,
//! `seek.rs` finds the state and the events at any position.

mod keeper;
mod kept;
mod seek;
mod stored;

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use self::keeper::{Keeper, KeptModels};
pub(super) use self::kept::MODEL_FORMAT;
pub use self::seek::Cursor;
pub(super) use self::stored::ModelsWritten;
use self::stored::StoredModels;
use super::binary::{Footer, FrameEntry, Next};
use super::read::{self, Opened};
use super::{Header, ReadError};
use crate::TraceEvent;
use crate::event::{EventKind, Tid};

/// The fewest events between two kept models (longer recordings space them further apart, by
/// doubling, so that at most `MAX_SNAPSHOTS` models and about `KEPT_BYTES` are kept).
pub const SNAPSHOT_EVERY: usize = 1_000;

/// Where the events of a recording are.
#[derive(Debug, Clone)]
enum Source {
    /// In memory.
    Memory(Arc<[TraceEvent]>),
    /// In a binary recording, read as needed, frame by frame.
    File {
        path: PathBuf,
        /// Every frame of it, in order.
        frames: Arc<[FrameEntry]>,
    },
}

/// A recording's events with the model after every `every`-th of them.
///
/// The model after `n` events is a kept model plus fewer than [`Snapshots::every`] folds of
/// [`Model::apply`](crate::model::Model::apply), which is deterministic: it equals the model a
/// live run showed after the same `n` events (a seek made while models are still being kept
/// in the background may fold more, from the last one kept so far).
#[derive(Debug, Clone)]
pub struct Snapshots {
    source: Source,
    len: usize,
    /// The kept models, `kept[i]` the state after the first `i * every` events.
    kept: Arc<KeptModels>,
    first_seq: Option<u64>,
    end_us: u64,
    names: BTreeMap<Tid, String>,
    /// The source files the recording carries, by path.
    sources: BTreeMap<String, Arc<str>>,
}

/// A binary recording indexed for replay, or a JSON Lines one read whole.
#[derive(Debug, Clone)]
pub struct Indexed {
    /// Its header.
    pub header: Header,
    /// Its kept models and the way to its events.
    pub snapshots: Snapshots,
    /// What was tolerated (a cut-off last line or frame), as one line naming the place.
    pub warning: Option<String>,
    /// Whether the recording holds the session's end: a run stopped before it ended, or a
    /// watched program whose stream was cut, has not.
    pub ended: bool,
    /// Whether it opened from the index at its end (its footer), without reading its frames;
    /// otherwise every frame (or line) was read first.
    pub from_footer: bool,
}

/// How far reading a recording whole has got: bytes read of the file's bytes.
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

/// Opens the recording at `path` for replay: from the index at its end when it has a sound
/// one, else read once, checked and folded, only its kept models staying in memory. JSON Lines
/// are read whole.
pub fn index(path: impl AsRef<Path>) -> Result<Indexed, ReadError> {
    index_with(path, &mut |_, _| {})
}

/// [`index`], telling `progress` how far it has read when it reads the file whole (never
/// when it opens from the footer).
pub fn index_with(path: impl AsRef<Path>, progress: Progress<'_>) -> Result<Indexed, ReadError> {
    open_for_replay(path.as_ref(), true, progress)
}

/// [`index_with`] that ignores any footer and reads every frame: the way a file cut short is
/// opened, for a file of any kind.
pub fn scan(path: impl AsRef<Path>, progress: Progress<'_>) -> Result<Indexed, ReadError> {
    open_for_replay(path.as_ref(), false, progress)
}

fn open_for_replay(path: &Path, footer: bool, progress: Progress<'_>) -> Result<Indexed, ReadError> {
    let file = path.display().to_string();
    let input = match read::open(path)? {
        Opened::Text(lines) => {
            let recording = read::read_all_lines(*lines)?;
            let ended = recording.ended();
            let snapshots = Snapshots::new(recording.events.into());
            return Ok(Indexed {
                header: recording.header,
                snapshots,
                warning: recording.warning,
                ended,
                from_footer: false,
            });
        }
        Opened::Binary(input) => input,
    };
    let frames = read::binary_frames(input, &file)?;
    if footer && let Some(indexed) = from_footer(path, frames.offset(), &frames.header) {
        return Ok(indexed);
    }
    scan_frames(path, frames, progress)
}

/// Opens a binary recording from its footer, if it has one that passes its checks.
fn from_footer(path: &Path, frames_at: u64, header: &Header) -> Option<Indexed> {
    let file = File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let footer = Footer::read(&file, len, frames_at)?;
    let len = usize::try_from(footer.events).ok()?;
    let stored = StoredModels::new(path.to_owned(), footer.models);
    let keeping_here = stored.is_none();
    let kept = stored.map_or_else(|| KeptModels::starting(len), KeptModels::stored);
    let mut snapshots = Snapshots {
        source: Source::File { path: path.to_owned(), frames: footer.frames.into() },
        len,
        kept: Arc::new(kept),
        first_seq: footer.first_seq,
        end_us: footer.end_us,
        names: footer.names,
        sources: BTreeMap::new(),
    };
    for &position in &footer.sources {
        let mut cursor = snapshots.cursor(usize::try_from(position).ok()?);
        if let Some(EventKind::Source { path, text }) = cursor.peek().map(|event| &event.kind) {
            snapshots.sources.insert(path.clone(), text.as_str().into());
        }
    }
    if keeping_here {
        keeper::keep_in_background(&snapshots);
    }
    Some(Indexed { header: header.clone(), snapshots, warning: None, ended: footer.ended, from_footer: true })
}

/// Reads a binary recording's frames one after another, checking them and keeping models.
fn scan_frames(
    path: &Path,
    mut frames: read::BinaryFrames<std::io::BufReader<File>>,
    progress: Progress<'_>,
) -> Result<Indexed, ReadError> {
    let total = std::fs::metadata(path).map_or(0, |metadata| metadata.len());
    let expected = super::binary::count_events(path, frames.offset());
    let mut keeper = Keeper::new(expected);
    let mut table = Vec::new();
    let mut events = Vec::new();
    let mut last: Option<TraceEvent> = None;
    loop {
        events.clear();
        let offset = frames.offset();
        if frames.next(&mut events)? != Next::Frame {
            break;
        }
        progress(frames.offset(), total);
        let first_us = events.first().map_or(0, |event| event.time_us);
        let count = u32::try_from(events.len()).unwrap_or(u32::MAX);
        table.push(FrameEntry { offset, first: keeper.folded() as u64, events: count, first_us });
        for (index, event) in events.iter().enumerate() {
            let previous = index.checked_sub(1).and_then(|before| events.get(before)).or(last.as_ref());
            frames.check(previous, event)?;
            keeper.fold(event);
        }
        last = events.pop();
    }
    let warning = frames.warning.take();
    let ended = last.is_some_and(|event| matches!(event.kind, EventKind::SessionEnded));
    let snapshots = keeper.finish(Source::File { path: path.to_owned(), frames: table.into() });
    Ok(Indexed { header: frames.header.clone(), snapshots, warning, ended, from_footer: false })
}

impl Snapshots {
    /// Folds every event once, keeping a model every [`Snapshots::every`] events.
    #[must_use]
    pub fn new(events: Arc<[TraceEvent]>) -> Self {
        let mut keeper = Keeper::new(events.len());
        for event in events.iter() {
            keeper.fold(event);
        }
        keeper.finish(Source::Memory(events))
    }

    /// How many events the recording holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the recording holds no event.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Events between two kept models: the most folds one [`Snapshots::model_at`] costs once
    /// every model is kept.
    #[must_use]
    pub fn every(&self) -> usize {
        self.kept.every()
    }

    /// How many models are kept so far.
    #[must_use]
    pub fn kept(&self) -> usize {
        self.kept.count()
    }

    /// About how much memory the kept models hold, in bytes.
    #[must_use]
    pub fn kept_bytes(&self) -> usize {
        self.kept.bytes()
    }

    /// Whether every model that will be kept is: a recording opened from its footer keeps
    /// them in the background.
    #[must_use]
    pub fn all_kept(&self) -> bool {
        self.kept.done()
    }

    /// Waits until every model is kept (see [`Snapshots::all_kept`]).
    pub fn wait_until_kept(&self) {
        self.kept.wait_done();
    }

    /// Demo time of the last event, in microseconds (0 when there is none).
    #[must_use]
    pub fn end_us(&self) -> u64 {
        self.end_us
    }

    /// Every thread's name, as last given.
    #[must_use]
    pub fn names(&self) -> &BTreeMap<Tid, String> {
        &self.names
    }

    /// The source files the recording carries ([`EventKind::Source`]), by the path its events
    /// name them by: a replay shows them wherever it seeks, not only once it has played past
    /// the event that carries each.
    #[must_use]
    pub fn sources(&self) -> &BTreeMap<String, Arc<str>> {
        &self.sources
    }
}
