//! Host side of `shaders/o2_smooth.wgsl`: the red, black and small-level pipelines,
//! which share one bind-group layout, so one bind group per multigrid level serves all
//! three. CPU twin: `src/backend/cpu/o2_smooth.rs`.
//!
//! A level of at most [`SMALL_CELLS`] voxels is smoothed by `smooth_small`: all its
//! sweeps in one dispatch of one workgroup, instead of two dispatches per sweep. The
//! coarse levels of a cycle are such levels, and on them a dispatch costs more than
//! its work (on lavapipe ≈ 56 µs against a few µs of arithmetic).

use super::o2_fields::GpuO2Fields;
use super::{pipeline, shaders, GpuContext};
use crate::{Error, Result};

/// Workgroup size of the smoother (keep in sync with the shader).
const WG: [u32; 3] = super::layout::WG_3D;

/// Levels of at most this many voxels are smoothed in one dispatch (`smooth_small`).
pub(crate) const SMALL_CELLS: usize = 4096;

/// The red–black smoothing pipelines.
#[derive(Debug)]
pub(crate) struct WgO2Smooth {
    red: wgpu::ComputePipeline,
    black: wgpu::ComputePipeline,
    small: wgpu::ComputePipeline,
    layout: wgpu::BindGroupLayout,
}

/// The smoother bound to one level's fields.
#[derive(Debug)]
pub(crate) struct SmoothBinding {
    group: wgpu::BindGroup,
    groups: [u32; 3],
    /// The level has at most [`SMALL_CELLS`] voxels: one `smooth_small` dispatch per
    /// call, with the sweeps taken from the level's uniform block.
    pub(crate) small: bool,
}

/// Workgroups for a 3D dispatch of `n` invocations with workgroup `wg`, checked
/// against the adapter's per-dimension limit.
pub(crate) fn groups_3d(ctx: &GpuContext, n: [u32; 3], wg: [u32; 3]) -> Result<[u32; 3]> {
    let groups = [
        n[0].div_ceil(wg[0]),
        n[1].div_ceil(wg[1]),
        n[2].div_ceil(wg[2]),
    ];
    let max = ctx.device.limits().max_compute_workgroups_per_dimension;
    if groups.iter().any(|&g| g > max) {
        return Err(Error::Gpu(format!(
            "a grid of {}×{}×{} needs {groups:?} workgroups, above the adapter's {max} per \
             dimension; use a smaller grid or --backend cpu",
            n[2], n[1], n[0]
        )));
    }
    Ok(groups)
}

impl WgO2Smooth {
    /// Builds the pipelines.
    pub(crate) fn new(ctx: &GpuContext) -> Result<Self> {
        let layout = GpuO2Fields::layout(ctx);
        let mut p = pipeline::compute_pipelines_sharing(
            ctx,
            "oxyfield.o2_smooth",
            &shaders::o2_smooth(),
            &["smooth_red", "smooth_black", "smooth_small"],
            &layout,
        )?;
        let small = p.pop().expect("three pipelines");
        let black = p.pop().expect("three pipelines");
        let red = p.pop().expect("three pipelines");
        Ok(WgO2Smooth {
            red,
            black,
            small,
            layout,
        })
    }

    /// Binds the pipelines to one level's fields.
    pub(crate) fn bind(&self, ctx: &GpuContext, fields: &GpuO2Fields) -> Result<SmoothBinding> {
        let [nx, ny, nz, _] = fields.params.dims;
        Ok(SmoothBinding {
            group: ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("oxyfield.o2_smooth"),
                layout: &self.layout,
                entries: &fields.entries(),
            }),
            groups: groups_3d(ctx, [nx.div_ceil(2), ny, nz], WG)?,
            small: fields.len <= SMALL_CELLS,
        })
    }

    /// Records `sweeps` red+black sweeps into one compute pass, optionally with
    /// timestamps at its start and end. On a small level (`b.small`) that is one
    /// dispatch, which reads the sweeps from the level's uniform block: the caller has
    /// written `sweeps` there (`GpuO2Fields::set_scalars`).
    pub(crate) fn record(
        &self,
        ctx: &GpuContext,
        enc: &mut wgpu::CommandEncoder,
        b: &SmoothBinding,
        sweeps: u32,
        timestamp_writes: Option<wgpu::ComputePassTimestampWrites<'_>>,
    ) {
        let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("oxyfield.o2_smooth"),
            timestamp_writes,
        });
        pass.set_bind_group(0, &b.group, &[]);
        if b.small {
            pass.set_pipeline(&self.small);
            pass.dispatch_workgroups(1, 1, 1);
            ctx.counters.dispatch(1);
            return;
        }
        let [x, y, z] = b.groups;
        for _ in 0..sweeps {
            pass.set_pipeline(&self.red);
            pass.dispatch_workgroups(x, y, z);
            pass.set_pipeline(&self.black);
            pass.dispatch_workgroups(x, y, z);
        }
        ctx.counters.dispatch(2 * u64::from(sweeps));
    }
}
