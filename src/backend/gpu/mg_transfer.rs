//! Host side of the multigrid transfer kernels: `shaders/o2_residual_field.wgsl`,
//! `shaders/mg_restrict.wgsl`, `shaders/mg_coarse_rhs.wgsl`, `shaders/mg_prolong.wgsl`.
//! CPU twins: `src/backend/cpu/mg_transfer.rs`.

use super::o2_fields::GpuO2Fields;
use super::o2_smooth::groups_3d;
use super::{pipeline, shaders, GpuContext};
use crate::Result;
use wgpu::util::DeviceExt;

/// Workgroup size of all transfer kernels.
const WG: [u32; 3] = super::layout::WG_3D;

/// Grid sizes of a level pair. Keep in sync with `Transfer` in the mg shaders.
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub(crate) struct MgTransferGpu {
    /// Fine nx, ny, nz, unused.
    pub(crate) fine: [u32; 4],
    /// Coarse nx, ny, nz, unused.
    pub(crate) coarse: [u32; 4],
    /// The fine level's last-cell relative widths φ along x, y, z, and (for
    /// `mg_coarsen`) the mixed-cell coupling D/(h_f²·Pw)
    /// ([`crate::backend::stencil::mixed_coupling`]).
    pub(crate) fine_edge: [f32; 4],
}

/// The four transfer pipelines.
#[derive(Debug)]
pub(crate) struct WgMgTransfer {
    residual_field: wgpu::ComputePipeline,
    coarse_rhs: wgpu::ComputePipeline,
    restrict: wgpu::ComputePipeline,
    prolong: wgpu::ComputePipeline,
    coarsen: wgpu::ComputePipeline,
}

/// The transfer kernels bound to one (fine, coarse) level pair.
#[derive(Debug)]
pub(crate) struct TransferBinding {
    residual_field: wgpu::BindGroup,
    coarse_rhs: wgpu::BindGroup,
    restrict: wgpu::BindGroup,
    prolong: wgpu::BindGroup,
    coarsen: wgpu::BindGroup,
    fine_groups: [u32; 3],
    coarse_groups: [u32; 3],
    /// The uniform block and what it holds (its mixed-cell coupling follows the fine
    /// level's parameters: [`TransferBinding::set_params`]).
    params: wgpu::Buffer,
    held: Vec<u8>,
}

/// The uniform block of the level pair `fine` → `coarse`.
fn transfer_uniforms(fine: &GpuO2Fields, coarse: &GpuO2Fields) -> MgTransferGpu {
    let dims = |f: &GpuO2Fields| [f.params.dims[0], f.params.dims[1], f.params.dims[2]];
    let (fd, cd) = (dims(fine), dims(coarse));
    let [c, _, _, pw] = fine.params.coeffs;
    let e = fine.params.edge_width;
    MgTransferGpu {
        fine: [fd[0], fd[1], fd[2], 0],
        coarse: [cd[0], cd[1], cd[2], 0],
        fine_edge: [
            e[0],
            e[1],
            e[2],
            crate::backend::stencil::mixed_coupling(c, pw),
        ],
    }
}

impl TransferBinding {
    /// Rewrites the uniform block from the levels' current parameters: a hierarchy
    /// reused for a problem with other D or Pw must coarsen with that problem's
    /// mixed-cell coupling. Writes nothing when nothing changed.
    pub(crate) fn set_params(
        &mut self,
        ctx: &GpuContext,
        fine: &GpuO2Fields,
        coarse: &GpuO2Fields,
    ) {
        let block = transfer_uniforms(fine, coarse);
        ctx.write_changed(&self.params, &mut self.held, bytemuck::bytes_of(&block));
    }
}

fn entries<'a>(buffers: &[&'a wgpu::Buffer]) -> Vec<wgpu::BindGroupEntry<'a>> {
    buffers
        .iter()
        .enumerate()
        .map(|(i, b)| wgpu::BindGroupEntry {
            binding: i as u32,
            resource: b.as_entire_binding(),
        })
        .collect()
}

impl WgMgTransfer {
    /// Builds the pipelines.
    pub(crate) fn new(ctx: &GpuContext) -> Result<Self> {
        let one = |label: &str, src: String, entry: &str| -> Result<wgpu::ComputePipeline> {
            Ok(pipeline::compute_pipelines(ctx, label, &src, &[entry])?.remove(0))
        };
        Ok(WgMgTransfer {
            residual_field: one(
                "oxyfield.o2_residual_field",
                shaders::o2_residual_field(),
                "residual_field",
            )?,
            coarse_rhs: one(
                "oxyfield.mg_coarse_rhs",
                shaders::mg_coarse_rhs(),
                "coarse_rhs",
            )?,
            restrict: one(
                "oxyfield.mg_restrict",
                shaders::mg_restrict(),
                "mg_restrict",
            )?,
            prolong: one("oxyfield.mg_prolong", shaders::mg_prolong(), "mg_prolong")?,
            coarsen: one("oxyfield.mg_coarsen", shaders::mg_coarsen(), "mg_coarsen")?,
        })
    }

