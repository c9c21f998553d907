//! The house rules a newcomer relies on, checked on the source itself: the top-level modules
//! import one another in one direction (no circle between folders), and no source file is
//! longer than one read (500 lines, its tests left out).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The most lines a source file may have before its tests.
const MOST_LINES: usize = 500;

/// Every `.rs` file under `src/` but the test files (`tests.rs`, and those in a `tests/` folder).
fn sources() -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> =
            std::fs::read_dir(dir).expect("src/ is readable").flatten().map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                if path.file_name().is_some_and(|name| name != "tests") {
                    walk(&path, found);
                }
            } else if path.extension().is_some_and(|ext| ext == "rs")
                && path.file_name().is_some_and(|name| name != "tests.rs")
            {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut found);
    found
}

/// The file's code before its test module (`#[cfg(test)]` then `mod`), without comments.
fn code_of(text: &str) -> Vec<&str> {
    let lines: Vec<&str> = text.lines().collect();
    let end = (0..lines.len())
        .find(|&index| {
            lines[index] == "#[cfg(test)]" && lines.get(index + 1).is_some_and(|next| next.starts_with("mod "))
        })
        .unwrap_or(lines.len());
    lines[..end].to_vec()
}

/// The top-level module a file under `src/` belongs to: `app` for `src/app/steer/mod.rs`,
/// `event` for `src/event.rs`.
fn top_module(path: &Path) -> String {
    let relative = path.strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")).join("src")).expect("under src/");
    let first = relative.components().next().expect("a file").as_os_str().to_string_lossy().into_owned();
    first.trim_end_matches(".rs").to_owned()
}

/// The top-level modules a line of code names by `crate::…` (comments left out).
fn named_modules(line: &str) -> Vec<String> {
    let code = line.split("//").next().unwrap_or("");
    code.match_indices("crate::")
        .filter(|(at, _)| !code[..*at].ends_with(|c: char| c.is_alphanumeric() || c == '_'))
        .map(|(at, _)| code[at + "crate::".len()..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect())
        .filter(|name: &String| !name.is_empty())
        .collect()
}

/// Which top-level modules each one imports from, outside tests. `lib.rs` and `main.rs` are the
/// roots that gather them, and `dashboard.rs` the facade that re-exports them: none is imported.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let files = sources();
    let modules: BTreeSet<String> = files.iter().map(|path| top_module(path)).collect();
    let mut imports: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in &files {
        let from = top_module(path);
        if ["lib", "main"].contains(&from.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(path).expect("a source file");
        for line in code_of(&text) {
            for to in named_modules(line) {
                if to != from && modules.contains(&to) {
                    imports.entry(from.clone()).or_default().insert(to);
                }
            }
        }
    }
    imports
}

/// A circle of imports through `start`, if there is one: the modules along it.
fn circle_through(start: &str, imports: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    let mut stack = vec![vec![start.to_owned()]];
    let mut seen = BTreeSet::new();
    while let Some(path) = stack.pop() {
        let last = path.last().expect("a path is never empty");
        for next in imports.get(last).into_iter().flatten() {
            if next == start {
                let mut circle = path.clone();
                circle.push(start.to_owned());
                return Some(circle);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push(longer);
            }
        }
    }
    None
}

#[test]
fn the_top_level_modules_import_one_another_in_one_direction() {
    let imports = imports();
    assert!(imports.get("view").is_some_and(|to| to.contains("app")), "the check sees imports: {imports:?}");
    let circles: Vec<String> = imports
        .keys()
        .filter_map(|module| circle_through(module, &imports))
        .map(|circle| circle.join(" -> "))
        .collect();
    assert!(
        circles.is_empty(),
        "import circles between folders (break them as ARCHITECTURE.md says):\n{}",
        circles.join("\n")
    );
}

#[test]
fn a_circle_is_seen_when_there_is_one() {
    let mut imports: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    imports.entry("app".into()).or_default().insert("model".into());
    imports.entry("model".into()).or_default().insert("event".into());
    assert_eq!(circle_through("app", &imports), None);
    imports.entry("event".into()).or_default().insert("app".into());
    assert_eq!(
        circle_through("app", &imports).map(|circle| circle.join(" -> ")),
        Some("app -> model -> event -> app".into())
    );
    assert_eq!(named_modules("use crate::model::Model; // crate::view is not named"), ["model"]);
    assert_eq!(named_modules("let x = crate::session::now(); mycrate::app()"), ["session"]);
}

#[test]
fn every_source_file_fits_in_one_read() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let long: Vec<String> = sources()
        .iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(path).expect("a source file");
            let lines = code_of(&text).len();
            (lines > MOST_LINES)
                .then(|| format!("{} has {lines} lines", path.strip_prefix(root).unwrap_or(path).display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "files over {MOST_LINES} lines before their tests (split them along their ideas):\n{}",
        long.join("\n")
    );
}
