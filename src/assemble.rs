//! Scenario → the discrete O2 problem: vessel source map (generated or read), viable
//! fraction, fixed-value regions and face conditions.

use crate::config::schema::{FaceSpec, FixedRegionSpec};
use crate::config::Scenario;
use crate::grid::Grid;
use crate::output::npy;
use crate::physics::o2::FREE;
use crate::problem::O2Problem;
use crate::vessels::{self, NetworkStats, SourceMap};
use crate::{Error, Result};
use glam::DVec3;
use std::path::Path;

/// The problem and what was learnt building it.
#[derive(Debug, Clone)]
pub struct Assembled {
    /// The discrete problem.
    pub problem: O2Problem,
    /// "synthetic", "npy" or "none".
    pub vessel_source: &'static str,
    /// Network numbers, when the source was a network.
    pub network: Option<NetworkStats>,
}

/// Builds the O2 problem of a checked scenario.
pub fn assemble(sc: &Scenario) -> Result<Assembled> {
    let grid = sc.grid();
    let spec = &sc.spec;
    let mut problem = O2Problem::uniform(grid, sc.o2_params());
    let (map, vessel_source, network) = if let Some(syn) = &spec.vessels.synthetic {
        let net = vessels::synthetic::generate(&grid, syn, syn.seed.unwrap_or(spec.seed));
        let e = grid.extent_um();
        let stats = net.stats(e.x * e.y * e.z);
        log::info!(
            "synthetic network: {} segments, {:.1} mm, {:.0} mm/mm³",
            stats.segments,
            stats.total_length_um / 1000.0,
            stats.density_mm_per_mm3
        );
        (vessels::rasterise(&net, &grid), "synthetic", Some(stats))
    } else if let Some(np) = &spec.vessels.npy {
        let sv = read_checked(&sc.resolve(&np.sv), &grid, 0.0, f32::INFINITY, "Sv (µm⁻¹)")?;
        let pb = read_checked(&sc.resolve(&np.pb), &grid, 0.0, f32::INFINITY, "Pb (mmHg)")?;
        let lumen = vec![false; grid.len()];
        (SourceMap { sv, pb, lumen }, "npy", None)
    } else {
        (SourceMap::empty(&grid), "none", None)
    };
    problem.sv = map.sv;
    problem.pb = map.pb;
    problem.viable = match &spec.tissue.viable_fraction_npy {
        Some(p) => read_checked(&sc.resolve(p), &grid, 0.0, 1.0, "viable fraction n")?,
        None => vec![spec.tissue.viable_fraction as f32; grid.len()],
    };
    for (n, &l) in problem.viable.iter_mut().zip(&map.lumen) {
        if l {
            *n = 0.0;
        }
    }
    for region in &spec.fixed_regions {
        apply_region(sc, &grid, region, &mut problem.fixed)?;
    }
    problem.faces = spec.boundary.faces().map(|f| match f {
        FaceSpec::NoFlux => FREE,
        FaceSpec::Fixed(v) => v as f32,
    });
    problem.validate(&sc.origin)?;
    Ok(Assembled {
        problem,
        vessel_source,
        network,
    })
}

/// Reads a field and checks every value lies in [lo, hi], naming the file and index.
fn read_checked(path: &Path, grid: &Grid, lo: f32, hi: f32, what: &str) -> Result<Vec<f32>> {
    let v = npy::read_field(path, grid)?;
    if let Some(i) = v.iter().position(|&x| x < lo || x > hi) {
        let (x, y, z) = grid.ijk(i);
        return Err(Error::input(
            path,
            format!(
                "{what} = {} at index [{z}, {y}, {x}] is outside [{lo}, {hi}]",
                v[i]
            ),
        ));
    }
    Ok(v)
}

fn apply_region(sc: &Scenario, grid: &Grid, r: &FixedRegionSpec, fixed: &mut [f32]) -> Result<()> {
    let value = r.value_mmhg as f32;
    let centre = r
        .center_um
        .map(DVec3::from_array)
        .unwrap_or(grid.extent_um() / 2.0);
    let radius = r.radius_um.unwrap_or(0.0);
    let mask = match r.mask_npy.as_ref() {
        Some(p) => Some(npy::read_field(&sc.resolve(p), grid)?),
        None => None,
    };
    let (lo, hi) = (
        r.min_um.map(DVec3::from_array).unwrap_or(DVec3::ZERO),
        r.max_um.map(DVec3::from_array).unwrap_or(DVec3::ZERO),
    );
    for idx in 0..grid.len() {
        let (i, j, k) = grid.ijk(idx);
        let p = grid.centre(i, j, k);
        let inside = match r.shape.as_str() {
            "sphere" => p.distance(centre) <= radius,
            "outside_sphere" => p.distance(centre) > radius,
            "box" => p.cmpge(lo).all() && p.cmple(hi).all(),
            "mask" => mask.as_ref().is_some_and(|m| m[idx] != 0.0),
            _ => false, // rejected when the scenario was checked
        };
        if inside {
            fixed[idx] = value;
        }
    }
    Ok(())
}
