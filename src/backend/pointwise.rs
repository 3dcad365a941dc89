//! Per-voxel kernels on resident fields: the coefficient builders and field updates of
//! a protocol step (issue 19), each one WGSL entry point with a CPU twin computing the
//! same f32 update.
//!
//! A kernel reads `INPUTS` fields and writes (and may read) `OUTPUTS` fields, all of one
//! length, with a small uniform block. Its type implements [`Pointwise`]: the WGSL
//! entry point, the uniform bytes (which begin with a `Head`), and the CPU twin
//! ([`Pointwise::cpu`], usually `par_map` over [`Pointwise`]'s per-voxel function).
//! Both backends run it through [`PointKernels::pointwise`] on [`Field`] handles, so
//! the orchestrator speaks in handles and scalars only.
//!
//! On the GPU an output is bound read–write and may also be read (an in-place update);
//! a field must not be both an input and an output of one call (wgpu forbids binding one
//! buffer writable and readable at once).

use super::Field;
use crate::Result;
use bytemuck::{Pod, Zeroable};
use rayon::prelude::*;

/// The shader of a pointwise kernel: one WGSL file (`shaders/<name>.wgsl`), entry point
/// `main`. Each kernel module lists its own as constants (and in its `SHADERS`, which
/// [`crate::backend::gpu::shaders::all`] collects for validation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PointShader {
    /// The file name without `.wgsl`, also the pipeline's label and cache key.
    pub name: &'static str,
    /// The WGSL, without the shared pointwise part.
    pub(crate) body: &'static str,
}

impl PointShader {
    /// The full WGSL, with `shaders/shared/pointwise.wgsl` prepended.
    pub fn source(self) -> String {
        format!(
            "{}\n{}",
            include_str!("../../shaders/shared/pointwise.wgsl"),
            self.body
        )
    }
}

/// The first 16 bytes of every pointwise uniform block: the number of voxels and the
/// threads per row of a 2D dispatch (set by the backend). Mirrors `Head` in
/// `shaders/shared/pointwise.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Pod, Zeroable)]
pub(crate) struct Head {
    /// Number of voxels.
    pub(crate) len: u32,
    /// Invocations per dispatch row (the backend fills it in).
    pub(crate) row: u32,
    /// Padding.
    pub(crate) pad: [u32; 2],
}

impl Head {
    /// A head for `len` voxels.
    pub(crate) fn of(len: usize) -> Self {
        Head {
            len: len as u32,
            ..Head::default()
        }
    }
}

/// A per-voxel kernel (see the module docs).
pub trait Pointwise: Sync {
    /// Its shader.
    fn shader(&self) -> PointShader;
    /// Number of input and of output fields.
    fn arity(&self) -> (usize, usize);
    /// A gather: one invocation per value of the (one-length) outputs, reading inputs
    /// of any length by index ([`crate::backend::gather`]). False for per-voxel
    /// kernels, whose fields all have one length.
    fn gathers(&self) -> bool {
        false
    }
    /// The uniform block, beginning with a `Head` (the backend sets `row`).
    fn uniforms(&self) -> Vec<u8>;
    /// The CPU twin: the same update on host slices.
    fn cpu(&self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]);
}

/// Backends run [`Pointwise`] kernels on their fields.
pub trait PointKernels {
    /// Runs `kernel` over every voxel with `inputs` and `outputs` (of its arity). Inside
    /// an [`crate::backend::O2Backend::batch_begin`] batch the GPU backend may hold the
    /// work until the batch ends or a later call needs it done.
    fn pointwise(
        &mut self,
        kernel: &dyn Pointwise,
        inputs: &[Field],
        outputs: &[Field],
    ) -> Result<()>;
}

