//! The wire: what a watched program in another language (`threadviz run prog.py`) and
//! threadviz say to each other over their socket, one JSON object a line (ARCHITECTURE.md, "The
//! wire"). The child sends a hello, then events in the recording's JSON form (without sequence
//! numbers), the state of its pause gate and the answers to steps; threadviz sends controls.
//! This module only reads and writes lines: it knows nothing of processes or screens.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::{self, BufRead};

use serde::{Deserialize, Serialize};

use crate::event::{EventKind, PrimId, SourceLoc, Tid, TraceEvent, WaitMode};
use crate::session::{PauseState, Step, StepRefused};

/// The `wire` field of every hello.
pub const WIRE: &str = "threadviz-wire";
/// The version of the wire this threadviz speaks.
pub const WIRE_VERSION: u32 = 1;
/// The longest line either side may send: a source file's text is the longest thing sent.
pub const MAX_LINE: usize = 8 << 20;

/// The child's first line: who it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// Always [`WIRE`].
    pub wire: String,
    /// The wire's version, [`WIRE_VERSION`].
    pub version: u32,
    /// The program's language, e.g. `python`.
    pub language: String,
    /// The runtime and its version, e.g. `CPython 3.11.7`.
    pub runtime: String,
    /// The child's process id.
    pub pid: u32,
    /// The program, as the user named it.
    #[serde(default)]
    pub program: Option<String>,
}

/// The state of the child's pause gate, as it reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gate {
    /// `running`, `paused` or `stepping`.
    pub mode: GateMode,
    /// The thread moving, while stepping.
    #[serde(default)]
    pub thread: Option<Tid>,
    /// The threads held at the gate, in step order.
    #[serde(default)]
    pub ready: Vec<Tid>,
    /// Where each thread held at the gate goes on: the place of the operation it stopped
    /// before (a child that does not say, or a thread without one, is missing).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ready_at: BTreeMap<Tid, SourceLoc>,
    /// The child's demo time, in microseconds.
    #[serde(default)]
    pub time_us: u64,
    /// Its speed.
    #[serde(default = "one")]
    pub speed: f64,
}

fn one() -> f64 {
    1.0
}

/// The gate's three modes, as the wire spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateMode {
    /// Threads run freely.
    Running,
    /// Every thread stops at its next operation.
    Paused,
    /// One thread moves until its next operation.
    Stepping,
}

impl Gate {
    /// The gate's mode as the session's [`PauseState`].
    #[must_use]
    pub fn pause_state(&self) -> PauseState {
        match (self.mode, self.thread) {
            (GateMode::Running, _) => PauseState::Running,
            (GateMode::Stepping, Some(thread)) => PauseState::Stepping(thread),
            (GateMode::Paused | GateMode::Stepping, _) => PauseState::Paused,
        }
    }
}

/// Why the child refused a step, as the wire spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// It runs: pause first.
    NotPaused,
    /// The last step's thread is still moving.
    Busy,
    /// The chosen thread cannot move.
    NotReady,
    /// No thread can move.
    NothingToStep,
}

/// The answer to one `step` control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepAnswer {
    /// The thread that moves (or, refused, the one concerned).
    #[serde(default)]
    pub thread: Option<Tid>,
    /// Whether demo time jumped to a sleeper's wake-up because nobody was ready.
    #[serde(default)]
    pub advanced: bool,
    /// Why nothing moved, if it was refused.
    #[serde(default)]
    pub refused: Option<Refusal>,
}

impl StepAnswer {
    /// The answer as the session gives it.
    pub fn result(&self) -> Result<Step, StepRefused> {
        let thread = self.thread.unwrap_or(0);
        match self.refused {
            None => Ok(Step { thread, advanced: self.advanced }),
            Some(Refusal::NotPaused) => Err(StepRefused::NotPaused),
            Some(Refusal::Busy) => Err(StepRefused::Busy(thread)),
            Some(Refusal::NotReady) => Err(StepRefused::NotReady(thread)),
            Some(Refusal::NothingToStep) => Err(StepRefused::NothingToStep),
        }
    }
}

