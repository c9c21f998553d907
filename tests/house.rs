//! The house rules a newcomer relies on, checked on the source itself: the top-level modules
//! import one another in one direction (no circle between folders), so do the modules inside
//! `src/app` (the loop, its controllers, the app's parts), and no source file is longer than
//! one read (500 lines): a Rust file under `src/` before its tests, a Python file of the hook
//! under `assets/python/` (a Python file has no test module: all its lines count), and no
//! function of the dashboard's `app/` and `view/` is longer than 80 lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The most lines a file may have: a Rust file before its tests, a hook file in all.
const MOST_LINES: usize = 500;

/// The files under `folder` (of the package) that `keep` takes, in the folders `descend` takes,
/// in a stable order.
fn files_under(folder: &str, descend: &dyn Fn(&Path) -> bool, keep: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    fn walk(dir: &Path, descend: &dyn Fn(&Path) -> bool, keep: &dyn Fn(&Path) -> bool, found: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> =
            std::fs::read_dir(dir).expect("the folder is readable").flatten().map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                if descend(&path) {
                    walk(&path, descend, keep, found);
                }
            } else if keep(&path) {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join(folder), descend, keep, &mut found);
    found
}

/// Every `.rs` file under `src/` but the test files (`tests.rs`, and those in a `tests/` folder).
fn sources() -> Vec<PathBuf> {
    files_under("src", &|dir| dir.file_name().is_some_and(|name| name != "tests"), &|file| {
        file.extension().is_some_and(|ext| ext == "rs") && file.file_name().is_some_and(|name| name != "tests.rs")
    })
}

