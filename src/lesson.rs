//! What a lesson's Markdown says beyond its prose: the moment at which a live demo pauses by
//! itself to ask the class a question, and where the answers are.
//!
//! A lesson marks its moment with an HTML comment, invisible wherever Markdown is rendered,
//! on a line of its own just before the question it asks:
//!
//! ```markdown
//! ## Ask the class
//! <!-- moment: notify -->
//! Right after `p` calls `notify_all()`, can `c1` print its line?
//!
//! > **Answer:** No. ...
//! ```
//!
//! The question is everything from the marker to the next heading, the answer included. An
//! answer is a block quote that starts with `**Answer:**`; the dashboard hides it until asked.

use crate::event::{EventKind, TraceEvent};
use crate::model::{Model, PrimState};

/// What starts an answer: the first words of a block quote.
pub const ANSWER_OPENER: &str = "**Answer:**";

/// The opening of a moment marker (it ends with `-->` on the same line).
const MARKER_OPENER: &str = "<!-- moment:";

/// An event, or a state the model reaches, that a live demo pauses at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// `notify` or `notify_all` on a condition wakes at least one waiter (`notify`).
    Notify,
    /// A thread starts waiting on a condition, event, barrier or queue (`wait`).
    Wait,
    /// An event's flag is set (`set`).
    Set,
    /// A barrier's last party arrives and everyone passes (`barrier pass`).
    BarrierPass,
    /// A thread asks a semaphore for a permit while none is left, so it blocks
    /// (`semaphore blocks`).
    SemaphoreBlocks,
    /// An item is put on an empty queue while a getter waits for it (`put wakes getter`).
    PutWakesGetter,
    /// A store to a `Shared` value overwrites an update it never saw (`lost update`).
    LostUpdate,
    /// Threads wait for each other forever: the dashboard's deadlock banner (`deadlock`).
    Deadlock,
    /// The demo reaches this line of its source (`line 12`).
    Line(u32),
}

/// The words each trigger is written with, in the marker and in the overlay's title.
const WORDS: &[(&str, Trigger)] = &[
    ("notify", Trigger::Notify),
    ("wait", Trigger::Wait),
    ("set", Trigger::Set),
    ("barrier pass", Trigger::BarrierPass),
    ("semaphore blocks", Trigger::SemaphoreBlocks),
    ("put wakes getter", Trigger::PutWakesGetter),
    ("lost update", Trigger::LostUpdate),
    ("deadlock", Trigger::Deadlock),
];

