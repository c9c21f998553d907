//! The progress line of the commands that read a whole recording (`replay` of a file without
//! its index, `export`): drawn on stderr only when stderr is a terminal, so pipes, logs and
//! tests see nothing of it, and cleared when the work is done.

use std::io::{self, IsTerminal};

use indicatif::{ProgressBar, ProgressStyle};

/// A bar of `total` units (a spinner that counts when the total is unknown, 0), or one that
/// draws nothing when stderr is not a terminal. `template` is indicatif's.
pub(super) fn bar(total: u64, template: &str) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = if total == 0 { ProgressBar::new_spinner() } else { ProgressBar::new(total) };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}
