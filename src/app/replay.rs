//! Replaying a recording in the dashboard: a [`Controller`] that plays the recorded events at
//! their demo times (scaled by the speed), pauses, steps forward and back one event, and seeks
//! anywhere. Going back is exact: the model shown after `n` events is rebuilt from the nearest
//! model kept along the recording plus a few folds, so it equals what the live run showed
//! after the same `n` events.
//!
//! Forward moves send events down the same channel the loop folds from, in order; backward
//! moves and seeks empty the channel and hand the app the rebuilt model ([`Msg::Reset`]).
//! A player thread sends events when they are due; it and the controller share the play head
//! under one lock, so the channel and the position never disagree. The head reads the events
//! through a [`Cursor`](crate::record::Cursor): from memory, or from a binary recording's file
//! as they are needed.
//!
//! Playing, the replay holds what the live dashboard held ([`stops`]): each wake-up the
//! session held, for the same real time at the replay's speed, demo time standing still; and
//! the lesson's moment, where it pauses as a live run did while the dashboard asks the
//! question. Steps and seeks go where they are asked, holding nothing.
//!
//! The head is in `head`, the player thread in `player`, the stops in [`stops`]; this file
//! is the controller the loop drives and the `replay` launcher.

mod head;
mod player;
pub mod stops;

use std::io;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use parking_lot::{Condvar, Mutex};

use self::head::{Head, Question, Shared};
use self::player::play;
use self::stops::Stops;
use super::run::{Controller, run};
use super::{App, Command, Msg, Seek, Status, Subject, terminal};
use crate::TraceEvent;
use crate::app::Appearance;
use crate::catalog;
use crate::event::Tid;
use crate::record::{Recording, Snapshots};
use crate::session::{PauseState, clamp_speed};

/// What the dashboard shows for a recording of `demo`: the demo's source and lesson when it
/// is in the catalogue. `label`, if any, follows the name in the title.
#[must_use]
pub fn subject(demo: &str, label: Option<&str>) -> Subject {
    let found = catalog::find(demo);
    let title = match (found, label) {
        (Some(found), None) => found.name,
        // One title per replay or export: leaking it is how `Subject` keeps titles `'static`.
        (_, label) => {
            Box::leak(label.map_or_else(|| demo.to_owned(), |label| format!("{demo} {label}")).into_boxed_str())
        }
    };
    Subject { title, source: found.map(|demo| (demo.path, demo.source)), lesson: found.map(|demo| demo.lesson) }
}

/// A recording played back as if it were a live session.
pub struct Replay {
    snapshots: Arc<Snapshots>,
    stops: Arc<Stops>,
    shared: Arc<Shared>,
    sender: Sender<TraceEvent>,
    events: Receiver<TraceEvent>,
    player: Option<JoinHandle<()>>,
    /// Whether the recording ends without its end marker: the run's end is missing.
    cut_short: bool,
}

impl std::fmt::Debug for Replay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replay").field("head", &*self.shared.head.lock()).finish_non_exhaustive()
    }
}

impl Replay {
    /// Loads `recording` (folding it once to keep models along the way) and starts playing it
    /// at `speed`, or waits at its start when `paused`.
    pub fn new(recording: &Recording, speed: f64, paused: bool) -> io::Result<Self> {
        Self::with_snapshots(Snapshots::new(recording.events.clone().into()), speed, paused)
    }

    /// Plays a recording already indexed (see [`crate::record::index`]), holding its
    /// wake-ups; it has no lesson to ask the question of.
    pub fn with_snapshots(snapshots: Snapshots, speed: f64, paused: bool) -> io::Result<Self> {
        Self::about(snapshots, speed, paused, &Subject { title: "", source: None, lesson: None })
    }

    /// Plays an indexed recording of what `subject` shows: it holds its wake-ups and pauses at
    /// its lesson's moment, where the app asks the question. Finding them folds the recording
    /// once more, on a thread of its own while the replay starts (see
    /// [`Stops::find_in_background`]).
    pub fn about(snapshots: Snapshots, speed: f64, paused: bool, subject: &Subject) -> io::Result<Self> {
        let stops = Stops::find_in_background(snapshots.cursor(0), subject);
        let snapshots = Arc::new(snapshots);
        let head = Head {
            cursor: snapshots.cursor(0),
            playing: !paused,
            speed: clamp_speed(speed),
            anchor_us: 0,
            since: Instant::now(),
            hold_left: Duration::ZERO,
            next_stop: Some(0),
            question: Question::Unasked,
            quit: false,
        };
        let shared = Arc::new(Shared { head: Mutex::new(head), changed: Condvar::new() });
        let (sender, receiver) = crossbeam_channel::unbounded();
        let player = {
            let (end_us, shared, sender, stops) = (snapshots.end_us(), shared.clone(), sender.clone(), stops.clone());
            std::thread::Builder::new()
                .name("threadviz-player".into())
                .spawn(move || play(end_us, &shared, &sender, &stops))?
        };
        Ok(Self { snapshots, stops, shared, sender, events: receiver, player: Some(player), cut_short: false })
    }

