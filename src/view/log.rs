//! The log panel: the program's log lines, tagged and coloured by thread, wrapped to the
//! panel's width, scrollable.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::{block, seconds};
use crate::app::App;
use crate::event::LogLevel;

/// Splits `text` into pieces of at most `width` characters, breaking at spaces where it can.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        let gap = usize::from(current_len > 0);
        if current_len + gap + word.len() > width && current_len > 0 {
            pieces.push(std::mem::take(&mut current));
            current_len = 0;
        } else if gap == 1 {
            current.push(' ');
            current_len += 1;
        }
        while word.len() > width - current_len {
            let rest = word.split_off(width - current_len);
            current.extend(word);
            pieces.push(std::mem::take(&mut current));
            current_len = 0;
            word = rest;
        }
        current_len += word.len();
        current.extend(word);
    }
    pieces.push(current);
    pieces
}

/// Draws the last lines that fit (or older ones when scrolled back).
pub fn render(app: &App, area: Rect, buf: &mut Buffer, focused: bool) {
    let model = &app.model;
    let theme = &app.theme;
    let height = usize::from(area.height.saturating_sub(2));
    let width = usize::from(area.width.saturating_sub(2));
    let end = model.log.len().saturating_sub(app.log_back);
    // Narrow panels drop the time column; names are padded only as far as the longest one.
    let timed = area.width >= 60;
    let name_width = model.threads.values().map(|thread| thread.name.chars().count()).max().unwrap_or(4).min(10);
    let prefix_width = if timed { 8 } else { 0 } + name_width + 3;
    // Continuation lines are indented under the message, unless that leaves too little room.
    let indent = if width >= prefix_width + 16 { prefix_width } else { 0 };
    let mut lines: Vec<Line> = Vec::with_capacity(height);
    for line in model.log.range(..end).rev() {
        if lines.len() >= height {
            break;
        }
        let name = model.thread_name(line.thread);
        let text_style = if line.level >= LogLevel::Warn { theme.error() } else { Style::new() };
        let first_width = width.saturating_sub(prefix_width).max(1);
        let message = line.message.replace('\n', " ⏎ ");
        let first = wrap(&message, first_width).swap_remove(0);
        let remaining = message[first.len()..].trim_start();
        let rest = if remaining.is_empty() { Vec::new() } else { wrap(remaining, width.saturating_sub(indent)) };
        // Collected newest first; reversed below.
        for piece in rest.into_iter().rev() {
            lines.push(Line::from(vec![Span::raw(" ".repeat(indent)), Span::styled(piece, text_style)]));
        }
        let time = timed.then(|| Span::styled(format!("{} ", seconds(line.time_us)), theme.dim()));
        let spans = [
            time,
            Some(Span::styled(format!("({name:<name_width$})"), theme.thread(line.thread))),
            Some(Span::raw(" ")),
            Some(Span::styled(first, text_style)),
        ];
        lines.push(Line::from(spans.into_iter().flatten().collect::<Vec<_>>()));
    }
    lines.reverse();
    // Keep the newest line at the bottom when a wrapped entry overflows the top.
    let skip = lines.len().saturating_sub(height);
    let lines: Vec<Line> = lines.into_iter().skip(skip).collect();
    let position = if app.log_back == 0 { String::new() } else { format!(" ↑{} ", app.log_back) };
    let title = format!(" Log {} {position}", model.log.len() as u64 + model.log_discarded);
    Paragraph::new(lines).block(block(&title, theme.border(focused))).render(area, buf);
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_at_spaces_and_splits_long_words() {
        assert_eq!(wrap("Producer a elem 37, Now size is 1", 12), ["Producer a", "elem 37, Now", "size is 1"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 5), [""]);
        assert_eq!(wrap("fits", 4), ["fits"]);
    }
}
