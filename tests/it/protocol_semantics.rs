//! Protocol semantics a radiobiologist relies on (issue 18): tissue drug decays with
//! the plasma between doses, a timeline row lists the events at its own time,
//! fractions of several courses at one time are one fraction, overlapping windows
//! are refused or combined as documented, a protocol without events kills nothing,
//! and a run stopped with `--until` leaves its outputs so far, marked partial.

use crate::common;

use oxyfield::backend::cpu::CpuBackend;
use oxyfield::config::Scenario;
use oxyfield::physics::radiotherapy::LqParams;
use oxyfield::physics::tissue::TissueParams;
use oxyfield::protocol::Protocol;
use oxyfield::therapy::{run_protocol, RunOptions, TherapyParams, TherapyResult};
use std::path::Path;
use std::process::Command;

fn protocol(text: &str) -> Protocol {
    Protocol::from_toml(text, "test protocol", Path::new("."))
        .unwrap_or_else(|e| panic!("test protocol does not parse: {e}"))
}

fn run(sc: &Scenario, p: &Protocol, params: &TherapyParams) -> TherapyResult {
    run_protocol(sc, p, params, &mut CpuBackend::new(), RunOptions::default()).unwrap()
}

/// A block with vessels (ROS off), as in tests/interventions.rs.
fn block() -> Scenario {
    common::scenario(
        "name = \"sem\"\nseed = 6\n[grid]\nshape_zyx = [12, 24, 24]\nspacing_um = 10.0\n\
         [vessels.synthetic]\ndensity_mm_per_mm3 = 120.0\n[ros]\nenabled = false\n",
        Path::new("."),
    )
}

/// Uniform and well oxygenated (no uptake, faces at 100 mmHg), kinetics off but the
/// mitotic delay: only the fractions change n.
fn oxic() -> (Scenario, TherapyParams) {
    let sc = common::scenario(
        "name = \"oxic\"\n[grid]\nshape_zyx = [6, 6, 6]\nspacing_um = 10.0\n[ros]\n\
         enabled = false\n[oxygen]\nmax_consumption_mmhg_per_s = 0.0\n[boundary]\n\
         x_min = 100.0\nx_max = 100.0\n",
        Path::new("."),
    );
    let params = TherapyParams {
        lq: LqParams::default(),
        tissue: TissueParams {
            doubling_time_h: 0.0,
            necrosis_rate_per_h: 0.0,
            clearance_half_life_h: 0.0,
            ..TissueParams::default()
        },
        hif: Default::default(),
        ros_kill_per_um_h: 0.0,
    };
    (sc, params)
}

/// One evofosfamide dose: after the peak the tissue level falls every hour, at the
/// plasma's pace (mean/plasma within 20 % of its value at 9 h), down to 1e-6 of the
/// peak by 24 h; the exposure keeps growing, if slightly. Before the fix the tissue
/// level froze from about 9 h on (one value to the end).
#[test]
fn tissue_drug_falls_with_the_plasma_after_a_dose() {
    let sc = block();
    let p = protocol(
        "schema_version = 1\nduration = \"24h\"\n[[drug]]\npreset = \"evofosfamide\"\n\
         at = [\"0h\"]\n",
    );
    let r = run(&sc, &p, &TherapyParams::of(&sc));
    let d = |h: usize| &r.rows[h].drugs[0];
    assert_eq!(r.rows.len(), 25);
    let ratio9 = d(9).mean_um / d(9).plasma_um;
    assert!(
        ratio9 > 0.5 && ratio9 < 2.0,
        "tissue/plasma at 9 h: {ratio9}"
    );
    for h in 2..24 {
        let (a, b) = (d(h), d(h + 1));
        assert!(b.mean_um < a.mean_um, "{h} h → {} h: {a:?} → {b:?}", h + 1);
        assert!(b.exposure_um_h >= a.exposure_um_h, "{a:?} → {b:?}");
        if h >= 9 {
            let ratio = b.mean_um / b.plasma_um;
            assert!(
                (ratio / ratio9 - 1.0).abs() < 0.2,
                "tissue/plasma {ratio} at {} h, {ratio9} at 9 h",
                h + 1
            );
        }
    }
    let peak = (1..25).map(|h| d(h).mean_um).fold(0.0, f64::max);
    assert!(d(24).mean_um < 1e-6 * peak, "{:?} (peak {peak})", d(24));
    assert!(d(24).exposure_um_h > d(10).exposure_um_h);
}

