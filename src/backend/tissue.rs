//! The tissue-state kernels (MODEL.md §4) shared by both backends: the uniform block
//! [`TissueUniforms`] and the per-voxel updates in f32 (`irradiate_voxel`,
//! `step_voxel`) that `shaders/tissue.wgsl` mirrors operation for operation. The f64
//! reference model is `physics::tissue::TissueState` (test-only) with
//! [`crate::physics::radiotherapy::LqParams`]; these updates agree with it to f32
//! rounding (tests in this module).
//!
//! Everything that is uniform over the grid (the exponentials of the necrosis and
//! clearance rates over the step, ln2/Td·Δt) is computed once on the host in f64 and
//! rounded to f32, so both backends start from the same numbers.

use crate::backend::Field;
use crate::grid::Grid;
use crate::physics::hif::HifParams;
use crate::physics::radiotherapy::{LqParams, OerModel};
use crate::physics::tissue::TissueParams;
use bytemuck::{Pod, Zeroable};

/// Constants of one tissue-kernel call, laid out as the WGSL uniform block of
/// `shaders/tissue.wgsl` (96 bytes).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct TissueUniforms {
    /// nx, ny, nz, and 1 when a relative dose map is used (0: uniform dose).
    pub(crate) dims: [u32; 4],
    /// Physical dose of the fraction (Gy); 0 in step calls.
    pub(crate) dose_gy: f32,
    /// LQ α (1/Gy).
    pub(crate) alpha_per_gy: f32,
    /// LQ β (1/Gy²).
    pub(crate) beta_per_gy2: f32,
    /// OER of the α term (m; the single-OER model uses the same m for both).
    pub(crate) oer_m_alpha: f32,
    /// OER of the β term.
    pub(crate) oer_m_beta: f32,
    /// pO2 of half the oxygen effect K (mmHg).
    pub(crate) oer_k_mmhg: f32,
    /// Anoxic necrosis below this pO2 (mmHg).
    pub(crate) necrosis_po2_mmhg: f32,
    /// e^(−kn·Δt): the part of n kept over the step where anoxic.
    pub(crate) necrosis_keep: f32,
    /// e^(−ln2·Δt/t½): the part of d kept over the step (1 without clearance).
    pub(crate) clearance_keep: f32,
    /// ln2/Td·Δt: the logistic exponent at full oxygenation (0 without regrowth).
    pub(crate) growth_rate_dt: f32,
    /// pO2 of half-maximal proliferation Kp (mmHg).
    pub(crate) growth_k_mmhg: f32,
    /// e^(−Δt/τ): the part of the doomed cells l still alive after the step (0 without
    /// a mitotic delay).
    pub(crate) doomed_keep: f32,
    /// HIF: pO2 of half-maximal activity Kh (mmHg).
    pub(crate) hif_k_mmhg: f32,
    /// HIF: Hill exponent.
    pub(crate) hif_hill: f32,
    /// HIF: e^(−Δt/τ↑), the part of the distance to a higher target kept over the step.
    pub(crate) hif_keep_up: f32,
    /// HIF: e^(−Δt/τ↓), the same toward a lower target (reoxygenation).
    pub(crate) hif_keep_down: f32,
    /// HIF: the target's scale, 1 − inhibition (1 without a HIF inhibitor).
    pub(crate) hif_scale: f32,
    /// Padding to 16 bytes.
    pub(crate) pad: [f32; 3],
}

/// h∞(P) = s/(1 + (P/Kh)ⁿ) (s at P ≤ 0), the HIF target of `u`.
#[inline]
pub(crate) fn hif_target(u: &TissueUniforms, po2: f32) -> f32 {
    if po2 > 0.0 {
        u.hif_scale / (1.0 + (po2 / u.hif_k_mmhg).powf(u.hif_hill))
    } else {
        u.hif_scale
    }
}

/// The tissue state's fields on the backend (store fields; region is 1.0 where the state
/// evolves, 0.0 elsewhere), as [`crate::backend::TissueKernels::tissue_load`] returns
/// them. They belong to the tissue state: a later load frees them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TissueHandles {
    /// 1.0 where the state evolves, 0.0 where it is left alone.
    pub region: Field,
    /// Viable fraction n.
    pub viable: Field,
    /// Dead fraction d.
    pub(crate) dead: Field,
    /// Doomed fraction l.
    pub(crate) doomed: Field,
    /// HIF-1α activity h.
    pub(crate) hif: Field,
}

