//! Sweep files: a base scenario and the values to vary, expanded into a list of runs,
//! each with a stable id.
//!
//! # Format
//!
//! ```toml
//! schema_version = 1                  # required, 1
//! name = "density-sweep"              # optional: the file stem when absent
//! base = "../scenarios/default.toml"  # the base scenario file, relative to the sweep file;
//!                                     # or "default" for the embedded default scenario
//! mode = "product"                    # "product" (cartesian, default) or "zip" (equal lengths)
//! [vary]                              # dotted scenario keys → values
//! "vessels.synthetic.density_mm_per_mm3" = [60.0, 100.0, 150.0]
//! "oxygen.max_consumption_mmhg_per_s" = { start = 10.0, stop = 20.0, step = 5.0 }
//! seed = { first = 1, count = 3 }     # 1, 2, 3; or a list
//! "grid.shape_zyx" = [[16, 32, 32], [24, 48, 48]]   # any TOML value list works
//! ```
//!
//! Each `[vary]` key is a dotted scenario key (quote it, so that TOML keeps it one key)
//! and its value is one of:
//! - a list of values, of any TOML type (a list of lists for list-valued keys);
//! - `{ start, stop, step }`: start, start + step, … up to stop, inclusive (step > 0,
//!   start ≤ stop); integers when all three are integers, else floats rounded to 13
//!   significant digits (so `0.1`-steps give `0.3`, not `0.30000000000000004`);
//! - `{ start, stop, count }`: count evenly spaced values, both ends included
//!   (count ≥ 1); integers when both ends are integers and the spacing is whole;
//! - `{ first, count }` (optionally `step`, a whole number ≥ 1): the whole numbers
//!   first, first + 1, … (count of them), e.g. seeds.
//!
//! `mode = "product"` runs every combination, in nested-loop order: the first `[vary]`
//! key changes slowest, the last fastest. `mode = "zip"` runs the i-th values of every
//! key together; all keys must then have the same number of values. An empty (or
//! absent) `[vary]` gives one run: the base. A sweep has at most [`MAX_RUNS`] runs.
//!
//! # Runs and ids
//!
//! A run's id is derived from its parameters only (the `[vary]` keys and their values),
//! never from its position or the file's name: FNV-1a (64-bit) of the canonical JSON of
//! the parameters (keys sorted, no spaces), mixed by MurmurHash3's finaliser, as 12 hex
//! digits. Editing the sweep file
//! (adding values, reordering keys, renaming it) keeps the ids of runs whose
//! parameters are unchanged, so finished runs are found again. Two runs with the same
//! parameters are an error.
//!
//! A run's scenario is the base scenario's TOML with each value set at its dotted key
//! (creating intermediate tables as needed) and `name = "<sweep name>-<id>"`; it is then
//! parsed and checked as any scenario file, and its errors name the sweep file, the run
//! and the `[vary]` key. Relative paths in the base (and in values) resolve against the
//! base scenario's folder; with `base = "default"`, against the sweep file's folder.

mod runs;
mod shard;
mod values;

use runs::{canonical, expand};
pub use runs::{plan_lines, run_id};
pub use shard::{parse_shard, shard_from_env, shard_from_vars};

use crate::config::overrides::{set_dotted, to_toml};
use crate::config::schema::ScenarioFile;
use crate::config::{Scenario, DEFAULT_SCENARIO_TOML};
use crate::{Error, Result};
use serde::Deserialize;
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The most runs one sweep file may expand to.
pub const MAX_RUNS: usize = 100_000;

/// The sweep-file schema version this build reads.
pub(crate) const SCHEMA_VERSION: i64 = 1;

/// A sweep file, read and expanded into its runs.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// Name (from the file, else the file stem); run scenarios are `<name>-<id>`.
    pub name: String,
    /// Where it came from, for messages: the sweep file's path.
    pub origin: String,
    /// The base scenario's folder, against which its relative paths resolve.
    pub base_dir: PathBuf,
    /// The base scenario, as a TOML table (not yet checked: a run's values may complete it).
    pub(crate) base: toml::Table,
    /// The `[vary]` keys in file order (`parameters` maps may be sorted by key; use this
    /// for column order).
    pub keys: Vec<String>,
    /// The runs, in expansion order; `runs[k].index == k`.
    pub runs: Vec<SweepRun>,
}

/// One run of a sweep.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SweepRun {
    /// Position in the sweep's expansion (0-based); changes when the file is edited.
    pub index: usize,
    /// Stable id: derived from `parameters` only (see the module docs).
    pub id: String,
    /// Dotted scenario key → value, one per `[vary]` key.
    pub parameters: Map<String, Json>,
}

