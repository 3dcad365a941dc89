//! Therapy protocols: a TOML file (`schema::ProtocolFile`) that says how long to
//! simulate, with which slow time step, when to write snapshots and checkpoints, and when
//! each radiotherapy fraction is delivered. [`Protocol`] holds it checked, with every
//! course expanded into fraction times; `Protocol::events` gives one sorted timeline.
//!
//! Times are human-readable durations ([`parse_duration`]: `"36h"`, `"6w"`), each key
//! with a numeric twin in hours (`duration_h`). Errors name the file and the key, as
//! scenario errors do, and exit with code 2.

/// Checkpoint cadence (s of simulated time) of a run with a checkpoint folder whose
/// protocol sets no `checkpoint_every`: a lost device or a killed job costs at most a
/// simulated day.
pub(crate) const DEFAULT_CHECKPOINT_EVERY_S: f64 = 24.0 * 3600.0;

pub mod advice;
mod drugs;
mod duration;
mod keys;
mod overlaps;
mod repeat;
mod schedule;
pub(crate) mod schema;
mod timeline;
mod weekday;
pub(crate) mod windows;

#[cfg(test)]
mod tests;

pub use duration::{format_duration, parse_duration, DAY_S, HOUR_S, MINUTE_S, WEEK_S};
pub(crate) use schedule::{Event, EventKind};
pub(crate) use timeline::num as short_number;

use crate::{Error, Result};
use keys::Keys;
use schema::ProtocolFile;
use std::path::{Path, PathBuf};

/// The only protocol format version this build knows.
pub(crate) const SCHEMA_VERSION: i64 = 1;

/// Longest simulated time (s), about 31 years; keeps every time finite and exact enough.
const MAX_DURATION_S: f64 = 1e9;

/// A parsed and checked protocol, with its schedule expanded.
#[derive(Debug, Clone, PartialEq)]
pub struct Protocol {
    /// Name (from the file, else the file stem).
    pub name: String,
    /// Free text for people.
    pub(crate) description: String,
    /// Where it came from, for messages: a path as text.
    pub(crate) origin: String,
    /// Simulated time (s).
    pub duration_s: f64,
    /// Slow time step (s); 0 < time step ≤ duration. The duration need not be a
    /// multiple of it, and event times need not fall on step boundaries.
    pub(crate) time_step_s: f64,
    /// Weekday at t = 0: 0 = Monday … 6 = Sunday.
    pub(crate) start_weekday: u8,
    /// Interval between checkpoints (s), if any.
    pub(crate) checkpoint_every_s: Option<f64>,
    /// Whether t = 0 is the scenario's untreated tissue settled to rest (`settle`,
    /// default true; see `crate::therapy`), rather than the scenario as written.
    pub(crate) settle: bool,
    /// Times of field snapshots (s): sorted, without repeats, `"end"` resolved to the
    /// duration, all within [0, duration].
    pub(crate) snapshot_times_s: Vec<f64>,
    /// Radiotherapy courses, in file order.
    pub radiotherapy: Vec<RadiotherapyItem>,
    /// Drug courses, in file order.
    pub(crate) drugs: Vec<DrugItem>,
    /// Intervention windows: HIF inhibitors, normalisation, pro- and antioxidants, in
    /// that order, each kind in file order.
    pub(crate) windows: Vec<windows::Window>,
}

/// One drug course, expanded.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DrugItem {
    /// Name in timeline columns and labels (lower-case letters, digits, _; unique).
    pub(crate) name: String,
    /// The preset it started from.
    pub(crate) preset: String,
    /// The drug's parameters: the preset with the table's overrides.
    pub(crate) params: crate::physics::drug::DrugParams,
    /// Dose start times (s): sorted, within [0, duration], at least one infusion apart.
    pub(crate) times_s: Vec<f64>,
}

/// One radiotherapy course, expanded.
#[derive(Debug, Clone, PartialEq)]
pub struct RadiotherapyItem {
    /// Physical dose of one fraction (Gy), in (0, 100].
    pub(crate) dose_gy: f64,
    /// Relative dose map, resolved against the protocol file's folder (not yet opened).
    pub dose_map_npy: Option<PathBuf>,
    /// Delivery time of one fraction (minutes), in (0, 600].
    pub(crate) fraction_minutes: f64,
    /// Fraction times (s): sorted, within [0, duration], at least one delivery time apart.
    pub(crate) times_s: Vec<f64>,
}

impl Protocol {
    /// Reads and checks a protocol file.
    pub fn load(path: &Path) -> Result<Protocol> {
        let text = crate::toml_error::read_text(path, "protocol file")?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::from_toml(&text, &path.display().to_string(), &base)
    }

    /// Parses and checks TOML text; `origin` names it in errors (and gives the name when
    /// the file has none); relative paths are resolved against `base_dir`.
    pub fn from_toml(text: &str, origin: &str, base_dir: &Path) -> Result<Protocol> {
        let spec: ProtocolFile = toml::from_str(text).map_err(|e| {
            let sweep = toml::from_str::<toml::Table>(text)
                .is_ok_and(|t| t.contains_key("vary") || t.contains_key("base"));
            Error::input(
                origin,
                if sweep {
                    "this is a sweep file (it has `base`/`vary`), not a protocol: run it with \
                     `oxyfield plan` or `oxyfield batch`"
                        .to_string()
                } else {
                    crate::toml_error::message(text, &e)
                },
            )
        })?;
        Self::from_spec(&spec, origin, base_dir)
    }

