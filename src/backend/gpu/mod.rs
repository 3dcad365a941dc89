//! The GPU backend: WGSL compute kernels through wgpu. Fields live on the device; only
//! residual norms come back during a solve, and whole fields only when asked for.

mod context;
pub mod o2_fields;
pub mod o2_residual;
pub mod o2_smooth;
mod pipeline;
mod readback;
pub mod shaders;

pub use context::{adapters, describe, is_software, GpuContext};

use super::{BackendInfo, O2Backend};
use crate::problem::O2Problem;
use crate::{Error, Result};
use o2_fields::GpuO2Fields;
use o2_residual::WgO2Residual;
use o2_smooth::WgO2Smooth;

/// Sweeps recorded per submit at most, to keep each submit short (OS watchdogs).
const SWEEPS_PER_SUBMIT: u32 = 25;

/// GPU backend state: the device, and the problem's buffers and kernels once loaded.
#[derive(Debug)]
pub struct GpuBackend {
    ctx: GpuContext,
    loaded: Option<Loaded>,
}

#[derive(Debug)]
struct Loaded {
    fields: GpuO2Fields,
    smooth: WgO2Smooth,
    residual: WgO2Residual,
}

impl GpuBackend {
    /// A backend on an opened device.
    pub fn new(ctx: GpuContext) -> Result<Self> {
        Ok(GpuBackend { ctx, loaded: None })
    }

    fn loaded(&mut self) -> Result<&mut Loaded> {
        self.loaded
            .as_mut()
            .ok_or_else(|| Error::Gpu("GPU backend used before load()".into()))
    }
}

impl O2Backend for GpuBackend {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            kind: "gpu",
            adapter: describe(&self.ctx.info),
        }
    }

    fn load(&mut self, problem: &O2Problem, po2: &[f32]) -> Result<()> {
        let fields = GpuO2Fields::upload(&self.ctx, problem, po2)?;
        let smooth = WgO2Smooth::new(&self.ctx, &fields)?;
        let residual = WgO2Residual::new(&self.ctx, &fields)?;
        self.loaded = Some(Loaded {
            fields,
            smooth,
            residual,
        });
        Ok(())
    }

    fn write_o2(&mut self, po2: &[f32]) -> Result<()> {
        let ctx = self.ctx.clone();
        let l = self.loaded()?;
        assert_eq!(po2.len(), l.fields.len, "field length");
        ctx.queue
            .write_buffer(&l.fields.po2, 0, bytemuck::cast_slice(po2));
        Ok(())
    }

    fn read_o2(&mut self) -> Result<Vec<f32>> {
        let ctx = self.ctx.clone();
        let l = self.loaded()?;
        readback::read_f32(&ctx, &l.fields.po2, l.fields.len)
    }

    fn sor_sweeps(&mut self, sweeps: u32, omega: f32) -> Result<()> {
        let ctx = self.ctx.clone();
        let l = self.loaded()?;
        l.fields.set_omega(&ctx, omega);
        let mut left = sweeps;
        while left > 0 {
            let n = left.min(SWEEPS_PER_SUBMIT);
            let mut enc = ctx
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                    label: Some("oxyfield.o2_sweeps"),
                });
            l.smooth.record(&mut enc, n);
            ctx.queue.submit([enc.finish()]);
            left -= n;
        }
        Ok(())
    }

    fn residual_sq_sum(&mut self) -> Result<f64> {
        let ctx = self.ctx.clone();
        let l = self.loaded()?;
        l.residual.run(&ctx)
    }
}
