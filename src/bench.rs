//! `oxyfield bench`: time to a converged steady state with multigrid and with the
//! previous method (red–black SOR) on the same problem, smoothing-kernel throughput,
//! and the kernel's effective bandwidth as a fraction of the device's own copy
//! bandwidth measured in the same run, a number that means the same on every GPU.

use crate::backend::O2Backend;
use crate::config::Scenario;
use crate::solver::{self, Method, SolveOptions, SolveReport};
use crate::Result;
use serde::Serialize;

/// Bytes a smoothing sweep must move per voxel at the least: the pO2 read and written
/// once, and Sv, Pb, n and the fixed value read once (6 × 4 bytes). Real traffic is
/// higher (red and black voxels share cache lines, so each colour pass touches every
/// line), so the ratio below is a lower bound on the bandwidth the kernel achieves.
pub const BYTES_PER_VOXEL_SWEEP: f64 = 24.0;

/// Which problem `oxyfield bench` solves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Problem {
    /// The default scenario's tissue: synthetic vasculature at 100 mm/mm³, M = 15
    /// mmHg/s. Vessel exchange and consumption damp the slow error modes, so even SOR
    /// needs a size-independent ~75–100 sweeps here.
    Tissue,
    /// Diffusion-dominated: no vessels, one face held at 60 mmHg, M = 2 mmHg/s. Slow
    /// modes dominate; this is where multigrid's size independence pays.
    Diffusion,
}

/// The benchmark problem: an n³ block at 10 µm (fixed seed).
pub fn problem_toml(n: usize, problem: Problem) -> String {
    let body = match problem {
        Problem::Tissue => "[vessels.synthetic]\ndensity_mm_per_mm3 = 100.0\n",
        Problem::Diffusion => {
            "[oxygen]\nmax_consumption_mmhg_per_s = 2.0\n[boundary]\nx_min = 60.0\n"
        }
    };
    format!(
        "name = \"bench-{n}\"\nseed = 1\n[grid]\nshape_zyx = [{n}, {n}, {n}]\nspacing_um = 10.0\n\
         {body}[solver]\ntolerance = 1e-6\nmax_iterations = 100000\n"
    )
}

/// One solver's result at one size.
#[derive(Debug, Clone, Serialize)]
pub struct SolveRow {
    /// "multigrid" or "rbsor".
    pub method: String,
    /// V-cycles or sweeps.
    pub iterations: u32,
    /// Fine-grid sweep-equivalents.
    pub sweep_equivalents: f64,
    /// Seconds to converge (host wall clock, including residual read-backs).
    pub seconds: f64,
    /// Final relative residual.
    pub residual: f64,
    /// Tolerance reached.
    pub converged: bool,
}

impl From<&SolveReport> for SolveRow {
    fn from(r: &SolveReport) -> Self {
        SolveRow {
            method: r.method.to_string(),
            iterations: r.iterations,
            sweep_equivalents: r.sweep_equivalents,
            seconds: r.seconds,
            residual: r.residual,
            converged: r.converged,
        }
    }
}

/// Everything measured at one grid size.
#[derive(Debug, Clone, Serialize)]
pub struct SizeRow {
    /// Voxels per axis.
    pub n: usize,
    /// Voxels in all.
    pub voxels: usize,
    /// Multigrid to 1e-6.
    pub multigrid: SolveRow,
    /// Red–black SOR to 1e-6 (absent with `--no-baseline`).
    pub rbsor: Option<SolveRow>,
    /// Smoothing kernel: G voxel-updates per second (one update = one voxel, one sweep).
    pub smooth_gcells_per_s: f64,
    /// How the smoothing time was measured: "timestamp" or "wall".
    pub smooth_timing: String,
    /// The device's buffer-copy bandwidth, GB/s (read + write).
    pub copy_gb_per_s: f64,
    /// Kernel effective bandwidth (at [`BYTES_PER_VOXEL_SWEEP`]) / copy bandwidth.
    pub bandwidth_ratio: f64,
    /// The ROS–GSH steady state on the converged pO2 field (default `[ros]`).
    pub ros: RosRow,
}

/// The ROS solve at one size.
#[derive(Debug, Clone, Serialize)]
pub struct RosRow {
    /// R solves (R–G iterations).
    pub gsh_iterations: u32,
    /// V-cycles of the last R solve.
    pub last_cycles: u32,
    /// Seconds for all of them, from the pO2 field to R and G.
    pub seconds: f64,
    /// Whether R and G converged.
    pub converged: bool,
}

