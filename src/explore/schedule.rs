//! Schedules: the choices of one run, as a short string a user can copy and replay.
//!
//! Only real choices are written: a step where a single thread could move is not. Each choice
//! is a thread number, or `t` for letting time pass; a run of the same choice is `NxK`; choices
//! are joined by dots: `1.2x3.t.1` is thread 1, thread 2 three times, time passes, thread 1.
//! A run without a single choice is `none`.

use std::fmt;

use crate::event::Tid;
use crate::session::Choice;

/// The choices of one run, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub(crate) struct Schedule {
    choices: Vec<Choice>,
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
             `2x3` for thread 2 three times, as `threadviz explore` prints them",
            self.token
        )
    }
}

impl std::error::Error for ScheduleSyntaxError {}

impl Schedule {
    pub(crate) fn push(&mut self, choice: Choice) {
        self.choices.push(choice);
    }

    pub(crate) fn len(&self) -> usize {
        self.choices.len()
    }

    pub(crate) fn get(&self, index: usize) -> Option<Choice> {
        self.choices.get(index).copied()
    }

    /// Reads a schedule as [`fmt::Display`] writes it.
    pub(crate) fn parse(text: &str) -> Result<Self, ScheduleSyntaxError> {
        let text = text.trim();
        let mut schedule = Self::default();
        if text == "none" {
            return Ok(schedule);
        }
        for token in text.split('.') {
            let bad = || ScheduleSyntaxError { token: token.to_owned() };
            let (what, times) = match token.split_once('x') {
                Some((what, times)) => (what, times.parse::<usize>().ok().filter(|&times| times > 0).ok_or_else(bad)?),
                None => (token, 1),
            };
            // No run takes more steps than this; a longer schedule is a typo, not a run.
            if schedule.choices.len().saturating_add(times) > super::run::MAX_STEPS {
                return Err(bad());
            }
            let choice = match what {
                "t" => Choice::Time,
                number => Choice::Thread(number.parse::<Tid>().ok().filter(|&tid| tid > 0).ok_or_else(bad)?),
            };
            schedule.choices.extend(std::iter::repeat_n(choice, times));
        }
        Ok(schedule)
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.choices.is_empty() {
            return f.write_str("none");
        }
        let mut index = 0;
        while let Some(&choice) = self.choices.get(index) {
            let times = self.choices[index..].iter().take_while(|&&next| next == choice).count();
            if index > 0 {
                f.write_str(".")?;
            }
            match choice {
                Choice::Thread(tid) => write!(f, "{tid}")?,
                Choice::Time => f.write_str("t")?,
            }
            if times > 1 {
                write!(f, "x{times}")?;
            }
            index += times;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! The schedule string both ways.

    use super::*;

    #[test]
    fn runs_of_one_choice_are_counted() {
        let schedule = Schedule {
            choices: vec![
                Choice::Thread(1),
                Choice::Thread(2),
                Choice::Thread(2),
                Choice::Thread(2),
                Choice::Time,
                Choice::Thread(1),
            ],
        };
        assert_eq!(schedule.to_string(), "1.2x3.t.1");
        assert_eq!(Schedule::parse("1.2x3.t.1"), Ok(schedule));
    }

    #[test]
    fn no_choice_at_all_is_none() {
        assert_eq!(Schedule::default().to_string(), "none");
        assert_eq!(Schedule::parse("none"), Ok(Schedule::default()));
    }

    #[test]
    fn bad_steps_are_named() {
        for bad in ["", "1..2", "a", "2x0", "0", "2x", "1.-3", "1x18446744073709551615", "1x100000000000"] {
            let error = Schedule::parse(bad).expect_err(bad);
            assert!(error.to_string().contains("is not a schedule step"), "{bad}: {error}");
        }
    }
}
