//! Batched submission: work recorded into one encoder and submitted once (a V-cycle
//! and its residual check are one submit; issue 19 point 5).

use super::GpuContext;

/// Work recorded per submit at most, in level-0 sweep-equivalents (a coarse level's
/// sweep counts its size relative to level 0), to keep each submit short (OS
/// watchdogs).
pub(super) const SWEEPS_PER_SUBMIT: u32 = 25;

/// Work recorded into one encoder and not yet submitted. Outside a batch
/// ([`O2Backend::batch_begin`]) each call submits what it recorded before it returns;
/// inside one, calls add to the same encoder, submitted at [`O2Backend::batch_end`], at a
/// residual read, before any other call, and whenever [`SWEEPS_PER_SUBMIT`] would be
/// passed.
#[derive(Debug, Default)]
pub(super) struct Pending {
    /// Batches begun and not yet ended.
    pub(crate) depth: u32,
    enc: Option<wgpu::CommandEncoder>,
    /// Level-0 sweep-equivalents recorded in `enc`.
    work: f64,
    /// Levels (bit l: level l) whose ω or Δt the work in `enc` reads: the smoother reads
    /// ω and the explicit step Δt (`shared/o2_common.wgsl`; no other kernel reads them).
    /// A queue write to those uniforms lands before the whole next submit, so `enc` is
    /// submitted first.
    pub(crate) scalars: u64,
    /// Pointwise kernels recorded in `enc`: a kernel's uniforms are written when it is
    /// recorded, and that write lands before the whole next submit, so a second call of
    /// the same kernel submits `enc` first.
    pub(crate) pointwise: Vec<&'static str>,
}

impl Pending {
    /// How many of `left` repetitions of `cost` sweep-equivalents go into the encoder
    /// now (at least one); submits what it holds first when none would fit.
    pub(crate) fn fit(&mut self, ctx: &GpuContext, left: u32, cost: f64) -> u32 {
        let budget = f64::from(SWEEPS_PER_SUBMIT);
        let room = |work: f64| ((budget - work) / cost).floor().max(0.0) as u32;
        if room(self.work) == 0 {
            self.submit(ctx);
        }
        left.min(room(self.work).max(1))
    }

    /// The encoder to record `work` sweep-equivalents into; submits what it holds first
    /// when `work` would take it past [`SWEEPS_PER_SUBMIT`].
    pub(crate) fn encoder(
        &mut self,
        ctx: &GpuContext,
        work: f64,
        scalars: u64,
    ) -> &mut wgpu::CommandEncoder {
        if self.work + work > f64::from(SWEEPS_PER_SUBMIT) {
            self.submit(ctx);
        }
        self.work += work;
        self.scalars |= scalars;
        self.enc
            .get_or_insert_with(|| ctx.encoder("oxyfield.o2_batch"))
    }

    /// Submits what was recorded, if anything.
    pub(crate) fn submit(&mut self, ctx: &GpuContext) {
        if let Some(enc) = self.enc.take() {
            ctx.submit(enc);
        }
        self.work = 0.0;
        self.scalars = 0;
        self.pointwise.clear();
    }

    /// Submits what was recorded unless a batch is open.
    pub(crate) fn done(&mut self, ctx: &GpuContext) {
        if self.depth == 0 {
            self.submit(ctx);
        }
    }
}

/// The bit of `level` in [`Pending::scalars`].
pub(super) fn level_bit(level: usize) -> u64 {
    1 << level.min(63)
}
