//! Device loss: a GPU lost in the middle of a run stops it with an error that says so
//! (no panic, no summary written), and a protocol run continues from its last
//! checkpoint on a fresh device to the same result as a run that was never
//! interrupted. The loss is real: the test destroys the wgpu device under the backend.

use crate::common;

use oxyfield::backend::gpu::GpuBackend;
use oxyfield::backend::pointwise::{PointKernels, Pointwise};
use oxyfield::backend::stats::{Reduce, StatsKernels};
use oxyfield::backend::tissue::{TissueFields, TissueUniforms};
use oxyfield::backend::{
    BackendInfo, Counters, Field, FieldProblem, FieldStore, O2Backend, TissueHandles, TissueKernels,
};
use oxyfield::grid::Grid;
use oxyfield::problem::O2Problem;
use oxyfield::protocol::Protocol;
use oxyfield::therapy::checkpoint::Checkpoint;
use oxyfield::therapy::{run_protocol, RunOptions, TherapyParams};
use oxyfield::{Error, Result};
use std::path::Path;

/// A GPU backend whose device is destroyed at the `after`-th call of one kernel.
struct Losing {
    inner: GpuBackend,
    kernel: &'static str,
    after: usize,
    calls: usize,
}

impl Losing {
    fn tick(&mut self, kernel: &str) {
        if kernel == self.kernel {
            self.calls += 1;
            if self.calls == self.after {
                self.inner.context().device.destroy();
            }
        }
    }
}

impl TissueKernels for Losing {
    fn tissue_load(
        &mut self,
        grid: &Grid,
        region: &[u32],
        state: &TissueFields,
    ) -> Result<TissueHandles> {
        self.inner.tissue_load(grid, region, state)
    }
    fn tissue_irradiate(
        &mut self,
        u: &TissueUniforms,
        po2: Field,
        dose_map: Option<Field>,
    ) -> Result<()> {
        self.inner.tissue_irradiate(u, po2, dose_map)
    }
    fn tissue_kill(&mut self, log_kill: Field) -> Result<()> {
        self.inner.tissue_kill(log_kill)
    }
    fn tissue_step(&mut self, u: &TissueUniforms, po2: Field) -> Result<()> {
        self.tick("tissue_step");
        self.inner.tissue_step(u, po2)
    }
    fn tissue_read(&mut self) -> Result<TissueFields> {
        self.inner.tissue_read()
    }
}

impl FieldStore for Losing {
    fn field_alloc(&mut self, len: usize, label: &'static str) -> Result<Field> {
        self.inner.field_alloc(len, label)
    }
    fn field_free(&mut self, f: Field) {
        self.inner.field_free(f)
    }
    fn field_upload(&mut self, f: Field, data: &[f32]) -> Result<()> {
        self.inner.field_upload(f, data)
    }
    fn field_read(&mut self, f: Field) -> Result<Vec<f32>> {
        self.inner.field_read(f)
    }
    fn field_copy(&mut self, src: Field, dst: Field) -> Result<()> {
        self.inner.field_copy(src, dst)
    }
    fn field_fill(&mut self, f: Field, value: f32) -> Result<()> {
        self.inner.field_fill(f, value)
    }
    fn counters(&self) -> Counters {
        self.inner.counters()
    }
}

impl PointKernels for Losing {
    fn pointwise(
        &mut self,
        kernel: &dyn Pointwise,
        inputs: &[Field],
        outputs: &[Field],
    ) -> Result<()> {
        self.inner.pointwise(kernel, inputs, outputs)
    }
}

impl StatsKernels for Losing {
    fn reduce_masked(&mut self, mask: Field, items: &[(Field, Reduce)]) -> Result<Vec<f64>> {
        self.inner.reduce_masked(mask, items)
    }
    fn median_masked(&mut self, mask: Field, field: Field) -> Result<f64> {
        self.inner.median_masked(mask, field)
    }
}

