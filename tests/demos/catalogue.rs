//! The catalogue: every demo registered in its chapter, in teaching order, with its source and
//! lesson.

use threadviz::dashboard::catalog::{Chapter, DEMOS};

#[test]
fn the_whole_catalogue_is_registered_by_chapter_in_teaching_order() {
    let expected = [
        (
            Chapter::Threads,
            &[
                "start",
                "simple",
                "names",
                "daemon",
                "daemon-join",
                "join-timeout",
                "enumerate",
                "subclass",
                "timer",
                "square-roots",
                "busy-main",
                "timeslice",
            ][..],
        ),
        (
            Chapter::Locks,
            &[
                "race",
                "flag-lock",
                "lock",
                "lock-noblock",
                "lock-release-other",
                "reacquire",
                "rlock-reacquire",
                "rlock-levels",
                "rlock-owner",
                "self-deadlock",
                "lock-with",
                "fetch",
                "deadlock",
            ][..],
        ),
        (
            Chapter::Synchronization,
            &[
                "event",
                "event-worker",
                "condition",
                "lost-wakeup",
                "producer-consumer",
                "condition-shared-lock",
                "semaphore",
                "bounded-semaphore",
                "barrier",
                "queue",
                "local",
                "local-defaults",
            ][..],
        ),
    ];
    let expected: Vec<(Chapter, &str)> =
        expected.iter().flat_map(|(chapter, names)| names.iter().map(move |name| (*chapter, *name))).collect();
    let registered: Vec<(Chapter, &str)> = DEMOS.iter().map(|demo| (demo.chapter, demo.name)).collect();
    assert_eq!(registered, expected);
    assert_eq!(registered.len(), 37);
    for demo in DEMOS {
        assert_eq!(demo.path, format!("demos/{}.rs", demo.name));
        assert!(demo.source.contains("pub fn main()"), "{}", demo.name);
        assert!(demo.lesson.starts_with("# "), "{}", demo.name);
    }
}
