//! Weighted means over sparse rows on resident fields: `out[r] = Σ w·x[col] / Σ w` over
//! the entries of row r (0 for a row without weight). The blood coupling uses it twice
//! (issue 19.4), so that only per-ring values cross per coupling iteration: the wall
//! pO2 of each ring of a vessel network (rows = rings, columns = voxels, weights = wall
//! areas), and each voxel's Pb from the rings' blood pO2 (rows = voxels, columns =
//! rings). One WGSL kernel, `shaders/csr_mean.wgsl`, run as a [`Pointwise`] kernel that
//! gathers (one invocation per row); the CPU twin sums in the same order in f32.
//!
//! Row starts and column indices are stored in f32 fields as the bits of u32 values
//! (`f32::from_bits`, `bitcast<u32>` in WGSL): the field store holds f32 only, and
//! bits survive upload, copy and read unchanged. Small indices are subnormal floats,
//! and some bit patterns are NaNs: no kernel may do arithmetic on these fields, run a
//! finiteness check over them or fill them; only `csr_mean` reads them, by bitcast.

use super::pointwise::{par_map_rows, PointShader, Pointwise};
use super::ros_fields::Scalars12;
use super::{Field, O2Backend};
use crate::Result;

/// `shaders/csr_mean.wgsl`.
pub(crate) const CSR_MEAN: PointShader = PointShader {
    name: "csr_mean",
    body: include_str!("../../shaders/csr_mean.wgsl"),
};
/// The shaders of this module.
pub(crate) const SHADERS: [PointShader; 1] = [CSR_MEAN];

/// A sparse matrix by rows on the host: row r holds entries
/// `row_start[r]..row_start[r + 1]` of `col` and `weight`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Csr {
    /// Where each row starts, and the end (rows + 1 values).
    pub row_start: Vec<u32>,
    /// The column of each entry.
    pub col: Vec<u32>,
    /// The weight of each entry.
    pub weight: Vec<f32>,
}

impl Csr {
    /// Rows.
    pub fn rows(&self) -> usize {
        self.row_start.len().saturating_sub(1)
    }

    /// The transpose, with `columns` rows; each new row keeps its entries in the order
    /// of the old rows.
    pub(crate) fn transpose(&self, columns: usize) -> Csr {
        let mut count = vec![0u32; columns + 1];
        for &c in &self.col {
            count[c as usize + 1] += 1;
        }
        for i in 0..columns {
            count[i + 1] += count[i];
        }
        // count[c] is where the next entry of new row c goes (its start, then on); after
        // the fill it is row c's end, so shifting by one gives the starts back (no
        // second array of the new row starts).
        let mut col = vec![0u32; self.col.len()];
        let mut weight = vec![0f32; self.col.len()];
        for r in 0..self.rows() {
            for e in self.row_start[r] as usize..self.row_start[r + 1] as usize {
                let c = self.col[e] as usize;
                let at = count[c] as usize;
                col[at] = r as u32;
                weight[at] = self.weight[e];
                count[c] += 1;
            }
        }
        count.copy_within(0..columns, 1);
        count[0] = 0;
        Csr {
            row_start: count,
            col,
            weight,
        }
    }

    /// The weighted mean of `x` over each row, in f32 and entry order: the CPU twin of
    /// `csr_mean.wgsl`.
    pub fn mean_of(&self, x: &[f32]) -> Vec<f32> {
        let mut out = vec![0.0; self.rows()];
        row_means(
            &self.row_start,
            &self.col,
            |&u| u as usize,
            &self.weight,
            x,
            &mut out,
        );
        out
    }

    /// Uploads the matrix as three fields.
    pub fn upload(&self, backend: &mut dyn O2Backend) -> Result<CsrFields> {
        self.clone().into_fields(backend)
    }

    /// [`Csr::upload`] giving the matrix up: the index arrays become f32 bits in their
    /// own allocations, and a host-resident backend (the CPU) keeps all three as they
    /// are ([`FieldStore::fields_from_vecs`](super::FieldStore::fields_from_vecs)), so
    /// no second copy is ever made.
    pub fn into_fields(self, backend: &mut dyn O2Backend) -> Result<CsrFields> {
        // u32 → f32 of the same size: the collect reuses each vector's allocation.
        let bits = |v: Vec<u32>| -> Vec<f32> { v.into_iter().map(f32::from_bits).collect() };
        let f = backend.fields_from_vecs(vec![
            (bits(self.row_start), "csr.row_start"),
            (bits(self.col), "csr.col"),
            (self.weight, "csr.weight"),
        ])?;
        Ok(CsrFields {
            row_start: f[0],
            col: f[1],
            weight: f[2],
        })
    }
}

