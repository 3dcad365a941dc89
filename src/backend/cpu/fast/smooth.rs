//! Fast red–black smoothing, bitwise [`crate::backend::cpu::o2_smooth::smooth_colour`]
//! for each colour (see [`super`] for the organisation).
//!
//! On a level of at least `PAR_MIN` (16 384) voxels two sweeps are one pass over
//! memory instead of four (a wavefront): the planes are cut into one slab per thread,
//! and each thread runs down its slab updating red on plane k, black on k − 1, red
//! again on k − 2 and black again on k − 3, each with its neighbours' previous colour
//! step already done; the few planes involved stay in cache, so the coefficients and
//! pO2 are read once per two sweeps, not once per colour. The planes whose neighbours
//! lie in another slab are left to each colour step in turn, in the plane-parity
//! passes of the colour-by-colour sweep. Every voxel sees the same neighbour values as
//! in that sweep (red reads black from before its sweep, black reads red from after
//! it), so the result is the same bit for bit.

use super::rows::{smoothed, Colour, Source};
use super::{for_each, Sides, PAR_MIN};
use crate::problem::O2Problem;
use rayon::prelude::*;

/// Planes a slab keeps for its last colour step's wavefront at least: a pass of s
/// colour steps runs only on slabs of 2s + `MIN_INTERIOR` planes or more (the planes
/// left to the edge passes, 2s per slab, would otherwise be most of it).
const MIN_INTERIOR: usize = 4;

/// Sweeps one wavefront pass does: its colour steps (red, black, red, black) follow
/// each other a plane apart, so the pass reads the arrays once for two sweeps while the
/// six planes it touches at a time (f + 1 down to f − 4) stay in cache.
const SWEEPS_PER_PASS: u32 = 2;

/// `sweeps` red–black sweeps (red, then black) of `po2` in place; `rhs` is the FAS
/// term on coarse levels.
pub fn smooth(problem: &O2Problem, po2: &mut [f32], rhs: Option<&[f32]>, sweeps: u32, omega: f32) {
    assert_eq!(po2.len(), problem.grid.len(), "field length");
    let sides = Sides::of(problem);
    let nz = sides.kc.nz;
    let slab = nz.div_ceil(rayon::current_num_threads().max(1));
    let mut left = sweeps;
    while left > 0 {
        let pass = left.min(SWEEPS_PER_PASS);
        left -= pass;
        let steps = 2 * pass as usize;
        if problem.grid.len() < PAR_MIN || slab < 2 * steps + MIN_INTERIOR {
            let all = |_: usize| true;
            for c in 0..steps {
                for parity in 0..2 {
                    colour_planes(&sides, problem, po2, rhs, c % 2, parity, omega, &all);
                }
            }
            continue;
        }
        slab_interiors(&sides, problem, po2, rhs, slab, steps, omega);
        // Each colour step on the planes its wavefront left: those within c + 1 of
        // their slab's edges.
        for c in 0..steps {
            let edge = |k: usize| {
                let (local, len) = (k % slab, slab.min(nz - k / slab * slab));
                !interior(local, len, c)
            };
            for parity in 0..2 {
                colour_planes(&sides, problem, po2, rhs, c % 2, parity, omega, &edge);
            }
        }
    }
}

/// Whether plane `local` of a slab of `len` planes is in colour step c's part of the
/// wavefront: 1 + c ≤ local ≤ len − 2 − c, so that the planes it reads (local ∓ 1)
/// are in step c − 1's part, within the slab.
fn interior(local: usize, len: usize, c: usize) -> bool {
    local > c && local + 2 + c <= len
}

