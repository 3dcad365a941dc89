//! The oxygen effect: the oxygen modification factor (OMF) of Alper and
//! Howard-Flanders (MODEL.md §4), used to weight radiation damage and radiolytic ROS
//! by the local pO2.
//!
//! ```text
//! OMF(P) = (m·P + K) / (m·(P + K))
//! ```
//!
//! OMF is 1 in well-oxygenated tissue, 1/m when anoxic, and half-way at P = K.

/// Parameters of the oxygen modification factor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OxygenEffect {
    /// Maximal oxygen enhancement ratio m. Default 3.
    pub(crate) m: f64,
    /// pO2 of half effect K (mmHg). Default 3.
    pub(crate) k_mmhg: f64,
}

impl Default for OxygenEffect {
    fn default() -> Self {
        OxygenEffect {
            m: 3.0,
            k_mmhg: 3.0,
        }
    }
}

impl OxygenEffect {
    /// OMF(P) ∈ [1/m, 1] for P ≥ 0 (negative P is treated as 0).
    #[inline]
    pub fn omf(&self, po2_mmhg: f64) -> f64 {
        let p = po2_mmhg.max(0.0);
        (self.m * p + self.k_mmhg) / (self.m * (p + self.k_mmhg))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn omf_limits_and_half_point() {
        let e = OxygenEffect::default();
        assert!((e.omf(0.0) - 1.0 / 3.0).abs() < 1e-12);
        assert!((e.omf(1e9) - 1.0).abs() < 1e-6);
        // Half-way between 1/m and 1 at P = K.
        assert!((e.omf(3.0) - 2.0 / 3.0).abs() < 1e-12);
        // MODEL.md §4 check value: S(2 Gy) at 10 mmHg = 0.5523 with α = 0.3, β = 0.03.
        let d = 2.0 * e.omf(10.0);
        let s = (-0.3 * d - 0.03 * d * d).exp();
        assert!((s - 0.5523).abs() < 5e-5, "S = {s}");
    }
}
