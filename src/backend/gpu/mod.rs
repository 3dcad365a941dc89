//! The GPU backend: WGSL compute kernels through wgpu. Fields live on the device; only
//! residual norms come back during a solve, and whole fields only when asked for.

mod context;
mod fault;
pub mod mg_transfer;
pub mod o2_fields;
pub mod o2_residual;
pub mod o2_smooth;
pub mod o2_step;
mod pipeline;
mod readback;
pub mod shaders;
pub mod stats;
pub mod store;
mod timing;
pub mod tissue;

pub use context::{adapters, describe, distinct_devices, is_software, CounterCells, GpuContext};

use super::tissue::{TissueFields, TissueUniforms};
use super::{BackendInfo, Counters, Field, FieldStore, O2Backend, TissueKernels};
use crate::grid::Grid;
use crate::problem::O2Problem;
use crate::{Error, Result};
use mg_transfer::{TransferBinding, WgMgTransfer};
use o2_fields::GpuO2Fields;
use o2_residual::{ResidualBinding, WgO2Residual};
use o2_smooth::{SmoothBinding, WgO2Smooth};
use o2_step::{StepBinding, WgO2Step};
use tissue::{GpuTissue, WgTissue};

/// Sweeps recorded per submit at most, to keep each submit short (OS watchdogs).
const SWEEPS_PER_SUBMIT: u32 = 25;

/// GPU backend state: the device, its pipelines, the loaded levels, and the tissue state
/// (apart from the levels, so O2 and ROS loads leave it alone).
#[derive(Debug)]
pub struct GpuBackend {
    ctx: GpuContext,
    smooth: WgO2Smooth,
    transfer: WgMgTransfer,
    step: WgO2Step,
    residual: WgO2Residual,
    tissue_kernels: WgTissue,
    loaded: Option<Loaded>,
    tissue: Option<GpuTissue>,
    store: store::GpuStore,
    stats: Option<stats::WgStats>,
}

#[derive(Debug)]
struct Level {
    fields: GpuO2Fields,
    smooth: SmoothBinding,
}

#[derive(Debug)]
struct Loaded {
    levels: Vec<Level>,
    /// transfers[l] binds level l to level l + 1.
    transfers: Vec<TransferBinding>,
    residual: ResidualBinding,
    step: StepBinding,
}

impl Loaded {
    /// Rewrites a problem on the same grids into the existing buffers, keeping every
    /// bind group; false (nothing changed) when the grids differ.
    fn reload(
        &mut self,
        ctx: &GpuContext,
        problem: &O2Problem,
        coarse: &[O2Problem],
        po2: &[f32],
    ) -> bool {
        let problems: Vec<&O2Problem> = std::iter::once(problem).chain(coarse).collect();
        if problems.len() != self.levels.len()
            || po2.len() != problem.grid.len()
            || !problems
                .iter()
                .zip(&self.levels)
                .all(|(p, l)| l.fields.fits(p))
        {
            return false;
        }
        for (l, (p, level)) in problems.iter().zip(&mut self.levels).enumerate() {
            level.fields.rewrite(ctx, p, (l == 0).then_some(po2), l > 0);
        }
        true
    }
}

impl GpuBackend {
    /// A backend on an opened device; builds every pipeline once.
    pub fn new(ctx: GpuContext) -> Result<Self> {
        Ok(GpuBackend {
            smooth: WgO2Smooth::new(&ctx)?,
            transfer: WgMgTransfer::new(&ctx)?,
            step: WgO2Step::new(&ctx)?,
            residual: WgO2Residual::new(&ctx)?,
            tissue_kernels: WgTissue::new(&ctx)?,
            ctx,
            loaded: None,
            tissue: None,
            store: store::GpuStore::default(),
            stats: Default::default(),
        })
    }

    /// The device this backend runs on.
    pub fn context(&self) -> &GpuContext {
        &self.ctx
    }

    fn loaded(&self) -> Result<&Loaded> {
        self.loaded
            .as_ref()
            .ok_or_else(|| Error::Gpu("GPU backend used before load()".into()))
    }

