//! Host side of `shaders/o2_smooth.wgsl`: the red and black pipelines, bound once per
//! multigrid level. CPU twin: `src/backend/cpu/o2_smooth.rs`.

use super::o2_fields::GpuO2Fields;
use super::{pipeline, shaders, GpuContext};
use crate::{Error, Result};

/// Workgroup size of the smoother (keep in sync with the shader).
const WG: [u32; 3] = super::layout::WG_3D;

/// The red–black smoothing pipelines.
#[derive(Debug)]
pub(crate) struct WgO2Smooth {
    red: wgpu::ComputePipeline,
    black: wgpu::ComputePipeline,
}

/// The smoother bound to one level's fields.
#[derive(Debug)]
pub(crate) struct SmoothBinding {
    red: wgpu::BindGroup,
    black: wgpu::BindGroup,
    groups: [u32; 3],
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
        let mut p = pipeline::compute_pipelines(
            ctx,
            "oxyfield.o2_smooth",
            &shaders::o2_smooth(),
            &["smooth_red", "smooth_black"],
        )?;
        let black = p.pop().expect("two pipelines");
        let red = p.pop().expect("two pipelines");
        Ok(WgO2Smooth { red, black })
    }

    /// Binds the pipelines to one level's fields.
    pub(crate) fn bind(&self, ctx: &GpuContext, fields: &GpuO2Fields) -> Result<SmoothBinding> {
        let bind = |pl: &wgpu::ComputePipeline, label| {
            ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(label),
                layout: &pl.get_bind_group_layout(0),
                entries: &fields.entries(),
            })
        };
        let [nx, ny, nz, _] = fields.params.dims;
        Ok(SmoothBinding {
            red: bind(&self.red, "oxyfield.o2_smooth.red"),
            black: bind(&self.black, "oxyfield.o2_smooth.black"),
            groups: groups_3d(ctx, [nx.div_ceil(2), ny, nz], WG)?,
        })
    }

    /// Records `sweeps` red+black sweeps into one compute pass, optionally with
    /// timestamps at its start and end.
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
        let [x, y, z] = b.groups;
        for _ in 0..sweeps {
            pass.set_pipeline(&self.red);
            pass.set_bind_group(0, &b.red, &[]);
            pass.dispatch_workgroups(x, y, z);
            pass.set_pipeline(&self.black);
            pass.set_bind_group(0, &b.black, &[]);
            pass.dispatch_workgroups(x, y, z);
        }
        ctx.counters.dispatch(2 * u64::from(sweeps));
    }
}
