//! The drug fields resident on the backend (issue 19): [`advance`] and [`decay`] of
//! [`super`] on [`Field`] handles, the per-voxel work done by the kernels of
//! [`crate::backend::drug_fields`] and each implicit sub-step solved in place by
//! [`crate::solver::solve_fields`]. Same sub-steps, same problems and the same
//! per-sub-step tolerance rule (the scenario's, or the float32 floor of the step when
//! higher) as [`super::advance`], whose f64 host formulas the kernels replace in f32.
//! One thing differs, within the solves' tolerance: every sub-step after the first of
//! a call starts its prodrug solve from the parabola through the last three values
//! ([`ExtrapolateQuadratic`]; the second sub-step from the line through two,
//! [`Extrapolate`], as a diffusing metabolite's every sub-step), not from the last,
//! which saves most sub-steps their V-cycle; its float32-floor estimate is then taken
//! at that start (the host's at the last value, a few per cent away).

use super::DrugReport;
use crate::backend::drug_fields::{
    bath_coupling, Decay, DrugActivation, Exposure, Extrapolate, ExtrapolateQuadratic, FloorTerm,
    MetaboliteLocal, MetaboliteStep, ProdrugStep,
};
use crate::backend::o2_coefficients::ApplyFixed;
use crate::backend::stats::Reduce;
use crate::backend::{Field, O2Backend};
use crate::physics::drug::DrugParams;
use crate::physics::o2::{O2Params, FREE};
use crate::solver::{solve_fields_with, FieldProblem, SolveOptions, SolveReport};
use crate::Result;

/// The fields of one drug on a backend (µM, and µM·h for the exposure), with the
/// scratch fields of its steps.
#[derive(Debug)]
pub struct DrugFields {
    /// Prodrug C (µM).
    pub(crate) prodrug: Field,
    /// Active metabolite A (µM).
    pub(crate) metabolite: Field,
    /// Exposure ∫A dt since t = 0 (µM·h).
    pub(crate) exposure: Field,
    scratch: Scratch,
    /// Whether `scratch.coupling` holds the bath coupling of this run's geometry.
    coupling_ready: bool,
}

/// Working fields of [`advance`].
#[derive(Debug, Clone, Copy)]
struct Scratch {
    /// k(P)·n (1/s).
    activation: Field,
    /// The step problem's coefficients.
    sv: Field,
    pb: Field,
    fixed: Field,
    /// A at the start of a sub-step (the trapezoid's left end).
    previous: Field,
    /// C at the start of the last sub-step and of the one before (for the next one's
    /// start, [`ExtrapolateQuadratic`]).
    prodrug_last: Field,
    prodrug_last2: Field,
    /// The coupling to a unit bath ([`bath_coupling`]).
    coupling: Field,
    /// The floor estimate's terms ([`FloorTerm`]).
    term: Field,
    reference: Field,
}

impl DrugFields {
    /// No drug anywhere, on `len` voxels.
    pub fn zero(backend: &mut dyn O2Backend, len: usize) -> Result<Self> {
        let mut a = |label| backend.field_alloc(len, label);
        Ok(DrugFields {
            prodrug: a("drug.prodrug")?,
            metabolite: a("drug.metabolite")?,
            exposure: a("drug.exposure")?,
            scratch: Scratch {
                activation: a("drug.activation")?,
                sv: a("drug.sv")?,
                pb: a("drug.pb")?,
                fixed: a("drug.fixed")?,
                previous: a("drug.previous")?,
                prodrug_last: a("drug.prodrug_last")?,
                prodrug_last2: a("drug.prodrug_last2")?,
                coupling: a("drug.coupling")?,
                term: a("drug.floor_term")?,
                reference: a("drug.floor_reference")?,
            },
            coupling_ready: false,
        })
    }

