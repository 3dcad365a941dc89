//! `tissue.npy`: the voxels every statistic counts (pO2 mean, median and hypoxic
//! fractions in `summary.json` and the timeline, the plots), so that each can be
//! recomputed from the arrays: `o2[tissue == 1]`. Tissue is
//! [`O2Problem::is_tissue`]: viable (respiring) cells present and not held at a fixed
//! value. Written as float32 0/1 with a sidecar, like every field, so `render` can
//! show it too.

use crate::grid::Grid;
use crate::npy;
use crate::problem::O2Problem;
use crate::Result;
use std::path::Path;

/// The file's stem.
pub(crate) const NAME: &str = "tissue";

/// 1 for the tissue voxels of `problem`, 0 elsewhere.
pub(crate) fn mask(problem: &O2Problem) -> Vec<f32> {
    (0..problem.grid.len())
        .map(|i| f32::from(u8::from(problem.is_tissue(i))))
        .collect()
}

/// Writes `tissue.npy` and `tissue.json` (a [`mask`] on `grid`) into `dir`; returns
/// their names. `when` says which state it is ("at steady state", "at the end of the
/// protocol").
pub(crate) fn write(dir: &Path, grid: &Grid, mask: &[f32], when: &str) -> Result<Vec<String>> {
    npy::write_field(
        &dir.join(format!("{NAME}.npy")),
        mask,
        grid,
        "1",
        &format!(
            "tissue mask {when}: 1 where pO2 statistics and hypoxic fractions count the \
             voxel (viable cells present, not held at a fixed value), 0 elsewhere"
        ),
    )?;
    Ok(vec![format!("{NAME}.npy"), format!("{NAME}.json")])
}
