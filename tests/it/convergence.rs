//! Issue 18, point 2: a result that did not converge never exits 0 as if it were fine.
//! A solve that stops short of its tolerance (iteration limit, stagnation above the
//! float32 floor) fails with exit 1, naming the field, the residual, what was tried and
//! the fix, and writes nothing — unless `solver.allow_unconverged = true`, when
//! `summary.json` and the log say so. The same holds for a converged solve whose O2,
//! blood O2 or ROS balance is off by more than 1e-3, for a vessel–tissue coupling that
//! does not settle and for a ROS–GSH iteration that does not; a stall at the float32
//! floor is accepted.

use crate::common;

use std::path::Path;

/// Writes `toml` as `dir/s.toml` and runs it on the CPU into `dir/out`.
fn run_cpu(dir: &Path, toml: &str) -> (std::process::Output, std::path::PathBuf) {
    let scenario = dir.join("s.toml");
    std::fs::write(&scenario, toml).unwrap();
    let out = dir.join("out");
    (common::run_cpu(&scenario, &out), out)
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
        "after 2 cycles (multigrid",
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

/// The number that follows `prefix` in `text` (up to a space, `·` or `)`).
fn number_after(text: &str, prefix: &str) -> f64 {
    let start = text
        .find(prefix)
        .unwrap_or_else(|| panic!("{prefix:?} not in:\n{text}"))
        + prefix.len();
    let token: String = text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '·' && *c != ')')
        .collect();
    token
        .parse()
        .unwrap_or_else(|e| panic!("{token:?} after {prefix:?}: {e}"))
}

/// `summary.json` of a run.
fn summary(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap()
}

/// Exit 1 with every one of `parts` in stderr, no panic, and no output folder.
fn refused_unconverged(o: &std::process::Output, out: &Path, parts: &[&str]) -> String {
    let err = common::stderr(o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    for part in parts {
        assert!(err.contains(part), "missing {part:?} in:\n{err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.exists(), "an output folder was left: {out:?}");
    err
}

/// A solve that meets a loose `solver.tolerance = 1e-2` (1 cycle, the FMG pass)
/// converges by its own test, but its O2 mass balance is off by 1.1 % (4.7 % under the
/// surface wall model, 28 % with the V-cycles before FMG): refused; kept and listed
/// under allow_unconverged.
#[test]
fn a_converged_solve_that_breaks_the_o2_mass_balance_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let toml = SMALL.replace("max_iterations = 2", "tolerance = 1e-2");
    let (o, out) = run_cpu(dir.path(), &toml);
    let err = refused_unconverged(
        &o,
        &out,
        &[
            "scenario small: O2 mass balance error",
            "> 1e-3 (supply",
            "tighten solver.tolerance (e.g. 1e-7)",
            "nothing was written",
            "solver.allow_unconverged = true",
        ],
    );
    let error = number_after(&err, "O2 mass balance error ");
    assert!(
        error > 0.005 && error < 0.05,
        "measured 1.06e-2, got {error}"
    );

    let dir = tempfile::tempdir().unwrap();
    let kept = toml.replace(
        "tolerance = 1e-2",
        "tolerance = 1e-2\nallow_unconverged = true",
    );
    let (o, out) = run_cpu(dir.path(), &kept);
    let err = common::stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("NOT CONVERGED") && err.contains("mass balance"),
        "{err}"
    );
    let s = summary(&out);
    assert_eq!(s["converged"], false);
    // The solve itself met its tolerance; only the balance is wrong.
    assert_eq!(s["solver"]["converged"], true);
    assert_eq!(s["solver"]["status"], "tolerance");
    assert_eq!(s["solver"]["iterations"], 1);
    assert!(s["solver"]["residual"].as_f64().unwrap() < 1e-2);
    let relative = s["mass_balance"]["relative_error"].as_f64().unwrap();
    assert_eq!(format!("{relative:.2e}"), format!("{error:.2e}"));
    let listed = s["not_converged"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(
        listed[0]
            .as_str()
            .unwrap()
            .starts_with("O2 mass balance error"),
        "{listed:?}"
    );
}

/// The tree scenario (blood O2 transport), `[ros]` off to save time, with `extra` lines
/// added to its `[vessels.transport]` table.
fn tree_with_transport(extra: &str) -> String {
    let tree = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenarios/tree.toml"),
    )
    .unwrap();
    assert!(tree.contains("\n[vessels.transport]\n") && !tree.contains("[ros]"));
    tree.replace(
        "\n[vessels.transport]\n",
        &format!("\n[vessels.transport]\n{extra}\n"),
    ) + "\n[ros]\nenabled = false\n"
}

/// One coupling iteration leaves vessel pO2 moving by 22.4 mmHg (tolerance 0.01):
/// refused naming the coupling and the fix key; kept and listed under allow_unconverged,
/// where the unsettled coupling also shows as a 16 % blood O2 balance error.
#[test]
fn a_vessel_tissue_coupling_that_does_not_settle_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let toml = tree_with_transport("max_iterations = 1");
    let (o, out) = run_cpu(dir.path(), &toml);
    let err = refused_unconverged(
        &o,
        &out,
        &[
            "vessel–tissue coupling did not settle: after 1 coupling iteration(s)",
            "(vessels.transport.tolerance_mmhg = 0.01)",
            "raise vessels.transport.max_iterations",
            "solver.allow_unconverged = true",
        ],
    );
    let change = number_after(&err, "still changes by ");
    assert!(
        change > 15.0 && change < 30.0,
        "measured 22.388, got {change}"
    );

    let dir = tempfile::tempdir().unwrap();
    let (o, out) = run_cpu(
        dir.path(),
        &format!("{toml}[solver]\nallow_unconverged = true\n"),
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    let s = summary(&out);
    let t = &s["vessels"]["transport"];
    assert_eq!(t["converged"], false, "{t}");
    assert_eq!(t["coupling_iterations"], 1);
    let moved = t["max_change_mmhg"].as_f64().unwrap();
    assert!((moved - change).abs() < 1e-3, "{moved} vs {change}");
    assert_eq!(s["converged"], false);
    let listed: Vec<&str> = s["not_converged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(
        listed[0], "vessel–tissue coupling not converged",
        "{listed:?}"
    );
    assert!(
        listed
            .iter()
            .any(|w| w.starts_with("blood O2 balance error")),
        "{listed:?}"
    );
}

/// A coupling tolerance of 20 mmHg lets one iteration count as settled while vessel
/// pO2 still moves by more than 10 mmHg: the blood O2 balance (in − out vs wall exchange) is
/// then off by 9.5 %, and the run is refused.
#[test]
fn a_blood_o2_balance_error_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (o, out) = run_cpu(dir.path(), &tree_with_transport("tolerance_mmhg = 20.0"));
    let err = refused_unconverged(
        &o,
        &out,
        &[
            "scenario tree: blood O2 balance error",
            "> 1e-3 (in − out ≠ wall exchange)",
            "nothing was written",
            "solver.allow_unconverged = true",
        ],
    );
    assert!(!err.contains("coupling stopped"), "{err}");
    let error = number_after(&err, "blood O2 balance error ");
    assert!(error > 0.05 && error < 0.2, "measured 9.53e-2, got {error}");
}

