//! Host side of `shaders/tissue.wgsl`: the tissue-state kernels (one radiotherapy
//! fraction, the slow kinetics) on the device. [`WgTissue`] owns the two pipelines;
//! [`GpuTissue`] owns the state (region, n, d), the pO2 and dose-map inputs and the bind
//! groups, kept apart from the loaded O2 levels so that O2 and ROS loads in between
//! leave it alone. CPU twin: `src/backend/cpu/tissue.rs`.

use super::o2_smooth::groups_3d;
use super::{pipeline, readback, shaders, GpuContext};
use crate::backend::tissue::{TissueFields, TissueUniforms};
use crate::grid::Grid;
use crate::{Error, Result};
use wgpu::util::DeviceExt;

/// Workgroup size of both kernels (keep in sync with `@workgroup_size` in the shader).
const WORKGROUP: [u32; 3] = [8, 8, 4];

/// The entry points of the shader.
#[derive(Debug, Clone, Copy)]
enum Kernel {
    Irradiate,
    Step,
    Kill,
}

/// The `irradiate`, `step` and `kill` pipelines.
#[derive(Debug)]
pub struct WgTissue {
    irradiate: wgpu::ComputePipeline,
    step: wgpu::ComputePipeline,
    kill: wgpu::ComputePipeline,
}

/// The tissue state on the device, bound to both kernels.
#[derive(Debug)]
pub struct GpuTissue {
    /// nx, ny, nz of the loaded grid.
    dims: [u32; 3],
    /// Number of voxels.
    len: usize,
    /// Uniform buffer holding the [`TissueUniforms`] of the latest call.
    uniforms: wgpu::Buffer,
    /// 1 where the state evolves. Kept alive by the bind groups as well; held here so
    /// the state owns every buffer it binds.
    _region: wgpu::Buffer,
    /// Viable fraction n (read–write).
    viable: wgpu::Buffer,
    /// Dead fraction d (read–write).
    dead: wgpu::Buffer,
    /// Doomed fraction l (read–write).
    doomed: wgpu::Buffer,
    /// HIF activity h (read–write).
    hif: wgpu::Buffer,
    /// pO2 (mmHg), rewritten by every call.
    po2: wgpu::Buffer,
    /// Relative dose per voxel, written only by fractions that use a map.
    dose_map: wgpu::Buffer,
    irradiate_group: wgpu::BindGroup,
    step_group: wgpu::BindGroup,
    kill_group: wgpu::BindGroup,
    /// Workgroups per dispatch dimension.
    groups: [u32; 3],
}

impl WgTissue {
    /// Builds the pipelines.
    pub fn new(ctx: &GpuContext) -> Result<Self> {
        let mut p = pipeline::compute_pipelines(
            ctx,
            "oxyfield.tissue",
            &shaders::tissue(),
            &["irradiate", "step", "kill"],
        )?;
        let kill = p.pop().expect("three pipelines");
        let step = p.pop().expect("three pipelines");
        let irradiate = p.pop().expect("three pipelines");
        Ok(WgTissue {
            irradiate,
            step,
            kill,
        })
    }

