//! ROS results: `ros.npy` and `gsh.npy` with sidecars, their PNG slices, and the `ros`
//! and `gsh` blocks of `summary.json`.

use super::slices;
use crate::config::Scenario;
use crate::npy;
use crate::physics::ros::RosParams;
use crate::ros::balance::{RosBalance, RosStats};
use crate::ros::steady::RosSteady;
use crate::solver::Method;
use crate::Result;
use serde::Serialize;
use std::path::Path;

/// Writes the fields the scenario's `[output]` asks for; returns the file names.
pub(crate) fn write(
    sc: &Scenario,
    dir: &Path,
    problem: &crate::problem::O2Problem,
    ros: &RosSteady,
) -> Result<Vec<String>> {
    let grid = &problem.grid;
    let out = &sc.spec.output;
    let mut files = Vec::new();
    if out.npy {
        npy::write_field(
            &dir.join("ros.npy"),
            &ros.ros,
            grid,
            "uM",
            "ROS (H2O2-equivalent) at steady state",
        )?;
        npy::write_field(
            &dir.join("gsh.npy"),
            &ros.gsh,
            grid,
            "mM",
            "antioxidant (glutathione-like) capacity at steady state",
        )?;
        files.extend(["ros.npy", "ros.json", "gsh.npy", "gsh.json"].map(String::from));
    }
    if out.png {
        let colormap = out.colormap;
        let tissue = super::tissue::mask(problem);
        for (prefix, field, limits, quantity) in [
            ("ros", &ros.ros, out.png_limits_ros_um, "ROS"),
            ("gsh", &ros.gsh, out.png_limits_gsh_mm, "GSH"),
        ] {
            let style = slices::SliceStyle {
                limits,
                colormap,
                pixels_per_voxel: out.png_pixels_per_voxel,
            };
            let title = format!("{}: {quantity}", sc.name);
            let extras = slices::SliceExtras {
                title: Some(&title),
                vessels: Some(&problem.sv),
                tissue: Some(&tissue),
            };
            for p in slices::write_centre_slices(dir, prefix, prefix, field, grid, &style, extras)?
            {
                files.push(
                    p.file_name()
                        .unwrap_or_default()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    Ok(files)
}

/// The `ros` block of `summary.json` (beside `"enabled": true`). Fields in the
/// file's alphabetical order, as in every block below.
#[derive(Debug, Serialize)]
pub(crate) struct RosBlock {
    balance: BalanceBlock,
    damage_fraction: f64,
    damage_threshold_um: f64,
    max_um: f64,
    mean_um: f64,
    p95_um: f64,
    solver: SolverBlock,
    tissue_voxels: usize,
}

/// `ros.balance`.
#[derive(Debug, Serialize)]
struct BalanceBlock {
    boundary_outflow: f64,
    loss: f64,
    production: f64,
    relative_error: f64,
    scavenging: f64,
    units: &'static str,
    vessel_removal: f64,
}

/// `ros.solver`.
#[derive(Debug, Serialize)]
struct SolverBlock {
    converged: bool,
    gsh_change: f64,
    gsh_iterations: u32,
    iterations: u32,
    method: Method,
    residual: f64,
    seconds: f64,
}

/// The `gsh` block of `summary.json`.
#[derive(Debug, Serialize)]
pub(crate) struct GshBlock {
    mean_mm: f64,
    min_mm: f64,
}

/// The `parameters.ros` block of `summary.json`.
#[derive(Debug, Serialize)]
pub(crate) struct ParametersBlock {
    boundary_um: f64,
    damage_threshold_um: f64,
    diffusivity_um2_per_s: f64,
    dose_rate_gy_per_s: f64,
    gsh_baseline_mm: f64,
    gsh_per_ros: f64,
    gsh_regeneration_per_s: f64,
    loss_rate_per_s: f64,
    mito_yield: f64,
    o2_solubility_um_per_mmhg: f64,
    oer_k_mmhg: f64,
    oer_max: f64,
    radiation_yield_um_per_gy: f64,
    reoxygenation_yield_um_per_s_per_mmhg: f64,
    scavenging_rate_per_mm_per_s: f64,
    wall_permeability_um_per_s: f64,
}

/// The `ros` block of `summary.json`.
pub(crate) fn summary(ros: &RosSteady, stats: &RosStats, balance: &RosBalance) -> RosBlock {
    RosBlock {
        balance: BalanceBlock {
            boundary_outflow: balance.boundary_outflow,
            loss: balance.loss,
            production: balance.production,
            relative_error: balance.relative_error,
            scavenging: balance.scavenging,
            units: "µM·µm³/s",
            vessel_removal: balance.vessel_removal,
        },
        damage_fraction: stats.damage_fraction,
        damage_threshold_um: stats.damage_threshold,
        max_um: stats.max,
        mean_um: stats.mean,
        p95_um: stats.p95,
        solver: SolverBlock {
            converged: ros.converged,
            gsh_change: ros.gsh_change,
            gsh_iterations: ros.gsh_iterations,
            iterations: ros.report.iterations,
            method: ros.report.method,
            residual: ros.report.residual,
            seconds: ros.seconds,
        },
        tissue_voxels: stats.tissue_voxels,
    }
}

/// The `gsh` block of `summary.json`.
pub(crate) fn gsh_summary(stats: &RosStats) -> GshBlock {
    GshBlock {
        mean_mm: stats.gsh_mean,
        min_mm: stats.gsh_min,
    }
}

/// The `parameters.ros` block of `summary.json`.
pub(crate) fn parameters(p: &RosParams) -> ParametersBlock {
    ParametersBlock {
        boundary_um: p.boundary_um,
        damage_threshold_um: p.damage_threshold_um,
        diffusivity_um2_per_s: p.diffusivity_um2_per_s,
        dose_rate_gy_per_s: p.dose_rate_gy_per_s,
        gsh_baseline_mm: p.gsh_baseline_mm,
        gsh_per_ros: p.gsh_per_ros,
        gsh_regeneration_per_s: p.gsh_regeneration_per_s,
        loss_rate_per_s: p.loss_rate_per_s,
        mito_yield: p.mito_yield,
        o2_solubility_um_per_mmhg: p.o2_solubility_um_per_mmhg,
        oer_k_mmhg: p.oxygen_effect.k_mmhg,
        oer_max: p.oxygen_effect.m,
        radiation_yield_um_per_gy: p.radiation_yield_um_per_gy,
        reoxygenation_yield_um_per_s_per_mmhg: p.reoxygenation_yield_um_per_s_per_mmhg,
        scavenging_rate_per_mm_per_s: p.scavenging_rate_per_mm_per_s,
        wall_permeability_um_per_s: p.wall_permeability_um_per_s,
    }
}