/// The file as written; `[vary]` values keep their spans, which give the file order.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepFile {
    schema_version: Option<i64>,
    name: Option<String>,
    base: Option<String>,
    mode: Option<String>,
    #[serde(default)]
    vary: BTreeMap<String, toml::Spanned<toml::Value>>,
}

impl Sweep {
    /// Reads a sweep file and expands its runs.
    pub fn load(path: &Path) -> Result<Sweep> {
        let text = crate::toml_error::read_text(path, "sweep file")?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::from_toml(&text, &path.display().to_string(), &dir)
    }

    /// Parses sweep TOML text; `origin` names it in errors (its file stem is the default
    /// name), `dir` is the folder the `base` path is relative to.
    pub fn from_toml(text: &str, origin: &str, dir: &Path) -> Result<Sweep> {
        let err = |msg: String| Error::input(origin, msg);
        let file: SweepFile = toml::from_str(text).map_err(|e| {
            let top = toml::from_str::<toml::Table>(text).unwrap_or_default();
            let other = if top.contains_key("grid") {
                Some("a scenario file (it has [grid]), not a sweep: run it with `oxyfield run`, or name it as the `base` of a sweep file")
            } else if ["duration", "duration_h", "radiotherapy", "drug"]
                .iter()
                .any(|k| top.contains_key(*k))
            {
                Some("a protocol file, not a sweep: check it with `oxyfield check`, or run it with `oxyfield run SCENARIO --protocol FILE`")
            } else {
                None
            };
            err(match other {
                Some(what) => format!("this is {what}"),
                None => crate::toml_error::message(text, &e),
            })
        })?;
        match file.schema_version {
            Some(SCHEMA_VERSION) => {}
            Some(v) => {
                return Err(err(format!(
                    "`schema_version` is {v}; this oxyfield reads sweep files of version {SCHEMA_VERSION}"
                )))
            }
            None => {
                return Err(err(format!(
                    "`schema_version` is missing: add schema_version = {SCHEMA_VERSION} at the top"
                )))
            }
        }
        let name = match file.name {
            Some(n) => n,
            None => Path::new(origin)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "sweep".into()),
        };
        if name.is_empty()
            || name.starts_with('.')
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            return Err(err(format!(
                "`name`: \"{name}\" names the runs' folders: use letters, digits, '.', '_' and '-' only, not starting with '.'"
            )));
        }
        let zip = match file.mode.as_deref() {
            None | Some("product") => false,
            Some("zip") => true,
            Some(m) => {
                return Err(err(format!(
                    "`mode` is \"{m}\": write \"product\" (every combination) or \"zip\" (the i-th values together)"
                )))
            }
        };
        let Some(base_ref) = file.base else {
            return Err(err(
                "`base` is missing: name the base scenario file (relative to this file), \
                 or write base = \"default\" for the embedded default scenario"
                    .into(),
            ));
        };
        let (base_text, base_origin, base_dir) = if base_ref == "default" {
            (
                DEFAULT_SCENARIO_TOML.to_string(),
                "embedded default scenario (assets/scenarios/default.toml)".to_string(),
                dir.to_path_buf(),
            )
        } else {
            let p = dir.join(&base_ref);
            let bytes = std::fs::read(&p).map_err(|e| {
                err(format!(
                    "`base`: cannot read the scenario file {} ({e}); the path is relative to the sweep file, \
                     or write base = \"default\"",
                    p.display()
                ))
            })?;
            let text = String::from_utf8(bytes).map_err(|e| {
                Error::input(
                    &p,
                    format!(
                        "(the base scenario of the sweep {origin}) {}",
                        crate::toml_error::not_utf8(&e, "scenario file")
                    ),
                )
            })?;
            let folder = p.parent().map(Path::to_path_buf).unwrap_or_default();
            (text, p.display().to_string(), folder)
        };
        let base: toml::Table = toml::from_str(&base_text).map_err(|e| {
            Error::input(
                &base_origin,
                format!(
                    "(the base scenario of the sweep {origin}) {}",
                    crate::toml_error::message(&base_text, &e)
                ),
            )
        })?;

        let mut vary: Vec<(String, toml::Spanned<toml::Value>)> = file.vary.into_iter().collect();
        vary.sort_by_key(|(_, v)| v.span().start);
        let mut keys = Vec::with_capacity(vary.len());
        let mut columns = Vec::with_capacity(vary.len());
        for (key, value) in &vary {
            let at = |msg: String| err(format!("`[vary]` key \"{key}\": {msg}"));
            check_key(key, &keys, &base).map_err(at)?;
            let list = values::expand(value.get_ref()).map_err(at)?;
            let list = list
                .iter()
                .enumerate()
                .map(|(j, v)| to_json(v).map_err(|m| at(format!("value {j}: {m}"))))
                .collect::<Result<Vec<_>>>()?;
            keys.push(key.clone());
            columns.push(list);
        }
        let runs = expand(&keys, &columns, zip).map_err(err)?;
        Ok(Sweep {
            name,
            origin: origin.to_string(),
            base_dir,
            base,
            keys,
            runs,
        })
    }

    /// The resolved scenario of a run: the base table with the run's values set at their
    /// dotted keys, parsed and checked as a Scenario (its name: `<sweep name>-<id>`);
    /// errors name the sweep file, the run id and the key.
    pub fn scenario(&self, run: &SweepRun) -> Result<Scenario> {
        let all = self.resolved(run, run.parameters.iter());
        self.parse(run, &all).map_err(|message| {
            let culprits = self.culprits(run, &message);
            let at = if culprits.is_empty() {
                String::new()
            } else {
                let list: Vec<String> = culprits
                    .iter()
                    .map(|(k, v)| format!("\"{k}\" = {v}"))
                    .collect();
                format!(", `[vary]` {}", list.join(", "))
            };
            Error::input(
                &self.origin,
                format!("run {} (id {}){at}: {message}", run.index, run.id),
            )
        })
    }

    /// Parses and checks a resolved table; the error is the message only.
    fn parse(&self, run: &SweepRun, table: &toml::Table) -> std::result::Result<Scenario, String> {
        let text = toml::to_string(table).map_err(|e| e.to_string())?;
        // Deserialize on our own first, for the parser's message without its snippet of
        // generated text (whose line numbers point into no file the user has).
        if let Err(e) = toml::from_str::<ScenarioFile>(&text) {
            let raw = e.message().trim_end();
            return Err(match crate::toml_error::suggestion(raw) {
                Some(hint) => format!("{raw}; {hint}"),
                None => raw.to_string(),
            });
        }
        let origin = format!("{} (run {}, id {})", self.origin, run.index, run.id);
        Scenario::from_toml(&text, &origin, &self.name, self.base_dir.clone()).map_err(
            |e| match e {
                Error::Input { message, .. } => message,
                other => other.to_string(),
            },
        )
    }

    /// The `[vary]` keys of a run to blame for `message`: those it names, else those
    /// that fail when set alone on a base that passes alone.
    fn culprits<'a>(&self, run: &'a SweepRun, message: &str) -> Vec<(&'a String, &'a Json)> {
        let named: Vec<_> = run
            .parameters
            .iter()
            .filter(|(k, _)| {
                let last = k.rsplit('.').next().unwrap_or(k);
                message.contains(&format!("`{k}`:"))
                    || message.contains(&format!("unknown field `{last}`"))
            })
            .collect();
        if !named.is_empty() {
            return named;
        }
        if self
            .parse(run, &self.resolved(run, std::iter::empty()))
            .is_err()
        {
            return Vec::new();
        }
        run.parameters
            .iter()
            .filter(|p| {
                self.parse(run, &self.resolved(run, std::iter::once(*p)))
                    .is_err()
            })
            .collect()
    }

    /// Checks, without solving, the scenarios of the runs that together hold every
    /// value of every `[vary]` key (with `mode = "product"`, run 0 and the runs that
    /// differ from it in one key; with `"zip"`, every run). A wrong key or an
    /// out-of-range value is then found before any run starts (combinations that fail
    /// only together are still found when their run starts). The error is
    /// [`Sweep::scenario`]'s, naming the run and the `[vary]` key.
    pub fn check_runs(&self) -> Result<()> {
        for &k in &self.covering_runs() {
            self.scenario(&self.runs[k])?;
        }
        Ok(())
    }

    /// The indices [`Sweep::check_runs`] checks, ascending: each run that holds a
    /// value of some key that no earlier run holds.
    fn covering_runs(&self) -> Vec<usize> {
        let mut seen: std::collections::HashSet<(usize, String)> = Default::default();
        let mut out = Vec::new();
        for (k, run) in self.runs.iter().enumerate() {
            let mut new = k == 0;
            for (j, key) in self.keys.iter().enumerate() {
                if let Some(v) = run.parameters.get(key) {
                    new |= seen.insert((j, canonical(v)));
                }
            }
            if new {
                out.push(k);
            }
        }
        out
    }

    /// The resolved scenario TOML text (what [`Sweep::scenario`] parses), for manifests.
    pub fn scenario_toml(&self, run: &SweepRun) -> String {
        let table = self.resolved(run, run.parameters.iter());
        // A table of plain TOML values always serializes; the fallback is never taken.
        toml::to_string(&table).unwrap_or_default()
    }

    /// The base with `params` set and the run's name.
    fn resolved<'a>(
        &self,
        run: &SweepRun,
        params: impl Iterator<Item = (&'a String, &'a Json)>,
    ) -> toml::Table {
        let mut table = self.base.clone();
        for (key, value) in params {
            set_dotted(&mut table, key, to_toml(value));
        }
        table.insert(
            "name".into(),
            toml::Value::String(format!("{}-{}", self.name, run.id)),
        );
        table
    }

    /// Shard `i` of `n` (0-based), round-robin by index: run k goes to shard k % n.
    /// Empty when `i ≥ n`.
    pub fn shard(&self, i: usize, n: usize) -> Vec<&SweepRun> {
        if i >= n {
            return Vec::new();
        }
        self.runs.iter().skip(i).step_by(n).collect()
    }
}

