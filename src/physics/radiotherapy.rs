//! Radiotherapy: linear-quadratic survival with oxygen modification (MODEL.md §4).
//!
//! Both variants write the survival of a dose D at pO2 P as
//!
//! ```text
//! S = exp(−α·mα(P)·D − β·(mβ(P)·D)²),   m(P) = (OER·P + K) / (OER·(P + K))
//! ```
//!
//! - single OER (Alper–Howard-Flanders): OERα = OERβ = m = 3, K = 3 mmHg, i.e. the
//!   dose is scaled by the oxygen modification factor, D·OMF(P);
//! - separate α and β OERs (Wouters & Brown 1997; Søvik et al. 2006): OERα = 2.5,
//!   OERβ = 3.0, K = 3.28 mmHg. Equivalent to α(P) = (αA·P + αH·K)/(P + K) and
//!   √β(P) = (√βA·P + √βH·K)/(P + K) with αH = αA/OERα, √βH = √βA/OERβ.

use super::oer::OxygenEffect;

/// Default clonogen density (per mm³ of viable tissue): 10⁷ per cm³, the value of
/// Webb & Nahum (1993) for tumour control probability models.
pub const CLONOGEN_DENSITY_PER_MM3: f64 = 1e4;

/// How oxygen modifies the LQ parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OerModel {
    /// One oxygen modification factor scales the dose (m = OER for α and β).
    Single(OxygenEffect),
    /// Separate maximal OERs for α and β with a common K.
    Separate {
        /// OERα (max), default 2.5.
        oer_alpha: f64,
        /// OERβ (max), default 3.0.
        oer_beta: f64,
        /// pO2 of half effect (mmHg), default 3.28.
        k_mmhg: f64,
    },
}

impl OerModel {
    /// The separate-OER variant with the values of Søvik et al. (2006).
    pub const SOVIK_2006: OerModel = OerModel::Separate {
        oer_alpha: 2.5,
        oer_beta: 3.0,
        k_mmhg: 3.28,
    };

    /// (mα, mβ) at pO2 `p`: the factors on α·D and on D inside β·D².
    pub(crate) fn factors(&self, p: f64) -> (f64, f64) {
        match *self {
            OerModel::Single(e) => {
                let f = e.omf(p);
                (f, f)
            }
            OerModel::Separate {
                oer_alpha,
                oer_beta,
                k_mmhg,
            } => (
                OxygenEffect {
                    m: oer_alpha,
                    k_mmhg,
                }
                .omf(p),
                OxygenEffect {
                    m: oer_beta,
                    k_mmhg,
                }
                .omf(p),
            ),
        }
    }
}

/// Linear-quadratic parameters of the aerobic (fully oxygenated) response.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LqParams {
    /// α (1/Gy). Default 0.3.
    pub alpha_per_gy: f64,
    /// β (1/Gy²). Default 0.03.
    pub beta_per_gy2: f64,
    /// Oxygen modification. Default: single OER, m = 3, K = 3 mmHg.
    pub oer: OerModel,
}

impl Default for LqParams {
    fn default() -> Self {
        LqParams {
            alpha_per_gy: 0.3,
            beta_per_gy2: 0.03,
            oer: OerModel::Single(OxygenEffect::default()),
        }
    }
}

impl LqParams {
    /// −ln S of dose `dose_gy` at pO2 `p` (mmHg).
    #[inline]
    pub(crate) fn log_kill(&self, dose_gy: f64, p: f64) -> f64 {
        let (ma, mb) = self.oer.factors(p);
        let db = mb * dose_gy;
        self.alpha_per_gy * ma * dose_gy + self.beta_per_gy2 * db * db
    }

    /// Surviving fraction of dose `dose_gy` at pO2 `p` (mmHg).
    #[inline]
    pub fn survival(&self, dose_gy: f64, p: f64) -> f64 {
        (-self.log_kill(dose_gy, p)).exp()
    }

    /// The oxygen-weighted equivalent uniform dose of one fraction (Gy): the dose that,
    /// given uniformly to fully oxygenated cells, leaves the same surviving fraction
    /// `surviving_fraction` (0 < S ≤ 1) as the fraction did. The positive root of
    /// α·D + β·D² = −ln S, written D = 2L / (α + √(α² + 4βL)) with L = −ln S, which
    /// holds for β = 0 too (D = L/α). S ≥ 1 gives 0; S ≤ 0 gives +∞.
    pub fn equivalent_dose_gy(&self, surviving_fraction: f64) -> f64 {
        if surviving_fraction >= 1.0 {
            return 0.0;
        }
        if surviving_fraction <= 0.0 {
            return f64::INFINITY;
        }
        let l = -surviving_fraction.ln();
        let a = self.alpha_per_gy;
        2.0 * l / (a + a.mul_add(a, 4.0 * self.beta_per_gy2 * l).sqrt())
    }
}

