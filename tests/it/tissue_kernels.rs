//! The GPU tissue kernels (`shaders/tissue.wgsl`) against their CPU twin
//! (`src/backend/cpu/tissue.rs`) on the same random inputs: one radiotherapy fraction
//! (uniform dose with a single OER; a dose map with separate OERs), several kinetics
//! steps, and a state that must survive O2 loads and solves in between.
//!
//! Tolerance: n, d and l agree to ≤ 2e-6 absolute in every voxel. Both backends do the same
//! f32 operations in the same order, but the GPU may contract a·b + c into an FMA and
//! its `exp` is allowed a few ulps more than the host's; on values in [0, 1] that is a
//! few 1e-7 per kernel call, and the test runs up to four calls in a row. Voxels
//! outside the region must stay bitwise unchanged on both backends.

use crate::common;

use oxyfield::backend::cpu::CpuBackend;
use oxyfield::backend::gpu::GpuBackend;
use oxyfield::backend::tissue::{TissueFields, TissueUniforms};
use oxyfield::backend::{Field, FieldStore, O2Backend, TissueKernels};
use oxyfield::grid::Grid;
use oxyfield::physics::hif::HifParams;
use oxyfield::physics::o2::O2Params;
use oxyfield::physics::radiotherapy::{LqParams, OerModel};
use oxyfield::physics::tissue::TissueParams;
use oxyfield::problem::{face, O2Problem};
use oxyfield::rng::Rng;

/// Max absolute difference allowed between the backends on n, d and l.
const TOL: f64 = 2e-6;

/// 24×20×16 (x×y×z): not cubic and not a multiple of the (32, 4, 2) workgroup in x.
fn grid() -> Grid {
    Grid::from_shape_zyx([16, 20, 24], 10.0)
}

/// Random inputs on [`grid`].
struct Inputs {
    region: Vec<u32>,
    state: TissueFields,
    po2: Vec<f32>,
    dose_map: Vec<f32>,
}

/// A region of ~80 % of the voxels; n ∈ [0, 1], d ∈ [0, 1 − n], l ∈ [0, 1 − n − d]
/// with some n = 0 and some n = 1 (the regrowth guard's edges); pO2 ∈ [0, 60] mmHg with ~15 % below the
/// 0.5 mmHg necrosis threshold; relative dose ∈ [0, 1.5].
fn inputs(seed: u64) -> Inputs {
    let len = grid().len();
    let mut rng = Rng::new(seed);
    let mut x = Inputs {
        region: Vec::with_capacity(len),
        state: TissueFields::default(),
        po2: Vec::with_capacity(len),
        dose_map: Vec::with_capacity(len),
    };
    for idx in 0..len {
        x.region.push(u32::from(rng.uniform() < 0.8));
        let (n, d) = match idx % 37 {
            0 => (0.0, rng.range(0.0, 1.0)),
            1 => (1.0, 0.0),
            _ => {
                let n = rng.uniform();
                (n, rng.range(0.0, 1.0 - n))
            }
        };
        let l = if idx % 3 == 0 {
            0.0
        } else {
            rng.range(0.0, 1.0 - n - d)
        };
        x.state.viable.push(n as f32);
        x.state.dead.push(d as f32);
        x.state.doomed.push(l as f32);
        x.state.hif.push(rng.uniform() as f32);
        x.po2.push(random_po2(&mut rng));
        x.dose_map.push(rng.range(0.0, 1.5) as f32);
    }
    x
}

fn random_po2(rng: &mut Rng) -> f32 {
    if rng.uniform() < 0.15 {
        rng.range(0.0, 0.5) as f32
    } else {
        rng.range(0.0, 60.0) as f32
    }
}

/// Loads the same state on both backends.
fn load_both(cpu: &mut CpuBackend, gpu: &mut GpuBackend, x: &Inputs) {
    cpu.tissue_load(&grid(), &x.region, &x.state).unwrap();
    gpu.tissue_load(&grid(), &x.region, &x.state).unwrap();
}

/// Uploads `data` into a new field of `b`.
fn field<B: FieldStore>(b: &mut B, data: &[f32], label: &'static str) -> Field {
    b.field_from(data, label).unwrap()
}

/// One fraction on `b` at pO2 `po2` (and relative dose `map`), inputs uploaded first.
fn irradiate<B: FieldStore + TissueKernels>(
    b: &mut B,
    u: &TissueUniforms,
    po2: &[f32],
    map: Option<&[f32]>,
) {
    let p = field(b, po2, "test.po2");
    let m = map.map(|m| field(b, m, "test.dose_map"));
    b.tissue_irradiate(u, p, m).unwrap();
    b.field_free(p);
    if let Some(m) = m {
        b.field_free(m);
    }
}

/// One kinetics step on `b` at pO2 `po2`, uploaded first.
fn step<B: FieldStore + TissueKernels>(b: &mut B, u: &TissueUniforms, po2: &[f32]) {
    let p = field(b, po2, "test.po2");
    b.tissue_step(u, p).unwrap();
    b.field_free(p);
}