/// A controlled run's question (`"controlled": true` in the hook's settings): the last step
/// has settled, and this is what may move now. Empty, nothing can: the run is deadlocked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choose {
    /// The threads that can move: at a step point, or blocked on a wait that would now succeed.
    #[serde(default)]
    pub threads: Vec<Tid>,
    /// The earliest deadline (demo time in microseconds) and the thread whose sleep or timed
    /// wait it ends, when one is pending: letting time pass is one more option.
    #[serde(default)]
    pub time: Option<(u64, Tid)>,
    /// Steps the child took by itself since its last question, each with a single option.
    #[serde(default)]
    pub auto: usize,
    /// The thread that took the last step.
    #[serde(default)]
    pub moving: Option<Tid>,
    /// A run that makes its choices itself (a `run` line with `pick`): what it chose, told
    /// rather than asked, for threadviz to check against its own choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picked: Option<Picked>,
}

/// A controlled run's own choice at a [`Choose`]: a thread, or time passing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Picked {
    /// The thread that moves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread: Option<Tid>,
    /// Time passes to the earliest deadline instead.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub time: bool,
}

/// A fork server's word on one run (`"server": true`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct RunStarted {
    /// The process that runs it, for threadviz to kill when the run cannot go on.
    pub pid: u32,
    /// The run goes on from the first part of the run before it, forked where its first
    /// thread was about to start (every run does the same up to there): sent in the middle of
    /// a run, the events so far are that first part; at a run's start, its events begin with
    /// it.
    #[serde(default)]
    pub prefix: bool,
}

/// A fork server's word that a run's process is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Ran {
    /// Its exit status, or minus the signal that ended it.
    pub status: i32,
}

/// One line from the child after its hello.
#[derive(Debug, Clone, PartialEq)]
pub enum FromChild {
    /// An event, to be numbered by the reader.
    Event(TraceEvent),
    /// The gate's state.
    Gate(Gate),
    /// The answer to a step.
    Step(StepAnswer),
    /// A controlled run asks what moves next.
    Choose(Choose),
    /// A fork server started a run.
    RunStarted(RunStarted),
    /// A fork server's run is over.
    Ran(Ran),
}

/// Every field a line may have; which ones it has says what it is.
#[derive(Deserialize)]
struct Line {
    #[serde(default)]
    time_us: Option<u64>,
    #[serde(default)]
    thread: Option<Tid>,
    #[serde(default)]
    loc: Option<SourceLoc>,
    #[serde(default)]
    kind: Option<EventKind>,
    #[serde(default)]
    gate: Option<Gate>,
    #[serde(default)]
    step: Option<StepAnswer>,
    #[serde(default)]
    place: Option<Place>,
    #[serde(default)]
    choose: Option<Choose>,
    #[serde(default)]
    run: Option<RunStarted>,
    #[serde(default)]
    ran: Option<Ran>,
}

/// A place the compact lines name by number: `{"place":{"id":3,"loc":{"file":...,"line":7}}}`.
#[derive(Deserialize)]
struct Place {
    id: u32,
    loc: SourceLoc,
}

/// A compact line: `["a",time_us,thread,place,prim,count]`, for the operations a busy program
/// does most (see ARCHITECTURE.md, "The wire").
type Compact = (char, u64, Tid, u32, PrimId, u64);

/// What is wrong with the stream.
#[derive(Debug)]
pub enum WireError {
    /// Reading failed.
    Io(io::Error),
    /// A line longer than [`MAX_LINE`].
    TooLong,
    /// The first line is no hello of this wire.
    NotHello(String),
    /// A hello of another version.
    Version(u32),
    /// A line that is none of the messages.
    Bad {
        /// Its number, from 1.
        line: u64,
        /// What the parser said.
        why: String,
    },
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(error) => write!(f, "reading the program's events failed: {error}"),
            Self::TooLong => write!(f, "the program sent a line longer than {} MiB", MAX_LINE >> 20),
            Self::NotHello(why) => write!(f, "the program's hook did not say hello ({why})"),
            Self::Version(version) => {
                write!(f, "the hook speaks wire version {version}; this threadviz speaks {WIRE_VERSION}")
            }
            Self::Bad { line, why } => write!(f, "line {line} of the program's events is not understood: {why}"),
        }
    }
}

