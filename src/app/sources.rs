//! The watched program's own source files, for the source panel when no source was given (a
//! program under `watch`, a Python program): which files the events name, and which the loop
//! has read or could not. The app only notes what it wants; the loop does the reading
//! (`App::wanted_sources`), and the app picks the one the panel shows (`App::source`).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::event::{EventKind, TraceEvent};

/// A source file of the watched program, as far as the app knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceFile {
    /// Named by an event; the loop has yet to read it.
    Wanted,
    /// Its text.
    Read(Arc<str>),
    /// It could not be read (not found, not a Rust source file, not text).
    Unreadable,
}

/// The program's source files, by the path its events name them by.
#[derive(Debug, Clone, Default)]
pub struct SourceFiles {
    files: BTreeMap<String, SourceFile>,
}

impl SourceFiles {
    /// The file at `path` and its text, once read.
    pub(super) fn read(&self, path: &str) -> Option<(&str, &str)> {
        match self.files.get_key_value(path) {
            Some((path, SourceFile::Read(text))) => Some((path.as_str(), &**text)),
            _ => None,
        }
    }

    /// A file that could not be read, if any.
    pub(super) fn unreadable(&self) -> Option<&str> {
        self.files.iter().find(|(_, file)| **file == SourceFile::Unreadable).map(|(path, _)| path.as_str())
    }

    /// The files named by a thread's place, not yet read.
    pub(super) fn wanted(&self) -> Vec<String> {
        self.files.iter().filter(|(_, file)| **file == SourceFile::Wanted).map(|(path, _)| path.clone()).collect()
    }

    /// Notes the files `events` name that are not asked for yet. Runs of events from one file
    /// are looked up once.
    pub(super) fn want(&mut self, events: &[TraceEvent]) {
        // A program in another language sends its files' text in the stream (and so in its
        // recordings): nothing to read from disk for those.
        for event in events {
            if let EventKind::Source { path, text } = &event.kind {
                self.files.insert(path.clone(), SourceFile::Read(text.as_str().into()));
            }
        }
        let mut last: Option<&str> = None;
        for loc in events.iter().filter_map(|event| event.loc.as_ref()) {
            if last == Some(loc.file.as_ref()) {
                continue;
            }
            last = Some(loc.file.as_ref());
            if !self.files.contains_key(loc.file.as_ref()) {
                self.files.insert(loc.file.to_string(), SourceFile::Wanted);
            }
        }
    }

    /// Takes in a file the loop read (or could not: `text` is None).
    pub(super) fn take(&mut self, path: String, text: Option<String>) {
        let file = text.map_or(SourceFile::Unreadable, |text| SourceFile::Read(text.into()));
        self.files.insert(path, file);
    }
}