impl TissueHandles {
    /// The state's fields n, d, l and h, in that order.
    pub(crate) fn state(&self) -> [Field; 4] {
        [self.viable, self.dead, self.doomed, self.hif]
    }

    /// Every field, region first.
    pub(crate) fn all(&self) -> [Field; 5] {
        [self.region, self.viable, self.dead, self.doomed, self.hif]
    }
}

/// The region as the kernels hold it: 1.0 where `region` is non-zero, 0.0 elsewhere.
pub(crate) fn region_mask(region: &[u32]) -> Vec<f32> {
    region
        .iter()
        .map(|&r| if r != 0 { 1.0 } else { 0.0 })
        .collect()
}

/// The per-voxel tissue state as the kernels hold it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TissueFields {
    /// Viable fraction n.
    pub viable: Vec<f32>,
    /// Dead fraction d.
    pub dead: Vec<f32>,
    /// Doomed fraction l (lethally irradiated, still respiring).
    pub doomed: Vec<f32>,
    /// HIF-1α activity h ∈ [0, 1].
    pub hif: Vec<f32>,
}

impl TissueFields {
    /// All cells viable: n = `viable`, d = l = 0, HIF at `hif`.
    pub(crate) fn all_viable(viable: Vec<f32>, hif: Vec<f32>) -> Self {
        let zeros = vec![0.0; viable.len()];
        TissueFields {
            dead: zeros.clone(),
            doomed: zeros,
            viable,
            hif,
        }
    }

    /// Panics unless the region and every field have `len` voxels (a programming
    /// error in a caller of [`crate::backend::TissueKernels::tissue_load`]).
    pub(crate) fn assert_len(&self, len: usize, region: &[u32]) {
        assert!(
            region.len() == len
                && self.viable.len() == len
                && self.dead.len() == len
                && self.doomed.len() == len
                && self.hif.len() == len,
            "tissue state: every field must have the grid's {len} voxels"
        );
    }
}

impl TissueUniforms {
    /// The constants of one radiotherapy fraction of `dose_gy` (times the dose map when
    /// `has_map`).
    pub fn fraction(grid: &Grid, lq: &LqParams, dose_gy: f64, has_map: bool) -> Self {
        let (ma, mb, k) = match lq.oer {
            OerModel::Single(e) => (e.m, e.m, e.k_mmhg),
            OerModel::Separate {
                oer_alpha,
                oer_beta,
                k_mmhg,
            } => (oer_alpha, oer_beta, k_mmhg),
        };
        TissueUniforms {
            dims: [
                grid.nx as u32,
                grid.ny as u32,
                grid.nz as u32,
                u32::from(has_map),
            ],
            dose_gy: dose_gy as f32,
            alpha_per_gy: lq.alpha_per_gy as f32,
            beta_per_gy2: lq.beta_per_gy2 as f32,
            oer_m_alpha: ma as f32,
            oer_m_beta: mb as f32,
            oer_k_mmhg: k as f32,
            ..Self::zeroed()
        }
    }

    /// The constants of the kinetics over a slow step of `dt_s` seconds, with HIF
    /// relaxing toward `hif_scale` × its target.
    pub fn step(grid: &Grid, p: &TissueParams, hif: &HifParams, hif_scale: f64, dt_s: f64) -> Self {
        let h = dt_s / 3600.0;
        let necrosis_keep = if p.necrosis_rate_per_h > 0.0 {
            (-p.necrosis_rate_per_h * h).exp()
        } else {
            1.0
        };
        let clearance_keep = if p.clearance_half_life_h > 0.0 {
            (-std::f64::consts::LN_2 * h / p.clearance_half_life_h).exp()
        } else {
            1.0
        };
        let growth_rate_dt = if p.doubling_time_h > 0.0 {
            std::f64::consts::LN_2 / p.doubling_time_h * h
        } else {
            0.0
        };
        let doomed_keep = if p.mitotic_delay_h > 0.0 {
            (-h / p.mitotic_delay_h).exp()
        } else {
            0.0
        };
        TissueUniforms {
            dims: [grid.nx as u32, grid.ny as u32, grid.nz as u32, 0],
            doomed_keep: doomed_keep as f32,
            hif_k_mmhg: hif.k_mmhg as f32,
            hif_hill: hif.hill as f32,
            hif_keep_up: (-dt_s / hif.tau_up_s).exp() as f32,
            hif_keep_down: (-dt_s / hif.tau_down_s).exp() as f32,
            hif_scale: hif_scale as f32,
            necrosis_po2_mmhg: p.necrosis_po2_mmhg as f32,
            necrosis_keep: necrosis_keep as f32,
            clearance_keep: clearance_keep as f32,
            growth_rate_dt: growth_rate_dt as f32,
            growth_k_mmhg: p.growth_k_mmhg as f32,
            ..Self::zeroed()
        }
    }