impl std::error::Error for WireError {}

/// Reads the child's lines, never more than [`MAX_LINE`] at a time.
#[derive(Debug)]
pub struct Reader<R> {
    input: R,
    line: Vec<u8>,
    number: u64,
    /// The places compact lines name, by number (0 is none).
    places: HashMap<u32, SourceLoc>,
    /// The second event of a compact line that stands for two.
    pending: VecDeque<TraceEvent>,
    /// The last read timed out in the middle of a line: `line` holds its first part, which
    /// the next read goes on from (a controlled run is read with short timeouts, and a line
    /// cut by one must not be lost).
    partial: bool,
}

impl<R: BufRead> Reader<R> {
    /// Reads from `input`.
    pub fn new(input: R) -> Self {
        Self { input, line: Vec::new(), number: 0, places: HashMap::new(), pending: VecDeque::new(), partial: false }
    }

    /// The next line's bytes without its newline; None at the end of the stream.
    fn next_line(&mut self) -> Result<Option<&[u8]>, WireError> {
        if !std::mem::take(&mut self.partial) {
            self.line.clear();
        }
        let limit = u64::try_from(MAX_LINE.saturating_sub(self.line.len())).unwrap_or(u64::MAX) + 1;
        let read = match io::Read::take(self.input.by_ref(), limit).read_until(b'\n', &mut self.line) {
            Ok(read) => read,
            Err(error) => {
                // What came before the error is in `line` (read_until keeps it).
                self.partial = !self.line.is_empty();
                return Err(WireError::Io(error));
            }
        };
        if read == 0 && self.line.is_empty() {
            return Ok(None);
        }
        if self.line.last() == Some(&b'\n') {
            self.line.pop();
        } else if self.line.len() > MAX_LINE {
            return Err(WireError::TooLong);
        }
        self.number += 1;
        Ok(Some(&self.line))
    }

    /// Reads and checks the hello.
    pub fn hello(&mut self) -> Result<Hello, WireError> {
        let line = self.next_line()?.ok_or_else(|| WireError::NotHello("the stream ended first".to_owned()))?;
        let hello: Hello = serde_json::from_slice(line).map_err(|error| WireError::NotHello(error.to_string()))?;
        if hello.wire != WIRE {
            return Err(WireError::NotHello(format!("it says `{}`", hello.wire)));
        }
        if hello.version != WIRE_VERSION {
            return Err(WireError::Version(hello.version));
        }
        Ok(hello)
    }

    /// The next message; None at the end of the stream. An event comes with sequence number 0
    /// and the child's time: the caller numbers it.
    pub fn next_message(&mut self) -> Result<Option<FromChild>, WireError> {
        if let Some(event) = self.pending.pop_front() {
            return Ok(Some(FromChild::Event(event)));
        }
        loop {
            let number = self.number + 1;
            let Some(line) = self.next_line()? else { return Ok(None) };
            let bad = |why: String| WireError::Bad { line: number, why };
            if line.first() == Some(&b'[') {
                let compact: Compact = serde_json::from_slice(line).map_err(|error| bad(error.to_string()))?;
                return self.expand(compact).map(|event| Some(FromChild::Event(event))).map_err(bad);
            }
            let parsed: Line = serde_json::from_slice(line).map_err(|error| bad(error.to_string()))?;
            if let Some(place) = parsed.place {
                self.places.insert(place.id, place.loc);
                continue;
            }
            return Self::message(parsed).map(Some).map_err(bad);
        }
    }

