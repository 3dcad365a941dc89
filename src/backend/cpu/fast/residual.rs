//! Fast residual evaluations, bitwise their reference twins: the residual field that
//! restriction reads ([`crate::backend::cpu::mg_transfer::residual_field`]), the norm
//! Σ F(P)² ([`crate::backend::stencil::residual_sq_sum`]), the coarse FAS term
//! ([`crate::backend::cpu::mg_transfer::coarse_rhs`]) and the explicit time step
//! ([`crate::backend::cpu::o2_step::step`]).

use super::rows::{residuals, Source};
use super::{for_each, Sides};
use crate::backend::cpu::{mg_transfer, CpuLevel};
use crate::backend::stencil::plane_sq_sum;
use crate::problem::O2Problem;
use std::sync::atomic::{AtomicU64, Ordering};

/// The residual of every voxel of plane `k` into `out` (one plane; fixed voxels not
/// masked), with the FAS term `g` (a whole level's rhs for [`Source::Rhs`]).
fn plane_residuals(
    sides: &Sides,
    problem: &O2Problem,
    po2: &[f32],
    g: Source,
    k: usize,
    out: &mut [f32],
) {
    let (nx, ny, nz) = (sides.kc.nx, sides.kc.ny, sides.kc.nz);
    let plane = nx * ny;
    let cur = &po2[k * plane..(k + 1) * plane];
    let below = (k > 0).then(|| &po2[(k - 1) * plane..k * plane]);
    let above = (k + 1 < nz).then(|| &po2[(k + 1) * plane..(k + 2) * plane]);
    let mut pad = vec![0.0f32; nx + 2];
    for j in 0..ny {
        let r0 = j * nx;
        sides.fill_pad(&mut pad, &cur[r0..r0 + nx]);
        let ys = [
            (j > 0).then(|| &cur[r0 - nx..r0]),
            (j + 1 < ny).then(|| &cur[r0 + nx..r0 + 2 * nx]),
        ];
        let row = sides.row(problem, (j, k), &pad, ys, below, above, g);
        residuals(&sides.kc, &row, &mut out[r0..r0 + nx]);
    }
}

/// Calls `each(k, residuals of plane k, out plane k)` for every plane, in parallel
/// over planes of `out` (one value per voxel).
fn by_plane(
    problem: &O2Problem,
    po2: &[f32],
    g: Source,
    out: &mut [f32],
    each: impl Fn(usize, &[f32], &mut [f32]) + Sync + Send,
) {
    let sides = Sides::of(problem);
    let plane = problem.grid.nx * problem.grid.ny;
    assert_eq!(po2.len(), problem.grid.len(), "field length");
    assert_eq!(out.len(), problem.grid.len(), "output length");
    let planes: Vec<(usize, &mut [f32])> = out.chunks_mut(plane).enumerate().collect();
    for_each(problem.grid.len(), planes, |(k, out)| {
        let mut r = vec![0.0f32; plane];
        plane_residuals(&sides, problem, po2, g, k, &mut r);
        each(k, &r, out);
    });
}

/// F(P) + g per voxel into `resid`, 0 at fixed voxels; `rhs` the FAS term (coarse
/// levels), else g = 0.
pub fn residual_field(problem: &O2Problem, po2: &[f32], rhs: Option<&[f32]>, resid: &mut [f32]) {
    let plane = problem.grid.nx * problem.grid.ny;
    let g = rhs.map_or(Source::Zero, Source::Rhs);
    let sides = Sides::of(problem);
    assert_eq!(po2.len(), problem.grid.len(), "field length");
    assert_eq!(resid.len(), problem.grid.len(), "output length");
    let planes: Vec<(usize, &mut [f32])> = resid.chunks_mut(plane).enumerate().collect();
    for_each(problem.grid.len(), planes, |(k, out)| {
        masked_residuals(&sides, problem, po2, g, k, out);
    });
}

/// Restriction with the residual made on the way ([`mg_transfer::restrict`] after
/// [`residual_field`], bitwise): each coarse plane's task computes the residuals of its
/// two fine planes into scratch, so that the fine level needs no residual field (a
/// field fewer in memory, and one write and read of it fewer per cycle).
pub fn restrict(fine: &O2Problem, fine_po2: &[f32], rhs: Option<&[f32]>, coarse: &mut CpuLevel) {
    restrict_summing(fine, fine_po2, rhs, coarse, None);
}

