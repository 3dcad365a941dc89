//! Compute-pipeline creation inside a validation error scope, so a broken shader or
//! layout becomes a typed error instead of a panic.

use super::GpuContext;
use crate::{Error, Result};

/// Compiles `source` and builds one pipeline per entry point (auto layout).
pub(crate) fn compute_pipelines(
    ctx: &GpuContext,
    label: &str,
    source: &str,
    entry_points: &[&str],
) -> Result<Vec<wgpu::ComputePipeline>> {
    build(ctx, label, source, entry_points, None)
}

/// Compiles `source` and builds one pipeline per entry point, all with bind group 0 of
/// `group0`, so that one bind group serves every entry point.
pub(crate) fn compute_pipelines_sharing(
    ctx: &GpuContext,
    label: &str,
    source: &str,
    entry_points: &[&str],
    group0: &wgpu::BindGroupLayout,
) -> Result<Vec<wgpu::ComputePipeline>> {
    let layout = ctx
        .device
        .create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some(label),
            bind_group_layouts: &[Some(group0)],
            immediate_size: 0,
        });
    build(ctx, label, source, entry_points, Some(&layout))
}

fn build(
    ctx: &GpuContext,
    label: &str,
    source: &str,
    entry_points: &[&str],
    layout: Option<&wgpu::PipelineLayout>,
) -> Result<Vec<wgpu::ComputePipeline>> {
    let scope = ctx.device.push_error_scope(wgpu::ErrorFilter::Validation);
    let module = ctx
        .device
        .create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(label),
            source: wgpu::ShaderSource::Wgsl(source.into()),
        });
    let pipelines = entry_points
        .iter()
        .map(|entry| {
            ctx.device
                .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                    label: Some(&format!("{label}.{entry}")),
                    layout,
                    module: &module,
                    entry_point: Some(entry),
                    compilation_options: Default::default(),
                    cache: None,
                })
        })
        .collect();
    if let Some(err) = pollster::block_on(scope.pop()) {
        return Err(Error::Gpu(format!(
            "building pipeline {label} failed: {err}"
        )));
    }
    Ok(pipelines)
}
