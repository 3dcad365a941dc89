//! Backends: the CPU one (rayon; also the test oracle) and the GPU one (wgpu + WGSL).
//!
//! A backend owns the field data and runs kernels; the algorithm that strings kernels
//! together lives in [`crate::solver`] and is the same for both. The GPU backend keeps
//! fields on the device and returns only scalars until a field is asked for.

pub mod cpu;
pub mod drug_fields;
pub(crate) mod field;
pub mod gather;
pub mod gpu;
pub(crate) mod memory;
pub mod o2_coefficients;
pub mod pointwise;
pub mod ros_fields;
pub mod stats;
pub mod stencil;
pub mod tissue;

use crate::grid::Grid;
use crate::problem::O2Problem;
use crate::Result;
pub use field::{Counters, Field, FieldProblem};
pub use tissue::TissueHandles;
use tissue::{TissueFields, TissueUniforms};

/// The fields a backend holds for a run ([`Field`] handles). Kernels and solves take
/// handles; these are the only calls that move whole fields between host and backend,
/// and each is counted ([`FieldStore::counters`]).
pub trait FieldStore {
    /// A new field of `len` zeros; `label` names it in device tools and messages.
    fn field_alloc(&mut self, len: usize, label: &'static str) -> Result<Field>;
    /// Frees `f`; the handle must not be used again.
    fn field_free(&mut self, f: Field);
    /// Overwrites `f` with `data` (of its length).
    fn field_upload(&mut self, f: Field, data: &[f32]) -> Result<()>;
    /// Reads `f` back.
    fn field_read(&mut self, f: Field) -> Result<Vec<f32>>;
    /// Copies `src` into `dst` (of the same length) on the backend.
    fn field_copy(&mut self, src: Field, dst: Field) -> Result<()>;
    /// Sets every value of `f` to `value` on the backend.
    fn field_fill(&mut self, f: Field, value: f32) -> Result<()>;
    /// Bytes up and down, submits and dispatches since the backend was made.
    fn counters(&self) -> Counters;
    /// A new field holding `data` (freed again if the upload fails).
    fn field_from(&mut self, data: &[f32], label: &'static str) -> Result<Field> {
        let f = self.field_alloc(data.len(), label)?;
        if let Err(e) = self.field_upload(f, data) {
            self.field_free(f);
            return Err(e);
        }
        Ok(f)
    }
    /// [`FieldStore::field_from`] for each (data, label), in order; on an error the
    /// fields already made are freed, so nothing stays allocated.
    fn fields_from(&mut self, arrays: &[(&[f32], &'static str)]) -> Result<Vec<Field>> {
        all_or_none(self, arrays, |s, &(data, label)| s.field_from(data, label))
    }
    /// [`FieldStore::fields_from`] giving the arrays up: a backend that holds fields in
    /// host memory (the CPU) keeps them as they are, instead of a second copy, and a
    /// device backend uploads them and drops them. Counted as bytes up either way.
    fn fields_from_vecs(&mut self, arrays: Vec<(Vec<f32>, &'static str)>) -> Result<Vec<Field>> {
        all_or_none(self, arrays, |s, (data, label)| s.field_from(&data, label))
    }
    /// Whether fields are host arrays, so that [`FieldStore::fields_from_vecs`] and
    /// [`FieldStore::field_take`] move arrays rather than copy them and cannot fail.
    fn host_resident(&self) -> bool {
        false
    }
    /// Frees `f`, lent by [`FieldStore::fields_from_vecs`] on a host-resident backend,
    /// and hands its array back: not a transfer, so not counted (elsewhere, a read).
    fn field_reclaim(&mut self, f: Field) -> Result<Vec<f32>> {
        self.field_take(f)
    }
    /// Reads `f` back and frees it (the CPU hands its array over without a copy).
    fn field_take(&mut self, f: Field) -> Result<Vec<f32>> {
        let out = self.field_read(f);
        self.field_free(f);
        out
    }
}

/// A field from each item by `make`; on an error the fields already made are freed,
/// so nothing stays allocated.
fn all_or_none<S: FieldStore + ?Sized, T>(
    store: &mut S,
    items: impl IntoIterator<Item = T>,
    mut make: impl FnMut(&mut S, T) -> Result<Field>,
) -> Result<Vec<Field>> {
    let mut made = Vec::new();
    for item in items {
        match make(store, item) {
            Ok(f) => made.push(f),
            Err(e) => {
                for f in made {
                    store.field_free(f);
                }
                return Err(e);
            }
        }
    }
    Ok(made)
}

/// Which backend a run uses, as written on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendChoice {
    /// A hardware GPU when there is one, otherwise the CPU backend.
    Auto,
    /// The GPU backend on any adapter, software ones included.
    Gpu,
    /// The CPU backend.
    Cpu,
}

/// Which kind of backend ran a solve: written as `"cpu"` or `"gpu"` (`summary.json`
/// `backend.kind`, checkpoints, `bench --json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// The CPU backend.
    Cpu,
    /// The GPU backend (any adapter).
    Gpu,
}

impl BackendKind {
    /// `"cpu"` or `"gpu"`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            BackendKind::Cpu => "cpu",
            BackendKind::Gpu => "gpu",
        }
    }
}

