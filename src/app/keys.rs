//! The one key table: it dispatches keys and it writes the help screen.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Pause or resume.
    TogglePause,
    /// Step the next operation (deterministic order).
    Step,
    /// Step only the selected thread.
    StepSelected,
    /// Faster.
    SpeedUp,
    /// Slower.
    SlowDown,
    /// Run the demo again from the start.
    Restart,
    /// Challenges: give up, and see the shortest solution or the proof that there is none.
    Solution,
    /// Replays: back one event.
    StepBack,
    /// Replays: back a tenth of the recording.
    SeekBack,
    /// Replays: forward a tenth of the recording.
    SeekForward,
    /// Replays: to the start.
    SeekStart,
    /// Replays: to the end.
    SeekEnd,
    /// Replays: type an event number, a time or a share of the recording to go to.
    GoTo,
    /// Move focus to the next panel.
    FocusNext,
    /// Move focus to the previous panel.
    FocusPrevious,
    /// Show the focused panel full screen (or back).
    Zoom,
    /// Presenter mode on or off: only what a class needs, in high contrast.
    Present,
    /// Show or hide this help.
    Help,
    /// Show or hide the lesson notes.
    Notes,
    /// Show or hide who waits for whom.
    WaitFor,
    /// Reveal (or hide again) the answers to the lesson's questions.
    Reveal,
    /// Select the previous row / scroll up.
    Up,
    /// Select the next row / scroll down.
    Down,
    /// Scroll a page up.
    PageUp,
    /// Scroll a page down.
    PageDown,
    /// Jump to the top.
    Top,
    /// Jump to the bottom (and follow new lines).
    Bottom,
    /// Select thread row N (1-9).
    Select(u8),
    /// Timeline: look earlier in time (stops following the present).
    Earlier,
    /// Timeline: look later in time.
    Later,
    /// Timeline: more time per column.
    ZoomOut,
    /// Timeline: less time per column.
    ZoomIn,
    /// Close an overlay, or leave zoom.
    Back,
    /// Give the terminal back to the shell and stop (ctrl-z); `fg` brings the dashboard back.
    /// The terminal layer does it before the app sees the key: the app itself does no I/O.
    Suspend,
    /// Quit.
    Quit,
}

/// One row of the key table.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    /// The keys, as shown in the help.
    pub label: &'static str,
    /// What they do, as shown in the help.
    pub help: &'static str,
    /// The action.
    pub action: Action,
}

/// Every key, in the order the help lists them.
pub const KEYS: &[Binding] = &[
    Binding { label: "space", help: "pause / resume (at the end: run it again)", action: Action::TogglePause },
    Binding { label: "n", help: "step: let the next thread do one operation", action: Action::Step },
    Binding {
        label: "enter",
        help: "step only the selected thread (you are the scheduler)",
        action: Action::StepSelected,
    },
    Binding { label: "up/down, k/j", help: "select a thread / scroll", action: Action::Down },
    Binding { label: "1-9", help: "select thread row 1-9", action: Action::Select(1) },
    Binding { label: "+ / -", help: "faster / slower: 0.1x 0.2x 0.5x 1x 2x 5x 10x", action: Action::SpeedUp },
    Binding { label: "r", help: "restart the demo", action: Action::Restart },
    Binding { label: "s", help: "challenge: give up and see the answer", action: Action::Solution },
    Binding {
        label: "b, [ ], { }, :",
        help: "replay: one event back; 10% back/on; start/end; go to #",
        action: Action::StepBack,
    },
    Binding { label: "tab / shift-tab", help: "move focus between panels", action: Action::FocusNext },
    Binding { label: "z", help: "zoom the focused panel to full screen", action: Action::Zoom },
    Binding { label: "p", help: "presenter mode: big, high contrast, for a class", action: Action::Present },
    Binding { label: "l", help: "lesson notes for this demo", action: Action::Notes },
    Binding { label: "a", help: "reveal / hide the answers to the lesson's questions", action: Action::Reveal },
    Binding { label: "w", help: "who waits for whom (and any deadlock)", action: Action::WaitFor },
    Binding { label: "pgup/pgdn, home/end", help: "scroll the focused panel", action: Action::PageDown },
    Binding {
        label: "left/right",
        help: "timeline: earlier / later (end follows the present)",
        action: Action::Earlier,
    },
    Binding { label: "< / >", help: "timeline: zoom out / in", action: Action::ZoomOut },
    Binding { label: "?", help: "this help", action: Action::Help },
    Binding { label: "esc", help: "close help, notes, a question or zoom", action: Action::Back },
    // One row for both ways out, so the whole help still fits 120x40.
    Binding {
        label: "q, ctrl-c / ctrl-z",
        help: "quit / suspend to the shell (`fg` comes back)",
        action: Action::Quit,
    },
];

