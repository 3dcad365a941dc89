//! The therapy orchestrator (MODEL.md §1, last point, and §4): advances the slow tissue
//! state through a [`Protocol`] in slow steps (default 1 h, shortened to land on
//! events), applying radiotherapy fractions at their times, and re-solves the fast
//! fields (O2, and ROS when on) warm-started after every step, so that as killed cells
//! die they stop consuming and the tissue re-oxygenates between fractions.
//!
//! Unless the protocol says `settle = false`, t = 0 is the scenario's untreated tissue
//! settled to rest (`settle.rs`), so that kill counts treatment only. A timeline row is
//! the state at its time, just before the events at that time, which its `events`
//! column lists.
//!
//! One step of length Δt from t:
//! 1. events at t: each radiotherapy fraction (those of several courses at t as one,
//!    their doses adding: `events.rs`) multiplies n by S(D·map, P) per voxel
//!    ([`LqParams`]) and moves the killed cells to the doomed fraction l, which keeps
//!    respiring until mitotic death (the fraction's clonogen-weighted survival, its
//!    oxygen-weighted equivalent dose and the hypoxic volume histogram before it are
//!    recorded: `endpoints.rs`); with ROS on, the fraction's radiolytic burst at its
//!    dose rate raises R and depletes G (quasi-steady R in 10 s chunks);
//! 2. tissue kinetics over Δt at the current pO2 (necrosis, mitotic death of l,
//!    clearance, regrowth: `backend::tissue::step_voxel`);
//! 3. O2 re-solved with the respiring fraction n + l, warm-started from the last field;
//! 4. with ROS on: R re-solved with G held (production including reoxygenation, the
//!    rise of pO2 over the step), then G advanced over Δt in closed form.
//!
//! The state is resident on the backend (`state.rs`, issue 19): every field is a
//! [`crate::backend::Field`] handle, every per-voxel update a kernel (tissue kinetics
//! and kill, the O2 cells from n, l and h, the wall coefficients under the windows,
//! ROS production, G, drug steps: WGSL on the GPU backend, CPU twins on the CPU
//! backend), every solve in place ([`crate::solver::solve_fields`]), and the timeline
//! row comes from device reductions (`row.rs`). What crosses per step is uniform blocks
//! up and residual norms and reductions down; whole fields cross at snapshots,
//! checkpoints, a fraction's dose map, pruning and the end.
//!
//! Blood pO2 at the walls is held at its value at t = 0 (with blood O2 transport, the
//! coupled solution at t = 0), changed only by the open windows (normalisation).
//!
//! With a checkpoint folder, the complete state is written there
//! ([`checkpoint::Checkpoint`]) every `checkpoint_every` of simulated time (default
//! `DEFAULT_CHECKPOINT_EVERY_S`), at the end, on Ctrl-C,
//! and when the run stops early at [`RunOptions::stop_at_s`]; a run started from that
//! checkpoint ([`RunOptions::resume`]) takes the same steps and ends with the same
//! results, bitwise on the CPU backend.

pub mod checkpoint;
pub mod endpoints;
mod endpoints_output;
mod events;
mod fields;
mod interventions;
pub mod output;
pub mod progress;
mod recovery;
mod row;
mod settle;
mod state;
mod steps;
mod summary_blocks;

use crate::backend::tissue::TissueUniforms;
use crate::backend::O2Backend;
use crate::config::Scenario;
use crate::output::timeline::Row;
use crate::physics::hif::HifEffects;
use crate::physics::radiotherapy::LqParams;
use crate::physics::tissue::TissueParams;
use crate::protocol::Protocol;
pub(crate) use crate::protocol::DEFAULT_CHECKPOINT_EVERY_S;
use crate::ros::transient::RosState;
use crate::Result;
use checkpoint::Checkpoint;
use interventions::Conditions;
use recovery::Track;
use state::State;
pub use state::{dose_maps, read_dose_map};
use std::path::Path;

/// Times closer than this (s) are the same time.
const EPS_S: f64 = 1e-6;