    /// Uploads the state on `grid` (see [`crate::backend::TissueKernels::tissue_load`])
    /// and binds it to both kernels. Fails when the grid does not fit the device's
    /// buffer or dispatch limits.
    pub fn load(
        &self,
        ctx: &GpuContext,
        grid: &Grid,
        region: &[u32],
        state: &TissueFields,
    ) -> Result<GpuTissue> {
        let len = grid.len();
        state.assert_len(len, region);
        check_fits(ctx, grid)?;
        let dims = [grid.nx as u32, grid.ny as u32, grid.nz as u32];
        let groups = groups_3d(ctx, dims, WORKGROUP)?;
        let dev = &ctx.device;
        let storage = |label: &str, bytes: &[u8]| {
            ctx.counters.up(bytes.len());
            dev.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: bytes,
                usage: wgpu::BufferUsages::STORAGE
                    | wgpu::BufferUsages::COPY_SRC
                    | wgpu::BufferUsages::COPY_DST,
            })
        };
        let zeros = vec![0.0f32; len];
        let uniforms = dev.create_buffer(&wgpu::BufferDescriptor {
            label: Some("oxyfield.tissue.uniforms"),
            size: std::mem::size_of::<TissueUniforms>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let region = storage("oxyfield.tissue.region", bytemuck::cast_slice(region));
        let viable = storage(
            "oxyfield.tissue.viable",
            bytemuck::cast_slice(&state.viable),
        );
        let dead = storage("oxyfield.tissue.dead", bytemuck::cast_slice(&state.dead));
        let doomed = storage(
            "oxyfield.tissue.doomed",
            bytemuck::cast_slice(&state.doomed),
        );
        let hif = storage("oxyfield.tissue.hif", bytemuck::cast_slice(&state.hif));
        let po2 = storage("oxyfield.tissue.po2", bytemuck::cast_slice(&zeros));
        let dose_map = storage("oxyfield.tissue.dose_map", bytemuck::cast_slice(&zeros));
        // Auto layouts hold only what an entry point uses: `step` never reads the map,
        // a fraction never touches d.
        let group =
            |label: &str, pipeline: &wgpu::ComputePipeline, bound: &[(u32, &wgpu::Buffer)]| {
                let entries: Vec<wgpu::BindGroupEntry> = bound
                    .iter()
                    .map(|&(binding, buf)| wgpu::BindGroupEntry {
                        binding,
                        resource: buf.as_entire_binding(),
                    })
                    .collect();
                dev.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some(label),
                    layout: &pipeline.get_bind_group_layout(0),
                    entries: &entries,
                })
            };
        let step_group = group(
            "oxyfield.tissue.step",
            &self.step,
            &[
                (0, &uniforms),
                (1, &region),
                (2, &viable),
                (3, &dead),
                (4, &po2),
                (6, &doomed),
                (7, &hif),
            ],
        );
        let irradiate_group = group(
            "oxyfield.tissue.irradiate",
            &self.irradiate,
            &[
                (0, &uniforms),
                (1, &region),
                (2, &viable),
                (4, &po2),
                (5, &dose_map),
                (6, &doomed),
            ],
        );
        let kill_group = group(
            "oxyfield.tissue.kill",
            &self.kill,
            &[
                (0, &uniforms),
                (1, &region),
                (2, &viable),
                (5, &dose_map),
                (6, &doomed),
            ],
        );
        Ok(GpuTissue {
            dims,
            len,
            uniforms,
            _region: region,
            viable,
            dead,
            doomed,
            hif,
            po2,
            dose_map,
            irradiate_group,
            step_group,
            kill_group,
            groups,
        })
    }

    /// One fraction (see [`crate::backend::TissueKernels::tissue_irradiate`]). Like the
    /// CPU twin, panics when `u` asks for a dose map and none is given, or when a field
    /// has the wrong length (programming errors); a map given while `u` says uniform
    /// dose is ignored.
    pub fn irradiate(
        &self,
        ctx: &GpuContext,
        t: &GpuTissue,
        u: &TissueUniforms,
        po2: &[f32],
        dose_map: Option<&[f32]>,
    ) -> Result<()> {
        if u.has_map() {
            let map = dose_map.expect("tissue_irradiate: the uniforms ask for a dose map");
            assert_eq!(map.len(), t.len, "field length");
            ctx.write(&t.dose_map, 0, bytemuck::cast_slice(map));
        }
        self.run(ctx, t, u, Some(po2), Kernel::Irradiate)
    }

    /// Kills a part 1 − e^(−`log_kill`) of n per voxel, into l (see
    /// [`crate::backend::TissueKernels::tissue_kill`]); the log-kill field goes through
    /// the dose-map buffer.
    pub fn kill(&self, ctx: &GpuContext, t: &GpuTissue, log_kill: &[f32]) -> Result<()> {
        assert_eq!(log_kill.len(), t.len, "field length");
        ctx.write(&t.dose_map, 0, bytemuck::cast_slice(log_kill));
        let [nx, ny, nz] = t.dims;
        let u = TissueUniforms {
            dims: [nx, ny, nz, 0],
            ..bytemuck::Zeroable::zeroed()
        };
        self.run(ctx, t, &u, None, Kernel::Kill)
    }

    /// The kinetics over one slow step (see
    /// [`crate::backend::TissueKernels::tissue_step`]).
    pub fn step(
        &self,
        ctx: &GpuContext,
        t: &GpuTissue,
        u: &TissueUniforms,
        po2: &[f32],
    ) -> Result<()> {
        self.run(ctx, t, u, Some(po2), Kernel::Step)
    }

    /// Writes the uniforms and pO2 (when the kernel reads it), then records and submits
    /// one dispatch over the grid.
    fn run(
        &self,
        ctx: &GpuContext,
        t: &GpuTissue,
        u: &TissueUniforms,
        po2: Option<&[f32]>,
        kernel: Kernel,
    ) -> Result<()> {
        let (pipeline, group, entry) = match kernel {
            Kernel::Irradiate => (&self.irradiate, &t.irradiate_group, "irradiate"),
            Kernel::Step => (&self.step, &t.step_group, "step"),
            Kernel::Kill => (&self.kill, &t.kill_group, "kill"),
        };
        if u.dims[..3] != t.dims {
            return Err(Error::Gpu(format!(
                "tissue {entry}: uniforms for a {:?} grid, but a {:?} grid is loaded (x, y, z)",
                &u.dims[..3],
                t.dims
            )));
        }
        ctx.write(&t.uniforms, 0, bytemuck::bytes_of(u));
        if let Some(po2) = po2 {
            assert_eq!(po2.len(), t.len, "field length");
            ctx.write(&t.po2, 0, bytemuck::cast_slice(po2));
        }
        let label = format!("oxyfield.tissue.{entry}");
        let mut enc = ctx.encoder(&label);
        {
            let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some(&label),
                timestamp_writes: None,
            });
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, group, &[]);
            pass.dispatch_workgroups(t.groups[0], t.groups[1], t.groups[2]);
        }
        ctx.counters.dispatch(1);
        ctx.submit(enc);
        Ok(())
    }
}

