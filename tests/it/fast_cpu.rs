//! The CPU backend's fast path (`backend::cpu::fast`) against the reference twins it
//! replaces in the backend: smoothing, the residual field, the residual norm, the
//! coarse FAS term and the explicit step. The fast path keeps the reference's
//! operations and their order, so the tolerance is zero: every value is compared bit
//! for bit (the norm as an f64, exactly). Cases: odd, flat and narrow grids (no
//! interior at all, one interior row), every face kind, fixed voxels, zero viability,
//! Km = 0, FAS terms, narrow last cells (coarse levels of odd axes), and a grid large
//! enough for the parallel path.

use crate::common;

use oxyfield::backend::cpu::{fast, mg_transfer, o2_smooth, o2_step, CpuLevel};
use oxyfield::backend::stencil;
use oxyfield::grid::Grid;
use oxyfield::physics::o2::{O2Params, FREE};
use oxyfield::problem::O2Problem;

/// A problem on an nx × ny × nz grid with random coefficients: vessels in about a
/// third of the voxels, some voxels fixed, some dead, faces mixed.
fn problem(shape: (usize, usize, usize), seed: u64, edge: [f32; 3], km: f64) -> O2Problem {
    let (nx, ny, nz) = shape;
    let grid = Grid::from_shape_zyx([nz, ny, nx], 10.0);
    let params = O2Params {
        km_mmhg: km,
        ..O2Params::default()
    };
    let mut p = O2Problem::uniform(grid, params);
    let n = grid.len();
    let (sv, pick) = (
        common::random(n, seed, 0.0, 0.05),
        common::random(n, seed + 1, 0.0, 1.0),
    );
    let pb = common::random(n, seed + 2, 0.0, 90.0);
    let viable = common::random(n, seed + 3, 0.0, 1.0);
    for i in 0..n {
        p.sv[i] = if pick[i] < 0.33 { sv[i] } else { 0.0 };
        p.pb[i] = pb[i];
        p.viable[i] = if pick[i] > 0.9 { 0.0 } else { viable[i] };
        p.fixed[i] = if pick[i] > 0.95 { pb[i] } else { FREE };
    }
    p.faces = [FREE, 40.0, 0.0, FREE, 25.0, FREE];
    p.edge_width = edge;
    p
}

/// A random field with some exact zeros (the anoxic edge).
fn field(n: usize, seed: u64) -> Vec<f32> {
    common::random(n, seed, -20.0, 80.0)
        .into_iter()
        .map(|v| v.max(0.0))
        .collect()
}

fn level(p: &O2Problem, seed: u64, use_rhs: bool) -> CpuLevel {
    let n = p.grid.len();
    let mut po2 = field(n, seed);
    p.apply_fixed(&mut po2);
    CpuLevel {
        problem: p.clone(),
        po2,
        rhs: common::random(n, seed + 7, -3.0, 3.0),
        po2_old: vec![0.0; n],
        resid: vec![0.0; n],
        use_rhs,
    }
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// One case: (shape nx, ny, nz; last-cell widths; Km).
type Case = ((usize, usize, usize), [f32; 3], f64);

/// Every case.
fn cases() -> Vec<Case> {
    vec![
        ((9, 7, 5), [1.0; 3], 1.0),
        ((16, 16, 16), [1.0; 3], 1.0),
        ((33, 17, 12), [0.5, 1.0, 0.5], 1.0),
        ((12, 9, 11), [1.0, 0.5, 1.0], 0.0),
        ((2, 5, 7), [1.0; 3], 1.0),
        ((1, 1, 4), [1.0; 3], 1.0),
        ((3, 3, 3), [0.5; 3], 1.0),
        ((40, 34, 30), [1.0; 3], 1.0),
        ((41, 33, 29), [1.0, 1.0, 0.5], 0.0),
    ]
}

#[test]
fn smoothing_is_the_reference_bit_for_bit() {
    for (case, &(shape, edge, km)) in cases().iter().enumerate() {
        let p = problem(shape, 10 + case as u64, edge, km);
        for use_rhs in [false, true] {
            let l = level(&p, 100 + case as u64, use_rhs);
            let rhs = use_rhs.then_some(l.rhs.as_slice());
            let (mut reference, mut fast_po2) = (l.po2.clone(), l.po2.clone());
            for _ in 0..2 {
                o2_smooth::smooth_colour(&p, &mut reference, rhs, 0, 1.15);
                o2_smooth::smooth_colour(&p, &mut reference, rhs, 1, 1.15);
            }
            fast::smooth::smooth(&p, &mut fast_po2, rhs, 2, 1.15);
            assert!(reference != l.po2, "{shape:?}: the sweeps changed nothing");
            assert_eq!(
                bits(&fast_po2),
                bits(&reference),
                "{shape:?} {edge:?} rhs {use_rhs}"
            );
        }
    }
}

#[test]
fn residual_field_and_coarse_rhs_are_the_reference_bit_for_bit() {
    for (case, &(shape, edge, km)) in cases().iter().enumerate() {
        let p = problem(shape, 20 + case as u64, edge, km);
        for use_rhs in [false, true] {
            let mut reference = level(&p, 200 + case as u64, use_rhs);
            let mut out = vec![f32::NAN; p.grid.len()];
            let rhs = use_rhs.then_some(reference.rhs.clone());
            fast::residual::residual_field(&p, &reference.po2, rhs.as_deref(), &mut out);
            mg_transfer::residual_field(&mut reference);
            assert!(reference.resid.iter().any(|&r| r != 0.0));
            assert_eq!(
                bits(&out),
                bits(&reference.resid),
                "residual {shape:?} {edge:?}"
            );

            let mut rhs = reference.rhs.clone();
            fast::residual::coarse_rhs(&p, &reference.po2, &mut rhs);
            mg_transfer::coarse_rhs(&mut reference);
            assert_eq!(
                bits(&rhs),
                bits(&reference.rhs),
                "coarse rhs {shape:?} {edge:?}"
            );
        }
    }
}

#[test]
fn residual_norm_and_explicit_step_are_the_reference_bit_for_bit() {
    for (case, &(shape, edge, km)) in cases().iter().enumerate() {
        let p = problem(shape, 30 + case as u64, edge, km);
        let mut reference = level(&p, 300 + case as u64, false);
        let fast_sum = fast::residual::residual_sq_sum(&p, &reference.po2);
        let ref_sum = stencil::residual_sq_sum(&p, &reference.po2);
        assert!(ref_sum > 0.0);
        assert_eq!(
            fast_sum.to_bits(),
            ref_sum.to_bits(),
            "norm {shape:?} {edge:?}"
        );

        let mut next = vec![f32::NAN; p.grid.len()];
        fast::residual::step(&p, &reference.po2, 1e-3, &mut next);
        o2_step::step(&mut reference, 1e-3);
        assert_eq!(bits(&next), bits(&reference.po2), "step {shape:?} {edge:?}");
    }
}
