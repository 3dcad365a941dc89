//! Resident solves (issue 19): a problem whose coefficients live on the backend as
//! fields is solved in place, its multigrid coarse levels made on the backend
//! (`mg_coarsen`), and gives the field the host-built hierarchy gives; the GPU matches
//! the CPU; and only residual norms cross to the host during the solve.

use crate::common;

use oxyfield::assemble::assemble;
use oxyfield::backend::cpu::{mg_transfer, CpuBackend};
use oxyfield::backend::{Field, FieldProblem, O2Backend};
use oxyfield::problem::hierarchy;
use oxyfield::problem::O2Problem;
use oxyfield::solver::{self, SolveOptions, SolveReport};

/// Vessels, a fixed sphere and a fixed face on an odd, non-cubic block.
fn problem(shape: [usize; 3]) -> O2Problem {
    let toml = format!(
        "seed = 21\n[grid]\nshape_zyx = [{}, {}, {}]\nspacing_um = 10.0\n\
         [vessels.synthetic]\ndensity_mm_per_mm3 = 120.0\n\
         [[fixed_regions]]\nshape = \"sphere\"\ncenter_um = [60.0, 60.0, 60.0]\n\
         radius_um = 25.0\nvalue_mmhg = 70.0\n[boundary]\ny_min = 40.0\n",
        shape[0], shape[1], shape[2]
    );
    let sc = common::scenario(&toml, std::path::Path::new("."));
    assemble(&sc).unwrap().problem
}

/// Uploads `p` with its initial guess as the solution field.
fn upload(b: &mut dyn O2Backend, p: &O2Problem) -> (FieldProblem, Field) {
    let up = |b: &mut dyn O2Backend, v: &[f32]| -> Field { b.field_from(v, "test").unwrap() };
    let fp = FieldProblem {
        grid: p.grid,
        params: p.params,
        faces: p.faces,
        sv: up(b, &p.sv),
        pb: up(b, &p.pb),
        viable: up(b, &p.viable),
        fixed: up(b, &p.fixed),
    };
    let solution = up(b, &p.initial_guess());
    (fp, solution)
}

/// Uploads `p` and solves it resident; returns the field and the report.
fn solve_resident(b: &mut dyn O2Backend, p: &O2Problem) -> (Vec<f32>, SolveReport) {
    let (fp, solution) = upload(b, p);
    let opts = SolveOptions {
        tolerance: 1e-7,
        ..Default::default()
    };
    let report = solver::solve_fields(b, &fp, solution, &opts).unwrap();
    (b.field_read(solution).unwrap(), report)
}

#[test]
fn the_coarsen_twin_matches_the_f64_host_hierarchy() {
    let p = problem([17, 22, 19]);
    let mut fine = p.clone();
    for (i, v) in fine.viable.iter_mut().enumerate() {
        *v = (i % 5) as f32 / 4.0;
    }
    let mut level = fine.clone();
    for want in hierarchy::coarse_levels(&fine) {
        let mut got = O2Problem::uniform(want.grid, want.params);
        got.faces = want.faces;
        got.edge_width = want.edge_width;
        mg_transfer::coarsen(&level, &mut got);
        // f32 sums of at most 8 children against f64: a few ulps.
        for (name, w, g) in [
            ("sv", &want.sv, &got.sv),
            ("pb", &want.pb, &got.pb),
            ("viable", &want.viable, &got.viable),
            ("fixed", &want.fixed, &got.fixed),
        ] {
            for (i, (a, b)) in w.iter().zip(g).enumerate() {
                assert!(
                    (a - b).abs() <= 4e-6 * a.abs().max(1e-3),
                    "{name} at {i} on {:?}: {a} vs {b}",
                    want.grid.shape_zyx()
                );
            }
        }
        level = got;
    }
}

#[test]
fn a_resident_solve_gives_the_host_hierarchy_field_on_the_cpu() {
    let p = problem([17, 22, 19]);
    let mut cpu = CpuBackend::new();
    let (resident, r) = solve_resident(&mut cpu, &p);
    let opts = SolveOptions {
        tolerance: 1e-7,
        ..Default::default()
    };
    solver::load(&mut cpu, &p, opts.method, &p.initial_guess()).unwrap();
    let h = solver::solve_steady(&mut cpu, &p, &opts).unwrap();
    let host = cpu.read_o2().unwrap();
    let (max, _) = common::diff(&resident, &host);
    // Both converged to 1e-7 relative: the fields agree far below 1e-3 mmHg.
    assert!(max < 1e-3, "max difference {max} mmHg");
    assert!(r.converged && h.converged);
    assert!(
        r.iterations.abs_diff(h.iterations) <= 1,
        "{} vs {} cycles",
        r.iterations,
        h.iterations
    );
}

