//! Fast red–black smoothing, bitwise [`crate::backend::cpu::o2_smooth::smooth_colour`]
//! for each colour (see [`super`] for the organisation).

use super::rows::{smoothed, Colour, Source};
use super::{for_each, Sides};
use crate::problem::O2Problem;

/// `sweeps` red–black sweeps (red, then black) of `po2` in place; `rhs` is the FAS
/// term on coarse levels.
pub fn smooth(problem: &O2Problem, po2: &mut [f32], rhs: Option<&[f32]>, sweeps: u32, omega: f32) {
    assert_eq!(po2.len(), problem.grid.len(), "field length");
    let sides = Sides::of(problem);
    for _ in 0..sweeps {
        for colour in 0..2 {
            for parity in 0..2 {
                colour_planes(&sides, problem, po2, rhs, colour, parity, omega);
            }
        }
    }
}

/// Updates the voxels of `colour` on the planes k with k mod 2 = `parity`; each task
/// writes its plane and reads its neighbour planes, which no task writes.
fn colour_planes(
    sides: &Sides,
    problem: &O2Problem,
    po2: &mut [f32],
    rhs: Option<&[f32]>,
    colour: usize,
    parity: usize,
    omega: f32,
) {
    let (nx, ny) = (sides.kc.nx, sides.kc.ny);
    let plane = nx * ny;
    let mut writers = Vec::new();
    let mut readers: Vec<Option<&[f32]>> = vec![None; sides.kc.nz];
    for (k, p) in po2.chunks_mut(plane).enumerate() {
        if k & 1 == parity {
            writers.push((k, p));
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
            let (mut pad, mut new) = (vec![0.0f32; nx + 2], vec![0.0f32; nx]);
            let below = k
                .checked_sub(1)
                .map(|kz| readers[kz].expect("plane of the other parity"));
            let above = readers
                .get(k + 1)
                .map(|p| p.expect("plane of the other parity"));
            for j in 0..ny {
                let r0 = j * nx;
                sides.fill_pad(&mut pad, &cur[r0..r0 + nx]);
                let row = sides.row(problem, (j, k), &pad, cur, below, above, g);
                // This colour's voxels of the row: x ≡ j + k + colour (mod 2).
                let fixed = &problem.fixed[k * plane + r0..k * plane + r0 + nx];
                let first = (j + k + colour) & 1;
                smoothed(&sides.kc, &row, Colour { fixed, first }, omega, &mut new);
                cur[r0..r0 + nx].copy_from_slice(&new);
            }
        },
    );
}
