//! Lost updates on synthetic event streams: a store over stores its thread never read loses
//! them, one over a stale store loses nothing, one over a value pulled down brings updates
//! back; the counts always add up to `expected - final`; reads under the value's lock are no
//! race.

use super::*;
use crate::event::{EventKind, PrimInfo};
use crate::model::script::Script;

/// A counter of increments driven straight through the ledger: `('l', t)` loads, `('s', t)`
/// stores what `t` read plus one (or the current value plus one, with no load before). Returns
/// the ledger, the counter's value and each store's count.
fn counter_after(steps: &[(char, Tid)]) -> (Ledger, u64, Vec<i64>) {
    let no_locks = BTreeSet::new();
    let mut ledger = Ledger::default();
    let mut value = 0;
    let mut read: BTreeMap<Tid, u64> = BTreeMap::new();
    let mut counts = Vec::new();
    for &(op, thread) in steps {
        if op == 'l' {
            read.insert(thread, value);
            ledger.loaded(1, thread, &value.to_string(), &no_locks);
        } else {
            value = read.remove(&thread).unwrap_or(value) + 1;
            let counted = ledger.stored(1, thread, &value.to_string(), &no_locks);
            counts.push(counted.map_or(0, |counted| counted.updates_lost));
        }
    }
    (ledger, value, counts)
}

#[test]
fn a_store_over_stores_never_read_loses_each_of_them() {
    // c > r: 1 read 0; 2 and then 3 stored (the value is 2); 1 stores 1 over it, losing both.
    let (ledger, value, counts) = counter_after(&[('l', 1), ('l', 2), ('s', 2), ('l', 3), ('s', 3), ('s', 1)]);
    assert_eq!(counts, [0, 0, 2]);
    assert_eq!((value, ledger.lost(1)), (1, 2), "three increments, the counter says 1");
}

#[test]
fn a_store_over_a_stale_store_loses_nothing() {
    // c = r, the issue's example: 2 reads 1; 3, which had read 0, then stores 1; 2 stores 2
    // over it. 3's store changed nothing (it lost 1); 2's is a real increment.
    let (ledger, value, counts) = counter_after(&[('l', 3), ('s', 1), ('l', 2), ('s', 3), ('s', 2)]);
    assert_eq!(counts, [0, 1, 0], "only Thread-3's store lost an update");
    assert_eq!((value, ledger.lost(1)), (2, 1));
}

#[test]
fn a_store_over_a_value_pulled_down_brings_updates_back() {
    // c < r: 1 and 2 read 0; 2 stores 1; 3 reads it and stores 2; 4 reads the 2; 1 stores
    // 1 over it all, losing two.
    let (ledger, value, counts) =
        counter_after(&[('l', 1), ('l', 2), ('s', 2), ('l', 3), ('s', 3), ('l', 4), ('s', 1), ('s', 4)]);
    // 4 read the 2 before 1 pulled the value down to 1: its 3 over that 1 brings one back,
    // as the chain of 2 it read is whole again.
    assert_eq!(counts, [0, 0, 2, -1]);
    assert_eq!((value, ledger.lost(1)), (3, 1), "four increments, the counter says 3");
}

#[test]
fn a_store_without_a_load_continues_the_value_it_overwrites() {
    let (ledger, _, counts) = counter_after(&[('s', 1), ('s', 1), ('l', 2), ('s', 2), ('s', 3)]);
    assert_eq!(counts, [0, 0, 0, 0]);
    assert_eq!(ledger.lost(1), 0);
}

#[test]
fn over_random_interleavings_the_counts_add_up_to_expected_minus_final_after_every_store() {
    let mut brought_back = 0;
    for seed in 0..500 {
        let mut rng = fastrand::Rng::with_seed(seed);
        let threads = rng.u32(2..7);
        // Each thread alternates a load and a store; at random, one stores twice in a row.
        let mut loaded: BTreeSet<Tid> = BTreeSet::new();
        let mut steps = Vec::new();
        for _ in 0..rng.usize(1..60) {
            let thread = rng.u32(1..=threads);
            let op = if loaded.remove(&thread) || rng.u8(..10) == 0 { 's' } else { 'l' };
            if op == 'l' {
                loaded.insert(thread);
            }
            steps.push((op, thread));
            let (ledger, value, counts) = counter_after(&steps);
            let stores = counts.len() as u64;
            let sum: i64 = counts.iter().sum();
            assert_eq!(sum, (stores - value).cast_signed(), "seed {seed}: {steps:?}");
            assert_eq!(ledger.lost(1), stores - value, "seed {seed}: {steps:?}");
        }
        brought_back += counter_after(&steps).2.iter().filter(|&&count| count < 0).count();
    }
    assert!(brought_back > 0, "some interleavings bring updates back");
}

