//! Steady-state solvers, shared by both backends: the same algorithm strings the same
//! kernels together on the CPU and the GPU.
//!
//! - [`Method::Multigrid`] (default): nonlinear full-approximation-scheme (FAS)
//!   multigrid (an FMG pass, then F-cycles from a cold start, V-cycles from a warm
//!   one); cost O(N) in the number of voxels.
//! - [`Method::RbSor`]: nonlinear red–black SOR, the walking skeleton's method; kept as
//!   a baseline and for comparison in `oxyfield bench`.
//!
//! Both stop on the relative residual ‖F(P)‖₂ / ‖F(P₀)‖₂ ≤ tolerance, where P₀ is the
//! field that is zero at every free voxel (so the reference norm is the size of the
//! sources: vessel supply, fixed voxels and fixed faces). Residuals are read once per
//! check only, so the GPU stays busy.

pub(crate) mod host;
mod monitor;
pub(crate) mod multigrid;
pub(crate) mod sor;
pub mod transient;

use crate::backend::O2Backend;
use crate::problem::O2Problem;
use crate::Result;

pub use crate::config::kinds::Method;

/// Which field a solve is for: named in its messages (`O2`, `ROS`, `drug`), and
/// telling which scenario keys set its tolerance (`solver.*`; `ros.tolerance` for ROS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SolvedField {
    /// Oxygen.
    O2,
    /// Reactive oxygen species (H2O2-equivalent).
    Ros,
    /// A drug or metabolite.
    Drug,
}

impl std::fmt::Display for SolvedField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SolvedField::O2 => "O2",
            SolvedField::Ros => "ROS",
            SolvedField::Drug => "drug",
        })
    }
}

/// How to solve.
#[derive(Debug, Clone, PartialEq)]
pub struct SolveOptions {
    /// Algorithm.
    pub method: Method,
    /// Stop when the relative residual is at or below this.
    pub tolerance: f64,
    /// Give up (not converged) after this many iterations (multigrid cycles or SOR sweeps).
    pub max_iterations: u32,
    /// SOR over-relaxation factor; `None` picks one from the grid shape.
    pub omega: Option<f64>,
    /// SOR sweeps between residual checks (multigrid checks once per cycle, after its
    /// pre-smoothing).
    pub check_every: u32,
    /// The field solved, for messages and to name the settings that apply.
    pub field: SolvedField,
    /// Keep a result that did not converge (scenario `solver.allow_unconverged`): the
    /// solve then warns and returns its report instead of [`Error::NotConverged`].
    ///
    /// [`Error::NotConverged`]: crate::Error::NotConverged
    pub allow_unconverged: bool,
}

impl Default for SolveOptions {
    /// The options of a scenario's default `[solver]` table.
    fn default() -> Self {
        Self::of(&crate::config::schema::SolverSpec::default())
    }
}

impl SolveOptions {
    /// The options a `[solver]` table gives (the O2 solve's).
    pub(crate) fn of(s: &crate::config::schema::SolverSpec) -> Self {
        SolveOptions {
            method: s.method,
            tolerance: s.tolerance,
            max_iterations: s.max_iterations,
            omega: s.omega,
            check_every: s.check_every,
            field: SolvedField::O2,
            allow_unconverged: s.allow_unconverged,
        }
    }
}

impl crate::config::Scenario {
    /// Solver options of the O2 solve.
    pub fn solve_options(&self) -> SolveOptions {
        SolveOptions::of(&self.spec.solver)
    }

    /// Solver options of the ROS solve: those of O2 with `ros.tolerance`.
    pub(crate) fn ros_solve_options(&self) -> SolveOptions {
        SolveOptions {
            tolerance: self.spec.ros.tolerance,
            field: SolvedField::Ros,
            ..self.solve_options()
        }
    }
}

