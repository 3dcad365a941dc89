//! `oxyfield check FILE`: validate a protocol (or a scenario and its protocol) and
//! print the expanded timeline.
//!
//! A scenario is checked as `run` checks it before its first solve, with the same
//! code and the same messages: the TOML, then every file it names (network, `.npy`
//! maps and their shapes against the grid, fixed-region masks), the protocol and its
//! dose maps. A protocol file alone has no grid: its dose maps are opened and checked
//! as arrays, and their shape is checked when a scenario runs them.

use super::CheckArgs;
use oxyfield::config::Scenario;
use oxyfield::grid::Grid;
use oxyfield::npy;
use oxyfield::protocol::Protocol;
use oxyfield::{Error, Result};
use std::path::{Path, PathBuf};

pub fn check(args: CheckArgs) -> Result<()> {
    let text = oxyfield::toml_error::read_text(&args.file, "file")?;
    // A protocol file has `schema_version` at the top level; a scenario has a [grid]
    // (and may hold its protocol as a [protocol] table).
    let top: Option<toml::Table> = toml::from_str(&text).ok();
    let is_protocol = match &top {
        Some(t) => t.contains_key("schema_version") && !t.contains_key("grid"),
        None => text
            .lines()
            .any(|l| l.trim_start().starts_with("schema_version")),
    };
    let (protocol, hif) = if is_protocol {
        let p = Protocol::load(&args.file)?;
        for path in p
            .radiotherapy
            .iter()
            .filter_map(|r| r.dose_map_npy.as_ref())
        {
            let shape = dose_map_alone(path)?;
            println!(
                "dose map {}: float32 {shape:?}, finite and ≥ 0; its shape is checked \
                 against the grid of the scenario that runs it (`oxyfield check \
                 SCENARIO.toml`)",
                path.display()
            );
        }
        (p, None)
    } else {
        let sc = Scenario::load(&args.file)?;
        // The files `run` reads before its first solve, by the code `run` uses.
        oxyfield::assemble::assemble(&sc)?;
        let protocol = sc.protocol()?;
        if let Some(p) = &protocol {
            oxyfield::therapy::dose_maps(p, &sc.grid())?;
        }
        let files = named_files(&sc, protocol.as_ref());
        let g = sc.grid();
        let medium = sc
            .medium()
            .map(|m| {
                let s = m.solver;
                format!(
                    ", solved in {} µm of non-consuming medium on a {}×{}×{} grid",
                    m.thickness_um(),
                    s.nz,
                    s.ny,
                    s.nx
                )
            })
            .unwrap_or_default();
        println!(
            "scenario {}: valid (grid {}×{}×{} zyx at {} µm{medium}{})",
            args.file.display(),
            g.nz,
            g.ny,
            g.nx,
            g.spacing_um,
            if files.is_empty() {
                String::new()
            } else {
                format!(
                    "; opened and checked {}",
                    files
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        );
        match protocol {
            Some(p) => (p, Some(sc.spec.hif.effects())),
            None => return Ok(()),
        }
    };
    print!("{}", protocol.timeline_text());
    // Model caveats (vascular damage, inert HIF inhibitors): warnings, not errors.
    for caveat in oxyfield::protocol::advice::caveats(&protocol, hif.as_ref()) {
        log::warn!("{caveat}");
    }
    Ok(())
}

/// Opens a dose map without a grid: a 3-D float32 array of finite values ≥ 0, checked
/// by the reader `run` uses, on a grid of the array's own shape. Returns the shape.
fn dose_map_alone(path: &Path) -> Result<Vec<usize>> {
    let bytes = std::fs::read(path).map_err(|e| {
        Error::input(
            path,
            format!(
                "cannot read this dose map ({e}); `dose_map_npy` is relative to the \
                 protocol file"
            ),
        )
    })?;
    let shape = npy::parse_header(&bytes, path)?.shape;
    let [nz, ny, nx] = shape[..] else {
        return Err(Error::input(
            path,
            format!("the dose map has shape {shape:?}; it must be 3-D, the grid's [nz, ny, nx]"),
        ));
    };
    oxyfield::therapy::read_dose_map(path, &Grid::from_shape_zyx([nz, ny, nx], 1.0))?;
    Ok(shape)
}

/// The files the scenario and its protocol name, resolved, in the order read.
fn named_files(sc: &Scenario, protocol: Option<&Protocol>) -> Vec<PathBuf> {
    let spec = &sc.spec;
    let vs = &spec.vessels;
    let mut out: Vec<PathBuf> = Vec::new();
    if vs.synthetic.is_none() {
        if let Some(nf) = &vs.network {
            // SoluteParams.dat is read with the scenario, before the network.
            out.extend(nf.solute_params.iter().map(|p| sc.resolve(p)));
            out.push(sc.resolve(&nf.file));
            out.extend(nf.segments_csv.iter().map(|p| sc.resolve(p)));
            out.extend(sc.wall_table());
        } else if let Some(np) = &vs.npy {
            out.push(sc.resolve(&np.sv));
            out.push(sc.resolve(&np.pb));
        } else if let Some(m) = &vs.mask {
            out.push(sc.resolve(&m.file));
        }
    }
    out.extend(
        spec.tissue
            .viable_fraction_npy
            .iter()
            .map(|p| sc.resolve(p)),
    );
    out.extend(
        spec.fixed_regions
            .iter()
            .filter_map(|r| r.mask_npy.as_ref())
            .map(|p| sc.resolve(p)),
    );
    if let Some(oxyfield::config::schema::ProtocolRef::File(p)) = &spec.protocol {
        out.push(sc.resolve(p));
    }
    if let Some(p) = protocol {
        out.extend(p.radiotherapy.iter().filter_map(|r| r.dose_map_npy.clone()));
    }
    out
}
