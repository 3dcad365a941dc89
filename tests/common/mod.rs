//! Shared test helpers: the GPU backend for tests (fail or skip when absent) and small
//! problems.
#![allow(dead_code)]

use oxyfield::backend::gpu::{GpuBackend, GpuContext};

/// Set to make GPU tests fail instead of skipping when no adapter exists (CI sets it).
pub const REQUIRE_GPU: &str = "OXYFIELD_REQUIRE_GPU";

/// A GPU backend on any adapter (software ones included: CI runs on lavapipe). Without
/// an adapter: panics if `OXYFIELD_REQUIRE_GPU` is set, else prints why and returns None.
pub fn gpu_backend(test: &str) -> Option<GpuBackend> {
    match GpuContext::open(None, true).and_then(GpuBackend::new) {
        Ok(b) => Some(b),
        Err(e) => {
            if std::env::var_os(REQUIRE_GPU).is_some_and(|v| !v.is_empty() && v != "0") {
                panic!("{test}: {REQUIRE_GPU} is set but no GPU backend could be opened: {e}");
            }
            let msg = format!(
                "SKIPPED {test}: no GPU adapter ({e}); set {REQUIRE_GPU}=1 to make this fail"
            );
            // libtest captures eprintln! (and io::stderr()); a skipped GPU test must stay
            // visible, so write to the process's stderr file where there is one.
            use std::io::Write;
            match std::fs::OpenOptions::new().write(true).open("/dev/stderr") {
                Ok(mut f) => {
                    let _ = writeln!(f, "{msg}");
                }
                Err(_) => eprintln!("{msg}"),
            }
            None
        }
    }
}

use oxyfield::assemble::{assemble, Assembled};
use oxyfield::backend::O2Backend;
use oxyfield::config::Scenario;
use oxyfield::solver::{solve_steady, SolveReport};

/// A scenario from TOML text (relative paths resolve against `base`).
pub fn scenario(toml: &str, base: &std::path::Path) -> Scenario {
    Scenario::from_toml(toml, "test scenario", "test", base.to_path_buf())
        .unwrap_or_else(|e| panic!("test scenario does not parse: {e}"))
}

/// Assembles and solves `sc` on `backend` from the initial guess.
pub fn solve(sc: &Scenario, backend: &mut dyn O2Backend) -> (Assembled, Vec<f32>, SolveReport) {
    let a = assemble(sc).expect("assemble");
    let opts = sc.solve_options();
    oxyfield::solver::load(backend, &a.problem, opts.method, &a.problem.initial_guess())
        .expect("load");
    let report = solve_steady(backend, &a.problem, &opts).expect("solve");
    let po2 = backend.read_o2().expect("read");
    (a, po2, report)
}

/// Max and mean absolute difference of two fields.
pub fn diff(a: &[f32], b: &[f32]) -> (f64, f64) {
    assert_eq!(a.len(), b.len());
    let mut max = 0.0f64;
    let mut sum = 0.0f64;
    for (x, y) in a.iter().zip(b) {
        let d = (*x as f64 - *y as f64).abs();
        max = max.max(d);
        sum += d;
    }
    (max, sum / a.len() as f64)
}

/// Every file below `dir`, sorted.
pub fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}
