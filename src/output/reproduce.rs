//! The `reproduce` block of `summary.json`: what it takes to run the same thing again,
//! beyond the version and the seed recorded beside it: the command line, the scenario
//! file as given (defaults come from the recorded version), the thread count, and the
//! size and FNV-1a hash of every input file (arrays, networks and the tables beside
//! them, protocols and their dose maps), so a re-run can tell whether its inputs are
//! the same.

use crate::config::schema::ProtocolRef;
use crate::config::Scenario;
use crate::hash::fnv1a;
use crate::protocol::Protocol;
use crate::vessels::formats::{self, Format, ReadOptions};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The `reproduce` block (fields in the file's alphabetical order).
#[derive(Debug, Serialize)]
pub(crate) struct Reproduce<'a> {
    command: Vec<String>,
    input_files: Vec<InputFile>,
    scenario_toml: &'a str,
    threads: usize,
    working_dir: Option<String>,
}

/// `reproduce.input_files[]`: one file a run read.
#[derive(Debug, Serialize)]
struct InputFile {
    bytes: usize,
    fnv1a64: String,
    path: String,
}

/// The block for a run of `sc` (its protocol, when it names one, is read again to
/// find the protocol's files).
pub(crate) fn block(sc: &Scenario) -> Reproduce<'_> {
    let protocol = sc.protocol().ok().flatten();
    block_with(sc, protocol.as_ref())
}

/// The block for a run of `sc` with `protocol` (from the scenario or `--protocol`).
pub(crate) fn block_with<'a>(sc: &'a Scenario, protocol: Option<&Protocol>) -> Reproduce<'a> {
    let cwd = std::env::current_dir().ok();
    Reproduce {
        command: std::env::args().collect(),
        input_files: input_files(sc, protocol),
        scenario_toml: &sc.source_toml,
        threads: rayon::current_num_threads(),
        working_dir: cwd.as_ref().map(|d| d.display().to_string()),
    }
}

/// Every file a run of `sc` (with `protocol`) reads, as named (existing ones only):
/// the scenario's files key by key (so a new key must be added here), the tables a
/// CSV network reads beside the one named, the protocol file and its dose maps, and
/// then, so that no key is missed, every string under a key ending in `_npy`, `file`
/// or `path`, and the files on the command line.
pub(crate) fn input_paths(sc: &Scenario, protocol: Option<&Protocol>) -> Vec<PathBuf> {
    let s = &sc.spec;
    let mut named: Vec<PathBuf> = Vec::new();
    let mut resolved: Vec<PathBuf> = Vec::new();
    named.extend(s.tissue.viable_fraction_npy.clone());
    let v = &s.vessels;
    if let Some(n) = &v.network {
        let path = sc.resolve(&n.file);
        let opts = ReadOptions {
            segments_csv: n.segments_csv.as_ref().map(|p| sc.resolve(p)),
            ..ReadOptions::default()
        };
        let format = n.format.or_else(|| Format::from_path(&path).ok());
        if format == Some(Format::Csv) {
            let t = formats::csv::input_tables(&path, &opts);
            resolved.push(t.nodes);
            resolved.push(t.segments);
            resolved.extend(t.boundary);
        }
        resolved.push(path);
        resolved.extend(opts.segments_csv);
        resolved.extend(n.solute_params.as_ref().map(|p| sc.resolve(p)));
    }
    named.extend(v.wall.table.clone());
    if let Some(np) = &v.npy {
        named.push(np.sv.clone());
        named.push(np.pb.clone());
    }
    if let Some(m) = &v.mask {
        named.push(m.file.clone());
    }
    named.extend(s.fixed_regions.iter().filter_map(|r| r.mask_npy.clone()));
    if let Some(ProtocolRef::File(p)) = &s.protocol {
        named.push(p.clone());
    }
    let mut paths: Vec<PathBuf> = named.iter().map(|p| sc.resolve(p)).collect();
    paths.extend(resolved);
    if let Some(p) = protocol {
        paths.push(PathBuf::from(&p.origin));
        // Already resolved against the protocol file's folder.
        paths.extend(p.radiotherapy.iter().filter_map(|r| r.dose_map_npy.clone()));
    }
    if let Ok(table) = sc.source_toml.parse::<toml::Table>() {
        named_paths(&toml::Value::Table(table), "", &mut |p| {
            paths.push(sc.resolve(Path::new(p)))
        });
    }
    paths.extend(std::env::args().skip(1).map(PathBuf::from));
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
        .collect()
}

/// Path, size and FNV-1a hash of each of [`input_paths`].
fn input_files(sc: &Scenario, protocol: Option<&Protocol>) -> Vec<InputFile> {
    input_paths(sc, protocol)
        .into_iter()
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            Some(InputFile {
                bytes: bytes.len(),
                fnv1a64: format!("{:016x}", fnv1a(&bytes)),
                path: p.display().to_string(),
            })
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
