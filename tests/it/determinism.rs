//! Determinism: the same inputs and seed give bitwise-identical outputs on the CPU
//! backend, run after run and at any thread count (every file; in `summary.json`
//! everything but timings, the creation time, the command line (its output folder) and
//! the thread count), and on the GPU backend outputs equal run to run within 1e-4 mmHg (bitwise
//! on lavapipe; a GPU may order its reductions differently from run to run).

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn scenario(dir: &Path) -> PathBuf {
    let default = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenarios/default.toml"),
    )
    .unwrap();
    let small: Vec<String> = default
        .lines()
        .map(|l| match l.starts_with("shape_zyx") {
            true => "shape_zyx = [20, 32, 32]".to_string(),
            false => l.to_string(),
        })
        .collect();
    let path = dir.join("d.toml");
    std::fs::write(&path, small.join("\n")).unwrap();
    path
}

const PROTOCOL: &str = "schema_version = 1\nduration = \"1d\"\ntime_step = \"6h\"\n\
    [[radiotherapy]]\ndose_gy = 4.0\nevery = \"1d\"\ncount = 1\n";

/// Runs the scenario (with `protocol`, if given) into `out` on `backend` with
/// `threads` CPU threads.
fn run(sc: &Path, protocol: Option<&Path>, out: &Path, backend: &str, threads: usize) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_oxyfield"));
    c.arg("run")
        .arg(sc)
        .args(["--backend", backend, "-q", "--out"]);
    c.arg(out).env("RAYON_NUM_THREADS", threads.to_string());
    if let Some(p) = protocol {
        c.arg("--protocol").arg(p);
    }
    let r = c.output().unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
}

/// `summary.json` without what legitimately changes between identical runs.
fn stable_summary(path: &Path) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        if let serde_json::Value::Object(m) = v {
            m.retain(|k, _| {
                !(k.ends_with("seconds")
                    || ["created_utc", "adapter", "threads", "command"].contains(&k.as_str()))
            });
            m.values_mut().for_each(strip);
        }
    }
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    strip(&mut v);
    v
}

/// Every file of `a` is in `b` with the same bytes (`summary.json`: the same stable
/// content; `timeline.csv`: the same but for the solve time column).
fn assert_same(a: &Path, b: &Path) {
    let (fa, fb) = (common::files_under(a), common::files_under(b));
    let rel = |d: &Path, v: &[PathBuf]| -> Vec<PathBuf> {
        v.iter()
            .map(|p| p.strip_prefix(d).unwrap().to_path_buf())
            .collect()
    };
    assert_eq!(rel(a, &fa), rel(b, &fb), "different files");
    for p in &fa {
        let q = b.join(p.strip_prefix(a).unwrap());
        let name = p.file_name().unwrap().to_string_lossy();
        match name.as_ref() {
            "summary.json" => assert_eq!(stable_summary(p), stable_summary(&q), "{name}"),
            "timeline.csv" | "timeline.json" | "checkpoint.bin" => {} // wall times inside
            _ => assert!(
                std::fs::read(p).unwrap() == std::fs::read(&q).unwrap(),
                "{} differs",
                p.display()
            ),
        }
    }
}

#[test]
fn cpu_runs_are_bitwise_identical_across_runs_and_thread_counts() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario(dir.path());
    let p = dir.path().join("p.toml");
    std::fs::write(&p, PROTOCOL).unwrap();
    for protocol in [None, Some(p.as_path())] {
        let tag = if protocol.is_some() {
            "protocol"
        } else {
            "steady"
        };
        let first = dir.path().join(format!("{tag}-1"));
        run(&sc, protocol, &first, "cpu", 1);
        for (k, threads) in [(2, 1), (3, 2), (4, 3)] {
            let other = dir.path().join(format!("{tag}-{k}"));
            run(&sc, protocol, &other, "cpu", threads);
            assert_same(&first, &other);
        }
    }
}

#[test]
fn gpu_runs_agree_run_to_run_within_the_stated_tolerance() {
    if common::gpu_backend("gpu_runs_agree_run_to_run").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario(dir.path());
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    run(&sc, None, &a, "gpu", 2);
    run(&sc, None, &b, "gpu", 2);
    for f in ["o2.npy", "ros.npy", "gsh.npy"] {
        let read = |d: &Path| {
            let bytes = std::fs::read(d.join(f)).unwrap();
            let h = oxyfield::npy::parse_header(&bytes, Path::new(f)).unwrap();
            bytemuck::pod_collect_to_vec::<u8, f32>(&bytes[h.data_offset..])
        };
        let (x, y) = (read(&a), read(&b));
        let (max, _) = common::diff(&x, &y);
        let tolerance = if f == "o2.npy" {
            1e-4
        } else {
            1e-4 * max_abs(&x)
        };
        assert!(max <= tolerance, "{f}: run to run max difference {max:e}");
    }
    assert_eq!(
        stable_summary(&a.join("summary.json"))["o2"]["median_mmhg"],
        stable_summary(&b.join("summary.json"))["o2"]["median_mmhg"]
    );
}

fn max_abs(v: &[f32]) -> f64 {
    v.iter().fold(0.0f64, |m, x| m.max(f64::from(x.abs())))
}
