//! MODEL.md §5.5: at steady state, total supply (vessels, fixed voxels, fixed faces)
//! equals total consumption. Asserted ≤ 1e-3 relative on both backends.

use crate::common;

use oxyfield::backend::cpu::CpuBackend;
use oxyfield::backend::O2Backend;
use oxyfield::metrics::mass_balance;

/// The default scenario's tissue and vessels on a smaller block, with one fixed face.
const SMALL_DEFAULT: &str = r#"
name = "small"
seed = 3
[grid]
shape_zyx = [32, 48, 48]
spacing_um = 10.0
[vessels.synthetic]
density_mm_per_mm3 = 100.0
[boundary]
y_min = 30.0
"#;

fn check(backend: &mut dyn O2Backend, label: &str) {
    let sc = common::scenario(SMALL_DEFAULT, std::path::Path::new("."));
    let (a, po2, report) = common::solve(&sc, backend);
    assert!(report.converged);
    let mb = mass_balance(&a.problem, &po2);
    eprintln!(
        "{label}: supply {:.4e}, consumption {:.4e}, relative error {:.2e}",
        mb.supply, mb.consumption, mb.relative_error
    );
    assert!(mb.consumption > 0.0 && mb.supply > 0.0);
    assert!(mb.relative_error <= 1e-3, "{label}: {mb:?}");
    // Far from steady state the balance is off: the check can fail.
    let uniform = vec![5.0f32; po2.len()];
    assert!(mass_balance(&a.problem, &uniform).relative_error > 1e-2);
}

#[test]
fn mass_balance_cpu() {
    check(&mut CpuBackend::new(), "cpu");
}

#[test]
fn mass_balance_gpu() {
    if let Some(mut gpu) = common::gpu_backend("mass_balance_gpu") {
        check(&mut gpu, "gpu");
    }
}

/// Regression: with zero-order uptake (Km = 0) anoxic voxels at P = 0 consume what
/// reaches them; counting them as consuming nothing left a 9e-3 imbalance in a
/// converged anoxic spheroid.
#[test]
fn mass_balance_counts_zero_order_uptake_in_anoxic_voxels() {
    let toml = r#"
[grid]
shape_zyx = [32, 32, 32]
spacing_um = 10.0
[oxygen]
km_mmhg = 0.0
[[fixed_regions]]
shape = "outside_sphere"
radius_um = 150.0
value_mmhg = 15.0
"#;
    let sc = common::scenario(toml, std::path::Path::new("."));
    let (a, po2, report) = common::solve(&sc, &mut CpuBackend::new());
    assert!(report.converged);
    assert!(po2.contains(&0.0), "the case must have an anoxic core");
    let mb = mass_balance(&a.problem, &po2);
    eprintln!(
        "anoxic spheroid, Km = 0: relative error {:.2e}",
        mb.relative_error
    );
    assert!(mb.relative_error <= 1e-3, "{mb:?}");
}

/// Issue 18, point 19: exchange counts by its sign. A block with no consumption (M = 0)
/// fed by a fixed face at 50 mmHg and drained through vessel walls toward Pb = 0: the
/// drain is uptake, not negative supply. Counting exchange net, supply and drain
/// cancelled and a balanced steady state read "mass balance error 1.0e0".
#[test]
fn vessel_exchange_toward_lower_blood_po2_counts_as_uptake() {
    let grid = oxyfield::grid::Grid::from_shape_zyx([20, 20, 24], 10.0);
    let params = oxyfield::physics::o2::O2Params {
        max_consumption_mmhg_per_s: 0.0,
        ..Default::default()
    };
    let mut problem = oxyfield::problem::O2Problem::uniform(grid, params);
    problem.faces[oxyfield::problem::face::X_MIN] = 50.0;
    for idx in 0..grid.len() {
        if grid.ijk(idx).0 >= 12 {
            problem.sv[idx] = 0.01; // a sink at Pb = 0 in the far half
        }
    }
    let mut cpu = CpuBackend::new();
    oxyfield::solver::load(
        &mut cpu,
        &problem,
        oxyfield::solver::Method::Multigrid,
        &problem.initial_guess(),
    )
    .unwrap();
    let opts = oxyfield::solver::SolveOptions::default();
    let report = oxyfield::solver::solve_steady(&mut cpu, &problem, &opts).unwrap();
    assert!(report.converged, "{report:?}");
    let po2 = cpu.read_o2().unwrap();
    let mb = mass_balance(&problem, &po2);
    eprintln!("{mb:?}");
    assert!(mb.supply > 0.0 && mb.vessel_uptake > 0.0, "{mb:?}");
    assert_eq!(mb.vessel_supply, 0.0);
    assert!((mb.consumption - mb.vessel_uptake).abs() <= 1e-9 * mb.consumption);
    assert!(mb.relative_error <= 1e-4, "{mb:?}");
}
