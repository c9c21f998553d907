//! Chrome's trace event format: one track per thread (`thread_name` metadata, pid 1, tid the
//! thread's number), its states as complete (`X`) slices taken from the model's state changes,
//! instant (`i`) events for acquire, release, notify, set and clear, and flow arrows (`s` to
//! `f`) from each notify to every thread it woke. Times are demo microseconds.
//!
//! Instructions (`EventKind::Instruction`, from a program stepped by instruction) are left
//! out, as loads and stores are: an instruction changes no thread's state and hands nothing
//! over, and a stepped run sends one per bytecode, which as instants would bury the acquires
//! and releases a trace is read for. The recording keeps them for a replay to step through.
//!
//! The trace is written as the recording is read, event by event, in bounded memory.
//!
//! Open the file in <https://ui.perfetto.dev> or `chrome://tracing`.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use serde_json::{Value, json};

use crate::TraceEvent;
use crate::event::{EventKind, PrimId, Tid};
use crate::model::{Model, ThreadState, WaitTarget};
use crate::record::{Header, Recording};

/// The process every track belongs to.
const PID: u32 = 1;

/// A state a thread is in, not yet ended.
struct Open {
    state: ThreadState,
    since_us: u64,
    args: Value,
}

/// Builds the trace of a recording in memory (tests and small recordings; an export writes
/// it as it goes, [`write_events`]).
#[must_use]
pub fn trace(recording: &Recording) -> Value {
    let mut json = Vec::new();
    write(recording, &mut json).ok().and_then(|_| serde_json::from_slice(&json).ok()).unwrap_or(Value::Null)
}

/// Writes the trace of a recording as JSON.
pub fn write(recording: &Recording, out: impl Write) -> io::Result<usize> {
    write_events(&recording.header, recording.events.iter().cloned(), out)
}

