//! Issue 22.3: `[boundary] medium_um` embeds the block in vessel-free, non-consuming
//! medium (the solver's grid grown on every no-flux face), as Green's-function solvers
//! (GreensV4) put their tissue in an infinite medium. A vessel near a face: the medium
//! carries O2 from the faces beside the vessel to the starved ones, so fewer voxels
//! near the faces are hypoxic than with no-flux; every output and statistic stays on
//! the block and equals a hand crop of the padded solve; the O2 and blood balances
//! hold; GPU and CPU agree. Bad values are in tests/bad_inputs/.

use crate::common;

use glam::DVec3;
use oxyfield::assemble::assemble;
use oxyfield::backend::cpu::CpuBackend;
use oxyfield::backend::O2Backend;
use oxyfield::grid::Grid;
use oxyfield::run::{run_scenario, RunResult};
use oxyfield::vessels::{formats, Network, Segment};
use std::path::Path;

/// The block: 24³ voxels of 10 µm.
const N: usize = 24;
/// 100 µm of medium: 10 voxels on each face.
const M: usize = 10;

/// One vessel of radius 5 µm along y, 35 µm inside the x_min face at mid-height, blood
/// entering at y = 5 µm at 95 mmHg (all of it at 95 mmHg where transport is off) and
/// leaving at the far end.
fn near_face() -> Network {
    let side = 10.0 * N as f64;
    let nodes: Vec<DVec3> = (0..=8)
        .map(|s| DVec3::new(35.0, 5.0 + (side - 10.0) * f64::from(s) / 8.0, side / 2.0))
        .collect();
    let segments = (0..8).map(|s| Segment::new(s, s + 1, 5.0, 40.0)).collect();
    let bc = common::pressure_node;
    Network {
        nodes,
        segments,
        boundary: vec![bc(0, 15.0, Some(95.0)), bc(8, 14.0, None)],
    }
}

/// The scenario with `medium_um` of medium and blood O2 transport `transport`
/// ("on"/"off"), its network written into `dir`.
fn scenario(dir: &Path, medium_um: f64, transport: &str) -> oxyfield::config::Scenario {
    formats::write(&near_face(), &dir.join("near_face.dat"), None).expect("write network");
    common::scenario(
        &format!(
            r#"
name = "near_face"
[grid]
shape_zyx = [{N}, {N}, {N}]
spacing_um = 10.0
[vessels.network]
file = "near_face.dat"
blood_po2_mmhg = 95.0
[vessels.transport]
mode = "{transport}"
tolerance_mmhg = 1e-4
max_iterations = 200
[boundary]
medium_um = {medium_um:?}
[solver]
tolerance = 1e-7
[output]
png_pixels_per_voxel = 2
"#
        ),
        dir,
    )
}

fn run(dir: &Path, medium_um: f64, transport: &str, out: &str) -> RunResult {
    let sc = scenario(dir, medium_um, transport);
    run_scenario(&sc, &mut CpuBackend::new(), &dir.join(out)).expect("run")
}

/// Tissue voxels of the block within `d` voxels of any face.
fn shell(r: &RunResult, d: usize) -> Vec<usize> {
    let p = &r.assembled.problem;
    let g = p.grid;
    (0..g.len())
        .filter(|&i| {
            let (x, y, z) = g.ijk(i);
            let near = |a: usize, n: usize| a < d || a + d >= n;
            p.is_tissue(i) && (near(x, g.nx) || near(y, g.ny) || near(z, g.nz))
        })
        .collect()
}

/// (mean pO2, fraction below 0.5 mmHg) over voxels `at` of `po2`.
fn mean_and_hypoxic(po2: &[f32], at: &[usize]) -> (f64, f64) {
    let n = at.len() as f64;
    let mean = at.iter().map(|&i| f64::from(po2[i])).sum::<f64>() / n;
    let low = at.iter().filter(|&&i| po2[i] < 0.5).count() as f64 / n;
    (mean, low)
}