/// Solves the n³ problem with `method` from the initial guess.
fn solve(
    backend: &mut dyn O2Backend,
    n: usize,
    kind: Problem,
    method: Method,
) -> Result<SolveReport> {
    let sc = Scenario::from_toml(&problem_toml(n, kind), "bench problem", "bench", ".".into())?;
    let problem = crate::assemble::assemble(&sc)?.problem;
    // The table reports `converged` per row: an unconverged baseline is a result here.
    let opts = SolveOptions {
        method,
        allow_unconverged: true,
        ..sc.solve_options()
    };
    solver::load(backend, &problem, method, &problem.initial_guess())?;
    solver::solve_steady(backend, &problem, &opts)
}

/// Measures one size on `backend`.
pub fn bench_size(
    backend: &mut dyn O2Backend,
    n: usize,
    kind: Problem,
    baseline: bool,
) -> Result<SizeRow> {
    let voxels = n * n * n;
    log::info!("bench {n}³: multigrid");
    let mg = solve(backend, n, kind, Method::Multigrid)?;
    let po2 = backend.read_o2()?;
    // Smoothing throughput on the converged field: a short run to size the timed one
    // (about half a second), then the timed run.
    let (t1, _) = backend.timed_smooth(2, 1.15)?;
    let sweeps = ((0.5 / (t1 / 2.0)).round() as u32).clamp(4, 400);
    let (t, how) = backend.timed_smooth(sweeps, 1.15)?;
    let cells_per_s = voxels as f64 * f64::from(sweeps) / t;
    let copy = backend.copy_bandwidth(voxels * 4)?;
    log::info!("bench {n}³: ROS");
    let ros = ros_row(backend, n, kind, &po2)?;
    let rbsor = if baseline {
        log::info!("bench {n}³: red–black SOR");
        Some(SolveRow::from(&solve(backend, n, kind, Method::RbSor)?))
    } else {
        None
    };
    Ok(SizeRow {
        n,
        voxels,
        multigrid: SolveRow::from(&mg),
        rbsor,
        smooth_gcells_per_s: cells_per_s / 1e9,
        smooth_timing: how.to_string(),
        copy_gb_per_s: copy / 1e9,
        bandwidth_ratio: cells_per_s * BYTES_PER_VOXEL_SWEEP / copy,
        ros,
    })
}

/// Solves ROS and GSH to steady state on the n³ problem's pO2 field `po2`.
fn ros_row(backend: &mut dyn O2Backend, n: usize, kind: Problem, po2: &[f32]) -> Result<RosRow> {
    let sc = Scenario::from_toml(&problem_toml(n, kind), "bench problem", "bench", ".".into())?;
    let problem = crate::assemble::assemble(&sc)?.problem;
    let params = sc.spec.ros.params();
    let sources = crate::ros::RosSources {
        po2,
        po2_previous: None,
        dose_rate_gy_per_s: 0.0,
    };
    let r = crate::ros::steady::solve_steady_state(
        backend,
        &problem,
        &params,
        &sources,
        &SolveOptions {
            allow_unconverged: true,
            ..sc.ros_solve_options()
        },
    )?;
    Ok(RosRow {
        gsh_iterations: r.gsh_iterations,
        last_cycles: r.report.iterations,
        seconds: r.seconds,
        converged: r.converged,
    })
}

/// Formats rows as a plain-text table.
pub fn table(rows: &[SizeRow]) -> String {
    let mut out = String::from(
        "   size | MG cycles  sweep-eq   time s | SOR sweeps  sweep-eq   time s | eq ratio | smooth Gcell/s (timing) | copy GB/s | BW ratio | ROS solves  time s\n",
    );
    out.push_str(&"-".repeat(out.len() - 1));
    out.push('\n');
    for r in rows {
        let (sor, ratio) = match &r.rbsor {
            Some(s) => (
                format!(
                    "{:>10} {:>9.0} {:>8.2}",
                    s.iterations, s.sweep_equivalents, s.seconds
                ),
                format!(
                    "{:>7.1}×",
                    s.sweep_equivalents / r.multigrid.sweep_equivalents
                ),
            ),
            None => (format!("{:>29}", "—"), format!("{:>8}", "—")),
        };
        out.push_str(&format!(
            "{:>6}³ | {:>9} {:>9.0} {:>8.2} | {sor} | {ratio} | {:>13.3} ({:>9}) | {:>9.1} | {:>7.0} % | {:>10} {:>7.2}\n",
            r.n,
            r.multigrid.iterations,
            r.multigrid.sweep_equivalents,
            r.multigrid.seconds,
            r.smooth_gcells_per_s,
            r.smooth_timing,
            r.copy_gb_per_s,
            100.0 * r.bandwidth_ratio,
            r.ros.gsh_iterations,
            r.ros.seconds
        ));
    }
    out
}
