//! Intervention windows and HIF effects on a protocol step: the conditions that hold at
//! a time (from the open windows), the vessel coefficients they give, pruning at the
//! start of a normalisation window, angiogenesis where HIF stays high, the ROS
//! parameters of the step, and ROS-dependent kill.

use super::state::State;
use crate::physics::hif::HifEffects;
use crate::physics::ros::RosParams;
use crate::protocol::windows::WindowEffect;
use crate::protocol::Protocol;

/// What the open windows change at one time (all neutral without windows).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Conditions {
    /// HIF target scale: Π(1 − strength) over HIF inhibitors.
    pub hif_scale: f64,
    /// Wall exchange Pw·Sv ×, over normalisation windows.
    pub perfusion_factor: f64,
    /// Blood pO2 + (mmHg), over normalisation windows.
    pub pb_increase_mmhg: f64,
    /// Angiogenesis rate ×, over normalisation windows.
    pub angiogenesis_factor: f64,
    /// Drug wall permeability ×, over normalisation windows.
    pub drug_permeability_factor: f64,
    /// Extra ROS production (µM/s at n = 1), over pro-oxidants.
    pub extra_ros_um_per_s: f64,
    /// GSH regeneration × (1 − this), over pro-oxidants.
    pub gsh_synthesis_inhibition: f64,
    /// G0 × (1 + this), over antioxidants.
    pub gsh_increase: f64,
    /// Radiation dose ÷ this, over antioxidants.
    pub radioprotection_dmf: f64,
}

impl Conditions {
    /// The conditions at time `t` (s): windows with start ≤ t < end combine
    /// (factors multiply, increments add).
    pub fn at(protocol: &Protocol, t: f64) -> Conditions {
        let mut c = Conditions::neutral();
        for w in protocol.windows.iter().filter(|w| w.open_at(t)) {
            c.add(&w.effect);
        }
        c
    }

    /// No window open.
    pub fn neutral() -> Conditions {
        Conditions {
            hif_scale: 1.0,
            perfusion_factor: 1.0,
            pb_increase_mmhg: 0.0,
            angiogenesis_factor: 1.0,
            drug_permeability_factor: 1.0,
            extra_ros_um_per_s: 0.0,
            gsh_synthesis_inhibition: 0.0,
            gsh_increase: 0.0,
            radioprotection_dmf: 1.0,
        }
    }

    /// Adds an open window's effect (factors multiply, increments add).
    fn add(&mut self, effect: &WindowEffect) {
        let c = self;
        match *effect {
            WindowEffect::HifInhibitor { strength } => c.hif_scale *= 1.0 - strength,
            WindowEffect::Normalisation {
                perfusion_factor,
                blood_po2_increase_mmhg,
                angiogenesis_factor,
                drug_permeability_factor,
                ..
            } => {
                c.perfusion_factor *= perfusion_factor;
                c.pb_increase_mmhg += blood_po2_increase_mmhg;
                c.angiogenesis_factor *= angiogenesis_factor;
                c.drug_permeability_factor *= drug_permeability_factor;
            }
            WindowEffect::Prooxidant {
                extra_ros_um_per_s,
                gsh_synthesis_inhibition,
            } => {
                c.extra_ros_um_per_s += extra_ros_um_per_s;
                c.gsh_synthesis_inhibition =
                    1.0 - (1.0 - c.gsh_synthesis_inhibition) * (1.0 - gsh_synthesis_inhibition);
            }
            WindowEffect::Antioxidant {
                gsh_increase,
                radioprotection_dmf,
            } => {
                c.gsh_increase = (1.0 + c.gsh_increase) * (1.0 + gsh_increase) - 1.0;
                c.radioprotection_dmf *= radioprotection_dmf;
            }
        }
    }

    /// The ROS parameters under these conditions.
    pub fn ros_params(&self, base: &RosParams) -> RosParams {
        RosParams {
            extra_production_um_per_s: base.extra_production_um_per_s + self.extra_ros_um_per_s,
            gsh_regeneration_per_s: base.gsh_regeneration_per_s
                * (1.0 - self.gsh_synthesis_inhibition),
            ..*base
        }
    }
}

