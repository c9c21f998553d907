//! The thread table: one row per thread, like the OS process table the tutorials describe.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Row, Table, Widget};

use super::{block, seconds};
use crate::app::{App, KernelColumns};
use crate::model::{Model, PrimState, ThreadState, ThreadView, WaitTarget};

/// What a blocked or waiting thread waits for, and who holds it, in words.
#[must_use]
pub fn waits_for(model: &Model, thread: &ThreadView) -> Option<String> {
    let holders = |pid| {
        let names: Vec<String> = model
            .prims
            .get(&pid)
            .map_or_else(Vec::new, |prim| prim.holders().into_iter().map(|tid| model.thread_name(tid)).collect());
        if names.is_empty() { String::new() } else { format!(", held by {}", names.join(", ")) }
    };
    // Default names already say the kind (`RLock-1`); chosen ones get it added (`Condition con`).
    let prim_label = |pid| {
        model.prims.get(&pid).map_or_else(
            || format!("#{pid}"),
            |prim| {
                if prim.name.starts_with(prim.kind()) {
                    prim.name.clone()
                } else {
                    format!("{} {}", prim.kind(), prim.name)
                }
            },
        )
    };
    match &thread.state {
        ThreadState::Blocked { prim, .. } => Some(format!("{}{}", prim_label(*prim), holders(*prim))),
        ThreadState::Waiting { on: WaitTarget::Prim(pid), .. } => {
            let detail = match model.prims.get(pid).map(|prim| &prim.state) {
                Some(PrimState::Queue { qsize: 0, .. }) => " (empty)".to_owned(),
                Some(PrimState::Queue { qsize, maxsize, .. }) if *maxsize > 0 && qsize >= maxsize => {
                    " (full)".to_owned()
                }
                Some(PrimState::Queue { unfinished, .. }) => format!(" ({unfinished} unfinished)"),
                Some(PrimState::Barrier { parties, arrived, .. }) => format!(" ({}/{parties})", arrived.len()),
                _ => String::new(),
            };
            Some(format!("{}{detail}", prim_label(*pid)))
        }
        ThreadState::Waiting { on: WaitTarget::Join(tid), .. } => Some(format!("join {}", model.thread_name(*tid))),
        ThreadState::Waiting { on: WaitTarget::Shutdown, .. } => Some("non-daemon threads to end".to_owned()),
        ThreadState::Panicked { message } => Some(format!("panic: {message}")),
        _ => None,
    }
}

fn state_text(thread: &ThreadView, now_us: u64, ready: bool) -> String {
    if ready {
        // Held at the pause gate: it will move when stepped.
        return "▷ READY".to_owned();
    }
    let left = |until: u64| seconds(until.saturating_sub(now_us)).trim().to_owned();
    let detail = match &thread.state {
        ThreadState::Sleeping { until_us } => format!(" {}", left(*until_us)),
        ThreadState::Blocked { until_us: Some(until), .. } | ThreadState::Waiting { until_us: Some(until), .. } => {
            format!(" ≤{}", left(*until))
        }
        _ => String::new(),
    };
    format!("{} {}{detail}", thread.state.symbol(), thread.state.word())
}

/// The kernel's view of the thread: state, CPU % over the last second, voluntary and
/// involuntary context switches, and the CPU it last ran on.
fn kernel_cell(app: &App, thread: &ThreadView) -> String {
    let Some(sample) = thread.os_tid.and_then(|os_tid| app.kernel.get(&os_tid)) else { return String::new() };
    let cpu = sample.cpu_percent.map_or_else(|| "  -".to_owned(), |percent| format!("{percent:>3.0}%"));
    let core = sample.thread.last_cpu.map_or_else(String::new, |core| format!("cpu{core}"));
    format!(
        "{}  {cpu:>4} {:>6}/{:<6} {core}",
        sample.thread.state, sample.thread.switches.voluntary, sample.thread.switches.involuntary
    )
}

