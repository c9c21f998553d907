//! The thread table: one row per thread, like the OS process table the tutorials describe.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row, Table, Widget};

use super::{block, seconds};
use crate::app::{App, KernelColumns, LineIs};
use crate::model::{HELD_BY, KnownThread, LaneState, ThreadState};

/// Shown after READY on the row of the thread `n` steps next.
pub const NEXT_MARK: &str = "← next";

fn state_text(thread: &KnownThread, now_us: u64, ready: bool, next: bool) -> String {
    if ready {
        // Held at the pause gate: it will move when stepped.
        return if next { format!("▷ READY {NEXT_MARK}") } else { "▷ READY".to_owned() };
    }
    if thread.unsure {
        // Events were lost since its latest one: its next event says what it does.
        return format!("{} UNKNOWN", LaneState::Unknown.letter());
    }
    let left = |until: u64| time_left(until.saturating_sub(now_us));
    let detail = match &thread.state {
        ThreadState::Sleeping { until_us } => format!(" {}", left(*until_us)),
        ThreadState::Blocked { until_us: Some(until), .. } | ThreadState::Waiting { until_us: Some(until), .. } => {
            format!(" ≤{}", left(*until))
        }
        _ => String::new(),
    };
    format!("{} {}{detail}", thread.state.symbol(), thread.state.word())
}

/// What is left of a sleep or a timeout in at most four columns, so that the state fits its
/// column at 80 columns (`z SLEEPING 598s`) instead of being cut inside the number: tenths under
/// 10 s, then whole seconds, minutes, hours.
fn time_left(micros: u64) -> String {
    let secs = micros / 1_000_000;
    match secs {
        0..10 => seconds(micros).trim().to_owned(),
        10..1_000 => format!("{secs}s"),
        1_000..6_000 => format!("{}m", secs / 60),
        _ => format!("{}h", secs / 3_600),
    }
}

/// The kernel's view of the thread: state, CPU % over the last second, voluntary and
/// involuntary context switches, and the CPU it last ran on.
fn kernel_cell(app: &App, thread: &KnownThread) -> String {
    let Some(sample) = thread.os_tid.and_then(|os_tid| app.kernel.get(&os_tid)) else { return String::new() };
    let cpu = sample.cpu_percent.map_or_else(|| "  -".to_owned(), |percent| format!("{percent:>3.0}%"));
    let core = sample.thread.last_cpu.map_or_else(String::new, |core| format!("cpu{core}"));
    format!(
        "{}  {cpu:>4} {:>6}/{:<6} {core}",
        sample.thread.state, sample.thread.switches.voluntary, sample.thread.switches.involuntary
    )
}

/// How LINE says what its line is to the thread ([`LineIs`]): `line 21` it has run, `next 23`
/// it runs when stepped, `in 23` it is stuck in. Short, so that `next 123` fits the 8 columns
/// a small screen gives the column.
#[must_use]
pub fn line_word(line_is: LineIs) -> &'static str {
    match line_is {
        LineIs::Ran => "line",
        LineIs::Next => "next",
        LineIs::In => "in",
    }
}

/// Where the thread is, as [`App::thread_line`] says: `line N` in the shown file (`shown`, the
/// source panel's), `file.rs:N` elsewhere, or with `next` or `in` for a line it has not run.
fn source_line(app: &App, shown: Option<&str>, thread: &KnownThread) -> String {
    app.thread_line(thread).map_or_else(String::new, |(loc, line_is)| {
        let word = line_word(line_is);
        if shown.is_some_and(|path| super::source::same_file(loc, path)) {
            return format!("{word} {}", loc.line);
        }
        let file = loc.file.rsplit('/').next().unwrap_or(&loc.file);
        match line_is {
            LineIs::Ran => format!("{file}:{}", loc.line),
            LineIs::Next | LineIs::In => format!("{word} {file}:{}", loc.line),
        }
    })
}

/// `text` cut to `width` columns at a word boundary, the cut marked with `…`, so that a cell
/// never ends in the middle of a name; a connecting word or an open parenthesis left dangling
/// at the cut goes too.
#[must_use]
pub fn fit_words(text: &str, width: usize) -> String {
    let columns = |text: &str| Span::raw(text).width();
    if columns(text) <= width {
        return text.to_owned();
    }
    let words: Vec<&str> = text.split(' ').collect();
    for kept in (1..words.len()).rev() {
        let mut prefix: Vec<&str> = words[..kept].to_vec();
        // A connecting word or an open parenthesis says nothing without what followed it.
        let dangling =
            |word: &&str| ["by", "held", "holds"].contains(word) || (word.starts_with('(') && !word.ends_with(')'));
        while prefix.len() > 1 && prefix.last().is_some_and(dangling) {
            prefix.pop();
        }
        let cut = format!("{} …", prefix.join(" ").trim_end_matches([',', ';']));
        if columns(&cut) <= width {
            return cut;
        }
    }
    if width == 0 { String::new() } else { "…".to_owned() }
}

