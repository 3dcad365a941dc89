//! The evolving state of a protocol run, resident on the backend: every field is a
//! [`Field`] handle; the host keeps the scalars (time, indices, the timeline rows). How
//! a run starts (a fresh solve at t = 0, or a checkpoint), and what crosses to the host
//! at checkpoints and at the end.

use super::checkpoint::Checkpoint;
use super::endpoints::Endpoints;
use crate::assemble::assemble;
use crate::backend::o2_coefficients::{Consuming, TissueMask};
use crate::backend::stats::Reduce;
use crate::backend::tissue::{hif_target, TissueFields, TissueHandles, TissueUniforms};
use crate::backend::{Field, FieldProblem, O2Backend};
use crate::config::Scenario;
use crate::drugs::resident::DrugFields;
use crate::grid::Grid;
use crate::npy;
use crate::output::timeline::Row;
use crate::physics::tissue::TissueParams;
use crate::problem::O2Problem;
use crate::protocol::Protocol;
use crate::ros::resident::RosFields;
use crate::ros::transient::RosState;
use crate::{Error, Result};
use std::path::Path;

/// Fields of a state whose rings exchange O2 at their own conductance.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WeightedWalls {
    /// φ: O2 exchange area over wall area per voxel.
    pub(crate) factor: Field,
    /// The wall Sv under the step's windows (1/µm).
    pub(crate) solute_sv: Field,
}

/// φ = Sv/Sv_wall of a problem whose rings are weighted (1 where there is no wall).
fn exchange_factor(p: &O2Problem) -> Option<Vec<f32>> {
    let wall = p.wall_sv.as_ref()?;
    Some(
        p.sv.iter()
            .zip(wall)
            .map(|(&s, &w)| if w > 0.0 { s / w } else { 1.0 })
            .collect(),
    )
}

/// The state at the end of a step (or at t = 0).
pub(super) struct State {
    /// The O2 problem on the backend: `sv` and `pb` the effective wall coefficients of
    /// the step (vessels under the open windows), `viable` the respiring cells
    /// n + l less the glycolytic share, `fixed` the scenario's fixed values.
    pub(crate) o2: FieldProblem,
    /// pO2 (mmHg), solved in place.
    pub(crate) po2: Field,
    /// pO2 before the last re-solve (reoxygenation ROS).
    pub(crate) po2_previous: Field,
    /// Vessel wall area per volume Sv of the vessels as they stand (after pruning and
    /// angiogenesis), before window factors.
    pub(crate) vessel_sv: Field,
    /// With `[vessels.wall]` weighting the rings: each voxel's O2 exchange area over
    /// its wall area φ (1 where there is no wall at t = 0), and the wall Sv under the
    /// windows that drugs and ROS cross (`o2.sv` is then Sv·perfusion·φ).
    pub(crate) weighted: Option<WeightedWalls>,
    /// Blood pO2 at the walls of those vessels (mmHg), before window changes.
    pub(crate) vessel_pb: Field,
    /// n, d, l, h and the region where they evolve (tissue at t = 0).
    pub(crate) tissue: TissueHandles,
    /// 1 where the O2 statistics count (cells respire, voxel free), else 0.
    pub(crate) mask: Field,
    /// Per-voxel log-kill accumulated over a step (drugs, ROS).
    pub(crate) kill: Field,
    /// Voxels of the region.
    pub(crate) region_count: f64,
    /// Σ n over the region at t = 0.
    pub(crate) n0_total: f64,
    /// ROS and GSH with their working fields, and the production field, when ROS is on.
    pub(crate) ros: Option<(RosFields, Field)>,
    /// Simulated time (s).
    pub(crate) t: f64,
    /// Index of the next event.
    pub(crate) next_event: usize,
    /// Index of the next snapshot time.
    pub(crate) next_snapshot: usize,
    /// Timeline rows so far.
    pub(crate) rows: Vec<Row>,
    /// The fields of each drug of the protocol.
    pub(crate) drugs: Vec<DrugFields>,
    /// The radiotherapy endpoints' masks and records (`endpoints.rs`).
    pub(crate) endpoints: Endpoints,
}

