//! The CPU backend's fast path (`backend::cpu::fast`) against the reference twins it
//! replaces in the backend: smoothing, the residual field, restriction, prolongation,
//! the residual norm, the coarse FAS term, the explicit step and the coarsening of the
//! coefficients. The fast path keeps
//! the reference's operations and their order, so the tolerance is zero: every value
//! is compared bit for bit (the norm as an f64, exactly). Cases: odd, narrow and flat
//! grids (no interior at all, one interior row, nz = 1), five face patterns (all
//! no-flux, all fixed, fixed faces on the high sides, −0 and 0 values, mixed), fixed
//! voxels, zero viability, −0 in the field, Km = 0, FAS terms, narrow last cells on
//! every axis (coarse levels of odd axes) and a grid large enough for the parallel
//! path; each at the widest row kernels this CPU has (AVX-512F where present), at AVX2
//! and on the portable loop, and on one thread. A V-cycle
//! fragment through `CpuBackend` checks the backend's wiring against the same twins.

use crate::common;

use oxyfield::backend::cpu::{fast, mg_transfer, o2_smooth, o2_step, CpuLevel};
use oxyfield::backend::stencil;
use oxyfield::grid::Grid;
use oxyfield::physics::o2::{O2Params, FREE};
use oxyfield::problem::O2Problem;

/// A problem on an nx × ny × nz grid with random coefficients: vessels in about a
/// third of the voxels, some voxels fixed, some dead, faces mixed.
fn problem(shape: (usize, usize, usize), seed: u64, edge: [f32; 3], km: f64) -> O2Problem {
    problem_with_faces(shape, seed, edge, km, FACES[seed as usize % FACES.len()])
}

/// Face patterns (order of `problem::face`; negative: no-flux).
const FACES: [[f32; 6]; 5] = [
    [FREE, 40.0, 0.0, FREE, 25.0, FREE],
    [FREE; 6],
    [10.0, 20.0, 30.0, 40.0, 50.0, 60.0],
    [FREE, FREE, FREE, 35.0, FREE, 15.0],
    [-0.0, 0.0, FREE, -0.0, 0.0, 5.0],
];

fn problem_with_faces(
    shape: (usize, usize, usize),
    seed: u64,
    edge: [f32; 3],
    km: f64,
    faces: [f32; 6],
) -> O2Problem {
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
    p.faces = faces;
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
        ((8, 6, 1), [1.0; 3], 1.0),
        ((9, 7, 1), [0.5, 0.25, 1.0], 1.0),
        ((1, 7, 9), [0.5, 1.0, 0.5], 1.0),
        ((17, 9, 13), [0.75, 0.5, 0.25], 1.0),
        // 32 voxels of a row in 16 lanes, 16 in 8, 5 by the scalar body; 64 in 16
        // lanes (two chunks), 16 in 8, 3 by the scalar body.
        ((53, 6, 5), [1.0, 0.5, 1.0], 1.0),
        ((83, 6, 5), [0.5, 1.0, 1.0], 0.0),
        // Rows the 16-lane kernel covers whole (32), and 32 in 16 lanes then 16 in 8
        // with nothing left (48).
        ((32, 5, 4), [1.0; 3], 1.0),
        ((48, 5, 4), [1.0, 1.0, 0.5], 1.0),
    ]
}

/// Held while a test sets the row kernels' width (a process-wide setting), so that
/// tests running in parallel do not change it under each other.
static WIDTH_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Sets the row kernels back to the widest when dropped, even when a check panics.
struct Widest;

impl Drop for Widest {
    fn drop(&mut self) {
        fast::rows::force_width(fast::rows::Width::Widest);
    }
}

/// Runs `check` on the widest row kernels this CPU has, on AVX2 at most, and on the
/// portable loop (the same path more than once on a CPU without the wider units),
/// holding [`WIDTH_LOCK`].
fn on_both_paths(check: impl Fn(&str)) {
    use fast::rows::{force_width, widest_available, Width};
    let _lock = WIDTH_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let _reset = Widest;
    let widest = format!("widest ({})", widest_available());
    for (w, name) in [
        (Width::Widest, widest.as_str()),
        (Width::Avx2, "avx2"),
        (Width::Portable, "portable"),
    ] {
        force_width(w);
        check(name);
    }
}

