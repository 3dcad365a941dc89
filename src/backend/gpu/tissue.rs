//! Host side of `shaders/tissue.wgsl`: the tissue-state kernels (one radiotherapy
//! fraction, a drug kill, the slow kinetics) on the device. [`WgTissue`] owns the three
//! pipelines; [`GpuTissue`] names the state's store fields (region, n, d, l, h) and owns
//! the uniform buffer, kept apart from the loaded O2 levels so that O2 and ROS loads in
//! between leave it alone. Every call binds the store's buffers of its inputs (pO2, dose
//! map, log-kill) and of the state in a bind group made for it. CPU twin:
//! `src/backend/cpu/tissue.rs`.

use super::o2_smooth::groups_3d;
use super::store::GpuStore;
use super::{pipeline, shaders, GpuContext};
use crate::backend::tissue::{region_mask, TissueFields, TissueHandles, TissueUniforms};
use crate::backend::Field;
use crate::grid::Grid;
use crate::{Error, Result};

/// Workgroup size of the kernels.
const WORKGROUP: [u32; 3] = super::layout::WG_3D;

/// The entry points of the shader.
#[derive(Debug, Clone, Copy)]
enum Kernel {
    Irradiate,
    Step,
    Kill,
}

/// The `irradiate`, `step` and `kill` pipelines.
#[derive(Debug)]
pub(crate) struct WgTissue {
    irradiate: wgpu::ComputePipeline,
    step: wgpu::ComputePipeline,
    kill: wgpu::ComputePipeline,
}

/// The tissue state on the device: its store fields and the uniform buffer.
#[derive(Debug)]
pub(crate) struct GpuTissue {
    /// nx, ny, nz of the loaded grid.
    dims: [u32; 3],
    /// Number of voxels.
    len: usize,
    /// Uniform buffer holding the [`TissueUniforms`] of the latest call, and its bytes
    /// (only what changes goes up).
    uniforms: wgpu::Buffer,
    held: std::cell::RefCell<Vec<u8>>,
    /// The state's fields in the store.
    pub(crate) fields: TissueHandles,
    /// Workgroups per dispatch dimension.
    groups: [u32; 3],
}

impl WgTissue {
    /// Builds the pipelines.
    pub(crate) fn new(ctx: &GpuContext) -> Result<Self> {
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

    /// Allocates the state's fields on `grid` in `store` and uploads `region` (as
    /// 1.0/0.0) and `state` (see [`crate::backend::TissueKernels::tissue_load`]). Fails
    /// when the grid does not fit the device's buffer or dispatch limits.
    pub(crate) fn load(
        &self,
        ctx: &GpuContext,
        store: &mut GpuStore,
        grid: &Grid,
        region: &[u32],
        state: &TissueFields,
    ) -> Result<GpuTissue> {
        let len = grid.len();
        state.assert_len(len, region);
        check_fits(ctx, grid)?;
        let dims = [grid.nx as u32, grid.ny as u32, grid.nz as u32];
        let groups = groups_3d(ctx, dims, WORKGROUP)?;
        let uniforms = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("oxyfield.tissue.uniforms"),
            size: std::mem::size_of::<TissueUniforms>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut made: Vec<Field> = Vec::with_capacity(5);
        let mut put = |data: &[f32], label: &'static str| -> Result<Field> {
            let f = store.alloc(ctx, data.len(), label)?;
            made.push(f);
            store.upload(ctx, f, data);
            Ok(f)
        };
        let fields = (|| {
            Ok(TissueHandles {
                region: put(&region_mask(region), "oxyfield.tissue.region")?,
                viable: put(&state.viable, "oxyfield.tissue.viable")?,
                dead: put(&state.dead, "oxyfield.tissue.dead")?,
                doomed: put(&state.doomed, "oxyfield.tissue.doomed")?,
                hif: put(&state.hif, "oxyfield.tissue.hif")?,
            })
        })();
        let fields = match fields {
            Ok(f) => f,
            Err(e) => {
                for f in made {
                    store.free(f);
                }
                return Err(e);
            }
        };
        Ok(GpuTissue {
            dims,
            len,
            uniforms,
            held: Default::default(),
            fields,
            groups,
        })
    }

    /// One fraction (see [`crate::backend::TissueKernels::tissue_irradiate`]). Like the
    /// CPU twin, panics when `u` asks for a dose map and none is given, or when a field
    /// has the wrong length (programming errors); a map given while `u` says uniform
    /// dose is ignored.
    pub(crate) fn irradiate(
        &self,
        ctx: &GpuContext,
        store: &GpuStore,
        t: &GpuTissue,
        u: &TissueUniforms,
        po2: Field,
        dose_map: Option<Field>,
    ) -> Result<()> {
        let map = if u.has_map() {
            dose_map.expect("tissue_irradiate: the uniforms ask for a dose map")
        } else {
            // Bound but not read: the auto layout keeps binding 5 in `irradiate`.
            po2
        };
        let s = t.fields;
        self.run(
            ctx,
            store,
            t,
            u,
            Kernel::Irradiate,
            &[
                (1, s.region),
                (2, s.viable),
                (4, po2),
                (5, map),
                (6, s.doomed),
            ],
        )
    }

