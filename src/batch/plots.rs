//! Metric-against-parameter plots of a batch: for every numeric parameter the sweep
//! varies (the seed aside), `batch_vs_NAME.png` / `.svg` with the fraction of tissue
//! below 2.5 mmHg and the median pO2 against it, one line per combination of the
//! other parameters; scenarios that differ only in their seed are averaged, with
//! their range as a band. The numbers behind each plot are in `batch_vs_NAME.csv`.

use super::axes::{value_text, SweepAxis};
use super::collect::{csv_field, metric, Finished};
use crate::atomic;
use crate::figures::plot::{AxisRange, Chart, LegendPos, Plot, Series};
use crate::Result;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The metrics plotted: `batch.csv` column, axis label, scale (fractions as %).
const PLOTTED: [(&str, &str, f64); 2] = [
    ("hypoxic_fraction_lt_2.5", "tissue < 2.5 mmHg (%)", 100.0),
    ("median_po2_mmhg", "median pO\u{2082} (mmHg)", 1.0),
];

/// Line colours (a colour-blind-safe categorical set, Okabe & Ito 2008).
const PALETTE: [[u8; 3]; 7] = [
    [0, 114, 178],
    [213, 94, 0],
    [0, 158, 115],
    [204, 121, 167],
    [230, 159, 0],
    [86, 180, 233],
    [0, 0, 0],
];

/// Writes one plot and its CSV per numeric non-seed axis; returns the PNG paths.
pub(crate) fn write_plots(
    out: &Path,
    found: &[Finished],
    axes: &[SweepAxis],
    dpi: u32,
) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let plotted: Vec<&SweepAxis> = axes
        .iter()
        .filter(|a| a.numeric() && !a.is_seed())
        .collect();
    for x in plotted.iter().copied() {
        let others: Vec<&SweepAxis> = axes
            .iter()
            .filter(|a| !a.is_seed() && a.key != x.key)
            .collect();
        let table = Table::of(found, x, &others);
        if table.lines.values().all(|pts| pts.len() < 2) {
            continue; // nothing to draw a line through
        }
        // The key's last part names the file, the whole key when that part repeats
        // (`…radius_um` of two tables).
        let short = file_part(last_part(&x.key));
        let unique = plotted
            .iter()
            .filter(|a| file_part(last_part(&a.key)) == short)
            .count()
            == 1;
        let name = if unique { short } else { file_part(&x.key) };
        let stem = out.join(format!("batch_vs_{name}"));
        table
            .chart(x, &others)
            .write(&stem, dpi)
            .map(|(png, _)| written.push(png))?;
        let mut csv_path = stem.into_os_string();
        csv_path.push(".csv");
        atomic::write(Path::new(&csv_path), table.csv(x, &others).as_bytes())?;
    }
    Ok(written)
}

/// The last part of a dotted key.
fn last_part(key: &str) -> &str {
    key.rsplit('.').next().unwrap_or(key)
}

