//! The per-voxel ROS and glutathione work of a protocol step on resident fields (issue
//! 19; MODEL.md §3, the forms in [`crate::physics::ros`]): ROS production, the R
//! problem's coefficients, the antioxidant baseline, its fixed-point update and its
//! closed-form advance, and the ROS kill. Each is a [`Pointwise`] kernel
//! (`shaders/<name>.wgsl`) whose CPU twin here computes the same f32 update.
//!
//! The host code they replace computes in f64 and rounds once; these compute in f32.
//! What is uniform over the grid (ym·α, yr·Ḋ, kG' = s·kG/1000, κ·Δt/3600, 1 + ΔG0) is
//! computed on the host in f64 and rounded once, as in [`super::tissue`], so both
//! backends start from the same numbers; per-voxel sums, quotients and exponentials are
//! f32. The twins agree with the f64 host functions to a few f32 roundings
//! (`tests/it/ros_kernels.rs` states each bound).
//!
//! A free voxel with ROS production and no removal at all (Γ = 0) has no steady state;
//! the host builder fails there. [`RosProblem`] instead writes [`NO_REMOVAL`] into that
//! voxel's `pb`, which no valid voxel reaches, so one maximum of `pb` tells whether the
//! problem is solvable ([`no_removal`]) and only the error path reads the field to name
//! the voxel.

use super::pointwise::{bytes, par_map, Head, PointShader, Pointwise};
use crate::physics::o2::{O2Params, FREE};
use crate::physics::ros::RosParams;
use bytemuck::{Pod, Zeroable};

/// `shaders/ros_production.wgsl`.
pub(crate) const ROS_PRODUCTION: PointShader = PointShader {
    name: "ros_production",
    body: include_str!("../../shaders/ros_production.wgsl"),
};
/// `shaders/ros_problem.wgsl`.
pub(crate) const ROS_PROBLEM: PointShader = PointShader {
    name: "ros_problem",
    body: include_str!("../../shaders/ros_problem.wgsl"),
};
/// `shaders/gsh_baseline.wgsl`.
pub(crate) const GSH_BASELINE: PointShader = PointShader {
    name: "gsh_baseline",
    body: include_str!("../../shaders/gsh_baseline.wgsl"),
};
/// `shaders/gsh_steady.wgsl`.
pub(crate) const GSH_STEADY: PointShader = PointShader {
    name: "gsh_steady",
    body: include_str!("../../shaders/gsh_steady.wgsl"),
};
/// `shaders/gsh_advance.wgsl`.
pub(crate) const GSH_ADVANCE: PointShader = PointShader {
    name: "gsh_advance",
    body: include_str!("../../shaders/gsh_advance.wgsl"),
};
/// `shaders/ros_kill.wgsl`.
pub(crate) const ROS_KILL: PointShader = PointShader {
    name: "ros_kill",
    body: include_str!("../../shaders/ros_kill.wgsl"),
};
/// The shaders of this module.
pub(crate) const SHADERS: [PointShader; 6] = [
    ROS_PRODUCTION,
    ROS_PROBLEM,
    GSH_BASELINE,
    GSH_STEADY,
    GSH_ADVANCE,
    ROS_KILL,
];

/// The `pb` that [`RosProblem`] writes where a free voxel has production but Γ = 0
/// (f32::MAX): no solvable voxel has a `pb` this large.
pub const NO_REMOVAL: f32 = f32::MAX;

/// Whether the largest `pb` of an R problem built by [`RosProblem`] marks a voxel
/// without removal ([`NO_REMOVAL`]; an infinite quotient counts too).
pub fn no_removal(max_pb: f64) -> bool {
    max_pb >= f64::from(NO_REMOVAL)
}

/// Uniforms of the kernels of this module: up to twelve f32 parameters, in the order of
/// the kernel's WGSL `U` (64 bytes).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Pod, Zeroable)]
pub(crate) struct Scalars12 {
    /// The head (voxels; the backend sets the row).
    pub(crate) head: Head,
    /// The kernel's parameters, zero-padded.
    pub(crate) values: [f32; 12],
}

impl Scalars12 {
    /// `values` (padded with zeros) for `len` voxels.
    pub(crate) fn new(len: usize, values: &[f32]) -> Self {
        let mut v = [0.0; 12];
        v[..values.len()].copy_from_slice(values);
        Scalars12 {
            head: Head::of(len),
            values: v,
        }
    }
}

