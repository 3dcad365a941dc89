//! The therapy orchestrator (MODEL.md §1, last point, and §4): advances the slow tissue
//! state through a [`Protocol`] in slow steps (default 1 h, shortened to land on
//! events), applying radiotherapy fractions at their times, and re-solves the fast
//! fields (O2, and ROS when on) warm-started after every step, so that killed cells
//! stop consuming and the tissue re-oxygenates between fractions.
//!
//! One step of length Δt from t:
//! 1. events at t: each radiotherapy fraction multiplies n by S(D·map, P) per voxel
//!    ([`LqParams`]) and moves the killed cells to d; with ROS on, the fraction's
//!    radiolytic burst runs through the transient ROS mode at the fraction's dose rate;
//! 2. tissue kinetics over Δt at the current pO2 ([`TissueState::step`]);
//! 3. O2 re-solved with the new viable fraction, warm-started from the last field;
//! 4. with ROS on: R re-solved with G held (production including reoxygenation, the
//!    rise of pO2 over the step), then G advanced over Δt in closed form.
//!
//! Blood pO2 at the walls is held at its value at t = 0 (with blood O2 transport, the
//! coupled solution at t = 0): perfusion changes belong to the interventions issue.

pub mod output;
pub mod progress;
pub mod timeline;

use crate::assemble::assemble;
use crate::backend::O2Backend;
use crate::config::Scenario;
use crate::metrics;
use crate::output::npy;
use crate::physics::radiotherapy::LqParams;
use crate::physics::tissue::{TissueParams, TissueState};
use crate::problem::O2Problem;
use crate::protocol::{EventKind, Protocol};
use crate::ros::steady::{solve_ros, solve_steady_state};
use crate::ros::transient::{self, RosState};
use crate::ros::{production_field, RosSources};
use crate::solver;
use crate::{Error, Result};
use std::path::Path;
use std::time::Instant;

/// Times closer than this (s) are the same time.
const EPS_S: f64 = 1e-6;
use timeline::Row;

/// What a protocol run ends with.
#[derive(Debug, Clone)]
pub struct TherapyResult {
    /// One row per step, the first at t = 0.
    pub rows: Vec<Row>,
    /// Final viable fraction n.
    pub viable: Vec<f32>,
    /// Final dead fraction d.
    pub dead: Vec<f32>,
    /// Final pO2 (mmHg).
    pub po2: Vec<f32>,
    /// Final ROS (µM) and GSH (mM), when ROS is on.
    pub ros: Option<RosState>,
}

/// Model parameters of a protocol run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TherapyParams {
    /// Radiation response.
    pub lq: LqParams,
    /// Slow tissue kinetics.
    pub tissue: TissueParams,
}

/// The evolving state.
struct State {
    problem: O2Problem,
    region: Vec<bool>,
    n: Vec<f32>,
    d: Vec<f32>,
    n0_total: f64,
    po2: Vec<f32>,
    ros: Option<RosState>,
}

