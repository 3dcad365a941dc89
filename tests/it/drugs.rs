//! Drug fields (src/drugs/): the implicit transport step against closed forms, the
//! O2-dependence of activation, the time-step error, GPU vs CPU, and a hypoxia-activated
//! prodrug's kill concentrating in hypoxic tissue.

use crate::common;

use oxyfield::backend::cpu::CpuBackend;
use oxyfield::backend::O2Backend;
use oxyfield::drugs::{advance, DrugState};
use oxyfield::grid::Grid;
use oxyfield::physics::drug::{Activation, DrugParams};
use oxyfield::physics::o2::O2Params;
use oxyfield::physics::pk::{Pk, PkModel};
use oxyfield::problem::{face, O2Problem};
use oxyfield::solver::SolveOptions;
use std::path::Path;

/// A plasma level that stays at `c` (µM) for the length of a test.
fn constant_plasma(c: f64) -> Pk {
    Pk {
        model: PkModel::OneCompartment { half_life_h: 1e9 },
        cmax_um: c,
        infusion_s: 0.0,
    }
}

fn drug(pk: Pk) -> DrugParams {
    DrugParams {
        pk,
        diffusivity_um2_per_s: 20.0,
        permeability_um_per_s: 10.0,
        activation: Activation {
            kmax_per_s: 0.005,
            ki_mmhg: 0.5,
            aerobic_fraction: 0.01,
        },
        uptake_rate_per_s: 0.001,
        metabolite_diffusivity_um2_per_s: 0.0,
        metabolite_half_life_s: 200.0,
        kill_per_um_h: 1.0,
        time_step_s: 120.0,
    }
}

fn opts() -> SolveOptions {
    let mut o = common::scenario(
        "name = \"t\"\n[grid]\nshape_zyx = [4, 4, 4]\nspacing_um = 10.0\n[solver]\ntolerance = 1e-8\n",
        Path::new("."),
    )
    .solve_options();
    o.field = oxyfield::solver::SolvedField::Drug;
    o
}

fn uniform(grid: Grid, sv: f32) -> O2Problem {
    let mut p = O2Problem::uniform(grid, O2Params::default());
    p.sv = vec![sv; grid.len()];
    p
}

/// Uniform tissue, uniform wall area, constant plasma: C → Pv·Sv·Cp/(Pv·Sv + k(P)·n + ku)
/// and (metabolite staying put) A → k(P)·n·C/λA, in every voxel. Half the block is
/// anoxic and half at 40 mmHg (diffusion too slow to mix them): A/C differs between
/// them by k(0)/k(40).
#[test]
fn uniform_tissue_reaches_the_linear_steady_state_and_activation_follows_k_of_p() {
    let grid = Grid::from_shape_zyx([6, 6, 8], 10.0);
    let o2 = uniform(grid, 0.006);
    let po2: Vec<f32> = (0..grid.len())
        .map(|i| if grid.ijk(i).0 < 4 { 0.0 } else { 40.0 })
        .collect();
    // Diffusion too slow to mix the halves: √(D/Γ) ≈ 0.1 µm.
    let p = DrugParams {
        diffusivity_um2_per_s: 1e-3,
        ..drug(constant_plasma(20.0))
    };
    let mut state = DrugState::zero(grid.len());
    let mut cpu = CpuBackend::new();
    // 2 h ≫ 1/(Pv·Sv + k) ≈ 15 s and 1/λA ≈ 290 s.
    advance(
        &mut cpu,
        &o2,
        &po2,
        &p,
        &[0.0],
        &mut state,
        0.0,
        7200.0,
        &opts(),
    )
    .unwrap();
    let lambda = p.metabolite_decay_per_s();
    let mut ratio = [0.0f64; 2];
    for i in 0..grid.len() {
        let k = p.activation.rate(f64::from(po2[i]));
        let wall = 10.0 * 0.006;
        let c = wall * 20.0 / (wall + k + p.uptake_rate_per_s);
        let a = k * c / lambda;
        let (gc, ga) = (f64::from(state.prodrug[i]), f64::from(state.metabolite[i]));
        assert!((gc / c - 1.0).abs() < 1e-4, "C {gc} vs {c} at voxel {i}");
        assert!((ga / a - 1.0).abs() < 1e-4, "A {ga} vs {a} at voxel {i}");
        ratio[usize::from(po2[i] > 0.0)] = ga / gc;
    }
    let want = p.activation.rate(0.0) / p.activation.rate(40.0);
    assert!(
        (ratio[0] / ratio[1] / want - 1.0).abs() < 1e-4,
        "{ratio:?} vs {want}"
    );
    // Exposure ≈ the steady A over the time (it settles within minutes).
    let e = f64::from(state.exposure[0]);
    let a0 = p.activation.rate(0.0) * f64::from(state.prodrug[0]) / lambda;
    assert!(
        e < a0 * 2.0 && e > a0 * 1.8,
        "exposure {e} µM·h, A {a0} µM over 2 h"
    );
}

