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

/// Bytes a smoothing sweep moves per voxel as the kernels are written today (both
/// backends): each colour pass reads pO2, Sv, Pb, n and the fixed value of every voxel
/// (red and black share cache lines) and writes pO2 back, 2 × (5 + 1) × 4 bytes; the
/// neighbour planes come from cache. The ratio at this figure is the kernel's actual
/// share of the copy bandwidth.
pub const BYTES_MOVED_PER_VOXEL_SWEEP: f64 = 48.0;

/// The least buffer the copy bandwidth is measured on (256 MiB, or the device's
/// per-buffer limit when lower): well beyond a CPU's last-level cache, so that the
/// figure is memory bandwidth, not cache bandwidth. A kernel whose level fits in cache
/// (64³ on a CPU) can then show a "BW moved" above 100 %.
pub const COPY_MIN_BYTES: usize = 256 << 20;

/// The columns problem's linear sink λ (1/s): 10.1 per minute.
pub(crate) const COLUMNS_SINK_PER_S: f64 = 10.1 / 60.0;

/// Where the columns problem's ten vessel columns stand, as fractions of the block's
/// x and y extent (fixed, spread over the block).
pub(crate) const COLUMNS_XY: [(f64, f64); 10] = [
    (0.13, 0.21),
    (0.52, 0.09),
    (0.87, 0.27),
    (0.31, 0.46),
    (0.69, 0.53),
    (0.08, 0.71),
    (0.46, 0.77),
    (0.91, 0.82),
    (0.24, 0.94),
    (0.63, 0.97),
];

/// Which problem `oxyfield bench` solves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Problem {
    /// The default scenario's tissue: synthetic vasculature at 100 mm/mm³, M = 15
    /// mmHg/s. Vessel exchange and consumption damp the slow error modes, so even SOR
    /// needs a size-independent ~75–100 sweeps here.
    Tissue,
    /// Diffusion-dominated: no vessels, one face held at 60 mmHg, M = 2 mmHg/s. Slow
    /// modes dominate; this is where multigrid's size independence pays.
    Diffusion,
    /// BioFVM's kind of problem (docs/benchmarks.md, "Columns"): ten vertical vessel
    /// columns held at 38 mmHg, D = 1e5 µm²/min, a uniform linear sink of 10.1/min,
    /// no-flux faces. The sink is the exchange term Γ·(0 − P) with Γ = λ everywhere.
    Columns,
    /// A short protocol on the tissue problem with ROS on: 24 h in 1 h steps, a 2 Gy
    /// fraction at 2 h and one evofosfamide dose at 0 h ([`PROTOCOL_TOML`]); reports
    /// time, host↔device bytes, submits and dispatches per step.
    Protocol,
}

/// The benchmark problem: an n³ block at 10 µm (fixed seed).
pub(crate) fn problem_toml(n: usize, problem: Problem) -> String {
    let body: String = match problem {
        Problem::Tissue => "[vessels.synthetic]\ndensity_mm_per_mm3 = 100.0\n".into(),
        Problem::Protocol => {
            "[vessels.synthetic]\ndensity_mm_per_mm3 = 100.0\n[ros]\nenabled = true\n".into()
        }
        Problem::Diffusion => {
            "[oxygen]\nmax_consumption_mmhg_per_s = 2.0\n[boundary]\nx_min = 60.0\n".into()
        }
        Problem::Columns => columns_toml(n),
    };
    format!(
        "name = \"bench-{n}\"\nseed = 1\n[grid]\nshape_zyx = [{n}, {n}, {n}]\nspacing_um = 10.0\n\
         {body}[solver]\ntolerance = 1e-6\nmax_iterations = 100000\n"
    )
}

/// The columns problem's oxygen table and columns (fixed boxes one voxel wide, the
/// block's height tall).
fn columns_toml(n: usize) -> String {
    let h = 10.0;
    let mut t = format!(
        "[oxygen]\ndiffusivity_um2_per_s = {}\nmax_consumption_mmhg_per_s = 0.0\n",
        1e5 / 60.0
    );
    for (fx, fy) in COLUMNS_XY {
        let (i, j) = ((fx * n as f64) as usize, (fy * n as f64) as usize);
        let (i, j) = (i.min(n - 1) as f64, j.min(n - 1) as f64);
        t.push_str(&format!(
            "[[fixed_regions]]\nshape = \"box\"\nmin_um = [{}, {}, 0.0]\nmax_um = [{}, {}, {}]\n\
             value_mmhg = 38.0\n",
            i * h,
            j * h,
            (i + 1.0) * h,
            (j + 1.0) * h,
            n as f64 * h
        ));
    }
    t
}

