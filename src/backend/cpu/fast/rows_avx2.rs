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
        // module runs inside `stretch` or `stretch_colour`, or (the gather, `covers`,
        // `fas` and the point functions, generic over their lanes) inside the AVX-512
        // kernel's `stretch_colour`, which run only where the CPU has AVX2, or
        // AVX-512F (their callers check it at run time).
        V(unsafe { _mm256_loadu_ps(s.as_ptr().add(i)) })
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

/// What the point functions below need of their lanes: 8 in an AVX2 register ([`V`]),
/// or 16 in an AVX-512 one (`rows_avx512.rs`).
pub(super) trait Lane:
    Copy + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Div<Output = Self>
{
    /// The result of a comparison, lane by lane.
    type Mask: Copy;
    fn splat(x: f32) -> Self;
    fn sqrt(self) -> Self;
    /// Set where `self > o` (not where either is NaN, as the scalar `>`).
    fn gt(self, o: Self) -> Self::Mask;
    /// Set where `self >= o` (not where either is NaN).
    fn ge(self, o: Self) -> Self::Mask;
    /// `t` where `m` is set, else `f`.
    fn select(m: Self::Mask, t: Self, f: Self) -> Self;
}

impl Lane for V {
    /// All-ones lanes where set.
    type Mask = V;

    #[inline(always)]
    fn splat(x: f32) -> V {
        // SAFETY: as in `load`.
        V(unsafe { _mm256_set1_ps(x) })
    }

    #[inline(always)]
    fn sqrt(self) -> V {
        // SAFETY: as in `load`.
        V(unsafe { _mm256_sqrt_ps(self.0) })
    }

    #[inline(always)]
    fn gt(self, o: V) -> V {
        // SAFETY: as in `load`.
        V(unsafe { _mm256_cmp_ps::<_CMP_GT_OQ>(self.0, o.0) })
    }

    #[inline(always)]
    fn ge(self, o: V) -> V {
        // SAFETY: as in `load`.
        V(unsafe { _mm256_cmp_ps::<_CMP_GE_OQ>(self.0, o.0) })
    }

    #[inline(always)]
    fn select(m: V, t: V, f: V) -> V {
        // SAFETY: as in `load`.
        V(unsafe { _mm256_blendv_ps(f.0, t.0, m.0) })
    }
}

/// Lanes a colour pass gathers: [`Gather::SPAN`] values of a row split into the even
/// and the odd x, and put back. Every method runs the lane type's instructions: only
/// where the CPU has them (AVX2 for [`V`], AVX-512F for the AVX-512 kernel's lanes).
pub(super) trait Gather: Lane {
    /// Values per gather: twice the lanes.
    const SPAN: usize;

    /// The voxels of even and of odd x among the `SPAN` values of `s` from i (i even),
    /// as (even, odd) lanes, in an order of the implementation's choosing that every
    /// stream of a chunk shares (the arithmetic is lane by lane, so the order never
    /// matters except on the way back, which [`Gather::interleave`] undoes).
    ///
    /// # Safety
    /// i + `SPAN` ≤ `s.len()`.
    unsafe fn deinterleave(s: &[f32], i: usize) -> (Self, Self);

    /// The inverse of [`Gather::deinterleave`]: `even` and `odd` into `s[i..i + SPAN]`.
    ///
    /// # Safety
    /// i + `SPAN` ≤ `s.len()`.
    unsafe fn interleave(even: Self, odd: Self, s: &mut [f32], i: usize);
}

impl Gather for V {
    const SPAN: usize = 16;

    /// In the order x − i = (0, 2, 8, 10, 4, 6, 12, 14) for even and one more for odd:
    /// two in-lane shuffles, no lane crossing.
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

    /// Per 128-bit half, the low pairs unpacked are a's values, the high pairs b's.
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
}

