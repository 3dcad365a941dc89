//! A run's output folder as `oxyfield render` reads it back: fields written as
//! `NAME.npy` with a `NAME.json` sidecar (shape, spacing, units), and a protocol run's
//! snapshots `snapshots/NAME_tXh.npy`. Nothing is re-simulated.

use crate::grid::Grid;
use crate::npy;
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// An output folder.
#[derive(Debug, Clone)]
pub struct RunDir {
    /// The folder.
    pub path: PathBuf,
}

/// A field read back, with what its sidecar says.
#[derive(Debug, Clone)]
pub struct Field {
    /// File stem (`o2`, `ros`, `viable`, …).
    pub name: String,
    /// The grid (shape and spacing from the sidecar).
    pub grid: Grid,
    /// Values, C order (z slowest, x fastest).
    pub data: Vec<f32>,
    /// Units as written (`mmHg`, `uM`, `1`, …).
    pub units: String,
    /// What the field is.
    pub description: String,
}

impl RunDir {
    /// Opens `path`, which must be a folder holding at least one field.
    pub fn open(path: &Path) -> Result<RunDir> {
        let dir = RunDir {
            path: path.to_path_buf(),
        };
        if !path.is_dir() {
            return Err(Error::input(
                path,
                "is not a folder; give the output folder of a run (its --out)",
            ));
        }
        if dir.fields()?.is_empty() {
            return Err(Error::input(
                path,
                "holds no fields (NAME.npy with NAME.json beside it); give the output folder \
                 of a run with `[output] npy = true`",
            ));
        }
        Ok(dir)
    }

    /// Names of the fields in the folder, sorted.
    pub(crate) fn fields(&self) -> Result<Vec<String>> {
        stems_with_sidecars(&self.path)
    }

    /// Reads field `name`; an unknown name is an error listing the known ones.
    pub fn load(&self, name: &str) -> Result<Field> {
        let path = self.path.join(format!("{name}.npy"));
        if !path.exists() {
            return Err(Error::input(
                "--field",
                format!(
                    "`{name}`: {} has no {name}.npy; its fields are {}",
                    self.path.display(),
                    self.fields()?.join(", ")
                ),
            ));
        }
        load_field(&path)
    }

    /// The snapshots of field `name`, as (time in hours, path), sorted by time.
    pub fn snapshots(&self, name: &str) -> Result<Vec<(f64, PathBuf)>> {
        let dir = self.path.join("snapshots");
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        let prefix = format!("{name}_t");
        let mut out: Vec<(f64, PathBuf)> = stems_with_sidecars(&dir)?
            .into_iter()
            .filter_map(|stem| {
                let hours = stem.strip_prefix(&prefix)?.strip_suffix('h')?;
                let t: f64 = hours.parse().ok()?;
                Some((t, dir.join(format!("{stem}.npy"))))
            })
            .collect();
        out.sort_by(|a, b| a.0.total_cmp(&b.0));
        Ok(out)
    }
}

/// Reads `PATH.npy` with its sidecar `PATH.json`.
pub fn load_field(path: &Path) -> Result<Field> {
    let sidecar = path.with_extension("json");
    let text = std::fs::read_to_string(&sidecar).map_err(|e| Error::io(&sidecar, e))?;
    let meta: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Error::input(
            &sidecar,
            format!("is not JSON ({e}); it should be the sidecar oxyfield wrote"),
        )
    })?;
    let bad = |what: &str| {
        Error::input(
            &sidecar,
            format!("{what}; it should be the sidecar oxyfield wrote beside the .npy"),
        )
    };
    let shape: Vec<usize> = meta["shape"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_u64().map(|v| v as usize))
                .collect()
        })
        .filter(|s: &Vec<usize>| s.len() == 3 && s.iter().all(|&n| (1..=1_000_000).contains(&n)))
        .filter(|s| {
            s.iter()
                .try_fold(1usize, |a, &n| a.checked_mul(n))
                .is_some_and(|n| n < 1 << 40)
        })
        .ok_or_else(|| bad("has no `shape` of three sizes from 1 to 10⁶ voxels"))?;
    let spacing = meta["spacing_um"][0]
        .as_f64()
        .filter(|h| h.is_finite() && *h > 0.0)
        .ok_or_else(|| bad("has no positive `spacing_um`"))?;
    let grid = Grid::from_shape_zyx([shape[0], shape[1], shape[2]], spacing);
    let data = npy::read_field(path, &grid)?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Field {
        name,
        grid,
        data,
        units: meta["units"].as_str().unwrap_or("").to_string(),
        description: meta["description"].as_str().unwrap_or("").to_string(),
    })
}

/// Stems of `*.npy` files in `dir` that have a `.json` sidecar, sorted.
fn stems_with_sidecars(dir: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        if path.extension().is_some_and(|e| e == "npy") && path.with_extension("json").exists() {
            if let Some(stem) = path.file_stem() {
                out.push(stem.to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    Ok(out)
}