/// `text` as it fits in `width` columns, never cut inside a name: whole, or cut after a holder's
/// name, or without who holds the lock (the holder's own row says it holds it), or cut at a word.
fn fit_cell(text: &str, width: usize) -> String {
    let cut = fit_words(text, width);
    if cut == text || cut.contains(HELD_BY) {
        return cut;
    }
    // The short phrase: the holders' clause comes last.
    let Some((brief, _)) = text.split_once(HELD_BY) else { return cut };
    fit_words(brief, width)
}

/// The style of a thread's row: selected, part of the deadlock, both, or neither.
fn row_style(app: &App, tid: crate::event::Tid, selected: bool) -> Style {
    let theme = app.theme();
    // The rows marked are the deadlock's own: the cycle, or everyone when all are blocked. A
    // thread that only joins one of them is stuck too (the wait-for view says so) but is not
    // part of what the banner names.
    let deadlocked = app
        .confirmed_deadlock()
        .is_some_and(|deadlock| deadlock.in_cycle(tid) || (deadlock.cycle.is_empty() && deadlock.is_stuck(tid)));
    match (selected, deadlocked) {
        (true, true) => theme.selected().patch(theme.deadlocked()),
        (true, false) => theme.selected(),
        (false, true) => theme.deadlocked(),
        (false, false) => Style::new(),
    }
}

/// The columns a narrow table gives up for the kernel's, when it shows them: the daemon flag
/// and how long the thread has been in its state.
const NARROW_DROPPED: std::ops::Range<usize> = 3..5;
/// The column of how long a thread has been in its state.
const FOR_COLUMN: usize = 4;
/// Below this inner width (without the kernel's columns) FOR gives its room to what a thread
/// holds and waits for, which would otherwise get less than 16 columns.
const CRAMPED_BELOW: u16 = 72;

/// Whether a table `width` columns wide shows the kernel's view (Linux): where it is read,
/// with room kept from the first frame so the table does not jump when the first sample
/// arrives a second in; only where there is room beside the rest, unless it is what the
/// program shows.
fn shows_kernel(app: &App, width: u16) -> bool {
    match app.kernel_columns {
        KernelColumns::First => true,
        KernelColumns::Read => width >= 110,
        KernelColumns::Unread => !app.kernel.is_empty() && width >= 110,
    }
}

/// Makes room in a narrow table for the kernel's columns (the last two are the line's and the
/// kernel's): without the daemon flag and the time in the state, with a short header over
/// what the thread holds and waits for, and the line column no wider than `line 123`.
fn narrow_for_kernel(header_cells: &mut Vec<&str>, widths: &mut Vec<Constraint>) {
    header_cells.drain(NARROW_DROPPED);
    widths.drain(NARROW_DROPPED);
    // What a thread holds says so in its cell.
    if let Some(header) = header_cells.get_mut(NARROW_DROPPED.start) {
        *header = "WAITS FOR";
    }
    if let [.., line, kernel] = widths.as_mut_slice() {
        *line = Constraint::Length(8);
        *kernel = Constraint::Length(27);
    }
}

/// The table's headers and widths for an inner width of `width`, and whether the screen is
/// so small that FOR gave its room to what threads hold and wait for.
fn table_columns(
    model: &crate::model::Model,
    width: u16,
    wide: bool,
    kernel_columns: bool,
) -> (Vec<&'static str>, Vec<Constraint>, bool) {
    let mut header_cells: Vec<&'static str> = if wide {
        vec!["ID", "NAME", "STATE", "D", "FOR", "HOLDS", "WAITS FOR", "LINE"]
    } else {
        vec!["ID", "NAME", "STATE", "D", "FOR", "HOLDS / WAITS FOR", "LINE"]
    };
    // Names take what they need (up to a limit); what a thread waits for gets the rest.
    let longest_name = model.threads.values().map(|thread| thread.name.chars().count()).max().unwrap_or(4);
    let name_width = u16::try_from(longest_name.clamp(4, if wide { 20 } else { 12 })).unwrap_or(12);
    let mut widths: Vec<Constraint> = if wide {
        vec![
            Constraint::Length(3),
            Constraint::Length(name_width),
            Constraint::Length(17),
            Constraint::Length(1),
            Constraint::Length(7),
            Constraint::Fill(1),
            Constraint::Fill(2),
            Constraint::Length(12),
        ]
    } else {
        vec![
            Constraint::Length(3),
            Constraint::Length(name_width),
            Constraint::Length(15),
            Constraint::Length(1),
            Constraint::Length(7),
            Constraint::Fill(1),
            Constraint::Length(11),
        ]
    };
    // A small screen keeps what a thread holds and waits for, the point of the table, over how
    // long it has been in its state: FOR goes, and the line column shrinks to `line 123`.
    let cramped = !wide && !kernel_columns && width < CRAMPED_BELOW;
    if cramped {
        header_cells.remove(FOR_COLUMN);
        widths.remove(FOR_COLUMN);
        if let Some(header) = header_cells.get_mut(FOR_COLUMN) {
            *header = "HOLDS/WAITS FOR";
        }
        if let Some(line) = widths.last_mut() {
            *line = Constraint::Length(8);
        }
    }
    if kernel_columns {
        // Room for the kernel: the line column gives up what "line N" does not need.
        if let Some(line) = widths.last_mut() {
            *line = Constraint::Length(11);
        }
        header_cells.push("K  CPU%  VOL/INVOL CSW  CPU");
        widths.push(Constraint::Length(29));
        if !wide {
            narrow_for_kernel(&mut header_cells, &mut widths);
        }
    }
    (header_cells, widths, cramped)
}

