//! Recordings: a session's events written down, read back for replays and exports.
//!
//! A recording has two forms, told apart by their first bytes, never by the file's name. The
//! one [`RecordTo`] writes is binary ([`binary`]): a preamble that says what the file is and
//! holds the [`Header`], then frames of delta-coded, compressed events, a couple of bytes an
//! event. The other is JSON Lines, for reading and for tools: its first line is the header
//! (format, versions, the demo, its seed and speed, when it started), every further line one
//! [`TraceEvent`](crate::TraceEvent) exactly as subscribers receive it, sequence number included:
//!
//! ```text
//! {"format":"threadviz-recording","version":2,"threadviz":"0.1.0","demo":"condition","seed":0,"speed":1.0,"started":"2026-01-02T10:00:00Z","unix_time":1767348000}
//! {"seq":0,"time_us":0,"thread":1,"loc":null,"kind":{"kind":"thread_created","tid":1,"name":"MainThread","daemon":false,"foreign":false}}
//! {"end":{"events":1}}
//! ```
//!
//! Both forms end with an end marker when the recording was finished; a reader that meets the
//! file's end without one says the recording was cut short, however cleanly the cut fell.
//!
//! A [`Recorder`] attaches to any [`Session`] with a lossless subscription of its own and
//! writes on a thread of its own, so recording never holds the dashboard up and never loses an
//! event the session delivered. [`read`] loads a recording whole; [`index`] opens one for
//! replay, keeping models along it and reading events from the file as they are needed (at
//! once from the index a clean finish writes at the end of a binary file, its footer; a file
//! cut short, or JSON Lines, is read whole first);
//! [`stream`] and [`RecordingWriter`] convert between the forms an event at a time.
//!
//! This module holds the header both forms share; writing is in `recorder.rs` (attaching to a
//! session, the writing thread) and `writer.rs` (the bytes of either form), reading in
//! `read.rs`, replay's index and seeking in `snapshots.rs`, the binary layout in [`binary`].
//!
//! ```
//! use threadviz::record::{self, RecordTo};
//! use threadviz::{Session, thread};
//!
//! let out = std::env::temp_dir().join(format!("threadviz-doc-{}.tvr", std::process::id()));
//! let session = Session::new();
//! let recorder = RecordTo::file(&out, "my program")?.attach(&session)?;
//! session.run(|| thread::spawn(|| tracing::info!("hello")).join());
//! let summary = recorder.finish()?;
//! let recording = record::read(&out).expect("a recording");
//! assert_eq!(recording.events.len() as u64, summary.events);
//! # std::fs::remove_file(&out)?;
//! # Ok::<(), std::io::Error>(())
//! ```

pub mod binary;
mod read;
mod recorder;
mod snapshots;
pub(crate) mod sources;
mod writer;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

pub use self::read::{EventStream, Place, ReadError, Recording, read, read_bytes, run_end_missing, stream};
pub use self::recorder::{RecordSummary, RecordTo, Recorder};
pub use self::snapshots::{Cursor, Indexed, Progress, SNAPSHOT_EVERY, Snapshots, index, index_with, scan};
pub use self::writer::RecordingWriter;
use crate::Session;

/// The `format` field of every recording's header.
pub const FORMAT: &str = "threadviz-recording";
/// The version of the file format this threadviz writes and reads: 2 ends a finished
/// recording with an end marker (an end frame, or an `{"end":{"events":N}}` line), so a file
/// cut short is told from a whole one; version 1 files, which had none, are still read.
pub const FORMAT_VERSION: u32 = 2;
/// How long [`Recorder::finish`] waits for the session to end before it stops recording.
pub const FINISH_GRACE: Duration = Duration::from_secs(3);

/// The first line of a recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Always [`FORMAT`]: tells a recording from any other JSON Lines file.
    pub format: String,
    /// The file format's version ([`FORMAT_VERSION`] when written by this threadviz).
    pub version: u32,
    /// The version of threadviz that wrote it.
    pub threadviz: String,
    /// The demo's name, or the title of the program recorded.
    pub demo: String,
    /// The session's RNG seed.
    pub seed: u64,
    /// The session's speed when recording started.
    pub speed: f64,
    /// When recording started, as RFC 3339 in UTC.
    pub started: String,
    /// When recording started, in Unix seconds.
    pub unix_time: u64,
}

impl Header {
    /// A header for a recording of `session` starting now.
    #[must_use]
    pub fn new(demo: &str, session: &Session) -> Self {
        Self::starting_now(demo, session.seed(), session.speed())
    }

    /// A header for a recording of `program` (its title) starting now, at `speed`, with no seed
    /// of threadviz's (a watched child's own randomness is its business).
    #[must_use]
    pub fn starting_now(program: &str, seed: u64, speed_then: f64) -> Self {
        let unix_time = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_secs());
        Self {
            format: FORMAT.to_owned(),
            version: FORMAT_VERSION,
            threadviz: env!("CARGO_PKG_VERSION").to_owned(),
            demo: program.to_owned(),
            seed,
            speed: speed_then,
            started: rfc3339(unix_time),
            unix_time,
        }
    }
}

/// Unix seconds as an RFC 3339 UTC timestamp (`2026-01-02T10:00:00Z`).
#[must_use]
pub fn rfc3339(unix_time: u64) -> String {
    let (year, month, day) = civil_from_days(unix_time / 86_400);
    let seconds = unix_time % 86_400;
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", seconds / 3600, seconds / 60 % 60, seconds % 60)
}

/// The calendar date of a day counted from 1970-01-01 (Howard Hinnant's `civil_from_days`,
/// for days on or after the epoch, so all in unsigned arithmetic).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// The two forms of a recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Form {
    /// Compact frames of compressed events (see [`binary`]): what `--record` writes.
    #[default]
    Binary,
    /// One JSON object a line: readable, about ten times bigger.
    JsonLines,
}

#[cfg(test)]
mod tests {
    //! The recording header's timestamp.

    use super::*;

    #[test]
    fn timestamps_are_rfc3339_in_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_767_348_000 + 3_723), "2026-01-02T11:02:03Z");
        assert_eq!(rfc3339(4_107_542_399), "2100-02-28T23:59:59Z");
    }
}
