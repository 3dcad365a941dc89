//! Per-step statistics of resident fields (issue 19.3): masked reductions and the masked
//! median, computed where the fields live so that only a few bytes cross per step.
//!
//! [`StatsKernels`] is what a backend provides; [`reduce_slices`] and [`median_slices`]
//! are the reference definitions on host slices, used by the CPU backend
//! (`src/backend/cpu/stats.rs`) and as the oracle of the GPU kernels
//! (`src/backend/gpu/stats.rs`, `shaders/stats_*.wgsl`).
//!
//! Values are expected to be finite: reductions of NaN are unspecified (the median
//! orders NaN as [`f32::total_cmp`] does).

use super::Field;
use crate::Result;
use rayon::prelude::*;

/// What one reduction computes over the voxels where the mask is non-zero.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reduce {
    /// Σ x.
    Sum,
    /// Σ x².
    SumSq,
    /// Σ exp(−κ·x): e.g. a survival or saturation integral.
    SumExpNeg {
        /// κ, in the inverse unit of x.
        kappa: f32,
    },
    /// The number of voxels with x < `threshold` (strictly below, compared in f32).
    CountBelow {
        /// The threshold, in the unit of x.
        threshold: f32,
    },
    /// The smallest x (0 for an empty mask, as `crate::metrics::o2_stats`).
    Min,
    /// The largest x (0 for an empty mask).
    Max,
}

/// Masked statistics on a backend's resident fields. The mask and the fields of one
/// call have the same length (a programming error otherwise); a mask value selects its
/// voxel when it is non-zero.
pub trait StatsKernels {
    /// One value per item: the reduction of item.0 over voxels where `mask` != 0 (f64
    /// results; counts as f64). Deterministic: the same inputs give the same bits.
    fn reduce_masked(&mut self, mask: Field, items: &[(Field, Reduce)]) -> Result<Vec<f64>>;

    /// The median of `field` over voxels where `mask` != 0: the middle value of the
    /// sorted masked values, the mean (in f64) of the two middle ones for an even
    /// count, 0 for an empty mask — exactly what sorting gives
    /// (`crate::metrics::o2_stats`), never an approximation.
    fn median_masked(&mut self, mask: Field, field: Field) -> Result<f64>;
}

/// Voxels per chunk of the CPU reductions: the chunking, and so the rounding, is fixed
/// whatever the number of threads.
pub const CHUNK: usize = 1 << 14;

/// The partial result of a reduction over some voxels: (value, any voxel seen).
#[derive(Debug, Clone, Copy)]
struct Acc(f64, bool);

impl Acc {
    fn combine(self, other: Acc, r: Reduce) -> Acc {
        match (r, self.1, other.1) {
            (Reduce::Min | Reduce::Max, _, false) => self,
            (Reduce::Min | Reduce::Max, false, true) => other,
            (Reduce::Min, true, true) => Acc(self.0.min(other.0), true),
            (Reduce::Max, true, true) => Acc(self.0.max(other.0), true),
            _ => Acc(self.0 + other.0, self.1 || other.1),
        }
    }
}

/// The contribution of one selected value x (f64 arithmetic on the f32 input, so this
/// is the exact value up to f64 rounding; the GPU evaluates terms in f32).
fn term(r: Reduce, x: f32) -> f64 {
    let v = f64::from(x);
    match r {
        Reduce::Sum | Reduce::Min | Reduce::Max => v,
        Reduce::SumSq => v * v,
        Reduce::SumExpNeg { kappa } => (-f64::from(kappa) * v).exp(),
        Reduce::CountBelow { threshold } => f64::from(u8::from(x < threshold)),
    }
}

/// The reduction `r` of `field` over voxels where `mask` != 0, accumulated in f64 per
/// chunk of [`CHUNK`] voxels (in parallel), then over chunks in order: deterministic.
pub fn reduce_slices(mask: &[f32], field: &[f32], r: Reduce) -> f64 {
    assert_eq!(mask.len(), field.len(), "mask and field lengths");
    let partials: Vec<Acc> = mask
        .par_chunks(CHUNK)
        .zip(field.par_chunks(CHUNK))
        .map(|(m, f)| reduce_chunk(m, f, r))
        .collect();
    partials
        .into_iter()
        .fold(Acc(0.0, false), |acc, p| acc.combine(p, r))
        .0
}