/// Poisson tumour control probability of `surviving_clonogens` expected surviving
/// clonogens: TCP = exp(−N) (Munro & Gilbert 1961; Webb & Nahum 1993).
#[inline]
pub fn poisson_tcp(surviving_clonogens: f64) -> f64 {
    (-surviving_clonogens.max(0.0)).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MODEL.md §4 check values (single OER, α = 0.3, β = 0.03, m = 3, K = 3).
    #[test]
    fn single_oer_check_values() {
        let lq = LqParams::default();
        for (p, want) in [(1e9, 0.4868), (10.0, 0.5523), (3.0, 0.6355), (0.0, 0.8079)] {
            let s = lq.survival(2.0, p);
            assert!(
                (s - want).abs() < 5e-5,
                "S(2 Gy, {p} mmHg) = {s:.5}, want {want}"
            );
        }
        let log10 = |p: f64| 30.0 * lq.log_kill(2.0, p) / std::f64::consts::LN_10;
        assert!((log10(1e9) - 9.38).abs() < 5e-3, "{}", log10(1e9));
        assert!((log10(0.0) - 2.78).abs() < 5e-3, "{}", log10(0.0));
    }

    /// The equivalent dose inverts the aerobic LQ survival, and lies below the physical
    /// dose of a partly hypoxic fraction.
    #[test]
    fn equivalent_dose_inverts_the_aerobic_survival() {
        let lq = LqParams::default();
        for d in [0.5, 2.0, 8.0, 15.0] {
            let s = lq.survival(d, 1e12);
            assert!(
                (lq.equivalent_dose_gy(s) - d).abs() < 1e-9 * d.max(1.0),
                "{d}"
            );
        }
        // Half the cells anoxic: S = (S_ox + S_anoxic)/2 → EUD between the two.
        let s = 0.5 * (lq.survival(2.0, 1e12) + lq.survival(2.0, 0.0));
        let eud = lq.equivalent_dose_gy(s);
        assert!(eud > 2.0 / 3.0 && eud < 2.0, "{eud}");
        let pure_alpha = LqParams {
            beta_per_gy2: 0.0,
            ..lq
        };
        assert!((pure_alpha.equivalent_dose_gy((-0.6f64).exp()) - 2.0).abs() < 1e-12);
        assert_eq!(lq.equivalent_dose_gy(1.0), 0.0);
        assert_eq!(poisson_tcp(0.0), 1.0);
        assert!((poisson_tcp(2.0f64.ln()) - 0.5).abs() < 1e-15);
    }

    /// The separate-OER variant is the Wouters & Brown form and reduces to the single
    /// one when both OERs are equal.
    #[test]
    fn separate_oer_matches_the_wouters_brown_form() {
        let lq = LqParams {
            oer: OerModel::SOVIK_2006,
            ..LqParams::default()
        };
        let (aa, ba, k) = (0.3f64, 0.03f64, 3.28);
        for p in [0.0, 1.0, 3.28, 10.0, 100.0] {
            let alpha = (aa * p + aa / 2.5 * k) / (p + k);
            let sqrt_beta = (ba.sqrt() * p + ba.sqrt() / 3.0 * k) / (p + k);
            let want = 8.0 * alpha + 64.0 * sqrt_beta * sqrt_beta;
            assert!((lq.log_kill(8.0, p) - want).abs() < 1e-12, "{p}");
        }
        // Anoxic: α/2.5 and β/9.
        let anoxic = lq.log_kill(2.0, 0.0);
        assert!((anoxic - (0.6 / 2.5 + 0.12 / 9.0)).abs() < 1e-12);
        let same = LqParams {
            oer: OerModel::Separate {
                oer_alpha: 3.0,
                oer_beta: 3.0,
                k_mmhg: 3.0,
            },
            ..LqParams::default()
        };
        for p in [0.0, 3.0, 10.0] {
            let d = same.survival(2.0, p) - LqParams::default().survival(2.0, p);
            assert!(d.abs() < 1e-12);
        }
    }
}
