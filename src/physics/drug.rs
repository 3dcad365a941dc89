//! Hypoxia-activated prodrugs (MODEL.md §4): transport parameters, O2-inhibited
//! activation, the active metabolite, and kill from its exposure. Presets for an
//! evofosfamide-like (class II) and a tirapazamine-like (class I) drug, each calibrated
//! to in-vivo potency, with its in-vitro twin (`*_invitro`) kept as an explicit option;
//! docs/model.md gives every value's source, or marks it as an assumption, and
//! docs/drug_parameters.md the in-vivo calibration.
//!
//! Prodrug C and active metabolite A per voxel (µM), n the respiring cells:
//!   ∂C/∂t = DC∇²C + Pv·Sv·(Cp(t) − C) − (k(P) + ku)·n·C
//!   ∂A/∂t = DA∇²A + k(P)·n·C − λA·A,      λA = ln2/t½A
//!   k(P) = kmax·(a + (1 − a)·Ki/(Ki + P))   (a: the aerobic fraction of activation)
//! and viable cells survive exp(−κ·∫A dt).

use super::pk::{Pk, PkModel};

/// O2-inhibited activation k(P) = kmax·(a + (1 − a)·Ki/(Ki + P)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Activation {
    /// Activation rate in anoxia kmax (1/s).
    pub kmax_per_s: f64,
    /// pO2 of half inhibition Ki (mmHg).
    pub ki_mmhg: f64,
    /// Fraction a of kmax that O2 does not inhibit (0 ≤ a < 1).
    pub aerobic_fraction: f64,
}

impl Activation {
    /// k(P) (1/s).
    #[inline]
    pub fn rate(&self, po2: f64) -> f64 {
        let p = po2.max(0.0);
        self.kmax_per_s
            * (self.aerobic_fraction
                + (1.0 - self.aerobic_fraction) * self.ki_mmhg / (self.ki_mmhg + p))
    }
}

/// Everything about one drug.
#[derive(Debug, Clone, PartialEq)]
pub struct DrugParams {
    /// Plasma curve of one dose.
    pub pk: Pk,
    /// Tissue diffusivity of the prodrug DC (µm²/s).
    pub diffusivity_um2_per_s: f64,
    /// Vessel-wall permeability Pv (µm/s).
    pub permeability_um_per_s: f64,
    /// O2-inhibited activation.
    pub activation: Activation,
    /// Uptake or metabolism of the prodrug by cells that does not activate it, ku (1/s).
    pub uptake_rate_per_s: f64,
    /// Tissue diffusivity of the active metabolite DA (µm²/s); 0: it stays in the voxel
    /// where it was made (no bystander effect).
    pub metabolite_diffusivity_um2_per_s: f64,
    /// Half-life of the active metabolite t½A (s).
    pub metabolite_half_life_s: f64,
    /// Kill per exposure κ (1/(µM·h)): viable cells survive exp(−κ·∫A dt).
    pub kill_per_um_h: f64,
    /// Time step of the implicit transport solve (s).
    pub time_step_s: f64,
}

/// Names of the presets, as written in protocol files. The plain names are calibrated
/// to in-vivo potency; `*_invitro` keep the kill constants of cells in culture.
pub(crate) const PRESETS: [&str; 4] = [
    "evofosfamide",
    "tirapazamine",
    "evofosfamide_invitro",
    "tirapazamine_invitro",
];

/// Log10 kill of fully anoxic cells, at full supply (tissue prodrug = plasma), from
/// one clinical dose of an in-vivo preset: the calibration target of
/// docs/drug_parameters.md §1a (an assumption bounded by in-vivo data: hypoxic cells
/// are killed, the tumour as a whole only delayed, oxic tissue spared).
pub const INVIVO_ANOXIC_LOG10_KILL: f64 = 2.0;