/// A slab with no vessels and a bath at both x faces, first-order sink k:
/// C(x) = Cp·cosh((x − Lx/2)/L)/cosh(Lx/(2L)), L = √(D/k). The diffusing metabolite is
/// exercised too (its bath holds 0).
#[test]
fn slab_between_baths_has_the_cosh_profile() {
    const H: f64 = 2.0;
    const NX: usize = 100;
    let grid = Grid::from_shape_zyx([4, 4, NX], H);
    let mut o2 = uniform(grid, 0.0);
    o2.faces[face::X_MIN] = 100.0;
    o2.faces[face::X_MAX] = 100.0;
    let po2 = vec![100.0f32; grid.len()];
    let mut p = drug(constant_plasma(10.0));
    p.metabolite_diffusivity_um2_per_s = 15.0;
    // Backward Euler settles on the steady state whatever the step: long steps.
    p.time_step_s = 600.0;
    let mut state = DrugState::zero(grid.len());
    let mut cpu = CpuBackend::new();
    advance(
        &mut cpu,
        &o2,
        &po2,
        &p,
        &[0.0],
        &mut state,
        0.0,
        3.0 * 3600.0,
        &opts(),
    )
    .unwrap();
    let k = p.activation.rate(100.0) + p.uptake_rate_per_s;
    let l = (p.diffusivity_um2_per_s / k).sqrt();
    let lx = NX as f64 * H;
    let want = |x: f64| 10.0 * ((x - lx / 2.0) / l).cosh() / (lx / (2.0 * l)).cosh();
    let mut worst = 0.0f64;
    for i in 0..NX {
        let x = (i as f64 + 0.5) * H;
        let got = f64::from(state.prodrug[grid.index(i, 1, 2)]);
        worst = worst.max((got / want(x) - 1.0).abs());
    }
    assert!(
        worst < 2e-3,
        "max relative error {worst:.3e} (L = {l:.1} µm)"
    );
    // The metabolite is made inside and washed out at the baths: positive, zero-ish at
    // the faces relative to the middle.
    let mid = state.metabolite[grid.index(NX / 2, 1, 2)];
    let edge = state.metabolite[grid.index(0, 1, 2)];
    assert!(
        mid > 0.0 && edge < mid,
        "metabolite edge {edge}, middle {mid}"
    );
}

/// Backward Euler is first order: with the evofosfamide plasma curve, the exposure
/// after 4 h with 120 s steps is within 3 % of the one with 30 s steps.
#[test]
fn the_implicit_step_converges_in_time() {
    let grid = Grid::from_shape_zyx([4, 4, 4], 10.0);
    let o2 = uniform(grid, 0.006);
    let po2 = vec![1.0f32; grid.len()];
    let mut exposure = Vec::new();
    for step in [120.0, 30.0] {
        let mut p = DrugParams::preset("evofosfamide").unwrap();
        p.time_step_s = step;
        let mut s = DrugState::zero(grid.len());
        advance(
            &mut CpuBackend::new(),
            &o2,
            &po2,
            &p,
            &[0.0],
            &mut s,
            0.0,
            4.0 * 3600.0,
            &opts(),
        )
        .unwrap();
        exposure.push(f64::from(s.exposure[0]));
    }
    let rel = (exposure[0] / exposure[1] - 1.0).abs();
    assert!(rel < 0.03, "exposure {exposure:?}: {rel:.3e}");
    assert!(exposure[1] > 0.0);
}

