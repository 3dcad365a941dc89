//! Host side of `shaders/stats_reduce.wgsl`, `shaders/stats_combine.wgsl` and
//! `shaders/stats_histogram.wgsl`: masked reductions and the exact masked median of
//! resident fields, computed on the device. CPU twin: `src/backend/cpu/stats.rs`
//! (definitions in [`crate::backend::stats`]).
//!
//! Per call, one submit and one small read: a reduction call of k items runs k
//! first-pass dispatches and one combining dispatch and reads back 8·k bytes (a
//! compensated (hi, lo) pair per item, added in f64 here); a median runs four radix
//! rounds of two dispatches and reads back 24 bytes (the two middle keys), whatever
//! the grid. The pipelines and buffers live in [`WgStats`], which the backend builds
//! on first use.

use super::store::GpuStore;
use super::{pipeline, shaders, GpuBackend, GpuContext};
use crate::backend::stats::{Reduce, StatsKernels};
use crate::backend::Field;
use crate::{Error, Result};

mod median;

/// Invocations per workgroup of every statistics kernel (keep in sync with the shaders).
const WG: usize = super::layout::WG_1D as usize;
/// First-pass workgroups per item at most (keep in sync with `MAX_GROUPS` in
/// `shaders/stats_combine.wgsl`): a 256³ field gives each invocation 32 voxels.
const MAX_GROUPS: usize = 2048;
/// Byte stride of item parameters: the first pass binds each as a uniform at its own
/// offset, which must be a multiple of the device's alignment (at most 256 in WebGPU).
const SLOT: u64 = 256;
/// Bytes of one result or partial: a (hi, lo) pair of f32.
const PAIR: u64 = 8;

/// One reduction item (keep in sync with `Item` in `shaders/shared/stats_ops.wgsl`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
struct ItemParams {
    kind: u32,
    n: u32,
    groups: u32,
    a: f32,
    one: f32,
    pad: [u32; 3],
}

/// [`ItemParams`] and `Item` in `shaders/shared/stats_ops.wgsl`.
pub(super) fn item_mirror() -> super::layout::Mirror {
    super::layout::mirror!(
        "stats_reduce",
        "Item",
        ItemParams,
        [kind, n, groups, a, one, pad]
    )
}

/// The median's state and `State` in `shaders/stats_histogram.wgsl`.
pub(super) fn median_mirror() -> super::layout::Mirror {
    median::state_mirror()
}

impl ItemParams {
    fn new(r: Reduce, n: usize, groups: usize) -> Self {
        let (kind, a) = match r {
            Reduce::Sum => (0, 0.0),
            Reduce::SumSq => (1, 0.0),
            Reduce::SumExpNeg { kappa } => (2, kappa),
            Reduce::CountBelow { threshold } => (3, threshold),
            Reduce::Min => (4, 0.0),
            Reduce::Max => (5, 0.0),
        };
        ItemParams {
            kind,
            n: n as u32,
            groups: groups as u32,
            a,
            one: 1.0,
            pad: [0; 3],
        }
    }
}

/// The buffers of up to `capacity` items per call.
#[derive(Debug)]
struct ItemBuffers {
    capacity: usize,
    /// One [`ItemParams`] per [`SLOT`] bytes.
    params: wgpu::Buffer,
    /// What `params` holds, so unchanged items (the usual case, step after step) are
    /// not written again.
    written: Vec<Option<ItemParams>>,
    /// [`MAX_GROUPS`] pairs per item.
    partials: wgpu::Buffer,
    /// One pair per item.
    results: wgpu::Buffer,
    /// Mapped once per call to read the results or the median's state.
    staging: wgpu::Buffer,
}

impl ItemBuffers {
    fn new(ctx: &GpuContext, capacity: usize) -> Self {
        let buffer = |label: &str, size: u64, usage: wgpu::BufferUsages| {
            ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size,
                usage,
                mapped_at_creation: false,
            })
        };
        use wgpu::BufferUsages as U;
        let cap = capacity as u64;
        ItemBuffers {
            capacity,
            params: buffer(
                "oxyfield.stats.params",
                cap * SLOT,
                U::UNIFORM | U::STORAGE | U::COPY_DST,
            ),
            written: vec![None; capacity],
            partials: buffer(
                "oxyfield.stats.partials",
                cap * MAX_GROUPS as u64 * PAIR,
                U::STORAGE,
            ),
            results: buffer(
                "oxyfield.stats.results",
                cap * PAIR,
                U::STORAGE | U::COPY_SRC,
            ),
            staging: buffer(
                "oxyfield.stats.staging",
                (cap * PAIR).max(median::STATE_BYTES),
                U::MAP_READ | U::COPY_DST,
            ),
        }
    }
}