/// Checks a `[vary]` key: dotted segments, not `name`, no overlap with an earlier key,
/// and no scalar of the base on its path.
fn check_key(key: &str, earlier: &[String], base: &toml::Table) -> std::result::Result<(), String> {
    let segs: Vec<&str> = key.split('.').collect();
    if segs.iter().any(|s| s.trim().is_empty() || *s != s.trim()) {
        return Err("is not a dotted scenario key: write e.g. \"oxygen.km_mmhg\"".into());
    }
    if key == "name" {
        return Err("cannot vary: each run is named \"<sweep name>-<id>\"".into());
    }
    let within = |a: &str, b: &str| b.strip_prefix(a).is_some_and(|r| r.starts_with('.'));
    if let Some(e) = earlier.iter().find(|e| within(e, key) || within(key, e)) {
        return Err(format!(
            "overlaps \"{e}\" (one holds the other): vary the inner keys only"
        ));
    }
    let mut table = base;
    for (j, seg) in segs[..segs.len() - 1].iter().enumerate() {
        match table.get(*seg) {
            None => break,
            Some(toml::Value::Table(t)) => table = t,
            Some(v) => {
                return Err(format!(
                    "`{}` in the base scenario is a {}, not a table",
                    segs[..=j].join("."),
                    v.type_str()
                ))
            }
        }
    }
    Ok(())
}

