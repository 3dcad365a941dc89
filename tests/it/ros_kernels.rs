//! The ROS and glutathione pointwise kernels of the resident state (issue 19): each CPU
//! twin against the f64 host function it replaces, and each GPU kernel against its CPU
//! twin, with the default ROS parameters on realistic fields.

use crate::common;

use oxyfield::backend::cpu::CpuBackend;
use oxyfield::backend::pointwise::{PointKernels, Pointwise};
use oxyfield::backend::ros_fields::{
    no_removal, GshAdvance, GshBaseline, GshRates, GshSteady, RosKill, RosProblem, RosProduction,
    NO_REMOVAL,
};
use oxyfield::backend::{FieldStore, O2Backend};
use oxyfield::grid::Grid;
use oxyfield::physics::o2::O2Params;
use oxyfield::physics::ros::RosParams;
use oxyfield::problem::O2Problem;
use oxyfield::ros::{baseline_gsh, problem, production_field, RosSources};

/// The f32 machine epsilon as f64.
const EPS: f64 = f32::EPSILON as f64;

use crate::common::{random, run_pointwise as run};

/// Asserts |got − want| ≤ rel·|want| + abs at every voxel; returns the largest
/// |got − want|/|want| seen (over nonzero `want`), for the messages.
fn assert_close(what: &str, want: &[f32], got: &[f32], rel: f64, abs: f64) -> f64 {
    assert_eq!(want.len(), got.len());
    let mut worst = 0.0f64;
    for (i, (&w, &g)) in want.iter().zip(got).enumerate() {
        let (w, g) = (f64::from(w), f64::from(g));
        let d = (g - w).abs();
        assert!(
            d <= rel * w.abs() + abs,
            "{what}: voxel {i}: {g} vs {w} (difference {d:.3e})"
        );
        if w != 0.0 {
            worst = worst.max(d / w.abs());
        }
    }
    worst
}

/// 17·19·23 voxels: not a multiple of the workgroup.
const SHAPE: [usize; 3] = [17, 19, 23];

/// An O2 problem of `SHAPE` with random cells, vessels and fixed voxels (a tenth of
/// them, at 40 mmHg).
fn o2_problem() -> O2Problem {
    let grid = Grid::from_shape_zyx(SHAPE, 10.0);
    let n = grid.len();
    let mut o2 = O2Problem::uniform(grid, O2Params::default());
    o2.viable = random(n, 1, 0.0, 1.0);
    o2.sv = random(n, 2, 0.0, 0.04)
        .iter()
        .map(|&v| if v < 0.03 { 0.0 } else { v })
        .collect();
    o2.fixed = random(n, 3, 0.0, 1.0)
        .iter()
        .map(|&v| if v < 0.1 && v > 0.0 { 40.0 } else { -1.0 })
        .collect();
    o2
}

/// Realistic parameters: the defaults with a pro-oxidant's extra production.
fn params() -> RosParams {
    RosParams {
        extra_production_um_per_s: 0.01,
        ..RosParams::default()
    }
}

/// pO2 (mmHg) from anoxic to arterial, and a previous one.
fn po2(n: usize) -> (Vec<f32>, Vec<f32>) {
    (random(n, 4, 0.0, 80.0), random(n, 5, 0.0, 60.0))
}

/// Production: each term is a product or quotient of a few f32 roundings, and the sum
/// of nonnegative terms keeps that relative bound (measured about 3 ulps).
#[test]
fn production_twin_matches_production_field() {
    let o2 = o2_problem();
    let n = o2.grid.len();
    let p = params();
    let (po2, prev) = po2(n);
    let mut cpu = CpuBackend::new();
    for (dose_rate, previous) in [(0.0, None), (2.0 / 120.0, None), (0.0, Some(&prev))] {
        let want = production_field(
            &o2,
            &p,
            &RosSources {
                po2: &po2,
                po2_previous: previous.map(|v| v.as_slice()),
                dose_rate_gy_per_s: dose_rate,
            },
        );
        let k = RosProduction::new(n, &o2.params, &p, dose_rate, previous.is_some());
        let ins = vec![
            po2.clone(),
            o2.viable.clone(),
            previous.unwrap_or(&po2).clone(),
            o2.fixed.clone(),
        ];
        let got = run(&mut cpu, &k, &ins, &[vec![-3.0; n]]);
        let worst = assert_close("production", &want, &got[0], 8.0 * EPS, 0.0);
        assert!(
            worst > 0.0 || dose_rate == 0.0,
            "rounding differs somewhere"
        );
    }
}

