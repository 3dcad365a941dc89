//! The real `oxyfield` binary in temporary folders: outputs are well-formed, and bad
//! input gets exit code 2 with a message that names the file and the key.

use crate::common::{oxyfield, run_cpu};
use std::path::Path;

const SMALL: &str = r#"
name = "small"
seed = 5
[grid]
shape_zyx = [12, 20, 24]
spacing_um = 10.0
[vessels.synthetic]
density_mm_per_mm3 = 150.0
[output]
png_pixels_per_voxel = 3
"#;

/// Reads a .npy header: (descr, fortran_order, shape, data length in bytes).
fn npy_header(path: &Path) -> (String, bool, Vec<usize>, usize) {
    let bytes = std::fs::read(path).unwrap();
    let h = oxyfield::npy::parse_header(&bytes, path).unwrap();
    (
        h.descr,
        h.fortran_order,
        h.shape,
        bytes.len() - h.data_offset,
    )
}

#[test]
fn run_writes_npy_summary_and_pngs() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("small.toml");
    std::fs::write(&scenario, SMALL).unwrap();
    let out = dir.path().join("out");
    let status = run_cpu(&scenario, &out);
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    // Every field in one .vti for ParaView, equal to the .npy arrays.
    let (grid, arrays) = oxyfield::output::vti::read_vti(&out.join("fields.vti")).unwrap();
    assert_eq!(grid.shape_zyx(), [12, 20, 24]);
    let names: Vec<&str> = arrays.iter().map(|a| a.0.as_str()).collect();
    for n in ["o2 [mmHg]", "vessels_sv [1/um]", "ros [uM]", "gsh [mM]"] {
        assert!(names.contains(&n), "{names:?}");
    }
    let o2 = oxyfield::npy::read_field(&out.join("o2.npy"), &grid).unwrap();
    assert_eq!(arrays[0].1, o2);

    for (name, units) in [
        ("o2", "mmHg"),
        ("vessels_sv", "1/um"),
        ("ros", "uM"),
        ("gsh", "mM"),
    ] {
        let (descr, fortran, shape, data) = npy_header(&out.join(format!("{name}.npy")));
        assert_eq!(descr, "<f4");
        assert!(!fortran);
        assert_eq!(shape, vec![12, 20, 24]);
        assert_eq!(data, 12 * 20 * 24 * 4);
        let side: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join(format!("{name}.json"))).unwrap())
                .unwrap();
        assert_eq!(side["shape"], serde_json::json!([12, 20, 24]));
        assert_eq!(side["axis_order"], "zyx");
        assert_eq!(side["spacing_um"], serde_json::json!([10.0, 10.0, 10.0]));
        assert_eq!(side["units"], units);
    }

    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    let get = |path: &str| {
        let mut v = &s;
        for key in path.split('/') {
            v = v
                .get(key)
                .unwrap_or_else(|| panic!("summary.json lacks {path}"));
        }
        v.clone()
    };
    for key in [
        "oxyfield_version",
        "scenario",
        "grid/shape_zyx",
        "grid/spacing_um",
        "backend",
        "adapter",
        "solver/method",
        "solver/iterations",
        "solver/residual",
        "solver/converged",
        "solver/seconds",
        "o2/mean_mmhg",
        "o2/median_mmhg",
        "o2/min_mmhg",
        "o2/max_mmhg",
        "o2/hypoxic_fraction/lt_0.5",
        "o2/hypoxic_fraction/lt_2.5",
        "o2/hypoxic_fraction/lt_5",
        "o2/hypoxic_fraction/lt_10",
        "mass_balance/supply",
        "mass_balance/consumption",
        "mass_balance/relative_error",
        "ros/mean_um",
        "ros/p95_um",
        "ros/max_um",
        "ros/damage_threshold_um",
        "ros/damage_fraction",
        "ros/balance/relative_error",
        "ros/solver/converged",
        "gsh/mean_mm",
        "parameters/ros/gsh_baseline_mm",
    ] {
        get(key);
    }
    let ros = |k: &str| get(&format!("ros/{k}")).as_f64().unwrap();
    assert!(0.0 < ros("mean_um") && ros("mean_um") <= ros("p95_um"));
    assert!(ros("p95_um") <= ros("max_um"));
    assert!(ros("balance/relative_error") <= 1e-3);
    assert_eq!(get("ros/solver/converged"), true);
    let gsh = get("gsh/mean_mm").as_f64().unwrap();
    assert!(gsh > 0.0 && gsh <= 6.5, "{gsh}");
    assert_eq!(get("scenario"), "small");
    assert_eq!(get("backend"), "cpu");
    assert_eq!(get("grid/shape_zyx"), serde_json::json!([12, 20, 24]));
    assert_eq!(get("solver/converged"), true);
    assert!(get("mass_balance/relative_error").as_f64().unwrap() <= 1e-3);
    let fractions: Vec<f64> = ["lt_0.5", "lt_2.5", "lt_5", "lt_10"]
        .iter()
        .map(|k| get(&format!("o2/hypoxic_fraction/{k}")).as_f64().unwrap())
        .collect();
    assert!(fractions.windows(2).all(|w| w[0] <= w[1]), "{fractions:?}");
    let (min, med, max) = (
        get("o2/min_mmhg").as_f64().unwrap(),
        get("o2/median_mmhg").as_f64().unwrap(),
        get("o2/max_mmhg").as_f64().unwrap(),
    );
    assert!(
        min <= med && med <= max && max <= 50.0 + 1e-3,
        "{min} {med} {max}"
    );

    // Figures: the panel at 3 px per voxel plus a colorbar, labels and margins.
    for (plane, w, h) in [("xy", 24, 20), ("xz", 24, 12), ("yz", 20, 12)] {
        for field in ["o2", "ros", "gsh"] {
            let img = image::open(out.join(format!("{field}_{plane}.png"))).unwrap();
            assert!(
                img.width() > w * 3 + 40 && img.height() >= h * 3,
                "{field} {plane}: {}×{}",
                img.width(),
                img.height()
            );
        }
    }
    assert!(std::fs::read_dir(&out).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .ends_with(".partial")));
}