/// The same drug step on the GPU (lavapipe in CI) and the CPU: ≤ 1e-4 of the largest
/// value in C, A and the exposure.
#[test]
fn gpu_and_cpu_agree_on_the_drug_fields() {
    let Some(mut gpu) = common::gpu_backend("gpu_and_cpu_agree_on_the_drug_fields") else {
        return;
    };
    let sc = common::scenario(
        "name = \"d\"\nseed = 3\n[grid]\nshape_zyx = [16, 24, 24]\nspacing_um = 10.0\n\
         [vessels.synthetic]\ndensity_mm_per_mm3 = 150.0\n",
        Path::new("."),
    );
    let (a, po2, _) = common::solve(&sc, &mut CpuBackend::new());
    let mut p = DrugParams::preset("evofosfamide").unwrap();
    p.metabolite_diffusivity_um2_per_s = 13.3;
    let mut fields = Vec::new();
    for b in [&mut CpuBackend::new() as &mut dyn O2Backend, &mut gpu] {
        let mut s = DrugState::zero(a.problem.grid.len());
        advance(
            b,
            &a.problem,
            &po2,
            &p,
            &[0.0],
            &mut s,
            0.0,
            1800.0,
            &opts(),
        )
        .unwrap();
        fields.push(s);
    }
    for (name, c, g) in [
        ("C", &fields[0].prodrug, &fields[1].prodrug),
        ("A", &fields[0].metabolite, &fields[1].metabolite),
        ("exposure", &fields[0].exposure, &fields[1].exposure),
    ] {
        let top = c.iter().fold(0.0f32, |m, &v| m.max(v));
        let (max, _) = common::diff(c, g);
        assert!(top > 0.0, "{name} is zero");
        assert!(max <= 1e-4 * f64::from(top), "{name}: {max:e} of {top}");
    }
}

/// One dose of the evofosfamide-like preset on a small vascularised block: cells die
/// mostly where pO2 is low.
#[test]
fn an_evofosfamide_dose_kills_mostly_where_po2_is_low() {
    let sc = common::scenario(
        "name = \"evo\"\nseed = 4\n[grid]\nshape_zyx = [16, 32, 32]\nspacing_um = 10.0\n\
         [vessels.synthetic]\ndensity_mm_per_mm3 = 100.0\n[ros]\nenabled = false\n",
        Path::new("."),
    );
    let (a, po2, _) = common::solve(&sc, &mut CpuBackend::new());
    let p = common::protocol(
        "schema_version = 1\nduration = \"6h\"\ntime_step = \"1h\"\n\
         [[drug]]\npreset = \"evofosfamide\"\nat = [\"0h\"]\n",
    );
    let r = common::run_static_tissue(&sc, &p);
    let (mut low, mut high) = ((0.0f64, 0usize), (0.0f64, 0usize));
    for (i, &p0) in po2.iter().enumerate() {
        // Survival relative to the cells there at t = 0 (vessel voxels hold few).
        let n0 = f64::from(a.problem.viable[i]);
        if n0 < 0.5 {
            continue;
        }
        let kill = -(f64::from(r.viable[i]) / n0).max(1e-30).ln();
        if p0 < 2.5 {
            low = (low.0 + kill, low.1 + 1);
        } else if p0 > 20.0 {
            high = (high.0 + kill, high.1 + 1);
        }
    }
    let (low, high) = (low.0 / low.1 as f64, high.0 / high.1 as f64);
    assert!(
        low > 3.0 * high,
        "mean ln kill below 2.5 mmHg {low:.3}, above 20 mmHg {high:.3}"
    );
    assert!(low > 0.5, "{low}");
    let last = r.rows.last().unwrap();
    let d = &last.drugs[0];
    assert_eq!(d.name, "evofosfamide");
    assert!(d.exposure_um_h > 0.0 && d.log10_kill > 0.0 && d.plasma_um < 34.0);
    assert!(
        (last.log10_cell_kill - d.log10_kill).abs() < 0.05,
        "{last:?}"
    );
}
