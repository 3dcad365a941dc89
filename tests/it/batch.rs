//! `oxyfield plan`, `batch` and `collect` through the binary: shards cover the sweep
//! exactly once, a batch killed part-way resumes with `--skip-existing` without
//! running a scenario twice or leaving a half-written folder, and collecting gives one
//! CSV row and one montage panel per scenario.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common;

fn oxyfield() -> Command {
    Command::new(env!("CARGO_BIN_EXE_oxyfield"))
}

/// A sweep of 6 small steady scenarios (3 densities × 2 seeds) on the embedded default
/// scenario shrunk to `shape`.
fn sweep(dir: &Path, shape: &str) -> PathBuf {
    let path = dir.join("sweep.toml");
    std::fs::write(
        &path,
        format!(
            "schema_version = 1\nname = \"t\"\nbase = \"default\"\n[vary]\n\
             \"grid.shape_zyx\" = [{shape}]\n\
             \"vessels.synthetic.density_mm_per_mm3\" = [80.0, 120.0, 160.0]\n\
             seed = [1, 2]\n\
             \"figures.plots\" = [false]\n\"figures.montage\" = [false]\n\"output.png\" = [false]\n"
        ),
    )
    .unwrap();
    path
}

fn ids(out: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.') && !n.contains('.'))
        .collect();
    v.sort();
    v
}

#[test]
fn shards_run_every_scenario_once_and_collect_gathers_them() {
    let dir = tempfile::tempdir().unwrap();
    let s = sweep(dir.path(), "[12, 16, 16]");
    let plan = oxyfield().arg("plan").arg(&s).output().unwrap();
    assert!(
        plan.status.success(),
        "{}",
        String::from_utf8_lossy(&plan.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&plan.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 6);
    let out = dir.path().join("out");
    for i in 0..4 {
        let r = oxyfield()
            .arg("batch")
            .arg(&s)
            .args(["--backend", "cpu", "--shard", &format!("{i}/4"), "--out"])
            .arg(&out)
            .env_remove("SLURM_ARRAY_TASK_ID")
            .output()
            .unwrap();
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    }
    let want: Vec<String> = {
        let mut v: Vec<String> = lines
            .iter()
            .map(|l| l["id"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids(&out), want);
    for id in &want {
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join(id).join("manifest.json")).unwrap())
                .unwrap();
        assert_eq!(m["id"], id.as_str());
        assert!(out.join(id).join("summary.json").exists());
    }
    let r = oxyfield().arg("collect").arg(&out).output().unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let csv = std::fs::read_to_string(out.join("batch.csv")).unwrap();
    assert_eq!(csv.lines().count(), 7, "{csv}");
    assert!(csv.lines().next().unwrap().contains("median_po2_mmhg"));
    assert!(out.join("batch_montage.png").exists());
    // Density is the one numeric axis (the seed is averaged): one plot, its data beside it.
    assert!(out.join("batch_vs_density_mm_per_mm3.png").is_file());
    let data = std::fs::read_to_string(out.join("batch_vs_density_mm_per_mm3.csv")).unwrap();
    let rows: Vec<&str> = data.lines().collect();
    assert_eq!(rows.len(), 4, "a header and three densities: {data}");
    assert!(rows[0].starts_with("vessels.synthetic.density_mm_per_mm3,scenarios,"));
    assert!(
        rows[1].starts_with("80,2,"),
        "two seeds averaged per density: {data}"
    );
    assert!(
        !out.join("batch_vs_seed.png").exists(),
        "the seed is not an axis to plot"
    );
}

#[test]
fn a_killed_batch_resumes_without_rerunning_or_half_written_folders() {
    let dir = tempfile::tempdir().unwrap();
    let s = sweep(dir.path(), "[40, 64, 64]");
    let out = dir.path().join("out");
    let mut child = oxyfield()
        .arg("batch")
        .arg(&s)
        .args(["--backend", "cpu", "--out"])
        .arg(&out)
        .env_remove("SLURM_ARRAY_TASK_ID")
        .spawn()
        .unwrap();
    // Kill it once the first scenario is finished (or give up waiting).
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        if out.is_dir() && !ids(&out).is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = child.kill();
    let _ = child.wait();
    let before = ids(&out);
    assert!(before.len() < 6, "the batch finished before the kill");
    assert!(!before.is_empty(), "nothing finished within a minute");
    // No folder without its manifest: unfinished work stays in .ID.partial.
    let stamps: Vec<(String, String)> = before
        .iter()
        .map(|id| {
            let m: serde_json::Value = serde_json::from_slice(
                &std::fs::read(out.join(id).join("manifest.json")).expect("a finished folder"),
            )
            .unwrap();
            (id.clone(), m["started_utc"].as_str().unwrap().to_string())
        })
        .collect();
    let r = oxyfield()
        .arg("batch")
        .arg(&s)
        .args(["--backend", "cpu", "--skip-existing", "--out"])
        .arg(&out)
        .env_remove("SLURM_ARRAY_TASK_ID")
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let said = String::from_utf8_lossy(&r.stdout);
    assert!(
        said.contains(&format!("{} already finished", before.len())),
        "{said}"
    );
    assert_eq!(ids(&out).len(), 6);
    for (id, started) in stamps {
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join(&id).join("manifest.json")).unwrap())
                .unwrap();
        assert_eq!(
            m["started_utc"].as_str().unwrap(),
            started,
            "{id} ran twice"
        );
    }
    assert!(std::fs::read_dir(&out).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .ends_with(".partial")));
}