/// Reads both backends and checks: agreement within [`TOL`], region-off voxels bitwise
/// as loaded, and the CPU state changed in most region voxels (the kernels did
/// something). Returns the CPU state for the next comparison.
fn compare(what: &str, cpu: &mut CpuBackend, gpu: &mut GpuBackend, x: &Inputs) -> TissueFields {
    let c = cpu.tissue_read().unwrap();
    let g = gpu.tissue_read().unwrap();
    let fields = |s: &TissueFields| {
        [
            s.viable.clone(),
            s.dead.clone(),
            s.doomed.clone(),
            s.hif.clone(),
        ]
    };
    let (cf, gf, xf) = (fields(&c), fields(&g), fields(&x.state));
    for (k, name) in ["n", "d", "l", "h"].iter().enumerate() {
        let (max, mean) = common::diff(&cf[k], &gf[k]);
        eprintln!("{what}: GPU vs CPU max |Δ{name}| {max:.2e} (mean {mean:.2e})");
        assert!(max <= TOL, "{what}: {name} differs by {max:e} > {TOL:e}");
        for (idx, &r) in x.region.iter().enumerate() {
            if r == 0 {
                for (backend, f) in [("cpu", &cf[k]), ("gpu", &gf[k])] {
                    assert_eq!(
                        f[idx].to_bits(),
                        xf[k][idx].to_bits(),
                        "{what}: {backend} changed {name} in region-off voxel {idx}"
                    );
                }
            }
        }
    }
    let in_region = x.region.iter().filter(|&&r| r != 0).count();
    let changed = (0..c.viable.len())
        .filter(|&i| x.region[i] != 0 && (0..4).any(|k| cf[k][i] != xf[k][i]))
        .count();
    assert!(
        changed * 2 > in_region,
        "{what}: only {changed} of {in_region} region voxels changed on the CPU"
    );
    c
}

#[test]
fn a_fraction_matches_the_cpu_twin() {
    let Some(mut gpu) = common::gpu_backend("a_fraction_matches_the_cpu_twin") else {
        return;
    };
    let mut cpu = CpuBackend::new();
    let x = inputs(101);
    let separate = LqParams {
        oer: OerModel::SOVIK_2006,
        ..LqParams::default()
    };
    for (label, lq, dose, map) in [
        ("2 Gy uniform, single OER", LqParams::default(), 2.0, None),
        (
            "8 Gy dose map, separate OER",
            separate,
            8.0,
            Some(&x.dose_map[..]),
        ),
    ] {
        load_both(&mut cpu, &mut gpu, &x);
        let u = TissueUniforms::fraction(&grid(), &lq, dose, map.is_some());
        irradiate(&mut cpu, &u, &x.po2, map);
        irradiate(&mut gpu, &u, &x.po2, map);
        let s = compare(label, &mut cpu, &mut gpu, &x);
        // A fraction only moves cells from n to l.
        let x0 = &x.state;
        for i in 0..s.viable.len() {
            assert!(s.viable[i] <= x0.viable[i], "{label}: n grew in voxel {i}");
            assert_eq!(s.dead[i], x0.dead[i], "{label}: d changed in voxel {i}");
            assert!(
                (f64::from(s.viable[i] + s.doomed[i]) - f64::from(x0.viable[i] + x0.doomed[i]))
                    .abs()
                    < 1e-6,
                "{label}: n + l not kept in voxel {i}"
            );
        }
    }
}

#[test]
fn kinetics_steps_match_the_cpu_twin() {
    let Some(mut gpu) = common::gpu_backend("kinetics_steps_match_the_cpu_twin") else {
        return;
    };
    let mut cpu = CpuBackend::new();
    let x = inputs(202);
    load_both(&mut cpu, &mut gpu, &x);
    let kinetics = TissueParams::default();
    let mut rng = Rng::new(203);
    let (mut necrosed, mut grew, mut doomed_died) = (false, false, false);
    let mut before = x.state.clone();
    for (s, dt_h) in [1.0, 1.0, 12.0, 12.0].into_iter().enumerate() {
        // A new pO2 each step, as after each O2 solve of a protocol run.
        let po2: Vec<f32> = (0..x.po2.len()).map(|_| random_po2(&mut rng)).collect();
        let u = TissueUniforms::step(
            &grid(),
            &kinetics,
            &HifParams::default(),
            0.8,
            dt_h * 3600.0,
        );
        step(&mut cpu, &u, &po2);
        step(&mut gpu, &u, &po2);
        let after = compare(
            &format!("step {} of {dt_h} h", s + 1),
            &mut cpu,
            &mut gpu,
            &x,
        );
        for (i, &p) in po2.iter().enumerate() {
            if x.region[i] != 0 && before.viable[i] > 0.0 {
                necrosed |= p < 0.5 && after.viable[i] < before.viable[i];
                grew |= p > 10.0 && after.viable[i] > before.viable[i];
            }
            doomed_died |= x.region[i] != 0 && p > 10.0 && after.doomed[i] < before.doomed[i];
        }
        before = after;
    }
    assert!(
        necrosed && grew && doomed_died,
        "necrosis ({necrosed}), regrowth ({grew}) and mitotic death ({doomed_died}) should \
         have run"
    );
}

