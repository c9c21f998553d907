//! Lesson Markdown turned into styled, wrapped terminal lines: headings, paragraphs, lists,
//! emphasis, code spans kept verbatim, code blocks, and answers hidden until revealed.

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::theme::Theme;
use crate::lesson::{ANSWER_OPENER, Trigger};

/// Whether answers show, or a placeholder naming the key that reveals them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answers<'a> {
    /// Answers are shown.
    Shown,
    /// Answers are replaced by a line saying that this key reveals them.
    Hidden {
        /// The reveal key, as the key table names it.
        key: &'a str,
    },
}

/// The text of the line that stands for a hidden answer.
#[must_use]
pub fn hidden_answer(key: &str) -> String {
    format!("▸ answer hidden: press {key} to reveal")
}

/// A word: styled fragments with no break between them (`` `wait()`: `` is one word).
type Word = Vec<(String, Style)>;

/// A block the current text sits in.
#[derive(Debug)]
enum Container {
    /// A list; the number of its next item if it is numbered.
    List(Option<u64>),
    /// A list item; its marker until its first line is written.
    Item { marker: String, width: usize, started: bool },
    /// A block quote (a revealed answer is one).
    Quote,
}

struct Renderer<'a> {
    source: &'a str,
    width: usize,
    theme: Theme,
    answers: Answers<'a>,
    lines: Vec<Line<'static>>,
    containers: Vec<Container>,
    /// The words of the paragraph, heading or item text being read.
    words: Vec<Word>,
    /// Whether the next text starts a new word (whitespace came before it).
    space: bool,
    /// Emphasis and strong text around the current text.
    modifiers: Vec<Modifier>,
    /// The heading being read, if any.
    heading: Option<HeadingLevel>,
    /// Whether a block has been written since the last heading (the next one gets a blank
    /// line before it).
    after_block: bool,
    /// Inside a code block.
    code_block: bool,
    /// Nesting depth of a hidden answer being skipped.
    skipping: usize,
}

