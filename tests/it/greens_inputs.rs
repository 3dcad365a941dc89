//! GreensV4 inputs (issue 22.4): a scenario takes a GreensV4 sample folder's
//! `SoluteParams.dat` (`[vessels.network] solute_params`) with the units converted and
//! each conversion printed; keys the scenario writes win; bad files are refused with
//! the line. The readers themselves are unit-tested in
//! `src/vessels/formats/greens_params/tests.rs`.

use crate::common::{oxyfield, stderr, stdout};
use oxyfield::vessels::formats::greens_params;
use std::path::{Path, PathBuf};
use std::process::Output;

fn assets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets")
}

/// `oxyfield ARGS` logging at info level, as a user sees it.
fn at_info(args: &[&str], file: &Path) -> Output {
    let mut c = oxyfield();
    c.env("RUST_LOG", "oxyfield=info").args(args).arg(file);
    c.output().unwrap()
}

/// A copy of the Tumor1998 folder in `dir`, with a scenario `s.toml` holding `extra`
/// after the network table.
fn tumor1998_in(dir: &Path, extra: &str) -> PathBuf {
    for f in ["network.dat", "SoluteParams.dat", "IntravascRes.dat"] {
        std::fs::copy(assets().join("greens/Tumor1998").join(f), dir.join(f)).unwrap();
    }
    let toml = format!(
        "name = \"t\"\n[grid]\nshape_zyx = [12, 26, 28]\nspacing_um = 20.0\n\
         [vessels.network]\nfile = \"network.dat\"\nsolute_params = \"SoluteParams.dat\"\n{extra}\n\
         [ros]\nenabled = false\n[figures]\nplots = false\nmontage = false\n\
         [output]\npng = false\nvti = false\n"
    );
    let path = dir.join("s.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

fn summary(out: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap()
}

#[test]
fn check_prints_every_conversion_of_the_example_scenario() {
    let sc = assets().join("scenarios/greens_tumor1998.toml");
    let o = at_info(&["check"], &sc);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    for want in [
        "SoluteParams.dat: line 15: D·α = 4.2e-10 cm³O2/cm/s/mmHg → \
         oxygen.diffusivity_um2_per_s = 1400 µm²/s (÷ αt = 3e-5 cm³O2/cm³/mmHg, × 1e8 µm²/cm²)",
        "line 16: M0 = 5e-4 cm³O2/cm³/s → oxygen.max_consumption_mmhg_per_s = 16.6667 mmHg/s",
        "line 17: Km = 1 mmHg → oxygen.km_mmhg = 1 mmHg",
        "line 6: P50 = 38 mmHg → vessels.transport.p50_mmhg = 38 mmHg",
        "line 7: Hill n = 3 → vessels.transport.hill_n = 3",
        "line 8: c0 = 0.5 cm³O2/cm³ red cells → vessels.transport.c0 = 0.5",
        "line 9: αb = 3.1e-5 cm³O2/cm³/mmHg → vessels.transport.alpha_blood = 3.1e-5",
        "line 10: q0fac = 1.333333 → vessels.network.flow_scale = 1.333333",
        "inflow pO2 is network.dat's",
    ] {
        assert!(err.contains(want), "'{want}' missing from:\n{err}");
    }
    // Said once, though the scenario is read once and assembled once.
    assert_eq!(err.matches("line 15: D·α").count(), 1, "{err}");
    assert!(
        stdout(&o).contains("Tumor1998/SoluteParams.dat"),
        "check lists the file it opened: {}",
        stdout(&o)
    );
}

#[test]
fn a_run_uses_the_converted_values_and_the_scenario_wins_where_it_writes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = tumor1998_in(d, "[oxygen]\nkm_mmhg = 2.0\n");
    let o = oxyfield()
        .current_dir(d)
        .env("RUST_LOG", "oxyfield=info")
        .args(["run", "s.toml", "--backend", "cpu", "--out", "out"])
        .output()
        .unwrap();
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains(
            "line 17: Km = 1 mmHg (= 1 mmHg) not used: the scenario sets oxygen.km_mmhg = 2"
        ),
        "{err}"
    );
    let s = summary(&d.join("out"));
    let p = &s["parameters"]["oxygen"];
    assert_eq!(p["diffusivity_um2_per_s"], 1400.0);
    assert_eq!(p["max_consumption_mmhg_per_s"], 16.6666666667);
    assert_eq!(p["km_mmhg"], 2.0);
    let t = &s["vessels"]["transport"];
    assert_eq!(t["enabled"], true);
    assert_eq!(t["flow_source"], "file");
    // Inflow pO2 is network.dat's 50 mmHg: no blood is above it.
    let max = t["blood_po2_mmhg"]["max"].as_f64().unwrap();
    assert!(max > 40.0 && max <= 50.0, "{max}");
    let inputs: Vec<&str> = s["reproduce"]["input_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(
        inputs.iter().any(|p| p.ends_with("SoluteParams.dat")),
        "{inputs:?}"
    );

    // q0fac multiplies every flow: with the scenario's flow_scale = 1 the O2 carried in
    // is 1/1.333333 of the file's (same inflow pO2 and haematocrit).
    std::fs::write(
        d.join("one.toml"),
        std::fs::read_to_string(&file)
            .unwrap()
            .replace("name = \"t\"", "name = \"one\"")
            .replace("solute_params", "flow_scale = 1.0\nsolute_params"),
    )
    .unwrap();
    let o = oxyfield()
        .current_dir(d)
        .args([
            "run",
            "one.toml",
            "--backend",
            "cpu",
            "-q",
            "--out",
            "out_one",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let inflow = |s: &serde_json::Value| {
        s["vessels"]["transport"]["o2_inflow_nl_per_min"]
            .as_f64()
            .unwrap()
    };
    let ratio = inflow(&s) / inflow(&summary(&d.join("out_one")));
    assert!((ratio - 1.333333).abs() < 1e-9, "{ratio}");
}

#[test]
fn a_bad_solute_params_file_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = tumor1998_in(d, "");
    let text = std::fs::read_to_string(d.join("SoluteParams.dat")).unwrap();
    std::fs::write(
        d.join("SoluteParams.dat"),
        text.replacen("7   3\t", "7\t", 1),
    )
    .unwrap();
    let o = oxyfield().arg("check").arg(&file).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("SoluteParams.dat: line 11:") && err.contains("GreensV3"),
        "{err}"
    );
    std::fs::write(
        d.join("SoluteParams.dat"),
        text.replacen("38\t", "-38\t", 1),
    )
    .unwrap();
    let o = oxyfield().arg("check").arg(&file).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("line 6: P50 is -38"), "{}", stderr(&o));
}