/// A drug kill from a resident log-kill field; the handles name the loaded state (the
/// region as 1.0/0.0), and a second load replaces the first.
#[test]
fn a_kill_matches_the_cpu_twin() {
    let Some(mut gpu) = common::gpu_backend("a_kill_matches_the_cpu_twin") else {
        return;
    };
    let mut cpu = CpuBackend::new();
    let x = inputs(404);
    load_both(&mut cpu, &mut gpu, &x);
    load_both(&mut cpu, &mut gpu, &x);
    let mut rng = Rng::new(405);
    let log_kill: Vec<f32> = (0..x.po2.len())
        .map(|_| rng.range(0.0, 3.0) as f32)
        .collect();
    let region: Vec<f32> = x
        .region
        .iter()
        .map(|&r| if r != 0 { 1.0 } else { 0.0 })
        .collect();
    for b in [&mut cpu as &mut dyn O2Backend, &mut gpu] {
        let h = b.tissue_load(&grid(), &x.region, &x.state).unwrap();
        assert_eq!(b.field_read(h.region).unwrap(), region);
        assert_eq!(b.field_read(h.viable).unwrap(), x.state.viable);
        let k = b.field_from(&log_kill, "test.log_kill").unwrap();
        b.tissue_kill(k).unwrap();
        b.field_free(k);
    }
    let s = compare("kill", &mut cpu, &mut gpu, &x);
    let x0 = &x.state;
    for i in 0..s.viable.len() {
        assert!(s.viable[i] <= x0.viable[i], "kill: n grew in voxel {i}");
        assert_eq!(s.dead[i], x0.dead[i], "kill: d changed in voxel {i}");
    }
}

/// irradiate → an O2 load and solve on the same backend → step → read: the tissue state
/// lives apart from the O2 levels.
#[test]
fn the_state_survives_o2_loads() {
    let Some(mut gpu) = common::gpu_backend("the_state_survives_o2_loads") else {
        return;
    };
    let mut cpu = CpuBackend::new();
    let x = inputs(303);
    load_both(&mut cpu, &mut gpu, &x);
    let u = TissueUniforms::fraction(&grid(), &LqParams::default(), 4.0, false);
    irradiate(&mut cpu, &u, &x.po2, None);
    irradiate(&mut gpu, &u, &x.po2, None);

    // An O2 problem on another grid, loaded and smoothed on both backends; its field is
    // the pO2 of nothing here, only traffic on the device in between.
    let mut problem =
        O2Problem::uniform(Grid::from_shape_zyx([8, 12, 10], 10.0), O2Params::default());
    problem.faces[face::X_MIN] = 40.0;
    let start = vec![20.0f32; problem.grid.len()];
    for b in [&mut cpu as &mut dyn O2Backend, &mut gpu] {
        b.load(&problem, &[], &start).unwrap();
        b.smooth(0, 5, 1.5).unwrap();
        let o2 = b.read_o2().unwrap();
        assert!(o2.iter().any(|&p| p != 20.0), "the O2 sweeps did nothing");
    }

    let u = TissueUniforms::step(
        &grid(),
        &TissueParams::default(),
        &HifParams::default(),
        1.0,
        6.0 * 3600.0,
    );
    step(&mut cpu, &u, &x.po2);
    step(&mut gpu, &u, &x.po2);
    compare("fraction, O2 load and solve, step", &mut cpu, &mut gpu, &x);
}

#[test]
fn using_the_gpu_kernels_before_tissue_load_is_an_error() {
    let Some(mut gpu) = common::gpu_backend("using_the_gpu_kernels_before_tissue_load_is_an_error")
    else {
        return;
    };
    let g = grid();
    let po2 = vec![10.0f32; g.len()];
    // An O2 load is not a tissue load.
    gpu.load(&O2Problem::uniform(g, O2Params::default()), &[], &po2)
        .unwrap();
    let po2 = gpu.field_from(&po2, "test.po2").unwrap();
    let u = TissueUniforms::step(
        &g,
        &TissueParams::default(),
        &HifParams::default(),
        1.0,
        3600.0,
    );
    for err in [
        gpu.tissue_step(&u, po2).unwrap_err(),
        gpu.tissue_irradiate(&u, po2, None).unwrap_err(),
        gpu.tissue_read().unwrap_err(),
    ] {
        assert!(
            matches!(err, oxyfield::Error::Gpu(ref m) if m.contains("tissue_load")),
            "{err}"
        );
    }
}
