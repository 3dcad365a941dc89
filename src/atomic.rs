//! Atomic file writes: write `NAME.partial`, flush, then rename over `NAME`.

use crate::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    path.with_file_name(name)
}

/// Writes `bytes` to `path` atomically.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    write_with(path, |w| w.write_all(bytes))
}

/// Writes `path` atomically from what `fill` writes into a buffered writer, so that a
/// large file need not be held in memory whole first.
pub fn write_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let tmp = partial_path(path);
    let result = (|| {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
        fill(&mut w)?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

/// Removes the `*.partial` files a killed run left in `dir` and its subfolders (one
/// level: `snapshots/`, `figures/`): a run that starts there again must not leave
/// another run's unfinished files beside its own complete ones. Returns how many.
pub fn remove_partials(dir: &Path) -> usize {
    remove_partials_in(dir, 1)
}

fn remove_partials_in(dir: &Path, depth: u32) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for e in entries.flatten() {
        let path = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() && depth > 0 => removed += remove_partials_in(&path, depth - 1),
            Ok(t)
                if t.is_file()
                    && path.extension().is_some_and(|x| x == "partial")
                    && std::fs::remove_file(&path).is_ok() =>
            {
                removed += 1;
            }
            _ => {}
        }
    }
    removed
}