/// The R problem: Γ is a sum of nonnegative products, pb one more quotient; fixed
/// voxels get exactly Rb and free ones −1.
#[test]
fn problem_twin_matches_build() {
    let o2 = o2_problem();
    let n = o2.grid.len();
    let p = RosParams {
        boundary_um: 0.05,
        ..params()
    };
    let production = random(n, 6, 0.0, 0.05);
    let gsh = random(n, 7, 0.0, 6.5);
    let want = problem::build(&o2, &p, &production, &gsh).unwrap();
    let mut cpu = CpuBackend::new();
    let ins = vec![o2.sv.clone(), production, gsh, o2.fixed.clone()];
    let got = run(
        &mut cpu,
        &RosProblem::new(n, &p),
        &ins,
        &vec![vec![9.0; n]; 3],
    );
    assert_close("Γ", &want.sv, &got[0], 4.0 * EPS, 0.0);
    assert_close("pb", &want.pb, &got[1], 8.0 * EPS, 0.0);
    assert_eq!(want.fixed, got[2]);
}

/// Where Γ = 0 and S > 0 the host builder fails; the kernel marks the voxel with
/// NO_REMOVAL in pb, which one maximum detects, and leaves the others as the builder.
#[test]
fn problem_marks_voxels_without_removal() {
    let mut o2 = o2_problem();
    let n = o2.grid.len();
    o2.sv.fill(0.0);
    let p = RosParams {
        loss_rate_per_s: 0.0,
        ..params()
    };
    let mut gsh = vec![6.5f32; n];
    let production = vec![0.01f32; n];
    let mut cpu = CpuBackend::new();
    let k = RosProblem::new(n, &p);
    let ins = |g: &[f32]| {
        vec![
            o2.sv.clone(),
            production.clone(),
            g.to_vec(),
            o2.fixed.clone(),
        ]
    };
    let max = |v: &[f32]| v.iter().fold(f64::MIN, |m, &x| m.max(f64::from(x)));
    let got = run(&mut cpu, &k, &ins(&gsh), &vec![vec![0.0; n]; 3]);
    assert!(!no_removal(max(&got[1])));
    let bad = (0..n).find(|&i| !o2.is_fixed(i)).unwrap();
    gsh[bad] = 0.0;
    assert!(problem::build(&o2, &p, &production, &gsh).is_err());
    let got = run(&mut cpu, &k, &ins(&gsh), &vec![vec![0.0; n]; 3]);
    assert!(no_removal(max(&got[1])));
    assert_eq!((got[0][bad], got[1][bad]), (0.0, NO_REMOVAL));
    assert_eq!(got[1].iter().filter(|&&v| v == NO_REMOVAL).count(), 1);
}

/// G0·n: one rounding of the product (the host rounds G0·n from f64; here G0 is rounded
/// first), so within 1 ulp.
#[test]
fn baseline_twin_matches_baseline_gsh() {
    let o2 = o2_problem();
    let n = o2.grid.len();
    let p = params();
    let want = baseline_gsh(&o2, &p);
    let mut cpu = CpuBackend::new();
    let ins = vec![o2.viable.clone(), o2.fixed.clone()];
    let got = run(&mut cpu, &GshBaseline::new(n, &p), &ins, &[vec![1.0; n]]);
    assert_close("G0·n", &want, &got[0], EPS, 0.0);
}

