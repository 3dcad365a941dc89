//! The fast path's row kernels: one x-row at a time, faces and edge weights included
//! as per-side coefficients, in the reference's operations and order (x−, x+, y−, y+, z−, z+,
//! vessel, FAS term; the same roots), so that every value is bitwise the reference's.
//! The branches of the point functions are selects, and every row is re-sliced to the
//! stretch so that bounds checks leave the loop.
//!
//! On x86-64 with AVX2 (checked at run time) the rows go through the explicit 8-lane
//! kernels of `rows_avx2.rs`: a residual row 8 voxels at a time, and a red–black pass
//! 16 voxels at a time, of which the 8 of its colour are gathered into the lanes by
//! register shuffles, so that only they are computed. With AVX-512F a red–black pass
//! first takes 32 voxels at a time in 16 lanes (`rows_avx512.rs`, the same point
//! functions). The same IEEE operations in the same order (no FMA is formed), so the
//! bits do not change. The last n mod 8 (or mod 16) voxels of a row, and every row on
//! other CPUs, take the scalar body, which for a red–black pass computes both colours
//! and keeps the other's current values.

use crate::backend::stencil::StencilConsts;

#[cfg(target_arch = "x86_64")]
#[path = "rows_avx2.rs"]
mod lanes;

#[cfg(target_arch = "x86_64")]
#[path = "rows_avx512.rs"]
mod lanes512;

/// Elsewhere the row kernels have the scalar body alone.
#[cfg(not(target_arch = "x86_64"))]
mod lanes {
    pub(super) trait Lanes {}
    impl<T> Lanes for T {}
}

/// The rows around one x-row (j, k). pO2 of the row comes padded with the x faces
/// values (`pad[0]` and `pad[nx + 1]`; any finite value at a no-flux face), the four
/// neighbour rows are pO2 rows or, beyond a face, rows of the face's value; the side
/// coefficients are those of [`StencilConsts::couplings`] (0 at a no-flux face).
pub(crate) struct Row<'a> {
    /// pO2 of the row, with the two x ghosts: nx + 2 values.
    pub(crate) pad: &'a [f32],
    /// The y−, y+, z−, z+ neighbour rows (nx values each).
    pub(crate) nb: [&'a [f32]; 4],
    /// Per x, the coefficients of the x− and x+ sides (nx values each).
    pub(crate) cx: [&'a [f32]; 2],
    /// Where `cx` holds the same two values along x: the vector kernels use them as
    /// constants there instead of loading and gathering them.
    pub(crate) cx_flat: Flat,
    /// The coefficients of the y−, y+, z−, z+ sides, the same along the row.
    pub(crate) cyz: [f32; 4],
    /// Sv of the row.
    pub(crate) sv: &'a [f32],
    /// Pb of the row.
    pub(crate) pb: &'a [f32],
    /// n of the row.
    pub(crate) viable: &'a [f32],
    /// How the FAS term enters.
    pub(crate) g: Source<'a>,
}

/// A range of x, `from..to`, over which both x sides' coefficients are `cxm` and
/// `cxp` bit for bit (empty where no such range was found).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Flat {
    pub(crate) from: usize,
    pub(crate) to: usize,
    pub(crate) cxm: f32,
    pub(crate) cxp: f32,
}

impl Flat {
    /// The widest range around x = 1 of the (x−, x+) coefficients `cx` whose values
    /// are those of x = 1, bit for bit (the interior of a row: only the cells next to
    /// the x faces couple differently).
    pub(crate) fn of(cx: &[(f32, f32)]) -> Self {
        let Some(&(cxm, cxp)) = cx.get(1) else {
            return Flat {
                from: 0,
                to: 0,
                cxm: 0.0,
                cxp: 0.0,
            };
        };
        let same =
            |c: &(f32, f32)| c.0.to_bits() == cxm.to_bits() && c.1.to_bits() == cxp.to_bits();
        let from = if same(&cx[0]) { 0 } else { 1 };
        let to = 1 + cx[1..].iter().take_while(|c| same(c)).count();
        Flat { from, to, cxm, cxp }
    }

    /// Whether x..x + len lies in the range.
    #[inline(always)]
    pub(crate) fn covers(&self, x: usize, len: usize) -> bool {
        x >= self.from && x + len <= self.to
    }
}

