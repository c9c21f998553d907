//! The lesson moment: the question a live demo pauses to ask, along the bottom of the screen
//! so that the threads it asks about stay in view; its answer hidden until revealed.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Clear, Paragraph, Widget};

use super::block;
use super::markdown;
use super::notes::answers;
use crate::app::App;
use crate::app::keys::{self, Action};

/// Draws the question across the bottom of `area`, as tall as it needs: at most what the
/// thread table leaves, and never less than half of `area`.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let Some(moment) = app.moment else { return };
    let lines = markdown::lines(moment.question, area.width.saturating_sub(2), app.theme(), answers(app));
    let wanted = u16::try_from(lines.len()).unwrap_or(u16::MAX).saturating_add(2);
    let table = u16::try_from(app.model.threads.len()).unwrap_or(u16::MAX).saturating_add(3);
    let room = area.height.saturating_sub(table).max(area.height / 2);
    let height = wanted.min(room);
    let popup = Rect { y: area.y + area.height - height, height, ..area };
    let answer = if app.ui.answers == crate::app::Answers::Shown { "hide answer" } else { "answer" };
    let title = format!(
        " ⏸ Ask the class: {}  {}:{answer}  {}:go on ",
        moment.trigger.describe(),
        keys::label(Action::Reveal),
        keys::label(Action::TogglePause)
    );
    Clear.render(popup, buf);
    Paragraph::new(lines).block(block(&title, app.theme().border(true))).render(popup, buf);
}
