//! Runs killed at random moments (SIGKILL, SIGTERM, SIGINT) leave only complete files
//! in their output folder, Ctrl-C and SIGTERM write a checkpoint and exit with 130,
//! and continuing the run (with `--resume` where a checkpoint exists) ends with the
//! same fields, bitwise on the CPU backend, as a run never interrupted.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PROTOCOL: &str = r#"
schema_version = 1
duration = "2d"
time_step = "4h"
checkpoint_every = "8h"
snapshots = ["1d"]
[[radiotherapy]]
dose_gy = 4.0
every = "1d"
count = 2
"#;

/// The default scenario on a small grid, and the protocol.
fn inputs(dir: &Path) -> (PathBuf, PathBuf) {
    let default = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenarios/default.toml"),
    )
    .unwrap();
    let small: String = default
        .lines()
        .map(|l| {
            if l.starts_with("shape_zyx") {
                "shape_zyx = [16, 24, 24]".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let (sc, p) = (dir.join("k.toml"), dir.join("kp.toml"));
    std::fs::write(&sc, small).unwrap();
    std::fs::write(&p, PROTOCOL).unwrap();
    (sc, p)
}

fn start(sc: &Path, p: &Path, out: &Path, resume: bool) -> Child {
    let mut c = Command::new(env!("CARGO_BIN_EXE_oxyfield"));
    c.arg("run")
        .arg(sc)
        .arg("--protocol")
        .arg(p)
        .args(["--backend", "cpu", "-q", "--out"])
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if resume {
        c.arg("--resume");
    }
    c.spawn().unwrap()
}

/// Every file in `dir` (and its subfolders) is whole: JSON parses, `.npy` holds the
/// data its header promises, PNGs decode, VTK and SVG files are well-formed XML, the
/// checkpoint reads back; no `*.partial` file is taken for a result.
fn assert_complete(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries {
        let path = e.unwrap().path();
        if path.is_dir() {
            assert_complete(&path);
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        let what = path.display();
        match path.extension().and_then(|x| x.to_str()).unwrap_or("") {
            "partial" => {} // an unfinished write: never a result, removed on the next run
            "json" => {
                serde_json::from_slice::<serde_json::Value>(&bytes)
                    .unwrap_or_else(|e| panic!("{what}: incomplete JSON: {e}"));
            }
            "npy" => {
                let h = oxyfield::npy::parse_header(&bytes, &path)
                    .unwrap_or_else(|e| panic!("{what}: bad header: {e}"));
                let n: usize = h.shape.iter().product();
                assert_eq!(bytes.len(), h.data_offset + 4 * n, "{what}: truncated");
            }
            "png" => {
                image::load_from_memory(&bytes)
                    .unwrap_or_else(|e| panic!("{what}: incomplete PNG: {e}"));
            }
            "vti" | "svg" | "pvd" => {
                let text = String::from_utf8(bytes).unwrap();
                roxmltree::Document::parse(&text)
                    .unwrap_or_else(|e| panic!("{what}: incomplete XML: {e}"));
            }
            "bin" => {
                assert_eq!(name, "checkpoint.bin");
                oxyfield::therapy::checkpoint::Checkpoint::read(dir)
                    .unwrap_or_else(|e| panic!("{what}: unreadable: {e}"));
            }
            "csv" => {
                let text = String::from_utf8(bytes).unwrap();
                assert!(text.ends_with('\n'), "{what}: incomplete CSV");
            }
            other => panic!("{what}: unexpected file type {other:?}"),
        }
    }
}

/// The result files that must come out bitwise the same (the endpoints' histogram and
/// the snapshots' collection too: a resumed run lists every snapshot).
const RESULTS: [&str; 7] = [
    "o2.npy",
    "viable.npy",
    "doomed.npy",
    "dead.npy",
    "ros.npy",
    "hypoxic_volume_histogram.csv",
    "snapshots/snapshots.pvd",
];

#[test]
fn runs_killed_at_random_moments_leave_complete_files_and_continue_to_the_same_result() {
    let dir = tempfile::tempdir().unwrap();
    let (sc, p) = inputs(dir.path());
    let reference = dir.path().join("reference");
    let t0 = Instant::now();
    let r = start(&sc, &p, &reference, false)
        .wait_with_output()
        .unwrap();
    let whole = t0.elapsed();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));

    // A fixed pseudo-random sequence of kill moments over the run's length.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % 1000) as f64 / 1000.0
    };
    let signals = ["KILL", "TERM", "INT", "KILL", "INT", "TERM", "KILL", "INT"];
    let (mut interrupted, mut resumed) = (0, 0);
    for (k, signal) in signals.iter().enumerate() {
        let out = dir.path().join(format!("kill{k}"));
        let at = whole.mul_f64(0.05 + next());
        let mut child = start(&sc, &p, &out, false);
        std::thread::sleep(at);
        let _ = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status();
        let status = child.wait().unwrap();
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            use std::io::Read;
            let _ = e.read_to_string(&mut err);
        }
        assert!(!err.contains("panicked"), "{err}");
        assert_complete(&out);
        let finished = out.join("summary.json").exists();
        if *signal != "KILL" && !finished && status.code().is_some() {
            // Stopped cleanly: 130, and where the run had passed its first solve,
            // the checkpoint it says it wrote.
            assert_eq!(status.code(), Some(130), "{signal} at {at:?}: {err}");
            if err.contains("the last checkpoint") {
                assert!(out.join("checkpoint.bin").exists(), "{err}");
            }
        }
        // Continue: from the checkpoint when there is one, else from the start.
        if !finished {
            let resume = out.join("checkpoint.bin").exists();
            interrupted += 1;
            resumed += usize::from(resume);
            eprintln!("{signal} at {at:?}: stopped; continuing with resume = {resume}");
            let r = start(&sc, &p, &out, resume).wait_with_output().unwrap();
            assert!(
                r.status.success(),
                "continuing after {signal} at {at:?} (resume: {resume}): {}",
                String::from_utf8_lossy(&r.stderr)
            );
        }
        assert_complete(&out);
        for f in RESULTS {
            let a = std::fs::read(reference.join(f)).unwrap();
            let b = std::fs::read(out.join(f)).unwrap();
            assert!(
                a == b,
                "{f} differs after {signal} at {at:?} and continuing"
            );
        }
        let left: Vec<_> = common::files_under(&out)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|x| x == "partial"))
            .collect();
        assert!(left.is_empty(), "unfinished files left: {left:?}");
    }
    // The kills did land mid-run, and some runs continued from a checkpoint.
    assert!(
        whole > Duration::from_millis(100),
        "the run is too short to interrupt"
    );
    assert!(
        interrupted >= 3 && resumed >= 1,
        "{interrupted} runs interrupted, {resumed} resumed: the kills missed the run"
    );
}
