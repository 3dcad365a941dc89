//! Reactive oxygen species and antioxidants (MODEL.md §3): the pointwise terms of the
//! ROS equation and the closed-form update of the antioxidant capacity.
//!
//! ```text
//! ∂R/∂t = DR ∇²R + S − k·R + Pw,R·Sv·(Rb − R)
//! S     = ym·α·M·n·P/(P + Km)                (mitochondrial: a fraction of O2 consumed)
//!       + yr·Ḋ·OMF(P)                        (radiolysis, oxygen-fixation weighted)
//!       + yh·n·max(P − Pprev, 0)             (hypoxia–reoxygenation burst)
//! k     = kG·G + λR                          (glutathione scavenging, other first-order loss)
//! ∂G/∂t = kregen·n·(G0 − G) − kG'·G·R,       kG' = s·kG / 1000
//! ```
//!
//! R is H2O2-equivalent ROS (µM), G the glutathione-like antioxidant capacity (mM), P
//! the local pO2 (mmHg), n the viable fraction, Ḋ the dose rate (Gy/s) and s the GSH
//! consumed per H2O2 scavenged (2 for 2 GSH + H2O2 → GSSG + 2 H2O); the factor 1000
//! converts µM of R to mM of G. Blood (Sv > 0) and fixed voxels or faces (medium) hold
//! R at the boundary value Rb. Defaults and sources: `docs/model.md`, "ROS and
//! antioxidants".

use super::o2::{uptake, O2Params};
use super::oer::OxygenEffect;

/// ROS and antioxidant parameters (units in the names).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RosParams {
    /// H2O2 diffusivity DR (µm²/s). Default 1400.
    pub diffusivity_um2_per_s: f64,
    /// O2 solubility α converting consumption from mmHg/s to µM/s. Default 1.34 µM/mmHg
    /// (3e-5 cm³O2/cm³/mmHg at 22.4 L/mol).
    pub o2_solubility_um_per_mmhg: f64,
    /// Mitochondrial yield ym: H2O2 produced per O2 consumed. Default 0.002 (0.1–1 %).
    pub mito_yield: f64,
    /// Radiolytic H2O2 yield yr (µM/Gy). Default 0.075 (G = 0.73 per 100 eV).
    pub radiation_yield_um_per_gy: f64,
    /// Dose rate Ḋ (Gy/s) of a steady irradiation; 0 outside fractions. Default 0.
    pub dose_rate_gy_per_s: f64,
    /// Oxygen-effect weighting of the radiolytic term.
    pub oxygen_effect: OxygenEffect,
    /// Reoxygenation yield yh (µM/s per mmHg of pO2 rise). Default 0.001.
    pub reoxygenation_yield_um_per_s_per_mmhg: f64,
    /// Scavenging rate constant kG (1/(mM·s)). Default 0.14 (kG·G0 ≈ 0.9 s⁻¹).
    pub scavenging_rate_per_mm_per_s: f64,
    /// GSH consumed per H2O2 scavenged, s. Default 2.
    pub gsh_per_ros: f64,
    /// First-order loss λR (1/s): catalase, peroxiredoxins, leakage. Default 0.1.
    pub loss_rate_per_s: f64,
    /// H2O2 permeability of vessel walls Pw,R (µm/s). Default 2.
    pub wall_permeability_um_per_s: f64,
    /// Antioxidant capacity G0 of viable tissue (mM). Default 6.5.
    pub gsh_baseline_mm: f64,
    /// Regeneration rate kregen of G toward G0 (1/s). Default 2e-4 (τ ≈ 1.4 h).
    pub gsh_regeneration_per_s: f64,
    /// R in blood, fixed voxels and fixed faces, Rb (µM). Default 0.
    pub boundary_um: f64,
    /// Damage threshold of R (µM) for the reported fraction of tissue above it.
    /// Default 0.1.
    pub damage_threshold_um: f64,
    /// Extra production by cells (µM/s at n = 1), from a pro-oxidant. Default 0.
    pub extra_production_um_per_s: f64,
}

impl Default for RosParams {
    fn default() -> Self {
        RosParams {
            diffusivity_um2_per_s: 1400.0,
            o2_solubility_um_per_mmhg: 1.34,
            mito_yield: 0.002,
            radiation_yield_um_per_gy: 0.075,
            dose_rate_gy_per_s: 0.0,
            oxygen_effect: OxygenEffect::default(),
            reoxygenation_yield_um_per_s_per_mmhg: 0.001,
            scavenging_rate_per_mm_per_s: 0.14,
            gsh_per_ros: 2.0,
            loss_rate_per_s: 0.1,
            wall_permeability_um_per_s: 2.0,
            gsh_baseline_mm: 6.5,
            gsh_regeneration_per_s: 2e-4,
            boundary_um: 0.0,
            damage_threshold_um: 0.1,
            extra_production_um_per_s: 0.0,
        }
    }
}

