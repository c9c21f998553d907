//! The watched program's own source files, read where its events name them (for the source
//! panel, and into a recording that carries them): relative to the current directory, or to
//! the crate's manifest directory (`CARGO_MANIFEST_DIR`, which `cargo run` and `cargo test`
//! set), as the compiler names them.

use std::path::{Path, PathBuf};

use crate::event::TraceEvent;

/// The largest file the panel reads: a source file, not whatever a path points at.
const LARGEST: u64 = 4 << 20;

/// The directories a relative path is looked up in, first match wins: the current directory,
/// then the crate's manifest directory when it is set.
#[must_use]
pub fn bases() -> Vec<PathBuf> {
    let mut bases = vec![PathBuf::new()];
    if let Some(manifest) = std::env::var_os("CARGO_MANIFEST_DIR") {
        bases.push(PathBuf::from(manifest));
    }
    bases
}

/// The text of the source file `path` names, looked up under each of `bases` when it is
/// relative; None when it is not a program's source (`.rs` or `.py`), not found, too large
/// or not text.
#[must_use]
pub fn read(path: &str, bases: &[PathBuf]) -> Option<String> {
    read_at_most(path, bases, LARGEST)
}

/// [`read`], for files of at most `largest` bytes (a recording carries smaller ones).
#[must_use]
pub fn read_at_most(path: &str, bases: &[PathBuf], largest: u64) -> Option<String> {
    let path = Path::new(path);
    if path.extension().is_none_or(|extension| extension != "rs" && extension != "py") {
        return None;
    }
    let candidates: Vec<PathBuf> =
        if path.is_absolute() { vec![path.to_owned()] } else { bases.iter().map(|base| base.join(path)).collect() };
    candidates.iter().find_map(|candidate| {
        let metadata = std::fs::metadata(candidate).ok()?;
        if !metadata.is_file() || metadata.len() > largest {
            return None;
        }
        std::fs::read_to_string(candidate).ok()
    })
}

/// The largest source file a recording carries: a program's source, not whatever it names.
const LARGEST_SOURCE: u64 = 1 << 20;
/// The most source text one recording carries, all files together.
const SOURCES_BUDGET: usize = 8 << 20;

/// Reads the source files a recording's events name, each once, and numbers the events on
/// past those it puts in.
#[derive(Debug)]
pub(crate) struct SourceCarrier {
    /// Every file looked at, carried or not: each is read at most once.
    seen: std::collections::HashSet<String>,
    bases: Vec<PathBuf>,
    /// Bytes of source still allowed.
    budget: usize,
    /// Source events put in so far: how far later events' numbers move.
    pub(crate) inserted: u64,
}

impl SourceCarrier {
    pub(crate) fn new() -> Self {
        Self { seen: std::collections::HashSet::new(), bases: bases(), budget: SOURCES_BUDGET, inserted: 0 }
    }

    /// The source event to put in before `event`, if it names a file not looked at yet that
    /// reads; numbered and timed as `event` will be.
    pub(crate) fn before(&mut self, event: &TraceEvent) -> Option<TraceEvent> {
        if let crate::EventKind::Source { path, .. } = &event.kind {
            // Sent by the program itself (a watched child): already carried.
            self.seen.insert(path.clone());
            return None;
        }
        let file = event.loc.as_ref()?.file.as_ref();
        if self.seen.contains(file) {
            return None;
        }
        self.seen.insert(file.to_owned());
        let text = read_at_most(file, &self.bases, LARGEST_SOURCE)?;
        self.budget = self.budget.checked_sub(text.len())?;
        let source = TraceEvent {
            seq: event.seq + self.inserted,
            time_us: event.time_us,
            thread: event.thread,
            loc: None,
            kind: crate::EventKind::Source { path: file.to_owned(), text },
        };
        self.inserted += 1;
        Some(source)
    }
}

#[cfg(test)]
mod tests {
    //! Finding a source file by the path an event names it by, and the files a recording
    //! carries.

    use super::*;
    use crate::EventKind;
    use crate::event::SourceLoc;

    fn at(seq: u64, file: Option<&'static str>) -> TraceEvent {
        TraceEvent {
            seq,
            time_us: seq * 10,
            thread: 1,
            loc: file.map(|file| SourceLoc { file: file.into(), line: 1 }),
            kind: EventKind::ShutdownBegin,
        }
    }

    #[test]
    fn each_readable_source_file_is_carried_once_before_its_first_event() {
        // `cargo test` runs in the crate's directory, and sets CARGO_MANIFEST_DIR besides.
        let mut carrier = SourceCarrier::new();
        assert_eq!(carrier.before(&at(0, None)), None, "no place, no file");
        let source = carrier.before(&at(1, Some("src/record/sources.rs"))).expect("this file reads");
        assert_eq!((source.seq, source.time_us, source.thread, &source.loc), (1, 10, 1, &None));
        let EventKind::Source { path, text } = &source.kind else { panic!("a source event: {source:?}") };
        assert_eq!((path.as_str(), text.as_str()), ("src/record/sources.rs", include_str!("sources.rs")));
        assert_eq!(carrier.inserted, 1, "the events from here on are one further on");
        assert_eq!(carrier.before(&at(2, Some("src/record/sources.rs"))), None, "once");
        assert_eq!(carrier.before(&at(3, Some("src/no-such-file.rs"))), None);
        assert_eq!(carrier.before(&at(4, Some("Cargo.toml"))), None, "not a program's source");
        assert_eq!(carrier.inserted, 1);
        // A file sent by the program itself is not carried again.
        let sent =
            TraceEvent { kind: EventKind::Source { path: "src/lib.rs".into(), text: String::new() }, ..at(5, None) };
        assert_eq!(carrier.before(&sent), None);
        assert_eq!(carrier.before(&at(6, Some("src/lib.rs"))), None);
    }

    #[test]
    fn sources_stop_at_the_budget() {
        let small = include_str!("../explore/quiet.rs");
        let mut carrier = SourceCarrier::new();
        carrier.budget = small.len() + 10;
        assert_eq!(carrier.before(&at(0, Some("src/record/sources.rs"))), None, "over what is left");
        let fits = carrier.before(&at(1, Some("src/explore/quiet.rs"))).expect("a small file still fits");
        assert!(matches!(&fits.kind, EventKind::Source { text, .. } if text == small));
        assert_eq!((fits.seq, carrier.budget), (1, 10));
    }

    #[test]
    fn a_source_file_is_found_under_the_first_base_that_has_it() {
        let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let nowhere = manifest.join("no such directory");
        let text = read("src/record/sources.rs", &[nowhere.clone(), manifest.clone()]).expect("found");
        assert!(text.starts_with("//! The watched program's own source files"));
        assert_eq!(read("src/record/sources.rs", &[nowhere]), None);
        // Only programs' source files: a path is not a way to show any file.
        assert_eq!(read("Cargo.toml", std::slice::from_ref(&manifest)), None);
        assert_eq!(read("src", &[manifest]), None, "a directory is not a source file");
    }
}