#[test]
fn smoothing_is_the_reference_bit_for_bit() {
    on_both_paths(smoothing_matches);
}

fn smoothing_matches(path: &str) {
    // The default pool, then pools that cut the wavefront's slabs elsewhere: one slab;
    // three; four of 8 planes with a shorter last one (a pass of two sweeps then falls
    // back to the colour-by-colour sweep); on the 65-plane grid, eight slabs of 9 with a
    // last one of 2 planes. Passes of one sweep (1, 3 sweeps) and of two (2, 3).
    let pools: Vec<Option<rayon::ThreadPool>> = [None, Some(1), Some(3), Some(4), Some(8)]
        .into_iter()
        .map(|t| {
            t.map(|n| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .build()
                    .unwrap()
            })
        })
        .collect();
    let mut shapes = cases();
    shapes.push(((16, 16, 65), [1.0; 3], 1.0));
    for (case, &(shape, edge, km)) in shapes.iter().enumerate() {
        let p = problem(shape, 10 + case as u64, edge, km);
        for use_rhs in [false, true] {
            let l = level(&p, 100 + case as u64, use_rhs);
            let rhs = use_rhs.then_some(l.rhs.as_slice());
            for sweeps in [1, 2, 3] {
                let mut reference = l.po2.clone();
                for _ in 0..sweeps {
                    o2_smooth::smooth_colour(&p, &mut reference, rhs, 0, 1.15);
                    o2_smooth::smooth_colour(&p, &mut reference, rhs, 1, 1.15);
                }
                assert!(reference != l.po2, "{shape:?}: the sweeps changed nothing");
                for pool in &pools {
                    let mut fast_po2 = l.po2.clone();
                    let mut run = || fast::smooth::smooth(&p, &mut fast_po2, rhs, sweeps, 1.15);
                    match pool {
                        Some(pool) => pool.install(run),
                        None => run(),
                    }
                    let threads = pool.as_ref().map(|p| p.current_num_threads());
                    assert_eq!(
                        bits(&fast_po2),
                        bits(&reference),
                        "{path}: {sweeps} sweeps, {threads:?} threads, {shape:?} {edge:?} \
                         rhs {use_rhs}"
                    );
                }
            }
        }
    }
}

#[test]
fn coarsening_is_the_reference_bit_for_bit() {
    // Three levels down from every case (narrow last cells among the edge widths, the
    // parallel path on the large ones); the coarse levels keep narrow last cells of
    // their own so that the weighted children are coarsened too.
    let (mut fixed_cells, mut mixed_cells) = (0, 0);
    for (case, &(shape, edge, km)) in cases().iter().enumerate() {
        let mut fine = problem(shape, 40 + case as u64, edge, km);
        for depth in 0..3 {
            let g = fine.grid;
            let coarse_grid = Grid::from_shape_zyx(
                [g.nz.div_ceil(2), g.ny.div_ceil(2), g.nx.div_ceil(2)],
                2.0 * g.spacing_um,
            );
            let blank = || {
                let mut c = O2Problem::uniform(coarse_grid, fine.params);
                c.faces = fine.faces;
                c.edge_width = [0.5, 0.75, 0.5];
                c
            };
            let (mut want, mut got) = (blank(), blank());
            mg_transfer::coarsen(&fine, &mut want);
            fast::coarsen::coarsen(&fine, &mut got);
            fixed_cells += want.fixed.iter().filter(|&&f| f >= 0.0).count();
            // Mixed cells: free on the coarse level with a fixed child.
            mixed_cells += (0..coarse_grid.len())
                .filter(|&ci| {
                    let (ic, jc, kc) = coarse_grid.ijk(ci);
                    want.fixed[ci] < 0.0
                        && (2 * kc..(2 * kc + 2).min(g.nz)).any(|k| {
                            (2 * jc..(2 * jc + 2).min(g.ny)).any(|j| {
                                (2 * ic..(2 * ic + 2).min(g.nx))
                                    .any(|i| fine.fixed[g.index(i, j, k)] >= 0.0)
                            })
                        })
                })
                .count();
            for (name, w, o) in [
                ("sv", &want.sv, &got.sv),
                ("pb", &want.pb, &got.pb),
                ("viable", &want.viable, &got.viable),
                ("fixed", &want.fixed, &got.fixed),
            ] {
                assert_eq!(
                    bits(o),
                    bits(w),
                    "{name} of {shape:?} {edge:?}, depth {depth}"
                );
            }
            fine = want;
        }
    }
    assert!(
        fixed_cells > 0 && mixed_cells > 0,
        "fixed and mixed coarse cells compared: {fixed_cells}, {mixed_cells}"
    );
}

