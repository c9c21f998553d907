//! Challenges, played as a learner plays them: key presses into the app, the app's commands
//! into the challenge's controller, its replies and events back into the app. Each goal is
//! reachable exactly when the challenge says so, as exhaustive exploration finds; a goal
//! within reach takes a decision (`n` alone never gets there) and its hint, followed to the
//! letter, does; `r` after `s` starts the learner's own game; and a step that a sleep keeps
//! back says which thread to step first, which is so.
#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test at the line that broke")]

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use threadviz::dashboard::app::run::Controller;
use threadviz::dashboard::app::steer::Steered;
use threadviz::dashboard::app::{App, Appearance, Msg, Subject};
use threadviz::dashboard::challenge::{CHALLENGES, Challenge, Move, Until};
use threadviz::dashboard::session::PauseState;
use threadviz::dashboard::view::theme::ThemeName;
use threadviz::event::{EventKind, TraceEvent};

/// The most key presses one move of a hint, or a run of `n`, may take: far more than any needs.
const PRESSES: usize = 600;

#[test]
fn every_goal_is_reachable_exactly_when_the_challenge_says_so() {
    let only = std::env::var("CHALLENGE").ok();
    for challenge in CHALLENGES.iter().filter(|challenge| only.as_deref().is_none_or(|name| name == challenge.name)) {
        let started = Instant::now();
        // A goal within reach is found by the first random runs; a proof needs them all.
        let solved = challenge.solve(if challenge.reachable { 400 } else { 20_000 });
        println!("{}: {} in {:?} ({} runs)", challenge.name, solved.proof, started.elapsed(), solved.runs);
        assert_eq!(solved.shortest.is_some(), challenge.reachable, "{}: {}", challenge.name, solved.proof);
        if !challenge.reachable {
            assert!(solved.exhaustive, "{}: the proof needs every interleaving: {}", challenge.name, solved.proof);
        }
        assert_eq!(
            !challenge.hint.is_empty(),
            challenge.reachable,
            "{}: a hint exactly when there is a way",
            challenge.name
        );
    }
}

/// Longer than any step of these demos takes to settle: a wait that reaches it has failed.
const STEP_PATIENCE: std::time::Duration = std::time::Duration::from_secs(20);

/// A challenge being played: the app as the loop keeps it, and the controller behind it.
struct Play {
    app: App,
    steered: Steered,
}

impl Play {
    fn new(challenge: &'static Challenge) -> Self {
        let demo = challenge.demo();
        let subject =
            Subject { title: challenge.name, source: Some((demo.path, demo.source)), lesson: Some(challenge.notes) };
        let app = App::new(subject, Appearance::new(ThemeName::Dark, false), PauseState::Paused, 1.0);
        let mut play = Self { app, steered: Steered::challenge(challenge, 1.0) };
        play.sync();
        play
    }

    /// Folds the controller's events, status and guide into the app, as the loop does; the
    /// events folded.
    fn sync(&mut self) -> Vec<TraceEvent> {
        let events: Vec<TraceEvent> = self.steered.events().try_iter().collect();
        if !events.is_empty() {
            self.app.update(Msg::Events(events.clone()));
        }
        self.app.update(self.steered.status().into());
        self.app.update(Msg::Guide(self.steered.guide()));
        events
    }

    /// Presses `key`: the app's commands go to the controller and its replies back; the events
    /// that came of it.
    fn press(&mut self, key: KeyCode) -> Vec<TraceEvent> {
        for command in self.app.update(Msg::Key(KeyEvent::new(key, KeyModifiers::NONE))) {
            // A step goes off the loop's thread: it is waited for here, as the loop polls it.
            let reply = self.steered.apply(command).or_else(|| self.steered.wait_step(STEP_PATIENCE));
            if let Some(reply) = reply {
                self.app.update(reply);
            }
        }
        self.sync()
    }

    /// Selects the row of the thread called `name` with its digit key.
    fn select(&mut self, name: &str) {
        let row = self.app.model().threads.values().position(|thread| thread.name == name);
        let row = row.unwrap_or_else(|| panic!("{name} is on screen: {:?}", self.app.model().threads));
        let digit = char::from_digit(u32::try_from(row + 1).unwrap(), 10).unwrap();
        self.press(KeyCode::Char(digit));
        assert_eq!(self.app.selected_thread().map(|tid| self.app.model().thread_name(tid)), Some(name.to_owned()));
    }

