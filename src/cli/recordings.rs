//! The recording side of the command line: `demo NAME --record FILE` (in the dashboard or
//! `--plain`), `replay FILE` and `export FILE`.
//!
//! Exit codes: 0 done; 1 the terminal or a write failed; 2 a bad argument or a recording that
//! cannot be read (the one-line error names the file and the line); 3 a plain recording of a
//! program that deadlocked; 130 a plain recording stopped by SIGINT, SIGTERM, SIGHUP or SIGQUIT. The
//! recording is complete and flushed in every case.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Args, ValueEnum};

use super::progress;
use crate::app::Subject;
use crate::app::launch::Launch;
use crate::app::live;
use crate::app::replay;
use crate::app::replay::stops::Stops;
use crate::app::{Appearance, ThemeName};
use crate::catalog::Demo;
use crate::export::{Events, asciicast, chrome};
use crate::record::{self, Form, ReadError, RecordSummary, RecordTo, RecordingWriter};
use crate::view::theme::Theme;

/// The exit code for bad arguments and unreadable recordings, as clap uses for usage errors.
const BAD_INPUT: u8 = 2;
/// The exit code after a signal stopped a plain recording (128 + SIGINT, as shells report it).
const INTERRUPTED: u8 = 130;

/// Options of `threadviz replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The recording, written by `threadviz demo NAME --record FILE`.
    pub file: PathBuf,
    /// Speed of demo time, from 0.1 (slow motion) to 10 (fast forward).
    #[arg(long, default_value_t = 1.0, value_parser = super::parse_speed)]
    pub speed: f64,
    /// Start paused, before the first event.
    #[arg(long)]
    pub paused: bool,
    /// Colours: dark, light or high-contrast (`NO_COLOR` turns colour off).
    #[arg(long, value_enum, default_value_t = ThemeName::Dark)]
    pub theme: ThemeName,
}

/// What `threadviz export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Chrome's trace event format (JSON), for Perfetto or `chrome://tracing`.
    Chrome,
    /// asciicast v2: the dashboard as a terminal recording, for asciinema.
    Asciicast,
    /// The recording as JSON Lines: a header, then one event a line, readable and greppable.
    Jsonl,
    /// The recording in the compact binary form `--record` writes.
    Binary,
}

/// A terminal size, `COLUMNSxROWS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// Columns.
    pub width: u16,
    /// Rows.
    pub height: u16,
}

fn parse_size(text: &str) -> Result<Size, String> {
    let bad = || format!("`{text}` is not a size; write COLUMNSxROWS, e.g. 120x40");
    let (width, height) = text.split_once(['x', 'X']).ok_or_else(bad)?;
    let (width, height): (u16, u16) =
        (width.trim().parse().map_err(|_| bad())?, height.trim().parse().map_err(|_| bad())?);
    if !(20..=1000).contains(&width) || !(5..=500).contains(&height) {
        return Err(format!("`{text}` is out of range: 20 to 1000 columns, 5 to 500 rows"));
    }
    Ok(Size { width, height })
}

/// Options of `threadviz export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The recording, written by `threadviz demo NAME --record FILE`.
    pub file: PathBuf,
    /// What to write.
    #[arg(long, value_enum)]
    pub format: Format,
    /// The file to write, e.g. `trace.json` or `demo.cast`.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Columns x rows of the rendered dashboard (asciicast).
    #[arg(long, default_value = "120x40", value_parser = parse_size)]
    pub size: Size,
    /// Colours of the rendered dashboard (asciicast): dark, light or high-contrast.
    #[arg(long, value_enum, default_value_t = ThemeName::Dark)]
    pub theme: ThemeName,
}

/// Prints a reader's one-line error; the exit code for it.
fn refused(error: &ReadError) -> ExitCode {
    eprintln!("error: {error}");
    ExitCode::from(BAD_INPUT)
}

/// Says on stderr what a read tolerated (`warning`: a cut-off last line or frame, no end
/// marker), or else that a whole recording of `events` stops before the session's end.
fn warn_if_short(file: &Path, warning: Option<&str>, ended: bool, events: u64) {
    if let Some(warning) = warning {
        eprintln!("warning: {warning}");
    } else if !ended {
        eprintln!("warning: {}", record::run_end_missing(&file.display().to_string(), events));
    }
}

