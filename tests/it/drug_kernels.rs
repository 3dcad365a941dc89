//! The drug kernels of the resident state (src/backend/drug_fields.rs): each CPU twin
//! against the f64 host formula it replaces (src/drugs/), each GPU kernel against its CPU
//! twin on the same random fields, with the evofosfamide preset's parameters.

use crate::common;

use oxyfield::backend::cpu::CpuBackend;
use oxyfield::backend::drug_fields::{
    bath_coupling, Decay, DrugActivation, Exposure, Extrapolate, ExtrapolateQuadratic, FloorTerm,
    MetaboliteLocal, MetaboliteStep, ProdrugStep,
};
use oxyfield::backend::pointwise::Pointwise;
use oxyfield::backend::O2Backend;
use oxyfield::drugs::{self, problem::implicit_step, DrugState};
use oxyfield::grid::Grid;
use oxyfield::physics::drug::DrugParams;
use oxyfield::physics::o2::{O2Params, FREE};
use oxyfield::problem::O2Problem;
use oxyfield::solver::{FieldProblem, SolveOptions};

use crate::common::{random, run_pointwise as run};

fn evofosfamide() -> DrugParams {
    DrugParams::preset("evofosfamide").expect("preset")
}

/// Sub-step (s) and plasma level (µM) of the tests: the preset's step, near the peak.
const DT: f64 = 120.0;
const CP: f64 = 31.7;

/// Random drug-step inputs on `n` voxels (a 1-D grid): an O2 problem with vessels (a
/// third of voxels without), some fixed voxels, pO2 0–60 mmHg, and drug levels.
struct Inputs {
    o2: O2Problem,
    po2: Vec<f32>,
    prodrug: Vec<f32>,
    metabolite: Vec<f32>,
    exposure: Vec<f32>,
    kill: Vec<f32>,
}

fn inputs(n: usize) -> Inputs {
    let grid = Grid::from_shape_zyx([1, 1, n], 10.0);
    let mut o2 = O2Problem::uniform(grid, O2Params::default());
    o2.sv = random(n, 1, 0.0, 0.03)
        .iter()
        .map(|&v| if v < 0.01 { 0.0 } else { v })
        .collect();
    o2.viable = random(n, 2, 0.0, 1.0);
    o2.fixed = random(n, 3, -1.0, 1.0)
        .iter()
        .map(|&v| if v < 0.6 { FREE } else { 40.0 * v })
        .collect();
    Inputs {
        po2: random(n, 4, 0.0, 60.0),
        prodrug: random(n, 5, 0.0, 34.0),
        metabolite: random(n, 6, 0.0, 5.0),
        exposure: random(n, 7, 0.0, 2.0),
        kill: random(n, 8, 0.0, 3.0),
        o2,
    }
}

/// Asserts |got − want| ≤ rel·|want| + abs at every voxel.
fn close(name: &str, got: &[f32], want: &[f64], rel: f64, abs: f64) {
    assert_eq!(got.len(), want.len(), "{name}: lengths");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let err = (f64::from(g) - w).abs();
        assert!(
            err <= rel * w.abs() + abs,
            "{name} voxel {i}: {g} vs {w} (error {err:e})"
        );
    }
}

fn f64s(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| f64::from(x)).collect()
}

/// The host's activation field (f64, as drugs::advance holds it).
fn host_activation(p: &DrugParams, x: &Inputs) -> Vec<f64> {
    (0..x.po2.len())
        .map(|i| p.activation.rate(f64::from(x.po2[i])) * f64::from(x.o2.viable[i]))
        .collect()
}

#[test]
fn activation_twin_matches_the_rate_times_cells() {
    let (n, p) = (1000, evofosfamide());
    let x = inputs(n);
    let mut cpu = CpuBackend::new();
    let k = DrugActivation::new(n, &p.activation);
    let got = run(
        &mut cpu,
        &k,
        &[x.po2.clone(), x.o2.viable.clone()],
        &[vec![0.0; n]],
    );
    // Four roundings (two of the constants, a sum, a quotient, a product).
    close("activation", &got[0], &host_activation(&p, &x), 1e-6, 0.0);
}

