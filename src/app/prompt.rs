//! The go-to prompt of replays (`:`): type an event number, a demo time (`2.5s`) or a share of
//! the recording (`50%`); Enter goes there, Esc cancels. Pure, like the rest of `update`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::Seek;
use super::keys::Action;
use super::{App, Command};

/// The longest text the prompt takes: enough for any sequence number.
const MAX_LEN: usize = 24;

impl App {
    /// Opens the prompt, empty.
    pub(super) fn open_prompt(&mut self) {
        self.ui.prompt = Some(String::new());
        self.show_prompt();
    }

    fn show_prompt(&mut self) {
        self.message = self.ui.prompt.as_ref().map(|text| format!("go to (event number, 2.5s or 50%): {text}▏"));
    }

    /// A key while the prompt is open: it edits the text, Enter seeks, Esc cancels.
    pub(super) fn prompt_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let Some(text) = self.ui.prompt.as_mut() else { return Vec::new() };
        if key.modifiers.contains(KeyModifiers::CONTROL) {
            // Ctrl-C still quits from anywhere.
            if key.code == KeyCode::Char('c') {
                self.ui.prompt = None;
                return self.act(Action::Quit);
            }
            return Vec::new();
        }
        match key.code {
            KeyCode::Esc => {
                self.ui.prompt = None;
                self.message = None;
            }
            KeyCode::Enter => {
                let target = parse_target(text);
                self.ui.prompt = None;
                self.message = None;
                match target {
                    Ok(Some(seek)) => return vec![Command::Seek(seek)],
                    Ok(None) => {}
                    Err(problem) => self.message = Some(problem),
                }
            }
            KeyCode::Backspace => {
                text.pop();
                self.show_prompt();
            }
            KeyCode::Char(typed) if text.len() < MAX_LEN && (typed.is_ascii_alphanumeric() || ".%".contains(typed)) => {
                text.push(typed);
                self.show_prompt();
            }
            _ => {}
        }
        Vec::new()
    }
}

/// What a go-to text asks for: `1234` is the state right after event 1234, `2.5s` the state
/// at 2.5 s of demo time, `50%` the state halfway through the events. Empty means nothing.
pub fn parse_target(text: &str) -> Result<Option<Seek>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let target = if let Some(percent) = text.strip_suffix('%') {
        percent
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|share| (0.0..=100.0).contains(share))
            .map(|share| Seek::Share(share / 100.0))
    } else if let Some(seconds) = text.strip_suffix('s') {
        micros(seconds.trim()).map(Seek::Time)
    } else {
        text.parse().ok().map(Seek::Seq)
    };
    target.map(Some).ok_or_else(|| format!("`{text}` is not an event number, a time (2.5s) or a share (0% to 100%)"))
}

/// Decimal seconds as exact microseconds: `2.5` is 2,500,000 (digits past the sixth decimal
/// are ignored).
fn micros(seconds: &str) -> Option<u64> {
    let (whole, fraction) = seconds.split_once('.').unwrap_or((seconds, ""));
    let digits = |text: &str| text.bytes().all(|byte| byte.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) {
        return None;
    }
    let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let fraction = format!("{:0<6}", &fraction[..fraction.len().min(6)]);
    whole.checked_mul(1_000_000)?.checked_add(fraction.parse().ok()?)
}

#[cfg(test)]
mod tests {
    //! What the go-to prompt reads: event numbers, times and shares of the recording.

    use super::*;

    #[test]
    fn targets_are_event_numbers_times_or_shares() {
        assert_eq!(parse_target("1234"), Ok(Some(Seek::Seq(1234))));
        assert_eq!(parse_target(" 2.5s "), Ok(Some(Seek::Time(2_500_000))));
        assert_eq!(parse_target(".25s"), Ok(Some(Seek::Time(250_000))));
        assert_eq!(parse_target("3s"), Ok(Some(Seek::Time(3_000_000))));
        assert_eq!(parse_target("50%"), Ok(Some(Seek::Share(0.5))));
        assert_eq!(parse_target(""), Ok(None));
        for bad in ["abc", "1.5", "150%", "s", "-3", "1.2.3s", "99999999999999999999s"] {
            assert!(parse_target(bad).is_err(), "{bad}");
        }
    }
}
