//! The CPU backend: the same discrete updates as the WGSL kernels, parallelised over
//! z-planes with rayon. It is the oracle the GPU is tested against, and the right choice
//! on machines whose only adapter is a software one.

pub mod mg_transfer;
pub mod o2_residual;
pub mod o2_smooth;
pub mod o2_stencil;
pub mod o2_step;
mod stats;
pub mod store;
pub mod tissue;

use super::{BackendInfo, Counters, Field, FieldStore, O2Backend};
use crate::problem::O2Problem;
use crate::Result;

/// One multigrid level's problem and fields.
#[derive(Debug, Clone)]
pub struct CpuLevel {
    /// The level's discrete problem (coarsened coefficients on coarse levels).
    pub problem: O2Problem,
    /// pO2 (mmHg).
    pub po2: Vec<f32>,
    /// FAS source term (mmHg/s); used where `use_rhs`.
    pub rhs: Vec<f32>,
    /// R̂·P_h as restricted, to form the coarse correction.
    pub po2_old: Vec<f32>,
    /// Residual field, the input of restriction.
    pub resid: Vec<f32>,
    /// True on coarse levels.
    pub use_rhs: bool,
}

impl CpuLevel {
    fn new(problem: O2Problem, use_rhs: bool) -> Self {
        let n = problem.grid.len();
        CpuLevel {
            problem,
            po2: vec![0.0; n],
            rhs: vec![0.0; n],
            po2_old: vec![0.0; n],
            resid: vec![0.0; n],
            use_rhs,
        }
    }
}

/// Fills `out` (one value per voxel) in parallel over z-planes of `plane` voxels with
/// `value(idx)`; the shape of every CPU twin of a one-thread-per-voxel kernel.
pub fn par_fill(out: &mut [f32], plane: usize, value: impl Fn(usize) -> f32 + Sync) {
    use rayon::prelude::*;
    out.par_chunks_mut(plane)
        .enumerate()
        .for_each(|(kz, chunk)| {
            for (o, v) in chunk.iter_mut().enumerate() {
                *v = value(kz * plane + o);
            }
        });
}

/// CPU backend state: one [`CpuLevel`] per multigrid level (just one for SOR).
#[derive(Debug, Default)]
pub struct CpuBackend {
    levels: Vec<CpuLevel>,
    tissue: Option<tissue::CpuTissue>,
    store: store::CpuStore,
}

impl CpuBackend {
    /// A CPU backend using rayon's global pool.
    pub fn new() -> Self {
        Self::default()
    }

    fn level(&mut self, l: usize) -> &mut CpuLevel {
        self.levels
            .get_mut(l)
            .expect("CpuBackend: level not loaded (a programming error)")
    }
}

impl FieldStore for CpuBackend {
    fn field_alloc(&mut self, len: usize, _label: &'static str) -> Result<Field> {
        Ok(self.store.alloc(len))
    }

    fn field_free(&mut self, f: Field) {
        self.store.free(f);
    }

    fn field_upload(&mut self, f: Field, data: &[f32]) -> Result<()> {
        self.store.upload(f, data);
        Ok(())
    }

    fn field_read(&mut self, f: Field) -> Result<Vec<f32>> {
        Ok(self.store.read(f))
    }

    fn field_copy(&mut self, src: Field, dst: Field) -> Result<()> {
        self.store.copy(src, dst);
        Ok(())
    }

    fn field_fill(&mut self, f: Field, value: f32) -> Result<()> {
        self.store.get_mut(f).fill(value);
        Ok(())
    }

    fn counters(&self) -> Counters {
        self.store.counters
    }
}

impl O2Backend for CpuBackend {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            kind: "cpu",
            adapter: format!("CPU ({} threads)", rayon::current_num_threads()),
        }
    }

    fn load(&mut self, problem: &O2Problem, coarse: &[O2Problem], po2: &[f32]) -> Result<()> {
        self.levels = std::iter::once(CpuLevel::new(problem.clone(), false))
            .chain(coarse.iter().map(|p| CpuLevel::new(p.clone(), true)))
            .collect();
        self.write_o2(po2)
    }

    fn levels(&self) -> usize {
        self.levels.len()
    }

    fn write_o2(&mut self, po2: &[f32]) -> Result<()> {
        let l = self.level(0);
        assert_eq!(po2.len(), l.po2.len(), "field length");
        l.po2.copy_from_slice(po2);
        Ok(())
    }

    fn read_o2(&mut self) -> Result<Vec<f32>> {
        Ok(self.level(0).po2.clone())
    }

    fn smooth(&mut self, level: usize, sweeps: u32, omega: f32) -> Result<()> {
        let l = self.level(level);
        let rhs = l.use_rhs.then_some(l.rhs.as_slice());
        for _ in 0..sweeps {
            o2_smooth::smooth_colour(&l.problem, &mut l.po2, rhs, 0, omega);
            o2_smooth::smooth_colour(&l.problem, &mut l.po2, rhs, 1, omega);
        }
        Ok(())
    }

    fn restrict(&mut self, level: usize) -> Result<()> {
        let (fine, coarse) = self.levels.split_at_mut(level + 1);
        let (fine, coarse) = (&mut fine[level], &mut coarse[0]);
        mg_transfer::residual_field(fine);
        mg_transfer::restrict(fine, coarse);
        mg_transfer::coarse_rhs(coarse);
        Ok(())
    }

    fn prolong(&mut self, level: usize) -> Result<()> {
        let (fine, coarse) = self.levels.split_at_mut(level + 1);
        mg_transfer::prolong(&coarse[0], &mut fine[level]);
        Ok(())
    }

    fn residual_sq_sum(&mut self) -> Result<f64> {
        let l = self.level(0);
        Ok(o2_residual::residual_sq_sum(&l.problem, &l.po2))
    }

    fn step_explicit(&mut self, steps: u32, dt: f32) -> Result<()> {
        let l = self.level(0);
        for _ in 0..steps {
            o2_step::step(l, dt);
        }
        Ok(())
    }

    fn timed_smooth(&mut self, sweeps: u32, omega: f32) -> Result<(f64, &'static str)> {
        let start = std::time::Instant::now();
        self.smooth(0, sweeps, omega)?;
        Ok((start.elapsed().as_secs_f64(), "wall"))
    }

    fn copy_bandwidth(&mut self, bytes: usize) -> Result<f64> {
        use rayon::prelude::*;
        let n = bytes / 4;
        let src = vec![1.0f32; n];
        let mut dst = vec![0.0f32; n];
        let chunk = 1 << 16;
        let mut best = f64::INFINITY;
        for _ in 0..5 {
            let start = std::time::Instant::now();
            dst.par_chunks_mut(chunk)
                .zip(src.par_chunks(chunk))
                .for_each(|(d, s)| d.copy_from_slice(s));
            best = best.min(start.elapsed().as_secs_f64());
        }
        std::hint::black_box(&dst);
        Ok(2.0 * (n * 4) as f64 / best)
    }
}
