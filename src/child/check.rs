//! Why a run could not start ([`RunError`]), and the checks made before anything runs or
//! when the interpreter refuses the hook: that the script is a file, that the interpreter is
//! a CPython new enough. Each failure says in one line what was wrong and what to do.

use std::ffi::OsString;
use std::io;
use std::path::Path;
use std::process::{Command, Stdio};

use super::{Program, Target};

/// The oldest Python `threadviz run` supports.
pub const OLDEST_PYTHON: (u32, u32) = (3, 9);

/// Why a run could not start: one line, and the exit status it calls for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunError {
    /// What was wrong and what to do.
    pub message: String,
    /// 2 for bad input (a missing program, an unusable interpreter), 1 otherwise.
    pub code: u8,
}

impl RunError {
    pub(super) fn input(message: String) -> Self {
        Self { message, code: 2 }
    }

    pub(super) fn failure(message: String) -> Self {
        Self { message, code: 1 }
    }
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Checks that the script is a file threadviz can hand the interpreter, before anything runs.
pub fn check_program(program: &Program) -> Result<(), RunError> {
    let Target::Script(path) = &program.target else { return Ok(()) };
    let shown = path.display();
    let metadata = std::fs::metadata(path)
        .map_err(|error| RunError::input(format!("cannot open {shown}: {}; check the path", io_words(&error))))?;
    if metadata.is_dir() {
        return Err(RunError::input(format!(
            "{shown} is a directory: name a .py file, or run a package with `threadviz run -m NAME`"
        )));
    }
    if !metadata.is_file() {
        return Err(RunError::input(format!(
            "{shown} is not a regular file (a FIFO or a device?): name the program's .py file"
        )));
    }
    Ok(())
}

/// An I/O error in words, without Rust's `(os error 2)`.
fn io_words(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "no such file".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => error.to_string(),
    }
}

/// Why the interpreter `python` would not start.
pub(super) fn cannot_start(python: &OsString, error: &io::Error) -> RunError {
    let shown = Path::new(python).display();
    if error.kind() == io::ErrorKind::NotFound {
        RunError::input(format!(
            "no Python interpreter `{shown}` found: install python3, or name one with --python PATH"
        ))
    } else {
        RunError::input(format!("cannot start `{shown}`: {}; name another with --python PATH", io_words(error)))
    }
}

/// Asks `python` what it is; the version (`CPython 3.11.7`) when it can run the hook.
pub fn check_python(python: &OsString) -> Result<String, RunError> {
    let shown = Path::new(python).display().to_string();
    // Valid in Python 2 too, so that an old interpreter is named rather than failing to parse.
    let probe = "import sys;print(getattr(sys,'implementation',None) and sys.implementation.name or 'python');\
                 print('.'.join(map(str,sys.version_info[:3])))";
    let output = Command::new(python)
        .args(["-E", "-c", probe])
        .stdin(Stdio::null())
        .output()
        .map_err(|error| cannot_start(python, &error))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let mut lines = text.lines();
    let (implementation, version) = (lines.next().unwrap_or(""), lines.next().unwrap_or(""));
    let numbers: Vec<u32> = version.split('.').filter_map(|part| part.parse().ok()).collect();
    let (major, minor) = (numbers.first().copied().unwrap_or(0), numbers.get(1).copied().unwrap_or(0));
    if !output.status.success() || numbers.len() < 2 {
        return Err(RunError::input(format!(
            "`{shown}` does not run as Python 3: name a CPython 3.9 or newer with --python PATH"
        )));
    }
    if (major, minor) < OLDEST_PYTHON {
        return Err(RunError::input(format!(
            "`{shown}` is Python {version}; threadviz run needs CPython {}.{} or newer: name one with --python PATH",
            OLDEST_PYTHON.0, OLDEST_PYTHON.1
        )));
    }
    if implementation != "cpython" {
        return Err(RunError::input(format!(
            "`{shown}` is {implementation} {version}; threadviz run needs CPython: name one with --python PATH"
        )));
    }
    Ok(format!("CPython {version}"))
}