/// Which voxels of a row a red–black pass updates: x ≡ `first` (mod 2) where free
/// (`fixed` < 0 or NaN, `fixed` the row's fixed values); the others keep their value.
#[derive(Clone, Copy)]
pub(crate) struct Colour<'a> {
    pub(crate) fixed: &'a [f32],
    pub(crate) first: usize,
}

impl Colour<'_> {
    /// Whether voxel x is updated.
    #[inline(always)]
    fn updates(&self, x: usize) -> bool {
        // Fixed where `fixed` ≥ 0; NaN counts as free.
        let fixed = self.fixed[x] >= 0.0;
        (x + self.first) & 1 == 0 && !fixed
    }
}

/// The FAS term of a residual: the level's rhs, a literal 0 added (the reference's
/// `+ g` with g = 0, which turns −0 into +0), or nothing added (the net supply alone,
/// as `mg_coarse_rhs` takes it).
#[derive(Clone, Copy)]
pub(crate) enum Source<'a> {
    /// g from the rhs (of the row, in a [`Row`]; of the level, elsewhere).
    Rhs(&'a [f32]),
    /// g = 0, added.
    Zero,
    /// No term.
    None,
}

/// `x` where `x > lo`, else `lo` (NaN gives `lo`): `x.max(lo)` as one compare and
/// select, where `max` also tests for NaN; −0 against a `lo` of 0 gives +0, as this
/// toolchain's `max(0.0)` does.
#[inline(always)]
fn at_least(x: f32, lo: f32) -> f32 {
    if x > lo {
        x
    } else {
        lo
    }
}

/// The reference's `residual` (physics::o2) as a select. f − mn is never −0: f, a sum
/// that starts from +0, is never −0.
#[inline(always)]
fn residual(f: f32, p: f32, mn: f32, km: f32) -> f32 {
    let s = p + km;
    let up = mn * p / s;
    if s > 0.0 {
        f - up
    } else {
        at_least(f - mn, 0.0)
    }
}

/// The reference's `local_correction` (physics::o2) as selects: one division for q,
/// one for the root, whichever form the sign of B picks.
#[inline(always)]
fn correction(a: f32, r: f32, p: f32, mn: f32, km: f32) -> f32 {
    let a = at_least(a, 1e-30);
    let s = p + km;
    let q = if s > 0.0 { mn * km / s } else { 0.0 };
    let bb = r - a * s - q;
    // bb² is never −0, so neither is the sum.
    let disc = at_least(bb * bb + 4.0 * a * r * s, 0.0).sqrt();
    let (num, den) = if bb >= 0.0 {
        (bb + disc, 2.0 * a)
    } else {
        (2.0 * r * s, disc - bb)
    };
    num / den
}

/// What a row kernel computes per voxel from its residual r, its pO2 p, the diagonal
/// a and mn = M·n.
trait Output {
    fn value(&self, r: f32, p: f32, a: f32, mn: f32) -> f32;
}

/// The residual itself.
struct Residual;

impl Output for Residual {
    #[inline(always)]
    fn value(&self, r: f32, _: f32, _: f32, _: f32) -> f32 {
        r
    }
}

/// The smoothed value max(P + ω·δ, 0) with the Michaelis constant `km`.
struct Smoothed {
    omega: f32,
    km: f32,
}

impl Output for Smoothed {
    #[inline(always)]
    fn value(&self, r: f32, p: f32, a: f32, mn: f32) -> f32 {
        // The reference's `max(0.0)` spelled as a select, so that −0 (→ +0) and NaN
        // (→ 0) do not depend on how `max` is compiled.
        at_least(p + self.omega * correction(a, r, p, mn, self.km), 0.0)
    }
}

/// A row re-sliced to its nx voxels: every slice has that length, so indexing below it
/// needs no bounds check in the loop.
struct Stretch<'a> {
    p: &'a [f32],
    xm: &'a [f32],
    xp: &'a [f32],
    cxm: &'a [f32],
    cxp: &'a [f32],
    cx_flat: Flat,
    nb: [&'a [f32]; 4],
    cyz: [f32; 4],
    sv: &'a [f32],
    pb: &'a [f32],
    viable: &'a [f32],
}