/// Runs `protocol` on scenario `sc` with `backend`; returns the timeline and the final
/// fields (writing nothing: see [`timeline::write`]).
pub fn run_protocol(
    sc: &Scenario,
    protocol: &Protocol,
    params: &TherapyParams,
    backend: &mut dyn O2Backend,
    snapshot_dir: Option<&Path>,
) -> Result<TherapyResult> {
    if protocol.checkpoint_every_s.is_some() {
        log::warn!(
            "{}: checkpoints are not written yet in this version (`checkpoint_every` is \
             ignored)",
            protocol.origin
        );
    }
    let mut assembled = assemble(sc)?;
    let opts = sc.solve_options();
    let start = Instant::now();
    let (po2, _, _) = crate::run::solve_o2(backend, &mut assembled, &opts)?;
    let problem = assembled.problem;
    let region: Vec<bool> = (0..problem.grid.len())
        .map(|i| problem.is_tissue(i))
        .collect();
    let n = problem.viable.clone();
    let n0_total = total(&n, &region);
    let ros_params = sc.spec.ros.params();
    let ros = if sc.spec.ros.enabled {
        let s = solve_steady_state(
            backend,
            &problem,
            &ros_params,
            &RosSources {
                po2: &po2,
                po2_previous: None,
                dose_rate_gy_per_s: 0.0,
            },
            &sc.ros_solve_options(),
        )?;
        Some(RosState {
            ros: s.ros,
            gsh: s.gsh,
        })
    } else {
        None
    };
    let d = vec![0.0f32; n.len()];
    let mut st = State {
        problem,
        region,
        n,
        d,
        n0_total,
        po2,
        ros,
    };
    let maps = dose_maps(protocol, &st.problem)?;
    let events = protocol.events();
    let mut rows = vec![row(&st, 0.0, String::new(), start.elapsed().as_secs_f64())];
    let mut t = 0.0f64;
    let mut next = 0usize;
    let snapshots = &protocol.snapshot_times_s;
    let mut next_snapshot = 0usize;
    let snapshot = |st: &State, t: f64, next_snapshot: &mut usize| -> Result<()> {
        while *next_snapshot < snapshots.len() && snapshots[*next_snapshot] <= t + EPS_S {
            if let Some(dir) = snapshot_dir {
                output::write_snapshot(sc, dir, t, &st.po2, &st.n, st.ros.as_ref())?;
            }
            *next_snapshot += 1;
        }
        Ok(())
    };
    snapshot(&st, 0.0, &mut next_snapshot)?;
    let progress = progress::Progress::new(protocol.duration_s);
    while t < protocol.duration_s - EPS_S {
        let mut labels = Vec::new();
        while next < events.len() && events[next].time_s <= t + EPS_S {
            // Exhaustive on purpose: a new event kind must be handled here.
            let (item, dose_gy) = match events[next].kind {
                EventKind::Radiotherapy { item, dose_gy, .. } => (item, dose_gy),
            };
            irradiate(&mut st, &params.lq, dose_gy, maps[item].as_deref());
            if let Some(ros) = st.ros.as_mut() {
                let minutes = protocol.radiotherapy[item].fraction_minutes;
                let rate = dose_gy / (minutes * 60.0);
                let production = production_field(
                    &st.problem,
                    &ros_params,
                    &RosSources {
                        po2: &st.po2,
                        po2_previous: None,
                        dose_rate_gy_per_s: rate,
                    },
                );
                transient::advance(
                    backend,
                    &st.problem,
                    &ros_params,
                    &production,
                    ros,
                    minutes * 60.0,
                    transient::DEFAULT_CHUNK_S,
                )?;
            }
            labels.push(format!("rt {dose_gy} Gy"));
            next += 1;
        }
        let until = events
            .get(next)
            .map_or(protocol.duration_s, |e| e.time_s.min(protocol.duration_s))
            .min(
                snapshots
                    .get(next_snapshot)
                    .copied()
                    .unwrap_or(f64::INFINITY),
            );
        let dt = protocol.time_step_s.min(until - t).max(EPS_S);
        let solve_start = Instant::now();
        advance_tissue(&mut st, &params.tissue, dt);
        let previous = std::mem::take(&mut st.po2);
        st.problem.viable.clone_from(&st.n);
        solver::load(backend, &st.problem, opts.method, &previous)?;
        solver::solve_steady(backend, &st.problem, &opts)?;
        st.po2 = solver::read_finite(
            backend,
            &st.problem,
            &format!("at t = {} h", (t + dt) / 3600.0),
        )?;
        if let Some(ros) = st.ros.as_mut() {
            let production = production_field(
                &st.problem,
                &ros_params,
                &RosSources {
                    po2: &st.po2,
                    po2_previous: Some(&previous),
                    dose_rate_gy_per_s: 0.0,
                },
            );
            let r = solve_ros(
                backend,
                &st.problem,
                &ros_params,
                &production,
                &ros.gsh,
                Some(&ros.ros),
                &sc.ros_solve_options(),
            )?;
            ros.ros = r.ros;
            for i in 0..ros.gsh.len() {
                if !st.problem.is_fixed(i) {
                    ros.gsh[i] = ros_params.gsh_advance(ros.gsh[i], st.n[i], ros.ros[i], dt);
                }
            }
        }
        t += dt;
        rows.push(row(
            &st,
            t,
            labels.join(";"),
            solve_start.elapsed().as_secs_f64(),
        ));
        snapshot(&st, t, &mut next_snapshot)?;
        let last = &rows[rows.len() - 1];
        progress.step(
            t,
            &format!(
                "median pO2 {:.2} mmHg, viable {:.4}, log10 kill {:.3}",
                last.median_po2_mmhg, last.viable_fraction, last.log10_cell_kill
            ),
        );
    }
    Ok(TherapyResult {
        rows,
        viable: st.n,
        dead: st.d,
        po2: st.po2,
        ros: st.ros,
    })
}

