//! The per-voxel work of the drug fields (MODEL.md §4, [`crate::drugs`]) as
//! [`Pointwise`] kernels on resident fields (issue 19): the activation field k(P)·n, the
//! coefficients of the prodrug and metabolite implicit steps (in the O2 form of
//! [`crate::drugs::problem::implicit_step`]), the metabolite's local closed form when it
//! does not diffuse, the trapezoid exposure with the kill it brings, the decay with the
//! plasma curve, and the per-voxel term of the float32-floor estimate
//! ([`crate::drugs::floor_tolerance`]). One WGSL file per kernel
//! (`shaders/drug_*.wgsl`); the CPU twins here compute the same f32 updates.
//!
//! The host model computes per voxel in f64; these kernels compute in f32, with every
//! quantity that is uniform over the grid (1/Δt, Cp(t), λA + 1/Δt, the decay ratio…)
//! computed on the host in f64 and rounded once, as [`super::tissue`] does. They agree
//! with the f64 formulas to a few f32 roundings (tests/it/drug_kernels.rs).

use super::pointwise::{bytes, par_map, Head, PointShader, Pointwise};
use super::stencil::StencilConsts;
use crate::grid::Grid;
use crate::physics::drug::{Activation, DrugParams};
use crate::physics::o2::{O2Params, FREE};
use crate::problem::O2Problem;
use bytemuck::{Pod, Zeroable};

/// `shaders/drug_activation.wgsl`.
pub(crate) const DRUG_ACTIVATION: PointShader = PointShader {
    name: "drug_activation",
    body: include_str!("../../shaders/drug_activation.wgsl"),
};
/// `shaders/drug_prodrug_step.wgsl`.
pub(crate) const DRUG_PRODRUG_STEP: PointShader = PointShader {
    name: "drug_prodrug_step",
    body: include_str!("../../shaders/drug_prodrug_step.wgsl"),
};
/// `shaders/drug_metabolite_step.wgsl`.
pub(crate) const DRUG_METABOLITE_STEP: PointShader = PointShader {
    name: "drug_metabolite_step",
    body: include_str!("../../shaders/drug_metabolite_step.wgsl"),
};
/// `shaders/drug_metabolite_local.wgsl`.
pub(crate) const DRUG_METABOLITE_LOCAL: PointShader = PointShader {
    name: "drug_metabolite_local",
    body: include_str!("../../shaders/drug_metabolite_local.wgsl"),
};
/// `shaders/drug_exposure.wgsl`.
pub(crate) const DRUG_EXPOSURE: PointShader = PointShader {
    name: "drug_exposure",
    body: include_str!("../../shaders/drug_exposure.wgsl"),
};
/// `shaders/drug_decay.wgsl`.
pub(crate) const DRUG_DECAY: PointShader = PointShader {
    name: "drug_decay",
    body: include_str!("../../shaders/drug_decay.wgsl"),
};
/// `shaders/drug_floor_term.wgsl`.
pub(crate) const DRUG_FLOOR_TERM: PointShader = PointShader {
    name: "drug_floor_term",
    body: include_str!("../../shaders/drug_floor_term.wgsl"),
};
/// `shaders/drug_extrapolate.wgsl`.
pub(crate) const DRUG_EXTRAPOLATE: PointShader = PointShader {
    name: "drug_extrapolate",
    body: include_str!("../../shaders/drug_extrapolate.wgsl"),
};
/// `shaders/drug_extrapolate_quadratic.wgsl`.
pub(crate) const DRUG_EXTRAPOLATE_QUADRATIC: PointShader = PointShader {
    name: "drug_extrapolate_quadratic",
    body: include_str!("../../shaders/drug_extrapolate_quadratic.wgsl"),
};
/// The shaders of this module.
pub(crate) const SHADERS: [PointShader; 9] = [
    DRUG_ACTIVATION,
    DRUG_PRODRUG_STEP,
    DRUG_METABOLITE_STEP,
    DRUG_METABOLITE_LOCAL,
    DRUG_EXPOSURE,
    DRUG_DECAY,
    DRUG_FLOOR_TERM,
    DRUG_EXTRAPOLATE,
    DRUG_EXTRAPOLATE_QUADRATIC,
];