/// [`restrict`] from a level without FAS term (level 0), returning Σ F(P)² over its
/// free voxels from the residuals it makes: [`residual_sq_sum`] bit for bit, without a
/// residual pass of its own.
pub fn restrict_checked(fine: &O2Problem, fine_po2: &[f32], coarse: &mut CpuLevel) -> f64 {
    let sums: Vec<AtomicU64> = (0..fine.grid.nz).map(|_| AtomicU64::new(0)).collect();
    restrict_summing(fine, fine_po2, None, coarse, Some(&sums));
    // Each plane's sum is stored once, by the task that made its residuals.
    sums.iter()
        .map(|s| f64::from_bits(s.load(Ordering::Relaxed)))
        .sum()
}

/// [`restrict`], and where `sums` is given, each fine plane's [`plane_sq_sum`] into it.
fn restrict_summing(
    fine: &O2Problem,
    fine_po2: &[f32],
    rhs: Option<&[f32]>,
    coarse: &mut CpuLevel,
    sums: Option<&[AtomicU64]>,
) {
    let plane = fine.grid.nx * fine.grid.ny;
    let g = rhs.map_or(Source::Zero, Source::Rhs);
    let sides = Sides::of(fine);
    let c = coarse.problem.grid;
    // Parallel by the fine level's size, as the residual field was made.
    let parallel = fine.grid.len() >= super::PAR_MIN;
    mg_transfer::by_coarse_plane(coarse, parallel, |kc, po2, po2_old, crhs| {
        let first = 2 * kc;
        let planes = (fine.grid.nz - first).min(2);
        let mut r = vec![0.0f32; planes * plane];
        for (dz, out) in r.chunks_mut(plane).enumerate() {
            masked_residuals(&sides, fine, fine_po2, g, first + dz, out);
            if let Some(sums) = sums {
                sums[first + dz].store(plane_sq_sum(out).to_bits(), Ordering::Relaxed);
            }
        }
        super::restrict::restrict_plane(fine, fine_po2, &r, (&c, kc), (po2, po2_old, crhs));
    });
}

/// [`plane_residuals`] with fixed voxels set to 0, as [`residual_field`] writes them.
fn masked_residuals(
    sides: &Sides,
    problem: &O2Problem,
    po2: &[f32],
    g: Source,
    k: usize,
    out: &mut [f32],
) {
    let plane = out.len();
    plane_residuals(sides, problem, po2, g, k, out);
    let fixed = &problem.fixed[k * plane..(k + 1) * plane];
    for (o, &f) in out.iter_mut().zip(fixed) {
        if f >= 0.0 {
            *o = 0.0;
        }
    }
}

/// Σ F(P)² over free voxels in f64, each plane's [`plane_sq_sum`] and the planes in
/// order, as the reference sums them.
pub fn residual_sq_sum(problem: &O2Problem, po2: &[f32]) -> f64 {
    use rayon::prelude::*;
    let sides = Sides::of(problem);
    let plane = problem.grid.nx * problem.grid.ny;
    assert_eq!(po2.len(), problem.grid.len(), "field length");
    let plane_sum = |k: usize| {
        let mut r = vec![0.0f32; plane];
        masked_residuals(&sides, problem, po2, Source::Zero, k, &mut r);
        plane_sq_sum(&r)
    };
    let sums: Vec<f64> = if problem.grid.len() >= super::PAR_MIN {
        (0..problem.grid.nz)
            .into_par_iter()
            .map(plane_sum)
            .collect()
    } else {
        (0..problem.grid.nz).map(plane_sum).collect()
    };
    sums.iter().sum()
}

/// rhs ← rhs − F_H(P_H) at free voxels, 0 at fixed ones.
pub fn coarse_rhs(problem: &O2Problem, po2: &[f32], rhs: &mut [f32]) {
    let plane = problem.grid.nx * problem.grid.ny;
    by_plane(problem, po2, Source::None, rhs, |k, r, out| {
        let fixed = &problem.fixed[k * plane..(k + 1) * plane];
        for ((o, &r), &f) in out.iter_mut().zip(r).zip(fixed) {
            *o = if f >= 0.0 { 0.0 } else { *o - r };
        }
    });
}

/// One explicit step: P ← max(P + Δt·F(P), 0) at free voxels into `next`.
pub fn step(problem: &O2Problem, po2: &[f32], dt: f32, next: &mut [f32]) {
    let plane = problem.grid.nx * problem.grid.ny;
    by_plane(problem, po2, Source::Zero, next, |k, r, out| {
        let fixed = &problem.fixed[k * plane..(k + 1) * plane];
        let old = &po2[k * plane..(k + 1) * plane];
        for (((o, &r), &f), &p) in out.iter_mut().zip(r).zip(fixed).zip(old) {
            *o = if f >= 0.0 { p } else { (p + dt * r).max(0.0) };
        }
    });
}