#[test]
fn prodrug_step_twin_matches_implicit_step() {
    let (n, p) = (1000, evofosfamide());
    let x = inputs(n);
    let act = host_activation(&p, &x);
    let mut cpu = CpuBackend::new();
    let act32 = run(
        &mut cpu,
        &DrugActivation::new(n, &p.activation),
        &[x.po2.clone(), x.o2.viable.clone()],
        &[vec![0.0; n]],
    )
    .remove(0);
    let got = run(
        &mut cpu,
        &ProdrugStep::new(n, &p, DT, CP),
        &[
            x.o2.sv.clone(),
            x.o2.viable.clone(),
            x.o2.fixed.clone(),
            act32,
            x.prodrug.clone(),
        ],
        &[vec![0.0; n], vec![0.0; n], vec![0.0; n]],
    );
    // drugs::advance's prodrug problem.
    let wall = |i: usize| p.permeability_um_per_s * f64::from(x.o2.sv[i]);
    let want = implicit_step(
        &x.o2,
        p.diffusivity_um2_per_s,
        &x.prodrug,
        DT,
        CP,
        |i| wall(i) + act[i] + p.uptake_rate_per_s * f64::from(x.o2.viable[i]),
        |i| wall(i) * CP,
    );
    // Γ: three sums of positive terms; pb: two products, a sum and a quotient.
    close("sv", &got[0], &f64s(&want.sv), 1e-6, 0.0);
    close("pb", &got[1], &f64s(&want.pb), 2e-6, 0.0);
    close("fixed", &got[2], &f64s(&want.fixed), 0.0, 0.0);
}

#[test]
fn metabolite_step_twin_matches_implicit_step() {
    let (n, p) = (1000, evofosfamide());
    let x = inputs(n);
    let act = host_activation(&p, &x);
    let act32: Vec<f32> = act.iter().map(|&a| a as f32).collect();
    let mut cpu = CpuBackend::new();
    let got = run(
        &mut cpu,
        &MetaboliteStep::new(n, &p, DT),
        &[
            x.o2.fixed.clone(),
            act32.clone(),
            x.prodrug.clone(),
            x.metabolite.clone(),
        ],
        &[vec![0.0; n], vec![0.0; n], vec![0.0; n]],
    );
    let want = implicit_step(
        &x.o2,
        13.3,
        &x.metabolite,
        DT,
        0.0,
        |_| p.metabolite_decay_per_s(),
        |i| f64::from(act32[i]) * f64::from(x.prodrug[i]),
    );
    close("sv", &got[0], &f64s(&want.sv), 1e-7, 0.0);
    close("pb", &got[1], &f64s(&want.pb), 1e-6, 0.0);
    close("fixed", &got[2], &f64s(&want.fixed), 0.0, 0.0);
}

#[test]
fn metabolite_local_twin_matches_the_closed_form() {
    let (n, p) = (1000, evofosfamide());
    let x = inputs(n);
    let act = host_activation(&p, &x);
    let act32: Vec<f32> = act.iter().map(|&a| a as f32).collect();
    let mut cpu = CpuBackend::new();
    let got = run(
        &mut cpu,
        &MetaboliteLocal::new(n, &p, DT),
        &[x.o2.fixed.clone(), act32.clone(), x.prodrug.clone()],
        std::slice::from_ref(&x.metabolite),
    );
    // drugs::advance's local update.
    let decay = p.metabolite_decay_per_s();
    let want: Vec<f64> = (0..n)
        .map(|i| {
            if x.o2.is_fixed(i) {
                0.0
            } else {
                (f64::from(x.metabolite[i]) + DT * f64::from(act32[i]) * f64::from(x.prodrug[i]))
                    / (1.0 + DT * decay)
            }
        })
        .collect();
    close("metabolite", &got[0], &want, 1e-6, 0.0);
}

