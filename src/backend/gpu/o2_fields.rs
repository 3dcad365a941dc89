//! Device-side data of the O2 problem (`Gpu*` types own buffers; `Wg*` kernel types own
//! pipelines): the uniform parameters, the per-voxel coefficient fields, and the
//! multigrid work fields of one level.

use super::GpuContext;
use crate::backend::stencil::StencilConsts;
use crate::problem::O2Problem;
use crate::Result;
use wgpu::util::DeviceExt;

/// Uniform parameters. Keep in sync with `O2Params` in `shaders/shared/o2_common.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub(crate) struct O2ParamsGpu {
    /// nx, ny, nz, number of voxels.
    pub(crate) dims: [u32; 4],
    /// D/h² (1/s), M (mmHg/s), Km (mmHg), Pw (µm/s).
    pub(crate) coeffs: [f32; 4],
    /// SOR factor ω.
    pub(crate) omega: f32,
    /// 1 on multigrid coarse levels: add the FAS source term.
    pub(crate) use_rhs: u32,
    /// Explicit time step (s), used by `o2_step` only.
    pub(crate) dt: f32,
    /// Red–black sweeps of one `smooth_small` dispatch (levels of at most
    /// [`SMALL_CELLS`](super::o2_smooth::SMALL_CELLS) voxels).
    pub(crate) sweeps: u32,
    /// Fixed pO2 on x_min, y_min, z_min (negative: no-flux), padding.
    pub(crate) face_lo: [f32; 4],
    /// Fixed pO2 on x_max, y_max, z_max (negative: no-flux), padding.
    pub(crate) face_hi: [f32; 4],
    /// Per axis x, y, z: the last cell's coupling weight to its inner neighbour
    /// (`EdgeWeights::inner` in the CPU stencil), padding.
    pub(crate) edge_in: [f32; 4],
    /// Per axis: the second-last cell's weight to the last (`EdgeWeights::prev` in the CPU stencil).
    pub(crate) edge_prev: [f32; 4],
    /// Per axis: the last cell's weight to a fixed high face (`EdgeWeights::face` in the CPU stencil).
    pub(crate) edge_face: [f32; 4],
    /// Per axis: the last cell's relative width φ (restriction weights), padding.
    pub(crate) edge_width: [f32; 4],
}

impl O2ParamsGpu {
    /// Parameters of `problem` with over-relaxation `omega`.
    pub(crate) fn new(problem: &O2Problem, omega: f32, use_rhs: bool) -> Self {
        Self::from_parts(
            &problem.grid,
            &problem.params,
            problem.faces,
            problem.edge_width,
            omega,
            use_rhs,
        )
    }

    /// Parameters of a problem on `grid` with `params`, `faces` and last-cell widths
    /// `edge_width`.
    pub(crate) fn from_parts(
        grid: &crate::grid::Grid,
        params: &crate::physics::o2::O2Params,
        faces: [f32; 6],
        edge_width: [f32; 3],
        omega: f32,
        use_rhs: bool,
    ) -> Self {
        let k = StencilConsts::from_parts(grid, params, faces, edge_width);
        let f = k.faces;
        O2ParamsGpu {
            dims: [k.nx as u32, k.ny as u32, k.nz as u32, grid.len() as u32],
            coeffs: [k.c, k.m_max, k.km, k.pw],
            omega,
            use_rhs: u32::from(use_rhs),
            dt: 0.0,
            sweeps: 0,
            face_lo: [f[0], f[2], f[4], 0.0],
            face_hi: [f[1], f[3], f[5], 0.0],
            edge_in: [k.edge[0].inner, k.edge[1].inner, k.edge[2].inner, 0.0],
            edge_prev: [k.edge[0].prev, k.edge[1].prev, k.edge[2].prev, 0.0],
            edge_face: [k.edge[0].face, k.edge[1].face, k.edge[2].face, 0.0],
            edge_width: [edge_width[0], edge_width[1], edge_width[2], 0.0],
        }
    }
}

/// The O2 problem on the device.
#[derive(Debug)]
pub(crate) struct GpuO2Fields {
    /// The problem's uniform parameters (ω is rewritten per solve).
    pub(crate) params: O2ParamsGpu,
    /// Uniform buffer holding `params`.
    pub(crate) params_buf: wgpu::Buffer,
    /// pO2 (mmHg), read–write.
    pub(crate) po2: wgpu::Buffer,
    /// Sv (1/µm).
    pub(crate) sv: wgpu::Buffer,
    /// Pb (mmHg).
    pub(crate) pb: wgpu::Buffer,
    /// Viable fraction n.
    pub(crate) viable: wgpu::Buffer,
    /// Fixed pO2 (mmHg; negative: free).
    pub(crate) fixed: wgpu::Buffer,
    /// FAS source term (mmHg/s), read on coarse levels; one value on the fine level.
    pub(crate) rhs: wgpu::Buffer,
    /// R̂·P_h as restricted (coarse levels), to form the correction; one value on the
    /// fine level.
    pub(crate) po2_old: wgpu::Buffer,
    /// Residual field, the input of restriction; scratch of the explicit step and of
    /// the reference norm on the fine level.
    pub(crate) resid: wgpu::Buffer,
    /// Number of voxels.
    pub(crate) len: usize,
}