/// The n³ problem of `kind` and its scenario.
fn bench_problem(n: usize, kind: Problem) -> Result<(Scenario, crate::problem::O2Problem)> {
    let sc = Scenario::from_toml(&problem_toml(n, kind), "bench problem", "bench", ".".into())?;
    let mut problem = crate::assemble::assemble(&sc)?.problem;
    if kind == Problem::Columns {
        // The linear sink λ·P as exchange with blood at 0 mmHg: Pw·Sv = λ.
        let sv = (COLUMNS_SINK_PER_S / problem.params.wall_permeability_um_per_s) as f32;
        problem.sv.fill(sv);
        problem.pb.fill(0.0);
    }
    Ok((sc, problem))
}

/// One solver's result at one size.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SolveRow {
    /// "multigrid" or "rbsor".
    pub(crate) method: String,
    /// Multigrid cycles or SOR sweeps.
    pub(crate) iterations: u32,
    /// Fine-grid sweep-equivalents.
    pub(crate) sweep_equivalents: f64,
    /// Seconds to converge (host wall clock, including residual read-backs).
    pub(crate) seconds: f64,
    /// Final relative residual.
    pub(crate) residual: f64,
    /// Tolerance reached.
    pub(crate) converged: bool,
}

impl From<&SolveReport> for SolveRow {
    fn from(r: &SolveReport) -> Self {
        SolveRow {
            method: r.method.name().to_string(),
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
    pub(crate) n: usize,
    /// Voxels in all.
    pub(crate) voxels: usize,
    /// Multigrid to 1e-6.
    pub(crate) multigrid: SolveRow,
    /// Red–black SOR to 1e-6 (absent with `--no-baseline`).
    pub(crate) rbsor: Option<SolveRow>,
    /// Smoothing kernel: G voxel-updates per second (one update = one voxel, one sweep).
    pub(crate) smooth_gcells_per_s: f64,
    /// How the smoothing time was measured: "timestamp" or "wall".
    pub(crate) smooth_timing: String,
    /// The device's buffer-copy bandwidth, GB/s (read + write), on a buffer of at least
    /// [`COPY_MIN_BYTES`].
    pub(crate) copy_gb_per_s: f64,
    /// Kernel effective bandwidth (at [`BYTES_PER_VOXEL_SWEEP`]) / copy bandwidth.
    pub(crate) bandwidth_ratio: f64,
    /// The same at the bytes the kernel moves ([`BYTES_MOVED_PER_VOXEL_SWEEP`]).
    pub(crate) moved_bandwidth_ratio: f64,
    /// Mean pO2 over the free voxels of the converged field (mmHg).
    pub(crate) mean_po2_mmhg: f64,
    /// The ROS–GSH steady state on the converged pO2 field (default `[ros]`).
    pub(crate) ros: RosRow,
}

/// The ROS solve at one size.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RosRow {
    /// R solves (R–G iterations).
    pub(crate) gsh_iterations: u32,
    /// Multigrid cycles of the last R solve.
    pub(crate) last_cycles: u32,
    /// Seconds for all of them, from the pO2 field to R and G.
    pub(crate) seconds: f64,
    /// Whether R and G converged.
    pub(crate) converged: bool,
}

/// Solves the n³ problem with `method` from the initial guess.
fn solve(
    backend: &mut dyn O2Backend,
    sc: &Scenario,
    problem: &crate::problem::O2Problem,
    method: Method,
) -> Result<SolveReport> {
    // The table reports `converged` per row: an unconverged baseline is a result here.
    let opts = SolveOptions {
        method,
        allow_unconverged: true,
        ..sc.solve_options()
    };
    solver::load(backend, problem, method, &problem.initial_guess())?;
    solver::solve_steady(backend, problem, &opts)
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
    let (sc, problem) = bench_problem(n, kind)?;
    let mg = solve(backend, &sc, &problem, Method::Multigrid)?;
    let po2 = backend.read_o2()?;
    let (sum, free) = (0..voxels)
        .filter(|&i| !problem.is_fixed(i))
        .fold((0.0f64, 0usize), |(s, n), i| (s + f64::from(po2[i]), n + 1));
    let mean_po2_mmhg = sum / free.max(1) as f64;
    // Smoothing throughput on the converged field: a short run to size the timed one
    // (about half a second), then the timed run.
    let (t1, _) = backend.timed_smooth(2, 1.15)?;
    let sweeps = ((0.5 / (t1 / 2.0)).round() as u32).clamp(4, 400);
    let (t, how) = backend.timed_smooth(sweeps, 1.15)?;
    let cells_per_s = voxels as f64 * f64::from(sweeps) / t;
    // Beyond the last-level cache, within what the device allows per buffer.
    let limit = backend
        .buffer_limit_bytes()
        .map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
    let copy = backend.copy_bandwidth((voxels * 4).max(COPY_MIN_BYTES).min(limit))?;
    log::info!("bench {n}³: ROS");
    let ros = ros_row(backend, &sc, &problem, &po2)?;
    let rbsor = if baseline {
        log::info!("bench {n}³: red–black SOR");
        Some(SolveRow::from(&solve(
            backend,
            &sc,
            &problem,
            Method::RbSor,
        )?))
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
        moved_bandwidth_ratio: cells_per_s * BYTES_MOVED_PER_VOXEL_SWEEP / copy,
        mean_po2_mmhg,
        ros,
    })
}