#[test]
fn exposure_twin_matches_the_trapezoid_and_kill() {
    let (n, p) = (1000, evofosfamide());
    let x = inputs(n);
    let a1 = random(n, 9, 0.0, 5.0);
    let mut cpu = CpuBackend::new();
    let got = run(
        &mut cpu,
        &Exposure::new(n, &p, DT),
        &[x.metabolite.clone(), a1.clone()],
        &[x.exposure.clone(), x.kill.clone()],
    );
    // drugs::advance's trapezoid, then therapy's kill += κ·(E1 − E0).
    let e: Vec<f32> = (0..n)
        .map(|i| {
            let mean = 0.5 * (f64::from(x.metabolite[i]) + f64::from(a1[i]));
            x.exposure[i] + (mean * DT / 3600.0) as f32
        })
        .collect();
    let kill: Vec<f64> = (0..n)
        .map(|i| {
            f64::from(x.kill[i]) + (p.kill_per_um_h * f64::from(e[i] - x.exposure[i])) as f32 as f64
        })
        .collect();
    // E near 2 µM·h: a rounding of E is 1.2e-7 µM·h, κ·that ≈ 4e-7 in the kill.
    close("exposure", &got[0], &f64s(&e), 2.4e-7, 0.0);
    close("kill", &got[1], &kill, 3e-7, 1e-6 * p.kill_per_um_h);
}

#[test]
fn extrapolate_twin_is_the_line_through_the_last_two_not_below_zero() {
    let n = 1000;
    let x = random(n, 12, 0.0, 34.0);
    let last = random(n, 13, 0.0, 34.0);
    let mut cpu = CpuBackend::new();
    let got = run(
        &mut cpu,
        &Extrapolate { len: n },
        &[],
        &[x.clone(), last.clone()],
    );
    let want: Vec<f64> = (0..n)
        .map(|i| (2.0 * f64::from(x[i]) - f64::from(last[i])).max(0.0))
        .collect();
    // Half the values fall and about a quarter would go below zero: clamped to 0.
    assert!(want.iter().filter(|&&w| w == 0.0).count() > n / 10);
    // One rounding of the difference (2x is exact).
    close("extrapolated", &got[0], &want, 6e-8, 4e-6);
    assert_eq!(got[1], x, "the last value moves to x_prev");
}

#[test]
fn quadratic_extrapolation_twin_is_the_parabola_through_the_last_three_not_below_zero() {
    let n = 1000;
    let x = random(n, 15, 0.0, 34.0);
    let last = random(n, 16, 0.0, 34.0);
    let last2 = random(n, 17, 0.0, 34.0);
    let mut cpu = CpuBackend::new();
    let got = run(
        &mut cpu,
        &ExtrapolateQuadratic { len: n },
        &[],
        &[x.clone(), last.clone(), last2.clone()],
    );
    let want: Vec<f64> = (0..n)
        .map(|i| {
            let (a, b, c) = (f64::from(x[i]), f64::from(last[i]), f64::from(last2[i]));
            (3.0 * a - 3.0 * b + c).max(0.0)
        })
        .collect();
    assert!(want.iter().filter(|&&w| w == 0.0).count() > n / 10);
    // Roundings of the difference, of 2d + d and of the sum: a few ulp of values up to
    // ~140 µM (ulp 1.5e-5 at 128).
    close("extrapolated", &got[0], &want, 6e-8, 4e-5);
    assert_eq!(got[1], x, "the last value moves to x_prev");
    assert_eq!(got[2], last, "x_prev moves to x_prev2");
    // Exact on a parabola: x_k = (k − 3)² at k = 1, 2, 3 (4, 1, 0) gives 1 at k = 4.
    let got = run(
        &mut cpu,
        &ExtrapolateQuadratic { len: 1 },
        &[],
        &[vec![0.0], vec![1.0], vec![4.0]],
    );
    assert_eq!(got[0], vec![1.0], "(4 − 3)² from 4, 1, 0");
}

