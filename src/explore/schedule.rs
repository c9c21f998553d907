//! Schedules: the choices of one run, as a short string a user can copy and replay.
//!
//! Only real choices are written: a step where a single thread could move is not. A grant the
//! thread refused (it looked at its wait and found it not over) is written, since what the run
//! does next depends on it, and so is the move that follows when it leaves a single option.
//! Each choice is a thread number, `t` for letting time pass, or `_` for the default move (see
//! [`Planned::Default`]); a run of the same choice is `NxK`; choices are joined by dots:
//! `1.2x3.t._x4` is thread 1, thread 2 three times, time passes, then the default move four
//! times. A run without a single choice is `none`.
//!
//! `_` is what lets a shrunk schedule be short: a run of twenty sleeps has twenty choices of
//! whom to wake, but if each is the obvious one they are the single entry `_x20`. A last entry
//! `_*` is the default move at every choice from there to the run's end, however many: `_*`
//! alone is the run that never preempts, the same for a demo and for its Python twin.

use std::fmt;

use crate::event::Tid;
use crate::session::Choice;

/// The most steps one run may take by default: a program that never ends (a polling loop
/// whose condition never comes true under some schedule) is cut there. A schedule longer than
/// that is refused as it is read.
pub(crate) const MAX_STEPS: usize = 100_000;

/// One choice of a schedule: a given one, or the default move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Planned {
    /// This thread moves, or time passes.
    Exactly(Choice),
    /// The default move, `_`: the thread that moved last goes on if it can, else the
    /// lowest-numbered thread that can; time passes only when no thread can. It never preempts,
    /// and it is the same move every time the same run reaches that point, so it replays
    /// exactly.
    Default,
}

/// The choices of one run, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub(crate) struct Schedule {
    choices: Vec<Planned>,
    /// Written `_*` at the end: the default move at every choice after these.
    then_default: bool,
}

/// What is wrong with a schedule string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleSyntaxError {
    token: String,
}

impl fmt::Display for ScheduleSyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a schedule step: write thread numbers and `t` (time passes) joined by dots, \
             `_` for the default move, `2x3` for thread 2 three times, as `threadviz explore` prints them",
            self.token
        )
    }
}

impl std::error::Error for ScheduleSyntaxError {}

impl Schedule {
    /// A schedule of these choices.
    pub(crate) fn of(choices: Vec<Planned>) -> Self {
        Self { choices, then_default: false }
    }

    pub(crate) fn push(&mut self, choice: Choice) {
        self.choices.push(Planned::Exactly(choice));
    }

    pub(crate) fn len(&self) -> usize {
        self.choices.len()
    }

    pub(crate) fn get(&self, index: usize) -> Option<Planned> {
        self.choices.get(index).copied().or(self.then_default.then_some(Planned::Default))
    }

    /// Whether it ends with `_*`: it fits a run of any length from there.
    pub(crate) fn then_default(&self) -> bool {
        self.then_default
    }

    /// Its choices, in order.
    #[cfg(test)]
    pub(crate) fn choices(&self) -> &[Planned] {
        &self.choices
    }

    /// How many entries it is written as: the dot-separated parts of `1.2x3.t._x4` (4).
    pub(crate) fn entries(&self) -> usize {
        entries(&self.choices)
    }

    /// Reads a schedule as [`fmt::Display`] writes it.
    pub(crate) fn parse(text: &str) -> Result<Self, ScheduleSyntaxError> {
        let text = text.trim();
        let mut schedule = Self::default();
        if text == "none" {
            return Ok(schedule);
        }
        let tokens: Vec<&str> = text.split('.').collect();
        for (index, &token) in tokens.iter().enumerate() {
            let bad = || ScheduleSyntaxError { token: token.to_owned() };
            if token == "_*" {
                if index + 1 < tokens.len() {
                    return Err(bad());
                }
                schedule.then_default = true;
                break;
            }
            let (what, times) = match token.split_once('x') {
                Some((what, times)) => (what, times.parse::<usize>().ok().filter(|&times| times > 0).ok_or_else(bad)?),
                None => (token, 1),
            };
            // No run takes more steps than this; a longer schedule is a typo, not a run.
            if schedule.choices.len().saturating_add(times) > MAX_STEPS {
                return Err(bad());
            }
            let choice = match what {
                "t" => Planned::Exactly(Choice::Time),
                "_" => Planned::Default,
                number => {
                    Planned::Exactly(Choice::Thread(number.parse::<Tid>().ok().filter(|&tid| tid > 0).ok_or_else(bad)?))
                }
            };
            schedule.choices.extend(std::iter::repeat_n(choice, times));
        }
        Ok(schedule)
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.choices.is_empty() {
            return f.write_str(if self.then_default { "_*" } else { "none" });
        }
        let mut index = 0;
        while let Some(&choice) = self.choices.get(index) {
            let times = self.choices[index..].iter().take_while(|&&next| next == choice).count();
            if index > 0 {
                f.write_str(".")?;
            }
            match choice {
                Planned::Exactly(Choice::Thread(tid)) => write!(f, "{tid}")?,
                Planned::Exactly(Choice::Time) => f.write_str("t")?,
                Planned::Default => f.write_str("_")?,
            }
            if times > 1 {
                write!(f, "x{times}")?;
            }
            index += times;
        }
        if self.then_default {
            f.write_str("._*")?;
        }
        Ok(())
    }
}

/// How many entries `choices` are written as: one per run of the same choice.
pub(crate) fn entries<T: PartialEq>(choices: &[T]) -> usize {
    choices.chunk_by(|a, b| a == b).count()
}

#[cfg(test)]
mod tests {
    //! The schedule string both ways.

    use super::*;

    #[test]
    fn runs_of_one_choice_are_counted() {
        let mut schedule = Schedule::default();
        for choice in [Choice::Thread(1), Choice::Thread(2), Choice::Thread(2), Choice::Thread(2), Choice::Time] {
            schedule.push(choice);
        }
        schedule.choices.extend([Planned::Default, Planned::Default, Planned::Exactly(Choice::Thread(1))]);
        assert_eq!(schedule.to_string(), "1.2x3.t._x2.1");
        assert_eq!(schedule.entries(), 5);
        assert_eq!(schedule.len(), 8);
        assert_eq!(Schedule::parse("1.2x3.t._x2.1"), Ok(schedule));
    }

    #[test]
    fn a_last_default_star_goes_on_to_the_end() {
        for text in ["_*", "1.2x3._*"] {
            let schedule = Schedule::parse(text).expect(text);
            assert!(schedule.then_default());
            assert_eq!(schedule.to_string(), text);
            assert_eq!(schedule.get(schedule.len() + 1000), Some(Planned::Default), "{text}");
        }
        assert_eq!(Schedule::parse("1.2").expect("reads").get(2), None, "a plain schedule ends");
        assert!(Schedule::parse("_*.1").is_err(), "`_*` comes last");
    }

    #[test]
    fn no_choice_at_all_is_none() {
        assert_eq!(Schedule::default().to_string(), "none");
        assert_eq!(Schedule::parse("none"), Ok(Schedule::default()));
    }

    #[test]
    fn bad_steps_are_named() {
        for bad in [
            "",
            "1..2",
            "a",
            "2x0",
            "0",
            "2x",
            "1.-3",
            "1x18446744073709551615",
            "1x100000000000",
            "__",
            "_2",
            "*",
            "1*",
        ] {
            let error = Schedule::parse(bad).expect_err(bad);
            assert!(error.to_string().contains("is not a schedule step"), "{bad}: {error}");
        }
    }
}
