//! The lost-update count a class reads off the screen is the program's own arithmetic: for
//! the `race` demo's counter of increments it is `expected - final` at the end of every run
//! and after every single store, whatever the interleaving (one run per seed).

use threadviz::dashboard::catalog;
use threadviz::dashboard::model::Model;
use threadviz::event::PrimInfo;
use threadviz::{EventKind, Session, TraceEvent};

/// Runs `race` with `seed` at full speed and returns its events.
fn race_events(seed: u64) -> Vec<TraceEvent> {
    let demo = catalog::find("race").expect("the race demo is in the catalogue");
    let session = Session::builder().seed(seed).speed(10.0).build();
    let events = session.subscribe();
    session.run(demo.main);
    events.receiver().try_iter().collect()
}

#[test]
fn lost_updates_are_expected_minus_final_after_every_store_of_every_seed() {
    let mut seen_losses = std::collections::BTreeSet::new();
    for seed in 0..12 {
        let events = race_events(seed);
        let mut model = Model::new();
        let mut counter = None;
        let mut store_count = 0_u64;
        let mut value = 0_u64;
        for event in &events {
            model.apply(event);
            match &event.kind {
                EventKind::PrimCreated { prim, name, info: PrimInfo::Shared { .. } } if name == "counter" => {
                    counter = Some(*prim);
                }
                EventKind::Store { prim, value: stored } if Some(*prim) == counter => {
                    store_count += 1;
                    value = stored.parse().expect("the counter stores numbers");
                    assert_eq!(
                        model.lost_updates_on(*prim),
                        store_count - value,
                        "seed {seed}: after store {store_count} the counter is {value}"
                    );
                }
                _ => {}
            }
        }
        let counter = counter.expect("the race demo has a Shared named counter");
        assert_eq!(store_count, 20, "seed {seed}: four threads store five times each");
        assert_eq!(model.lost_updates_on(counter), 20 - value, "seed {seed}: lost = expected - final");
        seen_losses.insert(20 - value);
    }
    assert!(seen_losses.iter().any(|&lost| lost > 0), "the race loses updates: {seen_losses:?}");
}
