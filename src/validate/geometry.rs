//! Radial measurements on voxel fields: distance to a centre or an axis, effective
//! radii from voxelised areas and volumes, and profile errors.

use crate::grid::Grid;
use glam::DVec3;

/// Distance of voxel `idx`'s centre from `centre` (3D) or, with `axis_z`, from the
/// z-parallel line through `centre`.
pub(crate) fn radius(grid: &Grid, idx: usize, centre: DVec3, axis_z: bool) -> f64 {
    let (i, j, k) = grid.ijk(idx);
    let mut d = grid.centre(i, j, k) - centre;
    if axis_z {
        d.z = 0.0;
    }
    d.length()
}

/// Radius of the disc with the area of `count` voxel faces of side h.
pub(crate) fn disc_radius(count: usize, h: f64) -> f64 {
    (count as f64 * h * h / std::f64::consts::PI).sqrt()
}

/// Radius of the ball with the volume of `count` voxels of side h.
pub(crate) fn ball_radius(count: usize, h: f64) -> f64 {
    (3.0 * count as f64 * h.powi(3) / (4.0 * std::f64::consts::PI)).cbrt()
}

/// Max and RMS of |got − want(r)| over the voxels `select` keeps.
pub(crate) fn profile_error(
    field: &[f32],
    radii: impl Fn(usize) -> Option<f64>,
    want: impl Fn(f64) -> f64,
) -> (f64, f64) {
    let (mut max, mut sq, mut n) = (0.0f64, 0.0f64, 0usize);
    for (idx, &p) in field.iter().enumerate() {
        if let Some(r) = radii(idx) {
            let e = (f64::from(p) - want(r)).abs();
            max = max.max(e);
            sq += e * e;
            n += 1;
        }
    }
    (
        max,
        if n > 0 {
            (sq / n as f64).sqrt()
        } else {
            f64::NAN
        },
    )
}

/// Azimuthal mean of `field` near radius `r` from the z axis through `centre`: the
/// mean value and the mean radius of the voxels within h/2 of r (the voxels' radii are
/// not spread evenly, so the closed form is evaluated at their mean radius).
pub(crate) fn ring_mean(field: &[f32], grid: &Grid, centre: DVec3, r: f64) -> (f64, f64) {
    let h = grid.spacing_um;
    let (mut sum, mut sum_r, mut n) = (0.0f64, 0.0f64, 0usize);
    for (idx, &p) in field.iter().enumerate() {
        let ri = radius(grid, idx, centre, true);
        if (ri - r).abs() <= h / 2.0 {
            sum += f64::from(p);
            sum_r += ri;
            n += 1;
        }
    }
    let n = n.max(1) as f64;
    (sum / n, sum_r / n)
}

/// Mean radius of the fixed voxels that touch a free voxel (6-neighbours): the cell
/// centres where the Dirichlet values act in the flux stencil, so the radius at which a
/// voxelised fixed surface sits.
pub(crate) fn dirichlet_layer_radius(
    problem: &crate::problem::O2Problem,
    r: impl Fn(usize) -> f64,
) -> f64 {
    let g = &problem.grid;
    let (mut sum, mut n) = (0.0f64, 0usize);
    for idx in 0..g.len() {
        if !problem.is_fixed(idx) {
            continue;
        }
        let (i, j, k) = g.ijk(idx);
        let near_free = [
            (i > 0).then(|| g.index(i - 1, j, k)),
            (i + 1 < g.nx).then(|| g.index(i + 1, j, k)),
            (j > 0).then(|| g.index(i, j - 1, k)),
            (j + 1 < g.ny).then(|| g.index(i, j + 1, k)),
            (k > 0).then(|| g.index(i, j, k - 1)),
            (k + 1 < g.nz).then(|| g.index(i, j, k + 1)),
        ]
        .into_iter()
        .flatten()
        .any(|nb| !problem.is_fixed(nb));
        if near_free {
            sum += r(idx);
            n += 1;
        }
    }
    sum / n.max(1) as f64
}
