//! The source panel: the running program's own source, with a marker at the line each thread
//! is at and a note at the line of the instruction a thread just ran (a run stepped by
//! instruction), following the selected thread; and the excerpt of it that small screens show
//! under the thread table (and the panel, when the threads' lines do not fit in one window):
//! the lines the threads are at, with what context fits.

use std::collections::{BTreeMap, BTreeSet};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use unicode_width::UnicodeWidthChar;

use super::block;
use crate::app::App;
use crate::event::{SourceLoc, Tid};
use crate::model::Instruction;

/// Columns before the code: the line number, the marker and a space (`  12 ▶ `).
const GUTTER: usize = 7;
/// The fewest columns the names of the threads at a line get, even on a narrow panel.
const MIN_NAMES: usize = 20;

/// Whether a location from an event points into the shown file (paths differ by how the file
/// was compiled in: `demos/x.rs` and `src/../demos/x.rs` are the same file).
pub(crate) fn same_file(loc: &SourceLoc, path: &str) -> bool {
    crate::catalog::same_file(&loc.file, path)
}

/// What the panel marks at one line.
#[derive(Debug, Default, Clone, PartialEq)]
struct LineMarks<'a> {
    /// The live threads at it, as the table's LINE shows it (a READY thread at the line it runs
    /// when stepped).
    threads: Vec<Tid>,
    /// The instruction run last at it, and by whom: of several threads' instructions there,
    /// the latest. A thread READY for its next line still has its instruction noted at the
    /// line it ran at.
    ran: Option<(Tid, &'a Instruction)>,
}

/// What the panel marks at each line of the file `path`: the live threads at it, and the
/// instruction a live thread just ran at it.
fn marks_at_lines<'a>(app: &'a App, path: &str) -> BTreeMap<u32, LineMarks<'a>> {
    let mut at_line: BTreeMap<u32, LineMarks> = BTreeMap::new();
    for thread in app.model.threads.values().filter(|thread| !thread.state.is_finished()) {
        if let Some((loc, _)) = app.thread_line(thread).filter(|(loc, _)| same_file(loc, path)) {
            at_line.entry(loc.line).or_default().threads.push(thread.tid);
        }
        let Some(instruction) = &thread.instruction else { continue };
        let Some(loc) = instruction.loc.as_ref().filter(|loc| same_file(loc, path)) else { continue };
        let ran = &mut at_line.entry(loc.line).or_default().ran;
        if ran.is_none_or(|(_, latest)| latest.seq < instruction.seq) {
            *ran = Some((thread.tid, instruction));
        }
    }
    at_line
}

/// The selected thread's line in the file `path`, if it is there.
fn selected_line(app: &App, path: &str) -> Option<u32> {
    app.selected_thread().and_then(|tid| app.thread_loc(tid)).filter(|loc| same_file(loc, path)).map(|loc| loc.line)
}

