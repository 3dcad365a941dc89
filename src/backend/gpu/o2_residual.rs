//! Host side of `shaders/o2_residual.wgsl` and `shaders/reduce_sum.wgsl`: the residual
//! norm as a two-pass reduction, read back as one f32. Pipelines are built once per
//! device; [`ResidualBinding`] binds them to one problem's fields and holds the one
//! staging buffer every read of the norm goes through. The reduction is recorded into
//! the caller's encoder, so that it rides in the same submit as the work before it
//! (a whole V-cycle; see [`crate::backend::O2Backend::batch_begin`]). The first pass
//! either evaluates F(P) (`residual_partials`) or squares the residual field that
//! restriction wrote (`resid_partials`, for
//! [`crate::backend::O2Backend::restrict_checked`]). CPU twins:
//! `src/backend/cpu/o2_residual.rs` and `fast::residual::restrict_checked`.

use super::o2_fields::GpuO2Fields;
use super::{pipeline, readback, shaders, GpuContext};
use crate::Result;

/// Invocations per workgroup of both passes (keep in sync with the shaders).
const WG: u32 = super::layout::WG_1D;
/// Upper bound on first-pass workgroups (each loops over its share of voxels).
const MAX_GROUPS: u32 = 1024;

/// The residual-norm pipelines.
#[derive(Debug)]
pub(crate) struct WgO2Residual {
    partials_pipe: wgpu::ComputePipeline,
    resid_pipe: wgpu::ComputePipeline,
    reduce_pipe: wgpu::ComputePipeline,
}

/// The residual-norm kernels bound to one level's fields, with their partial sums and
/// the staging buffer the sum is read through (mapped for each read, then unmapped).
#[derive(Debug)]
pub(crate) struct ResidualBinding {
    bind_partials: wgpu::BindGroup,
    bind_resid: wgpu::BindGroup,
    bind_reduce: wgpu::BindGroup,
    total: wgpu::Buffer,
    staging: wgpu::Buffer,
    groups: u32,
}

impl WgO2Residual {
    /// Builds the pipelines.
    pub(crate) fn new(ctx: &GpuContext) -> Result<Self> {
        let mut first = pipeline::compute_pipelines(
            ctx,
            "oxyfield.o2_residual",
            &shaders::o2_residual(),
            &["residual_partials", "resid_partials"],
        )?;
        let resid_pipe = first.remove(1);
        let partials_pipe = first.remove(0);
        let reduce_pipe = pipeline::compute_pipelines(
            ctx,
            "oxyfield.reduce_sum",
            &shaders::reduce_sum(),
            &["reduce_sum"],
        )?
        .remove(0);
        Ok(WgO2Residual {
            partials_pipe,
            resid_pipe,
            reduce_pipe,
        })
    }

    /// Allocates the partial sums for `fields` and binds the pipelines to them.
    pub(crate) fn bind(&self, ctx: &GpuContext, fields: &GpuO2Fields) -> ResidualBinding {
        let groups = (fields.len as u32).div_ceil(WG).clamp(1, MAX_GROUPS);
        let partials = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("oxyfield.o2_residual.partials"),
            size: u64::from(groups) * 4,
            usage: wgpu::BufferUsages::STORAGE,
            mapped_at_creation: false,
        });
        let total = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("oxyfield.o2_residual.total"),
            size: 4,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        let mut entries = fields.entries();
        entries.push(wgpu::BindGroupEntry {
            binding: 7,
            resource: partials.as_entire_binding(),
        });
        let bind_partials = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("oxyfield.o2_residual"),
            layout: &self.partials_pipe.get_bind_group_layout(0),
            entries: &entries,
        });
        let bind_resid = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("oxyfield.o2_residual.resid"),
            layout: &self.resid_pipe.get_bind_group_layout(0),
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: fields.params_buf.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 7,
                    resource: partials.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 8,
                    resource: fields.resid.as_entire_binding(),
                },
            ],
        });
        let bind_reduce = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("oxyfield.reduce_sum"),
            layout: &self.reduce_pipe.get_bind_group_layout(0),
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: partials.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: total.as_entire_binding(),
                },
            ],
        });
        ResidualBinding {
            bind_partials,
            bind_resid,
            bind_reduce,
            total,
            staging: readback::staging(ctx, 4, "oxyfield.o2_residual.staging"),
            groups,
        }
    }

    /// Records Σ F(P)² over free voxels (two dispatches) and its copy into the staging
    /// buffer; [`WgO2Residual::read`] returns it once `enc` is submitted.
    pub(crate) fn record(
        &self,
        ctx: &GpuContext,
        enc: &mut wgpu::CommandEncoder,
        b: &ResidualBinding,
    ) {
        self.record_from(ctx, enc, b, (&self.partials_pipe, &b.bind_partials));
    }

    /// As [`WgO2Residual::record`], from the level's residual field (which restriction
    /// wrote earlier in `enc`'s work) instead of evaluating F(P).
    pub(crate) fn record_resid(
        &self,
        ctx: &GpuContext,
        enc: &mut wgpu::CommandEncoder,
        b: &ResidualBinding,
    ) {
        self.record_from(ctx, enc, b, (&self.resid_pipe, &b.bind_resid));
    }

    /// The first pass `first` (pipeline and bind group), the reduction of its partial
    /// sums and the copy of the total into the staging buffer.
    fn record_from(
        &self,
        ctx: &GpuContext,
        enc: &mut wgpu::CommandEncoder,
        b: &ResidualBinding,
        first: (&wgpu::ComputePipeline, &wgpu::BindGroup),
    ) {
        {
            let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("oxyfield.o2_residual"),
                timestamp_writes: None,
            });
            pass.set_pipeline(first.0);
            pass.set_bind_group(0, first.1, &[]);
            pass.dispatch_workgroups(b.groups, 1, 1);
            pass.set_pipeline(&self.reduce_pipe);
            pass.set_bind_group(0, &b.bind_reduce, &[]);
            pass.dispatch_workgroups(1, 1, 1);
        }
        ctx.counters.dispatch(2);
        enc.copy_buffer_to_buffer(&b.total, 0, &b.staging, 0, 4);
    }

    /// The sum [`WgO2Residual::record`] wrote, once its encoder is submitted: waits and
    /// reads back 4 bytes.
    pub(crate) fn read(&self, ctx: &GpuContext, b: &ResidualBinding) -> Result<f64> {
        let bytes = readback::map_read(ctx, &b.staging, 4)?;
        let sum: f32 = bytemuck::pod_read_unaligned(&bytes);
        Ok(f64::from(sum))
    }
}