/// Renders `markdown` into lines at most `width` columns wide.
#[must_use]
pub fn lines(markdown: &str, width: u16, theme: Theme, answers: Answers<'_>) -> Vec<Line<'static>> {
    let mut renderer = Renderer {
        source: markdown,
        width: usize::from(width).max(1),
        theme,
        answers,
        lines: Vec::new(),
        containers: Vec::new(),
        words: Vec::new(),
        space: true,
        modifiers: Vec::new(),
        heading: None,
        after_block: false,
        code_block: false,
        skipping: 0,
    };
    for (event, range) in Parser::new(markdown).into_offset_iter() {
        renderer.event(event, range);
    }
    renderer.flush();
    renderer.lines
}

impl Renderer<'_> {
    fn event(&mut self, event: Event<'_>, range: std::ops::Range<usize>) {
        if self.skipping > 0 {
            match event {
                Event::Start(Tag::BlockQuote(_)) => self.skipping += 1,
                Event::End(TagEnd::BlockQuote(_)) => self.skipping -= 1,
                _ => {}
            }
            return;
        }
        match event {
            Event::Start(tag) => self.start(&tag, range),
            Event::End(tag) => self.end(tag),
            Event::Text(text) if self.code_block => {
                for line in text.lines() {
                    let style = self.theme.code();
                    self.push_line(vec![Span::styled(format!("  {line}"), style)]);
                }
            }
            Event::Text(text) => self.text(&text),
            Event::Code(code) => self.code(&code),
            Event::SoftBreak => self.space = true,
            Event::HardBreak => self.flush(),
            Event::Html(html) | Event::InlineHtml(html) => self.html(&html),
            Event::Rule => {
                self.separate();
                self.push_line(vec![Span::styled("─".repeat(self.width.min(40)), self.theme.dim())]);
                self.after_block = true;
            }
            Event::TaskListMarker(done) => self.text(if done { "[x] " } else { "[ ] " }),
            Event::FootnoteReference(text) | Event::InlineMath(text) | Event::DisplayMath(text) => {
                self.text(&text);
            }
        }
    }

    fn start(&mut self, tag: &Tag<'_>, range: std::ops::Range<usize>) {
        match tag {
            Tag::Heading { level, .. } => {
                let level = *level;
                self.flush();
                if !self.lines.is_empty() {
                    self.push_line(Vec::new());
                }
                self.heading = Some(level);
            }
            Tag::Paragraph => {
                self.flush();
                self.separate();
            }
            Tag::List(first) => {
                let first = *first;
                self.flush();
                if !matches!(self.containers.last(), Some(Container::Item { .. })) {
                    self.separate();
                }
                self.containers.push(Container::List(first));
            }
            Tag::Item => {
                self.flush();
                let next = match self.containers.last_mut() {
                    Some(Container::List(Some(number))) => {
                        let marker = format!(" {number}. ");
                        *number += 1;
                        marker
                    }
                    _ => " • ".to_owned(),
                };
                let width = next.width();
                self.containers.push(Container::Item { marker: next, width, started: false });
            }
            Tag::BlockQuote(_) => {
                self.flush();
                self.separate();
                let quoted = self.source.get(range).unwrap_or_default();
                let answer = quoted.trim_start().trim_start_matches('>').trim_start().starts_with(ANSWER_OPENER);
                match self.answers {
                    Answers::Hidden { key } if answer => {
                        let style = self.theme.dim().add_modifier(Modifier::ITALIC);
                        self.push_line(vec![Span::styled(hidden_answer(key), style)]);
                        self.after_block = true;
                        self.skipping = 1;
                    }
                    _ => self.containers.push(Container::Quote),
                }
            }
            Tag::CodeBlock(_) => {
                self.flush();
                self.separate();
                self.code_block = true;
            }
            Tag::Emphasis => self.modifiers.push(Modifier::ITALIC),
            Tag::Strong => self.modifiers.push(Modifier::BOLD),
            Tag::Strikethrough => self.modifiers.push(Modifier::CROSSED_OUT),
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Heading(_) => {
                self.flush();
                self.heading = None;
                self.after_block = false;
            }
            TagEnd::Paragraph => {
                self.flush();
                self.after_block = true;
            }
            TagEnd::Item => {
                self.flush();
                self.containers.pop();
            }
            TagEnd::List(_) | TagEnd::BlockQuote(_) => {
                self.flush();
                self.containers.pop();
                self.after_block = true;
            }
            TagEnd::CodeBlock => {
                self.code_block = false;
                self.after_block = true;
            }
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => {
                self.modifiers.pop();
            }
            _ => {}
        }
    }

    /// A blank line between two blocks, except right under a heading and at the top of a
    /// list item.
    fn separate(&mut self) {
        let first_in_item = matches!(self.containers.last(), Some(Container::Item { started: false, .. }));
        if self.after_block && !first_in_item {
            self.push_line(Vec::new());
        }
        self.after_block = false;
    }

    /// A moment marker shows as a note to the lecturer; other HTML is not shown.
    fn html(&mut self, html: &str) {
        let Some(trigger) = html.trim().strip_prefix("<!-- moment:").and_then(|rest| rest.strip_suffix("-->")) else {
            return;
        };
        if let Ok(trigger) = Trigger::parse(trigger) {
            self.flush();
            let note = format!("⏸ a live run pauses here when {}", trigger.describe());
            self.push_line(vec![Span::styled(note, self.theme.dim())]);
        }
    }

    fn style(&self) -> Style {
        let base = if self.heading.is_some() {
            let header = self.theme.header();
            if self.heading == Some(HeadingLevel::H1) { header.add_modifier(Modifier::UNDERLINED) } else { header }
        } else if self.containers.iter().any(|container| matches!(container, Container::Quote)) {
            self.theme.calm()
        } else {
            Style::new()
        };
        self.modifiers.iter().fold(base, |style, &modifier| style.add_modifier(modifier))
    }

    fn text(&mut self, text: &str) {
        let style = self.style();
        for (index, piece) in text.split(char::is_whitespace).enumerate() {
            if index > 0 {
                self.space = true;
            }
            if piece.is_empty() {
                continue;
            }
            self.append(piece.to_owned(), style);
        }
    }

    /// A code span: verbatim, never broken at its spaces (unless wider than a line).
    fn code(&mut self, code: &str) {
        let style = self.modifiers.iter().fold(self.theme.code(), |style, &modifier| style.add_modifier(modifier));
        self.append(code.to_owned(), style);
    }

    fn append(&mut self, text: String, style: Style) {
        match self.words.last_mut() {
            Some(word) if !self.space => word.push((text, style)),
            _ => self.words.push(vec![(text, style)]),
        }
        self.space = false;
    }

    /// The prefix of the next line: quote bars and list markers (or their indent).
    fn prefix(&mut self) -> Vec<Span<'static>> {
        let quote = self.theme.calm();
        self.containers
            .iter_mut()
            .filter_map(|container| match container {
                Container::List(_) => None,
                Container::Quote => Some(Span::styled("┃ ", quote)),
                Container::Item { marker, width, started } => {
                    if *started {
                        Some(Span::raw(" ".repeat(*width)))
                    } else {
                        *started = true;
                        Some(Span::raw(marker.clone()))
                    }
                }
            })
            .collect()
    }

    fn push_line(&mut self, spans: Vec<Span<'static>>) {
        let mut line = if spans.is_empty() && self.containers.iter().all(|c| !matches!(c, Container::Quote)) {
            // A blank line does not start a list item.
            Vec::new()
        } else {
            self.prefix()
        };
        line.extend(spans);
        self.lines.push(Line::from(line));
    }

    /// Writes the words read so far as lines wrapped at the width.
    fn flush(&mut self) {
        self.space = true;
        if self.words.is_empty() {
            return;
        }
        let words = std::mem::take(&mut self.words);
        let indent: usize = self
            .containers
            .iter()
            .map(|container| match container {
                Container::List(_) => 0,
                Container::Quote => 2,
                Container::Item { width, .. } => *width,
            })
            .sum();
        let room = self.width.saturating_sub(indent).max(1);
        let mut line: Vec<Span<'static>> = Vec::new();
        let mut used = 0;
        for word in words {
            let width: usize = word.iter().map(|(text, _)| text.width()).sum();
            if used > 0 && used + 1 + width > room {
                self.push_line(std::mem::take(&mut line));
                used = 0;
            }
            if used > 0 {
                line.push(Span::raw(" "));
                used += 1;
            }
            for (text, style) in word {
                // Only a fragment wider than a whole line is broken, at the line's end.
                let mut rest = text.as_str();
                while used + rest.width() > room {
                    let (head, tail) = split_at_width(rest, room - used);
                    if head.is_empty() && used == 0 {
                        break;
                    }
                    line.push(Span::styled(head.to_owned(), style));
                    self.push_line(std::mem::take(&mut line));
                    used = 0;
                    rest = tail;
                }
                used += rest.width();
                line.push(Span::styled(rest.to_owned(), style));
            }
        }
        if !line.is_empty() {
            self.push_line(line);
        }
    }
}

/// Splits `text` after the most characters that fit in `width` columns.
fn split_at_width(text: &str, width: usize) -> (&str, &str) {
    let mut used = 0;
    for (index, c) in text.char_indices() {
        used += c.width().unwrap_or(0);
        if used > width {
            return text.split_at(index);
        }
    }
    (text, "")
}

#[cfg(test)]
mod tests;
