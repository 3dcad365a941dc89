//! CPU twins of the multigrid transfer kernels: `shaders/o2_residual_field.wgsl`,
//! `shaders/mg_restrict.wgsl`, `shaders/mg_coarse_rhs.wgsl` and
//! `shaders/mg_prolong.wgsl`, loop for loop.

use super::CpuLevel;
use crate::backend::stencil::{net_supply, residual_at, StencilConsts};
use crate::physics::o2::residual;
use rayon::prelude::*;

/// The level's residual F(P) + rhs per voxel into `level.resid` (0 at fixed voxels).
pub fn residual_field(level: &mut CpuLevel) {
    // Made where the level has none (the backend's fine level makes residuals on the
    // way instead: `fast::residual::restrict`).
    level.resid.resize(level.po2.len(), 0.0);
    let p = &level.problem;
    let k = StencilConsts::of(p);
    let (po2, rhs) = (&level.po2, &level.rhs);
    let use_rhs = level.use_rhs;
    super::par_fill(&mut level.resid, k.nx * k.ny, |idx| {
        if p.fixed[idx] >= 0.0 {
            0.0
        } else {
            let g = if use_rhs { rhs[idx] } else { 0.0 };
            residual_at(&k, p, |n| po2[n], p.grid.ijk(idx), idx, g)
        }
    });
}

/// Fine → coarse: volume-weighted means of the children's pO2 (into `po2` and
/// `po2_old`) and residuals (into `rhs`), as `mg_restrict`; a child on the fine level's
/// narrow last cell weighs its relative volume
/// ([`O2Problem::cell_volume`](crate::problem::O2Problem::cell_volume)).
pub fn restrict(fine: &CpuLevel, coarse: &mut CpuLevel) {
    let c = coarse.problem.grid;
    let parallel = c.len() >= super::fast::PAR_MIN;
    by_coarse_plane(coarse, parallel, |kc, po2, po2_old, rhs| {
        let out = (po2, po2_old, rhs);
        restrict_plane(&fine.problem, &fine.po2, |fi| fine.resid[fi], (&c, kc), out);
    });
}

/// Calls `each(kc, po2, po2_old, rhs)` with coarse plane kc of each of the three
/// fields, in parallel over the planes where `parallel`.
pub(crate) fn by_coarse_plane(
    coarse: &mut CpuLevel,
    parallel: bool,
    each: impl Fn(usize, &mut [f32], &mut [f32], &mut [f32]) + Sync + Send,
) {
    let c = coarse.problem.grid;
    let cplane = c.nx * c.ny;
    coarse
        .po2
        .par_chunks_mut(cplane)
        .zip(coarse.po2_old.par_chunks_mut(cplane))
        .zip(coarse.rhs.par_chunks_mut(cplane))
        .enumerate()
        .with_min_len(if parallel { 1 } else { usize::MAX })
        .for_each(|(kc, ((po2, po2_old), rhs))| each(kc, po2, po2_old, rhs));
}

/// [`restrict`] of plane `kc` of the coarse grid `c` (`out`: that plane of the coarse
/// po2, po2_old and rhs), the residual of fine voxel `fi` given by `resid(fi)`: each
/// coarse voxel's sums in the shader's order.
pub(crate) fn restrict_plane(
    fine: &crate::problem::O2Problem,
    fine_po2: &[f32],
    resid: impl Fn(usize) -> f32,
    (c, kc): (&crate::grid::Grid, usize),
    (po2, po2_old, rhs): (&mut [f32], &mut [f32], &mut [f32]),
) {
    for jc in 0..c.ny {
        for ic in 0..c.nx {
            let (p, r) = child_means(fine, fine_po2, &resid, (ic, jc, kc));
            let ci = jc * c.nx + ic;
            po2[ci] = p;
            po2_old[ci] = p;
            rhs[ci] = r;
        }
    }
}

/// The volume-weighted means of pO2 and residual over the children of coarse voxel
/// (ic, jc, kc), summed in the shader's order (z, then y, then x).
#[inline]
pub(crate) fn child_means(
    fine: &crate::problem::O2Problem,
    fine_po2: &[f32],
    resid: &impl Fn(usize) -> f32,
    (ic, jc, kc): (usize, usize, usize),
) -> (f32, f32) {
    let f = fine.grid;
    let uniform = fine.edge_width == [1.0; 3];
    let (mut sum_p, mut sum_r, mut count) = (0.0f32, 0.0f32, 0.0f32);
    for dz in 0..2 {
        let k = 2 * kc + dz;
        if k >= f.nz {
            continue;
        }
        for dy in 0..2 {
            let j = 2 * jc + dy;
            if j >= f.ny {
                continue;
            }
            for dx in 0..2 {
                let i = 2 * ic + dx;
                if i >= f.nx {
                    continue;
                }
                let fi = f.index(i, j, k);
                let w = if uniform {
                    1.0
                } else {
                    fine.cell_volume((i, j, k))
                };
                sum_p += w * fine_po2[fi];
                sum_r += w * resid(fi);
                count += w;
            }
        }
    }
    (sum_p / count, sum_r / count)
}

/// rhs ← rhs − F_H(P_H) at free voxels, 0 at fixed ones, as `mg_coarse_rhs`.
pub fn coarse_rhs(level: &mut CpuLevel) {
    let p = &level.problem;
    let k = StencilConsts::of(p);
    let po2 = &level.po2;
    for (idx, g) in level.rhs.iter_mut().enumerate() {
        if p.fixed[idx] >= 0.0 {
            *g = 0.0;
            continue;
        }
        let f = net_supply(&k, p, &|n| po2[n], p.grid.ijk(idx), idx);
        *g -= residual(f, po2[idx], k.m_max * p.viable[idx], k.km);
    }
}

