//! The view: `impl Widget for &App` lays out the panels (one file each) for the terminal's
//! size, from 80x24 to wall-sized projectors.

pub mod guide;
pub mod help;
pub mod log;
pub mod markdown;
pub mod moment;
pub mod notes;
pub mod presenter;
pub mod prims;
pub mod source;
pub mod status;
pub mod theme;
pub mod threads;
pub mod timeline;
pub mod waits;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Widget, Wrap};

use crate::app::{App, Overlay, Panel};

/// The smallest terminal the dashboard draws into.
pub const MIN_SIZE: (u16, u16) = (60, 16);

/// Seconds with one decimal, right-aligned to 6 columns: `  12.3s`.
#[must_use]
pub fn seconds(micros: u64) -> String {
    let tenths = micros / 100_000;
    format!("{:>4}.{}s", tenths / 10, tenths % 10)
}

pub(crate) fn block(title: &str, border: Style) -> Block<'_> {
    Block::bordered().border_type(BorderType::Rounded).border_style(border).title(title)
}

pub(crate) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height }
}

fn render_panel(app: &App, panel: Panel, area: Rect, buf: &mut Buffer) {
    let focused = app.ui.focus == panel;
    match panel {
        Panel::Threads => threads::render(app, area, buf, focused),
        Panel::Prims => prims::render(app, area, buf, focused),
        Panel::Log => log::render(app, area, buf, focused),
        Panel::Source => source::render(app, area, buf, focused),
        Panel::Timeline => timeline::render(app, area, buf, focused),
    }
}

/// Draws the deadlock banner (when there is one) at the top of `main`; returns what is left.
pub(crate) fn deadlock_banner(app: &App, main: Rect, buf: &mut Buffer) -> Rect {
    let Some(deadlock) = app.confirmed_deadlock() else { return main };
    let text = format!(" ⚠ {} ", deadlock.describe(&app.model));
    let height = u16::try_from(text.chars().count() / usize::from(main.width.max(1)) + 1).unwrap_or(1).min(3);
    let [banner, rest] = Layout::vertical([Constraint::Length(height), Constraint::Min(0)]).areas(main);
    Paragraph::new(text).style(app.theme().banner()).wrap(Wrap { trim: false }).render(banner, buf);
    rest
}

/// Draws what just happened on one row, to be noticed; too long (the screen shrank since), it
/// is cut after a whole word, with `…`.
pub(crate) fn render_happened(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(happened) = &app.what_happened else { return };
    let happened = crate::model::shorten(happened, usize::from(area.width).saturating_sub(4));
    let line = Line::from(vec![Span::styled(format!(" » {happened} "), app.theme().badge(true))]);
    Paragraph::new(line).render(area, buf);
}

/// Rows the thread table wants: a row per thread plus its header and borders, up to about half
/// of `height`.
fn table_height(app: &App, height: u16) -> u16 {
    let rows = u16::try_from(app.model.threads.len()).unwrap_or(u16::MAX).saturating_add(3);
    rows.clamp(5, (height / 2).max(5))
}

/// The share of a narrow screen's width (in percent) the primitives get beside the log: a
/// primitive's state and its queue then fit on a line at 80 columns.
const NARROW_PRIMS_SHARE: u16 = 60;

/// Where each panel goes on the normal (not zoomed, not presenter) dashboard.
#[derive(Debug, Default)]
struct Plan {
    /// Panels and their places, drawn in this order.
    panels: Vec<(Panel, Rect)>,
    /// The source excerpt under the table, where the source panel has no place of its own.
    excerpt: Option<Rect>,
    /// The row for what just happened.
    happened: Option<Rect>,
    /// Panels with no place on this screen, which Tab brings in.
    elsewhere: Vec<Panel>,
}