/// Solves ROS and GSH to steady state on the n³ problem's pO2 field `po2`.
fn ros_row(
    backend: &mut dyn O2Backend,
    sc: &Scenario,
    problem: &crate::problem::O2Problem,
    po2: &[f32],
) -> Result<RosRow> {
    let params = sc.spec.ros.params();
    let sources = crate::ros::RosSources {
        po2,
        po2_previous: None,
        dose_rate_gy_per_s: 0.0,
    };
    let r = crate::ros::steady::solve_steady_state(
        backend,
        problem,
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
        "   size | MG cycles  sweep-eq   time s | SOR sweeps  sweep-eq   time s | eq ratio | smooth Gcell/s (timing) | copy GB/s | BW ratio | BW moved | ROS solves  time s | mean pO2\n",
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
            "{:>6}³ | {:>9} {:>9.0} {:>8.2} | {sor} | {ratio} | {:>13.3} ({:>9}) | {:>9.1} | {:>7.0} % | {:>7.0} % | {:>10} {:>7.2} | {:>8.3}\n",
            r.n,
            r.multigrid.iterations,
            r.multigrid.sweep_equivalents,
            r.multigrid.seconds,
            r.smooth_gcells_per_s,
            r.smooth_timing,
            r.copy_gb_per_s,
            100.0 * r.bandwidth_ratio,
            100.0 * r.moved_bandwidth_ratio,
            r.ros.gsh_iterations,
            r.ros.seconds,
            r.mean_po2_mmhg
        ));
    }
    out
}

/// The protocol of `--problem protocol`: 24 one-hour steps from the unsettled tissue,
/// one evofosfamide dose at 0 h and one 2 Gy fraction at 2 h.
pub const PROTOCOL_TOML: &str = "schema_version = 1
name = \"bench-protocol\"
description = \"oxyfield bench: 24 h in 1 h steps, evofosfamide at 0 h, 2 Gy at 2 h\"
duration = \"24h\"
time_step = \"1h\"
settle = false

[[radiotherapy]]
dose_gy = 2.0
start = \"2h\"
every = \"1d\"
count = 1

[[drug]]
preset = \"evofosfamide\"
start = \"0h\"
every = \"1w\"
count = 1
";

/// One protocol run at one size (`--problem protocol`).
#[derive(Debug, Clone, Serialize)]
pub struct ProtocolRow {
    /// Slow steps taken (timeline rows after the first).
    pub steps: usize,
    /// Wall time of the whole run (s), its t = 0 solve included.
    pub seconds: f64,
    /// Of `seconds`, the time to the t = 0 row (assembly and the first O2 and ROS
    /// solves from the initial guess).
    pub(crate) t0_seconds: f64,
    /// Of `seconds`, the time neither in the t = 0 row nor in the steps' `solve_seconds`:
    /// the events (the fraction with its radiolytic ROS burst) and bookkeeping.
    pub(crate) events_seconds: f64,
    /// `seconds` / `steps`, in ms.
    pub(crate) ms_per_step: f64,
    /// Median over the steps of the timeline's `solve_seconds`, in ms.
    pub(crate) median_step_ms: f64,
    /// The slowest step's `solve_seconds`, in ms (the steps with drug in plasma transport
    /// it in short sub-steps).
    pub(crate) max_step_ms: f64,
    /// Bytes host → backend per step: the steps' own traffic (without the start,
    /// snapshots, checkpoints and the final read) / steps.
    pub(crate) bytes_up_per_step: f64,
    /// Bytes backend → host per step.
    pub(crate) bytes_down_per_step: f64,
    /// Command submissions per step (0 on the CPU backend).
    pub(crate) submits_per_step: f64,
    /// Kernel dispatches per step.
    pub(crate) dispatches_per_step: f64,
    /// The most bytes (up + down) one step moved.
    pub(crate) max_step_bytes: u64,
    /// The run's totals, start and final read included (`summary.json` `transfers`).
    pub(crate) transfers: crate::backend::Counters,
    /// Whether every solve converged.
    pub(crate) converged: bool,
}