/// The keys of `action` as the help lists them (`?` if it has no row).
#[must_use]
pub fn label(action: Action) -> &'static str {
    KEYS.iter().find(|binding| binding.action == action).map_or("?", |binding| binding.label)
}

/// The action for a key press, if any. Every key here is listed in [`KEYS`].
#[must_use]
pub fn action_for(key: KeyEvent) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    Some(match key.code {
        KeyCode::Char('c') if ctrl => Action::Quit,
        KeyCode::Char('z') if ctrl => Action::Suspend,
        _ if ctrl => return None,
        KeyCode::Char(' ') => Action::TogglePause,
        KeyCode::Char('n') => Action::Step,
        KeyCode::Enter => Action::StepSelected,
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::Char(digit @ '1'..='9') => Action::Select(digit as u8 - b'0'),
        KeyCode::Char('+' | '=') => Action::SpeedUp,
        KeyCode::Char('-' | '_') => Action::SlowDown,
        KeyCode::Char('r') => Action::Restart,
        KeyCode::Char('s') => Action::Solution,
        KeyCode::Char('b') => Action::StepBack,
        KeyCode::Char('[') => Action::SeekBack,
        KeyCode::Char(']') => Action::SeekForward,
        KeyCode::Char('{') => Action::SeekStart,
        KeyCode::Char('}') => Action::SeekEnd,
        KeyCode::Char(':') => Action::GoTo,
        KeyCode::Tab => Action::FocusNext,
        KeyCode::BackTab => Action::FocusPrevious,
        KeyCode::Char('z') => Action::Zoom,
        KeyCode::Char('p') => Action::Present,
        KeyCode::Char('l') => Action::Notes,
        KeyCode::Char('w') => Action::WaitFor,
        KeyCode::Char('a') => Action::Reveal,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Home | KeyCode::Char('g') => Action::Top,
        KeyCode::End | KeyCode::Char('G') => Action::Bottom,
        KeyCode::Left => Action::Earlier,
        KeyCode::Right => Action::Later,
        KeyCode::Char('<' | ',') => Action::ZoomOut,
        KeyCode::Char('>' | '.') => Action::ZoomIn,
        KeyCode::Char('?') => Action::Help,
        KeyCode::Esc => Action::Back,
        KeyCode::Char('q') => Action::Quit,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    //! The key table: every action has a key, and control keys other than ctrl-c do nothing.

    use super::*;

    fn press(code: KeyCode) -> Option<Action> {
        action_for(KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn every_documented_action_has_a_key() {
        let reachable = [
            KeyCode::Char(' '),
            KeyCode::Char('n'),
            KeyCode::Enter,
            KeyCode::Down,
            KeyCode::Char('1'),
            KeyCode::Char('+'),
            KeyCode::Char('r'),
            KeyCode::Char('s'),
            KeyCode::Char('b'),
            KeyCode::Tab,
            KeyCode::Char('z'),
            KeyCode::Char('p'),
            KeyCode::Char('l'),
            KeyCode::Char('w'),
            KeyCode::Char('a'),
            KeyCode::PageDown,
            KeyCode::Left,
            KeyCode::Char('<'),
            KeyCode::Char('?'),
            KeyCode::Esc,
            KeyCode::Char('q'),
        ];
        assert_eq!(action_for(KeyEvent::new(KeyCode::Char('z'), KeyModifiers::CONTROL)), Some(Action::Suspend));
        assert!(KEYS.iter().any(|binding| binding.label.contains("ctrl-z")), "the help lists ctrl-z");
        for binding in KEYS {
            assert!(
                reachable.iter().any(|&code| press(code) == Some(binding.action)),
                "`{}` is in the help but no key does it",
                binding.label
            );
        }
    }

    #[test]
    fn ctrl_c_quits_and_other_control_keys_do_nothing() {
        assert_eq!(action_for(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)), Some(Action::Quit));
        assert_eq!(action_for(KeyEvent::new(KeyCode::Char('n'), KeyModifiers::CONTROL)), None);
        assert_eq!(press(KeyCode::Char('7')), Some(Action::Select(7)));
    }
}
