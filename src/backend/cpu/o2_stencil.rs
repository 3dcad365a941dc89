//! CPU twins of `diagonal_at` and `residual_at` in `shaders/shared/o2_common.wgsl`: the
//! 7-point stencil of the steady O2 equation at one voxel. Terms are added in the
//! shader's order (x−, x+, y−, y+, z−, z+, vessel, uptake).

use crate::physics::o2::residual;
use crate::problem::O2Problem;

/// The uniform constants of the O2 kernels (mirror of WGSL `O2Params`).
#[derive(Debug, Clone, Copy)]
pub struct StencilConsts {
    /// Voxels along x.
    pub nx: usize,
    /// Voxels along y.
    pub ny: usize,
    /// Voxels along z.
    pub nz: usize,
    /// D/h² (1/s).
    pub c: f32,
    /// M (mmHg/s).
    pub m_max: f32,
    /// Km (mmHg).
    pub km: f32,
    /// Pw (µm/s).
    pub pw: f32,
    /// Face values (mmHg; negative = no-flux), order of [`crate::problem::face`].
    pub faces: [f32; 6],
}

impl StencilConsts {
    /// Constants of `problem`.
    pub fn of(problem: &O2Problem) -> Self {
        let g = &problem.grid;
        let p = &problem.params;
        StencilConsts {
            nx: g.nx,
            ny: g.ny,
            nz: g.nz,
            c: (p.diffusivity_um2_per_s / (g.spacing_um * g.spacing_um)) as f32,
            m_max: p.max_consumption_mmhg_per_s as f32,
            km: p.km_mmhg as f32,
            pw: p.wall_permeability_um_per_s as f32,
            faces: problem.faces,
        }
    }

    /// For each of the six neighbours of (i, j, k) = `idx`: (inside the grid, its
    /// index, the face value used when it is outside).
    #[inline(always)]
    fn sides(&self, i: usize, j: usize, k: usize, idx: usize) -> [(bool, usize, f32); 6] {
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
}

/// Diagonal `a` of the stencil at (i, j, k) = `idx` (1/s).
#[inline(always)]
pub fn diagonal_at(k: &StencilConsts, sv: f32, i: usize, j: usize, kz: usize, idx: usize) -> f32 {
    let mut a = 0.0f32;
    for (inside, _, face) in k.sides(i, j, kz, idx) {
        if inside {
            a += k.c;
        } else if face >= 0.0 {
            a += 2.0 * k.c;
        }
    }
    a + k.pw * sv
}

/// Pointwise residual F(P) + g at (i, j, k) = `idx` in difference form (mmHg/s),
/// reading the field through `po2`; `g` is the level's FAS source term (0 on the finest
/// level). Mirrors `residual_at` (with `net_supply`) in the shader.
#[inline(always)]
pub fn residual_at(
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
pub fn net_supply(
    k: &StencilConsts,
    problem: &O2Problem,
    po2: &impl Fn(usize) -> f32,
    (i, j, kz): (usize, usize, usize),
    idx: usize,
) -> f32 {
    let p = po2(idx);
    let mut f = 0.0f32;
    for (inside, nb, face) in k.sides(i, j, kz, idx) {
        if inside {
            f += k.c * (po2(nb) - p);
        } else if face >= 0.0 {
            f += 2.0 * k.c * (face - p);
        }
    }
    f + k.pw * problem.sv[idx] * (problem.pb[idx] - p)
}
