//! The CPU backend: the same discrete updates as the WGSL kernels, parallelised over
//! z-planes with rayon. It is the oracle the GPU is tested against, and the right choice
//! on machines whose only adapter is a software one.

pub mod fast;
pub mod mg_transfer;
pub(crate) mod o2_residual;
pub mod o2_smooth;
pub mod o2_step;
mod stats;
pub(crate) mod store;
pub(crate) mod tissue;

use super::pointwise::{check_call, PointKernels, Pointwise};
use super::{BackendInfo, Counters, Field, FieldProblem, FieldStore, O2Backend};
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
    /// Residual field, the input of restriction in the reference twins; the CPU
    /// backend makes residuals on the way ([`fast::residual::restrict`]) and uses it
    /// as the explicit step's second buffer only, made at the first step.
    pub resid: Vec<f32>,
    /// True on coarse levels.
    pub use_rhs: bool,
}

impl CpuLevel {
    /// A level of `problem` holding `po2`; `rhs` and `po2_old` are empty on the fine
    /// level (`use_rhs` false), which has no FAS term and is never restricted into.
    fn new(problem: O2Problem, po2: Vec<f32>, use_rhs: bool) -> Self {
        let n = problem.grid.len();
        assert_eq!(po2.len(), n, "field length");
        let coarse = |on: bool| if on { vec![0.0; n] } else { Vec::new() };
        CpuLevel {
            problem,
            po2,
            rhs: coarse(use_rhs),
            po2_old: coarse(use_rhs),
            resid: Vec::new(),
            use_rhs,
        }
    }
}

/// Fills `out` (one value per voxel) in parallel over z-planes of `plane` voxels with
/// `value(idx)`; the shape of every CPU twin of a one-thread-per-voxel kernel.
pub(crate) fn par_fill(out: &mut [f32], plane: usize, value: impl Fn(usize) -> f32 + Sync) {
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
    /// The store fields lent to level 0 by [`O2Backend::load_fields`]: (Sv, Pb, n,
    /// fixed) and the solution.
    lent: Option<([Field; 4], Field)>,
}

impl CpuBackend {
    /// A CPU backend using rayon's global pool.
    pub fn new() -> Self {
        Self::default()
    }

    /// Gives the arrays lent to a loaded resident problem back to the store (and
    /// unloads the problem), so that store calls see them; a no-op when none are lent.
    fn return_lent(&mut self) {
        if let Some((coeffs, solution)) = self.lent.take() {
            let mut level = self.levels.swap_remove(0);
            self.levels.clear();
            let p = &mut level.problem;
            let arrays = [&mut p.sv, &mut p.pb, &mut p.viable, &mut p.fixed];
            for (f, v) in coeffs.into_iter().zip(arrays) {
                self.store.put(f, std::mem::take(v));
            }
            self.store.put(solution, level.po2);
        }
    }

    fn level(&mut self, l: usize) -> &mut CpuLevel {
        self.levels
            .get_mut(l)
            .expect("CpuBackend: level not loaded (a programming error)")
    }

    /// Restriction from `level` to `level + 1` and the coarse FAS term; with `norm`
    /// (level 0 only, which has no FAS term) also Σ F(P)² of the residuals it made.
    fn restrict_from(&mut self, level: usize, norm: bool) -> Option<f64> {
        let (fine, coarse) = self.levels.split_at_mut(level + 1);
        let (fine, coarse) = (&mut fine[level], &mut coarse[0]);
        let sum = if norm {
            assert!(level == 0 && !fine.use_rhs, "the norm is level 0's");
            Some(fast::residual::restrict_checked(
                &fine.problem,
                &fine.po2,
                coarse,
            ))
        } else {
            let rhs = fine.use_rhs.then_some(fine.rhs.as_slice());
            fast::residual::restrict(&fine.problem, &fine.po2, rhs, coarse);
            None
        };
        fast::residual::coarse_rhs(&coarse.problem, &coarse.po2, &mut coarse.rhs);
        sum
    }
}

impl FieldStore for CpuBackend {
    fn field_alloc(&mut self, len: usize, _label: &'static str) -> Result<Field> {
        self.return_lent();
        Ok(self.store.alloc(len))
    }

    fn field_free(&mut self, f: Field) {
        self.return_lent();
        self.store.free(f);
    }

    fn field_upload(&mut self, f: Field, data: &[f32]) -> Result<()> {
        self.return_lent();
        self.store.upload(f, data);
        Ok(())
    }

    fn field_read(&mut self, f: Field) -> Result<Vec<f32>> {
        self.return_lent();
        Ok(self.store.read(f))
    }