/// The relative residual a drug step late after a dose can reach in float32 is above
/// 1e-6 (the scenario's tolerance): the solve stops at that floor and converges
/// instead of stagnating (before the fix: ~30 "drug solve stagnated" warnings per
/// dose on a 32 × 64 × 64 block).
#[test]
fn a_late_drug_step_converges_at_its_float32_floor() {
    use oxyfield::drugs::problem::implicit_step;
    let sc = block();
    let a = oxyfield::assemble::assemble(&sc).unwrap();
    let o2 = &a.problem;
    // 0.02 µM left in tissue, plasma 10× lower, a 120 s step (evofosfamide's).
    let old = vec![0.02f32; o2.grid.len()];
    let step = implicit_step(
        o2,
        18.2,
        &old,
        120.0,
        0.0,
        |i| 10.0 * f64::from(o2.sv[i]),
        |i| 10.0 * f64::from(o2.sv[i]) * 0.002,
    );
    let floor = oxyfield::drugs::floor_tolerance(&step, &old);
    assert!(floor > 1e-6 && floor < 1e-3, "floor {floor:e}");
    let mut opts = sc.solve_options();
    opts.field = oxyfield::solver::SolvedField::Drug;
    opts.tolerance = opts.tolerance.max(floor);
    let mut cpu = CpuBackend::new();
    oxyfield::solver::load(&mut cpu, &step, opts.method, &old).unwrap();
    let report = oxyfield::solver::solve_steady(&mut cpu, &step, &opts).unwrap();
    assert!(report.converged, "{report:?}");
    assert!(report.iterations < 20, "{report:?}");
}

/// A row shows what happened at its time: the fraction at 0 h is in the row
/// `time_h = 0` (whose values are from just before it), its kill shows from the next
/// row; a window opening at 2 h is in the row `time_h = 2`, and the last row lists
/// the window closing at the end.
#[test]
fn a_timeline_row_lists_the_events_at_its_time() {
    let (sc, params) = oxic();
    let p = protocol(
        "schema_version = 1\nduration = \"4h\"\n[[radiotherapy]]\ndose_gy = 2.0\n\
         at = [\"0h\"]\n[[hif_inhibitor]]\nstart = \"2h\"\nend = \"4h\"\n",
    );
    let r = run(&sc, &p, &params);
    let events: Vec<(f64, &str)> = r
        .rows
        .iter()
        .map(|r| (r.time_h, r.events.as_str()))
        .collect();
    assert_eq!(
        events,
        vec![
            (0.0, "rt 2 Gy"),
            (1.0, ""),
            (2.0, "hif_inhibitor on"),
            (3.0, ""),
            (4.0, "hif_inhibitor off")
        ]
    );
    let s = LqParams::default().survival(2.0, 100.0);
    assert_eq!(r.rows[0].viable_fraction, 1.0);
    assert!(
        (r.rows[1].viable_fraction / s - 1.0).abs() < 1e-5,
        "{:?}",
        r.rows[1]
    );
}