/// Runs the binary on `toml` (written as bad.toml) and returns (exit code, stderr).
fn run_bad(toml: &str, extra: &[(&str, &[u8])]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("bad.toml");
    std::fs::write(&scenario, toml).unwrap();
    for (name, bytes) in extra {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let out = run_cpu(&scenario, &dir.path().join("out"));
    assert!(!dir.path().join("out").join("summary.json").exists());
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn unknown_key_names_key_and_file() {
    let (code, err) = run_bad(
        &SMALL.replace("[oxygen]", "").replace(
            "seed = 5",
            "seed = 5\n[oxygen]\ndifusivity_um2_per_s = 2000.0",
        ),
        &[],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("bad.toml") && err.contains("difusivity_um2_per_s"),
        "{err}"
    );
    assert!(err.contains("line"), "{err}");
}

#[test]
fn out_of_range_value_names_key() {
    let (code, err) = run_bad(
        &SMALL.replace("spacing_um = 10.0", "spacing_um = -1.0"),
        &[],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("bad.toml") && err.contains("grid.spacing_um"),
        "{err}"
    );
}

#[test]
fn ros_without_a_sink_is_refused_with_the_key_and_the_fix() {
    let (code, err) = run_bad(&format!("{SMALL}\n[ros]\nloss_rate_per_s = 0.0\n"), &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("bad.toml") && err.contains("ros.loss_rate_per_s") && err.contains("0.01"),
        "{err}"
    );
}

#[test]
fn npy_of_wrong_shape_names_file_and_shapes() {
    let sv = oxyfield::npy::encode_f32(&[0.0; 8], &[2, 2, 2]);
    let toml = r#"
[grid]
shape_zyx = [2, 2, 3]
spacing_um = 10.0
[vessels.npy]
sv = "sv.npy"
pb = "sv.npy"
"#;
    let (code, err) = run_bad(toml, &[("sv.npy", &sv)]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("sv.npy") && err.contains("[2, 2, 2]") && err.contains("[2, 2, 3]"),
        "{err}"
    );
}

#[test]
fn missing_scenario_file_is_an_error_not_a_panic() {
    let out = oxyfield()
        .args(["run", "/nonexistent/x.toml"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("/nonexistent/x.toml") && !err.contains("panicked"),
        "{err}"
    );
}

#[test]
fn every_asset_scenario_parses_and_assembles() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/scenarios");
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let sc = oxyfield::config::Scenario::load(&p).unwrap_or_else(|e| panic!("{e}"));
            let a = oxyfield::assemble::assemble(&sc).unwrap_or_else(|e| panic!("{e}"));
            // The solver's grid: the block, grown by its medium when one is set.
            assert_eq!(a.problem.grid, sc.solver_grid());
            assert_eq!(sc.grid().shape_zyx(), sc.spec.grid.shape_zyx);
            n += 1;
        }
    }
    assert!(n >= 2);
    let d = oxyfield::config::Scenario::embedded_default().unwrap();
    let e = d.grid().extent_um();
    assert_eq!((e.x, e.y, e.z), (1280.0, 1280.0, 640.0));
}

