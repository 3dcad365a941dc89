//! Checks of the model tables: `[ros]`, `[radiotherapy]`, the tissue kinetics keys, and
//! the ROS/GSH colour limits.

use super::Scenario;
use crate::Result;

impl Scenario {
    pub(super) fn check_ros(&self) -> Result<()> {
        let r = &self.spec.ros;
        self.positive(
            "ros.diffusivity_um2_per_s",
            r.diffusivity_um2_per_s,
            "H2O2 ≈ 1400",
        )?;
        let non_negative = [
            (
                "ros.o2_solubility_um_per_mmhg",
                r.o2_solubility_um_per_mmhg,
                "≈ 1.34 µM/mmHg in tissue",
            ),
            (
                "ros.radiation_yield_um_per_gy",
                r.radiation_yield_um_per_gy,
                "radiolytic H2O2 ≈ 0.075 µM/Gy",
            ),
            (
                "ros.dose_rate_gy_per_s",
                r.dose_rate_gy_per_s,
                "0 outside irradiation; clinical ≈ 0.03",
            ),
            (
                "ros.oer_k_mmhg",
                r.oer_k_mmhg,
                "pO2 of half oxygen effect, ≈ 3",
            ),
            (
                "ros.reoxygenation_yield_um_per_s_per_mmhg",
                r.reoxygenation_yield_um_per_s_per_mmhg,
                "e.g. 0.001; 0 switches the term off",
            ),
            (
                "ros.scavenging_rate_per_mm_per_s",
                r.scavenging_rate_per_mm_per_s,
                "kG ≈ 0.14 per mM per s",
            ),
            ("ros.gsh_per_ros", r.gsh_per_ros, "2 GSH per H2O2"),
            (
                "ros.wall_permeability_um_per_s",
                r.wall_permeability_um_per_s,
                "H2O2 through membranes ≈ 2",
            ),
            ("ros.gsh_baseline_mm", r.gsh_baseline_mm, "G0 ≈ 6.5 mM"),
            (
                "ros.gsh_regeneration_per_s",
                r.gsh_regeneration_per_s,
                "≈ 2e-4 (recovery over hours)",
            ),
            (
                "ros.boundary_um",
                r.boundary_um,
                "ROS in blood and medium, usually 0",
            ),
        ];
        for (key, v, hint) in non_negative {
            self.non_negative(key, v, hint)?;
        }
        if !(0.0..=1.0).contains(&r.mito_yield) {
            return Err(self.err(
                "ros.mito_yield",
                format!(
                    "is {}, must lie in [0, 1]: the fraction of O2 consumed that becomes \
                     H2O2, 0.001–0.01",
                    r.mito_yield
                ),
            ));
        }
        if !(r.oer_max.is_finite() && (1.0..=100.0).contains(&r.oer_max)) {
            return Err(self.err(
                "ros.oer_max",
                format!(
                    "is {}, must lie in [1, 100]: the oxygen enhancement ratio, ≈ 3",
                    r.oer_max
                ),
            ));
        }
        self.positive(
            "ros.loss_rate_per_s",
            r.loss_rate_per_s,
            "≈ 0.1; it must be > 0 so that ROS has a sink where there is no glutathione \
             (lumen, necrosis): use a small value such as 0.01 rather than 0",
        )?;
        self.positive(
            "ros.damage_threshold_um",
            r.damage_threshold_um,
            "oxidative distress above ≈ 0.1 µM",
        )?;
        self.positive(
            "ros.tolerance",
            r.tolerance,
            "relative residual of the R solve, e.g. 1e-5",
        )?;
        let out = &self.spec.output;
        self.colour_limits(
            "output.png_limits_ros_um",
            out.png_limits_ros_um,
            "[0.0, 0.1]",
        )?;
        self.colour_limits(
            "output.png_limits_gsh_mm",
            out.png_limits_gsh_mm,
            "[0.0, 7.0]",
        )?;
        Ok(())
    }
}