    /// The event (or the first of two) a compact line stands for.
    fn expand(&mut self, (code, time_us, thread, place, prim, count): Compact) -> Result<TraceEvent, String> {
        let loc = match place {
            0 => None,
            id => Some(self.places.get(&id).cloned().ok_or_else(|| format!("place {id} was never named"))?),
        };
        let event = |kind| TraceEvent { seq: 0, time_us, thread, loc: loc.clone(), kind };
        Ok(match code {
            'a' => {
                self.pending.push_back(event(EventKind::Acquired { prim, count }));
                event(EventKind::Requested { prim, mode: WaitMode::Blocking })
            }
            'q' => event(EventKind::Requested { prim, mode: WaitMode::Blocking }),
            'A' => event(EventKind::Acquired { prim, count }),
            'r' => event(EventKind::Released { prim, count }),
            other => return Err(format!("`{other}` is no compact event")),
        })
    }

    fn message(parsed: Line) -> Result<FromChild, String> {
        if let Some(kind) = parsed.kind {
            return Ok(FromChild::Event(TraceEvent {
                seq: 0,
                time_us: parsed.time_us.unwrap_or(0),
                thread: parsed.thread.unwrap_or(0),
                loc: parsed.loc,
                kind,
            }));
        }
        if let Some(gate) = parsed.gate {
            return Ok(FromChild::Gate(gate));
        }
        if let Some(step) = parsed.step {
            return Ok(FromChild::Step(step));
        }
        if let Some(choose) = parsed.choose {
            return Ok(FromChild::Choose(choose));
        }
        if let Some(run) = parsed.run {
            return Ok(FromChild::RunStarted(run));
        }
        if let Some(ran) = parsed.ran {
            return Ok(FromChild::Ran(ran));
        }
        Err("it has none of `kind`, `gate`, `step`, `choose`, `run`, `ran` or `place`".to_owned())
    }
}

/// A control, threadviz to child.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "control", rename_all = "snake_case")]
pub enum ToChild {
    /// Stop every thread at its next operation.
    Pause,
    /// Run freely again.
    Resume,
    /// Let one thread (None: the next in order) do one operation.
    Step {
        /// The thread chosen.
        thread: Option<Tid>,
    },
    /// Run demo time at this multiple of real time.
    Speed {
        /// The speed.
        speed: f64,
    },
    /// In a controlled run: this thread moves, or (`time`) demo time passes to the earliest
    /// deadline and that thread goes on.
    Grant {
        /// The thread chosen.
        #[serde(skip_serializing_if = "Option::is_none")]
        thread: Option<Tid>,
        /// Time passes instead.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        time: bool,
    },
    /// To a fork server: start one more run; with `pick`, the run makes its choices itself,
    /// drawing each as the random strategy does from this state of its generator (fastrand's
    /// wyrand), and tells them.
    Run {
        /// The random chooser's state at the run's start.
        #[serde(skip_serializing_if = "Option::is_none")]
        pick: Option<u64>,
    },
    /// To a fork server: no more runs.
    Quit,
}

impl ToChild {
    /// The control's line, newline included.
    #[must_use]
    pub fn line(&self) -> Vec<u8> {
        let mut line = serde_json::to_vec(self).unwrap_or_default();
        line.push(b'\n');
        line
    }
}

#[cfg(test)]
mod tests {
    //! Reading the child's lines and writing controls.

    use super::*;

    fn reader(text: &str) -> Reader<&[u8]> {
        Reader::new(text.as_bytes())
    }

    const HELLO: &str = r#"{"wire":"threadviz-wire","version":1,"language":"python","runtime":"CPython 3.11.7","pid":42,"program":"bank.py"}"#;