    /// Makes the bath coupling of the geometry (`grid`, `faces`, the fixed values
    /// `fixed`) for the drug's diffusivity `d` from host arrays at hand at the start of
    /// a run, so that no step reads a field for it ([`advance`] otherwise reads
    /// `o2.fixed` once).
    pub(crate) fn prepare(
        &mut self,
        backend: &mut dyn O2Backend,
        grid: crate::grid::Grid,
        faces: [f32; 6],
        fixed: &[f32],
        d: f64,
    ) -> Result<()> {
        let coupling = bath_coupling(grid, faces, fixed, d);
        backend.field_upload(self.scratch.coupling, &coupling)?;
        self.coupling_ready = true;
        Ok(())
    }

    /// The fields of `state` (a checkpoint, a host run).
    pub fn from_state(backend: &mut dyn O2Backend, state: &super::DrugState) -> Result<Self> {
        let f = Self::zero(backend, state.prodrug.len())?;
        backend.field_upload(f.prodrug, &state.prodrug)?;
        backend.field_upload(f.metabolite, &state.metabolite)?;
        backend.field_upload(f.exposure, &state.exposure)?;
        Ok(f)
    }

    /// Reads the fields back (outputs, checkpoints).
    pub fn read(&self, backend: &mut dyn O2Backend) -> Result<super::DrugState> {
        Ok(super::DrugState {
            prodrug: backend.field_read(self.prodrug)?,
            metabolite: backend.field_read(self.metabolite)?,
            exposure: backend.field_read(self.exposure)?,
        })
    }

    /// Frees every field.
    pub fn free(self, backend: &mut dyn O2Backend) {
        let s = self.scratch;
        for f in [
            self.prodrug,
            self.metabolite,
            self.exposure,
            s.activation,
            s.sv,
            s.pb,
            s.fixed,
            s.previous,
            s.prodrug_last,
            s.prodrug_last2,
            s.coupling,
            s.term,
            s.reference,
        ] {
            backend.field_free(f);
        }
    }

    /// The largest concentration of either field (µM; 0 for none), as
    /// [`super::DrugState::max_um`].
    pub(crate) fn max_um(&self, backend: &mut dyn O2Backend) -> Result<f32> {
        // Each field masked by itself (concentrations are ≥ 0; an all-zero field gives 0).
        let mut m = 0.0f64;
        for f in [self.prodrug, self.metabolite] {
            m = m.max(backend.reduce_masked(f, &[(f, Reduce::Max)])?[0]);
        }
        Ok(m as f32)
    }
}

/// Whether the drug needs solving over [t, t + dt]: a dose has started by the end, and
/// either the plasma or the tissue still holds more than [`super::NEGLIGIBLE`] of the
/// plasma peak (or a dose starts within the interval). Reads the fields' maximum only
/// when the plasma curve alone does not decide.
pub fn active(
    backend: &mut dyn O2Backend,
    p: &DrugParams,
    doses_s: &[f64],
    fields: &DrugFields,
    t: f64,
    dt: f64,
) -> Result<bool> {
    if !doses_s.iter().any(|&d| d <= t + dt) {
        return Ok(false);
    }
    let floor = super::NEGLIGIBLE * p.pk.cmax_um;
    Ok(p.pk.plasma(doses_s, t) > floor
        || p.pk.plasma(doses_s, t + dt) > floor
        || doses_s.iter().any(|&d| d > t && d <= t + dt)
        || f64::from(fields.max_um(backend)?) > floor)
}

/// [`super::decay`] on resident fields, one kernel call: prodrug and metabolite scaled
/// by r = Cp(t + dt)/Cp(t), the exposure gaining A·Δt·(1 − r)/(−ln r), and `kill` its
/// κ·ΔE. Returns false (and does nothing) before the first dose; unlike the host form
/// it does not look for drug left (a field of zeros decays to zeros, its kill by 0).
#[allow(clippy::too_many_arguments)]
pub fn decay(
    backend: &mut dyn O2Backend,
    p: &DrugParams,
    doses_s: &[f64],
    fields: &mut DrugFields,
    kill: Field,
    t: f64,
    dt: f64,
) -> Result<bool> {
    if !doses_s.iter().any(|&d| d <= t) {
        return Ok(false);
    }
    let (r, gain) = super::decay_factors(p, doses_s, t, dt);
    let k = Decay {
        len: kill.len(),
        ratio: r as f32,
        gain_h: gain as f32,
        kill_per_um_h: p.kill_per_um_h as f32,
    };
    backend.pointwise(
        &k,
        &[],
        &[fields.prodrug, fields.metabolite, fields.exposure, kill],
    )?;
    Ok(true)
}

