//! The ROS work of a protocol step on resident fields (issue 19): the same algorithms
//! as [`super::steady`] and the therapy's `ros_then_gsh`, with R, G and the R problem's
//! coefficients held by the backend as [`Field`]s, built by the pointwise kernels of
//! [`crate::backend::ros_fields`] and solved by [`solver::solve_fields`]. Only scalars
//! cross to the host (residual norms, the largest change of G), except on the error
//! paths, which read a field to name a voxel.

use crate::backend::o2_coefficients::ApplyFixed;
use crate::backend::ros_fields::{
    no_removal, GshAdvance, GshBaseline, GshRates, GshSteady, RosProblem, RosProduction,
};
use crate::backend::{Field, O2Backend};
use crate::physics::o2::{O2Params, FREE};
use crate::physics::ros::RosParams;
use crate::solver::{self, FieldProblem, SolveOptions, SolveReport};
use crate::{Error, Result};

use super::steady::{GSH_TOLERANCE, MAX_GSH_ITERATIONS};

/// R, G and the scratch fields of the resident ROS routines, all of one grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RosFields {
    /// R (µM): the solution of the last R solve, and the warm start of the next.
    pub ros: Field,
    /// G (mM). [`steady_state`] may exchange this handle with a scratch one.
    pub gsh: Field,
    /// The R problem's Γ (1/s), [`RosProblem`]'s `sv`.
    pub(crate) sv: Field,
    /// The R problem's source over Γ (µM).
    pub(crate) pb: Field,
    /// The R problem's fixed values (µM; −1: free).
    pub(crate) fixed: Field,
    /// The next G of the fixed point.
    pub(crate) next: Field,
    /// |ΔG| of the fixed point (mM).
    pub(crate) change: Field,
}

impl RosFields {
    /// Seven fields of `len` zeros (R = 0 is the first warm start).
    pub fn alloc(backend: &mut dyn O2Backend, len: usize) -> Result<Self> {
        Ok(RosFields {
            ros: backend.field_alloc(len, "ros")?,
            gsh: backend.field_alloc(len, "gsh")?,
            sv: backend.field_alloc(len, "ros.sv")?,
            pb: backend.field_alloc(len, "ros.pb")?,
            fixed: backend.field_alloc(len, "ros.fixed")?,
            next: backend.field_alloc(len, "gsh.next")?,
            change: backend.field_alloc(len, "gsh.change")?,
        })
    }

    /// Frees the fields.
    pub fn free(self, backend: &mut dyn O2Backend) {
        for f in [
            self.ros,
            self.gsh,
            self.sv,
            self.pb,
            self.fixed,
            self.next,
            self.change,
        ] {
            backend.field_free(f);
        }
    }

    /// The R problem on `o2`'s geometry with these coefficient fields (filled by
    /// [`build_problem`]): diffusivity DR, no uptake, unit wall permeability (Γ is in
    /// `sv`), R fixed at Rb on the faces where pO2 is fixed.
    pub(crate) fn problem(&self, o2: &FieldProblem, params: &RosParams) -> FieldProblem {
        let rb = params.boundary_um as f32;
        FieldProblem {
            grid: o2.grid,
            params: O2Params {
                diffusivity_um2_per_s: params.diffusivity_um2_per_s,
                max_consumption_mmhg_per_s: 0.0,
                km_mmhg: 1.0,
                wall_permeability_um_per_s: 1.0,
            },
            faces: o2.faces.map(|f| if f >= 0.0 { rb } else { FREE }),
            sv: self.sv,
            pb: self.pb,
            viable: o2.viable,
            fixed: self.fixed,
        }
    }
}

/// ROS production S (µM/s) into `out` ([`super::production_field`]) from the pO2
/// `po2` solved on `o2`, with the previous step's pO2 (reoxygenation) when given.
pub fn production(
    backend: &mut dyn O2Backend,
    o2: &FieldProblem,
    params: &RosParams,
    po2: Field,
    previous: Option<Field>,
    dose_rate_gy_per_s: f64,
    out: Field,
) -> Result<()> {
    let k = RosProduction::new(
        po2.len(),
        &o2.params,
        params,
        dose_rate_gy_per_s,
        previous.is_some(),
    );
    // Without a previous field the kernel does not read it; bind the pO2 again.
    let prev = previous.unwrap_or(po2);
    backend.pointwise(&k, &[po2, o2.viable, prev, o2.fixed], &[out])
}

/// G = G0·n at free voxels, 0 at fixed ones, into `fields.gsh`
/// ([`super::baseline_gsh`]).
pub(crate) fn baseline(
    backend: &mut dyn O2Backend,
    o2: &FieldProblem,
    params: &RosParams,
    fields: &RosFields,
) -> Result<()> {
    let k = GshBaseline::new(fields.gsh.len(), params);
    backend.pointwise(&k, &[o2.viable, o2.fixed], &[fields.gsh])
}

/// The largest value of `f` over all voxels.
fn max_of(backend: &mut dyn O2Backend, f: Field) -> Result<f64> {
    // Masked by itself: the fields taken here are ≥ 0, and an all-zero field gives 0.
    Ok(backend.reduce_masked(f, &[(f, crate::backend::stats::Reduce::Max)])?[0])
}

