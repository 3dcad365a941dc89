//! Nonlinear red–black SOR on level 0: each voxel moves by ω times its exact local
//! correction. O(N) sweeps for N voxels per axis; the baseline multigrid is measured
//! against.

use super::monitor::{Monitor, Verdict};
use super::{SolveOptions, SolveReport, OMEGA_CAP};

/// SOR may make slow progress for hundreds of sweeps: stagnation is only declared near
/// the float32 floor.
const STAGNATION_BELOW_SOR: f64 = 1e-5;
use crate::backend::O2Backend;
use crate::grid::Grid;
use crate::Result;
use std::time::Instant;

/// SOR factor from the grid: ω = 2 / (1 + √(1 − ρ²)), ρ the Jacobi spectral radius of
/// the 7-point Laplacian, estimated as cos(π/n) of the longest axis (the slowest mode
/// lies along it; a thin axis with no-flux faces only adds its constant mode), capped
/// at [`OMEGA_CAP`].
/// Consumption and vessel exchange damp the slow modes, so the pure-Laplacian value
/// over-relaxes: on the default scenario ω = 1.93 needs ~200 sweeps to 1e-6, ω = 1.8
/// needs 75 and ω = 1.75 needs 125.
pub(crate) fn auto_omega(g: &Grid) -> f64 {
    let n = g.nx.max(g.ny).max(g.nz).max(2);
    let rho = (std::f64::consts::PI / n as f64).cos();
    (2.0 / (1.0 + (1.0 - rho * rho).sqrt())).clamp(1.0, OMEGA_CAP)
}

/// Solves with red–black SOR sweeps on level 0 of the problem loaded on `grid`;
/// residuals relative to `norm0` (‖F(P₀)‖).
pub(crate) fn solve(
    backend: &mut dyn O2Backend,
    grid: &Grid,
    opts: &SolveOptions,
    norm0: f64,
) -> Result<SolveReport> {
    let start = Instant::now();
    let mut monitor = Monitor::new(
        norm0,
        opts.tolerance,
        opts.max_iterations,
        STAGNATION_BELOW_SOR,
        opts.field,
    );
    let omega = opts.omega.unwrap_or_else(|| auto_omega(grid));
    let check_every = opts.check_every.max(1);
    let mut sweeps = 0u32;
    let mut checks = 0u32;
    loop {
        checks += 1;
        if let Verdict::Stop { status, residual } =
            monitor.check(backend.residual_sq_sum()?, sweeps)?
        {
            return Ok(SolveReport {
                method: crate::solver::Method::RbSor,
                iterations: sweeps,
                sweep_equivalents: f64::from(sweeps + checks),
                levels: 1,
                residual,
                converged: status.accepted(),
                status,
                seconds: start.elapsed().as_secs_f64(),
                omega,
                history: monitor.history,
            });
        }
        let n = check_every.min(opts.max_iterations - sweeps);
        backend.smooth(0, n, omega as f32)?;
        sweeps += n;
    }
}
