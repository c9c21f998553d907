//! The Python hook, compiled into the binary (`assets/python/threadviz_hook/`, listed by
//! `build.rs`) and written out to a private folder for each run, so there is nothing to
//! install: the interpreter imports it from there before the program's first line.

use std::io;
use std::path::Path;

/// The package's files: name and text.
pub const HOOK_FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/hook_files.rs"));

/// The package's name, as the bootstrap imports it.
pub const PACKAGE: &str = "threadviz_hook";

/// The code `python -c` runs: end at once with [`UNSUPPORTED`] on an interpreter the hook
/// cannot run on (it parses in Python 2 too), else import the hook from the folder the
/// environment names and let it run the program (see ARCHITECTURE.md, "The wire"). Checking
/// here rather than asking the interpreter first saves a whole interpreter start.
pub const BOOTSTRAP: &str = "import os,sys;sys.version_info[:2]>=(3,9) and sys.implementation.name=='cpython' or os._exit(97);\
                             sys.path.insert(0,os.environ['THREADVIZ_HOOK_DIR']);import threadviz_hook.boot as b;b.main()";

/// The exit status of the bootstrap on an interpreter too old, or not CPython.
pub const UNSUPPORTED: i32 = 97;

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
