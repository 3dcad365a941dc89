//! An output folder that already holds an earlier run's outputs. `oxyfield run` removes
//! them before it writes — a steady run once its result is accepted (a run that fails
//! leaves the earlier outputs as they were), a protocol run before its first step —
//! except with `--resume`, which continues that run, so a folder never mixes two runs: no stale 32×64×64 `viable.npy` beside a new 64³
//! `o2.npy` for `render` to draw.
//!
//! Only what oxyfield writes goes: the files the earlier `summary.json` lists, the
//! fixed names below, every `NAME.npy` whose `NAME.json` is an oxyfield sidecar (with
//! `NAME.tif` and the slices `NAME_{xy,xz,yz}.png`), the same in `snapshots/`, and the
//! PNG and SVG figures in `figures/`. Any other file stays, and so does
//! `checkpoint.bin`: a run from t = 0 replaces it at its first checkpoint, and until
//! then an interrupted run can still be continued with `--resume`.

use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// Files every kind of run may write, by fixed name.
const FIXED: [&str; 6] = [
    "summary.json",
    "timeline.csv",
    "timeline.json",
    "fields.vti",
    "network.vtp",
    "network_blood.csv",
];

/// The slices written beside a field.
const PLANES: [&str; 3] = ["xy", "xz", "yz"];

/// Removes the earlier run's outputs from `dir` (nothing when `dir` does not exist);
/// returns the removed paths relative to `dir`, sorted.
pub(crate) fn remove(dir: &Path) -> Result<Vec<String>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut doomed: Vec<PathBuf> = FIXED.iter().map(|f| dir.join(f)).collect();
    doomed.extend(listed_in_summary(dir));
    doomed.extend(fields_in(dir)?);
    let snapshots = dir.join("snapshots");
    if snapshots.is_dir() {
        doomed.extend(fields_in(&snapshots)?);
    }
    let figures = dir.join("figures");
    if figures.is_dir() {
        for path in entries(&figures)? {
            if path.extension().is_some_and(|e| e == "png" || e == "svg") {
                doomed.push(path);
            }
        }
    }
    let mut removed = Vec::new();
    for path in doomed {
        if path.is_file() {
            std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            let rel = path.strip_prefix(dir).unwrap_or(&path);
            removed.push(rel.display().to_string());
        }
    }
    for sub in [snapshots, figures] {
        // Only when empty: a folder with files of the user's own stays.
        let _ = std::fs::remove_dir(sub);
    }
    removed.sort();
    removed.dedup();
    Ok(removed)
}

/// The `files` an earlier `summary.json` in `dir` lists (relative names inside `dir`).
fn listed_in_summary(dir: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string(dir.join("summary.json")) else {
        return Vec::new();
    };
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Vec::new();
    };
    doc["files"]
        .as_array()
        .map(|files| {
            files
                .iter()
                .filter_map(|f| f.as_str())
                .map(Path::new)
                .filter(|p| {
                    p.components()
                        .all(|c| matches!(c, std::path::Component::Normal(_)))
                })
                .map(|p| dir.join(p))
                .collect()
        })
        .unwrap_or_default()
}

/// In `dir`: each `NAME.npy` with an oxyfield sidecar, the sidecar, `NAME.tif`, and
/// the slices `NAME_{xy,xz,yz}.png` (centre slices; in `snapshots/`, `o2_tXh_xy.png`).
fn fields_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in entries(dir)? {
        if path.extension().is_none_or(|e| e != "npy") || !is_sidecar(&path) {
            continue;
        }
        let Some(stem) = path.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
            continue;
        };
        out.push(path.with_extension("json"));
        out.push(path.with_extension("tif"));
        for p in PLANES {
            out.push(dir.join(format!("{stem}_{p}.png")));
        }
        out.push(path);
    }
    Ok(out)
}

/// True when `NAME.json` beside `npy` is the sidecar oxyfield writes.
fn is_sidecar(npy: &Path) -> bool {
    std::fs::read_to_string(npy.with_extension("json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .is_some_and(|m| m["axis_order"] == "zyx" && m.get("voxel_centres").is_some())
}

/// The entries of `dir`.
fn entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        out.push(e.map_err(|e| Error::io(dir, e))?.path());
    }
    Ok(out)
}

/// `remove`, saying in the log which files went.
pub fn remove_and_say(out: &Path) -> Result<()> {
    let old = remove(out)?;
    if !old.is_empty() {
        const SHOWN: usize = 6;
        let more = old.len().saturating_sub(SHOWN);
        log::info!(
            "removed {} file(s) an earlier run wrote in {} (its outputs only; --resume keeps \
             them): {}{}",
            old.len(),
            out.display(),
            old[..old.len().min(SHOWN)].join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
    }
    Ok(())
}
