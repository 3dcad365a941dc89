//! Drug fields (MODEL.md §4): a prodrug C entering through vessel walls from the plasma
//! curve, diffusing, activated where O2 is low into an active metabolite A (diffusing for
//! a bystander effect, or staying put), and the exposure ∫A dt that kills. See
//! [`crate::physics::drug`] for the equations.
//!
//! [`advance`] steps both fields over an interval in equal implicit (backward Euler)
//! sub-steps of at most the drug's `time_step_s` (default 120 s), each one linear
//! steady solve on the chosen backend (the O2 kernels, multigrid). Backward Euler is
//! first order in time: with sub-steps a tenth of the plasma half-life or less the
//! exposure is within a few per cent of the converged value (tests/it/drugs.rs measures
//! it). The exposure is integrated with the trapezoid rule over the sub-steps.
//!
//! Each sub-step's solve stops at the residual the scenario asks for, or at the float32
//! floor of that step's linear problem when that is higher ([`floor_tolerance`]): late
//! after a dose the source C_old/Δt is small beside the diffusion terms, so the floor
//! relative to it is above 1e-6, and a solve that asks for less would stagnate there.
//!
//! Once plasma and tissue hold less than `NEGLIGIBLE` of the plasma peak, the fields
//! are no longer solved: they decay with the plasma curve ([`decay`]), since the
//! tissue, which equilibrates with the plasma within minutes (wall exchange and
//! diffusion over the intervessel distance), tracks its clearance (t½ 47 min or
//! more) at a fixed ratio.

pub mod problem;
pub mod resident;

use crate::backend::O2Backend;
use crate::physics::drug::DrugParams;
use crate::problem::O2Problem;
use crate::solver::{self, SolveOptions};
use crate::Result;

/// The fields of one drug (µM, and µM·h for the exposure).
#[derive(Debug, Clone, PartialEq)]
pub struct DrugState {
    /// Prodrug C (µM).
    pub prodrug: Vec<f32>,
    /// Active metabolite A (µM).
    pub metabolite: Vec<f32>,
    /// Exposure ∫A dt since t = 0 (µM·h).
    pub exposure: Vec<f32>,
}

impl DrugState {
    /// No drug anywhere, on `len` voxels.
    pub fn zero(len: usize) -> Self {
        DrugState {
            prodrug: vec![0.0; len],
            metabolite: vec![0.0; len],
            exposure: vec![0.0; len],
        }
    }

    /// The largest concentration of either field (µM).
    pub fn max_um(&self) -> f32 {
        self.prodrug
            .iter()
            .chain(&self.metabolite)
            .fold(0.0f32, |m, &v| m.max(v))
    }
}

/// What one [`advance`] did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DrugReport {
    /// Implicit sub-steps taken.
    pub(crate) substeps: u32,
    /// Their length (s).
    pub(crate) dt_s: f64,
    /// Solver iterations of all the sub-steps' solves (prodrug and, when it diffuses,
    /// metabolite): multigrid cycles, or sweeps under `rbsor`.
    pub(crate) cycles: u32,
    /// Their work in fine-grid sweep-equivalents (`SolveReport::sweep_equivalents`).
    pub(crate) work: f64,
}

impl DrugReport {
    /// Implicit sub-steps taken.
    pub fn substeps(&self) -> u32 {
        self.substeps
    }
    /// Their length (s).
    pub fn dt_s(&self) -> f64 {
        self.dt_s
    }
    /// Solver iterations of all the sub-steps' solves (multigrid cycles, or sweeps
    /// under `rbsor`).
    pub fn cycles(&self) -> u32 {
        self.cycles
    }
    /// Work of all the sub-steps' solves in fine-grid sweep-equivalents: what a start
    /// nearer the solution saves shows here even where the cycle count cannot (a
    /// solve that stops inside its FMG pass counts one cycle).
    pub fn work(&self) -> f64 {
        self.work
    }
}

/// Below this fraction of the plasma peak, in plasma and in tissue alike, a drug is
/// no longer solved but decays with its plasma curve ([`decay`]).
pub const NEGLIGIBLE: f64 = 1e-3;

/// Advances `state` over [t, t + dt] without a solve, for a drug that is not
/// [`resident::active`]: prodrug and metabolite are scaled by r = Cp(t + dt)/Cp(t), and the
/// exposure gains A·Δt·(1 − r)/(−ln r), the integral of A falling with the plasma
/// curve (exact for one exponential over the interval). Returns false when there was
/// nothing to decay (no dose yet, or no drug left).
pub fn decay(p: &DrugParams, doses_s: &[f64], state: &mut DrugState, t: f64, dt: f64) -> bool {
    if !doses_s.iter().any(|&d| d <= t) || state.max_um() <= 0.0 {
        return false;
    }
    let (r, gain) = decay_factors(p, doses_s, t, dt);
    for ((c, a), e) in state
        .prodrug
        .iter_mut()
        .zip(state.metabolite.iter_mut())
        .zip(state.exposure.iter_mut())
    {
        *e += (f64::from(*a) * gain) as f32;
        *c = (f64::from(*c) * r) as f32;
        *a = (f64::from(*a) * r) as f32;
    }
    true
}