/// The shape of a `.npy` file.
fn npy_shape(path: &Path) -> Vec<usize> {
    let bytes = std::fs::read(path).unwrap();
    oxyfield::npy::parse_header(&bytes, path).unwrap().shape
}

#[test]
fn a_medium_spares_the_starved_faces_and_outputs_stay_on_the_block() {
    let dir = tempfile::tempdir().unwrap();
    let flux = run(dir.path(), 0.0, "off", "no_flux");
    let med = run(dir.path(), 100.0, "off", "medium");

    // The faces: with no-flux the far faces starve, and the face beside the vessel is
    // fed as if by a mirror vessel beyond it; the medium carries O2 from the one to the
    // others, so fewer voxels near the faces are hypoxic.
    let at = shell(&med, 3);
    assert_eq!(at, shell(&flux, 3), "the same block and tissue");
    let g = med.assembled.problem.grid;
    let (near, far): (Vec<usize>, Vec<usize>) = at.iter().partition(|&&i| g.ijk(i).0 < N / 2);
    let (_, low0) = mean_and_hypoxic(&flux.po2, &at);
    let (_, low1) = mean_and_hypoxic(&med.po2, &at);
    let (near0, _) = mean_and_hypoxic(&flux.po2, &near);
    let (near1, _) = mean_and_hypoxic(&med.po2, &near);
    let (far0, _) = mean_and_hypoxic(&flux.po2, &far);
    let (far1, _) = mean_and_hypoxic(&med.po2, &far);
    eprintln!(
        "within 30 µm of a face, no-flux → medium: below 0.5 mmHg {:.1} % → {:.1} %; mean \
         pO2 on the vessel's half {near0:.2} → {near1:.2}, on the far half {far0:.2} → \
         {far1:.2} mmHg",
        100.0 * low0,
        100.0 * low1
    );
    assert!(low1 < low0 - 0.04, "hypoxic {low0} → {low1}");
    assert!(
        far1 > 2.0 * far0 && far1 > far0 + 0.1,
        "far half {far0} → {far1}"
    );
    assert!(near1 < near0, "the vessel's half {near0} → {near1}");

    // Outputs and statistics are the block's.
    let block = Grid::from_shape_zyx([N; 3], 10.0);
    assert_eq!(med.assembled.problem.grid, block);
    assert_eq!(med.po2.len(), block.len());
    let out = dir.path().join("medium");
    for f in ["o2.npy", "tissue.npy", "vessels_sv.npy", "vessels_pb.npy"] {
        assert_eq!(npy_shape(&out.join(f)), [N; 3], "{f}");
    }
    let vti = std::fs::read_to_string(out.join("fields.vti")).unwrap();
    let extent = format!("WholeExtent=\"0 {0} 0 {0} 0 {0}\"", N - 1);
    assert!(vti.contains(&extent), "fields.vti: {extent}");
    let s = &med.summary;
    assert_eq!(s["grid"]["shape_zyx"], serde_json::json!([N, N, N]));
    let g = &s["grid"]["medium"];
    assert_eq!(g["enabled"], true, "{g}");
    assert_eq!(g["voxels"], M);
    assert_eq!(g["thickness_um"], 100.0);
    assert_eq!(
        g["solver_shape_zyx"],
        serde_json::json!([N + 2 * M, N + 2 * M, N + 2 * M])
    );
    assert_eq!(g["faces"].as_array().unwrap().len(), 6);
    assert_eq!(flux.summary["grid"]["medium"]["enabled"], false);
    assert_eq!(
        s["o2"]["tissue_voxels"], flux.summary["o2"]["tissue_voxels"],
        "the same tissue is counted"
    );

    // …and equal a hand crop of the padded solve.
    let sc = scenario(dir.path(), 100.0, "off");
    let (a, padded, report) = common::solve(&sc, &mut CpuBackend::new());
    assert!(report.converged);
    let solver = a.problem.grid;
    assert_eq!(solver.shape_zyx(), [N + 2 * M; 3]);
    let (mut crop, mut tissue) = (Vec::new(), Vec::new());
    for k in 0..N {
        for j in 0..N {
            for i in 0..N {
                let idx = solver.index(i + M, j + M, k + M);
                crop.push(padded[idx]);
                tissue.push(a.problem.is_tissue(idx));
            }
        }
    }
    // The medium holds no tissue: every tissue voxel of the solve lies in the block.
    let tissue_all = (0..solver.len())
        .filter(|&i| a.problem.is_tissue(i))
        .count();
    assert_eq!(tissue.iter().filter(|&&t| t).count(), tissue_all);
    let (max, _) = common::diff(&crop, &med.po2);
    assert!(max <= 1e-4, "run vs hand crop: {max} mmHg");
    let mut v: Vec<f64> = crop
        .iter()
        .zip(&tissue)
        .filter(|(_, &t)| t)
        .map(|(&p, _)| f64::from(p))
        .collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    assert_eq!(s["o2"]["tissue_voxels"], n);
    let mean = v.iter().sum::<f64>() / n as f64;
    let median = (v[(n - 1) / 2] + v[n / 2]) / 2.0;
    let num = |key: &str| s["o2"][key].as_f64().unwrap();
    assert!((num("mean_mmhg") - mean).abs() < 1e-3, "mean {mean}");
    assert!(
        (num("median_mmhg") - median).abs() < 1e-3,
        "median {median}"
    );
    assert!((num("min_mmhg") - v[0]).abs() < 1e-3);
    for t in [0.5, 2.5, 5.0, 10.0] {
        let frac = v.partition_point(|&x| x < t) as f64 / n as f64;
        let got = s["o2"]["hypoxic_fraction"][format!("lt_{t}")]
            .as_f64()
            .unwrap();
        assert!(
            (got - frac).abs() <= 1.0 / n as f64,
            "lt_{t}: {got} vs {frac}"
        );
    }
}