/// Σ `field` over the region.
fn total(field: &[f32], region: &[bool]) -> f64 {
    field
        .iter()
        .zip(region)
        .filter(|(_, &r)| r)
        .map(|(&v, _)| f64::from(v))
        .sum()
}

/// The relative dose map of each radiotherapy item (`None`: uniform).
fn dose_maps(protocol: &Protocol, problem: &O2Problem) -> Result<Vec<Option<Vec<f32>>>> {
    protocol
        .radiotherapy
        .iter()
        .map(|item| {
            item.dose_map_npy
                .as_ref()
                .map(|path| {
                    let m = npy::read_field(path, &problem.grid)?;
                    if let Some(i) = m.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
                        let (x, y, z) = problem.grid.ijk(i);
                        return Err(Error::input(
                            path,
                            format!(
                                "the dose map is {} at index [{z}, {y}, {x}]: relative doses \
                                 must be finite and ≥ 0",
                                m[i]
                            ),
                        ));
                    }
                    Ok(m)
                })
                .transpose()
        })
        .collect()
}

/// Replaces the state of every voxel of the region by `f(voxel, state)`.
fn update_region(st: &mut State, f: impl Fn(usize, TissueState) -> TissueState) {
    for i in 0..st.n.len() {
        if !st.region[i] {
            continue;
        }
        let next = f(
            i,
            TissueState {
                n: f64::from(st.n[i]),
                d: f64::from(st.d[i]),
            },
        );
        st.n[i] = (next.n as f32).clamp(0.0, 1.0);
        st.d[i] = (next.d as f32).clamp(0.0, 1.0);
    }
}

/// Applies one fraction of `dose_gy` (times the map) at the current pO2.
fn irradiate(st: &mut State, lq: &LqParams, dose_gy: f64, map: Option<&[f32]>) {
    let po2 = std::mem::take(&mut st.po2);
    update_region(st, |i, s| {
        let dose = dose_gy * map.map_or(1.0, |m| f64::from(m[i]));
        s.irradiate(lq.survival(dose, f64::from(po2[i])))
    });
    st.po2 = po2;
}

/// Tissue kinetics over `dt` seconds at the current pO2.
fn advance_tissue(st: &mut State, p: &TissueParams, dt: f64) {
    let po2 = std::mem::take(&mut st.po2);
    update_region(st, |i, s| s.step(p, f64::from(po2[i]), dt));
    st.po2 = po2;
}

/// The timeline row of the current state.
fn row(st: &State, t: f64, events: String, solve_seconds: f64) -> Row {
    let s = metrics::o2_stats(&st.problem, &st.po2);
    let count = st.region.iter().filter(|&&r| r).count().max(1) as f64;
    let left = total(&st.n, &st.region);
    // Over tissue, as in `summary.json` (viable cells present, not fixed).
    let ros_mean = st.ros.as_ref().map(|r| {
        let (sum, count) = (0..r.ros.len())
            .filter(|&i| st.problem.is_tissue(i))
            .fold((0.0f64, 0usize), |(s, c), i| {
                (s + f64::from(r.ros[i]), c + 1)
            });
        sum / count.max(1) as f64
    });
    Row {
        time_h: t / 3600.0,
        events,
        mean_po2_mmhg: s.mean,
        median_po2_mmhg: s.median,
        hypoxic_fraction: s.hypoxic_fraction,
        viable_fraction: left / count,
        dead_fraction: total(&st.d, &st.region) / count,
        mean_ros_um: ros_mean,
        log10_cell_kill: if left > 0.0 && st.n0_total > 0.0 {
            // + 0.0 turns −0 (nothing killed yet) into 0.
            -(left / st.n0_total).log10() + 0.0
        } else {
            f64::INFINITY
        },
        solve_seconds,
    }
}
