//! A candidate of shrinking: a run seen as the default move plus its deviations, each kept by
//! where it was made ([`Anchor`]); the plan that replays it, and the schedule that writes it.

use std::collections::HashMap;

use super::super::choosing::{Chooser, Point};
use super::super::finding::Finding;
use super::super::follow::default_choice;
use super::super::history::Asked;
use super::super::schedule::{Planned, Schedule};
use super::Measure;
use crate::session::Choice;

/// Where in a run a choice is made, whatever the other threads did before it: what moved last,
/// how many steps it had taken, and how many grants were refused at this step before. Taking
/// one deviation out moves the choices after it to other indices, but not to other anchors.
pub(super) type Anchor = (Option<Choice>, usize, usize);

/// The anchor of each entry of `asked`.
pub(super) fn anchors(asked: &[Asked]) -> Vec<Anchor> {
    let mut refused_before = 0;
    let mut anchors = Vec::with_capacity(asked.len());
    for (index, entry) in asked.iter().enumerate() {
        let same_step = index > 0
            && asked[index - 1].refused
            && (asked[index - 1].last, asked[index - 1].taken) == (entry.last, entry.taken);
        refused_before = if same_step { refused_before + 1 } else { 0 };
        anchors.push((entry.last, entry.taken, refused_before));
    }
    anchors
}

/// Whether `entry` is what the default move makes there, so `_` replays it.
pub(super) fn is_default(entry: &Asked) -> bool {
    entry.chosen == default_choice(&entry.options, entry.last)
}

/// Whether `entry` switched away from a thread that could have gone on.
pub(super) fn preempts(entry: &Asked) -> bool {
    !entry.refused && entry.last.is_some_and(|last| last != entry.chosen && entry.options.contains(&last))
}

/// The chooser of a candidate: the plan's choice at each anchor it has one for, if the run
/// offers it there; the default move everywhere else.
pub(super) struct Plan<'a> {
    pub(super) choices: &'a HashMap<Anchor, Choice>,
    /// The step last asked about, and the grants refused at it since.
    pub(super) at: Option<(usize, usize)>,
}

impl<'a> Plan<'a> {
    pub(super) fn new(choices: &'a HashMap<Anchor, Choice>) -> Self {
        Self { choices, at: None }
    }
}

impl Chooser for Plan<'_> {
    fn choose(&mut self, point: &Point<'_>) -> Result<Choice, String> {
        let refused = match self.at {
            Some((choice, refused)) if choice == point.choice => refused,
            _ => 0,
        };
        self.at = Some((point.choice, refused));
        let planned = self.choices.get(&(point.last, point.taken, refused)).copied();
        let offered = planned.filter(|choice| point.options.contains(choice));
        Ok(offered.unwrap_or_else(|| default_choice(point.options, point.last)))
    }

    fn refused(&mut self, point: &Point<'_>, _choice: Choice) -> Result<(), String> {
        if let Some((choice, refused)) = &mut self.at
            && *choice == point.choice
        {
            *refused += 1;
        }
        Ok(())
    }
}

/// A replayed run that failed the same way.
#[derive(Debug, Clone)]
pub(super) struct Candidate {
    pub(super) asked: Vec<Asked>,
    pub(super) finding: Finding,
    pub(super) measure: Measure,
}

impl Candidate {
    pub(super) fn new(asked: Vec<Asked>, finding: Finding, steps: usize) -> Self {
        let measure = Measure {
            preemptions: asked.iter().filter(|entry| preempts(entry)).count(),
            entries: compact(&asked).entries(),
            choices: asked.len(),
            failure_step: finding.step,
            steps,
        };
        Self { asked, finding, measure }
    }

    /// The entries that are not the default move, by index.
    pub(super) fn deviations(&self) -> Vec<usize> {
        (0..self.asked.len()).filter(|&index| !is_default(&self.asked[index])).collect()
    }