/// `threadviz replay FILE`.
pub fn replay(args: &ReplayArgs) -> ExitCode {
    // A file with its index opens at once; one without (cut short) is read whole first.
    let scanning = progress::bar(0, "reading the recording (it has no index: it was cut short) {bytes}/{total_bytes}");
    let mut told = |read: u64, total: u64| {
        scanning.set_length(total);
        scanning.set_position(read);
    };
    let indexed = record::index_with(&args.file, &mut told);
    scanning.finish_and_clear();
    let indexed = match indexed {
        Ok(indexed) => indexed,
        Err(error) => return refused(&error),
    };
    warn_if_short(&args.file, indexed.warning.as_deref(), indexed.ended, indexed.snapshots.len() as u64);
    if !io::stdout().is_terminal() {
        eprintln!(
            "error: replay draws the dashboard and needs a terminal; `threadviz export {} --format asciicast -o OUT.cast` renders it to a file",
            args.file.display()
        );
        return ExitCode::FAILURE;
    }
    let appearance = Appearance::new(args.theme, crate::color_wanted());
    let cut_short = indexed.warning.is_some() || !indexed.ended;
    match replay::replay(&indexed.header.demo, indexed.snapshots, appearance, args.speed, args.paused, cut_short) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: the terminal failed: {error}; try `threadviz export` to render the replay to a file");
            ExitCode::FAILURE
        }
    }
}

/// Where `threadviz export` writes: a temporary file in the output's folder, renamed over the
/// output only once everything is written, so a failed export leaves an old output as it was
/// (an output that is not a regular file, such as `/dev/null`, is written to directly).
struct Target {
    /// The file renamed over, the output's own path when it is a link.
    path: PathBuf,
    /// The temporary file, when there is one.
    temp: Option<tempfile::NamedTempFile>,
}

impl Target {
    /// Makes ready to write `output`, the export of `input`: refuses an output that is the
    /// input itself (the same file through any name, symlink or hard link).
    fn new(input: &Path, output: &Path) -> Result<(Self, File), ExitCode> {
        use std::os::unix::fs::MetadataExt;
        let cannot = |error: &dyn std::fmt::Display| {
            eprintln!("error: cannot create {}: {error}; choose a writable path", output.display());
            ExitCode::from(BAD_INPUT)
        };
        let existing = std::fs::metadata(output).ok();
        if let (Some(out), Ok(from)) = (&existing, std::fs::metadata(input))
            && (out.dev(), out.ino()) == (from.dev(), from.ino())
        {
            eprintln!(
                "error: {} is {}, the recording being exported; choose another output",
                output.display(),
                input.display()
            );
            return Err(ExitCode::from(BAD_INPUT));
        }
        if existing.as_ref().is_some_and(|metadata| !metadata.is_file()) {
            let file = std::fs::OpenOptions::new().write(true).open(output).map_err(|error| cannot(&error))?;
            return Ok((Self { path: output.to_owned(), temp: None }, file));
        }
        // A symlink's target is replaced, not the link.
        let path = if existing.is_some() {
            std::fs::canonicalize(output).map_err(|error| cannot(&error))?
        } else {
            output.to_owned()
        };
        let folder = match path.parent() {
            Some(folder) if !folder.as_os_str().is_empty() => folder,
            _ => Path::new("."),
        };
        let temp = tempfile::Builder::new()
            .prefix(".threadviz-export-")
            .tempfile_in(folder)
            .map_err(|error| cannot(&error))?;
        let permissions = existing
            .map_or_else(|| std::os::unix::fs::PermissionsExt::from_mode(0o644), |metadata| metadata.permissions());
        let _ = temp.as_file().set_permissions(permissions);
        let file = temp.as_file().try_clone().map_err(|error| cannot(&error))?;
        Ok((Self { path, temp: Some(temp) }, file))
    }

    /// Puts the written file in the output's place.
    fn commit(self) -> io::Result<()> {
        let Some(temp) = self.temp else { return Ok(()) };
        temp.as_file().sync_all()?;
        temp.persist(&self.path).map(drop).map_err(|error| error.error)
    }
}

