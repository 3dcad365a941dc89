//! Plausibility warnings (issue 18, point 10): values that pass every range check but
//! are almost surely a slip give one warning line naming the key and the fix, exit 0,
//! and print unless `-q`.

use std::path::Path;
use std::process::{Command, Output};

/// The binary with the default log level (warnings on), as a user runs it.
fn oxyfield(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oxyfield"))
        .env_remove("RUST_LOG")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

/// The plausibility lines of stderr.
fn warnings(o: &Output) -> Vec<String> {
    String::from_utf8_lossy(&o.stderr)
        .lines()
        .filter(|l| l.contains("oxyfield::config::plausibility"))
        .map(String::from)
        .collect()
}

fn scenario(dir: &Path, name: &str, body: &str) {
    let text =
        format!("name = \"{name}\"\n[grid]\nshape_zyx = [8, 8, 8]\nspacing_um = 10.0\n{body}");
    std::fs::write(dir.join(format!("{name}.toml")), text).unwrap();
}

fn run(dir: &Path, name: &str, extra: &[&str]) -> Output {
    let file = format!("{name}.toml");
    let out = format!("out_{name}");
    let mut args = vec!["run", &file, "--backend", "cpu", "--out", &out];
    args.extend(extra);
    let o = oxyfield(dir, &args);
    assert!(
        o.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// One warning, holding every one of `want`.
fn assert_one(o: &Output, want: &[&str]) {
    let w = warnings(o);
    assert_eq!(w.len(), 1, "want one plausibility warning, got {w:#?}");
    for s in want {
        assert!(w[0].contains(s), "missing {s:?} in {}", w[0]);
    }
}

#[test]
fn a_diffusivity_in_cm2_per_s_is_named_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    scenario(
        d,
        "cm",
        "[oxygen]\ndiffusivity_um2_per_s = 2e-5\n[vessels.synthetic]\n",
    );
    let want = [
        "cm.toml",
        "`oxygen.diffusivity_um2_per_s` is 0.00002",
        "did you mean µm²/s?",
        "0.00002 cm²/s is 2000 µm²/s",
    ];
    let o = oxyfield(d, &["check", "cm.toml"]);
    assert!(o.status.success());
    assert_one(&o, &want);
    // `run` says it too (once, though it checks the scenario and assembles it), exit 0.
    assert_one(&run(d, "cm", &[]), &want);
    // Quiet when asked.
    assert!(warnings(&run(d, "cm", &["-q"])).is_empty());
    assert!(warnings(&oxyfield(d, &["-q", "check", "cm.toml"])).is_empty());
}

#[test]
fn blood_po2_above_200_mmhg_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    scenario(
        d,
        "hot",
        "[vessels.synthetic]\nblood_po2_mmhg = [30.0, 760.0]\n",
    );
    let o = oxyfield(d, &["check", "hot.toml"]);
    assert_one(
        &o,
        &[
            "`vessels.synthetic.blood_po2_mmhg`",
            "760 mmHg is above 200 mmHg",
            "check the unit",
        ],
    );
    // A Pb map above 200 mmHg names its key and file.
    let n = 8 * 8 * 8;
    let write = |name: &str, v: f32| {
        let data = vec![v; n];
        std::fs::write(d.join(name), oxyfield::npy::encode_f32(&data, &[8, 8, 8])).unwrap();
    };
    write("sv.npy", 0.01);
    write("pb.npy", 400.0);
    scenario(
        d,
        "pbmap",
        "[vessels.npy]\nsv = \"sv.npy\"\npb = \"pb.npy\"\n",
    );
    assert_one(
        &run(d, "pbmap", &[]),
        &["`vessels.npy.pb`", "pb.npy", "400 mmHg is above 200 mmHg"],
    );
}

#[test]
fn a_network_file_in_mm_without_scale_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Two vessels across the block, written in mm (0.06 mm = 60 µm).
    std::fs::write(
        d.join("mm.dat"),
        "in mm\n0.08 0.08 0.08 box\n8 8 8 pts\n0\n0.1\n3\n2 total number of segments\n\
         name type from to diam flow hd\n1 5 1 2 0.01\n2 5 2 3 0.01\n\
         3 total number of nodes\nname x y z\n1 0.01 0.04 0.04\n2 0.04 0.04 0.04\n\
         3 0.07 0.04 0.04\n",
    )
    .unwrap();
    scenario(
        d,
        "mm",
        "[vessels.network]\nfile = \"mm.dat\"\ncenter = true\n",
    );
    let o = run(d, "mm", &[]);
    assert_one(
        &o,
        &[
            "mm.dat",
            "spans only 0.060 µm",
            "is the file in mm?",
            "`vessels.network.scale` = 1000",
        ],
    );
    // With the scale it is plausible.
    scenario(
        d,
        "um",
        "[vessels.network]\nfile = \"mm.dat\"\ncenter = true\nscale = 1000.0\n",
    );
    let o = run(d, "um", &[]);
    assert!(warnings(&o).is_empty(), "{:#?}", warnings(&o));
}

#[test]
fn no_o2_source_at_all_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    scenario(d, "none", "");
    let want = [
        "no O2 source",
        "[vessels.synthetic]",
        "[boundary] x_min = 40.0",
    ];
    assert_one(&oxyfield(d, &["check", "none.toml"]), &want);
    assert_one(&run(d, "none", &[]), &want);
    // A vessel map that is 0 everywhere is no source either.
    let zeros = oxyfield::npy::encode_f32(&vec![0.0; 512], &[8, 8, 8]);
    std::fs::write(d.join("sv0.npy"), &zeros).unwrap();
    std::fs::write(d.join("pb0.npy"), &zeros).unwrap();
    scenario(
        d,
        "empty",
        "[vessels.npy]\nsv = \"sv0.npy\"\npb = \"pb0.npy\"\n",
    );
    assert_one(
        &run(d, "empty", &[]),
        &["the npy vessel source puts no vessel wall in the block"],
    );
    // A fixed face alone is a source.
    scenario(d, "face", "[boundary]\nx_min = 40.0\n");
    assert!(warnings(&run(d, "face", &[])).is_empty());
}

#[test]
fn plausible_scenarios_give_no_warning() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    scenario(d, "ok", "[vessels.synthetic]\n");
    let o = run(d, "ok", &[]);
    assert!(warnings(&o).is_empty(), "{:#?}", warnings(&o));
    // The example scenarios.
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenarios");
    for name in ["default", "network_file", "spheroid", "tree"] {
        let p = assets.join(format!("{name}.toml"));
        let o = oxyfield(d, &["check", p.to_str().unwrap()]);
        assert!(o.status.success(), "{name}");
        assert!(warnings(&o).is_empty(), "{name}: {:#?}", warnings(&o));
    }
}
