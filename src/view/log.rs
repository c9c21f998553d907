//! The log panel: the program's log lines, tagged and coloured by thread, scrollable.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::{block, seconds};
use crate::app::App;
use crate::event::LogLevel;

/// Draws the last lines that fit (or older ones when scrolled back).
pub fn render(app: &App, area: Rect, buf: &mut Buffer, focused: bool) {
    let model = &app.model;
    let theme = &app.theme;
    let height = usize::from(area.height.saturating_sub(2));
    let end = model.log.len().saturating_sub(app.log_back);
    let start = end.saturating_sub(height);
    let lines: Vec<Line> = model
        .log
        .range(start..end)
        .map(|line| {
            let name = model.thread_name(line.thread);
            let text_style = if line.level >= LogLevel::Warn { theme.error() } else { ratatui::style::Style::new() };
            Line::from(vec![
                Span::styled(format!("{:>7} ", seconds(line.time_us)), theme.dim()),
                Span::styled(format!("({name:<10})"), theme.thread(line.thread)),
                Span::raw(" "),
                Span::styled(line.message.clone(), text_style),
            ])
        })
        .collect();
    let position = if app.log_back == 0 { String::new() } else { format!(" ↑{} ", app.log_back) };
    let title = format!(" Log {} {position}", model.log.len() as u64 + model.log_discarded);
    Paragraph::new(lines).block(block(&title, theme.border(focused))).render(area, buf);
}