#[test]
fn a_medium_keeps_the_wall_flux_balance() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(dir.path(), 100.0, "on", "out");
    let t = &r.summary["vessels"]["transport"];
    assert_eq!(
        (&t["enabled"], &t["converged"]),
        (&true.into(), &true.into())
    );
    let nl = |k: &str| t[k].as_f64().unwrap();
    let (inflow, outflow, consumed) = (
        nl("o2_inflow_nl_per_min"),
        nl("o2_outflow_nl_per_min"),
        nl("o2_consumed_nl_per_min"),
    );
    // Σ blood loss = Σ tissue gain through the walls = consumption (the medium neither
    // takes nor gives, and no face or region supplies).
    let blood_loss = inflow - outflow;
    eprintln!(
        "blood loses {blood_loss:.5e} nl O2/min, tissue consumes {consumed:.5e}; balances: \
         blood {:.1e}, O2 {:.1e}",
        nl("balance_relative_error"),
        r.mass.relative_error
    );
    assert!(nl("balance_relative_error") < 1e-4, "{t}");
    assert!(r.mass.relative_error < 1e-4, "{:?}", r.mass);
    assert!((blood_loss - consumed).abs() < 1e-3 * blood_loss, "{t}");
    let wall_net = r.mass.vessel_supply - r.mass.vessel_uptake;
    assert!((wall_net - r.mass.consumption).abs() < 1e-4 * r.mass.consumption);
    // The medium carries O2 from face to face, and gives back what it takes.
    let e = r.medium_exchange.expect("a medium");
    eprintln!(
        "through the medium: {:.4e} out of the block, {:.4e} back, supply {:.4e} \
         mmHg·µm³/s",
        e.out_of_block, e.into_block, r.mass.supply
    );
    assert!(e.out_of_block > 1e-3 * r.mass.supply, "{e:?}");
    assert!(
        (e.out_of_block - e.into_block).abs() < 1e-4 * r.mass.supply,
        "{e:?}"
    );
    let g = &r.summary["grid"]["medium"];
    assert_eq!(g["exchange_out_of_block"].as_f64(), Some(e.out_of_block));
}

