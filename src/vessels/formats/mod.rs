//! Network files: Secomb `network.dat`, VTK PolyData `.vtp`, CSV tables (MODEL.md §2).
//!
//! [`read()`] and [`write()`] choose the format by extension when none is named
//! ([`Format::from_path`]: `.dat`/`.txt` Secomb, `.vtp` VTK, `.csv` CSV). Every reader
//! returns [`crate::Error::Input`] naming the file, the line (or the XML element and
//! array) and the field at fault, with the fix; no input makes them panic. After
//! reading, `Network::check` runs on the result, so a network that comes back is
//! valid. Every writer goes through [`crate::atomic::write`], so a failed write
//! leaves no half-written file behind.
//!
//! What each format carries:
//!
//! | | positions, connectivity, radii | flow, haematocrit | blood pO2 per segment | vessel type | boundary nodes |
//! |---|---|---|---|---|---|
//! | `secomb` | yes (diameters in the file) | yes | no: [`ReadOptions::default_blood_po2_mmhg`] | yes | yes (with inflow haematocrit and pO2) |
//! | `vtp` | yes | yes, when every segment has one | yes | yes | no |
//! | `csv` | yes | yes, per segment | yes | yes | yes |
//!
//! - **Secomb** (GreensV4, NetFlow, AngioAdapt `network.dat`): see `secomb`. The file
//!   has no blank flow or haematocrit cells, so the writer fills missing ones (flow 0,
//!   haematocrit 0.4, type 5); they read back as values, except that flows all 0 read
//!   as unknown.
//! - **VTK XML PolyData**: polylines (each of n points gives n − 1 segments) with a
//!   radius array; ASCII and inline base64 binary, optionally zlib-compressed; see
//!   `vtp`. Boundary nodes are not carried: set them in the scenario or use a Secomb
//!   or CSV file.
//! - **CSV**: a nodes table, a segments table and an optional boundary table side by
//!   side (`X_nodes.csv`, `X_segments.csv`, `X_boundary.csv`); see `csv` for the file
//!   naming and the columns. It carries everything the network holds.
//!
//! Beside the network formats, `greens_params` (from `config`, which reads them with
//! the scenario) reads GreensV4's parameter files
//! (`SoluteParams.dat`: oxygen and blood values; `IntravascRes.dat`: intravascular
//! resistance by diameter), which a scenario takes through
//! `[vessels.network] solute_params`.

pub mod csv;
/// GreensV4's parameter files; read with the scenario, so they live in `config`.
pub use crate::config::greens_params;
pub mod secomb;
mod vtk_piece;
pub mod vtp;

use super::Network;
use crate::error::{parse_finite, read_bytes};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

pub use crate::config::kinds::NetworkFormat as Format;

/// How to read a network file.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// VTK: radius array name; tries "Node Radius" then "radius" when None.
    pub radius_array: Option<String>,
    /// VTK: the array holds diameters.
    pub radius_array_is_diameter: bool,
    /// CSV: the segments table, when not `<stem>_segments.csv` beside the nodes table.
    pub segments_csv: Option<PathBuf>,
    /// Blood pO2 given to segments whose file has none (mmHg).
    pub default_blood_po2_mmhg: f64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            radius_array: None,
            radius_array_is_diameter: false,
            segments_csv: None,
            default_blood_po2_mmhg: 40.0,
        }
    }
}

/// Reads a network; `format` None chooses by extension. The network returned has
/// passed `Network::check`.
pub fn read(path: &Path, format: Option<Format>, opts: &ReadOptions) -> Result<Network> {
    let format = match format {
        Some(f) => f,
        None => Format::from_path(path)?,
    };
    let net = match format {
        Format::Secomb => secomb::read(path, opts)?,
        Format::Vtp => vtp::read(path, opts)?,
        Format::Csv => csv::read(path, opts)?,
    };
    net.check().map_err(|m| {
        Error::input(
            path,
            format!("{m} (segments and nodes are counted from 0 in file order); fix the file"),
        )
    })?;
    Ok(net)
}