/// The wavefront within each slab of `slab` planes: at front f, colour step c
/// (c = 0 .. steps; red for even c) on plane f − c where [`interior`]. Step c on
/// plane p reads the other colour on planes p − 1, p and p + 1 as step c − 1 left it
/// (done at fronts p + c − 2, p + c − 1 and p + c, the last earlier in the same front)
/// and before step c + 1 changes it (at fronts p + c, later in the same front, then
/// p + c + 1 and p + c + 2).
fn slab_interiors(
    sides: &Sides,
    problem: &O2Problem,
    po2: &mut [f32],
    rhs: Option<&[f32]>,
    slab: usize,
    steps: usize,
    omega: f32,
) {
    let plane = sides.kc.nx * sides.kc.ny;
    let g = rhs.map_or(Source::Zero, Source::Rhs);
    po2.par_chunks_mut(slab * plane)
        .enumerate()
        .for_each(|(s, part)| {
            let z0 = s * slab;
            let len = part.len() / plane;
            let mut pad = vec![0.0; sides.kc.nx + 2];
            let mut update = |local: usize, colour: usize| {
                let (head, rest) = part.split_at_mut(local * plane);
                let (cur, tail) = rest.split_at_mut(plane);
                let below = &head[(local - 1) * plane..];
                let above = &tail[..plane];
                plane_colour(
                    sides,
                    problem,
                    z0 + local,
                    cur,
                    (Some(below), Some(above)),
                    g,
                    colour,
                    omega,
                    &mut pad,
                );
            };
            for front in 1..len + steps {
                for c in 0..steps.min(front + 1) {
                    let p = front - c;
                    if interior(p, len, c) {
                        update(p, c % 2);
                    }
                }
            }
        });
}

/// Updates the voxels of `colour` on plane k (`cur`), reading the planes k ∓ 1
/// (`below`, `above`; None beyond a face); `pad` holds nx + 2 values, the row between
/// its x faces' values as the kernels read it.
#[allow(clippy::too_many_arguments)]
fn plane_colour(
    sides: &Sides,
    problem: &O2Problem,
    k: usize,
    cur: &mut [f32],
    (below, above): (Option<&[f32]>, Option<&[f32]>),
    g: Source,
    colour: usize,
    omega: f32,
    pad: &mut [f32],
) {
    let (nx, ny) = (sides.kc.nx, sides.kc.ny);
    let plane = nx * ny;
    for j in 0..ny {
        let r0 = j * nx;
        sides.fill_pad(pad, &cur[r0..r0 + nx]);
        // The row is written in place: its new values come from `pad` (the row before
        // this colour step) and the other colour's values in the neighbour rows, which
        // the step does not change (it changes rows j ∓ 1 at its own colour only).
        let (out, ys) = sides.y_rows(cur, j);
        let row = sides.row(problem, (j, k), pad, ys, below, above, g);
        // This colour's voxels of the row: x ≡ j + k + colour (mod 2).
        let fixed = &problem.fixed[k * plane + r0..k * plane + r0 + nx];
        let first = (j + k + colour) & 1;
        smoothed(&sides.kc, &row, Colour { fixed, first }, omega, out);
    }
}

/// Updates the voxels of `colour` on the planes k with k mod 2 = `parity` and
/// `only(k)`; each task writes its plane and reads its neighbour planes, which no task
/// writes.
#[allow(clippy::too_many_arguments)]
fn colour_planes(
    sides: &Sides,
    problem: &O2Problem,
    po2: &mut [f32],
    rhs: Option<&[f32]>,
    colour: usize,
    parity: usize,
    omega: f32,
    only: &(dyn Fn(usize) -> bool + Sync),
) {
    let (nx, ny) = (sides.kc.nx, sides.kc.ny);
    let plane = nx * ny;
    let mut writers = Vec::new();
    let mut readers: Vec<Option<&[f32]>> = vec![None; sides.kc.nz];
    for (k, p) in po2.chunks_mut(plane).enumerate() {
        if k & 1 == parity {
            if only(k) {
                writers.push((k, p));
            }
        } else {
            let p: &[f32] = p;
            readers[k] = Some(p);
        }
    }
    let g = rhs.map_or(Source::Zero, Source::Rhs);
    for_each(
        problem.grid.len(),
        writers,
        |(k, cur): (usize, &mut [f32])| {
            let below = k
                .checked_sub(1)
                .map(|kz| readers[kz].expect("plane of the other parity"));
            let above = readers
                .get(k + 1)
                .map(|p| p.expect("plane of the other parity"));
            plane_colour(
                sides,
                problem,
                k,
                cur,
                (below, above),
                g,
                colour,
                omega,
                &mut vec![0.0; nx + 2],
            );
        },
    );
}