/// What [`State::new`] uploads: the host arrays of a fresh start or a checkpoint.
struct Start {
    problem: O2Problem,
    /// φ of the scenario's walls at t = 0 ([`exchange_factor`]), when weighted: kept
    /// as computed then, so that a resumed run multiplies regrown wall as the
    /// uninterrupted one does.
    phi: Option<Vec<f32>>,
    po2: Vec<f32>,
    region: Vec<u32>,
    tissue: TissueFields,
    ros: Option<RosState>,
    drugs: Vec<crate::drugs::DrugState>,
}

impl State {
    /// The state at t = 0: O2 (coupled with blood transport when on) solved from the
    /// scenario, then, with ROS on, the R–G steady state solved on the backend.
    pub(crate) fn initial(
        sc: &Scenario,
        protocol: &Protocol,
        backend: &mut dyn O2Backend,
    ) -> Result<State> {
        let mut assembled = assemble(sc)?;
        let (po2, _, _) = crate::run::solve_o2(backend, &mut assembled, &sc.solve_options())?;
        let problem = assembled.problem;
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
        let phi = exchange_factor(&problem);
        let mut st = State::new(
            backend,
            Start {
                problem,
                phi,
                po2,
                region,
                tissue,
                ros: None,
                drugs: Vec::new(),
            },
            sc,
            protocol,
            None,
        )?;
        if sc.spec.ros.enabled {
            st.start_ros(sc, backend)?;
        }
        st.n0_total = st.viable_total(backend)?;
        Ok(st)
    }

    /// The state of checkpoint `c` (read from `file`), on the problem of `sc`.
    pub(crate) fn resume(
        sc: &Scenario,
        protocol: &Protocol,
        params: &super::TherapyParams,
        backend: &mut dyn O2Backend,
        c: Checkpoint,
        file: &Path,
    ) -> Result<State> {
        let mut problem = assemble(sc)?.problem;
        let len = problem.grid.len();
        if c.len() != len
            || c.endpoints.band.len() != len
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
        // The checkpoint holds the wall Sv; the O2 exchange keeps the scenario's φ.
        let phi = exchange_factor(&problem);
        if let Some(phi) = &phi {
            problem.sv = c.sv.iter().zip(phi).map(|(&w, &f)| w * f).collect();
            problem.wall_sv = Some(c.sv);
        } else {
            problem.sv = c.sv;
        }
        problem.pb = c.pb;
        problem.fixed = c.fixed;
        // The region is the tissue of t = 0: the scenario's viable cells, not fixed.
        let region = region(&problem);
        let tissue = TissueFields {
            viable: c.viable,
            dead: c.dead,
            doomed: c.doomed,
            hif: c.hif,
        };
        let mut st = State::new(
            backend,
            Start {
                problem,
                phi,
                po2: c.po2,
                region,
                tissue,
                ros: c.ros.map(|(ros, gsh)| RosState { ros, gsh }),
                drugs: c.drugs,
            },
            sc,
            protocol,
            Some(params.hif.glycolytic_switch),
        )?;
        st.endpoints.load(backend, c.endpoints)?;
        st.n0_total = c.n0_total;
        st.t = c.time_s;
        st.next_event = c.next_event;
        st.next_snapshot = c.next_snapshot;
        st.rows = c.rows;
        Ok(st)
    }

