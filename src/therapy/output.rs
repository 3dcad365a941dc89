//! What a protocol run writes: `timeline.csv`, `timeline.json`, the final fields
//! (`o2.npy`, `viable.npy`, `dead.npy`, `doomed.npy`, and `ros.npy`, `gsh.npy` with ROS) with
//! sidecars, and `summary.json` (last).

use super::summary_blocks::{self, DrugBlock, Parameters, WindowBlock};
use super::TherapyResult;
use crate::atomic;
use crate::backend::BackendInfo;
use crate::config::Scenario;
use crate::npy;
use crate::output::summary::{utc_now_iso8601, MassBlock};
use crate::output::timeline;
use crate::protocol::Protocol;
use crate::{Error, Result};
use serde::Serialize;
use std::path::Path;

/// Writes the outputs of `r` into `dir` (created if needed); returns the file names.
pub fn write(
    sc: &Scenario,
    protocol: &Protocol,
    backend: &BackendInfo,
    r: &TherapyResult,
    dir: &Path,
) -> Result<Vec<String>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    timeline::write(dir, &r.rows)?;
    // A run stopped early (--until) writes what it has, marked as partial.
    let when = if r.finished {
        "at the end of the protocol".to_string()
    } else {
        format!(
            "at t = {} h, where the run stopped before the protocol's end (partial)",
            r.time_s / 3600.0
        )
    };
    let mut files: Vec<String> = vec!["timeline.csv".into(), "timeline.json".into()];
    super::endpoints_output::write_histogram(dir, &r.endpoints)?;
    files.push(super::endpoints_output::HISTOGRAM_FILE.into());
    let g = sc.grid();
    let mut fields: Vec<(&str, &[f32], &str, String)> = vec![
        ("o2", &r.po2, "mmHg", format!("tissue pO2 {when}")),
        (
            "viable",
            &r.viable,
            "1",
            format!("viable-cell fraction n {when}"),
        ),
        ("dead", &r.dead, "1", format!("dead-cell fraction d {when}")),
        (
            "vessels_sv",
            &r.vessels_sv,
            "1/um",
            format!("vessel wall area per voxel volume (Sv) {when}"),
        ),
        (
            "doomed",
            &r.doomed,
            "1",
            format!("doomed fraction l (lethally irradiated, still respiring) {when}"),
        ),
    ];
    if let Some(ros) = &r.ros {
        fields.push(("ros", &ros.ros, "uM", format!("ROS {when}")));
        fields.push((
            "gsh",
            &ros.gsh,
            "mM",
            format!("antioxidant capacity {when}"),
        ));
    }
    if sc.spec.output.npy {
        for (name, data, units, what) in &fields {
            npy::write_field(&dir.join(format!("{name}.npy")), data, &g, units, what)?;
            files.push(format!("{name}.npy"));
            files.push(format!("{name}.json"));
        }
        files.extend(crate::output::tissue::write(dir, &g, &r.tissue, &when)?);
    }
    let volume: Vec<(&str, &[f32], &str)> = fields.iter().map(|f| (f.0, f.1, f.2)).collect();
    files.extend(crate::output::volumes::write(
        dir,
        &g,
        &sc.spec.output,
        &volume,
    )?);
    files.extend(crate::output::figures::write_protocol(
        dir,
        sc,
        &g,
        &r.po2,
        Some(&r.vessels_sv),
    )?);
    if sc.spec.figures.plots {
        files.extend(crate::output::figures::timeline_plot(
            dir, sc, protocol, &r.rows,
        )?);
    }
    files.push("summary.json".into());
    let last = r.rows.last().expect("a timeline has its t = 0 row");
    let first = &r.rows[0];
    let doc = ProtocolSummary {
        adapter: &backend.adapter,
        backend: backend.kind,
        converged: r.not_converged.1 == 0
            && r.mass.relative_error <= crate::metrics::MASS_BALANCE_TOLERANCE,
        created_utc: utc_now_iso8601(),
        drugs: summary_blocks::drugs(protocol, last),
        end: last,
        endpoints: super::endpoints_output::block(&r.endpoints, first, last),
        files: &files,
        mass_balance: MassBlock::of(&r.mass, Some("the final state")),
        not_converged: &r.not_converged.0,
        not_converged_count: r.not_converged.1,
        oxyfield_version: crate::VERSION,
        parameters: summary_blocks::parameters(sc),
        partial: !r.finished,
        protocol: ProtocolBlock {
            duration_h: protocol.duration_s / 3600.0,
            events: protocol.events().len(),
            name: &protocol.name,
            origin: &protocol.origin,
            settle: protocol.settle,
            steps: r.rows.len() - 1,
            time_step_h: protocol.time_step_s / 3600.0,
        },
        reproduce: crate::output::reproduce::block_with(sc, Some(protocol)),
        scenario: &sc.name,
        scenario_origin: &sc.origin,
        seed: sc.spec.seed,
        start: first,
        step_transfers: StepTransfers {
            bytes_down: r.step_counters.total.bytes_down,
            bytes_up: r.step_counters.total.bytes_up,
            dispatches: r.step_counters.total.dispatches,
            first_step_bytes: r.step_counters.first_step_bytes,
            max_bytes_per_step: r.step_counters.max_bytes_per_step,
            steps: r.step_counters.steps,
            submits: r.step_counters.total.submits,
        },
        stopped_at_h: (!r.finished).then_some(r.time_s / 3600.0),
        transfers: r.counters,
        windows: summary_blocks::windows(protocol),
    };
    let text = crate::output::json::pretty(&doc);
    atomic::write(&dir.join("summary.json"), text.as_bytes())?;
    Ok(files)
}