#[test]
fn bench_writes_json_with_adapter_date_and_rows() {
    // A contract test of the output, not a timing test: tiny sizes, CPU backend.
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("bench.json");
    let out = oxyfield()
        .args(["bench", "--sizes", "8,12", "--backend", "cpu", "--json"])
        .arg(&json)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("MG cycles") && stdout.contains("12³"),
        "{stdout}"
    );
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(doc["backend"], "cpu");
    assert!(doc["adapter"].as_str().unwrap().contains("CPU"));
    // The row kernels the CPU figures come from: this CPU's widest (the binary never
    // narrows them), named in the output.
    let kernels = oxyfield::backend::cpu::fast::rows::widest_available();
    assert_eq!(doc["cpu_kernels"], kernels);
    assert!(
        stdout.contains(&format!("CPU row kernels: {kernels}")),
        "{stdout}"
    );
    assert!(doc["date_utc"].as_str().unwrap().ends_with('Z'));
    let sizes = doc["sizes"].as_array().unwrap();
    assert_eq!(sizes.len(), 2);
    for row in sizes {
        assert_eq!(row["multigrid"]["converged"], true);
        assert_eq!(row["rbsor"]["converged"], true);
        assert!(row["smooth_gcells_per_s"].as_f64().unwrap() > 0.0);
        assert!(row["copy_gb_per_s"].as_f64().unwrap() > 0.0);
        assert!(row["bandwidth_ratio"].as_f64().unwrap() > 0.0);
        assert_eq!(row["ros"]["converged"], true);
        assert!(row["ros"]["gsh_iterations"].as_u64().unwrap() >= 1);
    }
    let bad = oxyfield().args(["bench", "--sizes", "2"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--sizes"));
}

#[test]
fn validate_prints_table_writes_json_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("validate.json");
    let out = oxyfield()
        .args(["validate", "--quick", "--backend", "cpu", "--json"])
        .arg(&json)
        .env("VK_DRIVER_FILES", "/nonexistent.json") // no GPU: the agreement case skips
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("spheroid-anoxic") && stdout.contains("tolerance"),
        "{stdout}"
    );
    assert!(stdout.contains(" 0 failed"), "{stdout}");
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(doc["mode"], "quick");
    assert_eq!(doc["backend"], "cpu");
    let checks = doc["checks"].as_array().unwrap();
    assert!(checks.iter().all(|c| c["status"] != "fail"));
    for key in [
        "case",
        "quantity",
        "expected",
        "got",
        "error",
        "tolerance",
        "status",
    ] {
        assert!(checks[0].get(key).is_some(), "check lacks {key}");
    }
}

#[test]
fn check_prints_the_expanded_timeline_and_refuses_bad_protocols() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = oxyfield()
        .args(["check"])
        .arg(root.join("assets/protocols/conventional_30x2.toml"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("fraction 30/30") && text.contains("60 Gy"),
        "{text}"
    );
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "schema_version = 1\nduration = \"1w\"\n[[radiotherapy]]\ndose_gy = 2.0\nevery = \"1d\"\ncount = 30\n",
    )
    .unwrap();
    let out = oxyfield().arg("check").arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml") && err.contains("duration"),
        "{err}"
    );
}

