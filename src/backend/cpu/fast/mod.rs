//! The CPU backend's fast path: the same discrete updates as the reference twins
//! ([`super::o2_smooth`], [`super::mg_transfer`], `super::o2_residual`,
//! [`super::o2_step`]), bitwise, organised for the memory system.
//!
//! - Every x-row goes through the vectorised row kernels of [`rows`], faces and the
//!   edge weights of narrow last cells entering as per-side coefficients
//!   (`StencilConsts::couplings`) and ghost values, so there is no scalar shell.
//! - A colour of red–black smoothing computes only that colour's voxels of a row on
//!   AVX2, and 16 at a time on AVX-512F (they are gathered from contiguous loads by
//!   register shuffles or permutes, and the row is written back whole: new values at
//!   its colour, current ones at the other); the
//!   portable body computes both colours and keeps the other's current values (blend on
//!   store).
//! - Sweeps run as a wavefront ([`smooth`]): one slab of planes per thread, red on
//!   plane k, black on k − 1 and the next sweep's red and black on k − 2 and k − 3
//!   while those planes are in cache, so two sweeps read the level's arrays once
//!   instead of once per colour and sweep. The planes at the slabs'
//!   edges, and levels too small for slabs, are updated by plane parity within a colour
//!   (even planes, then odd ones). Either way a task writes its own plane or slab and
//!   reads planes no task writes: no field is shared mutably (the only `unsafe` is the
//!   AVX2 and AVX-512 row kernels and their intrinsics, behind run-time feature
//!   checks).
//! - A coarse level's coefficients ([`coarsen`]) are filled plane by plane in place,
//!   the children of interior cells read from row slices with weight 1.
//! - Levels below `PAR_MIN` voxels run serially: there rayon's fork–join costs more
//!   than it saves.
//!
//! Tests (`tests/it/fast_cpu.rs`) compare every entry point with its reference twin on
//! random fields, odd and narrow grids, every face kind and FAS terms: equal bit for
//! bit, which the operation order of [`rows`] is written to give.

pub mod coarsen;
pub mod prolong;
pub mod residual;
mod restrict;
pub mod rows;
pub mod smooth;

use crate::backend::stencil::StencilConsts;
use crate::problem::O2Problem;
use rows::{Row, Source};

/// Levels with fewer voxels run on one thread.
pub(crate) const PAR_MIN: usize = 1 << 14;

/// What every row of a level shares: the stencil's constants, the side coefficients
/// per axis, and rows of each y and z face's value (the neighbour rows beyond a face).
pub(crate) struct Sides {
    kc: StencilConsts,
    /// The value beyond each face: the fixed value, or 0 at a no-flux face (whose
    /// coefficient is 0: the 0·(0 − P) it adds is ±0 for any finite P, where a
    /// non-finite face value would give NaN).
    ghost: [f32; 6],
    cx: [Vec<f32>; 2],
    /// The x range where both x sides' coefficients equal those of x = 1, bit for bit,
    /// and those two values (see [`rows::Row::cx_flat`]).
    cx_flat: rows::Flat,
    cy: Vec<(f32, f32)>,
    cz: Vec<(f32, f32)>,
    face_rows: [Vec<f32>; 4],
}

impl Sides {
    fn of(problem: &O2Problem) -> Self {
        let kc = StencilConsts::of(problem);
        let cx = kc.couplings(0);
        // A face is fixed where the stencil says so: `face >= 0` (NaN is no-flux).
        let ghost = kc.faces.map(|f| if f >= 0.0 { f } else { 0.0 });
        let face_rows = [2, 3, 4, 5].map(|f| vec![ghost[f]; kc.nx]);
        Sides {
            ghost,
            cx_flat: rows::Flat::of(&cx),
            cx: [
                cx.iter().map(|c| c.0).collect(),
                cx.iter().map(|c| c.1).collect(),
            ],
            cy: kc.couplings(1),
            cz: kc.couplings(2),
            face_rows,
            kc,
        }
    }

    /// Row j of `plane` (mutable) and the rows j ∓ 1 beside it (None beyond a y face).
    #[allow(clippy::type_complexity)]
    fn y_rows<'p>(
        &self,
        plane: &'p mut [f32],
        j: usize,
    ) -> (&'p mut [f32], [Option<&'p [f32]>; 2]) {
        let nx = self.kc.nx;
        debug_assert_eq!(plane.len(), nx * self.kc.ny, "a whole plane");
        let (head, rest) = plane.split_at_mut(j * nx);
        let (mid, tail) = rest.split_at_mut(nx);
        let below: &'p [f32] = head;
        let after: &'p [f32] = tail;
        let ym = (j > 0).then(|| &below[(j - 1) * nx..]);
        let yp = (!after.is_empty()).then_some(after);
        (mid, [ym, yp])
    }

    /// Copies row `cen` into `pad` between the x faces' values.
    fn fill_pad(&self, pad: &mut [f32], cen: &[f32]) {
        pad[0] = self.ghost[0];
        pad[1..=cen.len()].copy_from_slice(cen);
        pad[cen.len() + 1] = self.ghost[1];
    }

    /// The [`Row`] of (j, k): `pad` the row filled by [`Self::fill_pad`], `ys` the rows
    /// j ∓ 1 of its plane's pO2 (None beyond a face; see [`Self::y_rows`]), `below` and
    /// `above` the planes k ∓ 1 (None beyond a face), `g` the row's FAS term.
    #[allow(clippy::too_many_arguments)]
    fn row<'a>(
        &'a self,
        problem: &'a O2Problem,
        (j, k): (usize, usize),
        pad: &'a [f32],
        ys: [Option<&'a [f32]>; 2],
        below: Option<&'a [f32]>,
        above: Option<&'a [f32]>,
        g: Source<'a>,
    ) -> Row<'a> {
        let (nx, ny) = (self.kc.nx, self.kc.ny);
        let r0 = j * nx;
        let gi = k * nx * ny + r0;
        let fr = &self.face_rows;
        Row {
            pad,
            nb: [
                ys[0].map_or(&fr[0][..], |r| &r[..nx]),
                ys[1].map_or(&fr[1][..], |r| &r[..nx]),
                below.map_or(&fr[2][..], |p| &p[r0..r0 + nx]),
                above.map_or(&fr[3][..], |p| &p[r0..r0 + nx]),
            ],
            cx: [&self.cx[0], &self.cx[1]],
            cx_flat: self.cx_flat,
            cyz: [self.cy[j].0, self.cy[j].1, self.cz[k].0, self.cz[k].1],
            sv: &problem.sv[gi..gi + nx],
            pb: &problem.pb[gi..gi + nx],
            viable: &problem.viable[gi..gi + nx],
            g: match g {
                Source::Rhs(r) => Source::Rhs(&r[gi..gi + nx]),
                other => other,
            },
        }
    }
}

/// Runs `task` on every item, in parallel when the level has at least [`PAR_MIN`]
/// voxels.
fn for_each<T: Send>(voxels: usize, items: Vec<T>, task: impl Fn(T) + Sync + Send) {
    use rayon::prelude::*;
    if voxels >= PAR_MIN {
        items.into_par_iter().for_each(task);
    } else {
        items.into_iter().for_each(task);
    }
}