    /// Checks an already parsed protocol (for instance a `[protocol]` table embedded in
    /// another file) and expands its schedule.
    pub(crate) fn from_spec(
        spec: &ProtocolFile,
        origin: &str,
        base_dir: &Path,
    ) -> Result<Protocol> {
        let keys = Keys { origin };
        match spec.schema_version {
            Some(SCHEMA_VERSION) => {}
            None => {
                return Err(keys.err(
                    "schema_version",
                    format!("is required: put `schema_version = {SCHEMA_VERSION}` at the top"),
                ))
            }
            Some(v) => {
                return Err(keys.err(
                    "schema_version",
                    format!("is {v}; this oxyfield knows only version {SCHEMA_VERSION}"),
                ))
            }
        }
        let name = spec.name.clone().unwrap_or_else(|| {
            Path::new(origin)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "protocol".into())
        });
        let duration_s = keys
            .time("duration", spec.duration.as_ref(), spec.duration_h)?
            .ok_or_else(|| {
                keys.err(
                    "duration",
                    "is required: the simulated time, e.g. duration = \"8w\" \
                     (or duration_h = 1344)",
                )
            })?;
        if !(duration_s > 0.0 && duration_s <= MAX_DURATION_S) {
            return Err(keys.err(
                "duration",
                format!(
                    "is {}, must be > 0 and at most 1e9 s (about 31 years)",
                    format_duration(duration_s)
                ),
            ));
        }
        let time_step_s = keys
            .time("time_step", spec.time_step.as_ref(), spec.time_step_h)?
            .unwrap_or(HOUR_S);
        if !(time_step_s > 0.0 && time_step_s <= duration_s) {
            return Err(keys.err(
                "time_step",
                format!(
                    "is {}, must be > 0 and at most the duration ({})",
                    format_duration(time_step_s),
                    format_duration(duration_s)
                ),
            ));
        }
        let start_weekday = match &spec.start_weekday {
            None => 0,
            Some(w) => weekday::parse_weekday(w).map_err(|e| keys.err("start_weekday", e))?,
        };
        let checkpoint_every_s = keys.time(
            "checkpoint_every",
            spec.checkpoint_every.as_ref(),
            spec.checkpoint_every_h,
        )?;
        if checkpoint_every_s.is_some_and(|c| c <= 0.0) {
            return Err(keys.err("checkpoint_every", "must be > 0"));
        }
        let snapshot_times_s = schedule::snapshot_times(
            &keys,
            keys.snapshot_list(spec, duration_s)?,
            keys.time(
                "snapshot_every",
                spec.snapshot_every.as_ref(),
                spec.snapshot_every_h,
            )?,
            duration_s,
        )?;
        let radiotherapy = spec
            .radiotherapy
            .iter()
            .enumerate()
            .map(|(i, rt)| {
                schedule::radiotherapy(&keys, i, rt, duration_s, start_weekday, base_dir)
            })
            .collect::<Result<Vec<_>>>()?;
        overlaps::check_fractions(&keys, &radiotherapy)?;
        let drugs = spec
            .drug
            .iter()
            .enumerate()
            .map(|(i, d)| drugs::drug(&keys, i, d, duration_s, start_weekday))
            .collect::<Result<Vec<_>>>()?;
        for (i, d) in drugs.iter().enumerate() {
            if let Some(j) = drugs[..i].iter().position(|e| e.name == d.name) {
                return Err(keys.err(
                    &format!("drug[{i}].name"),
                    format!(
                        "is \"{}\" like drug[{j}]: give each course its own `name`",
                        d.name
                    ),
                ));
            }
        }
        let mut wins = Vec::new();
        for (table, specs) in [
            ("hif_inhibitor", &spec.hif_inhibitor),
            ("normalisation", &spec.normalisation),
            ("prooxidant", &spec.prooxidant),
            ("antioxidant", &spec.antioxidant),
        ] {
            for (i, w) in specs.iter().enumerate() {
                wins.push(windows::window(&keys, table, i, w, duration_s)?);
            }
        }
        overlaps::check_windows(&keys, &wins)?;
        Ok(Protocol {
            name,
            description: spec.description.clone(),
            origin: origin.to_string(),
            duration_s,
            time_step_s,
            start_weekday,
            checkpoint_every_s,
            settle: spec.settle.unwrap_or(true),
            snapshot_times_s,
            radiotherapy,
            drugs,
            windows: wins,
        })
    }

    /// All events, sorted by time; events at the same time keep the file's item order.
    pub(crate) fn events(&self) -> Vec<Event> {
        schedule::events(self)
    }

    /// The expanded timeline for people (`oxyfield check`): a header with the name,
    /// duration, time step, start weekday and per-course totals, then one line per event.
    pub fn timeline_text(&self) -> String {
        timeline::text(self)
    }
}