impl GpuTissue {
    /// Reads the state back (waits for the work submitted so far).
    pub fn read(&self, ctx: &GpuContext) -> Result<TissueFields> {
        Ok(TissueFields {
            viable: readback::read_f32(ctx, &self.viable, self.len)?,
            dead: readback::read_f32(ctx, &self.dead, self.len)?,
            doomed: readback::read_f32(ctx, &self.doomed, self.len)?,
            hif: readback::read_f32(ctx, &self.hif, self.len)?,
        })
    }
}

/// Refuses grids whose fields exceed the device's storage-binding or buffer size, or
/// u32 indexing, with a message that names the sizes.
fn check_fits(ctx: &GpuContext, grid: &Grid) -> Result<()> {
    let len = grid.len();
    let bytes = (len * 4) as u64;
    let limits = ctx.device.limits();
    let max = limits
        .max_storage_buffer_binding_size
        .min(limits.max_buffer_size);
    if len == 0 || bytes > max || len > u32::MAX as usize {
        return Err(Error::Gpu(format!(
            "the tissue state of a {}×{}×{} grid needs {} MiB per buffer, but {} allows {} \
             MiB per storage binding (and at least one voxel); use a smaller grid or \
             --backend cpu",
            grid.nz,
            grid.ny,
            grid.nx,
            bytes >> 20,
            super::describe(&ctx.info),
            max >> 20
        )));
    }
    Ok(())
}