/// A tolerance far below what float32 reaches (1e-12 for O2 and ROS): the O2 solve
/// stalls at relative residual 8.7e-8 after 21 V-cycles, the R solves at ≈ 2e-6, both
/// accepted as the float32 floor; the run exits 0 and counts as converged.
#[test]
fn a_tolerance_below_float32_stops_at_the_floor_and_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let toml = SMALL
        .replace("max_iterations = 2", "tolerance = 1e-12")
        .replace("enabled = false", "tolerance = 1e-12");
    let (o, out) = run_cpu(dir.path(), &toml);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let s = summary(&out);
    let solver = &s["solver"];
    assert_eq!(solver["status"], "float32_floor", "{solver}");
    assert_eq!(solver["converged"], true);
    assert_eq!(solver["tolerance"], 1e-12);
    let residual = solver["residual"].as_f64().unwrap();
    assert!(
        residual > 1e-9 && residual < 1e-4,
        "measured 8.67e-8, got {residual}"
    );
    let iterations = solver["iterations"].as_u64().unwrap();
    assert!(iterations < 100, "measured 21, got {iterations}");
    assert_eq!(s["converged"], true);
    assert_eq!(s["not_converged"].as_array().unwrap().len(), 0);
    assert!(s["mass_balance"]["relative_error"].as_f64().unwrap() < 1e-6);
    let ros = &s["ros"]["solver"];
    assert_eq!(ros["converged"], true, "{ros}");
    let residual = ros["residual"].as_f64().unwrap();
    assert!(
        residual > 1e-7 && residual < 1e-4,
        "measured 2.07e-6, got {residual}"
    );
    assert!(s["ros"]["balance"]["relative_error"].as_f64().unwrap() < 1e-6);
}

