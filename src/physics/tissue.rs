//! Slow tissue kinetics (MODEL.md §4) as closed-form updates over one slow step: per
//! voxel a viable fraction n and a dead fraction d, with n + d ≤ 1.
//!
//! Over a step of Δt with the pO2 P held (in this order):
//! 1. anoxic necrosis: where P < Pn, n loses n·(1 − e^(−kn·Δt)) to d;
//! 2. clearance of dead cells: d ← d·e^(−ln2·Δt/t½);
//! 3. regrowth dn/dt = r·g(P)·n·(1 − n − d), g(P) = P/(P + Kp), r = ln2/Td, solved as
//!    the logistic curve toward the free space 1 − d with d held.
//!
//! Radiation kill ([`TissueState::irradiate`]) moves n·(1 − S) from n to d at once:
//! dead cells stop consuming O2 at the fraction (no mitotic delay).

/// Parameters of the tissue kinetics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TissueParams {
    /// Doubling time Td of viable cells with room and oxygen (h). Default 72 (2–5 days).
    pub doubling_time_h: f64,
    /// pO2 of half-maximal proliferation Kp (mmHg). Default 5 (quiescence below ≈ 9).
    pub growth_k_mmhg: f64,
    /// pO2 below which cells die of anoxia, Pn (mmHg). Default 0.5 (0.5–1).
    pub necrosis_po2_mmhg: f64,
    /// Rate of anoxic death kn (1/h). Default 1/24.
    pub necrosis_rate_per_h: f64,
    /// Half-life of dead-cell clearance t½ (h). Default 48 (1–3 days).
    pub clearance_half_life_h: f64,
}

impl Default for TissueParams {
    fn default() -> Self {
        TissueParams {
            doubling_time_h: 72.0,
            growth_k_mmhg: 5.0,
            necrosis_po2_mmhg: 0.5,
            necrosis_rate_per_h: 1.0 / 24.0,
            clearance_half_life_h: 48.0,
        }
    }
}

/// One voxel's slow state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TissueState {
    /// Viable fraction n.
    pub n: f64,
    /// Dead fraction d.
    pub d: f64,
}

impl TissueState {
    /// Advances by `dt_s` seconds at pO2 `p` (see the module docs).
    pub fn step(self, p: &TissueParams, po2: f64, dt_s: f64) -> TissueState {
        let h = dt_s / 3600.0;
        let (mut n, mut d) = (self.n, self.d);
        if po2 < p.necrosis_po2_mmhg && p.necrosis_rate_per_h > 0.0 {
            let died = n * (1.0 - (-p.necrosis_rate_per_h * h).exp());
            n -= died;
            d += died;
        }
        if p.clearance_half_life_h > 0.0 {
            d *= (-std::f64::consts::LN_2 * h / p.clearance_half_life_h).exp();
        }
        let room = 1.0 - d;
        if p.doubling_time_h > 0.0 && n > 0.0 && room > n {
            let g = po2.max(0.0) / (po2.max(0.0) + p.growth_k_mmhg);
            let rt = std::f64::consts::LN_2 / p.doubling_time_h * g * h;
            // Written in e^(−rt) so that long steps saturate at the free space.
            let e = (-rt).exp();
            n = room * n / (room * e + n * (1.0 - e));
        }
        TissueState { n, d }
    }

    /// Applies surviving fraction `s` of a radiation fraction.
    pub fn irradiate(self, s: f64) -> TissueState {
        let killed = self.n * (1.0 - s.clamp(0.0, 1.0));
        TissueState {
            n: self.n - killed,
            d: self.d + killed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regrowth_doubles_in_the_doubling_time_when_sparse_and_oxygenated() {
        let p = TissueParams::default();
        let s = TissueState { n: 1e-4, d: 0.0 };
        let after = s.step(&p, 1e9, 72.0 * 3600.0);
        assert!((after.n / 2e-4 - 1.0).abs() < 1e-3, "{after:?}");
        // Never beyond the free space.
        let full = TissueState { n: 0.5, d: 0.3 }.step(&p, 1e9, 1e9);
        assert!(full.n <= 1.0 - full.d + 1e-12 && full.n > 0.5);
        // No growth without oxygen.
        let anoxic = TissueState { n: 0.5, d: 0.0 }.step(
            &TissueParams {
                necrosis_rate_per_h: 0.0,
                ..p
            },
            0.0,
            3600.0,
        );
        assert_eq!(anoxic.n, 0.5);
    }

    #[test]
    fn necrosis_clearance_and_kill_conserve_cells_until_cleared() {
        let p = TissueParams {
            doubling_time_h: 0.0,
            clearance_half_life_h: 0.0,
            ..TissueParams::default()
        };
        let s = TissueState { n: 0.8, d: 0.1 }.step(&p, 0.1, 24.0 * 3600.0);
        assert!((s.n - 0.8 * (-1.0f64).exp()).abs() < 1e-12);
        assert!((s.n + s.d - 0.9).abs() < 1e-12);
        let k = TissueState { n: 0.8, d: 0.1 }.irradiate(0.5);
        assert_eq!((k.n, k.d), (0.4, 0.5));
        let c = TissueState { n: 0.0, d: 0.4 }.step(
            &TissueParams {
                clearance_half_life_h: 48.0,
                ..p
            },
            50.0,
            48.0 * 3600.0,
        );
        assert!((c.d - 0.2).abs() < 1e-12);
    }
}
