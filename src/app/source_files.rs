//! The watched program's own source files, read for the source panel where its events name
//! them: relative to the current directory, or to the crate's manifest directory
//! (`CARGO_MANIFEST_DIR`, which `cargo run` and `cargo test` set), as the compiler names them.

use std::path::{Path, PathBuf};

/// The largest file the panel reads: a source file, not whatever a path points at.
const LARGEST: u64 = 4 << 20;

/// The directories a relative path is looked up in, first match wins: the current directory,
/// then the crate's manifest directory when it is set.
#[must_use]
pub fn bases() -> Vec<PathBuf> {
    let mut bases = vec![PathBuf::new()];
    if let Some(manifest) = std::env::var_os("CARGO_MANIFEST_DIR") {
        bases.push(PathBuf::from(manifest));
    }
    bases
}

/// The text of the source file `path` names, looked up under each of `bases` when it is
/// relative; None when it is not a program's source (`.rs` or `.py`), not found, too large
/// or not text.
#[must_use]
pub fn read(path: &str, bases: &[PathBuf]) -> Option<String> {
    let path = Path::new(path);
    if path.extension().is_none_or(|extension| extension != "rs" && extension != "py") {
        return None;
    }
    let candidates: Vec<PathBuf> =
        if path.is_absolute() { vec![path.to_owned()] } else { bases.iter().map(|base| base.join(path)).collect() };
    candidates.iter().find_map(|candidate| {
        let metadata = std::fs::metadata(candidate).ok()?;
        if !metadata.is_file() || metadata.len() > LARGEST {
            return None;
        }
        std::fs::read_to_string(candidate).ok()
    })
}

#[cfg(test)]
mod tests {
    //! Finding a source file by the path an event names it by.

    use super::*;

    #[test]
    fn a_source_file_is_found_under_the_first_base_that_has_it() {
        let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let nowhere = manifest.join("no such directory");
        let text = read("src/app/source_files.rs", &[nowhere.clone(), manifest.clone()]).expect("found");
        assert!(text.starts_with("//! The watched program's own source files"));
        assert_eq!(read("src/app/source_files.rs", &[nowhere]), None);
        // Only programs' source files: a path is not a way to show any file.
        assert_eq!(read("Cargo.toml", std::slice::from_ref(&manifest)), None);
        assert_eq!(read("src", &[manifest]), None, "a directory is not a source file");
    }
}
