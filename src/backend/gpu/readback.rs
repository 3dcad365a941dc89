//! Copying device buffers back to the host through a staging buffer.

use super::GpuContext;
use crate::{Error, Result};

/// Reads `len` f32 values from the start of `src` (which needs `COPY_SRC`).
pub(crate) fn read_f32(ctx: &GpuContext, src: &wgpu::Buffer, len: usize) -> Result<Vec<f32>> {
    Ok(bytemuck::pod_collect_to_vec(&read_bytes(
        ctx,
        src,
        len * 4,
    )?))
}

/// A buffer of `bytes` that copies land in and the host maps to read them.
pub(crate) fn staging(ctx: &GpuContext, bytes: u64, label: &str) -> wgpu::Buffer {
    ctx.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size: bytes,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    })
}

/// Reads the first `len` bytes of `src` (which needs `COPY_SRC`; `len` a multiple of 4).
pub(crate) fn read_bytes(ctx: &GpuContext, src: &wgpu::Buffer, len: usize) -> Result<Vec<u8>> {
    let bytes = len as u64;
    let staging = staging(ctx, bytes, "oxyfield.readback.staging");
    let mut enc = ctx.encoder("oxyfield.readback");
    enc.copy_buffer_to_buffer(src, 0, &staging, 0, bytes);
    ctx.submit(enc);
    map_read(ctx, &staging, len)
}

/// Maps `staging` (filled by work already submitted), waits, and returns its first
/// `len` bytes, counted as bytes down; unmaps it again so that it can be reused.
pub(crate) fn map_read(ctx: &GpuContext, staging: &wgpu::Buffer, len: usize) -> Result<Vec<u8>> {
    ctx.counters.down(len);
    let (tx, rx) = std::sync::mpsc::channel();
    staging.map_async(wgpu::MapMode::Read, ..len as u64, move |r| {
        let _ = tx.send(r);
    });
    ctx.wait()?;
    rx.recv()
        .map_err(|_| Error::Gpu("readback callback never ran".into()))?
        .map_err(|e| Error::Gpu(format!("mapping a readback buffer failed: {e}")))?;
    // Unmapped on every path: a reused staging buffer left mapped would fail every
    // later read.
    let out = staging
        .get_mapped_range(..len as u64)
        .map(|view| view.to_vec())
        .map_err(|e| Error::Gpu(format!("reading a mapped buffer failed: {e}")));
    staging.unmap();
    out
}
