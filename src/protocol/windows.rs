//! Intervention windows: `[[hif_inhibitor]]`, `[[normalisation]]`, `[[prooxidant]]`
//! and `[[antioxidant]]` tables, each a time window (`start`, `end`) with the effect's
//! strengths (defaults and their sources in docs/model.md).

use super::format_duration;
use super::schema::WindowSpec;
use super::Keys;
use crate::Result;

/// What a window does while it is open.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum WindowEffect {
    /// A HIF inhibitor: the HIF target h∞ is scaled by 1 − `strength`.
    HifInhibitor {
        /// Fraction of the HIF target suppressed, in [0, 1]. Default 0.6.
        strength: f64,
    },
    /// Vascular normalisation (an anti-VEGF window).
    Normalisation {
        /// Wall exchange Pw·Sv of the remaining vessels ×. Default 1.3.
        perfusion_factor: f64,
        /// Blood pO2 at the walls raised by (mmHg). Default 10.
        blood_po2_increase_mmhg: f64,
        /// Fraction of the vessel surface pruned at the window's start, from the voxels
        /// with the least surface (the smallest vessels). Default 0.3.
        prune_fraction: f64,
        /// Angiogenesis rate × (anti-angiogenic effect). Default 0.
        angiogenesis_factor: f64,
        /// Drug wall permeability × (lower leakiness). Default 1: small molecules such
        /// as the prodrugs cross walls freely; about 0.5 for macromolecules.
        drug_permeability_factor: f64,
    },
    /// A pro-oxidant: extra ROS production and GSH synthesis inhibition.
    Prooxidant {
        /// Extra ROS production by cells (µM/s at n = 1). Default 0.4 (high-dose
        /// ascorbate: ≈ 0.05 µM/s per mM at 8 mM; an assumption).
        extra_ros_um_per_s: f64,
        /// Fraction of GSH regeneration blocked (buthionine sulfoximine ≈ 0.9). Default 0.
        gsh_synthesis_inhibition: f64,
    },
    /// An antioxidant: raised antioxidant capacity and radioprotection.
    Antioxidant {
        /// G0 raised by this fraction (N-acetylcysteine ≈ 0.3, an assumption). Default
        /// 0.3.
        gsh_increase: f64,
        /// Dose-modifying factor of radiation kill (dose ÷ DMF). Default 1.05 (an
        /// assumption; 1 for none).
        radioprotection_dmf: f64,
    },
}

impl WindowEffect {
    /// The effect's values as (protocol key, value) pairs, in the table's key order
    /// (`summary.json` `windows[].effect`).
    pub(crate) fn values(&self) -> Vec<(&'static str, f64)> {
        match *self {
            WindowEffect::HifInhibitor { strength } => vec![("strength", strength)],
            WindowEffect::Normalisation {
                perfusion_factor,
                blood_po2_increase_mmhg,
                prune_fraction,
                angiogenesis_factor,
                drug_permeability_factor,
            } => vec![
                ("perfusion_factor", perfusion_factor),
                ("blood_po2_increase_mmhg", blood_po2_increase_mmhg),
                ("prune_fraction", prune_fraction),
                ("angiogenesis_factor", angiogenesis_factor),
                ("drug_permeability_factor", drug_permeability_factor),
            ],
            WindowEffect::Prooxidant {
                extra_ros_um_per_s,
                gsh_synthesis_inhibition,
            } => vec![
                ("extra_ros_um_per_s", extra_ros_um_per_s),
                ("gsh_synthesis_inhibition", gsh_synthesis_inhibition),
            ],
            WindowEffect::Antioxidant {
                gsh_increase,
                radioprotection_dmf,
            } => vec![
                ("gsh_increase", gsh_increase),
                ("radioprotection_dmf", radioprotection_dmf),
            ],
        }
    }

    /// The table name of this kind.
    pub(crate) fn table(&self) -> &'static str {
        match self {
            WindowEffect::HifInhibitor { .. } => "hif_inhibitor",
            WindowEffect::Normalisation { .. } => "normalisation",
            WindowEffect::Prooxidant { .. } => "prooxidant",
            WindowEffect::Antioxidant { .. } => "antioxidant",
        }
    }
}

/// One window, expanded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Window {
    /// Opens at (s).
    pub(crate) start_s: f64,
    /// Closes at (s), after `start_s`, within the duration.
    pub(crate) end_s: f64,
    /// What it does.
    pub(crate) effect: WindowEffect,
}