/// One chunk's [`Acc`]: every selected value's term combined in order, as folding
/// [`Acc::combine`] over them gives it bit for bit (a sum starts at 0 + the first
/// term, Min and Max at the first value), with the kind chosen once per chunk rather
/// than per voxel.
fn reduce_chunk(m: &[f32], f: &[f32], r: Reduce) -> Acc {
    fn sum(m: &[f32], f: &[f32], term: impl Fn(f32) -> f64) -> Acc {
        let (mut s, mut any) = (0.0f64, false);
        for (&m, &x) in m.iter().zip(f) {
            if m != 0.0 {
                s += term(x);
                any = true;
            }
        }
        Acc(s, any)
    }
    fn pick(m: &[f32], f: &[f32], keep: impl Fn(f64, f64) -> f64) -> Acc {
        let mut acc: Option<f64> = None;
        for (&m, &x) in m.iter().zip(f) {
            if m != 0.0 {
                let v = f64::from(x);
                acc = Some(acc.map_or(v, |a| keep(a, v)));
            }
        }
        acc.map_or(Acc(0.0, false), |a| Acc(a, true))
    }
    match r {
        Reduce::Sum => sum(m, f, |x| term(Reduce::Sum, x)),
        Reduce::SumSq => sum(m, f, |x| term(Reduce::SumSq, x)),
        Reduce::SumExpNeg { .. } | Reduce::CountBelow { .. } => sum(m, f, |x| term(r, x)),
        Reduce::Min => pick(m, f, f64::min),
        Reduce::Max => pick(m, f, f64::max),
    }
}

/// The median of `field` over voxels where `mask` != 0, exactly as sorting with
/// [`f32::total_cmp`] gives it (see [`StatsKernels::median_masked`]); a selection,
/// O(n).
pub fn median_slices(mask: &[f32], field: &[f32]) -> f64 {
    assert_eq!(mask.len(), field.len(), "mask and field lengths");
    let mut v: Vec<f32> = mask
        .par_iter()
        .zip(field.par_iter())
        .filter(|(m, _)| **m != 0.0)
        .map(|(_, &x)| x)
        .collect();
    let n = v.len();
    if n == 0 {
        return 0.0;
    }
    let (below, &mut upper, _) = v.select_nth_unstable_by(n / 2, f32::total_cmp);
    if n % 2 == 1 {
        f64::from(upper)
    } else {
        // The lower middle value is the largest of those ordered before the upper one.
        let lower = below
            .iter()
            .copied()
            .max_by(f32::total_cmp)
            .unwrap_or(upper);
        (f64::from(lower) + f64::from(upper)) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reductions_of_a_small_masked_field() {
        let mask = [1.0, 0.0, 1.0, 1.0, -0.0, 2.0];
        let field = [3.0, -50.0, 1.0, 2.0, 99.0, 2.0];
        let r = |r| reduce_slices(&mask, &field, r);
        assert_eq!(r(Reduce::Sum), 8.0);
        assert_eq!(r(Reduce::SumSq), 18.0);
        assert_eq!(r(Reduce::CountBelow { threshold: 2.0 }), 1.0);
        assert_eq!(r(Reduce::Min), 1.0);
        assert_eq!(r(Reduce::Max), 3.0);
        let e = r(Reduce::SumExpNeg { kappa: 0.5 });
        let want: f64 = [3.0f64, 1.0, 2.0, 2.0]
            .iter()
            .map(|x| (-0.5 * x).exp())
            .sum();
        assert!((e - want).abs() < 1e-15);
        // An empty mask: sums and counts 0, and min and max 0 as in `o2_stats`.
        let none = [0.0; 6];
        for r in [Reduce::Sum, Reduce::Min, Reduce::Max] {
            assert_eq!(reduce_slices(&none, &field, r), 0.0);
        }
    }

    #[test]
    fn median_is_the_sorted_middle() {
        let field = [5.0, -1.0, 7.0, 3.0, 3.0, 100.0];
        let all = [1.0; 6];
        assert_eq!(median_slices(&all, &field), 4.0); // (3 + 5) / 2
        let odd = [1.0, 1.0, 1.0, 0.0, 0.0, 0.0];
        assert_eq!(median_slices(&odd, &field), 5.0);
        assert_eq!(median_slices(&[0.0; 6], &field), 0.0);
        assert_eq!(median_slices(&[1.0], &[-0.0]), 0.0);
    }
}
