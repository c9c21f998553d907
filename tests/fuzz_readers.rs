//! A bounded fuzz of both recording readers, the binary one and JSON Lines: random files and
//! good recordings mutated (bits flipped, bytes overwritten, inserted, removed, chunks repeated
//! or swapped, lengths and counts set to extremes, cuts anywhere) are read from memory and from
//! a file by every reader (`read_bytes`, `read`, `index` with a replay's seek, `stream`), which
//! must read or refuse each one, never panic, hang or grow memory without bound. Seeded, so a
//! failure repeats; about ten seconds.
#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test at the line that broke")]

mod common;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::Memory;
use threadviz::Session;
use threadviz::dashboard::catalog;
use threadviz::record::{self, Form, RecordTo};

/// The tests here measure this process's memory: one at a time.
static ALONE: Mutex<()> = Mutex::new(());

/// How long the fuzz runs (the cases are seeded: the same ones every time, as many as fit).
const BUDGET: Duration = Duration::from_secs(8);
/// The most any one case may take.
const CASE_LIMIT: Duration = Duration::from_secs(3);
/// The most this process's memory may grow while reading.
const GROWTH_KIB: u64 = 50 * 1024;

/// This process's resident memory in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with("VmRSS:"))?.to_owned();
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

fn temp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-readers");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// A recording of the demo `name` at speed 10, in `form`.
fn recorded(name: &'static str, form: Form) -> Vec<u8> {
    let demo = catalog::find(name).unwrap();
    common::with_deadline(name, move || {
        let session = Session::builder().speed(10.0).seed(5).build();
        let memory = Memory::default();
        let recorder = RecordTo::writer(memory.clone(), name).form(form).attach(&session).unwrap();
        session.run(demo.main);
        recorder.finish().unwrap();
        memory.0.lock().unwrap().clone()
    })
}

/// One mutation of `good`.
fn mutate(rng: &mut fastrand::Rng, good: &[u8]) -> Vec<u8> {
    let mut bytes = good.to_vec();
    for _ in 0..rng.usize(1..=3) {
        if bytes.is_empty() {
            bytes.push(rng.u8(..));
        }
        let at = rng.usize(..bytes.len());
        match rng.u8(0..9) {
            0 => bytes[at] ^= 1 << rng.u32(0..8),
            1 => bytes[at] = rng.u8(..),
            2 => bytes.truncate(at),
            3 => {
                let end = (at + rng.usize(1..64)).min(bytes.len());
                bytes.drain(at..end);
            }
            4 => {
                let insert: Vec<u8> = (0..rng.usize(1..32)).map(|_| rng.u8(..)).collect();
                bytes.splice(at..at, insert);
            }
            5 => {
                // A chunk repeated: a frame or a line twice.
                let end = (at + rng.usize(1..2048)).min(bytes.len());
                let chunk = bytes[at..end].to_vec();
                bytes.splice(end..end, chunk);
            }
            6 => {
                // A 32-bit field set to an extreme: lengths and counts of frames and headers.
                let value = [0_u32, 1, 0xFFFF, 1 << 16, (1 << 16) + 1, 1 << 28, (1 << 28) + 1, u32::MAX]
                    [rng.usize(..8)]
                .to_le_bytes();
                for (offset, byte) in value.iter().enumerate() {
                    if let Some(slot) = bytes.get_mut(at + offset) {
                        *slot = *byte;
                    }
                }
            }
            7 => {
                // Two chunks swapped.
                let other = rng.usize(..bytes.len());
                let (first, second) = (at.min(other), at.max(other));
                let len = rng.usize(1..512).min(second - first).min(bytes.len() - second);
                for offset in 0..len {
                    bytes.swap(first + offset, second + offset);
                }
            }
            _ => {
                // A newline where there was none, or none where there was one.
                bytes[at] = if bytes[at] == b'\n' { b' ' } else { b'\n' };
            }
        }
    }
    bytes
}

/// Random bytes, sometimes after a valid start (the binary magic, a JSON header line).
fn random_file(rng: &mut fastrand::Rng, good_binary: &[u8], good_lines: &[u8]) -> Vec<u8> {
    let len = [rng.usize(0..16), rng.usize(0..512), rng.usize(0..70_000)][rng.usize(..3)];
    let mut bytes: Vec<u8> = match rng.u8(0..4) {
        0 => good_binary[..good_binary.len().min(rng.usize(0..40))].to_vec(),
        1 => good_lines[..good_lines.iter().position(|&byte| byte == b'\n').map_or(0, |at| at + 1)].to_vec(),
        _ => Vec::new(),
    };
    let alphabet = b"{}[]\":,0123456789 \nabcdefghijklmnopqrstuvwxyz-.e";
    let text = rng.bool();
    bytes.extend((0..len).map(|_| if text { alphabet[rng.usize(..alphabet.len())] } else { rng.u8(..) }));
    bytes
}

