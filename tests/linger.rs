//! A live viewer's session holds each wake-up on screen: demo time stands still while the
//! woken threads move on to where the wake-up takes them, so the moment a lesson is about is
//! in the event stream (and on screen) before the waker goes on. Holds stay within budget.

mod common;

use std::time::{Duration, Instant};

use common::with_deadline;
use threadviz::dashboard::catalog;
use threadviz::event::{EventKind, Tid, WaitMode};
use threadviz::{Session, TraceEvent};

/// Runs the demo `name` at `speed` in a session that lingers `linger` (demo time); returns its
/// events, the session, and the real time the run took.
fn run(name: &'static str, speed: f64, linger: Duration) -> (Vec<TraceEvent>, Session, Duration) {
    with_deadline(name, move || {
        let demo = catalog::find(name).expect("the demo is in the catalogue");
        let session = Session::builder().speed(speed).linger(linger).build();
        let events = session.subscribe();
        let started = Instant::now();
        session.run(demo.main);
        let took = started.elapsed();
        (events.receiver().try_iter().collect(), session, took)
    })
}

fn tid_of(events: &[TraceEvent], wanted: &str) -> Tid {
    events
        .iter()
        .find_map(|event| match &event.kind {
            EventKind::ThreadCreated { tid, name, .. } if name == wanted => Some(*tid),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no thread named {wanted}"))
}

#[test]
fn after_notify_all_both_consumers_block_on_the_lock_the_producer_still_holds() {
    // One long hold (the budget allows no second before 20 s of demo time): two seconds of
    // real time for c1 and c2 to reach the lock, a generous margin on a busy machine.
    let (events, session, _) = run("condition", 10.0, Duration::from_secs(20));
    let [c1, c2, p] = ["c1", "c2", "p"].map(|name| tid_of(&events, name));
    let notify = events
        .iter()
        .position(|event| event.thread == p && matches!(event.kind, EventKind::Notified { .. }))
        .expect("p notifies");
    let release = notify
        + events[notify..]
            .iter()
            .position(|event| event.thread == p && matches!(event.kind, EventKind::Released { .. }))
            .expect("p releases the lock after notifying");
    for consumer in [c1, c2] {
        let blocked = events[notify..release].iter().any(|event| {
            event.thread == consumer && matches!(event.kind, EventKind::Requested { mode: WaitMode::Blocking, .. })
        });
        assert!(blocked, "thread {consumer} asks for the lock before p lets it go");
    }
    // Two seconds of real time at 10x would be 20 s of demo time had the clock run on.
    let moved = events[release].time_us - events[notify].time_us;
    assert!(moved < 1_000_000, "demo time stands still while the moment is held: it moved {moved} µs");
    assert_eq!(session.lingered(), Duration::from_secs(20), "one hold within the budget");
}

#[test]
fn holds_never_add_more_than_the_demo_time_that_passed() {
    let linger = Duration::from_millis(500);
    let (_, session, took) = run("queue", 10.0, linger);
    let demo = session.now();
    assert!(session.lingered() > Duration::ZERO, "the queue's wake-ups are held");
    assert!(session.lingered() <= demo + linger, "held {:?} in {demo:?} of demo time", session.lingered());
    // The figure a reader wants; not asserted, since it is real time.
    println!("queue at 10x: {demo:?} of demo time, {:?} held, {took:?} of real time", session.lingered());
}

#[test]
fn the_dashboard_says_what_the_notify_did_and_who_lost_an_update() {
    use threadviz::dashboard::app::{App, Msg, Subject};
    use threadviz::dashboard::session::PauseState;
    use threadviz::dashboard::view::theme::{Theme, ThemeName};

    // The hold after the notify makes sure the consumers block on the lock before p lets go.
    let told = |name: &'static str| {
        let (events, _, _) = run(name, 10.0, Duration::from_secs(20));
        let subject = Subject { title: name, source: None, lesson: None };
        let mut app = App::new(subject, Theme::new(ThemeName::Dark, false), PauseState::Running, 1.0);
        let mut lines = Vec::new();
        for event in events {
            app.update(Msg::Events(vec![event]));
            if let Some(line) = app.what_happened()
                && lines.last().map(String::as_str) != Some(line)
            {
                lines.push(line.to_owned());
            }
        }
        lines
    };
    let condition = told("condition");
    assert!(
        condition
            .iter()
            .any(|line| line.ends_with("p: notify_all on condition → woke c1, c2; they wait for RLock-1, held by p")),
        "{condition:#?}"
    );
    assert!(condition.iter().any(|line| line.ends_with("c1 got RLock-1 after waiting")), "{condition:#?}");
    let race = told("race");
    assert!(race.iter().any(|line| line.contains(": lost 1 update")), "{race:#?}");
}