/// Where the thread is: `line N` in the shown program's own file, `file.rs:N` elsewhere.
fn source_line(app: &App, thread: &ThreadView) -> String {
    thread.loc.as_ref().map_or_else(String::new, |loc| {
        if app.showing.source.is_some_and(|(path, _)| super::source::same_file(loc, path)) {
            return format!("line {}", loc.line);
        }
        let file = loc.file.rsplit('/').next().unwrap_or(&loc.file);
        format!("{file}:{}", loc.line)
    })
}

/// The columns a narrow table gives up for the kernel's, when it shows them: the daemon flag
/// and how long the thread has been in its state.
const NARROW_DROPPED: std::ops::Range<usize> = 3..5;

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

/// Draws the table into `area`, keeping the selected row visible.
pub fn render(app: &App, area: Rect, buf: &mut Buffer, focused: bool) {
    let theme = &app.theme;
    let model = &app.model;
    let live = model.threads.values().filter(|thread| !thread.state.is_finished()).count();
    let title = format!(" Threads {live} alive / {} ", model.threads.len());
    let outer: Block = block(&title, theme.border(focused));
    let inner = outer.inner(area);
    outer.render(area, buf);
    if inner.height < 2 {
        return;
    }
    let wide = inner.width >= 100;
    let kernel_columns = shows_kernel(app, inner.width);
    let visible = usize::from(inner.height - 1);
    let first = app.selected.saturating_sub(visible.saturating_sub(1));
    let rows = model.threads.values().enumerate().skip(first).take(visible).map(|(index, thread)| {
        let waits = waits_for(model, thread).unwrap_or_default();
        let holds: Vec<String> = thread.holds.iter().map(|pid| model.prim_name(*pid)).collect();
        let name_style = theme.thread(thread.tid);
        let mut cells = vec![
            Cell::from(format!("{:>3}", thread.tid)),
            Cell::from(Span::styled(thread.name.clone(), name_style)),
            Cell::from(Span::styled(
                state_text(thread, app.now_us, app.is_ready(thread.tid)),
                theme.state(&thread.state),
            )),
            Cell::from(if thread.daemon { "d" } else { "" }),
            Cell::from(seconds(app.now_us.saturating_sub(thread.since_us))),
        ];
        // The thread's latest misuse error goes first, where the eye already looks for trouble.
        let error = thread.error.as_ref().map(|error| Span::styled(format!("✗ {error} "), theme.error()));
        let with_error =
            |text: String| Line::from([error.clone(), Some(Span::raw(text))].into_iter().flatten().collect::<Vec<_>>());
        if wide {
            cells.push(Cell::from(holds.join(", ")));
            cells.push(Cell::from(with_error(waits)));
        } else {
            let both = match (holds.is_empty(), waits.is_empty()) {
                (false, false) => format!("holds {}; {waits}", holds.join(", ")),
                (false, true) => format!("holds {}", holds.join(", ")),
                _ => waits,
            };
            cells.push(Cell::from(with_error(both)));
        }
        cells.push(Cell::from(source_line(app, thread)));
        if kernel_columns {
            cells.push(Cell::from(kernel_cell(app, thread)));
        }
        if kernel_columns && !wide {
            cells.drain(NARROW_DROPPED);
        }
        let row = Row::new(cells);
        let deadlocked = app
            .confirmed_deadlock()
            .is_some_and(|deadlock| deadlock.in_cycle(thread.tid) || deadlock.is_stuck(thread.tid));
        match (index == app.selected, deadlocked) {
            (true, _) => row.style(theme.selected()),
            (false, true) => row.style(theme.banner()),
            (false, false) => row,
        }
    });
    let mut header_cells: Vec<&str> = if wide {
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
    if kernel_columns {
        // Room for the kernel: the line column gives up what "line N" does not need.
        if let Some(line) = widths.last_mut() {
            *line = Constraint::Length(11);
        }
        header_cells.push("K  CPU%  VOL/INVOL CSW  CPU");
        widths.push(Constraint::Length(29));
    }
    if kernel_columns && !wide {
        narrow_for_kernel(&mut header_cells, &mut widths);
    }
    let header = Row::new(header_cells).style(theme.header());
    Widget::render(Table::new(rows, widths).header(header).column_spacing(1).style(Style::new()), inner, buf);
}
