//! The model tables of a scenario beyond oxygen: `[ros]` and `[radiotherapy]`, each
//! with its defaults (the physics modules' own) and the conversion to the parameters
//! the model uses. Checked in `model_checks.rs`.

use serde::Deserialize;

/// `[ros]`: MODEL.md §3; see [`crate::physics::ros`] for the equations.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RosSpec {
    /// Solve R and G after O2 (default true).
    pub(crate) enabled: bool,
    /// DR (µm²/s).
    pub(crate) diffusivity_um2_per_s: f64,
    /// α (µM/mmHg).
    pub(crate) o2_solubility_um_per_mmhg: f64,
    /// ym (fraction of O2 consumed).
    pub(crate) mito_yield: f64,
    /// yr (µM/Gy).
    pub(crate) radiation_yield_um_per_gy: f64,
    /// Ḋ (Gy/s) of a steady irradiation.
    pub(crate) dose_rate_gy_per_s: f64,
    /// m of the oxygen modification factor weighting radiolysis.
    pub(crate) oer_max: f64,
    /// K (mmHg) of the oxygen modification factor.
    pub(crate) oer_k_mmhg: f64,
    /// yh (µM/s per mmHg of rise).
    pub(crate) reoxygenation_yield_um_per_s_per_mmhg: f64,
    /// kG (1/(mM·s)).
    pub(crate) scavenging_rate_per_mm_per_s: f64,
    /// GSH per H2O2 scavenged.
    pub(crate) gsh_per_ros: f64,
    /// λR (1/s).
    pub(crate) loss_rate_per_s: f64,
    /// Pw,R (µm/s).
    pub(crate) wall_permeability_um_per_s: f64,
    /// G0 (mM).
    pub(crate) gsh_baseline_mm: f64,
    /// kregen (1/s).
    pub(crate) gsh_regeneration_per_s: f64,
    /// Rb (µM) in blood, fixed voxels and fixed faces.
    pub(crate) boundary_um: f64,
    /// Damage threshold (µM).
    pub(crate) damage_threshold_um: f64,
    /// ROS-dependent kill in protocol runs: viable cells survive
    /// exp(−κR·∫max(R − threshold, 0) dt), κR in 1/(µM·h).
    pub(crate) kill_per_um_h: f64,
    /// Relative residual at which the R solve stops. The R equation is diffusion
    /// dominated (DR/h² ≫ k), so its float32 floor is higher than O2's: ≈ 2e-6.
    pub(crate) tolerance: f64,
}

impl Default for RosSpec {
    fn default() -> Self {
        let p = crate::physics::ros::RosParams::default();
        RosSpec {
            enabled: true,
            diffusivity_um2_per_s: p.diffusivity_um2_per_s,
            o2_solubility_um_per_mmhg: p.o2_solubility_um_per_mmhg,
            mito_yield: p.mito_yield,
            radiation_yield_um_per_gy: p.radiation_yield_um_per_gy,
            dose_rate_gy_per_s: p.dose_rate_gy_per_s,
            oer_max: p.oxygen_effect.m,
            oer_k_mmhg: p.oxygen_effect.k_mmhg,
            reoxygenation_yield_um_per_s_per_mmhg: p.reoxygenation_yield_um_per_s_per_mmhg,
            scavenging_rate_per_mm_per_s: p.scavenging_rate_per_mm_per_s,
            gsh_per_ros: p.gsh_per_ros,
            loss_rate_per_s: p.loss_rate_per_s,
            wall_permeability_um_per_s: p.wall_permeability_um_per_s,
            gsh_baseline_mm: p.gsh_baseline_mm,
            gsh_regeneration_per_s: p.gsh_regeneration_per_s,
            boundary_um: p.boundary_um,
            damage_threshold_um: p.damage_threshold_um,
            // Calibrated to in-vivo pharmacological ascorbate (docs/model.md, "Intervention
            // windows"): the default pro-oxidant window kills ≈ 10 % in 5 h. 0.5 before.
            kill_per_um_h: 0.05,
            tolerance: 1e-5,
        }
    }
}

impl RosSpec {
    /// The parameters of the ROS model.
    pub fn params(&self) -> crate::physics::ros::RosParams {
        crate::physics::ros::RosParams {
            diffusivity_um2_per_s: self.diffusivity_um2_per_s,
            o2_solubility_um_per_mmhg: self.o2_solubility_um_per_mmhg,
            mito_yield: self.mito_yield,
            radiation_yield_um_per_gy: self.radiation_yield_um_per_gy,
            dose_rate_gy_per_s: self.dose_rate_gy_per_s,
            oxygen_effect: crate::physics::oer::OxygenEffect {
                m: self.oer_max,
                k_mmhg: self.oer_k_mmhg,
            },
            reoxygenation_yield_um_per_s_per_mmhg: self.reoxygenation_yield_um_per_s_per_mmhg,
            scavenging_rate_per_mm_per_s: self.scavenging_rate_per_mm_per_s,
            gsh_per_ros: self.gsh_per_ros,
            loss_rate_per_s: self.loss_rate_per_s,
            wall_permeability_um_per_s: self.wall_permeability_um_per_s,
            gsh_baseline_mm: self.gsh_baseline_mm,
            gsh_regeneration_per_s: self.gsh_regeneration_per_s,
            boundary_um: self.boundary_um,
            damage_threshold_um: self.damage_threshold_um,
            extra_production_um_per_s: 0.0,
        }
    }
}

