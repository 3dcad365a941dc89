//! ROS results: `ros.npy` and `gsh.npy` with sidecars, their PNG slices, and the `ros`
//! and `gsh` blocks of `summary.json`.

use super::slices;
use crate::config::Scenario;
use crate::grid::Grid;
use crate::npy;
use crate::physics::ros::RosParams;
use crate::ros::balance::{RosBalance, RosStats};
use crate::ros::steady::RosSteady;
use crate::Result;
use serde_json::{json, Value};
use std::path::Path;

/// Writes the fields the scenario's `[output]` asks for; returns the file names.
pub(crate) fn write(
    sc: &Scenario,
    dir: &Path,
    grid: &Grid,
    ros: &RosSteady,
) -> Result<Vec<String>> {
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
        for (prefix, field, limits) in [
            ("ros", &ros.ros, out.png_limits_ros_um),
            ("gsh", &ros.gsh, out.png_limits_gsh_mm),
        ] {
            let style = slices::SliceStyle {
                limits,
                colormap,
                pixels_per_voxel: out.png_pixels_per_voxel,
            };
            for p in slices::write_centre_slices(dir, prefix, prefix, field, grid, &style, None)? {
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

/// The `ros` block of `summary.json`.
pub(crate) fn summary(ros: &RosSteady, stats: &RosStats, balance: &RosBalance) -> Value {
    json!({
        "enabled": true,
        "tissue_voxels": stats.tissue_voxels,
        "mean_um": stats.mean,
        "p95_um": stats.p95,
        "max_um": stats.max,
        "damage_threshold_um": stats.damage_threshold,
        "damage_fraction": stats.damage_fraction,
        "balance": {
            "production": balance.production,
            "scavenging": balance.scavenging,
            "loss": balance.loss,
            "vessel_removal": balance.vessel_removal,
            "boundary_outflow": balance.boundary_outflow,
            "relative_error": balance.relative_error,
            "units": "µM·µm³/s",
        },
        "solver": {
            "method": ros.report.method,
            "iterations": ros.report.iterations,
            "residual": ros.report.residual,
            "gsh_iterations": ros.gsh_iterations,
            "gsh_change": ros.gsh_change,
            "converged": ros.converged,
            "seconds": ros.seconds,
        },
    })
}

/// The `gsh` block of `summary.json`.
pub(crate) fn gsh_summary(stats: &RosStats) -> Value {
    json!({
        "mean_mm": stats.gsh_mean,
        "min_mm": stats.gsh_min,
    })
}

/// The `parameters.ros` block of `summary.json`.
pub(crate) fn parameters(p: &RosParams) -> Value {
    json!({
        "diffusivity_um2_per_s": p.diffusivity_um2_per_s,
        "o2_solubility_um_per_mmhg": p.o2_solubility_um_per_mmhg,
        "mito_yield": p.mito_yield,
        "radiation_yield_um_per_gy": p.radiation_yield_um_per_gy,
        "dose_rate_gy_per_s": p.dose_rate_gy_per_s,
        "oer_max": p.oxygen_effect.m,
        "oer_k_mmhg": p.oxygen_effect.k_mmhg,
        "reoxygenation_yield_um_per_s_per_mmhg": p.reoxygenation_yield_um_per_s_per_mmhg,
        "scavenging_rate_per_mm_per_s": p.scavenging_rate_per_mm_per_s,
        "gsh_per_ros": p.gsh_per_ros,
        "loss_rate_per_s": p.loss_rate_per_s,
        "wall_permeability_um_per_s": p.wall_permeability_um_per_s,
        "gsh_baseline_mm": p.gsh_baseline_mm,
        "gsh_regeneration_per_s": p.gsh_regeneration_per_s,
        "boundary_um": p.boundary_um,
        "damage_threshold_um": p.damage_threshold_um,
    })
}