    #[test]
    fn a_hello_then_events_gates_and_answers() {
        let text = format!(
            "{HELLO}\n{}\n{}\n{}\n{}\n",
            r#"{"time_us":5,"thread":2,"loc":{"file":"bank.py","line":7},"kind":{"kind":"acquired","prim":1,"count":1}}"#,
            r#"{"gate":{"mode":"stepping","thread":2,"ready":[3],"ready_at":{"3":{"file":"bank.py","line":9}},"time_us":9,"speed":0.5}}"#,
            r#"{"step":{"refused":"not_ready","thread":4}}"#,
            r#"{"step":{"thread":3,"advanced":true}}"#,
        );
        let mut reader = reader(&text);
        let hello = reader.hello().expect("a hello");
        assert_eq!((hello.language.as_str(), hello.pid, hello.program.as_deref()), ("python", 42, Some("bank.py")));
        let Some(FromChild::Event(event)) = reader.next_message().expect("reads") else { panic!("an event") };
        assert_eq!(event.kind, EventKind::Acquired { prim: 1, count: 1 });
        assert_eq!((event.time_us, event.thread, event.loc.map(|loc| loc.line)), (5, 2, Some(7)));
        let Some(FromChild::Gate(gate)) = reader.next_message().expect("reads") else { panic!("a gate") };
        assert_eq!((gate.pause_state(), gate.ready, gate.speed), (PauseState::Stepping(2), vec![3], 0.5));
        let next = SourceLoc { file: "bank.py".into(), line: 9 };
        assert_eq!(gate.ready_at, [(3, next)].into(), "where the ready thread goes on");
        let Some(FromChild::Step(answer)) = reader.next_message().expect("reads") else { panic!("an answer") };
        assert_eq!(answer.result(), Err(StepRefused::NotReady(4)));
        let Some(FromChild::Step(answer)) = reader.next_message().expect("reads") else { panic!("an answer") };
        assert_eq!(answer.result(), Ok(Step { thread: 3, advanced: true }));
        assert!(reader.next_message().expect("reads").is_none(), "the end");
    }

    #[test]
    fn compact_lines_stand_for_the_busiest_events_at_named_places() {
        let text = format!(
            "{HELLO}\n{}\n{}\n{}\n{}\n{}\n",
            r#"{"place":{"id":1,"loc":{"file":"bank.py","line":7}}}"#,
            r#"["a",10,2,1,3,1]"#,
            r#"["r",12,2,1,3,0]"#,
            r#"["q",13,3,0,3,0]"#,
            r#"["A",14,3,9,3,1]"#,
        );
        let mut reader = reader(&text);
        reader.hello().expect("a hello");
        let mut events = Vec::new();
        for _ in 0..4 {
            let Some(FromChild::Event(event)) = reader.next_message().expect("reads") else { panic!("an event") };
            events.push(event);
        }
        let kinds: Vec<&EventKind> = events.iter().map(|event| &event.kind).collect();
        assert_eq!(
            kinds,
            [
                &EventKind::Requested { prim: 3, mode: WaitMode::Blocking },
                &EventKind::Acquired { prim: 3, count: 1 },
                &EventKind::Released { prim: 3, count: 0 },
                &EventKind::Requested { prim: 3, mode: WaitMode::Blocking },
            ]
        );
        assert_eq!(events[1].loc.as_ref().map(|loc| (loc.file.as_ref(), loc.line)), Some(("bank.py", 7)));
        assert_eq!((events[2].time_us, events[2].thread), (12, 2));
        assert_eq!(events[3].loc, None, "place 0 is none");
        let error = reader.next_message().expect_err("place 9 is unknown");
        assert!(error.to_string().contains("place 9 was never named"), "{error}");
    }

    #[test]
    fn an_instruction_follows_the_load_it_made_with_its_arrow_as_sent() {
        // The hook may write the arrows as they are or escaped (`json.dumps`' ASCII default).
        let text = format!(
            "{HELLO}\n{}\n{}\n{}\n",
            r#"{"time_us":0,"thread":2,"loc":{"file":"bank.py","line":7},"kind":{"kind":"load","prim":1,"value":"5"}}"#,
            r#"{"time_us":0,"thread":2,"loc":{"file":"bank.py","line":7},"kind":{"kind":"instruction","offset":2,"text":"LOAD_GLOBAL balance → 5"}}"#,
            r#"{"time_us":0,"thread":2,"loc":{"file":"bank.py","line":7},"kind":{"kind":"instruction","offset":10,"text":"STORE_GLOBAL balance \u2190 6"}}"#,
        );
        let mut reader = reader(&text);
        reader.hello().expect("a hello");
        let mut events = Vec::new();
        while let Some(message) = reader.next_message().expect("reads") {
            let FromChild::Event(event) = message else { panic!("an event: {message:?}") };
            events.push(event);
        }
        let kinds: Vec<&EventKind> = events.iter().map(|event| &event.kind).collect();
        assert_eq!(
            kinds,
            [
                &EventKind::Load { prim: 1, value: "5".into() },
                &EventKind::Instruction { offset: 2, text: "LOAD_GLOBAL balance → 5".into() },
                &EventKind::Instruction { offset: 10, text: "STORE_GLOBAL balance ← 6".into() },
            ]
        );
        assert!(events.iter().all(|event| event.loc.as_ref().is_some_and(|loc| loc.line == 7)), "{events:?}");
    }