/// `[radiotherapy]`: the linear-quadratic response and its oxygen modification
/// (MODEL.md §4; [`crate::physics::radiotherapy`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct RadiotherapySpec {
    /// α of oxygenated cells (1/Gy).
    pub(crate) alpha_per_gy: f64,
    /// β of oxygenated cells (1/Gy²).
    pub(crate) beta_per_gy2: f64,
    /// `"single"` (one OER scales the dose) or `"separate"` (OERs for α and β).
    pub(crate) oer_model: String,
    /// OER of the single model (m).
    pub(crate) oer_max: f64,
    /// K of the single model (mmHg).
    pub(crate) oer_k_mmhg: f64,
    /// OERα of the separate model.
    pub(crate) oer_alpha: f64,
    /// OERβ of the separate model.
    pub(crate) oer_beta: f64,
    /// K of the separate model (mmHg).
    pub(crate) oer_separate_k_mmhg: f64,
    /// Clonogens per mm³ of viable tissue, for the tumour control probability
    /// (default 10⁴/mm³ = 10⁷/cm³, Webb & Nahum 1993).
    pub(crate) clonogen_density_per_mm3: f64,
    /// Volume of the tumour the block stands for (cm³): the clonogen count is scaled
    /// to it; absent: the block's own tissue volume.
    pub(crate) tumour_volume_cm3: Option<f64>,
}

impl Default for RadiotherapySpec {
    fn default() -> Self {
        RadiotherapySpec {
            alpha_per_gy: 0.3,
            beta_per_gy2: 0.03,
            oer_model: "single".into(),
            oer_max: 3.0,
            oer_k_mmhg: 3.0,
            oer_alpha: 2.5,
            oer_beta: 3.0,
            oer_separate_k_mmhg: 3.28,
            clonogen_density_per_mm3: crate::physics::radiotherapy::CLONOGEN_DENSITY_PER_MM3,
            tumour_volume_cm3: None,
        }
    }
}

impl RadiotherapySpec {
    /// The LQ parameters (an unknown `oer_model` is refused when the scenario loads).
    pub(crate) fn lq(&self) -> crate::physics::radiotherapy::LqParams {
        use crate::physics::radiotherapy::{LqParams, OerModel};
        let oer = if self.oer_model == "separate" {
            OerModel::Separate {
                oer_alpha: self.oer_alpha,
                oer_beta: self.oer_beta,
                k_mmhg: self.oer_separate_k_mmhg,
            }
        } else {
            OerModel::Single(crate::physics::oer::OxygenEffect {
                m: self.oer_max,
                k_mmhg: self.oer_k_mmhg,
            })
        };
        LqParams {
            alpha_per_gy: self.alpha_per_gy,
            beta_per_gy2: self.beta_per_gy2,
            oer,
        }
    }
}

/// `[hif]`: HIF-1α activity in protocol runs and its switchable effects (MODEL.md §4;
/// [`crate::physics::hif`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HifSpec {
    /// Kh (mmHg).
    pub(crate) k_mmhg: f64,
    /// Hill exponent.
    pub(crate) hill: f64,
    /// Time constant while h rises (s).
    pub(crate) tau_up_s: f64,
    /// Time constant while h falls (s).
    pub(crate) tau_down_s: f64,
    /// Fraction of O2 consumption cut at h = 1 (0: off).
    pub(crate) glycolytic_switch: f64,
    /// Fractional rise of G0 at h = 1 (0: off).
    pub(crate) antioxidant_upregulation: f64,
    /// Vessel-surface growth per day where h stays above the threshold (0: off).
    pub(crate) angiogenesis_per_day: f64,
    /// h above which new vessel surface grows.
    pub(crate) angiogenesis_threshold: f64,
}

impl Default for HifSpec {
    fn default() -> Self {
        let e = crate::physics::hif::HifEffects::default();
        HifSpec {
            k_mmhg: e.params.k_mmhg,
            hill: e.params.hill,
            tau_up_s: e.params.tau_up_s,
            tau_down_s: e.params.tau_down_s,
            glycolytic_switch: e.glycolytic_switch,
            antioxidant_upregulation: e.antioxidant_upregulation,
            angiogenesis_per_day: e.angiogenesis_per_day,
            angiogenesis_threshold: e.angiogenesis_threshold,
        }
    }
}

impl HifSpec {
    /// The effects as the orchestrator uses them.
    pub fn effects(&self) -> crate::physics::hif::HifEffects {
        crate::physics::hif::HifEffects {
            params: crate::physics::hif::HifParams {
                k_mmhg: self.k_mmhg,
                hill: self.hill,
                tau_up_s: self.tau_up_s,
                tau_down_s: self.tau_down_s,
            },
            glycolytic_switch: self.glycolytic_switch,
            antioxidant_upregulation: self.antioxidant_upregulation,
            angiogenesis_per_day: self.angiogenesis_per_day,
            angiogenesis_threshold: self.angiogenesis_threshold,
        }
    }
}
