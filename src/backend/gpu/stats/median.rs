//! The exact masked median on the device ([`WgStats::median`]): four rounds of radix
//! selection (`shaders/stats_histogram.wgsl`) in one submit, then 24 bytes read back.
//!
//! Why all 32 key bits on the device instead of stopping at a small final bin and
//! selecting its values on the host: ties (an all-equal field, a clamped pO2 of 0) can
//! put millions of voxels in any bin short of the last, so no bound on a final bin
//! holds; after the fourth round each bin is one value, and the readback is two keys.

use super::{bind, encoder, map_read, GpuContext, WgStats, WG};
use crate::backend::gpu::store::GpuStore;
use crate::backend::Field;
use crate::{Error, Result};

/// Workgroups of a histogram round at most: each adds its 512 bins to the global counts
/// with atomics, so fewer, fuller workgroups mean fewer global atomics.
const HIST_GROUPS: usize = 256;
/// Median rounds: 8 key bits each.
const ROUNDS: u32 = 4;
/// Bytes of the median's state, the whole of what a median call reads back.
pub(super) const STATE_BYTES: u64 = std::mem::size_of::<MedianState>() as u64;

/// The median's state (keep in sync with `State` in `shaders/stats_histogram.wgsl`).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct MedianState {
    n: u32,
    digit: u32,
    rank: [u32; 2],
    prefix: [u32; 2],
}

/// [`MedianState`] and `State` in `shaders/stats_histogram.wgsl`.
pub(super) fn state_mirror() -> crate::backend::gpu::layout::Mirror {
    crate::backend::gpu::layout::mirror!(
        "stats_histogram",
        "State",
        MedianState,
        [n, digit, rank, prefix]
    )
}

/// The value of an order key (the inverse of `order_key` in the shader; keys order as
/// [`f32::total_cmp`]).
fn key_value(key: u32) -> f32 {
    f32::from_bits(if key & 0x8000_0000 != 0 {
        key & 0x7fff_ffff
    } else {
        !key
    })
}

impl WgStats {
    /// The exact median of `field` of `store` over `mask` (see
    /// [`crate::backend::stats::StatsKernels::median_masked`]).
    pub(crate) fn median(
        &mut self,
        ctx: &GpuContext,
        store: &GpuStore,
        mask: Field,
        field: Field,
    ) -> Result<f64> {
        assert_eq!(field.len(), mask.len(), "mask and field lengths");
        if mask.is_empty() {
            return Ok(0.0);
        }
        let count = self.counts.as_entire_binding();
        let state = self.state.as_entire_binding();
        let hist = bind(
            ctx,
            "oxyfield.stats_histogram",
            &self.histogram_pipe.get_bind_group_layout(0),
            [
                store.buffer(mask).as_entire_binding(),
                store.buffer(field).as_entire_binding(),
                count.clone(),
                state.clone(),
            ],
        );
        // `select_digit` uses bindings 2 and 3 only.
        let select = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("oxyfield.stats_select"),
            layout: &self.select_pipe.get_bind_group_layout(0),
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: count,
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: state,
                },
            ],
        });
        let groups = mask.len().div_ceil(WG).min(HIST_GROUPS) as u32;
        let mut enc = encoder(ctx, "oxyfield.stats_median");
        enc.clear_buffer(&self.counts, 0, None);
        enc.clear_buffer(&self.state, 0, None);
        {
            let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("oxyfield.stats_median"),
                timestamp_writes: None,
            });
            for _ in 0..ROUNDS {
                pass.set_pipeline(&self.histogram_pipe);
                pass.set_bind_group(0, &hist, &[]);
                pass.dispatch_workgroups(groups, 1, 1);
                pass.set_pipeline(&self.select_pipe);
                pass.set_bind_group(0, &select, &[]);
                pass.dispatch_workgroups(1, 1, 1);
            }
        }
        let bytes = STATE_BYTES;
        enc.copy_buffer_to_buffer(&self.state, 0, &self.items.staging, 0, bytes);
        ctx.queue.submit([enc.finish()]);
        ctx.counters.submit();
        ctx.counters.dispatch(2 * u64::from(ROUNDS));
        let st: MedianState =
            bytemuck::pod_read_unaligned(&map_read(ctx, &self.items.staging, bytes)?);
        if st.digit != ROUNDS || st.n as usize > mask.len() {
            return Err(Error::Gpu(format!(
                "the median selection came back incomplete ({} of {ROUNDS} rounds, {} of {} \
                 voxels)",
                st.digit,
                st.n,
                mask.len()
            )));
        }
        let (lower, upper) = (key_value(st.prefix[0]), key_value(st.prefix[1]));
        Ok(match st.n {
            0 => 0.0,
            n if n % 2 == 1 => f64::from(upper),
            _ => (f64::from(lower) + f64::from(upper)) / 2.0,
        })
    }
}
