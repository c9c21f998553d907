//! Values spelled as Python prints them: `True` and `False`, `['0', '1']`, `(0,)`,
//! `{'a': 'A'}`, so that a demo's log reads like its tutorial's output.
//!
//! Python's `print(x)` and `logging.debug('%s', x)` show a container through the `repr` of its
//! items (strings in quotes), and a bool as `True`/`False`; Rust's `{:?}` spells the same values
//! `["0", "1"]` and `false`. [`repr`] wraps a value so that `{}` prints Python's spelling:
//!
//! ```
//! use std::collections::BTreeMap;
//! use threadviz::py::repr;
//!
//! assert_eq!(format!("event set: {}", repr(&false)), "event set: False");
//! assert_eq!(format!("Running: {}", repr(&["0", "1"])), "Running: ['0', '1']");
//! assert_eq!(repr(&(0,)).to_string(), "(0,)");
//! assert_eq!(repr(&BTreeMap::from([("a", "A"), ("b", "B")])).to_string(), "{'a': 'A', 'b': 'B'}");
//! ```

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

/// A value with a Python `repr`.
pub trait Repr {
    /// Writes the value as Python's `repr()` spells it.
    fn fmt_repr(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

/// `value`, displayed as Python's `repr(value)` (which is also what `str()` and `%s` print for
/// bools, numbers and containers).
pub fn repr<T: Repr + ?Sized>(value: &T) -> PyRepr<'_, T> {
    PyRepr(value)
}

/// A value displayed with Python's spelling; see [`repr`].
pub struct PyRepr<'a, T: ?Sized>(&'a T);

impl<T: Repr + ?Sized> fmt::Display for PyRepr<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_repr(f)
    }
}

impl<T: Repr + ?Sized> Repr for &T {
    fn fmt_repr(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt_repr(f)
    }
}

impl Repr for bool {
    fn fmt_repr(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if *self { "True" } else { "False" })
    }
}

macro_rules! integer_repr {
    ($($integer:ty)*) => {
        $(
            impl Repr for $integer {
                fn fmt_repr(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    write!(f, "{self}")
                }
            }
        )*
    };
}

integer_repr!(i8 i16 i32 i64 i128 isize u8 u16 u32 u64 u128 usize);

/// Python quotes a string in single quotes, or in double quotes when it holds a single quote
/// and no double quote, and escapes what is not printable.
impl Repr for str {
    fn fmt_repr(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quote = if self.contains('\'') && !self.contains('"') { '"' } else { '\'' };
        f.write_char(quote)?;
        for c in self.chars() {
            match c {
                '\\' => f.write_str("\\\\")?,
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                c if c == quote => write!(f, "\\{c}")?,
                c if u32::from(c) < 0x20 || u32::from(c) == 0x7f => write!(f, "\\x{:02x}", u32::from(c))?,
                c => f.write_char(c)?,
            }
        }
        f.write_char(quote)
    }
}

impl Repr for String {
    fn fmt_repr(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_str().fmt_repr(f)
    }
}

/// `None`, or the value itself: Python has no `Some`.
impl<T: Repr> Repr for Option<T> {
    fn fmt_repr(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Some(value) => value.fmt_repr(f),
            None => f.write_str("None"),
        }
    }
}

/// Writes `items` between `open` and `close`, separated by `, ` as Python does.
fn fmt_items<'a, T: Repr + 'a>(
    f: &mut fmt::Formatter<'_>,
    open: &str,
    items: impl IntoIterator<Item = &'a T>,
    close: &str,
) -> fmt::Result {
    f.write_str(open)?;
    for (index, item) in items.into_iter().enumerate() {
        if index > 0 {
            f.write_str(", ")?;
        }
        item.fmt_repr(f)?;
    }
    f.write_str(close)
}

/// A list: `['0', '1']`.
impl<T: Repr> Repr for [T] {
    fn fmt_repr(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_items(f, "[", self, "]")
    }
}

/// A list: `['0', '1']`.
impl<T: Repr, const N: usize> Repr for [T; N] {
    fn fmt_repr(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_slice().fmt_repr(f)
    }
}

/// A list: `['0', '1']`.
impl<T: Repr> Repr for Vec<T> {
    fn fmt_repr(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_slice().fmt_repr(f)
    }
}

/// A one-item tuple keeps its comma: `(0,)`.
impl<A: Repr> Repr for (A,) {
    fn fmt_repr(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('(')?;
        self.0.fmt_repr(f)?;
        f.write_str(",)")
    }
}

impl<A: Repr, B: Repr> Repr for (A, B) {
    fn fmt_repr(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('(')?;
        self.0.fmt_repr(f)?;
        f.write_str(", ")?;
        self.1.fmt_repr(f)?;
        f.write_char(')')
    }
}

/// A dict, in key order: `{'a': 'A', 'b': 'B'}`.
impl<K: Repr, V: Repr> Repr for BTreeMap<K, V> {
    fn fmt_repr(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('{')?;
        for (index, (key, value)) in self.iter().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            key.fmt_repr(f)?;
            f.write_str(": ")?;
            value.fmt_repr(f)?;
        }
        f.write_char('}')
    }
}

/// `value`'s `Debug` text respelled as Python prints it ([`from_debug`]): how the dashboard
/// shows the values of `Shared`, `Local` and `Queue`, next to log lines written with [`repr`].
pub fn debug_text(value: &(impl fmt::Debug + ?Sized)) -> String {
    from_debug(&format!("{value:?}"))
}

