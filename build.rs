//! Compiles the Python files threadviz runs into the binary: every `.py` file of
//! `assets/python/threadviz_hook/` becomes an entry of `HOOK_FILES` (`src/child/hook.rs`), and
//! every demo's Python twin in `demos/python/twins/` one of `TWIN_FILES` (`src/catalog.rs`), so
//! a file added to either can never be left out.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    table("assets/python/threadviz_hook", "hook_files.rs");
    table("demos/python/twins", "twin_files.rs");
}

/// Writes `out` in `OUT_DIR`: a slice of (file name, its text) for every `.py` file of `folder`.
fn table(folder: &str, out: &str) {
    let folder = Path::new(folder);
    println!("cargo::rerun-if-changed={}", folder.display());
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|entry| entry.file_name().into_string().ok())
                .filter(|name| Path::new(name).extension().is_some_and(|extension| extension == "py"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut rows = String::from("&[\n");
    for name in &names {
        println!("cargo::rerun-if-changed={}/{name}", folder.display());
        let _ = writeln!(
            rows,
            "    ({name:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/{}/{name}\"))),",
            folder.display()
        );
    }
    rows.push(']');
    let dir = std::env::var_os("OUT_DIR").map(std::path::PathBuf::from).unwrap_or_default();
    if let Err(error) = std::fs::write(dir.join(out), rows) {
        println!("cargo::warning=cannot write {out}: {error}");
    }
}
