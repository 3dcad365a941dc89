//! Device reuse in batches: `oxyfield batch` over 20 small scenarios against one
//! `oxyfield run` of one of them, both through the binary as a user runs them (process
//! start, device and pipeline creation included). A batch opens its backend once and
//! reuses it, so it should take well under 20 single runs. Runs on the CPU backend
//! always and on the GPU backend where an adapter exists (software ones included).
//!
//!     cargo bench --bench batch_reuse
//!
//! Compare `batch_of_20` with 20 × `single_run` for each backend.

use criterion::{criterion_group, criterion_main, Criterion};
use oxyfield::batch::sweep::Sweep;
use std::path::Path;
use std::process::Command;

const SWEEP: &str = r#"schema_version = 1
name = "reuse"
base = "default"
[vary]
"grid.shape_zyx" = [[16, 32, 32]]
"vessels.synthetic.density_mm_per_mm3" = [80.0, 100.0, 120.0, 140.0, 160.0]
seed = [1, 2, 3, 4]
"figures.plots" = [false]
"figures.montage" = [false]
"output.png" = [false]
"#;

fn oxyfield(args: &[&str], dir: &Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_oxyfield"))
        .args(args)
        .arg("--quiet")
        .current_dir(dir)
        .env_remove("SLURM_ARRAY_TASK_ID")
        .status()
        .expect("start oxyfield");
    assert!(status.success(), "oxyfield {args:?} failed");
}

fn reuse(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let sweep_path = dir.path().join("sweep.toml");
    std::fs::write(&sweep_path, SWEEP).expect("write the sweep");
    let sweep = Sweep::from_toml(SWEEP, "bench", dir.path()).expect("bench sweep");
    assert_eq!(sweep.runs.len(), 20);
    std::fs::write(
        dir.path().join("one.toml"),
        sweep.scenario_toml(&sweep.runs[0]),
    )
    .expect("write one scenario");
    let has_gpu = !oxyfield::backend::gpu::adapters().is_empty();
    let mut group = c.benchmark_group("batch_reuse");
    group.sample_size(10);
    for backend in ["cpu", "gpu"] {
        if backend == "gpu" && !has_gpu {
            eprintln!("GPU rows skipped: no adapter");
            continue;
        }
        group.bench_function(format!("{backend}/single_run"), |b| {
            b.iter(|| {
                oxyfield(
                    &["run", "one.toml", "--out", "one", "--backend", backend],
                    dir.path(),
                )
            })
        });
        group.bench_function(format!("{backend}/batch_of_20"), |b| {
            b.iter(|| {
                oxyfield(
                    &[
                        "batch",
                        "sweep.toml",
                        "--out",
                        "batch",
                        "--backend",
                        backend,
                    ],
                    dir.path(),
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, reuse);
criterion_main!(benches);
