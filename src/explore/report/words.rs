//! The report's words and numbers: counts with their thousands separated and their plurals
//! right, preemption bounds, why shrinking stopped, and the histogram of final values.

use std::collections::BTreeMap;
use std::fmt;

use crate::explore::shrink::Stop;

/// What `_` means, said once in a report whose schedules use it.
pub(super) const DEFAULT_MOVE: &str = "`_` is the default move: the thread that moved last goes on if it can, else the lowest-numbered thread that can; time passes only when no thread can";

/// `1 replay`, `214 replays`.
pub(super) fn replays(count: usize) -> String {
    format!("{} replay{}", thousands(count), if count == 1 { "" } else { "s" })
}

/// `1 entry`, `9 entries`: the dot-separated parts of a schedule.
pub(super) fn entries(count: usize) -> String {
    format!("{} entr{}", thousands(count), if count == 1 { "y" } else { "ies" })
}

/// `no preemption`, `1 preemption`, `3 preemptions`.
pub(super) fn preemptions(count: usize) -> String {
    match count {
        0 => "no preemption".to_owned(),
        1 => "1 preemption".to_owned(),
        count => format!("{} preemptions", thousands(count)),
    }
}

/// What the runs left behind, said in a report and a failure: `1 OS thread of the runs was left
/// behind, ...`.
pub(crate) fn left_behind(count: usize) -> String {
    let (threads, was) = if count == 1 {
        ("1 OS thread".to_owned(), "was")
    } else {
        (format!("{} OS threads", thousands(count)), "were")
    };
    format!(
        "{threads} of the runs {was} left behind, blocked outside threadviz: a thread blocked in the kernel cannot be stopped safely from within the process (each goes on if its wait ever ends, and stops at its next threadviz operation); every other thread was stopped and its OS thread reclaimed"
    )
}

/// Why shrinking stopped, when it stopped before a fixed point.
pub(super) fn stop_words(stop: Stop) -> &'static str {
    match stop {
        Stop::Done => "",
        Stop::Budget => ", the most it takes (a shorter one may exist)",
        Stop::Interrupted => " before it was interrupted (a shorter one may exist)",
    }
}

pub(super) fn preemptions_words(preemptions: usize) -> String {
    match preemptions {
        usize::MAX => "any number of preemptions".to_owned(),
        1 => "1 preemption".to_owned(),
        count => format!("{count} preemptions"),
    }
}

/// `1,432`.
pub(crate) fn thousands(count: usize) -> String {
    let digits = count.to_string();
    let mut text = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

/// `1 run`, `3 runs`.
pub(super) fn runs(count: usize) -> String {
    format!("{} run{}", thousands(count), if count == 1 { "" } else { "s" })
}

/// The widest histogram bar, in cells.
pub(super) const BAR: usize = 40;

/// Final values in their natural order: numbers by value, anything else as text.
/// One bar a value, longest for the value most runs ended with.
pub(super) fn write_histogram(f: &mut fmt::Formatter<'_>, values: &BTreeMap<String, usize>) -> fmt::Result {
    let most = values.values().copied().max().unwrap_or(1).max(1);
    let width = values.keys().map(|value| value.chars().count()).max().unwrap_or(1);
    for (value, count) in ordered_values(values) {
        let cells = (count * BAR).div_ceil(most);
        writeln!(f, "  {value:>width$} │{} {}", "█".repeat(cells), runs(count))?;
    }
    Ok(())
}

pub(super) fn ordered_values(values: &BTreeMap<String, usize>) -> Vec<(&String, usize)> {
    let mut ordered: Vec<(&String, usize)> = values.iter().map(|(value, &count)| (value, count)).collect();
    if ordered.iter().all(|(value, _)| value.parse::<f64>().is_ok()) {
        ordered.sort_by(|a, b| a.0.parse::<f64>().unwrap_or(0.0).total_cmp(&b.0.parse::<f64>().unwrap_or(0.0)));
    }
    ordered
}
