//! Gathering a batch: every finished scenario folder's manifest and summary into one
//! `batch.csv`, one slice per scenario into `batch_montage.png` at shared colour
//! limits, so the maps compare (`montage`), and the metrics against each varied
//! parameter (`plots`).

use super::axes::sweep_axes;
use super::run::MANIFEST;
use crate::atomic;
use crate::{Error, Result};
use serde_json::Value;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// What collecting found.
#[derive(Debug, Clone, PartialEq)]
pub struct Collected {
    /// Finished scenarios, by index.
    pub scenarios: usize,
    /// `batch.csv`.
    pub csv: PathBuf,
    /// `batch_montage.png`, when the scenarios have `o2.npy`.
    pub montage: Option<PathBuf>,
    /// `batch_vs_NAME.png`, one per numeric parameter the sweep varies (its `.svg` and
    /// `.csv` beside it).
    pub plots: Vec<PathBuf>,
}

/// One finished scenario.
pub(crate) struct Finished {
    /// Its folder.
    pub(crate) dir: PathBuf,
    /// Its `manifest.json`.
    pub(crate) manifest: Value,
    /// Its `summary.json`.
    pub(crate) summary: Value,
}

/// The value of `batch.csv` column `column` (one of the metric columns) for `f`.
pub(crate) fn metric(f: &Finished, column: &str) -> Option<f64> {
    let (_, steady, protocol) = METRICS.iter().find(|(c, _, _)| *c == column)?;
    let path = if f.manifest["kind"] == "protocol" {
        protocol
    } else {
        steady
    };
    f.summary.pointer(path).and_then(Value::as_f64)
}

/// The metric columns of `batch.csv`: (column, path in a steady run's summary, path in
/// a protocol run's summary).
const METRICS: [(&str, &str, &str); 9] = [
    ("median_po2_mmhg", "/o2/median_mmhg", "/end/median_po2_mmhg"),
    ("mean_po2_mmhg", "/o2/mean_mmhg", "/end/mean_po2_mmhg"),
    (
        "hypoxic_fraction_lt_0.5",
        "/o2/hypoxic_fraction/lt_0.5",
        "/end/hypoxic_fraction/0",
    ),
    (
        "hypoxic_fraction_lt_2.5",
        "/o2/hypoxic_fraction/lt_2.5",
        "/end/hypoxic_fraction/1",
    ),
    (
        "hypoxic_fraction_lt_5",
        "/o2/hypoxic_fraction/lt_5",
        "/end/hypoxic_fraction/2",
    ),
    (
        "hypoxic_fraction_lt_10",
        "/o2/hypoxic_fraction/lt_10",
        "/end/hypoxic_fraction/3",
    ),
    ("mean_ros_um", "/ros/mean_um", "/end/mean_ros_um"),
    ("viable_fraction", "/none", "/end/viable_fraction"),
    ("log10_cell_kill", "/none", "/end/log10_cell_kill"),
];

/// Columns added after `backend` (issue 23.3), so that every older column keeps its
/// name and place: the pre-treatment state of a protocol run (its t = 0 row,
/// `summary.json` `start`) beside the end-of-run metrics above, and the radiotherapy
/// endpoints. (column, path in a steady run's summary, path in a protocol run's
/// summary); a steady run has no pre-treatment state and leaves them empty.
const PROTOCOL_METRICS: [(&str, &str, &str); 9] = [
    ("pre_median_po2_mmhg", "/none", "/start/median_po2_mmhg"),
    ("pre_mean_po2_mmhg", "/none", "/start/mean_po2_mmhg"),
    (
        "pre_hypoxic_fraction_lt_0.5",
        "/none",
        "/start/hypoxic_fraction/0",
    ),
    (
        "pre_hypoxic_fraction_lt_2.5",
        "/none",
        "/start/hypoxic_fraction/1",
    ),
    (
        "pre_hypoxic_fraction_lt_5",
        "/none",
        "/start/hypoxic_fraction/2",
    ),
    (
        "pre_hypoxic_fraction_lt_10",
        "/none",
        "/start/hypoxic_fraction/3",
    ),
    ("tcp", "/none", "/endpoints/tcp"),
    ("eud_cumulative_gy", "/none", "/endpoints/eud_cumulative_gy"),
    (
        "physical_dose_cumulative_gy",
        "/none",
        "/endpoints/physical_dose_cumulative_gy",
    ),
];

