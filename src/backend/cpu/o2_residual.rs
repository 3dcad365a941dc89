//! CPU twin of `shaders/o2_residual.wgsl` (and of `residual_at` in
//! `shaders/shared/o2_common.wgsl`): Σ F(P)² over free voxels, with F in difference
//! form. Pointwise values are computed in f32 like the shader; the sum is taken in f64.

use crate::backend::stencil::{self, StencilConsts};
use crate::problem::O2Problem;
use rayon::prelude::*;

/// Pointwise residual F(P) at voxel `idx` (0 at fixed voxels), mmHg/s.
pub fn residual_at(problem: &O2Problem, k: &StencilConsts, po2: &[f32], idx: usize) -> f32 {
    if problem.fixed[idx] >= 0.0 {
        return 0.0;
    }
    stencil::residual_at(k, problem, |n| po2[n], problem.grid.ijk(idx), idx, 0.0)
}

/// Σ F(P)² over free voxels (mmHg²/s²). Planes are summed in order, so the result does
/// not depend on the number of threads.
pub fn residual_sq_sum(problem: &O2Problem, po2: &[f32]) -> f64 {
    let kc = StencilConsts::of(problem);
    let plane = kc.nx * kc.ny;
    (0..kc.nz)
        .into_par_iter()
        .map(|kz| {
            (kz * plane..(kz + 1) * plane)
                .map(|idx| {
                    let r = residual_at(problem, &kc, po2, idx) as f64;
                    r * r
                })
                .sum::<f64>()
        })
        .collect::<Vec<f64>>()
        .iter()
        .sum()
}
