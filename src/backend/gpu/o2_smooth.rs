//! Host side of `shaders/o2_smooth.wgsl`: the red and black pipelines and their
//! dispatch. CPU twin: `src/backend/cpu/o2_smooth.rs`.

use super::o2_fields::GpuO2Fields;
use super::{pipeline, shaders, GpuContext};
use crate::{Error, Result};

/// Workgroup size of the smoother (keep in sync with the shader).
const WG: [u32; 3] = [8, 8, 4];

/// The red–black SOR kernel bound to one set of fields.
#[derive(Debug)]
pub struct WgO2Smooth {
    red: wgpu::ComputePipeline,
    black: wgpu::ComputePipeline,
    bind_red: wgpu::BindGroup,
    bind_black: wgpu::BindGroup,
    groups: [u32; 3],
}

impl WgO2Smooth {
    /// Builds the pipelines and binds them to `fields`.
    pub fn new(ctx: &GpuContext, fields: &GpuO2Fields) -> Result<Self> {
        let mut p = pipeline::compute_pipelines(
            ctx,
            "oxyfield.o2_smooth",
            &shaders::o2_smooth(),
            &["smooth_red", "smooth_black"],
        )?;
        let black = p.pop().expect("two pipelines");
        let red = p.pop().expect("two pipelines");
        let bind = |pl: &wgpu::ComputePipeline, label| {
            ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(label),
                layout: &pl.get_bind_group_layout(0),
                entries: &fields.entries(),
            })
        };
        let [nx, ny, nz, _] = fields.params.dims;
        let groups = [
            nx.div_ceil(2).div_ceil(WG[0]),
            ny.div_ceil(WG[1]),
            nz.div_ceil(WG[2]),
        ];
        let max = ctx.device.limits().max_compute_workgroups_per_dimension;
        if groups.iter().any(|&g| g > max) {
            return Err(Error::Gpu(format!(
                "grid {nz}×{ny}×{nx} needs {groups:?} workgroups, above the adapter's {max} \
                 per dimension; use a smaller grid or --backend cpu"
            )));
        }
        Ok(WgO2Smooth {
            bind_red: bind(&red, "oxyfield.o2_smooth.red"),
            bind_black: bind(&black, "oxyfield.o2_smooth.black"),
            red,
            black,
            groups,
        })
    }

    /// Records `sweeps` red+black sweeps into one compute pass.
    pub fn record(&self, enc: &mut wgpu::CommandEncoder, sweeps: u32) {
        let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("oxyfield.o2_smooth"),
            timestamp_writes: None,
        });
        let [x, y, z] = self.groups;
        for _ in 0..sweeps {
            pass.set_pipeline(&self.red);
            pass.set_bind_group(0, &self.bind_red, &[]);
            pass.dispatch_workgroups(x, y, z);
            pass.set_pipeline(&self.black);
            pass.set_bind_group(0, &self.bind_black, &[]);
            pass.dispatch_workgroups(x, y, z);
        }
    }
}