impl Window {
    /// True while open at time `t` (s): start ≤ t < end.
    pub(crate) fn open_at(&self, t: f64) -> bool {
        t >= self.start_s - 1e-6 && t < self.end_s - 1e-6
    }
}

/// Checks the table `table[i]` of kind `table` and builds its window.
pub(super) fn window(
    keys: &Keys,
    table: &str,
    i: usize,
    spec: &WindowSpec,
    duration_s: f64,
) -> Result<Window> {
    let name = format!("{table}[{i}]");
    let key = |k: &str| format!("{name}.{k}");
    let start_s = keys.time(&key("start"), spec.start.as_ref(), spec.start_h)?;
    let end_s = keys.time(&key("end"), spec.end.as_ref(), spec.end_h)?;
    let (start_s, end_s) = match (start_s, end_s) {
        (Some(s), Some(e)) => (s, e),
        _ => {
            return Err(keys.err(
                &name,
                "needs `start` and `end` (e.g. start = \"1d\", end = \"6d\")",
            ))
        }
    };
    if end_s <= start_s {
        return Err(keys.err(
            &key("end"),
            format!(
                "is {}, not after `start` ({}): a window closes after it opens; swap them, \
                 or set `end` later",
                format_duration(end_s),
                format_duration(start_s)
            ),
        ));
    }
    if end_s > duration_s + 1e-6 {
        return Err(keys.err(
            &key("end"),
            format!(
                "is {}, after the duration ({}): close the window by the end of the run, or \
                 lengthen `duration`",
                format_duration(end_s),
                format_duration(duration_s)
            ),
        ));
    }
    let allowed: &[&str] = match table {
        "hif_inhibitor" => &["strength"],
        "normalisation" => &[
            "perfusion_factor",
            "blood_po2_increase_mmhg",
            "prune_fraction",
            "angiogenesis_factor",
            "drug_permeability_factor",
        ],
        "prooxidant" => &["extra_ros_um_per_s", "gsh_synthesis_inhibition"],
        _ => &["gsh_increase", "radioprotection_dmf"],
    };
    for (k, given) in spec.effect_keys() {
        if given && !allowed.contains(&k) {
            return Err(keys.err(
                &key(k),
                format!(
                    "does not apply to a {table} window; its keys are {}",
                    allowed.join(", ")
                ),
            ));
        }
    }
    let value = |k: &str, v: Option<f64>, default: f64, lo: f64, hi: f64| -> Result<f64> {
        let x = v.unwrap_or(default);
        if x.is_finite() && x >= lo && x <= hi {
            Ok(x)
        } else {
            Err(keys.err(&key(k), format!("is {x}, must lie in [{lo}, {hi}]")))
        }
    };
    let effect = match table {
        "hif_inhibitor" => WindowEffect::HifInhibitor {
            strength: value("strength", spec.strength, 0.6, 0.0, 1.0)?,
        },
        "normalisation" => WindowEffect::Normalisation {
            perfusion_factor: value("perfusion_factor", spec.perfusion_factor, 1.3, 0.0, 10.0)?,
            blood_po2_increase_mmhg: value(
                "blood_po2_increase_mmhg",
                spec.blood_po2_increase_mmhg,
                10.0,
                -100.0,
                100.0,
            )?,
            prune_fraction: value("prune_fraction", spec.prune_fraction, 0.3, 0.0, 0.95)?,
            angiogenesis_factor: value(
                "angiogenesis_factor",
                spec.angiogenesis_factor,
                0.0,
                0.0,
                10.0,
            )?,
            drug_permeability_factor: value(
                "drug_permeability_factor",
                spec.drug_permeability_factor,
                1.0,
                0.0,
                10.0,
            )?,
        },
        "prooxidant" => WindowEffect::Prooxidant {
            extra_ros_um_per_s: value(
                "extra_ros_um_per_s",
                spec.extra_ros_um_per_s,
                0.4,
                0.0,
                100.0,
            )?,
            gsh_synthesis_inhibition: value(
                "gsh_synthesis_inhibition",
                spec.gsh_synthesis_inhibition,
                0.0,
                0.0,
                1.0,
            )?,
        },
        _ => WindowEffect::Antioxidant {
            gsh_increase: value("gsh_increase", spec.gsh_increase, 0.3, 0.0, 10.0)?,
            radioprotection_dmf: value(
                "radioprotection_dmf",
                spec.radioprotection_dmf,
                1.05,
                1.0,
                5.0,
            )?,
        },
    };
    Ok(Window {
        start_s,
        end_s,
        effect,
    })
}
