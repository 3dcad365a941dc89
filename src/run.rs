//! The `run` job as a library call: assemble the scenario, solve O2 to steady state on
//! a backend, and write the outputs, `summary.json` last.

use crate::assemble::{assemble, Assembled};
use crate::backend::O2Backend;
use crate::config::Scenario;
use crate::metrics::{self, MassBalance, O2Stats};
use crate::output::colormap::Colormap;
use crate::output::{atomic, npy, slices, summary};
use crate::solver::{self, SolveReport};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// What a run produced.
#[derive(Debug)]
pub struct RunResult {
    /// The output folder.
    pub out_dir: PathBuf,
    /// The assembled problem.
    pub assembled: Assembled,
    /// The steady pO2 field (mmHg).
    pub po2: Vec<f32>,
    /// The solve.
    pub report: SolveReport,
    /// pO2 statistics.
    pub stats: O2Stats,
    /// Mass balance.
    pub mass: MassBalance,
    /// The summary document as written.
    pub summary: serde_json::Value,
}

/// The default output folder of a scenario: `oxyfield-out/<name>/`.
pub fn default_out_dir(sc: &Scenario) -> PathBuf {
    Path::new("oxyfield-out").join(&sc.name)
}

/// Runs `sc` on `backend`, writing into `out_dir` (created if needed).
pub fn run_scenario(
    sc: &Scenario,
    backend: &mut dyn O2Backend,
    out_dir: &Path,
) -> Result<RunResult> {
    let assembled = assemble(sc)?;
    let problem = &assembled.problem;
    let info = backend.info();
    log::info!(
        "scenario {}: grid {:?} (zyx) at {} µm on {} [{}]",
        sc.name,
        problem.grid.shape_zyx(),
        problem.grid.spacing_um,
        info.kind,
        info.adapter
    );
    let opts = sc.solve_options();
    solver::load(backend, problem, opts.method, &problem.initial_guess())?;
    let report = solver::solve_steady(backend, problem, &opts)?;
    log::info!(
        "O2 steady state ({}): {} iterations ({:.0} sweep-equivalents), relative residual {:.2e}, {:.2} s{}",
        report.method,
        report.iterations,
        report.sweep_equivalents,
        report.residual,
        report.seconds,
        if report.converged {
            ""
        } else {
            " (NOT converged)"
        }
    );
    let po2 = backend.read_o2()?;
    if let Some(i) = po2.iter().position(|v| !v.is_finite()) {
        let (x, y, z) = problem.grid.ijk(i);
        return Err(Error::Numerical(format!(
            "pO2 is not finite at voxel [{z}, {y}, {x}] after the solve"
        )));
    }
    let stats = metrics::o2_stats(problem, &po2);
    let mass = metrics::mass_balance(problem, &po2);

    std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    let out = &sc.spec.output;
    let mut files = Vec::new();
    if out.npy {
        let g = &problem.grid;
        npy::write_field(
            &out_dir.join("o2.npy"),
            &po2,
            g,
            "mmHg",
            "tissue pO2 at steady state",
        )?;
        npy::write_field(
            &out_dir.join("vessels_sv.npy"),
            &problem.sv,
            g,
            "1/um",
            "vessel wall area per voxel volume (Sv)",
        )?;
        files.extend(["o2.npy", "o2.json", "vessels_sv.npy", "vessels_sv.json"].map(String::from));
    }
    if out.png {
        let style = slices::SliceStyle {
            limits: out.png_limits_mmhg,
            colormap: Colormap::by_name(&out.colormap).unwrap_or(Colormap::VIRIDIS),
            pixels_per_voxel: out.png_pixels_per_voxel,
        };
        for p in slices::write_centre_slices(out_dir, "o2", &po2, &problem.grid, &style)? {
            files.push(
                p.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
            );
        }
    }
    files.push("summary.json".into());
    let summary = summary::build(&summary::SummaryInputs {
        scenario: sc,
        assembled: &assembled,
        backend: &info,
        report: &report,
        stats: &stats,
        mass: &mass,
        files: &files,
    });
    let text = serde_json::to_string_pretty(&summary).expect("JSON of plain values");
    atomic::write(&out_dir.join("summary.json"), text.as_bytes())?;
    Ok(RunResult {
        out_dir: out_dir.to_path_buf(),
        assembled,
        po2,
        report,
        stats,
        mass,
        summary,
    })
}