    /// Where this replay stops while playing: its wake-ups' holds and its lesson's moment.
    #[must_use]
    pub fn stops(&self) -> &Stops {
        &self.stops
    }

    /// Says, at the end, that the recording was cut short (it has no end marker).
    #[must_use]
    pub fn cut_short(mut self, cut_short: bool) -> Self {
        self.cut_short = cut_short;
        self
    }

    /// The source files the recording carries (a user's program's, or a Python program's), as
    /// messages for the app: handed over before the replay starts, so that the source panel
    /// has them wherever the replay seeks, not only once it has played past them.
    #[must_use]
    pub fn carried_sources(&self) -> Vec<Msg> {
        let sources = self.snapshots.sources();
        sources.iter().map(|(path, text)| Msg::Source { path: path.clone(), text: Some(text.to_string()) }).collect()
    }

    /// Events sent to the app so far: once it has folded them, its model is the state after them.
    #[must_use]
    pub fn position(&self) -> usize {
        self.shared.head.lock().position()
    }

    /// How many events the recording holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.snapshots.len()
    }

    /// Whether the recording holds no event.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Moves the head to `position` with the clock at `time_us` (by default, the time of the
    /// last event before it); the app gets the model there.
    fn jump(&self, head: &mut Head, position: usize, time_us: Option<u64>) -> Msg {
        // Whatever the app has not folded yet belongs to the old position.
        self.events.try_iter().for_each(drop);
        let (model, cursor) = self.snapshots.seek(position);
        head.cursor = cursor;
        // Times never go back, so the model's time is the last event's.
        head.set_clock(time_us.unwrap_or(model.time_us));
        head.next_stop = self.stops.first_after_if_known(position);
        head.question = head.question.moved();
        self.shared.changed.notify_all();
        Msg::Reset(Box::new(model))
    }

    /// Forward to the next event, or to the next event of `thread`.
    fn step(&self, thread: Option<Tid>) -> Option<Msg> {
        let mut head = self.shared.head.lock();
        head.pause();
        let start = head.position();
        if head.cursor.peek().is_none() {
            let end = if self.cut_short {
                "the end of the recording, which was cut short: the run's end is missing; b steps back"
            } else {
                "the end of the recording: b steps back, { goes to the start"
            };
            return Some(Msg::Note(end.to_owned()));
        }
        // Read up to the thread's next event, keeping what a step sends down the channel.
        let mut taken = Vec::new();
        let (mut found, mut far) = (false, false);
        for event in head.cursor.by_ref() {
            found = thread.is_none_or(|tid| event.thread == tid);
            if !far {
                taken.push(event);
                far = taken.len() > STEP_SENT;
            }
            if found {
                break;
            }
        }
        if !found {
            head.cursor = self.snapshots.cursor(start);
            let tid = thread.unwrap_or_default();
            let name = self.snapshots.names().get(&tid).map_or_else(|| format!("#{tid}"), Clone::clone);
            return Some(Msg::Note(format!("{name} does nothing more in this recording")));
        }
        if far {
            // Far ahead: the model there, as a seek gives it, rather than the events on the way.
            let position = head.position();
            return Some(self.jump(&mut head, position, None));
        }
        // Down the channel, behind what the app has not folded yet: the order stays the recorded one.
        let time_us = event_time(taken.last());
        for event in taken {
            let _ = self.sender.send(event);
        }
        head.set_clock(time_us);
        // A step holds nothing; the app asks at a moment it folds, so it has been asked.
        let position = head.position();
        head.question = if self.stops.asks_within(start..position) { Question::Asked } else { head.question.moved() };
        head.next_stop = self.stops.first_after_if_known(position);
        None
    }

    fn step_back(&self) -> Msg {
        let mut head = self.shared.head.lock();
        head.pause();
        let Some(position) = head.position().checked_sub(1) else {
            return Msg::Note("the start of the recording: n steps forward, space plays".to_owned());
        };
        self.jump(&mut head, position, None)
    }

    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a share of the events, clamped to 0..=len before the conversion"
    )]
    fn seek(&self, seek: Seek) -> Msg {
        let mut head = self.shared.head.lock();
        let len = self.len();
        let share = |share: f64| (share.clamp(0.0, 1.0) * len as f64).round() as usize;
        let (position, time_us) = match seek {
            Seek::Seq(seq) => (self.snapshots.position_after_seq(seq), None),
            Seek::Time(time_us) => {
                (self.snapshots.position_at_time(time_us), Some(time_us.min(self.snapshots.end_us())))
            }
            Seek::Share(part) => (share(part), None),
            Seek::By(part) => {
                let by = (part.abs().min(1.0) * len as f64).round().max(1.0) as usize;
                let position = if part < 0.0 {
                    head.position().saturating_sub(by)
                } else {
                    head.position().saturating_add(by).min(len)
                };
                (position, None)
            }
        };
        self.jump(&mut head, position, time_us)
    }
}

