//! Distance to the nearest vessel: an exact Euclidean distance transform on the voxel
//! grid, for pO₂-against-distance plots.
//!
//! The transform is Felzenszwalb & Huttenlocher's (Theory of Computing 8, 2012): the
//! squared distance in 3D is separable, so three passes of the exact 1D transform
//! (lower envelope of parabolas, linear time) along x, then y, then z give the exact
//! squared distance to the nearest feature voxel centre. Each pass runs its lines in
//! parallel; a 100³ grid takes a few tens of milliseconds.

use crate::grid::Grid;
use crate::{Error, Result};
use rayon::prelude::*;

/// Distance (µm) from every voxel centre to the centre of the nearest voxel with vessel
/// surface `sv > 0` (the `vessels_sv` field), in the grid's C order. Vessel voxels get
/// 0. Without any vessel voxel every distance is `f32::INFINITY`.
///
/// Fails when `sv` does not have one value per voxel.
pub fn distance_to_vessels_um(sv: &[f32], grid: &Grid) -> Result<Vec<f32>> {
    if sv.len() != grid.len() {
        return Err(Error::input(
            "vessels_sv",
            format!(
                "has {} values but the grid {}×{}×{} has {} voxels",
                sv.len(),
                grid.nx,
                grid.ny,
                grid.nz,
                grid.len()
            ),
        ));
    }
    let mask: Vec<bool> = sv.iter().map(|&s| s > 0.0).collect();
    let d2 = squared_distance_voxels(&mask, grid);
    let h = grid.spacing_um;
    Ok(d2.iter().map(|&d| (d.sqrt() * h) as f32).collect())
}

/// Squared distance, in voxel edges squared, from every voxel to the nearest voxel
/// where `mask` is true (`f64::INFINITY` when there is none). Exact: every value is
/// the integer `di² + dj² + dk²` of the nearest feature voxel.
///
/// # Panics
/// When `mask.len() != grid.len()`.
pub fn squared_distance_voxels(mask: &[bool], grid: &Grid) -> Vec<f64> {
    assert_eq!(mask.len(), grid.len(), "mask and grid sizes differ");
    let (nx, ny, nz) = (grid.nx, grid.ny, grid.nz);
    let mut f: Vec<f64> = mask
        .iter()
        .map(|&m| if m { 0.0 } else { f64::INFINITY })
        .collect();
    if f.is_empty() {
        return f;
    }

    // x: rows are contiguous.
    f.par_chunks_mut(nx)
        .for_each_init(|| Scratch::new(nx), |s, row| s.transform_in_place(row));

    // y: within each z-slice, columns of stride nx.
    f.par_chunks_mut(nx * ny).for_each_init(
        || Scratch::new(ny),
        |s, slice| {
            for i in 0..nx {
                for j in 0..ny {
                    s.line[j] = slice[j * nx + i];
                }
                s.transform();
                for j in 0..ny {
                    slice[j * nx + i] = s.out[j];
                }
            }
        },
    );

    // z: lines of stride nx·ny cross every slice. Each task takes the y-row j of every
    // slice (disjoint slices of the field) and transforms its nx lines in place, so
    // that no second field is needed.
    if nz > 1 {
        let mut by_row: Vec<Vec<&mut [f64]>> = (0..ny).map(|_| Vec::with_capacity(nz)).collect();
        for slice in f.chunks_mut(nx * ny) {
            for (j, row) in slice.chunks_mut(nx).enumerate() {
                by_row[j].push(row);
            }
        }
        by_row.into_par_iter().for_each_init(
            || Scratch::new(nz),
            |s, mut rows| {
                for i in 0..nx {
                    for (k, row) in rows.iter().enumerate() {
                        s.line[k] = row[i];
                    }
                    s.transform();
                    for (k, row) in rows.iter_mut().enumerate() {
                        row[i] = s.out[k];
                    }
                }
            },
        );
    }
    f
}

/// Buffers for the 1D transform of one line of length `n`.
struct Scratch {
    line: Vec<f64>,
    out: Vec<f64>,
    /// Positions of the parabolas in the lower envelope.
    v: Vec<usize>,
    /// Boundaries between envelope parabolas (`z[k]..z[k+1]` belongs to `v[k]`).
    z: Vec<f64>,
}

impl Scratch {
    fn new(n: usize) -> Self {
        Scratch {
            line: vec![0.0; n],
            out: vec![0.0; n],
            v: vec![0; n],
            z: vec![0.0; n + 1],
        }
    }

    fn transform_in_place(&mut self, row: &mut [f64]) {
        self.line.copy_from_slice(row);
        self.transform();
        row.copy_from_slice(&self.out);
    }

    /// `out[q] = min_p (q − p)² + line[p]`, over the finite samples `p` only: infinite
    /// samples (no feature yet) add no parabola, which avoids ∞ − ∞ in the
    /// intersections. A line with no finite sample stays infinite.
    fn transform(&mut self) {
        let n = self.line.len();
        let f = &self.line;
        let mut k: usize = 0;
        let mut any = false;
        for q in 0..n {
            if !f[q].is_finite() {
                continue;
            }
            if !any {
                any = true;
                self.v[0] = q;
                self.z[0] = f64::NEG_INFINITY;
                self.z[1] = f64::INFINITY;
                continue;
            }
            let fq = f[q] + (q * q) as f64;
            // z[0] = −∞, so the search stops at k = 0 at the latest.
            let s = loop {
                let p = self.v[k];
                let s = (fq - (f[p] + (p * p) as f64)) / (2.0 * (q as f64 - p as f64));
                if s <= self.z[k] {
                    k -= 1;
                } else {
                    break s;
                }
            };
            k += 1;
            self.v[k] = q;
            self.z[k] = s;
            self.z[k + 1] = f64::INFINITY;
        }
        if !any {
            self.out.fill(f64::INFINITY);
            return;
        }
        let mut k = 0;
        for q in 0..n {
            while self.z[k + 1] < q as f64 {
                k += 1;
            }
            let p = self.v[k];
            let d = q as f64 - p as f64;
            self.out[q] = d * d + f[p];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_dimensional_line_matches_by_hand() {
        let mut s = Scratch::new(7);
        let inf = f64::INFINITY;
        s.line = vec![inf, 0.0, inf, inf, inf, 0.0, inf];
        s.transform();
        assert_eq!(s.out, [1.0, 0.0, 1.0, 4.0, 1.0, 0.0, 1.0]);
        s.line = vec![inf; 7];
        s.transform();
        assert!(s.out.iter().all(|d| d.is_infinite()));
    }
}
