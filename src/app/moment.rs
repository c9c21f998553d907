//! The lesson's moment: a live run pauses where the lesson says and asks its question, once
//! per run, its answer hidden until revealed.

use super::{Answers, App, Overlay};
use crate::event::TraceEvent;

impl App {
    /// Asks the lesson's question if `event`, just folded, is its moment: once per live run
    /// (a replay shows what was, it does not stop to ask).
    pub(super) fn ask_at(&mut self, event: &TraceEvent) -> bool {
        let Some(moment) = self.moment else { return false };
        let path = self.showing.source.map(|(path, _)| path);
        if self.moment_asked_at.is_some() || self.replay || !moment.trigger.fires(&self.model, event, path) {
            return false;
        }
        self.ask(event.seq);
        true
    }

    /// Shows the moment's question, reached at event `seq`, its answer hidden.
    pub(super) fn ask(&mut self, seq: u64) {
        if self.replay || self.moment_asked_at.is_some() {
            return;
        }
        self.moment_asked_at = Some(seq);
        self.answers = Answers::Hidden;
        if !self.shows(Overlay::Moment) {
            self.overlays.push(Overlay::Moment);
        }
    }
}