/// `summary.json` of a protocol run (keys in the file's alphabetical order; the blocks
/// made from the protocol and the scenario are in [`summary_blocks`]).
/// `tests/it/summary_keys.rs` checks that keys are only ever added.
#[derive(Debug, Serialize)]
struct ProtocolSummary<'a> {
    adapter: &'a str,
    backend: crate::backend::BackendKind,
    converged: bool,
    created_utc: String,
    drugs: Vec<DrugBlock<'a>>,
    end: &'a timeline::Row,
    endpoints: super::endpoints_output::EndpointsBlock<'a>,
    files: &'a [String],
    mass_balance: MassBlock,
    not_converged: &'a [String],
    not_converged_count: usize,
    oxyfield_version: &'static str,
    parameters: Parameters,
    partial: bool,
    protocol: ProtocolBlock<'a>,
    reproduce: crate::output::reproduce::Reproduce<'a>,
    scenario: &'a str,
    scenario_origin: &'a str,
    seed: u64,
    start: &'a timeline::Row,
    step_transfers: StepTransfers,
    stopped_at_h: Option<f64>,
    transfers: crate::backend::Counters,
    windows: Vec<WindowBlock>,
}

/// `protocol`.
#[derive(Debug, Serialize)]
struct ProtocolBlock<'a> {
    duration_h: f64,
    events: usize,
    name: &'a str,
    origin: &'a str,
    settle: bool,
    steps: usize,
    time_step_h: f64,
}

/// `step_transfers`: the protocol steps' own traffic.
#[derive(Debug, Serialize)]
struct StepTransfers {
    bytes_down: u64,
    bytes_up: u64,
    dispatches: u64,
    first_step_bytes: u64,
    max_bytes_per_step: u64,
    steps: u64,
    submits: u64,
}

/// The time tag of a snapshot at `t_s` in its file names: `t24h`, `t0.500h`.
fn snapshot_tag(t_s: f64) -> String {
    let hours = t_s / 3600.0;
    if (hours - hours.round()).abs() < 1e-9 {
        format!("t{:.0}h", hours)
    } else {
        format!("t{hours:.3}h")
    }
}

/// The ParaView collection of the snapshots' volumes, in `snapshots/`.
pub const SNAPSHOTS_PVD: &str = "snapshots.pvd";