/// Two courses with a fraction at the same time are one fraction of the summed dose
/// (before: 2 + 2 Gy gave S(2)², not S(4)); `check` says so; fractions that overlap
/// without starting together are refused, naming both courses.
#[test]
fn fractions_of_two_courses_at_one_time_are_one_fraction() {
    let (sc, params) = oxic();
    let two = protocol(
        "schema_version = 1\nduration = \"2h\"\n[[radiotherapy]]\ndose_gy = 2.0\n\
         at = [\"0h\"]\n[[radiotherapy]]\ndose_gy = 2.0\nat = [\"0h\"]\n",
    );
    let one = protocol(
        "schema_version = 1\nduration = \"2h\"\n[[radiotherapy]]\ndose_gy = 4.0\n\
         at = [\"0h\"]\n",
    );
    let (a, b) = (run(&sc, &two, &params), run(&sc, &one, &params));
    let s4 = LqParams::default().survival(4.0, 100.0);
    for (x, y) in a.viable.iter().zip(&b.viable) {
        assert!(
            (f64::from(*x) / s4 - 1.0).abs() < 1e-5,
            "{x} vs S(4) = {s4}"
        );
        assert_eq!(x, y);
    }
    assert_eq!(a.rows[0].events, "rt 4 Gy (2 + 2 Gy)");
    let text = two.timeline_text();
    assert!(text.contains("one fraction of 4 Gy"), "{text}");
    assert!(text.contains("the doses adding per voxel"), "{text}");

    let e = Protocol::from_toml(
        "schema_version = 1\nduration = \"2h\"\n[[radiotherapy]]\ndose_gy = 2.0\n\
         at = [\"0h\"]\nfraction_minutes = 10\n[[radiotherapy]]\ndose_gy = 2.0\n\
         at = [\"5min\"]\n",
        "overlap.toml",
        Path::new("."),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("overlap.toml")
            && e.contains("radiotherapy[1]")
            && e.contains("radiotherapy[0]")
            && e.contains("still being delivered"),
        "{e}"
    );
}

/// Overlapping normalisation windows are refused, naming both (before: two prunings,
/// factors multiplied); overlapping windows of the other kinds combine, and `check`
/// says where and how.
#[test]
fn overlapping_windows_are_refused_or_shown_combined() {
    let e = Protocol::from_toml(
        "schema_version = 1\nduration = \"1d\"\n[[normalisation]]\nstart = \"1h\"\n\
         end = \"10h\"\n[[normalisation]]\nstart = \"5h\"\nend = \"20h\"\n",
        "norm.toml",
        Path::new("."),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("norm.toml")
            && e.contains("`normalisation[1]`")
            && e.contains("overlapping normalisation[0]")
            && e.contains("give one window from d 0 01:00 to d 0 20:00"),
        "{e}"
    );
    // Back to back is not an overlap.
    protocol(
        "schema_version = 1\nduration = \"1d\"\n[[normalisation]]\nstart = \"1h\"\n\
         end = \"10h\"\n[[normalisation]]\nstart = \"10h\"\nend = \"20h\"\n",
    );
    let p = protocol(
        "schema_version = 1\nduration = \"1d\"\n[[hif_inhibitor]]\nstart = \"1h\"\n\
         end = \"10h\"\n[[hif_inhibitor]]\nstart = \"5h\"\nend = \"20h\"\n",
    );
    let text = p.timeline_text();
    assert!(
        text.contains("start: the scenario's untreated tissue settled to rest"),
        "{text}"
    );
    assert!(
        text.contains(
            "hif_inhibitor[0] and hif_inhibitor[1] are open together from d 0 05:00 to \
             d 0 10:00: their effects combine"
        ),
        "{text}"
    );
}

/// The embedded default scenario on a 20 × 40 × 40 grid (as in tests/therapy.rs).
fn small_default() -> Scenario {
    let text = oxyfield::config::DEFAULT_SCENARIO_TOML;
    let small = text.replace("shape_zyx = [64, 128, 128]", "shape_zyx = [20, 40, 40]");
    assert_ne!(small, text, "the default scenario's grid line changed");
    common::scenario(&small, Path::new("."))
}