impl Trigger {
    /// Reads a trigger as a marker writes it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some(line) = text.strip_prefix("line ") {
            return match line.parse() {
                Ok(line) if line > 0 => Ok(Self::Line(line)),
                _ => Err(format!("`{line}` is not a line number; write e.g. `line 12`")),
            };
        }
        WORDS.iter().find(|(word, _)| *word == text).map(|&(_, trigger)| trigger).ok_or_else(|| {
            let known: Vec<&str> = WORDS.iter().map(|(word, _)| *word).collect();
            format!("unknown moment `{text}`; known: {}, line N", known.join(", "))
        })
    }

    /// What the moment is, in a few words for a title.
    #[must_use]
    pub fn describe(self) -> String {
        match self {
            Self::Notify => "a notify wakes a waiter".to_owned(),
            Self::Wait => "a thread starts waiting".to_owned(),
            Self::Set => "the event is set".to_owned(),
            Self::BarrierPass => "the barrier lets everyone pass".to_owned(),
            Self::SemaphoreBlocks => "a semaphore acquire blocks".to_owned(),
            Self::PutWakesGetter => "a put wakes a waiting getter".to_owned(),
            Self::LostUpdate => "an update is lost".to_owned(),
            Self::Deadlock => "a deadlock is found".to_owned(),
            Self::Line(line) => format!("line {line} runs"),
        }
    }

    /// Whether the event alone shows the moment, without the model: then the thread that
    /// emits it can pause the session before anything else happens.
    #[must_use]
    pub fn seen_in_event(self) -> bool {
        !matches!(self, Self::SemaphoreBlocks | Self::PutWakesGetter | Self::LostUpdate | Self::Deadlock)
    }

    /// Whether the event alone shows the moment, as the thread that emits it can tell (`file`
    /// and `line` are its caller's); None when it takes the model's state to tell.
    #[must_use]
    pub fn fires_on_event(self, at: Option<(&str, u32)>, kind: &EventKind, source_path: Option<&str>) -> Option<bool> {
        Some(match self {
            Self::Notify => matches!(kind, EventKind::Notified { woken, .. } if !woken.is_empty()),
            Self::Wait => matches!(kind, EventKind::WaitBegin { .. }),
            Self::Set => matches!(kind, EventKind::Set { .. }),
            Self::BarrierPass => matches!(kind, EventKind::BarrierPass { .. }),
            Self::Line(line) => at.is_some_and(|(file, at_line)| {
                at_line == line && source_path.is_none_or(|path| crate::catalog::same_file(file, path))
            }),
            Self::SemaphoreBlocks | Self::PutWakesGetter | Self::LostUpdate | Self::Deadlock => return None,
        })
    }

    /// Whether `event`, just folded into `model`, is the moment. A deadlock is not found here:
    /// it is the moment once the dashboard confirms it.
    #[must_use]
    pub fn fires(self, model: &Model, event: &TraceEvent, source_path: Option<&str>) -> bool {
        let at = event.loc.as_ref().map(|loc| (loc.file.as_ref(), loc.line));
        if let Some(fires) = self.fires_on_event(at, &event.kind, source_path) {
            return fires;
        }
        let prim = event.kind.prim().and_then(|pid| model.prims.get(&pid));
        match (self, &event.kind) {
            // A request is folded before its grant: with no permit left it waits.
            (Self::SemaphoreBlocks, EventKind::Requested { mode, .. }) => {
                *mode != crate::event::WaitMode::NonBlocking
                    && prim.is_some_and(|prim| matches!(prim.state, PrimState::Semaphore { value: 0, .. }))
            }
            // The queue was empty, so whoever waits on it waits to get, not to put.
            (Self::PutWakesGetter, EventKind::Put { qsize: 1, .. }) => {
                prim.is_some_and(|prim| !prim.waiters.is_empty())
            }
            (Self::LostUpdate, EventKind::Store { .. }) => {
                model.lost_update_at(event.seq).is_some_and(crate::model::LostUpdate::loses)
            }
            _ => false,
        }
    }
}

/// A lesson's moment: when the live demo pauses, and the question it then asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moment {
    /// When.
    pub trigger: Trigger,
    /// The question, as Markdown: from the marker to the next heading, the answer included.
    pub question: &'static str,
}

/// The trigger a line holds if it is a moment marker; None for any other line.
fn marker(line: &str) -> Option<Result<Trigger, String>> {
    let rest = line.trim().strip_prefix(MARKER_OPENER)?;
    Some(match rest.strip_suffix("-->") {
        Some(trigger) => Trigger::parse(trigger),
        None => Err("a moment marker ends with `-->` on the same line".to_owned()),
    })
}

/// The moment `lesson` names, if any; an error says what is wrong with its marker (a lesson
/// names at most one moment).
pub fn parse_moment(lesson: &'static str) -> Result<Option<Moment>, String> {
    let mut found = None;
    let mut offset = 0;
    for line in lesson.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let Some(trigger) = marker(line) else { continue };
        if found.is_some() {
            return Err("a lesson names at most one moment".to_owned());
        }
        let trigger = trigger?;
        let rest = &lesson[offset..];
        // The question runs to the next heading (a line starting with `#`).
        let end = rest
            .split_inclusive('\n')
            .scan(0, |at, line| {
                let here = *at;
                *at += line.len();
                Some((here, line))
            })
            .find(|(_, line)| line.starts_with('#'))
            .map_or(rest.len(), |(at, _)| at);
        let question = rest[..end].trim();
        if question.is_empty() {
            return Err(format!("the moment at byte {start} has no question after it"));
        }
        found = Some(Moment { trigger, question });
    }
    Ok(found)
}

/// The moment `lesson` names; None if it names none or its marker is malformed (the catalogue's
/// tests make sure every lesson's marker reads).
#[must_use]
pub fn moment(lesson: &'static str) -> Option<Moment> {
    parse_moment(lesson).ok().flatten()
}

#[cfg(test)]
mod tests;
