//! `oxyfield network info | convert | generate`.

use super::choices::FormatArg;
use super::{NetworkArgs, NetworkCommand, NetworkReadArgs};
use glam::DVec3;
use oxyfield::config::Scenario;
use oxyfield::vessels::formats::{self, Format, ReadOptions};
use oxyfield::vessels::info::NetworkInfo;
use oxyfield::vessels::Network;
use oxyfield::{Error, Result};
use std::path::Path;

pub fn network(args: NetworkArgs) -> Result<()> {
    match args.command {
        NetworkCommand::Info { file, read, json } => {
            let net = read_network(&file, &read)?;
            let info = NetworkInfo::of(&net);
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&info.to_json()).expect("JSON of plain values")
                );
            } else {
                println!("{}", file.display());
                print!("{}", info.to_text());
            }
            Ok(())
        }
        NetworkCommand::Convert {
            input,
            output,
            read,
            to,
            scale,
        } => {
            super::args::out_file("network convert OUTPUT", &output, &[], "")?;
            let mut net = read_network(&input, &read)?;
            if scale != 1.0 {
                if !(scale.is_finite() && scale > 0.0) {
                    return Err(Error::input(
                        "--scale",
                        format!("is {scale}, must be a positive number"),
                    ));
                }
                net.transform(scale, DVec3::ZERO);
            }
            let format = match FormatArg::format(to) {
                Some(f) => f,
                None => Format::from_path(&output)?,
            };
            let written = formats::write(&net, &output, Some(format))?;
            // VTK PolyData has no place for boundary nodes (formats/mod.rs): say what
            // was dropped rather than count it as written.
            let dropped = if format == Format::Vtp {
                net.boundary.len()
            } else {
                0
            };
            if dropped > 0 {
                log::warn!(
                    "{}: VTK PolyData holds no boundary nodes, so the {dropped} boundary \
                     nodes of {} (their pressures or flows, inflow haematocrit and pO2) are \
                     not written and reading this file back loses them: write CSV (--to csv, \
                     or a .csv name) or Secomb (.dat) to keep them",
                    output.display(),
                    input.display()
                );
            }
            println!(
                "{} nodes, {} segments, {} boundary nodes{} → {}",
                net.nodes.len(),
                net.segments.len(),
                net.boundary.len() - dropped,
                if dropped > 0 {
                    format!(" ({dropped} dropped: VTP holds none)")
                } else {
                    String::new()
                },
                paths(&written)
            );
            Ok(())
        }
        NetworkCommand::Generate {
            scenario,
            output,
            to,
        } => {
            super::args::out_file("-o", &output, &[], "")?;
            let sc = match &scenario {
                Some(p) => Scenario::load(p)?,
                None => Scenario::embedded_default()?,
            };
            let Some(syn) = &sc.spec.vessels.synthetic else {
                return Err(Error::input(
                    &sc.origin,
                    "has no [vessels.synthetic] table: there is no network to generate",
                ));
            };
            let grid = sc.grid();
            let net = oxyfield::vessels::synthetic::generate_any(
                &grid,
                syn,
                syn.seed.unwrap_or(sc.spec.seed),
            );
            let written = formats::write(&net, &output, FormatArg::format(to))?;
            let info = NetworkInfo::of(&net);
            println!(
                "{} ({} network, seed {}): {} segments, {:.2} mm → {}",
                sc.name,
                syn.kind,
                syn.seed.unwrap_or(sc.spec.seed),
                info.segments,
                info.total_length_um / 1000.0,
                paths(&written)
            );
            Ok(())
        }
    }
}

fn read_network(path: &Path, r: &NetworkReadArgs) -> Result<Network> {
    let opts = ReadOptions {
        radius_array: r.radius_array.clone(),
        radius_array_is_diameter: r.diameter,
        segments_csv: r.segments_csv.clone(),
        default_blood_po2_mmhg: ReadOptions::default().default_blood_po2_mmhg,
    };
    formats::read(path, FormatArg::format(r.format), &opts)
}

fn paths(written: &[std::path::PathBuf]) -> String {
    written
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