/// Uniforms of a drug kernel: the head and up to eight f32 parameters, in the order of
/// the WGSL `U` of its shader (48 bytes).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Pod, Zeroable)]
pub(crate) struct Scalars8 {
    /// The head (voxels; the backend sets the row).
    pub(crate) head: Head,
    /// The kernel's parameters.
    pub(crate) values: [f32; 8],
}

impl Scalars8 {
    /// `values` (padded with zeros) for `len` voxels.
    pub(crate) fn new(len: usize, values: &[f32]) -> Self {
        let mut v = [0.0; 8];
        v[..values.len()].copy_from_slice(values);
        Scalars8 {
            head: Head::of(len),
            values: v,
        }
    }
}

/// The activation field k(P)·n (1/s), k(P) = kmax·(a + (1 − a)·Ki/(Ki + max(P, 0))),
/// computed as a0 + a1/(Ki + P) with a0 = kmax·a and a1 = kmax·(1 − a)·Ki rounded once.
/// Inputs pO2 (mmHg), viable n; output activation.
#[derive(Debug, Clone, Copy)]
pub struct DrugActivation {
    /// Voxels.
    pub(crate) len: usize,
    /// kmax·a (1/s).
    pub(crate) aerobic_per_s: f32,
    /// kmax·(1 − a)·Ki (mmHg/s).
    pub(crate) inhibited: f32,
    /// Ki (mmHg).
    pub(crate) ki_mmhg: f32,
}

impl DrugActivation {
    /// The kernel of `a` on `len` voxels.
    pub fn new(len: usize, a: &Activation) -> Self {
        DrugActivation {
            len,
            aerobic_per_s: (a.kmax_per_s * a.aerobic_fraction) as f32,
            inhibited: (a.kmax_per_s * (1.0 - a.aerobic_fraction) * a.ki_mmhg) as f32,
            ki_mmhg: a.ki_mmhg as f32,
        }
    }
}

impl Pointwise for DrugActivation {
    fn shader(&self) -> PointShader {
        DRUG_ACTIVATION
    }
    fn arity(&self) -> (usize, usize) {
        (2, 1)
    }
    fn uniforms(&self) -> Vec<u8> {
        bytes(&Scalars8::new(
            self.len,
            &[self.aerobic_per_s, self.inhibited, self.ki_mmhg],
        ))
    }
    fn cpu(&self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]) {
        let k = *self;
        par_map::<2, 1>(inputs, outputs, |_, [po2, n], [act]| {
            *act = (k.aerobic_per_s + k.inhibited / (k.ki_mmhg + po2.max(0.0))) * n;
        });
    }
}

/// The coefficients of the prodrug's implicit step over Δt (the O2 form of
/// [`crate::drugs::problem::implicit_step`]): at a free voxel, with wall = Pv·Sv,
/// Γ = wall + k(P)·n + ku·n + 1/Δt and S = wall·Cp + C_old/Δt, sv = Γ, pb = S/Γ and
/// fixed = FREE; at a fixed voxel (fixed pO2 ≥ 0) sv = pb = 0 and fixed = the bath
/// (Cp). Inputs vessel Sv (1/µm), viable n, the O2 problem's fixed values, activation
/// (1/s), C_old (µM); outputs sv, pb, fixed of the step's problem.
#[derive(Debug, Clone, Copy)]
pub struct ProdrugStep {
    /// Voxels.
    pub(crate) len: usize,
    /// Wall permeability Pv (µm/s).
    pub(crate) permeability_um_per_s: f32,
    /// Uptake ku (1/s).
    pub(crate) uptake_per_s: f32,
    /// 1/Δt (1/s).
    pub(crate) inv_dt: f32,
    /// Plasma level Cp at the end of the step (µM), also the bath at fixed voxels.
    pub(crate) plasma_um: f32,
}

