//! Shared test helpers: the GPU backend for tests (fail or skip when absent), small
//! problems, the real binary (`oxyfield()`, `run_cpu`, its stderr and stdout as text),
//! and protocol runs with tissue kinetics off.
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

use std::path::Path;
use std::process::{Command, Output};

/// The real `oxyfield` binary, logging at warn level (so tests see warnings and errors).
pub fn oxyfield() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_oxyfield"));
    c.env("RUST_LOG", "warn");
    c
}

/// A command's stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A command's stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `oxyfield run SCENARIO --backend cpu --out OUT`.
pub fn run_cpu(scenario: &Path, out: &Path) -> Output {
    oxyfield()
        .arg("run")
        .arg(scenario)
        .args(["--backend", "cpu", "--out"])
        .arg(out)
        .output()
        .unwrap()
}

use oxyfield::protocol::Protocol;
use oxyfield::therapy::{run_protocol, RunOptions, TherapyParams, TherapyResult};

/// A protocol from TOML text (relative paths resolve against the working folder).
pub fn protocol(toml: &str) -> Protocol {
    Protocol::from_toml(toml, "test protocol", Path::new("."))
        .unwrap_or_else(|e| panic!("test protocol does not parse: {e}"))
}

/// `p` on `sc` on the CPU backend with tissue kinetics off (no growth, no necrosis), so
/// that what changes is the treatment's own effect.
pub fn run_static_tissue(sc: &Scenario, p: &Protocol) -> TherapyResult {
    let mut params = TherapyParams::of(sc);
    params.tissue.doubling_time_h = 0.0;
    params.tissue.necrosis_rate_per_h = 0.0;
    run_protocol(
        sc,
        p,
        &params,
        &mut oxyfield::backend::cpu::CpuBackend::new(),
        RunOptions::default(),
    )
    .unwrap()
}

/// The pointwise-kernel test helpers (tests/pointwise.rs, ros_kernels.rs, drug_kernels.rs).
use oxyfield::backend::pointwise::Pointwise;
use oxyfield::backend::Field;

/// `n` values in [lo, hi) from a fixed-seed LCG; every 7th value is exactly `lo`.
pub fn random(n: usize, seed: u64, lo: f32, hi: f32) -> Vec<f32> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|i| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (s >> 40) as f32 / (1u64 << 24) as f32;
            if i % 7 == 0 {
                lo
            } else {
                lo + (hi - lo) * u
            }
        })
        .collect()
}

/// Runs the pointwise `kernel` on `backend` with fresh fields holding `inputs` and `outputs`; returns
/// the outputs.
pub fn run_pointwise(
    backend: &mut dyn O2Backend,
    kernel: &dyn Pointwise,
    inputs: &[Vec<f32>],
    outputs: &[Vec<f32>],
) -> Vec<Vec<f32>> {
    let up = |b: &mut dyn O2Backend, v: &[Vec<f32>]| -> Vec<Field> {
        v.iter().map(|d| b.field_from(d, "test").unwrap()).collect()
    };
    let ins = up(backend, inputs);
    let outs = up(backend, outputs);
    backend.pointwise(kernel, &ins, &outs).unwrap();
    let got = outs
        .iter()
        .map(|&f| backend.field_read(f).unwrap())
        .collect();
    for f in ins.into_iter().chain(outs) {
        backend.field_free(f);
    }
    got
}

// ---- networks ---------------------------------------------------------------------

use oxyfield::vessels::{BoundaryCondition, BoundaryNode};

/// A boundary node of a test network: `node` held at pressure `p` (mmHg), haematocrit
/// 0.45, blood entering at `po2` (mmHg) where given.
pub fn pressure_node(node: usize, p: f64, po2: Option<f64>) -> BoundaryNode {
    BoundaryNode {
        node,
        condition: BoundaryCondition::Pressure(p),
        hematocrit: Some(0.45),
        po2_mmhg: po2,
    }
}
