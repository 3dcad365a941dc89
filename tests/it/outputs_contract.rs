//! What the outputs promise (issue 18, points 16 and 20): every pO2 statistic in
//! `summary.json` can be recomputed from `o2.npy` over `tissue.npy`, `render --plot
//! histogram` counts the same voxels, and `reproduce.input_files` lists every file the
//! run read.

use oxyfield::grid::Grid;
use oxyfield::npy;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

fn oxyfield(dir: &Path, args: &[&str]) -> Output {
    let o = Command::new(env!("CARGO_BIN_EXE_oxyfield"))
        .env("RUST_LOG", "warn")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

const SHAPE: [usize; 3] = [10, 12, 14];

fn grid() -> Grid {
    Grid::from_shape_zyx(SHAPE, 10.0)
}

fn write_npy(path: &Path, data: &[f32]) {
    std::fs::write(path, npy::encode_f32(data, &SHAPE)).unwrap();
}

/// n = 0 in the low-z quarter, 0.5 elsewhere: statistics must leave the n = 0 voxels
/// and the fixed sphere out, but keep voxels with vessel wall.
fn viable_map() -> Vec<f32> {
    let g = grid();
    (0..g.len())
        .map(|i| if g.ijk(i).2 < 3 { 0.0 } else { 0.5 })
        .collect()
}

/// Mean, median and fractions below 0.5, 2.5, 5 and 10 mmHg of `o2` where `tissue` is
/// 1, as numpy gives them (`o2[t].astype(float).mean()`, `np.median`, `(o2[t] < x).mean()`).
fn numpy_stats(o2: &[f32], tissue: &[f32]) -> (usize, f64, f64, [f64; 4]) {
    let mut v: Vec<f64> = o2
        .iter()
        .zip(tissue)
        .filter(|(_, &t)| t == 1.0)
        .map(|(&p, _)| f64::from(p))
        .collect();
    assert!(tissue.iter().all(|&t| t == 0.0 || t == 1.0));
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let mean = v.iter().sum::<f64>() / n as f64;
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    let below = |x: f64| v.iter().filter(|&&p| p < x).count() as f64 / n as f64;
    (n, mean, median, [0.5, 2.5, 5.0, 10.0].map(below))
}

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0),
        "{what}: recomputed {a}, summary {b}"
    );
}

#[test]
fn summary_statistics_recompute_from_o2_and_tissue_arrays() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_npy(&d.join("n.npy"), &viable_map());
    std::fs::write(
        d.join("s.toml"),
        "name = \"s\"\nseed = 3\n[grid]\nshape_zyx = [10, 12, 14]\nspacing_um = 10.0\n\
         [tissue]\nviable_fraction_npy = \"n.npy\"\n\
         [vessels.synthetic]\ndensity_mm_per_mm3 = 150.0\n\
         [[fixed_regions]]\nshape = \"sphere\"\nradius_um = 25.0\nvalue_mmhg = 60.0\n\
         [ros]\nenabled = false\n",
    )
    .unwrap();
    oxyfield(d, &["run", "s.toml", "--backend", "cpu", "--out", "out"]);
    let out = d.join("out");
    let g = grid();
    let o2 = npy::read_field(&out.join("o2.npy"), &g).unwrap();
    let tissue = npy::read_field(&out.join("tissue.npy"), &g).unwrap();
    let s = json(&out.join("summary.json"));
    let files: Vec<&str> = s["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f.as_str())
        .collect();
    assert!(files.contains(&"tissue.npy") && files.contains(&"tissue.json"));
    assert_eq!(json(&out.join("tissue.json"))["units"], "1");

    let (n, mean, median, hf) = numpy_stats(&o2, &tissue);
    let o = &s["o2"];
    assert_eq!(n as u64, o["tissue_voxels"].as_u64().unwrap());
    close(mean, o["mean_mmhg"].as_f64().unwrap(), "mean");
    close(median, o["median_mmhg"].as_f64().unwrap(), "median");
    for (k, t) in ["lt_0.5", "lt_2.5", "lt_5", "lt_10"].iter().enumerate() {
        close(hf[k], o["hypoxic_fraction"][t].as_f64().unwrap(), t);
    }
    // The mask matters here: the whole block, or the voxels without vessel wall (what
    // `render` used to take), give other numbers.
    let all = numpy_stats(&o2, &vec![1.0; o2.len()]);
    assert!((all.1 - mean).abs() > 0.1, "{} vs {mean}", all.1);
    let sv = npy::read_field(&out.join("vessels_sv.npy"), &g).unwrap();
    let no_wall: Vec<f32> = sv.iter().map(|&x| f32::from(u8::from(x <= 0.0))).collect();
    assert!((numpy_stats(&o2, &no_wall).1 - mean).abs() > 0.1);

    // `render --plot histogram` counts the same voxels as the run's own histogram: with
    // the same title the two SVGs are the same.
    oxyfield(
        d,
        &[
            "render",
            "out",
            "--plot",
            "histogram",
            "--title",
            "s: tissue pO\u{2082}",
            "-o",
            "again.svg",
        ],
    );
    let run_svg = std::fs::read_to_string(out.join("figures/o2_histogram.svg")).unwrap();
    let again = std::fs::read_to_string(d.join("again.svg")).unwrap();
    assert!(
        run_svg == again,
        "render's histogram differs from the run's"
    );
}

