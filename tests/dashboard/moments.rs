//! The moments a lecture is about, as the class sees them.

use crossterm::event::KeyCode;
use threadviz::PauseState;
use threadviz::dashboard::app::{App, Msg, Subject};
use threadviz::event::{EventKind, ExitKind, LogLevel, PrimInfo, Tid};

use crate::{MAIN, PATH, Script, dark, moment_app, press, render, snapshot_both, status, text};

/// `condition` just after `notify_all`: c1 and c2 were woken and are blocked on the lock that p
/// still holds; the line under the table says what happened.
#[test]
fn condition_just_after_notify_all() {
    let mut app = moment_app();
    // The lecturer has put the question away; the program is paused at the moment.
    press(&mut app, KeyCode::Esc);
    for (width, height) in [(80, 24), (120, 40)] {
        let screen = text(&render(&app, width, height));
        for consumer in ["2 c1", "3 c2"] {
            let blocked =
                |line: &&str| line.contains(consumer) && line.contains("■ BLOCKED") && line.contains("held by p");
            assert!(screen.lines().any(|line| blocked(&line)), "{screen}");
        }
    }
    assert!(
        app.what_happened().is_some_and(
            |line| line.contains("p: notify_all on condition → woke c1, c2; they wait for RLock-1, held by p")
        ),
        "{:?}",
        app.what_happened()
    );
    snapshot_both("condition_after_notify_all", &app);
}

/// `race` at its end: four threads, five increments each, every round's four stores built on
/// the same read. The counter ends at 5 of 20, and the screen says 15 lost updates.
#[test]
fn race_at_its_end() {
    let race = threadviz::dashboard::catalog::find("race").unwrap();
    let workers: [Tid; 4] = [2, 3, 4, 5];
    let mut script = Script::new();
    script.prim(1, "counter", PrimInfo::Shared { initial: "0".into() }, 31);
    for (index, &tid) in workers.iter().enumerate() {
        script.spawn(tid, &format!("Thread-{}", index + 1), 43);
    }
    for round in 0..5_u64 {
        script.at(10 * round + 5);
        for &tid in &workers {
            script.at_line(tid, 20, EventKind::Load { prim: 1, value: round.to_string() });
        }
        script.at(10 * round + 8);
        for &tid in &workers {
            let stored = (round + 1).to_string();
            script.at_line(tid, 24, EventKind::Store { prim: 1, value: stored.clone() }).log(
                tid,
                25,
                LogLevel::Info,
                &format!("read {round}, stored {stored}"),
            );
        }
    }
    script.at(50);
    for &tid in &workers {
        script.push(tid, None, EventKind::ThreadExited { tid, exit: ExitKind::Normal });
    }
    script
        .log(MAIN, 49, LogLevel::Info, "Expected counter: 20")
        .at_line(MAIN, 50, EventKind::Load { prim: 1, value: "5".into() })
        .log(MAIN, 50, LogLevel::Info, "Final counter: 5")
        .push(MAIN, None, EventKind::ShutdownBegin)
        .push(MAIN, None, EventKind::ThreadExited { tid: MAIN, exit: ExitKind::Normal })
        .push(MAIN, None, EventKind::SessionEnded);
    let subject = Subject { title: "race", source: Some((PATH, race.source)), lesson: None };
    let mut app = App::new(subject, dark(), PauseState::Running, 1.0);
    app.update(Msg::Events(script.take()));
    status(&mut app, 50, PauseState::Running, Vec::new());
    assert_eq!(app.model().lost_updates_on(1), 15, "expected 20 - final 5");
    for (width, height) in [(80, 24), (120, 40)] {
        let screen = text(&render(&app, width, height));
        // The panel may wrap the words, never the number.
        assert!(screen.contains("⚠ 15 lost") && screen.contains("Final counter: 5"), "{screen}");
    }
    snapshot_both("race_at_its_end", &app);
}

/// The line under the table keeps the moment that paused the program while events still in
/// flight arrive; after a step it says what the step did.
#[test]
fn the_moment_stays_on_the_line_until_a_step_says_what_it_did() {
    let mut app = moment_app();
    let notify = "p: notify_all on condition → woke c1, c2; they wait for RLock-1, held by p";
    assert!(app.what_happened().is_some_and(|line| line.ends_with(notify)), "{:?}", app.what_happened());
    // An event that was on its way when the pause came is no step's.
    let mut script = Script::new();
    script.at(45).log(MAIN, 19, LogLevel::Info, "still on its way");
    let late: Vec<_> = script.take().into_iter().map(|event| threadviz::TraceEvent { seq: 100, ..event }).collect();
    app.update(Msg::Events(late));
    assert!(app.what_happened().is_some_and(|line| line.ends_with(notify)), "{:?}", app.what_happened());
    // A step: p lets the lock go, and the line says so.
    app.update(Msg::Stepped(Ok(threadviz::Step { thread: crate::P, advanced: false })));
    let release = threadviz::TraceEvent {
        seq: 101,
        time_us: 4_500_000,
        thread: crate::P,
        loc: None,
        kind: EventKind::Released { prim: 1, count: 0 },
    };
    app.update(Msg::Events(vec![release]));
    assert_eq!(app.what_happened(), Some("t=4.5s  p released RLock-1, c1, c2 wait for it"));
}