/// A [`Csr`] on the backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsrFields {
    /// Row starts (u32 bits).
    pub row_start: Field,
    /// Columns (u32 bits).
    pub col: Field,
    /// Weights.
    pub weight: Field,
}

impl CsrFields {
    /// Rows.
    pub fn rows(&self) -> usize {
        self.row_start.len().saturating_sub(1)
    }

    /// out ← the weighted mean of `x` over each row (`out` has one value per row).
    pub fn mean(&self, backend: &mut dyn O2Backend, x: Field, out: Field) -> Result<()> {
        assert_eq!(out.len(), self.rows(), "csr_mean: one output per row");
        let kernel = CsrMean { rows: self.rows() };
        backend.pointwise(&kernel, &[self.row_start, self.col, self.weight, x], &[out])
    }

    /// Frees the fields.
    pub fn free(self, backend: &mut dyn O2Backend) {
        backend.field_free(self.row_start);
        backend.field_free(self.col);
        backend.field_free(self.weight);
    }
}

/// The kernel: inputs row starts, columns, weights, x; output the row means.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CsrMean {
    /// Rows.
    pub(crate) rows: usize,
}

impl Pointwise for CsrMean {
    fn shader(&self) -> PointShader {
        CSR_MEAN
    }
    fn arity(&self) -> (usize, usize) {
        (4, 1)
    }
    fn gathers(&self) -> bool {
        true
    }
    fn uniforms(&self) -> Vec<u8> {
        super::pointwise::bytes(&Scalars12::new(self.rows, &[]))
    }
    fn cpu(&self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]) {
        let index = |b: &f32| b.to_bits() as usize;
        row_means(
            inputs[0], inputs[1], index, inputs[2], inputs[3], outputs[0],
        );
    }
}

/// The row means of `x` into `out`, in parallel over rows, each summed in entry order in
/// f32 (as the shader). Row starts and columns are read through `index` (u32 values, or
/// their bits in f32 fields).
fn row_means<I: Sync>(
    start: &[I],
    col: &[I],
    index: impl Fn(&I) -> usize + Sync,
    weight: &[f32],
    x: &[f32],
    out: &mut [f32],
) {
    par_map_rows(out, |r| {
        let (mut sw, mut s) = (0.0f32, 0.0f32);
        for e in index(&start[r])..index(&start[r + 1]) {
            let w = weight[e];
            sw += w;
            s += w * x[index(&col[e])];
        }
        if sw > 0.0 {
            s / sw
        } else {
            0.0
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpose_keeps_entries_and_means_weigh_them() {
        // Rows: 0 → {2: 1, 0: 3}; 1 → {}; 2 → {2: 2}.
        let m = Csr {
            row_start: vec![0, 2, 2, 3],
            col: vec![2, 0, 2],
            weight: vec![1.0, 3.0, 2.0],
        };
        let t = m.transpose(3);
        assert_eq!(t.row_start, vec![0, 1, 1, 3]);
        assert_eq!(t.col, vec![0, 0, 2]);
        assert_eq!(t.weight, vec![3.0, 1.0, 2.0]);
        let x = [10.0, 20.0, 30.0];
        assert_eq!(m.mean_of(&x), vec![(30.0 + 30.0) / 4.0, 0.0, 30.0]);
        assert_eq!(t.mean_of(&x), vec![10.0, 0.0, (10.0 + 60.0) / 3.0]);
        // Columns beyond the last one used are empty rows; a matrix without entries or
        // columns transposes to empty rows.
        let wide = m.transpose(5);
        assert_eq!(wide.row_start, vec![0, 1, 1, 3, 3, 3]);
        assert_eq!((wide.col, wide.weight), (t.col, t.weight));
        assert_eq!(Csr::default().transpose(0).row_start, vec![0]);
        let empty = Csr {
            row_start: vec![0, 0, 0],
            ..Csr::default()
        };
        assert_eq!(empty.transpose(2).row_start, vec![0, 0, 0]);
    }
}
