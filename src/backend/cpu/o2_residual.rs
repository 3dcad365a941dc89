//! CPU twin of `shaders/o2_residual.wgsl` (and of `residual_at` in
//! `shaders/shared/o2_common.wgsl`): Σ F(P)² over free voxels, with F in difference
//! form. Pointwise values are computed in f32 like the shader; the sum is taken in f64.
//! The functions live in the shared [`crate::backend::stencil`], which the solver's
//! host reference norm and the drug floor use too.
