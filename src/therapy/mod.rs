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
//!    respiring until mitotic death; with ROS on, the fraction's radiolytic burst at
//!    its dose rate raises R and depletes G (quasi-steady R in 10 s chunks);
//! 2. tissue kinetics over Δt at the current pO2 (necrosis, mitotic death of l,
//!    clearance, regrowth: [`crate::physics::tissue::TissueState::step`]);
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
//! checkpoints, a fraction's dose map, pruning, angiogenesis (when on) and the end.
//!
//! Blood pO2 at the walls is held at its value at t = 0 (with blood O2 transport, the
//! coupled solution at t = 0), changed only by the open windows (normalisation).
//!
//! With a checkpoint folder, the complete state is written there
//! ([`checkpoint::Checkpoint`]) every `checkpoint_every` of simulated time (default
//! [`DEFAULT_CHECKPOINT_EVERY_S`]), at the end, on Ctrl-C,
//! and when the run stops early at [`RunOptions::stop_at_s`]; a run started from that
//! checkpoint ([`RunOptions::resume`]) takes the same steps and ends with the same
//! results, bitwise on the CPU backend.

pub mod checkpoint;
mod events;
mod fields;
mod interventions;
pub mod output;
pub mod progress;
mod recovery;
mod row;
mod settle;
mod state;
pub mod timeline;

use crate::backend::tissue::TissueUniforms;
use crate::backend::O2Backend;
use crate::config::Scenario;
use crate::physics::hif::HifEffects;
use crate::physics::radiotherapy::LqParams;
use crate::physics::tissue::TissueParams;
use crate::protocol::windows::WindowEffect;
use crate::protocol::{EventKind, Protocol};
use crate::ros::transient::RosState;
use crate::{Error, Result};
use checkpoint::Checkpoint;
use interventions::Conditions;
use recovery::Track;
pub use recovery::DEFAULT_CHECKPOINT_EVERY_S;
use state::State;
pub use state::{dose_maps, read_dose_map};
use std::path::Path;
use std::time::Instant;
use timeline::Row;

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
    pub vessels_sv: Vec<f32>,
    /// The voxels the last row's statistics count (1/0, [`crate::output::tissue`]).
    pub tissue: Vec<f32>,
    /// Simulated time reached (s).
    pub time_s: f64,
    /// False when the run stopped at [`RunOptions::stop_at_s`] before the protocol's end.
    pub finished: bool,
    /// The O2 mass balance of the final state.
    pub mass: crate::metrics::MassBalance,
    /// What this process's part of the run kept under `solver.allow_unconverged` (the
    /// first texts and the count; [`crate::solver::take_kept`]).
    pub not_converged: (Vec<String>, usize),
    /// Host↔backend traffic, submits and dispatches of this process's part of the run
    /// (`summary.json` `transfers`).
    pub counters: crate::backend::Counters,
    /// What the protocol steps themselves moved (this process's part), without the
    /// start, snapshots, checkpoints and the final read.
    pub step_counters: StepCounters,
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
}

/// The fingerprint a checkpoint of this run carries: the scenario as parsed (name,
/// description and output settings aside), the expanded protocol and the model
/// parameters.
pub fn fingerprint(sc: &Scenario, protocol: &Protocol, params: &TherapyParams) -> u64 {
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
    // Solves finish their step; the loop stops between steps, where the state is whole.
    let _defer = crate::interrupt::defer();
    let dir = run.checkpoint_dir;
    let track = Track::default();
    crate::solver::take_kept(); // start this run's record afresh
    let at_start = crate::backend::FieldStore::counters(backend);
    let mut r =
        steps(sc, protocol, params, backend, run, &track).map_err(|e| track.explain(e, dir))?;
    r.not_converged = crate::solver::take_kept();
    r.counters = crate::backend::FieldStore::counters(backend).since(&at_start);
    Ok(r)
}