/// Every `.py` file under `assets/python/`, in every folder: the hook threadviz runs inside a
/// watched Python program.
fn hook_sources() -> Vec<PathBuf> {
    files_under("assets/python", &|_| true, &|file| file.extension().is_some_and(|ext| ext == "py"))
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

/// Every import circle of `imports`, each as `a -> b -> a`.
fn circles_in(imports: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    imports.keys().filter_map(|module| circle_through(module, imports)).map(|circle| circle.join(" -> ")).collect()
}

#[test]
fn the_top_level_modules_import_one_another_in_one_direction() {
    let imports = imports();
    assert!(imports.get("view").is_some_and(|to| to.contains("app")), "the check sees imports: {imports:?}");
    let circles = circles_in(&imports);
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

/// The folder whose modules are checked for circles among themselves, as the top-level ones are.
const ONE_DIRECTION_INSIDE: &str = "src/app";

/// The module of `folder` a file under it belongs to: `run` for `run.rs`, `steer` for
/// `steer/target.rs`, and `mod` for the folder's own `mod.rs`, which gathers the others.
fn child_module(folder: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(folder).expect("under the folder");
    if relative == Path::new("mod.rs") {
        return "mod".to_owned();
    }
    let first = relative.components().next().expect("a file").as_os_str().to_string_lossy().into_owned();
    first.trim_end_matches(".rs").to_owned()
}

/// The paths that lead from a file of `folder` to the folder's module: `crate::app::`, and
/// `super::` as many times as the file is deep (`self::` in `mod.rs`).
fn paths_to_folder(folder: &Path, path: &Path, crate_path: &str) -> Vec<String> {
    let relative = path.strip_prefix(folder).expect("under the folder");
    let depth = relative.components().count() - usize::from(relative.ends_with("mod.rs"));
    let local = if depth == 0 { "self::".to_owned() } else { "super::".repeat(depth) };
    vec![format!("{crate_path}::"), local]
}

/// The items a line names through `prefix` (comments left out): `["run"]` for
/// `use super::run::Controller;`, `["App", "Msg"]` for `use super::{App, Msg};`.
fn named_after(line: &str, prefix: &str) -> Vec<String> {
    let code = line.split("//").next().unwrap_or("");
    let word = |text: &str| text.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    code.match_indices(prefix)
        .filter(|(at, _)| !code[..*at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':'))
        .flat_map(|(at, _)| {
            let rest = &code[at + prefix.len()..];
            match rest.strip_prefix('{') {
                Some(group) => group
                    .split('}')
                    .next()
                    .unwrap_or("")
                    .split(',')
                    .map(|item| word(item.trim()))
                    .filter(|item| !item.is_empty() && item != "self")
                    .collect(),
                None => vec![word(rest)],
            }
        })
        // `super::super::` leads further up than `super::`: not an item of this folder.
        .filter(|name| !name.is_empty() && name != "super")
        .collect()
}

/// Which modules of `folder` each one imports from, outside tests: an item named through the
/// folder is its module's if it is one (`super::run`), else the module `mod.rs` re-exports it
/// from (`pub use self::msg::{Command, Msg}`), else `mod.rs`'s own (`App`).
fn imports_inside(folder: &str) -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let folder = root.join(folder);
    let crate_path = format!("crate::{}", folder.file_name().expect("a folder").to_string_lossy());
    let files: Vec<PathBuf> = sources().into_iter().filter(|path| path.starts_with(&folder)).collect();
    let modules: BTreeSet<String> = files.iter().map(|path| child_module(&folder, path)).collect();
    let gathering = std::fs::read_to_string(folder.join("mod.rs")).expect("the folder's mod.rs");
    let mut reexported: BTreeMap<String, String> = BTreeMap::new();
    for line in code_of(&gathering).into_iter().filter(|line| line.trim_start().starts_with("pub")) {
        let Some(after) = line.split("use self::").nth(1) else { continue };
        let module: String = after.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        for item in named_after(line, &format!("self::{module}::")) {
            reexported.insert(item, module.clone());
        }
    }
    let mut imports: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in &files {
        let from = child_module(&folder, path);
        let text = std::fs::read_to_string(path).expect("a source file");
        for line in code_of(&text) {
            for prefix in paths_to_folder(&folder, path, &crate_path) {
                for name in named_after(line, &prefix) {
                    let to = if modules.contains(&name) {
                        name
                    } else {
                        reexported.get(&name).cloned().unwrap_or_else(|| "mod".to_owned())
                    };
                    if to != from {
                        imports.entry(from.clone()).or_default().insert(to);
                    }
                }
            }
        }
    }
    imports
}

#[test]
fn the_modules_of_the_app_import_one_another_in_one_direction() {
    let imports = imports_inside(ONE_DIRECTION_INSIDE);
    assert!(
        imports.get("live").is_some_and(|to| to.contains("run"))
            && imports.get("update").is_some_and(|to| to.contains("mod")),
        "the check sees imports: {imports:?}"
    );
    let circles = circles_in(&imports);
    assert!(
        circles.is_empty(),
        "import circles between the files of {ONE_DIRECTION_INSIDE} (the loop owns the Controller \
         trait the controllers plug into; shared types go to the module both use):\n{}",
        circles.join("\n")
    );
}

/// The one circle inside a folder that is one idea (ARCHITECTURE.md, "session"): a thread's
/// context, the registry that keeps its record and the wait cells it parks in.
const ONE_IDEA: &[&str] = &["src/session: context -> registry -> wait"];

#[test]
fn the_modules_of_every_folder_import_one_another_in_one_direction() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut folders: Vec<String> = std::fs::read_dir(&root)
        .expect("src")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.join("mod.rs").is_file())
        .map(|path| format!("src/{}", path.file_name().expect("a folder").to_string_lossy()))
        .collect();
    folders.sort();
    assert!(folders.len() >= 10 && folders.contains(&"src/explore".to_owned()), "the folders: {folders:?}");
    let explorer = imports_inside("src/explore");
    assert!(
        explorer.get("strategy").is_some_and(|to| to.contains("dpor") && to.contains("choosing")),
        "the check sees imports: {explorer:?}"
    );
    let mut circles = Vec::new();
    for folder in &folders {
        let mut imports = imports_inside(folder);
        // A folder's `mod.rs` declares its files and gathers what they offer, and its files
        // use the folder's own types (`Session`, `Lock`) that it defines: that is the folder's
        // shape, not a circle. src/app is held to more (its own test): nothing imports mod.rs
        // there that mod.rs does not lead to.
        imports.remove("mod");
        for circle in circles_in(&imports) {
            let known = ONE_IDEA.iter().any(|idea| {
                let (place, modules) = idea.split_once(": ").expect("folder: circle");
                let members: BTreeSet<&str> = modules.split(" -> ").collect();
                place == folder && circle.split(" -> ").all(|module| members.contains(module))
            });
            if !known {
                circles.push(format!("{folder}: {circle}"));
            }
        }
    }
    assert!(
        circles.is_empty(),
        "import circles between the files of a folder (shared types go to the module both use: in \
         src/explore the driver and the strategies meet in choosing.rs, a run once made is \
         history.rs, a finding is finding.rs):\n{}",
        circles.join("\n")
    );
}