/// Draws the table into `area`, keeping the selected row visible.
pub fn render(app: &App, area: Rect, buf: &mut Buffer, focused: bool) {
    let theme = app.theme();
    let model = &app.model;
    // Alive as Python's `is_alive()` says: started and not ended.
    let title = format!(" Threads {} alive / {} ", model.alive(), model.threads.len());
    let outer: Block = block(&title, theme.border(focused));
    let inner = outer.inner(area);
    outer.render(area, buf);
    if inner.height < 2 {
        return;
    }
    let wide = inner.width >= 100;
    let kernel_columns = shows_kernel(app, inner.width);
    let visible = usize::from(inner.height - 1);
    let first = app.selected_row().saturating_sub(visible.saturating_sub(1));
    let (header_cells, widths, cramped) = table_columns(model, inner.width, wide, kernel_columns);
    // The columns' widths as the table will lay them out, to cut cells at words.
    let columns =
        Layout::horizontal(widths.clone()).flex(Flex::Start).spacing(1).split(Rect::new(0, 0, inner.width, 1));
    let column_width = |index: usize| columns.get(index).map_or(0, |column| usize::from(column.width));
    let narrow_waits = if kernel_columns || cramped { NARROW_DROPPED.start + usize::from(cramped) } else { 5 };
    let (holds_width, waits_width) =
        if wide { (column_width(5), column_width(6)) } else { (0, column_width(narrow_waits)) };
    let next = app.next_to_step();
    // The file the source panel shows, found once for every row.
    let shown = app.source().map(|(path, _)| path);
    let rows = model.threads.values().enumerate().skip(first).take(visible).map(|(index, thread)| {
        let name_style = theme.thread(thread.tid);
        let mut cells = vec![
            Cell::from(format!("{:>3}", thread.tid)),
            Cell::from(Span::styled(thread.name.clone(), name_style)),
            Cell::from(Span::styled(
                state_text(thread, app.status.now_us, app.is_ready(thread.tid), next == Some(thread.tid)),
                if app.is_ready(thread.tid) {
                    theme.lane(LaneState::Ready)
                } else if thread.unsure {
                    theme.lane(LaneState::Unknown)
                } else {
                    theme.state(&thread.state)
                },
            )),
            Cell::from(if thread.daemon { "d" } else { "" }),
            Cell::from(seconds(app.status.now_us.saturating_sub(thread.since_us))),
        ];
        // The thread's latest misuse error goes first, where the eye already looks for trouble.
        let error = thread.error.as_ref().map(|error| Span::styled(format!("✗ {error} "), theme.error()));
        let with_error =
            |text: String| Line::from([error.clone(), Some(Span::raw(text))].into_iter().flatten().collect::<Vec<_>>());
        // What a thread waits for is cut to its column at a word, never inside a name.
        let error_width = error.as_ref().map_or(0, Span::width);
        let fit_waits = |text: &str| fit_cell(text, waits_width.saturating_sub(error_width));
        if wide {
            cells.push(Cell::from(fit_words(&model.holdings(thread), holds_width)));
            cells.push(Cell::from(with_error(fit_waits(&model.waits_for(thread).unwrap_or_default()))));
        } else {
            cells.push(Cell::from(with_error(fit_waits(&model.holds_and_waits(thread)))));
        }
        cells.push(Cell::from(source_line(app, shown, thread)));
        if kernel_columns {
            cells.push(Cell::from(kernel_cell(app, thread)));
        }
        if kernel_columns && !wide {
            cells.drain(NARROW_DROPPED);
        }
        if cramped {
            cells.remove(FOR_COLUMN);
        }
        Row::new(cells).style(row_style(app, thread.tid, index == app.selected_row()))
    });
    let header = Row::new(header_cells).style(theme.header());
    Widget::render(Table::new(rows, widths).header(header).column_spacing(1).style(Style::new()), inner, buf);
}

#[cfg(test)]
mod time_left_tests {
    #[test]
    fn time_left_fits_four_columns_and_never_cuts_a_number() {
        let cases =
            [(0, "0.0s"), (9_950_000, "9.9s"), (10_000_000, "10s"), (597_600_000, "597s"), (999_000_000, "999s")];
        for (micros, words) in cases {
            assert_eq!(super::time_left(micros), words);
        }
        assert_eq!(super::time_left(1_000_000_000), "16m");
        assert_eq!(super::time_left(7_200_000_000), "2h");
        for micros in [0, 9_999_999, 99_999_999, 5_999_999_999, 359_999_000_000] {
            assert!(super::time_left(micros).chars().count() <= 4, "{micros}");
        }
    }
}