/// R (µM) from 0 to 5, negative values included (treated as 0).
fn ros(n: usize) -> Vec<f32> {
    random(n, 8, -0.01, 5.0)
}

/// G∞ = a·G0/(a + b): a few roundings (kG' rounded once); |ΔG| from the same G∞.
#[test]
fn steady_twin_matches_gsh_steady() {
    let o2 = o2_problem();
    let n = o2.grid.len();
    let p = params();
    let r = ros(n);
    let g = random(n, 9, 0.0, 6.5);
    let want: Vec<f32> = (0..n)
        .map(|i| {
            if o2.is_fixed(i) {
                0.0
            } else {
                p.gsh_steady(o2.viable[i], r[i])
            }
        })
        .collect();
    let mut cpu = CpuBackend::new();
    let k = GshSteady {
        len: n,
        rates: GshRates::of(&p),
    };
    let ins = vec![o2.viable.clone(), r, g.clone(), o2.fixed.clone()];
    let got = run(&mut cpu, &k, &ins, &[vec![1.0; n], vec![1.0; n]]);
    assert_close("G∞", &want, &got[0], 6.0 * EPS, 0.0);
    let change: Vec<f32> = got[0].iter().zip(&g).map(|(a, b)| (a - b).abs()).collect();
    assert_eq!(change, got[1]);
}

/// The HIF and antioxidant scale of therapy::interventions::g0_scale.
fn g0_scale(h: f32, upregulation: f64, increase: f64) -> f32 {
    ((1.0 + upregulation * f64::from(h)) * (1.0 + increase)) as f32
}

/// The closed-form advance over a burst chunk (10 s) and a protocol step (1 h), up to
/// x = (a + b)·Δt ≈ 6: with like-signed sums in both branches the result keeps a
/// relative bound (measured 4.4e-7, about 4 ulps; asserted 1e-6).
#[test]
fn advance_twin_matches_gsh_advance_scaled() {
    let o2 = o2_problem();
    let n = o2.grid.len();
    let p = params();
    let (phi, increase) = (0.3, 0.2);
    let r = ros(n);
    let hif = random(n, 10, 0.0, 1.0);
    let g = random(n, 11, 0.0, 8.0);
    let mut cpu = CpuBackend::new();
    for dt in [10.0, 3600.0] {
        let want: Vec<f32> = (0..n)
            .map(|i| {
                if o2.is_fixed(i) {
                    g[i]
                } else {
                    let s = g0_scale(hif[i], phi, increase);
                    p.gsh_advance_scaled(g[i], o2.viable[i], r[i], dt, s)
                }
            })
            .collect();
        let k = GshAdvance::new(n, &p, dt, phi, increase);
        let ins = vec![o2.viable.clone(), r.clone(), hif.clone(), o2.fixed.clone()];
        let got = run(&mut cpu, &k, &ins, std::slice::from_ref(&g));
        let worst = assert_close(&format!("G after {dt} s"), &want, &got[0], 1e-6, 0.0);
        eprintln!("advance over {dt} s: worst relative difference {worst:.2e}");
    }
}

/// κ·max(R − Rth, 0)·Δt/3600 added to a zero kill: the threshold rounded to f32 shifts
/// R − Rth by up to half an ulp of Rth, and the rest is two roundings.
#[test]
fn kill_twin_matches_ros_kill() {
    let n = SHAPE.iter().product();
    let (kappa, thr, dt) = (0.5, 0.1, 3600.0 * 6.0);
    let r = ros(n);
    let want: Vec<f32> = r
        .iter()
        .map(|&x| (kappa * (f64::from(x) - thr).max(0.0) * dt / 3600.0) as f32)
        .collect();
    let mut cpu = CpuBackend::new();
    let got = run(
        &mut cpu,
        &RosKill::new(n, kappa, thr, dt),
        std::slice::from_ref(&r),
        &[vec![0.0; n]],
    );
    let c = kappa * dt / 3600.0;
    assert_close("kill", &want, &got[0], 4.0 * EPS, c * thr * EPS);
    // In place: a second call adds the same again.
    let twice = run(
        &mut cpu,
        &RosKill::new(n, kappa, thr, dt),
        std::slice::from_ref(&r),
        &got,
    );
    for (a, b) in twice[0].iter().zip(&got[0]) {
        assert_eq!(*a, b + b);
    }
}