#[test]
fn decay_twin_matches_drugs_decay() {
    let (n, p) = (1000, evofosfamide());
    let x = inputs(n);
    let doses = [0.0];
    let (t, dt) = (6.0 * 3600.0, 1800.0);
    let (r, gain) = drugs::decay_factors(&p, &doses, t, dt);
    assert!(r > 0.5 && r < 1.0, "r = {r}");
    let mut state = DrugState {
        prodrug: x.prodrug.clone(),
        metabolite: x.metabolite.clone(),
        exposure: x.exposure.clone(),
    };
    assert!(drugs::decay(&p, &doses, &mut state, t, dt));
    let k = Decay {
        len: n,
        ratio: r as f32,
        gain_h: gain as f32,
        kill_per_um_h: p.kill_per_um_h as f32,
    };
    let mut cpu = CpuBackend::new();
    let got = run(
        &mut cpu,
        &k,
        &[],
        &[
            x.prodrug.clone(),
            x.metabolite.clone(),
            x.exposure.clone(),
            x.kill.clone(),
        ],
    );
    let kill: Vec<f64> = (0..n)
        .map(|i| {
            f64::from(x.kill[i]) + p.kill_per_um_h * f64::from(state.exposure[i] - x.exposure[i])
        })
        .collect();
    close("prodrug", &got[0], &f64s(&state.prodrug), 2.4e-7, 0.0);
    close("metabolite", &got[1], &f64s(&state.metabolite), 2.4e-7, 0.0);
    close("exposure", &got[2], &f64s(&state.exposure), 2.4e-7, 0.0);
    close("kill", &got[3], &kill, 3e-7, 1e-6 * p.kill_per_um_h);
}

#[test]
fn floor_terms_give_floor_tolerance() {
    let p = evofosfamide();
    // A 3-D block with fixed voxels and two fixed faces, for the bath coupling.
    let grid = Grid::from_shape_zyx([8, 9, 10], 10.0);
    let n = grid.len();
    let mut x = inputs(n);
    x.o2.grid = grid;
    x.o2.faces[0] = 40.0;
    x.o2.faces[5] = 0.0;
    let act = host_activation(&p, &x);
    let wall = |i: usize| p.permeability_um_per_s * f64::from(x.o2.sv[i]);
    let step = implicit_step(
        &x.o2,
        p.diffusivity_um2_per_s,
        &x.prodrug,
        DT,
        CP,
        |i| wall(i) + act[i],
        |i| wall(i) * CP,
    );
    let mut start = x.prodrug.clone();
    step.apply_fixed(&mut start);
    let k = FloorTerm::new(
        n,
        step.params.diffusivity_um2_per_s,
        grid.spacing_um,
        step.params.wall_permeability_um_per_s,
        CP,
    );
    let g = bath_coupling(grid, x.o2.faces, &x.o2.fixed, p.diffusivity_um2_per_s);
    let mut cpu = CpuBackend::new();
    let got = run(
        &mut cpu,
        &k,
        &[
            step.sv.clone(),
            step.pb.clone(),
            step.fixed.clone(),
            start.clone(),
            g,
        ],
        &[vec![1.0; n], vec![1.0; n]],
    );
    let norm = |v: &[f32]| v.iter().map(|&e| f64::from(e).powi(2)).sum::<f64>().sqrt();
    // The reference norm: the stencil's residual against Γ·pb + bath·g, a few roundings.
    let reference = oxyfield::solver::reference_norm(&step);
    assert!(
        (norm(&got[1]) / reference - 1.0).abs() < 1e-6,
        "reference {:e} vs {reference:e}",
        norm(&got[1])
    );
    let floor = 2.0 * f64::from(f32::EPSILON) * norm(&got[0]) / norm(&got[1]);
    let want = drugs::floor_tolerance(&step, &start);
    assert!(
        (floor / want - 1.0).abs() < 1e-6,
        "floor {floor:e} vs {want:e}"
    );
    for (i, &f) in step.fixed.iter().enumerate() {
        assert!(
            f < 0.0 || (got[0][i] == 0.0 && got[1][i] == 0.0),
            "voxel {i}"
        );
    }
}