impl GpuO2Fields {
    /// Uploads `problem` and the initial field `po2` (zeros on coarse levels, where
    /// restriction fills it), after checking the device limits.
    pub(crate) fn upload(
        ctx: &GpuContext,
        problem: &O2Problem,
        po2: &[f32],
        use_rhs: bool,
    ) -> Result<Self> {
        let g = &problem.grid;
        super::store::check_size(ctx, g.len(), &super::store::grid_field(g.nx, g.ny, g.nz))?;
        let dev = &ctx.device;
        let storage = |label: &str, data: &[f32], extra: wgpu::BufferUsages| {
            ctx.counters.up(data.len() * 4);
            dev.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: bytemuck::cast_slice(data),
                usage: wgpu::BufferUsages::STORAGE | extra,
            })
        };
        let copy = wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST;
        let params = O2ParamsGpu::new(problem, 1.0, use_rhs);
        let zeros = vec![0.0f32; problem.grid.len()];
        // The FAS fields of the fine level are never read (use_rhs = 0) nor written
        // (restriction writes the coarse level's): one value each, to bind.
        let fas: &[f32] = if use_rhs { &zeros } else { &zeros[..1] };
        Ok(GpuO2Fields {
            params,
            params_buf: dev.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("oxyfield.o2.params"),
                contents: bytemuck::bytes_of(&params),
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            }),
            po2: storage("oxyfield.o2.po2", po2, copy),
            sv: storage("oxyfield.o2.sv", &problem.sv, copy),
            pb: storage("oxyfield.o2.pb", &problem.pb, copy),
            viable: storage("oxyfield.o2.viable", &problem.viable, copy),
            fixed: storage("oxyfield.o2.fixed", &problem.fixed, copy),
            rhs: storage("oxyfield.o2.rhs", fas, copy),
            po2_old: storage("oxyfield.o2.po2_old", fas, copy),
            resid: storage("oxyfield.o2.resid", &zeros, copy),
            len: problem.grid.len(),
        })
    }

    /// A level over existing buffers: the problem's coefficients and solution `main`
    /// (pO2, Sv, Pb, n, fixed: the resident fields of level 0), or new zeroed ones
    /// (coarse levels, which `mg_coarsen` and restriction fill); the work fields are
    /// new. `len` voxels; `params` for the uniform block.
    pub(crate) fn over(
        ctx: &GpuContext,
        params: O2ParamsGpu,
        len: usize,
        main: Option<[&wgpu::Buffer; 5]>,
    ) -> Result<Self> {
        let [nx, ny, nz, _] = params.dims;
        let what = super::store::grid_field(nx, ny, nz);
        super::store::check_size(ctx, len.max(1), &what)?;
        let dev = &ctx.device;
        let zeroed_of = |label: &str, len: usize| {
            dev.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: (len.max(1) * 4) as u64,
                usage: wgpu::BufferUsages::STORAGE
                    | wgpu::BufferUsages::COPY_SRC
                    | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            })
        };
        let zeroed = |label: &str| zeroed_of(label, len);
        // The fine level's FAS fields: one value each (see `upload`).
        let fas_len = if params.use_rhs != 0 { len } else { 1 };
        let [po2, sv, pb, viable, fixed] = match main {
            Some(b) => b.map(|b| b.clone()),
            None => [
                zeroed("oxyfield.o2.po2"),
                zeroed("oxyfield.o2.sv"),
                zeroed("oxyfield.o2.pb"),
                zeroed("oxyfield.o2.viable"),
                zeroed("oxyfield.o2.fixed"),
            ],
        };
        ctx.check()?;
        let params_buf = dev.create_buffer(&wgpu::BufferDescriptor {
            label: Some("oxyfield.o2.params"),
            size: std::mem::size_of::<O2ParamsGpu>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        ctx.write(&params_buf, 0, bytemuck::bytes_of(&params));
        Ok(GpuO2Fields {
            params,
            params_buf,
            po2,
            sv,
            pb,
            viable,
            fixed,
            rhs: zeroed_of("oxyfield.o2.rhs", fas_len),
            po2_old: zeroed_of("oxyfield.o2.po2_old", fas_len),
            resid: zeroed("oxyfield.o2.resid"),
            len,
        })
    }

    /// Rewrites the uniform block when `params` differ from the current ones.
    /// ω and Δt stay as the last solve set them (the smoother sets its own before it
    /// runs), so reloading the same problem writes nothing.
    pub(crate) fn set_params(&mut self, ctx: &GpuContext, params: O2ParamsGpu) {
        let params = O2ParamsGpu {
            omega: self.params.omega,
            dt: self.params.dt,
            sweeps: self.params.sweeps,
            ..params
        };
        if bytemuck::bytes_of(&self.params) != bytemuck::bytes_of(&params) {
            self.params = params;
            ctx.write(&self.params_buf, 0, bytemuck::bytes_of(&params));
        }
    }

    /// True when `problem`'s grid has this level's dimensions.
    pub(crate) fn fits(&self, problem: &O2Problem) -> bool {
        let g = &problem.grid;
        self.params.dims == [g.nx as u32, g.ny as u32, g.nz as u32, g.len() as u32]
    }

    /// Writes `problem` and `po2` (zeros when none: coarse levels, where restriction
    /// fills it) into these buffers when the grid is the same (a
    /// batch's next scenario, or the next solve of a protocol), so that the buffers and
    /// the bind groups made from them are reused; false (nothing written) when the
    /// grid differs.
    pub(crate) fn rewrite(
        &mut self,
        ctx: &GpuContext,
        problem: &O2Problem,
        po2: Option<&[f32]>,
        use_rhs: bool,
    ) -> bool {
        if !self.fits(problem) || po2.is_some_and(|p| p.len() != self.len) {
            return false;
        }
        let params = O2ParamsGpu::new(problem, 1.0, use_rhs);
        let put = |buf: &wgpu::Buffer, data: &[f32]| ctx.write(buf, 0, bytemuck::cast_slice(data));
        self.params = params;
        ctx.write(&self.params_buf, 0, bytemuck::bytes_of(&params));
        put(&self.sv, &problem.sv);
        put(&self.pb, &problem.pb);
        put(&self.viable, &problem.viable);
        put(&self.fixed, &problem.fixed);
        // The work fields (and pO2 where none is given) are zeroed on the device.
        let mut enc = ctx.encoder("oxyfield.o2.rewrite");
        match po2 {
            Some(p) => put(&self.po2, p),
            None => enc.clear_buffer(&self.po2, 0, None),
        }
        for buf in [&self.rhs, &self.po2_old, &self.resid] {
            enc.clear_buffer(buf, 0, None);
        }
        ctx.submit(enc);
        true
    }

    /// Sets ω, Δt and the sweeps of a one-dispatch smoothing in the uniform buffer if
    /// they changed.
    pub(crate) fn set_scalars(&mut self, ctx: &GpuContext, omega: f32, dt: f32, sweeps: u32) {
        if self.params.omega != omega || self.params.dt != dt || self.params.sweeps != sweeps {
            self.params.omega = omega;
            self.params.dt = dt;
            self.params.sweeps = sweeps;
            ctx.write(&self.params_buf, 0, bytemuck::bytes_of(&self.params));
        }
    }

    /// The layout of [`entries`](Self::entries) for the kernels that only read the FAS
    /// source term (the smoother): a uniform block, pO2 read–write, the four
    /// coefficient fields and the FAS term read-only.
    pub(crate) fn layout(ctx: &GpuContext) -> wgpu::BindGroupLayout {
        let storage = |binding: u32, read_only: bool| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::COMPUTE,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Storage { read_only },
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        };
        let mut entries = vec![wgpu::BindGroupLayoutEntry {
            binding: 0,
            visibility: wgpu::ShaderStages::COMPUTE,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Uniform,
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        }];
        entries.extend((1..=6).map(|b| storage(b, b != 1)));
        ctx.device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("oxyfield.o2.fields"),
                entries: &entries,
            })
    }

    /// The bind-group entries 0–6 shared by the O2 kernels (`shared/o2_common.wgsl`).
    pub(crate) fn entries(&self) -> Vec<wgpu::BindGroupEntry<'_>> {
        [
            &self.params_buf,
            &self.po2,
            &self.sv,
            &self.pb,
            &self.viable,
            &self.fixed,
            &self.rhs,
        ]
        .into_iter()
        .enumerate()
        .map(|(i, b)| wgpu::BindGroupEntry {
            binding: i as u32,
            resource: b.as_entire_binding(),
        })
        .collect()
    }
}
