//! Multigrid: agrees with red–black SOR on converged fields, needs a number of V-cycles
//! that does not grow with the grid, and its transfer kernels on the GPU match their
//! CPU twins.

mod common;

use oxyfield::assemble::assemble;
use oxyfield::backend::cpu::CpuBackend;
use oxyfield::backend::O2Backend;
use oxyfield::solver::{self, hierarchy, Method};

/// A scenario with vessels, a fixed sphere, a fixed face, and an odd, non-cubic shape.
fn mixed(shape: [usize; 3]) -> String {
    format!(
        r#"
        seed = 21
        [grid]
        shape_zyx = [{}, {}, {}]
        spacing_um = 10.0
        [vessels.synthetic]
        density_mm_per_mm3 = 120.0
        [[fixed_regions]]
        shape = "sphere"
        center_um = [60.0, 60.0, 60.0]
        radius_um = 25.0
        value_mmhg = 70.0
        [boundary]
        y_min = 40.0
        [solver]
        tolerance = 2e-7
        "#,
        shape[0], shape[1], shape[2]
    )
}

fn solve_with(
    toml: &str,
    method: Method,
    backend: &mut dyn O2Backend,
) -> (Vec<f32>, solver::SolveReport) {
    let sc = common::scenario(toml, std::path::Path::new("."));
    let problem = assemble(&sc).unwrap().problem;
    let mut opts = sc.solve_options();
    opts.method = method;
    solver::load(backend, &problem, method, &problem.initial_guess()).unwrap();
    let report = solver::solve_steady(backend, &problem, &opts).unwrap();
    (backend.read_o2().unwrap(), report)
}

#[test]
fn multigrid_and_sor_agree_within_1e_3_mmhg() {
    for shape in [[24, 33, 40], [48, 48, 48]] {
        let toml = mixed(shape);
        let (mg, rm) = solve_with(&toml, Method::Multigrid, &mut CpuBackend::new());
        let (sor, rs) = solve_with(&toml, Method::RbSor, &mut CpuBackend::new());
        assert!(rm.converged && rs.converged, "{rm:?} {rs:?}");
        assert!(rm.levels >= 3, "{shape:?}: {} levels", rm.levels);
        let (max, mean) = common::diff(&mg, &sor);
        eprintln!(
            "{shape:?}: multigrid {} cycles ({:.0} sweep-eq), SOR {} sweeps; max |Δ| {max:.2e}, mean {mean:.2e} mmHg",
            rm.iterations, rm.sweep_equivalents, rs.iterations
        );
        assert!(max <= 1e-3, "{shape:?}: max |multigrid − SOR| = {max} mmHg");
    }
}

#[test]
fn v_cycle_count_does_not_grow_with_the_grid() {
    let mut counts = Vec::new();
    for n in [16usize, 24, 32, 48, 64] {
        let toml = format!(
            "seed = 5\n[grid]\nshape_zyx = [{n}, {n}, {n}]\nspacing_um = 10.0\n\
             [vessels.synthetic]\ndensity_mm_per_mm3 = 100.0\n[boundary]\nx_min = 50.0\n"
        );
        let (_, r) = solve_with(&toml, Method::Multigrid, &mut CpuBackend::new());
        assert!(r.converged);
        eprintln!("{n}³: {} V-cycles, {} levels", r.iterations, r.levels);
        counts.push(r.iterations as f64);
    }
    // Measured: 6, 8, 8, 8, 8. The smallest grid has fewer levels and a coarsest level
    // solved almost exactly, so it needs fewer cycles; from 24³ on the count is flat.
    let (lo, hi) = counts[1..]
        .iter()
        .fold((f64::MAX, 0.0f64), |(l, h), &c| (l.min(c), h.max(c)));
    assert!(
        hi <= 1.3 * lo,
        "V-cycle counts {counts:?} vary by more than 30 % from 24³ to 64³"
    );
    assert!(
        counts[0] <= hi,
        "16³ needs more cycles than larger grids: {counts:?}"
    );
    assert!(
        hi <= 15.0,
        "V-cycle counts {counts:?}: convergence too slow"
    );
}

#[test]
fn transfer_kernels_match_cpu_twins() {
    let Some(mut gpu) = common::gpu_backend("transfer_kernels_match_cpu_twins") else {
        return;
    };
    let sc = common::scenario(&mixed([20, 27, 30]), std::path::Path::new("."));
    let problem = assemble(&sc).unwrap().problem;
    let coarse = hierarchy::coarse_levels(&problem);
    let mut rng = oxyfield::rng::Rng::new(3);
    let mut start: Vec<f32> = (0..problem.grid.len())
        .map(|_| rng.range(0.0, 80.0) as f32)
        .collect();
    problem.apply_fixed(&mut start);
    let mut cpu = CpuBackend::new();
    cpu.load(&problem, &coarse, &start).unwrap();
    gpu.load(&problem, &coarse, &start).unwrap();
    // Restrict down and smooth on every level, then prolong back up: every transfer
    // kernel runs, on odd sizes.
    let levels = cpu.levels();
    assert_eq!(levels, gpu.levels());
    for b in [&mut cpu as &mut dyn O2Backend, &mut gpu] {
        for l in 0..levels - 1 {
            b.smooth(l, 1, 1.15).unwrap();
            b.restrict(l).unwrap();
        }
        b.smooth(levels - 1, 4, 1.0).unwrap();
        for l in (0..levels - 1).rev() {
            b.prolong(l).unwrap();
            b.smooth(l, 1, 1.15).unwrap();
        }
    }
    let (c, g) = (cpu.read_o2().unwrap(), gpu.read_o2().unwrap());
    let (max, mean) = common::diff(&c, &g);
    eprintln!("one V-cycle by hand: max |cpu − gpu| {max:.2e}, mean {mean:.2e} mmHg");
    assert!(max <= 1e-4 * 80.0, "max diff {max}");
    let moved = common::diff(&c, &start).0;
    assert!(moved > 1.0, "the cycle changed nothing ({moved})");
}

#[test]
fn gpu_multigrid_matches_cpu_multigrid() {
    let Some(mut gpu) = common::gpu_backend("gpu_multigrid_matches_cpu_multigrid") else {
        return;
    };
    let toml = mixed([32, 40, 36]);
    let (c, rc) = solve_with(&toml, Method::Multigrid, &mut CpuBackend::new());
    let (g, rg) = solve_with(&toml, Method::Multigrid, &mut gpu);
    assert!(rc.converged && rg.converged);
    let (max, _) = common::diff(&c, &g);
    eprintln!(
        "cpu {} cycles, gpu {} cycles, max |Δ| {max:.2e} mmHg",
        rc.iterations, rg.iterations
    );
    assert!(max <= 1e-3);
}
