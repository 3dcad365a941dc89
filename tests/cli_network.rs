//! `oxyfield network info | convert | generate` through the real binary, and a run
//! with a network file and blood O2 transport.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn oxyfield(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oxyfield"))
        .env("RUST_LOG", "warn")
        .args(args)
        .output()
        .unwrap()
}

fn asset(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets").join(p)
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn info_prints_counts_length_histogram_and_box() {
    let file = asset("networks/example_tree.dat");
    let o = oxyfield(&["network", "info", file.to_str().unwrap()]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    for want in [
        "segments         288",
        "total length     4.85",
        "radius histogram",
        "bounding box",
        "density",
        "with pressure",
    ] {
        assert!(t.contains(want), "missing {want:?} in\n{t}");
    }
    let o = oxyfield(&["network", "info", file.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["segments"], 288);
    let hist: u64 = v["radius_histogram"]["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .sum();
    assert_eq!(hist, 288);
}

#[test]
fn convert_round_trip_keeps_the_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let src = asset("networks/example_tree.dat");
    let vtp = dir.path().join("t.vtp");
    let csv = dir.path().join("t.csv");
    let back = dir.path().join("back.dat");
    for (a, b) in [
        (&src, &vtp),
        (&vtp, &csv),
        (&dir.path().join("t_nodes.csv"), &back),
    ] {
        let o = oxyfield(&[
            "network",
            "convert",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", text(&o));
    }
    let info = |p: &Path| {
        let o = oxyfield(&["network", "info", p.to_str().unwrap(), "--json"]);
        assert!(o.status.success(), "{}", text(&o));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let (a, b) = (info(&src), info(&back));
    for key in [
        "nodes",
        "segments",
        "total_length_mm",
        "wall_area_mm2",
        "radius_um",
    ] {
        assert_eq!(a[key], b[key], "{key}");
    }
}

#[test]
fn malformed_network_exits_2_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.dat");
    std::fs::write(
        &bad,
        "title\n100 100 100 box\n10 10 10 pts\n0\n100\n3\n1 total number of segments\n\
         name type from to diam flow hd\n1 5 1 2 abc 0 0.4\n2 total number of nodes\n\
         name x y z\n1 0 0 0\n2 10 0 0\n",
    )
    .unwrap();
    let o = oxyfield(&["network", "info", bad.to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(t.contains("bad.dat") && t.contains("line 9"), "{t}");
    assert!(!t.contains("panicked"), "{t}");
    let o = oxyfield(&["network", "info", "/nonexistent/net.vtp"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn generate_writes_the_scenarios_network_reproducibly() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = asset("scenarios/tree.toml");
    let a = dir.path().join("a.vtp");
    let b = dir.path().join("b.vtp");
    for out in [&a, &b] {
        let o = oxyfield(&[
            "network",
            "generate",
            scenario.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", text(&o));
    }
    let (ta, tb) = (
        std::fs::read_to_string(&a).unwrap(),
        std::fs::read_to_string(&b).unwrap(),
    );
    assert!(ta.contains("<VTKFile") && ta.len() > 10_000);
    assert_eq!(ta, tb, "the same seed must give the same file");
}

#[test]
fn run_with_network_file_writes_blood_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let scenario = asset("scenarios/network_file.toml");
    let o = oxyfield(&[
        "run",
        scenario.to_str().unwrap(),
        "--backend",
        "cpu",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let t = &s["vessels"]["transport"];
    assert_eq!(s["vessels"]["source"], "network");
    assert_eq!(t["enabled"], true);
    assert_eq!(t["converged"], true);
    // The coupling tolerance (0.01 mmHg) bounds the balance.
    assert!(t["balance_relative_error"].as_f64().unwrap() < 1e-3, "{t}");
    let csv = std::fs::read_to_string(out.join("network_blood.csv")).unwrap();
    assert_eq!(csv.lines().count(), 289);
    assert!(out.join("network.vtp").exists());
}