/// A kernel with its inputs and initial outputs.
type Case = (Box<dyn Pointwise>, Vec<Vec<f32>>, Vec<Vec<f32>>);

/// Every kernel of the module on the same fields.
fn cases() -> Vec<Case> {
    let o2 = o2_problem();
    let n = o2.grid.len();
    let p = params();
    let (po2, prev) = po2(n);
    let r = ros(n);
    let g = random(n, 11, 0.0, 8.0);
    let hif = random(n, 10, 0.0, 1.0);
    let mut no_gsh = random(n, 7, 0.0, 6.5);
    for v in no_gsh.iter_mut().step_by(5) {
        *v = 0.0;
    }
    let zeros = vec![0.0f32; n];
    let (cells, fixed) = (o2.viable.clone(), o2.fixed.clone());
    vec![
        (
            Box::new(RosProduction::new(n, &o2.params, &p, 2.0 / 120.0, true)),
            vec![po2.clone(), cells.clone(), prev, fixed.clone()],
            vec![zeros.clone()],
        ),
        (
            Box::new(RosProduction::new(n, &o2.params, &p, 0.0, false)),
            vec![po2.clone(), cells.clone(), po2, fixed.clone()],
            vec![zeros.clone()],
        ),
        (
            Box::new(RosProblem::new(n, &p)),
            vec![
                o2.sv.clone(),
                random(n, 6, 0.0, 0.05),
                random(n, 7, 0.0, 6.5),
                fixed.clone(),
            ],
            vec![zeros.clone(); 3],
        ),
        // λR = 0 and G = 0 in places: NO_REMOVAL where there is no wall either.
        (
            Box::new(RosProblem::new(
                n,
                &RosParams {
                    loss_rate_per_s: 0.0,
                    ..p
                },
            )),
            vec![
                o2.sv.clone(),
                random(n, 6, 0.0, 0.05),
                no_gsh,
                fixed.clone(),
            ],
            vec![zeros.clone(); 3],
        ),
        (
            Box::new(GshBaseline::new(n, &p)),
            vec![cells.clone(), fixed.clone()],
            vec![zeros.clone()],
        ),
        (
            Box::new(GshSteady {
                len: n,
                rates: GshRates::of(&p),
            }),
            vec![cells.clone(), r.clone(), g.clone(), fixed.clone()],
            vec![zeros.clone(), zeros.clone()],
        ),
        (
            Box::new(GshAdvance::new(n, &p, 10.0, 0.3, 0.2)),
            vec![cells.clone(), r.clone(), hif.clone(), fixed.clone()],
            vec![g.clone()],
        ),
        (
            Box::new(GshAdvance::new(n, &p, 3600.0, 0.3, 0.2)),
            vec![cells, r.clone(), hif, fixed],
            vec![g.clone()],
        ),
        (
            Box::new(RosKill::new(n, 0.5, 0.1, 6.0 * 3600.0)),
            vec![r],
            vec![random(n, 12, 0.0, 2.0)],
        ),
    ]
}