impl Scenario {
    /// Checks of `[radiotherapy]` and the tissue kinetics keys of `[tissue]`.
    pub(super) fn check_hif(&self) -> Result<()> {
        let h = &self.spec.hif;
        self.positive("hif.k_mmhg", h.k_mmhg, "≈ 12 (1.5–2 % O2)")?;
        self.positive("hif.hill", h.hill, "≈ 2")?;
        self.positive("hif.tau_up_s", h.tau_up_s, "≈ 1800")?;
        self.positive("hif.tau_down_s", h.tau_down_s, "≈ 430")?;
        for (key, v, hi) in [
            ("hif.glycolytic_switch", h.glycolytic_switch, 0.95),
            (
                "hif.antioxidant_upregulation",
                h.antioxidant_upregulation,
                10.0,
            ),
            ("hif.angiogenesis_threshold", h.angiogenesis_threshold, 1.0),
        ] {
            if !(v.is_finite() && (0.0..=hi).contains(&v)) {
                return Err(self.err(key, format!("is {v}, must lie in [0, {hi}]")));
            }
        }
        Ok(())
    }

    pub(super) fn check_therapy(&self) -> Result<()> {
        let r = &self.spec.radiotherapy;
        self.positive("radiotherapy.alpha_per_gy", r.alpha_per_gy, "≈ 0.3")?;
        self.non_negative("radiotherapy.beta_per_gy2", r.beta_per_gy2, "≈ 0.03")?;
        if r.oer_model != "single" && r.oer_model != "separate" {
            return Err(self.err(
                "radiotherapy.oer_model",
                format!(
                    "\"{}\" is not known; use \"single\" (one OER scales the dose) or \
                     \"separate\" (OERs for α and β)",
                    r.oer_model
                ),
            ));
        }
        for (key, v) in [
            ("radiotherapy.oer_max", r.oer_max),
            ("radiotherapy.oer_alpha", r.oer_alpha),
            ("radiotherapy.oer_beta", r.oer_beta),
        ] {
            if !(v.is_finite() && (1.0..=100.0).contains(&v)) {
                return Err(self.err(key, format!("is {v}, must lie in [1, 100] (≈ 2.5–3)")));
            }
        }
        self.positive("radiotherapy.oer_k_mmhg", r.oer_k_mmhg, "≈ 3")?;
        self.positive(
            "radiotherapy.oer_separate_k_mmhg",
            r.oer_separate_k_mmhg,
            "≈ 3.28",
        )?;
        self.positive(
            "radiotherapy.clonogen_density_per_mm3",
            r.clonogen_density_per_mm3,
            "≈ 1e4, i.e. 1e7 per cm³",
        )?;
        if let Some(v) = r.tumour_volume_cm3 {
            self.positive(
                "radiotherapy.tumour_volume_cm3",
                v,
                "the tumour's volume, e.g. 10; leave it out for the block's own volume",
            )?;
        }
        let t = &self.spec.tissue;
        for (key, v, hint) in [
            (
                "tissue.doubling_time_h",
                t.doubling_time_h,
                "48–120; 0 switches regrowth off",
            ),
            ("tissue.growth_k_mmhg", t.growth_k_mmhg, "≈ 5"),
            ("tissue.necrosis_po2_mmhg", t.necrosis_po2_mmhg, "0.5–1"),
            (
                "tissue.necrosis_rate_per_h",
                t.necrosis_rate_per_h,
                "≈ 0.04; 0 switches necrosis off",
            ),
            (
                "tissue.clearance_half_life_h",
                t.clearance_half_life_h,
                "24–72; 0 keeps dead cells",
            ),
            (
                "tissue.mitotic_delay_h",
                t.mitotic_delay_h,
                "≈ 24 (one cell cycle); 0 stops consumption at the fraction",
            ),
            (
                "ros.kill_per_um_h",
                self.spec.ros.kill_per_um_h,
                "≈ 0.05 per µM·h above the damage threshold; 0 switches it off",
            ),
            (
                "hif.angiogenesis_per_day",
                self.spec.hif.angiogenesis_per_day,
                "≈ 0.1 (density doubling in a week); 0 switches it off",
            ),
        ] {
            self.non_negative(key, v, hint)?;
        }
        Ok(())
    }
}