/// Fills the R problem's coefficients (`fields.sv`, `pb`, `fixed`) for production
/// `production` and G held at `fields.gsh` ([`super::problem::build`]), and returns the
/// problem. Fails, as the host builder does, where a free voxel has production but no
/// removal at all.
pub(crate) fn build_problem(
    backend: &mut dyn O2Backend,
    o2: &FieldProblem,
    params: &RosParams,
    production: Field,
    fields: &RosFields,
) -> Result<FieldProblem> {
    let k = RosProblem::new(production.len(), params);
    backend.pointwise(
        &k,
        &[o2.sv, production, fields.gsh, o2.fixed],
        &[fields.sv, fields.pb, fields.fixed],
    )?;
    if no_removal(max_of(backend, fields.pb)?) {
        let pb = backend.field_read(fields.pb)?;
        let i = pb
            .iter()
            .position(|&v| no_removal(f64::from(v)))
            .unwrap_or_default();
        let (x, y, z) = o2.grid.ijk(i);
        return Err(Error::Numerical(format!(
            "ROS is produced at voxel [{z}, {y}, {x}] where nothing removes it \
             (no glutathione, loss rate 0, no vessel wall): raise `ros.loss_rate_per_s`"
        )));
    }
    Ok(fields.problem(o2, params))
}

/// R at steady state with G held at `fields.gsh`, in place in `fields.ros`, warm-started
/// from the R it holds ([`super::steady::solve_ros`]).
pub(crate) fn solve_ros(
    backend: &mut dyn O2Backend,
    o2: &FieldProblem,
    params: &RosParams,
    production: Field,
    fields: &RosFields,
    opts: &SolveOptions,
) -> Result<SolveReport> {
    let rp = build_problem(backend, o2, params, production, fields)?;
    backend.pointwise(
        &ApplyFixed {
            len: fields.ros.len(),
        },
        &[fields.fixed],
        &[fields.ros],
    )?;
    solver::solve_fields(backend, &rp, fields.ros, opts)
}

/// The joint steady state of R and G on resident fields (the scalars of
/// [`super::steady::RosSteady`]; R and G stay in the [`RosFields`]).
#[derive(Debug, Clone)]
pub struct RosSteadyReport {
    /// The last R solve.
    pub report: SolveReport,
    /// R–G iterations (R solves).
    pub gsh_iterations: u32,
    /// The last change of G relative to G0.
    pub gsh_change: f64,
    /// Whether the R–G iteration and the last R solve converged.
    pub converged: bool,
}

/// [`super::steady::solve_steady_state`] on resident fields: G from G0·n, then R solves
/// (G held, each warm-started from the last R; the first from what `fields.ros` holds)
/// alternating with G ← G∞(R) until G changes by less than `GSH_TOLERANCE`·G0 (or
/// `MAX_GSH_ITERATIONS`). On return `fields.ros` is the steady R of `fields.gsh`.
pub fn steady_state(
    backend: &mut dyn O2Backend,
    o2: &FieldProblem,
    params: &RosParams,
    production: Field,
    fields: &mut RosFields,
    opts: &SolveOptions,
) -> Result<RosSteadyReport> {
    baseline(backend, o2, params, fields)?;
    let g0 = params.gsh_baseline_mm.max(f64::MIN_POSITIVE);
    let step = GshSteady {
        len: fields.gsh.len(),
        rates: GshRates::of(params),
    };
    let mut iterations = 0;
    loop {
        let report = solve_ros(backend, o2, params, production, fields, opts)?;
        iterations += 1;
        backend.pointwise(
            &step,
            &[o2.viable, fields.ros, fields.gsh, o2.fixed],
            &[fields.next, fields.change],
        )?;
        let change = max_of(backend, fields.change)? / g0;
        log::debug!(
            "ROS solve {iterations}: {} iterations, residual {:.2e}; G change {change:.2e}",
            report.iterations,
            report.residual
        );
        let done = change <= GSH_TOLERANCE;
        if done || iterations >= MAX_GSH_ITERATIONS {
            if !done {
                let what = format!(
                    "the ROS–GSH iteration did not settle: G still changed by {change:.2e}·G0 \
                     after {iterations} R solves (tolerance {GSH_TOLERANCE:.0e}·G0)"
                );
                solver::refuse_or_keep(
                    &what,
                    "check ros.gsh_per_ros and ros.gsh_regeneration_per_s for extreme values",
                    opts.allow_unconverged,
                )?;
            }
            let converged = done && report.converged;
            return Ok(RosSteadyReport {
                report,
                gsh_iterations: iterations,
                gsh_change: change,
                converged,
            });
        }
        // G ← G∞: the next field becomes G, the old G scratch.
        std::mem::swap(&mut fields.gsh, &mut fields.next);
    }
}

/// What drives G over a step besides R: the time and G0's scale
/// σ = (1 + φ·h)·(1 + ΔG0) (`therapy::interventions::g0_scale`).
#[derive(Debug, Clone, Copy)]
pub struct GshStep {
    /// The step (s).
    pub seconds: f64,
    /// HIF h per voxel.
    pub hif: Field,
    /// φ, G0's fractional rise at h = 1.
    pub hif_upregulation: f64,
    /// ΔG0, the antioxidant windows' rise of G0.
    pub gsh_increase: f64,
}

/// R at steady state with G held (warm-started from the last R), then G advanced over
/// the step with that R in closed form, toward the scaled G0 (the therapy's
/// `ros_then_gsh`).
pub fn ros_then_gsh(
    backend: &mut dyn O2Backend,
    o2: &FieldProblem,
    params: &RosParams,
    production: Field,
    fields: &RosFields,
    step: &GshStep,
    opts: &SolveOptions,
) -> Result<SolveReport> {
    let report = solve_ros(backend, o2, params, production, fields, opts)?;
    let k = GshAdvance::new(
        fields.gsh.len(),
        params,
        step.seconds,
        step.hif_upregulation,
        step.gsh_increase,
    );
    backend.pointwise(
        &k,
        &[o2.viable, fields.ros, step.hif, o2.fixed],
        &[fields.gsh],
    )?;
    Ok(report)
}
