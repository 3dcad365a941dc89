//! `oxyfield report DIR`: one self-contained `report.html` for a run folder or a batch
//! folder, for a lab meeting or a supplement. The page has inline CSS and a small
//! script (sortable tables); its figures stay files beside it, linked by relative
//! paths, so it works from a `file://` URL with no network.
//!
//! - a batch (a folder with `batch.csv`): the sweep's figures (the montage, the
//!   metric-against-parameter plots), a gallery of every scenario's map titled by its
//!   parameter values, each scenario's timeline for a protocol sweep, the sortable
//!   scenario table, and provenance;
//! - a run: its key numbers, its figures (the timeline of a protocol run), and its
//!   provenance (the `reproduce` block of `summary.json`).

mod batch;
mod csv;
mod html;
mod run;

use crate::{atomic, Error, Result};
use std::path::{Path, PathBuf};

/// The report's file name inside the folder.
pub const REPORT: &str = "report.html";

/// Writes `dir/report.html` for the run or batch folder `dir` and returns its path.
pub fn write_report(dir: &Path) -> Result<PathBuf> {
    if !dir.is_dir() {
        return Err(Error::input(
            dir,
            "is not a folder; give a run's or a batch's output folder",
        ));
    }
    let page = if dir.join("batch.csv").is_file() {
        batch::page(dir)?
    } else if dir.join("summary.json").is_file() {
        run::page(dir)?
    } else if has_scenarios(dir) {
        return Err(Error::input(
            dir,
            "is a batch folder without batch.csv; run `oxyfield collect DIR` first",
        ));
    } else {
        return Err(Error::input(
            dir,
            "holds neither summary.json (a run) nor batch.csv (a batch); give the folder \
             that `oxyfield run --out` or `oxyfield batch --out` wrote",
        ));
    };
    let path = dir.join(REPORT);
    atomic::write(&path, page.as_bytes())?;
    Ok(path)
}

/// True when a sub-folder of `dir` holds a batch scenario's `manifest.json`.
fn has_scenarios(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.path().join(crate::batch::run::MANIFEST).is_file())
    })
}

/// The JSON in `path`, with the file named in the error.
fn read_json(path: &Path) -> Result<serde_json::Value> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::input(path, format!("is not JSON ({e})")))
}

/// The `reproduce` block of a summary as text: the command, the input files with their
/// sizes and hashes, the scenario.
fn provenance(summary: &serde_json::Value) -> Option<(String, String)> {
    let r = summary.get("reproduce")?;
    let command: Vec<String> = r["command"]
        .as_array()?
        .iter()
        .filter_map(|a| a.as_str())
        .map(|a| {
            if a.contains([' ', '"', '\'']) {
                format!("'{}'", a.replace('\'', "'\\''"))
            } else {
                a.to_string()
            }
        })
        .collect();
    let mut text = format!("$ {}\n", command.join(" "));
    if let Some(files) = r["input_files"].as_array() {
        for f in files {
            text.push_str(&format!(
                "input {} ({} bytes, fnv1a64 {})\n",
                f["path"].as_str().unwrap_or("?"),
                f["bytes"],
                f["fnv1a64"].as_str().unwrap_or("?")
            ));
        }
    }
    let scenario = r["scenario_toml"].as_str().unwrap_or("").to_string();
    Some((text, scenario))
}

/// The relative paths of the PNG files directly in `dir/sub` (sub may be empty),
/// sorted.
fn pngs(dir: &Path, sub: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.ends_with(".png").then(|| {
                if sub.is_empty() {
                    name
                } else {
                    format!("{sub}/{name}")
                }
            })
        })
        .collect();
    out.sort();
    out
}

/// The CSV beside a figure (`X.png` → `X.csv`), when there is one.
fn data_beside(dir: &Path, png: &str) -> Option<String> {
    let csv = format!("{}.csv", png.strip_suffix(".png")?);
    dir.join(&csv).is_file().then_some(csv)
}