    /// Enter on the selected thread, which must move; the events of its step.
    fn enter(&mut self) -> Vec<TraceEvent> {
        let events = self.press(KeyCode::Enter);
        assert_eq!(self.app.message(), None, "the step is taken ({:?})", self.app.what_happened());
        events
    }

    /// One move of a hint, pressed as its words say.
    fn make(&mut self, step: Move) {
        match step {
            Move::Step { thread, until } => {
                self.select(thread);
                for _ in 0..PRESSES {
                    let events = self.enter();
                    if events.iter().any(|event| until.is(event, thread, self.app.model())) {
                        return;
                    }
                }
                panic!("{step} never happened");
            }
            Move::Next => {
                for _ in 0..PRESSES {
                    if self.reached() || self.steered.is_over() {
                        return;
                    }
                    self.press(KeyCode::Char('n'));
                }
            }
        }
    }

    /// What the line above the table says of the challenge.
    fn detail(&self) -> String {
        self.app.guide().and_then(|guide| guide.detail.clone()).unwrap_or_default()
    }

    /// Whether the line above the table says the learner reached the goal.
    fn reached(&self) -> bool {
        self.detail().starts_with("done! you: ")
    }

    /// Waits (generously) for the challenge's search to finish.
    fn searched(&self) {
        let deadline = Instant::now() + Duration::from_mins(10);
        while !self.steered.searched() {
            assert!(Instant::now() < deadline, "the search ends");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The notes' answer, its lines joined.
fn answer(challenge: &Challenge) -> String {
    let quote: Vec<&str> = challenge
        .notes
        .lines()
        .skip_while(|line| !line.starts_with("> **Answer:**"))
        .take_while(|line| line.starts_with('>'))
        .map(|line| line.trim_start_matches('>').trim())
        .collect();
    quote.join(" ").trim_start_matches("**Answer:**").trim().to_owned()
}

#[test]
fn following_each_hint_as_key_presses_reaches_the_goal() {
    for challenge in CHALLENGES.iter().filter(|challenge| challenge.reachable) {
        let words = challenge.hint_words();
        assert!(answer(challenge).starts_with(&words), "{}: the notes' answer is the hint:\n{words}", challenge.name);
        let mut play = Play::new(challenge);
        for &step in challenge.hint {
            assert!(
                !play.reached(),
                "{}: the goal is reached only by the whole hint, not before {step}",
                challenge.name
            );
            play.make(step);
        }
        assert!(play.reached(), "{}: following `{words}` reaches the goal: {}", challenge.name, play.detail());
    }
}

#[test]
fn pressing_only_n_never_reaches_a_goal() {
    for challenge in CHALLENGES {
        let mut play = Play::new(challenge);
        let mut presses = 0;
        while !play.steered.is_over() {
            assert!(presses < PRESSES, "{}: the run ends", challenge.name);
            play.press(KeyCode::Char('n'));
            presses += 1;
            assert!(!play.reached(), "{}: `n` alone reached the goal in {presses} presses", challenge.name);
        }
        let detail = play.detail();
        assert!(detail.starts_with("the run ended without reaching the goal"), "{}: {detail}", challenge.name);
        // What the line says of `n` is what this test finds; an impossible goal is not said to
        // need a choice.
        assert_eq!(detail.contains("n alone never does"), challenge.reachable, "{}: {detail}", challenge.name);
    }
}

#[test]
fn restarting_after_the_shortest_way_plays_the_learners_own_game() {
    let lost_update = threadviz::dashboard::challenge::find("lost-update").unwrap();
    let mut play = Play::new(lost_update);
    play.searched();
    play.press(KeyCode::Char('s'));
    play.make(Move::Next);
    assert!(play.detail().starts_with("the shortest way reached the goal at step "), "{}", play.detail());
    play.press(KeyCode::Char('r'));
    assert!(play.detail().starts_with("you: 0 steps"), "the learner's own game: {}", play.detail());
    for &step in lost_update.hint {
        play.make(step);
    }
    // The win is the learner's, not the shortest way's.
    assert!(play.reached(), "{}", play.detail());
    assert!(play.detail().contains("; shortest: "), "{}", play.detail());
}

#[test]
fn a_sleeper_stepped_awake_wakes_at_its_deadline_and_its_events_say_so() {
    // Time jumps at each such step; the events right after a jump once carried the time
    // before it, now and then (the stamp threads read while events flow lagged the jump).
    // Enough runs to meet that lag (it was in a few runs in a hundred), each a few milliseconds.
    const RUNS: usize = 100;
    let race = threadviz::dashboard::catalog::find("race").unwrap();
    let params = vec![("threads".to_owned(), 2), ("items".to_owned(), 2)];
    let mut wakes = 0;
    for _ in 0..RUNS {
        let mut steered = Steered::for_schedule(race, &params, "none").unwrap();
        let mut events = Vec::new();
        for _ in 0..PRESSES {
            if steered.is_over() {
                break;
            }
            let _ = steered.apply(threadviz::dashboard::app::Command::Step(None));
            let _ = steered.wait_step(STEP_PATIENCE);
            events.extend(steered.events().try_iter());
        }
        assert!(steered.is_over(), "the run ends");
        let mut asleep = std::collections::BTreeMap::new();
        for event in &events {
            match event.kind {
                EventKind::SleepBegin { duration_us } => {
                    asleep.insert(event.thread, event.time_us + duration_us);
                }
                EventKind::SleepEnd => {
                    let deadline = asleep.remove(&event.thread).unwrap();
                    // The deadline is kept in nanoseconds: a microsecond of rounding.
                    assert!(
                        event.time_us.abs_diff(deadline) <= 1,
                        "woke at {} for {deadline}: {events:?}",
                        event.time_us
                    );
                    wakes += 1;
                }
                _ => {}
            }
        }
    }
    assert_eq!(wakes, RUNS * 2 * 2 * 2, "each of 2 threads sleeps twice per item, in every run");
}

/// The demo time `t=0.46s` in `line` after `before`, in hundredths of a second.
fn time_after(line: &str, before: &str) -> u64 {
    let rest = line.split_once(before).unwrap_or_else(|| panic!("`{before}` in `{line}`")).1;
    let seconds = rest.strip_prefix("t=").unwrap().split('s').next().unwrap();
    let (whole, hundredths) = seconds.split_once('.').unwrap();
    whole.parse::<u64>().unwrap() * 100 + hundredths.parse::<u64>().unwrap()
}

/// The hundredths of a second of `thread`'s wake-up among `events`, if it woke.
fn woke_at(play: &Play, events: &[TraceEvent], thread: &str) -> Option<u64> {
    events
        .iter()
        .find(|event| event.kind == EventKind::SleepEnd && play.app.model().thread_name(event.thread) == thread)
        .map(|event| event.time_us / 10_000)
}

#[test]
fn a_step_a_sleep_keeps_back_says_which_thread_to_step_first_and_that_is_so() {
    let lost_update = threadviz::dashboard::challenge::find("lost-update").unwrap();
    let mut play = Play::new(lost_update);
    play.make(Move::Step { thread: "MainThread", until: Until::Started("Thread-2") });
    // As `n` would: each worker goes to sleep before its load (the work it does on an item).
    play.select("Thread-2");
    play.enter();
    play.make(Move::Step { thread: "Thread-1", until: Until::Read("counter") });
    // One step too far: Thread-1 goes to sleep between its load and its store, and its sleep
    // ends before Thread-2's.
    let events = play.enter();
    assert!(events.iter().any(|event| matches!(event.kind, EventKind::SleepBegin { .. })), "{events:?}");
    play.select("Thread-2");
    play.press(KeyCode::Enter);
    assert_eq!(play.app.message(), Some("Thread-2 cannot move now"));
    let line = play.app.what_happened().map(str::to_owned).unwrap();
    assert!(line.starts_with("Thread-2 sleeps until t="), "{line}");
    assert!(line.ends_with(": step Thread-1 (it stops before its next operation), then Thread-2 can move"), "{line}");
    let (first, then) = (time_after(&line, "first Thread-1 wakes ("), time_after(&line, "sleeps until "));
    // As it says: stepping Thread-1 wakes it at that time, and it stores nothing yet...
    play.select("Thread-1");
    let events = play.enter();
    assert_eq!(woke_at(&play, &events, "Thread-1"), Some(first), "{line}: {events:?}");
    assert!(!events.iter().any(|event| matches!(event.kind, EventKind::Store { .. })), "{events:?}");
    // ...and then Thread-2 moves, waking at its own time; the goal is still within reach.
    play.select("Thread-2");
    let events = play.enter();
    assert_eq!(woke_at(&play, &events, "Thread-2"), Some(then), "{line}: {events:?}");
    play.make(Move::Step { thread: "Thread-2", until: Until::Read("counter") });
    play.make(Move::Next);
    assert!(play.reached(), "{}", play.detail());
}