/// The factors of [`decay`] over [t, t + dt]: the ratio r = Cp(t + dt)/Cp(t) (0–1)
/// that scales prodrug and metabolite, and the exposure gained per µM of metabolite,
/// Δt·(1 − r)/(−ln r) in hours.
pub fn decay_factors(p: &DrugParams, doses_s: &[f64], t: f64, dt: f64) -> (f64, f64) {
    let (c0, c1) = (p.pk.plasma(doses_s, t), p.pk.plasma(doses_s, t + dt));
    // Past all infusions the curve only falls; a plasma level that underflowed leaves
    // nothing in tissue either.
    let r = if c0 > 0.0 {
        (c1 / c0).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mean = if r >= 1.0 {
        1.0
    } else if r > 0.0 {
        (1.0 - r) / -r.ln()
    } else {
        0.0
    };
    (r, mean * dt / 3600.0)
}

/// Advances `state` from `t` over `dt` seconds at pO2 `po2` on the geometry of `o2`
/// (its `viable` are the cells that take up and activate the drug); `doses_s` are the
/// dose start times; `opts` the steady-solve settings of each sub-step.
#[allow(clippy::too_many_arguments)]
pub fn advance(
    backend: &mut dyn O2Backend,
    o2: &O2Problem,
    po2: &[f32],
    p: &DrugParams,
    doses_s: &[f64],
    state: &mut DrugState,
    t: f64,
    dt: f64,
    opts: &SolveOptions,
) -> Result<DrugReport> {
    let substeps = (dt / p.time_step_s).ceil().max(1.0) as u32;
    let h = dt / f64::from(substeps);
    let n = o2.grid.len();
    let decay = p.metabolite_decay_per_s();
    let activation: Vec<f64> = (0..n)
        .map(|i| p.activation.rate(f64::from(po2[i])) * f64::from(o2.viable[i]))
        .collect();
    let wall_sv = o2.wall_area_sv();
    let (mut cycles, mut work) = (0, 0.0);
    for k in 0..substeps {
        let t1 = t + h * f64::from(k + 1);
        let cp = p.pk.plasma(doses_s, t1);
        let wall = |i: usize| p.permeability_um_per_s * f64::from(wall_sv[i]);
        let cells = |i: usize| f64::from(o2.viable[i]);
        let prodrug = problem::implicit_step(
            o2,
            p.diffusivity_um2_per_s,
            &state.prodrug,
            h,
            cp,
            |i| wall(i) + activation[i] + p.uptake_rate_per_s * cells(i),
            |i| wall(i) * cp,
        );
        let (c, r) = solve(backend, &prodrug, &state.prodrug, opts)?;
        cycles += r.iterations;
        work += r.sweep_equivalents;
        let made = |i: usize| activation[i] * f64::from(c[i]);
        let a = if p.metabolite_diffusivity_um2_per_s > 0.0 {
            let metabolite = problem::implicit_step(
                o2,
                p.metabolite_diffusivity_um2_per_s,
                &state.metabolite,
                h,
                0.0,
                |_| decay,
                made,
            );
            let (a, r) = solve(backend, &metabolite, &state.metabolite, opts)?;
            cycles += r.iterations;
            work += r.sweep_equivalents;
            a
        } else {
            (0..n)
                .map(|i| {
                    if o2.is_fixed(i) {
                        0.0
                    } else {
                        ((f64::from(state.metabolite[i]) + h * made(i)) / (1.0 + h * decay)) as f32
                    }
                })
                .collect()
        };
        for ((e, &a0), &a1) in state.exposure.iter_mut().zip(&state.metabolite).zip(&a) {
            let mean = 0.5 * (f64::from(a0) + f64::from(a1));
            *e += (mean * h / 3600.0) as f32;
        }
        state.prodrug = c;
        state.metabolite = a;
    }
    Ok(DrugReport {
        substeps,
        dt_s: h,
        cycles,
        work,
    })
}

/// Solves `problem` warm-started from `start`; returns the field and the solve's report.
fn solve(
    backend: &mut dyn O2Backend,
    problem: &O2Problem,
    start: &[f32],
    opts: &SolveOptions,
) -> Result<(Vec<f32>, solver::SolveReport)> {
    let mut init = start.to_vec();
    problem.apply_fixed(&mut init);
    let opts = &SolveOptions {
        tolerance: opts.tolerance.max(floor_tolerance(problem, &init)),
        ..opts.clone()
    };
    let (field, report) = solver::host::solve_host(
        backend,
        problem,
        &init,
        "drug",
        "in a drug transport step",
        opts,
    )?;
    Ok((field, report))
}

/// Twice the relative residual that float32 rounding alone leaves in one implicit step
/// of `problem` (in the form of [`problem::implicit_step`]) near the field `x`: each
/// voxel's residual D/h²·Σ(C_nb − C) + Γ·(C_src − C) carries a rounding error of about
/// ε·((√6·D/h² + Γ)·|C| + Γ·|C_src|), taken relative to the reference norm of the solve
/// (the size of the sources). Late after a dose this is 1e-6 to 1e-5 at 10 µm voxels;
/// measured floors lie a few times below the estimate.
pub fn floor_tolerance(problem: &O2Problem, x: &[f32]) -> f64 {
    let g = &problem.grid;
    let c = problem.params.diffusivity_um2_per_s / (g.spacing_um * g.spacing_um);
    let pw = problem.params.wall_permeability_um_per_s;
    let sq: f64 = (0..g.len())
        .filter(|&i| !problem.is_fixed(i))
        .map(|i| {
            let gamma = pw * f64::from(problem.sv[i]);
            let e = (6f64.sqrt() * c + gamma) * f64::from(x[i]).abs()
                + gamma * f64::from(problem.pb[i]).abs();
            e * e
        })
        .sum();
    2.0 * f64::from(f32::EPSILON) * sq.sqrt() / solver::reference_norm(problem)
}
