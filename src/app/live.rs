//! Watching a live program: it runs as the `MainThread` of a session on a thread of its own,
//! the dashboard folds its events, and restart starts it again in a fresh session. When
//! recording, a recorder writes the first run down; a restart is not recorded, so a recording
//! always holds exactly one run from its start.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crossbeam_channel::Receiver;

use super::launch::Launch;
use super::msg::ready_places;
use super::run::{self, Controller};
use super::{Appearance, Command, Msg, Status, Subject};
use crate::TraceEvent;
use crate::lesson::Trigger;
use crate::record::{RecordSummary, RecordTo, Recorder};
use crate::session::{PauseState, Session};

/// Events the dashboard may fall behind by before it drops (and counts) new ones.
const VIEW_BUFFER: usize = 65_536;

/// How long a wake-up stays on screen at 1x (a notify, a lock handed over, an event set): long
/// enough for a class to see who was woken and where it went, while demo time stands still.
pub const LINGER: Duration = Duration::from_millis(500);

/// What the keys that go back say outside a replay.
pub(crate) const ONLY_REPLAYS_GO_BACK: &str = "only replays go back: record with --record FILE, then replay it";

/// What `s` says outside a challenge.
pub(crate) const NO_CHALLENGE: &str = "s shows a challenge's answer: see `threadviz challenge`";

/// A running program and its session.
pub struct Live {
    program: Arc<dyn Fn() + Send + Sync>,
    launch: Launch,
    session: Session,
    events: Receiver<TraceEvent>,
    dropped: Arc<AtomicU64>,
    /// The kernel's previous readings, for CPU % over an interval.
    sampler: crate::kernel::Sampler,
    /// Writes the first run down, when recording.
    recorder: Option<Recorder>,
    /// The lesson's moment, when an event alone shows it: every run pauses there at once.
    moment: PauseAt,
}

/// A moment the session itself pauses at, and the program's source path that `line` moments
/// refer to.
type PauseAt = Option<(Trigger, Option<&'static str>)>;

/// The moment of `subject`'s lesson that the session can pause at by itself; moments that
/// take the model to see are left to the dashboard, which pauses a moment later.
fn pause_at(subject: &Subject) -> PauseAt {
    let trigger = subject.lesson.and_then(crate::lesson::moment)?.trigger;
    let path = subject.source.map(|(path, _)| path);
    trigger.seen_in_event().then_some((trigger, path))
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live").field("session", &self.session).finish_non_exhaustive()
    }
}

impl Live {
    /// Starts `program` in a new session.
    pub fn start(program: Arc<dyn Fn() + Send + Sync>, launch: Launch) -> Self {
        Self::start_pausing_at(program, launch, None)
    }

    fn start_pausing_at(program: Arc<dyn Fn() + Send + Sync>, launch: Launch, moment: PauseAt) -> Self {
        let session = Self::new_session(&launch);
        let (events, dropped) = Self::run_in(&program, &session, moment);
        let sampler = crate::kernel::Sampler::new();
        Self { program, launch, session, events, dropped, sampler, recorder: None, moment }
    }

    /// Starts `program` in a new session and records its first run to `record`.
    pub fn start_recording(program: Arc<dyn Fn() + Send + Sync>, launch: Launch, record: RecordTo) -> io::Result<Self> {
        Self::start_recording_pausing_at(program, launch, record, None)
    }

    fn start_recording_pausing_at(
        program: Arc<dyn Fn() + Send + Sync>,
        launch: Launch,
        record: RecordTo,
        moment: PauseAt,
    ) -> io::Result<Self> {
        let session = Self::new_session(&launch);
        // Attached before the program runs, so the recording holds the run from its first event.
        let recorder = Some(record.attach(&session)?);
        let (events, dropped) = Self::run_in(&program, &session, moment);
        let sampler = crate::kernel::Sampler::new();
        Ok(Self { program, launch, session, events, dropped, sampler, recorder, moment })
    }

    fn new_session(launch: &Launch) -> Session {
        let session = launch.session().paused(launch.paused).linger(LINGER).build();
        session.set_lossy(launch.lossy);
        session
    }