/// `text` cut to `width` columns, its last one `…` when anything was cut.
pub(crate) fn cut(text: &str, width: usize) -> String {
    let total: usize = text.chars().map(|char| char.width().unwrap_or(0)).sum();
    if total <= width {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for char in text.chars() {
        let char_width = char.width().unwrap_or(0);
        if used + char_width + 1 > width {
            break;
        }
        out.push(char);
        used += char_width;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// One line of source, `width` columns at most: number, marker, code, the names of the
/// threads at it and the instruction just run at it (`◂ LOAD_GLOBAL balance → 5`, with its
/// thread's name unless that thread alone is at the line). A long line loses the end of its
/// code (cut with `…`), never the names: they are what the class looks for. Names that would
/// take more than the code leaves and half the line (or [`MIN_NAMES`] columns) are counted
/// instead (`+3`); the instruction gets what the names leave of that, cut after a whole word
/// with `…`, or goes when not even its thread's name would fit.
///
/// `after_gap`: the line does not follow the one shown above it, and there was no row for a
/// `⋮` of its own, so its number carries it (`⋮ 19`): distant lines never read as consecutive.
fn code_line(
    app: &App,
    number: u32,
    text: &str,
    marks: Option<&LineMarks>,
    width: usize,
    after_gap: bool,
) -> Line<'static> {
    let theme = app.theme();
    let model = &app.model;
    let tids = marks.map_or(&[][..], |marks| marks.threads.as_slice());
    let mut label: Vec<Span<'static>> = Vec::new();
    // Whatever the code leaves, and at least half the line.
    let code: usize = text.chars().map(|char| char.width().unwrap_or(0)).sum();
    let after_code = width.saturating_sub(GUTTER + 1 + code);
    let room = after_code.max(width.saturating_sub(GUTTER) / 2).max(MIN_NAMES);
    if !tids.is_empty() {
        label.push(Span::raw("  ◀ "));
        let mut used = 4;
        for (position, tid) in tids.iter().enumerate() {
            let name = model.thread_name(*tid);
            let separator = if position > 0 { 2 } else { 0 };
            let left = tids.len() - position;
            // What the rest would take if this name is the last one shown: ` +N`.
            let more = if left > 1 { 2 + (left - 1).to_string().len() } else { 0 };
            let name_width: usize = name.chars().map(|char| char.width().unwrap_or(0)).sum();
            if position > 0 && used + separator + name_width + more > room {
                label.push(Span::styled(format!(" +{left}"), theme.dim()));
                break;
            }
            if position > 0 {
                label.push(Span::raw(", "));
            }
            label.push(Span::styled(name, theme.thread(*tid)));
            used += separator + name_width;
        }
    }
    if let Some((tid, instruction)) = marks.and_then(|marks| marks.ran) {
        // What the code and the names leave to the panel's edge, or, on a long line, what the
        // names leave of theirs (the code is cut): never past the panel.
        let used: usize = label.iter().map(Span::width).sum();
        let to_edge = width.saturating_sub(GUTTER + code + used);
        // Two spaces part it from the code, as the names are; one from the names.
        let arrow = if tids.is_empty() { "  ◂ " } else { " ◂ " };
        let left = to_edge
            .max(room.min(width.saturating_sub(GUTTER + 1)).saturating_sub(used))
            .saturating_sub(arrow.chars().count());
        let name = if tids == [tid] { String::new() } else { format!("{}: ", model.thread_name(tid)) };
        let name_width: usize = name.chars().map(|char| char.width().unwrap_or(0)).sum();
        if left >= name_width + 2 {
            label.push(Span::styled(arrow, theme.hot()));
            label.push(Span::styled(name, theme.thread(tid)));
            let text = crate::model::shorten(&instruction.text, left - name_width);
            label.push(Span::styled(text, theme.code()));
        }
    }
    let label_width: usize = label.iter().map(Span::width).sum();
    let code_room = width.saturating_sub(GUTTER + label_width);
    let marker = if tids.is_empty() { " " } else { "▶" };
    let mut spans = vec![
        Span::styled(if after_gap { format!("⋮{number:>3} ") } else { format!("{number:>4} ") }, theme.dim()),
        Span::styled(marker.to_owned(), theme.hot()),
        Span::raw(format!(" {}", cut(text, code_room))),
    ];
    spans.extend(label);
    Line::from(spans)
}

/// The program's source and its path (a demo's, or the file of the program's own that the
/// threads are in); without one, the panel says so.
fn source_or_say_none<'a>(app: &'a App, area: Rect, buf: &mut Buffer, focused: bool) -> Option<(&'a str, &'a str)> {
    let source = app.source();
    if source.is_none() {
        let said = app.unreadable_source().map_or_else(
            || "(no source for this program)".to_owned(),
            |path| format!("(cannot read {path}: run from the crate's directory, or set CARGO_MANIFEST_DIR to it)"),
        );
        Paragraph::new(said)
            .wrap(ratatui::widgets::Wrap { trim: true })
            .block(block(" Source ", app.theme().border(focused)))
            .render(area, buf);
    }
    source
}

/// Draws the source around the selected thread's line.
pub fn render(app: &App, area: Rect, buf: &mut Buffer, focused: bool) {
    let theme = app.theme();
    let Some((path, source)) = source_or_say_none(app, area, buf, focused) else { return };
    let model = &app.model;
    let at_line = marks_at_lines(app, path);
    let selected = app.selected_thread();
    let selected_line = selected_line(app, path);
    let height = usize::from(area.height.saturating_sub(2));
    let width = usize::from(area.width.saturating_sub(2));
    let total = source.lines().count();
    // Lines are numbered from 1; rows from 0.
    let centre = selected_line.map_or(0, |line| (line as usize).saturating_sub(1));
    let top = centre
        .saturating_sub(height / 2)
        .saturating_add_signed(app.ui.source_offset)
        .min(total.saturating_sub(height.min(total)));
    // Not scrolled, and some thread's line falls outside the window around the selected
    // thread's: the excerpt shows every thread's line instead.
    let outside = |line: &u32| (*line as usize) <= top || (*line as usize) > top + height;
    let lines: Vec<Line> = if app.ui.source_offset == 0 && at_line.keys().any(outside) {
        excerpt_lines(app, source, &at_line, selected_line, height, width)
    } else {
        source
            .lines()
            .enumerate()
            .skip(top)
            .take(height)
            .map(|(index, text)| {
                let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
                let line = code_line(app, number, text, at_line.get(&number), width, false);
                if Some(number) == selected_line { line.style(theme.selected()) } else { line }
            })
            .collect()
    };
    let following = selected.map_or_else(String::new, |tid| format!(" following {} ", model.thread_name(tid)));
    let title = format!(" Source {path}{following}");
    Paragraph::new(lines).block(block(&title, theme.border(focused))).render(area, buf);
}

/// The line numbers an excerpt of `rows` rows shows: first the lines threads are at (`marked`),
/// nearest the selected thread's line first, then the lines around them, the selected thread's
/// first, while they fit. A gap between two shown lines takes a row of its own (`⋮`) when there
/// is room for every gap; the lines threads are at come before the gaps.
fn excerpt(selected: Option<u32>, marked: &BTreeSet<u32>, last: u32, rows: usize) -> (BTreeSet<u32>, bool) {
    let gaps = |lines: &BTreeSet<u32>| lines.iter().zip(lines.iter().skip(1)).filter(|(a, b)| **b > **a + 1).count();
    let mut anchors: Vec<u32> = selected.into_iter().collect();
    let mut others: Vec<u32> = marked.iter().copied().filter(|line| Some(*line) != selected).collect();
    others.sort_by_key(|line| selected.map_or(*line, |at| line.abs_diff(at)));
    anchors.extend(others);
    let mut shown: BTreeSet<u32> = anchors.iter().copied().take(rows).collect();
    // Without room for the gaps between the threads' lines, the context goes without them too.
    let separated = shown.len() + gaps(&shown) <= rows;
    let cost = |lines: &BTreeSet<u32>| lines.len() + if separated { gaps(lines) } else { 0 };
    // Context, nearest first: the line before each anchor, then the line after, then further out.
    for distance in 1..last {
        let mut added = false;
        for anchor in &anchors {
            for line in [anchor.checked_sub(distance), anchor.checked_add(distance)].into_iter().flatten() {
                if line == 0 || line > last || shown.contains(&line) {
                    continue;
                }
                let mut more = shown.clone();
                more.insert(line);
                if cost(&more) <= rows {
                    shown = more;
                    added = true;
                }
            }
        }
        if !added {
            break;
        }
    }
    (shown, separated)
}

/// The rows of an excerpt of `source` (see [`excerpt`]), `width` columns wide.
fn excerpt_lines(
    app: &App,
    source: &str,
    at_line: &BTreeMap<u32, LineMarks>,
    selected_line: Option<u32>,
    rows: usize,
    width: usize,
) -> Vec<Line<'static>> {
    let texts: Vec<&str> = source.lines().collect();
    let last = u32::try_from(texts.len()).unwrap_or(u32::MAX);
    let marked: BTreeSet<u32> = at_line.keys().copied().filter(|line| *line <= last).collect();
    let (shown, separated) = excerpt(selected_line.filter(|line| *line <= last), &marked, last, rows);
    let mut lines: Vec<Line> = Vec::with_capacity(rows);
    let mut previous: Option<u32> = None;
    for number in shown {
        let gap = previous.is_some_and(|previous| number > previous + 1);
        if separated && gap {
            lines.push(Line::styled("     ⋮", app.theme().dim()));
        }
        previous = Some(number);
        let text = texts.get(number as usize - 1).copied().unwrap_or_default();
        let line = code_line(app, number, text, at_line.get(&number), width, gap && !separated);
        lines.push(if Some(number) == selected_line { line.style(app.theme().selected()) } else { line });
    }
    lines
}

