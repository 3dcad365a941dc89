//! `summary.json`: one file that says what ran, on what, and what came out. Key names
//! are a contract with users' scripts: add keys, never rename them.

use super::blood::TransportBlock;
use super::json::Enabled;
use super::reproduce::Reproduce;
use super::ros::{GshBlock, ParametersBlock, RosBlock};
use crate::assemble::Assembled;
use crate::backend::{BackendInfo, BackendKind};
use crate::config::Scenario;
use crate::metrics::{MassBalance, O2Stats, HYPOXIA_THRESHOLDS_MMHG};
use crate::problem::medium::{Medium, MediumExchange};
use crate::solver::{Method, SolveReport};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Everything the summary is made from.
#[derive(Debug)]
pub(crate) struct SummaryInputs<'a> {
    /// The scenario.
    pub(crate) scenario: &'a Scenario,
    /// Its assembled problem.
    pub(crate) assembled: &'a Assembled,
    /// Backend and adapter.
    pub(crate) backend: &'a BackendInfo,
    /// The solve.
    pub(crate) report: &'a SolveReport,
    /// pO2 statistics.
    pub(crate) stats: &'a O2Stats,
    /// Mass balance.
    pub(crate) mass: &'a MassBalance,
    /// O2 across the block's faces to and from the medium, when it is on.
    pub(crate) medium_exchange: Option<&'a MediumExchange>,
    /// Files written (names relative to the output folder).
    pub(crate) files: &'a [String],
    /// The blood O2 transport block, when transport ran.
    pub(crate) transport: Option<TransportBlock>,
    /// The `ros` and `gsh` blocks, when ROS was solved.
    pub(crate) ros: Option<(RosBlock, GshBlock)>,
    /// What did not converge or broke a balance, kept under `solver.allow_unconverged`
    /// (empty for a converged run).
    pub(crate) not_converged: &'a [String],
}

/// `summary.json` of a steady run. Fields are declared in the order the file lists
/// its keys (alphabetical); blocks that other modules build (`reproduce`, the ROS and
/// transport blocks) are their structs. `tests/it/summary_keys.rs` checks that keys
/// are only ever added.
#[derive(Debug, Serialize)]
struct Summary<'a> {
    adapter: &'a str,
    backend: BackendKind,
    converged: bool,
    created_utc: String,
    files: &'a [String],
    grid: GridBlock,
    gsh: Option<&'a GshBlock>,
    mass_balance: MassBlock,
    not_converged: &'a [String],
    o2: O2Block,
    oxyfield_version: &'static str,
    parameters: Parameters,
    reproduce: Reproduce<'a>,
    ros: Enabled<&'a RosBlock>,
    scenario: &'a str,
    scenario_origin: &'a str,
    seed: u64,
    solver: SolverBlock,
    vessels: VesselsBlock<'a>,
}

/// `grid`: the user's block, on which every field and statistic is.
#[derive(Debug, Serialize)]
struct GridBlock {
    extent_um_xyz: [f64; 3],
    medium: Enabled<MediumBlock>,
    shape_zyx: [usize; 3],
    spacing_um: f64,
}

/// `grid.medium` (beside `"enabled": true`): the non-consuming medium the solver added
/// around the block (`boundary.medium_um`), and the O2 that crossed the block's faces
/// into and out of it at the steady state.
#[derive(Debug, Serialize)]
struct MediumBlock {
    exchange_into_block: f64,
    exchange_out_of_block: f64,
    exchange_units: &'static str,
    faces: Vec<&'static str>,
    medium_um: f64,
    solver_shape_zyx: [usize; 3],
    thickness_um: f64,
    voxels: usize,
}

impl MediumBlock {
    fn of(m: &Medium, exchange: Option<&MediumExchange>) -> Self {
        MediumBlock {
            exchange_into_block: exchange.map_or(0.0, |e| e.into_block),
            exchange_out_of_block: exchange.map_or(0.0, |e| e.out_of_block),
            exchange_units: "mmHg·µm³/s",
            faces: m.faces(),
            medium_um: m.medium_um,
            solver_shape_zyx: m.solver.shape_zyx(),
            thickness_um: m.thickness_um(),
            voxels: m.voxels(),
        }
    }
}

/// `mass_balance`, in a steady and a protocol summary.
#[derive(Debug, Serialize)]
pub(crate) struct MassBlock {
    consumption: f64,
    /// Which state it is of (a protocol summary: "the final state").
    #[serde(skip_serializing_if = "Option::is_none")]
    of: Option<&'static str>,
    relative_error: f64,
    supply: f64,
    units: &'static str,
    vessel_supply: f64,
    vessel_uptake: f64,
}

impl MassBlock {
    /// The block of `m`, of the state `of` names (when it says).
    pub(crate) fn of(m: &MassBalance, of: Option<&'static str>) -> Self {
        MassBlock {
            consumption: m.consumption,
            of,
            relative_error: m.relative_error,
            supply: m.supply,
            units: "mmHg·µm³/s",
            vessel_supply: m.vessel_supply,
            vessel_uptake: m.vessel_uptake,
        }
    }
}

/// `o2`: statistics over tissue voxels.
#[derive(Debug, Serialize)]
struct O2Block {
    /// `lt_T` for each threshold T of [`HYPOXIA_THRESHOLDS_MMHG`].
    hypoxic_fraction: BTreeMap<String, f64>,
    max_mmhg: f64,
    mean_mmhg: f64,
    median_mmhg: f64,
    min_mmhg: f64,
    tissue_voxels: usize,
}

/// `parameters`.
#[derive(Debug, Serialize)]
struct Parameters {
    oxygen: OxygenBlock,
    ros: ParametersBlock,
}

