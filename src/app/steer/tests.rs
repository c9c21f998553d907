//! A steered run stuck outside threadviz: the step goes off the dashboard's thread, the status
//! line says the thread is moving and then that it waits outside threadviz's primitives, keys
//! are handled meanwhile, and quitting ends the run at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use parking_lot::Mutex;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::*;
use crate::app::{App, Appearance, Subject, ThemeName};
use crate::session::StepRefused;

/// Longer than anything here takes: a wait that reaches it has failed, never hung.
const DEADLINE: Duration = Duration::from_secs(20);

/// The notes a steered run gives as the loop's turns poll it, until one says `until` or the
/// deadline passes; when each came.
fn notes_until(steered: &mut Steered, until: &str) -> Vec<(String, Duration)> {
    let began = Instant::now();
    let mut notes = Vec::new();
    while began.elapsed() < DEADLINE {
        if let Some(Msg::Note(note)) = steered.tick() {
            let done = note.contains(until);
            notes.push((note, began.elapsed()));
            if done {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    notes
}

/// A program whose first step (the main thread's) starts a thread that goes on into `outside`
/// at its own first step, then joins it.
fn stuck(outside: impl Fn() + Send + Sync + Clone + 'static) -> Program {
    Program::new(move || {
        let outside = outside.clone();
        crate::thread::spawn(outside).join();
    })
}

/// Steps `steered` until a step goes off and does not settle at once; the notes on the way.
fn step_into_it(steered: &mut Steered) {
    for _ in 0..10 {
        let reply = steered.apply(Command::Step(None));
        assert!(reply.is_none(), "the step goes off, to be told later: {reply:?}");
        let _ = steered.wait_step(Duration::from_millis(100));
        if steered.stepping() {
            return;
        }
    }
    panic!("no step went outside threadviz");
}

#[test]
fn a_step_into_a_std_sleep_is_said_to_wait_outside_in_a_second_not_ten_and_never_blocks() {
    let program = stuck(|| std::thread::sleep(Duration::from_secs(6)));
    let mut steered = Steered::start(program, None, 1.0, None);
    let asked = Instant::now();
    step_into_it(&mut steered);
    let handed = asked.elapsed();
    assert!(handed < Duration::from_millis(900), "the step was sent off in {handed:?}, not waited for");
    // A second step asked for in the step's first moment waits its turn (keys pressed in a
    // burst are each a step); one asked for once the step has been under way for a moment is
    // refused, not taken nor lost silently.
    if steered.away_young() {
        assert!(steered.apply(Command::Step(None)).is_none(), "kept for its turn");
        assert_eq!(steered.queued.len(), 1);
    }
    std::thread::sleep(away::MOMENT);
    let again = steered.apply(Command::Step(None));
    assert!(matches!(again, Some(Msg::Stepped(Err(StepRefused::Busy(_))))), "{again:?}");
    let listening = asked.elapsed();
    let notes = notes_until(&mut steered, "waits outside its primitives");
    let texts: Vec<&str> = notes.iter().map(|(note, _)| note.as_str()).collect();
    assert_eq!(texts.len(), 2, "{notes:?}");
    // The step is the main thread's: it started Thread-1, which went into the sleep before its
    // first operation, and the step stays open.
    assert_eq!(texts[0], "MainThread is running its step…", "{notes:?}");
    assert!(texts[1].contains("did not come back") && texts[1].contains("waits outside its primitives"));
    let (moving, stuck) = (notes[0].1 + listening, notes[1].1 + listening);
    assert!(moving >= away::MOMENT.saturating_sub(Duration::from_millis(50)), "said moving after {moving:?}");
    assert!(stuck < Duration::from_secs(4), "said after {stuck:?}, before the sleep was even over");
    assert!(!steered.stepping() && steered.is_over());
    assert!(steered.queued.is_empty(), "the step kept for its turn went with the run");
    assert!(steered.tick().is_none(), "and nothing more is said");
    steered.apply(Command::Quit);
}

#[test]
fn steps_asked_for_in_a_burst_are_each_taken_in_turn() {
    let program = Program::new(|| {
        let lock = crate::sync::Lock::new();
        for _ in 0..10 {
            lock.acquire();
            lock.release().expect("held by this thread");
        }
    });
    let mut steered = Steered::start(program, None, 1.0, None);
    let mut replies = Vec::new();
    for _ in 0..6 {
        replies.push(steered.apply(Command::Step(None)));
    }
    let mut stepped = replies.iter().filter(|reply| matches!(reply, Some(Msg::Stepped(Ok(_))))).count();
    assert!(replies.iter().all(|reply| reply.is_none() || matches!(reply, Some(Msg::Stepped(Ok(_))))), "{replies:?}");
    let began = Instant::now();
    while stepped < 6 && began.elapsed() < DEADLINE {
        match steered.tick() {
            Some(Msg::Stepped(Ok(_))) => stepped += 1,
            Some(other) => panic!("only steps are told: {other:?}"),
            None => std::thread::sleep(Duration::from_millis(1)),
        }
    }
    assert_eq!(stepped, 6, "six presses, six steps");
    assert!(steered.queued.is_empty());
    steered.apply(Command::Quit);
}

/// A steered run under the loop, everything it hands the app noted with when it came.
struct Noted {
    steered: Steered,
    log: Arc<Mutex<Vec<(String, Instant)>>>,
}

impl Noted {
    fn note(&self, what: String) {
        self.log.lock().push((what, Instant::now()));
    }
}

impl Controller for Noted {
    fn events(&self) -> &Receiver<TraceEvent> {
        self.steered.events()
    }

    fn status(&self) -> Status {
        self.steered.status()
    }

    fn apply(&mut self, command: Command) -> Option<Msg> {
        self.note(format!("{command:?}"));
        self.steered.apply(command)
    }

    fn tick(&mut self) -> Option<Msg> {
        let msg = self.steered.tick();
        if let Some(Msg::Note(note)) = &msg {
            self.note(note.clone());
        }
        msg
    }

    fn guide(&self) -> Option<Guide> {
        self.steered.guide()
    }

    fn wakes(&self) -> Option<&Receiver<()>> {
        self.steered.wakes()
    }
}

/// Runs `program` steered under the loop on an 80x24 test terminal, the keys `keys` typed
/// each after its pause; what the controller was handed and said, when; how long
/// the last key (a quit) took to end the loop and the run, as the dashboard ends it.
fn drive(program: Program, keys: &[(Duration, KeyCode)]) -> (Vec<(String, Instant)>, Duration) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut noted = Noted { steered: Steered::start(program, None, 1.0, None), log: log.clone() };
    let subject = Subject { title: "stuck", source: None, lesson: None };
    let mut app = App::new(subject, Appearance::new(ThemeName::Dark, false), PauseState::Paused, 1.0);
    app.update(Msg::Resize(80, 24));
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("a test terminal");
    let (typed, input) = crossbeam_channel::unbounded();
    let keys = keys.to_vec();
    let typist = std::thread::spawn(move || {
        for (pause, code) in keys {
            std::thread::sleep(pause);
            let _ = typed.send(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        }
        Instant::now()
    });
    let watchdog = Instant::now();
    crate::app::run::run(&mut terminal, &mut app, &input, &mut noted).expect("a test terminal draws");
    noted.apply(Command::Quit);
    let ended = Instant::now();
    let quit_at = typist.join().expect("the typist types");
    assert!(watchdog.elapsed() < DEADLINE, "the loop ended");
    let log = log.lock().clone();
    (log, ended.duration_since(quit_at))
}

fn at(log: &[(String, Instant)], what: &str) -> Instant {
    log.iter().find(|(said, _)| said.contains(what)).map_or_else(|| panic!("{what}: {log:?}"), |(_, when)| *when)
}

#[test]
fn keys_pressed_during_a_step_stuck_outside_are_handled_before_it_settles() {
    let program = stuck(|| std::thread::sleep(Duration::from_secs(30)));
    let ms = Duration::from_millis;
    // A few `n` (those after the step into the sleep are refused), then a key while it is
    // under way, then a quit well after the verdict.
    let n = KeyCode::Char('n');
    let keys = [
        (ms(50), n),
        (ms(30), n),
        (ms(30), n),
        (ms(30), n),
        (ms(50), KeyCode::Char('+')),
        (ms(1800), KeyCode::Char('q')),
    ];
    let (log, quit_took) = drive(program, &keys);
    let faster = at(&log, "SetSpeed");
    let moving = at(&log, "is running its step");
    let stuck = at(&log, "waits outside its primitives");
    assert!(faster < moving && moving < stuck, "the key came before the step settled: {log:?}");
    assert!(stuck.duration_since(faster) < Duration::from_secs(4), "{log:?}");
    assert!(quit_took < Duration::from_secs(5), "quitting took {quit_took:?}");
}

#[test]
fn quitting_during_a_step_stuck_outside_ends_the_dashboard_at_once() {
    // Asleep in the kernel, and computing without calling threadviz: neither comes back.
    let spinning = Arc::new(AtomicBool::new(true));
    let spins = spinning.clone();
    let computing = stuck(move || {
        while spins.load(Ordering::Relaxed) {
            std::hint::spin_loop();
        }
    });
    let asleep = stuck(|| std::thread::sleep(Duration::from_secs(30)));
    let ms = Duration::from_millis;
    for program in [asleep, computing] {
        let n = KeyCode::Char('n');
        let keys = [(ms(50), n), (ms(30), n), (ms(30), n), (ms(30), n), (ms(300), KeyCode::Char('q'))];
        let (log, quit_took) = drive(program, &keys);
        assert!(quit_took < Duration::from_secs(5), "quitting took {quit_took:?}: {log:?}");
        assert!(!log.iter().any(|(said, _)| said.contains("did not come back")), "quit before the verdict: {log:?}");
    }
    spinning.store(false, Ordering::Relaxed);
}

#[test]
fn restarting_during_a_step_stuck_outside_starts_afresh_at_once() {
    let mut steered = Steered::start(stuck(|| std::thread::sleep(Duration::from_secs(30))), None, 1.0, None);
    step_into_it(&mut steered);
    let asked = Instant::now();
    assert!(steered.apply(Command::Restart).is_none(), "the program starts again");
    let took = asked.elapsed();
    assert!(took < Duration::from_secs(5), "restarting took {took:?}");
    assert!(!steered.stepping() && !steered.is_over(), "a fresh run, between steps");
    // Its first step is the main thread's, which starts the sleeper into its sleep again:
    // sent off, and found waiting outside as the first run's was.
    assert!(steered.apply(Command::Step(None)).is_none());
    let told = steered.wait_step(DEADLINE);
    assert!(matches!(&told, Some(Msg::Note(note)) if note.contains("waits outside its primitives")), "{told:?}");
    steered.apply(Command::Quit);
}