/// Draws the excerpt: the lines the threads are at, with as much context as fits, the selected
/// thread's line highlighted.
pub fn render_excerpt(app: &App, area: Rect, buf: &mut Buffer, focused: bool) {
    let theme = app.theme();
    let Some((path, source)) = source_or_say_none(app, area, buf, focused) else { return };
    let at_line = marks_at_lines(app, path);
    let rows = usize::from(area.height.saturating_sub(2));
    let width = usize::from(area.width.saturating_sub(2));
    let lines = excerpt_lines(app, source, &at_line, selected_line(app, path), rows, width);
    let following =
        app.selected_thread().map_or_else(String::new, |tid| format!(" following {} ", app.model.thread_name(tid)));
    let title = format!(" Source {path}{following}");
    Paragraph::new(lines).block(block(&title, theme.border(focused))).render(area, buf);
}

#[cfg(test)]
mod tests {
    //! The source panel and its excerpt: which lines show, and how long lines are cut.

    use super::*;

    #[test]
    fn a_cut_line_ends_in_an_ellipsis_within_its_width() {
        assert_eq!(cut("condition.wait()", 20), "condition.wait()");
        assert_eq!(cut("condition.wait()", 10), "condition…");
        assert_eq!(cut("abc", 0), "");
    }

    #[test]
    fn an_excerpt_shows_every_threads_line_before_any_context() {
        let marked: BTreeSet<u32> = [5, 11, 19].into();
        let (shown, separated) = excerpt(Some(5), &marked, 20, 3);
        assert_eq!(shown, [5, 11, 19].into());
        assert!(!separated, "no room for the gaps");
        // Room for the gaps and two more lines: the line before the selected one, then the one
        // before the nearest other thread's line.
        let (shown, separated) = excerpt(Some(5), &marked, 20, 7);
        assert_eq!(shown, [4, 5, 6, 11, 19].into());
        assert!(separated);
        // Without room for the gaps, the context goes without them.
        let (shown, separated) = excerpt(Some(5), &marked, 20, 4);
        assert_eq!(shown, [4, 5, 11, 19].into());
        assert!(!separated);
        // The selected line comes first when not all fit.
        let (shown, _) = excerpt(Some(19), &marked, 20, 2);
        assert_eq!(shown, [11, 19].into());
    }

