//! Scenarios: parse TOML into [`schema::ScenarioFile`], then check every value's range
//! and the combinations, naming the file and the key in each error.

mod checks;
mod greens;
pub mod greens_params;
pub(crate) mod kinds;
mod model_checks;
mod model_schema;
pub(crate) mod overrides;
pub mod plausibility;
pub mod schema;
use crate::toml_error;

use crate::grid::Grid;
use crate::physics::o2::O2Params;
use crate::{Error, Result};
use schema::ScenarioFile;
use std::path::{Path, PathBuf};

/// Every number in a scenario stays below this, so that float32 kernels stay finite.
const MAX_VALUE: f64 = 1e9;

/// The embedded default scenario (`assets/scenarios/default.toml`).
pub const DEFAULT_SCENARIO_TOML: &str = include_str!("../../assets/scenarios/default.toml");

/// Keys only a protocol file has at its top level.
const PROTOCOL_KEYS: [&str; 10] = [
    "duration",
    "duration_h",
    "time_step",
    "time_step_h",
    "snapshots",
    "snapshot_every",
    "radiotherapy",
    "drug",
    "hif_inhibitor",
    "normalisation",
];

/// The message for a file that is no scenario but another of oxyfield's files (a
/// protocol without `schema_version`, or a sweep), which `check` and `run` were given
/// in place of a scenario; None when it looks like a (wrong) scenario.
fn not_a_scenario(text: &str) -> Option<String> {
    let top: toml::Table = toml::from_str(text).ok()?;
    if top.contains_key("grid") {
        return None;
    }
    if top.contains_key("vary") || top.contains_key("base") {
        return Some(
            "this is a sweep file (it has `base`/`vary`), not a scenario: run it with \
             `oxyfield plan` or `oxyfield batch`"
                .into(),
        );
    }
    let key = PROTOCOL_KEYS.iter().find(|k| top.contains_key(**k))?;
    Some(format!(
        "looks like a protocol file (it has `{key}`) but has no `schema_version`: add \
         `schema_version = 1` at the top (a scenario would need a [grid] table instead)"
    ))
}

/// A parsed and checked scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Name (from the file, else the file stem).
    pub name: String,
    /// Where it came from, for messages: a path or "embedded default scenario".
    pub origin: String,
    /// Folder that relative paths in the file are resolved against.
    pub(crate) base_dir: PathBuf,
    /// The checked contents.
    pub spec: ScenarioFile,
    /// The TOML text it was read from (recorded in `summary.json`).
    pub(crate) source_toml: String,
}

impl Scenario {
    /// Reads and checks a scenario file.
    pub fn load(path: &Path) -> Result<Scenario> {
        let text = toml_error::read_text(path, "scenario file")?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".into());
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::from_toml(&text, &path.display().to_string(), &stem, base)
    }

    /// The embedded default scenario.
    pub fn embedded_default() -> Result<Scenario> {
        Self::from_toml(
            DEFAULT_SCENARIO_TOML,
            "embedded default scenario (assets/scenarios/default.toml)",
            "default",
            PathBuf::from("."),
        )
    }

    /// Parses and checks TOML text; `origin` names it in errors, `fallback_name` is used
    /// when the file has no `name`.
    pub fn from_toml(
        text: &str,
        origin: &str,
        fallback_name: &str,
        base_dir: PathBuf,
    ) -> Result<Scenario> {
        let spec: ScenarioFile = toml::from_str(text).map_err(|e| {
            Error::input(
                origin,
                not_a_scenario(text).unwrap_or_else(|| toml_error::message(text, &e)),
            )
        })?;
        // GreensV4 values (`[vessels.network] solute_params`) where the text sets none.
        let (spec, notes) = greens::apply(text, spec, &base_dir)?;
        let name = spec
            .name
            .clone()
            .unwrap_or_else(|| fallback_name.to_string());
        let sc = Scenario {
            name,
            origin: origin.to_string(),
            base_dir,
            spec,
            source_toml: text.to_string(),
        };
        sc.check()?;
        greens::log_notes(&notes);
        Ok(sc)
    }

    /// A path from the file, resolved against the file's folder.
    pub fn resolve(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir.join(p)
        }
    }

    /// The scenario's protocol, read and checked: the file it names, or its
    /// `[protocol]` table. None when the scenario has no protocol.
    pub fn protocol(&self) -> Result<Option<crate::protocol::Protocol>> {
        match &self.spec.protocol {
            None => Ok(None),
            Some(schema::ProtocolRef::File(p)) => {
                let path = self.resolve(p);
                if !path.is_file() {
                    return Err(self.err(
                        "protocol",
                        format!(
                            "names the protocol file {}, which does not exist; the path is \
                             relative to the scenario file (or write the protocol as a \
                             [protocol] table)",
                            path.display()
                        ),
                    ));
                }
                crate::protocol::Protocol::load(&path).map(Some)
            }
            Some(schema::ProtocolRef::Inline(spec)) => crate::protocol::Protocol::from_spec(
                spec,
                &format!("{} [protocol]", self.origin),
                &self.base_dir,
            )
            .map(Some),
        }
    }

    /// The TOML text the scenario was read from (with any overrides set).
    pub fn source_toml(&self) -> &str {
        &self.source_toml
    }

    /// The grid.
    pub fn grid(&self) -> Grid {
        Grid::from_shape_zyx(self.spec.grid.shape_zyx, self.spec.grid.spacing_um)
    }

    /// The intravascular resistance file `[vessels.wall] table` names, resolved.
    pub fn wall_table(&self) -> Option<PathBuf> {
        self.spec
            .vessels
            .wall
            .table
            .as_ref()
            .map(|p| self.resolve(p))
    }

    /// The non-consuming medium `[boundary] medium_um` puts around the block, when it
    /// adds any (the solver works on its grid; outputs are cropped to the block).
    pub fn medium(&self) -> Option<crate::problem::medium::Medium> {
        let b = &self.spec.boundary;
        let no_flux = b.faces().map(|f| matches!(f, schema::FaceSpec::NoFlux));
        crate::problem::medium::Medium::new(self.grid(), b.medium_um, no_flux)
    }

    /// The grid the solver works on: [`Self::grid`], grown by the medium when on.
    pub fn solver_grid(&self) -> Grid {
        self.medium().map_or_else(|| self.grid(), |m| m.solver)
    }

    /// O2 parameters.
    pub fn o2_params(&self) -> O2Params {
        let o = &self.spec.oxygen;
        O2Params {
            diffusivity_um2_per_s: o.diffusivity_um2_per_s,
            max_consumption_mmhg_per_s: o.max_consumption_mmhg_per_s,
            km_mmhg: o.km_mmhg,
            wall_permeability_um_per_s: o.wall_permeability_um_per_s,
        }
    }
}
