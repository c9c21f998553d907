//! The watched program's own source files, for the source panel when no source was given (a
//! program under `watch`, a Python program): which files the events name, which the loop has
//! read or could not, and which one the panel shows. The app only notes what it wants; the
//! loop does the reading ([`App::wanted_sources`]).

use std::sync::Arc;

use super::App;
use crate::event::{EventKind, SourceLoc, TraceEvent};

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

impl App {
    /// The source the panel shows and its path: the program's, when given; otherwise the file
    /// the selected thread is in, or else the first file a live thread is in, when it could be
    /// read.
    #[must_use]
    pub fn source(&self) -> Option<(&str, &str)> {
        if let Some((path, text)) = self.showing.source {
            return Some((path, text));
        }
        let read = |loc: &SourceLoc| match self.sources.get_key_value(loc.file.as_ref()) {
            Some((path, SourceFile::Read(text))) => Some((path.as_str(), &**text)),
            _ => None,
        };
        self.selected_thread().and_then(|tid| self.thread_loc(tid)).and_then(read).or_else(|| {
            self.model
                .threads
                .values()
                .filter(|thread| !thread.state.is_finished())
                .filter_map(|thread| thread.loc.as_ref())
                .find_map(read)
        })
    }

    /// A file of the program's own that the threads are in but that could not be read, if
    /// no source can be shown: the panel says which, and how to make it readable.
    #[must_use]
    pub fn unreadable_source(&self) -> Option<&str> {
        if self.source().is_some() {
            return None;
        }
        self.sources.iter().find(|(_, file)| **file == SourceFile::Unreadable).map(|(path, _)| path.as_str())
    }

    /// The source files the loop should read for the panel: named by a thread's place, not
    /// yet read.
    #[must_use]
    pub fn wanted_sources(&self) -> Vec<String> {
        self.sources.iter().filter(|(_, file)| **file == SourceFile::Wanted).map(|(path, _)| path.clone()).collect()
    }

    /// Notes the files `events` name that the app has not asked for yet, when the program came
    /// without its source. Runs of events from one file are looked up once.
    pub(super) fn want_sources(&mut self, events: &[TraceEvent]) {
        if self.showing.source.is_some() {
            return;
        }
        // A program in another language sends its files' text in the stream (and so in its
        // recordings): nothing to read from disk for those.
        for event in events {
            if let EventKind::Source { path, text } = &event.kind {
                self.sources.insert(path.clone(), SourceFile::Read(text.as_str().into()));
            }
        }
        let mut last: Option<&str> = None;
        for loc in events.iter().filter_map(|event| event.loc.as_ref()) {
            if last == Some(loc.file.as_ref()) {
                continue;
            }
            last = Some(loc.file.as_ref());
            if !self.sources.contains_key(loc.file.as_ref()) {
                self.sources.insert(loc.file.to_string(), SourceFile::Wanted);
            }
        }
    }

    /// Takes in a file the loop read for the panel (or could not: `text` is None).
    pub(super) fn read_source(&mut self, path: String, text: Option<String>) {
        let file = text.map_or(SourceFile::Unreadable, |text| SourceFile::Read(text.into()));
        self.sources.insert(path, file);
    }
}
