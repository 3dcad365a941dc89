//! The row kernel in explicit 8-lane AVX2 form: the same IEEE operations as the scalar
//! body of [`super`], in the same order (no FMA is formed), so every lane's value is the
//! scalar one bit for bit. LLVM's own vectorisation of that body is not relied on: it
//! left the short rows of coarse levels, and part of the fine rows, to its scalar
//! remainder loop. The voxels beyond a row's last multiple of 8 (16 for a red–black
//! pass) are left to the scalar body.

use super::{Colour, Output, Source, Stretch};
use crate::backend::stencil::StencilConsts;
use std::arch::x86_64::*;
use std::ops::{Add, Div, Mul, Sub};

/// Eight f32 lanes.
#[derive(Clone, Copy)]
pub(super) struct V(__m256);

impl V {
    /// `s[i..i + 8]`, unchecked: the loops check once per row that every stream
    /// covers the stretch ([`covers`]), so that no load or store carries a compare and
    /// branch of its own.
    ///
    /// # Safety
    /// i + 8 ≤ `s.len()`.
    #[inline(always)]
    unsafe fn load(s: &[f32], i: usize) -> V {
        debug_assert!(i + 8 <= s.len());
        // SAFETY: 8 values in bounds (the caller's promise). Every function of this
        // module runs inside `stretch` or `stretch_colour`, which run only where the CPU
        // has AVX2 (their callers check it at run time).
        V(unsafe { _mm256_loadu_ps(s.as_ptr().add(i)) })
    }

    #[inline(always)]
    fn splat(x: f32) -> V {
        // SAFETY: as in `load`.
        V(unsafe { _mm256_set1_ps(x) })
    }

    /// `s[i..i + 8] = self`, unchecked as [`V::load`].
    ///
    /// # Safety
    /// i + 8 ≤ `s.len()`.
    #[inline(always)]
    unsafe fn store(self, s: &mut [f32], i: usize) {
        debug_assert!(i + 8 <= s.len());
        // SAFETY: as in `load`.
        unsafe { _mm256_storeu_ps(s.as_mut_ptr().add(i), self.0) }
    }

    #[inline(always)]
    fn sqrt(self) -> V {
        // SAFETY: as in `load`.
        V(unsafe { _mm256_sqrt_ps(self.0) })
    }

    /// All-ones lanes where `self > o` (false where either is NaN, as the scalar `>`).
    #[inline(always)]
    fn gt(self, o: V) -> V {
        // SAFETY: as in `load`.
        V(unsafe { _mm256_cmp_ps::<_CMP_GT_OQ>(self.0, o.0) })
    }

    /// All-ones lanes where `self >= o` (false where either is NaN).
    #[inline(always)]
    fn ge(self, o: V) -> V {
        // SAFETY: as in `load`.
        V(unsafe { _mm256_cmp_ps::<_CMP_GE_OQ>(self.0, o.0) })
    }

    /// `t` where `self` (a mask) is set, else `f`.
    #[inline(always)]
    fn select(self, t: V, f: V) -> V {
        // SAFETY: as in `load`.
        V(unsafe { _mm256_blendv_ps(f.0, t.0, self.0) })
    }
}

macro_rules! lane_op {
    ($tr:ident, $f:ident, $intr:ident) => {
        impl $tr for V {
            type Output = V;
            #[inline(always)]
            fn $f(self, o: V) -> V {
                // SAFETY: as in `V::load`.
                V(unsafe { $intr(self.0, o.0) })
            }
        }
    };
}
lane_op!(Add, add, _mm256_add_ps);
lane_op!(Sub, sub, _mm256_sub_ps);
lane_op!(Mul, mul, _mm256_mul_ps);
lane_op!(Div, div, _mm256_div_ps);

/// The voxels of even and of odd x among the 16 values of `s` from i, as (even, odd)
/// lanes in the order x − i = (0, 2, 8, 10, 4, 6, 12, 14) and one more for odd: two
/// in-lane shuffles, no lane crossing. Every stream of a chunk is gathered in this same
/// order, and the arithmetic is lane by lane, so the order never matters except on the
/// way back, which [`interleave`] undoes.
///
/// # Safety
/// i + 16 ≤ `s.len()`.
#[inline(always)]
unsafe fn deinterleave(s: &[f32], i: usize) -> (V, V) {
    // SAFETY: as in `V::load`, and 16 values in bounds (the caller's promise).
    unsafe {
        let (a, b) = (V::load(s, i), V::load(s, i + 8));
        // Per 128-bit half: (a0 a2 b0 b2 | a4 a6 b4 b6) and (a1 a3 b1 b3 | a5 a7 b5 b7).
        (
            V(_mm256_shuffle_ps::<0b10_00_10_00>(a.0, b.0)),
            V(_mm256_shuffle_ps::<0b11_01_11_01>(a.0, b.0)),
        )
    }
}

