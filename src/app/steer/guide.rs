//! What the guide above a steered run's thread table says: what the run follows or aims at,
//! what the schedule is known to lead to (found by running it once before, headless), the
//! alert one step before the moment the lesson is about, and where a challenge stands.

use super::away::Here;
use super::target::PythonStart;
use super::{Plan, Steered};
use crate::app::msg::{Guide, Next};
use crate::app::quest::Quest;
use crate::child::RunError;
use crate::explore::{Follow, Goal, Inspector, Program, RunEnd, Schedule};
use crate::session::Choice;

/// What the schedule is known to lead to, found by running it once before: the step that
/// reaches the goal or makes its first failure, and how.
pub(super) struct Known {
    pub(super) step: usize,
    pub(super) what: String,
    /// For a program that takes lone steps by itself (Python): the steps at which it asked,
    /// and its last, so that the step that makes it is announced before the grant that
    /// leads there.
    asked_at: Option<(Vec<usize>, usize)>,
}

impl Known {
    /// Whether the next step taken at `steps` makes it.
    pub(super) fn next(&self, steps: usize) -> bool {
        match &self.asked_at {
            None => self.step == steps + 1,
            Some((asked_at, total)) => {
                self.step > steps && self.step <= super::target::reach_of_grant(asked_at, steps, *total)
            }
        }
    }
}

impl Steered {
    /// Runs `schedule` once, headless: where it reaches `goal`, or makes its first failure.
    pub(super) fn foresee(program: &Program, schedule: &Schedule, goal: Option<Goal>) -> Option<Known> {
        let run = crate::explore::run_once(program, &mut Follow::new(schedule.clone()), None);
        let (outcome, _) = crate::explore::Outcome::of(run, goal);
        let first = outcome.findings.iter().min_by_key(|finding| finding.step);
        Self::known(outcome.reached, first.map(|finding| (finding.kind, finding.step, finding.text.as_str())), None)
    }

    /// [`Steered::foresee`] for a Python program, in an interpreter of its own.
    pub(super) fn foresee_python(
        start: &PythonStart,
        schedule: &Schedule,
        goal: Option<Goal>,
    ) -> Result<Option<Known>, RunError> {
        let followed = super::target::follow_python(start, crate::explore::MAX_STEPS, Follow::new(schedule.clone()))?;
        let mut inspector = Inspector::new(goal);
        for event in &followed.events {
            inspector.apply(event);
        }
        inspector.close(&followed.end);
        let asked_at = Some((followed.asked_at, followed.steps));
        let first = inspector.findings.iter().min_by_key(|finding| finding.step);
        let first = first.map(|finding| (finding.kind, finding.step, finding.text.as_str()));
        Ok(Self::known(inspector.reached.clone(), first, asked_at))
    }

    /// What a run headless came to: the goal reached, or else its first failure.
    fn known(
        reached: Option<(usize, String)>,
        first: Option<(crate::explore::FailureKind, usize, &str)>,
        asked_at: Option<(Vec<usize>, usize)>,
    ) -> Option<Known> {
        if let Some((step, text)) = reached {
            return Some(Known { step, what: format!("the goal: {text}"), asked_at });
        }
        let (kind, step, text) = first?;
        // A lost update's finding counts what it lost (`lost 1 update on counter: …`): the
        // announcement names the event instead (`the lost update on counter: …`).
        let counted = text.strip_prefix("lost ").and_then(|rest| rest.split_once(" on "));
        let what = if let Some((count, rest)) =
            counted.filter(|(count, _)| count.ends_with("update") || count.ends_with("updates"))
        {
            if count == "1 update" {
                format!("the lost update on {rest}")
            } else {
                format!("the loss of {count} on {rest}")
            }
        } else if text.starts_with(kind.words()) {
            format!("the {text}")
        } else {
            format!("the {}: {text}", kind.words())
        };
        Some(Known { step, what, asked_at })
    }
}

