//! The multigrid level hierarchy: coarsened copies of the problem, built once on the
//! host and shared by both backends.
//!
//! Each coarse cell covers the 2×2×2 fine cells 2I..2I+1 that exist and the spacing
//! doubles. Where an axis does not halve evenly, the last coarse cell covers fewer fine
//! cells and is narrower than the spacing: its width, a fraction φ of the spacing, is
//! kept in [`O2Problem::edge_width`] (φ_coarse = (sum of its children's widths)/2, so
//! φ can fall to ¼, ⅛ … over several odd levels) and the stencil couples that cell by
//! its true geometry (`EdgeWeights` in the CPU stencil). Every level then describes the
//! same physical block. (Treating the partial cell as a full one — the former rule —
//! made its coarse correction too weak in diffusion by up to a factor (1+φ)φ/2 and
//! stalled V-cycles wherever it held no consumption: issue 18, a 17³ block with a
//! non-consuming one-voxel rim stalled at a relative residual of 7e-3.)
//!
//! Coefficients are volume-weighted means of the children (a child on the fine level's
//! narrow last cell weighs φ), so the coarse cell holds the same totals per volume:
//! - Sv (wall area per volume) and n: the volume-weighted mean;
//! - Pb: the wall-area-weighted mean, so the coarse supply Γ·Pb is the mean of the
//!   children's;
//! - fixed values: a coarse cell whose children are all fixed is fixed (at their mean).
//!   A *mixed* cell (some children fixed, some free) is free, and carries the fixed
//!   children as an exchange term Γ_f·(P_f − P) with P_f their mean: folded into the
//!   wall terms as Sv += Γ_f/Pw and Pb the Γ-weighted mean of Pb and P_f.
//!
//! Γ_f comes from the correction the coarse cell stands for. A fixed child has no
//! correction; each free fine voxel beside a fixed child (through one of its faces,
//! inside the coarse cell or beyond it) loses its correction e to it at D/h_f² per unit
//! volume. Summed over those faces (`pairs`) and spread over the free children, whose
//! mean correction the coarse cell carries: Γ_f = pairs·D/(h_f²·n_free). Without wall
//! exchange (Pw = 0) there is no Sv to carry it, and a mixed cell is fixed as before.
//!
//! The former rule fixed every mixed cell. Its coarse correction was zero there, and
//! thin fixed structures (one-voxel vessel columns) grew into fixed blocks of 2^l
//! voxels on level l, so the free voxels beside them got no coarse correction at all:
//! `bench --problem columns` needed 10 F-cycles to 1e-6 (12–13 V-cycles); with Γ_f, 6.
//! (Mixed cells free *without* Γ_f consumed O2 with no Dirichlet information, and the
//! spheroid case did not converge.)
//!
//! Restriction of pO2 and residuals uses the same child weights ([`O2Problem::cell_volume`]).
//! Face conditions carry over unchanged. Coarsening stops when the smallest dimension is
//! below 4 (axes are not coarsened separately yet: a grid with an axis of 1–3 voxels,
//! such as a 2D slice, gets no hierarchy and is solved by SOR).

use crate::grid::Grid;
use crate::physics::o2::FREE;
use crate::problem::O2Problem;

/// Smallest dimension a level may have and still be coarsened.
const MIN_DIM_TO_COARSEN: usize = 4;

/// The grid of every level, finest (`grid` itself) first: the shapes alone, without
/// coarsening any field.
pub(crate) fn level_grids(grid: &Grid) -> Vec<Grid> {
    let mut out = vec![*grid];
    loop {
        let g = out[out.len() - 1];
        if g.nx.min(g.ny).min(g.nz) < MIN_DIM_TO_COARSEN {
            return out;
        }
        out.push(coarse_grid(&g));
    }
}

/// The grid and last-cell widths of every level of a problem on `grid` whose last cells
/// are full, finest first: the shapes that [`coarsen`] gives, without any field.
pub(crate) fn level_shapes(grid: &Grid) -> Vec<(Grid, [f32; 3])> {
    let grids = level_grids(grid);
    let mut out: Vec<(Grid, [f32; 3])> = vec![(*grid, [1.0; 3])];
    for w in grids.windows(2) {
        let (f, e) = out[out.len() - 1];
        let edge = [
            coarse_edge_width(f.nx, e[0]),
            coarse_edge_width(f.ny, e[1]),
            coarse_edge_width(f.nz, e[2]),
        ];
        out.push((w[1], edge));
    }
    out
}

/// The grid one level coarser than `f`.
fn coarse_grid(f: &Grid) -> Grid {
    Grid {
        nx: f.nx.div_ceil(2),
        ny: f.ny.div_ceil(2),
        nz: f.nz.div_ceil(2),
        spacing_um: 2.0 * f.spacing_um,
    }
}