impl ProdrugStep {
    /// The step of `dt` seconds of drug `p` to plasma level `cp` (µM).
    pub fn new(len: usize, p: &DrugParams, dt: f64, cp: f64) -> Self {
        ProdrugStep {
            len,
            permeability_um_per_s: p.permeability_um_per_s as f32,
            uptake_per_s: p.uptake_rate_per_s as f32,
            inv_dt: (1.0 / dt) as f32,
            plasma_um: cp as f32,
        }
    }
}

impl Pointwise for ProdrugStep {
    fn shader(&self) -> PointShader {
        DRUG_PRODRUG_STEP
    }
    fn arity(&self) -> (usize, usize) {
        (5, 3)
    }
    fn uniforms(&self) -> Vec<u8> {
        bytes(&Scalars8::new(
            self.len,
            &[
                self.permeability_um_per_s,
                self.uptake_per_s,
                self.inv_dt,
                self.plasma_um,
            ],
        ))
    }
    fn cpu(&self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]) {
        let k = *self;
        par_map::<5, 3>(
            inputs,
            outputs,
            |_, [vessel_sv, n, fixed_o2, act, old], [sv, pb, fixed]| {
                if fixed_o2 >= 0.0 {
                    *sv = 0.0;
                    *pb = 0.0;
                    *fixed = k.plasma_um;
                    return;
                }
                let wall = k.permeability_um_per_s * vessel_sv;
                let gamma = wall + act + k.uptake_per_s * n + k.inv_dt;
                let source = wall * k.plasma_um + old * k.inv_dt;
                *sv = gamma;
                *pb = source / gamma;
                *fixed = FREE;
            },
        );
    }
}

/// The coefficients of the metabolite's implicit step over Δt when it diffuses: at a
/// free voxel Γ = λA + 1/Δt (uniform) and S = k(P)·n·C + A_old/Δt, sv = Γ, pb = S/Γ,
/// fixed = FREE; at a fixed voxel sv = pb = 0 and fixed = 0 (no metabolite in the
/// bath). Inputs the O2 problem's fixed values, activation (1/s), C (µM, the prodrug
/// at the end of the step), A_old (µM); outputs sv, pb, fixed.
#[derive(Debug, Clone, Copy)]
pub struct MetaboliteStep {
    /// Voxels.
    pub(crate) len: usize,
    /// Γ = λA + 1/Δt (1/s).
    pub(crate) gamma: f32,
    /// 1/Δt (1/s).
    pub(crate) inv_dt: f32,
}

impl MetaboliteStep {
    /// The step of `dt` seconds of drug `p`.
    pub fn new(len: usize, p: &DrugParams, dt: f64) -> Self {
        MetaboliteStep {
            len,
            gamma: (p.metabolite_decay_per_s() + 1.0 / dt) as f32,
            inv_dt: (1.0 / dt) as f32,
        }
    }
}

impl Pointwise for MetaboliteStep {
    fn shader(&self) -> PointShader {
        DRUG_METABOLITE_STEP
    }
    fn arity(&self) -> (usize, usize) {
        (4, 3)
    }
    fn uniforms(&self) -> Vec<u8> {
        bytes(&Scalars8::new(self.len, &[self.gamma, self.inv_dt]))
    }
    fn cpu(&self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]) {
        let k = *self;
        par_map::<4, 3>(
            inputs,
            outputs,
            |_, [fixed_o2, act, c, old], [sv, pb, fixed]| {
                if fixed_o2 >= 0.0 {
                    *sv = 0.0;
                    *pb = 0.0;
                    *fixed = 0.0;
                    return;
                }
                *sv = k.gamma;
                *pb = (act * c + old * k.inv_dt) / k.gamma;
                *fixed = FREE;
            },
        );
    }
}