/// GPU (lavapipe in CI) against the CPU twins. The kernels are the twins' operations;
/// they may differ by FMA contraction, WGSL's 2.5-ulp division and its exp (3 + 2|x|
/// ulps): measured within a few ulps, asserted within 16 ulps relative plus 1e-9·G0.
#[test]
fn gpu_kernels_match_their_cpu_twins() {
    let Some(mut gpu) = common::gpu_backend("gpu_kernels_match_their_cpu_twins") else {
        return;
    };
    let mut cpu = CpuBackend::new();
    for (kernel, ins, outs) in cases() {
        let name = kernel.shader().name;
        let want = run(&mut cpu, kernel.as_ref(), &ins, &outs);
        let got = run(&mut gpu, kernel.as_ref(), &ins, &outs);
        for (k, (w, g)) in want.iter().zip(&got).enumerate() {
            let worst = assert_close(&format!("{name} output {k}"), w, g, 16.0 * EPS, 1e-9 * 6.5);
            eprintln!("{name} output {k}: worst relative difference {worst:.2e}");
        }
    }
}

/// The production kernel reads the pO2 twice when there is no previous field (one
/// buffer bound to two read-only bindings), as the resident routines call it.
#[test]
fn gpu_production_binds_po2_twice() {
    let Some(mut gpu) = common::gpu_backend("gpu_production_binds_po2_twice") else {
        return;
    };
    let o2 = o2_problem();
    let n = o2.grid.len();
    let k = RosProduction::new(n, &o2.params, &params(), 0.0, false);
    let (po2, _) = po2(n);
    let mut cpu = CpuBackend::new();
    let want = run(
        &mut cpu,
        &k,
        &[
            po2.clone(),
            o2.viable.clone(),
            po2.clone(),
            o2.fixed.clone(),
        ],
        &[vec![0.0; n]],
    );
    let p = gpu.field_from(&po2, "po2").unwrap();
    let c = gpu.field_from(&o2.viable, "cells").unwrap();
    let f = gpu.field_from(&o2.fixed, "fixed").unwrap();
    let s = gpu.field_alloc(n, "production").unwrap();
    gpu.pointwise(&k, &[p, c, p, f], &[s]).unwrap();
    let got = gpu.field_read(s).unwrap();
    assert_close("production", &want[0], &got, 16.0 * EPS, 0.0);
}

/// A small tumour block with synthetic vessels (tests/ros.rs).
fn block(n: usize, seed: u64) -> oxyfield::config::Scenario {
    common::scenario(
        &format!(
            r#"
name = "ros-block"
seed = {seed}
[grid]
shape_zyx = [{n}, {n}, {n}]
spacing_um = 10.0
[vessels.synthetic]
density_mm_per_mm3 = 150.0
"#
        ),
        std::path::Path::new("."),
    )
}