impl Drop for Replay {
    fn drop(&mut self) {
        self.shared.head.lock().quit = true;
        self.shared.changed.notify_all();
        if let Some(player) = self.player.take() {
            let _ = player.join();
        }
    }
}

fn event_time(event: Option<&TraceEvent>) -> u64 {
    event.map_or(0, |event| event.time_us)
}

/// The most events a step sends down the channel; a thread's next event further ahead is
/// reached as a seek is, with the model there.
const STEP_SENT: usize = 4_096;

impl Controller for Replay {
    fn events(&self) -> &Receiver<TraceEvent> {
        &self.events
    }

    fn status(&self) -> Status {
        let mut head = self.shared.head.lock();
        // Paused, the thread of the next event is the one a step moves.
        let next = head.cursor.peek().map(|event| event.thread);
        Status {
            now_us: head.clock_us().min(self.snapshots.end_us().max(head.anchor_us)),
            pause: if head.playing { PauseState::Running } else { PauseState::Paused },
            speed: head.speed,
            dropped: 0,
            ready: if head.playing { Vec::new() } else { next.filter(|&tid| tid != 0).into_iter().collect() },
            ready_at: std::collections::BTreeMap::new(),
        }
    }

    fn apply(&mut self, command: Command) -> Option<Msg> {
        match command {
            Command::Pause => self.shared.head.lock().pause(),
            Command::Resume => {
                let mut head = self.shared.head.lock();
                if !head.playing {
                    head.resume();
                    self.shared.changed.notify_all();
                }
                if head.position() >= self.len() {
                    // Playing at the end plays the recording again, as media players do.
                    return Some(self.jump(&mut head, 0, Some(0)));
                }
            }
            Command::Step(thread) => return self.step(thread),
            Command::Solution => return Some(Msg::Note(super::live::NO_CHALLENGE.to_owned())),
            Command::StepBack => return Some(self.step_back()),
            Command::Seek(seek) => return Some(self.seek(seek)),
            Command::SetSpeed(speed) => {
                let mut head = self.shared.head.lock();
                head.set_speed(speed);
                self.shared.changed.notify_all();
            }
            // The app has emptied its model already: back to the start, playing or not as
            // before; a new run, whose moment the app asks again.
            Command::Restart => {
                let mut head = self.shared.head.lock();
                head.question = Question::Unasked;
                let _ = self.jump(&mut head, 0, Some(0));
            }
            Command::Quit => {
                self.shared.head.lock().quit = true;
                self.shared.changed.notify_all();
            }
        }
        None
    }
}

/// Replays a recording of `demo` in the dashboard until the user quits; one `cut_short` (it
/// has no end marker) says so in its title and at its end. The terminal is restored however it
/// ends.
pub fn replay(
    demo: &str,
    snapshots: Snapshots,
    appearance: Appearance,
    speed: f64,
    paused: bool,
    cut_short: bool,
) -> io::Result<()> {
    let label = if cut_short { "(replay, cut short)" } else { "(replay)" };
    let subject = subject(demo, Some(label));
    let mut replay = Replay::about(snapshots, speed, paused, &subject)?.cut_short(cut_short);
    let (guard, mut terminal) = terminal::enter()?;
    let (sender, input) = crossbeam_channel::unbounded();
    terminal::spawn_input(sender.clone());
    terminal::spawn_signals(sender);
    let status = replay.status();
    let mut app = App::new(subject, appearance, status.pause, status.speed);
    app.replay = true;
    for source in replay.carried_sources() {
        app.update(source);
    }
    let size = terminal.size()?;
    app.ui.size = (size.width, size.height);
    let result = run(&mut terminal, &mut app, &input, &mut replay);
    drop(replay);
    drop(guard);
    result
}
