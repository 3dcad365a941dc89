//! Time stepping of the O2 equation: explicit (forward Euler) steps with Δt from the
//! positivity bound of MODEL.md §1, Δt ≤ 1/(λ + a_max), λ the largest linearised sink
//! (vessel exchange Γ plus the Michaelis–Menten slope M·n/Km at P = 0) and a_max the
//! largest diffusion diagonal: 6D/h² inside, up to 9D/h² at a corner between fixed
//! faces (a fixed face adds 2D/h² where it removes a neighbour's D/h²). A safety factor
//! of 0.9 keeps it strictly inside. Used for fast transients and the cosine-decay
//! validation case; steady states use [`super::solve_steady`].

use crate::backend::O2Backend;
use crate::problem::O2Problem;
use crate::Result;

/// Fraction of the positivity bound used as the step.
pub(crate) const SAFETY: f64 = 0.9;

/// The largest stable, positivity-preserving explicit step (s) for `problem`.
pub fn stable_dt(problem: &O2Problem) -> f64 {
    let p = &problem.params;
    let h = problem.grid.spacing_um;
    let gamma =
        problem.sv.iter().fold(0.0f64, |m, &s| m.max(f64::from(s))) * p.wall_permeability_um_per_s;
    // With Km = 0 the uptake is constant for P > 0 (no stiffness) and cut at 0.
    let uptake = if p.km_mmhg > 0.0 {
        p.max_consumption_mmhg_per_s / p.km_mmhg
    } else {
        0.0
    };
    let c = p.diffusivity_um2_per_s / (h * h);
    let g = &problem.grid;
    let f = &problem.faces;
    // Per axis, the largest diagonal any voxel has: 2c inside, 3c beside a fixed face,
    // and for a one-voxel axis 2c per fixed face.
    let axis = |n: usize, lo: f32, hi: f32| {
        let fixed = u32::from(lo >= 0.0) + u32::from(hi >= 0.0);
        if n == 1 {
            2.0 * c * f64::from(fixed)
        } else if fixed > 0 {
            3.0 * c
        } else {
            2.0 * c
        }
    };
    let diag = axis(g.nx, f[0], f[1]) + axis(g.ny, f[2], f[3]) + axis(g.nz, f[4], f[5]);
    SAFETY / (gamma + uptake + diag)
}

/// Advances the field in `backend` by `duration` seconds in equal steps no larger than
/// [`stable_dt`]; returns (steps, Δt).
pub(crate) fn advance(
    backend: &mut dyn O2Backend,
    problem: &O2Problem,
    duration: f64,
) -> Result<(u32, f64)> {
    let steps = (duration / stable_dt(problem)).ceil();
    if !(duration > 0.0 && steps.is_finite() && steps <= f64::from(u32::MAX)) {
        return Err(crate::Error::Numerical(format!(
            "cannot step the O2 field through {duration} s at Δt ≤ {:.3e} s: the duration \
             must be positive and at most 2³² steps long",
            stable_dt(problem)
        )));
    }
    let steps = steps.max(1.0) as u32;
    let dt = duration / f64::from(steps);
    backend.step_explicit(steps, dt as f32)?;
    Ok((steps, dt))
}
