//! Compiles the Python hook of `threadviz run` into the binary: every `.py` file of
//! `assets/python/threadviz_hook/` becomes an entry of `HOOK_FILES` (`src/child/hook.rs`), so a
//! file added to the hook can never be left out of it.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let folder = Path::new("assets/python/threadviz_hook");
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
    let mut table = String::from("&[\n");
    for name in &names {
        println!("cargo::rerun-if-changed={}/{name}", folder.display());
        let _ = writeln!(
            table,
            "    ({name:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/assets/python/threadviz_hook/{name}\"))),"
        );
    }
    table.push(']');
    let out = std::env::var_os("OUT_DIR").map(std::path::PathBuf::from).unwrap_or_default();
    if let Err(error) = std::fs::write(out.join("hook_files.rs"), table) {
        println!("cargo::warning=cannot write the hook's file table: {error}");
    }
}
