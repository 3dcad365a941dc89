//! The evolving state of a protocol run, how it starts (a fresh solve at t = 0, or a
//! checkpoint), and the timeline row it gives.

use super::checkpoint::Checkpoint;
use super::timeline::{DrugColumns, Row};
use crate::assemble::assemble;
use crate::backend::tissue::{hif_target, TissueFields, TissueUniforms};
use crate::backend::O2Backend;
use crate::config::Scenario;
use crate::drugs::DrugState;
use crate::grid::Grid;
use crate::metrics;
use crate::output::npy;
use crate::physics::tissue::TissueParams;
use crate::problem::O2Problem;
use crate::protocol::Protocol;
use crate::ros::steady::solve_steady_state;
use crate::ros::transient::RosState;
use crate::ros::RosSources;
use crate::{Error, Result};
use std::path::Path;

/// The state at the end of a step (or at t = 0).
pub(super) struct State {
    /// The O2 problem; `viable` follows the respiring cells n + l after every step.
    pub problem: O2Problem,
    /// 1 where the tissue state evolves: tissue at t = 0.
    pub region: Vec<u32>,
    /// Vessel wall area per volume Sv of the vessels as they stand (after pruning and
    /// angiogenesis), before window factors; `problem.sv` is the effective one.
    pub vessel_sv: Vec<f32>,
    /// Blood pO2 at the walls of those vessels (mmHg), before window changes.
    pub vessel_pb: Vec<f32>,
    /// n, d and l (the host copy of the backend's state).
    pub tissue: TissueFields,
    /// Σ n over the region at t = 0.
    pub n0_total: f64,
    /// pO2 (mmHg).
    pub po2: Vec<f32>,
    /// ROS and GSH, when on.
    pub ros: Option<RosState>,
    /// Simulated time (s).
    pub t: f64,
    /// Index of the next event.
    pub next_event: usize,
    /// Index of the next snapshot time.
    pub next_snapshot: usize,
    /// Timeline rows so far.
    pub rows: Vec<Row>,
    /// The fields of each drug of the protocol.
    pub drugs: Vec<DrugState>,
}

