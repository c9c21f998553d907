//! The player thread of a replay: it sends each recorded event down the app's channel when
//! the head's clock reaches the event's demo time, and holds or pauses at the replay's stops.
//! The controller wakes it whenever it moves the head. Stops still being found (a long
//! recording opened at once) are waited for before the event they might follow is sent.

use std::time::Duration;

use crossbeam_channel::Sender;

use super::head::Shared;
use super::stops::Stops;
use crate::TraceEvent;

/// Events the player sends at most before it lets the controller in: a recording can hold
/// millions of events due at once (after a pause in fast forward, say).
const PLAY_BATCH: usize = 4_096;
/// How long the player waits for the stops to be found up to the next event before it looks
/// at the head again (a seek or a pause may have moved it meanwhile).
const STOPS_PATIENCE: Duration = Duration::from_millis(20);

/// The player thread: sends each event when the clock reaches its demo time, and holds or
/// pauses at the `stops`.
pub(super) fn play(end_us: u64, shared: &Shared, sender: &Sender<TraceEvent>, stops: &Stops) {
    let mut head = shared.head.lock();
    while !head.quit {
        if !head.playing {
            shared.changed.wait(&mut head);
            continue;
        }
        if let Some(left) = head.holding() {
            shared.changed.wait_for(&mut head, left);
            continue;
        }
        let now = head.clock_us();
        let mut sent = 0;
        let (mut stopped, mut unknown) = (false, false);
        while sent < PLAY_BATCH && head.cursor.peek().is_some_and(|event| event.time_us <= now) {
            // Sending it makes one event more: its stop, if any, must be known first.
            if !stops.known_up_to(head.position() + 1) {
                unknown = true;
                break;
            }
            let Some(event) = head.cursor.peek().cloned() else { break };
            let _ = sender.send(event);
            head.cursor.advance();
            sent += 1;
            if head.reached(stops) {
                stopped = true;
                break;
            }
        }
        if stopped {
            continue;
        }
        if unknown {
            // The stops are still being found this far: wait for them without the head.
            let position = head.position() + 1;
            parking_lot::MutexGuard::unlocked(&mut head, || stops.wait_for(position, STOPS_PATIENCE));
            continue;
        }
        if sent == PLAY_BATCH {
            parking_lot::MutexGuard::bump(&mut head);
            continue;
        }
        if let Some(next) = head.cursor.peek() {
            let left = (next.time_us - now) as f64 / head.speed / 1e6;
            // A wake-up at least hourly keeps the wait finite whatever the recording's times.
            let left = Duration::try_from_secs_f64(left).unwrap_or(Duration::MAX).min(Duration::from_hours(1));
            shared.changed.wait_for(&mut head, left);
        } else {
            // The end: the clock stops at the last event, as a finished program's does.
            head.playing = false;
            head.set_clock(end_us);
        }
    }
}