    /// Binds the pipelines to a fine level and the coarse level below it.
    pub(crate) fn bind(
        &self,
        ctx: &GpuContext,
        fine: &GpuO2Fields,
        coarse: &GpuO2Fields,
    ) -> Result<TransferBinding> {
        let dims = |f: &GpuO2Fields| [f.params.dims[0], f.params.dims[1], f.params.dims[2]];
        let (fd, cd) = (dims(fine), dims(coarse));
        let block = transfer_uniforms(fine, coarse);
        let params = ctx
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("oxyfield.mg_transfer.params"),
                contents: bytemuck::bytes_of(&block),
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            });
        let group = |pl: &wgpu::ComputePipeline, label: &str, e: &[wgpu::BindGroupEntry]| {
            ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(label),
                layout: &pl.get_bind_group_layout(0),
                entries: e,
            })
        };
        let mut resid_entries = fine.entries();
        resid_entries.push(wgpu::BindGroupEntry {
            binding: 7,
            resource: fine.resid.as_entire_binding(),
        });
        Ok(TransferBinding {
            residual_field: group(
                &self.residual_field,
                "oxyfield.o2_residual_field",
                &resid_entries,
            ),
            coarse_rhs: group(
                &self.coarse_rhs,
                "oxyfield.mg_coarse_rhs",
                &coarse.entries(),
            ),
            restrict: group(
                &self.restrict,
                "oxyfield.mg_restrict",
                &entries(&[
                    &params,
                    &fine.po2,
                    &fine.resid,
                    &coarse.po2,
                    &coarse.po2_old,
                    &coarse.rhs,
                ]),
            ),
            prolong: group(
                &self.prolong,
                "oxyfield.mg_prolong",
                &entries(&[
                    &params,
                    &coarse.po2,
                    &coarse.po2_old,
                    &fine.po2,
                    &fine.fixed,
                ]),
            ),
            coarsen: group(
                &self.coarsen,
                "oxyfield.mg_coarsen",
                &entries(&[
                    &params,
                    &fine.sv,
                    &fine.pb,
                    &fine.viable,
                    &fine.fixed,
                    &coarse.sv,
                    &coarse.pb,
                    &coarse.viable,
                    &coarse.fixed,
                ]),
            ),
            fine_groups: groups_3d(ctx, fd, WG)?,
            coarse_groups: groups_3d(ctx, cd, WG)?,
            params,
            held: bytemuck::bytes_of(&block).to_vec(),
        })
    }

    /// Records the restriction: fine residual field, mean onto the coarse level, and
    /// the coarse FAS source term.
    pub(crate) fn record_restrict(
        &self,
        ctx: &GpuContext,
        enc: &mut wgpu::CommandEncoder,
        b: &TransferBinding,
    ) {
        let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("oxyfield.mg_restrict"),
            timestamp_writes: None,
        });
        let dispatch = |pass: &mut wgpu::ComputePass, pl, bg, g: [u32; 3]| {
            pass.set_pipeline(pl);
            pass.set_bind_group(0, bg, &[]);
            pass.dispatch_workgroups(g[0], g[1], g[2]);
        };
        dispatch(
            &mut pass,
            &self.residual_field,
            &b.residual_field,
            b.fine_groups,
        );
        dispatch(&mut pass, &self.restrict, &b.restrict, b.coarse_groups);
        dispatch(&mut pass, &self.coarse_rhs, &b.coarse_rhs, b.coarse_groups);
        ctx.counters.dispatch(3);
    }

    /// Records the prolongation of the coarse correction into the fine level.
    pub(crate) fn record_prolong(
        &self,
        ctx: &GpuContext,
        enc: &mut wgpu::CommandEncoder,
        b: &TransferBinding,
    ) {
        let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("oxyfield.mg_prolong"),
            timestamp_writes: None,
        });
        pass.set_pipeline(&self.prolong);
        pass.set_bind_group(0, &b.prolong, &[]);
        let g = b.fine_groups;
        pass.dispatch_workgroups(g[0], g[1], g[2]);
        ctx.counters.dispatch(1);
    }

    /// Records the coarse level's coefficients made from the fine level's
    /// (`mg_coarsen`).
    pub(crate) fn record_coarsen(&self, enc: &mut wgpu::CommandEncoder, b: &TransferBinding) {
        let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("oxyfield.mg_coarsen"),
            timestamp_writes: None,
        });
        pass.set_pipeline(&self.coarsen);
        pass.set_bind_group(0, &b.coarsen, &[]);
        let g = b.coarse_groups;
        pass.dispatch_workgroups(g[0], g[1], g[2]);
    }
}
