//! The slow step shared by the protocol loop and the settling before t = 0, and the
//! settling itself.
//!
//! The scenario's tissue (every cell viable, none dead) is not at rest under the
//! tissue kinetics: anoxic cells die within days, and a protocol without any event
//! would count that necrosis as cell kill (viable 1.00 → 0.89 over 12 days on the
//! default scenario). So, unless the protocol says `settle = false`, the untreated
//! model is run first in steps of [`SETTLE_STEP_S`] (necrosis, mitotic death,
//! clearance, regrowth, HIF and its glycolytic switch, ROS and ROS kill; not
//! angiogenesis: the scenario's vessels are those at t = 0), until the viable
//! cells change by at most [`SETTLE_TOLERANCE`] of their total over a step; that state
//! is t = 0, and `log10_cell_kill` is relative to it. What remains of the untreated
//! drift is the slow regrowth (≈ 3·10⁻⁴ of the viable cells per day on the default
//! scenario). After [`SETTLE_MAX_STEPS`] steps the run starts anyway and says so.

use super::fields;
use super::interventions::{self, Conditions};
use super::state::State;
use super::TherapyParams;
use crate::backend::tissue::TissueUniforms;
use crate::backend::O2Backend;
use crate::config::Scenario;
use crate::Result;

/// Step of the settling (s): half a day, well below the necrosis and clearance times.
pub(crate) const SETTLE_STEP_S: f64 = 12.0 * 3600.0;

/// Largest relative change of the viable total over one settling step at rest.
pub(crate) const SETTLE_TOLERANCE: f64 = 5e-4;

/// Most settling steps (30 days).
pub(crate) const SETTLE_MAX_STEPS: u32 = 60;

/// One slow step of `dt` under `cond`: the kill of the step (drugs, added to
/// `st.kill` by the caller, when `killed`; ROS above its threshold), the tissue
/// kinetics at the current pO2, angiogenesis, and the re-solve of the fast fields.
#[allow(clippy::too_many_arguments)]
pub(super) fn slow_step(
    sc: &Scenario,
    params: &TherapyParams,
    cond: &Conditions,
    backend: &mut dyn O2Backend,
    st: &mut State,
    dt: f64,
    killed: bool,
) -> Result<()> {
    let threshold = sc.spec.ros.damage_threshold_um;
    let ros = interventions::ros_kill(backend, st, params.ros_kill_per_um_h, threshold, dt)?;
    if killed || ros {
        backend.tissue_kill(st.kill)?;
    }
    let u = TissueUniforms::step(
        &st.o2.grid,
        &params.tissue,
        &params.hif.params,
        cond.hif_scale,
        dt,
    );
    backend.tissue_step(&u, st.po2)?;
    interventions::angiogenesis(backend, st, &params.hif, cond, dt)?;
    fields::resolve(sc, backend, st, params, cond, dt)
}

/// Runs the untreated model on the state at t = 0 until it is at rest (see the module
/// docs), and makes the result t = 0.
pub(super) fn settle(
    sc: &Scenario,
    params: &TherapyParams,
    backend: &mut dyn O2Backend,
    st: &mut State,
) -> Result<()> {
    // The scenario's vessels are those at t = 0: no angiogenesis before it.
    let cond = Conditions {
        angiogenesis_factor: 0.0,
        ..Conditions::neutral()
    };
    let start = st.viable_total(backend)?;
    let mut before = start;
    let mut change = 0.0;
    let mut steps = 0;
    while steps < SETTLE_MAX_STEPS {
        backend.field_fill(st.kill, 0.0)?;
        slow_step(sc, params, &cond, backend, st, SETTLE_STEP_S, false)?;
        steps += 1;
        let now = st.viable_total(backend)?;
        change = if before > 0.0 {
            (now - before).abs() / before
        } else {
            0.0
        };
        before = now;
        if change <= SETTLE_TOLERANCE {
            break;
        }
    }
    let hours = f64::from(steps) * SETTLE_STEP_S / 3600.0;
    let msg = format!(
        "untreated tissue settled over {hours:.0} h before t = 0: viable cells × {:.4} \
         (change over the last {:.0} h: {change:.1e}); set `settle = false` in the \
         protocol to start from the scenario as written",
        if start > 0.0 { before / start } else { 1.0 },
        SETTLE_STEP_S / 3600.0
    );
    if change <= SETTLE_TOLERANCE {
        log::info!("{msg}");
    } else {
        log::warn!(
            "{msg}; not at rest after {hours:.0} h: log10_cell_kill includes the untreated \
             drift of {change:.1e} per {:.0} h",
            SETTLE_STEP_S / 3600.0
        );
    }
    st.n0_total = before;
    Ok(())
}
