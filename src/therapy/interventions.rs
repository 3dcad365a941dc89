//! Intervention windows and HIF effects on a protocol step: the conditions that hold at
//! a time (from the open windows), the vessel coefficients they give, pruning at the
//! start of a normalisation window, angiogenesis where HIF stays high, the ROS
//! parameters of the step, and ROS-dependent kill.

use super::state::State;
use crate::backend::o2_coefficients::{Angiogenesis, Vessels, WallSupply, WeightedVessels};
use crate::backend::ros_fields::RosKill;
use crate::backend::stats::Reduce;
use crate::backend::O2Backend;
use crate::physics::hif::HifEffects;
use crate::physics::ros::RosParams;
use crate::protocol::windows::WindowEffect;
use crate::protocol::Protocol;
use crate::Result;

/// What the open windows change at one time (all neutral without windows).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Conditions {
    /// HIF target scale: Π(1 − strength) over HIF inhibitors.
    pub(crate) hif_scale: f64,
    /// Wall exchange Pw·Sv ×, over normalisation windows.
    pub(crate) perfusion_factor: f64,
    /// Blood pO2 + (mmHg), over normalisation windows.
    pub(crate) pb_increase_mmhg: f64,
    /// Angiogenesis rate ×, over normalisation windows.
    pub(crate) angiogenesis_factor: f64,
    /// Drug wall permeability ×, over normalisation windows.
    pub(crate) drug_permeability_factor: f64,
    /// Extra ROS production (µM/s at n = 1), over pro-oxidants.
    pub(crate) extra_ros_um_per_s: f64,
    /// GSH regeneration × (1 − this), over pro-oxidants.
    pub(crate) gsh_synthesis_inhibition: f64,
    /// G0 × (1 + this), over antioxidants.
    pub(crate) gsh_increase: f64,
    /// Radiation dose ÷ this, over antioxidants.
    pub(crate) radioprotection_dmf: f64,
}

impl Conditions {
    /// The conditions at time `t` (s): windows with start ≤ t < end combine
    /// (factors multiply, increments add).
    pub(crate) fn at(protocol: &Protocol, t: f64) -> Conditions {
        let mut c = Conditions::neutral();
        for w in protocol.windows.iter().filter(|w| w.open_at(t)) {
            c.add(&w.effect);
        }
        c
    }

    /// No window open.
    pub(crate) fn neutral() -> Conditions {
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
    pub(crate) fn ros_params(&self, base: &RosParams) -> RosParams {
        RosParams {
            extra_production_um_per_s: base.extra_production_um_per_s + self.extra_ros_um_per_s,
            gsh_regeneration_per_s: base.gsh_regeneration_per_s
                * (1.0 - self.gsh_synthesis_inhibition),
            ..*base
        }
    }
}

/// The step's effective wall coefficients from the vessels as they stand, under `c`
/// (a kernel: Sv·perfusion, Pb raised where there is a wall).
pub(super) fn apply_vessels(
    backend: &mut dyn O2Backend,
    st: &mut State,
    c: &Conditions,
) -> Result<()> {
    let v = Vessels {
        len: st.o2.grid.len(),
        perfusion: c.perfusion_factor as f32,
        pb_increase: c.pb_increase_mmhg as f32,
    };
    match st.weighted {
        Some(w) => backend.pointwise(
            &WeightedVessels(v),
            &[st.vessel_sv, st.vessel_pb, w.factor],
            &[st.o2.sv, st.o2.pb, w.solute_sv],
        ),
        None => backend.pointwise(&v, &[st.vessel_sv, st.vessel_pb], &[st.o2.sv, st.o2.pb]),
    }
}

/// Removes the smallest vessels, a `fraction` of the wall area, at the opening of a
/// normalisation window. An event, rare and global (it orders every wall voxel), so it
/// runs on the host: Sv crosses down and back up once per window.
pub(super) fn prune(backend: &mut dyn O2Backend, st: &mut State, fraction: f64) -> Result<()> {
    let mut sv = backend.field_read(st.vessel_sv)?;
    let mut order: Vec<usize> = (0..sv.len()).filter(|&i| sv[i] > 0.0).collect();
    let total: f64 = order.iter().map(|&i| f64::from(sv[i])).sum();
    order.sort_by(|&a, &b| sv[a].total_cmp(&sv[b]).then(a.cmp(&b)));
    let mut removed = 0.0;
    for i in order {
        if removed >= fraction * total {
            break;
        }
        removed += f64::from(sv[i]);
        sv[i] = 0.0;
    }
    backend.field_upload(st.vessel_sv, &sv)
}

/// New wall where HIF stays above the threshold ([`HifEffects`]), at the mean wall
/// density per step and at the mean blood pO2, capped at three times the mean wall
/// density. Off by default (`hif.angiogenesis_per_day` = 0). On the backend: the mean
/// wall density and blood pO2 come from reductions (a few bytes down), the growth is
/// the `Angiogenesis` kernel (nothing up but its uniforms).
pub(super) fn angiogenesis(
    backend: &mut dyn O2Backend,
    st: &mut State,
    e: &HifEffects,
    c: &Conditions,
    dt: f64,
) -> Result<()> {
    let rate = e.angiogenesis_per_day * c.angiogenesis_factor / 86400.0;
    if rate <= 0.0 {
        return Ok(());
    }
    let len = st.vessel_sv.len();
    // Over the voxels with wall (Sv ≠ 0, the mask): their count, Σ Sv and Σ Sv·Pb.
    let supply = backend.field_alloc(len, "angiogenesis.supply")?;
    let sums = backend
        .pointwise(
            &WallSupply { len },
            &[st.vessel_sv, st.vessel_pb],
            &[supply],
        )
        .and_then(|()| {
            backend.reduce_masked(
                st.vessel_sv,
                &[
                    (
                        st.vessel_sv,
                        Reduce::CountBelow {
                            threshold: f32::INFINITY,
                        },
                    ),
                    (st.vessel_sv, Reduce::Sum),
                    (supply, Reduce::Sum),
                ],
            )
        });
    backend.field_free(supply);
    let [count, sv_sum, pb_sum] = sums?[..] else {
        unreachable!("three reductions asked for")
    };
    if count == 0.0 || sv_sum <= 0.0 {
        return Ok(());
    }
    let sv_ref = sv_sum / count;
    let kernel = Angiogenesis {
        len,
        threshold: e.angiogenesis_threshold as f32,
        grow: (rate * sv_ref * dt) as f32,
        cap: (3.0 * sv_ref) as f32,
        pb_new: (pb_sum / sv_sum) as f32,
    };
    backend.pointwise(
        &kernel,
        &[st.tissue.hif, st.tissue.region],
        &[st.vessel_sv, st.vessel_pb],
    )?;
    apply_vessels(backend, st, c)
}

/// Adds the ROS-dependent kill over `dt` (κR·max(R − Rth, 0)·Δt per voxel) into
/// `st.kill`; false when ROS is off or κR is 0 (nothing added).
pub(super) fn ros_kill(
    backend: &mut dyn O2Backend,
    st: &State,
    kill_per_um_h: f64,
    threshold_um: f64,
    dt: f64,
) -> Result<bool> {
    let Some((ros, _)) = &st.ros else {
        return Ok(false);
    };
    if kill_per_um_h <= 0.0 {
        return Ok(false);
    }
    backend.pointwise(
        &RosKill::new(st.kill.len(), kill_per_um_h, threshold_um, dt),
        &[ros.ros],
        &[st.kill],
    )?;
    Ok(true)
}
