//! Markdown to lines: what each construct looks like, wrapping, code kept verbatim, answers
//! hidden and shown.

use ratatui::style::{Color, Modifier};

use super::*;
use crate::view::theme::ThemeName;

fn mono() -> Theme {
    Theme::new(ThemeName::Dark, false)
}

fn render(markdown: &str, width: u16, answers: Answers<'_>) -> Vec<Line<'static>> {
    lines(markdown, width, mono(), answers)
}

fn text(lines: &[Line<'_>]) -> Vec<String> {
    lines.iter().map(|line| line.spans.iter().map(|span| span.content.as_ref()).collect()).collect()
}

const HIDDEN: Answers<'static> = Answers::Hidden { key: "a" };

#[test]
fn code_spans_keep_their_underscores_and_backticks_go() {
    let lines = render("Call `notify_all()` or `is_set()` on `threading_condition`.", 80, HIDDEN);
    assert_eq!(text(&lines), ["Call notify_all() or is_set() on threading_condition."]);
    let code: Vec<&Span> = lines[0].spans.iter().filter(|span| span.content.contains('_')).collect();
    assert_eq!(code.len(), 3);
    for span in code {
        assert_eq!(span.style, mono().code(), "`{}` is styled as code", span.content);
        assert!(span.style.add_modifier.contains(Modifier::UNDERLINED), "without colour code is underlined");
    }
    let coloured = lines_in(Theme::new(ThemeName::Dark, true), "`x_y`");
    assert_eq!(coloured[0].spans[0].style.fg, Some(Color::LightCyan), "in colour it has a colour of its own");
}

fn lines_in(theme: Theme, markdown: &str) -> Vec<Line<'static>> {
    lines(markdown, 80, theme, HIDDEN)
}

#[test]
fn headings_paragraphs_and_lists_are_laid_out_with_blank_lines_between_blocks() {
    let markdown = "# Title\n_From: a tutorial_\n\n## The idea\nOne\ntwo.\n\nThree.\n\n## Watch for\n- first\n- second\n\n1. one\n2. two\n";
    let lines = render(markdown, 40, HIDDEN);
    assert_eq!(
        text(&lines),
        [
            "Title",
            "From: a tutorial",
            "",
            "The idea",
            "One two.",
            "",
            "Three.",
            "",
            "Watch for",
            " • first",
            " • second",
            "",
            " 1. one",
            " 2. two",
        ]
    );
    assert_eq!(lines[0].spans[0].style, mono().header().add_modifier(Modifier::UNDERLINED), "the title");
    assert_eq!(lines[3].spans[0].style, mono().header());
    assert!(lines[1].spans[0].style.add_modifier.contains(Modifier::ITALIC), "emphasis is italic");
}

#[test]
fn strong_text_is_bold() {
    let lines = render("a **bold** word", 40, HIDDEN);
    assert_eq!(text(&lines), ["a bold word"]);
    assert!(lines[0].spans.iter().any(|span| span.content == "bold" && span.style.add_modifier == Modifier::BOLD));
}

#[test]
fn paragraphs_wrap_at_the_width_and_list_items_wrap_under_their_text() {
    let lines = render("one two three four five six\n\n- alpha beta gamma delta", 12, HIDDEN);
    assert_eq!(text(&lines), ["one two", "three four", "five six", "", " • alpha", "   beta", "   gamma", "   delta"]);
    assert!(lines.iter().all(|line| line.width() <= 12));
}

#[test]
fn a_code_span_is_never_broken_at_its_spaces_nor_parted_from_its_punctuation() {
    let lines = render("enter `with cond:` here, then `wait()`: done", 20, HIDDEN);
    assert_eq!(text(&lines), ["enter with cond:", "here, then wait():", "done"]);
}

#[test]
fn a_word_wider_than_the_line_is_cut_to_fit() {
    let lines = render("`abcdefghij`", 4, HIDDEN);
    assert_eq!(text(&lines), ["abcd", "efgh", "ij"]);
}

#[test]
fn code_blocks_are_verbatim_and_indented() {
    let lines = render("Before:\n\n```python\nwith lock:\n    counter_1 += 1\n```\n", 80, HIDDEN);
    assert_eq!(text(&lines), ["Before:", "", "  with lock:", "      counter_1 += 1"]);
    assert_eq!(lines[2].spans[0].style, mono().code());
}

const QUESTION: &str = "Can `c1` print?\n\n> **Answer:** No: `p` still\n> holds the lock.\n\nAfter.\n";

#[test]
fn answers_are_hidden_behind_a_line_naming_the_key() {
    let lines = render(QUESTION, 80, Answers::Hidden { key: "a" });
    assert_eq!(text(&lines), ["Can c1 print?", "", "▸ answer hidden: press a to reveal", "", "After."]);
    assert!(lines.iter().all(|line| !line.to_string().contains("holds")), "no word of the answer shows");
}

#[test]
fn revealed_answers_show_as_a_quote() {
    let lines = render(QUESTION, 80, Answers::Shown);
    assert_eq!(text(&lines), ["Can c1 print?", "", "┃ Answer: No: p still holds the lock.", "", "After."]);
    let revealed = render(QUESTION, 20, Answers::Shown);
    assert_eq!(text(&revealed)[2..4], ["┃ Answer: No: p", "┃ still holds the"], "wrapped inside the bar");
}

#[test]
fn a_quote_that_is_not_an_answer_always_shows() {
    assert_eq!(text(&render("> A quote.\n", 80, HIDDEN)), ["┃ A quote."]);
}

#[test]
fn a_moment_marker_shows_as_a_note_and_other_html_does_not_show() {
    let lines = render("## Ask\n<!-- moment: notify -->\nWhy?\n\n<!-- just a comment -->\n", 80, HIDDEN);
    assert_eq!(text(&lines), ["Ask", "⏸ a live run pauses here when a notify wakes a waiter", "Why?"]);
}
