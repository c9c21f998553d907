//! The words after a Python program's name are the program's own: `threadviz explore bank.py
//! --runs 5` hands `--runs 5` to `bank.py`, as `python3 bank.py --runs 5` and `threadviz run`
//! do, instead of reading it as explore's `--runs`.

use std::ffi::{OsStr, OsString};
use std::path::Path;

use clap::Command;

/// Whether `name` names a Python program rather than a demo: it ends in `.py` or holds a `/`.
pub fn names_a_program(name: &OsStr) -> bool {
    Path::new(name).extension().is_some_and(|extension| extension == "py") || name.as_encoded_bytes().contains(&b'/')
}

/// `words` (the whole command line, the binary's name first) with a `--` put after the program
/// of an `explore` command, so that clap gives every word after it to the program. Any other
/// command line comes back as it was.
pub fn program_words_apart(command: &Command, words: Vec<OsString>) -> Vec<OsString> {
    let Some(at) = program_of_explore(command, &words) else { return words };
    if words.get(at + 1).is_some_and(|next| next == "--") {
        return words;
    }
    let mut apart = words;
    apart.insert(at + 1, OsString::from("--"));
    apart
}

/// Where the program's name stands in an `explore` command line, if it names a program.
fn program_of_explore(command: &Command, words: &[OsString]) -> Option<usize> {
    let at_command = words.iter().skip(1).position(|word| !word.as_encoded_bytes().starts_with(b"-"))? + 1;
    if words[at_command] != "explore" {
        return None;
    }
    let explore = command.find_subcommand("explore")?;
    let mut at = at_command + 1;
    while let Some(word) = words.get(at) {
        let text = word.to_string_lossy();
        if text == "--" {
            return None;
        }
        if !text.starts_with('-') || text == "-" {
            return names_a_program(word).then_some(at);
        }
        at += 1 + usize::from(takes_the_next_word(explore, &text, words.get(at + 1)));
    }
    None
}

/// Whether the option `word` (`--runs`, `-x`, `--seed=3`) reads the word after it as its value,
/// as clap reads it: an option with a value that is not given after `=` takes the next word,
/// and one whose value may be left out (`--python`) takes it only when it is no option.
fn takes_the_next_word(explore: &Command, word: &str, next: Option<&OsString>) -> bool {
    if word.contains('=') {
        return false;
    }
    let option = if let Some(long) = word.strip_prefix("--") {
        explore.get_arguments().find(|argument| argument.get_long() == Some(long))
    } else {
        let short = word.chars().nth(1);
        // `-abc`: a group of flags, or a short option with its value joined on; neither reads on.
        if word.chars().count() > 2 {
            return false;
        }
        explore.get_arguments().find(|argument| argument.get_short() == short)
    };
    let Some(option) = option else { return false };
    if !option.get_action().takes_values() {
        return false;
    }
    let optional = option.get_num_args().is_some_and(|count| count.min_values() == 0);
    !optional || next.is_some_and(|next| !next.as_encoded_bytes().starts_with(b"-"))
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::*;
    use crate::cli::Cli;

    fn apart(line: &str) -> String {
        let words = line.split(' ').map(OsString::from).collect();
        let apart = program_words_apart(&Cli::command(), words);
        apart.iter().map(|word| word.to_string_lossy().into_owned()).collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn the_words_after_an_explored_program_are_the_programs() {
        assert_eq!(apart("threadviz explore bank.py --runs 5"), "threadviz explore bank.py -- --runs 5");
        assert_eq!(
            apart("threadviz explore --runs 3 --step bytecode ./bank --clerks 2"),
            "threadviz explore --runs 3 --step bytecode ./bank -- --clerks 2"
        );
        assert_eq!(apart("threadviz explore --seed=4 bank.py"), "threadviz explore --seed=4 bank.py --");
        // `--python` may be given without its interpreter: the next word is its value only
        // when it is no option.
        assert_eq!(
            apart("threadviz explore --python python3.12 bank.py -x"),
            "threadviz explore --python python3.12 bank.py -- -x"
        );
        assert_eq!(apart("threadviz explore --no-shrink bank.py"), "threadviz explore --no-shrink bank.py --");
    }

    #[test]
    fn other_command_lines_are_left_as_they_are() {
        for line in [
            "threadviz explore race --runs 5",
            "threadviz explore --param threads=3 race",
            "threadviz explore bank.py -- --runs 5",
            "threadviz explore -- bank.py",
            "threadviz run bank.py --runs 5",
            "threadviz demo race --speed 2",
            "threadviz explore",
            "threadviz",
        ] {
            assert_eq!(apart(line), line);
        }
    }

    #[test]
    fn explored_program_words_reach_the_program_and_explores_own_stay_its() {
        let words = apart("threadviz explore --runs 7 bank.py --runs 5 --clerks 2");
        let cli = Cli::try_parse_from(words.split(' ')).expect("a good command line");
        let crate::cli::Command::Explore(args) = cli.command else { panic!("an explore command") };
        assert_eq!(args.runs, Some(7));
        assert_eq!(args.name, "bank.py");
        assert_eq!(args.program_args, ["--runs", "5", "--clerks", "2"]);
    }
}