    /// True when a relative dose map multiplies the dose.
    pub(crate) fn has_map(&self) -> bool {
        self.dims[3] != 0
    }
}

/// One fraction in one voxel: survival S = exp(−(α·mα·D + β·(mβ·D)²)) with the oxygen
/// modification m(P) = (m·P + K)/(m·(P + K)) and D = dose × `rel_dose`; n·(1 − S) moves
/// from n to the doomed fraction l. Returns (n, l), each clamped to [0, 1].
#[inline]
pub(crate) fn irradiate_voxel(
    u: &TissueUniforms,
    n: f32,
    l: f32,
    po2: f32,
    rel_dose: f32,
) -> (f32, f32) {
    let p = po2.max(0.0);
    let k = u.oer_k_mmhg;
    let ma = (u.oer_m_alpha * p + k) / (u.oer_m_alpha * (p + k));
    let mb = (u.oer_m_beta * p + k) / (u.oer_m_beta * (p + k));
    let dose = u.dose_gy * rel_dose;
    let db = mb * dose;
    let s = (-(u.alpha_per_gy * ma * dose + u.beta_per_gy2 * db * db))
        .exp()
        .clamp(0.0, 1.0);
    let killed = n * (1.0 - s);
    ((n - killed).clamp(0.0, 1.0), (l + killed).clamp(0.0, 1.0))
}

/// A kill of log-survival `log_kill` (S = e^(−log_kill)) in one voxel: n·(1 − S)
/// moves from n to l. Returns (n, l), each clamped to [0, 1].
#[inline]
pub(crate) fn kill_voxel(n: f32, l: f32, log_kill: f32) -> (f32, f32) {
    let s = (-log_kill).exp().clamp(0.0, 1.0);
    let killed = n * (1.0 - s);
    ((n - killed).clamp(0.0, 1.0), (l + killed).clamp(0.0, 1.0))
}

/// One voxel's state in the kernels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Voxel {
    /// Viable fraction n.
    pub(crate) n: f32,
    /// Dead fraction d.
    pub(crate) d: f32,
    /// Doomed fraction l.
    pub(crate) l: f32,
    /// HIF activity h.
    pub(crate) h: f32,
}