/// `text` safe in a file name (anything but letters, digits and `_` as `_`).
fn file_part(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// One point: the x value and, per plotted metric, the values of its scenarios.
type Point = (f64, [Vec<f64>; 2]);

/// The scenarios grouped by the other axes' values (one line each), then by x.
struct Table {
    lines: BTreeMap<Vec<usize>, Vec<Point>>,
}

impl Table {
    fn of(found: &[Finished], x: &SweepAxis, others: &[&SweepAxis]) -> Self {
        let mut lines: BTreeMap<Vec<usize>, Vec<Point>> = BTreeMap::new();
        for f in found {
            let p = &f.manifest["parameters"];
            let Some(xv) = p[&x.key].as_f64() else {
                continue;
            };
            let group: Vec<usize> = others.iter().map(|a| a.index_of(&p[&a.key])).collect();
            let pts = lines.entry(group).or_default();
            let at = match pts.iter().position(|(v, _)| *v == xv) {
                Some(i) => i,
                None => {
                    pts.push((xv, [Vec::new(), Vec::new()]));
                    pts.len() - 1
                }
            };
            for (m, (col, _, scale)) in PLOTTED.iter().enumerate() {
                if let Some(v) = metric(f, col).filter(|v| v.is_finite()) {
                    pts[at].1[m].push(scale * v);
                }
            }
        }
        for pts in lines.values_mut() {
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        Table { lines }
    }

    /// A line's legend text: the other axes' values.
    fn line_label(group: &[usize], others: &[&SweepAxis]) -> String {
        others
            .iter()
            .zip(group)
            .map(|(a, &i)| {
                let (name, unit) = a.label();
                let v = a.values.get(i).map(value_text).unwrap_or_default();
                format!("{name} {v} {unit}").trim_end().to_string()
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn chart(&self, x: &SweepAxis, others: &[&SweepAxis]) -> Chart {
        let (name, unit) = x.label();
        let x_label = if unit.is_empty() {
            name.clone()
        } else {
            format!("{name} ({unit})")
        };
        let panels = PLOTTED
            .iter()
            .enumerate()
            .map(|(m, (_, y_label, _))| {
                let mut plot = Plot::new(x_label.clone(), *y_label);
                plot.legend = if others.is_empty() || m > 0 {
                    LegendPos::None
                } else {
                    LegendPos::OutsideRight
                };
                plot.x_range = AxisRange::Auto;
                for (n, (group, pts)) in self.lines.iter().enumerate() {
                    let colour = PALETTE[n % PALETTE.len()];
                    let stats: Vec<(f64, [f64; 3])> = pts
                        .iter()
                        .filter_map(|(xv, vals)| Some((*xv, mean_min_max(&vals[m])?)))
                        .collect();
                    if stats.iter().any(|(_, s)| s[1] < s[2]) {
                        let xs: Vec<f64> = stats.iter().map(|p| p.0).collect();
                        let lo: Vec<f64> = stats.iter().map(|p| p.1[1]).collect();
                        let hi: Vec<f64> = stats.iter().map(|p| p.1[2]).collect();
                        plot.series.push(Series::band("", &xs, &lo, &hi, colour));
                    }
                    plot.series.push(Series::line(
                        Self::line_label(group, others),
                        stats.iter().map(|(xv, s)| (*xv, s[0])).collect(),
                        colour,
                    ));
                }
                plot
            })
            .collect();
        let seeds = self
            .lines
            .values()
            .flat_map(|pts| pts.iter().map(|p| p.1[0].len()))
            .max()
            .unwrap_or(1);
        let title = if seeds > 1 {
            format!("against {name}: mean of {seeds} seeds, band from lowest to highest")
        } else {
            format!("against {name}")
        };
        Chart {
            title: Some(title),
            panels,
            shared_x: true,
            width_in: if others.is_empty() { 4.5 } else { 6.5 },
            height_in: 4.5,
            font_pt: 8.0,
        }
    }

    fn csv(&self, x: &SweepAxis, others: &[&SweepAxis]) -> String {
        let mut csv = csv_field(&x.key);
        for a in others {
            let _ = write!(csv, ",{}", csv_field(&a.key));
        }
        csv.push_str(",scenarios");
        for (col, _, _) in PLOTTED {
            let _ = write!(csv, ",{col}_mean,{col}_min,{col}_max");
        }
        csv.push('\n');
        for (group, pts) in &self.lines {
            for (xv, vals) in pts {
                let _ = write!(csv, "{xv}");
                for (a, &i) in others.iter().zip(group) {
                    let v = a.values.get(i).map(value_text).unwrap_or_default();
                    let _ = write!(csv, ",{}", csv_field(&v));
                }
                let _ = write!(csv, ",{}", vals[0].len().max(vals[1].len()));
                for (m, (_, _, scale)) in PLOTTED.iter().enumerate() {
                    match mean_min_max(&vals[m]) {
                        // Unscaled, as in batch.csv.
                        Some(s) => {
                            let _ =
                                write!(csv, ",{},{},{}", s[0] / scale, s[1] / scale, s[2] / scale);
                        }
                        None => csv.push_str(",,,"),
                    }
                }
                csv.push('\n');
            }
        }
        csv
    }
}

/// Mean, smallest and largest of `v`; `None` when empty.
fn mean_min_max(v: &[f64]) -> Option<[f64; 3]> {
    if v.is_empty() {
        return None;
    }
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    let min = v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some([mean, min, max])
}
