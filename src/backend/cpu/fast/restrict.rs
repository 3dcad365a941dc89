//! Restriction's means ([`mg_transfer::restrict_plane`]) bit for bit, fast where a
//! coarse voxel has all eight children at unit weight (every one but those on the fine
//! level's last cells when they are narrow, and the last coarse cell of an odd size):
//! the same sums in the same order (z, then y, then x; a weight of 1 multiplies
//! exactly, eight of them count 8), over slices of the four fine rows, so that the
//! loop has no index arithmetic or bounds checks and vectorises. The other coarse
//! voxels take the twin's [`mg_transfer::child_means`].

use crate::backend::cpu::mg_transfer;
use crate::grid::Grid;
use crate::problem::O2Problem;

/// Coarse plane `kc` of `c` from the fine level: `r` holds the residuals of the fine
/// planes 2kc and 2kc + 1 (those that exist), one after the other; `out` that plane of
/// the coarse po2, po2_old and rhs.
pub(crate) fn restrict_plane(
    fine: &O2Problem,
    fine_po2: &[f32],
    r: &[f32],
    (c, kc): (&Grid, usize),
    (po2, po2_old, rhs): (&mut [f32], &mut [f32], &mut [f32]),
) {
    let f = fine.grid;
    let plane = f.nx * f.ny;
    let first = 2 * kc;
    let resid = |fi: usize| r[fi - first * plane];
    // The children of a coarse index c along an axis of n fine cells all weigh 1 when
    // 2c + 1 < lim: within the grid, and off a narrow last cell.
    let lim = |n: usize, axis: usize| {
        if fine.edge_width[axis] == 1.0 {
            n
        } else {
            n - 1
        }
    };
    let (lx, ly, lz) = (lim(f.nx, 0), lim(f.ny, 1), lim(f.nz, 2));
    // Coarse x indices with whole children: 0..fast_x.
    let fast_x = (lx / 2).min(c.nx);
    for jc in 0..c.ny {
        let out = jc * c.nx..(jc + 1) * c.nx;
        let (po2, po2_old, rhs) = (
            &mut po2[out.clone()],
            &mut po2_old[out.clone()],
            &mut rhs[out],
        );
        let whole = 2 * jc + 1 < ly && first + 1 < lz;
        let start = if whole {
            // The four fine rows' starts, in the twin's (z, y) order.
            let (j0, j1) = (2 * jc, 2 * jc + 1);
            let at = [(first, j0), (first, j1), (first + 1, j0), (first + 1, j1)]
                .map(|(k, j)| f.index(0, j, k));
            let n = 2 * fast_x;
            let p = four_rows(fine_po2, at, n);
            let q = four_rows(r, at.map(|i| i - first * plane), n);
            means(
                p,
                q,
                (
                    &mut po2[..fast_x],
                    &mut po2_old[..fast_x],
                    &mut rhs[..fast_x],
                ),
            );
            fast_x
        } else {
            0
        };
        for ic in start..c.nx {
            let (p, r) = mg_transfer::child_means(fine, fine_po2, &resid, (ic, jc, kc));
            po2[ic] = p;
            po2_old[ic] = p;
            rhs[ic] = r;
        }
    }
}

/// The `n` values of `src` from each of the offsets `at`.
fn four_rows(src: &[f32], at: [usize; 4], n: usize) -> [&[f32]; 4] {
    at.map(|i| &src[i..][..n])
}

/// The means over 2 × 2 × 2 children from the four fine rows (z, y order: (k, j),
/// (k, j + 1), (k + 1, j), (k + 1, j + 1)) of pO2 `p` and residual `r`, each coarse
/// voxel's children x = 2i and 2i + 1, summed as the twin sums them.
#[inline]
fn means(
    p: [&[f32]; 4],
    r: [&[f32]; 4],
    (po2, po2_old, rhs): (&mut [f32], &mut [f32], &mut [f32]),
) {
    let n = po2.len();
    let sum = |rows: &[&[f32]; 4], i: usize| {
        // 0 + …, as the twin's sum starts (it turns −0 into +0).
        let mut s = 0.0f32;
        for row in rows {
            s += row[2 * i];
            s += row[2 * i + 1];
        }
        s
    };
    for i in 0..n {
        let mp = sum(&p, i) / 8.0;
        po2[i] = mp;
        po2_old[i] = mp;
        rhs[i] = sum(&r, i) / 8.0;
    }
}