/// A protocol without events kills nothing: t = 0 is the untreated tissue settled to
/// rest, so over 12 days the viable fraction does not fall (by more than 1e-3 of
/// itself) and |log10 kill| stays below 2e-3 (what is left is slow regrowth). With
/// `settle = false` (the old start) the untreated necrosis counts as kill: 0.03.
#[test]
fn a_protocol_without_events_shows_no_kill() {
    let sc = small_default();
    let text = "schema_version = 1\nduration = \"12d\"\ntime_step = \"12h\"\n";
    let settled = run(&sc, &protocol(text), &TherapyParams::of(&sc));
    let (first, last) = (&settled.rows[0], settled.rows.last().unwrap());
    for r in &settled.rows {
        assert!(
            r.viable_fraction >= first.viable_fraction * (1.0 - 1e-3),
            "{r:?} vs {first:?}"
        );
        assert!(r.log10_cell_kill.abs() < 2e-3, "{r:?}");
    }
    assert!(first.viable_fraction < 0.99, "settled: {first:?}");
    let raw = run(
        &sc,
        &protocol(&format!("{text}settle = false\n")),
        &TherapyParams::of(&sc),
    );
    assert_eq!(raw.rows[0].viable_fraction, 1.0);
    let kill = raw.rows.last().unwrap().log10_cell_kill;
    assert!(kill > 0.01, "unsettled kill {kill}");
    assert!(last.log10_cell_kill < 0.1 * kill);
}

fn oxyfield() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_oxyfield"));
    c.env("RUST_LOG", "warn");
    c
}

/// `--until` writes the timeline, the fields and `summary.json` so far, marked
/// `"partial": true` with `"stopped_at_h"`; `--resume` then finishes with a complete
/// summary. Windows are JSON objects in `summary.json` (before: Rust debug text).
#[test]
fn until_writes_partial_outputs_and_windows_are_json_objects() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.toml");
    std::fs::write(
        &scenario,
        "name = \"p\"\nseed = 3\n[grid]\nshape_zyx = [8, 12, 12]\nspacing_um = 10.0\n\
         [ros]\nenabled = false\n[output]\npng = false\n[figures]\nmontage = false\n\
         plots = false\nanimation = false\n[protocol]\nschema_version = 1\n\
         duration = \"12h\"\ntime_step = \"4h\"\n[[protocol.radiotherapy]]\ndose_gy = 2.0\n\
         at = [\"0h\", \"8h\"]\n[[protocol.normalisation]]\nstart = \"4h\"\nend = \"12h\"\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let go = |extra: &[&str]| {
        let o = oxyfield()
            .arg("run")
            .arg(&scenario)
            .args(["--backend", "cpu", "--out"])
            .arg(&out)
            .args(extra)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let summary = || -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap()
    };
    let said = go(&["--until", "5h"]);
    assert!(
        said.contains("stopped at t = 8.0 h") && said.contains("partial"),
        "{said}"
    );
    let s = summary();
    assert_eq!(s["partial"], true);
    assert_eq!(s["stopped_at_h"], 8.0);
    assert_eq!(s["end"]["time_h"], 8.0);
    assert!(out.join("o2.npy").exists() && out.join("checkpoint.bin").exists());
    let csv = std::fs::read_to_string(out.join("timeline.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 3, "{csv}");
    let w = &s["windows"][0];
    assert_eq!(w["kind"], "normalisation");
    assert_eq!(w["effect"]["perfusion_factor"], 1.3);
    assert_eq!(w["effect"]["prune_fraction"], 0.3);
    assert!(w["effect"].is_object(), "{w}");

    go(&["--resume"]);
    let s = summary();
    assert_eq!(s["partial"], false);
    assert!(s["stopped_at_h"].is_null());
    assert_eq!(s["end"]["time_h"], 12.0);
    let csv = std::fs::read_to_string(out.join("timeline.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 4, "{csv}");
}