    /// Uploads `s` once: the fields of the run from here on stay on the backend. The
    /// O2 problem's cells are the scenario's on a fresh start (`glycolytic_switch`
    /// None), else made from the tissue state with that switch.
    fn new(
        backend: &mut dyn O2Backend,
        s: Start,
        sc: &Scenario,
        protocol: &Protocol,
        glycolytic_switch: Option<f64>,
    ) -> Result<State> {
        let p = &s.problem;
        let len = p.grid.len();
        let tissue = backend.tissue_load(&p.grid, &s.region, &s.tissue)?;
        let o2 = FieldProblem {
            grid: p.grid,
            params: p.params,
            faces: p.faces,
            sv: backend.field_from(&p.sv, "therapy.sv")?,
            pb: backend.field_from(&p.pb, "therapy.pb")?,
            viable: backend.field_alloc(len, "therapy.cells")?,
            fixed: backend.field_from(&p.fixed, "therapy.fixed")?,
        };
        let ros = match s.ros {
            Some(r) => {
                let f = RosFields::alloc(backend, len)?;
                backend.field_upload(f.ros, &r.ros)?;
                backend.field_upload(f.gsh, &r.gsh)?;
                Some((f, backend.field_alloc(len, "therapy.ros_production")?))
            }
            None => None,
        };
        let mut drug_fields = if s.drugs.is_empty() {
            (0..protocol.drugs.len())
                .map(|_| DrugFields::zero(backend, len))
                .collect::<Result<Vec<_>>>()?
        } else {
            s.drugs
                .iter()
                .map(|d| DrugFields::from_state(backend, d))
                .collect::<Result<Vec<_>>>()?
        };
        for (f, item) in drug_fields.iter_mut().zip(&protocol.drugs) {
            let d = item.params.diffusivity_um2_per_s;
            f.prepare(backend, p.grid, p.faces, &p.fixed, d)?;
        }
        let region_count = s.region.iter().filter(|&&r| r != 0).count() as f64;
        let endpoints = Endpoints::alloc(backend, sc, region_count)?;
        let mut st = State {
            endpoints,
            vessel_sv: backend.field_from(p.wall_area_sv(), "therapy.vessel_sv")?,
            weighted: match &s.phi {
                Some(phi) => Some(WeightedWalls {
                    factor: backend.field_from(phi, "therapy.exchange_factor")?,
                    solute_sv: backend.field_from(p.wall_area_sv(), "therapy.solute_sv")?,
                }),
                None => None,
            },
            vessel_pb: backend.field_from(&p.pb, "therapy.vessel_pb")?,
            po2: backend.field_from(&s.po2, "therapy.po2")?,
            po2_previous: backend.field_alloc(len, "therapy.po2_previous")?,
            mask: backend.field_alloc(len, "therapy.mask")?,
            kill: backend.field_alloc(len, "therapy.kill")?,
            region_count,
            o2,
            tissue,
            n0_total: 0.0,
            ros,
            t: 0.0,
            next_event: 0,
            next_snapshot: 0,
            rows: Vec::new(),
            drugs: drug_fields,
        };
        match glycolytic_switch {
            None => {
                backend.field_upload(st.o2.viable, &p.viable)?;
                st.refresh_mask(backend)?;
            }
            Some(switch) => st.update_cells(backend, switch)?,
        }
        Ok(st)
    }

    /// The O2 problem's geometry with the wall Sv other solutes cross (drugs, ROS).
    pub(crate) fn solutes(&self) -> FieldProblem {
        FieldProblem {
            sv: self.weighted.map_or(self.o2.sv, |w| w.solute_sv),
            ..self.o2
        }
    }

    /// The R–G steady state of the t = 0 field (production from the pO2, G from G0).
    fn start_ros(&mut self, sc: &Scenario, backend: &mut dyn O2Backend) -> Result<()> {
        let len = self.o2.grid.len();
        let mut fields = RosFields::alloc(backend, len)?;
        let production = backend.field_alloc(len, "therapy.ros_production")?;
        let params = sc.spec.ros.params();
        let solutes = self.solutes();
        crate::ros::resident::production(
            backend, &solutes, &params, self.po2, None, 0.0, production,
        )?;
        crate::ros::resident::steady_state(
            backend,
            &solutes,
            &params,
            production,
            &mut fields,
            &sc.ros_solve_options(),
        )?;
        self.ros = Some((fields, production));
        Ok(())
    }