    fn tissue(&self) -> Result<&GpuTissue> {
        self.tissue
            .as_ref()
            .ok_or_else(|| Error::Gpu("GPU tissue kernels used before tissue_load()".into()))
    }

    /// Writes ω and Δt into the uniforms of `level` (only when they change).
    fn set_scalars(&mut self, level: usize, omega: f32, dt: f32) -> Result<()> {
        let loaded = self
            .loaded
            .as_mut()
            .ok_or_else(|| Error::Gpu("GPU backend used before load()".into()))?;
        loaded.levels[level]
            .fields
            .set_scalars(&self.ctx, omega, dt);
        Ok(())
    }

    /// Records `total` repetitions in submits of at most [`SWEEPS_PER_SUBMIT`], so that
    /// each submit stays short.
    fn submit_chunked(
        &self,
        label: &str,
        total: u32,
        record: impl Fn(&mut wgpu::CommandEncoder, u32),
    ) {
        let mut left = total;
        while left > 0 {
            let n = left.min(SWEEPS_PER_SUBMIT);
            self.submit(label, |enc| record(enc, n));
            left -= n;
        }
    }

    fn submit(&self, label: &str, record: impl FnOnce(&mut wgpu::CommandEncoder)) {
        let mut enc = self
            .ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) });
        record(&mut enc);
        self.ctx.queue.submit([enc.finish()]);
    }
}

impl O2Backend for GpuBackend {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            kind: "gpu",
            adapter: describe(&self.ctx.info),
        }
    }

    fn load(&mut self, problem: &O2Problem, coarse: &[O2Problem], po2: &[f32]) -> Result<()> {
        if let Some(loaded) = self.loaded.as_mut() {
            if loaded.reload(&self.ctx, problem, coarse, po2) {
                return Ok(());
            }
        }
        self.loaded = None; // free the previous problem's buffers first
        let mut levels = Vec::with_capacity(1 + coarse.len());
        for (l, p) in std::iter::once(problem).chain(coarse).enumerate() {
            let init;
            let field = if l == 0 {
                po2
            } else {
                init = vec![0.0f32; p.grid.len()];
                &init
            };
            let fields = GpuO2Fields::upload(&self.ctx, p, field, l > 0)?;
            let smooth = self.smooth.bind(&self.ctx, &fields)?;
            levels.push(Level { fields, smooth });
        }
        let transfers = levels
            .windows(2)
            .map(|w| self.transfer.bind(&self.ctx, &w[0].fields, &w[1].fields))
            .collect::<Result<Vec<_>>>()?;
        let residual = self.residual.bind(&self.ctx, &levels[0].fields);
        let step = self.step.bind(&self.ctx, &levels[0].fields)?;
        self.loaded = Some(Loaded {
            levels,
            transfers,
            residual,
            step,
        });
        Ok(())
    }

    fn levels(&self) -> usize {
        self.loaded.as_ref().map_or(0, |l| l.levels.len())
    }

    fn write_o2(&mut self, po2: &[f32]) -> Result<()> {
        let l = &self.loaded()?.levels[0];
        assert_eq!(po2.len(), l.fields.len, "field length");
        self.ctx
            .queue
            .write_buffer(&l.fields.po2, 0, bytemuck::cast_slice(po2));
        Ok(())
    }

    fn read_o2(&mut self) -> Result<Vec<f32>> {
        let l = &self.loaded()?.levels[0];
        readback::read_f32(&self.ctx, &l.fields.po2, l.fields.len)
    }

    fn smooth(&mut self, level: usize, sweeps: u32, omega: f32) -> Result<()> {
        self.set_scalars(level, omega, 0.0)?;
        let l = &self.loaded()?.levels[level];
        self.submit_chunked("oxyfield.o2_sweeps", sweeps, |enc, n| {
            self.smooth.record(enc, &l.smooth, n, None)
        });
        Ok(())
    }

    fn restrict(&mut self, level: usize) -> Result<()> {
        let t = &self.loaded()?.transfers[level];
        self.submit("oxyfield.mg_restrict", |enc| {
            self.transfer.record_restrict(enc, t)
        });
        Ok(())
    }

    fn prolong(&mut self, level: usize) -> Result<()> {
        let t = &self.loaded()?.transfers[level];
        self.submit("oxyfield.mg_prolong", |enc| {
            self.transfer.record_prolong(enc, t)
        });
        Ok(())
    }

    fn residual_sq_sum(&mut self) -> Result<f64> {
        self.residual.run(&self.ctx, &self.loaded()?.residual)
    }

    fn step_explicit(&mut self, steps: u32, dt: f32) -> Result<()> {
        let omega = self.loaded()?.levels[0].fields.params.omega;
        self.set_scalars(0, omega, dt)?;
        let l = self.loaded()?;
        self.submit_chunked("oxyfield.o2_step", steps, |enc, n| {
            self.step.record(enc, &l.step, &l.levels[0].fields, n)
        });
        Ok(())
    }

    fn timed_smooth(&mut self, sweeps: u32, omega: f32) -> Result<(f64, &'static str)> {
        self.set_scalars(0, omega, 0.0)?;
        let l = &self.loaded()?.levels[0];
        timing::time_pass(&self.ctx, |enc, ts| {
            self.smooth.record(enc, &l.smooth, sweeps, ts)
        })
    }

    fn copy_bandwidth(&mut self, bytes: usize) -> Result<f64> {
        timing::copy_bandwidth(&self.ctx, bytes)
    }

    fn buffer_limit_bytes(&self) -> Option<u64> {
        let l = self.ctx.device.limits();
        Some(l.max_storage_buffer_binding_size.min(l.max_buffer_size))
    }
}