impl Steered {
    /// What the guide above the table says now.
    pub(super) fn guide_now(&self, here: &Here) -> Guide {
        let steps = here.runner.steps();
        let following = matches!(here.plan, Plan::Schedule(_));
        let headline = match (&self.quest, &here.plan, &self.schedule) {
            (Some(quest), _, _) => match &self.grain {
                Some(grain) => format!("challenge: {} ({grain})", quest.challenge.goal_words),
                None => format!("challenge: {}", quest.challenge.goal_words),
            },
            (None, Plan::Schedule(follow), Some(schedule)) => format!(
                "following the schedule: {} taken, {} of its {} choices",
                steps_word(steps),
                schedule.len() - follow.left(),
                schedule.len()
            ),
            _ => format!("{} taken: you choose who moves (Enter), n moves the next in turn", steps_word(steps)),
        };
        let known = self.known.as_ref().filter(|_| following && self.end.is_none());
        let alert = known.filter(|known| known.next(steps)).map(|known| {
            if known.step == steps + 1 {
                known.what.clone()
            } else {
                // A Python run goes on alone after the grant until its next choice: the grant
                // leads to the step that makes it, which the grantee may not take itself.
                let (what, story) = known.what.split_once(": ").unwrap_or((known.what.as_str(), ""));
                let alone = format!("way for {what} (in a step the program then takes by itself)");
                if story.is_empty() { alone } else { format!("{alone}: {story}") }
            }
        });
        let detail = match (&self.quest, known) {
            (Some(quest), _) => Some(self.quest_detail(quest, here)),
            (None, Some(known)) if known.step > steps && !known.next(steps) => {
                Some(format!("{} comes at step {}", known.what.split(':').next().unwrap_or("it"), known.step))
            }
            _ => self.end.as_ref().map(ended_words).or_else(|| self.left_plan.clone()),
        };
        let next = self.end.is_none().then(|| Self::next_thread(here)).flatten().map(|choice| match choice {
            Choice::Thread(tid) => Next::Thread(tid),
            Choice::Time => Next::Time,
        });
        Guide { headline, detail, alert, next }
    }

    /// Where the challenge stands: the learner's steps, the goal reached or not, and what the
    /// search knows.
    fn quest_detail(&self, quest: &Quest, here: &Here) -> String {
        let steps = here.runner.steps();
        let found = quest.search.found();
        let best = quest.search.best();
        let shortest = best.as_ref().and_then(|best| best.shortest.as_ref().map(|(step, _, _)| *step));
        let watching = quest.gave_up && matches!(here.plan, Plan::Schedule(_));
        match (&quest.reached, &found) {
            // What the goal looks like is on screen already (the table, the log, a deadlock's
            // banner): the guide only says that, and when, it was reached.
            (Some((step, _)), _) if watching => format!("the shortest way reached the goal at step {step}"),
            (Some((step, _)), _) => match shortest {
                Some(best) => format!("done! you: {}; shortest: {best} (s shows it)", steps_word(*step)),
                None => format!("done! you: {}", steps_word(*step)),
            },
            (None, Some(found)) if quest.gave_up && found.shortest.is_none() => {
                let verdict = if found.exhaustive { "impossible" } else { "no way found" };
                format!("{verdict}: {}", found.proof())
            }
            (None, _) if watching => {
                let at = shortest.map_or_else(String::new, |best| format!("; the goal comes at step {best}"));
                format!("watching the shortest way: {}{at}", steps_word(steps))
            }
            // `n` alone takes the next thread in turn and lets the seeded sleeps decide who
            // wakes first: the tests check that it never reaches a goal within reach.
            (None, _) if self.end.is_some() && !quest.chose && quest.challenge.reachable => format!(
                "the run ended without reaching the goal after {}: n alone never does, choose who moves (Enter); r tries again",
                steps_word(steps)
            ),
            (None, _) if self.end.is_some() => {
                format!(
                    "the run ended without reaching the goal after {}: r tries again, s gives up",
                    steps_word(steps)
                )
            }
            (None, _) if shortest.is_some() => {
                format!("you: {} · s gives up and shows the shortest way", steps_word(steps))
            }
            (None, None) => format!("you: {} · s gives up (the answer is still being worked out)", steps_word(steps)),
            (None, Some(_)) => format!("you: {steps} steps · s gives up and shows the answer"),
        }
    }
}

/// What the end of a run says.
pub(super) fn ended_words(end: &RunEnd) -> String {
    match end {
        RunEnd::Completed => "the program has ended: r runs it again".to_owned(),
        RunEnd::Deadlock => "no thread can move: deadlock (r runs it again)".to_owned(),
        RunEnd::StepLimit(steps) => format!("stopped after {}", steps_word(*steps)),
        RunEnd::Stuck(_) => "a thread did not come back to threadviz: it waits outside its primitives".to_owned(),
        RunEnd::Misfit(why) => why.clone(),
    }
}

/// `1 step`, `2 steps`.
pub(super) fn steps_word(steps: usize) -> String {
    format!("{steps} step{}", if steps == 1 { "" } else { "s" })
}