/// Writes a network, atomically; returns the files written (CSV writes two or three).
/// `format` None chooses by extension. A network that fails `Network::check` is
/// refused, so nothing is written from it.
pub fn write(net: &Network, path: &Path, format: Option<Format>) -> Result<Vec<PathBuf>> {
    let format = match format {
        Some(f) => f,
        None => Format::from_path(path)?,
    };
    net.check().map_err(|m| {
        Error::input(
            path,
            format!("not written: the network is invalid: {m} (counted from 0)"),
        )
    })?;
    match format {
        Format::Secomb => secomb::write(net, path),
        Format::Vtp => vtp::write(net, path),
        Format::Csv => csv::write(net, path),
    }
}

/// A node name or id: an integer, also accepted when written as an integral float
/// ("12.0", as spreadsheets and pandas write integer columns that have gaps).
fn parse_id(tok: &str, what: &str) -> std::result::Result<i64, String> {
    if let Ok(v) = tok.parse::<i64>() {
        return Ok(v);
    }
    match tok.parse::<f64>() {
        Ok(v) if v.fract() == 0.0 && v.abs() < 9.0e15 => Ok(v as i64),
        _ => Err(format!(
            "{what} is '{tok}'; node names and ids must be integers"
        )),
    }
}

/// Checks the values every segment reader must refuse, before [`Network::check`] sees
/// them, so that the caller's message can name the line or array entry instead of a
/// segment index.
fn check_segment_values(
    radius_um: f64,
    flow: Option<f64>,
    hematocrit: Option<f64>,
    blood_po2: f64,
) -> std::result::Result<(), String> {
    if !(radius_um.is_finite() && radius_um > 0.0) {
        return Err(format!(
            "the radius is {radius_um} µm; radii (and diameters) must be positive"
        ));
    }
    if flow.is_some_and(|q| !q.is_finite()) {
        return Err("the flow is not a finite number".into());
    }
    if let Some(h) = hematocrit {
        if !(0.0..1.0).contains(&h) {
            return Err(format!(
                "the haematocrit is {h}; it is a volume fraction in [0, 1) (e.g. 0.45, not 45)"
            ));
        }
    }
    if !(blood_po2.is_finite() && blood_po2 >= 0.0) {
        return Err(format!("the blood pO2 is {blood_po2} mmHg; it must be ≥ 0"));
    }
    Ok(())
}

/// Formats a float so that parsing the text gives the same f64 back (Rust's shortest
/// round-trip form, never in exponent notation, which every reader here accepts).
fn num(v: f64) -> String {
    format!("{v}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_numbers() {
        assert_eq!(parse_id("-7", "x"), Ok(-7));
        assert_eq!(parse_id("12.0", "x"), Ok(12));
        assert!(parse_id("1.5", "x").unwrap_err().contains("integers"));
        assert!(parse_finite("nan", "flow").unwrap_err().contains("finite"));
        assert!(parse_finite("x1", "flow")
            .unwrap_err()
            .contains("not a number"));
        for v in [0.1, 1e-7, 123456.789012345, 1e20, -3.25] {
            assert_eq!(num(v).parse::<f64>().unwrap(), v);
            assert!(!num(v).contains('e'));
        }
    }

    #[test]
    fn unknown_extension_and_invalid_network_are_errors() {
        let net = Network::default();
        let dir = tempfile::tempdir().unwrap();
        let e = write(&net, &dir.path().join("n.xyz"), None).unwrap_err();
        assert!(e.to_string().contains("extension"));
        let mut bad = Network {
            nodes: vec![glam::DVec3::ZERO],
            ..Default::default()
        };
        bad.segments
            .push(crate::vessels::Segment::new(0, 3, 1.0, 40.0));
        let p = dir.path().join("n.dat");
        assert!(write(&bad, &p, None).is_err());
        assert!(!p.exists());
    }
}
