//! The lesson's moment: a run pauses where the lesson says and asks its question, once per
//! run, its answer hidden until revealed. A live session pauses there by itself (or on the
//! app's word); a replay's player pauses there by itself and an export stops there for a
//! while (see [`super::replay::stops`]), so the app asks but leaves the stopping to them.

use super::{Answers, App, Overlay};
use crate::event::TraceEvent;

impl App {
    /// Asks the lesson's question if `event`, just folded, is its moment, once per run;
    /// returns whether the session must be paused for it (a live one; a replay's player has
    /// stopped already, where the events the moment lets through end).
    pub(super) fn ask_at(&mut self, event: &TraceEvent) -> bool {
        let Some(moment) = self.moment else { return false };
        let path = self.subject.source.map(|(path, _)| path);
        if self.moment_asked_at.is_some() || !moment.trigger.fires(&self.model, event, path) {
            return false;
        }
        self.ask(event.seq);
        !self.replay
    }

    /// Shows the moment's question, reached at event `seq`, its answer hidden.
    pub(super) fn ask(&mut self, seq: u64) {
        if self.moment_asked_at.is_some() {
            return;
        }
        self.moment_asked_at = Some(seq);
        self.ui.answers = Answers::Hidden;
        if !self.shows(Overlay::Moment) {
            self.ui.overlays.push(Overlay::Moment);
        }
    }
}
