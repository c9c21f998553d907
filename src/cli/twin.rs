//! A demo's Python twin on disk, for `demo NAME --python` and `explore NAME --python`: written
//! to a folder of its own (where it starts, so the source panel names it `race.py`), with the
//! demo's parameters as its options (`--param threads=2` is `--threads 2`).

use crate::catalog::Demo;
use crate::child::{Program, Target};

/// The twin, written: the folder lives as long as this, so keep it while the program runs.
pub(crate) struct Written {
    pub(crate) folder: tempfile::TempDir,
    pub(crate) program: Program,
}

/// Writes `demo`'s twin; the one-line error when it has none or cannot be written.
pub(crate) fn write(demo: &Demo, params: &[(String, i64)], without: &str) -> Result<Written, String> {
    let (file, text) = demo
        .python()
        .ok_or_else(|| format!("error: {} has no Python version; {without} without --python", demo.name))?;
    let failed = |error: std::io::Error| format!("error: cannot write the Python demo: {error}");
    let folder = tempfile::Builder::new().prefix("threadviz-demo-").tempdir().map_err(failed)?;
    let path = folder.path().join(file);
    std::fs::write(&path, text).map_err(failed)?;
    let args = params.iter().flat_map(|(name, value)| [format!("--{name}").into(), value.to_string().into()]).collect();
    Ok(Written { folder, program: Program { target: Target::Script(path), args } })
}