/// The statistics pipelines of one device and their buffers, built on first use.
#[derive(Debug)]
pub(crate) struct WgStats {
    reduce_pipe: wgpu::ComputePipeline,
    combine_pipe: wgpu::ComputePipeline,
    histogram_pipe: wgpu::ComputePipeline,
    select_pipe: wgpu::ComputePipeline,
    items: ItemBuffers,
    /// The median's 2 × 256 bin counts (u32).
    counts: wgpu::Buffer,
    /// The median's state (`median::MedianState`).
    state: wgpu::Buffer,
}

/// Takes the one pipeline of `entry` from `source`.
fn one_pipeline(
    ctx: &GpuContext,
    label: &str,
    source: &str,
    entry: &str,
) -> Result<wgpu::ComputePipeline> {
    pipeline::compute_pipelines(ctx, label, source, &[entry])?
        .pop()
        .ok_or_else(|| Error::Gpu(format!("building pipeline {label} gave none")))
}

impl WgStats {
    /// Builds the pipelines and the buffers for up to 8 items per call (more grow them).
    pub(crate) fn new(ctx: &GpuContext) -> Result<Self> {
        let [histogram_pipe, select_pipe]: [wgpu::ComputePipeline; 2] =
            pipeline::compute_pipelines(
                ctx,
                "oxyfield.stats_histogram",
                &shaders::stats_histogram(),
                &["histogram", "select_digit"],
            )?
            .try_into()
            .map_err(|_| Error::Gpu("building the median pipelines gave too few".into()))?;
        let storage = |label: &str, size: u64| {
            ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size,
                usage: wgpu::BufferUsages::STORAGE
                    | wgpu::BufferUsages::COPY_SRC
                    | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            })
        };
        Ok(WgStats {
            reduce_pipe: one_pipeline(
                ctx,
                "oxyfield.stats_reduce",
                &shaders::stats_reduce(),
                "stats_reduce",
            )?,
            combine_pipe: one_pipeline(
                ctx,
                "oxyfield.stats_combine",
                &shaders::stats_combine(),
                "stats_combine",
            )?,
            histogram_pipe,
            select_pipe,
            items: ItemBuffers::new(ctx, 8),
            counts: storage("oxyfield.stats.counts", 2 * 256 * 4),
            state: storage("oxyfield.stats.state", median::STATE_BYTES),
        })
    }

    /// The reductions `items` of fields of `store` over `mask` (see
    /// [`StatsKernels::reduce_masked`]).
    pub(crate) fn reduce(
        &mut self,
        ctx: &GpuContext,
        store: &GpuStore,
        mask: Field,
        items: &[(Field, Reduce)],
    ) -> Result<Vec<f64>> {
        for (f, _) in items {
            assert_eq!(f.len(), mask.len(), "mask and field lengths");
        }
        let n = mask.len();
        if items.is_empty() || n == 0 {
            return Ok(vec![0.0; items.len()]);
        }
        if items.len() > self.items.capacity {
            self.items = ItemBuffers::new(ctx, items.len().next_power_of_two());
        }
        let b = &mut self.items;
        let groups = n.div_ceil(WG).min(MAX_GROUPS);
        for (i, &(_, r)) in items.iter().enumerate() {
            let p = ItemParams::new(r, n, groups);
            if b.written[i] != Some(p) {
                let bytes = bytemuck::bytes_of(&p);
                ctx.queue.write_buffer(&b.params, i as u64 * SLOT, bytes);
                ctx.counters.up(bytes.len());
                b.written[i] = Some(p);
            }
        }
        let layout = self.reduce_pipe.get_bind_group_layout(0);
        let first: Vec<wgpu::BindGroup> = (0..items.len())
            .map(|i| {
                let entries = [
                    store.buffer(mask).as_entire_binding(),
                    store.buffer(items[i].0).as_entire_binding(),
                    slice(
                        &b.params,
                        i as u64 * SLOT,
                        std::mem::size_of::<ItemParams>() as u64,
                    ),
                    slice(
                        &b.partials,
                        (i * MAX_GROUPS) as u64 * PAIR,
                        groups as u64 * PAIR,
                    ),
                ];
                bind(ctx, "oxyfield.stats_reduce", &layout, entries)
            })
            .collect();
        let second = bind(
            ctx,
            "oxyfield.stats_combine",
            &self.combine_pipe.get_bind_group_layout(0),
            [
                b.params.as_entire_binding(),
                b.partials.as_entire_binding(),
                b.results.as_entire_binding(),
            ],
        );
        let bytes = items.len() as u64 * PAIR;
        let mut enc = encoder(ctx, "oxyfield.stats_reduce");
        {
            let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("oxyfield.stats_reduce"),
                timestamp_writes: None,
            });
            pass.set_pipeline(&self.reduce_pipe);
            for g in &first {
                pass.set_bind_group(0, g, &[]);
                pass.dispatch_workgroups(groups as u32, 1, 1);
            }
            pass.set_pipeline(&self.combine_pipe);
            pass.set_bind_group(0, &second, &[]);
            pass.dispatch_workgroups(items.len() as u32, 1, 1);
        }
        enc.copy_buffer_to_buffer(&b.results, 0, &b.staging, 0, bytes);
        ctx.queue.submit([enc.finish()]);
        ctx.counters.submit();
        ctx.counters.dispatch(items.len() as u64 + 1);
        let pairs: Vec<f32> = bytemuck::pod_collect_to_vec(&map_read(ctx, &b.staging, bytes)?);
        // Sums: hi + lo; min and max: the value (lo only says a voxel was seen).
        Ok(pairs
            .chunks_exact(2)
            .zip(items)
            .map(|(p, (_, r))| match r {
                Reduce::Min | Reduce::Max => f64::from(p[0]),
                _ => f64::from(p[0]) + f64::from(p[1]),
            })
            .collect())
    }
}

