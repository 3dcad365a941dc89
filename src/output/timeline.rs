//! The protocol timeline: one row per slow step, written as `timeline.csv` and
//! `timeline.json`. Column names are a contract with users' scripts.

use crate::atomic;
use crate::metrics::HYPOXIA_THRESHOLDS_MMHG;
use crate::Result;
use serde::Serialize;
use std::fmt::Write;
use std::path::Path;

/// One row: the state at `time_h`, just before the events at that time.
///
/// The convention (README, docs/model.md): a row's `events` are what happens at its
/// `time_h` (a fraction at 0 h is in the row `time_h = 0`); every other column is the
/// state at that time before those events, so their effect shows from the next row on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// Simulated time (h).
    pub time_h: f64,
    /// Events at `time_h`, `;`-separated (e.g. `rt 2 Gy;normalisation on`); the other
    /// columns are from just before them.
    pub events: String,
    /// Mean tissue pO2 (mmHg).
    pub mean_po2_mmhg: f64,
    /// Median tissue pO2 (mmHg).
    pub median_po2_mmhg: f64,
    /// Fractions of tissue below 0.5, 2.5, 5 and 10 mmHg.
    pub hypoxic_fraction: [f64; 4],
    /// Mean viable fraction over the tumour region.
    pub viable_fraction: f64,
    /// Mean dead fraction over the tumour region.
    pub dead_fraction: f64,
    /// Mean doomed fraction (lethally irradiated, not yet dead) over the tumour region.
    pub doomed_fraction: f64,
    /// Mean HIF-1α activity over the tumour region.
    pub mean_hif: f64,
    /// Mean ROS over tissue (µM), when ROS is on.
    pub mean_ros_um: Option<f64>,
    /// −log10 of the viable cells left relative to the start.
    pub log10_cell_kill: f64,
    /// Seconds spent re-solving the fields in this step.
    pub solve_seconds: f64,
    /// One entry per drug of the protocol, in file order.
    pub drugs: Vec<DrugColumns>,
}

/// A drug's timeline columns (`<name>_plasma_um`, `<name>_mean_um`,
/// `<name>_exposure_um_h`, `<name>_log10_kill`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DrugColumns {
    /// The drug course's name.
    pub name: String,
    /// Plasma concentration at the end of the step (µM).
    pub plasma_um: f64,
    /// Mean prodrug concentration over the tumour region (µM).
    pub mean_um: f64,
    /// Mean exposure to the active metabolite since t = 0 over the region (µM·h).
    pub exposure_um_h: f64,
    /// −log10 of the region's mean survival from this drug's exposure alone.
    pub log10_kill: f64,
}

/// The CSV text of `rows`.
pub(crate) fn csv(rows: &[Row]) -> String {
    let mut out = String::from("time_h,events,mean_po2_mmhg,median_po2_mmhg");
    for t in HYPOXIA_THRESHOLDS_MMHG {
        let _ = write!(out, ",hypoxic_fraction_lt_{t}");
    }
    out.push_str(
        ",viable_fraction,dead_fraction,doomed_fraction,mean_ros_um,log10_cell_kill,\
         solve_seconds,mean_hif",
    );
    if let Some(first) = rows.first() {
        for d in &first.drugs {
            let n = &d.name;
            let _ = write!(
                out,
                ",{n}_plasma_um,{n}_mean_um,{n}_exposure_um_h,{n}_log10_kill"
            );
        }
    }
    out.push('\n');
    for r in rows {
        let _ = write!(
            out,
            "{},{},{:.6},{:.6}",
            r.time_h, r.events, r.mean_po2_mmhg, r.median_po2_mmhg
        );
        for f in r.hypoxic_fraction {
            let _ = write!(out, ",{f:.6}");
        }
        let ros = r.mean_ros_um.map_or(String::new(), |v| format!("{v:.6e}"));
        let _ = write!(
            out,
            ",{:.6},{:.6},{:.6},{ros},{:.6},{:.4},{:.6}",
            r.viable_fraction,
            r.dead_fraction,
            r.doomed_fraction,
            r.log10_cell_kill,
            r.solve_seconds,
            r.mean_hif
        );
        for d in &r.drugs {
            let _ = write!(
                out,
                ",{:.6e},{:.6e},{:.6e},{:.6}",
                d.plasma_um, d.mean_um, d.exposure_um_h, d.log10_kill
            );
        }
        out.push('\n');
    }
    out
}

/// `timeline.json`: the rows under `rows` (each row's keys sorted, as the file has
/// always listed them).
#[derive(Debug, Serialize)]
struct TimelineJson<'a> {
    rows: &'a [Row],
}

/// Writes `timeline.csv` and `timeline.json` into `dir`.
pub(crate) fn write(dir: &Path, rows: &[Row]) -> Result<()> {
    atomic::write(&dir.join("timeline.csv"), csv(rows).as_bytes())?;
    let json = super::json::pretty(&TimelineJson { rows });
    atomic::write(&dir.join("timeline.json"), json.as_bytes())
}