/// Respells Rust `Debug` text in Python's spelling: string and char literals in Python's quotes
/// (`["0", "1"]` becomes `['0', '1']`), `true`/`false` as `True`/`False`, and `Some(x)` as `x`
/// (`None` is `None` in both). Everything else, numbers, tuples, brackets, struct names, is
/// kept as it is.
///
/// ```
/// assert_eq!(threadviz::py::from_debug(r#"[Some("it's"), None]"#), r#"["it's", None]"#);
/// assert_eq!(threadviz::py::from_debug("(true, 'x', 1.5)"), "(True, 'x', 1.5)");
/// ```
pub fn from_debug(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len());
    // For each open parenthesis: whether it opened `Some(`, whose closing one is dropped too.
    let mut parens: Vec<bool> = Vec::new();
    let mut chars = debug.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' => {
                let literal = unescape_literal(&mut chars, c);
                let _ = write!(out, "{}", repr(literal.as_str()));
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut word = String::from(c);
                while let Some(&next) = chars.peek().filter(|next| next.is_alphanumeric() || **next == '_') {
                    word.push(next);
                    chars.next();
                }
                match word.as_str() {
                    "true" => out.push_str("True"),
                    "false" => out.push_str("False"),
                    "Some" if chars.peek() == Some(&'(') => {
                        chars.next();
                        parens.push(true);
                    }
                    _ => out.push_str(&word),
                }
            }
            // Digits run on into letters (`1e-7`, `5u8` never appear in Debug, but `0x1f` could):
            // copy the whole number so its letters are not read as words.
            c if c.is_ascii_digit() => {
                out.push(c);
                while let Some(&next) = chars.peek().filter(|next| next.is_alphanumeric() || **next == '.') {
                    out.push(next);
                    chars.next();
                }
            }
            '(' => {
                parens.push(false);
                out.push(c);
            }
            ')' => {
                if !parens.pop().unwrap_or(false) {
                    out.push(c);
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Reads a Rust `Debug` string or char literal up to its closing `quote` (the opening one
/// already read) and returns its content with the escapes undone.
fn unescape_literal(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, quote: char) -> String {
    let mut content = String::new();
    while let Some(c) = chars.next() {
        match c {
            c if c == quote => break,
            '\\' => match chars.next() {
                Some('n') => content.push('\n'),
                Some('r') => content.push('\r'),
                Some('t') => content.push('\t'),
                Some('0') => content.push('\0'),
                Some('u') => {
                    // `\u{1f600}`
                    let mut hex = String::new();
                    for next in chars.by_ref() {
                        match next {
                            '{' => {}
                            '}' => break,
                            digit => hex.push(digit),
                        }
                    }
                    content.extend(u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32));
                }
                Some(other) => content.push(other),
                None => {}
            },
            c => content.push(c),
        }
    }
    content
}

#[cfg(test)]
mod tests {
    //! Values respelled as Python prints them.

    use super::*;

    #[test]
    fn bools_are_capitalised() {
        assert_eq!(repr(&true).to_string(), "True");
        assert_eq!(repr(&false).to_string(), "False");
    }

    #[test]
    fn strings_are_quoted_as_python_quotes_them() {
        assert_eq!(repr("first part").to_string(), "'first part'");
        assert_eq!(repr("it's").to_string(), "\"it's\"");
        assert_eq!(repr("say \"hi\" it's").to_string(), "'say \"hi\" it\\'s'");
        assert_eq!(repr("a\\b\n\t\u{1}").to_string(), "'a\\\\b\\n\\t\\x01'");
        assert_eq!(repr("héllo").to_string(), "'héllo'");
    }

    #[test]
    fn lists_tuples_and_dicts() {
        let empty: Vec<String> = Vec::new();
        assert_eq!(repr(&empty).to_string(), "[]");
        assert_eq!(repr(&vec!["2".to_owned(), "3".to_owned()]).to_string(), "['2', '3']");
        assert_eq!(repr(&[1, 2, 3]).to_string(), "[1, 2, 3]");
        assert_eq!(repr(&(4_u32,)).to_string(), "(4,)");
        assert_eq!(repr(&("first part", "second part")).to_string(), "('first part', 'second part')");
        assert_eq!(repr(&BTreeMap::from([("b", 2), ("a", 1)])).to_string(), "{'a': 1, 'b': 2}");
        assert_eq!(repr(&BTreeMap::<u8, u8>::new()).to_string(), "{}");
        assert_eq!(repr(&[Some(1), None]).to_string(), "[1, None]");
    }

    #[test]
    fn debug_text_is_respelled_as_python_prints_it() {
        assert_eq!(debug_text(&vec!["0".to_owned(), "1".to_owned()]), "['0', '1']");
        assert_eq!(debug_text(&Vec::<String>::new()), "[]");
        assert_eq!(debug_text(&true), "True");
        assert_eq!(debug_text(&Some("x")), "'x'");
        assert_eq!(debug_text(&Some(Some(3))), "3");
        assert_eq!(debug_text(&None::<u8>), "None");
        assert_eq!(debug_text(&(Some(1), "a(b)")), "(1, 'a(b)')");
        assert_eq!(debug_text(&'q'), "'q'");
        assert_eq!(debug_text(&'\''), "\"'\"");
        assert_eq!(debug_text("say \"hi\"\n"), "'say \"hi\"\\n'");
        assert_eq!(debug_text("it's"), "\"it's\"");
        assert_eq!(debug_text("\u{7f}"), "'\\x7f'");
        assert_eq!(debug_text(&[1.0, 2.5, 1e-7]), "[1.0, 2.5, 1e-7]");
        assert_eq!(debug_text(&BTreeMap::from([("a", false)])), "{'a': False}");
        // What Python has no spelling for is left as Rust writes it.
        assert_eq!(from_debug("Point { x: 1, truth: true }"), "Point { x: 1, truth: True }");
        assert_eq!(from_debug("Something(1)"), "Something(1)");
    }
}