impl Plan {
    fn new(app: &App, main: Rect) -> Self {
        let mut plan = Self::default();
        let table = table_height(app, main.height);
        let happened = u16::from(app.what_happened.is_some());
        let [top, happened, rest] =
            Layout::vertical([Constraint::Length(table), Constraint::Length(happened), Constraint::Min(0)]).areas(main);
        plan.panels.push((Panel::Threads, top));
        plan.happened = (happened.height > 0).then_some(happened);
        // Tall screens show the timeline as a band of its own; others show it in place of
        // the primitives while it has the focus.
        let lanes = u16::try_from(app.model.threads.len())
            .unwrap_or(u16::MAX)
            .clamp(1, (rest.height / 2).saturating_sub(3).max(1));
        let band = rest.height >= 28 && main.width >= 100;
        let bottom = if band {
            let [timeline, bottom] = Layout::vertical([Constraint::Length(lanes + 3), Constraint::Min(0)]).areas(rest);
            plan.panels.push((Panel::Timeline, timeline));
            bottom
        } else {
            rest
        };
        // What shows where the primitives do: a focused panel that has no place of its own.
        let wide = main.width >= 110;
        let in_prims_place = match app.ui.focus {
            Panel::Source if !wide => Panel::Source,
            Panel::Timeline if !band => Panel::Timeline,
            _ => Panel::Prims,
        };
        if !band && in_prims_place != Panel::Timeline {
            plan.elsewhere.push(Panel::Timeline);
        }
        if wide {
            let [left, right] =
                Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(bottom);
            let prims = prims::height(app, left.width.saturating_sub(2), left.height / 2).saturating_add(2);
            let prims = prims.clamp(3, left.height / 2);
            let [upper, lower] = Layout::vertical([Constraint::Length(prims), Constraint::Min(0)]).areas(left);
            plan.panels.push((in_prims_place, upper));
            plan.panels.push((Panel::Log, lower));
            plan.panels.push((Panel::Source, right));
            return plan;
        }
        // Narrow: no room for the source beside the log, so the lines the threads are at show
        // in an excerpt across the screen, unless the whole source has the focus.
        let bottom = if in_prims_place == Panel::Source {
            bottom
        } else {
            plan.elsewhere.push(Panel::Source);
            // The primitives with their queues come first; the excerpt gets what is left, at
            // least the selected thread's line.
            let prims = if in_prims_place == Panel::Timeline {
                lanes + 3
            } else {
                let width = bottom.width * NARROW_PRIMS_SHARE / 100;
                prims::height(app, width.saturating_sub(2), bottom.height).saturating_add(2).max(5)
            };
            let wanted = excerpt_rows(app).saturating_add(2);
            let height = bottom.height.saturating_sub(prims).clamp(3, wanted.max(3));
            let [excerpt, bottom] = Layout::vertical([Constraint::Length(height), Constraint::Min(0)]).areas(bottom);
            plan.excerpt = Some(excerpt);
            bottom
        };
        // A program without primitives leaves the log the whole width.
        if in_prims_place == Panel::Prims && app.model.prims.is_empty() {
            plan.panels.push((Panel::Log, bottom));
            return plan;
        }
        let [left, right] = Layout::horizontal([
            Constraint::Percentage(NARROW_PRIMS_SHARE),
            Constraint::Percentage(100 - NARROW_PRIMS_SHARE),
        ])
        .areas(bottom);
        plan.panels.push((in_prims_place, left));
        plan.panels.push((Panel::Log, right));
        if in_prims_place != Panel::Prims {
            plan.elsewhere.push(Panel::Prims);
        }
        plan
    }
}

/// How many different lines the live threads are at.
pub(crate) fn thread_lines(app: &App) -> u16 {
    let lines: std::collections::BTreeSet<u32> = app
        .model
        .threads
        .values()
        .filter(|thread| !thread.state.is_finished())
        .filter_map(|thread| app.thread_line(thread).map(|(loc, _)| loc.line))
        .collect();
    u16::try_from(lines.len()).unwrap_or(u16::MAX)
}

/// Rows the source excerpt would like: the lines the threads are at and a few of context
/// around the selected thread's.
fn excerpt_rows(app: &App) -> u16 {
    thread_lines(app).saturating_add(3).clamp(3, 6)
}

/// Draws the open overlays, bottom first: the notes over `above_bar` (their scrolling depends
/// on the screen's size alone), the others over `main` (below any deadlock banner).
fn render_overlays(app: &App, above_bar: Rect, main: Rect, buf: &mut Buffer) {
    for overlay in &app.ui.overlays {
        match overlay {
            Overlay::Notes => notes::render(app, above_bar, buf),
            Overlay::Moment => moment::render(app, main, buf),
            Overlay::Help => help::render(app, main, buf),
            Overlay::WaitFor => waits::render(app, main, buf),
        }
    }
}

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
            let text = format!(
                "terminal too small: {}x{}, threadviz needs at least {}x{}. Enlarge the window or press q to quit.",
                area.width, area.height, MIN_SIZE.0, MIN_SIZE.1
            );
            Paragraph::new(text).wrap(Wrap { trim: true }).render(area, buf);
            return;
        }
        // Overlays may cover the row of key hints (the help lists every key), not the state.
        let above_bar = Rect { height: area.height - 1, ..area };
        if self.ui.present {
            let main = presenter::render(self, area, buf);
            render_overlays(self, above_bar, main, buf);
            return;
        }
        // The bar takes a second row for its key hints when they do not fit beside the state;
        // the panels the hints point to are known once the rest is laid out.
        let bar_height = status::height(self, area.width, &[]);
        let [main, bar] = Layout::vertical([Constraint::Min(0), Constraint::Length(bar_height)]).areas(area);
        // A deadlock is named in a banner above everything else; a steered run's guide follows.
        let main = deadlock_banner(self, main, buf);
        let main = guide::render(self, main, buf);
        if self.ui.zoomed {
            render_panel(self, self.ui.focus, main, buf);
            status::render_with(self, bar, buf, &[]);
        } else {
            let plan = Plan::new(self, main);
            for (panel, place) in &plan.panels {
                render_panel(self, *panel, *place, buf);
            }
            if let Some(place) = plan.excerpt {
                source::render_excerpt(self, place, buf, false);
            }
            if let Some(place) = plan.happened {
                render_happened(self, place, buf);
            }
            status::render_with(self, bar, buf, &plan.elsewhere);
        }
        render_overlays(self, above_bar, Rect { height: main.height + bar_height - 1, ..main }, buf);
    }
}
