//! Plain mode's deadlock watch: a program without deadlock finishes, and daemons deadlocked
//! among themselves end with the program.

use std::time::Duration;

use threadviz::dashboard::catalog;
use threadviz::{Deadlocked, Session};

use crate::common::{Memory, with_deadline_of};
use crate::{DEADLINE, SEED, SPEED};

/// Runs `main` as plain mode does in a fresh session, on a helper thread with a deadline; what
/// it returned and what it printed.
fn plain(main: impl FnOnce() + Send + 'static) -> (Result<(), Deadlocked>, String) {
    let sink = Memory::default();
    let output = sink.clone();
    let result = with_deadline_of("the plain run", DEADLINE, move || {
        let session = Session::builder().seed(SEED).speed(SPEED).build();
        threadviz::run_plain_to(&session, output, main)
    });
    let printed = String::from_utf8(sink.0.lock().expect("the sink is never poisoned").clone()).expect("UTF-8");
    (result, printed)
}

#[test]
fn plain_mode_lets_a_program_without_deadlock_finish() {
    let demo = catalog::find("lock").expect("the lock demo");
    let (result, printed) = plain(demo.main);
    assert_eq!(result, Ok(()));
    assert!(printed.ends_with("(MainThread) Counter: 4\n"), "{printed}");
    assert!(!printed.contains("deadlock"));
}

#[test]
fn plain_mode_leaves_daemons_deadlocked_among_themselves_to_end_with_the_program() {
    use threadviz::sync::Lock;
    use threadviz::thread::{self, Thread};

    let (result, printed) = plain(|| {
        let (a, b) = (Lock::named("a"), Lock::named("b"));
        for (first, second) in [(a.clone(), b.clone()), (b, a)] {
            let daemon = Thread::builder().daemon(true).build(move || {
                let _first = first.hold();
                thread::sleep(Duration::from_millis(100));
                let _second = second.hold();
            });
            daemon.start();
        }
        // Long enough for the daemons to deadlock and for plain mode to look twice.
        thread::sleep(Duration::from_secs(5));
        tracing::info!("main is done");
    });
    assert_eq!(result, Ok(()), "the program ends; the daemons are stopped at shutdown");
    assert_eq!(printed, "(MainThread) main is done\n");
}