fn steps(
    sc: &Scenario,
    protocol: &Protocol,
    params: &TherapyParams,
    backend: &mut dyn O2Backend,
    run: RunOptions,
    track: &Track,
) -> Result<TherapyResult> {
    let start = Instant::now();
    crate::backend::memory::preflight(&sc.grid(), true, backend)?;
    let fingerprint = fingerprint(sc, protocol, params);
    let kind = backend.info().kind;
    // Read before the first solve, so that a bad map costs no solve.
    let maps = state::dose_maps(protocol, &sc.grid())?;
    let resumed = run.resume.is_some();
    let mut st = match run.resume {
        Some(c) => {
            let file = run
                .checkpoint_dir
                .unwrap_or(Path::new("."))
                .join(checkpoint::FILE_NAME);
            if c.fingerprint != fingerprint {
                return Err(Error::input(
                    &file,
                    "was written for a different scenario, protocol or model parameters; \
                     resume with the files of the interrupted run, or run without --resume \
                     to start from t = 0",
                ));
            }
            if c.backend != kind {
                log::warn!(
                    "{}: written by the {} backend, continuing on the {kind} backend: the \
                     results agree to the solver tolerance, not bitwise",
                    file.display(),
                    c.backend
                );
            }
            log::info!("resuming at t = {:.2} h", c.time_s / 3600.0);
            State::resume(sc, protocol, params, backend, c, &file)?
        }
        None => State::initial(sc, protocol, backend)?,
    };
    // The fields are freed whatever happens (a batch or bench reuses the backend).
    let result = (|| -> Result<TherapyResult> {
        if !resumed && protocol.settle {
            settle::settle(sc, params, backend, &mut st)?;
        }
        let events = protocol.events();
        // Whole fields cross to the host only here: snapshots, checkpoints, the end.
        let snapshot = |backend: &mut dyn O2Backend, st: &mut State| -> Result<()> {
            let times = &protocol.snapshot_times_s;
            while st.next_snapshot < times.len() && times[st.next_snapshot] <= st.t + EPS_S {
                if let Some(dir) = run.snapshot_dir {
                    let po2 = backend.field_read(st.po2)?;
                    let n = backend.field_read(st.tissue.viable)?;
                    let sv = backend.field_read(st.o2.sv)?;
                    let ros = read_ros(backend, st)?;
                    output::write_snapshot(sc, dir, st.t, &po2, &n, ros.as_ref(), Some(&sv))?;
                }
                st.next_snapshot += 1;
            }
            Ok(())
        };
        let save = |backend: &mut dyn O2Backend, st: &State| -> Result<()> {
            if let Some(dir) = run.checkpoint_dir {
                st.checkpoint(backend, fingerprint, kind)?.write(dir)?;
                track.saved_s.set(Some(st.t));
            }
            Ok(())
        };
        if resumed {
            track.saved_s.set(Some(st.t));
        }
        if st.rows.is_empty() {
            let row = st.row(
                backend,
                protocol,
                String::new(),
                start.elapsed().as_secs_f64(),
            )?;
            st.rows.push(row);
            snapshot(backend, &mut st)?;
        }
        let every = protocol
            .checkpoint_every_s
            .or(run.checkpoint_dir.map(|_| DEFAULT_CHECKPOINT_EVERY_S));
        let mut next_checkpoint = every.map(|e| next_multiple(st.t, e));
        let progress = progress::Progress::new(protocol.duration_s);
        let mut step_counters = StepCounters::default();
        while st.t < protocol.duration_s - EPS_S {
            track.now_s.set(st.t);
            if run.stop_at_s.is_some_and(|stop| st.t >= stop - EPS_S) {
                label_due(protocol, &events, &mut st);
                save(backend, &st)?;
                return finish(backend, &mut st, false, step_counters);
            }
            if crate::interrupt::requested() {
                save(backend, &st)?;
                return Err(Error::Interrupted(format!(
                    "{} with {} stopped at t = {:.2} h of {:.1} h; {}",
                    sc.name,
                    protocol.name,
                    st.t / 3600.0,
                    protocol.duration_s / 3600.0,
                    track.resume_hint(run.checkpoint_dir)
                )));
            }
            let at_step = backend.counters();
            // What the open windows change holds for the whole step (they open and close
            // on step boundaries).
            let cond = Conditions::at(protocol, st.t);
            interventions::apply_vessels(backend, &mut st, &cond)?;
            let end = events::due_end(&events, st.next_event, st.t);
            let due = &events[st.next_event..end];
            st.next_event = end;
            // The row of this time lists what happens at it (its values are from just
            // before: the effects show from the next row on).
            if let Some(row) = st.rows.last_mut() {
                row.events = events::labels(protocol, due);
            }
            if let Some(f) = events::fraction(protocol, &maps, due) {
                let map = f.map.as_deref();
                fraction(
                    sc, params, &cond, backend, &mut st, f.dose_gy, map, f.seconds,
                )?;
            }
            for e in due {
                // Exhaustive on purpose: a new event kind must be handled here.
                match e.kind {
                    // Delivered above, all courses at this time as one fraction.
                    EventKind::Radiotherapy { .. } => {}
                    // The plasma curve is analytic: a dose only starts it.
                    EventKind::Drug { .. } => {}
                    EventKind::Window { item, open } => {
                        let w = &protocol.windows[item];
                        if let (true, WindowEffect::Normalisation { prune_fraction, .. }) =
                            (open, w.effect)
                        {
                            interventions::prune(backend, &mut st, prune_fraction)?;
                            interventions::apply_vessels(backend, &mut st, &cond)?;
                        }
                    }
                }
            }
            let until = events
                .get(st.next_event)
                .map_or(protocol.duration_s, |e| e.time_s.min(protocol.duration_s))
                .min(
                    protocol
                        .snapshot_times_s
                        .get(st.next_snapshot)
                        .copied()
                        .unwrap_or(f64::INFINITY),
                );
            let dt = protocol.time_step_s.min(until - st.t).max(EPS_S);
            let solve_start = Instant::now();
            // Kill over the step: drug exposure and ROS above the damage threshold.
            backend.field_fill(st.kill, 0.0)?;
            let killed = fields::drugs(sc, protocol, &cond, backend, &mut st, dt)?;
            settle::slow_step(sc, params, &cond, backend, &mut st, dt, killed)?;
            st.t += dt;
            let elapsed = solve_start.elapsed().as_secs_f64();
            let row = st.row(backend, protocol, String::new(), elapsed)?;
            progress.step(
                st.t,
                &format!(
                    "median pO2 {:.2} mmHg, viable {:.4}, log10 kill {:.3}",
                    row.median_po2_mmhg, row.viable_fraction, row.log10_cell_kill
                ),
            );
            st.rows.push(row);
            let moved = backend.counters().since(&at_step);
            if step_counters.steps == 0 {
                step_counters.first_step_bytes = moved.bytes();
            } else {
                step_counters.max_bytes_per_step =
                    step_counters.max_bytes_per_step.max(moved.bytes());
            }
            step_counters.steps += 1;
            step_counters.total.add(&moved);
            snapshot(backend, &mut st)?;
            if let (Some(e), Some(next)) = (every, next_checkpoint) {
                if st.t >= next - EPS_S {
                    save(backend, &st)?;
                    next_checkpoint = Some(next_multiple(st.t, e));
                }
            }
        }
        // Events at the very end (a window closing with the run) are listed; they change
        // nothing more.
        label_due(protocol, &events, &mut st);
        if every.is_some() {
            save(backend, &st)?;
        }
        finish(backend, &mut st, true, step_counters)
    })();
    st.free(backend);
    result
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
    backend.tissue_irradiate(&u, st.po2, map)?;
    if let Some(m) = map {
        backend.field_free(m);
    }
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
        vessels_sv: problem.sv,
        time_s: st.t,
        finished,
    })
}