impl FieldStore for GpuBackend {
    fn field_alloc(&mut self, len: usize, label: &'static str) -> Result<Field> {
        self.store.alloc(&self.ctx, len, label)
    }

    fn field_free(&mut self, f: Field) {
        self.store.free(f);
    }

    fn field_upload(&mut self, f: Field, data: &[f32]) -> Result<()> {
        self.store.upload(&self.ctx, f, data);
        Ok(())
    }

    fn field_read(&mut self, f: Field) -> Result<Vec<f32>> {
        self.store.read(&self.ctx, f)
    }

    fn field_copy(&mut self, src: Field, dst: Field) -> Result<()> {
        self.store.copy(&self.ctx, src, dst);
        Ok(())
    }

    fn field_fill(&mut self, f: Field, value: f32) -> Result<()> {
        self.store.fill(&self.ctx, f, value);
        Ok(())
    }

    fn counters(&self) -> Counters {
        self.ctx.counters.read()
    }
}

impl TissueKernels for GpuBackend {
    fn tissue_load(&mut self, grid: &Grid, region: &[u32], state: &TissueFields) -> Result<()> {
        self.tissue = None; // free the previous state's buffers first
        self.tissue = Some(self.tissue_kernels.load(&self.ctx, grid, region, state)?);
        Ok(())
    }

    /// Panics, like the CPU twin, when `u` asks for a dose map and none is given (a
    /// programming error); returns an error when used before `tissue_load` or with
    /// uniforms for another grid.
    fn tissue_irradiate(
        &mut self,
        u: &TissueUniforms,
        po2: &[f32],
        dose_map: Option<&[f32]>,
    ) -> Result<()> {
        self.tissue_kernels
            .irradiate(&self.ctx, self.tissue()?, u, po2, dose_map)
    }

    fn tissue_kill(&mut self, log_kill: &[f32]) -> Result<()> {
        self.tissue_kernels
            .kill(&self.ctx, self.tissue()?, log_kill)
    }

    fn tissue_step(&mut self, u: &TissueUniforms, po2: &[f32]) -> Result<()> {
        self.tissue_kernels.step(&self.ctx, self.tissue()?, u, po2)
    }

    fn tissue_read(&mut self) -> Result<TissueFields> {
        self.tissue()?.read(&self.ctx)
    }
}
