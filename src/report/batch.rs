//! The report of a batch folder: the sweep's figures, a gallery of the scenarios'
//! maps titled by their parameters, the sortable table of `batch.csv`, provenance.

use super::html::{escape, href, significant, Cell, Page};
use super::{csv, data_beside, pngs, provenance, read_json};
use crate::batch::axes::label;
use crate::{Error, Result};
use std::path::Path;

/// The first metric column of `batch.csv`: the parameter columns sit between `kind`
/// and it.
const FIRST_METRIC: &str = "median_po2_mmhg";

/// The page for the batch in `dir` (which has `batch.csv`).
pub(crate) fn page(dir: &Path) -> Result<String> {
    let path = dir.join("batch.csv");
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let mut rows = csv::parse(&text);
    if rows.is_empty() {
        return Err(Error::input(
            &path,
            "is empty; run `oxyfield collect DIR` again",
        ));
    }
    let header = rows.remove(0);
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(id_col), Some(kind_col)) = (col("id"), col("kind")) else {
        return Err(Error::input(
            &path,
            "has no `id` and `kind` columns: it is not a batch.csv that oxyfield wrote",
        ));
    };
    let params_end = col(FIRST_METRIC).unwrap_or(header.len());
    // Parameter columns, and those of them that vary (the captions name only these).
    let params: Vec<usize> = (kind_col + 1..params_end).collect();
    let varied: Vec<usize> = params
        .iter()
        .copied()
        .filter(|&c| {
            let first = rows.first().and_then(|r| r.get(c));
            rows.iter().any(|r| r.get(c) != first)
        })
        .collect();
    let first_manifest = rows
        .first()
        .and_then(|r| r.get(id_col))
        .and_then(|id| read_json(&dir.join(id).join(crate::batch::run::MANIFEST)).ok());
    let sweep = first_manifest
        .as_ref()
        .and_then(|m| m["sweep"].as_str().map(str::to_string))
        .unwrap_or_else(|| dir.display().to_string());
    let mut page = Page::new(
        &format!("Batch {sweep}"),
        &format!("{} scenarios · {}", rows.len(), dir.display()),
    );

    // The sweep's figures.
    let figures: Vec<String> = pngs(dir, "")
        .into_iter()
        .filter(|p| p.starts_with("batch_"))
        .collect();
    if !figures.is_empty() {
        page.heading("Figures");
        page.raw("<div class=\"gallery wide\">");
        for f in &figures {
            let caption = if f == "batch_montage.png" {
                "pO₂ maps, xy centre slices, at shared colour limits".to_string()
            } else {
                format!("metrics against {}", parameter_of_plot(f))
            };
            page.figure(f, &caption, data_beside(dir, f).as_deref());
        }
        page.raw("</div>");
    }

    // One map per scenario.
    let maps: Vec<(String, String)> = rows
        .iter()
        .filter_map(|r| {
            let id = r.get(id_col)?;
            let map = ["o2_xy.png", "figures/o2_planes.png"]
                .into_iter()
                .map(|m| format!("{id}/{m}"))
                .find(|m| dir.join(m).is_file())?;
            Some((
                map,
                caption(
                    &header,
                    r,
                    &varied,
                    id_col,
                    col(FIRST_METRIC),
                    col("hypoxic_fraction_lt_2.5"),
                ),
            ))
        })
        .collect();
    if !maps.is_empty() {
        page.heading("Scenarios");
        page.raw("<div class=\"gallery\">");
        for (map, caption) in &maps {
            page.figure(map, caption, None);
        }
        page.raw("</div>");
    }

    // A protocol sweep: each scenario's timeline, captioned the same way.
    let timelines: Vec<(String, String)> = rows
        .iter()
        .filter_map(|r| {
            let png = format!("{}/figures/timeline.png", r.get(id_col)?);
            dir.join(&png).is_file().then(|| {
                let caption = caption(&header, r, &varied, id_col, None, None);
                (png, caption)
            })
        })
        .collect();
    if !timelines.is_empty() {
        page.heading("Timelines");
        page.raw("<div class=\"gallery wide\">");
        for (png, caption) in &timelines {
            let data = png.replace("figures/timeline.png", "timeline.csv");
            let data = dir.join(&data).is_file().then_some(data);
            page.figure(png, caption, data.as_deref());
        }
        page.raw("</div>");
    }

    page.heading("Table (click a column to sort)");
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .map(|(n, field)| {
                    if n != id_col {
                        return Cell::from_csv(field);
                    }
                    // An id is text even when its hex digits read as a number.
                    Cell {
                        text: field.clone(),
                        number: None,
                        link: dir.join(field).is_dir().then(|| format!("{field}/")),
                    }
                })
                .collect()
        })
        .collect();
    page.table("scenarios", &header, &cells, true);
    page.raw(&format!(
        "<p><a href=\"{}\">batch.csv</a></p>",
        href("batch.csv")
    ));

    page.heading("Provenance");
    if let Some(m) = &first_manifest {
        let kv = [
            ("sweep file", m["sweep_origin"].as_str().unwrap_or("")),
            ("oxyfield", m["oxyfield_version"].as_str().unwrap_or("")),
            ("backend", m["backend"].as_str().unwrap_or("")),
            ("adapter", m["adapter"].as_str().unwrap_or("")),
        ];
        let mut dl = String::from("<dl class=\"kv\">");
        for (k, v) in kv {
            dl.push_str(&format!("<dt>{}</dt><dd>{}</dd>", escape(k), escape(v)));
        }
        dl.push_str("</dl>");
        page.raw(&dl);
    }
    let first_summary = rows
        .first()
        .and_then(|r| r.get(id_col))
        .and_then(|id| read_json(&dir.join(id).join("summary.json")).ok());
    if let Some((command, scenario)) = first_summary.as_ref().and_then(provenance) {
        page.details("Command and inputs", &command);
        page.details("Scenario of the first run (TOML)", &scenario);
    }
    Ok(page.finish(
        &format!("oxyfield batch {sweep}"),
        &format!("Written by oxyfield {} report", env!("CARGO_PKG_VERSION")),
    ))
}

/// "density 60 · max consumption 10 — median 6.6 mmHg, 36 % below 2.5 mmHg".
fn caption(
    header: &[String],
    row: &[String],
    params: &[usize],
    id_col: usize,
    median: Option<usize>,
    hf: Option<usize>,
) -> String {
    let mut parts: Vec<String> = params
        .iter()
        .filter_map(|&c| {
            let v = row.get(c)?;
            let v = match v.parse::<f64>() {
                Ok(x) => significant(x, 6),
                Err(_) => v.clone(),
            };
            let (name, unit) = label(&header[c]);
            Some(format!("{name} {v} {unit}").trim_end().to_string())
        })
        .collect();
    if parts.is_empty() {
        parts.push(row.get(id_col).cloned().unwrap_or_default());
    }
    let num = |c: Option<usize>| c.and_then(|c| row.get(c)?.parse::<f64>().ok());
    let mut text = parts.join(" · ");
    if let (Some(m), Some(h)) = (num(median), num(hf)) {
        text.push_str(&format!(
            " — median {} mmHg, {} % below 2.5 mmHg",
            significant(m, 3),
            significant(100.0 * h, 3)
        ));
    }
    text
}

/// `batch_vs_density_mm_per_mm3.png` → "density (mm/mm³)".
fn parameter_of_plot(png: &str) -> String {
    let key = png.trim_start_matches("batch_vs_").trim_end_matches(".png");
    let (name, unit) = label(key);
    if unit.is_empty() {
        name
    } else {
        format!("{name} ({unit})")
    }
}
