//! The steady-state driver, shared by both backends: nonlinear red–black SOR with an
//! exact local solve, stopped on the relative residual ‖F(P)‖₂ / ‖F(P₀)‖₂ ≤ tolerance,
//! where P₀ is the field that is zero at every free voxel (so the reference norm is the
//! size of the sources: vessel supply, fixed voxels and fixed faces).
//!
//! Residuals are read every `check_every` sweeps only, so the GPU stays busy.

use crate::backend::cpu::o2_residual;
use crate::backend::O2Backend;
use crate::problem::O2Problem;
use crate::{Error, Result};
use std::time::Instant;

/// How to solve.
#[derive(Debug, Clone, PartialEq)]
pub struct SolveOptions {
    /// Stop when the relative residual is at or below this.
    pub tolerance: f64,
    /// Give up (not converged) after this many sweeps.
    pub max_iterations: u32,
    /// Over-relaxation factor; `None` picks one from the grid shape.
    pub omega: Option<f64>,
    /// Sweeps between residual checks.
    pub check_every: u32,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            tolerance: 1e-6,
            max_iterations: 20_000,
            omega: None,
            check_every: 25,
        }
    }
}

/// What a solve did.
#[derive(Debug, Clone, PartialEq)]
pub struct SolveReport {
    /// Method name recorded in `summary.json` (`solver.method`).
    pub method: &'static str,
    /// Red–black sweeps done.
    pub iterations: u32,
    /// Final relative residual.
    pub residual: f64,
    /// Whether the tolerance was reached.
    pub converged: bool,
    /// Wall-clock seconds of the solve.
    pub seconds: f64,
    /// Over-relaxation used.
    pub omega: f64,
    /// (sweeps, relative residual) at each check.
    pub history: Vec<(u32, f64)>,
}

/// Method name of the red–black SOR solver.
pub const METHOD_RBSOR: &str = "rbsor";

/// SOR factor from the grid: ω = 2 / (1 + √(1 − ρ²)), ρ the Jacobi spectral radius of
/// the 7-point Laplacian (mean of cos(π/n) over the axes), capped at [`OMEGA_CAP`].
/// Consumption and vessel exchange damp the slow modes, so the pure-Laplacian value
/// over-relaxes: on the default scenario ω = 1.93 needs ~200 sweeps to 1e-6, ω = 1.8
/// needs 75 and ω = 1.75 needs 125.
pub fn auto_omega(problem: &O2Problem) -> f64 {
    let g = &problem.grid;
    let rho = [g.nx, g.ny, g.nz]
        .iter()
        .map(|&n| (std::f64::consts::PI / n.max(2) as f64).cos())
        .sum::<f64>()
        / 3.0;
    (2.0 / (1.0 + (1.0 - rho * rho).sqrt())).clamp(1.0, OMEGA_CAP)
}

/// Largest SOR factor [`auto_omega`] picks (measured on the default scenario).
pub const OMEGA_CAP: f64 = 1.8;

/// Checks without a 10 % gain on the best residual after which a solve is declared
/// stagnant: the field has hit the single-precision floor (≈ 1e-7 relative).
const STAGNANT_CHECKS: usize = 10;

/// The reference norm ‖F(P₀)‖₂ (see the module docs); 1 when the problem has no source.
pub fn reference_norm(problem: &O2Problem) -> f64 {
    let mut zero = vec![0.0f32; problem.grid.len()];
    problem.apply_fixed(&mut zero);
    let norm = o2_residual::residual_sq_sum(problem, &zero).sqrt();
    if norm > 0.0 {
        norm
    } else {
        1.0
    }
}

/// Solves the steady O2 problem already loaded into `backend`, from its current field.
pub fn solve_steady(
    backend: &mut dyn O2Backend,
    problem: &O2Problem,
    opts: &SolveOptions,
) -> Result<SolveReport> {
    let start = Instant::now();
    let norm0 = reference_norm(problem);
    let omega = opts.omega.unwrap_or_else(|| auto_omega(problem));
    let check_every = opts.check_every.max(1);
    let mut iterations = 0u32;
    let mut history = Vec::new();
    let mut first = None;
    let mut best = (f64::INFINITY, 0usize);
    loop {
        let rel = backend.residual_sq_sum()?.sqrt() / norm0;
        history.push((iterations, rel));
        if !rel.is_finite() {
            return Err(Error::Numerical(format!(
                "the O2 residual became non-finite after {iterations} sweeps; check the \
                 scenario's parameters for extreme values"
            )));
        }
        let r0 = *first.get_or_insert(rel);
        if rel > 1e6 * r0.max(1e-30) {
            return Err(Error::Numerical(format!(
                "the O2 solve diverged (relative residual {rel:.3e} after {iterations} \
                 sweeps, {r0:.3e} at the start); lower solver.omega"
            )));
        }
        if rel < 0.9 * best.0 {
            best = (rel, history.len());
        }
        let converged = rel <= opts.tolerance;
        let stagnant = history.len() - best.1 >= STAGNANT_CHECKS;
        if stagnant && !converged {
            log::warn!(
                "O2 solve stagnated at relative residual {rel:.3e} after {iterations} sweeps: \
                 this is the single-precision floor of the field; solver.tolerance = {:.1e} \
                 is below what float32 reaches on this problem",
                opts.tolerance
            );
        }
        if converged || stagnant || iterations >= opts.max_iterations {
            if !converged && !stagnant {
                log::warn!(
                    "O2 solve stopped at solver.max_iterations = {} with relative residual \
                     {rel:.3e} > tolerance {:.1e}",
                    opts.max_iterations,
                    opts.tolerance
                );
            }
            return Ok(SolveReport {
                method: METHOD_RBSOR,
                iterations,
                residual: rel,
                converged,
                seconds: start.elapsed().as_secs_f64(),
                omega,
                history,
            });
        }
        let n = check_every.min(opts.max_iterations - iterations);
        backend.sor_sweeps(n, omega as f32)?;
        iterations += n;
        log::debug!("sweeps {iterations}: relative residual {rel:.3e}");
    }
}
