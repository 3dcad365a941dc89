//! The GPU backend: WGSL compute kernels through wgpu. Fields live on the device; only
//! residual norms come back during a solve, and whole fields only when asked for.

mod batch;
mod context;
mod fault;
pub mod layout;
pub(crate) mod mg_transfer;
pub(crate) mod o2_fields;
pub(crate) mod o2_residual;
pub(crate) mod o2_smooth;
pub(crate) mod o2_step;
mod pipeline;
pub(crate) mod pointwise;
mod readback;
pub mod shaders;
pub(crate) mod stats;
pub(crate) mod store;
mod timing;
pub(crate) mod tissue;

pub use context::{adapters, describe, distinct_devices, is_software, CounterCells, GpuContext};

use super::pointwise::{check_call, PointKernels, Pointwise};
use super::tissue::{TissueFields, TissueHandles, TissueUniforms};
use super::{BackendInfo, Counters, Field, FieldProblem, FieldStore, O2Backend, TissueKernels};
use crate::grid::Grid;
use crate::problem::O2Problem;
use crate::{Error, Result};
use batch::{level_bit, Pending};
use mg_transfer::{TransferBinding, WgMgTransfer};
use o2_fields::GpuO2Fields;
use o2_fields::O2ParamsGpu;
use o2_residual::{ResidualBinding, WgO2Residual};
use o2_smooth::{SmoothBinding, WgO2Smooth};
use o2_step::{StepBinding, WgO2Step};
use tissue::{GpuTissue, WgTissue};

/// Resident hierarchies kept besides the loaded one (the O2 and ROS problems and the
/// prodrug and metabolite problems of two drugs in a protocol step). Each holds its
/// coarse levels and level-0 work fields, ≈ 4 fields' worth (`backend::memory`).
const RESIDENT_CACHE: usize = 5;

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
    /// Resident hierarchies loaded before, by their fields (at most
    /// [`RESIDENT_CACHE`]): a protocol step alternates the O2, ROS and drug problems,
    /// and each keeps its coarse levels, bind groups and uniforms, so that switching
    /// back writes nothing.
    resident: Vec<Loaded>,
    tissue: Option<GpuTissue>,
    store: store::GpuStore,
    pointwise: pointwise::WgPointwise,
    pending: Pending,
    stats: Option<stats::WgStats>,
}

/// The loaded problem, or the error for a call before `load()`. (A free function, so
/// that it borrows only the field and [`Pending`] stays writable beside it.)
fn need(loaded: &Option<Loaded>) -> Result<&Loaded> {
    loaded
        .as_ref()
        .ok_or_else(|| Error::Gpu("GPU backend used before load()".into()))
}

#[derive(Debug)]
struct Level {
    fields: GpuO2Fields,
    smooth: SmoothBinding,
}

/// What a resident load bound: the grid, the fields (Sv, Pb, n, fixed, solution) and
/// whether it has coarse levels.
#[derive(Debug, Clone, Copy, PartialEq)]
struct ResidentKey {
    grid: Grid,
    fields: [Field; 5],
    multigrid: bool,
}

#[derive(Debug)]
struct Loaded {
    /// Set by [`O2Backend::load_fields`]: level 0 binds store buffers, which the legacy
    /// [`O2Backend::load`] must never overwrite.
    key: Option<ResidentKey>,
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
            resident: Vec::new(),
            tissue: None,
            store: store::GpuStore::default(),
            pointwise: pointwise::WgPointwise::default(),
            pending: Pending::default(),
            stats: Default::default(),
        })
    }

    /// The device this backend runs on.
    pub fn context(&self) -> &GpuContext {
        &self.ctx
    }

    fn loaded(&self) -> Result<&Loaded> {
        need(&self.loaded)
    }

    fn tissue(&self) -> Result<&GpuTissue> {
        self.tissue
            .as_ref()
            .ok_or_else(|| Error::Gpu("GPU tissue kernels used before tissue_load()".into()))
    }

    /// Writes ω and Δt into the uniforms of `level` (only when they change), after
    /// submitting recorded work that reads the old values.
    fn set_scalars(&mut self, level: usize, omega: f32, dt: f32) -> Result<()> {
        let sweeps = self.loaded()?.levels[level].fields.params.sweeps;
        self.set_scalars_and_sweeps(level, omega, dt, sweeps)
    }

    /// [`set_scalars`](Self::set_scalars) that also sets the sweeps of a one-dispatch
    /// smoothing of a small level.
    fn set_scalars_and_sweeps(
        &mut self,
        level: usize,
        omega: f32,
        dt: f32,
        sweeps: u32,
    ) -> Result<()> {
        let loaded = self
            .loaded
            .as_mut()
            .ok_or_else(|| Error::Gpu("GPU backend used before load()".into()))?;
        let fields = &mut loaded.levels[level].fields;
        let p = &fields.params;
        let changes = p.omega != omega || p.dt != dt || p.sweeps != sweeps;
        if changes && self.pending.scalars & level_bit(level) != 0 {
            self.pending.submit(&self.ctx);
        }
        fields.set_scalars(&self.ctx, omega, dt, sweeps);
        Ok(())
    }

    /// Submits the work recorded in an open batch, so that a call outside the batch's
    /// kernels sees it done in order.
    fn flush(&mut self) {
        self.pending.submit(&self.ctx);
    }
}

