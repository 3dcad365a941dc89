//! The 7-point stencil of the steady O2 equation at one voxel, shared by both
//! backends: its constants (`StencilConsts`, mirrored by the GPU's `O2Params`) and
//! the host forms of `diagonal_at` and `residual_at` in
//! `shaders/shared/o2_common.wgsl`, which the CPU twins, the host reference norm and
//! the mass balance use. Terms are added in the shader's order (x−, x+, y−, y+, z−,
//! z+, vessel, uptake). Kept out of `cpu/` so that the GPU backend and `metrics` do not
//! depend on the CPU backend.

use crate::physics::o2::residual;
use crate::problem::O2Problem;
use rayon::prelude::*;

/// The uniform constants of the O2 kernels (mirror of WGSL `O2Params`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct StencilConsts {
    /// Voxels along x.
    pub(crate) nx: usize,
    /// Voxels along y.
    pub(crate) ny: usize,
    /// Voxels along z.
    pub(crate) nz: usize,
    /// D/h² (1/s).
    pub(crate) c: f32,
    /// M (mmHg/s).
    pub(crate) m_max: f32,
    /// Km (mmHg).
    pub(crate) km: f32,
    /// Pw (µm/s).
    pub(crate) pw: f32,
    /// Face values (mmHg; negative = no-flux), order of [`crate::problem::face`].
    pub(crate) faces: [f32; 6],
    /// Per axis x, y, z, the coupling weights (in units of D/h²) that the last cell's
    /// true width gives (see [`EdgeWeights`]); all the uniform-grid values on the
    /// user's grid.
    pub(crate) edge: [EdgeWeights; 3],
    /// True when every last cell is full (φ = 1 on every axis): the stencil needs no
    /// edge weights.
    pub(crate) uniform: bool,
}

/// The coupling of a mixed coarse cell to its fixed children, per fixed–free face and
/// per free child, in units of Sv (1/µm): D/(h_f²·Pw) from the fine level's D/h² `c`
/// and wall permeability `pw`, so that Γ = Pw·Sv carries it (see
/// [`crate::problem::hierarchy`]). 0 without wall exchange (Pw = 0, or so small that
/// the coupling overflows f32): mixed cells are then fixed, the former rule. One f32
/// division, the same on both backends.
pub(crate) fn mixed_coupling(c: f32, pw: f32) -> f32 {
    let k = c / pw;
    // A wall permeability so small that the coupling (times up to 48 faces per free
    // child) would overflow f32 counts as none.
    if pw > 0.0 && k.is_finite() && k < f32::MAX / 64.0 {
        k
    } else {
        0.0
    }
}

/// Coupling weights near the high end of one axis whose last cell is φ times the
/// spacing wide (φ = [`O2Problem::edge_width`]; φ < 1 on coarse levels of odd axes).
///
/// Finite volumes with cell centres: the last cell's centre is (1 + φ)·h/2 from its
/// inner neighbour's and φ·h/2 from the high face. Per unit volume, its coupling to the
/// neighbour is D/((1 + φ)h/2 · φh), to a fixed face D/(φh/2 · φh); the neighbour's
/// coupling to it is D/((1 + φ)h/2 · h). At φ = 1 these are 1, 2 and 1 (the uniform
/// stencil); the two cells' fluxes stay equal and opposite (φ·inner = prev).
/// Mirrored by `edge_in`, `edge_prev` and `edge_face` in `O2Params`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct EdgeWeights {
    /// The last cell's coupling to its inner neighbour, 2/(φ(1 + φ)).
    pub(crate) inner: f32,
    /// The second-last cell's coupling to the last, 2/(1 + φ).
    pub(crate) prev: f32,
    /// The last cell's coupling to a fixed high face, 2/φ².
    pub(crate) face: f32,
}

impl EdgeWeights {
    /// The weights for a last cell of relative width `phi` ∈ (0, 1].
    pub(crate) fn of(phi: f32) -> Self {
        // Exact at φ = 1 (1, 1, 2: the uniform stencil, so the user's grid is unchanged).
        EdgeWeights {
            inner: 2.0 / (phi * (1.0 + phi)),
            prev: 2.0 / (1.0 + phi),
            face: 2.0 / (phi * phi),
        }
    }
}

impl StencilConsts {
    /// Constants of `problem`.
    pub(crate) fn of(problem: &O2Problem) -> Self {
        Self::from_parts(
            &problem.grid,
            &problem.params,
            problem.faces,
            problem.edge_width,
        )
    }

    /// Constants of a problem on `g` with `p`, `faces` and last-cell widths
    /// `edge_width`.
    pub(crate) fn from_parts(
        g: &crate::grid::Grid,
        p: &crate::physics::o2::O2Params,
        faces: [f32; 6],
        edge_width: [f32; 3],
    ) -> Self {
        StencilConsts {
            nx: g.nx,
            ny: g.ny,
            nz: g.nz,
            c: (p.diffusivity_um2_per_s / (g.spacing_um * g.spacing_um)) as f32,
            m_max: p.max_consumption_mmhg_per_s as f32,
            km: p.km_mmhg as f32,
            pw: p.wall_permeability_um_per_s as f32,
            faces,
            edge: edge_width.map(EdgeWeights::of),
            uniform: edge_width == [1.0; 3],
        }
    }