/// ROS production S (µM/s), `RosParams::production` per voxel, 0 at fixed voxels
/// ([`crate::ros::production_field`]):
/// S = ym·α·M·n·P/(P + Km) + yr·Ḋ·OMF(P) + yh·n·max(P − Pprev, 0) + Sx·n.
/// Inputs pO2 P (mmHg), cells n, previous pO2 Pprev (read only when
/// `has_previous`; pass any field of the length otherwise, e.g. P), fixed (O2's;
/// ≥ 0: fixed); output S.
#[derive(Debug, Clone, Copy)]
pub struct RosProduction {
    /// Voxels.
    pub(crate) len: usize,
    /// ym·α (µM/mmHg): H2O2 per O2 consumed, O2 in µM.
    pub(crate) mito_um_per_mmhg: f32,
    /// M (mmHg/s), the O2 uptake at n = 1.
    pub(crate) max_consumption_mmhg_per_s: f32,
    /// Km (mmHg).
    pub(crate) km_mmhg: f32,
    /// yr·Ḋ (µM/s); 0 without irradiation.
    pub(crate) radiation_um_per_s: f32,
    /// The oxygen effect's m.
    pub(crate) omf_m: f32,
    /// The oxygen effect's K (mmHg).
    pub(crate) omf_k_mmhg: f32,
    /// yh (µM/s per mmHg of pO2 rise).
    pub(crate) reoxygenation_um_per_s_per_mmhg: f32,
    /// Sx, the extra production at n = 1 (µM/s).
    pub(crate) extra_um_per_s: f32,
    /// Whether the previous pO2 is given (the reoxygenation term).
    pub(crate) has_previous: bool,
}

impl RosProduction {
    /// The kernel for `len` voxels of an O2 problem with `o2`, under `params` at dose
    /// rate `dose_rate_gy_per_s`, with or without a previous pO2.
    pub fn new(
        len: usize,
        o2: &O2Params,
        params: &RosParams,
        dose_rate_gy_per_s: f64,
        has_previous: bool,
    ) -> Self {
        RosProduction {
            len,
            mito_um_per_mmhg: (params.mito_yield * params.o2_solubility_um_per_mmhg) as f32,
            max_consumption_mmhg_per_s: o2.max_consumption_mmhg_per_s as f32,
            km_mmhg: o2.km_mmhg as f32,
            radiation_um_per_s: if dose_rate_gy_per_s > 0.0 {
                (params.radiation_yield_um_per_gy * dose_rate_gy_per_s) as f32
            } else {
                0.0
            },
            omf_m: params.oxygen_effect.m as f32,
            omf_k_mmhg: params.oxygen_effect.k_mmhg as f32,
            reoxygenation_um_per_s_per_mmhg: params.reoxygenation_yield_um_per_s_per_mmhg as f32,
            extra_um_per_s: params.extra_production_um_per_s as f32,
            has_previous,
        }
    }
}

impl Pointwise for RosProduction {
    fn shader(&self) -> PointShader {
        ROS_PRODUCTION
    }
    fn arity(&self) -> (usize, usize) {
        (4, 1)
    }
    fn uniforms(&self) -> Vec<u8> {
        bytes(&Scalars12::new(
            self.len,
            &[
                self.mito_um_per_mmhg,
                self.max_consumption_mmhg_per_s,
                self.km_mmhg,
                self.radiation_um_per_s,
                self.omf_m,
                self.omf_k_mmhg,
                self.reoxygenation_um_per_s_per_mmhg,
                self.extra_um_per_s,
                f32::from(u8::from(self.has_previous)),
            ],
        ))
    }
    fn cpu(&self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]) {
        let k = *self;
        par_map::<4, 1>(inputs, outputs, |_, [p, n, prev, fixed], [s]| {
            if fixed >= 0.0 {
                *s = 0.0;
                return;
            }
            // The O2 model's uptake law (physics::o2::uptake).
            let mn = k.max_consumption_mmhg_per_s * n;
            let denom = p + k.km_mmhg;
            let consumed = if denom > 0.0 { mn * p / denom } else { 0.0 };
            let q = p.max(0.0);
            let omf = (k.omf_m * q + k.omf_k_mmhg) / (k.omf_m * (q + k.omf_k_mmhg));
            let reox = if k.has_previous {
                k.reoxygenation_um_per_s_per_mmhg * n * (p - prev).max(0.0)
            } else {
                0.0
            };
            *s = k.mito_um_per_mmhg * consumed
                + k.radiation_um_per_s * omf
                + reox
                + k.extra_um_per_s * n;
        });
    }
}