impl<'a> Stretch<'a> {
    #[inline(always)]
    fn of(row: &Row<'a>, n: usize) -> Self {
        Stretch {
            p: &row.pad[1..n + 1],
            xm: &row.pad[..n],
            xp: &row.pad[2..n + 2],
            cxm: &row.cx[0][..n],
            cxp: &row.cx[1][..n],
            cx_flat: row.cx_flat,
            nb: row.nb.map(|r| &r[..n]),
            cyz: row.cyz,
            sv: &row.sv[..n],
            pb: &row.pb[..n],
            viable: &row.viable[..n],
        }
    }

    /// Net supply at i (the reference's `net_supply`, its terms in its order) and the
    /// diagonal a (the reference's `diagonal_at`).
    #[inline(always)]
    fn supply(&self, k: &StencilConsts, i: usize) -> (f32, f32) {
        let p = self.p[i];
        let [cym, cyp, czm, czp] = self.cyz;
        let (cxm, cxp) = (self.cxm[i], self.cxp[i]);
        let mut f = 0.0f32;
        f += cxm * (self.xm[i] - p);
        f += cxp * (self.xp[i] - p);
        f += cym * (self.nb[0][i] - p);
        f += cyp * (self.nb[1][i] - p);
        f += czm * (self.nb[2][i] - p);
        f += czp * (self.nb[3][i] - p);
        let gamma = k.pw * self.sv[i];
        let mut a = 0.0f32;
        a += cxm;
        a += cxp;
        a += cym;
        a += cyp;
        a += czm;
        a += czp;
        (f + gamma * (self.pb[i] - p), a + gamma)
    }

    /// What `what` makes of voxel i with net supply (FAS term included) f.
    #[inline(always)]
    fn value(&self, k: &StencilConsts, i: usize, f: f32, a: f32, what: &impl Output) -> f32 {
        let (p, mn) = (self.p[i], k.m_max * self.viable[i]);
        what.value(residual(f, p, mn, k.km), p, a, mn)
    }
}

/// `out[i]` for the voxels i ≥ `from` of the row, the scalar body every dispatch target
/// inlines; where `colour` is given, the voxels it does not update keep their value.
#[inline(always)]
fn row_body(
    k: &StencilConsts,
    row: &Row,
    colour: Option<Colour>,
    out: &mut [f32],
    what: &impl Output,
    from: usize,
) {
    let n = k.nx;
    let s = Stretch::of(row, n);
    let out = &mut out[..n];
    let keep = |i: usize, v: f32| match colour {
        Some(c) if !c.updates(i) => s.p[i],
        _ => v,
    };
    match row.g {
        Source::Rhs(g) => {
            let g = &g[..n];
            for (i, o) in out.iter_mut().enumerate().skip(from) {
                let (f, a) = s.supply(k, i);
                *o = keep(i, s.value(k, i, f + g[i], a, what));
            }
        }
        Source::Zero => {
            for (i, o) in out.iter_mut().enumerate().skip(from) {
                let (f, a) = s.supply(k, i);
                *o = keep(i, s.value(k, i, f + 0.0, a, what));
            }
        }
        Source::None => {
            for (i, o) in out.iter_mut().enumerate().skip(from) {
                let (f, a) = s.supply(k, i);
                *o = keep(i, s.value(k, i, f, a, what));
            }
        }
    }
}

/// The row in 8-lane AVX2 form ([`lanes`]), its last n mod 8 voxels (n mod 16 for a
/// red–black pass) by [`row_body`]; a red–black pass in 16-lane AVX-512 form first
/// (`lanes512`) where `wide`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn row_avx2(
    k: &StencilConsts,
    row: &Row,
    colour: Option<Colour>,
    out: &mut [f32],
    what: &(impl Output + lanes::Lanes),
    wide: bool,
) {
    let n = k.nx;
    let s = Stretch::of(row, n);
    let g = match row.g {
        Source::Rhs(g) => Source::Rhs(&g[..n]),
        other => other,
    };
    let colour = colour.map(|c| Colour {
        fixed: &c.fixed[..n],
        ..c
    });
    // SAFETY: this function runs only where the CPU has AVX2, and AVX-512F where
    // `wide` (the caller checks both).
    let done = unsafe {
        match colour {
            Some(c) => {
                let from = if wide {
                    lanes512::stretch_colour(k, &s, g, c, &mut out[..n], what)
                } else {
                    0
                };
                // The 8-lane kernel only where 16 voxels or more are left.
                if n - from >= 16 {
                    lanes::stretch_colour(k, &s, g, c, &mut out[..n], what, from)
                } else {
                    from
                }
            }
            None => lanes::stretch(k, &s, g, &mut out[..n], what),
        }
    };
    if done < n {
        row_body(k, row, colour, out, what, done)
    }
}