#[test]
fn a_resident_gpu_solve_matches_the_cpu_and_reads_back_only_norms() {
    let Some(mut gpu) = common::gpu_backend("a_resident_gpu_solve_matches_the_cpu") else {
        return;
    };
    let p = problem([17, 22, 19]);
    let mut cpu = CpuBackend::new();
    let (c, rc) = solve_resident(&mut cpu, &p);
    let before = oxyfield::backend::FieldStore::counters(&gpu);
    let (g, rg) = solve_resident(&mut gpu, &p);
    let used = oxyfield::backend::FieldStore::counters(&gpu).since(&before);
    let (max, _) = common::diff(&c, &g);
    assert!(max < 1e-3, "GPU vs CPU max difference {max} mmHg");
    assert!(rc.converged && rg.converged);
    // The same hierarchy (mg_coarsen and its twin, mixed cells included around the
    // fixed sphere) converges in the same number of cycles.
    assert!(
        rc.iterations.abs_diff(rg.iterations) <= 1,
        "{} cycles on the CPU, {} on the GPU",
        rc.iterations,
        rg.iterations
    );
    // Down: the final field (4 bytes a voxel), 4 bytes per residual check (one per
    // cycle, the first and the last), the reference norm.
    let field = (p.grid.len() * 4) as u64;
    let checks = u64::from(rg.iterations) + 3;
    assert!(
        used.bytes_down <= field + 4 * checks,
        "{} bytes down for a field of {field} bytes and {checks} checks",
        used.bytes_down
    );
    // A second solve of the same fields reuses the hierarchy: nothing is uploaded
    // beyond uniforms.
}

/// Ten steps with a fraction, a prodrug, ROS and angiogenesis on: each step sends only
/// scalars (uniform blocks up; residual norms, reductions and the median down).
fn ten_steps(backend: &mut dyn O2Backend) -> oxyfield::therapy::TherapyResult {
    let sc = common::scenario(
        "name = \"budget\"\nseed = 3\n[grid]\nshape_zyx = [16, 16, 16]\nspacing_um = 10.0\n\
         [vessels.synthetic]\ndensity_mm_per_mm3 = 150.0\n[ros]\nenabled = true\n\
         [hif]\nangiogenesis_per_day = 0.5\n",
        std::path::Path::new("."),
    );
    let protocol = oxyfield::protocol::Protocol::from_toml(
        "schema_version = 1\nduration = \"10h\"\ntime_step = \"1h\"\nsettle = false\n\
         [[radiotherapy]]\ndose_gy = 2.0\nat = [\"2h\"]\n\
         [[drug]]\npreset = \"evofosfamide\"\nstart = \"0h\"\ncount = 1\nevery = \"1w\"\n",
        "test protocol",
        std::path::Path::new("."),
    )
    .unwrap();
    let params = oxyfield::therapy::TherapyParams::of(&sc);
    oxyfield::therapy::run_protocol(&sc, &protocol, &params, backend, Default::default()).unwrap()
}

/// Issue 19's budget: ≤ 4 KB host↔backend per protocol step outside snapshots,
/// checkpoints and outputs (a count, not a time). The first step also makes the ROS
/// and drug hierarchies and their uniform blocks (≈ 3 KB once): ≤ 8 KB.
const STEP_BUDGET_BYTES: u64 = 4096;
const FIRST_STEP_BUDGET_BYTES: u64 = 8192;

#[test]
fn a_protocol_step_moves_at_most_4_kb_on_the_cpu() {
    let mut cpu = CpuBackend::new();
    let r = ten_steps(&mut cpu);
    assert_eq!(r.step_counters.steps, 10);
    assert!(
        r.step_counters.max_bytes_per_step <= STEP_BUDGET_BYTES
            && r.step_counters.first_step_bytes <= FIRST_STEP_BUDGET_BYTES,
        "{:?}",
        r.step_counters
    );
}