    /// [`Self::sides`] without weights, for a [`Self::uniform`] level.
    #[inline(always)]
    fn sides_uniform(&self, i: usize, j: usize, k: usize, idx: usize) -> [(bool, usize, f32); 6] {
        let (sy, sz) = (self.nx, self.nx * self.ny);
        [
            (i > 0, idx.wrapping_sub(1), self.faces[0]),
            (i + 1 < self.nx, idx + 1, self.faces[1]),
            (j > 0, idx.wrapping_sub(sy), self.faces[2]),
            (j + 1 < self.ny, idx + sy, self.faces[3]),
            (k > 0, idx.wrapping_sub(sz), self.faces[4]),
            (k + 1 < self.nz, idx + sz, self.faces[5]),
        ]
    }

    /// For each of the six neighbours of (i, j, k) = `idx`: (inside the grid, its
    /// index, the face value used when it is outside, the coupling weight in units of
    /// D/h²: to the neighbour when inside, to the face when outside).
    #[inline(always)]
    fn sides(&self, i: usize, j: usize, k: usize, idx: usize) -> [(bool, usize, f32, f32); 6] {
        let (sy, sz) = (self.nx, self.nx * self.ny);
        let [ex, ey, ez] = self.edge;
        let (lx, hx) = axis_weights(i, self.nx, &ex);
        let (ly, hy) = axis_weights(j, self.ny, &ey);
        let (lz, hz) = axis_weights(k, self.nz, &ez);
        [
            (i > 0, idx.wrapping_sub(1), self.faces[0], lx),
            (i + 1 < self.nx, idx + 1, self.faces[1], hx),
            (j > 0, idx.wrapping_sub(sy), self.faces[2], ly),
            (j + 1 < self.ny, idx + sy, self.faces[3], hy),
            (k > 0, idx.wrapping_sub(sz), self.faces[4], lz),
            (k + 1 < self.nz, idx + sz, self.faces[5], hz),
        ]
    }
}

impl StencilConsts {
    /// Per cell of `axis` (0 = x, 1 = y, 2 = z), the coefficients of its (low, high)
    /// side in the stencil: c·w to an inside neighbour or a fixed face, 0 at a no-flux
    /// face; the terms [`diagonal_at`] adds and [`net_supply`] multiplies, so that a
    /// loop written with them gives bitwise the same values (a 0 coefficient adds
    /// ±0 where the reference adds nothing, which leaves its sums, never −0, unchanged).
    pub(crate) fn couplings(&self, axis: usize) -> Vec<(f32, f32)> {
        let n = [self.nx, self.ny, self.nz][axis];
        let (lo_face, hi_face) = (self.faces[2 * axis], self.faces[2 * axis + 1]);
        (0..n)
            .map(|i| {
                let (wl, wh) = axis_weights(i, n, &self.edge[axis]);
                let lo = if i > 0 || lo_face >= 0.0 {
                    self.c * wl
                } else {
                    0.0
                };
                let hi = if i + 1 < n || hi_face >= 0.0 {
                    self.c * wh
                } else {
                    0.0
                };
                (lo, hi)
            })
            .collect()
    }
}

/// The (low, high) coupling weights of cell `i` of `n` along one axis; the shader's
/// `weight_lo` / `weight_hi`.
#[inline(always)]
fn axis_weights(i: usize, n: usize, e: &EdgeWeights) -> (f32, f32) {
    // Most cells: an inner neighbour on both sides, neither of them the last cell.
    if i > 0 && i + 2 < n {
        return (1.0, 1.0);
    }
    let last = i + 1 == n;
    // Low side: the inner neighbour, or the low face (a lone cell is also the last).
    let lo = if i > 0 {
        if last {
            e.inner
        } else {
            1.0
        }
    } else if last {
        e.face
    } else {
        2.0
    };
    // High side: the neighbour (the last cell when i = n − 2), or the high face.
    let hi = if last {
        e.face
    } else if i + 2 == n {
        e.prev
    } else {
        1.0
    };
    (lo, hi)
}

/// Diagonal `a` of the stencil at (i, j, k) = `idx` (1/s).
#[inline(always)]
pub(crate) fn diagonal_at(
    k: &StencilConsts,
    sv: f32,
    i: usize,
    j: usize,
    kz: usize,
    idx: usize,
) -> f32 {
    let mut a = 0.0f32;
    if k.uniform {
        // The user's grid (every level of even axes): the plain stencil, the same
        // values as the weighted one at w = 1, 2, without its weights in the hot loop.
        for (inside, _, face) in k.sides_uniform(i, j, kz, idx) {
            if inside {
                a += k.c;
            } else if face >= 0.0 {
                a += 2.0 * k.c;
            }
        }
        return a + k.pw * sv;
    }
    for (inside, _, face, w) in k.sides(i, j, kz, idx) {
        if inside || face >= 0.0 {
            a += k.c * w;
        }
    }
    a + k.pw * sv
}