/// What a protocol run ends with.
#[derive(Debug, Clone)]
pub struct TherapyResult {
    /// One row per step, the first at t = 0; each the state just before the events at
    /// its time (which it lists).
    pub rows: Vec<Row>,
    /// Final viable fraction n.
    pub viable: Vec<f32>,
    /// Final dead fraction d.
    pub dead: Vec<f32>,
    /// Final doomed fraction l (lethally irradiated, not yet dead).
    pub doomed: Vec<f32>,
    /// Final pO2 (mmHg).
    pub po2: Vec<f32>,
    /// Final ROS (µM) and GSH (mM), when ROS is on.
    pub ros: Option<RosState>,
    /// Vessel surface Sv at the end (µm⁻¹), as the O2 problem last had it.
    pub(crate) vessels_sv: Vec<f32>,
    /// The voxels the last row's statistics count (1/0, [`crate::output::tissue`]).
    pub(crate) tissue: Vec<f32>,
    /// Simulated time reached (s).
    pub time_s: f64,
    /// False when the run stopped at [`RunOptions::stop_at_s`] before the protocol's end.
    pub finished: bool,
    /// The O2 mass balance of the final state.
    pub mass: crate::metrics::MassBalance,
    /// What this process's part of the run kept under `solver.allow_unconverged` (the
    /// first texts and the count; `crate::solver::take_kept`).
    pub not_converged: (Vec<String>, usize),
    /// Host↔backend traffic, submits and dispatches of this process's part of the run
    /// (`summary.json` `transfers`).
    pub(crate) counters: crate::backend::Counters,
    /// What the protocol steps themselves moved (this process's part), without the
    /// start, snapshots, checkpoints and the final read.
    pub step_counters: StepCounters,
    /// The radiotherapy endpoints beside the rows: the clonogen count's basis, the
    /// pre-treatment bands and each fraction as delivered.
    pub endpoints: endpoints::EndpointSummary,
}

/// Traffic of the protocol steps alone (issue 19: a resident step sends scalars).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct StepCounters {
    /// Steps counted.
    pub steps: u64,
    /// Their totals.
    pub total: crate::backend::Counters,
    /// The most bytes (up + down) one step moved, the first step aside.
    pub max_bytes_per_step: u64,
    /// The bytes of the first step, which also sets up the hierarchies and uniform
    /// blocks of the solves it is the first to run (once per run, ≈ 3 KB).
    pub first_step_bytes: u64,
}

/// Model parameters of a protocol run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TherapyParams {
    /// Radiation response.
    pub lq: LqParams,
    /// Slow tissue kinetics.
    pub tissue: TissueParams,
    /// HIF-1α activity and its effects.
    pub hif: HifEffects,
    /// ROS-dependent kill κR (1/(µM·h) above the damage threshold); 0: off.
    pub ros_kill_per_um_h: f64,
}

impl TherapyParams {
    /// The parameters a scenario's `[radiotherapy]`, `[tissue]`, `[hif]` and `[ros]`
    /// tables give.
    pub fn of(sc: &Scenario) -> Self {
        TherapyParams {
            lq: sc.spec.radiotherapy.lq(),
            tissue: sc.spec.tissue.kinetics(),
            hif: sc.spec.hif.effects(),
            ros_kill_per_um_h: sc.spec.ros.kill_per_um_h,
        }
    }
}

/// Where a protocol run writes along the way, and how it starts and stops.
#[derive(Debug, Clone, Default)]
pub struct RunOptions<'a> {
    /// Folder for field snapshots (`snapshots/`); none: no snapshots.
    pub snapshot_dir: Option<&'a Path>,
    /// Folder for `checkpoint.bin`; none: no checkpoints.
    pub checkpoint_dir: Option<&'a Path>,
    /// Continue from this checkpoint instead of starting at t = 0.
    pub resume: Option<Checkpoint>,
    /// Stop at the end of the first step at or after this simulated time (s), writing a
    /// checkpoint; the run continues later from it with the same results.
    pub stop_at_s: Option<f64>,
    /// Who hears how far the run is ([`progress`]); by default a log line per step.
    pub progress: progress::OnProgress<'a>,
}

/// The fingerprint a checkpoint of this run carries: the scenario as parsed (name,
/// description and output settings aside), the expanded protocol and the model
/// parameters.
pub(crate) fn fingerprint(sc: &Scenario, protocol: &Protocol, params: &TherapyParams) -> u64 {
    let mut spec = sc.spec.clone();
    // What does not change the results: names, prose, output settings, and where the
    // protocol came from (the expanded protocol is fingerprinted below).
    spec.name = None;
    spec.description.clear();
    spec.output = Default::default();
    spec.protocol = None;
    checkpoint::fingerprint(&[
        &spec,
        &protocol.events(),
        &protocol.snapshot_times_s,
        &protocol.duration_s,
        &protocol.time_step_s,
        &protocol.radiotherapy,
        &protocol.drugs,
        &protocol.windows,
        &protocol.settle,
        params,
    ])
}

/// Refuses a finished protocol run whose final state breaks the O2 mass balance
/// (beyond [`crate::metrics::MASS_BALANCE_TOLERANCE`]) unless the scenario allows
/// unconverged results: its outputs are written already (a long run is not thrown
/// away) and marked, and the caller fails. A run stopped early is not checked.
pub fn check_mass_balance(sc: &Scenario, protocol: &Protocol, r: &TherapyResult) -> Result<()> {
    let tol = crate::metrics::MASS_BALANCE_TOLERANCE;
    if !r.finished || r.mass.relative_error <= tol {
        return Ok(());
    }
    crate::solver::refuse_or_keep(
        &format!(
            "{} with {}: the final state's O2 mass balance error is {:.2e} > {tol:.0e}; \
             the outputs were written and summary.json says \"converged\": false",
            sc.name, protocol.name, r.mass.relative_error
        ),
        "tighten solver.tolerance (e.g. 1e-7), or report the scenario as a bug",
        sc.spec.solver.allow_unconverged,
    )
}