/// A TOML value as JSON; floats must be finite, dates become strings.
fn to_json(v: &toml::Value) -> std::result::Result<Json, String> {
    Ok(match v {
        toml::Value::String(s) => Json::String(s.clone()),
        toml::Value::Integer(i) => Json::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Json::Number)
            .ok_or_else(|| format!("{f} is not a finite number"))?,
        toml::Value::Boolean(b) => Json::Bool(*b),
        toml::Value::Datetime(d) => Json::String(d.to_string()),
        toml::Value::Array(a) => Json::Array(
            a.iter()
                .map(to_json)
                .collect::<std::result::Result<_, _>>()?,
        ),
        toml::Value::Table(t) => Json::Object(
            t.iter()
                .map(|(k, v)| Ok((k.clone(), to_json(v)?)))
                .collect::<std::result::Result<_, String>>()?,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sweep(vary: &str, mode: &str) -> Sweep {
        let text =
            format!("schema_version = 1\nbase = \"default\"\nmode = \"{mode}\"\n[vary]\n{vary}");
        Sweep::from_toml(&text, "s.toml", Path::new(".")).expect("valid sweep")
    }

    #[test]
    fn covering_runs_hold_every_value_once() {
        let s = sweep("a = [1, 2, 3]\nb = [4, 5]\nc = [6, 7]\n", "product");
        // Strides: c 1, b 2, a 4.
        assert_eq!(s.covering_runs(), [0, 1, 2, 4, 8]);
        let s = sweep("a = [1, 2, 3]\nb = [4, 5, 6]\n", "zip");
        assert_eq!(s.covering_runs(), [0, 1, 2]);
        let s = sweep("", "product");
        assert_eq!(s.covering_runs(), [0]);
    }

    #[test]
    fn check_runs_finds_a_wrong_key_or_value_in_any_run_without_solving() {
        let s = sweep(
            "seed = [1, 2]\n\"oxygen.km_mmhg\" = [1.0, -2.0]\n",
            "product",
        );
        let e = s.check_runs().unwrap_err().to_string();
        assert!(e.contains("run 1") && e.contains("oxygen.km_mmhg"), "{e}");
        let s = sweep("\"oxygen.km\" = [1.0]\n", "product");
        let e = s.check_runs().unwrap_err().to_string();
        assert!(e.contains("did you mean `km_mmhg`?"), "{e}");
        let s = sweep(
            "seed = [1, 2]\n\"oxygen.km_mmhg\" = [1.0, 2.0]\n",
            "product",
        );
        assert!(s.check_runs().is_ok());
    }
}