/// The metabolite's implicit step over Δt when it stays where it is made, in closed
/// form and in place: A ← (A + Δt·k(P)·n·C)/(1 + Δt·λA) at free voxels, 0 at fixed
/// ones. Inputs the O2 problem's fixed values, activation (1/s), C (µM, the prodrug at
/// the end of the step); output A (µM).
#[derive(Debug, Clone, Copy)]
pub struct MetaboliteLocal {
    /// Voxels.
    pub(crate) len: usize,
    /// Δt (s).
    pub(crate) dt_s: f32,
    /// 1/(1 + Δt·λA).
    pub(crate) keep: f32,
}

impl MetaboliteLocal {
    /// The step of `dt` seconds of drug `p`.
    pub fn new(len: usize, p: &DrugParams, dt: f64) -> Self {
        MetaboliteLocal {
            len,
            dt_s: dt as f32,
            keep: (1.0 / (1.0 + dt * p.metabolite_decay_per_s())) as f32,
        }
    }
}

impl Pointwise for MetaboliteLocal {
    fn shader(&self) -> PointShader {
        DRUG_METABOLITE_LOCAL
    }
    fn arity(&self) -> (usize, usize) {
        (3, 1)
    }
    fn uniforms(&self) -> Vec<u8> {
        bytes(&Scalars8::new(self.len, &[self.dt_s, self.keep]))
    }
    fn cpu(&self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]) {
        let k = *self;
        par_map::<3, 1>(inputs, outputs, |_, [fixed_o2, act, c], [a]| {
            *a = if fixed_o2 >= 0.0 {
                0.0
            } else {
                (*a + k.dt_s * (act * c)) * k.keep
            };
        });
    }
}

/// The exposure over one implicit step by the trapezoid rule, in place, and the kill
/// it brings: E1 = E0 + ½(A_old + A_new)·Δt/3600 (µM·h), kill += κ·(E1 − E0). Inputs
/// A_old, A_new (µM); outputs exposure E (µM·h), kill (log-survival).
#[derive(Debug, Clone, Copy)]
pub struct Exposure {
    /// Voxels.
    pub(crate) len: usize,
    /// ½·Δt/3600 (h).
    pub(crate) half_dt_h: f32,
    /// κ (1/(µM·h)).
    pub(crate) kill_per_um_h: f32,
}

impl Exposure {
    /// The step of `dt` seconds of drug `p`.
    pub fn new(len: usize, p: &DrugParams, dt: f64) -> Self {
        Exposure {
            len,
            half_dt_h: (0.5 * dt / 3600.0) as f32,
            kill_per_um_h: p.kill_per_um_h as f32,
        }
    }
}

impl Pointwise for Exposure {
    fn shader(&self) -> PointShader {
        DRUG_EXPOSURE
    }
    fn arity(&self) -> (usize, usize) {
        (2, 2)
    }
    fn uniforms(&self) -> Vec<u8> {
        bytes(&Scalars8::new(
            self.len,
            &[self.half_dt_h, self.kill_per_um_h],
        ))
    }
    fn cpu(&self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]) {
        let k = *self;
        par_map::<2, 2>(inputs, outputs, |_, [a0, a1], [e, kill]| {
            let e1 = *e + (a0 + a1) * k.half_dt_h;
            *kill += k.kill_per_um_h * (e1 - *e);
            *e = e1;
        });
    }
}

/// The warm start of an implicit sub-step from the last two of equal length, in place:
/// x ← max(2x − x_prev, 0), x_prev ← x (the old x). Between sub-steps a concentration
/// moves smoothly, so the line through the last two values starts the next solve
/// nearer its solution than the last value alone: one V-cycle fewer per sub-step. Only
/// the start moves; every solve still stops at its tolerance. 2x is exact, so a fused
/// multiply–add on the GPU gives the same bits. Outputs x, x_prev (µM).
#[derive(Debug, Clone, Copy)]
pub struct Extrapolate {
    /// Voxels.
    pub len: usize,
}

