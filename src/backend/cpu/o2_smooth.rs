//! CPU twin of `shaders/o2_smooth.wgsl`: one colour of a nonlinear red–black SOR sweep;
//! each voxel moves by ω times its exact local correction (Gauss–Seidel at ω = 1).
//!
//! Voxel (i, j, k) is red when i + j + k is even. Within one colour every update reads
//! only its own voxel and voxels of the other colour, so the updates are independent;
//! the planes are shared between rayon tasks through `SharedField`.

use crate::backend::stencil::{diagonal_at, residual_at, StencilConsts};
use crate::physics::o2::local_correction;
use crate::problem::O2Problem;
use rayon::prelude::*;

/// A field written concurrently by tasks that touch disjoint voxels.
struct SharedField {
    ptr: *mut f32,
    len: usize,
}

// SAFETY: tasks write disjoint voxels of one colour and read only voxels of the other
// colour (and their own), so no voxel is written by one task while another accesses it.
unsafe impl Sync for SharedField {}

impl SharedField {
    #[inline(always)]
    fn get(&self, idx: usize) -> f32 {
        assert!(idx < self.len);
        // SAFETY: in bounds (checked); see the Sync impl for the absence of races.
        unsafe { *self.ptr.add(idx) }
    }

    #[inline(always)]
    fn set(&self, idx: usize, v: f32) {
        assert!(idx < self.len);
        // SAFETY: as in `get`.
        unsafe { *self.ptr.add(idx) = v }
    }
}

/// Updates every free voxel of `colour` (0 = red, 1 = black) in place; `rhs` is the FAS
/// source term on multigrid coarse levels (the shader's `use_rhs`).
pub fn smooth_colour(
    problem: &O2Problem,
    po2: &mut [f32],
    rhs: Option<&[f32]>,
    colour: usize,
    omega: f32,
) {
    let kc = StencilConsts::of(problem);
    assert_eq!(po2.len(), problem.grid.len());
    let field = SharedField {
        ptr: po2.as_mut_ptr(),
        len: po2.len(),
    };
    (0..kc.nz).into_par_iter().for_each(|kz| {
        for j in 0..kc.ny {
            // The shader's thread x handles i = 2x + ((j + k + colour) & 1).
            let start = (j + kz + colour) & 1;
            for i in (start..kc.nx).step_by(2) {
                let idx = (kz * kc.ny + j) * kc.nx + i;
                if problem.fixed[idx] >= 0.0 {
                    continue;
                }
                let p = updated_at(&kc, problem, |n| field.get(n), rhs, (i, j, kz), idx, omega);
                field.set(idx, p);
            }
        }
    });
}

/// The new value of free voxel (i, j, k) = `idx`: P + ω·δ (never below 0), δ its exact
/// local correction, reading the field through `po2`: the reference update of
/// [`smooth_colour`].
#[inline(always)]
pub(super) fn updated_at(
    kc: &StencilConsts,
    problem: &O2Problem,
    po2: impl Fn(usize) -> f32,
    rhs: Option<&[f32]>,
    (i, j, kz): (usize, usize, usize),
    idx: usize,
    omega: f32,
) -> f32 {
    let a = diagonal_at(kc, problem.sv[idx], i, j, kz, idx);
    let g = rhs.map_or(0.0, |r| r[idx]);
    let r = residual_at(kc, problem, &po2, (i, j, kz), idx, g);
    let p = po2(idx);
    let mn = kc.m_max * problem.viable[idx];
    (p + omega * local_correction(a, r, p, mn, kc.km)).max(0.0)
}
