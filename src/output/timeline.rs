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
    /// Radiotherapy endpoints: tumour control probability, kill by pre-treatment pO2
    /// band, oxygen-weighted dose (their keys sit beside the others in the JSON).
    #[serde(flatten)]
    pub endpoints: EndpointColumns,
}

/// The pre-treatment pO2 bands of [`EndpointColumns`], by their names in column and
/// key names: below 2.5, 2.5 up to 10, and from 10 mmHg on, of the pO2 at t = 0.
pub const PRE_PO2_BANDS: [&str; 3] = ["lt_2.5", "2.5_to_10", "ge_10"];

/// A row's radiotherapy endpoints (issue 23.1–2; `docs/model.md`, "Radiotherapy
/// endpoints"). Band arrays are in the order of [`PRE_PO2_BANDS`]; a band without
/// voxels or cells at t = 0 has `None` (JSON null, an empty CSV cell).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct EndpointColumns {
    /// Expected surviving clonogens N: clonogen density × tumour volume × the viable
    /// fraction over the region.
    pub surviving_clonogens: f64,
    /// Poisson tumour control probability exp(−N).
    pub tcp: f64,
    /// Σ n now / Σ n at t = 0 over the voxels of each pre-treatment pO2 band.
    pub surviving_fraction_by_pre_po2: [Option<f64>; 3],
    /// −log10 of `surviving_fraction_by_pre_po2`.
    pub log10_kill_by_pre_po2: [Option<f64>; 3],
    /// Share of the surviving (viable) cells that sit in voxels now below 2.5 mmHg.
    pub hypoxic_share_of_survivors: f64,
    /// Sum of the oxygen-weighted equivalent uniform doses of the fractions delivered
    /// before this row's time (Gy).
    pub eud_cumulative_gy: f64,
    /// Sum of the physical doses of those fractions (Gy; the mean over the region with
    /// a dose map).
    pub physical_dose_cumulative_gy: f64,
}

impl EndpointColumns {
    /// Number of values in [`EndpointColumns::values`].
    pub(crate) const COUNT: usize = 11;

    /// The values in column order (`None` as NaN): the checkpoint's encoding.
    pub(crate) fn values(&self) -> [f64; Self::COUNT] {
        let o = |v: Option<f64>| v.unwrap_or(f64::NAN);
        let [s0, s1, s2] = self.surviving_fraction_by_pre_po2.map(o);
        let [k0, k1, k2] = self.log10_kill_by_pre_po2.map(o);
        [
            self.surviving_clonogens,
            self.tcp,
            s0,
            s1,
            s2,
            k0,
            k1,
            k2,
            self.hypoxic_share_of_survivors,
            self.eud_cumulative_gy,
            self.physical_dose_cumulative_gy,
        ]
    }

    /// The columns of [`EndpointColumns::values`] (NaN as `None`).
    pub(crate) fn from_values(v: [f64; Self::COUNT]) -> Self {
        let o = |x: f64| (!x.is_nan()).then_some(x);
        EndpointColumns {
            surviving_clonogens: v[0],
            tcp: v[1],
            surviving_fraction_by_pre_po2: [o(v[2]), o(v[3]), o(v[4])],
            log10_kill_by_pre_po2: [o(v[5]), o(v[6]), o(v[7])],
            hypoxic_share_of_survivors: v[8],
            eud_cumulative_gy: v[9],
            physical_dose_cumulative_gy: v[10],
        }
    }
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
    // The endpoint columns come last, so that every older column keeps its place.
    out.push_str(",surviving_clonogens,tcp");
    for what in ["surviving_fraction", "log10_kill"] {
        for b in PRE_PO2_BANDS {
            let _ = write!(out, ",{what}_pre_{b}");
        }
    }
    out.push_str(
        ",hypoxic_share_of_survivors_lt_2.5,eud_cumulative_gy,physical_dose_cumulative_gy",
    );
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
        let e = &r.endpoints;
        let _ = write!(out, ",{:.6e},{:.6e}", e.surviving_clonogens, e.tcp);
        let cell = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.6}"));
        for v in e
            .surviving_fraction_by_pre_po2
            .iter()
            .chain(&e.log10_kill_by_pre_po2)
        {
            let _ = write!(out, ",{}", cell(*v));
        }
        let _ = write!(
            out,
            ",{:.6},{:.6},{:.6}",
            e.hypoxic_share_of_survivors, e.eud_cumulative_gy, e.physical_dose_cumulative_gy
        );
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

