//! The report of one run folder: its key numbers, its figures (with the timeline of a
//! protocol run) and its provenance.

use super::html::{escape, href, significant, Cell, Page};
use super::{data_beside, pngs, provenance, read_json};
use crate::Result;
use serde_json::Value;
use std::path::Path;

/// The page for the run in `dir` (which has `summary.json`).
pub(crate) fn page(dir: &Path) -> Result<String> {
    let summary = read_json(&dir.join("summary.json"))?;
    let scenario = summary["scenario"].as_str().unwrap_or("run").to_string();
    let protocol = summary["protocol"]["name"].as_str();
    let title = match protocol {
        Some(p) => format!("{scenario} with {p}"),
        None => scenario.clone(),
    };
    let sub = format!(
        "{} · {} on {} · {}",
        if protocol.is_some() {
            "protocol run"
        } else {
            "steady state"
        },
        summary["created_utc"].as_str().unwrap_or(""),
        summary["adapter"]
            .as_str()
            .or(summary["backend"].as_str())
            .unwrap_or("?"),
        dir.display()
    );
    let mut page = Page::new(&title, &sub);
    if summary["converged"] == Value::Bool(false) {
        page.raw("<p><strong>This run did not converge</strong>: see summary.json.</p>");
    }

    page.heading("Numbers");
    let (header, rows) = if protocol.is_some() {
        protocol_numbers(&summary)
    } else {
        steady_numbers(&summary)
    };
    page.table("numbers", &header, &rows, false);
    let mut links = vec!["summary.json"];
    if dir.join("timeline.csv").is_file() {
        links.push("timeline.csv");
    }
    let links: Vec<String> = links
        .iter()
        .map(|l| format!("<a href=\"{}\">{}</a>", href(l), escape(l)))
        .collect();
    page.raw(&format!("<p>{}</p>", links.join(" · ")));

    let mut figures = pngs(dir, "figures");
    figures.extend(pngs(dir, ""));
    // The timeline first: it tells a protocol's story.
    figures.sort_by_key(|f| !f.contains("timeline"));
    if !figures.is_empty() {
        page.heading("Figures");
        page.raw("<div class=\"gallery wide\">");
        for f in &figures {
            page.figure(f, &caption(f), data_beside(dir, f).as_deref());
        }
        page.raw("</div>");
    }

    page.heading("Provenance");
    match provenance(&summary) {
        Some((command, scenario_toml)) => {
            page.raw(&format!(
                "<pre>{}</pre>",
                escape(&format!(
                    "{command}oxyfield {}",
                    summary["oxyfield_version"].as_str().unwrap_or("?")
                ))
            ));
            page.details("Scenario (TOML)", &scenario_toml);
        }
        None => page.raw("<p>summary.json has no reproduce block.</p>"),
    }
    Ok(page.finish(
        &format!("oxyfield {title}"),
        &format!("Written by oxyfield {} report", env!("CARGO_PKG_VERSION")),
    ))
}

/// A figure's caption from its file name: `figures/o2_vs_distance.png` → "o2 vs
/// distance".
fn caption(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.trim_end_matches(".png").replace('_', " ")
}

fn text_cell(text: &str) -> Cell {
    Cell {
        text: text.to_string(),
        number: None,
        link: None,
    }
}

fn number_cell(v: Option<f64>) -> Cell {
    Cell {
        text: v.map_or(String::new(), |x| significant(x, 4)),
        number: v,
        link: None,
    }
}

/// Quantity and value of a steady run: pO2 statistics, hypoxic fractions, ROS.
fn steady_numbers(s: &Value) -> (Vec<String>, Vec<Vec<Cell>>) {
    let mut rows = Vec::new();
    let mut push = |name: &str, v: Option<f64>| rows.push(vec![text_cell(name), number_cell(v)]);
    for (name, key) in [
        ("median pO₂ (mmHg)", "median_mmhg"),
        ("mean pO₂ (mmHg)", "mean_mmhg"),
        ("min pO₂ (mmHg)", "min_mmhg"),
        ("max pO₂ (mmHg)", "max_mmhg"),
    ] {
        push(name, s["o2"][key].as_f64());
    }
    if let Some(hf) = s["o2"]["hypoxic_fraction"].as_object() {
        let mut keys: Vec<(&String, f64)> = hf
            .iter()
            .filter_map(|(k, v)| Some((k, v.as_f64()?)))
            .collect();
        keys.sort_by(|a, b| threshold(a.0).total_cmp(&threshold(b.0)));
        for (k, v) in keys {
            push(
                &format!("tissue below {} mmHg (%)", k.trim_start_matches("lt_")),
                Some(100.0 * v),
            );
        }
    }
    if let Some(v) = s["ros"]["mean_um"].as_f64() {
        push("mean ROS (µM)", Some(v));
    }
    (vec!["quantity".into(), "value".into()], rows)
}

fn threshold(key: &str) -> f64 {
    key.trim_start_matches("lt_")
        .parse()
        .unwrap_or(f64::INFINITY)
}

/// Every number the protocol summary's `start` and `end` rows both have, start and
/// end side by side (hypoxic fractions one per threshold).
fn protocol_numbers(s: &Value) -> (Vec<String>, Vec<Vec<Cell>>) {
    let (start, end) = (&s["start"], &s["end"]);
    let mut rows = Vec::new();
    let mut keys: Vec<&String> = end
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    keys.retain(|k| k.as_str() != "solve_seconds" && k.as_str() != "time_h");
    for k in keys {
        match (&start[k], &end[k]) {
            (Value::Number(a), Value::Number(b)) => {
                rows.push(vec![
                    text_cell(k),
                    number_cell(a.as_f64()),
                    number_cell(b.as_f64()),
                ]);
            }
            (Value::Array(a), Value::Array(b)) if k == "hypoxic_fraction" => {
                for (n, t) in crate::metrics::HYPOXIA_THRESHOLDS_MMHG.iter().enumerate() {
                    let pct = |v: &[Value]| v.get(n).and_then(Value::as_f64).map(|x| 100.0 * x);
                    rows.push(vec![
                        text_cell(&format!("tissue below {t} mmHg (%)")),
                        number_cell(pct(a)),
                        number_cell(pct(b)),
                    ]);
                }
            }
            _ => {}
        }
    }
    let at = |v: &Value| {
        v["time_h"]
            .as_f64()
            .map_or(String::new(), |t| format!(" ({} h)", significant(t, 4)))
    };
    (
        vec![
            "quantity".into(),
            format!("start{}", at(start)),
            format!("end{}", at(end)),
        ],
        rows,
    )
}