/// [`super::advance`] on resident fields: advances `fields` from `t` over `dt` seconds
/// at pO2 `po2` on the geometry of `o2` (its `viable` are the cells that take up and
/// activate the drug, its `sv` the vessel walls, its `fixed` the voxels that hold the
/// bath), and adds the kill of the exposure gained, κ·ΔE, to `kill`. Only scalars cross
/// to the host (the bath coupling takes one read of `o2.fixed` in the first call, none
/// after `DrugFields::prepare`).
#[allow(clippy::too_many_arguments)]
pub fn advance(
    backend: &mut dyn O2Backend,
    o2: &FieldProblem,
    po2: Field,
    p: &DrugParams,
    doses_s: &[f64],
    fields: &mut DrugFields,
    kill: Field,
    t: f64,
    dt: f64,
    opts: &SolveOptions,
) -> Result<DrugReport> {
    let substeps = (dt / p.time_step_s).ceil().max(1.0) as u32;
    let h = dt / f64::from(substeps);
    let n = o2.grid.len();
    let s = fields.scratch;
    backend.pointwise(
        &DrugActivation::new(n, &p.activation),
        &[po2, o2.viable],
        &[s.activation],
    )?;
    // The coupling of each voxel to the bath, for the reference norm of the prodrug's
    // steps (the metabolite's bath is 0): the fixed voxels do not change over a run,
    // so it is made once per drug (one read of `o2.fixed`). TODO(issue 19): a stencil
    // kernel instead of that one read.
    if !fields.coupling_ready {
        let fixed_o2 = backend.field_read(o2.fixed)?;
        let coupling = bath_coupling(o2.grid, o2.faces, &fixed_o2, p.diffusivity_um2_per_s);
        backend.field_upload(s.coupling, &coupling)?;
        fields.coupling_ready = true;
    }
    let step = |d: f64, bath: f64| FieldProblem {
        grid: o2.grid,
        params: O2Params {
            diffusivity_um2_per_s: d,
            max_consumption_mmhg_per_s: 0.0,
            km_mmhg: 1.0,
            wall_permeability_um_per_s: 1.0,
        },
        faces: o2.faces.map(|f| if f >= 0.0 { bath as f32 } else { FREE }),
        sv: s.sv,
        pb: s.pb,
        viable: o2.viable,
        fixed: s.fixed,
    };
    // One sub-step; its solves' cycles and work.
    let substep = |backend: &mut dyn O2Backend, k: u32| -> Result<(u32, f64)> {
        let (mut cycles, mut work) = (0, 0.0);
        let t1 = t + h * f64::from(k + 1);
        let cp = p.pk.plasma(doses_s, t1);
        backend.pointwise(
            &ProdrugStep::new(n, p, h, cp),
            &[o2.sv, o2.viable, o2.fixed, s.activation, fields.prodrug],
            &[s.sv, s.pb, s.fixed],
        )?;
        // The solve's start: from the third sub-step on, the parabola through the last
        // three (most solves then stop at the check after the FMG pass's
        // pre-smoothing), the line through two in the second; the first starts from the last value, so that
        // a step depends on the state at its start alone (checkpoints resume bit for
        // bit).
        if k > 1 {
            backend.pointwise(
                &ExtrapolateQuadratic { len: n },
                &[],
                &[fields.prodrug, s.prodrug_last, s.prodrug_last2],
            )?;
        } else if k == 1 {
            // The third sub-step's parabola needs the first's start.
            if substeps > 2 {
                backend.field_copy(s.prodrug_last, s.prodrug_last2)?;
            }
            backend.pointwise(
                &Extrapolate { len: n },
                &[],
                &[fields.prodrug, s.prodrug_last],
            )?;
        } else if substeps > 1 {
            backend.field_copy(fields.prodrug, s.prodrug_last)?;
        }
        let r = solve(
            backend,
            &step(p.diffusivity_um2_per_s, cp),
            cp,
            fields.prodrug,
            &s,
            opts,
        )?;
        cycles += r.iterations;
        work += r.sweep_equivalents;
        let diffusing = p.metabolite_diffusivity_um2_per_s > 0.0;
        if diffusing && k > 0 {
            // `previous` holds A of the last sub-step's start: extrapolate as C.
            backend.pointwise(
                &Extrapolate { len: n },
                &[],
                &[fields.metabolite, s.previous],
            )?;
        } else {
            backend.field_copy(fields.metabolite, s.previous)?;
        }
        if diffusing {
            backend.pointwise(
                &MetaboliteStep::new(n, p, h),
                &[o2.fixed, s.activation, fields.prodrug, s.previous],
                &[s.sv, s.pb, s.fixed],
            )?;
            let r = solve(
                backend,
                &step(p.metabolite_diffusivity_um2_per_s, 0.0),
                0.0,
                fields.metabolite,
                &s,
                opts,
            )?;
            cycles += r.iterations;
            work += r.sweep_equivalents;
        } else {
            backend.pointwise(
                &MetaboliteLocal::new(n, p, h),
                &[o2.fixed, s.activation, fields.prodrug],
                &[fields.metabolite],
            )?;
        }
        backend.pointwise(
            &Exposure::new(n, p, h),
            &[s.previous, fields.metabolite],
            &[fields.exposure, kill],
        )?;
        Ok((cycles, work))
    };
    let (mut cycles, mut work) = (0, 0.0);
    for k in 0..substeps {
        // Each sub-step one batch: the pointwise kernels between two reads go to the
        // device in one submit (GPU backend).
        backend.batch_begin();
        let run = substep(backend, k);
        let end = backend.batch_end();
        let (c, w) = run?;
        end?;
        cycles += c;
        work += w;
    }
    Ok(DrugReport {
        substeps,
        dt_s: h,
        cycles,
        work,
    })
}