    /// The deviations in blocks: ranges of positions (in [`Candidate::deviations`]) of
    /// deviations at consecutive entries that chose the same.
    pub(super) fn blocks(&self) -> Vec<std::ops::Range<usize>> {
        let deviations = self.deviations();
        let mut blocks: Vec<std::ops::Range<usize>> = Vec::new();
        for (position, &index) in deviations.iter().enumerate() {
            match blocks.last_mut() {
                Some(block)
                    if deviations[block.end - 1] + 1 == index
                        && self.asked[index].chosen == self.asked[index - 1].chosen =>
                {
                    block.end = position + 1;
                }
                _ => blocks.push(position..position + 1),
            }
        }
        blocks
    }

    /// A plan that keeps only the deviations `keep` says to (by position in
    /// [`Candidate::deviations`]), the rest left to the default move.
    pub(super) fn plan_keeping(&self, keep: impl Fn(usize) -> bool) -> HashMap<Anchor, Choice> {
        let anchors = anchors(&self.asked);
        self.deviations()
            .into_iter()
            .enumerate()
            .filter(|&(position, _)| keep(position))
            .map(|(_, index)| (anchors[index], self.asked[index].chosen))
            .collect()
    }

    /// Every choice written out, as the explorer writes schedules.
    pub(super) fn explicit(&self) -> Schedule {
        Schedule::of(self.asked.iter().map(|entry| Planned::Exactly(entry.chosen)).collect())
    }
}

/// For each way of writing a choice (as itself, as `_`): the fewest (entries, `_`s) up to it,
/// and the way the choice before it is written.
pub(super) type Best = [Option<((usize, usize), usize)>; 2];

/// The schedule of `asked` in the fewest entries: each choice the default move made may be
/// written `_` or as itself, whichever joins its neighbours' entry; on a tie, as itself.
pub(super) fn compact(asked: &[Asked]) -> Schedule {
    // best[i][w]: the fewest (entries, `_`s) for choices 0..=i with choice i written as
    // way w (0: itself, 1: `_`), and the way of choice i - 1 it came from.
    let ways = |entry: &Asked| [Some(Planned::Exactly(entry.chosen)), is_default(entry).then_some(Planned::Default)];
    let mut best: Vec<Best> = Vec::with_capacity(asked.len());
    for (index, entry) in asked.iter().enumerate() {
        let mut row = [None, None];
        for (way, planned) in ways(entry).iter().enumerate() {
            let Some(planned) = planned else { continue };
            let defaults = usize::from(*planned == Planned::Default);
            row[way] = if index == 0 {
                Some(((1, defaults), 0))
            } else {
                let before = ways(&asked[index - 1]);
                (0..2)
                    .filter_map(|from| {
                        let ((entries, used), _) = best[index - 1][from]?;
                        let joined = before[from] == Some(*planned);
                        Some(((entries + usize::from(!joined), used + defaults), from))
                    })
                    .min()
            };
        }
        best.push(row);
    }
    let mut written = vec![Planned::Default; asked.len()];
    let mut way = (0..2).filter_map(|way| best.last()?[way].map(|(cost, _)| (cost, way))).min().map(|(_, way)| way);
    for index in (0..asked.len()).rev() {
        let Some(current) = way else { break };
        written[index] = ways(&asked[index])[current].unwrap_or(Planned::Default);
        way = best[index][current].map(|(_, from)| from);
    }
    Schedule::of(written)
}

/// A replayed run: what was chosen at each entry, and its failure and steps if it failed the
/// same way.
pub(super) struct Replayed {
    pub(super) asked: Vec<Asked>,
    pub(super) failing: Option<(Finding, usize)>,
}

impl Replayed {
    pub(super) fn candidate(self) -> Option<Candidate> {
        let (finding, steps) = self.failing?;
        Some(Candidate::new(self.asked, finding, steps))
    }
}

/// Each entry of `asked` with its anchor.
pub(super) fn anchors_of(asked: &[Asked]) -> impl Iterator<Item = (Anchor, &Asked)> {
    anchors(asked).into_iter().zip(asked)
}