    /// Kills a part 1 − e^(−`log_kill`) of n per voxel, into l (see
    /// [`crate::backend::TissueKernels::tissue_kill`]); the log-kill field is bound as the
    /// dose map.
    pub(crate) fn kill(
        &self,
        ctx: &GpuContext,
        store: &GpuStore,
        t: &GpuTissue,
        log_kill: Field,
    ) -> Result<()> {
        let [nx, ny, nz] = t.dims;
        let u = TissueUniforms {
            dims: [nx, ny, nz, 0],
            ..bytemuck::Zeroable::zeroed()
        };
        let s = t.fields;
        self.run(
            ctx,
            store,
            t,
            &u,
            Kernel::Kill,
            &[(1, s.region), (2, s.viable), (5, log_kill), (6, s.doomed)],
        )
    }

    /// The kinetics over one slow step (see
    /// [`crate::backend::TissueKernels::tissue_step`]).
    pub(crate) fn step(
        &self,
        ctx: &GpuContext,
        store: &GpuStore,
        t: &GpuTissue,
        u: &TissueUniforms,
        po2: Field,
    ) -> Result<()> {
        let s = t.fields;
        self.run(
            ctx,
            store,
            t,
            u,
            Kernel::Step,
            &[
                (1, s.region),
                (2, s.viable),
                (3, s.dead),
                (4, po2),
                (6, s.doomed),
                (7, s.hif),
            ],
        )
    }

    /// Writes the uniforms, binds them and the store fields `bound` (binding, field) to
    /// `kernel`, then records and submits one dispatch over the grid.
    fn run(
        &self,
        ctx: &GpuContext,
        store: &GpuStore,
        t: &GpuTissue,
        u: &TissueUniforms,
        kernel: Kernel,
        bound: &[(u32, Field)],
    ) -> Result<()> {
        let (pipeline, entry) = match kernel {
            Kernel::Irradiate => (&self.irradiate, "irradiate"),
            Kernel::Step => (&self.step, "step"),
            Kernel::Kill => (&self.kill, "kill"),
        };
        if u.dims[..3] != t.dims {
            return Err(Error::Gpu(format!(
                "tissue {entry}: uniforms for a {:?} grid, but a {:?} grid is loaded (x, y, z)",
                &u.dims[..3],
                t.dims
            )));
        }
        for &(_, f) in bound {
            assert_eq!(f.len(), t.len, "field length");
        }
        ctx.write_changed(&t.uniforms, &mut t.held.borrow_mut(), bytemuck::bytes_of(u));
        let label = format!("oxyfield.tissue.{entry}");
        // Auto layouts hold only what an entry point uses: `step` never reads the map,
        // a fraction never touches d, a kill never reads pO2.
        let mut entries = vec![wgpu::BindGroupEntry {
            binding: 0,
            resource: t.uniforms.as_entire_binding(),
        }];
        entries.extend(bound.iter().map(|&(binding, f)| wgpu::BindGroupEntry {
            binding,
            resource: store.buffer(f).as_entire_binding(),
        }));
        let group = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(&label),
            layout: &pipeline.get_bind_group_layout(0),
            entries: &entries,
        });
        let mut enc = ctx.encoder(&label);
        {
            let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some(&label),
                timestamp_writes: None,
            });
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, &group, &[]);
            pass.dispatch_workgroups(t.groups[0], t.groups[1], t.groups[2]);
        }
        ctx.counters.dispatch(1);
        ctx.submit(enc);
        Ok(())
    }
}

impl GpuTissue {
    /// Reads the state back (waits for the work submitted so far).
    pub(crate) fn read(&self, ctx: &GpuContext, store: &GpuStore) -> Result<TissueFields> {
        let s = self.fields;
        Ok(TissueFields {
            viable: store.read(ctx, s.viable)?,
            dead: store.read(ctx, s.dead)?,
            doomed: store.read(ctx, s.doomed)?,
            hif: store.read(ctx, s.hif)?,
        })
    }
}

/// Refuses grids whose fields the device cannot hold ([`super::store::check_size`]).
fn check_fits(ctx: &GpuContext, grid: &Grid) -> Result<()> {
    let what = format!(
        "the tissue state of a {}×{}×{} grid",
        grid.nz, grid.ny, grid.nx
    );
    super::store::check_size(ctx, grid.len(), &what)
}
