//! The "what just happened" line: what a step's events did, one after the other, or else the
//! latest moment a lesson is about, in words made to fit the screen's width.

use super::App;

impl App {
    /// Puts what just happened on the "what just happened" line: a step's events one after
    /// the other, or else the latest moment, made to fit the line (see [`fit_step`]).
    pub(super) fn tell(&mut self, happening: crate::model::Happening) {
        let at = crate::model::at(self.model.time_us);
        // The line is drawn as ` » TEXT ` across the screen.
        let width = usize::from(if self.ui.size.0 == 0 { 80 } else { self.ui.size.0 }).saturating_sub(4);
        let Some(told) = self.step_happenings.as_mut() else {
            self.woken_untold.clear();
            self.what_happened = Some(fit_step(&at, &[happening], width));
            return;
        };
        // A woken thread's own wake-up and its asking for the lock again were said by the
        // wake-up (`woke c1, c2; they wait for RLock-1, held by p`), in this step or an earlier.
        if happening.follows_wake && self.woken_untold.contains(&happening.thread) {
            return;
        }
        self.woken_untold.retain(|&tid| tid != happening.thread);
        self.woken_untold.extend(happening.woke.iter().copied());
        // `asks for X` is only said until the acquire that follows says it in full.
        if told.last().is_some_and(|last| last.prelude && last.thread == happening.thread) {
            told.pop();
        }
        told.push(happening);
        self.what_happened = Some(fit_step(&at, told, width));
    }
}

/// A step's happenings as one line of at most `width` columns: `t=4.5s  A → B → C`. What does
/// not fit goes, oldest first, but a moment (a notify, a lost update) only when nothing else
/// is left to drop; what went is marked `… →`. A last piece still too long is cut after a
/// whole word.
fn fit_step(at: &str, told: &[crate::model::Happening], width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    // Each happening, or None where one was left out (shown as `…`, once for a run of them).
    let line = |at: &str, kept: &[Option<&crate::model::Happening>]| {
        let mut texts: Vec<&str> = Vec::new();
        for happening in kept {
            match happening {
                Some(happening) => texts.push(&happening.text),
                None if texts.last() == Some(&"…") => {}
                None => texts.push("…"),
            }
        }
        let text = texts.join(" → ");
        if at.is_empty() { text } else { format!("{at}  {text}") }
    };
    let mut kept: Vec<Option<&crate::model::Happening>> = told.iter().map(Some).collect();
    // The status bar shows the time too: it is the first thing a long line does without.
    let at = if line(at, &kept).width() > width { "" } else { at };
    while kept.iter().flatten().count() > 1 && line(at, &kept).width() > width {
        let left_out = kept
            .iter()
            .position(|happening| happening.is_some_and(|happening| !happening.moment))
            .or_else(|| kept.iter().position(Option::is_some));
        if let Some(index) = left_out {
            kept[index] = None;
        }
    }
    crate::model::shorten(&line(at, &kept), width)
}