#[test]
fn residual_field_restriction_and_coarse_rhs_are_the_reference_bit_for_bit() {
    on_both_paths(residuals_match);
}

fn residuals_match(path: &str) {
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
                "{path}: residual {shape:?} {edge:?}"
            );

            // Restriction with the residual made on the way, against the residual field
            // and the reference restriction; a coarse grid of half the shape, rounded up.
            let (nx, ny, nz) = shape;
            let cg = Grid::from_shape_zyx([nz.div_ceil(2), ny.div_ceil(2), nx.div_ceil(2)], 20.0);
            let blank = |cg: Grid| {
                let n = cg.len();
                CpuLevel {
                    problem: O2Problem::uniform(cg, p.params),
                    po2: vec![f32::NAN; n],
                    rhs: vec![f32::NAN; n],
                    po2_old: vec![f32::NAN; n],
                    resid: Vec::new(),
                    use_rhs: true,
                }
            };
            let (mut want, mut got) = (blank(cg), blank(cg));
            mg_transfer::restrict(&reference, &mut want);
            fast::residual::restrict(&p, &reference.po2, rhs.as_deref(), &mut got);
            for (name, w, g) in [
                ("po2", &want.po2, &got.po2),
                ("po2_old", &want.po2_old, &got.po2_old),
                ("rhs", &want.rhs, &got.rhs),
            ] {
                assert!(w.iter().all(|v| v.is_finite()), "{name}");
                assert_eq!(
                    bits(g),
                    bits(w),
                    "{path}: restrict {name} {shape:?} {edge:?}"
                );
            }
            // From a level without FAS term (level 0), the same restriction also gives
            // the residual norm: the reference norm's bits.
            if !use_rhs {
                let mut checked = blank(cg);
                let sum = fast::residual::restrict_checked(&p, &reference.po2, &mut checked);
                let want_sum = stencil::residual_sq_sum(&p, &reference.po2);
                assert!(want_sum > 0.0);
                assert_eq!(
                    sum.to_bits(),
                    want_sum.to_bits(),
                    "{path}: norm from restriction {shape:?} {edge:?}"
                );
                for (name, w, g) in [
                    ("po2", &want.po2, &checked.po2),
                    ("po2_old", &want.po2_old, &checked.po2_old),
                    ("rhs", &want.rhs, &checked.rhs),
                ] {
                    assert_eq!(
                        bits(g),
                        bits(w),
                        "{path}: restrict_checked {name} {shape:?} {edge:?}"
                    );
                }
            }

            // Prolongation of a random correction (po2 − po2_old on the coarse grid).
            let mut coarse = blank(cg);
            coarse.po2 = common::random(cg.len(), 300 + case as u64, 0.0, 60.0);
            coarse.po2_old = common::random(cg.len(), 310 + case as u64, 0.0, 60.0);
            let (mut want, mut got) = (reference.clone(), reference.clone());
            mg_transfer::prolong(&coarse, &mut want);
            fast::prolong::prolong(&coarse, &mut got);
            assert_ne!(
                bits(&want.po2),
                bits(&reference.po2),
                "a correction was added"
            );
            assert_eq!(
                bits(&got.po2),
                bits(&want.po2),
                "{path}: prolong {shape:?} {edge:?}"
            );

            let mut rhs = reference.rhs.clone();
            fast::residual::coarse_rhs(&p, &reference.po2, &mut rhs);
            mg_transfer::coarse_rhs(&mut reference);
            assert_eq!(
                bits(&rhs),
                bits(&reference.rhs),
                "{path}: coarse rhs {shape:?} {edge:?}"
            );
        }
    }
}

