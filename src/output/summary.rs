//! `summary.json`: one file that says what ran, on what, and what came out. Key names
//! are a contract with users' scripts: add keys, never rename them.

use crate::assemble::Assembled;
use crate::backend::BackendInfo;
use crate::config::Scenario;
use crate::metrics::{MassBalance, O2Stats, HYPOXIA_THRESHOLDS_MMHG};
use crate::solver::SolveReport;
use serde_json::{json, Map, Value};

/// Everything the summary is made from.
#[derive(Debug)]
pub struct SummaryInputs<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// Its assembled problem.
    pub assembled: &'a Assembled,
    /// Backend and adapter.
    pub backend: &'a BackendInfo,
    /// The solve.
    pub report: &'a SolveReport,
    /// pO2 statistics.
    pub stats: &'a O2Stats,
    /// Mass balance.
    pub mass: &'a MassBalance,
    /// Files written (names relative to the output folder).
    pub files: &'a [String],
    /// The blood O2 transport block, when transport ran.
    pub transport: Option<Value>,
    /// The `ros` and `gsh` blocks, when ROS was solved.
    pub ros: Option<(Value, Value)>,
    /// What did not converge or broke a balance, kept under `solver.allow_unconverged`
    /// (empty for a converged run).
    pub not_converged: &'a [String],
}

/// Builds the summary document.
pub fn build(s: &SummaryInputs) -> Value {
    let g = &s.assembled.problem.grid;
    let p = &s.assembled.problem.params;
    let mut hypoxic = Map::new();
    for (t, f) in HYPOXIA_THRESHOLDS_MMHG.iter().zip(s.stats.hypoxic_fraction) {
        hypoxic.insert(format!("lt_{t}"), json!(f));
    }
    let network = s.assembled.network.map(|n| {
        json!({
            "segments": n.segments,
            "total_length_mm": n.total_length_um / 1000.0,
            "wall_area_mm2": n.wall_area_um2 / 1e6,
            "density_mm_per_mm3": n.density_mm_per_mm3,
        })
    });
    let e = g.extent_um();
    let (ros, gsh) = s
        .ros
        .clone()
        .unwrap_or_else(|| (json!({ "enabled": false }), Value::Null));
    let ros_params = super::ros::parameters(&s.scenario.spec.ros.params());
    json!({
        "oxyfield_version": crate::VERSION,
        "scenario": s.scenario.name,
        "scenario_origin": s.scenario.origin,
        "seed": s.scenario.spec.seed,
        "reproduce": super::reproduce::block(s.scenario),
        "created_utc": utc_now_iso8601(),
        "grid": {
            "shape_zyx": g.shape_zyx(),
            "spacing_um": g.spacing_um,
            "extent_um_xyz": [e.x, e.y, e.z],
        },
        "backend": s.backend.kind,
        "adapter": s.backend.adapter,
        "parameters": {
            "oxygen": {
                "diffusivity_um2_per_s": p.diffusivity_um2_per_s,
                "max_consumption_mmhg_per_s": p.max_consumption_mmhg_per_s,
                "km_mmhg": p.km_mmhg,
                "wall_permeability_um_per_s": p.wall_permeability_um_per_s,
            },
            "ros": ros_params,
        },
        "vessels": {
            "source": s.assembled.vessel_source,
            "network": network,
            "transport": s.transport.clone().unwrap_or_else(|| json!({ "enabled": false })),
        },
        "solver": {
            "method": s.report.method.name(),
            "iterations": s.report.iterations,
            "sweep_equivalents": s.report.sweep_equivalents,
            "levels": s.report.levels,
            "residual": s.report.residual,
            "converged": s.report.converged,
            "status": s.report.status.name(),
            "allow_unconverged": s.scenario.spec.solver.allow_unconverged,
            "seconds": s.report.seconds,
            "tolerance": s.scenario.spec.solver.tolerance,
            "omega": s.report.omega,
        },
        "o2": {
            "tissue_voxels": s.stats.tissue_voxels,
            "mean_mmhg": s.stats.mean,
            "median_mmhg": s.stats.median,
            "min_mmhg": s.stats.min,
            "max_mmhg": s.stats.max,
            "hypoxic_fraction": hypoxic,
        },
        "mass_balance": {
            "supply": s.mass.supply,
            "vessel_supply": s.mass.vessel_supply,
            "vessel_uptake": s.mass.vessel_uptake,
            "consumption": s.mass.consumption,
            "relative_error": s.mass.relative_error,
            "units": "mmHg·µm³/s",
        },
        "ros": ros,
        "gsh": gsh,
        "converged": s.not_converged.is_empty(),
        "not_converged": s.not_converged,
        "files": s.files,
    })
}

/// The current UTC time as `YYYY-MM-DDThh:mm:ssZ`.
pub fn utc_now_iso8601() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    iso8601(secs)
}

/// Formats Unix seconds as an ISO 8601 UTC time (Hinnant's civil-from-days).
pub fn iso8601(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso8601_known_dates() {
        assert_eq!(super::iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(super::iso8601(1_795_219_200), "2026-11-21T00:00:00Z");
    }
}
