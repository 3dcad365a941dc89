//! The therapy orchestrator: radiotherapy with the oxygen effect over fractions,
//! reoxygenation after a large fraction, and resuming from a checkpoint.

use crate::common;

use oxyfield::backend::cpu::CpuBackend;
use oxyfield::config::Scenario;
use oxyfield::physics::radiotherapy::LqParams;
use oxyfield::physics::tissue::TissueParams;
use oxyfield::protocol::Protocol;
use oxyfield::therapy::checkpoint::Checkpoint;
use oxyfield::therapy::{run_protocol, RunOptions, TherapyParams, TherapyResult};
use oxyfield::Result;
use std::path::Path;

fn protocol(text: &str) -> Protocol {
    Protocol::from_toml(text, "test protocol", Path::new("."))
        .unwrap_or_else(|e| panic!("test protocol does not parse: {e}"))
}

/// Kinetics off (but the mitotic delay): only the fractions change the viable fraction.
fn frozen() -> TherapyParams {
    TherapyParams {
        lq: LqParams::default(),
        tissue: TissueParams {
            doubling_time_h: 0.0,
            necrosis_rate_per_h: 0.0,
            clearance_half_life_h: 0.0,
            ..TissueParams::default()
        },
        hif: Default::default(),
        ros_kill_per_um_h: 0.0,
    }
}

const FIVE_FRACTIONS: &str = r#"
schema_version = 1
duration = "5d"
time_step = "12h"
[[radiotherapy]]
dose_gy = 2.0
every = "1d"
count = 5
"#;

fn uniform(extra: &str) -> Scenario {
    common::scenario(
        &format!(
            "name = \"uniform\"\n[grid]\nshape_zyx = [6, 6, 6]\nspacing_um = 10.0\n\
             [ros]\nenabled = false\n{extra}"
        ),
        Path::new("."),
    )
}

/// Well-oxygenated (no uptake, faces at 100 mmHg: P = 100 everywhere), no regrowth:
/// k fractions leave S(d, 100 mmHg)^k; anoxic (uptake, no source: P = 0) leaves the
/// anoxic survival to the k-th power.
#[test]
fn fractions_leave_the_lq_survival_to_the_power_k() {
    let oxic = uniform(
        "[oxygen]\nmax_consumption_mmhg_per_s = 0.0\n[boundary]\nx_min = 100.0\nx_max = 100.0\n",
    );
    let anoxic = uniform("");
    let lq = LqParams::default();
    for (sc, p) in [(oxic, 100.0), (anoxic, 0.0)] {
        let mut cpu = CpuBackend::new();
        let r = run_protocol(
            &sc,
            &protocol(FIVE_FRACTIONS),
            &frozen(),
            &mut cpu,
            RunOptions::default(),
        )
        .unwrap();
        let want = lq.survival(2.0, p).powi(5);
        for &n in &r.viable {
            assert!(
                (f64::from(n) / want - 1.0).abs() < 1e-5,
                "n = {n}, S^5 = {want} at {p} mmHg"
            );
        }
        let last = r.rows.last().unwrap();
        assert!((last.time_h - 120.0).abs() < 1e-9);
        assert!(
            (last.log10_cell_kill + want.log10()).abs() < 1e-4,
            "{last:?}"
        );
        // Killed cells are doomed, then dead after the mitotic delay; none cleared.
        let killed = last.dead_fraction + last.doomed_fraction;
        assert!((killed - (1.0 - want)).abs() < 1e-5, "{last:?}");
        assert!(
            last.doomed_fraction > 0.0 && last.dead_fraction > 0.0,
            "{last:?}"
        );
        let fractions = r.rows.iter().filter(|r| r.events.contains("rt")).count();
        assert_eq!(fractions, 5);
    }
}

fn params(sc: &Scenario) -> TherapyParams {
    TherapyParams::of(sc)
}

/// The embedded default scenario on a small grid: 20 × 40 × 40 voxels of 10 µm (the
/// same tissue, vessel density and seed on a 0.4 × 0.4 × 0.2 mm block).
fn small_default() -> Scenario {
    let text = oxyfield::config::DEFAULT_SCENARIO_TOML;
    let small = text.replace("shape_zyx = [64, 128, 128]", "shape_zyx = [20, 40, 40]");
    assert_ne!(small, text, "the default scenario's grid line changed");
    common::scenario(&small, Path::new("."))
}