/// Pointwise residual F(P) + g at (i, j, k) = `idx` in difference form (mmHg/s),
/// reading the field through `po2`; `g` is the level's FAS source term (0 on the finest
/// level). Mirrors `residual_at` (with `net_supply`) in the shader.
#[inline(always)]
pub(crate) fn residual_at(
    k: &StencilConsts,
    problem: &O2Problem,
    po2: impl Fn(usize) -> f32,
    ijk: (usize, usize, usize),
    idx: usize,
    g: f32,
) -> f32 {
    let f = net_supply(k, problem, &po2, ijk, idx) + g;
    residual(f, po2(idx), k.m_max * problem.viable[idx], k.km)
}

/// Net supply Σ c·(P_nb − P) + faces + Γ·(Pb − P) at `idx` (mmHg/s), the shader's
/// `net_supply`.
#[inline(always)]
pub(crate) fn net_supply(
    k: &StencilConsts,
    problem: &O2Problem,
    po2: &impl Fn(usize) -> f32,
    (i, j, kz): (usize, usize, usize),
    idx: usize,
) -> f32 {
    let p = po2(idx);
    let mut f = 0.0f32;
    if k.uniform {
        // As in `diagonal_at`: bitwise the weighted form at w = 1, 2.
        for (inside, nb, face) in k.sides_uniform(i, j, kz, idx) {
            if inside {
                f += k.c * (po2(nb) - p);
            } else if face >= 0.0 {
                f += 2.0 * k.c * (face - p);
            }
        }
        return f + k.pw * problem.sv[idx] * (problem.pb[idx] - p);
    }
    for (inside, nb, face, w) in k.sides(i, j, kz, idx) {
        if inside {
            f += k.c * w * (po2(nb) - p);
        } else if face >= 0.0 {
            f += k.c * w * (face - p);
        }
    }
    f + k.pw * problem.sv[idx] * (problem.pb[idx] - p)
}

/// Pointwise residual F(P) at voxel `idx` (0 at fixed voxels), mmHg/s.
pub(crate) fn free_residual_at(
    problem: &O2Problem,
    k: &StencilConsts,
    po2: &[f32],
    idx: usize,
) -> f32 {
    if problem.fixed[idx] >= 0.0 {
        return 0.0;
    }
    residual_at(k, problem, |n| po2[n], problem.grid.ijk(idx), idx, 0.0)
}

/// Σ F(P)² over free voxels (mmHg²/s²): each z-plane's [`plane_sq_sum`], the planes
/// added in order, so the result does not depend on the number of threads.
pub fn residual_sq_sum(problem: &O2Problem, po2: &[f32]) -> f64 {
    let kc = StencilConsts::of(problem);
    let plane = kc.nx * kc.ny;
    (0..kc.nz)
        .into_par_iter()
        .map(|kz| {
            let r: Vec<f32> = (kz * plane..(kz + 1) * plane)
                .map(|idx| free_residual_at(problem, &kc, po2, idx))
                .collect();
            plane_sq_sum(&r)
        })
        .collect::<Vec<f64>>()
        .iter()
        .sum()
}

/// Σ r² in f64 over one plane's residuals `r`, in a fixed order: eight running sums,
/// value i into sum i mod 8 in order, then ((s₀ + s₁) + (s₂ + s₃)) + ((s₄ + s₅) +
/// (s₆ + s₇)). Eight independent chains instead of one: the sum vectorises and is not
/// bound by the latency of one chain of f64 additions (one plane's sum in one chain took
/// 6 % of a drug sub-step's time on 2 cores).
pub fn plane_sq_sum(r: &[f32]) -> f64 {
    let mut s = [0.0f64; 8];
    let mut chunks = r.chunks_exact(8);
    for c in &mut chunks {
        for (s, &v) in s.iter_mut().zip(c) {
            *s += f64::from(v) * f64::from(v);
        }
    }
    for (s, &v) in s.iter_mut().zip(chunks.remainder()) {
        *s += f64::from(v) * f64::from(v);
    }
    ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
}

#[cfg(test)]
mod tests {
    use super::plane_sq_sum;

    #[test]
    fn the_plane_sum_of_squares_is_every_value_once_in_its_fixed_order() {
        // Integers square and add exactly in f64: every length, remainders included,
        // gives the plain sum exactly.
        for len in 0..40 {
            let r: Vec<f32> = (0..len).map(|i| (i as f32) - 7.0).collect();
            let plain: f64 = r.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
            assert_eq!(plane_sq_sum(&r), plain, "length {len}");
        }
        // The order is the documented one: eight running sums, then the pairwise tree.
        let r: Vec<f32> = (0..1003)
            .map(|i| ((i * 37 % 101) as f32) * 0.013 - 0.4)
            .collect();
        let mut s = [0.0f64; 8];
        for (i, &v) in r.iter().enumerate() {
            s[i % 8] += f64::from(v) * f64::from(v);
        }
        let want = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
        assert_eq!(plane_sq_sum(&r).to_bits(), want.to_bits());
    }
}
