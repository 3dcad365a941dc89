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
                    layout: None,
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
