//! Steered runs on screen: a schedule followed step by step, with its failure announced before
//! the step that makes it, and challenges with their goal, the learner's steps, the shortest
//! way and the proof of the impossible.

use std::time::{Duration, Instant};

use threadviz::dashboard::app::run::Controller;
use threadviz::dashboard::app::steer::Steered;
use threadviz::dashboard::app::{App, Command, Msg, Subject};
use threadviz::dashboard::catalog;
use threadviz::dashboard::challenge;
use threadviz::dashboard::session::PauseState;

use crate::{assert_screen_snapshot, dark, render, text};

/// A lost update of `race` with 2 threads of 2 increments, as `threadviz explore` found it.
const LOST_UPDATE: &str = "2.1x2.3.2x2.t.2.3x2.2.t.3.2.3.t.2.3.t.2.1x2";

fn params() -> Vec<(String, i64)> {
    vec![("threads".to_owned(), 2), ("items".to_owned(), 2)]
}

/// The app as the loop keeps it: the controller's events, status and guide folded in.
fn sync(app: &mut App, steered: &mut Steered) {
    let events: Vec<_> = steered.events().try_iter().collect();
    if !events.is_empty() {
        app.update(Msg::Events(events));
    }
    app.update(steered.status().into());
    app.update(Msg::Guide(steered.guide()));
}

/// `command` carried out as the loop does, then the screen brought up to date.
fn apply(app: &mut App, steered: &mut Steered, command: Command) {
    // A step goes off the loop's thread: it is waited for here, as the loop polls it.
    if let Some(reply) = steered.apply(command).or_else(|| steered.wait_step(Duration::from_secs(20))) {
        app.update(reply);
    }
    sync(app, steered);
}

fn race_app(title: &'static str) -> App {
    let race = catalog::find("race").unwrap();
    let subject = Subject { title, source: Some((race.path, race.source)), lesson: None };
    App::new(subject, dark(), PauseState::Paused, 1.0)
}

#[test]
fn a_schedule_announces_its_lost_update_one_step_before_it_and_replays_it() {
    let race = catalog::find("race").unwrap();
    let mut steered = Steered::for_schedule(race, &params(), LOST_UPDATE).unwrap();
    let mut app = race_app("race");
    sync(&mut app, &mut steered);
    let guide = app.guide().cloned().unwrap();
    assert!(guide.headline.starts_with("following the schedule: 0 steps taken"), "{guide:?}");
    let announced = guide.detail.unwrap();
    let step: usize = announced.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(announced.starts_with("the lost update on counter comes at step"), "{announced}");
    for _ in 1..step {
        assert_eq!(app.model().lost_updates.len(), 0, "no update is lost before the announced step");
        apply(&mut app, &mut steered, Command::Step(None));
    }
    let alert = app.guide().and_then(|guide| guide.alert.clone()).expect("the next step is announced");
    assert!(alert.starts_with("the lost update on counter: "), "{alert}");
    let screen = text(&render(&app, 80, 24));
    assert!(screen.contains("next step makes the lost update on counter"), "{screen}");
    assert_screen_snapshot("schedule_before_the_lost_update_80x24", &screen);
    apply(&mut app, &mut steered, Command::Step(None));
    assert_eq!(app.model().lost_updates.len(), 1, "the announced step lost the update");
    // To the end of the schedule: the final value explore reported for it.
    for _ in 0..200 {
        apply(&mut app, &mut steered, Command::Step(None));
    }
    assert!(app.model().ended, "the schedule runs to the end");
    assert!(app.model().log.iter().any(|line| line.message == "Final counter: 3"), "{:?}", app.model().log);
}

#[test]
fn a_schedule_that_stops_fitting_says_where_and_hands_over_to_the_class() {
    let race = catalog::find("race").unwrap();
    let mut steered = Steered::for_schedule(race, &params(), "1.9").unwrap();
    let mut app = race_app("race");
    sync(&mut app, &mut steered);
    for _ in 0..10 {
        apply(&mut app, &mut steered, Command::Step(None));
    }
    let guide = app.guide().cloned().unwrap();
    let said = format!("{:?} {:?}", app.message(), guide.detail);
    assert!(said.contains("thread 9, which cannot move then"), "{said}");
    assert!(guide.headline.contains("you choose who moves"), "{guide:?}");
}

/// Waits (generously) for the challenge's search to finish.
fn searched(steered: &Steered) {
    let deadline = Instant::now() + Duration::from_mins(10);
    while !steered.searched() {
        assert!(Instant::now() < deadline, "the search ends");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_challenge_counts_the_steps_sees_the_goal_and_shows_the_shortest_way() {
    let lost_update = challenge::find("lost-update").unwrap();
    let mut steered = Steered::challenge(lost_update, 1.0);
    let mut app = race_app("lost-update");
    sync(&mut app, &mut steered);
    let guide = app.guide().cloned().unwrap();
    assert_eq!(guide.headline, "challenge: make the two threads lose an update on counter");
    apply(&mut app, &mut steered, Command::Step(None));
    assert!(app.guide().unwrap().detail.as_deref().unwrap().starts_with("you: 1 step ·"), "{:?}", app.guide());
    searched(&steered);
    // Giving up plays the shortest way; following it reaches the goal.
    apply(&mut app, &mut steered, Command::Solution);
    assert!(app.model().events < 10, "the view starts again with the run");
    for _ in 0..60 {
        apply(&mut app, &mut steered, Command::Step(None));
    }
    let detail = app.guide().unwrap().detail.clone().unwrap();
    assert!(detail.starts_with("the shortest way reached the goal at step "), "{detail}");
    assert!(!app.model().lost_updates.is_empty(), "the shortest way loses an update: {detail}\n{:?}", app.model().log);
}

#[test]
fn giving_up_an_impossible_challenge_shows_the_proof() {
    let locked = challenge::find("locked-counter").unwrap();
    let mut steered = Steered::challenge(locked, 1.0);
    let lock = catalog::find("lock").unwrap();
    let subject = Subject { title: "locked-counter", source: Some((lock.path, lock.source)), lesson: None };
    let mut app = App::new(subject, dark(), PauseState::Paused, 1.0);
    sync(&mut app, &mut steered);
    searched(&steered);
    apply(&mut app, &mut steered, Command::Solution);
    let detail = app.guide().unwrap().detail.clone().unwrap();
    assert!(detail.starts_with("impossible: every interleaving explored, without a bound ("), "{detail}");
    assert!(detail.ends_with(" runs, one for each order of the dependent steps): none does"), "{detail}");
    let screen = text(&render(&app, 80, 24));
    assert!(screen.contains("impossible: every interleaving"), "{screen}");
}