#[test]
fn run_with_a_protocol_writes_the_timeline_and_final_fields() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("small.toml");
    std::fs::write(&scenario, format!("protocol = \"rt.toml\"\n{SMALL}")).unwrap();
    std::fs::write(
        dir.path().join("rt.toml"),
        "schema_version = 1\nduration = \"1d\"\ntime_step = \"6h\"\nsnapshots = [\"9h\", \"end\"]\n\
         [[radiotherapy]]\ndose_gy = 8.0\nat = [\"0h\"]\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let status = run_cpu(&scenario, &out);
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let csv = std::fs::read_to_string(out.join("timeline.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("time_h,events,mean_po2_mmhg,median_po2_mmhg"));
    assert!(lines[0].contains("log10_cell_kill") && lines[0].contains("mean_ros_um"));
    // The header, t = 0, then steps ending at 6, 9 (a snapshot), 15, 21 and 24 h.
    assert_eq!(lines.len(), 2 + 5, "{csv}");
    assert!(lines[3].starts_with("9,"), "{csv}");
    for f in [
        "o2_t9h.npy",
        "o2_t9h.json",
        "viable_t9h.npy",
        "ros_t24h.npy",
        "gsh_t24h.npy",
        "o2_t24h_xy.png",
    ] {
        assert!(out.join("snapshots").join(f).exists(), "{f}");
    }
    // The fraction at 0 h is in the row of 0 h (issue 18: it was in the 6 h row).
    assert!(lines[1].starts_with("0,rt 8 Gy"), "{csv}");
    assert!(lines[2].starts_with("6,,"), "{csv}");
    for f in [
        "o2.npy",
        "viable.npy",
        "dead.npy",
        "ros.npy",
        "gsh.npy",
        "timeline.json",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert!(s["end"]["log10_cell_kill"].as_f64().unwrap() > 0.5);
    assert_eq!(s["protocol"]["steps"], 5);
    assert_eq!(s["parameters"]["tissue"]["mitotic_delay_h"], 24.0);
    assert_eq!(s["parameters"]["radiotherapy"]["oer"]["model"], "single");
    assert!(s["end"]["doomed_fraction"].as_f64().is_some());
}

/// A protocol written as a `[protocol]` table in the scenario, with radiotherapy and a
/// drug dose (given after the stop); `--until` stops the run
/// with a checkpoint and its outputs so far (partial); `--resume` finishes it with the same
/// timeline (solve times aside) and the same final fields as a run that never stopped.
#[test]
fn embedded_protocol_stops_with_until_and_resumes_identically() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("inline.toml");
    std::fs::write(
        &scenario,
        format!(
            "{SMALL}[ros]\nenabled = false\n[protocol]\nschema_version = 1\nduration = \"2d\"\n\
             time_step = \"8h\"\n[[protocol.radiotherapy]]\ndose_gy = 4.0\nevery = \"1d\"\n\
             count = 2\n[[protocol.drug]]\npreset = \"tirapazamine\"\nname = \"tpz\"\n\
             at = [\"30h\"]\n"
        ),
    )
    .unwrap();
    let check = oxyfield().arg("check").arg(&scenario).output().unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let text = String::from_utf8_lossy(&check.stdout);
    assert!(text.contains("fraction 2/2"), "{text}");

    let whole = dir.path().join("whole");
    assert!(run_cpu(&scenario, &whole).status.success());
    let part = dir.path().join("part");
    let args = |extra: &[&str]| {
        let mut c = oxyfield();
        c.arg("run")
            .arg(&scenario)
            .args(["--backend", "cpu", "--out"])
            .arg(&part)
            .args(extra);
        c.output().unwrap()
    };
    let stopped = args(&["--until", "20h"]);
    assert!(
        stopped.status.success(),
        "{}",
        String::from_utf8_lossy(&stopped.stderr)
    );
    let said = String::from_utf8_lossy(&stopped.stdout);
    assert!(
        said.contains("stopped at t = 24.0 h") && said.contains("--resume"),
        "{said}"
    );
    assert!(part.join("checkpoint.bin").exists());
    // The outputs so far, marked partial (tests/protocol_semantics.rs has the rest).
    let partial: serde_json::Value =
        serde_json::from_slice(&std::fs::read(part.join("summary.json")).unwrap()).unwrap();
    assert_eq!(partial["partial"], true);
    assert!(part.join("o2.npy").exists());
    let resumed = args(&["--resume"]);
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let rows = |d: &Path| {
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join("timeline.json")).unwrap()).unwrap();
        let mut rows = v["rows"].as_array().unwrap().clone();
        for r in &mut rows {
            r["solve_seconds"] = serde_json::Value::Null;
        }
        rows
    };
    assert_eq!(rows(&whole), rows(&part));
    // The drug's columns, and its dose inside the resumed part.
    let csv = std::fs::read_to_string(part.join("timeline.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    for c in [
        "tpz_plasma_um",
        "tpz_mean_um",
        "tpz_exposure_um_h",
        "tpz_log10_kill",
    ] {
        assert!(header.contains(c), "{header}");
    }
    assert!(csv.contains("tpz dose"), "{csv}");
    for f in ["o2.npy", "viable.npy", "dead.npy"] {
        assert_eq!(
            std::fs::read(whole.join(f)).unwrap(),
            std::fs::read(part.join(f)).unwrap(),
            "{f}"
        );
    }

    // --resume with nothing to resume, and --until without a protocol: clear errors.
    let empty = dir.path().join("empty");
    let out = oxyfield()
        .arg("run")
        .arg(&scenario)
        .args(["--backend", "cpu", "--resume", "--out"])
        .arg(&empty)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("checkpoint.bin") && err.contains("without --resume"),
        "{err}"
    );
    let plain = dir.path().join("plain.toml");
    std::fs::write(&plain, SMALL).unwrap();
    let out = oxyfield()
        .arg("run")
        .arg(&plain)
        .args(["--backend", "cpu", "--until", "1d", "--out"])
        .arg(dir.path().join("p"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--until"));
}
