//! One colour of a red–black pass in 16-lane AVX-512 form: 32 voxels of a row at a
//! time, the 16 of the pass's colour gathered into one register by a two-source
//! permute. The gather and the point functions are those of the AVX2 kernel
//! (`rows_avx2.rs`, `colour_chunk`), generic over their lanes, so every lane does
//! the same IEEE operations in the same order as the scalar body (no FMA is formed;
//! division and square root are correctly rounded at any width): the bits do not
//! change. Half the instructions of the 8-lane kernel per voxel, and 32 registers
//! instead of 16; what bounds the pass after that is the coefficient streams' loads
//! (docs/benchmarks.md, 2026-12-08).

use super::lanes::{colour_chunk, covers, Gather, Lane, Lanes};
use super::{Colour, Output, Source, Stretch};
use crate::backend::stencil::StencilConsts;
use std::arch::x86_64::*;
use std::ops::{Add, Div, Mul, Sub};

/// Sixteen f32 lanes.
#[derive(Clone, Copy)]
struct W(__m512);

/// Permute indices: the even and the odd of 32 values (a's are 0–15, b's 16–31), and
/// back: the first and the last 16 of (even, odd) interleaved.
const EVEN: [i32; 16] = [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30];
const ODD: [i32; 16] = [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31];
const LOW: [i32; 16] = [0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23];
const HIGH: [i32; 16] = [8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31];

impl W {
    /// `s[i..i + 16]`, unchecked (the loop checks once per row that every stream covers
    /// the stretch, as the AVX2 kernel does).
    ///
    /// # Safety
    /// i + 16 ≤ `s.len()`.
    #[inline(always)]
    unsafe fn load(s: &[f32], i: usize) -> W {
        debug_assert!(i + 16 <= s.len());
        // SAFETY: 16 values in bounds (the caller's promise). Every function of this
        // module runs inside `stretch_colour`, which runs only where the CPU has
        // AVX-512F (its caller checks it at run time).
        W(unsafe { _mm512_loadu_ps(s.as_ptr().add(i)) })
    }

    /// `s[i..i + 16] = self`, unchecked as [`W::load`].
    ///
    /// # Safety
    /// i + 16 ≤ `s.len()`.
    #[inline(always)]
    unsafe fn store(self, s: &mut [f32], i: usize) {
        debug_assert!(i + 16 <= s.len());
        // SAFETY: as in `load`.
        unsafe { _mm512_storeu_ps(s.as_mut_ptr().add(i), self.0) }
    }

    /// Lanes of `a` (indices 0–15) and `b` (16–31) in the order of `idx`.
    #[inline(always)]
    fn permute(a: W, b: W, idx: &[i32; 16]) -> W {
        // SAFETY: as in `load`; `idx` holds 16 values.
        W(unsafe {
            let idx = _mm512_loadu_si512(idx.as_ptr().cast());
            _mm512_permutex2var_ps(a.0, idx, b.0)
        })
    }
}

macro_rules! lane_op {
    ($tr:ident, $f:ident, $intr:ident) => {
        impl $tr for W {
            type Output = W;
            #[inline(always)]
            fn $f(self, o: W) -> W {
                // SAFETY: as in `W::load`.
                W(unsafe { $intr(self.0, o.0) })
            }
        }
    };
}
lane_op!(Add, add, _mm512_add_ps);
lane_op!(Sub, sub, _mm512_sub_ps);
lane_op!(Mul, mul, _mm512_mul_ps);
lane_op!(Div, div, _mm512_div_ps);

impl Lane for W {
    /// One bit per lane.
    type Mask = __mmask16;

    #[inline(always)]
    fn splat(x: f32) -> W {
        // SAFETY: as in `W::load`.
        W(unsafe { _mm512_set1_ps(x) })
    }

    #[inline(always)]
    fn sqrt(self) -> W {
        // SAFETY: as in `W::load`.
        W(unsafe { _mm512_sqrt_ps(self.0) })
    }

    #[inline(always)]
    fn gt(self, o: W) -> __mmask16 {
        // SAFETY: as in `W::load`.
        unsafe { _mm512_cmp_ps_mask::<_CMP_GT_OQ>(self.0, o.0) }
    }

    #[inline(always)]
    fn ge(self, o: W) -> __mmask16 {
        // SAFETY: as in `W::load`.
        unsafe { _mm512_cmp_ps_mask::<_CMP_GE_OQ>(self.0, o.0) }
    }

    #[inline(always)]
    fn select(m: __mmask16, t: W, f: W) -> W {
        // SAFETY: as in `W::load`.
        W(unsafe { _mm512_mask_blend_ps(m, f.0, t.0) })
    }
}

impl Gather for W {
    const SPAN: usize = 32;

    /// In x order: one two-source permute each.
    #[inline(always)]
    unsafe fn deinterleave(s: &[f32], i: usize) -> (W, W) {
        // SAFETY: the caller's promise.
        let (a, b) = unsafe { (W::load(s, i), W::load(s, i + 16)) };
        (W::permute(a, b, &EVEN), W::permute(a, b, &ODD))
    }

    #[inline(always)]
    unsafe fn interleave(even: W, odd: W, s: &mut [f32], i: usize) {
        let (lo, hi) = (W::permute(even, odd, &LOW), W::permute(even, odd, &HIGH));
        // SAFETY: the caller's promise.
        unsafe {
            lo.store(s, i);
            hi.store(s, i + 16);
        }
    }
}

/// One colour of a red–black pass over the stretch's voxels 0..32m (m = ⌊len/32⌋) into
/// `out`, as the AVX2 kernel's `stretch_colour` computes them 16 at a time; returns
/// 32m, where that kernel takes over.
///
/// # Safety
/// The CPU has AVX-512F.
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn stretch_colour(
    k: &StencilConsts,
    s: &Stretch,
    g: Source,
    colour: Colour,
    out: &mut [f32],
    what: &(impl Output + Lanes),
) -> usize {
    if colour.first == 0 {
        colour_chunks::<0>(k, s, g, colour.fixed, out, what)
    } else {
        colour_chunks::<1>(k, s, g, colour.fixed, out, what)
    }
}

/// [`stretch_colour`] for the voxels x ≡ FIRST (mod 2).
#[inline(always)]
fn colour_chunks<const FIRST: usize>(
    k: &StencilConsts,
    s: &Stretch,
    g: Source,
    fixed: &[f32],
    out: &mut [f32],
    what: &(impl Output + Lanes),
) -> usize {
    let n = out.len() / W::SPAN * W::SPAN;
    assert!(
        covers(s, g, Some(fixed), n),
        "a stream shorter than the row"
    );
    for i in (0..n).step_by(W::SPAN) {
        // SAFETY: i + 32 ≤ n ≤ `out.len()`, and every stream holds n values (asserted
        // above).
        unsafe { colour_chunk::<W, FIRST>(k, s, g, fixed, what, out, i) };
    }
    n
}