fn shared() -> Script {
    let mut script = Script::new(3);
    script.prim(1, "counter", PrimInfo::Shared { initial: "0".into() });
    script
}

fn load(script: &mut Script, thread: Tid, value: &str) {
    script.at(thread, EventKind::Load { prim: 1, value: value.into() });
}

fn store(script: &mut Script, thread: Tid, value: &str) {
    script.at(thread, EventKind::Store { prim: 1, value: value.into() });
}

fn warnings(script: &Script) -> Vec<&str> {
    script.model.log.iter().filter(|line| line.level == LogLevel::Warn).map(|line| line.message.as_str()).collect()
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
    assert_eq!((lost.prim, lost.thread, lost.overwritten_thread, lost.updates_lost), (1, 2, 3, 1));
    assert_eq!((lost.read.as_str(), lost.value.as_str(), lost.overwritten_value.as_str()), ("0", "1", "1"));
    assert!(lost.loses());
    assert_eq!(lost.seq, script.seq - 1);
    assert_eq!(script.model.lost_update_at(lost.seq), Some(lost));
    assert_eq!(script.model.lost_updates_on(1), 1);
    let warning = script.model.log.back().expect("a log line");
    assert_eq!((warning.level, warning.thread), (LogLevel::Warn, 2));
    assert_eq!(
        warning.message,
        "lost 1 update on counter: Thread-1 read 0, Thread-2 then stored 1, and Thread-1 overwrote it with 1"
    );
}

#[test]
fn each_warning_says_its_count_and_the_counts_add_up() {
    let mut script = shared();
    // Thread-1 reads 0; Thread-2 and Thread-3 count to 2; Thread-1's 1 loses both.
    load(&mut script, 2, "0");
    load(&mut script, 3, "0");
    store(&mut script, 3, "1");
    load(&mut script, 4, "1");
    store(&mut script, 4, "2");
    load(&mut script, 3, "2");
    store(&mut script, 2, "1");
    // Thread-2 read the 2 before Thread-1 pulled it down: its 3 brings one back.
    store(&mut script, 3, "3");
    assert_eq!(
        warnings(&script),
        [
            "lost 2 updates on counter: Thread-1 read 0, Thread-3 then stored 2, and Thread-1 overwrote it with 1",
            "brought back 1 update on counter: Thread-2 read 2, Thread-1 then stored 1, and Thread-2 overwrote it with 3",
        ]
    );
    let counts: Vec<i64> = script.model.lost_updates.iter().map(|lost| lost.updates_lost).collect();
    assert_eq!(counts, [2, -1]);
    assert_eq!(script.model.lost_updates_on(1), 1, "four increments, the counter says 3");
    assert_eq!(script.model.lost_update_summary(), ["1 lost update on counter"]);
    assert!(!script.model.lost_updates[1].loses());
}