/// The resident routines solve the same discrete problems as the host ones: the R–G
/// steady state of a 24³ block with vessels, then one step of R with G held and G
/// advanced over an hour toward a HIF-scaled G0, from a reoxygenated pO2. Both R solves
/// stop at a relative residual of 1e-5 from different first guesses (the host's uniform
/// guess, R = 0 here), so the fields agree to about that: asserted 1e-4 of the largest.
fn resident_matches_host(backend: &mut dyn O2Backend) {
    use oxyfield::ros::resident::{self, GshStep, RosFields};
    use oxyfield::ros::steady::{solve_ros, solve_steady_state};
    use oxyfield::solver::{FieldProblem, SolveOptions};

    let sc = block(24, 3);
    let mut cpu = CpuBackend::new();
    let (a, po2, _) = common::solve(&sc, &mut cpu);
    let o2 = &a.problem;
    let params = RosParams {
        extra_production_um_per_s: 0.01,
        ..sc.spec.ros.params()
    };
    let opts = SolveOptions {
        tolerance: 1e-5,
        field: oxyfield::solver::SolvedField::Ros,
        ..SolveOptions::default()
    };
    let host = solve_steady_state(
        &mut cpu,
        o2,
        &params,
        &RosSources {
            po2: &po2,
            po2_previous: None,
            dose_rate_gy_per_s: 0.0,
        },
        &opts,
    )
    .unwrap();
    assert!(host.converged);

    let n = o2.grid.len();
    let fp = FieldProblem {
        grid: o2.grid,
        params: o2.params,
        faces: o2.faces,
        // ROS crosses the wall area (a protocol's `State::solutes`), as the host does.
        sv: backend.field_from(o2.wall_area_sv(), "sv").unwrap(),
        pb: backend.field_from(&o2.pb, "pb").unwrap(),
        viable: backend.field_from(&o2.viable, "viable").unwrap(),
        fixed: backend.field_from(&o2.fixed, "fixed").unwrap(),
    };
    let po2_f = backend.field_from(&po2, "po2").unwrap();
    let s = backend.field_alloc(n, "production").unwrap();
    let mut fields = RosFields::alloc(backend, n).unwrap();
    resident::production(backend, &fp, &params, po2_f, None, 0.0, s).unwrap();
    let steady = resident::steady_state(backend, &fp, &params, s, &mut fields, &opts).unwrap();
    assert!(steady.converged);
    assert_eq!(steady.gsh_iterations, host.gsh_iterations);
    let close = |what: &str, want: &[f32], got: &[f32]| {
        let scale = want.iter().fold(0.0f32, |m, v| m.max(v.abs())) as f64;
        let (max, _) = common::diff(want, got);
        assert!(
            max <= 1e-4 * scale,
            "{what}: max difference {max:.3e} of {scale:.3e}"
        );
        eprintln!("{what}: max difference {:.2e} of the largest", max / scale);
    };
    close(
        "production",
        &host.production,
        &backend.field_read(s).unwrap(),
    );
    close(
        "steady R",
        &host.ros,
        &backend.field_read(fields.ros).unwrap(),
    );
    close(
        "steady G",
        &host.gsh,
        &backend.field_read(fields.gsh).unwrap(),
    );

    // One step: pO2 risen by 5 mmHg (reoxygenation), G held at the steady G for R, then
    // advanced over an hour.
    let risen: Vec<f32> = po2.iter().map(|p| p + 5.0).collect();
    let hif = random(n, 13, 0.0, 1.0);
    let (phi, increase, dt) = (0.3, 0.2, 3600.0);
    let host_s = production_field(
        o2,
        &params,
        &RosSources {
            po2: &risen,
            po2_previous: Some(&po2),
            dose_rate_gy_per_s: 0.0,
        },
    );
    let r = solve_ros(
        &mut cpu,
        o2,
        &params,
        &host_s,
        &host.gsh,
        Some(&host.ros),
        &opts,
    )
    .unwrap()
    .ros;
    let g: Vec<f32> = (0..n)
        .map(|i| {
            if o2.is_fixed(i) {
                host.gsh[i]
            } else {
                let scale = g0_scale(hif[i], phi, increase);
                params.gsh_advance_scaled(host.gsh[i], o2.viable[i], r[i], dt, scale)
            }
        })
        .collect();
    let risen_f = backend.field_from(&risen, "risen").unwrap();
    resident::production(backend, &fp, &params, risen_f, Some(po2_f), 0.0, s).unwrap();
    let step = GshStep {
        seconds: dt,
        hif: backend.field_from(&hif, "hif").unwrap(),
        hif_upregulation: phi,
        gsh_increase: increase,
    };
    resident::ros_then_gsh(backend, &fp, &params, s, &fields, &step, &opts).unwrap();
    close("step production", &host_s, &backend.field_read(s).unwrap());
    close("step R", &r, &backend.field_read(fields.ros).unwrap());
    close("step G", &g, &backend.field_read(fields.gsh).unwrap());
    fields.free(backend);
}

#[test]
fn resident_steady_state_and_step_match_the_host_routines() {
    resident_matches_host(&mut CpuBackend::new());
}

/// The same on the GPU backend (lavapipe in CI) against the host routines on the CPU.
#[test]
fn gpu_resident_steady_state_and_step_match_the_host_routines() {
    let Some(mut gpu) = common::gpu_backend("gpu_resident_steady_state_and_step_match") else {
        return;
    };
    resident_matches_host(&mut gpu);
}
