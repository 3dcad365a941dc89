//! The named kinds a scenario chooses among (the solver method, the network file
//! format, the kind of synthetic network): defined here, beside the checks that name them in their messages, and
//! re-exported where they are used ([`crate::solver::Method`],
//! [`crate::vessels::formats::Format`]), so that `config` imports no layer above it.

use crate::{Error, Result};
use std::path::Path;

/// Which steady-state algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// FAS multigrid: an FMG pass, then F-cycles (`"multigrid"`).
    Multigrid,
    /// Red–black SOR (`"rbsor"`).
    RbSor,
}

impl Method {
    /// Names as written in scenarios and `summary.json`.
    pub(crate) const NAMES: [&'static str; 2] = ["multigrid", "rbsor"];

    /// The method of a name.
    pub(crate) fn parse(name: &str) -> Option<Method> {
        match name {
            "multigrid" => Some(Method::Multigrid),
            "rbsor" => Some(Method::RbSor),
            _ => None,
        }
    }

    /// Its name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Method::Multigrid => "multigrid",
            Method::RbSor => "rbsor",
        }
    }
}

/// `solver.method` reads as a [`Method`]; an unknown name is refused with the known
/// ones (the message the TOML error shows at the key, with its line).
impl<'de> serde::Deserialize<'de> for Method {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Method::parse(&name).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "\"{name}\" is not known; available: {}",
                Method::NAMES.join(", ")
            ))
        })
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// `vessels.synthetic.kind`: which generator makes the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SyntheticKind {
    /// Space-filling persistent random walks (`"random"`, the default).
    #[default]
    Random,
    /// Branching trees with Murray's-law radii grown in from the block faces
    /// (`"tree"`).
    Tree,
}

impl SyntheticKind {
    /// Names as written in scenarios.
    pub(crate) const NAMES: [&'static str; 2] = ["random", "tree"];

    /// The kind of a name.
    pub(crate) fn parse(name: &str) -> Option<SyntheticKind> {
        match name {
            "random" => Some(SyntheticKind::Random),
            "tree" => Some(SyntheticKind::Tree),
            _ => None,
        }
    }

    /// Its name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            SyntheticKind::Random => "random",
            SyntheticKind::Tree => "tree",
        }
    }
}

/// `vessels.synthetic.kind` reads as a [`SyntheticKind`]; an unknown name is refused
/// with the known ones (the TOML error shows it at the key, with its line).
impl<'de> serde::Deserialize<'de> for SyntheticKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        SyntheticKind::parse(&name).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "\"{name}\" is not known; available: {}",
                SyntheticKind::NAMES.join(", ")
            ))
        })
    }
}

impl std::fmt::Display for SyntheticKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A network file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkFormat {
    /// Secomb's GreensV4/NetFlow `network.dat`.
    Secomb,
    /// VTK XML PolyData.
    Vtp,
    /// A nodes table and a segments table (and optionally a boundary table).
    Csv,
}

impl NetworkFormat {
    /// Names accepted in scenarios and on the command line.
    pub(crate) const NAMES: [&'static str; 4] = ["auto", "secomb", "vtp", "csv"];

    /// Parses a name; "auto" gives None (choose by extension).
    pub(crate) fn parse(name: &str) -> Option<Option<NetworkFormat>> {
        match name {
            "auto" => Some(None),
            "secomb" | "dat" => Some(Some(NetworkFormat::Secomb)),
            "vtp" | "vtk" => Some(Some(NetworkFormat::Vtp)),
            "csv" => Some(Some(NetworkFormat::Csv)),
            _ => None,
        }
    }

    /// `vessels.network.format` of a scenario: a format, or None for `"auto"` (by the
    /// file's extension); any other name is refused with the known ones (the TOML
    /// error shows it at the key, with its line). Use with
    /// `#[serde(default, deserialize_with = ...)]`.
    pub(crate) fn deserialize_or_auto<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> std::result::Result<Option<NetworkFormat>, D::Error> {
        let name = <String as serde::Deserialize>::deserialize(d)?;
        NetworkFormat::parse(&name).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "\"{name}\" is not known; available: {}",
                NetworkFormat::NAMES.join(", ")
            ))
        })
    }

    /// The format of a path by its extension.
    pub fn from_path(path: &Path) -> Result<NetworkFormat> {
        match path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .as_deref()
        {
            Some("dat") | Some("txt") => Ok(NetworkFormat::Secomb),
            Some("vtp") => Ok(NetworkFormat::Vtp),
            Some("csv") => Ok(NetworkFormat::Csv),
            _ => Err(Error::input(
                path,
                "cannot tell the network format from the extension: use .dat (Secomb), \
                 .vtp (VTK PolyData) or .csv (nodes table), or name the format",
            )),
        }
    }
}

/// What resists O2 between blood and wall (`[vessels.wall] resistance`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WallResistance {
    /// One permeability for every wall (`"permeability"`).
    Permeability,
    /// Intravascular resistance K(d) by diameter (`"table"`).
    Table,
}

impl WallResistance {
    /// Names as written in scenarios and `summary.json`.
    pub(crate) const NAMES: [&'static str; 2] = ["permeability", "table"];
}

impl<'de> serde::Deserialize<'de> for WallResistance {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        match name.as_str() {
            "permeability" => Ok(WallResistance::Permeability),
            "table" => Ok(WallResistance::Table),
            _ => Err(serde::de::Error::custom(format!(
                "\"{name}\" is not known; available: {}",
                WallResistance::NAMES.join(", ")
            ))),
        }
    }
}