impl O2Backend for Losing {
    fn info(&self) -> BackendInfo {
        self.inner.info()
    }
    fn load(&mut self, problem: &O2Problem, coarse: &[O2Problem], po2: &[f32]) -> Result<()> {
        self.inner.load(problem, coarse, po2)
    }
    fn load_fields(
        &mut self,
        problem: &FieldProblem,
        solution: Field,
        multigrid: bool,
    ) -> Result<()> {
        self.inner.load_fields(problem, solution, multigrid)
    }
    fn reference_sq_sum(&mut self) -> Result<f64> {
        self.inner.reference_sq_sum()
    }
    fn levels(&self) -> usize {
        self.inner.levels()
    }
    fn write_o2(&mut self, po2: &[f32]) -> Result<()> {
        self.inner.write_o2(po2)
    }
    fn read_o2(&mut self) -> Result<Vec<f32>> {
        self.inner.read_o2()
    }
    fn smooth(&mut self, level: usize, sweeps: u32, omega: f32) -> Result<()> {
        self.tick("smooth");
        self.inner.smooth(level, sweeps, omega)
    }
    fn restrict(&mut self, level: usize) -> Result<()> {
        self.inner.restrict(level)
    }
    fn prolong(&mut self, level: usize) -> Result<()> {
        self.inner.prolong(level)
    }
    fn residual_sq_sum(&mut self) -> Result<f64> {
        self.inner.residual_sq_sum()
    }
    fn step_explicit(&mut self, steps: u32, dt: f32) -> Result<()> {
        self.inner.step_explicit(steps, dt)
    }
    fn timed_smooth(&mut self, sweeps: u32, omega: f32) -> Result<(f64, &'static str)> {
        self.inner.timed_smooth(sweeps, omega)
    }
    fn copy_bandwidth(&mut self, bytes: usize) -> Result<f64> {
        self.inner.copy_bandwidth(bytes)
    }
    fn batch_begin(&mut self) {
        self.inner.batch_begin()
    }
    fn batch_end(&mut self) -> Result<()> {
        self.inner.batch_end()
    }
}

fn scenario() -> oxyfield::config::Scenario {
    common::scenario(
        "name = \"loss\"\n[grid]\nshape_zyx = [12, 16, 16]\nspacing_um = 10.0\n\
         [vessels.synthetic]\ndensity_mm_per_mm3 = 100.0\n[ros]\nenabled = false\n",
        Path::new("."),
    )
}

// `settle = false`: the device is lost at a counted tissue kernel call, and settling
// before t = 0 would make calls of its own.
const PROTOCOL: &str = r#"
schema_version = 1
duration = "4d"
time_step = "12h"
checkpoint_every = "1d"
settle = false
[[radiotherapy]]
dose_gy = 2.0
every = "1d"
count = 4
"#;

