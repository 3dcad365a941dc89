//! `oxyfield plan`, `batch` and `collect` through the binary: shards cover the sweep
//! exactly once, a batch killed part-way resumes with `--skip-existing` without
//! running a scenario twice or leaving a half-written folder, and collecting gives one
//! CSV row and one montage panel per scenario.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

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