#[test]
fn protocol_final_statistics_recompute_from_o2_and_tissue_arrays() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_npy(&d.join("n.npy"), &viable_map());
    let dose: Vec<f32> = (0..grid().len()).map(|i| (i % 3) as f32 * 0.5).collect();
    write_npy(&d.join("dose.npy"), &dose);
    std::fs::write(
        d.join("s.toml"),
        "name = \"p\"\nprotocol = \"p.toml\"\n\
         [grid]\nshape_zyx = [10, 12, 14]\nspacing_um = 10.0\n\
         [tissue]\nviable_fraction_npy = \"n.npy\"\n[vessels.synthetic]\n\
         [ros]\nenabled = false\n[figures]\nanimation = false\nplots = false\n",
    )
    .unwrap();
    std::fs::write(
        d.join("p.toml"),
        "schema_version = 1\nname = \"one\"\nduration = \"2h\"\ntime_step = \"1h\"\n\
         snapshots = []\n[[radiotherapy]]\ndose_gy = 8.0\nat = [\"0h\"]\n\
         dose_map_npy = \"dose.npy\"\n",
    )
    .unwrap();
    // The scenario names the protocol, so only s.toml is on the command line.
    oxyfield(d, &["run", "s.toml", "--backend", "cpu", "--out", "out"]);
    let out = d.join("out");
    let g = grid();
    let o2 = npy::read_field(&out.join("o2.npy"), &g).unwrap();
    let tissue = npy::read_field(&out.join("tissue.npy"), &g).unwrap();
    let s = json(&out.join("summary.json"));
    let end = &s["end"];
    let (_, mean, median, hf) = numpy_stats(&o2, &tissue);
    close(mean, end["mean_po2_mmhg"].as_f64().unwrap(), "mean");
    close(median, end["median_po2_mmhg"].as_f64().unwrap(), "median");
    for (k, f) in hf.iter().enumerate() {
        close(*f, end["hypoxic_fraction"][k].as_f64().unwrap(), "hypoxic");
    }
    // The protocol and its dose map are inputs too.
    let inputs = input_names(d, &s);
    for want in ["s.toml", "n.npy", "p.toml", "dose.npy"] {
        assert!(inputs.contains(want), "{want} missing from {inputs:?}");
    }
}

/// The file names in `reproduce.input_files` of a run in `dir`, each checked against
/// its size.
fn input_names(dir: &Path, s: &serde_json::Value) -> BTreeSet<String> {
    s["reproduce"]["input_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = dir.join(f["path"].as_str().unwrap());
            let len = std::fs::metadata(&p).unwrap().len();
            assert_eq!(f["bytes"].as_u64(), Some(len), "{p:?}");
            p.file_name().unwrap().to_string_lossy().into_owned()
        })
        .collect()
}

#[test]
fn input_files_record_every_file_the_run_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let g = grid();
    let sv: Vec<f32> = (0..g.len())
        .map(|i| if i % 50 == 0 { 0.05 } else { 0.0 })
        .collect();
    write_npy(&d.join("sv.npy"), &sv);
    write_npy(&d.join("pb.npy"), &vec![40.0; g.len()]);
    write_npy(&d.join("n.npy"), &viable_map());
    let fixed: Vec<f32> = (0..g.len()).map(|i| f32::from(u8::from(i < 14))).collect();
    write_npy(&d.join("fixed.npy"), &fixed);
    std::fs::create_dir(d.join("in")).unwrap();
    std::fs::write(
        d.join("in/s.toml"),
        "name = \"s\"\n[grid]\nshape_zyx = [10, 12, 14]\nspacing_um = 10.0\n\
         [tissue]\nviable_fraction_npy = \"../n.npy\"\n\
         [vessels.npy]\nsv = \"../sv.npy\"\npb = \"../pb.npy\"\n\
         [[fixed_regions]]\nshape = \"mask\"\nmask_npy = \"../fixed.npy\"\nvalue_mmhg = 30.0\n\
         [ros]\nenabled = false\n[figures]\nplots = false\nmontage = false\n",
    )
    .unwrap();
    oxyfield(d, &["run", "in/s.toml", "--backend", "cpu", "--out", "out"]);
    let inputs = input_names(d, &json(&d.join("out/summary.json")));
    let want: BTreeSet<String> = ["s.toml", "n.npy", "sv.npy", "pb.npy", "fixed.npy"]
        .map(String::from)
        .into();
    assert_eq!(inputs, want);

    // A CSV network reads its segments and boundary tables beside the nodes table.
    oxyfield(
        d,
        &[
            "network",
            "convert",
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("assets/networks/example_tree.dat")
                .to_str()
                .unwrap(),
            "net.csv",
        ],
    );
    std::fs::write(
        d.join("c.toml"),
        "name = \"c\"\n[grid]\nshape_zyx = [24, 48, 48]\nspacing_um = 10.0\n\
         [vessels.network]\nfile = \"net_nodes.csv\"\ncenter = true\n\
         [vessels.transport]\nmode = \"off\"\n\
         [ros]\nenabled = false\n[figures]\nplots = false\nmontage = false\n\
         [output]\npng = false\nvti = false\n",
    )
    .unwrap();
    oxyfield(d, &["run", "c.toml", "--backend", "cpu", "--out", "out_c"]);
    let inputs = input_names(d, &json(&d.join("out_c/summary.json")));
    let want: BTreeSet<String> = [
        "c.toml",
        "net_nodes.csv",
        "net_segments.csv",
        "net_boundary.csv",
    ]
    .map(String::from)
    .into();
    assert_eq!(inputs, want);
}
