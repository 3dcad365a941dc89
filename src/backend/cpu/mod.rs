//! The CPU backend: the same discrete updates as the WGSL kernels, parallelised over
//! z-planes with rayon. It is the oracle the GPU is tested against, and the right choice
//! on machines whose only adapter is a software one.

pub mod o2_residual;
pub mod o2_smooth;
pub mod o2_stencil;

use super::{BackendInfo, O2Backend};
use crate::problem::O2Problem;
use crate::Result;

/// CPU backend state: the problem and the current field.
#[derive(Debug, Default)]
pub struct CpuBackend {
    problem: Option<O2Problem>,
    po2: Vec<f32>,
}

impl CpuBackend {
    /// A CPU backend using rayon's global pool.
    pub fn new() -> Self {
        Self::default()
    }

    fn problem(&self) -> &O2Problem {
        self.problem
            .as_ref()
            .expect("CpuBackend used before load(): a programming error")
    }
}

impl O2Backend for CpuBackend {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            kind: "cpu",
            adapter: format!("CPU ({} threads)", rayon::current_num_threads()),
        }
    }

    fn load(&mut self, problem: &O2Problem, po2: &[f32]) -> Result<()> {
        self.problem = Some(problem.clone());
        self.write_o2(po2)
    }

    fn write_o2(&mut self, po2: &[f32]) -> Result<()> {
        assert_eq!(po2.len(), self.problem().grid.len(), "field length");
        self.po2 = po2.to_vec();
        Ok(())
    }

    fn read_o2(&mut self) -> Result<Vec<f32>> {
        Ok(self.po2.clone())
    }

    fn sor_sweeps(&mut self, sweeps: u32, omega: f32) -> Result<()> {
        let problem = self.problem.as_ref().expect("load() first");
        for _ in 0..sweeps {
            o2_smooth::smooth_colour(problem, &mut self.po2, 0, omega);
            o2_smooth::smooth_colour(problem, &mut self.po2, 1, omega);
        }
        Ok(())
    }

    fn residual_sq_sum(&mut self) -> Result<f64> {
        Ok(o2_residual::residual_sq_sum(self.problem(), &self.po2))
    }
}