/// The timeline figure's data from the rows of a run.
pub fn figure_data(rows: &[Row]) -> crate::figures::plot::TimelineData {
    let times: Vec<f64> = rows.iter().map(|r| r.time_h).collect();
    let col = |f: &dyn Fn(&Row) -> f64| rows.iter().map(f).collect::<Vec<f64>>();
    let names: Vec<String> = rows
        .first()
        .map(|r| r.drugs.iter().map(|d| d.name.clone()).collect())
        .unwrap_or_default();
    let labels: Vec<&str> = rows.iter().map(|r| r.events.as_str()).collect();
    let (fractions_h, doses, windows) = events(&times, &labels, &names);
    let drugs = names
        .iter()
        .enumerate()
        .zip(doses)
        .map(|((i, name), dose_times)| {
            let plasma = col(&|r: &Row| r.drugs.get(i).map_or(f64::NAN, |d| d.plasma_um));
            let mean = col(&|r: &Row| r.drugs.get(i).map_or(f64::NAN, |d| d.mean_um));
            (name.clone(), plasma, mean, dose_times)
        })
        .collect();
    crate::figures::plot::TimelineData {
        hypoxic_fractions: std::array::from_fn(|k| col(&|r: &Row| r.hypoxic_fraction[k])),
        mean_po2_mmhg: col(&|r: &Row| r.mean_po2_mmhg),
        median_po2_mmhg: col(&|r: &Row| r.median_po2_mmhg),
        viable_fraction: col(&|r: &Row| r.viable_fraction),
        log10_cell_kill: col(&|r: &Row| r.log10_cell_kill),
        // TCP only where radiotherapy is given: without it, it sits at 0 throughout.
        tcp: (!fractions_h.is_empty()).then(|| col(&|r: &Row| r.endpoints.tcp)),
        drugs,
        fractions_h,
        windows,
        times_h: times,
    }
}

/// The timeline figure's data from a run's `timeline.json` (as written by any
/// version: missing columns are left out of the figure).
pub fn figure_data_from_json(doc: &serde_json::Value) -> crate::figures::plot::TimelineData {
    let rows = doc["rows"].as_array().cloned().unwrap_or_default();
    let num = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN);
    let col = |k: &str| rows.iter().map(|r| num(&r[k])).collect::<Vec<f64>>();
    let times = col("time_h");
    let names: Vec<String> = rows
        .first()
        .and_then(|r| r["drugs"].as_array())
        .map(|d| {
            d.iter()
                .filter_map(|x| x["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let labels: Vec<&str> = rows
        .iter()
        .map(|r| r["events"].as_str().unwrap_or(""))
        .collect();
    let (fractions_h, doses, windows) = events(&times, &labels, &names);
    let drug_col = |i: usize, k: &str| {
        rows.iter()
            .map(|r| num(&r["drugs"][i][k]))
            .collect::<Vec<f64>>()
    };
    let drugs = names
        .iter()
        .enumerate()
        .zip(doses)
        .map(|((i, name), d)| {
            (
                name.clone(),
                drug_col(i, "plasma_um"),
                drug_col(i, "mean_um"),
                d,
            )
        })
        .collect();
    let has_tcp = rows.first().is_some_and(|r| r["tcp"].is_number());
    crate::figures::plot::TimelineData {
        hypoxic_fractions: std::array::from_fn(|k| {
            rows.iter()
                .map(|r| num(&r["hypoxic_fraction"][k]))
                .collect()
        }),
        mean_po2_mmhg: col("mean_po2_mmhg"),
        median_po2_mmhg: col("median_po2_mmhg"),
        viable_fraction: col("viable_fraction"),
        log10_cell_kill: col("log10_cell_kill"),
        tcp: (has_tcp && !fractions_h.is_empty()).then(|| col("tcp")),
        drugs,
        fractions_h,
        windows,
        times_h: times,
    }
}

/// The events of the rows (`labels[i]` happen at `times[i]`, the row convention):
/// radiotherapy fraction times, each drug's dose times (by `drugs` order), and the
/// intervention windows as (kind, opened, closed), a window still open at the end
/// closing at the last row.
#[allow(clippy::type_complexity)]
fn events(
    times: &[f64],
    labels: &[&str],
    drugs: &[String],
) -> (Vec<f64>, Vec<Vec<f64>>, Vec<(String, f64, f64)>) {
    let mut fractions = Vec::new();
    let mut doses = vec![Vec::new(); drugs.len()];
    let mut windows: Vec<(String, f64, f64)> = Vec::new();
    let mut open: Vec<(String, f64)> = Vec::new();
    for (&t, label) in times.iter().zip(labels) {
        for event in label.split(';').filter(|e| !e.is_empty()) {
            if event.starts_with("rt ") {
                fractions.push(t);
            } else if let Some(name) = event.strip_suffix(" dose") {
                if let Some(i) = drugs.iter().position(|d| d == name) {
                    doses[i].push(t);
                }
            } else if let Some(kind) = event.strip_suffix(" on") {
                open.push((kind.to_string(), t));
            } else if let Some(kind) = event.strip_suffix(" off") {
                if let Some(i) = open.iter().position(|(k, _)| k == kind) {
                    let (k, start) = open.remove(i);
                    windows.push((k.replace('_', " "), start, t));
                }
            }
        }
    }
    let end = times.last().copied().unwrap_or(0.0);
    for (k, start) in open {
        windows.push((k.replace('_', " "), start, end));
    }
    (fractions, doses, windows)
}

#[cfg(test)]
mod figure_tests {
    #[test]
    fn events_become_fractions_doses_and_windows() {
        let times = [0.0, 1.0, 2.0, 3.0, 4.0];
        let labels = [
            "rt 2 Gy;evo dose",
            "normalisation on",
            "rt 2 Gy",
            "normalisation off;hif_inhibitor on",
            "",
        ];
        let (f, d, w) = super::events(&times, &labels, &["evo".to_string()]);
        assert_eq!(f, vec![0.0, 2.0]);
        assert_eq!(d, vec![vec![0.0]]);
        assert_eq!(
            w,
            vec![
                ("normalisation".to_string(), 1.0, 3.0),
                ("hif inhibitor".to_string(), 3.0, 4.0)
            ]
        );
    }
}
