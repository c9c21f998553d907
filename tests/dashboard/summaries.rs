//! The line under the table after every step of a whole demo, stepped with `n` as a class
//! would: each names the operation that happened, says `blocked` only of a thread that really
//! waited, and fits 80 columns without a word cut in two.

use threadviz::dashboard::app::run::Controller;
use threadviz::dashboard::app::steer::Steered;
use threadviz::dashboard::app::{App, Command, Msg, Subject};
use threadviz::dashboard::catalog;
use threadviz::dashboard::session::PauseState;
use unicode_width::UnicodeWidthStr;

use crate::dark;

/// Every step's line of `demo`, stepped with `n` from its start to its end in an 80-column
/// dashboard.
fn summaries(name: &str) -> Vec<String> {
    let demo = catalog::find(name).unwrap();
    // The first choice is the schedule's; `n` makes every one after it.
    let mut steered = Steered::for_schedule(demo, &[], "1").unwrap();
    let subject = Subject { title: demo.name, source: Some((demo.path, demo.source)), lesson: None };
    let mut app = App::new(subject, dark(), PauseState::Paused, 1.0);
    app.update(Msg::Resize(80, 24));
    let mut lines: Vec<String> = Vec::new();
    for _ in 0..400 {
        let reply = Controller::apply(&mut steered, Command::Step(None));
        // The step goes off the loop's thread: it is waited for here, as the loop polls it.
        if let Some(reply) = reply.or_else(|| steered.wait_step(std::time::Duration::from_secs(20))) {
            app.update(reply);
        }
        let events: Vec<_> = Controller::events(&steered).try_iter().collect();
        if !events.is_empty() {
            app.update(Msg::Events(events));
        }
        app.update(Controller::status(&steered).into());
        if let Some(line) = app.what_happened() {
            assert!(line.width() <= 76, "fits ` » LINE ` in 80 columns: {line}");
            // The words are what is tested here; the time is the clock's, checked elsewhere.
            let words = line.split_once("s  ").filter(|(at, _)| at.starts_with("t=")).map_or(line, |(_, words)| words);
            lines.push(words.to_owned());
        }
        if app.model().ended {
            break;
        }
    }
    assert!(app.model().ended, "{name} runs to its end");
    // A step's last events may arrive after its line was read: the line then grows, and only
    // the whole one counts.
    let mut whole: Vec<String> = Vec::new();
    for line in lines {
        match whole.last_mut() {
            Some(last) if line.starts_with(last.as_str()) => *last = line,
            _ => whole.push(line),
        }
    }
    let lines = whole;
    for line in &lines {
        let cut = line.strip_suffix('…').map(|kept| kept.rsplit(' ').next().unwrap_or_default());
        assert!(cut.is_none_or(|word| !word.is_empty()), "cut after a whole word: {line}");
    }
    lines
}

#[test]
fn stepping_condition_names_the_notify_all_and_who_it_woke() {
    let lines = summaries("condition");
    assert!(
        lines
            .iter()
            .any(|line| line.contains("p: notify_all on condition → woke c1, c2; they wait for RLock-1, held by p")),
        "{lines:#?}"
    );
    assert!(
        !lines.iter().any(|line| line.contains("asks for RLock-1: blocked")),
        "a free lock blocks no one: {lines:#?}"
    );
    crate::assert_screen_snapshot("step_summaries_condition_80", &lines.join("\n"));
}

#[test]
fn stepping_a_semaphore_with_permits_left_blocks_no_one() {
    let lines = summaries("semaphore");
    for line in &lines {
        if line.contains("blocked") {
            assert!(line.contains("held by"), "only a thread that found no permit waits: {line}");
        }
    }
    assert!(lines.iter().any(|line| line.contains("acquired Semaphore")), "{lines:#?}");
    crate::assert_screen_snapshot("step_summaries_semaphore_80", &lines.join("\n"));
}
