//! The GPU backend's fields: one storage buffer per [`Field`] handle, usable as a
//! kernel binding and as a copy source and destination. Every transfer goes through
//! here or `readback` and is counted in [`GpuContext::counters`].

use super::{readback, GpuContext};
use crate::backend::field::Slots;
use crate::backend::Field;
use crate::{Error, Result};

/// Storage buffers by handle.
#[derive(Debug, Default)]
pub(crate) struct GpuStore {
    slots: Slots<wgpu::Buffer>,
}

/// Refuses a field of `len` f32 values that the device cannot bind as one buffer or
/// index with u32, or an empty one (a caller that allows empty fields passes at least
/// 1, as [`GpuStore::alloc`] does); `what` names it in the message ("a field of N
/// voxels", "the tissue state of a 64×128×128 grid"), which gives the sizes and the
/// ways out. The one per-buffer check of the GPU backend.
pub(crate) fn check_size(ctx: &GpuContext, len: usize, what: &str) -> Result<()> {
    let bytes = (len * 4) as u64;
    let limits = ctx.device.limits();
    let max = limits
        .max_storage_buffer_binding_size
        .min(limits.max_buffer_size);
    if len == 0 {
        return Err(Error::Gpu(format!(
            "{what} is empty: a storage binding needs at least one value"
        )));
    }
    if bytes > max || len > u32::MAX as usize {
        return Err(Error::Gpu(format!(
            "{what} needs {} MiB per buffer, but {} allows {} MiB per storage binding; use \
             a smaller grid, a coarser spacing, or --backend cpu",
            bytes >> 20,
            super::describe(&ctx.info),
            max >> 20
        )));
    }
    Ok(())
}

/// "a 64×128×128 field": the fields of a grid of `nx`, `ny`, `nz` voxels (written z, y,
/// x as shapes are), as [`check_size`] names them.
pub(crate) fn grid_field(
    nx: impl std::fmt::Display,
    ny: impl std::fmt::Display,
    nz: impl std::fmt::Display,
) -> String {
    format!("a {nz}×{ny}×{nx} field")
}

impl GpuStore {
    /// A new zeroed buffer of `len` f32 values.
    pub(crate) fn alloc(
        &mut self,
        ctx: &GpuContext,
        len: usize,
        label: &'static str,
    ) -> Result<Field> {
        check_size(ctx, len.max(1), &format!("a field of {len} voxels"))?;
        let buffer = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            // At least 4 bytes: a binding may not be empty.
            size: (len.max(1) * 4) as u64,
            usage: wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::COPY_SRC
                | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        Ok(self.slots.insert(buffer, len))
    }

    /// Frees `f` (the buffer goes when no bind group holds it any more).
    pub(crate) fn free(&mut self, f: Field) {
        self.slots.remove(f);
    }

    /// The buffer of `f`.
    pub(crate) fn buffer(&self, f: Field) -> &wgpu::Buffer {
        self.slots.get(f)
    }

    /// Writes `data` into `f`.
    pub(crate) fn upload(&self, ctx: &GpuContext, f: Field, data: &[f32]) {
        assert_eq!(data.len(), f.len(), "field length");
        ctx.write(self.buffer(f), 0, bytemuck::cast_slice(data));
    }

    /// Reads `f` back (waits for the work before it).
    pub(crate) fn read(&self, ctx: &GpuContext, f: Field) -> Result<Vec<f32>> {
        readback::read_f32(ctx, self.buffer(f), f.len())
    }

    /// Copies `src` into `dst` on the device.
    pub(crate) fn copy(&self, ctx: &GpuContext, src: Field, dst: Field) {
        assert_eq!(src.len(), dst.len(), "field length");
        let mut enc = ctx.encoder("oxyfield.field_copy");
        enc.copy_buffer_to_buffer(
            self.buffer(src),
            0,
            self.buffer(dst),
            0,
            (src.len() * 4) as u64,
        );
        ctx.submit(enc);
    }

    /// Sets every value of `f` to `value` (zero on the device; other values are
    /// written from the host).
    pub(crate) fn fill(&self, ctx: &GpuContext, f: Field, value: f32) {
        if value.to_bits() == 0 {
            let mut enc = ctx.encoder("oxyfield.field_fill");
            enc.clear_buffer(self.buffer(f), 0, None);
            ctx.submit(enc);
        } else {
            self.upload(ctx, f, &vec![value; f.len()]);
        }
    }
}