impl DrugParams {
    /// The preset called `name` (see `PRESETS`).
    pub fn preset(name: &str) -> Option<DrugParams> {
        match name {
            // In-vivo calibration (docs/drug_parameters.md §1a): the in-vitro constants
            // with κ scaled so that one clinical dose kills
            // [`INVIVO_ANOXIC_LOG10_KILL`] of anoxic cells at full supply.
            "evofosfamide" | "tirapazamine" => {
                let mut p = Self::preset(&format!("{name}_invitro"))?;
                p.kill_per_um_h *=
                    INVIVO_ANOXIC_LOG10_KILL / p.one_dose_log10_kill(0.0).max(f64::MIN_POSITIVE);
                Some(p)
            }
            // Hong, Wilson & Hicks 2019 (Neoplasia 21:159) unless marked; docs/model.md.
            // In vitro: one clinical dose would kill ~109 log10 of anoxic cells and
            // 85 % of cells at 20–40 mmHg.
            "evofosfamide_invitro" => Some(DrugParams {
                pk: Pk {
                    // t½ 47 min (Jung et al. 2012); Cmax 34 µM derived for 575 mg/m²
                    // over 30 min from CL 27.1 L/h/m².
                    model: PkModel::OneCompartment {
                        half_life_h: 47.0 / 60.0,
                    },
                    cmax_um: 34.0,
                    infusion_s: 30.0 * 60.0,
                },
                diffusivity_um2_per_s: 18.2,
                // Assumption: Secomb's PR-104A wall resistance 0.1 s/µm.
                permeability_um_per_s: 10.0,
                activation: Activation {
                    // Tissue average of the intracellular 0.0115 /s.
                    kmax_per_s: 0.0077,
                    ki_mmhg: 0.2,
                    aerobic_fraction: 0.0,
                },
                uptake_rate_per_s: 0.0,
                // Br-IPM diffuses (13.3 µm²/s) but Hong et al. find no bystander effect
                // is needed: off by default.
                metabolite_diffusivity_um2_per_s: 0.0,
                // Lumped Br-IPM → IPM cascade, loss 0.0043 /s.
                metabolite_half_life_s: std::f64::consts::LN_2 / 0.0043,
                // ln 10 / AUC10, AUC10 = 0.771 µM·h.
                kill_per_um_h: std::f64::consts::LN_10 / 0.771,
                time_step_s: 120.0,
            }),
            // Class I: the radical lives ≪ 1 s, so the metabolite stays put; its
            // exposure is the drug metabolised over λA, and κ = κm·λA with κm = 3e-3 per
            // µM metabolised (an assumption: 90 % kill after 1 h at 20 µM in anoxia).
            "tirapazamine_invitro" => Some(DrugParams {
                pk: Pk {
                    // Johnson et al. 1997: 260 mg/m² over 1 h, Cmax 33.5 µM; t½ 71 min
                    // derived from its AUC.
                    model: PkModel::OneCompartment {
                        half_life_h: 71.0 / 60.0,
                    },
                    cmax_um: 33.5,
                    infusion_s: 60.0 * 60.0,
                },
                // Assumptions (hydrophilic, MW 178).
                diffusivity_um2_per_s: 40.0,
                permeability_um_per_s: 10.0,
                activation: Activation {
                    // Assumption: penetration √(D/kmax) ≈ 60 µm into anoxic tissue.
                    kmax_per_s: 0.01,
                    ki_mmhg: 1.0,
                    // Hypoxic toxicity ratio ≈ 125 (Shibata et al. 1995).
                    aerobic_fraction: 0.001,
                },
                uptake_rate_per_s: 0.0,
                metabolite_diffusivity_um2_per_s: 0.0,
                metabolite_half_life_s: 1.0,
                kill_per_um_h: 3e-3 * std::f64::consts::LN_2 * 3600.0,
                time_step_s: 120.0,
            }),
            _ => None,
        }
    }

    /// λA = ln2/t½A (1/s).
    pub fn metabolite_decay_per_s(&self) -> f64 {
        std::f64::consts::LN_2 / self.metabolite_half_life_s
    }

    /// Log10 kill of cells held at `po2` (mmHg) by one dose at full supply: the tissue
    /// prodrug follows the plasma curve (no consumption, no transport limit: a cell by a
    /// vessel, an upper bound elsewhere) and the metabolite its quasi-steady state
    /// A = k(P)·C/λA (λA ≫ plasma elimination), so ∫A dt = k(P)/λA·AUCp and the log10
    /// kill is κ·∫A dt / ln 10. The point function behind the presets' calibration.
    pub fn one_dose_log10_kill(&self, po2: f64) -> f64 {
        let exposure_um_h = self.activation.rate(po2) / self.metabolite_decay_per_s()
            * self.pk.auc_single()
            / 3600.0;
        self.kill_per_um_h * exposure_um_h / std::f64::consts::LN_10
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activation_is_higher_in_anoxia_by_the_form_s_ratio() {
        let a = Activation {
            kmax_per_s: 1e-3,
            ki_mmhg: 0.1,
            aerobic_fraction: 0.023,
        };
        // Secomb's PR-104A form kmax·(0.023 + 0.0977/(0.1 + P)).
        for p in [0.0, 0.1, 1.0, 10.0, 40.0] {
            let secomb = 1e-3 * (0.023 + 0.0977 / (0.1 + p));
            assert!((a.rate(p) - secomb).abs() < 1e-12, "{p}");
        }
        assert!((a.rate(0.0) / a.rate(1e9) - 1.0 / 0.023).abs() < 1e-3);
        for name in PRESETS {
            let d = DrugParams::preset(name).unwrap();
            assert!(
                d.activation.rate(0.0) > 10.0 * d.activation.rate(40.0),
                "{name}"
            );
        }
        assert!(DrugParams::preset("aspirin").is_none());
    }
}
