//! Kernel timing and copy bandwidth on the device, for `oxyfield bench`. Timestamp
//! queries bracket a compute pass where the adapter has `TIMESTAMP_QUERY` (they are
//! pass-level, which also works on Apple GPUs); otherwise the host clock brackets the
//! submit and a wait.

use super::{readback, GpuContext};
use crate::{Error, Result};
use std::time::Instant;

/// Seconds taken by the compute pass that `record` writes, and how they were measured.
pub(crate) fn time_pass(
    ctx: &GpuContext,
    record: impl FnOnce(&mut wgpu::CommandEncoder, Option<wgpu::ComputePassTimestampWrites<'_>>),
) -> Result<(f64, &'static str)> {
    let mut enc = ctx.encoder("oxyfield.timing");
    if !ctx
        .device
        .features()
        .contains(wgpu::Features::TIMESTAMP_QUERY)
    {
        ctx.wait()?;
        let start = Instant::now();
        record(&mut enc, None);
        ctx.submit(enc);
        ctx.wait()?;
        return Ok((start.elapsed().as_secs_f64(), "wall"));
    }
    let set = ctx.device.create_query_set(&wgpu::QuerySetDescriptor {
        label: Some("oxyfield.timing.queries"),
        ty: wgpu::QueryType::Timestamp,
        count: 2,
    });
    let resolve = ctx.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("oxyfield.timing.resolve"),
        size: 16,
        usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
        mapped_at_creation: false,
    });
    record(
        &mut enc,
        Some(wgpu::ComputePassTimestampWrites {
            query_set: &set,
            beginning_of_pass_write_index: Some(0),
            end_of_pass_write_index: Some(1),
        }),
    );
    enc.resolve_query_set(&set, 0..2, &resolve, 0);
    ctx.submit(enc);
    let ticks: Vec<u64> = bytemuck::pod_collect_to_vec(&readback::read_bytes(ctx, &resolve, 16)?);
    let period_ns = f64::from(ctx.queue.get_timestamp_period());
    let dt = ticks[1].wrapping_sub(ticks[0]) as f64 * period_ns * 1e-9;
    if dt > 0.0 && dt.is_finite() {
        Ok((dt, "timestamp"))
    } else {
        Err(Error::Gpu(format!(
            "timestamp queries returned {ticks:?} (period {period_ns} ns)"
        )))
    }
}

/// Workgroups of the copy kernel's grid-stride loop (below every adapter's limit per
/// dimension).
const COPY_GROUPS: u32 = 4096;

/// Device memory bandwidth for buffers of `bytes` (read + written bytes per second):
/// `shaders/copy.wgsl` copying one buffer into another and back, four dispatches in one
/// compute pass, timed as the smoother is ([`time_pass`]: timestamps where the adapter
/// has them, else the host clock), the best of five rounds. The last bytes of the
/// source (beyond the first turn of the kernel's grid-stride loop on large buffers) carry
/// a pattern that the copy must reproduce; an error says if it did not.
pub(crate) fn copy_bandwidth(ctx: &GpuContext, bytes: usize) -> Result<f64> {
    let size = (bytes as u64).div_ceil(16) * 16;
    let make = |label| {
        ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size,
            usage: wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::COPY_SRC
                | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    };
    let (a, b) = (make("oxyfield.copy.a"), make("oxyfield.copy.b"));
    let probe = size.min(64 << 10);
    let pattern: Vec<f32> = (0..probe / 4).map(|i| i as f32 + 1.0).collect();
    ctx.write(&a, size - probe, bytemuck::cast_slice(&pattern));
    let pipeline = super::pipeline::compute_pipelines(
        ctx,
        "oxyfield.copy",
        &super::shaders::copy(),
        &["copy"],
    )?
    .remove(0);
    let layout = pipeline.get_bind_group_layout(0);
    let group = |src: &wgpu::Buffer, dst: &wgpu::Buffer| {
        ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("oxyfield.copy"),
            layout: &layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: src.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: dst.as_entire_binding(),
                },
            ],
        })
    };
    let groups = [group(&a, &b), group(&b, &a)];
    const COPIES: u32 = 4;
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let (t, _) = time_pass(ctx, |enc, timestamps| {
            let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("oxyfield.copy"),
                timestamp_writes: timestamps,
            });
            pass.set_pipeline(&pipeline);
            for i in 0..COPIES {
                pass.set_bind_group(0, &groups[i as usize % 2], &[]);
                pass.dispatch_workgroups(COPY_GROUPS, 1, 1);
            }
        })?;
        best = best.min(t);
    }
    ctx.counters.dispatch(5 * u64::from(COPIES));
    // An even number of copies a → b → a …: b holds the last copy of a.
    let staging = readback::staging(ctx, probe, "oxyfield.copy.probe");
    let mut enc = ctx.encoder("oxyfield.copy.probe");
    enc.copy_buffer_to_buffer(&b, size - probe, &staging, 0, probe);
    ctx.submit(enc);
    let copied: Vec<f32> =
        bytemuck::pod_collect_to_vec(&readback::map_read(ctx, &staging, probe as usize)?);
    if copied != pattern {
        return Err(Error::Gpu(
            "the copy kernel of the bandwidth measurement did not copy its buffer; \
             report this with `oxyfield devices`"
                .into(),
        ));
    }
    Ok(2.0 * size as f64 * f64::from(COPIES) / best)
}