/// Every reader on `bytes`, in memory and from a file at `path`: each reads or refuses in one
/// line naming the file; what reads is read again from the file by a replay's seek.
fn read_every_way(bytes: &[u8], path: &Path) {
    let name = path.display().to_string();
    let refused = |error: &record::ReadError| {
        let message = error.to_string();
        assert!(message.starts_with(&name) || message.starts_with("case"), "{message}");
        assert!(!message.contains('\n'), "one line: {message}");
    };
    let from_memory = record::read_bytes(bytes, "case");
    if let Err(error) = &from_memory {
        refused(error);
    }
    std::fs::write(path, bytes).unwrap();
    let from_file = record::read(path);
    match (&from_memory, &from_file) {
        (Ok(memory), Ok(file)) => assert_eq!(memory.events, file.events, "the same events from memory and file"),
        (Err(_), Err(error)) => refused(error),
        _ => panic!("memory and file disagree: {:?} / {:?}", from_memory.is_ok(), from_file.is_ok()),
    }
    match record::index(path) {
        Ok(indexed) => {
            let len = indexed.snapshots.len();
            let _ = indexed.snapshots.model_at(len / 2);
            let _ = indexed.snapshots.model_at(len);
            assert_eq!(indexed.snapshots.cursor(0).count(), len, "the cursor reads every event indexed");
        }
        Err(error) => refused(&error),
    }
    match record::stream(path) {
        Ok(stream) => {
            for event in stream {
                if let Err(error) = event {
                    refused(&error);
                    break;
                }
            }
        }
        Err(error) => refused(&error),
    }
}

#[test]
fn random_and_mutated_recordings_are_read_or_refused_in_bounded_time_and_memory() {
    let _alone = ALONE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let good_binary = recorded("condition", Form::Binary);
    let good_lines = recorded("condition", Form::JsonLines);
    let busy_binary = recorded("race", Form::Binary);
    let cases = common::with_deadline_of("the fuzz", BUDGET * 4, move || {
        let path = temp("case.tvr");
        let mut rng = fastrand::Rng::with_seed(23);
        let started = Instant::now();
        let before = rss_kib();
        let mut cases = 0_u64;
        while started.elapsed() < BUDGET {
            let bytes = match cases % 4 {
                0 => random_file(&mut rng, &good_binary, &good_lines),
                1 => mutate(&mut rng, &good_binary),
                2 => mutate(&mut rng, &good_lines),
                _ => mutate(&mut rng, &busy_binary),
            };
            let case = Instant::now();
            read_every_way(&bytes, &path);
            assert!(case.elapsed() < CASE_LIMIT, "case {cases} took {:?}", case.elapsed());
            let grown = rss_kib().saturating_sub(before);
            assert!(grown < GROWTH_KIB, "case {cases}: memory grew by {grown} KiB");
            cases += 1;
        }
        let _ = std::fs::remove_file(&path);
        cases
    });
    eprintln!("{cases} cases in {BUDGET:?}");
    assert!(cases > 200, "only {cases} cases in {BUDGET:?}");
}

#[test]
fn endless_and_huge_inputs_are_refused_at_once_in_bounded_memory() {
    let _alone = ALONE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let sparse = temp("sparse.jsonl");
    std::fs::File::create(&sparse).unwrap().set_len(20 << 30).unwrap();
    let fifo = temp("fifo");
    let _ = std::fs::remove_file(&fifo);
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let paths = [PathBuf::from("/dev/zero"), PathBuf::from("/dev/urandom"), sparse.clone(), fifo.clone()];
    common::with_deadline_of("reading endless inputs", Duration::from_secs(10), move || {
        let before = rss_kib();
        for path in &paths {
            let started = Instant::now();
            assert!(record::read(path).is_err(), "{}", path.display());
            assert!(record::index(path).is_err(), "{}", path.display());
            assert!(record::stream(path).is_err(), "{}", path.display());
            assert!(started.elapsed() < Duration::from_secs(1), "{}: {:?}", path.display(), started.elapsed());
            let grown = rss_kib().saturating_sub(before);
            assert!(grown < GROWTH_KIB, "{}: memory grew by {grown} KiB", path.display());
        }
    });
    std::fs::remove_file(&sparse).unwrap();
    std::fs::remove_file(&fifo).unwrap();
}