/// What a solve did.
#[derive(Debug, Clone, PartialEq)]
pub struct SolveReport {
    /// The method, recorded in `summary.json` (`solver.method`) by its name.
    pub(crate) method: Method,
    /// Cycles (multigrid: the FMG pass counts as one from its first check; a solve that
    /// meets its tolerance at the check after a later cycle's pre-smoothing stops there,
    /// and that cycle does not count) or red–black sweeps (SOR).
    pub iterations: u32,
    /// Work in fine-grid sweep-equivalents: smoothing sweeps weighted by level size,
    /// plus one per residual evaluation (a restriction's included), ½ per prolongation.
    pub sweep_equivalents: f64,
    /// Levels used (1 for SOR).
    pub levels: usize,
    /// Final relative residual.
    pub residual: f64,
    /// Whether the result is converged: the tolerance was met, or the solve reached the
    /// float32 floor of its field (`SolveStatus::accepted`).
    pub converged: bool,
    /// Why the solve stopped.
    pub(crate) status: SolveStatus,
    /// Wall-clock seconds of the solve.
    pub(crate) seconds: f64,
    /// Over-relaxation of the smoother: SOR's factor; in multigrid, the factor of the
    /// solve's cycles (`multigrid::F_OMEGA` cold, `V_OMEGA` warm).
    pub(crate) omega: f64,
    /// (iterations, relative residual) at each check (multigrid: the start's first,
    /// then one per cycle).
    pub(crate) history: Vec<(u32, f64)>,
}

/// Why a solve stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SolveStatus {
    /// The relative residual met the tolerance.
    Tolerance,
    /// The residual stopped falling at the float32 rounding floor of the field (below
    /// a relative 1e-4): as accurate as single precision
    /// allows, accepted.
    Float32Floor,
    /// The residual stopped falling far above the float32 floor: the method does not
    /// fit the problem. Not accepted.
    Stagnated,
    /// `solver.max_iterations` was reached first. Not accepted.
    MaxIterations,
}

impl SolveStatus {
    /// A result that counts as converged.
    pub(crate) fn accepted(self) -> bool {
        matches!(self, SolveStatus::Tolerance | SolveStatus::Float32Floor)
    }

    /// The name written in `summary.json` (`solver.status`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            SolveStatus::Tolerance => "tolerance",
            SolveStatus::Float32Floor => "float32_floor",
            SolveStatus::Stagnated => "stagnated",
            SolveStatus::MaxIterations => "max_iterations",
        }
    }
}

/// Largest SOR factor [`sor::auto_omega`] picks (measured on the default scenario).
pub(crate) const OMEGA_CAP: f64 = 1.8;

/// The reference norm ‖F(P₀)‖₂ (see the module docs); 1 when the problem has no source.
pub fn reference_norm(problem: &O2Problem) -> f64 {
    let mut zero = vec![0.0f32; problem.grid.len()];
    problem.apply_fixed(&mut zero);
    let norm = crate::backend::stencil::residual_sq_sum(problem, &zero).sqrt();
    if norm > 0.0 {
        norm
    } else {
        1.0
    }
}

/// The reference norm ‖F(P₀)‖₂ of the problem loaded into `backend`, computed there
/// ([`O2Backend::reference_sq_sum`]); 1 when the problem has no source.
pub(crate) fn reference_of_loaded(backend: &mut dyn O2Backend) -> Result<f64> {
    let norm = backend.reference_sq_sum()?.sqrt();
    Ok(if norm > 0.0 { norm } else { 1.0 })
}

pub use crate::backend::FieldProblem;

/// Solves the resident `problem` in place in `solution`, warm-started from it (it must
/// hold the fixed values already: `ApplyFixed`): loads it
/// ([`O2Backend::load_fields`], coarse levels made on the backend) and runs the method
/// of `opts`. Nothing crosses to the host but residual norms, unless the solve fails.
pub fn solve_fields(
    backend: &mut dyn O2Backend,
    problem: &FieldProblem,
    solution: crate::backend::Field,
    opts: &SolveOptions,
) -> Result<SolveReport> {
    solve_fields_with(backend, problem, solution, opts, None)
}

