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

/// Splits `text` into pieces: the first at most `first` characters wide, the others at most
/// `rest`, breaking at spaces where it can. Every character of `text` but the spaces broken at
/// ends up in exactly one piece.
fn wrap(text: &str, first: usize, rest: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    // Whether a word (even an empty one, between two spaces) is already in the current piece.
    let mut started = false;
    let width = |pieces: &Vec<String>| if pieces.is_empty() { first.max(1) } else { rest.max(1) };
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        let gap = usize::from(started);
        if current_len > 0 && current_len + gap + word.len() > width(&pieces) {
            pieces.push(std::mem::take(&mut current));
            current_len = 0;
        } else if gap == 1 {
            current.push(' ');
            current_len += 1;
        }
        while word.len() > width(&pieces) - current_len.min(width(&pieces)) {
            let room = width(&pieces) - current_len.min(width(&pieces));
            let tail = word.split_off(room);
            current.extend(word);
            pieces.push(std::mem::take(&mut current));
            current_len = 0;
            word = tail;
        }
        current_len += word.len();
        current.extend(word);
        started = true;
    }
    pieces.push(current);
    pieces
}

/// Draws the last lines that fit (or older ones when scrolled back).
pub fn render(app: &App, area: Rect, buf: &mut Buffer, focused: bool) {
    let model = &app.model;
    let theme = app.theme();
    let height = usize::from(area.height.saturating_sub(2));
    let width = usize::from(area.width.saturating_sub(2));
    let end = model.log.len().saturating_sub(app.log_back());
    // Narrow panels drop the time column; names are padded only as far as the longest one.
    let timed = area.width >= 60;
    let name_width = model.threads.values().map(|thread| thread.name.chars().count()).max().unwrap_or(4).min(10);
    let prefix_width = if timed { 8 } else { 0 } + name_width + 3;
    // Continuation lines are indented under the message, unless that leaves too little room.
    let indent = if width >= prefix_width + 16 { prefix_width } else { 0 };
    // The line picked by scrolling back is highlighted here and its mark in the timeline.
    let picked = app.selected_log_line().map(|line| line.seq);
    let mut lines: Vec<Line> = Vec::with_capacity(height);
    for line in model.log.range(..end).rev() {
        if lines.len() >= height {
            break;
        }
        let name = model.thread_name(line.thread);
        let text_style = match (Some(line.seq) == picked, line.level >= LogLevel::Warn) {
            (true, _) => theme.selected(),
            (false, true) => theme.error(),
            (false, false) => Style::new(),
        };
        let first_width = width.saturating_sub(prefix_width).max(1);
        let message = line.message.replace('\n', " ⏎ ");
        let mut pieces = wrap(&message, first_width, width.saturating_sub(indent)).into_iter();
        let first = pieces.next().unwrap_or_default();
        let rest: Vec<String> = pieces.collect();
        // Collected newest first; reversed below.
        for piece in rest.into_iter().rev() {
            lines.push(Line::from(vec![Span::raw(" ".repeat(indent)), Span::styled(piece, text_style)]));
        }
        let time = timed.then(|| Span::styled(format!("{} ", seconds(line.time_us)), theme.dim()));
        let spans = [
            time,
            Some(Span::styled(
                format!("({:<name_width$})", super::source::cut(&name, name_width)),
                theme.thread(line.thread),
            )),
            Some(Span::raw(" ")),
            Some(Span::styled(first, text_style)),
        ];
        lines.push(Line::from(spans.into_iter().flatten().collect::<Vec<_>>()));
    }
    lines.reverse();
    // Keep the newest line at the bottom when a wrapped entry overflows the top.
    let skip = lines.len().saturating_sub(height);
    let lines: Vec<Line> = lines.into_iter().skip(skip).collect();
    let position = if app.log_back() == 0 { String::new() } else { format!(" ↑{} ", app.log_back()) };
    let title = format!(" Log {} {position}", model.log.len() as u64 + model.log_discarded);
    Paragraph::new(lines).block(block(&title, theme.border(focused))).render(area, buf);
}

#[cfg(test)]
mod tests {
    //! How the log wraps its lines.

    use super::wrap;

    #[test]
    fn wraps_at_spaces_and_splits_long_words() {
        assert_eq!(wrap("Producer a elem 37, Now size is 1", 12, 12), ["Producer a", "elem 37, Now", "size is 1"]);
        assert_eq!(wrap("abcdefghij", 4, 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 5, 5), [""]);
        assert_eq!(wrap("fits", 4, 4), ["fits"]);
        assert_eq!(wrap("one two three", 3, 10), ["one", "two three"]);
    }

    #[test]
    fn leading_spaces_and_accents_are_kept_once() {
        assert_eq!(wrap("  indented", 20, 20), ["  indented"]);
        assert_eq!(wrap("  éa", 2, 2), [" ", "éa"]);
        let pieces = wrap("  éé éé ééé", 3, 3);
        assert_eq!(pieces.concat().replace(' ', ""), "ééééééé", "no character is lost or doubled: {pieces:?}");
    }
}