/// `parameters.oxygen`.
#[derive(Debug, Serialize)]
struct OxygenBlock {
    diffusivity_um2_per_s: f64,
    km_mmhg: f64,
    max_consumption_mmhg_per_s: f64,
    wall_permeability_um_per_s: f64,
}

/// `solver`.
#[derive(Debug, Serialize)]
struct SolverBlock {
    allow_unconverged: bool,
    converged: bool,
    iterations: u32,
    levels: usize,
    method: Method,
    omega: f64,
    residual: f64,
    seconds: f64,
    status: &'static str,
    sweep_equivalents: f64,
    tolerance: f64,
}

/// `vessels`.
#[derive(Debug, Serialize)]
struct VesselsBlock<'a> {
    network: Option<NetworkBlock>,
    source: &'static str,
    transport: Enabled<&'a TransportBlock>,
    wall: Option<WallBlock>,
}

/// `vessels.wall`: the blood-to-tissue O2 path of a network's rings.
#[derive(Debug, Serialize)]
struct WallBlock {
    /// Rings whose subvoxel conductance reached its cap.
    capped_rings: usize,
    /// Σ exchange area / Σ wall area: the rings' mean conductance over the
    /// reference permeability.
    exchange_over_wall_area: f64,
    /// µm/s: `[oxygen] wall_permeability_um_per_s`, which Γ = Pw·Sv multiplies.
    reference_permeability_um_per_s: f64,
    /// `"permeability"` or `"table"`.
    resistance: &'static str,
    rings: usize,
    subvoxel: bool,
    /// The K(d) table: `"builtin"` or the file; null without one.
    table: Option<String>,
}

/// `vessels.network`.
#[derive(Debug, Serialize)]
struct NetworkBlock {
    density_mm_per_mm3: f64,
    segments: usize,
    total_length_mm: f64,
    wall_area_mm2: f64,
}

/// Builds the summary document.
pub(crate) fn build(s: &SummaryInputs) -> Value {
    let g = &s.assembled.problem.grid;
    let p = &s.assembled.problem.params;
    let e = g.extent_um();
    let (ros, gsh) = match &s.ros {
        Some((ros, gsh)) => (Some(ros), Some(gsh)),
        None => (None, None),
    };
    let summary = Summary {
        adapter: &s.backend.adapter,
        backend: s.backend.kind,
        converged: s.not_converged.is_empty(),
        created_utc: utc_now_iso8601(),
        files: s.files,
        grid: GridBlock {
            extent_um_xyz: [e.x, e.y, e.z],
            medium: s
                .assembled
                .medium
                .as_ref()
                .map(|m| MediumBlock::of(m, s.medium_exchange))
                .into(),
            shape_zyx: g.shape_zyx(),
            spacing_um: g.spacing_um,
        },
        gsh,
        mass_balance: MassBlock::of(s.mass, None),
        not_converged: s.not_converged,
        o2: O2Block {
            hypoxic_fraction: HYPOXIA_THRESHOLDS_MMHG
                .iter()
                .zip(s.stats.hypoxic_fraction)
                .map(|(t, f)| (format!("lt_{t}"), f))
                .collect(),
            max_mmhg: s.stats.max,
            mean_mmhg: s.stats.mean,
            median_mmhg: s.stats.median,
            min_mmhg: s.stats.min,
            tissue_voxels: s.stats.tissue_voxels,
        },
        oxyfield_version: crate::VERSION,
        parameters: Parameters {
            oxygen: OxygenBlock {
                diffusivity_um2_per_s: p.diffusivity_um2_per_s,
                km_mmhg: p.km_mmhg,
                max_consumption_mmhg_per_s: p.max_consumption_mmhg_per_s,
                wall_permeability_um_per_s: p.wall_permeability_um_per_s,
            },
            ros: super::ros::parameters(&s.scenario.spec.ros.params()),
        },
        reproduce: super::reproduce::block(s.scenario),
        ros: ros.into(),
        scenario: &s.scenario.name,
        scenario_origin: &s.scenario.origin,
        seed: s.scenario.spec.seed,
        solver: SolverBlock {
            allow_unconverged: s.scenario.spec.solver.allow_unconverged,
            converged: s.report.converged,
            iterations: s.report.iterations,
            levels: s.report.levels,
            method: s.report.method,
            omega: s.report.omega,
            residual: s.report.residual,
            seconds: s.report.seconds,
            status: s.report.status.name(),
            sweep_equivalents: s.report.sweep_equivalents,
            tolerance: s.scenario.spec.solver.tolerance,
        },
        vessels: VesselsBlock {
            network: s.assembled.network.map(|n| NetworkBlock {
                density_mm_per_mm3: n.density_mm_per_mm3,
                segments: n.segments,
                total_length_mm: n.total_length_um / 1000.0,
                wall_area_mm2: n.wall_area_um2 / 1e6,
            }),
            source: s.assembled.vessel_source,
            transport: s.transport.as_ref().into(),
            wall: s.assembled.vessels.as_ref().map(|v| {
                let (wall, exchange) = (v.wall.wall_area_um2, v.wall.exchange_area_um2);
                WallBlock {
                    capped_rings: v.wall.capped_rings,
                    exchange_over_wall_area: if wall > 0.0 { exchange / wall } else { 1.0 },
                    reference_permeability_um_per_s: v.model.reference_um_per_s,
                    resistance: if v.model.table.is_some() {
                        "table"
                    } else {
                        "permeability"
                    },
                    rings: v.wall.rings,
                    subvoxel: v.model.subvoxel,
                    table: v.model.table.as_ref().map(|t| t.source.clone()),
                }
            }),
        },
    };
    serde_json::to_value(summary).expect("a summary of plain values")
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
pub(crate) fn iso8601(secs: i64) -> String {
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