#[test]
fn the_intravascular_resistance_table_of_every_sample() {
    for dir in ["Tumor1998", "TumorLowDensity", "Tumor_FaDu1012", "Brain"] {
        let path = assets().join("greens").join(dir).join("IntravascRes.dat");
        let k = greens_params::read_intravasc_res(&path).unwrap();
        assert_eq!(k.len(), 16, "{dir}");
        assert!(
            k.windows(2).all(|w| w[0].0 < w[1].0 && w[1].1 < w[0].1),
            "{dir}"
        );
        assert_eq!((k[4], k[15]), ((10.0, 1.27), (50.0, 0.73)), "{dir}");
    }
}

#[test]
fn intravasc_res_is_read_as_is_and_its_table_is_the_built_in_one() {
    let file = assets().join("greens/Tumor1998/IntravascRes.dat");
    assert_eq!(
        greens_params::read_intravasc_res(&file).unwrap(),
        oxyfield::physics::wall::ResistanceTable::secomb().points,
        "the built-in K(d) is GreensV4's tumour table"
    );
    // The same run with the table from the file and the built-in one: same numbers,
    // and the file is named in the summary and its inputs.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tumor1998_in(
        d,
        "[vessels.wall]\nresistance = \"table\"\ntable = \"IntravascRes.dat\"\n",
    );
    std::fs::write(
        d.join("builtin.toml"),
        std::fs::read_to_string(d.join("s.toml"))
            .unwrap()
            .replace("table = \"IntravascRes.dat\"\n", ""),
    )
    .unwrap();
    let mut runs = Vec::new();
    for (toml, out) in [("s.toml", "out_file"), ("builtin.toml", "out_builtin")] {
        let o = oxyfield()
            .current_dir(d)
            .env("RUST_LOG", "oxyfield=info")
            .args(["run", toml, "--backend", "cpu", "--out", out])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("vessels.wall: intravascular resistance K(d) from"),
            "the run log says which wall model: {}",
            stderr(&o)
        );
        runs.push(summary(&d.join(out)));
    }
    let wall = |s: &serde_json::Value| s["vessels"]["wall"].clone();
    assert!(
        wall(&runs[0])["table"]
            .as_str()
            .unwrap()
            .ends_with("IntravascRes.dat"),
        "{}",
        wall(&runs[0])
    );
    assert_eq!(wall(&runs[1])["table"], "builtin");
    assert_eq!(wall(&runs[0])["resistance"], "table");
    for key in ["median_mmhg", "mean_mmhg"] {
        assert_eq!(runs[0]["o2"][key], runs[1]["o2"][key], "{key}");
    }
    assert_eq!(
        wall(&runs[0])["exchange_over_wall_area"],
        wall(&runs[1])["exchange_over_wall_area"]
    );
    let inputs = runs[0]["reproduce"]["input_files"].to_string();
    assert!(inputs.contains("IntravascRes.dat"), "{inputs}");
}