/// Solves the step `problem` (bath `bath` µM) in place in `x`, warm-started from it,
/// to the scenario's tolerance or the step's float32 floor when that is higher
/// ([`super::floor_tolerance`]); returns the solve's report.
fn solve(
    backend: &mut dyn O2Backend,
    problem: &FieldProblem,
    bath: f64,
    x: Field,
    s: &Scratch,
    opts: &SolveOptions,
) -> Result<SolveReport> {
    let n = problem.grid.len();
    backend.pointwise(&ApplyFixed { len: n }, &[problem.fixed], &[x])?;
    let g = &problem.grid;
    backend.pointwise(
        &FloorTerm::new(
            n,
            problem.params.diffusivity_um2_per_s,
            g.spacing_um,
            problem.params.wall_permeability_um_per_s,
            bath,
        ),
        &[problem.sv, problem.pb, problem.fixed, x, s.coupling],
        &[s.term, s.reference],
    )?;
    // Both norms in one call (one readback): masked by the fixed values, which are
    // FREE (≠ 0) at every free voxel; the terms are 0 at fixed voxels.
    let sums = backend.reduce_masked(
        problem.fixed,
        &[(s.reference, Reduce::SumSq), (s.term, Reduce::SumSq)],
    )?;
    let reference = match sums[0].sqrt() {
        r if r > 0.0 => r,
        _ => 1.0,
    };
    let floor = 2.0 * f64::from(f32::EPSILON) * sums[1].sqrt() / reference;
    let opts = SolveOptions {
        tolerance: opts.tolerance.max(floor),
        ..opts.clone()
    };
    // The reference is the solver's own ‖F(P₀)‖ (P₀ zero at free voxels, the bath at
    // fixed ones: Γ·pb + bath·g at free voxels), so the solve does not take it again.
    solve_fields_with(backend, problem, x, &opts, Some(reference))
}