#[test]
fn the_issues_false_warning_is_gone() {
    // Thread-2 read 1, Thread-3 then stored 1, Thread-2 overwrote it with 2: Thread-3's store
    // lost an update (it had read 0), Thread-2's loses nothing.
    let mut script = shared();
    load(&mut script, 4, "0");
    store(&mut script, 2, "1");
    load(&mut script, 3, "1");
    store(&mut script, 4, "1");
    store(&mut script, 3, "2");
    assert_eq!(
        warnings(&script),
        ["lost 1 update on counter: Thread-3 read 0, Thread-1 then stored 1, and Thread-3 overwrote it with 1"]
    );
    assert_eq!(script.model.lost_updates_on(1), 1, "three increments, the counter says 2");
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
    assert!(warnings(&script).is_empty());
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

/// `counter` and `lock`; `Thread-1` reads under the lock.
fn locked_read() -> Script {
    let mut script = shared();
    script.prim(2, "lock", PrimInfo::Lock);
    script.acquire(2, 2);
    load(&mut script, 2, "0");
    script
}

fn release(script: &mut Script, thread: Tid) {
    script.at(thread, EventKind::Released { prim: 2, count: 0 });
}

#[test]
fn a_read_under_the_lock_every_store_holds_is_no_race() {
    let mut script = locked_read();
    assert!(!script.model.read_exposed(1, 2), "nobody else can store while Thread-1 holds the lock");
    store(&mut script, 2, "1");
    release(&mut script, 2);
    // Thread-2 reads under the lock, lets go without storing (a check, a log line), and
    // Thread-1 stores under the lock: Thread-2's read is over, not stale.
    script.acquire(3, 2);
    load(&mut script, 3, "1");
    release(&mut script, 3);
    assert!(!script.model.read_exposed(1, 3), "the read ended with its critical section");
    script.acquire(2, 2);
    load(&mut script, 2, "1");
    store(&mut script, 2, "2");
    release(&mut script, 2);
    assert!(!script.model.read_exposed(1, 3));
    let reads = script.model.pending_reads(&script.model.prims[&1]);
    assert!(reads.is_empty(), "{reads:?}");
    assert!(script.model.lost_updates.is_empty());
}

#[test]
fn a_read_under_a_lock_that_a_store_does_without_is_exposed_and_stale() {
    let mut script = locked_read();
    // Thread-2 stores without the lock while Thread-1 still holds it: the lock guards nothing.
    store(&mut script, 3, "1");
    assert!(script.model.read_exposed(1, 2));
    let reads: Vec<String> =
        script.model.pending_reads(&script.model.prims[&1]).into_iter().map(|phrase| phrase.text).collect();
    assert_eq!(reads.concat(), "Thread-1 read 0 (stale)");
    // From now on no read is covered by the lock, however it is held.
    load(&mut script, 2, "1");
    assert!(script.model.read_exposed(1, 2));
}

#[test]
fn a_read_holding_no_lock_is_exposed() {
    let mut script = shared();
    script.prim(2, "lock", PrimInfo::Lock);
    script.acquire(2, 2);
    store(&mut script, 2, "1");
    release(&mut script, 2);
    load(&mut script, 3, "1");
    assert!(script.model.read_exposed(1, 3), "Thread-2 read without the lock the store held");
    let reads: Vec<String> =
        script.model.pending_reads(&script.model.prims[&1]).into_iter().map(|phrase| phrase.text).collect();
    assert_eq!(reads.concat(), "Thread-2 read 1");
}

#[test]
fn a_read_closed_by_its_release_still_counts_what_its_later_store_loses() {
    // Check, then act in another critical section: Thread-1 reads under the lock, lets go,
    // Thread-2 counts one under it, and Thread-1 stores what it read plus one, under it again.
    let mut script = locked_read();
    release(&mut script, 2);
    script.acquire(3, 2);
    load(&mut script, 3, "0");
    store(&mut script, 3, "1");
    release(&mut script, 3);
    script.acquire(2, 2);
    store(&mut script, 2, "1");
    assert_eq!(
        warnings(&script),
        ["lost 1 update on counter: Thread-1 read 0, Thread-2 then stored 1, and Thread-1 overwrote it with 1"]
    );
}

fn update(script: &mut Script, thread: Tid, read: &str, value: &str) {
    let op = "fetch_add(1)".to_owned();
    script.at(thread, EventKind::Update { prim: 1, op, read: read.into(), value: value.into() });
}

#[test]
fn read_modify_writes_never_lose_an_update_however_they_interleave() {
    let mut script = shared();
    // Each thread's earlier load does not make its read-modify-write a store of that load.
    load(&mut script, 2, "0");
    update(&mut script, 3, "0", "1");
    update(&mut script, 2, "1", "2");
    update(&mut script, 3, "2", "3");
    assert!(script.model.lost_updates.is_empty(), "{:?}", script.model.lost_updates);
    assert!(warnings(&script).is_empty());
    assert_eq!(script.model.lost_updates_on(1), 0);
    let counter = &script.model.prims[&1];
    assert_eq!(counter.state, PrimState::Shared { value: "3".into(), writer: Some(3) });
}

#[test]
fn a_store_over_a_read_modify_write_it_never_read_is_a_lost_update() {
    let mut script = shared();
    load(&mut script, 2, "0");
    update(&mut script, 3, "0", "1");
    assert!(script.model.prims[&1].reads.iter().all(|read| read.stale), "Thread-1's read is overtaken");
    store(&mut script, 2, "1");
    assert_eq!(script.model.lost_updates_on(1), 1);
    assert_eq!(
        warnings(&script),
        ["lost 1 update on counter: Thread-1 read 0, Thread-2 then stored 1, and Thread-1 overwrote it with 1"]
    );
}

#[test]
fn a_thread_that_loads_then_updates_then_stores_its_load_loses_its_own_update() {
    let mut script = shared();
    load(&mut script, 2, "0");
    update(&mut script, 2, "0", "1");
    store(&mut script, 2, "1");
    assert_eq!(script.model.lost_updates_on(1), 1, "its store threw its own fetch_add away");
}
