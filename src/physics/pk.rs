//! Plasma pharmacokinetics (MODEL.md §4): one- and two-compartment curves, a bolus or a
//! constant-rate infusion, repeated doses by superposition (linear kinetics).
//!
//! One dose's curve is a sum of exponentials c(t) = Σ wᵢ·e^(−λᵢ·t) (a bolus at t = 0);
//! an infusion over T spreads the same dose evenly, which gives per term
//! wᵢ/(λᵢT)·(1 − e^(−λᵢt)) while t ≤ T and wᵢ/(λᵢT)·(1 − e^(−λᵢT))·e^(−λᵢ(t − T))
//! after. The curve is scaled so that its maximum (t = 0 for a bolus, the end of the
//! infusion otherwise) is the `cmax_um` a clinical study reports.

use std::f64::consts::LN_2;

/// The plasma curve of one dose.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PkModel {
    /// c(t) = e^(−ln2·t/t½).
    OneCompartment {
        /// Elimination half-life (h).
        half_life_h: f64,
    },
    /// c(t) = f·e^(−ln2·t/t½α) + (1 − f)·e^(−ln2·t/t½β).
    TwoCompartment {
        /// Fraction f of the bolus amplitude in the fast (distribution) phase.
        fast_fraction: f64,
        /// Half-life of the fast phase t½α (h).
        fast_half_life_h: f64,
        /// Half-life of the slow (elimination) phase t½β (h).
        slow_half_life_h: f64,
    },
}

/// The plasma concentration of a drug given as doses at known times.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pk {
    /// Shape of one dose's curve.
    pub model: PkModel,
    /// Peak plasma concentration of one dose (µM).
    pub cmax_um: f64,
    /// Infusion time of one dose (s); 0 for a bolus.
    pub infusion_s: f64,
}

impl Pk {
    /// The exponential terms (weight at bolus amplitude 1, rate in 1/s).
    fn terms(&self) -> Vec<(f64, f64)> {
        match self.model {
            PkModel::OneCompartment { half_life_h } => vec![(1.0, LN_2 / (half_life_h * 3600.0))],
            PkModel::TwoCompartment {
                fast_fraction,
                fast_half_life_h,
                slow_half_life_h,
            } => vec![
                (fast_fraction, LN_2 / (fast_half_life_h * 3600.0)),
                (1.0 - fast_fraction, LN_2 / (slow_half_life_h * 3600.0)),
            ],
        }
    }

    /// One dose's curve at `t` seconds after its start, before scaling to `cmax_um`.
    fn unit(&self, t: f64) -> f64 {
        if t < 0.0 {
            return 0.0;
        }
        let inf = self.infusion_s;
        self.terms()
            .into_iter()
            .map(|(w, k)| {
                if inf <= 0.0 {
                    w * (-k * t).exp()
                } else if t <= inf {
                    w / (k * inf) * -(-k * t).exp_m1()
                } else {
                    w / (k * inf) * -(-k * inf).exp_m1() * (-k * (t - inf)).exp()
                }
            })
            .sum()
    }

    /// Plasma concentration (µM) of one dose at `t` seconds after its start.
    pub(crate) fn single(&self, t: f64) -> f64 {
        let peak = self.unit(self.infusion_s.max(0.0));
        if peak > 0.0 {
            self.cmax_um * self.unit(t) / peak
        } else {
            0.0
        }
    }

    /// Plasma concentration (µM) at time `t` (s) of doses started at `doses_s`.
    pub(crate) fn plasma(&self, doses_s: &[f64], t: f64) -> f64 {
        doses_s.iter().map(|&d| self.single(t - d)).sum()
    }

    /// Area under one dose's curve (µM·s), in closed form.
    pub(crate) fn auc_single(&self) -> f64 {
        let peak = self.unit(self.infusion_s.max(0.0));
        // An infusion keeps the bolus's area: Σ w/k either way.
        let area: f64 = self.terms().into_iter().map(|(w, k)| w / k).sum();
        if peak > 0.0 {
            self.cmax_um * area / peak
        } else {
            0.0
        }
    }

    /// The longest half-life (s): how long the plasma takes to clear.
    pub(crate) fn slowest_half_life_s(&self) -> f64 {
        self.terms()
            .into_iter()
            .map(|(_, k)| LN_2 / k)
            .fold(0.0, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(infusion_s: f64) -> Pk {
        Pk {
            model: PkModel::OneCompartment { half_life_h: 0.75 },
            cmax_um: 20.0,
            infusion_s,
        }
    }

    #[test]
    fn bolus_curves_match_their_formulas() {
        let pk = one(0.0);
        let k = LN_2 / 2700.0;
        for t in [0.0, 600.0, 2700.0, 7200.0] {
            assert!((pk.single(t) - 20.0 * (-k * t).exp()).abs() < 1e-12, "{t}");
        }
        assert_eq!(pk.single(-1.0), 0.0);
        assert!((pk.auc_single() - 20.0 / k).abs() < 1e-9);
        let two = Pk {
            model: PkModel::TwoCompartment {
                fast_fraction: 0.7,
                fast_half_life_h: 0.2,
                slow_half_life_h: 4.0,
            },
            cmax_um: 10.0,
            infusion_s: 0.0,
        };
        let (ka, kb) = (LN_2 / 720.0, LN_2 / 14400.0);
        for t in [0.0, 300.0, 3600.0, 36000.0] {
            let want = 10.0 * (0.7 * (-ka * t).exp() + 0.3 * (-kb * t).exp());
            assert!((two.single(t) - want).abs() < 1e-12, "{t}");
        }
        assert!((two.auc_single() - 10.0 * (0.7 / ka + 0.3 / kb)).abs() < 1e-6);
        assert_eq!(two.slowest_half_life_s(), 14400.0);
    }

    #[test]
    fn infusions_peak_at_their_end_keep_the_bolus_area_and_superpose() {
        let bolus = one(0.0);
        let inf = one(1800.0);
        // Peak at the end of the infusion, rising before and falling after.
        assert!((inf.single(1800.0) - 20.0).abs() < 1e-12);
        assert!(inf.single(900.0) < 20.0 && inf.single(2700.0) < 20.0);
        // Same dose: the area of the infusion's unit curve equals the bolus's.
        let k = LN_2 / 2700.0;
        let unit_bolus_area = 1.0 / k;
        let unit_inf_area = inf.auc_single() / 20.0 * inf.unit(1800.0);
        assert!((unit_inf_area - unit_bolus_area).abs() / unit_bolus_area < 1e-12);
        // Numerical check of the infusion area by the trapezoid rule.
        let dt = 1.0;
        let num: f64 = (0..200_000)
            .map(|i| 0.5 * (inf.single(i as f64 * dt) + inf.single((i + 1) as f64 * dt)) * dt)
            .sum();
        assert!((num - inf.auc_single()).abs() / inf.auc_single() < 1e-5);
        // Doses add.
        let doses = [0.0, 3600.0];
        let t = 5000.0;
        assert!(
            (bolus.plasma(&doses, t) - bolus.single(t) - bolus.single(t - 3600.0)).abs() < 1e-12
        );
    }
}