/// [`solve_fields`] with the reference norm ‖F(P₀)‖ given where the caller has it
/// already (a drug step's float32-floor estimate takes it in the same reduction as its
/// other norm), so that the solve does not take it again: on the GPU that is a residual
/// pass, a submit and a read per solve.
pub(crate) fn solve_fields_with(
    backend: &mut dyn O2Backend,
    problem: &FieldProblem,
    solution: crate::backend::Field,
    opts: &SolveOptions,
    reference: Option<f64>,
) -> Result<SolveReport> {
    backend.load_fields(problem, solution, opts.method == Method::Multigrid)?;
    let report = match solve_loaded(backend, &problem.grid, opts, reference) {
        Ok(r) => r,
        Err(crate::Error::Numerical(m)) => {
            // Name the first voxel that went non-finite (a failure: reading is fine).
            let field = backend.field_read(solution)?;
            let at = field.iter().position(|v| !v.is_finite()).map(|i| {
                let (x, y, z) = problem.grid.ijk(i);
                format!(": {} is not finite at voxel [{z}, {y}, {x}]", opts.field)
            });
            return Err(crate::Error::Numerical(format!(
                "{m}{}",
                at.unwrap_or_default()
            )));
        }
        Err(e) => return Err(e),
    };
    accept(&report, opts)?;
    Ok(report)
}

/// The method of `opts` on the problem loaded on `grid` (multigrid where a hierarchy
/// is loaded), relative residuals taken against `reference` (‖F(P₀)‖; taken on the
/// backend where `None`).
fn solve_loaded(
    backend: &mut dyn O2Backend,
    grid: &crate::grid::Grid,
    opts: &SolveOptions,
    reference: Option<f64>,
) -> Result<SolveReport> {
    let norm0 = match reference {
        Some(r) => r,
        None => reference_of_loaded(backend)?,
    };
    match opts.method {
        Method::Multigrid if backend.levels() > 1 => multigrid::solve(backend, grid, opts, norm0),
        // A one-level hierarchy (a dimension below 4 voxels, e.g. a 2D slice) is solved
        // by its smoother alone; `summary.json` then records "rbsor".
        Method::Multigrid => {
            log::info!(
                "grid {:?} has a dimension below 4 voxels: no multigrid hierarchy, \
                 solving with red–black SOR",
                grid.shape_zyx()
            );
            sor::solve(backend, grid, opts, norm0)
        }
        Method::RbSor => sor::solve(backend, grid, opts, norm0),
    }
}

/// Loads `problem` (and its coarse levels when `method` needs them) into `backend`,
/// starting from `po2`.
pub fn load(
    backend: &mut dyn O2Backend,
    problem: &O2Problem,
    method: Method,
    po2: &[f32],
) -> Result<()> {
    let coarse = match method {
        Method::Multigrid => crate::problem::hierarchy::coarse_levels(problem),
        Method::RbSor => Vec::new(),
    };
    backend.load(problem, &coarse, po2)
}

/// Reads the loaded field back from `backend`, refusing a non-finite value: `name` and
/// `when` say which field (the R field is solved in the O2 form; see [`crate::ros`]) and
/// at which point, for the message.
pub(crate) fn read_field_finite(
    backend: &mut dyn O2Backend,
    problem: &O2Problem,
    name: &str,
    when: &str,
) -> Result<Vec<f32>> {
    let field = backend.read_o2()?;
    refuse_non_finite(&field, &problem.grid, name, when)?;
    Ok(field)
}

/// [`crate::Error::Numerical`] naming the first non-finite voxel of `field` (called
/// `name`, read `when`), if there is one.
pub(crate) fn refuse_non_finite(
    field: &[f32],
    grid: &crate::grid::Grid,
    name: &str,
    when: &str,
) -> Result<()> {
    match field.iter().position(|v| !v.is_finite()) {
        Some(i) => {
            let (x, y, z) = grid.ijk(i);
            Err(crate::Error::Numerical(format!(
                "{name} is not finite at voxel [{z}, {y}, {x}] {when}"
            )))
        }
        None => Ok(()),
    }
}

/// Solves the steady O2 problem loaded into `backend` (see [`load`]) from its current
/// field.
pub fn solve_steady(
    backend: &mut dyn O2Backend,
    problem: &O2Problem,
    opts: &SolveOptions,
) -> Result<SolveReport> {
    let report = solve_loaded(backend, &problem.grid, opts, None);
    let report = match report {
        Ok(r) => r,
        Err(e) => return Err(explain_numerical(backend, problem, opts, e)),
    };
    accept(&report, opts)?;
    Ok(report)
}

