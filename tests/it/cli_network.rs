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

/// A GreensV4-style file (tabs, trailing columns, as GreensV4's TumorLowDensity sample
/// is laid out) whose boundary table has one row more than its count.
const EXTRA_BOUNDARY_ROW: &str = "rat network with an extra boundary row\n\
  300.  300.  100.\tbox dimensions in microns\n  10    10    4\t\tnumber of tissue points\n\
  100.\t\t\touter bound distance\n  10.\t\t\t\tmax. segment length\n\
  8\t\t\t\tnodsegm\n   3\t\t\t\ttotal number of segments\n\
 name  type   from   to   diam. rel. flow  hem.\t\t\t\n\
1\t5\t1\t2\t20\t120.    0.40\t\n2\t5\t2\t3\t20\t120.    0.40\t\n3\t5\t2\t4\t16\t60.    0.40\t\n\
 4                    total number of nodes\nname  x     y     z\n\
1\t0\t150\t50\n2\t150\t150\t50\n3\t300\t100\t50\n4\t300\t250\t50\n\
 2\ttotal number of boundary nodes\nnode bctyp press/flow   HD    PO2    solute 3\n\
 1      2     120.      0.4   10.\t1. \n 3      0     15.       0.4   5.\t1.\n\
 4      0     15.       0.4   5.\t1.";

#[test]
fn secomb_boundary_rows_beyond_the_count_are_ignored_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("greens.dat");
    std::fs::write(&file, EXTRA_BOUNDARY_ROW).unwrap();
    let o = oxyfield(&["network", "info", file.to_str().unwrap(), "--json"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    // As GreensV4 reads it: the declared 2 (one flow, one pressure), not the third.
    assert_eq!(v["boundary_nodes"]["flow"], 1, "{v}");
    assert_eq!(v["boundary_nodes"]["pressure"], 1, "{v}");
    assert_eq!(v["segments"], 3);
    let err = String::from_utf8_lossy(&o.stderr);
    for want in [
        "greens.dat: line 22: 1 data row(s) after the 2 boundary nodes",
        "count on line 18",
        "set that count to 3",
    ] {
        assert!(err.contains(want), "missing {want:?} in\n{err}");
    }
}

#[test]
fn convert_to_vtp_says_the_boundary_nodes_are_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let src = asset("networks/example_tree.dat");
    let vtp = dir.path().join("t.vtp");
    let o = oxyfield(&[
        "network",
        "convert",
        src.to_str().unwrap(),
        vtp.to_str().unwrap(),
    ]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("0 boundary nodes (43 dropped: VTP holds none) →"),
        "{out}"
    );
    let err = String::from_utf8_lossy(&o.stderr);
    for want in [
        "t.vtp: VTK PolyData holds no boundary nodes",
        "the 43 boundary nodes of",
        "write CSV (--to csv",
    ] {
        assert!(err.contains(want), "missing {want:?} in\n{err}");
    }
    // CSV keeps them, and says so without a warning.
    let csv = dir.path().join("t.csv");
    let o = oxyfield(&[
        "network",
        "convert",
        src.to_str().unwrap(),
        csv.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("43 boundary nodes →"));
    assert!(o.stderr.is_empty(), "{}", text(&o));
}

#[test]
fn tree_network_blood_table_has_every_hematocrit() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("tree.toml");
    std::fs::write(
        &scenario,
        "name = \"tree\"\n[grid]\nshape_zyx = [16, 16, 16]\nspacing_um = 10.0\n\
         [vessels.synthetic]\nkind = \"tree\"\ntrees = 2\n[ros]\nenabled = false\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = oxyfield(&[
        "run",
        scenario.to_str().unwrap(),
        "--backend",
        "cpu",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let csv = std::fs::read_to_string(out.join("network_blood.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header.iter().position(|c| *c == "hematocrit").unwrap();
    let mut rows = 0;
    for line in lines {
        let hd: f64 = line
            .split(',')
            .nth(col)
            .unwrap()
            .parse()
            .unwrap_or_else(|_| panic!("empty or bad hematocrit in row {line:?}"));
        // Trees start at 0.45 at the roots; without phase separation it stays 0.45.
        assert!((hd - 0.45).abs() < 1e-6, "{line}");
        rows += 1;
    }
    assert!(rows > 10, "{rows} segments");
}
