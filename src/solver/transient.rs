//! Time stepping of the O2 equation: explicit (forward Euler) steps with Δt from the
//! positivity bound of MODEL.md §1, Δt ≤ 1/(λ + 6D/h²), λ the largest linearised sink
//! (vessel exchange Γ plus the Michaelis–Menten slope M·n/Km at P = 0). A safety factor
//! of 0.9 keeps it strictly inside. Used for fast transients and the cosine-decay
//! validation case; steady states use [`super::solve_steady`].

use crate::backend::O2Backend;
use crate::problem::O2Problem;
use crate::Result;

/// Fraction of the positivity bound used as the step.
pub const SAFETY: f64 = 0.9;

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
    SAFETY / (gamma + uptake + 6.0 * p.diffusivity_um2_per_s / (h * h))
}

/// Advances the field in `backend` by `duration` seconds in equal steps no larger than
/// [`stable_dt`]; returns (steps, Δt).
pub fn advance(
    backend: &mut dyn O2Backend,
    problem: &O2Problem,
    duration: f64,
) -> Result<(u32, f64)> {
    let steps = (duration / stable_dt(problem)).ceil().max(1.0) as u32;
    let dt = duration / f64::from(steps);
    backend.step_explicit(steps, dt as f32)?;
    Ok((steps, dt))
}
