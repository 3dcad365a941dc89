//! Steady ROS: the quasi-steady R solve with G held, and the joint steady state of R
//! and G.

use super::{baseline_gsh, problem, production_field, RosSources};
use crate::backend::O2Backend;
use crate::physics::ros::RosParams;
use crate::problem::O2Problem;
use crate::solver::{self, SolveOptions, SolveReport};
use crate::Result;
use std::time::Instant;

/// Largest change of G, relative to G0, at which the R–G iteration stops.
pub(crate) const GSH_TOLERANCE: f64 = 1e-5;
/// Most R–G iterations.
pub(crate) const MAX_GSH_ITERATIONS: u32 = 30;

/// R at steady state for a given G.
#[derive(Debug, Clone)]
pub struct RosField {
    /// R (µM).
    pub ros: Vec<f32>,
    /// The solve.
    pub(crate) report: SolveReport,
}

/// Solves for R at steady state with `gsh` held, starting from `start` (or the
/// problem's initial guess). Leaves the R problem loaded in `backend`.
pub fn solve_ros(
    backend: &mut dyn O2Backend,
    o2: &O2Problem,
    params: &RosParams,
    production: &[f32],
    gsh: &[f32],
    start: Option<&[f32]>,
    opts: &SolveOptions,
) -> Result<RosField> {
    let start = start.map(<[f32]>::to_vec);
    solve_ros_from(backend, o2, params, production, gsh, start, opts)
}

/// [`solve_ros`] giving the start up: the R problem and the start move onto the backend
/// ([`solver::host::solve_owned`]), so that the CPU backend copies neither.
fn solve_ros_from(
    backend: &mut dyn O2Backend,
    o2: &O2Problem,
    params: &RosParams,
    production: &[f32],
    gsh: &[f32],
    start: Option<Vec<f32>>,
    opts: &SolveOptions,
) -> Result<RosField> {
    let rp = problem::build(o2, params, production, gsh)?;
    let init = match start {
        Some(mut f) => {
            rp.apply_fixed(&mut f);
            f
        }
        None => rp.initial_guess(),
    };
    let (ros, report) =
        solver::host::solve_owned(backend, rp, init, "ROS", "after the ROS solve", opts)?;
    Ok(RosField { ros, report })
}

/// The joint steady state of R and G.
#[derive(Debug, Clone)]
pub struct RosSteady {
    /// R (µM), at steady state for `gsh`.
    pub ros: Vec<f32>,
    /// G (mM), within `GSH_TOLERANCE`·G0 of its steady value under `ros`.
    pub gsh: Vec<f32>,
    /// Production S (µM/s) that `ros` balances.
    pub production: Vec<f32>,
    /// The last R solve.
    pub(crate) report: SolveReport,
    /// R–G iterations (R solves).
    pub gsh_iterations: u32,
    /// The last change of G relative to G0.
    pub(crate) gsh_change: f64,
    /// Whether the R–G iteration and the last R solve converged.
    pub converged: bool,
    /// Wall-clock seconds of all solves.
    pub(crate) seconds: f64,
}

/// Alternates R solves (G held) with G ← G∞(R) from G0·n until G changes by less than
/// `GSH_TOLERANCE`·G0 (or `MAX_GSH_ITERATIONS`). The returned R is the steady R of
/// the returned G, so the R balance holds exactly for the pair.
pub fn solve_steady_state(
    backend: &mut dyn O2Backend,
    o2: &O2Problem,
    params: &RosParams,
    sources: &RosSources,
    opts: &SolveOptions,
) -> Result<RosSteady> {
    let start = Instant::now();
    let production = production_field(o2, params, sources);
    let mut gsh = baseline_gsh(o2, params);
    let mut ros: Option<Vec<f32>> = None;
    let g0 = params.gsh_baseline_mm.max(f64::MIN_POSITIVE);
    let mut iterations = 0;
    loop {
        let field = solve_ros_from(backend, o2, params, &production, &gsh, ros.take(), opts)?;
        iterations += 1;
        // G∞(R) per voxel, computed twice (for the change, then into `gsh` when another
        // R solve follows) rather than held in a second field.
        let next = |i: usize| {
            if o2.is_fixed(i) {
                0.0
            } else {
                params.gsh_steady(o2.viable[i], field.ros[i])
            }
        };
        let change = gsh
            .iter()
            .enumerate()
            .map(|(i, &g)| f64::from((next(i) - g).abs()))
            .fold(0.0, f64::max)
            / g0;
        log::debug!(
            "ROS solve {iterations}: {} iterations, residual {:.2e}; G change {change:.2e}",
            field.report.iterations,
            field.report.residual
        );
        let done = change <= GSH_TOLERANCE;
        if done || iterations >= MAX_GSH_ITERATIONS {
            if !done {
                let what = format!(
                    "the ROS–GSH iteration did not settle: G still changed by {change:.2e}·G0 \
                     after {iterations} R solves (tolerance {GSH_TOLERANCE:.0e}·G0)"
                );
                crate::solver::refuse_or_keep(
                    &what,
                    "check ros.gsh_per_ros and ros.gsh_regeneration_per_s for extreme values",
                    opts.allow_unconverged,
                )?;
            }
            let converged = done && field.report.converged;
            return Ok(RosSteady {
                ros: field.ros,
                gsh,
                production,
                report: field.report,
                gsh_iterations: iterations,
                gsh_change: change,
                converged,
                seconds: start.elapsed().as_secs_f64(),
            });
        }
        for (i, g) in gsh.iter_mut().enumerate() {
            *g = next(i);
        }
        ros = Some(field.ros);
    }
}