/// An extreme glutathione model (G0 = 1000 mM, 5000 GSH per H2O2) makes the R–G
/// fixed point contract slowly (≈ 0.92 per R solve): after the 30 R solves G still
/// changes by 9.2e-4·G0 (tolerance 1e-5·G0). Refused naming the keys; kept under
/// allow_unconverged with `ros.solver.converged = false`.
#[test]
fn a_ros_gsh_iteration_that_does_not_settle_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let toml = SMALL.replace("max_iterations = 2", "").replace(
        "enabled = false",
        "gsh_baseline_mm = 1000.0\ngsh_per_ros = 5000.0",
    );
    let (o, out) = run_cpu(dir.path(), &toml);
    let err = refused_unconverged(
        &o,
        &out,
        &[
            "the ROS–GSH iteration did not settle",
            "after 30 R solves (tolerance 1e-5·G0)",
            "ros.gsh_per_ros and ros.gsh_regeneration_per_s",
            "solver.allow_unconverged = true",
        ],
    );
    let change = number_after(&err, "G still changed by ");
    assert!(
        change > 1e-4 && change < 1e-2,
        "measured 9.23e-4, got {change}"
    );

    let dir = tempfile::tempdir().unwrap();
    let kept = toml.replace("[solver]", "[solver]\nallow_unconverged = true");
    let (o, out) = run_cpu(dir.path(), &kept);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let s = summary(&out);
    let ros = &s["ros"]["solver"];
    assert_eq!(ros["converged"], false, "{ros}");
    assert_eq!(ros["gsh_iterations"], 30);
    let kept_change = ros["gsh_change"].as_f64().unwrap();
    assert_eq!(format!("{kept_change:.2e}"), format!("{change:.2e}"));
    assert_eq!(s["converged"], false);
    // The R solve met ros.tolerance: the listed reason is the G iteration.
    let listed = s["not_converged"].as_array().unwrap();
    assert!(
        listed.iter().any(|w| w
            .as_str()
            .unwrap()
            .contains("ROS–GSH iteration not settled")),
        "{listed:?}"
    );
}

/// A loose `ros.tolerance = 1e-1` is met by the initial guess (0 R-solve iterations)
/// and leaves the R balance off by 5 %: refused with the key to tighten.
#[test]
fn a_ros_balance_error_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let toml = SMALL
        .replace("max_iterations = 2", "")
        .replace("enabled = false", "tolerance = 1e-1");
    let (o, out) = run_cpu(dir.path(), &toml);
    let err = refused_unconverged(
        &o,
        &out,
        &[
            "scenario small: ROS balance error",
            "> 1e-3; tighten ros.tolerance (e.g. 1e-7)",
            "nothing was written",
            "solver.allow_unconverged = true",
        ],
    );
    assert!(!err.contains("O2 mass balance"), "{err}");
    let error = number_after(&err, "ROS balance error ");
    assert!(error > 1e-2 && error < 0.2, "measured 5.14e-2, got {error}");
}

/// A protocol run records what its solves kept under allow_unconverged (every step's
/// O2 solve cut at one V-cycle here), and the final state's O2 mass balance; a
/// converged protocol run says `converged: true` with its balance within 1e-3.
#[test]
fn a_protocol_summary_records_kept_solves_and_its_mass_balance() {
    let protocol = "[ros]\nenabled = false\n[protocol]\nschema_version = 1\n\
                    duration = \"6h\"\ntime_step = \"3h\"\nsettle = false\n";
    let base = "name = \"small\"\nseed = 5\n[grid]\nshape_zyx = [12, 20, 24]\n\
                spacing_um = 10.0\n[vessels.synthetic]\ndensity_mm_per_mm3 = 150.0\n";
    let dir = tempfile::tempdir().unwrap();
    let (o, out) = run_cpu(dir.path(), &format!("{base}{protocol}"));
    assert!(o.status.success(), "{}", common::stderr(&o));
    let s = summary(&out);
    assert_eq!(s["converged"], true, "{s}");
    assert_eq!(s["not_converged_count"], 0);
    let mb = s["mass_balance"]["relative_error"].as_f64().unwrap();
    assert!(mb < 1e-3, "final-state mass balance {mb}");

    let dir = tempfile::tempdir().unwrap();
    let kept = format!("{base}[solver]\nmax_iterations = 1\nallow_unconverged = true\n{protocol}");
    let (o, out) = run_cpu(dir.path(), &kept);
    let err = common::stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        common::stdout(&o).contains("NOT CONVERGED"),
        "{}",
        common::stdout(&o)
    );
    let s = summary(&out);
    assert_eq!(s["converged"], false, "{s}");
    // The t = 0 solve and a step's at least (a step with no event moves the field
    // so little that its warm-started solve may meet the tolerance in one cycle).
    assert!(s["not_converged_count"].as_u64().unwrap() >= 2, "{s}");
    let listed = s["not_converged"].as_array().unwrap();
    assert!(
        listed[0]
            .as_str()
            .unwrap()
            .contains("the O2 solve did not converge"),
        "{listed:?}"
    );
}

/// A run that is refused leaves an earlier run's outputs in the folder as they were
/// (they are cleared only once a new result is accepted).
#[test]
fn a_refused_run_keeps_the_earlier_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let good = SMALL.replace("max_iterations = 2", "max_iterations = 200");
    let (o, out) = run_cpu(dir.path(), &good);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let before = std::fs::read(out.join("o2.npy")).unwrap();
    let (o, out2) = run_cpu(dir.path(), SMALL);
    assert_eq!(out, out2);
    assert_eq!(o.status.code(), Some(1), "{}", common::stderr(&o));
    assert_eq!(std::fs::read(out.join("o2.npy")).unwrap(), before);
    assert!(out.join("summary.json").exists());
}