/// The coarse levels of `problem`, finest first (empty when the grid is too small).
pub fn coarse_levels(problem: &O2Problem) -> Vec<O2Problem> {
    let mut out: Vec<O2Problem> = Vec::new();
    for _ in 1..level_grids(&problem.grid).len() {
        let coarse = coarsen(out.last().unwrap_or(problem));
        out.push(coarse);
    }
    out
}

/// Relative width of the last coarse cell of an axis with `n_fine` fine cells whose
/// last one is `phi_fine` wide: the sum of its children's widths over the doubled
/// spacing.
pub(crate) fn coarse_edge_width(n_fine: usize, phi_fine: f32) -> f32 {
    if n_fine % 2 == 1 {
        phi_fine / 2.0
    } else {
        (1.0 + phi_fine) / 2.0
    }
}

/// One coarsening step (see the module docs).
pub(crate) fn coarsen(fine: &O2Problem) -> O2Problem {
    let f = fine.grid;
    let c = coarse_grid(&f);
    let mut out = O2Problem::uniform(c, fine.params);
    out.faces = fine.faces;
    let e = fine.edge_width;
    out.edge_width = [
        coarse_edge_width(f.nx, e[0]),
        coarse_edge_width(f.ny, e[1]),
        coarse_edge_width(f.nz, e[2]),
    ];
    // D/(h_f²·Pw): Γ_f per fixed–free face and free child, in Sv units (module docs).
    let h = f.spacing_um;
    let pw = fine.params.wall_permeability_um_per_s;
    let coupling = fine.params.diffusivity_um2_per_s / (h * h * pw);
    // As the backends' f32 `mixed_coupling`: none where it would overflow f32.
    let coupling = if pw > 0.0 && coupling < f64::from(f32::MAX / 64.0) {
        coupling
    } else {
        0.0
    };
    for kc in 0..c.nz {
        for jc in 0..c.ny {
            for ic in 0..c.nx {
                let (mut n, mut sv, mut svpb, mut fixed_sum) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
                let (mut volume, mut fixed_count) = (0.0f64, 0usize);
                for k in 2 * kc..(2 * kc + 2).min(f.nz) {
                    for j in 2 * jc..(2 * jc + 2).min(f.ny) {
                        for i in 2 * ic..(2 * ic + 2).min(f.nx) {
                            let idx = f.index(i, j, k);
                            let w = f64::from(fine.cell_volume((i, j, k)));
                            n += w * f64::from(fine.viable[idx]);
                            sv += w * f64::from(fine.sv[idx]);
                            svpb += w * f64::from(fine.sv[idx]) * f64::from(fine.pb[idx]);
                            if fine.is_fixed(idx) {
                                fixed_sum += f64::from(fine.fixed[idx]);
                                fixed_count += 1;
                            }
                            volume += w;
                        }
                    }
                }
                let ci = c.index(ic, jc, kc);
                let (sv_mean, pb_mean) = (sv / volume, if sv > 0.0 { svpb / sv } else { 0.0 });
                out.viable[ci] = (n / volume) as f32;
                let (pairs, free) = fixed_free_pairs(fine, (ic, jc, kc));
                let mixed = fixed_count > 0 && free > 0 && coupling > 0.0;
                if mixed {
                    let g = coupling * pairs as f64 / free as f64;
                    let p_fixed = fixed_sum / fixed_count as f64;
                    out.sv[ci] = (sv_mean + g) as f32;
                    out.pb[ci] = ((sv_mean * pb_mean + g * p_fixed) / (sv_mean + g)) as f32;
                } else {
                    out.sv[ci] = sv_mean as f32;
                    out.pb[ci] = pb_mean as f32;
                }
                out.fixed[ci] = if fixed_count > 0 && !mixed {
                    (fixed_sum / fixed_count as f64) as f32
                } else {
                    FREE
                };
            }
        }
    }
    out
}

/// For the coarse cell `(ic, jc, kc)` of `fine`: the faces between its fixed children
/// and free fine voxels (inside the cell or beyond it), and its free children.
pub(crate) fn fixed_free_pairs(
    fine: &O2Problem,
    (ic, jc, kc): (usize, usize, usize),
) -> (u32, u32) {
    let f = fine.grid;
    let (mut pairs, mut free) = (0u32, 0u32);
    for k in 2 * kc..(2 * kc + 2).min(f.nz) {
        for j in 2 * jc..(2 * jc + 2).min(f.ny) {
            for i in 2 * ic..(2 * ic + 2).min(f.nx) {
                if !fine.is_fixed(f.index(i, j, k)) {
                    free += 1;
                    continue;
                }
                let (i, j, k) = (i as isize, j as isize, k as isize);
                for (di, dj, dk) in NEIGHBOURS {
                    let (a, b, d) = (i + di, j + dj, k + dk);
                    let inside = a >= 0
                        && b >= 0
                        && d >= 0
                        && (a as usize) < f.nx
                        && (b as usize) < f.ny
                        && (d as usize) < f.nz;
                    if inside && !fine.is_fixed(f.index(a as usize, b as usize, d as usize)) {
                        pairs += 1;
                    }
                }
            }
        }
    }
    (pairs, free)
}