#[test]
fn a_lost_device_stops_a_steady_run_with_an_error_and_writes_nothing() {
    let Some(gpu) = common::gpu_backend("a_lost_device_stops_a_steady_run") else {
        return;
    };
    let mut losing = Losing {
        inner: gpu,
        kernel: "smooth",
        after: 3,
        calls: 0,
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let e = oxyfield::run::run_scenario(&scenario(), &mut losing, &out)
        .expect_err("a run on a destroyed device must fail");
    assert!(matches!(e, Error::DeviceLost(_)), "{e}");
    assert!(e.to_string().contains("device lost"), "{e}");
    assert_eq!(e.exit_code(), 1);
    assert!(!out.join("summary.json").exists());
}

#[test]
fn a_protocol_run_continues_after_a_lost_device_from_its_last_checkpoint() {
    let (Some(gpu), Some(fresh), Some(reference)) = (
        common::gpu_backend("device loss: first device"),
        common::gpu_backend("device loss: second device"),
        common::gpu_backend("device loss: reference"),
    ) else {
        return;
    };
    let sc = scenario();
    let protocol = Protocol::from_toml(PROTOCOL, "test", Path::new(".")).unwrap();
    let params = TherapyParams::of(&sc);
    let dir = tempfile::tempdir().unwrap();

    // Lost in the fifth tissue step (t = 48 h to 60 h): the last checkpoint is at 48 h.
    let mut losing = Losing {
        inner: gpu,
        kernel: "tissue_step",
        after: 5,
        calls: 0,
    };
    let mut opts = RunOptions {
        checkpoint_dir: Some(dir.path()),
        ..RunOptions::default()
    };
    let e = run_protocol(&sc, &protocol, &params, &mut losing, opts.clone())
        .expect_err("a run on a destroyed device must fail");
    let text = e.to_string();
    assert!(matches!(e, Error::DeviceLost(_)), "{text}");
    for part in [
        "protocol time t = 48.00 h",
        "last checkpoint (t = 48.00 h)",
        "checkpoint.bin",
        "--resume",
    ] {
        assert!(text.contains(part), "{text}\n  lacks: {part}");
    }

    opts.resume = Some(Checkpoint::read(dir.path()).unwrap());
    let mut fresh = fresh;
    let resumed = run_protocol(&sc, &protocol, &params, &mut fresh, opts).unwrap();
    assert!(resumed.finished);

    let mut reference = reference;
    let whole = run_protocol(
        &sc,
        &protocol,
        &params,
        &mut reference,
        RunOptions::default(),
    )
    .unwrap();
    assert_eq!(resumed.rows.len(), whole.rows.len());
    let (a, b) = (
        &resumed.rows[resumed.rows.len() - 1],
        &whole.rows[whole.rows.len() - 1],
    );
    assert_eq!(a.time_h, b.time_h);
    // The same device type, the same kernels and the same state at 48 h: the same
    // numbers (the tolerance only allows for float summation in the reductions).
    assert!(
        (a.viable_fraction - b.viable_fraction).abs() <= 1e-6,
        "viable {} resumed vs {} whole",
        a.viable_fraction,
        b.viable_fraction
    );
    assert!(
        (a.median_po2_mmhg - b.median_po2_mmhg).abs() <= 1e-4,
        "median pO2 {} resumed vs {} whole",
        a.median_po2_mmhg,
        b.median_po2_mmhg
    );
}

#[test]
fn an_over_limit_grid_gets_the_limits_message_before_anything_is_allocated() {
    let Some(gpu) = common::gpu_backend("an_over_limit_grid_gets_the_limits_message") else {
        return;
    };
    let limit = gpu.buffer_limit_bytes().expect("a GPU has a buffer limit");
    drop(gpu);
    // The smallest cube whose one f32 field is over the per-buffer limit.
    let n = ((limit / 4) as f64).cbrt().ceil() as usize + 1;
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("big.toml");
    std::fs::write(
        &scenario,
        format!("[grid]\nshape_zyx = [{n}, {n}, {n}]\nspacing_um = 10.0\n"),
    )
    .unwrap();
    let out = dir.path().join("out");
    let r = std::process::Command::new(env!("CARGO_BIN_EXE_oxyfield"))
        .arg("run")
        .arg(&scenario)
        .args(["--backend", "gpu", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(1), "{err}");
    for part in [
        format!("a {n}×{n}×{n} grid"),
        "per field buffer".to_string(),
        "per buffer; options:".to_string(),
        "a smaller grid".to_string(),
        "a coarser spacing".to_string(),
        "--backend cpu".to_string(),
    ] {
        assert!(err.contains(&part), "{err}\n  lacks: {part}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.exists(), "nothing may be written");
}

/// A non-finite coefficient (which input validation keeps out of real runs) makes the
/// field non-finite: the solve stops with the field and the voxel named, on both
/// backends, instead of writing NaN maps.
#[test]
fn a_non_finite_value_stops_the_solve_naming_the_field_and_voxel() {
    let sc = scenario();
    let mut a = oxyfield::assemble::assemble(&sc).unwrap();
    let g = a.problem.grid;
    let k = g.index(7, 6, 5);
    a.problem.viable[k] = f32::NAN;
    let opts = sc.solve_options();
    let mut backends: Vec<Box<dyn O2Backend>> =
        vec![Box::new(oxyfield::backend::cpu::CpuBackend::new())];
    if let Some(gpu) = common::gpu_backend("a_non_finite_value_stops_the_solve (GPU)") {
        backends.push(Box::new(gpu));
    }
    for mut b in backends {
        let start = a.problem.initial_guess();
        oxyfield::solver::load(b.as_mut(), &a.problem, opts.method, &start).unwrap();
        let e = oxyfield::solver::solve_steady(b.as_mut(), &a.problem, &opts)
            .expect_err("a NaN coefficient must stop the solve");
        let text = e.to_string();
        assert!(matches!(e, Error::Numerical(_)), "{text}");
        assert!(text.contains("O2") && text.contains("voxel ["), "{text}");
        assert_eq!(e.exit_code(), 1);
    }
}
