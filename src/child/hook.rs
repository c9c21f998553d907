//! The Python hook, compiled into the binary (`assets/python/threadviz_hook/`, listed by
//! `build.rs`) and written out to a private folder for each run, so there is nothing to
//! install: the interpreter imports it from there before the program's first line.

use std::io;
use std::path::Path;

/// The package's files: name and text.
pub const HOOK_FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/hook_files.rs"));

/// The package's name, as the bootstrap imports it.
pub const PACKAGE: &str = "threadviz_hook";

/// The code `python -c` runs: import the hook from the folder the environment names, and let
/// it run the program (see ARCHITECTURE.md, "The wire").
pub const BOOTSTRAP: &str =
    "import os,sys;sys.path.insert(0,os.environ['THREADVIZ_HOOK_DIR']);import threadviz_hook.boot as b;b.main()";

/// Writes the package into `folder` (which then holds `threadviz_hook/`).
pub fn write_to(folder: &Path) -> io::Result<()> {
    let package = folder.join(PACKAGE);
    std::fs::create_dir_all(&package)?;
    for (name, text) in HOOK_FILES {
        std::fs::write(package.join(name), text)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    //! The hook's files as the binary carries them.

    use super::*;

    #[test]
    fn the_package_and_its_entry_point_are_compiled_in() {
        let names: Vec<&str> = HOOK_FILES.iter().map(|(name, _)| *name).collect();
        assert!(names.contains(&"__init__.py"), "{names:?}");
        assert!(names.contains(&"boot.py"), "{names:?}");
        let boot = HOOK_FILES.iter().find(|(name, _)| *name == "boot.py").map_or("", |(_, text)| *text);
        assert!(boot.contains("def main("), "the bootstrap calls boot.main()");
    }
}
