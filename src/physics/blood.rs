//! Blood: O2 carried bound to haemoglobin and dissolved in plasma (MODEL.md §1,
//! "Intravascular oxygen"), and Poiseuille resistance for the pressure solve.
//!
//! ```text
//! C(P) = Hd·c0·S(P) + αb·P,      S(P) = Pⁿ/(Pⁿ + P50ⁿ)
//! ```
//!
//! C is O2 volume per blood volume (cm³ O2/cm³). Along a segment with flow Q,
//! `Q·dC/ds = −αt·∮ Pw (Pb − P) dl`: the O2 volume flux leaving through the wall, where
//! αt turns the tissue's mmHg into O2 volume per tissue volume.

/// Blood O2 parameters (defaults and sources in docs/model.md).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BloodParams {
    /// Hill exponent n (2.55–3; default 2.7).
    pub(crate) hill_n: f64,
    /// Half-saturation pO2 P50 (mmHg; 26 human, 38 rat).
    pub(crate) p50_mmhg: f64,
    /// O2 binding capacity of red cells c0 (cm³ O2 / cm³ red cells; 0.5).
    pub(crate) c0: f64,
    /// Plasma O2 solubility αb (cm³ O2 / cm³ / mmHg; 3.1e-5).
    pub(crate) alpha_blood: f64,
    /// Tissue O2 solubility αt (cm³ O2 / cm³ / mmHg; 3.0e-5).
    pub(crate) alpha_tissue: f64,
}

impl Default for BloodParams {
    fn default() -> Self {
        BloodParams {
            hill_n: 2.7,
            p50_mmhg: 26.0,
            c0: 0.5,
            alpha_blood: 3.1e-5,
            alpha_tissue: 3.0e-5,
        }
    }
}

impl BloodParams {
    /// Hill saturation S(P) ∈ [0, 1).
    pub(crate) fn saturation(&self, p: f64) -> f64 {
        if p <= 0.0 {
            return 0.0;
        }
        let x = (p / self.p50_mmhg).powf(self.hill_n);
        x / (1.0 + x)
    }

    /// O2 content C(P) at discharge haematocrit `hd` (cm³ O2 / cm³ blood).
    pub(crate) fn content(&self, p: f64, hd: f64) -> f64 {
        hd * self.c0 * self.saturation(p) + self.alpha_blood * p.max(0.0)
    }

    /// dC/dP.
    pub(crate) fn content_slope(&self, p: f64, hd: f64) -> f64 {
        let p = p.max(1e-12);
        let x = (p / self.p50_mmhg).powf(self.hill_n);
        hd * self.c0 * self.hill_n * x / (p * (1.0 + x) * (1.0 + x)) + self.alpha_blood
    }

    /// The pO2 ≥ 0 whose content is `c` (C is strictly increasing); 0 for c ≤ 0.
    pub(crate) fn po2_of_content(&self, c: f64, hd: f64) -> f64 {
        if c <= 0.0 {
            return 0.0;
        }
        self.solve_increasing(|p| self.content(p, hd) - c, |p| self.content_slope(p, hd))
    }

    /// The root of a strictly increasing `f` on P ≥ 0 with f(0) ≤ 0: Newton safeguarded
    /// by bisection, to 1e-12 relative.
    pub(crate) fn solve_increasing(&self, f: impl Fn(f64) -> f64, df: impl Fn(f64) -> f64) -> f64 {
        if f(0.0) >= 0.0 {
            return 0.0;
        }
        let mut hi = self.p50_mmhg.max(1.0);
        while f(hi) < 0.0 {
            hi *= 2.0;
            if hi > 1e12 {
                return hi;
            }
        }
        let mut lo = 0.0;
        let mut p = 0.5 * hi;
        for _ in 0..200 {
            let v = f(p);
            if v > 0.0 {
                hi = p;
            } else {
                lo = p;
            }
            if hi - lo <= 1e-12 * hi.max(1e-6) {
                break;
            }
            let step = p - v / df(p);
            p = if step > lo && step < hi {
                step
            } else {
                0.5 * (lo + hi)
            };
        }
        0.5 * (lo + hi)
    }
}

/// µm³/s per nl/min.
pub(crate) const UM3_PER_S_PER_NL_PER_MIN: f64 = 1e6 / 60.0;

/// Pa per mmHg.
pub(crate) const PA_PER_MMHG: f64 = 133.322;

/// Poiseuille conductance of a tube (µm³/s per mmHg) with radius and length in µm and
/// viscosity in cP (mPa·s).
pub(crate) fn poiseuille_conductance(radius_um: f64, length_um: f64, viscosity_cp: f64) -> f64 {
    // Q = π r⁴ ΔP / (8 μ L): µm⁴ · Pa / (Pa·s · µm) = µm³/s.
    std::f64::consts::PI * radius_um.powi(4) * PA_PER_MMHG / (8.0 * viscosity_cp * 1e-3 * length_um)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturation_and_content_invert() {
        let b = BloodParams::default();
        assert!((b.saturation(26.0) - 0.5).abs() < 1e-15);
        // Arterial blood at 100 mmHg is ~97 % saturated with n = 2.7, P50 = 26.
        assert!((b.saturation(100.0) - 0.974).abs() < 2e-3);
        for &p in &[0.0, 0.3, 5.0, 26.0, 40.0, 99.0, 600.0] {
            let c = b.content(p, 0.45);
            assert!(
                (b.po2_of_content(c, 0.45) - p).abs() < 1e-8 * p.max(1.0),
                "{p}"
            );
        }
        // Plasma alone (Hd = 0) is linear.
        assert!((b.po2_of_content(b.content(50.0, 0.0), 0.0) - 50.0).abs() < 1e-9);
        // The slope matches a central difference.
        let (p, e) = (30.0, 1e-5);
        let fd = (b.content(p + e, 0.4) - b.content(p - e, 0.4)) / (2.0 * e);
        assert!((b.content_slope(p, 0.4) - fd).abs() < 1e-8);
    }

    #[test]
    fn poiseuille_units() {
        // r = 5 µm, L = 100 µm, 3 cP, 10 mmHg → π·625·1333.22/(8·3e-3·100) µm³/s.
        let g = poiseuille_conductance(5.0, 100.0, 3.0) * 10.0;
        let want = std::f64::consts::PI * 625.0 * 1333.22 / 2.4;
        assert!((g - want).abs() < 1e-9 * want);
        // ≈ 1.09e6 µm³/s ≈ 65 nl/min: the order of arteriolar flows.
        assert!((g / UM3_PER_S_PER_NL_PER_MIN - 65.4).abs() < 0.5);
    }
}