/// Coarse neighbours along one axis of fine index `i`: (near, far); far has weight ¼.
#[inline(always)]
pub(crate) fn axis_pair(i: usize, n: usize) -> [usize; 2] {
    let near = i / 2;
    let far = if i & 1 == 0 {
        near.saturating_sub(1)
    } else if near + 1 < n {
        near + 1
    } else {
        near
    };
    [near, far]
}

/// Adds the trilinearly interpolated coarse correction to every free fine voxel, as
/// `mg_prolong`.
pub fn prolong(coarse: &CpuLevel, fine: &mut CpuLevel) {
    let (f, c) = (fine.problem.grid, coarse.problem.grid);
    let w = [0.75f32, 0.25];
    let fixed = &fine.problem.fixed;
    let plane = f.nx * f.ny;
    fine.po2
        .par_chunks_mut(plane)
        .enumerate()
        .for_each(|(k, out)| {
            let pz = axis_pair(k, c.nz);
            for j in 0..f.ny {
                let py = axis_pair(j, c.ny);
                for i in 0..f.nx {
                    let fi = k * plane + j * f.nx + i;
                    if fixed[fi] >= 0.0 {
                        continue;
                    }
                    let px = axis_pair(i, c.nx);
                    let mut e = 0.0f32;
                    for a in 0..2 {
                        for b in 0..2 {
                            for d in 0..2 {
                                let ci = c.index(px[a], py[b], pz[d]);
                                e += w[a] * w[b] * w[d] * (coarse.po2[ci] - coarse.po2_old[ci]);
                            }
                        }
                    }
                    let o = &mut out[j * f.nx + i];
                    *o = (*o + e).max(0.0);
                }
            }
        });
}

/// The coefficients of `coarse` (Sv, Pb, n, fixed) from `fine`, as `mg_coarsen`: the
/// f32 twin of `crate::problem::hierarchy::coarsen`, in parallel over coarse voxels.
pub fn coarsen(fine: &crate::problem::O2Problem, coarse: &mut crate::problem::O2Problem) {
    let (f, c) = (fine.grid, coarse.grid);
    let k = crate::backend::stencil::StencilConsts::of(fine);
    let coupling = crate::backend::stencil::mixed_coupling(k.c, k.pw);
    let values: Vec<[f32; 4]> = (0..c.len())
        .into_par_iter()
        .map(|ci| {
            let (ic, jc, kc) = c.ijk(ci);
            let mut s = CoarseSums::default();
            for k in 2 * kc..(2 * kc + 2).min(f.nz) {
                for j in 2 * jc..(2 * jc + 2).min(f.ny) {
                    for i in 2 * ic..(2 * ic + 2).min(f.nx) {
                        let idx = f.index(i, j, k);
                        s.add(
                            fine.cell_volume((i, j, k)),
                            fine.viable[idx],
                            fine.sv[idx],
                            fine.pb[idx],
                            fine.fixed[idx],
                        );
                    }
                }
            }
            s.coarse(
                || crate::problem::hierarchy::fixed_free_pairs(fine, (ic, jc, kc)),
                coupling,
            )
        })
        .collect();
    for (ci, v) in values.into_iter().enumerate() {
        coarse.sv[ci] = v[0];
        coarse.pb[ci] = v[1];
        coarse.viable[ci] = v[2];
        coarse.fixed[ci] = v[3];
    }
}

/// One coarse cell's running sums over its children (in z, y, x order) and the
/// coefficients they give: the arithmetic of `mg_coarsen` per cell, shared by
/// [`coarsen`] and its fast path (`fast::coarsen`).
#[derive(Default)]
pub(crate) struct CoarseSums {
    n: f32,
    sv: f32,
    svpb: f32,
    fixed_sum: f32,
    fixed_count: f32,
    volume: f32,
}

impl CoarseSums {
    /// Adds a child of weight `w` (its viable fraction, Sv, Pb and fixed value).
    #[inline(always)]
    pub(crate) fn add(&mut self, w: f32, viable: f32, sv: f32, pb: f32, fixed: f32) {
        self.n += w * viable;
        let wsv = w * sv;
        self.sv += wsv;
        self.svpb += wsv * pb;
        if fixed >= 0.0 {
            self.fixed_sum += fixed;
            self.fixed_count += 1.0;
        }
        self.volume += w;
    }

    /// The coarse cell's [Sv, Pb, n, fixed]; `pairs` gives its fixed–free faces and
    /// free children, asked for only where a child is fixed and `coupling` > 0.
    #[inline(always)]
    pub(crate) fn coarse(&self, pairs: impl FnOnce() -> (u32, u32), coupling: f32) -> [f32; 4] {
        let (sv_mean, pb_mean) = (
            self.sv / self.volume,
            if self.sv > 0.0 {
                self.svpb / self.sv
            } else {
                0.0
            },
        );
        let n = self.n / self.volume;
        // Faces are counted only where a child is fixed (most cells have none).
        let mixed = (self.fixed_count > 0.0 && coupling > 0.0)
            .then(pairs)
            .filter(|&(_, free)| free > 0);
        if let Some((pairs, free)) = mixed {
            // A mixed cell: free, its fixed children as exchange (hierarchy docs).
            let g = coupling * pairs as f32 / free as f32;
            let p_fixed = self.fixed_sum / self.fixed_count;
            let sv_c = sv_mean + g;
            return [
                sv_c,
                (sv_mean * pb_mean + g * p_fixed) / sv_c,
                n,
                crate::physics::o2::FREE,
            ];
        }
        let fixed = if self.fixed_count > 0.0 {
            self.fixed_sum / self.fixed_count
        } else {
            crate::physics::o2::FREE
        };
        [sv_mean, pb_mean, n, fixed]
    }
}
