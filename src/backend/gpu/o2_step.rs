//! Host side of `shaders/o2_step.wgsl`: explicit time steps on level 0, each a dispatch
//! into the scratch buffer followed by a copy back. CPU twin:
//! `src/backend/cpu/o2_step.rs`.

use super::o2_fields::GpuO2Fields;
use super::o2_smooth::groups_3d;
use super::{pipeline, shaders, GpuContext};
use crate::Result;

/// The explicit-step pipeline.
#[derive(Debug)]
pub(crate) struct WgO2Step {
    pipeline: wgpu::ComputePipeline,
}

/// The step kernel bound to one level's fields.
#[derive(Debug)]
pub(crate) struct StepBinding {
    group: wgpu::BindGroup,
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

    /// Binds the kernel to `fields` (the scratch buffer is `fields.resid`).
    pub(crate) fn bind(&self, ctx: &GpuContext, fields: &GpuO2Fields) -> Result<StepBinding> {
        let mut entries = fields.entries();
        entries.push(wgpu::BindGroupEntry {
            binding: 7,
            resource: fields.resid.as_entire_binding(),
        });
        let [nx, ny, nz, _] = fields.params.dims;
        Ok(StepBinding {
            group: ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("oxyfield.o2_step"),
                layout: &self.pipeline.get_bind_group_layout(0),
                entries: &entries,
            }),
            groups: groups_3d(ctx, [nx, ny, nz], [8, 8, 4])?,
        })
    }

    /// Records `steps` steps: each a dispatch into `resid` and a copy back into `po2`.
    pub(crate) fn record(
        &self,
        ctx: &GpuContext,
        enc: &mut wgpu::CommandEncoder,
        b: &StepBinding,
        fields: &GpuO2Fields,
        steps: u32,
    ) {
        let bytes = fields.len as u64 * 4;
        for _ in 0..steps {
            {
                let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                    label: Some("oxyfield.o2_step"),
                    timestamp_writes: None,
                });
                pass.set_pipeline(&self.pipeline);
                pass.set_bind_group(0, &b.group, &[]);
                pass.dispatch_workgroups(b.groups[0], b.groups[1], b.groups[2]);
            }
            enc.copy_buffer_to_buffer(&fields.resid, 0, &fields.po2, 0, bytes);
        }
        ctx.counters.dispatch(u64::from(steps));
    }
}