impl RosParams {
    /// ROS production S (µM/s) in a voxel of viable fraction `n` at pO2 `p`, with pO2
    /// `p_prev` at the previous protocol step (`None`: no reoxygenation term) and dose
    /// rate `dose_rate` (Gy/s). The mitochondrial term uses the O2 model's uptake law.
    #[inline]
    pub(crate) fn production(
        &self,
        o2: &O2Params,
        p: f32,
        n: f32,
        p_prev: Option<f32>,
        dose_rate: f64,
    ) -> f64 {
        let mn = (o2.max_consumption_mmhg_per_s * f64::from(n)) as f32;
        let consumed = f64::from(uptake(p, mn, o2.km_mmhg as f32));
        let mito = self.mito_yield * self.o2_solubility_um_per_mmhg * consumed;
        let radiation = if dose_rate > 0.0 {
            self.radiation_yield_um_per_gy * dose_rate * self.oxygen_effect.omf(f64::from(p))
        } else {
            0.0
        };
        let reox = p_prev.map_or(0.0, |q| {
            self.reoxygenation_yield_um_per_s_per_mmhg * f64::from(n) * f64::from(p - q).max(0.0)
        });
        mito + radiation + reox + self.extra_production_um_per_s * f64::from(n)
    }

    /// Removal rate k = kG·G + λR (1/s) inside tissue with antioxidant capacity `g` (mM).
    #[inline]
    pub fn removal_rate(&self, g: f32) -> f64 {
        self.scavenging_rate_per_mm_per_s * f64::from(g) + self.loss_rate_per_s
    }

    /// kG' (1/(µM·s)): GSH consumed (mM/s) per mM of G and µM of R.
    #[inline]
    pub(crate) fn gsh_consumption_rate(&self) -> f64 {
        self.gsh_per_ros * self.scavenging_rate_per_mm_per_s / 1000.0
    }

    /// The steady antioxidant capacity (mM) under ROS `r` (µM) held:
    /// G∞ = kregen·n·G0 / (kregen·n + kG'·R); 0 where there are no cells.
    #[inline]
    pub fn gsh_steady(&self, n: f32, r: f32) -> f32 {
        let a = self.gsh_regeneration_per_s * f64::from(n);
        let b = self.gsh_consumption_rate() * f64::from(r.max(0.0));
        if a > 0.0 {
            (a * self.gsh_baseline_mm / (a + b)) as f32
        } else {
            0.0
        }
    }

    /// G after `dt` seconds from `g` with `r` held: the exact solution of the linear
    /// ODE, G∞ + (G − G∞)·exp(−(a + b)·dt) with a = kregen·n, b = kG'·R.
    #[inline]
    pub(crate) fn gsh_advance(&self, g: f32, n: f32, r: f32, dt: f64) -> f32 {
        self.gsh_advance_scaled(g, n, r, dt, 1.0)
    }

    /// `RosParams::gsh_advance` toward `g0_scale`·G0 (HIF upregulation, antioxidants).
    #[inline]
    pub fn gsh_advance_scaled(&self, g: f32, n: f32, r: f32, dt: f64, g0_scale: f32) -> f32 {
        let a = self.gsh_regeneration_per_s * f64::from(n);
        let b = self.gsh_consumption_rate() * f64::from(r.max(0.0));
        let rate = a + b;
        if rate <= 0.0 {
            return g;
        }
        let inf = a * self.gsh_baseline_mm * f64::from(g0_scale) / rate;
        (inf + (f64::from(g) - inf) * (-rate * dt).exp()) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_terms_add_and_scale() {
        let r = RosParams::default();
        let o2 = O2Params::default();
        // Well-oxygenated, fully viable: ym·α·M·P/(P + Km).
        let want = 0.002 * 1.34 * 15.0 * 40.0 / 41.0;
        assert!((r.production(&o2, 40.0, 1.0, None, 0.0) - want).abs() < 1e-6);
        // No cells, no mitochondrial or reoxygenation ROS; radiolysis remains.
        assert_eq!(r.production(&o2, 40.0, 0.0, Some(0.0), 0.0), 0.0);
        let rad = r.production(&o2, 0.0, 0.0, None, 1.0);
        assert!((rad - 0.075 / 3.0).abs() < 1e-9, "anoxic radiolysis {rad}");
        // Reoxygenation counts rises only.
        let up = r.production(&o2, 30.0, 1.0, Some(10.0), 0.0);
        let down = r.production(&o2, 30.0, 1.0, Some(50.0), 0.0);
        let none = r.production(&o2, 30.0, 1.0, None, 0.0);
        assert!((up - none - 0.001 * 20.0).abs() < 1e-6);
        assert_eq!(down, none);
    }

    #[test]
    fn gsh_advance_reaches_the_steady_value() {
        let p = RosParams::default();
        let (n, r) = (0.8f32, 2.0f32);
        let inf = p.gsh_steady(n, r);
        assert!(inf < p.gsh_baseline_mm as f32 && inf > 0.0);
        let g = p.gsh_advance(6.5, n, r, 1e7);
        assert!((g - inf).abs() < 1e-5, "{g} vs {inf}");
        // Half-way in one time constant's worth of ln 2.
        let rate = p.gsh_regeneration_per_s * 0.8 + p.gsh_consumption_rate() * 2.0;
        let half = p.gsh_advance(0.0, n, r, std::f64::consts::LN_2 / rate);
        assert!((half - inf / 2.0).abs() < 1e-5);
        assert_eq!(p.gsh_steady(0.0, 1.0), 0.0);
        assert_eq!(p.gsh_advance(3.0, 0.0, 0.0, 10.0), 3.0);
    }
}