/// Whether every stream the loops read (`s`, the FAS term `g`, the `fixed` row when
/// given) holds at least `n` values: checked once per row, it is what makes the
/// unchecked loads and stores of [`V`] (and of the AVX-512 kernel's lanes) in bounds.
pub(super) fn covers(s: &Stretch, g: Source, fixed: Option<&[f32]>, n: usize) -> bool {
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
fn at_least<L: Lane>(x: L, lo: L) -> L {
    L::select(x.gt(lo), x, lo)
}

/// `super::residual`, lane by lane (a lane that takes the other branch computes this
/// one too and discards it; no floating-point exception traps).
#[inline(always)]
fn residual<L: Lane>(f: L, p: L, mn: L, km: L) -> L {
    let zero = L::splat(0.0);
    let s = p + km;
    let up = mn * p / s;
    L::select(s.gt(zero), f - up, at_least(f - mn, zero))
}

/// `super::correction`, lane by lane.
#[inline(always)]
fn correction<L: Lane>(a: L, r: L, p: L, mn: L, km: L) -> L {
    let zero = L::splat(0.0);
    let (two, four) = (L::splat(2.0), L::splat(4.0));
    let a = at_least(a, L::splat(1e-30));
    let s = p + km;
    let q = L::select(s.gt(zero), mn * km / s, zero);
    let bb = r - a * s - q;
    let disc = at_least(bb * bb + four * a * r * s, zero).sqrt();
    let pos = bb.ge(zero);
    let num = L::select(pos, bb + disc, two * r * s);
    let den = L::select(pos, two * a, disc - bb);
    num / den
}

/// What an [`Output`] computes, lane by lane.
pub(super) trait Lanes {
    fn value_lanes<L: Lane>(&self, r: L, p: L, a: L, mn: L) -> L;
}

impl Lanes for super::Residual {
    #[inline(always)]
    fn value_lanes<L: Lane>(&self, r: L, _: L, _: L, _: L) -> L {
        r
    }
}

impl Lanes for super::Smoothed {
    /// The scalar `value`: max(p + ω·δ, 0) as `at_least`, which gives +0 for −0 and 0
    /// for NaN, as the reference's `max(0.0)` does.
    #[inline(always)]
    fn value_lanes<L: Lane>(&self, r: L, p: L, a: L, mn: L) -> L {
        let x = p + L::splat(self.omega) * correction(a, r, p, mn, L::splat(self.km));
        at_least(x, L::splat(0.0))
    }
}

/// One voxel per lane: its pO2, its neighbours', and its coefficients, loaded in a row
/// (`stretch`) or gathered to one colour (`colour_chunk`, at either width).
#[derive(Clone, Copy)]
pub(super) struct Voxels<L> {
    pub(super) p: L,
    /// The x−, x+, y−, y+, z−, z+ neighbours.
    pub(super) nb: [L; 6],
    pub(super) cxm: L,
    pub(super) cxp: L,
    pub(super) sv: L,
    pub(super) pb: L,
    pub(super) viable: L,
    /// The FAS term where one is added (a literal 0 for `Source::Zero`).
    pub(super) g: Option<L>,
}

/// The value `what` makes of each lane: `Stretch::supply` and `Stretch::value` of the
/// scalar body, the same operations in the same order.
#[inline(always)]
pub(super) fn update<L: Lane>(
    k: &StencilConsts,
    cyz: [f32; 4],
    v: Voxels<L>,
    what: &impl Lanes,
) -> L {
    let [cym, cyp, czm, czp] = cyz.map(L::splat);
    let zero = L::splat(0.0);
    let p = v.p;
    let mut f = zero;
    for (c, nb) in [v.cxm, v.cxp, cym, cyp, czm, czp].into_iter().zip(v.nb) {
        f = f + c * (nb - p);
    }
    let gamma = L::splat(k.pw) * v.sv;
    let mut a = zero;
    for c in [v.cxm, v.cxp, cym, cyp, czm, czp] {
        a = a + c;
    }
    let f = f + gamma * (v.pb - p);
    let a = a + gamma;
    let f = v.g.map_or(f, |g| f + g);
    let mn = L::splat(k.m_max) * v.viable;
    what.value_lanes(residual(f, p, mn, L::splat(k.km)), p, a, mn)
}

/// The FAS term of the lanes from `g`: `load` of its values, a literal 0, or none.
#[inline(always)]
pub(super) fn fas<L: Lane>(g: Source, load: impl Fn(&[f32]) -> L) -> Option<L> {
    match g {
        Source::Rhs(g) => Some(load(g)),
        Source::Zero => Some(L::splat(0.0)),
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

/// One colour of a red–black pass over the stretch's voxels `from`..16m (m =
/// ⌊len/16⌋, `from` a multiple of 16) into `out`: the voxels x ≡ `colour.first`
/// (mod 2) of each 16 gathered into 8 lanes (so only they are computed, with the scalar
/// body's operations), the others' current values kept, and both written back in
/// order; returns 16m, where the scalar body takes over.
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
    from: usize,
) -> usize {
    if colour.first == 0 {
        colour_chunks::<0>(k, s, g, colour.fixed, out, what, from)
    } else {
        colour_chunks::<1>(k, s, g, colour.fixed, out, what, from)
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
    from: usize,
) -> usize {
    let n = out.len() / V::SPAN * V::SPAN;
    assert!(
        from.is_multiple_of(V::SPAN) && covers(s, g, Some(fixed), n),
        "a stream shorter than the row"
    );
    for i in (from..n).step_by(V::SPAN) {
        // SAFETY: i + 16 ≤ n ≤ `out.len()`, and every stream holds n values (asserted
        // above).
        unsafe { colour_chunk::<V, FIRST>(k, s, g, fixed, what, out, i) };
    }
    n
}

/// The chunk of voxels i..i + `L::SPAN` into `out`: those x ≡ FIRST (mod 2) computed
/// (gathered into the lanes), the others' current values kept, both written back in
/// order.
///
/// # Safety
/// The CPU has `L`'s instructions (AVX2 for [`V`], AVX-512F for the AVX-512 kernel's
/// lanes); i is even, and i + `L::SPAN` ≤ the length of `out`, of every stream of `s`,
/// of `g`'s and of `fixed`.
#[inline(always)]
pub(super) unsafe fn colour_chunk<L: Gather, const FIRST: usize>(
    k: &StencilConsts,
    s: &Stretch,
    g: Source,
    fixed: &[f32],
    what: &impl Lanes,
    out: &mut [f32],
    i: usize,
) {
    debug_assert!(i.is_multiple_of(2) && i + L::SPAN <= out.len());
    // The lanes of this colour from the `SPAN` values of `src` from i.
    let own = |src: &[f32]| {
        // SAFETY: the caller's promise.
        let (e, o) = unsafe { L::deinterleave(src, i) };
        if FIRST == 0 {
            e
        } else {
            o
        }
    };
    // The row from x = i − 1 (`s.xm`) and from x = i + 1 (`s.xp`): for FIRST = 0 the
    // voxels (even x) are the odd values from i − 1, their x− neighbours the even ones
    // and their x+ neighbours the even ones from i + 1; for FIRST = 1 one value on.
    // SAFETY: the caller's promise.
    let ((e0, o0), (e2, o2)) = unsafe { (L::deinterleave(s.xm, i), L::deinterleave(s.xp, i)) };
    let (xm, p, xp, other) = if FIRST == 0 {
        (e0, o0, e2, e2)
    } else {
        (o0, e2, o2, o0)
    };
    // The x sides' coefficients: constants where the chunk lies where they are flat
    // (the same values, so the same bits), else gathered.
    let (cxm, cxp) = if s.cx_flat.covers(i, L::SPAN) {
        (L::splat(s.cx_flat.cxm), L::splat(s.cx_flat.cxp))
    } else {
        (own(s.cxm), own(s.cxp))
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
        cxm,
        cxp,
        sv: own(s.sv),
        pb: own(s.pb),
        viable: own(s.viable),
        g: fas(g, own),
    };
    let new = update(k, s.cyz, v, what);
    // Fixed voxels (fixed ≥ 0) keep their value; NaN counts as free.
    let new = L::select(own(fixed).ge(L::splat(0.0)), p, new);
    let (even, odd) = if FIRST == 0 {
        (new, other)
    } else {
        (other, new)
    };
    // SAFETY: the caller's promise.
    unsafe { L::interleave(even, odd, out, i) };
}