/// After a single 15 Gy fraction, killed cells stop consuming O2 as they die and the
/// hypoxic fraction of the default scenario (small grid: 21 % below 2.5 mmHg) falls over
/// the following day and stays down for three days. From the scenario as written
/// (`settle = false`): the settled start has fewer cells at the hypoxic margins, whose
/// pO2 then rises sooner (HF 21 % → 4.6 % at 6 h).
#[test]
fn a_large_fraction_reoxygenates_the_default_scenario() {
    let sc = small_default();
    let p = protocol(
        "schema_version = 1\nduration = \"3d\"\ntime_step = \"6h\"\nsettle = false\n\
         [[radiotherapy]]\ndose_gy = 15.0\nat = [\"0h\"]\n",
    );
    let mut cpu = CpuBackend::new();
    let r = run_protocol(&sc, &p, &params(&sc), &mut cpu, RunOptions::default()).unwrap();
    let hf0 = r.rows[0].hypoxic_fraction[1];
    let hf_end = r.rows.last().unwrap().hypoxic_fraction[1];
    assert!(hf0 > 0.05, "the block should start hypoxic: {hf0}");
    // Doomed cells respire until their mitotic death (mean delay 24 h), so the
    // tissue reoxygenates over the day after the fraction rather than at once.
    let at = |h: f64| {
        r.rows
            .iter()
            .find(|row| (row.time_h - h).abs() < 1e-9)
            .unwrap()
            .hypoxic_fraction[1]
    };
    assert!(
        at(6.0) > 0.25 * hf0,
        "HF(<2.5 mmHg) {hf0} → {} at 6 h",
        at(6.0)
    );
    assert!(
        at(24.0) < 0.1 * hf0,
        "HF(<2.5 mmHg) {hf0} → {} at 24 h",
        at(24.0)
    );
    assert!(hf_end < 0.1 * hf0, "HF(<2.5 mmHg) {hf0} → {hf_end}");
    // Monotone over the days after the fraction (regrowth slower than the fall).
    for w in r.rows.windows(2) {
        assert!(
            w[1].hypoxic_fraction[1] <= w[0].hypoxic_fraction[1] + 1e-9,
            "{:?} → {:?}",
            w[0].hypoxic_fraction,
            w[1].hypoxic_fraction
        );
    }
    assert!(r.rows[1].mean_po2_mmhg > r.rows[0].mean_po2_mmhg);
    assert!(r.rows.iter().all(|row| row.mean_ros_um.is_some()));
}

/// A run stopped mid-protocol and resumed from its checkpoint ends with the same
/// timeline (solve times aside) and the same fields, bit for bit, as one that never
/// stopped: CPU backend, ROS on, fractions before and after the stop, a drug dose
/// before and one after, a normalisation window (pruning, then angiogenesis under HIF)
/// and a pro-oxidant window across the stop, a stop between checkpoint times.
#[test]
fn resuming_from_a_checkpoint_gives_identical_results() {
    let sc = common::scenario(
        "name = \"resume\"\nseed = 5\n[grid]\nshape_zyx = [12, 16, 16]\nspacing_um = 10.0\n\
         [vessels.synthetic]\ndensity_mm_per_mm3 = 150.0\n\
         [hif]\nglycolytic_switch = 0.3\nangiogenesis_per_day = 0.3\n",
        Path::new("."),
    );
    let p = protocol(
        "schema_version = 1\nduration = \"4d\"\ntime_step = \"6h\"\n\
         checkpoint_every = \"1d\"\n\
         [[radiotherapy]]\ndose_gy = 3.0\nevery = \"1d\"\ncount = 4\nstart = \"2h\"\n\
         [[drug]]\npreset = \"evofosfamide\"\nat = [\"30h\", \"44h\"]\n\
         [[normalisation]]\nstart = \"10h\"\nend = \"3d\"\n\
         [[prooxidant]]\nstart = \"1d\"\nend = \"2d\"\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let whole = cpu_run(&sc, &p, RunOptions::default()).unwrap();
    assert!(whole.finished);
    let stopped = cpu_run(
        &sc,
        &p,
        RunOptions {
            checkpoint_dir: Some(dir.path()),
            stop_at_s: Some(40.0 * 3600.0),
            ..RunOptions::default()
        },
    )
    .unwrap();
    assert!(!stopped.finished);
    assert!(stopped.time_s >= 40.0 * 3600.0 && stopped.time_s < 48.0 * 3600.0);
    let c = Checkpoint::read(dir.path()).unwrap();
    assert_eq!(c.time_s, stopped.time_s);
    let resumed = cpu_run(
        &sc,
        &p,
        RunOptions {
            checkpoint_dir: Some(dir.path()),
            resume: Some(c),
            ..RunOptions::default()
        },
    )
    .unwrap();
    assert!(resumed.finished);
    assert_same(&whole, &resumed);
    // The final checkpoint holds the end state: resuming it changes nothing.
    let last = Checkpoint::read(dir.path()).unwrap();
    assert_eq!(last.time_s, whole.time_s);
    let again = cpu_run(
        &sc,
        &p,
        RunOptions {
            resume: Some(last),
            ..RunOptions::default()
        },
    )
    .unwrap();
    assert_same(&whole, &again);
    // A checkpoint of another protocol is refused, naming the file.
    let other = protocol(
        "schema_version = 1\nduration = \"4d\"\ntime_step = \"6h\"\n\
         [[radiotherapy]]\ndose_gy = 2.0\nat = [\"2h\"]\n",
    );
    let e = cpu_run(
        &sc,
        &other,
        RunOptions {
            checkpoint_dir: Some(dir.path()),
            resume: Some(Checkpoint::read(dir.path()).unwrap()),
            ..RunOptions::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("checkpoint.bin") && e.contains("different"),
        "{e}"
    );
}

/// `run_protocol` on the CPU backend with the scenario's own parameters.
fn cpu_run(sc: &Scenario, p: &Protocol, options: RunOptions) -> Result<TherapyResult> {
    run_protocol(sc, p, &params(sc), &mut CpuBackend::new(), options)
}

fn assert_same(a: &TherapyResult, b: &TherapyResult) {
    assert_eq!(a.rows.len(), b.rows.len());
    for (x, y) in a.rows.iter().zip(&b.rows) {
        let (mut x, mut y) = (x.clone(), y.clone());
        (x.solve_seconds, y.solve_seconds) = (0.0, 0.0);
        assert_eq!(x, y);
    }
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&a.viable), bits(&b.viable));
    assert_eq!(bits(&a.dead), bits(&b.dead));
    assert_eq!(bits(&a.po2), bits(&b.po2));
    let (ra, rb) = (a.ros.as_ref().unwrap(), b.ros.as_ref().unwrap());
    assert_eq!(bits(&ra.ros), bits(&rb.ros));
    assert_eq!(bits(&ra.gsh), bits(&rb.gsh));
}