/// Writes the fields at time `t_s` into `dir/snapshots/`: `o2_tXh.npy`,
/// `viable_tXh.npy` (and `ros_tXh.npy`, `gsh_tXh.npy` with ROS) with sidecars, the
/// O2 centre slices `o2_tXh_{xy,xz,yz}.png` when `[output] png` is on, and with
/// `[output] vti` on, `fields_tXh.vti` holding them all and [`SNAPSHOTS_PVD`] listing
/// the volumes of every snapshot time in `times_s` (those so far, this one last).
/// `fixed` (the fixed-value field) masks the slices and is read only with `png` on.
#[allow(clippy::too_many_arguments)]
pub(crate) fn write_snapshot(
    sc: &Scenario,
    dir: &Path,
    t_s: f64,
    times_s: &[f64],
    po2: &[f32],
    viable: &[f32],
    fixed: &[f32],
    ros: Option<&crate::ros::transient::RosState>,
    vessels: Option<&[f32]>,
) -> Result<()> {
    let dir = dir.join("snapshots");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let hours = t_s / 3600.0;
    let tag = snapshot_tag(t_s);
    let g = sc.grid();
    let when = format!("at t = {hours} h");
    let mut fields: Vec<(&str, &[f32], &str, &str)> = vec![
        ("o2", po2, "mmHg", "tissue pO2"),
        ("viable", viable, "1", "viable-cell fraction n"),
    ];
    if let Some(r) = ros {
        fields.push(("ros", &r.ros, "uM", "ROS"));
        fields.push(("gsh", &r.gsh, "mM", "antioxidant capacity"));
    }
    let out = &sc.spec.output;
    if out.vti {
        let volume: Vec<(&str, &[f32], &str)> = fields.iter().map(|f| (f.0, f.1, f.2)).collect();
        crate::output::vti::write_vti(&dir.join(format!("fields_{tag}.vti")), &g, &volume)?;
        // Rewritten whole at each snapshot: a run stopped and resumed lists them all.
        // The last entry is this snapshot, named as written above (its time may differ
        // from the scheduled one in the last digit); earlier ones only where their file
        // exists (a run resumed with `vti` newly on wrote none before).
        let mut entries: Vec<(f64, String)> = times_s[..times_s.len().saturating_sub(1)]
            .iter()
            .map(|&t| (t / 3600.0, format!("fields_{}.vti", snapshot_tag(t))))
            .filter(|(_, f)| dir.join(f).is_file())
            .collect();
        entries.push((hours, format!("fields_{tag}.vti")));
        entries.dedup_by(|a, b| a.1 == b.1);
        crate::output::vti::write_pvd(&dir.join(SNAPSHOTS_PVD), &entries)?;
    }
    for (name, data, units, what) in fields {
        if out.npy {
            npy::write_field(
                &dir.join(format!("{name}_{tag}.npy")),
                data,
                &g,
                units,
                &format!("{what} {when}"),
            )?;
        }
    }
    if out.png {
        let style = crate::output::slices::SliceStyle {
            limits: out.png_limits_mmhg,
            colormap: out.colormap,
            pixels_per_voxel: out.png_pixels_per_voxel,
        };
        // Tissue at this time (`O2Problem::is_tissue`): viable cells present and not
        // held at a fixed value (a necrotic core and lumen are grey).
        let tissue: Vec<f32> = viable
            .iter()
            .zip(fixed)
            .map(|(&n, &f)| f32::from(u8::from(n > 0.0 && f < 0.0)))
            .collect();
        let title = format!("{}: pO\u{2082} at {hours} h", sc.name);
        crate::output::slices::write_centre_slices(
            &dir,
            &format!("o2_{tag}"),
            "o2",
            po2,
            &g,
            &style,
            crate::output::slices::SliceExtras {
                title: Some(&title),
                vessels,
                tissue: Some(&tissue),
            },
        )?;
    }
    Ok(())
}