/// The inverse of [`deinterleave`]: `even` and `odd` lanes into `s[i..i + 16]`
/// (per 128-bit half, the low pairs unpacked are a's values, the high pairs b's).
///
/// # Safety
/// i + 16 ≤ `s.len()`.
#[inline(always)]
unsafe fn interleave(even: V, odd: V, s: &mut [f32], i: usize) {
    // SAFETY: as in `V::load`, and 16 values in bounds (the caller's promise).
    unsafe {
        let (lo, hi) = (
            _mm256_unpacklo_ps(even.0, odd.0),
            _mm256_unpackhi_ps(even.0, odd.0),
        );
        V(lo).store(s, i);
        V(hi).store(s, i + 8);
    }
}

/// Whether every stream the loops read (`s`, the FAS term `g`, the `fixed` row when
/// given) holds at least `n` values: checked once per row, it is what makes the
/// unchecked loads and stores of [`V`] in bounds.
fn covers(s: &Stretch, g: Source, fixed: Option<&[f32]>, n: usize) -> bool {
    let streams = [s.p, s.cxm, s.cxp, s.sv, s.pb, s.viable];
    // `xm` and `xp` are the row from x − 1 and x + 1: n values each, as `p`.
    streams
        .iter()
        .chain(&s.nb)
        .chain(&[s.xm, s.xp])
        .all(|r| r.len() >= n)
        && match g {
            Source::Rhs(g) => g.len() >= n,
            Source::Zero | Source::None => true,
        }
        && fixed.is_none_or(|f| f.len() >= n)
}

/// `super::at_least`: `x` where `x > lo`, else `lo`.
#[inline(always)]
fn at_least(x: V, lo: V) -> V {
    x.gt(lo).select(x, lo)
}

/// `super::residual`, lane by lane (a lane that takes the other branch computes this
/// one too and discards it; no floating-point exception traps).
#[inline(always)]
fn residual(f: V, p: V, mn: V, km: V) -> V {
    let zero = V::splat(0.0);
    let s = p + km;
    let up = mn * p / s;
    s.gt(zero).select(f - up, at_least(f - mn, zero))
}

/// `super::correction`, lane by lane.
#[inline(always)]
fn correction(a: V, r: V, p: V, mn: V, km: V) -> V {
    let zero = V::splat(0.0);
    let (two, four) = (V::splat(2.0), V::splat(4.0));
    let a = at_least(a, V::splat(1e-30));
    let s = p + km;
    let q = s.gt(zero).select(mn * km / s, zero);
    let bb = r - a * s - q;
    let disc = at_least(bb * bb + four * a * r * s, zero).sqrt();
    let pos = bb.ge(zero);
    let num = pos.select(bb + disc, two * r * s);
    let den = pos.select(two * a, disc - bb);
    num / den
}

/// What an [`Output`] computes, lane by lane.
pub(super) trait Lanes {
    fn value8(&self, r: V, p: V, a: V, mn: V) -> V;
}

impl Lanes for super::Residual {
    #[inline(always)]
    fn value8(&self, r: V, _: V, _: V, _: V) -> V {
        r
    }
}

impl Lanes for super::Smoothed {
    /// The scalar `value`: max(p + ω·δ, 0) as `at_least`, which gives +0 for −0 and 0
    /// for NaN, as the reference's `max(0.0)` does.
    #[inline(always)]
    fn value8(&self, r: V, p: V, a: V, mn: V) -> V {
        let x = p + V::splat(self.omega) * correction(a, r, p, mn, V::splat(self.km));
        at_least(x, V::splat(0.0))
    }
}

/// One voxel per lane: its pO2, its neighbours', and its coefficients, loaded in a row
/// (`stretch`) or gathered to one colour (`colour_chunk`).
struct Voxels {
    p: V,
    /// The x−, x+, y−, y+, z−, z+ neighbours.
    nb: [V; 6],
    cxm: V,
    cxp: V,
    sv: V,
    pb: V,
    viable: V,
    /// The FAS term where one is added (a literal 0 for `Source::Zero`).
    g: Option<V>,
}

/// The value `what` makes of each lane: `Stretch::supply` and `Stretch::value` of the
/// scalar body, the same operations in the same order.
#[inline(always)]
fn update(k: &StencilConsts, cyz: [f32; 4], v: Voxels, what: &impl Lanes) -> V {
    let [cym, cyp, czm, czp] = cyz.map(V::splat);
    let zero = V::splat(0.0);
    let p = v.p;
    let mut f = zero;
    for (c, nb) in [v.cxm, v.cxp, cym, cyp, czm, czp].into_iter().zip(v.nb) {
        f = f + c * (nb - p);
    }
    let gamma = V::splat(k.pw) * v.sv;
    let mut a = zero;
    for c in [v.cxm, v.cxp, cym, cyp, czm, czp] {
        a = a + c;
    }
    let f = f + gamma * (v.pb - p);
    let a = a + gamma;
    let f = v.g.map_or(f, |g| f + g);
    let mn = V::splat(k.m_max) * v.viable;
    what.value8(residual(f, p, mn, V::splat(k.km)), p, a, mn)
}