/// Sets the O2 problem's wall coefficients from the vessel state under `c`: Sv × the
/// perfusion factor, Pb + the increase (at least 0), where there are vessels.
pub(super) fn apply_vessels(st: &mut State, c: &Conditions) {
    let p = &mut st.problem;
    for i in 0..p.sv.len() {
        let sv = st.vessel_sv[i];
        p.sv[i] = (f64::from(sv) * c.perfusion_factor) as f32;
        p.pb[i] = if sv > 0.0 {
            (f64::from(st.vessel_pb[i]) + c.pb_increase_mmhg).max(0.0) as f32
        } else {
            st.vessel_pb[i]
        };
    }
}

/// Prunes `fraction` of the vessel surface, starting from the voxels with the least
/// (the smallest vessels), at the opening of a normalisation window.
pub(super) fn prune(st: &mut State, fraction: f64) {
    let mut order: Vec<usize> = (0..st.vessel_sv.len())
        .filter(|&i| st.vessel_sv[i] > 0.0)
        .collect();
    let total: f64 = order.iter().map(|&i| f64::from(st.vessel_sv[i])).sum();
    order.sort_by(|&a, &b| st.vessel_sv[a].total_cmp(&st.vessel_sv[b]).then(a.cmp(&b)));
    let mut removed = 0.0;
    for i in order {
        if removed >= fraction * total {
            break;
        }
        removed += f64::from(st.vessel_sv[i]);
        st.vessel_sv[i] = 0.0;
    }
}

/// New vessel surface over `dt` seconds where h is above the threshold: the mean Sv of
/// vessel voxels × the rate per day × the window factor, at the mean blood pO2 of the
/// vessels, up to three times that mean per voxel; the O2 problem's wall coefficients
/// follow (under `c`).
pub(super) fn angiogenesis(st: &mut State, e: &HifEffects, c: &Conditions, dt: f64) {
    let rate = e.angiogenesis_per_day * c.angiogenesis_factor / 86400.0;
    if rate <= 0.0 {
        return;
    }
    let (mut sv_sum, mut pb_sum, mut count) = (0.0f64, 0.0f64, 0usize);
    for (&sv, &pb) in st.vessel_sv.iter().zip(&st.vessel_pb) {
        if sv > 0.0 {
            sv_sum += f64::from(sv);
            pb_sum += f64::from(pb) * f64::from(sv);
            count += 1;
        }
    }
    if count == 0 {
        return;
    }
    let sv_ref = sv_sum / count as f64;
    let pb_new = pb_sum / sv_sum;
    let grow = rate * sv_ref * dt;
    for i in 0..st.vessel_sv.len() {
        if st.region[i] == 0 || f64::from(st.tissue.hif[i]) <= e.angiogenesis_threshold {
            continue;
        }
        let old = f64::from(st.vessel_sv[i]);
        let new = (old + grow).min(3.0 * sv_ref).max(old);
        if new > old {
            let pb = (f64::from(st.vessel_pb[i]) * old + pb_new * (new - old)) / new;
            st.vessel_sv[i] = new as f32;
            st.vessel_pb[i] = pb as f32;
        }
    }
    apply_vessels(st, c);
}

/// Per-voxel scale of the antioxidant capacity G0: (1 + φ·h)·(1 + antioxidant rise).
pub(super) fn g0_scale(st: &State, e: &HifEffects, c: &Conditions) -> Vec<f32> {
    st.tissue
        .hif
        .iter()
        .map(|&h| {
            ((1.0 + e.antioxidant_upregulation * f64::from(h)) * (1.0 + c.gsh_increase)) as f32
        })
        .collect()
}

/// Log-kill over `dt` seconds from ROS above the damage threshold, κR·(R − Rth)·Δt, or
/// None when nothing is above it (or κR = 0).
pub(super) fn ros_kill(
    st: &State,
    kill_per_um_h: f64,
    threshold_um: f64,
    dt: f64,
) -> Option<Vec<f32>> {
    let ros = st.ros.as_ref()?;
    if kill_per_um_h <= 0.0 {
        return None;
    }
    let k: Vec<f32> = ros
        .ros
        .iter()
        .map(|&r| (kill_per_um_h * (f64::from(r) - threshold_um).max(0.0) * dt / 3600.0) as f32)
        .collect();
    k.iter().any(|&x| x > 0.0).then_some(k)
}