/// The R problem's coefficients in the O2 form ([`crate::ros::problem::build`]): at free
/// voxels Γ = kG·G + λR + Pw,R·Sv into `sv`, (S + Pw,R·Sv·Rb)/Γ into `pb` and −1 into
/// `fixed`; at fixed voxels (O2 fixed ≥ 0) 0, 0 and Rb. Where Γ = 0, `sv` and `pb` are
/// 0, or `pb` is [`NO_REMOVAL`] when S > 0 (see the module docs). Inputs O2 Sv (1/µm),
/// S (µM/s), G (mM), O2 fixed; outputs sv (1/s), pb (µM), fixed (µM).
#[derive(Debug, Clone, Copy)]
pub struct RosProblem {
    /// Voxels.
    pub(crate) len: usize,
    /// kG (1/(mM·s)).
    pub(crate) scavenging_per_mm_per_s: f32,
    /// λR (1/s).
    pub(crate) loss_per_s: f32,
    /// Pw,R (µm/s).
    pub(crate) wall_permeability_um_per_s: f32,
    /// Rb (µM).
    pub(crate) boundary_um: f32,
}

impl RosProblem {
    /// The kernel for `len` voxels under `params`.
    pub fn new(len: usize, params: &RosParams) -> Self {
        RosProblem {
            len,
            scavenging_per_mm_per_s: params.scavenging_rate_per_mm_per_s as f32,
            loss_per_s: params.loss_rate_per_s as f32,
            wall_permeability_um_per_s: params.wall_permeability_um_per_s as f32,
            boundary_um: params.boundary_um as f32,
        }
    }
}

impl Pointwise for RosProblem {
    fn shader(&self) -> PointShader {
        ROS_PROBLEM
    }
    fn arity(&self) -> (usize, usize) {
        (4, 3)
    }
    fn uniforms(&self) -> Vec<u8> {
        bytes(&Scalars12::new(
            self.len,
            &[
                self.scavenging_per_mm_per_s,
                self.loss_per_s,
                self.wall_permeability_um_per_s,
                self.boundary_um,
            ],
        ))
    }
    fn cpu(&self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]) {
        let k = *self;
        par_map::<4, 3>(
            inputs,
            outputs,
            |_, [o2_sv, s, g, o2_fixed], [sv, pb, fixed]| {
                if o2_fixed >= 0.0 {
                    (*sv, *pb, *fixed) = (0.0, 0.0, k.boundary_um);
                    return;
                }
                let wall = k.wall_permeability_um_per_s * o2_sv;
                let gamma = k.scavenging_per_mm_per_s * g + k.loss_per_s + wall;
                let source = s + wall * k.boundary_um;
                *fixed = FREE;
                if gamma > 0.0 {
                    (*sv, *pb) = (gamma, source / gamma);
                } else {
                    *sv = 0.0;
                    *pb = if source > 0.0 { NO_REMOVAL } else { 0.0 };
                }
            },
        );
    }
}

/// G = G0·n at free voxels, 0 at fixed ones ([`crate::ros::baseline_gsh`]). Inputs
/// cells n, O2 fixed; output G (mM).
#[derive(Debug, Clone, Copy)]
pub struct GshBaseline {
    /// Voxels.
    pub(crate) len: usize,
    /// G0 (mM).
    pub(crate) baseline_mm: f32,
}

impl GshBaseline {
    /// The kernel for `len` voxels under `params`.
    pub fn new(len: usize, params: &RosParams) -> Self {
        GshBaseline {
            len,
            baseline_mm: params.gsh_baseline_mm as f32,
        }
    }
}

impl Pointwise for GshBaseline {
    fn shader(&self) -> PointShader {
        GSH_BASELINE
    }
    fn arity(&self) -> (usize, usize) {
        (2, 1)
    }
    fn uniforms(&self) -> Vec<u8> {
        bytes(&Scalars12::new(self.len, &[self.baseline_mm]))
    }
    fn cpu(&self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]) {
        let g0 = self.baseline_mm;
        par_map::<2, 1>(inputs, outputs, |_, [n, fixed], [g]| {
            *g = if fixed >= 0.0 { 0.0 } else { g0 * n };
        });
    }
}