#[test]
fn a_protocol_step_moves_at_most_4_kb_on_the_gpu_and_matches_the_cpu() {
    let Some(mut gpu) = common::gpu_backend("a_protocol_step_moves_at_most_4_kb_on_the_gpu") else {
        return;
    };
    let g = ten_steps(&mut gpu);
    assert_eq!(g.step_counters.steps, 10);
    assert!(
        g.step_counters.max_bytes_per_step <= STEP_BUDGET_BYTES
            && g.step_counters.first_step_bytes <= FIRST_STEP_BUDGET_BYTES,
        "{:?}",
        g.step_counters
    );
    // A step is a few hundred submits at most (each V-cycle one), not thousands.
    assert!(g.step_counters.total.submits <= 1000 * g.step_counters.steps);
    let c = ten_steps(&mut CpuBackend::new());
    // Solves converge to 1e-6 relative on both; the timelines agree to 1e-3 relative.
    for (a, b) in c.rows.iter().zip(&g.rows) {
        let close = |x: f64, y: f64| (x - y).abs() <= 1e-3 * x.abs().max(y.abs()).max(1e-3);
        assert!(close(a.mean_po2_mmhg, b.mean_po2_mmhg), "{a:?}\n{b:?}");
        assert!(close(a.median_po2_mmhg, b.median_po2_mmhg), "{a:?}\n{b:?}");
        assert!(close(a.viable_fraction, b.viable_fraction), "{a:?}\n{b:?}");
        assert!(
            close(a.drugs[0].exposure_um_h, b.drugs[0].exposure_um_h),
            "{a:?}\n{b:?}"
        );
        let (ra, rb) = (a.mean_ros_um.unwrap(), b.mean_ros_um.unwrap());
        assert!(close(ra, rb), "{a:?}\n{b:?}");
        // The radiotherapy endpoints (band masks from the po2_band kernel, masked sums).
        let (ea, eb) = (&a.endpoints, &b.endpoints);
        assert!(
            close(ea.surviving_clonogens, eb.surviving_clonogens),
            "{ea:?}\n{eb:?}"
        );
        assert!(close(ea.tcp, eb.tcp), "{ea:?}\n{eb:?}");
        for k in 0..3 {
            let (sa, sb) = (
                ea.surviving_fraction_by_pre_po2[k],
                eb.surviving_fraction_by_pre_po2[k],
            );
            assert!(sa.is_some() == sb.is_some(), "{ea:?}\n{eb:?}");
            if let (Some(x), Some(y)) = (sa, sb) {
                assert!(close(x, y), "{ea:?}\n{eb:?}");
            }
        }
        assert!(
            (ea.hypoxic_share_of_survivors - eb.hypoxic_share_of_survivors).abs() <= 1e-3,
            "{ea:?}\n{eb:?}"
        );
        assert!(
            close(ea.eud_cumulative_gy, eb.eud_cumulative_gy),
            "{ea:?}\n{eb:?}"
        );
    }
    assert_eq!(c.endpoints.fractions.len(), 1);
    let (fc, fg) = (&c.endpoints.fractions[0], &g.endpoints.fractions[0]);
    assert!(
        (fc.eud_gy - fg.eud_gy).abs() <= 1e-3 * fc.eud_gy,
        "{fc:?}\n{fg:?}"
    );
    assert_eq!(fc.hypoxic_volume_histogram.len(), 11, "{fc:?}");
    assert_eq!(fg.hypoxic_volume_histogram.len(), 11, "{fg:?}");
    for (x, y) in fc
        .hypoxic_volume_histogram
        .iter()
        .zip(&fg.hypoxic_volume_histogram)
    {
        // A voxel at a bin edge may fall on either side: ≤ 1 % of 4096 voxels.
        assert!((x - y).abs() <= 0.01, "{fc:?}\n{fg:?}");
    }
    let total: f64 = c.endpoints.band_volume_fraction.iter().sum();
    assert!(
        (total - 1.0).abs() < 1e-9,
        "the three bands hold all tissue: {total}"
    );
    for (x, y) in c
        .endpoints
        .band_volume_fraction
        .iter()
        .zip(&g.endpoints.band_volume_fraction)
    {
        assert!((x - y).abs() <= 0.01, "band volume fraction {x} vs {y}");
    }
}

/// The GPU keeps a problem's hierarchy between solves: solved again on the same fields
/// with other D and Pw, its coarsening must take the new mixed-cell coupling (a stale
/// one took 45 cycles where the CPU takes 5). Both backends need the same cycles.
#[test]
fn a_reused_gpu_hierarchy_coarsens_with_the_new_parameters() {
    let Some(mut gpu) = common::gpu_backend("a_reused_gpu_hierarchy_coarsens") else {
        return;
    };
    let p = problem([32, 32, 32]);
    let cycles = |b: &mut dyn O2Backend| -> Vec<u32> {
        let (mut fp, solution) = upload(b, &p);
        let opts = SolveOptions::default();
        let first = solver::solve_fields(b, &fp, solution, &opts).unwrap();
        fp.params.wall_permeability_um_per_s *= 1e-3;
        fp.params.diffusivity_um2_per_s *= 10.0;
        b.field_upload(solution, &p.initial_guess()).unwrap();
        let second = solver::solve_fields(b, &fp, solution, &opts).unwrap();
        vec![first.iterations, second.iterations]
    };
    let (c, g) = (cycles(&mut CpuBackend::new()), cycles(&mut gpu));
    for (a, b) in c.iter().zip(&g) {
        assert!(
            a.abs_diff(*b) <= 1,
            "cycles on the CPU {c:?}, on the GPU {g:?}"
        );
    }
}
