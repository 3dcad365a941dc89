//! The therapy orchestrator: radiotherapy with the oxygen effect over fractions, and
//! reoxygenation after a large fraction.

mod common;

use oxyfield::backend::cpu::CpuBackend;
use oxyfield::config::Scenario;
use oxyfield::physics::radiotherapy::LqParams;
use oxyfield::physics::tissue::TissueParams;
use oxyfield::protocol::Protocol;
use oxyfield::therapy::{run_protocol, TherapyParams};
use std::path::Path;

fn protocol(text: &str) -> Protocol {
    Protocol::from_toml(text, "test protocol", Path::new("."))
        .unwrap_or_else(|e| panic!("test protocol does not parse: {e}"))
}

/// Kinetics off: only the fractions change the viable fraction.
fn frozen() -> TherapyParams {
    TherapyParams {
        lq: LqParams::default(),
        tissue: TissueParams {
            doubling_time_h: 0.0,
            necrosis_rate_per_h: 0.0,
            clearance_half_life_h: 0.0,
            ..TissueParams::default()
        },
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
        let r = run_protocol(&sc, &protocol(FIVE_FRACTIONS), &frozen(), &mut cpu, None).unwrap();
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
        assert!((last.dead_fraction - (1.0 - want)).abs() < 1e-5);
        let fractions = r.rows.iter().filter(|r| r.events.contains("rt")).count();
        assert_eq!(fractions, 5);
    }
}

/// After a single 15 Gy fraction, killed cells stop consuming O2 and the hypoxic
/// fraction of a vascularised block falls over the following days.
#[test]
fn a_large_fraction_reoxygenates_the_tissue() {
    let sc = common::scenario(
        "name = \"reox\"\nseed = 4\n[grid]\nshape_zyx = [24, 24, 24]\nspacing_um = 10.0\n\
         [vessels.synthetic]\ndensity_mm_per_mm3 = 120.0\n",
        Path::new("."),
    );
    let p = protocol(
        "schema_version = 1\nduration = \"3d\"\ntime_step = \"12h\"\n\
         [[radiotherapy]]\ndose_gy = 15.0\nat = [\"0h\"]\n",
    );
    let params = TherapyParams {
        lq: sc.spec.radiotherapy.lq(),
        tissue: sc.spec.tissue.kinetics(),
    };
    let mut cpu = CpuBackend::new();
    let r = run_protocol(&sc, &p, &params, &mut cpu, None).unwrap();
    let hf0 = r.rows[0].hypoxic_fraction[1];
    let hf_end = r.rows.last().unwrap().hypoxic_fraction[1];
    assert!(hf0 > 0.05, "the block should start hypoxic: {hf0}");
    assert!(hf_end < 0.5 * hf0, "HF(<2.5 mmHg) {hf0} → {hf_end}");
    assert!(r.rows[1].mean_po2_mmhg > r.rows[0].mean_po2_mmhg);
    assert!(r.rows.iter().all(|row| row.mean_ros_um.is_some()));
}
