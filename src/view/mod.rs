//! The view: `impl Widget for &App` lays out the panels (one file each) for the terminal's
//! size, from 80x24 to wall-sized projectors.

pub mod help;
pub mod log;
pub mod markdown;
pub mod moment;
pub mod notes;
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
    let focused = app.focus == panel;
    match panel {
        Panel::Threads => threads::render(app, area, buf, focused),
        Panel::Prims => prims::render(app, area, buf, focused),
        Panel::Log => log::render(app, area, buf, focused),
        Panel::Source => source::render(app, area, buf, focused),
        Panel::Timeline => timeline::render(app, area, buf, focused),
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
        let [main, bar] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
        status::render(self, bar, buf);
        // The notes cover the banner too: their scrolling depends on the screen's size alone.
        let above_bar = main;
        // A deadlock is named in a banner above everything else.
        let main = match self.confirmed_deadlock() {
            Some(deadlock) => {
                let text = format!(" ⚠ {} ", deadlock.describe(&self.model));
                let height =
                    u16::try_from(text.chars().count() / usize::from(main.width.max(1)) + 1).unwrap_or(1).min(3);
                let [banner, rest] = Layout::vertical([Constraint::Length(height), Constraint::Min(0)]).areas(main);
                Paragraph::new(text).style(self.theme.banner()).wrap(Wrap { trim: false }).render(banner, buf);
                rest
            }
            None => main,
        };
        if self.zoomed {
            render_panel(self, self.focus, main, buf);
        } else {
            // The table gets what its rows need, up to about half the screen.
            let rows = u16::try_from(self.model.threads.len()).unwrap_or(u16::MAX).saturating_add(3);
            let table = rows.clamp(5, (main.height / 2).max(5));
            let [top, rest] = Layout::vertical([Constraint::Length(table), Constraint::Min(0)]).areas(main);
            render_panel(self, Panel::Threads, top, buf);
            // Tall screens show the timeline as a band of its own; others show it in place of
            // the primitives while it has the focus.
            let lanes = u16::try_from(self.model.threads.len())
                .unwrap_or(u16::MAX)
                .clamp(1, (rest.height / 2).saturating_sub(3).max(1));
            let band = rest.height >= 28 && main.width >= 100;
            let bottom = if band {
                let [timeline, bottom] =
                    Layout::vertical([Constraint::Length(lanes + 3), Constraint::Min(0)]).areas(rest);
                render_panel(self, Panel::Timeline, timeline, buf);
                bottom
            } else {
                rest
            };
            // What shows where the primitives do: a focused panel that has no place of its own.
            let wide = main.width >= 110;
            let in_prims_place = match self.focus {
                Panel::Source if !wide => Panel::Source,
                Panel::Timeline if !band => Panel::Timeline,
                _ => Panel::Prims,
            };
            if wide {
                let [left, right] =
                    Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(bottom);
                let prims = prims::height(self, left.width.saturating_sub(2), left.height / 2).saturating_add(2);
                let prims = prims.clamp(3, left.height / 2);
                let [upper, lower] = Layout::vertical([Constraint::Length(prims), Constraint::Min(0)]).areas(left);
                render_panel(self, in_prims_place, upper, buf);
                render_panel(self, Panel::Log, lower, buf);
                render_panel(self, Panel::Source, right, buf);
            } else {
                // Narrow: no room for the source beside the log.
                let [left, right] =
                    Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(bottom);
                render_panel(self, in_prims_place, left, buf);
                render_panel(self, Panel::Log, right, buf);
            }
        }
        for overlay in &self.overlays {
            match overlay {
                Overlay::Notes => notes::render(self, above_bar, buf),
                Overlay::Moment => moment::render(self, main, buf),
                Overlay::Help => help::render(self, main, buf),
                Overlay::WaitFor => waits::render(self, main, buf),
            }
        }
    }
}