/// Runs `protocol` on scenario `sc` with `backend`; returns the timeline and the final
/// fields (the final outputs are written by [`output::write`]).
///
/// Ctrl-C ([`crate::interrupt`]) stops it between steps, after writing a checkpoint
/// when it has a checkpoint folder; errors name the simulated time reached and, for a
/// lost device, the checkpoint to continue from.
pub fn run_protocol(
    sc: &Scenario,
    protocol: &Protocol,
    params: &TherapyParams,
    backend: &mut dyn O2Backend,
    run: RunOptions,
) -> Result<TherapyResult> {
    sc.refuse_medium_in_protocol()?;
    // Solves finish their step; the loop stops between steps, where the state is whole.
    let _defer = crate::interrupt::defer();
    let dir = run.checkpoint_dir;
    let track = Track::default();
    crate::solver::take_kept(); // start this run's record afresh
    let at_start = crate::backend::FieldStore::counters(backend);
    let mut r = steps::steps(sc, protocol, params, backend, run, &track)
        .map_err(|e| track.explain(e, dir))?;
    r.not_converged = crate::solver::take_kept();
    r.counters = crate::backend::FieldStore::counters(backend).since(&at_start);
    Ok(r)
}

/// One radiotherapy fraction of `dose_gy` (times the relative dose `map`) delivered
/// over `seconds` at the current pO2 under `cond` (dose ÷ the open antioxidants'
/// dose-modifying factor), and with ROS on its radiolytic burst.
#[allow(clippy::too_many_arguments)]
fn fraction(
    sc: &Scenario,
    params: &TherapyParams,
    cond: &Conditions,
    backend: &mut dyn O2Backend,
    st: &mut State,
    dose_gy: f64,
    map: Option<&[f32]>,
    seconds: f64,
) -> Result<()> {
    let dose = dose_gy / cond.radioprotection_dmf;
    let u = TissueUniforms::fraction(&st.o2.grid, &params.lq, dose, map.is_some());
    // A dose map goes up at its fraction (an event; uniform doses send nothing).
    let map = map
        .map(|m| backend.field_from(m, "therapy.dose_map"))
        .transpose()?;
    let irradiated = st.before_fraction(backend, map).and_then(|before| {
        backend.tissue_irradiate(&u, st.po2, map)?;
        st.record_fraction(backend, &params.lq, dose_gy, before)
    });
    if let Some(m) = map {
        backend.field_free(m);
    }
    irradiated?;
    fields::ros_burst(sc, params, cond, backend, st, dose_gy, seconds)
}

/// ROS and GSH read back (snapshots, the end), when ROS is on.
fn read_ros(backend: &mut dyn O2Backend, st: &State) -> Result<Option<RosState>> {
    Ok(match &st.ros {
        Some((f, _)) => Some(RosState {
            ros: backend.field_read(f.ros)?,
            gsh: backend.field_read(f.gsh)?,
        }),
        None => None,
    })
}

/// Lists the events due at `st.t`, not yet applied, in the last row.
fn label_due(protocol: &Protocol, all: &[crate::protocol::Event], st: &mut State) {
    let end = events::due_end(all, st.next_event, st.t);
    let labels = events::labels(protocol, &all[st.next_event..end]);
    if let Some(row) = st.rows.last_mut() {
        row.events = labels;
    }
}

/// The smallest multiple of `every` after `t` (by more than [`EPS_S`]).
fn next_multiple(t: f64, every: f64) -> f64 {
    ((t + EPS_S) / every).floor().mul_add(every, every)
}

/// The result: the state's fields read back once, at the end.
fn finish(
    backend: &mut dyn O2Backend,
    st: &mut State,
    finished: bool,
    step_counters: StepCounters,
) -> Result<TherapyResult> {
    let problem = st.read_problem(backend)?;
    let po2 = backend.field_read(st.po2)?;
    let tissue = backend.tissue_read()?;
    let ros = read_ros(backend, st)?;
    Ok(TherapyResult {
        endpoints: st.endpoints.summary(),
        mass: crate::metrics::mass_balance(&problem, &po2),
        not_converged: (Vec::new(), 0),
        counters: Default::default(),
        step_counters,
        tissue: crate::output::tissue::mask(&problem),
        rows: std::mem::take(&mut st.rows),
        viable: tissue.viable,
        dead: tissue.dead,
        doomed: tissue.doomed,
        po2,
        ros,
        vessels_sv: problem.wall_sv.unwrap_or(problem.sv),
        time_s: st.t,
        finished,
    })
}