#[test]
fn gpu_drug_kernels_match_their_cpu_twins() {
    let Some(mut gpu) = common::gpu_backend("gpu_drug_kernels_match_their_cpu_twins") else {
        return;
    };
    // 17·19·23 voxels: not a multiple of the workgroup.
    let n = 17 * 19 * 23;
    let p = evofosfamide();
    let x = inputs(n);
    let act: Vec<f32> = host_activation(&p, &x).iter().map(|&a| a as f32).collect();
    let zeros = || vec![0.0f32; n];
    let (r, gain) = drugs::decay_factors(&p, &[0.0], 6.0 * 3600.0, 1800.0);
    type Case = (Box<dyn Pointwise>, Vec<Vec<f32>>, Vec<Vec<f32>>);
    let cases: Vec<Case> = vec![
        (
            Box::new(DrugActivation::new(n, &p.activation)),
            vec![x.po2.clone(), x.o2.viable.clone()],
            vec![zeros()],
        ),
        (
            Box::new(ProdrugStep::new(n, &p, DT, CP)),
            vec![
                x.o2.sv.clone(),
                x.o2.viable.clone(),
                x.o2.fixed.clone(),
                act.clone(),
                x.prodrug.clone(),
            ],
            vec![zeros(), zeros(), zeros()],
        ),
        (
            Box::new(MetaboliteStep::new(n, &p, DT)),
            vec![
                x.o2.fixed.clone(),
                act.clone(),
                x.prodrug.clone(),
                x.metabolite.clone(),
            ],
            vec![zeros(), zeros(), zeros()],
        ),
        (
            Box::new(MetaboliteLocal::new(n, &p, DT)),
            vec![x.o2.fixed.clone(), act.clone(), x.prodrug.clone()],
            vec![x.metabolite.clone()],
        ),
        (
            Box::new(Exposure::new(n, &p, DT)),
            vec![x.metabolite.clone(), random(n, 9, 0.0, 5.0)],
            vec![x.exposure.clone(), x.kill.clone()],
        ),
        (
            Box::new(Decay {
                len: n,
                ratio: r as f32,
                gain_h: gain as f32,
                kill_per_um_h: p.kill_per_um_h as f32,
            }),
            vec![],
            vec![
                x.prodrug.clone(),
                x.metabolite.clone(),
                x.exposure.clone(),
                x.kill.clone(),
            ],
        ),
        (
            Box::new(Extrapolate { len: n }),
            vec![],
            vec![x.prodrug.clone(), random(n, 14, 0.0, 34.0)],
        ),
        (
            Box::new(ExtrapolateQuadratic { len: n }),
            vec![],
            vec![
                x.prodrug.clone(),
                random(n, 15, 0.0, 34.0),
                random(n, 16, 0.0, 34.0),
            ],
        ),
        (
            Box::new(FloorTerm::new(n, p.diffusivity_um2_per_s, 10.0, 1.0, CP)),
            vec![
                random(n, 10, 0.008, 0.1),
                x.prodrug.clone(),
                x.o2.fixed.clone(),
                x.prodrug.clone(),
                random(n, 11, 0.0, 0.4),
            ],
            vec![zeros(), zeros()],
        ),
    ];
    let mut cpu = CpuBackend::new();
    for (kernel, ins, outs) in cases {
        let want = run(&mut cpu, kernel.as_ref(), &ins, &outs);
        let got = run(&mut gpu, kernel.as_ref(), &ins, &outs);
        // A few f32 operations per value: equal up to a few roundings (FMA contraction,
        // the GPU's quotient within 2.5 ulp).
        for (k, (w, g)) in want.iter().zip(&got).enumerate() {
            // The extrapolations add and subtract only (2x is exact, 3d is d + d + d):
            // nothing to fuse, so the GPU gives the twin's bits.
            if kernel.shader().name.starts_with("drug_extrapolate") {
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(g), bits(w), "{} output {k}", kernel.shader().name);
            }
            let (max, mean) = common::diff(w, g);
            let scale = w.iter().fold(1e-30f32, |m, v| m.max(v.abs())) as f64;
            assert!(
                max <= 1e-6 * scale && mean <= 1e-7 * scale,
                "{} output {k}: max difference {max:e}, mean {mean:e} (scale {scale})",
                kernel.shader().name
            );
        }
    }
}

