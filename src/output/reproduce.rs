//! The `reproduce` block of `summary.json`: what it takes to run the same thing again,
//! beyond the version and the seed recorded beside it: the command line, the scenario
//! file as given (defaults come from the recorded version), the thread count, and the
//! size and FNV-1a hash of every input file (arrays, networks, protocols), so a re-run
//! can tell whether its inputs are the same.

use crate::config::Scenario;
use crate::hash::fnv1a;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// The block for a run of `sc`.
pub fn block(sc: &Scenario) -> Value {
    let cwd = std::env::current_dir().ok();
    json!({
        "command": std::env::args().collect::<Vec<_>>(),
        "working_dir": cwd.as_ref().map(|d| d.display().to_string()),
        "threads": rayon::current_num_threads(),
        "scenario_toml": sc.source_toml,
        "input_files": input_files(sc),
    })
}

/// Files the run read: those the scenario names (keys ending in `_npy`, `file` or
/// `path`, resolved against its folder) and those on the command line.
fn input_files(sc: &Scenario) -> Vec<Value> {
    let mut paths: Vec<PathBuf> = Vec::new();
    if let Ok(table) = sc.source_toml.parse::<toml::Table>() {
        named_paths(&toml::Value::Table(table), "", &mut |p| {
            paths.push(sc.resolve(Path::new(p)))
        });
    }
    paths.extend(
        std::env::args()
            .skip(1)
            .map(PathBuf::from)
            .filter(|p| p.is_file()),
    );
    let mut seen = Vec::new();
    paths
        .into_iter()
        .filter(|p| p.is_file())
        .filter(|p| {
            let key = p.canonicalize().unwrap_or_else(|_| p.clone());
            let new = !seen.contains(&key);
            seen.push(key);
            new
        })
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            Some(json!({
                "path": p.display().to_string(),
                "bytes": bytes.len(),
                "fnv1a64": format!("{:016x}", fnv1a(&bytes)),
            }))
        })
        .collect()
}

fn named_paths(v: &toml::Value, key: &str, found: &mut dyn FnMut(&str)) {
    match v {
        toml::Value::Table(t) => t.iter().for_each(|(k, v)| named_paths(v, k, found)),
        toml::Value::Array(a) => a.iter().for_each(|v| named_paths(v, key, found)),
        toml::Value::String(s)
            if key.ends_with("_npy") || key.ends_with("file") || key.ends_with("path") =>
        {
            found(s)
        }
        _ => {}
    }
}