/// The n voxels per axis, voxel count and protocol measurement of one size.
#[derive(Debug, Clone, Serialize)]
pub struct ProtocolSizeRow {
    /// Voxels per axis.
    pub(crate) n: usize,
    /// Voxels in all.
    pub(crate) voxels: usize,
    /// The protocol run.
    pub protocol: ProtocolRow,
}

/// Runs [`PROTOCOL_TOML`] once on the n³ tissue problem with ROS on.
pub fn bench_protocol(backend: &mut dyn O2Backend, n: usize) -> Result<ProtocolSizeRow> {
    let toml = problem_toml(n, Problem::Protocol);
    let sc = Scenario::from_toml(&toml, "bench problem", "bench", ".".into())?;
    let protocol =
        crate::protocol::Protocol::from_toml(PROTOCOL_TOML, "bench protocol", ".".as_ref())?;
    let params = crate::therapy::TherapyParams::of(&sc);
    let start = std::time::Instant::now();
    let r = crate::therapy::run_protocol(
        &sc,
        &protocol,
        &params,
        backend,
        crate::therapy::RunOptions::default(),
    )?;
    let seconds = start.elapsed().as_secs_f64();
    let steps = r.rows.len().saturating_sub(1);
    let per = |x: f64| x / steps.max(1) as f64;
    let t0_seconds = r.rows.first().map_or(0.0, |r| r.solve_seconds);
    let mut solve: Vec<f64> = r.rows.iter().skip(1).map(|r| r.solve_seconds).collect();
    solve.sort_by(f64::total_cmp);
    let median = match solve.len() {
        0 => 0.0,
        k if k % 2 == 1 => solve[k / 2],
        k => 0.5 * (solve[k / 2 - 1] + solve[k / 2]),
    };
    let c = r.step_counters.total;
    Ok(ProtocolSizeRow {
        n,
        voxels: n * n * n,
        protocol: ProtocolRow {
            steps,
            seconds,
            t0_seconds,
            events_seconds: (seconds - t0_seconds - solve.iter().sum::<f64>()).max(0.0),
            ms_per_step: 1e3 * per(seconds),
            median_step_ms: 1e3 * median,
            max_step_ms: 1e3 * solve.last().copied().unwrap_or(0.0),
            bytes_up_per_step: per(c.bytes_up as f64),
            bytes_down_per_step: per(c.bytes_down as f64),
            submits_per_step: per(c.submits as f64),
            dispatches_per_step: per(c.dispatches as f64),
            max_step_bytes: r.step_counters.max_bytes_per_step,
            transfers: r.counters,
            converged: r.not_converged.1 == 0,
        },
    })
}

/// Formats protocol rows as a plain-text table.
pub fn protocol_table(rows: &[ProtocolSizeRow]) -> String {
    let mut out = String::from(
        "   size | steps   time s  t=0 s  events s | ms/step  median ms  max ms | kB up/step  kB down/step  max kB/step | submits/step  dispatches/step | converged\n",
    );
    out.push_str(&"-".repeat(out.chars().count() - 1));
    out.push('\n');
    for r in rows {
        let p = &r.protocol;
        out.push_str(&format!(
            "{:>6}³ | {:>5} {:>8.2} {:>6.2} {:>9.2} | {:>7.1} {:>10.1} {:>7.0} | {:>10.2} {:>13.2} {:>12.2} | {:>12.1} {:>16.1} | {:>9}\n",
            r.n,
            p.steps,
            p.seconds,
            p.t0_seconds,
            p.events_seconds,
            p.ms_per_step,
            p.median_step_ms,
            p.max_step_ms,
            p.bytes_up_per_step / 1e3,
            p.bytes_down_per_step / 1e3,
            p.max_step_bytes as f64 / 1e3,
            p.submits_per_step,
            p.dispatches_per_step,
            if p.converged { "yes" } else { "NO" }
        ));
    }
    out
}