impl Pointwise for Extrapolate {
    fn shader(&self) -> PointShader {
        DRUG_EXTRAPOLATE
    }
    fn arity(&self) -> (usize, usize) {
        (0, 2)
    }
    fn uniforms(&self) -> Vec<u8> {
        bytes(&Head::of(self.len))
    }
    fn cpu(&self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]) {
        par_map::<0, 2>(inputs, outputs, |_, [], [x, prev]| {
            let now = *x;
            *x = (2.0 * now - *prev).max(0.0);
            *prev = now;
        });
    }
}

/// The warm start of an implicit sub-step from the last three of equal length, in
/// place: x ← max(x_prev2 + 3·(x − x_prev), 0), the parabola through the three (with
/// 3·d as d + d + d, so that the GPU, which could fuse a multiply, gives the same
/// bits), then x_prev2 ← x_prev, x_prev ← x (the old values). On the default scenario's
/// evofosfamide sub-steps it starts the solve at a relative residual of 2.7e-5 against
/// the line's ([`Extrapolate`]) 9.0e-4, so that most solves meet 1e-6 at their first
/// check after pre-smoothing instead of after one V-cycle. Outputs x, x_prev, x_prev2
/// (µM).
#[derive(Debug, Clone, Copy)]
pub struct ExtrapolateQuadratic {
    /// Voxels.
    pub len: usize,
}

impl Pointwise for ExtrapolateQuadratic {
    fn shader(&self) -> PointShader {
        DRUG_EXTRAPOLATE_QUADRATIC
    }
    fn arity(&self) -> (usize, usize) {
        (0, 3)
    }
    fn uniforms(&self) -> Vec<u8> {
        bytes(&Head::of(self.len))
    }
    fn cpu(&self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]) {
        par_map::<0, 3>(inputs, outputs, |_, [], [x, prev, prev2]| {
            let (now, last) = (*x, *prev);
            let d = now - last;
            *x = (*prev2 + (d + d + d)).max(0.0);
            *prev2 = last;
            *prev = now;
        });
    }
}

/// A drug below the solve floor decaying with its plasma curve over an interval
/// ([`crate::drugs::decay`]), in place: E1 = E0 + A·gain, kill += κ·(E1 − E0), then
/// C ← r·C and A ← r·A. Outputs C, A (µM), exposure E (µM·h), kill.
#[derive(Debug, Clone, Copy)]
pub struct Decay {
    /// Voxels.
    pub len: usize,
    /// r = Cp(t + Δt)/Cp(t) (0–1).
    pub ratio: f32,
    /// Exposure gained per µM of A over the interval (h): Δt·(1 − r)/(−ln r)/3600.
    pub gain_h: f32,
    /// κ (1/(µM·h)).
    pub kill_per_um_h: f32,
}

impl Pointwise for Decay {
    fn shader(&self) -> PointShader {
        DRUG_DECAY
    }
    fn arity(&self) -> (usize, usize) {
        (0, 4)
    }
    fn uniforms(&self) -> Vec<u8> {
        bytes(&Scalars8::new(
            self.len,
            &[self.ratio, self.gain_h, self.kill_per_um_h],
        ))
    }
    fn cpu(&self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]) {
        let k = *self;
        par_map::<0, 4>(inputs, outputs, |_, [], [c, a, e, kill]| {
            let e1 = *e + *a * k.gain_h;
            *kill += k.kill_per_um_h * (e1 - *e);
            *e = e1;
            *c *= k.ratio;
            *a *= k.ratio;
        });
    }
}