/// `threadviz export FILE --format jsonl|binary -o OUT`: the events go across one at a time,
/// so a binary recording of any length converts in little memory.
fn convert(args: &ExportArgs, form: Form) -> ExitCode {
    let mut events = match record::stream(&args.file) {
        Ok(events) => events,
        Err(error) => return refused(&error),
    };
    let (target, out) = match Target::new(&args.file, &args.output) {
        Ok(target) => target,
        Err(code) => return code,
    };
    let output = args.output.display();
    let failed = |error: io::Error| {
        eprintln!("error: writing {output} failed: {error}");
        ExitCode::FAILURE
    };
    let mut writer = match RecordingWriter::new(BufWriter::new(out), events.header(), form) {
        Ok(writer) => writer,
        Err(error) => return failed(error),
    };
    let mut count = 0_u64;
    let mut ended = false;
    for event in &mut events {
        let event = match event {
            Ok(event) => event,
            Err(error) => return refused(&error),
        };
        ended = matches!(event.kind, crate::EventKind::SessionEnded);
        if let Err(error) = writer.event(&event) {
            return failed(error);
        }
        count += 1;
    }
    warn_if_short(&args.file, events.warning(), ended, count);
    match writer.finish().and_then(|bytes| target.commit().map(|()| bytes)) {
        Ok(bytes) => {
            let what = if form == Form::JsonLines { "as JSON Lines" } else { "in the binary form" };
            eprintln!("wrote {output}: {count} events {what} ({bytes} bytes)");
            ExitCode::SUCCESS
        }
        Err(error) => failed(error),
    }
}

/// `threadviz export FILE --format F -o OUT`.
pub fn export(args: &ExportArgs) -> ExitCode {
    match args.format {
        Format::Jsonl => convert(args, Form::JsonLines),
        Format::Binary => convert(args, Form::Binary),
        Format::Chrome => render(args, Render::Chrome),
        Format::Asciicast => render(args, Render::Asciicast),
    }
}

/// What an export renders from the whole recording.
#[derive(Debug, Clone, Copy)]
enum Render {
    Chrome,
    Asciicast,
}

