//! Backends: the CPU one (rayon; also the test oracle) and the GPU one (wgpu + WGSL).
//!
//! A backend owns the field data and runs kernels; the algorithm that strings kernels
//! together lives in [`crate::solver`] and is the same for both. The GPU backend keeps
//! fields on the device and returns only scalars until a field is asked for.

pub mod cpu;
pub mod gpu;

use crate::problem::O2Problem;
use crate::Result;

/// Which backend a run uses, as written on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendChoice {
    /// A hardware GPU when there is one, otherwise the CPU backend.
    Auto,
    /// The GPU backend on any adapter, software ones included.
    Gpu,
    /// The CPU backend.
    Cpu,
}

/// What ran a solve, for logs and `summary.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct BackendInfo {
    /// "cpu" or "gpu".
    pub kind: &'static str,
    /// Adapter name and driver (GPU) or processor description (CPU).
    pub adapter: String,
}

/// The kernels a backend provides for the O2 field. Every method has the same meaning
/// on both backends; see the CPU twins in [`cpu`] for the exact discrete update.
pub trait O2Backend {
    /// Name and adapter.
    fn info(&self) -> BackendInfo;
    /// Takes the coefficient fields of `problem` and an initial field.
    fn load(&mut self, problem: &O2Problem, po2: &[f32]) -> Result<()>;
    /// Replaces the pO2 field (a warm start); fixed voxels must already hold their values.
    fn write_o2(&mut self, po2: &[f32]) -> Result<()>;
    /// Reads the pO2 field back (mmHg, C order).
    fn read_o2(&mut self) -> Result<Vec<f32>>;
    /// Runs `sweeps` full red–black SOR sweeps with over-relaxation `omega`.
    fn sor_sweeps(&mut self, sweeps: u32, omega: f32) -> Result<()>;
    /// Σ F(P)² over free voxels, F the pointwise residual (mmHg²/s²).
    fn residual_sq_sum(&mut self) -> Result<f64>;
}

/// Opens the backend `choice` asks for. With `Auto`, a hardware GPU is used when one
/// exists; software adapters (lavapipe, SwiftShader, WARP) are slower than the CPU
/// backend, so `Auto` falls back to the CPU and logs why. Naming an adapter with
/// `Auto` means that adapter, software or not.
pub fn open(choice: BackendChoice, adapter: Option<&str>) -> Result<Box<dyn O2Backend>> {
    match choice {
        BackendChoice::Cpu => Ok(Box::new(cpu::CpuBackend::new())),
        BackendChoice::Gpu => Ok(Box::new(gpu::GpuBackend::new(gpu::GpuContext::open(
            adapter, true,
        )?)?)),
        BackendChoice::Auto => match gpu::GpuContext::open(adapter, adapter.is_some()) {
            Ok(ctx) => Ok(Box::new(gpu::GpuBackend::new(ctx)?)),
            Err(e) => {
                log::info!("{e}; using the CPU backend");
                Ok(Box::new(cpu::CpuBackend::new()))
            }
        },
    }
}