/// A small tumour block for the resident routines: vessels along one edge, pO2 falling
/// away from them to anoxia, a row of fixed (medium) voxels and a fixed face.
fn scenario() -> (O2Problem, Vec<f32>) {
    let grid = Grid::from_shape_zyx([10, 11, 12], 10.0);
    let mut o2 = O2Problem::uniform(grid, O2Params::default());
    let mut po2 = vec![0.0f32; grid.len()];
    for (i, p) in po2.iter_mut().enumerate() {
        let (x, y, z) = grid.ijk(i);
        let r = ((x * x + y * y) as f32).sqrt();
        if r < 1.5 {
            o2.sv[i] = 0.02;
        }
        *p = (40.0 - 6.0 * r).max(0.0) + 0.01 * z as f32;
        o2.viable[i] = if r > 9.0 { 0.5 } else { 1.0 };
        if x == 11 && y < 3 {
            o2.fixed[i] = 30.0;
        }
    }
    o2.faces[2] = 20.0;
    (o2, po2)
}

/// max |a − b| / max |b|.
fn rel(a: &[f32], b: &[f32]) -> f64 {
    let (max, _) = common::diff(a, b);
    max / b.iter().fold(0.0f32, |m, v| m.max(v.abs())) as f64
}

/// The resident advance (kernels and in-place solves on handles) against the host's
/// drugs::advance over the hour after a dose, for the evofosfamide preset (metabolite
/// staying put) and a variant whose metabolite diffuses.
#[test]
fn resident_advance_matches_host_advance_over_an_hour() {
    use oxyfield::drugs::resident;
    let (o2, po2) = scenario();
    let n = o2.grid.len();
    let o = SolveOptions {
        field: oxyfield::solver::SolvedField::Drug,
        tolerance: 1e-8,
        ..SolveOptions::default()
    };
    for diffusing in [false, true] {
        let mut p = evofosfamide();
        if diffusing {
            p.metabolite_diffusivity_um2_per_s = 13.3;
        }
        let doses = [0.0];
        let mut cpu = CpuBackend::new();
        // Host: 20 min then 40 min (two protocol steps).
        let mut host = DrugState::zero(n);
        let mut host_reports = Vec::new();
        for (t, dt) in [(0.0, 1200.0), (1200.0, 2400.0)] {
            host_reports.push(
                drugs::advance(&mut cpu, &o2, &po2, &p, &doses, &mut host, t, dt, &o).unwrap(),
            );
        }
        // Resident, on handles.
        let b: &mut dyn O2Backend = &mut cpu;
        let handles = FieldProblem {
            grid: o2.grid,
            params: o2.params,
            faces: o2.faces,
            sv: b.field_from(&o2.sv, "sv").unwrap(),
            pb: b.field_from(&o2.pb, "pb").unwrap(),
            viable: b.field_from(&o2.viable, "viable").unwrap(),
            fixed: b.field_from(&o2.fixed, "fixed").unwrap(),
        };
        let po2_f = b.field_from(&po2, "po2").unwrap();
        let kill = b.field_alloc(n, "kill").unwrap();
        let mut fields = resident::DrugFields::zero(b, n).unwrap();
        let (mut cycles, mut work) = ((0, 0), (0.0, 0.0));
        for (k, (t, dt)) in [(0.0, 1200.0), (1200.0, 2400.0)].into_iter().enumerate() {
            assert!(resident::active(b, &p, &doses, &fields, t, dt).unwrap());
            let r = resident::advance(b, &handles, po2_f, &p, &doses, &mut fields, kill, t, dt, &o)
                .unwrap();
            let host = host_reports[k];
            assert_eq!((r.substeps(), r.dt_s()), (host.substeps(), host.dt_s()));
            // The resident sub-steps after the first start from the line through the
            // last two values, then the parabola through three: never more cycles than
            // the host's, which start from the last, and less work over the hour.
            assert!(
                r.cycles() <= host.cycles(),
                "diffusing {diffusing}, step {k}: {} cycles resident, {} on the host",
                r.cycles(),
                host.cycles()
            );
            cycles = (cycles.0 + r.cycles(), cycles.1 + host.cycles());
            work = (work.0 + r.work(), work.1 + host.work());
        }
        eprintln!(
            "diffusing {diffusing}: {} cycles, {:.1} sweep-equivalents resident; {} cycles, \
             {:.1} on the host",
            cycles.0, work.0, cycles.1, work.1
        );
        assert!(
            cycles.0 < cycles.1,
            "diffusing {diffusing}: {} cycles resident, {} on the host",
            cycles.0,
            cycles.1
        );
        // Most resident prodrug solves stop at the check after the FMG pass's
        // pre-smoothing (a start in the wrong order of fields would not).
        assert!(
            work.0 < 0.75 * work.1,
            "diffusing {diffusing}: {:.1} sweep-equivalents resident, {:.1} on the host",
            work.0,
            work.1
        );
        let got = fields.read(b).unwrap();
        let kill = b.field_read(kill).unwrap();
        for (name, g, w) in [
            ("prodrug", &got.prodrug, &host.prodrug),
            ("metabolite", &got.metabolite, &host.metabolite),
            ("exposure", &got.exposure, &host.exposure),
        ] {
            let e = rel(g, w);
            assert!(e <= 1e-4, "diffusing {diffusing}: {name} differs by {e:e}");
        }
        // Some drug got in and was activated where it is anoxic.
        assert!(host.max_um() > 10.0 && host.exposure.iter().any(|&e| e > 0.01));
        // Kill: κ·E from a start at zero.
        let want: Vec<f32> = host
            .exposure
            .iter()
            .map(|&e| (p.kill_per_um_h * f64::from(e)) as f32)
            .collect();
        assert!(
            rel(&kill, &want) <= 1e-4,
            "kill differs by {:e}",
            rel(&kill, &want)
        );
        fields.free(b);
    }
}

