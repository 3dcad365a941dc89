//! One source for what the host and the WGSL kernels must agree on: the workgroup
//! sizes every host file dispatches with, and the layout of every struct the host
//! writes for a kernel (its Rust `Pod` mirror). WGSL cannot import Rust constants, so
//! `tests/it/shaders.rs` reflects every shader with naga and checks both against these
//! definitions: each entry point's `@workgroup_size` is [`WG_3D`] or [`WG_1D`], and each
//! [`Mirror`] has the size and field offsets of its WGSL struct.

/// Workgroup of the kernels over the 3D grid (one invocation per voxel, or per voxel of
/// one colour of a row for the smoother). Wide in x, so that a warp or wavefront of 32
/// reads one stretch of a row, not 8-float pieces of four rows.
pub const WG_3D: [u32; 3] = [32, 4, 2];

/// Workgroup of the kernels over a flat range (pointwise kernels, reductions).
pub const WG_1D: u32 = 256;

/// A Rust `Pod` struct and the WGSL struct it mirrors.
#[derive(Debug, Clone)]
pub struct Mirror {
    /// The shader (`shaders::all` name) whose source declares the WGSL struct.
    pub shader: &'static str,
    /// The WGSL struct's name.
    pub wgsl: &'static str,
    /// The Rust type's size in bytes.
    pub size: usize,
    /// Each Rust field's name and byte offset, in declaration order.
    pub fields: Vec<(&'static str, usize)>,
}

/// A [`Mirror`] of `$ty` (fields named as listed) for WGSL struct `$wgsl` of `$shader`.
macro_rules! mirror {
    ($shader:expr, $wgsl:expr, $ty:ty, [$($f:ident),* $(,)?]) => {
        $crate::backend::gpu::layout::Mirror {
            shader: $shader,
            wgsl: $wgsl,
            size: std::mem::size_of::<$ty>(),
            fields: vec![$((stringify!($f), std::mem::offset_of!($ty, $f))),*],
        }
    };
}
pub(crate) use mirror;

/// Every struct the GPU backend writes for a kernel, with its WGSL counterpart (the
/// pointwise kernels' uniform blocks are checked apart, per kernel).
pub fn mirrors() -> Vec<Mirror> {
    use super::mg_transfer::MgTransferGpu;
    use super::o2_fields::O2ParamsGpu;
    use crate::backend::tissue::TissueUniforms;
    vec![
        mirror!(
            "o2_smooth",
            "O2Params",
            O2ParamsGpu,
            [
                dims, coeffs, omega, use_rhs, dt, sweeps, face_lo, face_hi, edge_in, edge_prev,
                edge_face, edge_width
            ]
        ),
        mirror!(
            "mg_restrict",
            "Transfer",
            MgTransferGpu,
            [fine, coarse, fine_edge]
        ),
        mirror!(
            "tissue",
            "TissueUniforms",
            TissueUniforms,
            [
                dims,
                dose_gy,
                alpha_per_gy,
                beta_per_gy2,
                oer_m_alpha,
                oer_m_beta,
                oer_k_mmhg,
                necrosis_po2_mmhg,
                necrosis_keep,
                clearance_keep,
                growth_rate_dt,
                growth_k_mmhg,
                doomed_keep,
                hif_k_mmhg,
                hif_hill,
                hif_keep_up,
                hif_keep_down,
                hif_scale,
                pad
            ]
        ),
        super::stats::item_mirror(),
        super::stats::median_mirror(),
    ]
}