/// The rates of the G equation, rounded once from f64.
#[derive(Debug, Clone, Copy)]
pub struct GshRates {
    /// kregen (1/s).
    pub(crate) regeneration_per_s: f32,
    /// kG' = s·kG/1000 (1/(µM·s)).
    pub(crate) consumption_per_um_per_s: f32,
    /// G0 (mM).
    pub(crate) baseline_mm: f32,
}

impl GshRates {
    /// The rates of `params`.
    pub fn of(params: &RosParams) -> Self {
        GshRates {
            regeneration_per_s: params.gsh_regeneration_per_s as f32,
            consumption_per_um_per_s: params.gsh_consumption_rate() as f32,
            baseline_mm: params.gsh_baseline_mm as f32,
        }
    }
}

/// One step of the R–G fixed point ([`crate::ros::steady::solve_steady_state`]): the
/// steady G under R held, G∞ = kregen·n·G0/(kregen·n + kG'·max(R, 0)) (0 without cells;
/// [`RosParams::gsh_steady`]) at free voxels and 0 at fixed ones, and |G∞ − G| for the
/// iteration's max-change test. Inputs cells n, R (µM), G (mM), O2 fixed; outputs G∞
/// (mM), |ΔG| (mM). G is an input so that the caller keeps the G its R was solved with.
#[derive(Debug, Clone, Copy)]
pub struct GshSteady {
    /// Voxels.
    pub len: usize,
    /// The rates.
    pub rates: GshRates,
}

impl Pointwise for GshSteady {
    fn shader(&self) -> PointShader {
        GSH_STEADY
    }
    fn arity(&self) -> (usize, usize) {
        (4, 2)
    }
    fn uniforms(&self) -> Vec<u8> {
        let r = self.rates;
        bytes(&Scalars12::new(
            self.len,
            &[
                r.regeneration_per_s,
                r.consumption_per_um_per_s,
                r.baseline_mm,
            ],
        ))
    }
    fn cpu(&self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]) {
        let r = self.rates;
        par_map::<4, 2>(inputs, outputs, |_, [n, ros, g, fixed], [next, change]| {
            let a = r.regeneration_per_s * n;
            let b = r.consumption_per_um_per_s * ros.max(0.0);
            *next = if fixed < 0.0 && a > 0.0 {
                a * r.baseline_mm / (a + b)
            } else {
                0.0
            };
            *change = (*next - g).abs();
        });
    }
}

/// 1 − e^(−x) for x ≥ 0 to a few f32 roundings: the alternating series to x¹⁰/10! below
/// x = 0.5 (where 1 − exp(−x) loses digits), else 1 − exp(−x). `shaders/gsh_advance.wgsl`
/// has the same function.
#[inline]
pub(crate) fn one_minus_exp(x: f32) -> f32 {
    if x < 0.5 {
        // x·(1 − x/2·(1 − x/3·(1 − … (1 − x/10)))).
        let mut t = 1.0f32;
        for k in (2..=10).rev() {
            t = 1.0 - x * t / k as f32;
        }
        x * t
    } else {
        1.0 - (-x).exp()
    }
}

/// G advanced over `dt_s` with R held toward the scaled steady value, in closed form
/// ([`RosParams::gsh_advance_scaled`] with the scale of
/// `therapy::interventions::g0_scale`), at free voxels; fixed voxels and voxels with no
/// rate are kept. With a = kregen·n, b = kG'·max(R, 0), G∞ = a·G0·σ/(a + b),
/// σ = (1 + φ·h)·(1 + ΔG0) and x = (a + b)·Δt:
/// G ← G∞ + (G − G∞)·e^(−x) when G ≥ G∞, else G + (G∞ − G)·(1 − e^(−x)) — both sums of
/// like-signed terms, so the f32 result keeps its relative precision (the first form
/// alone loses it when G rises from near 0 over a short step).
/// Inputs cells n, R (µM), HIF h, O2 fixed; output G (mM, in place).
#[derive(Debug, Clone, Copy)]
pub struct GshAdvance {
    /// Voxels.
    pub(crate) len: usize,
    /// The rates.
    pub(crate) rates: GshRates,
    /// Δt (s).
    pub(crate) dt_s: f32,
    /// φ, G0's fractional rise at h = 1 (HIF upregulation).
    pub(crate) hif_upregulation: f32,
    /// 1 + ΔG0, the antioxidant windows' factor on G0.
    pub(crate) gsh_factor: f32,
}