impl Loaded {
    /// The size of `level` relative to level 0 (a sweep there in level-0
    /// sweep-equivalents).
    fn size(&self, level: usize) -> f64 {
        self.levels[level].fields.len as f64 / self.levels[0].fields.len.max(1) as f64
    }
}

impl O2Backend for GpuBackend {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            kind: crate::backend::BackendKind::Gpu,
            adapter: describe(&self.ctx.info),
        }
    }

    fn load(&mut self, problem: &O2Problem, coarse: &[O2Problem], po2: &[f32]) -> Result<()> {
        // Loads belong outside batches; held work runs before the writes below.
        debug_assert_eq!(self.pending.depth, 0, "load inside a batch");
        self.flush();
        if let Some(loaded) = self.loaded.as_mut().filter(|l| l.key.is_none()) {
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
            key: None,
            levels,
            transfers,
            residual,
            step,
        });
        Ok(())
    }

    fn load_fields(
        &mut self,
        problem: &FieldProblem,
        solution: Field,
        multigrid: bool,
    ) -> Result<()> {
        self.flush();
        // A lost device fails here with its error (binding on it would panic).
        self.ctx.check()?;
        let [sv, pb, viable, fixed] = problem.fields();
        let all = [sv, pb, viable, fixed, solution];
        for (i, f) in all.iter().enumerate() {
            assert!(!all[..i].contains(f), "a field bound twice in one problem");
            assert_eq!(f.len(), problem.grid.len(), "field length");
        }
        let key = ResidentKey {
            grid: problem.grid,
            fields: [sv, pb, viable, fixed, solution],
            multigrid,
        };
        let shapes = if multigrid {
            crate::problem::hierarchy::level_shapes(&problem.grid)
        } else {
            vec![(problem.grid, [1.0; 3])]
        };
        let params: Vec<O2ParamsGpu> = shapes
            .iter()
            .enumerate()
            .map(|(l, (g, e))| {
                O2ParamsGpu::from_parts(g, &problem.params, problem.faces, *e, 1.0, l > 0)
            })
            .collect();
        let buffers = [solution, sv, pb, viable, fixed].map(|f| self.store.buffer(f).clone());
        if self.loaded.as_ref().is_none_or(|l| l.key != Some(key)) {
            // Keep the loaded hierarchy, and take this problem's back if kept.
            let kept = self.resident.iter().position(|l| l.key == Some(key));
            let previous = match kept {
                Some(i) => self.loaded.replace(self.resident.remove(i)),
                None => self.loaded.take(),
            };
            if let Some(p) = previous.filter(|p| p.key.is_some()) {
                self.resident.push(p);
                if self.resident.len() > RESIDENT_CACHE {
                    let oldest = self.resident.remove(0);
                    if self.loaded.is_none() {
                        // Rebind the oldest below rather than allocate anew.
                        self.loaded = Some(oldest);
                    }
                }
            }
        }
        let same_shape = self.loaded.as_ref().is_some_and(|l| {
            l.key
                .is_some_and(|k| k.grid == problem.grid && k.multigrid == multigrid)
        });
        if same_shape {
            let loaded = self.loaded.as_mut().expect("checked above");
            for (level, p) in loaded.levels.iter_mut().zip(&params) {
                level.fields.set_params(&self.ctx, *p);
            }
            // The coarsening's mixed-cell coupling follows D and Pw: the transfer
            // blocks of the coarse levels are rewritten below (level 0's when rebound).
            for (l, t) in loaded.transfers.iter_mut().enumerate().skip(1) {
                t.set_params(
                    &self.ctx,
                    &loaded.levels[l].fields,
                    &loaded.levels[l + 1].fields,
                );
            }
            if loaded.key != Some(key) {
                // Other fields on the same grid: level 0 binds them; the coarse levels
                // and every work buffer stay.
                let f = &mut loaded.levels[0].fields;
                [f.po2, f.sv, f.pb, f.viable, f.fixed] = buffers;
                loaded.levels[0].smooth = self.smooth.bind(&self.ctx, &loaded.levels[0].fields)?;
                if loaded.levels.len() > 1 {
                    loaded.transfers[0] = self.transfer.bind(
                        &self.ctx,
                        &loaded.levels[0].fields,
                        &loaded.levels[1].fields,
                    )?;
                }
                loaded.residual = self.residual.bind(&self.ctx, &loaded.levels[0].fields);
                loaded.step = self.step.bind(&self.ctx, &loaded.levels[0].fields)?;
                loaded.key = Some(key);
            } else if let Some(t) = loaded.transfers.first_mut() {
                t.set_params(
                    &self.ctx,
                    &loaded.levels[0].fields,
                    &loaded.levels[1].fields,
                );
            }
        } else {
            self.loaded = None; // free the previous hierarchy first
            let mut levels = Vec::with_capacity(shapes.len());
            for (l, ((g, _), p)) in shapes.iter().zip(&params).enumerate() {
                let main = (l == 0).then(|| [0, 1, 2, 3, 4].map(|i| &buffers[i]));
                let fields = GpuO2Fields::over(&self.ctx, *p, g.len(), main)?;
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
                key: Some(key),
                levels,
                transfers,
                residual,
                step,
            });
        }
        let loaded = need(&self.loaded)?;
        if !loaded.transfers.is_empty() {
            let enc = self.pending.encoder(&self.ctx, 0.5, 0);
            for t in &loaded.transfers {
                self.transfer.record_coarsen(enc, t);
            }
            self.ctx.counters.dispatch(loaded.transfers.len() as u64);
            self.pending.done(&self.ctx);
        }
        Ok(())
    }

    fn reference_sq_sum(&mut self) -> Result<f64> {
        // P₀ in place of the field: keep the field in resid (scratch on level 0), zero
        // it, hold the fixed values, take the residual norm and put the field back, in
        // one submit (nothing runs if recording fails, so the field stays either way).
        self.flush();
        let loaded = need(&self.loaded)?;
        let l = &loaded.levels[0].fields;
        let bytes = (l.len * 4) as u64;
        let mut enc = self.ctx.encoder("oxyfield.reference");
        enc.copy_buffer_to_buffer(&l.po2, 0, &l.resid, 0, bytes);
        enc.clear_buffer(&l.po2, 0, None);
        let apply = crate::backend::o2_coefficients::ApplyFixed { len: l.len };
        self.pointwise.record_buffers(
            &self.ctx,
            &mut enc,
            &apply,
            &[&l.fixed],
            &[&l.po2],
            l.len,
        )?;
        self.residual.record(&self.ctx, &mut enc, &loaded.residual);
        enc.copy_buffer_to_buffer(&l.resid, 0, &l.po2, 0, bytes);
        self.ctx.submit(enc);
        self.residual.read(&self.ctx, &loaded.residual)
    }

    fn levels(&self) -> usize {
        self.loaded.as_ref().map_or(0, |l| l.levels.len())
    }

    fn write_o2(&mut self, po2: &[f32]) -> Result<()> {
        self.flush();
        let l = &self.loaded()?.levels[0];
        assert_eq!(po2.len(), l.fields.len, "field length");
        self.ctx.write(&l.fields.po2, 0, bytemuck::cast_slice(po2));
        Ok(())
    }

    fn read_o2(&mut self) -> Result<Vec<f32>> {
        self.flush();
        let l = &self.loaded()?.levels[0];
        readback::read_f32(&self.ctx, &l.fields.po2, l.fields.len)
    }

    fn smooth(&mut self, level: usize, sweeps: u32, omega: f32) -> Result<()> {
        if sweeps == 0 {
            return Ok(());
        }
        if self.loaded()?.levels[level].smooth.small {
            // All the sweeps in one dispatch, which reads their number from the uniforms.
            self.set_scalars_and_sweeps(level, omega, 0.0, sweeps)?;
            let loaded = self.loaded.as_ref().expect("checked above");
            let (cost, b) = (loaded.size(level), &loaded.levels[level].smooth);
            let work = f64::from(sweeps) * cost;
            let enc = self.pending.encoder(&self.ctx, work, level_bit(level));
            self.smooth.record(&self.ctx, enc, b, sweeps, None);
            self.pending.done(&self.ctx);
            return Ok(());
        }
        self.set_scalars(level, omega, 0.0)?;
        let loaded = self.loaded.as_ref().expect("set_scalars checked load()");
        let (cost, b) = (loaded.size(level), &loaded.levels[level].smooth);
        let mut left = sweeps;
        while left > 0 {
            let n = self.pending.fit(&self.ctx, left, cost);
            let enc = self
                .pending
                .encoder(&self.ctx, f64::from(n) * cost, level_bit(level));
            self.smooth.record(&self.ctx, enc, b, n, None);
            left -= n;
        }
        self.pending.done(&self.ctx);
        Ok(())
    }

    fn restrict(&mut self, level: usize) -> Result<()> {
        let loaded = need(&self.loaded)?;
        // The fine residual field, then means onto a level an eighth the size.
        let enc = self.pending.encoder(&self.ctx, loaded.size(level), 0);
        self.transfer
            .record_restrict(&self.ctx, enc, &loaded.transfers[level]);
        self.pending.done(&self.ctx);
        Ok(())
    }

    /// The restriction, then the norm of the residual field it wrote (two dispatches
    /// over 4 bytes a voxel instead of a residual evaluation), submitted with the work
    /// before them; reads 4 bytes back.
    fn restrict_checked(&mut self) -> Result<f64> {
        self.restrict(0)?;
        let loaded = need(&self.loaded)?;
        let enc = self.pending.encoder(&self.ctx, 0.25, 0);
        self.residual.record_resid(&self.ctx, enc, &loaded.residual);
        self.pending.submit(&self.ctx);
        self.residual.read(&self.ctx, &loaded.residual)
    }

    fn prolong(&mut self, level: usize) -> Result<()> {
        let loaded = need(&self.loaded)?;
        let enc = self.pending.encoder(&self.ctx, 0.5 * loaded.size(level), 0);
        self.transfer
            .record_prolong(&self.ctx, enc, &loaded.transfers[level]);
        self.pending.done(&self.ctx);
        Ok(())
    }

    /// Records the norm after the work recorded so far and submits them together (one
    /// submit for a batched V-cycle and its check), then reads 4 bytes back.
    fn residual_sq_sum(&mut self) -> Result<f64> {
        let loaded = need(&self.loaded)?;
        let enc = self.pending.encoder(&self.ctx, 1.0, 0);
        self.residual.record(&self.ctx, enc, &loaded.residual);
        self.pending.submit(&self.ctx);
        self.residual.read(&self.ctx, &loaded.residual)
    }

    fn step_explicit(&mut self, steps: u32, dt: f32) -> Result<()> {
        let omega = self.loaded()?.levels[0].fields.params.omega;
        self.set_scalars(0, omega, dt)?;
        let l = self.loaded.as_ref().expect("set_scalars checked load()");
        let mut left = steps;
        while left > 0 {
            let n = self.pending.fit(&self.ctx, left, 1.0);
            let enc = self.pending.encoder(&self.ctx, f64::from(n), level_bit(0));
            self.step
                .record(&self.ctx, enc, &l.step, &l.levels[0].fields, n);
            left -= n;
        }
        self.pending.done(&self.ctx);
        Ok(())
    }

    fn timed_smooth(&mut self, sweeps: u32, omega: f32) -> Result<(f64, &'static str)> {
        self.flush();
        self.set_scalars_and_sweeps(0, omega, 0.0, sweeps)?;
        let l = &self.loaded()?.levels[0];
        timing::time_pass(&self.ctx, |enc, ts| {
            self.smooth.record(&self.ctx, enc, &l.smooth, sweeps, ts)
        })
    }

    fn copy_bandwidth(&mut self, bytes: usize) -> Result<f64> {
        self.flush();
        timing::copy_bandwidth(&self.ctx, bytes)
    }

    fn buffer_limit_bytes(&self) -> Option<u64> {
        let l = self.ctx.device.limits();
        Some(l.max_storage_buffer_binding_size.min(l.max_buffer_size))
    }

    fn batch_begin(&mut self) {
        self.pending.depth += 1;
    }

    fn batch_end(&mut self) -> Result<()> {
        self.pending.depth = self.pending.depth.saturating_sub(1);
        self.pending.done(&self.ctx);
        self.ctx.check()
    }
}