#[test]
fn an_import_inside_a_folder_names_the_module_it_comes_from() {
    assert_eq!(named_after("use super::run::{Controller, run};", "super::"), ["run"]);
    assert_eq!(named_after("use super::{App, Command, Msg}; // super::view", "super::"), ["App", "Command", "Msg"]);
    assert_eq!(named_after("let x = crate::app::live::LINGER;", "crate::app::"), ["live"]);
    assert_eq!(named_after("use super::super::msg::Guide;", "super::"), Vec::<String>::new());
    assert_eq!(named_after("use super::super::msg::Guide;", "super::super::"), ["msg"]);
    let folder = Path::new("/x/src/app");
    assert_eq!(child_module(folder, &folder.join("steer/target.rs")), "steer");
    assert_eq!(child_module(folder, &folder.join("mod.rs")), "mod");
    assert_eq!(paths_to_folder(folder, &folder.join("run.rs"), "crate::app"), ["crate::app::", "super::"]);
    assert_eq!(paths_to_folder(folder, &folder.join("steer/mod.rs"), "crate::app"), ["crate::app::", "super::"]);
    assert_eq!(
        paths_to_folder(folder, &folder.join("steer/guide.rs"), "crate::app"),
        ["crate::app::", "super::super::"]
    );
    assert_eq!(paths_to_folder(folder, &folder.join("mod.rs"), "crate::app"), ["crate::app::", "self::"]);
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

#[test]
fn every_hook_file_fits_in_one_read() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = hook_sources();
    assert!(
        files.iter().any(|path| path.ends_with("threadviz_hook/boot.py")),
        "the check sees the hook's files: {files:?}"
    );
    let long: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let lines = std::fs::read_to_string(path).expect("a hook file").lines().count();
            (lines > MOST_LINES)
                .then(|| format!("{} has {lines} lines", path.strip_prefix(root).unwrap_or(path).display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "Python hook files over {MOST_LINES} lines, every line counted (split them along their ideas, \
         as ARCHITECTURE.md lists the hook's modules; build.rs ships every .py file of the folder):\n{}",
        long.join("\n")
    );
}

/// The most lines a function of the dashboard's `app/` and `view/` may have, its signature and
/// closing brace included.
const MOST_FUNCTION_LINES: usize = 80;

/// The functions of `code` longer than `most` lines, each as `name (lines)`: a function begins
/// at a line whose first word after its visibility is `fn` and ends at the first line after it
/// that closes a brace at the same indentation.
fn long_functions(code: &[&str], most: usize) -> Vec<String> {
    let mut long = Vec::new();
    for (start, line) in code.iter().enumerate() {
        let indent = line.len() - line.trim_start().len();
        let words: Vec<&str> = line.split_whitespace().skip_while(|word| word.starts_with("pub")).collect();
        let named = match words.as_slice() {
            ["fn", name, ..] | ["const", "fn", name, ..] => *name,
            _ => continue,
        };
        if line.trim_end().ends_with(';') {
            continue; // a declaration in a trait, no body
        }
        let end = code[start..]
            .iter()
            .position(|later| later.len() - later.trim_start().len() == indent && later.trim_start().starts_with('}'));
        if let Some(length) = end.map(|end| end + 1).filter(|&length| length > most) {
            let name = named.split(['(', '<']).next().unwrap_or(named);
            long.push(format!("{name} ({length} lines)"));
        }
    }
    long
}

#[test]
fn a_long_function_is_seen() {
    let body: Vec<String> = (0..5).map(|line| format!("        let x{line} = {line};")).collect();
    let text = format!("impl App {{\n    pub(crate) fn update(&mut self) {{\n{}\n    }}\n}}", body.join("\n"));
    let code: Vec<&str> = text.lines().collect();
    assert_eq!(long_functions(&code, 6), ["update (7 lines)"]);
    assert!(long_functions(&code, 7).is_empty());
}

#[test]
fn no_function_of_the_app_or_the_view_runs_over_eighty_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut long = Vec::new();
    let mut functions_seen = 0;
    for path in sources() {
        let relative = path.strip_prefix(root).unwrap_or(&path);
        if !(relative.starts_with("src/app") || relative.starts_with("src/view")) {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("a source file");
        let code = code_of(&text);
        functions_seen += long_functions(&code, 0).len();
        long.extend(
            long_functions(&code, MOST_FUNCTION_LINES).into_iter().map(|f| format!("{}: {f}", relative.display())),
        );
    }
    assert!(functions_seen > 100, "the check sees the app's and the view's functions: {functions_seen}");
    assert!(
        long.is_empty(),
        "functions over {MOST_FUNCTION_LINES} lines in app/ and view/ (split them):\n{}",
        long.join("\n")
    );
}
