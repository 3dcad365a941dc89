//! A coarse level's coefficients (Sv, Pb, n, fixed) from the level above it: the
//! twin [`crate::backend::cpu::mg_transfer::coarsen`] bit for bit (the arithmetic of
//! `mg_coarsen`, whose GPU divisions need not round as the CPU's), organised for the
//! CPU. The twin maps every coarse voxel
//! through its (i, j, k), each child through an index computation and three edge tests
//! for its weight, and gathers the results in a list that one thread then scatters;
//! here each task fills one coarse plane of the four arrays in place, walking its
//! children's rows, with each child's weight from per-axis tables. The same sums in the
//! same order: children by z, then y, then x, each weighted by wx·wy·wz as
//! [`O2Problem::cell_volume`] multiplies them.

use super::for_each;
use crate::backend::cpu::mg_transfer::CoarseSums as Sums;
use crate::backend::stencil::{mixed_coupling, StencilConsts};
use crate::problem::hierarchy::fixed_free_pairs;
use crate::problem::O2Problem;

/// Fills `coarse`'s Sv, Pb, n and fixed from `fine` (see the module docs); `coarse`'s
/// grid is `fine`'s coarsened.
pub fn coarsen(fine: &O2Problem, coarse: &mut O2Problem) {
    let (f, c) = (fine.grid, coarse.grid);
    if c.is_empty() {
        return;
    }
    let k = StencilConsts::of(fine);
    let coupling = mixed_coupling(k.c, k.pw);
    // A child's relative width per axis: 1, or the edge width for the axis's last cell.
    let widths = |n: usize, last: f32| -> Vec<f32> {
        (0..n)
            .map(|i| if i + 1 == n { last } else { 1.0 })
            .collect()
    };
    let e = fine.edge_width;
    let (wx, wy, wz) = (widths(f.nx, e[0]), widths(f.ny, e[1]), widths(f.nz, e[2]));
    let plane = c.nx * c.ny;
    // Coarse cells whose children along an axis are two cells of weight 1.
    let full =
        |ws: &[f32], c: usize| 2 * c + 1 < ws.len() && ws[2 * c] == 1.0 && ws[2 * c + 1] == 1.0;
    let full_x = (0..c.nx).take_while(|&ic| full(&wx, ic)).count();
    let fill =
        |kc: usize, sv_o: &mut [f32], pb_o: &mut [f32], n_o: &mut [f32], fx_o: &mut [f32]| {
            let ks = 2 * kc..(2 * kc + 2).min(f.nz);
            for jc in 0..c.ny {
                let js = 2 * jc..(2 * jc + 2).min(f.ny);
                let mut out = |ic: usize, sums: Sums| {
                    let o = jc * c.nx + ic;
                    let v = sums.coarse(|| fixed_free_pairs(fine, (ic, jc, kc)), coupling);
                    (sv_o[o], pb_o[o], n_o[o], fx_o[o]) = (v[0], v[1], v[2], v[3]);
                };
                let mut from = 0;
                if full(&wy, jc) && full(&wz, kc) {
                    // Eight children of weight 1 (w·x = x): the fine rows' slices, in the
                    // twin's order (z, then y, then x).
                    let rows = [(0, 0), (0, 1), (1, 0), (1, 1)].map(|(dz, dy)| {
                        f.index(0, 2 * jc + dy, 2 * kc + dz)
                            ..f.index(0, 2 * jc + dy, 2 * kc + dz) + f.nx
                    });
                    let viable = rows.clone().map(|r| &fine.viable[r]);
                    let sv = rows.clone().map(|r| &fine.sv[r]);
                    let pb = rows.clone().map(|r| &fine.pb[r]);
                    let fixed = rows.map(|r| &fine.fixed[r]);
                    for ic in 0..full_x {
                        let mut s = Sums::default();
                        for r in 0..4 {
                            for i in 2 * ic..2 * ic + 2 {
                                s.add(1.0, viable[r][i], sv[r][i], pb[r][i], fixed[r][i]);
                            }
                        }
                        out(ic, s);
                    }
                    from = full_x;
                }
                for ic in from..c.nx {
                    let is = 2 * ic..(2 * ic + 2).min(f.nx);
                    let mut s = Sums::default();
                    for kf in ks.clone() {
                        for jf in js.clone() {
                            let row = f.index(0, jf, kf);
                            for i in is.clone() {
                                let idx = row + i;
                                let w = wx[i] * wy[jf] * wz[kf];
                                s.add(
                                    w,
                                    fine.viable[idx],
                                    fine.sv[idx],
                                    fine.pb[idx],
                                    fine.fixed[idx],
                                );
                            }
                        }
                    }
                    out(ic, s);
                }
            }
        };
    let O2Problem {
        sv,
        pb,
        viable,
        fixed,
        ..
    } = coarse;
    let planes: Vec<_> = sv
        .chunks_mut(plane)
        .zip(pb.chunks_mut(plane))
        .zip(viable.chunks_mut(plane))
        .zip(fixed.chunks_mut(plane))
        .enumerate()
        .collect();
    // Parallel by the fine level's size, as the twin's work is.
    for_each(f.len(), planes, |(kc, (((sv, pb), n), fx))| {
        fill(kc, sv, pb, n, fx)
    });
}
