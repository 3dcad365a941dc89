//! Host side of `shaders/o2_step.wgsl`: explicit time steps on level 0. pO2 and the
//! scratch buffer are bound both ways round (ping-pong), so step s reads one and writes
//! the other and nothing is copied between steps; after an odd number of steps one copy
//! brings the result home. CPU twin: `src/backend/cpu/o2_step.rs` (which swaps its two
//! arrays the same way).

use super::o2_fields::GpuO2Fields;
use super::o2_smooth::groups_3d;
use super::{pipeline, shaders, GpuContext};
use crate::Result;

/// Workgroup size of the step kernel (keep in sync with the shader).
const WG: [u32; 3] = super::layout::WG_3D;

/// The explicit-step pipeline.
#[derive(Debug)]
pub(crate) struct WgO2Step {
    pipeline: wgpu::ComputePipeline,
}

/// The step kernel bound to one level's fields: `group[0]` steps pO2 into the scratch
/// buffer, `group[1]` the scratch buffer into pO2.
#[derive(Debug)]
pub(crate) struct StepBinding {
    group: [wgpu::BindGroup; 2],
    groups: [u32; 3],
}

impl WgO2Step {
    /// Builds the pipeline.
    pub(crate) fn new(ctx: &GpuContext) -> Result<Self> {
        Ok(WgO2Step {
            pipeline: pipeline::compute_pipelines(
                ctx,
                "oxyfield.o2_step",
                &shaders::o2_step(),
                &["step"],
            )?
            .remove(0),
        })
    }

    /// Binds the kernel to `fields` both ways round (the scratch buffer is
    /// `fields.resid`).
    pub(crate) fn bind(&self, ctx: &GpuContext, fields: &GpuO2Fields) -> Result<StepBinding> {
        let layout = self.pipeline.get_bind_group_layout(0);
        let group = |from: &wgpu::Buffer, to: &wgpu::Buffer| {
            let mut entries = fields.entries();
            entries[1].resource = from.as_entire_binding();
            entries.push(wgpu::BindGroupEntry {
                binding: 7,
                resource: to.as_entire_binding(),
            });
            ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("oxyfield.o2_step"),
                layout: &layout,
                entries: &entries,
            })
        };
        let [nx, ny, nz, _] = fields.params.dims;
        Ok(StepBinding {
            group: [
                group(&fields.po2, &fields.resid),
                group(&fields.resid, &fields.po2),
            ],
            groups: groups_3d(ctx, [nx, ny, nz], WG)?,
        })
    }

    /// Records `steps` steps in one compute pass, alternating the two bind groups, and
    /// after an odd number of steps a copy of the scratch buffer into `po2`.
    pub(crate) fn record(
        &self,
        ctx: &GpuContext,
        enc: &mut wgpu::CommandEncoder,
        b: &StepBinding,
        fields: &GpuO2Fields,
        steps: u32,
    ) {
        if steps == 0 {
            return;
        }
        {
            let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("oxyfield.o2_step"),
                timestamp_writes: None,
            });
            pass.set_pipeline(&self.pipeline);
            for s in 0..steps {
                pass.set_bind_group(0, &b.group[s as usize & 1], &[]);
                pass.dispatch_workgroups(b.groups[0], b.groups[1], b.groups[2]);
            }
        }
        if steps % 2 == 1 {
            enc.copy_buffer_to_buffer(&fields.resid, 0, &fields.po2, 0, fields.len as u64 * 4);
        }
        ctx.counters.dispatch(u64::from(steps));
    }
}