/// `Ok` for a converged report; for one that is not, [`crate::Error::NotConverged`]
/// naming the field, the residual, what was tried and the fix — or, with
/// `opts.allow_unconverged`, a loud warning and `Ok` ([`refuse_or_keep`]).
pub(crate) fn accept(report: &SolveReport, opts: &SolveOptions) -> Result<()> {
    if report.converged {
        return Ok(());
    }
    let unit = if report.method == Method::Multigrid {
        "cycles"
    } else {
        "sweeps"
    };
    let tolerance_key = if opts.field == SolvedField::Ros {
        "ros.tolerance"
    } else {
        "solver.tolerance"
    };
    // SOR declares stagnation only below the float32 floor, so a stall above it is
    // multigrid's.
    let (why, fix) = match report.status {
        SolveStatus::MaxIterations => (
            format!("it reached solver.max_iterations = {}", opts.max_iterations),
            format!(
                "raise solver.max_iterations (now {}) or loosen {tolerance_key}",
                opts.max_iterations
            ),
        ),
        _ => (
            "the residual stopped falling far above the float32 floor".to_string(),
            "try solver.method = \"rbsor\" and report the scenario as a bug".to_string(),
        ),
    };
    let what = format!(
        "the {} solve did not converge: relative residual {:.2e} after {} {unit} \
         ({}, {} level{}), {tolerance_key} {:.1e}; {why}",
        opts.field,
        report.residual,
        report.iterations,
        report.method.name(),
        report.levels,
        if report.levels == 1 { "" } else { "s" },
        opts.tolerance,
    );
    refuse_or_keep(&what, &fix, opts.allow_unconverged)
}

/// The one treatment of a result that did not converge or broke a balance, `what`:
/// [`crate::Error::NotConverged`] with `what` and the `fix` (exit 1),
/// or, where unconverged results are allowed (`solver.allow_unconverged`; `bench` and
/// `validate`, which report convergence themselves), a warning and `Ok`.
/// Every result kept is also recorded for the run in progress on this thread
/// (`take_kept`), so that a protocol's `summary.json` can list what its many solves
/// kept.
pub fn refuse_or_keep(what: &str, fix: &str, allow: bool) -> Result<()> {
    if allow {
        log::warn!("NOT CONVERGED, KEPT ANYWAY (unconverged results are allowed here): {what}");
        KEPT.with(|k| {
            let mut k = k.borrow_mut();
            if k.0.len() < KEPT_LISTED {
                k.0.push(what.to_string());
            }
            k.1 += 1;
        });
        return Ok(());
    }
    Err(crate::Error::NotConverged(format!(
        "{what}. Fix: {fix}; or set solver.allow_unconverged = true to keep the result, \
         marked as unconverged"
    )))
}

/// How many kept results [`take_kept`] lists by text (all are counted).
const KEPT_LISTED: usize = 20;

thread_local! {
    /// Results kept under `allow_unconverged` on this thread since the last
    /// [`take_kept`]: the first [`KEPT_LISTED`] texts and the count. Per thread because
    /// a batch runs one scenario per worker thread at a time.
    static KEPT: std::cell::RefCell<(Vec<String>, usize)> =
        const { std::cell::RefCell::new((Vec::new(), 0)) };
}

/// The results kept under `allow_unconverged` on this thread since the last call (the
/// first 20 texts, and how many in all), clearing the record. A run calls it once at
/// its start and once when it writes its summary.
pub(crate) fn take_kept() -> (Vec<String>, usize) {
    KEPT.with(|k| std::mem::take(&mut *k.borrow_mut()))
}

/// A numerical failure of a solve, with the first non-finite voxel of the field (or
/// coefficient) named where it can be found.
fn explain_numerical(
    backend: &mut dyn O2Backend,
    problem: &O2Problem,
    opts: &SolveOptions,
    e: crate::Error,
) -> crate::Error {
    let crate::Error::Numerical(m) = e else {
        return e;
    };
    // Name the first voxel that went non-finite, where the field can be read.
    let at = match read_field_finite(
        backend,
        problem,
        &opts.field.to_string(),
        "when the solve stopped",
    ) {
        Err(crate::Error::Numerical(at)) => Some(at),
        _ => problem.non_finite_coefficient(),
    };
    crate::Error::Numerical(match at {
        Some(at) => format!("{m}: {at}"),
        None => m,
    })
}