/// `threadviz export FILE --format chrome|asciicast -o OUT`: the recording is read event by
/// event (twice for a cast: its stops first), never whole, with a progress line on a terminal.
fn render(args: &ExportArgs, render: Render) -> ExitCode {
    let output = args.output.display();
    let header = match record::stream(&args.file) {
        Ok(events) => events.header().clone(),
        Err(error) => return refused(&error),
    };
    let (target, out) = match Target::new(&args.file, &args.output) {
        Ok(target) => target,
        Err(code) => return code,
    };
    let mut out = BufWriter::new(out);
    let reading = progress::bar(0, "reading {pos} events, {elapsed}");
    let mut events = match Events::open(&args.file) {
        Ok(events) => events.progress(|count| reading.set_position(count)),
        Err(error) => return refused(&error),
    };
    let written = match render {
        Render::Chrome => chrome::write_events(&header, &mut events, &mut out)
            .map(|count| format!("{count} events as a Chrome trace; open it in https://ui.perfetto.dev")),
        Render::Asciicast => {
            let subject = replay::subject(&header.demo, None);
            let stops = Stops::find(&mut events, &subject);
            reading.finish_and_clear();
            let (total, end_us) = (events.count, events.end_us);
            if let Some(error) = events.error.take() {
                return refused(&error);
            }
            let rendering = progress::bar(total, "rendering {wide_bar} {pos}/{len} events, about {eta} left");
            let mut told = |count: usize| rendering.set_position(count as u64);
            let rendered = match Events::open(&args.file) {
                Ok(mut second) => {
                    let Size { width, height } = args.size;
                    let options =
                        asciicast::Options { width, height, theme: Theme::new(args.theme, crate::color_wanted()) };
                    let cast =
                        asciicast::write_events(&header, &stops, end_us, &mut second, &options, &mut out, &mut told);
                    cast.map(|frames| {
                        format!("{frames} frames of {width}x{height}; play it with `asciinema play {output}`")
                    })
                }
                Err(error) => return refused(&error),
            };
            rendering.finish_and_clear();
            rendered
        }
    };
    reading.finish_and_clear();
    if let Some(error) = events.error.take() {
        return refused(&error);
    }
    warn_if_short(&args.file, events.warning(), events.ended, events.count);
    match written.and_then(|done| out.flush().and_then(|()| target.commit()).map(|()| done)) {
        Ok(done) => {
            eprintln!("wrote {output}: {done}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: writing {output} failed: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Creates the recording file for `demo NAME --record FILE`, before anything runs.
pub(super) fn record_to(path: &Path, demo: &str) -> Result<RecordTo, ExitCode> {
    RecordTo::file(path, demo).map_err(|error| {
        eprintln!("error: {error}");
        ExitCode::from(BAD_INPUT)
    })
}

pub(crate) fn report(summary: &RecordSummary) {
    let replay = summary
        .path
        .as_ref()
        .map_or_else(String::new, |path| format!("; replay it with `threadviz replay {}`", path.display()));
    eprintln!("{summary}{replay}");
}

/// Prints what a recording holds, or why it could not be made, as threadviz's own line (a
/// program's run, whose own output shares the terminal).
pub(crate) fn report_recorded(recorded: io::Result<RecordSummary>) {
    match recorded {
        Ok(summary) => {
            let replay = summary
                .path
                .as_ref()
                .map_or_else(String::new, |path| format!("; replay it with `threadviz replay {}`", path.display()));
            eprintln!("threadviz: {summary}{replay}");
        }
        Err(error) => eprintln!("threadviz: error: {error}"),
    }
}

/// `demo NAME --record FILE` in the dashboard.
pub(super) fn record_dashboard(
    demo: &Demo,
    subject: Subject,
    appearance: Appearance,
    launch: Launch,
    to: RecordTo,
) -> ExitCode {
    match live::open_recording(Arc::new(demo.main), subject, appearance, launch, to) {
        Ok(Ok(summary)) => {
            report(&summary);
            ExitCode::SUCCESS
        }
        Ok(Err(error)) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("error: the terminal failed: {error}; try `--plain` to print the log instead");
            ExitCode::FAILURE
        }
    }
}

/// `demo NAME --record FILE --plain`: the log on stdout, the recording on disk. A signal
/// (SIGINT, SIGTERM, SIGHUP, SIGQUIT) stops the program; the recording is then finished and
/// flushed before the process exits (a second signal exits at once).
pub(super) fn record_plain(demo: &Demo, launch: &Launch, to: RecordTo) -> ExitCode {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};

    // Held as the dashboard holds them, so the recording has the wake-ups' moments in it.
    let session = launch.session().linger(live::LINGER).build();
    let recorder = match to.attach(&session) {
        Ok(recorder) => recorder,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let interrupted = Arc::new(AtomicBool::new(false));
    let signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT]).ok().map(|mut signals| {
        let handle = signals.handle();
        let (session, interrupted) = (session.clone(), interrupted.clone());
        let watcher = std::thread::Builder::new().name("threadviz-signals".into()).spawn(move || {
            for _ in signals.forever() {
                if interrupted.swap(true, Ordering::SeqCst) {
                    std::process::exit(i32::from(INTERRUPTED));
                }
                session.abort();
            }
        });
        (handle, watcher)
    });
    let stdout = super::CheckedStdout::default();
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| crate::run_plain_to(&session, stdout.clone(), demo.main)));
    if let Some((handle, watcher)) = signals {
        handle.close();
        if let Ok(watcher) = watcher {
            let _ = watcher.join();
        }
    }
    let code = match recorder.finish() {
        Ok(summary) => {
            report(&summary);
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    };
    if interrupted.load(Ordering::SeqCst) {
        return ExitCode::from(INTERRUPTED);
    }
    if stdout.failed() && outcome.is_ok() {
        return ExitCode::FAILURE;
    }
    match outcome {
        // The report is already printed, after the log lines it explains.
        Ok(Err(_deadlocked)) => ExitCode::from(crate::DEADLOCK_EXIT_CODE),
        Ok(Ok(())) => code,
        // The demo's own panic, reported as without a recording, now that the file is whole.
        Err(payload) => panic::resume_unwind(payload),
    }
}

#[cfg(test)]
mod tests {
    //! Export sizes as given on the command line.

    use super::*;

    #[test]
    fn sizes_are_columns_by_rows() {
        assert_eq!(parse_size("120x40"), Ok(Size { width: 120, height: 40 }));
        assert_eq!(parse_size("80X24"), Ok(Size { width: 80, height: 24 }));
        assert!(parse_size("120").is_err());
        assert!(parse_size("5x5").is_err());
        assert!(parse_size("axb").is_err());
    }
}