/// The per-voxel terms of the float32-floor estimate of one implicit step
/// ([`crate::drugs::floor_tolerance`]), so that each of its two norms is one reduction:
/// e = (√6·D/h² + Γ)·|x| + Γ·|pb| (Γ = Pw·sv), and the reference residual
/// r = Γ·pb + bath·g of [`crate::solver::reference_norm`] (the residual of the field
/// that is 0 at free voxels and the bath at fixed ones), g being the coupling of the
/// voxel to a unit bath ([`bath_coupling`]); both 0 at fixed voxels. Inputs the step
/// problem's sv, pb and fixed, the start field x, and g; outputs e and r.
#[derive(Debug, Clone, Copy)]
pub struct FloorTerm {
    /// Voxels.
    pub(crate) len: usize,
    /// √6·D/h² (1/s).
    pub(crate) stencil_per_s: f32,
    /// The step problem's wall permeability Pw (1 in the O2 form of a drug step).
    pub(crate) wall_permeability: f32,
    /// The bath at fixed voxels and fixed faces (µM).
    pub(crate) bath: f32,
}

impl FloorTerm {
    /// The terms of a step problem with diffusivity `d` (µm²/s), wall permeability
    /// `pw` and `bath` (µM) on voxels of `spacing_um`.
    pub fn new(len: usize, d: f64, spacing_um: f64, pw: f64, bath: f64) -> Self {
        FloorTerm {
            len,
            stencil_per_s: (6f64.sqrt() * d / (spacing_um * spacing_um)) as f32,
            wall_permeability: pw as f32,
            bath: bath as f32,
        }
    }
}

impl Pointwise for FloorTerm {
    fn shader(&self) -> PointShader {
        DRUG_FLOOR_TERM
    }
    fn arity(&self) -> (usize, usize) {
        (5, 2)
    }
    fn uniforms(&self) -> Vec<u8> {
        bytes(&Scalars8::new(
            self.len,
            &[self.stencil_per_s, self.wall_permeability, self.bath],
        ))
    }
    fn cpu(&self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]) {
        let k = *self;
        par_map::<5, 2>(inputs, outputs, |_, [sv, pb, fixed, x, g], [e, r]| {
            if fixed >= 0.0 {
                *e = 0.0;
                *r = 0.0;
                return;
            }
            let gamma = k.wall_permeability * sv;
            *e = (k.stencil_per_s + gamma) * x.abs() + gamma * pb.abs();
            *r = gamma * pb + k.bath * g;
        });
    }
}

/// The coupling g of each free voxel to a bath of 1 µM held at the fixed voxels
/// (`fixed` ≥ 0) and at the fixed faces (`faces` ≥ 0) of `grid`, with diffusivity `d`
/// (µm²/s): the diffusive inflow D/h²·Σ (weighted) into the voxel when the free voxels
/// hold 0 (1/s); 0 at fixed voxels. The reference residual of a drug step is then
/// Γ·pb + bath·g ([`FloorTerm`]). Computed on the host with the CPU stencil (it depends
/// on the geometry only).
pub fn bath_coupling(grid: Grid, faces: [f32; 6], fixed: &[f32], d: f64) -> Vec<f32> {
    let mut unit = O2Problem::uniform(
        grid,
        O2Params {
            diffusivity_um2_per_s: d,
            max_consumption_mmhg_per_s: 0.0,
            km_mmhg: 1.0,
            wall_permeability_um_per_s: 1.0,
        },
    );
    unit.faces = faces.map(|f| if f >= 0.0 { 1.0 } else { FREE });
    unit.fixed = fixed
        .iter()
        .map(|&f| if f >= 0.0 { 1.0 } else { FREE })
        .collect();
    let mut p0 = vec![0.0f32; grid.len()];
    unit.apply_fixed(&mut p0);
    let k = StencilConsts::of(&unit);
    (0..grid.len())
        .map(|i| super::stencil::free_residual_at(&unit, &k, &p0, i))
        .collect()
}
