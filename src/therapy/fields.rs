//! The fast fields of a protocol step: drugs over the step, the ROS burst of a
//! fraction, and the re-solve of O2 and ROS after the tissue changed.

use super::interventions::{g0_scale, Conditions};
use super::state::State;
use super::TherapyParams;
use crate::backend::tissue::TissueFields;
use crate::backend::O2Backend;
use crate::config::Scenario;
use crate::physics::ros::RosParams;
use crate::problem::O2Problem;
use crate::protocol::Protocol;
use crate::ros::steady::solve_ros;
use crate::ros::transient::RosState;
use crate::ros::{production_field, RosSources};
use crate::solver;
use crate::Result;

/// Advances every active drug over the step from `st.t` by `dt` at the current pO2,
/// under the step's conditions `cond` (drug wall permeability), and lets a drug below
/// the solve floor decay with its plasma curve ([`crate::drugs::decay`]);
/// returns the log-kill each voxel's viable cells take from the exposure gained
/// (κ·ΔE summed over drugs), or None when no drug was active.
pub(super) fn drugs(
    sc: &Scenario,
    protocol: &Protocol,
    cond: &Conditions,
    backend: &mut dyn O2Backend,
    st: &mut State,
    dt: f64,
) -> Result<Option<Vec<f32>>> {
    let mut log_kill: Option<Vec<f32>> = None;
    let mut opts = sc.solve_options();
    opts.field = "drug";
    for (item, field) in protocol.drugs.iter().zip(st.drugs.iter_mut()) {
        let p = &crate::physics::drug::DrugParams {
            permeability_um_per_s: item.params.permeability_um_per_s
                * cond.drug_permeability_factor,
            ..item.params.clone()
        };
        let before = field.exposure.clone();
        if crate::drugs::active(p, &item.times_s, field, st.t, dt) {
            let report = crate::drugs::advance(
                backend,
                &st.problem,
                &st.po2,
                p,
                &item.times_s,
                field,
                st.t,
                dt,
                &opts,
            )?;
            log::debug!(
                "{}: {} implicit steps of {:.0} s",
                item.name,
                report.substeps,
                report.dt_s
            );
        } else if !crate::drugs::decay(p, &item.times_s, field, st.t, dt) {
            continue;
        }
        let kill = log_kill.get_or_insert_with(|| vec![0.0; before.len()]);
        for ((k, &e1), &e0) in kill.iter_mut().zip(&field.exposure).zip(&before) {
            *k += (p.kill_per_um_h * f64::from(e1 - e0)) as f32;
        }
    }
    Ok(log_kill)
}

/// Chunk of a fraction's ROS burst (s). R relaxes within about 1/(kG·G + λR) ≈ 1 s,
/// far shorter than a chunk, while G changes over minutes; so per chunk R is solved at
/// steady state with G held (multigrid, warm-started) and G is advanced over the chunk
/// in closed form. Stepping R explicitly instead would take about 10⁴ steps per
/// two-minute fraction at 10 µm voxels.
const BURST_CHUNK_S: f64 = 10.0;

/// The ROS conditions of a step: the parameters and each voxel's G0 scale.
pub(super) struct RosStep<'a> {
    /// ROS parameters under the step's windows.
    pub params: &'a RosParams,
    /// G0 × this per voxel (HIF upregulation, antioxidants).
    pub g0_scale: &'a [f32],
}

/// The radiolytic ROS burst of one fraction of `dose_gy` delivered over `seconds`, at
/// the fraction's dose rate (quasi-steady R, see [`BURST_CHUNK_S`]). After the last
/// chunk the dose rate stops; the step's re-solve relaxes R.
#[allow(clippy::too_many_arguments)]
pub(super) fn ros_burst(
    sc: &Scenario,
    backend: &mut dyn O2Backend,
    problem: &O2Problem,
    po2: &[f32],
    ros: &mut RosState,
    step: &RosStep,
    dose_gy: f64,
    seconds: f64,
) -> Result<()> {
    let production = production_field(
        problem,
        step.params,
        &RosSources {
            po2,
            po2_previous: None,
            dose_rate_gy_per_s: dose_gy / seconds,
        },
    );
    let chunks = (seconds / BURST_CHUNK_S).ceil().max(1.0);
    let h = seconds / chunks;
    for _ in 0..chunks as u32 {
        ros_then_gsh(sc, backend, problem, step, &production, ros, h)?;
    }
    Ok(())
}

/// R at steady state with G held (warm-started from the last R), then G advanced over
/// `h` seconds with that R, by the respiring cells of `problem`.
fn ros_then_gsh(
    sc: &Scenario,
    backend: &mut dyn O2Backend,
    problem: &O2Problem,
    step: &RosStep,
    production: &[f32],
    ros: &mut RosState,
    h: f64,
) -> Result<()> {
    let r = solve_ros(
        backend,
        problem,
        step.params,
        production,
        &ros.gsh,
        Some(&ros.ros),
        &sc.ros_solve_options(),
    )?;
    ros.ros = r.ros;
    for i in 0..ros.gsh.len() {
        if !problem.is_fixed(i) {
            ros.gsh[i] = step.params.gsh_advance_scaled(
                ros.gsh[i],
                problem.viable[i],
                ros.ros[i],
                h,
                step.g0_scale[i],
            );
        }
    }
    Ok(())
}

/// The O2 problem's cell coefficient: the respiring cells n + l, less the glycolytic
/// switch's share φ·h where HIF is active.
pub(super) fn consuming(tissue: &TissueFields, glycolytic_switch: f64) -> Vec<f32> {
    let switch = glycolytic_switch as f32;
    (0..tissue.len())
        .map(|i| tissue.respiring(i) * (1.0 - switch * tissue.hif[i]))
        .collect()
}

/// Re-solves the fast fields after a step of `dt` seconds that changed the tissue: O2
/// with the respiring cells n + l (less the glycolytic switch's share where HIF is
/// active) warm-started from the last field, then (with ROS on) R with G held,
/// production including the reoxygenation over the step, and G advanced over the step.
pub(super) fn resolve(
    sc: &Scenario,
    backend: &mut dyn O2Backend,
    st: &mut State,
    params: &TherapyParams,
    cond: &Conditions,
    dt: f64,
) -> Result<()> {
    let opts = sc.solve_options();
    let previous = std::mem::take(&mut st.po2);
    st.problem.viable = consuming(&st.tissue, params.hif.glycolytic_switch);
    solver::load(backend, &st.problem, opts.method, &previous)?;
    solver::solve_steady(backend, &st.problem, &opts)?;
    st.po2 = solver::read_finite(
        backend,
        &st.problem,
        &format!("at t = {} h", (st.t + dt) / 3600.0),
    )?;
    if st.ros.is_none() {
        return Ok(());
    }
    let scale = g0_scale(st, &params.hif, cond);
    if let Some(ros) = st.ros.as_mut() {
        let ros_params = cond.ros_params(&sc.spec.ros.params());
        let production = production_field(
            &st.problem,
            &ros_params,
            &RosSources {
                po2: &st.po2,
                po2_previous: Some(&previous),
                dose_rate_gy_per_s: 0.0,
            },
        );
        let step = RosStep {
            params: &ros_params,
            g0_scale: &scale,
        };
        ros_then_gsh(sc, backend, &st.problem, &step, &production, ros, dt)?;
    }
    Ok(())
}
