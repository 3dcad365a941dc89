//! Host side of the pointwise kernels ([`crate::backend::pointwise`]): one pipeline per
//! shader, built on first use, and one dispatch over the fields of a call. CPU twins:
//! each kernel's [`Pointwise::cpu`].

use super::{pipeline, GpuContext};
use crate::backend::pointwise::{PointShader, Pointwise};
use crate::{Error, Result};
use std::collections::HashMap;

/// Invocations per workgroup (`@workgroup_size(256)` in every pointwise shader).
const WG: u32 = super::layout::WG_1D;

/// The pointwise pipelines built so far.
#[derive(Debug, Default)]
pub(crate) struct WgPointwise {
    pipelines: HashMap<&'static str, wgpu::ComputePipeline>,
    /// Per shader, its uniform buffer and what it holds: a call with the same uniforms
    /// as the last one of its kernel writes nothing.
    uniforms: HashMap<&'static str, (wgpu::Buffer, Vec<u8>)>,
}

/// Workgroups (x, y) for `len` invocations of 256, x within the adapter's limit.
pub(crate) fn groups_2d(ctx: &GpuContext, len: usize) -> Result<(u32, u32)> {
    let max = ctx.device.limits().max_compute_workgroups_per_dimension;
    let groups = u32::try_from(len.div_ceil(WG as usize).max(1))
        .map_err(|_| Error::Gpu(format!("a field of {len} values is too large to dispatch")))?;
    let x = groups.min(max);
    let y = groups.div_ceil(x);
    if y > max {
        return Err(Error::Gpu(format!(
            "a field of {len} values needs more workgroups than the adapter dispatches"
        )));
    }
    Ok((x, y))
}

impl WgPointwise {
    fn pipeline(
        &mut self,
        ctx: &GpuContext,
        shader: PointShader,
    ) -> Result<&wgpu::ComputePipeline> {
        use std::collections::hash_map::Entry;
        Ok(match self.pipelines.entry(shader.name) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(
                pipeline::compute_pipelines(
                    ctx,
                    &format!("oxyfield.{}", shader.name),
                    &shader.source(),
                    &["main"],
                )?
                .remove(0),
            ),
        })
    }

    /// Records `kernel` on buffers of `len` values (`inputs` and `outputs`, checked by
    /// the caller) into `enc`, for the caller to submit. Its uniforms are written now
    /// (the words that changed since its last call), so `enc` may hold no other call of
    /// the same kernel.
    pub(crate) fn record_buffers(
        &mut self,
        ctx: &GpuContext,
        enc: &mut wgpu::CommandEncoder,
        kernel: &dyn Pointwise,
        inputs: &[&wgpu::Buffer],
        outputs: &[&wgpu::Buffer],
        len: usize,
    ) -> Result<()> {
        if len == 0 {
            return Ok(());
        }
        let (gx, gy) = groups_2d(ctx, len)?;
        let mut uniforms = kernel.uniforms();
        // Head.row: invocations per dispatch row.
        uniforms[4..8].copy_from_slice(&(gx * WG).to_le_bytes());
        let pipe = self.pipeline(ctx, kernel.shader())?.clone();
        // A lost device fails here with its error (creating buffers on it would panic).
        ctx.check()?;
        let name = kernel.shader().name;
        let (ubuf, held) = self.uniforms.entry(name).or_insert_with(|| {
            let buffer = ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("oxyfield.pointwise.uniforms"),
                size: uniforms.len() as u64,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            (buffer, Vec::new())
        });
        // The caller submits any earlier call of this kernel before this one (the write
        // lands before its whole next submit). Only the words that changed go up (a
        // drug step changes the plasma level alone from one sub-step to the next).
        ctx.write_changed(ubuf, held, &uniforms);
        let ubuf = ubuf.clone();
        let mut entries = vec![wgpu::BindGroupEntry {
            binding: 0,
            resource: ubuf.as_entire_binding(),
        }];
        for (k, b) in inputs.iter().chain(outputs).enumerate() {
            entries.push(wgpu::BindGroupEntry {
                binding: k as u32 + 1,
                resource: b.as_entire_binding(),
            });
        }
        let group = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(kernel.shader().name),
            layout: &pipe.get_bind_group_layout(0),
            entries: &entries,
        });
        {
            let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some(kernel.shader().name),
                timestamp_writes: None,
            });
            pass.set_pipeline(&pipe);
            pass.set_bind_group(0, &group, &[]);
            pass.dispatch_workgroups(gx, gy, 1);
        }
        ctx.counters.dispatch(1);
        Ok(())
    }
}