impl FieldStore for GpuBackend {
    fn field_alloc(&mut self, len: usize, label: &'static str) -> Result<Field> {
        self.store.alloc(&self.ctx, len, label)
    }

    fn field_free(&mut self, f: Field) {
        self.flush();
        // Hierarchies bound to the field go with it (they hold its buffer).
        let binds = |l: &Loaded| l.key.is_some_and(|k| k.fields.contains(&f));
        self.resident.retain(|l| !binds(l));
        if self.loaded.as_ref().is_some_and(binds) {
            self.loaded = None;
        }
        self.store.free(f);
    }

    fn field_upload(&mut self, f: Field, data: &[f32]) -> Result<()> {
        self.flush();
        self.store.upload(&self.ctx, f, data);
        Ok(())
    }

    fn field_read(&mut self, f: Field) -> Result<Vec<f32>> {
        self.flush();
        self.store.read(&self.ctx, f)
    }

    fn field_copy(&mut self, src: Field, dst: Field) -> Result<()> {
        self.flush();
        self.store.copy(&self.ctx, src, dst);
        Ok(())
    }

    fn field_fill(&mut self, f: Field, value: f32) -> Result<()> {
        self.flush();
        self.store.fill(&self.ctx, f, value);
        Ok(())
    }

    fn counters(&self) -> Counters {
        self.ctx.counters.read()
    }
}