#[test]
fn residual_norm_and_explicit_step_are_the_reference_bit_for_bit() {
    on_both_paths(norm_and_step_match);
}

fn norm_and_step_match(path: &str) {
    for (case, &(shape, edge, km)) in cases().iter().enumerate() {
        let p = problem(shape, 30 + case as u64, edge, km);
        let mut reference = level(&p, 300 + case as u64, false);
        let fast_sum = fast::residual::residual_sq_sum(&p, &reference.po2);
        let ref_sum = stencil::residual_sq_sum(&p, &reference.po2);
        assert!(ref_sum > 0.0);
        assert_eq!(
            fast_sum.to_bits(),
            ref_sum.to_bits(),
            "{path}: norm {shape:?} {edge:?}"
        );

        let mut next = vec![f32::NAN; p.grid.len()];
        fast::residual::step(&p, &reference.po2, 1e-3, &mut next);
        o2_step::step(&mut reference, 1e-3);
        assert_eq!(
            bits(&next),
            bits(&reference.po2),
            "{path}: step {shape:?} {edge:?}"
        );
    }
}

/// Non-finite values at no-flux faces change nothing (the stencil skips those sides;
/// the fast path's zero coefficient must not turn them into NaN).
#[test]
fn non_finite_no_flux_faces_are_skipped_as_the_reference_skips_them() {
    let faces = [
        f32::NAN,
        f32::NEG_INFINITY,
        -1.0,
        f32::NAN,
        -5.0,
        f32::NEG_INFINITY,
    ];
    let p = problem_with_faces((9, 8, 7), 5, [1.0; 3], 1.0, faces);
    let l = level(&p, 55, false);
    let (mut reference, mut fast_po2) = (l.po2.clone(), l.po2.clone());
    o2_smooth::smooth_colour(&p, &mut reference, None, 0, 1.15);
    o2_smooth::smooth_colour(&p, &mut reference, None, 1, 1.15);
    fast::smooth::smooth(&p, &mut fast_po2, None, 1, 1.15);
    assert!(reference.iter().all(|v| v.is_finite()));
    assert_eq!(bits(&fast_po2), bits(&reference));
}

/// Part of a V-cycle through `CpuBackend` (restriction with the residual field and the
/// coarse FAS term, coarse smoothing, prolongation, fine smoothing) equals the same
/// steps of the reference twins on `CpuLevel`s: the backend passes the right fields.
#[test]
fn a_cycle_through_the_backend_is_the_twins_bit_for_bit() {
    use oxyfield::backend::cpu::CpuBackend;
    use oxyfield::backend::O2Backend;
    use oxyfield::problem::hierarchy;
    let p = problem((21, 18, 15), 0, [1.0; 3], 1.0);
    let coarse = hierarchy::coarse_levels(&p);
    let start = level(&p, 77, false);
    let mut b = CpuBackend::new();
    b.load(&p, &coarse, &start.po2).unwrap();
    b.restrict(0).unwrap();
    b.smooth(1, 2, 1.15).unwrap();
    b.prolong(0).unwrap();
    b.smooth(0, 2, 1.15).unwrap();
    let got = b.read_o2().unwrap();

    let mut fine = start;
    let n1 = coarse[0].grid.len();
    let mut c = CpuLevel {
        problem: coarse[0].clone(),
        po2: vec![0.0; n1],
        rhs: vec![0.0; n1],
        po2_old: vec![0.0; n1],
        resid: vec![0.0; n1],
        use_rhs: true,
    };
    mg_transfer::residual_field(&mut fine);
    mg_transfer::restrict(&fine, &mut c);
    mg_transfer::coarse_rhs(&mut c);
    for _ in 0..2 {
        for colour in 0..2 {
            o2_smooth::smooth_colour(&c.problem, &mut c.po2, Some(&c.rhs), colour, 1.15);
        }
    }
    mg_transfer::prolong(&c, &mut fine);
    for _ in 0..2 {
        for colour in 0..2 {
            o2_smooth::smooth_colour(&p, &mut fine.po2, None, colour, 1.15);
        }
    }
    assert!(got != fine.resid);
    assert_eq!(bits(&got), bits(&fine.po2));
}
