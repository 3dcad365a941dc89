//! WGSL sources, embedded at build time. WGSL has no `#include`: the shared parts in
//! `shaders/shared/` are prepended here to the kernels that use them, and the naga
//! validation test builds the same strings.

/// Shared O2 declarations and stencil.
pub(crate) const O2_COMMON: &str = include_str!("../../../shaders/shared/o2_common.wgsl");

/// Shared workgroup tree sum.
pub(crate) const WORKGROUP_SUM: &str = include_str!("../../../shaders/shared/workgroup_sum.wgsl");

/// Shared reduction kinds, item parameters and combine of the statistics kernels.
pub(crate) const STATS_OPS: &str = include_str!("../../../shaders/shared/stats_ops.wgsl");

/// Every kernel: (name, full WGSL source including shared parts).
pub fn all() -> Vec<(&'static str, String)> {
    // The pointwise kernels, module by module.
    let pointwise = crate::backend::o2_coefficients::SHADERS
        .into_iter()
        .chain(crate::backend::ros_fields::SHADERS)
        .chain(crate::backend::drug_fields::SHADERS)
        .chain(crate::backend::gather::SHADERS)
        .map(|s| (s.name, s.source()));
    let mut out = vec![
        ("o2_smooth", o2_smooth()),
        ("o2_residual", o2_residual()),
        ("reduce_sum", reduce_sum()),
        ("o2_residual_field", o2_residual_field()),
        ("mg_coarse_rhs", mg_coarse_rhs()),
        ("mg_restrict", mg_restrict()),
        ("mg_prolong", mg_prolong()),
        ("mg_coarsen", mg_coarsen()),
        ("o2_step", o2_step()),
        ("tissue", tissue()),
        ("stats_reduce", stats_reduce()),
        ("stats_combine", stats_combine()),
        ("stats_histogram", stats_histogram()),
        ("copy", copy()),
    ];
    out.extend(pointwise);
    out
}

/// `shaders/o2_smooth.wgsl` with the shared O2 part.
pub(crate) fn o2_smooth() -> String {
    format!(
        "{O2_COMMON}\n{}",
        include_str!("../../../shaders/o2_smooth.wgsl")
    )
}

/// `shaders/o2_residual.wgsl` with the shared O2 part and workgroup sum.
pub(crate) fn o2_residual() -> String {
    format!(
        "{O2_COMMON}\n{WORKGROUP_SUM}\n{}",
        include_str!("../../../shaders/o2_residual.wgsl")
    )
}

/// `shaders/reduce_sum.wgsl` with the shared workgroup sum.
pub(crate) fn reduce_sum() -> String {
    format!(
        "{WORKGROUP_SUM}\n{}",
        include_str!("../../../shaders/reduce_sum.wgsl")
    )
}

/// `shaders/o2_residual_field.wgsl` with the shared O2 part.
pub(crate) fn o2_residual_field() -> String {
    format!(
        "{O2_COMMON}\n{}",
        include_str!("../../../shaders/o2_residual_field.wgsl")
    )
}

/// `shaders/mg_coarse_rhs.wgsl` with the shared O2 part.
pub(crate) fn mg_coarse_rhs() -> String {
    format!(
        "{O2_COMMON}\n{}",
        include_str!("../../../shaders/mg_coarse_rhs.wgsl")
    )
}

/// `shaders/mg_restrict.wgsl`.
pub(crate) fn mg_restrict() -> String {
    include_str!("../../../shaders/mg_restrict.wgsl").to_string()
}

/// `shaders/mg_coarsen.wgsl`.
pub(crate) fn mg_coarsen() -> String {
    include_str!("../../../shaders/mg_coarsen.wgsl").to_string()
}

/// `shaders/mg_prolong.wgsl`.
pub(crate) fn mg_prolong() -> String {
    include_str!("../../../shaders/mg_prolong.wgsl").to_string()
}

/// `shaders/o2_step.wgsl` with the shared O2 part.
pub(crate) fn o2_step() -> String {
    format!(
        "{O2_COMMON}\n{}",
        include_str!("../../../shaders/o2_step.wgsl")
    )
}

/// `shaders/tissue.wgsl` (self-contained).
pub(crate) fn tissue() -> String {
    include_str!("../../../shaders/tissue.wgsl").to_string()
}

/// `shaders/stats_reduce.wgsl` with the shared statistics part.
pub(crate) fn stats_reduce() -> String {
    format!(
        "{STATS_OPS}\n{}",
        include_str!("../../../shaders/stats_reduce.wgsl")
    )
}

/// `shaders/stats_combine.wgsl` with the shared statistics part.
pub(crate) fn stats_combine() -> String {
    format!(
        "{STATS_OPS}\n{}",
        include_str!("../../../shaders/stats_combine.wgsl")
    )
}

/// `shaders/stats_histogram.wgsl` (self-contained).
pub(crate) fn stats_histogram() -> String {
    include_str!("../../../shaders/stats_histogram.wgsl").to_string()
}

/// `shaders/copy.wgsl`.
pub(crate) fn copy() -> String {
    include_str!("../../../shaders/copy.wgsl").to_string()
}