    fn run_in(
        program: &Arc<dyn Fn() + Send + Sync>,
        session: &Session,
        moment: PauseAt,
    ) -> (Receiver<TraceEvent>, Arc<AtomicU64>) {
        let (events, dropped) = session.subscribe_lossy(VIEW_BUFFER).into_parts();
        if let Some((trigger, path)) = moment {
            session.pause_at(move |at, kind| trigger.fires_on_event(at, kind, path) == Some(true));
        }
        let runner = session.clone();
        let program = program.clone();
        let _ = std::thread::Builder::new().name("threadviz-main".into()).spawn(move || {
            // A panic of the program's main function is shown in the table; an abort unwinds here.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runner.run(|| program())));
        });
        (events, dropped)
    }

    /// The session of the current run.
    #[must_use]
    pub fn session(&self) -> &Session {
        &self.session
    }
}

impl Controller for Live {
    fn events(&self) -> &Receiver<TraceEvent> {
        &self.events
    }

    fn status(&self) -> Status {
        // One look at the gate for both: the threads held there and where each goes on.
        let held = self.session.ready_places();
        Status {
            now_us: u64::try_from(self.session.now().as_micros()).unwrap_or(u64::MAX),
            pause: self.session.pause_state(),
            speed: self.session.speed(),
            // Both kinds of loss: at the source (a thread's full ring) and in the view's buffer.
            dropped: self.dropped.load(Ordering::Relaxed) + self.session.lost_events(),
            ready: held.iter().map(|&(tid, _)| tid).collect(),
            ready_at: ready_places(held),
        }
    }

    fn reads_kernel(&self) -> bool {
        crate::kernel::supported()
    }

    fn kernel(&mut self, os_tids: &[u32]) -> Option<std::collections::BTreeMap<u32, crate::kernel::KernelSample>> {
        self.sampler.sample_if_supported(os_tids)
    }

    fn apply(&mut self, command: Command) -> Option<Msg> {
        match command {
            Command::Pause => self.session.pause(),
            Command::Resume => self.session.resume(),
            Command::Step(thread) => return Some(Msg::Stepped(self.session.step(thread))),
            Command::SetSpeed(speed) => {
                self.session.set_speed(speed);
            }
            Command::Restart => {
                self.session.abort();
                let launch = Launch {
                    speed: self.session.speed(),
                    paused: self.session.pause_state() != PauseState::Running,
                    ..self.launch.clone()
                };
                self.session = Self::new_session(&launch);
                (self.events, self.dropped) = Self::run_in(&self.program, &self.session, self.moment);
                if let Some(path) = self.recorder.as_ref().and_then(Recorder::path) {
                    return Some(Msg::Note(format!("restarted; {} holds the first run only", path.display())));
                }
            }
            Command::StepBack | Command::Seek(_) => {
                return Some(Msg::Note(ONLY_REPLAYS_GO_BACK.to_owned()));
            }
            Command::Solution => return Some(Msg::Note(NO_CHALLENGE.to_owned())),
            Command::Quit => self.session.abort(),
        }
        None
    }
}

/// Runs `program` under the dashboard until the user quits. The terminal is restored however
/// it ends.
pub fn open(
    program: Arc<dyn Fn() + Send + Sync>,
    subject: Subject,
    appearance: Appearance,
    launch: Launch,
) -> io::Result<()> {
    let moment = pause_at(&subject);
    let moment = moment.filter(|_| launch.as_shipped());
    run::open_dashboard(subject, appearance, &launch.clone(), &mut None, || {
        Ok(Live::start_pausing_at(program, launch, moment))
    })
}

/// [`open`], recording the first run to `record`. The outer result is the terminal's; the
/// inner one says what was recorded, or why the recording is incomplete. Either way the
/// recording is complete and flushed when this returns, after a quit (`q`), a signal (SIGINT,
/// SIGTERM, SIGHUP) or a panic of the dashboard.
pub fn open_recording(
    program: Arc<dyn Fn() + Send + Sync>,
    subject: Subject,
    appearance: Appearance,
    launch: Launch,
    record: RecordTo,
) -> io::Result<io::Result<RecordSummary>> {
    let mut live = None;
    let moment = pause_at(&subject);
    let moment = moment.filter(|_| launch.as_shipped());
    let watched = run::open_dashboard(subject, appearance, &launch.clone(), &mut live, || {
        Live::start_recording_pausing_at(program, launch, record, moment)
    });
    // The terminal is back; now wait for the stopped session's last events, flush and join.
    let recorded = live.and_then(|mut live| live.recorder.take()).map(Recorder::finish);
    watched?;
    Ok(recorded.unwrap_or_else(|| Err(io::Error::other("the recording did not start"))))
}