impl GshAdvance {
    /// The kernel for `len` voxels under `params` over `dt_s` seconds, with HIF
    /// upregulation φ and the windows' rise ΔG0 of G0.
    pub fn new(
        len: usize,
        params: &RosParams,
        dt_s: f64,
        hif_upregulation: f64,
        gsh_increase: f64,
    ) -> Self {
        GshAdvance {
            len,
            rates: GshRates::of(params),
            dt_s: dt_s as f32,
            hif_upregulation: hif_upregulation as f32,
            gsh_factor: (1.0 + gsh_increase) as f32,
        }
    }
}

impl Pointwise for GshAdvance {
    fn shader(&self) -> PointShader {
        GSH_ADVANCE
    }
    fn arity(&self) -> (usize, usize) {
        (4, 1)
    }
    fn uniforms(&self) -> Vec<u8> {
        let r = self.rates;
        bytes(&Scalars12::new(
            self.len,
            &[
                r.regeneration_per_s,
                r.consumption_per_um_per_s,
                r.baseline_mm,
                self.dt_s,
                self.hif_upregulation,
                self.gsh_factor,
            ],
        ))
    }
    fn cpu(&self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]) {
        let k = *self;
        let r = k.rates;
        par_map::<4, 1>(inputs, outputs, |_, [n, ros, h, fixed], [g]| {
            if fixed >= 0.0 {
                return;
            }
            let a = r.regeneration_per_s * n;
            let b = r.consumption_per_um_per_s * ros.max(0.0);
            let rate = a + b;
            if rate <= 0.0 {
                return;
            }
            let scale = (1.0 + k.hif_upregulation * h) * k.gsh_factor;
            let inf = a * r.baseline_mm * scale / rate;
            let x = rate * k.dt_s;
            *g = if *g >= inf {
                inf + (*g - inf) * (-x).exp()
            } else {
                *g + (inf - *g) * one_minus_exp(x)
            };
        });
    }
}

/// The ROS kill over a step ([`crate::therapy`]'s `ros_kill`), added in place:
/// kill += κ·max(R − Rth, 0)·Δt/3600. Input R (µM); output the log-kill (in place).
#[derive(Debug, Clone, Copy)]
pub struct RosKill {
    /// Voxels.
    pub(crate) len: usize,
    /// κ·Δt/3600 (1/µM): κ per µM·h times the step in hours.
    pub(crate) kill_per_um: f32,
    /// Rth (µM).
    pub(crate) threshold_um: f32,
}

impl RosKill {
    /// The kernel for `len` voxels with κ (per µM·h), threshold Rth (µM) over `dt_s`.
    pub fn new(len: usize, kill_per_um_h: f64, threshold_um: f64, dt_s: f64) -> Self {
        RosKill {
            len,
            kill_per_um: (kill_per_um_h * dt_s / 3600.0) as f32,
            threshold_um: threshold_um as f32,
        }
    }
}

impl Pointwise for RosKill {
    fn shader(&self) -> PointShader {
        ROS_KILL
    }
    fn arity(&self) -> (usize, usize) {
        (1, 1)
    }
    fn uniforms(&self) -> Vec<u8> {
        bytes(&Scalars12::new(
            self.len,
            &[self.kill_per_um, self.threshold_um],
        ))
    }
    fn cpu(&self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]) {
        let k = *self;
        par_map::<1, 1>(inputs, outputs, |_, [ros], [kill]| {
            *kill += k.kill_per_um * (ros - k.threshold_um).max(0.0);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_minus_exp_keeps_relative_precision() {
        for &x in &[1e-8f32, 1e-4, 3e-3, 0.1, 0.49, 0.5, 0.51, 2.0, 30.0] {
            let want = -(-f64::from(x)).exp_m1();
            let got = f64::from(one_minus_exp(x));
            assert!(
                (got / want - 1.0).abs() < 4.0 * f64::from(f32::EPSILON),
                "x = {x}: {got} vs {want}"
            );
        }
        assert_eq!(one_minus_exp(0.0), 0.0);
    }
}
