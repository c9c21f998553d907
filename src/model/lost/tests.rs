//! Lost updates on synthetic event streams: a store over an update its thread never read, and
//! the interleavings that lose nothing.

use super::*;
use crate::event::{EventKind, PrimInfo};
use crate::model::script::Script;

fn ledger_after(steps: &[(char, Tid)]) -> Ledger {
    let mut ledger = Ledger::default();
    let mut value = 0;
    let mut read: BTreeMap<Tid, u64> = BTreeMap::new();
    for &(op, thread) in steps {
        if op == 'l' {
            read.insert(thread, value);
            ledger.loaded(1, thread, &value.to_string());
        } else {
            value = read.remove(&thread).unwrap_or(value) + 1;
            ledger.stored(1, thread);
        }
    }
    ledger
}

#[test]
fn two_reads_of_one_value_lose_one_update() {
    let ledger = ledger_after(&[('l', 1), ('l', 2), ('s', 2), ('s', 1)]);
    assert_eq!(ledger.lost(1), 1);
}

#[test]
fn an_overwrite_of_an_overwrite_can_give_back_what_was_lost() {
    // 1 and 2 read 0; 2 stores 1; 3 reads 1 and stores 2; 4 reads 2; 1 stores 1 over
    // it all: the value is 1 after three increments, two lost.
    let ledger = ledger_after(&[('l', 1), ('l', 2), ('s', 2), ('l', 3), ('s', 3), ('l', 4), ('s', 1)]);
    assert_eq!(ledger.lost(1), 2, "value 1 after three increments");
    let mut ledger = ledger;
    // 4 had read the 2: its store of 3 ends a chain of three of the four stores.
    ledger.stored(1, 4);
    assert_eq!(ledger.lost(1), 1, "the count falls when a longer chain comes back");
}

#[test]
fn a_store_without_a_load_continues_the_value_it_overwrites() {
    let ledger = ledger_after(&[('s', 1), ('s', 1), ('l', 2), ('s', 2)]);
    assert_eq!(ledger.lost(1), 0);
}

fn shared() -> Script {
    let mut script = Script::new(2);
    script.prim(1, "counter", PrimInfo::Shared { initial: "0".into() });
    script
}

fn load(script: &mut Script, thread: Tid, value: &str) {
    script.at(thread, EventKind::Load { prim: 1, value: value.into() });
}

fn store(script: &mut Script, thread: Tid, value: &str) {
    script.at(thread, EventKind::Store { prim: 1, value: value.into() });
}

#[test]
fn a_store_over_a_store_never_read_is_a_lost_update() {
    let mut script = shared();
    load(&mut script, 2, "0");
    load(&mut script, 3, "0");
    store(&mut script, 3, "1");
    store(&mut script, 2, "1");
    let lost: Vec<&LostUpdate> = script.model.lost_updates.iter().collect();
    assert_eq!(lost.len(), 1);
    let lost = lost[0];
    assert_eq!((lost.prim, lost.thread, lost.lost_thread), (1, 2, 3));
    assert_eq!((lost.read.as_str(), lost.value.as_str(), lost.lost_value.as_str()), ("0", "1", "1"));
    assert_eq!(lost.seq, script.seq - 1);
    assert_eq!(script.model.lost_updates_on(1), 1);
    let warning = script.model.log.back().expect("a log line");
    assert_eq!(warning.level, LogLevel::Warn);
    assert_eq!(warning.thread, 2);
    assert_eq!(
        warning.message,
        "lost update on counter: Thread-1 read 0, Thread-2 then stored 1, and Thread-1 overwrote it with 1"
    );
}

#[test]
fn taking_turns_loses_nothing() {
    let mut script = shared();
    load(&mut script, 2, "0");
    store(&mut script, 2, "1");
    load(&mut script, 3, "1");
    store(&mut script, 3, "2");
    // A store without a load before it, and a thread storing twice in a row.
    store(&mut script, 2, "5");
    store(&mut script, 2, "6");
    load(&mut script, 3, "6");
    load(&mut script, 3, "6");
    store(&mut script, 3, "7");
    assert!(script.model.lost_updates.is_empty(), "{:?}", script.model.lost_updates);
    assert!(script.model.log.iter().all(|line| line.level != LogLevel::Warn));
}

#[test]
fn the_latest_load_is_what_a_store_builds_on() {
    let mut script = shared();
    load(&mut script, 2, "0");
    load(&mut script, 3, "0");
    store(&mut script, 3, "1");
    // Thread-1 reads again and sees Thread-2's store: its own store loses nothing.
    load(&mut script, 2, "1");
    store(&mut script, 2, "2");
    assert!(script.model.lost_updates.is_empty());
}

#[test]
fn the_lost_update_list_is_bounded_and_counts_everything() {
    let mut script = shared();
    let rounds = LOST_UPDATES_KEPT + 5;
    for round in 0..rounds {
        let value = round.to_string();
        load(&mut script, 2, &value);
        load(&mut script, 3, &value);
        store(&mut script, 3, "x");
        store(&mut script, 2, "y");
    }
    assert_eq!(script.model.lost_updates.len(), LOST_UPDATES_KEPT);
    assert_eq!(script.model.lost_updates_on(1), rounds as u64, "each round ends one increment up of two");
    assert_eq!(script.model.lost_updates.back().map(|lost| lost.read.as_str()), Some("104"), "newest last");
}