/// Collects the finished scenarios under `out` into `out/batch.csv` and
/// `out/batch_montage.png` (xy centre slices of pO2 at `limits`).
pub fn collect(out: &Path, limits: [f64; 2]) -> Result<Collected> {
    let mut found = Vec::new();
    let entries = std::fs::read_dir(out).map_err(|e| Error::io(out, e))?;
    for entry in entries {
        let dir = entry.map_err(|e| Error::io(out, e))?.path();
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
        if !dir.is_dir() || name.is_some_and(|n| n.starts_with('.')) {
            continue;
        }
        let read = |file: &str| -> Result<Option<Value>> {
            let path = dir.join(file);
            if !path.is_file() {
                return Ok(None);
            }
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| Error::input(&path, format!("is not JSON ({e})")))
        };
        if let (Some(manifest), Some(summary)) = (read(MANIFEST)?, read("summary.json")?) {
            found.push(Finished {
                dir,
                manifest,
                summary,
            });
        }
    }
    if found.is_empty() {
        return Err(Error::input(
            out,
            "holds no finished scenarios (folders with manifest.json); run `oxyfield batch` \
             into it first",
        ));
    }
    found.sort_by_key(|f| f.manifest["index"].as_u64().unwrap_or(u64::MAX));
    // Parameter columns: every key any scenario varies, in first-seen order.
    let mut keys: Vec<String> = Vec::new();
    for f in &found {
        if let Some(p) = f.manifest["parameters"].as_object() {
            for k in p.keys() {
                if !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
        }
    }
    let mut csv = String::from("index,id,kind");
    for k in &keys {
        let _ = write!(csv, ",{}", csv_field(k));
    }
    for (col, _, _) in METRICS {
        let _ = write!(csv, ",{col}");
    }
    csv.push_str(",seconds,backend");
    for (col, _, _) in PROTOCOL_METRICS {
        let _ = write!(csv, ",{col}");
    }
    csv.push('\n');
    for f in &found {
        let m = &f.manifest;
        let _ = write!(
            csv,
            "{},{},{}",
            m["index"],
            csv_field(m["id"].as_str().unwrap_or("")),
            m["kind"].as_str().unwrap_or("")
        );
        for k in &keys {
            let v = &m["parameters"][k];
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                v => v.to_string(),
            };
            let _ = write!(csv, ",{}", csv_field(&text));
        }
        let protocol = m["kind"] == "protocol";
        let metric = |steady: &str, proto: &str| {
            f.summary
                .pointer(if protocol { proto } else { steady })
                .and_then(Value::as_f64)
                .map_or(String::new(), |x| x.to_string())
        };
        for (_, steady, proto) in METRICS {
            let _ = write!(csv, ",{}", metric(steady, proto));
        }
        let _ = write!(
            csv,
            ",{},{}",
            m["seconds"].as_f64().unwrap_or(f64::NAN),
            m["backend"].as_str().unwrap_or("")
        );
        for (_, steady, proto) in PROTOCOL_METRICS {
            let _ = write!(csv, ",{}", metric(steady, proto));
        }
        csv.push('\n');
    }
    let csv_path = out.join("batch.csv");
    atomic::write(&csv_path, csv.as_bytes())?;
    let axes = sweep_axes(found.iter().map(|f| &f.manifest["parameters"]));
    let montage = super::montage::montage(out, &found, &axes, limits)?;
    let plots = super::plots::write_plots(out, &found, &axes, 150)?;
    Ok(Collected {
        scenarios: found.len(),
        csv: csv_path,
        montage,
        plots,
    })
}

/// A CSV field, quoted when it holds a comma or a quote.
pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