#[test]
fn a_medium_solves_alike_on_gpu_and_cpu() {
    let Some(mut gpu) = common::gpu_backend("a_medium_solves_alike_on_gpu_and_cpu") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario(dir.path(), 100.0, "off");
    // The whole solver grid, medium included, within the converged-field bound of
    // gpu_vs_cpu.rs (1e-3 mmHg).
    let (a, cpu_field, _) = common::solve(&sc, &mut CpuBackend::new());
    let (_, gpu_field, report) = common::solve(&sc, &mut gpu);
    assert!(report.converged);
    let (max, mean) = common::diff(&cpu_field, &gpu_field);
    eprintln!("padded 44³ solve, GPU vs CPU: max {max:.2e}, mean {mean:.2e} mmHg");
    assert!(max <= 1e-3, "{max}");
    let balance = oxyfield::metrics::mass_balance(&a.problem, &gpu_field);
    assert!(balance.relative_error < 1e-4, "{balance:?}");
    // A run on each: the block's field and its statistics.
    let c = run_scenario(&sc, &mut CpuBackend::new(), &dir.path().join("cpu")).unwrap();
    let g = run_scenario(&sc, &mut gpu, &dir.path().join("gpu")).unwrap();
    let (max, _) = common::diff(&c.po2, &g.po2);
    assert!(max <= 1e-3, "run: {max}");
    assert!((c.stats.mean - g.stats.mean).abs() < 1e-3);
    assert_eq!(
        g.summary["grid"]["shape_zyx"],
        c.summary["grid"]["shape_zyx"]
    );
}

/// A fixed face is not grown: its value stays at the block's face; the medium grows on
/// the others, and a medium with every face fixed adds nothing.
#[test]
fn a_fixed_face_keeps_its_value_at_the_block() {
    let dir = tempfile::tempdir().unwrap();
    let text = |faces: &str| {
        format!(
            "[grid]\nshape_zyx = [8, 6, 4]\nspacing_um = 10.0\n[boundary]\nmedium_um = 25.0\n\
             {faces}"
        )
    };
    let sc = common::scenario(&text("x_min = 40.0\n"), dir.path());
    let m = sc.medium().expect("a medium");
    assert_eq!(m.margin, [0, 3, 3, 3, 3, 3]);
    let a = assemble(&sc).unwrap();
    assert_eq!(a.problem.grid.shape_zyx(), [14, 12, 7]);
    assert_eq!(a.problem.faces[0], 40.0);
    assert!(
        a.problem.faces[1..].iter().all(|&f| f < 0.0),
        "no-flux outside"
    );
    let all = "x_min = 1.0\nx_max = 1.0\ny_min = 1.0\ny_max = 1.0\nz_min = 1.0\nz_max = 1.0\n";
    let sc = common::scenario(&text(all), dir.path());
    assert!(sc.medium().is_none());
    assert_eq!(assemble(&sc).unwrap().problem.grid, sc.grid());
}

/// Protocols are refused with a medium (their state stays on the block): a clear error
/// that names the key and the fix, whichever way the protocol comes.
#[test]
fn a_protocol_with_a_medium_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario(dir.path(), 50.0, "off");
    let p = common::protocol("schema_version = 1\nduration = \"1d\"\n");
    let params = oxyfield::therapy::TherapyParams::of(&sc);
    let e = oxyfield::therapy::run_protocol(
        &sc,
        &p,
        &params,
        &mut CpuBackend::new() as &mut dyn O2Backend,
        Default::default(),
    )
    .map(|_| ())
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("test scenario")
            && e.contains("`boundary.medium_um`")
            && e.contains("set it to 0"),
        "{e}"
    );
}