/// The kinetics over one slow step in one voxel at pO2 `po2` (in this order): anoxic
/// necrosis of n and l, mitotic death of l, clearance of d, logistic regrowth toward
/// the free space 1 − l − d, and HIF relaxing toward its target. Fractions are clamped
/// to [0, 1].
#[inline]
pub(crate) fn step_voxel(u: &TissueUniforms, v: Voxel, po2: f32) -> Voxel {
    let (mut n, mut d, mut l) = (v.n, v.d, v.l);
    if po2 < u.necrosis_po2_mmhg {
        let lost = 1.0 - u.necrosis_keep;
        let dn = n * lost;
        let dl = l * lost;
        n -= dn;
        l -= dl;
        d += dn + dl;
    }
    let died = l * (1.0 - u.doomed_keep);
    l -= died;
    d += died;
    d *= u.clearance_keep;
    let room = 1.0 - d - l;
    if u.growth_rate_dt > 0.0 && n > 0.0 && room > n {
        let p = po2.max(0.0);
        let g = p / (p + u.growth_k_mmhg);
        // Written in e^(−rt) so that long steps saturate at the free space.
        let e = (-(u.growth_rate_dt * g)).exp();
        n = room * n / (room * e + n * (1.0 - e));
    }
    let target = hif_target(u, po2);
    let keep = if target > v.h {
        u.hif_keep_up
    } else {
        u.hif_keep_down
    };
    let h = target + (v.h - target) * keep;
    Voxel {
        n: n.clamp(0.0, 1.0),
        d: d.clamp(0.0, 1.0),
        l: l.clamp(0.0, 1.0),
        h: h.clamp(0.0, 1.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::physics::hif::HifParams;
    use crate::physics::oer::OxygenEffect;
    use crate::physics::tissue::TissueState;

    fn grid() -> Grid {
        Grid::from_shape_zyx([2, 3, 4], 10.0)
    }

    /// The f32 updates against the f64 model: ≤ 2e-6 absolute on n and d (f32 rounding
    /// of a few operations on values in [0, 1]).
    #[test]
    fn f32_updates_match_the_f64_model() {
        let separate = LqParams {
            oer: OerModel::SOVIK_2006,
            ..LqParams::default()
        };
        let single = LqParams {
            oer: OerModel::Single(OxygenEffect {
                m: 2.8,
                k_mmhg: 2.5,
            }),
            ..LqParams::default()
        };
        let kinetics = TissueParams::default();
        for po2 in [0.0f32, 0.3, 1.0, 3.0, 10.0, 40.0, 100.0] {
            for (n, d, l) in [
                (1.0f32, 0.0f32, 0.0f32),
                (0.6, 0.3, 0.0),
                (0.05, 0.1, 0.4),
                (0.0, 0.5, 0.2),
            ] {
                let model = TissueState {
                    n: f64::from(n),
                    d: f64::from(d),
                    l: f64::from(l),
                };
                for lq in [LqParams::default(), separate, single] {
                    for (dose, rel) in [(2.0, 1.0f32), (8.0, 0.5), (15.0, 1.2)] {
                        let u = TissueUniforms::fraction(&grid(), &lq, dose, true);
                        let got = irradiate_voxel(&u, n, l, po2, rel);
                        let s = lq.survival(dose * f64::from(rel), f64::from(po2));
                        let want = model.irradiate(s);
                        assert!((f64::from(got.0) - want.n).abs() < 2e-6, "{got:?} {want:?}");
                        assert!((f64::from(got.1) - want.l).abs() < 2e-6, "{got:?} {want:?}");
                    }
                }
                for dt_h in [0.25, 1.0, 12.0, 200.0] {
                    let hif = HifParams::default();
                    let u = TissueUniforms::step(&grid(), &kinetics, &hif, 0.7, dt_h * 3600.0);
                    let got = step_voxel(&u, Voxel { n, d, l, h: 0.5 }, po2);
                    let want = model.step(&kinetics, f64::from(po2), dt_h * 3600.0);
                    assert!((f64::from(got.n) - want.n).abs() < 2e-6, "{got:?} {want:?}");
                    assert!((f64::from(got.d) - want.d).abs() < 2e-6, "{got:?} {want:?}");
                    assert!((f64::from(got.l) - want.l).abs() < 2e-6, "{got:?} {want:?}");
                    // HIF: exact relaxation toward 0.7·Khⁿ/(Khⁿ + Pⁿ).
                    let p = f64::from(po2);
                    let target = 0.7 / (1.0 + (p / hif.k_mmhg).powf(hif.hill));
                    let tau = if target > 0.5 {
                        hif.tau_up_s
                    } else {
                        hif.tau_down_s
                    };
                    let h = target + (0.5 - target) * (-dt_h * 3600.0 / tau).exp();
                    assert!((f64::from(got.h) - h).abs() < 2e-6, "{got:?} {h}");
                }
            }
        }
    }

    #[test]
    fn switched_off_kinetics_leave_the_state_alone() {
        let off = TissueParams {
            doubling_time_h: 0.0,
            necrosis_rate_per_h: 0.0,
            clearance_half_life_h: 0.0,
            mitotic_delay_h: 0.0,
            ..TissueParams::default()
        };
        let u = TissueUniforms::step(&grid(), &off, &HifParams::default(), 1.0, 86400.0);
        let v = |n, d, l| Voxel { n, d, l, h: 0.0 };
        let nld = |x: Voxel| (x.n, x.d, x.l);
        assert_eq!(nld(step_voxel(&u, v(0.4, 0.3, 0.0), 0.0)), (0.4, 0.3, 0.0));
        assert_eq!(nld(step_voxel(&u, v(0.4, 0.3, 0.0), 50.0)), (0.4, 0.3, 0.0));
        // Without a mitotic delay the doomed cells are dead by the end of the step.
        assert_eq!(nld(step_voxel(&u, v(0.4, 0.3, 0.2), 50.0)), (0.4, 0.5, 0.0));
        // HIF is fully on in anoxia after a day, at the inhibited scale.
        assert_eq!(step_voxel(&u, v(0.4, 0.3, 0.0), 0.0).h, 1.0);
        let none = TissueUniforms::fraction(&grid(), &LqParams::default(), 0.0, false);
        assert_eq!(irradiate_voxel(&none, 0.7, 0.1, 20.0, 1.0), (0.7, 0.1));
        assert_eq!(std::mem::size_of::<TissueUniforms>(), 96);
    }
}
