//! The GPU kernels against their CPU twins on the same inputs, and the two backends
//! against each other after a full solve. Tolerances: single-sweep and residual
//! kernels ≤ 1e-4 relative (the GPU may contract a·b + c into an FMA or use a
//! different sqrt); converged fields ≤ 1e-3 mmHg max abs (the issue's bound; lavapipe
//! measured 0).

use crate::common;

use oxyfield::assemble::assemble;
use oxyfield::backend::cpu::CpuBackend;
use oxyfield::backend::O2Backend;
use oxyfield::rng::Rng;

/// 48³ at 10 µm with vessels, a fixed-value box and mixed faces.
const MIXED: &str = r#"
name = "mixed"
seed = 7
[grid]
shape_zyx = [48, 48, 48]
spacing_um = 10.0
[vessels.synthetic]
density_mm_per_mm3 = 120.0
[[fixed_regions]]
shape = "box"
min_um = [0.0, 0.0, 0.0]
max_um = [100.0, 100.0, 480.0]
value_mmhg = 60.0
[boundary]
x_min = 40.0
z_max = 20.0
y_max = "no_flux"
[solver]
tolerance = 1e-6
"#;

fn random_field(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| rng.range(0.0, 80.0) as f32).collect()
}

#[test]
fn sor_sweeps_and_residual_match_cpu_twin() {
    sweeps_and_residual_match("sor_sweeps_and_residual_match_cpu_twin", MIXED);
}

/// A level of 16³ = 4096 voxels is smoothed by the GPU's one-workgroup kernel
/// (`smooth_small`, all sweeps in one dispatch): the same updates as the CPU twin's.
#[test]
fn one_dispatch_smoothing_of_a_small_level_matches_cpu_twin() {
    let small = MIXED.replace("[48, 48, 48]", "[16, 16, 16]").replace(
        "max_um = [100.0, 100.0, 480.0]",
        "max_um = [30.0, 40.0, 160.0]",
    );
    sweeps_and_residual_match(
        "one_dispatch_smoothing_of_a_small_level_matches_cpu_twin",
        &small,
    );
}

fn sweeps_and_residual_match(name: &str, text: &str) {
    let Some(mut gpu) = common::gpu_backend(name) else {
        return;
    };
    let sc = common::scenario(text, std::path::Path::new("."));
    let problem = assemble(&sc).unwrap().problem;
    let mut start = random_field(problem.grid.len(), 11);
    problem.apply_fixed(&mut start);
    let mut cpu = CpuBackend::new();
    let coarse = oxyfield::problem::hierarchy::coarse_levels(&problem);
    cpu.load(&problem, &coarse, &start).unwrap();
    gpu.load(&problem, &coarse, &start).unwrap();

    let (rc, rg) = (
        cpu.residual_sq_sum().unwrap(),
        gpu.residual_sq_sum().unwrap(),
    );
    eprintln!("residual Σr²: cpu {rc:.6e}, gpu {rg:.6e}");
    assert!(
        (rc - rg).abs() <= 1e-4 * rc,
        "residual kernel: cpu {rc} gpu {rg}"
    );
    // The norm multigrid checks: that of the residual field restriction writes. The CPU
    // gives the reference's bits (tests/it/fast_cpu.rs); on the GPU the same values
    // squared from the field instead of inline, summed in the same order.
    let (cc, cg) = (
        cpu.restrict_checked().unwrap(),
        gpu.restrict_checked().unwrap(),
    );
    eprintln!("norm from restriction Σr²: cpu {cc:.6e}, gpu {cg:.6e}");
    assert_eq!(cc.to_bits(), rc.to_bits());
    assert!(
        (cg - rg).abs() <= 1e-5 * rg && (cg - rc).abs() <= 1e-4 * rc,
        "norm from restriction: gpu {cg}, its residual kernel {rg}, cpu {rc}"
    );

    // Changing ω and the number of sweeps between calls.
    let mut before = start.clone();
    for (omega, sweeps) in [(1.0f32, 3), (1.7, 5), (1.15, 1)] {
        cpu.smooth(0, sweeps, omega).unwrap();
        gpu.smooth(0, sweeps, omega).unwrap();
        let (c, g) = (cpu.read_o2().unwrap(), gpu.read_o2().unwrap());
        let (max, mean) = common::diff(&c, &g);
        eprintln!("after {sweeps} sweeps at ω={omega}: max |Δ| {max:.3e}, mean {mean:.3e} mmHg");
        assert!(max <= 1e-4 * 80.0, "smoother: max diff {max}");
        assert!(c != before, "the sweeps changed the field");
        before = c;
    }
}