/// Writes the trace of `events`, the recording with `header`, as JSON, each trace event as
/// soon as it is known: memory holds the model and the states still open, never the trace.
/// The threads' tracks are named at the end of the array (a track's name is its last, known
/// once every event is folded), which trace viewers read wherever it comes. Returns the events
/// folded.
pub fn write_events(header: &Header, events: impl Iterator<Item = TraceEvent>, out: impl Write) -> io::Result<usize> {
    let mut out = io::BufWriter::new(out);
    let other = json!({
        "demo": header.demo, "seed": header.seed, "speed": header.speed, "started": header.started,
        "threadviz": header.threadviz, "clock": "demo time",
    });
    // The keys in the order serde_json writes a map's: sorted.
    out.write_all(br#"{"displayTimeUnit":"ms","otherData":"#)?;
    serde_json::to_writer(&mut out, &other)?;
    out.write_all(br#","traceEvents":["#)?;
    let mut first = true;
    let mut emit = |value: &Value, out: &mut io::BufWriter<_>| -> io::Result<()> {
        if !std::mem::take(&mut first) {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut *out, value).map_err(io::Error::from)
    };
    emit(
        &json!({
            "name": "process_name", "ph": "M", "pid": PID, "args": { "name": format!("threadviz: {}", header.demo) },
        }),
        &mut out,
    )?;
    let mut model = Model::new();
    let mut trace = Vec::new();
    let mut open: BTreeMap<Tid, Open> = BTreeMap::new();
    // A notify's arrow waits here for the woken thread's wake-up: (woken thread, condition) -> id.
    let mut flows: HashMap<(Tid, PrimId), u64> = HashMap::new();
    let mut next_flow = 0_u64;
    let mut folded = 0;
    for event in events {
        model.apply(&event);
        folded += 1;
        let ts = model.time_us;
        instants(&model, &event, ts, &mut flows, &mut next_flow, &mut trace);
        for thread in model.threads.values() {
            let changed = open.get(&thread.tid).is_none_or(|current| current.state != thread.state);
            if !changed {
                continue;
            }
            if let Some(ended) = open.remove(&thread.tid) {
                trace.push(slice(thread.tid, &ended, ts));
            }
            if !thread.state.is_finished() {
                let args = describe(&model, &thread.state);
                open.insert(thread.tid, Open { state: thread.state.clone(), since_us: thread.since_us.min(ts), args });
            }
        }
        for value in trace.drain(..) {
            emit(&value, &mut out)?;
        }
    }
    let end = model.time_us;
    for (&tid, current) in &open {
        emit(&slice(tid, current, end), &mut out)?;
    }
    for thread in model.threads.values() {
        emit(
            &json!({ "name": "thread_name", "ph": "M", "pid": PID, "tid": thread.tid, "args": { "name": thread.name } }),
            &mut out,
        )?;
        emit(
            &json!({
                "name": "thread_sort_index", "ph": "M", "pid": PID, "tid": thread.tid, "args": { "sort_index": thread.tid },
            }),
            &mut out,
        )?;
    }
    out.write_all(b"]}")?;
    out.flush()?;
    Ok(folded)
}

fn slice(tid: Tid, state: &Open, end_us: u64) -> Value {
    json!({
        "name": state.state.word(), "cat": "state", "ph": "X", "pid": PID, "tid": tid,
        "ts": state.since_us, "dur": end_us.saturating_sub(state.since_us), "args": state.args,
    })
}

/// What a state is about, for the slice's details.
fn describe(model: &Model, state: &ThreadState) -> Value {
    match state {
        ThreadState::Blocked { prim, .. } => json!({ "on": model.wait_target(&WaitTarget::Prim(*prim)) }),
        ThreadState::Waiting { on, .. } => json!({ "on": model.wait_target(on) }),
        ThreadState::Sleeping { until_us } => json!({ "until_us": until_us }),
        _ => json!({}),
    }
}

/// The instant events and flow arrows of one event.
fn instants(
    model: &Model,
    event: &TraceEvent,
    ts: u64,
    flows: &mut HashMap<(Tid, PrimId), u64>,
    next_flow: &mut u64,
    trace: &mut Vec<Value>,
) {
    let tid = event.thread;
    let instant = |verb: &str, prim: PrimId, args: Value| {
        json!({
            "name": format!("{verb} {}", model.prim_label(prim)), "cat": verb, "ph": "i", "s": "t",
            "pid": PID, "tid": tid, "ts": ts, "args": args,
        })
    };
    let arrow = |phase: &str, id: u64, tid: Tid| {
        let mut arrow =
            json!({ "name": "notify", "cat": "notify", "ph": phase, "id": id, "pid": PID, "tid": tid, "ts": ts });
        if phase == "f" {
            // Bind to the slice the woken thread is in at its wake-up.
            arrow["bp"] = json!("e");
        }
        arrow
    };
    match &event.kind {
        EventKind::Acquired { prim, count } => trace.push(instant("acquire", *prim, json!({ "count": count }))),
        EventKind::Released { prim, count } => trace.push(instant("release", *prim, json!({ "count": count }))),
        EventKind::ReadAcquired { prim, readers } => trace.push(instant("read", *prim, json!({ "readers": readers }))),
        EventKind::ReadReleased { prim, readers } => {
            trace.push(instant("read release", *prim, json!({ "readers": readers })));
        }
        EventKind::Poisoned { prim } => trace.push(instant("poisoned", *prim, json!({}))),
        EventKind::Set { prim } => trace.push(instant("set", *prim, json!({}))),
        EventKind::Clear { prim } => trace.push(instant("clear", *prim, json!({}))),
        EventKind::Notified { prim, n, woken } => {
            let names: Vec<String> = woken.iter().map(|&woken| model.thread_name(woken)).collect();
            let asked = if *n == u64::MAX { json!("all") } else { json!(n) };
            trace.push(instant("notify", *prim, json!({ "n": asked, "woken": names })));
            for &woken in woken {
                *next_flow += 1;
                trace.push(arrow("s", *next_flow, tid));
                flows.insert((woken, *prim), *next_flow);
            }
        }
        EventKind::Woken { prim, notified: true } => {
            if let Some(id) = flows.remove(&(tid, *prim)) {
                trace.push(arrow("f", id, tid));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    //! What the trace leaves out.

    use super::*;
    use crate::event::{ExitKind, PrimInfo, SourceLoc, WaitMode};
    use crate::record::{FORMAT, FORMAT_VERSION, Header};

    /// A recording of `kinds`, each `(thread, time, kind)`, numbered in order.
    fn recording(kinds: Vec<(Tid, u64, EventKind)>) -> Recording {
        let header = Header {
            format: FORMAT.to_owned(),
            version: FORMAT_VERSION,
            threadviz: "0.1.0".to_owned(),
            demo: "bank.py".to_owned(),
            seed: 0,
            speed: 1.0,
            started: "1970-01-01T00:00:00Z".to_owned(),
            unix_time: 0,
        };
        let events = kinds
            .into_iter()
            .zip(0..)
            .map(|((thread, time_us, kind), seq)| TraceEvent {
                seq,
                time_us,
                thread,
                loc: Some(SourceLoc { file: "bank.py".into(), line: 7 }),
                kind,
            })
            .collect();
        Recording { header, events, warning: None }
    }

    #[test]
    fn instructions_change_nothing_in_the_trace() {
        let created = EventKind::ThreadCreated { tid: 2, name: "clerk-1".into(), daemon: false, foreign: false };
        let operations = vec![
            (1, 0, EventKind::ThreadCreated { tid: 1, name: "MainThread".into(), daemon: false, foreign: false }),
            (1, 0, EventKind::ThreadStarted { tid: 1, daemon: false, os_tid: None }),
            (1, 0, EventKind::PrimCreated { prim: 1, name: "lock".into(), info: PrimInfo::Lock }),
            (1, 0, created),
            (1, 0, EventKind::ThreadStarted { tid: 2, daemon: false, os_tid: None }),
            (2, 1_000, EventKind::Requested { prim: 1, mode: WaitMode::Blocking }),
            (2, 1_000, EventKind::Acquired { prim: 1, count: 1 }),
            (2, 3_000, EventKind::Released { prim: 1, count: 0 }),
            (2, 4_000, EventKind::ThreadExited { tid: 2, exit: ExitKind::Normal }),
            (1, 5_000, EventKind::SessionEnded),
        ];
        // The same run stepped by instruction: clerk-1 runs one before each of its operations,
        // at that operation's time.
        let mut stepped = Vec::new();
        for (offset, (thread, time_us, kind)) in (0..).zip(operations.iter().cloned()) {
            if thread == 2 {
                stepped.push((thread, time_us, EventKind::Instruction { offset, text: "CALL 0".into() }));
            }
            stepped.push((thread, time_us, kind));
        }
        let stepped = trace(&recording(stepped));
        assert_eq!(stepped, trace(&recording(operations)));
        assert!(!stepped.to_string().contains("CALL"), "{stepped}");
    }
}