    #[test]
    fn an_instruction_is_noted_at_the_line_it_ran_at_even_when_its_thread_goes_on_below() {
        use crate::app::Msg;
        use crate::event::{EventKind, TraceEvent};
        let source = "balance = 0\nbalance += 1\nprint(balance)\n";
        let mut app = App::new(
            crate::app::Subject { title: "t", source: Some(("bank.py", source)), lesson: None },
            crate::app::Appearance::new(crate::app::ThemeName::Dark, false),
            crate::session::PauseState::Paused,
            1.0,
        );
        let at = |line: u32| Some(SourceLoc { file: "bank.py".into(), line });
        let created = EventKind::ThreadCreated { tid: 1, name: "MainThread".into(), daemon: false, foreign: false };
        let kinds = [
            (None, created),
            (None, EventKind::ThreadStarted { tid: 1, daemon: false, os_tid: None }),
            (at(2), EventKind::Instruction { offset: 10, text: "STORE_NAME balance ← 1".into() }),
        ];
        let events =
            (0..).zip(kinds).map(|(seq, (loc, kind))| TraceEvent { seq, time_us: 0, thread: 1, loc, kind }).collect();
        app.update(Msg::Events(events));
        // Held before its next instruction, at the line below.
        app.update(Msg::Status(crate::app::Status {
            now_us: 0,
            pause: crate::session::PauseState::Paused,
            speed: 1.0,
            dropped: 0,
            ready: vec![1],
            ready_at: [(1, SourceLoc { file: "bank.py".into(), line: 3 })].into(),
        }));
        let marks = marks_at_lines(&app, "bank.py");
        assert_eq!(marks.keys().copied().collect::<Vec<_>>(), [2, 3]);
        let rows: Vec<String> = [2, 3]
            .into_iter()
            .map(|number| {
                let text = source.lines().nth(number as usize - 1).expect("a line");
                code_line(&app, number, text, marks.get(&number), 60, false).to_string()
            })
            .collect();
        assert_eq!(
            rows,
            ["   2   balance += 1  ◂ MainThread: STORE_NAME balance ← 1", "   3 ▶ print(balance)  ◀ MainThread"],
            "the note names whose it is: no marker at its line says it"
        );
    }

    #[test]
    fn distant_lines_never_read_as_consecutive() {
        let source: String = (1..=20).map(|line| format!("line_{line}()")).collect::<Vec<_>>().join("\n");
        let app = App::new(
            crate::app::Subject { title: "t", source: None, lesson: None },
            crate::app::Appearance::new(crate::app::ThemeName::Dark, false),
            crate::session::PauseState::Paused,
            1.0,
        );
        let at_line: BTreeMap<u32, LineMarks> =
            [(5, 1), (11, 2), (19, 3)].map(|(line, tid)| (line, LineMarks { threads: vec![tid], ran: None })).into();
        for rows in 3..8 {
            let lines = excerpt_lines(&app, &source, &at_line, Some(5), rows, 60);
            let texts: Vec<String> = lines.iter().map(ToString::to_string).collect();
            // A line's number, and whether a `⋮` (a row of its own, or on its number) comes
            // between it and the line above.
            let mut previous: Option<u32> = None;
            let mut gap_row = false;
            for text in &texts {
                if text.trim() == "⋮" {
                    gap_row = true;
                    continue;
                }
                let marked = text.starts_with('⋮');
                let number: u32 = text
                    .trim_start_matches('⋮')
                    .split_whitespace()
                    .next()
                    .and_then(|number| number.parse().ok())
                    .expect("a line number");
                if let Some(previous) = previous {
                    assert!(number == previous + 1 || marked || gap_row, "{rows} rows: {texts:#?}");
                }
                (previous, gap_row) = (Some(number), false);
            }
        }
    }
}