/// The FAS term of the lanes from `g`: `load` of its values, a literal 0, or none.
#[inline(always)]
fn fas(g: Source, load: impl Fn(&[f32]) -> V) -> Option<V> {
    match g {
        Source::Rhs(g) => Some(load(g)),
        Source::Zero => Some(V::splat(0.0)),
        Source::None => None,
    }
}

/// The values of the stretch's voxels 0..8m (m = ⌊len/8⌋) into `out`, as the scalar
/// body computes them; returns 8m, where the scalar body takes over.
///
/// # Safety
/// The CPU has AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn stretch(
    k: &StencilConsts,
    s: &Stretch,
    g: Source,
    out: &mut [f32],
    what: &(impl Output + Lanes),
) -> usize {
    let n = out.len() / 8 * 8;
    assert!(covers(s, g, None, n), "a stream shorter than the row");
    for i in (0..n).step_by(8) {
        // SAFETY: i + 8 ≤ n, and every stream holds n values (asserted above).
        let at = |src: &[f32]| unsafe { V::load(src, i) };
        let v = Voxels {
            p: at(s.p),
            nb: [s.xm, s.xp, s.nb[0], s.nb[1], s.nb[2], s.nb[3]].map(at),
            cxm: at(s.cxm),
            cxp: at(s.cxp),
            sv: at(s.sv),
            pb: at(s.pb),
            viable: at(s.viable),
            g: fas(g, at),
        };
        // SAFETY: i + 8 ≤ n ≤ `out.len()`.
        unsafe { update(k, s.cyz, v, what).store(out, i) };
    }
    n
}

/// One colour of a red–black pass over the stretch's voxels 0..16m (m = ⌊len/16⌋) into
/// `out`: the voxels x ≡ `colour.first` (mod 2) of each 16 gathered into 8 lanes
/// (so only they are computed, with the scalar body's operations), the others'
/// current values kept, and both written back in order; returns 16m, where the
/// scalar body takes over.
///
/// # Safety
/// The CPU has AVX2.
#[target_feature(enable = "avx2")]
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
    let n = out.len() / 16 * 16;
    assert!(
        covers(s, g, Some(fixed), n),
        "a stream shorter than the row"
    );
    for i in (0..n).step_by(16) {
        // SAFETY: i + 16 ≤ n ≤ `out.len()`, and every stream holds n values (asserted
        // above).
        unsafe { colour_chunk::<FIRST>(k, s, g, fixed, what, i).store(out, i) };
    }
    n
}

/// The 16 new values of a chunk, as (even x, odd x) lanes.
struct Chunk(V, V);

impl Chunk {
    /// # Safety
    /// i + 16 ≤ `out.len()`.
    #[inline(always)]
    unsafe fn store(self, out: &mut [f32], i: usize) {
        // SAFETY: the caller's promise.
        unsafe { interleave(self.0, self.1, out, i) }
    }
}

/// The chunk of voxels i..i + 16: those x ≡ FIRST (mod 2) computed, the others kept.
///
/// # Safety
/// i + 16 ≤ the length of every stream of `s`, of `g`'s and of `fixed`.
#[inline(always)]
unsafe fn colour_chunk<const FIRST: usize>(
    k: &StencilConsts,
    s: &Stretch,
    g: Source,
    fixed: &[f32],
    what: &(impl Output + Lanes),
    i: usize,
) -> Chunk {
    // The lanes of this colour from the 16 values of `src` from i.
    let own = |src: &[f32]| {
        // SAFETY: the caller's promise.
        let (e, o) = unsafe { deinterleave(src, i) };
        if FIRST == 0 {
            e
        } else {
            o
        }
    };
    // The row with its x ghosts from x = i − 1 (`s.xm`) and from x = i + 1 (`s.xp`):
    // for FIRST = 0 the voxels are the odd lanes from i − 1, their x− neighbours the
    // even ones and their x+ neighbours the even ones from i + 1; for FIRST = 1 one lane
    // on.
    // SAFETY: the caller's promise.
    let ((e0, o0), (e2, o2)) = unsafe { (deinterleave(s.xm, i), deinterleave(s.xp, i)) };
    let (xm, p, xp, other) = if FIRST == 0 {
        (e0, o0, e2, e2)
    } else {
        (o0, e2, o2, o0)
    };
    let v = Voxels {
        p,
        nb: [
            xm,
            xp,
            own(s.nb[0]),
            own(s.nb[1]),
            own(s.nb[2]),
            own(s.nb[3]),
        ],
        cxm: own(s.cxm),
        cxp: own(s.cxp),
        sv: own(s.sv),
        pb: own(s.pb),
        viable: own(s.viable),
        g: fas(g, own),
    };
    let v = update(k, s.cyz, v, what);
    let zero = V::splat(0.0);
    // Fixed voxels (fixed ≥ 0) keep their value; NaN counts as free.
    let v = own(fixed).ge(zero).select(p, v);
    if FIRST == 0 {
        Chunk(v, other)
    } else {
        Chunk(other, v)
    }
}