impl std::fmt::Display for BackendKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What ran a solve, for logs and `summary.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct BackendInfo {
    /// CPU or GPU.
    pub kind: BackendKind,
    /// Adapter name and driver (GPU) or processor description (CPU).
    pub adapter: String,
}

/// The per-voxel tissue-state kernels (MODEL.md §4) of a protocol run. The state
/// (viable n, dead d and doomed l fractions, HIF h, and the region where they evolve)
/// lives in the backend's store ([`TissueHandles`]) apart from the loaded O2 levels, so
/// O2 and ROS solves in between leave it alone; the kernels read their inputs (pO2, dose
/// map, log-kill) from store fields too. The exact f32 updates are
/// `tissue::irradiate_voxel`, `tissue::kill_voxel` and `tissue::step_voxel`;
/// `shaders/tissue.wgsl` is their GPU form.
pub trait TissueKernels {
    /// Allocates the state's fields in the backend's store and uploads `region` (1/0)
    /// and `state` once; returns their handles. A second load frees the previous
    /// state's fields.
    fn tissue_load(
        &mut self,
        grid: &Grid,
        region: &[u32],
        state: &TissueFields,
    ) -> Result<TissueHandles>;
    /// One radiotherapy fraction at pO2 `po2` (mmHg) with the constants `u`
    /// ([`TissueUniforms::fraction`]); `dose_map` (relative dose per voxel) is used
    /// when `u` says so and must then be given.
    fn tissue_irradiate(
        &mut self,
        u: &TissueUniforms,
        po2: Field,
        dose_map: Option<Field>,
    ) -> Result<()>;
    /// A kill with per-voxel log-survival `log_kill` (drug exposure): n·(1 − e^(−x))
    /// moves from n to l, x = log_kill per voxel (`tissue::kill_voxel`).
    fn tissue_kill(&mut self, log_kill: Field) -> Result<()>;
    /// The kinetics over one slow step at pO2 `po2` with the constants `u`
    /// ([`TissueUniforms::step`]).
    fn tissue_step(&mut self, u: &TissueUniforms, po2: Field) -> Result<()>;
    /// Reads the state back (outputs and checkpoints only).
    fn tissue_read(&mut self) -> Result<TissueFields>;
}

/// The kernels a backend provides for the O2 field, on a hierarchy of levels (level 0
/// is the problem itself; levels 1.. are the multigrid coarse levels, none for SOR).
/// Every method has the same meaning on both backends; see the CPU twins in [`cpu`]
/// for the exact discrete updates. Every backend also runs the tissue kernels
/// ([`TissueKernels`]).
pub trait O2Backend:
    TissueKernels + FieldStore + pointwise::PointKernels + stats::StatsKernels
{
    /// Name and adapter.
    fn info(&self) -> BackendInfo;
    /// Takes the coefficient fields of `problem` and of its `coarse` levels (see
    /// [`crate::problem::hierarchy`]) and an initial field for level 0.
    fn load(&mut self, problem: &O2Problem, coarse: &[O2Problem], po2: &[f32]) -> Result<()>;
    /// Takes the resident `problem` with `solution` as its field (a warm start holding
    /// the fixed values): no copies; on a multigrid hierarchy (`multigrid`) the coarse
    /// levels' coefficients are made from the problem's fields on the backend
    /// (`mg_coarsen`). The solve then updates `solution` in place. A later
    /// [`FieldStore`] or kernel call on any of these fields may unload the problem
    /// (the CPU backend lends the arrays to the solver), so load again before the
    /// next solve.
    fn load_fields(
        &mut self,
        problem: &FieldProblem,
        solution: Field,
        multigrid: bool,
    ) -> Result<()>;
    /// ‖F(P₀)‖² of the loaded level 0 (mmHg²/s²), P₀ zero at free voxels and the fixed
    /// value at fixed ones: the solver's reference norm, squared.
    fn reference_sq_sum(&mut self) -> Result<f64>;
    /// Number of levels loaded.
    fn levels(&self) -> usize;
    /// Replaces the level-0 pO2 field (a warm start); fixed voxels must already hold
    /// their values.
    fn write_o2(&mut self, po2: &[f32]) -> Result<()>;
    /// Reads the level-0 pO2 field back (mmHg, C order).
    fn read_o2(&mut self) -> Result<Vec<f32>>;
    /// Runs `sweeps` full red–black sweeps on `level` with over-relaxation `omega`
    /// (1 = Gauss–Seidel), including the FAS source term on coarse levels.
    fn smooth(&mut self, level: usize, sweeps: u32, omega: f32) -> Result<()>;
    /// Multigrid restriction from `level` to `level + 1`: the residual field of
    /// `level`, the restricted pO2 and residual, and the coarse FAS source term.
    fn restrict(&mut self, level: usize) -> Result<()>;
    /// [`O2Backend::restrict`] from level 0, returning Σ F(P)² over the free voxels of
    /// level 0 (mmHg²/s²) as [`O2Backend::residual_sq_sum`] does: the norm of the
    /// residual field the restriction computes anyway, so that multigrid checks
    /// convergence without a residual pass of its own. Needs a hierarchy of two levels
    /// or more (multigrid calls it). The default restricts, then takes the norm.
    fn restrict_checked(&mut self) -> Result<f64> {
        self.restrict(0)?;
        self.residual_sq_sum()
    }
    /// Adds the interpolated correction of `level + 1` to `level`.
    fn prolong(&mut self, level: usize) -> Result<()>;
    /// Σ F(P)² over free voxels of level 0, F the pointwise residual (mmHg²/s²).
    fn residual_sq_sum(&mut self) -> Result<f64>;
    /// Advances level 0 by `steps` explicit (forward Euler) steps of `dt` seconds,
    /// P ← max(P + Δt·F(P), 0); see [`crate::solver::transient`] for the step bound.
    fn step_explicit(&mut self, steps: u32, dt: f32) -> Result<()>;
    /// Runs `sweeps` level-0 sweeps and times them: (seconds, how), `how` being
    /// `"timestamp"` (GPU timestamp queries around the pass) or `"wall"` (host clock
    /// around the sweeps and a wait for completion).
    fn timed_smooth(&mut self, sweeps: u32, omega: f32) -> Result<(f64, &'static str)>;
    /// Measured copy bandwidth of this device for a buffer of `bytes`: bytes read plus
    /// bytes written per second, best of several copies.
    fn copy_bandwidth(&mut self, bytes: usize) -> Result<f64>;
    /// The largest buffer the device holds (bytes; GPU: the smaller of the storage
    /// binding and buffer size limits); none on the CPU backend. See `memory`.
    fn buffer_limit_bytes(&self) -> Option<u64> {
        None
    }
    /// Opens a batch: until the matching [`O2Backend::batch_end`], the backend may hold
    /// back the work of [`O2Backend::smooth`], [`O2Backend::restrict`],
    /// [`O2Backend::prolong`], [`O2Backend::step_explicit`], the coarsening of
    /// [`O2Backend::load_fields`] and [`pointwise::PointKernels::pointwise`] and run it
    /// together with what follows (the GPU backend records it into one command buffer
    /// and submits it once, or in parts of about `SWEEPS_PER_SUBMIT` level-0 sweeps so
    /// that no submit runs long). Results are the same as without a batch: [`O2Backend::residual_sq_sum`]
    /// and [`O2Backend::restrict_checked`] run the held work first (in the same submit),
    /// and every other call runs it before doing anything. Batches nest; [`O2Backend::load`] belongs outside them. The
    /// default (CPU backend) runs each call at once.
    fn batch_begin(&mut self) {}
    /// Closes the batch [`O2Backend::batch_begin`] opened; the outermost one runs the
    /// held work (without waiting for it) and reports a device failure seen so far.
    fn batch_end(&mut self) -> Result<()> {
        Ok(())
    }
}

/// Opens the GPU backend on adapter `index` (the numbering of `oxyfield devices`).
pub fn open_device(index: usize) -> Result<Box<dyn O2Backend>> {
    Ok(Box::new(gpu::GpuBackend::new(
        gpu::GpuContext::open_index(index)?,
    )?))
}

/// Opens the backend `choice` asks for. With `Auto`, a hardware GPU is used when one
/// exists; software adapters (lavapipe, SwiftShader, WARP) are slower than the CPU
/// backend, so `Auto` falls back to the CPU and logs why. Naming an adapter with
/// `Auto` means that adapter, software or not.
pub fn open(choice: BackendChoice, adapter: Option<&str>) -> Result<Box<dyn O2Backend>> {
    match choice {
        BackendChoice::Cpu => Ok(Box::new(cpu::CpuBackend::new())),
        BackendChoice::Gpu => Ok(Box::new(gpu::GpuBackend::new(gpu::GpuContext::open(
            adapter, true,
        )?)?)),
        BackendChoice::Auto => match gpu::GpuContext::open(adapter, adapter.is_some()) {
            Ok(ctx) => Ok(Box::new(gpu::GpuBackend::new(ctx)?)),
            Err(e) => {
                log::info!("{e}; using the CPU backend");
                Ok(Box::new(cpu::CpuBackend::new()))
            }
        },
    }
}