/// A bind group of `resources` at bindings 0, 1, ….
fn bind<const N: usize>(
    ctx: &GpuContext,
    label: &str,
    layout: &wgpu::BindGroupLayout,
    resources: [wgpu::BindingResource<'_>; N],
) -> wgpu::BindGroup {
    let entries: Vec<wgpu::BindGroupEntry> = resources
        .into_iter()
        .enumerate()
        .map(|(i, resource)| wgpu::BindGroupEntry {
            binding: i as u32,
            resource,
        })
        .collect();
    ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some(label),
        layout,
        entries: &entries,
    })
}

/// `size` bytes of `buffer` from `offset`, as a binding.
fn slice(buffer: &wgpu::Buffer, offset: u64, size: u64) -> wgpu::BindingResource<'_> {
    wgpu::BindingResource::Buffer(wgpu::BufferBinding {
        buffer,
        offset,
        size: std::num::NonZeroU64::new(size),
    })
}

fn encoder(ctx: &GpuContext, label: &str) -> wgpu::CommandEncoder {
    ctx.device
        .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) })
}

/// Maps the first `len` bytes of `staging` (filled by work already submitted), copies
/// them out and unmaps; counts them as bytes down.
fn map_read(ctx: &GpuContext, staging: &wgpu::Buffer, len: u64) -> Result<Vec<u8>> {
    let (tx, rx) = std::sync::mpsc::channel();
    staging.map_async(wgpu::MapMode::Read, ..len, move |r| {
        let _ = tx.send(r);
    });
    ctx.wait()?;
    rx.recv()
        .map_err(|_| Error::Gpu("statistics readback callback never ran".into()))?
        .map_err(|e| Error::Gpu(format!("mapping the statistics readback failed: {e}")))?;
    let out = staging
        .get_mapped_range(..len)
        .map(|view| view.to_vec())
        .map_err(|e| Error::Gpu(format!("reading the statistics readback failed: {e}")));
    staging.unmap();
    ctx.counters.down(len as usize);
    out
}

/// The backend's [`WgStats`], built on first use.
fn wg_stats<'a>(slot: &'a mut Option<WgStats>, ctx: &GpuContext) -> Result<&'a mut WgStats> {
    if slot.is_none() {
        *slot = Some(WgStats::new(ctx)?);
    }
    slot.as_mut()
        .ok_or_else(|| Error::Gpu("statistics pipelines missing".into()))
}

impl StatsKernels for GpuBackend {
    fn reduce_masked(&mut self, mask: Field, items: &[(Field, Reduce)]) -> Result<Vec<f64>> {
        self.flush();
        wg_stats(&mut self.stats, &self.ctx)?.reduce(&self.ctx, &self.store, mask, items)
    }

    fn median_masked(&mut self, mask: Field, field: Field) -> Result<f64> {
        self.flush();
        wg_stats(&mut self.stats, &self.ctx)?.median(&self.ctx, &self.store, mask, field)
    }
}
