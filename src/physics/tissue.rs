//! Slow tissue kinetics (MODEL.md §4) as closed-form updates over one slow step: per
//! voxel a viable fraction n, a doomed fraction l (lethally irradiated cells that still
//! respire until their mitotic death) and a dead fraction d, with n + l + d ≤ 1.
//!
//! Radiation kill (`TissueState::irradiate`, the test-only reference model) moves n·(1 − S) from n to l at the
//! fraction. Over a step of Δt with the pO2 P held (in this order):
//! 1. anoxic necrosis: where P < Pn, n and l each lose a part 1 − e^(−kn·Δt) to d;
//! 2. mitotic death after a mean delay τ: l loses l·(1 − e^(−Δt/τ)) to d (all of l
//!    with τ = 0: doomed cells stop consuming O2 at the step of their fraction);
//! 3. clearance of dead cells: d ← d·e^(−ln2·Δt/t½);
//! 4. regrowth dn/dt = r·g(P)·n·(1 − n − l − d), g(P) = P/(P + Kp), r = ln2/Td, solved
//!    as the logistic curve toward the free space 1 − l − d with l and d held.
//!
//! O2 consumption and ROS production follow the respiring cells n + l.

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
    /// Mean time from a lethal radiation hit to mitotic death τ (h), during which the
    /// doomed cells still consume O2. Default 24 (an assumption: about one cell cycle;
    /// 0 stops their consumption at the fraction).
    pub mitotic_delay_h: f64,
}

impl Default for TissueParams {
    fn default() -> Self {
        TissueParams {
            doubling_time_h: 72.0,
            growth_k_mmhg: 5.0,
            necrosis_po2_mmhg: 0.5,
            necrosis_rate_per_h: 1.0 / 24.0,
            clearance_half_life_h: 48.0,
            mitotic_delay_h: 24.0,
        }
    }
}

/// One voxel's slow state: the f64 reference model of the kinetics, which the tissue
/// kernels' tests check their f32 update against.
#[cfg(test)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TissueState {
    /// Viable fraction n.
    pub(crate) n: f64,
    /// Dead fraction d.
    pub(crate) d: f64,
    /// Doomed fraction l: lethally irradiated, still respiring.
    pub(crate) l: f64,
}

#[cfg(test)]
impl TissueState {
    /// Advances by `dt_s` seconds at pO2 `p` (see the module docs).
    pub(crate) fn step(self, p: &TissueParams, po2: f64, dt_s: f64) -> TissueState {
        let h = dt_s / 3600.0;
        let (mut n, mut d, mut l) = (self.n, self.d, self.l);
        if po2 < p.necrosis_po2_mmhg && p.necrosis_rate_per_h > 0.0 {
            let lost = 1.0 - (-p.necrosis_rate_per_h * h).exp();
            let (dn, dl) = (n * lost, l * lost);
            n -= dn;
            l -= dl;
            d += dn + dl;
        }
        let keep = if p.mitotic_delay_h > 0.0 {
            (-h / p.mitotic_delay_h).exp()
        } else {
            0.0
        };
        let died = l * (1.0 - keep);
        l -= died;
        d += died;
        if p.clearance_half_life_h > 0.0 {
            d *= (-std::f64::consts::LN_2 * h / p.clearance_half_life_h).exp();
        }
        let room = 1.0 - d - l;
        if p.doubling_time_h > 0.0 && n > 0.0 && room > n {
            let g = po2.max(0.0) / (po2.max(0.0) + p.growth_k_mmhg);
            let rt = std::f64::consts::LN_2 / p.doubling_time_h * g * h;
            // Written in e^(−rt) so that long steps saturate at the free space.
            let e = (-rt).exp();
            n = room * n / (room * e + n * (1.0 - e));
        }
        TissueState { n, d, l }
    }

    /// Applies surviving fraction `s` of a radiation fraction: n·(1 − s) becomes doomed.
    pub(crate) fn irradiate(self, s: f64) -> TissueState {
        let killed = self.n * (1.0 - s.clamp(0.0, 1.0));
        TissueState {
            n: self.n - killed,
            l: self.l + killed,
            ..self
        }
    }

    /// The state of cells that all live: n = `n`, no doomed or dead cells.
    pub(crate) fn viable(n: f64) -> TissueState {
        TissueState { n, d: 0.0, l: 0.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regrowth_doubles_in_the_doubling_time_when_sparse_and_oxygenated() {
        let p = TissueParams::default();
        let s = TissueState::viable(1e-4);
        let after = s.step(&p, 1e9, 72.0 * 3600.0);
        assert!((after.n / 2e-4 - 1.0).abs() < 1e-3, "{after:?}");
        // Never beyond the free space.
        let full = TissueState {
            n: 0.5,
            d: 0.3,
            l: 0.0,
        }
        .step(&p, 1e9, 1e9);
        assert!(full.n <= 1.0 - full.d + 1e-12 && full.n > 0.5);
        // No growth without oxygen.
        let anoxic = TissueState::viable(0.5).step(
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
        let s = TissueState {
            n: 0.8,
            d: 0.1,
            l: 0.0,
        }
        .step(&p, 0.1, 24.0 * 3600.0);
        assert!((s.n - 0.8 * (-1.0f64).exp()).abs() < 1e-12);
        assert!((s.n + s.d - 0.9).abs() < 1e-12);
        let k = TissueState {
            n: 0.8,
            d: 0.1,
            l: 0.0,
        }
        .irradiate(0.5);
        assert_eq!((k.n, k.l, k.d), (0.4, 0.4, 0.1));
        // Doomed cells die with the mitotic delay, all at once without one.
        let doomed = k.step(&p, 50.0, 24.0 * 3600.0);
        assert!(
            (doomed.l - 0.4 * (-1.0f64).exp()).abs() < 1e-12,
            "{doomed:?}"
        );
        assert!((doomed.n + doomed.l + doomed.d - 0.9).abs() < 1e-12);
        let now = k.step(
            &TissueParams {
                mitotic_delay_h: 0.0,
                ..p
            },
            50.0,
            3600.0,
        );
        assert_eq!((now.l, now.d), (0.0, 0.5));
        let c = TissueState {
            n: 0.0,
            d: 0.4,
            l: 0.0,
        }
        .step(
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
