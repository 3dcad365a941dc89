//! HIF-1α activity (MODEL.md §4) and the effects that can be switched on: the
//! glycolytic switch, antioxidant upregulation and angiogenesis. The per-voxel update
//! of h is part of the tissue kernel (`crate::backend::tissue::step_voxel`).

/// HIF-1α activity (MODEL.md §4): target h∞(P) = s·Khⁿ/(Khⁿ + Pⁿ), relaxing to it with
/// τ↑ while it rises (stabilisation) and τ↓ while it falls (degradation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HifParams {
    /// Kh (mmHg).
    pub(crate) k_mmhg: f64,
    /// Hill exponent n.
    pub(crate) hill: f64,
    /// τ↑ (s).
    pub(crate) tau_up_s: f64,
    /// τ↓ (s).
    pub(crate) tau_down_s: f64,
}

impl Default for HifParams {
    /// Jiang et al. 1996 (half-maximal at 1.5–2 % O2, maximal by 0.5 %): Kh = 12 mmHg,
    /// n = 2; τ↑ = 30 min (an assumption), τ↓ = 7 min (a half-life of about 5 min).
    fn default() -> Self {
        HifParams {
            k_mmhg: 12.0,
            hill: 2.0,
            tau_up_s: 1800.0,
            tau_down_s: 430.0,
        }
    }
}

/// What HIF does, each effect off at 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HifEffects {
    /// The activity's dynamics.
    pub(crate) params: HifParams,
    /// Fraction of O2 consumption cut at h = 1 (glycolytic switch): M·(1 − φ·h).
    /// Papandreou et al. 2006 show the effect; 0.3 is an assumption (0.2–0.5).
    pub(crate) glycolytic_switch: f64,
    /// Fractional rise of the antioxidant capacity G0 at h = 1. An assumption (0–0.5).
    pub(crate) antioxidant_upregulation: f64,
    /// Growth of vessel surface per day where h stays above the threshold, as a
    /// fraction of the mean vessel surface of vessel voxels at t = 0. ln2/7 ≈ 0.1 (a
    /// doubling of microvessel density in a week) is an assumption.
    pub(crate) angiogenesis_per_day: f64,
    /// h above which new vessel surface grows.
    pub(crate) angiogenesis_threshold: f64,
}

impl Default for HifEffects {
    fn default() -> Self {
        HifEffects {
            params: HifParams::default(),
            glycolytic_switch: 0.0,
            antioxidant_upregulation: 0.0,
            angiogenesis_per_day: 0.0,
            angiogenesis_threshold: 0.5,
        }
    }
}