/// The six face neighbours, in the order the WGSL kernel visits them.
const NEIGHBOURS: [(isize, isize, isize); 6] = [
    (-1, 0, 0),
    (1, 0, 0),
    (0, -1, 0),
    (0, 1, 0),
    (0, 0, -1),
    (0, 0, 1),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::physics::o2::O2Params;

    #[test]
    fn coarsening_keeps_totals_and_handles_odd_sizes() {
        let g = Grid::from_shape_zyx([5, 6, 7], 10.0);
        let mut p = O2Problem::uniform(g, O2Params::default());
        for idx in 0..g.len() {
            p.sv[idx] = (idx % 5) as f32 * 0.1;
            p.pb[idx] = 20.0 + (idx % 3) as f32 * 10.0;
            p.viable[idx] = (idx % 4) as f32 / 3.0;
        }
        // The whole x = 0..2 slab is fixed at 30: coarse column x = 0 is fixed too.
        for k in 0..5 {
            for j in 0..6 {
                for i in 0..2 {
                    p.fixed[g.index(i, j, k)] = 30.0;
                }
            }
        }
        p.fixed[g.index(4, 2, 2)] = 50.0; // a lone fixed voxel: a mixed coarse cell
        let c = coarsen(&p);
        assert_eq!(c.grid.shape_zyx(), [3, 3, 4]);
        assert_eq!(c.grid.spacing_um, 20.0);
        // Interior coarse cells (all 8 children present) conserve Sv and supply Γ·Pb.
        let (ic, jc, kc) = (1, 1, 1);
        let (mut sv, mut svpb) = (0.0f64, 0.0f64);
        for k in 2..4 {
            for j in 2..4 {
                for i in 2..4 {
                    let idx = g.index(i, j, k);
                    sv += p.sv[idx] as f64;
                    svpb += (p.sv[idx] * p.pb[idx]) as f64;
                }
            }
        }
        let ci = c.grid.index(ic, jc, kc);
        assert!((c.sv[ci] as f64 - sv / 8.0).abs() < 1e-6);
        assert!((c.sv[ci] as f64 * c.pb[ci] as f64 - svpb / 8.0).abs() < 1e-4);
        assert_eq!(c.fixed[c.grid.index(0, 2, 2)], 30.0);
        assert!(c.fixed[c.grid.index(3, 1, 1)] < 0.0);
        // The mixed cell (2, 1, 1) is free and exchanges with 50 mmHg through its lone
        // fixed child's 6 free faces, spread over its 7 free children.
        let mixed = c.grid.index(2, 1, 1);
        assert!(c.fixed[mixed] < 0.0);
        let (mut sv, mut svpb) = (0.0f64, 0.0f64);
        for k in 2..4 {
            for j in 2..4 {
                for i in 4..6 {
                    let idx = g.index(i, j, k);
                    sv += p.sv[idx] as f64;
                    svpb += (p.sv[idx] * p.pb[idx]) as f64;
                }
            }
        }
        let params = O2Params::default();
        let gf =
            6.0 / 7.0 * params.diffusivity_um2_per_s / (100.0 * params.wall_permeability_um_per_s);
        let want_sv = sv / 8.0 + gf;
        let want_pb = (svpb / 8.0 + gf * 50.0) / want_sv;
        assert!((c.sv[mixed] as f64 - want_sv).abs() < 1e-6 * want_sv);
        assert!((c.pb[mixed] as f64 - want_pb).abs() < 1e-5 * want_pb);
        // Without wall exchange a mixed cell is fixed (the former rule).
        let mut no_wall = p.clone();
        no_wall.params.wall_permeability_um_per_s = 0.0;
        assert_eq!(coarsen(&no_wall).fixed[mixed], 50.0);
        let levels = coarse_levels(&p);
        assert_eq!(levels.len(), 1); // 3×3×4 has a dimension below 4
        let shapes: Vec<_> = level_grids(&g).iter().map(|g| g.shape_zyx()).collect();
        assert_eq!(shapes, vec![[5, 6, 7], [3, 3, 4]]);
    }
}