/// Checks a call's fields against the kernel's arity and one another (a programming
/// error otherwise).
pub fn check_call(kernel: &dyn Pointwise, inputs: &[Field], outputs: &[Field]) {
    assert_eq!(
        kernel.arity(),
        (inputs.len(), outputs.len()),
        "{}: fields do not match the kernel's arity",
        kernel.shader().name
    );
    // A gather's inputs may have any length; its outputs share one.
    let same: Vec<&Field> = if kernel.gathers() {
        outputs.iter().collect()
    } else {
        inputs.iter().chain(outputs).collect()
    };
    let len = same.first().map(|f| f.len());
    assert!(
        same.iter().all(|f| Some(f.len()) == len),
        "{}: fields of different lengths",
        kernel.shader().name
    );
    for o in outputs {
        assert!(
            !inputs.contains(o) && outputs.iter().filter(|x| *x == o).count() == 1,
            "{}: a field bound twice",
            kernel.shader().name
        );
    }
}

/// Voxels per parallel task of a CPU twin.
const CHUNK: usize = 1 << 14;

/// The CPU twin of a kernel with `I` inputs and `O` outputs: `f(index, inputs, outputs)`
/// per voxel (outputs hold their old values on entry), in parallel chunks.
pub(crate) fn par_map<const I: usize, const O: usize>(
    inputs: &[&[f32]],
    outputs: &mut [&mut [f32]],
    f: impl Fn(usize, [f32; I], &mut [f32; O]) + Sync,
) {
    assert_eq!((inputs.len(), outputs.len()), (I, O), "kernel arity");
    let len = inputs
        .first()
        .map(|s| s.len())
        .unwrap_or_else(|| outputs[0].len());
    // Split every output into the same chunks.
    let mut chunks: Vec<Vec<&mut [f32]>> = (0..len.div_ceil(CHUNK)).map(|_| Vec::new()).collect();
    for out in outputs.iter_mut() {
        for (c, part) in out.chunks_mut(CHUNK).enumerate() {
            chunks[c].push(part);
        }
    }
    chunks.into_par_iter().enumerate().for_each(|(c, outs)| {
        let base = c * CHUNK;
        let m = (len - base).min(CHUNK);
        // Every slice cut to the chunk's m voxels up front, so that the loop below
        // indexes without bounds checks (and vectorises where `f` allows).
        let ins: [&[f32]; I] = std::array::from_fn(|k| &inputs[k][base..base + m]);
        let mut outs: [&mut [f32]; O] = outs
            .try_into()
            .unwrap_or_else(|_| panic!("outputs shorter than the inputs"));
        for o in outs.iter_mut() {
            assert_eq!(o.len(), m, "field length");
        }
        for o in 0..m {
            let vals_in: [f32; I] = std::array::from_fn(|k| ins[k][o]);
            let mut vals: [f32; O] = std::array::from_fn(|k| outs[k][o]);
            f(base + o, vals_in, &mut vals);
            for (k, v) in vals.into_iter().enumerate() {
                outs[k][o] = v;
            }
        }
    });
}

/// The CPU twin of a gather: `out[r] = f(r)` for every row, in parallel chunks.
pub(crate) fn par_map_rows(out: &mut [f32], f: impl Fn(usize) -> f32 + Sync) {
    out.par_chunks_mut(CHUNK).enumerate().for_each(|(c, part)| {
        for (o, v) in part.iter_mut().enumerate() {
            *v = f(c * CHUNK + o);
        }
    });
}

/// The number of invocations of a call: the outputs' length for a gather, else the
/// fields' common length.
pub(crate) fn call_len(kernel: &dyn Pointwise, inputs: &[Field], outputs: &[Field]) -> usize {
    let first = if kernel.gathers() {
        outputs.first()
    } else {
        inputs.first().or(outputs.first())
    };
    first.map_or(0, |f| f.len())
}

/// Uniform bytes of a `Pod` block.
pub(crate) fn bytes<T: Pod>(u: &T) -> Vec<u8> {
    bytemuck::bytes_of(u).to_vec()
}