/// The widest row kernels the CPU backend may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Width {
    /// The portable loop on any CPU.
    Portable = 0,
    /// At most AVX2.
    Avx2 = 1,
    /// The widest this CPU has (the default).
    Widest = 2,
}

/// [`Width`] as set by [`force_width`], as its `u8`.
static WIDTH: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(Width::Widest as u8);

/// Caps the row kernels at `w`. The results are the same bit for bit at every width;
/// this is for tests, which check that on the widths this CPU has.
pub fn force_width(w: Width) {
    WIDTH.store(w as u8, std::sync::atomic::Ordering::Relaxed);
}

/// Which row kernels run at `width` (0 portable, 1 AVX2 at most, 2 the widest) on
/// this CPU: (the 8-lane AVX2 kernels, the 16-lane AVX-512F colour pass too).
fn kernels(width: u8) -> (bool, bool) {
    #[cfg(target_arch = "x86_64")]
    {
        let avx2 = width >= 1 && std::arch::is_x86_feature_detected!("avx2");
        let wide = avx2 && width >= 2 && std::arch::is_x86_feature_detected!("avx512f");
        (avx2, wide)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = width;
        (false, false)
    }
}

/// The name of the kernels of [`kernels`]: "avx512f" (the smoother's colour pass in 16
/// lanes, the other rows in 8), "avx2" or "portable".
fn kernels_name((avx2, wide): (bool, bool)) -> &'static str {
    match (avx2, wide) {
        (_, true) => "avx512f",
        (true, false) => "avx2",
        _ => "portable",
    }
}

/// The widest row kernels this CPU has, whatever [`force_width`] allows (tests name
/// the path they check with it); see [`active`] for the names.
pub fn widest_available() -> &'static str {
    kernels_name(kernels(2))
}

/// The row kernels that run now ([`force_width`] and this CPU): "avx512f" (the
/// smoother's colour pass in 16 AVX-512 lanes, the other rows in 8 AVX2 lanes),
/// "avx2" or "portable".
pub fn active() -> &'static str {
    kernels_name(kernels(WIDTH.load(std::sync::atomic::Ordering::Relaxed)))
}

/// [`row_body`] on the widest registers this CPU has (and [`force_width`] allows).
#[inline(always)]
fn row_dispatch(
    k: &StencilConsts,
    row: &Row,
    colour: Option<Colour>,
    out: &mut [f32],
    what: &(impl Output + lanes::Lanes),
) {
    #[cfg(target_arch = "x86_64")]
    {
        let (avx2, wide) = kernels(WIDTH.load(std::sync::atomic::Ordering::Relaxed));
        if avx2 {
            // SAFETY: the CPU has AVX2, and AVX-512F where `wide` (`kernels` checks).
            return unsafe { row_avx2(k, row, colour, out, what, wide) };
        }
    }
    row_body(k, row, colour, out, what, 0)
}

/// The residual F(P) + g of every voxel of `row` into `out[..nx]` (free or not: the
/// caller masks fixed voxels).
pub(crate) fn residuals(k: &StencilConsts, row: &Row, out: &mut [f32]) {
    row_dispatch(k, row, None, out, &Residual)
}

/// One colour of a red–black pass over `row` into `out[..nx]`: the smoothed value at
/// the voxels `colour` updates, the current value at the others (so that `out` is the
/// row's new contents).
pub(crate) fn smoothed(k: &StencilConsts, row: &Row, colour: Colour, omega: f32, out: &mut [f32]) {
    row_dispatch(k, row, Some(colour), out, &Smoothed { omega, km: k.km })
}
