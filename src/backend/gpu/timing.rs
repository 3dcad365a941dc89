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

/// Device-to-device copy bandwidth for a buffer of `bytes` (read + written bytes per
/// second), the best of five rounds of four copies.
pub(crate) fn copy_bandwidth(ctx: &GpuContext, bytes: usize) -> Result<f64> {
    let size = (bytes as u64).div_ceil(4) * 4;
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
    const COPIES: u32 = 4;
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let mut enc = ctx.encoder("oxyfield.copy");
        for i in 0..COPIES {
            let (s, d) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
            enc.copy_buffer_to_buffer(s, 0, d, 0, size);
        }
        ctx.wait()?;
        let start = Instant::now();
        ctx.submit(enc);
        ctx.wait()?;
        best = best.min(start.elapsed().as_secs_f64());
    }
    Ok(2.0 * size as f64 * f64::from(COPIES) / best)
}