impl PointKernels for GpuBackend {
    fn pointwise(
        &mut self,
        kernel: &dyn Pointwise,
        inputs: &[Field],
        outputs: &[Field],
    ) -> Result<()> {
        check_call(kernel, inputs, outputs);
        // Recorded into the pending work (held inside a batch, submitted at once
        // outside one); the same kernel twice in a batch submits between the two, since
        // each call writes its uniforms.
        let len = crate::backend::pointwise::call_len(kernel, inputs, outputs);
        if len == 0 {
            return Ok(());
        }
        let name = kernel.shader().name;
        if self.pending.pointwise.contains(&name) {
            self.flush();
        }
        let buffers = |fields: &[Field]| -> Vec<&wgpu::Buffer> {
            fields.iter().map(|&f| self.store.buffer(f)).collect()
        };
        let (ins, outs) = (buffers(inputs), buffers(outputs));
        let enc = self.pending.encoder(&self.ctx, 0.0, 0);
        self.pointwise
            .record_buffers(&self.ctx, enc, kernel, &ins, &outs, len)?;
        self.pending.pointwise.push(name);
        self.pending.done(&self.ctx);
        Ok(())
    }
}

impl TissueKernels for GpuBackend {
    fn tissue_load(
        &mut self,
        grid: &Grid,
        region: &[u32],
        state: &TissueFields,
    ) -> Result<TissueHandles> {
        self.flush();
        // Free the previous state's fields first.
        if let Some(old) = self.tissue.take() {
            for f in old.fields.all() {
                self.store.free(f);
            }
        }
        let t = self
            .tissue_kernels
            .load(&self.ctx, &mut self.store, grid, region, state)?;
        let fields = t.fields;
        self.tissue = Some(t);
        Ok(fields)
    }

    /// Panics, like the CPU twin, when `u` asks for a dose map and none is given (a
    /// programming error); returns an error when used before `tissue_load` or with
    /// uniforms for another grid.
    fn tissue_irradiate(
        &mut self,
        u: &TissueUniforms,
        po2: Field,
        dose_map: Option<Field>,
    ) -> Result<()> {
        self.flush();
        self.tissue_kernels
            .irradiate(&self.ctx, &self.store, self.tissue()?, u, po2, dose_map)
    }

    fn tissue_kill(&mut self, log_kill: Field) -> Result<()> {
        self.flush();
        self.tissue_kernels
            .kill(&self.ctx, &self.store, self.tissue()?, log_kill)
    }

    fn tissue_step(&mut self, u: &TissueUniforms, po2: Field) -> Result<()> {
        self.flush();
        self.tissue_kernels
            .step(&self.ctx, &self.store, self.tissue()?, u, po2)
    }

    fn tissue_read(&mut self) -> Result<TissueFields> {
        self.flush();
        self.tissue()?.read(&self.ctx, &self.store)
    }
}