#[test]
fn converged_fields_agree_within_1e_3_mmhg() {
    let Some(mut gpu) = common::gpu_backend("converged_fields_agree_within_1e_3_mmhg") else {
        return;
    };
    let sc = common::scenario(MIXED, std::path::Path::new("."));
    let (a, cpu_field, rc) = common::solve(&sc, &mut CpuBackend::new());
    let (_, gpu_field, rg) = common::solve(&sc, &mut gpu);
    assert!(rc.converged && rg.converged);
    let (max, mean) = common::diff(&cpu_field, &gpu_field);
    eprintln!(
        "converged: cpu {} sweeps, gpu {} sweeps; max |Δ| {max:.3e}, mean {mean:.3e} mmHg",
        rc.iterations, rg.iterations
    );
    assert!(max <= 1e-3, "max |cpu − gpu| = {max} mmHg");
    // The scenario really has all three kinds of source.
    let p = &a.problem;
    assert!(p.sv.iter().any(|&s| s > 0.0));
    assert!(p.fixed.iter().any(|&f| f >= 0.0));
    assert!(p.faces.iter().any(|&f| f >= 0.0) && p.faces.iter().any(|&f| f < 0.0));
}

#[test]
fn warm_start_from_a_converged_field_needs_no_sweeps() {
    let sc = common::scenario(MIXED, std::path::Path::new("."));
    let mut cpu = CpuBackend::new();
    let (a, field, first) = common::solve(&sc, &mut cpu);
    assert!(first.iterations > 0);
    cpu.write_o2(&field).unwrap();
    let again = oxyfield::solver::solve_steady(&mut cpu, &a.problem, &sc.solve_options()).unwrap();
    assert!(again.converged);
    // Stopped at the start's check: no cycle, and no work beyond that check's
    // restriction (one sweep-equivalent).
    assert_eq!(again.iterations, 0);
    assert_eq!(again.sweep_equivalents, 1.0);
    let out = cpu.read_o2().unwrap();
    assert_eq!(out, field, "the field is left as it was");
}

#[test]
fn explicit_steps_match_cpu_twin() {
    let Some(mut gpu) = common::gpu_backend("explicit_steps_match_cpu_twin") else {
        return;
    };
    // Vessels, a fixed box and fixed faces: every term of the step kernel is exercised.
    let sc = common::scenario(MIXED, std::path::Path::new("."));
    let problem = assemble(&sc).unwrap().problem;
    let mut start = random_field(problem.grid.len(), 5);
    problem.apply_fixed(&mut start);
    let mut cpu = CpuBackend::new();
    cpu.load(&problem, &[], &start).unwrap();
    gpu.load(&problem, &[], &start).unwrap();
    let dt = oxyfield::solver::transient::stable_dt(&problem) as f32;
    cpu.step_explicit(7, dt).unwrap();
    gpu.step_explicit(7, dt).unwrap();
    let (c, g) = (cpu.read_o2().unwrap(), gpu.read_o2().unwrap());
    let (max, mean) = common::diff(&c, &g);
    eprintln!("7 explicit steps of {dt:.3e} s: max |cpu − gpu| {max:.2e}, mean {mean:.2e} mmHg");
    assert!(max <= 1e-4 * 80.0, "max diff {max}");
    assert!(
        common::diff(&c, &start).0 > 1e-3,
        "the steps changed nothing"
    );
    // Positivity: with Δt at 0.9 of the bound, no voxel is clipped below 0 needlessly.
    assert!(c.iter().all(|&v| v >= 0.0));
    // An even number of steps ends in pO2 itself (the GPU's ping-pong, no final copy)
    // and an odd one in the scratch buffer copied home: both give the twin's field.
    let mut before = c;
    for steps in [4, 1] {
        cpu.step_explicit(steps, dt).unwrap();
        gpu.step_explicit(steps, dt).unwrap();
        let (c2, g2) = (cpu.read_o2().unwrap(), gpu.read_o2().unwrap());
        let (max, _) = common::diff(&c2, &g2);
        assert!(max <= 1e-4 * 80.0, "{steps} more steps: max diff {max}");
        assert!(
            common::diff(&c2, &before).0 > 0.0,
            "{steps} more steps changed nothing"
        );
        before = c2;
    }
}

/// The GPU's copy-bandwidth reference is a kernel (`shaders/copy.wgsl`) in a
/// grid-stride loop; the measurement checks that the end of the buffer (past the loop's
/// first turn at 20 MiB: 4096 workgroups × 256 × 16 bytes = 16 MiB) was copied, and
/// fails otherwise.
#[test]
fn copy_bandwidth_kernel_copies_the_whole_buffer() {
    let Some(mut gpu) = common::gpu_backend("copy_bandwidth_kernel_copies_the_whole_buffer") else {
        return;
    };
    for bytes in [4 << 10, 20 << 20] {
        let bw = gpu.copy_bandwidth(bytes).unwrap();
        assert!(bw.is_finite() && bw > 0.0, "{bytes} bytes: {bw} B/s");
    }
}