impl State {
    /// The state at t = 0: O2 (coupled with blood transport when on) and, with ROS on,
    /// the R–G steady state solved from the scenario.
    pub fn initial(
        sc: &Scenario,
        protocol: &Protocol,
        backend: &mut dyn O2Backend,
    ) -> Result<State> {
        let mut assembled = assemble(sc)?;
        let (po2, _, _) = crate::run::solve_o2(backend, &mut assembled, &sc.solve_options())?;
        let problem = assembled.problem;
        let ros = if sc.spec.ros.enabled {
            let s = solve_steady_state(
                backend,
                &problem,
                &sc.spec.ros.params(),
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
        let region = region(&problem);
        let len = problem.grid.len();
        // HIF at its untreated target of the t = 0 pO2.
        let u = TissueUniforms::step(
            &problem.grid,
            &TissueParams::default(),
            &sc.spec.hif.effects().params,
            1.0,
            1.0,
        );
        let hif = (0..len)
            .map(|i| {
                if region[i] != 0 {
                    hif_target(&u, po2[i])
                } else {
                    0.0
                }
            })
            .collect();
        let tissue = TissueFields::all_viable(problem.viable.clone(), hif);
        Ok(State {
            vessel_sv: problem.sv.clone(),
            vessel_pb: problem.pb.clone(),
            n0_total: total(&tissue.viable, &region),
            region,
            problem,
            tissue,
            po2,
            ros,
            t: 0.0,
            next_event: 0,
            next_snapshot: 0,
            rows: Vec::new(),
            drugs: vec![DrugState::zero(len); protocol.drugs.len()],
        })
    }

    /// The state of checkpoint `c` (read from `file`), on the problem of `sc`.
    pub fn resume(
        sc: &Scenario,
        protocol: &Protocol,
        params: &super::TherapyParams,
        c: Checkpoint,
        file: &Path,
    ) -> Result<State> {
        let mut problem = assemble(sc)?.problem;
        let len = problem.grid.len();
        if c.len() != len
            || c.ros.is_some() != sc.spec.ros.enabled
            || c.drugs.len() != protocol.drugs.len()
        {
            return Err(Error::input(
                file,
                format!(
                    "holds {} voxels{}, but the scenario has {len}{}; resume with the \
                     scenario and protocol of the interrupted run",
                    c.len(),
                    if c.ros.is_some() { " with ROS" } else { "" },
                    if sc.spec.ros.enabled { " with ROS" } else { "" },
                ),
            ));
        }
        problem.sv.clone_from(&c.sv);
        problem.pb.clone_from(&c.pb);
        problem.fixed = c.fixed;
        // The region is the tissue of t = 0: the scenario's viable cells, not fixed.
        let region = region(&problem);
        let tissue = TissueFields {
            viable: c.viable,
            dead: c.dead,
            doomed: c.doomed,
            hif: c.hif,
        };
        problem.viable = super::fields::consuming(&tissue, params.hif.glycolytic_switch);
        Ok(State {
            vessel_sv: c.sv,
            vessel_pb: c.pb,
            problem,
            region,
            tissue,
            n0_total: c.n0_total,
            po2: c.po2,
            ros: c.ros.map(|(ros, gsh)| RosState { ros, gsh }),
            t: c.time_s,
            next_event: c.next_event,
            next_snapshot: c.next_snapshot,
            rows: c.rows,
            drugs: c.drugs,
        })
    }

    /// The checkpoint of this state.
    pub fn checkpoint(&self, fingerprint: u64, backend: &str) -> Checkpoint {
        Checkpoint {
            fingerprint,
            backend: backend.to_string(),
            time_s: self.t,
            next_event: self.next_event,
            next_snapshot: self.next_snapshot,
            n0_total: self.n0_total,
            rows: self.rows.clone(),
            viable: self.tissue.viable.clone(),
            dead: self.tissue.dead.clone(),
            doomed: self.tissue.doomed.clone(),
            hif: self.tissue.hif.clone(),
            po2: self.po2.clone(),
            sv: self.vessel_sv.clone(),
            pb: self.vessel_pb.clone(),
            fixed: self.problem.fixed.clone(),
            ros: self.ros.as_ref().map(|r| (r.ros.clone(), r.gsh.clone())),
            drugs: self.drugs.clone(),
        }
    }

    /// Σ n over the region.
    pub fn viable_total(&self) -> f64 {
        total(&self.tissue.viable, &self.region)
    }

    /// The timeline row of the current state.
    pub fn row(&self, protocol: &Protocol, events: String, solve_seconds: f64) -> Row {
        let s = metrics::o2_stats(&self.problem, &self.po2);
        let count = self.region.iter().filter(|&&r| r != 0).count().max(1) as f64;
        let left = total(&self.tissue.viable, &self.region);
        // Over tissue, as in `summary.json` (viable cells present, not fixed).
        let mean_ros_um = self.ros.as_ref().map(|r| {
            let (sum, count) = (0..r.ros.len())
                .filter(|&i| self.problem.is_tissue(i))
                .fold((0.0f64, 0usize), |(s, c), i| {
                    (s + f64::from(r.ros[i]), c + 1)
                });
            sum / count.max(1) as f64
        });
        Row {
            time_h: self.t / 3600.0,
            events,
            mean_po2_mmhg: s.mean,
            median_po2_mmhg: s.median,
            hypoxic_fraction: s.hypoxic_fraction,
            viable_fraction: left / count,
            dead_fraction: total(&self.tissue.dead, &self.region) / count,
            doomed_fraction: total(&self.tissue.doomed, &self.region) / count,
            mean_hif: total(&self.tissue.hif, &self.region) / count,
            mean_ros_um,
            log10_cell_kill: if left > 0.0 && self.n0_total > 0.0 {
                // + 0.0 turns −0 (nothing killed yet) into 0.
                -(left / self.n0_total).log10() + 0.0
            } else {
                f64::INFINITY
            },
            solve_seconds,
            drugs: protocol
                .drugs
                .iter()
                .zip(&self.drugs)
                .map(|(item, f)| {
                    let mean = |v: &[f32]| total(v, &self.region) / count;
                    let kappa = item.params.kill_per_um_h;
                    let survival: f64 = f
                        .exposure
                        .iter()
                        .zip(&self.region)
                        .filter(|(_, &r)| r != 0)
                        .map(|(&e, _)| (-kappa * f64::from(e)).exp())
                        .sum::<f64>()
                        / count;
                    DrugColumns {
                        name: item.name.clone(),
                        plasma_um: item.params.pk.plasma(&item.times_s, self.t),
                        mean_um: mean(&f.prodrug),
                        exposure_um_h: mean(&f.exposure),
                        log10_kill: -survival.max(f64::MIN_POSITIVE).log10() + 0.0,
                    }
                })
                .collect(),
        }
    }
}

/// 1 for tissue voxels of `problem`, 0 elsewhere.
fn region(problem: &O2Problem) -> Vec<u32> {
    (0..problem.grid.len())
        .map(|i| u32::from(problem.is_tissue(i)))
        .collect()
}

/// Σ `field` over the region.
fn total(field: &[f32], region: &[u32]) -> f64 {
    field
        .iter()
        .zip(region)
        .filter(|(_, &r)| r != 0)
        .map(|(&v, _)| f64::from(v))
        .sum()
}

/// The relative dose map of each radiotherapy item (`None`: uniform).
pub fn dose_maps(protocol: &Protocol, grid: &Grid) -> Result<Vec<Option<Vec<f32>>>> {
    protocol
        .radiotherapy
        .iter()
        .map(|item| {
            item.dose_map_npy
                .as_ref()
                .map(|path| read_dose_map(path, grid))
                .transpose()
        })
        .collect()
}

/// Reads a relative dose map of `grid`'s shape, every value finite and ≥ 0.
pub fn read_dose_map(path: &Path, grid: &Grid) -> Result<Vec<f32>> {
    let m = npy::read_field(path, grid)?;
    if let Some(i) = m.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
        let (x, y, z) = grid.ijk(i);
        return Err(Error::input(
            path,
            format!(
                "the dose map is {} at index [{z}, {y}, {x}]: relative doses must be \
                 finite and ≥ 0",
                m[i]
            ),
        ));
    }
    Ok(m)
}
