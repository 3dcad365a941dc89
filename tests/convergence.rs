//! Issue 18, point 2: a result that did not converge never exits 0 as if it were fine.
//! A solve that stops short of its tolerance (iteration limit, stagnation above the
//! float32 floor) fails with exit 1, naming the field, the residual, what was tried and
//! the fix, and writes nothing — unless `solver.allow_unconverged = true`, when
//! `summary.json` and the log say so.

use std::path::Path;
use std::process::Command;

fn run_cpu(dir: &Path, toml: &str) -> (std::process::Output, std::path::PathBuf) {
    let scenario = dir.join("s.toml");
    std::fs::write(&scenario, toml).unwrap();
    let out = dir.join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_oxyfield"))
        .env("RUST_LOG", "warn")
        .arg("run")
        .arg(&scenario)
        .args(["--backend", "cpu", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    (o, out)
}

const SMALL: &str = r#"
name = "small"
seed = 5
[grid]
shape_zyx = [12, 20, 24]
spacing_um = 10.0
[vessels.synthetic]
density_mm_per_mm3 = 150.0
[ros]
enabled = false
[solver]
max_iterations = 2
"#;

#[test]
fn an_unconverged_solve_exits_1_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (o, out) = run_cpu(dir.path(), SMALL);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    for part in [
        "the O2 solve did not converge",
        "relative residual",
        "after 2 V-cycles (multigrid",
        "solver.max_iterations = 2",
        "raise solver.max_iterations",
        "solver.allow_unconverged = true",
    ] {
        assert!(err.contains(part), "missing {part:?} in:\n{err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.exists(), "an output folder was left: {out:?}");
}

#[test]
fn allow_unconverged_keeps_the_result_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let toml = SMALL.replace(
        "max_iterations = 2",
        "max_iterations = 2\nallow_unconverged = true",
    );
    let (o, out) = run_cpu(dir.path(), &toml);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("NOT CONVERGED") || err.contains("NOT converged"),
        "{err}"
    );
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["converged"], false);
    assert_eq!(s["solver"]["converged"], false);
    assert_eq!(s["solver"]["status"], "max_iterations");
    assert_eq!(s["solver"]["allow_unconverged"], true);
    let listed = s["not_converged"].as_array().unwrap();
    assert!(
        listed
            .iter()
            .any(|w| w.as_str().unwrap().contains("O2 solve not converged")),
        "{listed:?}"
    );
}

#[test]
fn a_converged_run_says_so_in_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let toml = SMALL.replace("max_iterations = 2", "max_iterations = 200");
    let (o, out) = run_cpu(dir.path(), &toml);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["converged"], true);
    assert_eq!(s["solver"]["status"], "tolerance");
    assert_eq!(s["not_converged"].as_array().unwrap().len(), 0);
    assert!(s["mass_balance"]["relative_error"].as_f64().unwrap() < 1e-3);
}

/// With blood O2 transport the coupling counts as converged only when every tissue
/// solve did: under allow_unconverged, tissue solves cut at 2 V-cycles leave
/// `vessels.transport.converged` false.
#[test]
fn coupling_is_converged_only_when_every_tissue_solve_is() {
    let dir = tempfile::tempdir().unwrap();
    let tree = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenarios/tree.toml"),
    )
    .unwrap();
    let toml = format!("{tree}\n[solver]\nmax_iterations = 2\nallow_unconverged = true\n",);
    // The tree scenario must not already have a [solver] table for this to be valid.
    assert!(!tree.contains("[solver]"));
    let (o, out) = run_cpu(dir.path(), &toml);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["vessels"]["transport"]["enabled"], true, "{s}");
    assert_eq!(s["vessels"]["transport"]["converged"], false);
    assert_eq!(s["converged"], false);
}