    #[test]
    fn a_wrong_first_line_or_version_is_refused() {
        assert!(matches!(reader("").hello(), Err(WireError::NotHello(_))));
        assert!(matches!(reader("hello\n").hello(), Err(WireError::NotHello(_))));
        let other = HELLO.replace("threadviz-wire", "other");
        assert!(matches!(reader(&other).hello(), Err(WireError::NotHello(_))));
        let newer = HELLO.replace(r#""version":1"#, r#""version":2"#);
        let error = reader(&newer).hello().expect_err("refused");
        assert_eq!(error.to_string(), "the hook speaks wire version 2; this threadviz speaks 1");
    }

    #[test]
    fn a_line_of_nothing_known_names_its_number() {
        let text = format!("{HELLO}\n{{\"what\":1}}\n");
        let mut reader = reader(&text);
        reader.hello().expect("a hello");
        let error = reader.next_message().expect_err("refused");
        assert!(error.to_string().starts_with("line 2 of the program's events is not understood"), "{error}");
    }

    #[test]
    fn an_endless_line_stops_at_the_limit() {
        let endless = std::io::repeat(b'x');
        let mut reader = Reader::new(std::io::BufReader::new(endless));
        assert!(matches!(reader.hello(), Err(WireError::TooLong)));
    }

    #[test]
    fn controls_are_one_line_each() {
        assert_eq!(ToChild::Pause.line(), b"{\"control\":\"pause\"}\n");
        assert_eq!(ToChild::Step { thread: Some(3) }.line(), b"{\"control\":\"step\",\"thread\":3}\n");
        assert_eq!(ToChild::Step { thread: None }.line(), b"{\"control\":\"step\",\"thread\":null}\n");
        assert_eq!(ToChild::Speed { speed: 0.5 }.line(), b"{\"control\":\"speed\",\"speed\":0.5}\n");
    }

    /// Gives its chunks one read each, a timeout between them, as a socket read with a short
    /// timeout does when a line arrives in two parts.
    struct Chunked(std::collections::VecDeque<Option<&'static [u8]>>);

    impl std::io::Read for Chunked {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match self.0.pop_front() {
                Some(Some(chunk)) => {
                    buf[..chunk.len()].copy_from_slice(chunk);
                    Ok(chunk.len())
                }
                Some(None) => Err(std::io::ErrorKind::WouldBlock.into()),
                None => Ok(0),
            }
        }
    }

    #[test]
    fn a_line_cut_by_a_timeout_is_read_whole_on_the_next_try() {
        let chunks = [Some(&b"{\"ran\":{\"sta"[..]), None, Some(&b"tus\":3}}\n"[..])];
        let mut reader = Reader::new(std::io::BufReader::with_capacity(64, Chunked(chunks.into_iter().collect())));
        let timed_out = reader.next_message().expect_err("the first part, then a timeout");
        assert!(matches!(&timed_out, WireError::Io(error) if error.kind() == std::io::ErrorKind::WouldBlock));
        match reader.next_message() {
            Ok(Some(FromChild::Ran(ran))) => assert_eq!(ran.status, 3),
            other => panic!("the whole line, its first part kept: {other:?}"),
        }
        assert!(matches!(reader.next_message(), Ok(None)), "then the end");
    }
}