/// The resident decay (one kernel call) against the host's drugs::decay, kill included.
#[test]
fn resident_decay_matches_host_decay() {
    use oxyfield::drugs::resident;
    let (n, p) = (500, evofosfamide());
    let x = inputs(n);
    let doses = [0.0];
    let (t, dt) = (8.0 * 3600.0, 3600.0);
    let mut host = DrugState {
        prodrug: x.prodrug.clone(),
        metabolite: x.metabolite.clone(),
        exposure: x.exposure.clone(),
    };
    assert!(drugs::decay(&p, &doses, &mut host, t, dt));
    let mut cpu = CpuBackend::new();
    let b: &mut dyn O2Backend = &mut cpu;
    let mut fields = resident::DrugFields::from_state(
        b,
        &DrugState {
            prodrug: x.prodrug.clone(),
            metabolite: x.metabolite.clone(),
            exposure: x.exposure.clone(),
        },
    )
    .unwrap();
    let kill = b.field_alloc(n, "kill").unwrap();
    assert!(!resident::decay(b, &p, &doses, &mut fields, kill, -10.0, dt).unwrap());
    assert!(resident::decay(b, &p, &doses, &mut fields, kill, t, dt).unwrap());
    let got = fields.read(b).unwrap();
    for (name, g, w) in [
        ("prodrug", &got.prodrug, &host.prodrug),
        ("metabolite", &got.metabolite, &host.metabolite),
        ("exposure", &got.exposure, &host.exposure),
    ] {
        assert!(rel(g, w) <= 1e-6, "{name} differs by {:e}", rel(g, w));
    }
    let kill = b.field_read(kill).unwrap();
    let want: Vec<f32> = (0..n)
        .map(|i| (p.kill_per_um_h * f64::from(host.exposure[i] - x.exposure[i])) as f32)
        .collect();
    assert!(
        rel(&kill, &want) <= 1e-5,
        "kill differs by {:e}",
        rel(&kill, &want)
    );
}
