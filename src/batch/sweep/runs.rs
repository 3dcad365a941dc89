//! A sweep's runs: the expansion of the `[vary]` columns (product or zip), each run's
//! stable id from its canonical parameters, and the JSON lines of `oxyfield plan`.

use super::{Sweep, SweepRun, MAX_RUNS};
use crate::hash::{fmix64, fnv1a};
use serde_json::{Map, Value as Json};
use std::collections::HashMap;

/// Canonical JSON: object keys sorted at every level, no spaces. What ids hash, so it
/// must not depend on the map type's order.
pub(super) fn canonical(v: &Json) -> String {
    match v {
        Json::Object(o) => {
            let mut entries: Vec<_> = o.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}:{}", Json::String((*k).clone()), canonical(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Json::Array(a) => format!(
            "[{}]",
            a.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

/// The stable id of a run's parameters: FNV-1a 64 of their canonical JSON, mixed, top 48 bits
/// as 12 hex digits.
pub fn run_id(parameters: &Map<String, Json>) -> String {
    let text = canonical(&Json::Object(parameters.clone()));
    format!("{:012x}", fmix64(fnv1a(text.as_bytes())) >> 16)
}

/// The runs of `columns` (one list of values per key): every combination (first key
/// slowest) or, with `zip`, the i-th values together.
pub(super) fn expand(
    keys: &[String],
    columns: &[Vec<Json>],
    zip: bool,
) -> std::result::Result<Vec<SweepRun>, String> {
    let count = if zip {
        let n = columns.first().map_or(1, Vec::len);
        if columns.iter().any(|c| c.len() != n) {
            let lens: Vec<String> = keys
                .iter()
                .zip(columns)
                .map(|(k, c)| format!("\"{k}\" has {}", c.len()))
                .collect();
            return Err(format!(
                "`mode = \"zip\"` runs the i-th values of every `[vary]` key together, so all need the same number of values: {}; \
                 make them equal, or use mode = \"product\"",
                lens.join(", ")
            ));
        }
        n
    } else {
        columns
            .iter()
            .try_fold(1usize, |acc, c| acc.checked_mul(c.len()))
            .filter(|&n| n <= MAX_RUNS)
            .ok_or_else(|| {
                let lens: Vec<String> = columns.iter().map(|c| c.len().to_string()).collect();
                format!(
                    "`[vary]` expands to {} runs, more than {MAX_RUNS}: use fewer values, or split the sweep",
                    lens.join(" × ")
                )
            })?
    };
    let mut runs = Vec::with_capacity(count);
    let mut seen: HashMap<String, (usize, String)> = HashMap::with_capacity(count);
    for index in 0..count {
        let mut parameters = Map::new();
        let mut rest = index;
        // Mixed radix, last key fastest: pick the digits from the back.
        let mut picks = vec![0; columns.len()];
        for (j, c) in columns.iter().enumerate().rev() {
            picks[j] = if zip { index } else { rest % c.len() };
            rest /= c.len().max(1);
        }
        for ((k, c), &p) in keys.iter().zip(columns).zip(&picks) {
            parameters.insert(k.clone(), c[p].clone());
        }
        let canon = canonical(&Json::Object(parameters.clone()));
        let id = run_id(&parameters);
        if let Some((other, other_canon)) = seen.get(&id) {
            return Err(if *other_canon == canon {
                format!(
                    "duplicate run: runs {other} and {index} have the same parameters {canon}; remove the repeated value"
                )
            } else {
                format!("runs {other} and {index} have the same id {id} by chance: change a value slightly")
            });
        }
        seen.insert(id.clone(), (index, canon));
        runs.push(SweepRun {
            index,
            id,
            parameters,
        });
    }
    Ok(runs)
}

/// One JSON object per run, `{"index":…,"id":…,"parameters":{…}}`, parameters in
/// `[vary]` order: the output of `oxyfield plan`.
pub fn plan_lines(sweep: &Sweep) -> Vec<String> {
    sweep
        .runs
        .iter()
        .map(|run| {
            let mut order: Vec<&String> = sweep
                .keys
                .iter()
                .filter(|k| run.parameters.contains_key(*k))
                .collect();
            order.extend(run.parameters.keys().filter(|k| !sweep.keys.contains(k)));
            let params: Vec<String> = order
                .iter()
                .map(|k| format!("{}:{}", Json::String((*k).clone()), run.parameters[*k]))
                .collect();
            format!(
                "{{\"index\":{},\"id\":{},\"parameters\":{{{}}}}}",
                run.index,
                Json::String(run.id.clone()),
                params.join(",")
            )
        })
        .collect()
}
