//! The fast fields of a protocol step, on the backend: drugs over the step, the ROS
//! burst of a fraction, and the re-solve of O2 and ROS after the tissue changed. Only
//! scalars cross to the host (residual norms, reductions).

use super::interventions::Conditions;
use super::state::State;
use super::TherapyParams;
use crate::backend::stats::Reduce;
use crate::backend::O2Backend;
use crate::config::Scenario;
use crate::protocol::Protocol;
use crate::ros::resident::{ros_then_gsh, GshStep};
use crate::{solver, Error, Result};

/// Advances every active drug over the step from `st.t` by `dt` at the current pO2,
/// under the step's conditions `cond` (drug wall permeability), and lets a drug below
/// the solve floor decay with its plasma curve ([`crate::drugs::resident::decay`]);
/// the log-kill each voxel's viable cells take from the exposure gained (κ·ΔE summed
/// over drugs) is added to `st.kill`. Returns whether any drug added to it.
pub(super) fn drugs(
    sc: &Scenario,
    protocol: &Protocol,
    cond: &Conditions,
    backend: &mut dyn O2Backend,
    st: &mut State,
    dt: f64,
) -> Result<bool> {
    let mut opts = sc.solve_options();
    opts.field = crate::solver::SolvedField::Drug;
    let mut killed = false;
    let solutes = st.solutes();
    for (item, field) in protocol.drugs.iter().zip(st.drugs.iter_mut()) {
        let p = &crate::physics::drug::DrugParams {
            permeability_um_per_s: item.params.permeability_um_per_s
                * cond.drug_permeability_factor,
            ..item.params.clone()
        };
        if crate::drugs::resident::active(backend, p, &item.times_s, field, st.t, dt)? {
            let report = crate::drugs::resident::advance(
                backend,
                &solutes,
                st.po2,
                p,
                &item.times_s,
                field,
                st.kill,
                st.t,
                dt,
                &opts,
            )?;
            log::debug!(
                "{}: {} implicit steps of {:.0} s, {} solver iterations, {:.1} sweep-equivalents",
                item.name,
                report.substeps,
                report.dt_s,
                report.cycles,
                report.work
            );
        } else if !crate::drugs::resident::decay(
            backend,
            p,
            &item.times_s,
            field,
            st.kill,
            st.t,
            dt,
        )? {
            continue;
        }
        killed = true;
    }
    Ok(killed)
}

/// Chunk of a fraction's ROS burst (s). R relaxes within about 1/(kG·G + λR) ≈ 1 s,
/// far shorter than a chunk, while G changes over minutes; so per chunk R is solved at
/// steady state with G held (multigrid, warm-started) and G is advanced over the chunk
/// in closed form. Stepping R explicitly instead would take about 10⁴ steps per
/// two-minute fraction at 10 µm voxels.
const BURST_CHUNK_S: f64 = 10.0;

/// The G step of `seconds` under the step's HIF effects and windows.
fn gsh_step(st: &State, params: &TherapyParams, cond: &Conditions, seconds: f64) -> GshStep {
    GshStep {
        seconds,
        hif: st.tissue.hif,
        hif_upregulation: params.hif.antioxidant_upregulation,
        gsh_increase: cond.gsh_increase,
    }
}

/// The radiolytic ROS burst of one fraction of `dose_gy` delivered over `seconds`, at
/// the fraction's dose rate (quasi-steady R, see [`BURST_CHUNK_S`]). After the last
/// chunk the dose rate stops; the step's re-solve relaxes R.
pub(super) fn ros_burst(
    sc: &Scenario,
    params: &TherapyParams,
    cond: &Conditions,
    backend: &mut dyn O2Backend,
    st: &State,
    dose_gy: f64,
    seconds: f64,
) -> Result<()> {
    let Some((ros, production)) = &st.ros else {
        return Ok(());
    };
    let ros_params = cond.ros_params(&sc.spec.ros.params());
    let solutes = st.solutes();
    crate::ros::resident::production(
        backend,
        &solutes,
        &ros_params,
        st.po2,
        None,
        dose_gy / seconds,
        *production,
    )?;
    let chunks = (seconds / BURST_CHUNK_S).ceil().max(1.0);
    let step = gsh_step(st, params, cond, seconds / chunks);
    let opts = sc.ros_solve_options();
    for _ in 0..chunks as u32 {
        ros_then_gsh(
            backend,
            &solutes,
            &ros_params,
            *production,
            ros,
            &step,
            &opts,
        )?;
    }
    Ok(())
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
    backend.field_copy(st.po2, st.po2_previous)?;
    st.update_cells(backend, params.hif.glycolytic_switch)?;
    solver::solve_fields(backend, &st.o2, st.po2, &opts)?;
    check_finite(backend, st, (st.t + dt) / 3600.0)?;
    let Some((ros, production)) = &st.ros else {
        return Ok(());
    };
    let ros_params = cond.ros_params(&sc.spec.ros.params());
    let solutes = st.solutes();
    crate::ros::resident::production(
        backend,
        &solutes,
        &ros_params,
        st.po2,
        Some(st.po2_previous),
        0.0,
        *production,
    )?;
    let step = gsh_step(st, params, cond, dt);
    ros_then_gsh(
        backend,
        &solutes,
        &ros_params,
        *production,
        ros,
        &step,
        &sc.ros_solve_options(),
    )?;
    Ok(())
}

/// Refuses a pO2 field with a value that is not finite (its sum of squares over the
/// voxels where it is not 0 — NaN included — is not finite then); only on failure is
/// the field read, to name the voxel.
fn check_finite(backend: &mut dyn O2Backend, st: &State, hours: f64) -> Result<()> {
    let sum = backend.reduce_masked(st.po2, &[(st.po2, Reduce::SumSq)])?[0];
    if sum.is_finite() {
        return Ok(());
    }
    let field = backend.field_read(st.po2)?;
    let at = match field.iter().position(|v| !v.is_finite()) {
        Some(i) => {
            let (x, y, z) = st.o2.grid.ijk(i);
            format!("at voxel [{z}, {y}, {x}] ")
        }
        None => String::new(),
    };
    Err(Error::Numerical(format!(
        "pO2 is not finite {at}at t = {hours} h (or beyond ±1.8e19 mmHg)"
    )))
}