/// The same protocol on the GPU backend (lavapipe in CI) and the CPU backend: the tissue
/// kernels differ by f32 rounding (≤ 2e-6 per call, tests/tissue_kernels.rs) and the
/// solves converge to the same tolerance, so the final fields agree to 1e-5 in n, d and
/// l and 1e-2 mmHg in pO2, and the timelines to the same.
#[test]
fn a_protocol_on_the_gpu_matches_the_cpu() {
    let Some(mut gpu) = common::gpu_backend("a_protocol_on_the_gpu_matches_the_cpu") else {
        return;
    };
    let sc = common::scenario(
        "name = \"gpu\"\nseed = 9\n[grid]\nshape_zyx = [12, 16, 20]\nspacing_um = 10.0\n\
         [vessels.synthetic]\ndensity_mm_per_mm3 = 150.0\n",
        Path::new("."),
    );
    let p = protocol(
        "schema_version = 1\nduration = \"2d\"\ntime_step = \"8h\"\n\
         [[radiotherapy]]\ndose_gy = 6.0\nevery = \"1d\"\ncount = 2\n",
    );
    let cpu = cpu_run(&sc, &p, RunOptions::default()).unwrap();
    let gpu = run_protocol(&sc, &p, &params(&sc), &mut gpu, RunOptions::default()).unwrap();
    for (name, a, b, tol) in [
        ("n", &cpu.viable, &gpu.viable, 1e-5),
        ("d", &cpu.dead, &gpu.dead, 1e-5),
        ("l", &cpu.doomed, &gpu.doomed, 1e-5),
        ("pO2", &cpu.po2, &gpu.po2, 1e-2),
    ] {
        let (max, _) = common::diff(a, b);
        assert!(
            max <= tol,
            "{name}: GPU and CPU differ by {max:e} > {tol:e}"
        );
    }
    assert_eq!(cpu.rows.len(), gpu.rows.len());
    for (a, b) in cpu.rows.iter().zip(&gpu.rows) {
        assert_eq!(a.events, b.events);
        assert!(
            (a.viable_fraction - b.viable_fraction).abs() < 1e-5,
            "{a:?} {b:?}"
        );
        assert!(
            (a.mean_po2_mmhg - b.mean_po2_mmhg).abs() < 1e-2,
            "{a:?} {b:?}"
        );
    }
    assert!(cpu.rows.last().unwrap().log10_cell_kill > 0.3);
}
