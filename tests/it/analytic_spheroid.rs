//! MODEL.md §5.1: a spheroid of radius R in medium held at p0, zero-order consumption
//! (Km = 0). Both regimes: fully oxygenated (rl ≥ R) and with an anoxic core (rl < R).
//!
//! Discretisation: voxels whose centre lies outside R are held at p0, so the boundary
//! is a staircase within h/2 of the sphere. At h = 5 µm that bounds the profile error by
//! about |dP/dr|(R)·h/2 = a·R/(3D)·h/2 ≈ 0.94 mmHg; the tolerances below leave margin
//! over the measured errors, quoted beside each.

use crate::common;

use oxyfield::backend::cpu::CpuBackend;
use oxyfield::backend::O2Backend;

const R: f64 = 150.0; // µm
const D: f64 = 2000.0; // µm²/s
const A: f64 = 15.0; // mmHg/s
const H: f64 = 5.0; // µm
const N: usize = 64; // voxels per axis: 320 µm block

fn spheroid_toml(p0: f64) -> String {
    format!(
        r#"
        name = "spheroid"
        [grid]
        shape_zyx = [{N}, {N}, {N}]
        spacing_um = {H}
        [oxygen]
        diffusivity_um2_per_s = {D}
        max_consumption_mmhg_per_s = {A}
        km_mmhg = 0.0
        [[fixed_regions]]
        shape = "outside_sphere"
        radius_um = {R}
        value_mmhg = {p0}
        [solver]
        tolerance = 1e-6
        "#
    )
}

/// Closed form of MODEL.md §5.1 (from the library, shared with `oxyfield validate`)
/// and the anoxic radius (0 when fully oxygenated).
fn closed_form(p0: f64) -> (impl Fn(f64) -> f64, f64) {
    use oxyfield::validate::analytic::{spheroid_anoxic_radius, spheroid_profile};
    let rn = spheroid_anoxic_radius(R, p0, A, D);
    (move |r: f64| spheroid_profile(r, R, p0, A, D), rn)
}

struct Errors {
    max: f64,
    rms: f64,
    /// Mean signed error over voxels within 0.8·R (where the closed form is smooth).
    offset: f64,
    /// Max |error − offset| over those voxels.
    shape: f64,
    anoxic_radius: f64,
    expected_rn: f64,
}

fn run(p0: f64, backend: &mut dyn O2Backend) -> Errors {
    let sc = common::scenario(&spheroid_toml(p0), std::path::Path::new("."));
    let (a, po2, report) = common::solve(&sc, backend);
    assert!(report.converged, "solve did not converge: {report:?}");
    let g = a.problem.grid;
    let c = g.extent_um() / 2.0;
    let (profile, rn) = closed_form(p0);
    let (mut max, mut sq, mut n, mut anoxic) = (0.0f64, 0.0f64, 0usize, 0usize);
    let mut inner = Vec::new();
    for (idx, &p) in po2.iter().enumerate() {
        if a.problem.is_fixed(idx) {
            continue;
        }
        let (i, j, k) = g.ijk(idx);
        let r = g.centre(i, j, k).distance(c);
        let signed = p as f64 - profile(r);
        let e = signed.abs();
        max = max.max(e);
        sq += e * e;
        n += 1;
        if r < 0.8 * R && (rn == 0.0 || r > rn + 2.0 * H) {
            inner.push(signed);
        }
        if p < 1e-3 {
            anoxic += 1;
        }
    }
    let anoxic_radius =
        (3.0 * anoxic as f64 * g.voxel_volume_um3() / (4.0 * std::f64::consts::PI)).cbrt();
    let offset = inner.iter().sum::<f64>() / inner.len() as f64;
    let shape = inner.iter().map(|e| (e - offset).abs()).fold(0.0, f64::max);
    Errors {
        max,
        rms: (sq / n as f64).sqrt(),
        offset,
        shape,
        anoxic_radius,
        expected_rn: rn,
    }
}

/// Moving the boundary from R to R + δ shifts the oxygenated profile by a·R·δ/(3D)
/// everywhere; the staircase moves it by at most δ = h·√3/2.
fn staircase_bound() -> f64 {
    A * R * (H * 3f64.sqrt() / 2.0) / (3.0 * D)
}

/// Measured on CPU and lavapipe (identical): oxygenated max 1.03, rms 0.59, offset
/// −0.58, shape 0.08 mmHg; anoxic max 0.91, rms 0.38, offset −0.29, shape 0.18 mmHg.
/// The shape tolerance catches a 10 % error in D or M (≈ 1.2 mmHg of shape).
fn check_common(e: &Errors) {
    assert!(
        e.offset.abs() <= staircase_bound(),
        "offset {} > {}",
        e.offset,
        staircase_bound()
    );
    assert!(e.shape < 0.25, "shape error {} mmHg", e.shape);
    assert!(e.max < 1.5, "max error {} mmHg", e.max);
    assert!(e.rms < 0.8, "rms error {} mmHg", e.rms);
}

fn check_oxygenated(backend: &mut dyn O2Backend, label: &str) {
    // p0 = 100 mmHg: rl = √(6·D·p0/a) = 283 µm ≥ R; minimum at the centre 81.25 mmHg.
    let e = run(100.0, backend);
    eprintln!(
        "{label} oxygenated: max |error| {:.3} mmHg, rms {:.3}, offset {:.3}, shape {:.3}",
        e.max, e.rms, e.offset, e.shape
    );
    assert_eq!(e.expected_rn, 0.0);
    assert_eq!(e.anoxic_radius, 0.0);
    check_common(&e);
}

fn check_anoxic(backend: &mut dyn O2Backend, label: &str) {
    // p0 = 15 mmHg: rl = 109.5 µm < R, anoxic core rn = 71.7 µm.
    let e = run(15.0, backend);
    eprintln!(
        "{label} anoxic core: max |error| {:.3} mmHg, rms {:.3}, offset {:.3}, shape {:.3}, \
         anoxic radius {:.2} µm vs {:.2} µm",
        e.max, e.rms, e.offset, e.shape, e.anoxic_radius, e.expected_rn
    );
    assert!((e.expected_rn - 71.7).abs() < 0.1);
    // Within one voxel (5 µm), as the issue asks.
    assert!(
        (e.anoxic_radius - e.expected_rn).abs() <= H,
        "anoxic radius {} vs {}",
        e.anoxic_radius,
        e.expected_rn
    );
    check_common(&e);
}

#[test]
fn spheroid_oxygenated_cpu() {
    check_oxygenated(&mut CpuBackend::new(), "cpu");
}

#[test]
fn spheroid_anoxic_core_cpu() {
    check_anoxic(&mut CpuBackend::new(), "cpu");
}

#[test]
fn spheroid_both_regimes_gpu() {
    if let Some(mut gpu) = common::gpu_backend("spheroid_both_regimes_gpu") {
        check_oxygenated(&mut gpu, "gpu");
        check_anoxic(&mut gpu, "gpu");
    }
}