    /// The O2 problem's cells from the tissue state (the respiring n + l less the
    /// glycolytic share φ·h), and the statistics mask from them.
    pub(crate) fn update_cells(&mut self, backend: &mut dyn O2Backend, switch: f64) -> Result<()> {
        let t = self.tissue;
        backend.pointwise(
            &Consuming {
                len: self.o2.grid.len(),
                switch_share: switch as f32,
            },
            &[t.viable, t.doomed, t.hif],
            &[self.o2.viable],
        )?;
        self.refresh_mask(backend)
    }

    fn refresh_mask(&mut self, backend: &mut dyn O2Backend) -> Result<()> {
        backend.pointwise(
            &TissueMask {
                len: self.o2.grid.len(),
            },
            &[self.o2.viable, self.o2.fixed],
            &[self.mask],
        )
    }

    /// Σ n over the region (a device reduction).
    pub(crate) fn viable_total(&self, backend: &mut dyn O2Backend) -> Result<f64> {
        let t = self.tissue;
        Ok(backend.reduce_masked(t.region, &[(t.viable, Reduce::Sum)])?[0])
    }

    /// The checkpoint of this state (whole fields read back: a checkpoint time).
    pub(crate) fn checkpoint(
        &self,
        backend: &mut dyn O2Backend,
        fingerprint: u64,
        kind: &str,
    ) -> Result<Checkpoint> {
        let tissue = backend.tissue_read()?;
        let ros = match &self.ros {
            Some((f, _)) => Some((backend.field_read(f.ros)?, backend.field_read(f.gsh)?)),
            None => None,
        };
        Ok(Checkpoint {
            fingerprint,
            backend: kind.to_string(),
            time_s: self.t,
            next_event: self.next_event,
            next_snapshot: self.next_snapshot,
            n0_total: self.n0_total,
            rows: self.rows.clone(),
            viable: tissue.viable,
            dead: tissue.dead,
            doomed: tissue.doomed,
            hif: tissue.hif,
            po2: backend.field_read(self.po2)?,
            sv: backend.field_read(self.vessel_sv)?,
            pb: backend.field_read(self.vessel_pb)?,
            fixed: backend.field_read(self.o2.fixed)?,
            ros,
            drugs: self
                .drugs
                .iter()
                .map(|d| d.read(backend))
                .collect::<Result<Vec<_>>>()?,
            endpoints: self.endpoints.state(backend)?,
        })
    }

    /// Frees the run's fields on the backend (the tissue state's stay with the
    /// backend's tissue kernels until their next load).
    pub(crate) fn free(&mut self, backend: &mut dyn O2Backend) {
        let o = self.o2;
        for f in [
            o.sv,
            o.pb,
            o.viable,
            o.fixed,
            self.po2,
            self.po2_previous,
            self.vessel_sv,
            self.vessel_pb,
            self.mask,
            self.kill,
        ] {
            backend.field_free(f);
        }
        if let Some(w) = self.weighted.take() {
            backend.field_free(w.factor);
            backend.field_free(w.solute_sv);
        }
        if let Some((ros, production)) = self.ros.take() {
            ros.free(backend);
            backend.field_free(production);
        }
        for d in self.drugs.drain(..) {
            d.free(backend);
        }
        self.endpoints.free(backend);
    }

    /// The O2 problem as it stands, on the host (outputs at the end).
    pub(crate) fn read_problem(&self, backend: &mut dyn O2Backend) -> Result<O2Problem> {
        let o = &self.o2;
        Ok(O2Problem {
            grid: o.grid,
            params: o.params,
            faces: o.faces,
            sv: backend.field_read(o.sv)?,
            wall_sv: match self.weighted {
                Some(w) => Some(backend.field_read(w.solute_sv)?),
                None => None,
            },
            pb: backend.field_read(o.pb)?,
            viable: backend.field_read(o.viable)?,
            fixed: backend.field_read(o.fixed)?,
            edge_width: [1.0; 3],
        })
    }
}

/// 1 for tissue voxels of `problem`, 0 elsewhere.
fn region(problem: &O2Problem) -> Vec<u32> {
    (0..problem.grid.len())
        .map(|i| u32::from(problem.is_tissue(i)))
        .collect()
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