#[test]
fn the_example_sweep_plans_eighteen_scenarios() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let r = oxyfield()
        .arg("plan")
        .arg(root.join("assets/sweeps/density_consumption.toml"))
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(String::from_utf8_lossy(&r.stdout).lines().count(), 18);
    let shard = oxyfield()
        .arg("plan")
        .arg(root.join("assets/sweeps/density_consumption.toml"))
        .args(["--shard", "1/4"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&shard.stdout).lines().count(), 5);
    // Under a Slurm array task the shard comes from the environment.
    let slurm = oxyfield()
        .arg("plan")
        .arg(root.join("assets/sweeps/density_consumption.toml"))
        .env("SLURM_ARRAY_TASK_ID", "3")
        .env("SLURM_ARRAY_TASK_COUNT", "4")
        .env("SLURM_ARRAY_TASK_MIN", "2")
        .output()
        .unwrap();
    assert!(
        slurm.status.success(),
        "{}",
        String::from_utf8_lossy(&slurm.stderr)
    );
    assert_eq!(slurm.stdout, shard.stdout, "task 3 of 2..=5 is shard 1/4");
}

/// Runs the sweep into `out` with extra `flags`; returns stdout.
fn batch(s: &Path, out: &Path, flags: &[&str]) -> String {
    let r = oxyfield()
        .arg("batch")
        .arg(s)
        .args(flags)
        .arg("--out")
        .arg(out)
        .env_remove("SLURM_ARRAY_TASK_ID")
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    String::from_utf8_lossy(&r.stdout).into_owned()
}

/// Every scenario's O2 volume is bitwise the same in `a` and `b`.
fn same_fields(a: &Path, b: &Path) {
    let (ia, ib) = (ids(a), ids(b));
    assert_eq!(ia, ib);
    for id in &ia {
        let fa = std::fs::read(a.join(id).join("o2.npy")).unwrap();
        let fb = std::fs::read(b.join(id).join("o2.npy")).unwrap();
        assert!(fa == fb, "{id}: o2.npy differs between the two batches");
    }
}

#[test]
fn concurrent_cpu_workers_give_the_same_results_as_one() {
    let dir = tempfile::tempdir().unwrap();
    let s = sweep(dir.path(), "[12, 16, 16]");
    let one = dir.path().join("one");
    let three = dir.path().join("three");
    batch(&s, &one, &["--backend", "cpu"]);
    let said = batch(&s, &three, &["--backend", "cpu", "--jobs", "3"]);
    assert!(
        said.contains("6 scenarios run") && said.contains("3 workers"),
        "{said}"
    );
    same_fields(&one, &three);
}

#[test]
fn devices_run_one_worker_per_adapter_and_match_a_single_worker() {
    // Skips (or fails under OXYFIELD_REQUIRE_GPU) where no adapter exists.
    if common::gpu_backend("devices_run_one_worker_per_adapter").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let s = sweep(dir.path(), "[12, 16, 16]");
    let one = dir.path().join("one");
    let all = dir.path().join("all");
    batch(&s, &one, &["--backend", "gpu"]);
    let said = batch(&s, &all, &["--devices", "all", "--jobs", "2"]);
    assert!(
        said.contains("6 scenarios run") && said.contains("gpu: "),
        "{said}"
    );
    same_fields(&one, &all);
    for id in ids(&all) {
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(all.join(&id).join("manifest.json")).unwrap())
                .unwrap();
        assert_eq!(m["backend"], "gpu", "{id}");
        assert_eq!(m["shard"], "0/1", "{id}");
    }
    // Bad device lists are input errors (exit 2) naming the flag and the fix.
    for (spec, text) in [("7", "no adapter 7"), ("x", "not an adapter number")] {
        let r = oxyfield()
            .arg("batch")
            .arg(&s)
            .args(["--devices", spec, "--out"])
            .arg(dir.path().join("bad"))
            .output()
            .unwrap();
        assert_eq!(r.status.code(), Some(2));
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(err.contains("--devices") && err.contains(text), "{err}");
    }
}