    fn fields_from_vecs(&mut self, arrays: Vec<(Vec<f32>, &'static str)>) -> Result<Vec<Field>> {
        self.return_lent();
        Ok(arrays
            .into_iter()
            .map(|(data, _)| self.store.insert(data))
            .collect())
    }

    fn host_resident(&self) -> bool {
        true
    }

    fn field_take(&mut self, f: Field) -> Result<Vec<f32>> {
        self.return_lent();
        Ok(self.store.remove(f, true))
    }

    fn field_reclaim(&mut self, f: Field) -> Result<Vec<f32>> {
        self.return_lent();
        Ok(self.store.remove(f, false))
    }

    fn field_copy(&mut self, src: Field, dst: Field) -> Result<()> {
        self.return_lent();
        self.store.copy(src, dst);
        Ok(())
    }

    fn field_fill(&mut self, f: Field, value: f32) -> Result<()> {
        self.return_lent();
        self.store.get_mut(f).fill(value);
        Ok(())
    }

    fn counters(&self) -> Counters {
        self.store.counters
    }
}

impl PointKernels for CpuBackend {
    fn pointwise(
        &mut self,
        kernel: &dyn Pointwise,
        inputs: &[Field],
        outputs: &[Field],
    ) -> Result<()> {
        check_call(kernel, inputs, outputs);
        self.return_lent();
        // Outputs are taken out of the store while the kernel writes them and reads the
        // inputs (distinct fields, checked above).
        let mut outs: Vec<Vec<f32>> = outputs.iter().map(|&f| self.store.take(f)).collect();
        {
            let ins: Vec<&[f32]> = inputs.iter().map(|&f| self.store.get(f)).collect();
            let mut slices: Vec<&mut [f32]> = outs.iter_mut().map(|v| v.as_mut_slice()).collect();
            kernel.cpu(&ins, &mut slices);
        }
        for (&f, v) in outputs.iter().zip(outs) {
            self.store.put(f, v);
        }
        self.store.counters.dispatches += 1;
        Ok(())
    }
}

impl O2Backend for CpuBackend {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            kind: crate::backend::BackendKind::Cpu,
            adapter: format!("CPU ({} threads)", rayon::current_num_threads()),
        }
    }

    fn load(&mut self, problem: &O2Problem, coarse: &[O2Problem], po2: &[f32]) -> Result<()> {
        self.return_lent();
        let zeros = |p: &O2Problem| vec![0.0; p.grid.len()];
        self.levels = std::iter::once(CpuLevel::new(problem.clone(), po2.to_vec(), false))
            .chain(
                coarse
                    .iter()
                    .map(|p| CpuLevel::new(p.clone(), zeros(p), true)),
            )
            .collect();
        Ok(())
    }

    fn load_fields(
        &mut self,
        problem: &FieldProblem,
        solution: Field,
        multigrid: bool,
    ) -> Result<()> {
        self.return_lent();
        let coeffs = problem.fields();
        let all = [coeffs[0], coeffs[1], coeffs[2], coeffs[3], solution];
        for (i, f) in all.iter().enumerate() {
            assert!(!all[..i].contains(f), "a field bound twice in one problem");
            assert_eq!(f.len(), problem.grid.len(), "field length");
        }
        let fine = O2Problem {
            grid: problem.grid,
            params: problem.params,
            faces: problem.faces,
            sv: self.store.take(coeffs[0]),
            wall_sv: None,
            pb: self.store.take(coeffs[1]),
            viable: self.store.take(coeffs[2]),
            fixed: self.store.take(coeffs[3]),
            edge_width: [1.0; 3],
        };
        let mut levels = Vec::new();
        if multigrid {
            let shapes = crate::problem::hierarchy::level_shapes(&problem.grid);
            for (grid, edge) in shapes.into_iter().skip(1) {
                let mut coarse = O2Problem::uniform(grid, problem.params);
                coarse.faces = problem.faces;
                coarse.edge_width = edge;
                fast::coarsen::coarsen(
                    levels.last().map_or(&fine, |l: &CpuLevel| &l.problem),
                    &mut coarse,
                );
                self.store.counters.dispatches += 1;
                let zeros = vec![0.0; coarse.grid.len()];
                levels.push(CpuLevel::new(coarse, zeros, true));
            }
        }
        levels.insert(0, CpuLevel::new(fine, self.store.take(solution), false));
        self.levels = levels;
        self.lent = Some((coeffs, solution));
        Ok(())
    }

    fn reference_sq_sum(&mut self) -> Result<f64> {
        // Zeros that only fixed voxels write: the allocator maps the rest lazily.
        let l = self.level(0);
        let mut zero = vec![0.0f32; l.problem.grid.len()];
        l.problem.apply_fixed(&mut zero);
        Ok(fast::residual::residual_sq_sum(&l.problem, &zero))
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
        fast::smooth::smooth(&l.problem, &mut l.po2, rhs, sweeps, omega);
        Ok(())
    }

    fn restrict(&mut self, level: usize) -> Result<()> {
        self.restrict_from(level, false);
        Ok(())
    }

    fn restrict_checked(&mut self) -> Result<f64> {
        assert!(self.levels.len() > 1, "restrict_checked needs a hierarchy");
        Ok(self.restrict_from(0, true).expect("asked for the norm"))
    }

    fn prolong(&mut self, level: usize) -> Result<()> {
        let (fine, coarse) = self.levels.split_at_mut(level + 1);
        fast::prolong::prolong(&coarse[0], &mut fine[level]);
        Ok(())
    }

    fn residual_sq_sum(&mut self) -> Result<f64> {
        let l = self.level(0);
        Ok(fast::residual::residual_sq_sum(&l.problem, &l.po2))
    }

    fn step_explicit(&mut self, steps: u32, dt: f32) -> Result<()> {
        let l = self.level(0);
        // `resid` is the step's second buffer, made at the first step.
        l.resid.resize(l.po2.len(), 0.0);
        for _ in 0..steps {
            fast::residual::step(&l.problem, &l.po2, dt, &mut l.resid);
            std::mem::swap(&mut l.po2, &mut l.resid);
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
