//! Scenario → the discrete O2 problem: vessel source map (generated or read), viable
//! fraction, fixed-value regions and face conditions, all on the user's block; then,
//! with `[boundary] medium_um`, the block placed in its non-consuming medium (the one
//! place the padding is made: [`crate::problem::medium`]).

use crate::config::kinds::WallResistance;
use crate::config::schema::{FaceSpec, FixedRegionSpec, NetworkFileSpec};
use crate::config::{plausibility, Scenario};
use crate::grid::Grid;
use crate::npy;
use crate::physics::blood::BloodParams;
use crate::physics::o2::FREE;
use crate::physics::wall::{ResistanceTable, WallModel};
use crate::problem::O2Problem;
use crate::vessels::coupling::CouplingOptions;
use crate::vessels::flow::Flows;
use crate::vessels::formats::{self, ReadOptions};
use crate::vessels::rasterise::WallTotals;
use crate::vessels::transport::Transport;
use crate::vessels::{self, Network, NetworkStats, SourceMap, WallMap};
use crate::{Error, Result};
use glam::DVec3;
use rayon::prelude::*;
use std::path::Path;

/// The problem and what was learnt building it.
#[derive(Debug, Clone)]
pub struct Assembled {
    /// The discrete problem, on the solver's grid: the block, in its medium when
    /// `medium` is on (a run's result holds the block's part: [`crate::run`]).
    pub problem: O2Problem,
    /// The non-consuming medium around the block (`boundary.medium_um`), when on.
    pub medium: Option<crate::problem::medium::Medium>,
    /// "synthetic", "network", "npy", "mask" or "none".
    pub vessel_source: &'static str,
    /// Network numbers, when the source was a network.
    pub(crate) network: Option<NetworkStats>,
    /// The network itself, its wall totals, and the blood O2 transport when on.
    pub vessels: Option<VesselNetwork>,
}

/// A network placed in the grid.
#[derive(Debug, Clone)]
pub struct VesselNetwork {
    /// Nodes (µm, in grid coordinates) and segments.
    pub net: Network,
    /// The wall's totals. The map of where each piece of wall lies is kept only with
    /// the blood O2 transport ([`TransportSetup::wall`]), its one reader once the
    /// source map is made, until the steady solve takes it: without transport it goes
    /// at assembly (about 11 bytes per voxel in the default scenario).
    pub(crate) wall: WallTotals,
    /// Blood O2 transport, when on.
    pub transport: Option<TransportSetup>,
    /// How each ring exchanges O2 (`[vessels.wall]`).
    pub(crate) model: WallModel,
}

/// Blood O2 transport ready to couple with the tissue solve.
#[derive(Debug, Clone)]
pub struct TransportSetup {
    /// Segment flows and where they came from.
    pub(crate) flows: Flows,
    /// The flow graph.
    pub(crate) transport: Transport,
    /// Coupling loop options.
    pub(crate) options: CouplingOptions,
    /// Where each piece of wall lies, from which the coupling makes its gather and
    /// spread matrices: the steady solve takes it ([`crate::run::solve_o2`]) and drops
    /// it as soon as its rows and ring areas are taken, before the transpose and the
    /// first tissue solve (12 bytes per entry, about one entry per voxel in the example
    /// tree).
    pub(crate) wall: Option<WallMap>,
}

/// Builds the O2 problem of a checked scenario.
pub fn assemble(sc: &Scenario) -> Result<Assembled> {
    plausibility::emit(sc.plausibility_warnings());
    let grid = sc.grid();
    let spec = &sc.spec;
    let problem = O2Problem::uniform(grid, sc.o2_params());
    let vs = &spec.vessels;
    let e = grid.extent_um();
    let volume = e.x * e.y * e.z;
    let (net, vessel_source, file) = if let Some(syn) = &vs.synthetic {
        let seed = syn.seed.unwrap_or(spec.seed);
        let net = vessels::synthetic::generate_any(&grid, syn, seed);
        (Some(net), "synthetic", None)
    } else if let Some(nf) = &vs.network {
        let path = sc.resolve(&nf.file);
        let net = read_network(sc, &grid, nf, &path)?;
        (Some(net), "network", Some(path))
    } else {
        (None, "none", None)
    };
    let mut vessels_out = None;
    let mut stats = None;
    let map = if let Some(net) = net {
        let st = net.stats(volume);
        log::info!(
            "{vessel_source} network: {} segments, {:.1} mm, {:.0} mm/mm³",
            st.segments,
            st.total_length_um / 1000.0,
            st.density_mm_per_mm3
        );
        stats = Some(st);
        let model = wall_model(sc)?;
        log::info!("{}", model.describe());
        let started = std::time::Instant::now();
        let wall = WallMap::build(&net, &grid, &model);
        log::debug!(
            "wall map: {} rings, {} entries, {:.2} s",
            wall.rings(),
            wall.entries_total(),
            started.elapsed().as_secs_f64()
        );
        if wall.capped_rings > 0 {
            log::info!(
                "vessels.wall.subvoxel: {} of {} wall rings wider than their voxels allow \
                 took the largest conductance the grid can hold (docs/model.md, \"Vessel walls\")",
                wall.capped_rings,
                wall.rings()
            );
        }
        let mut map = wall.source_map(&grid, &wall.fixed_ring_pb(&net));
        map.lumen = vessels::rasterise::lumen(&net, &grid);
        let totals = wall.totals();
        let transport = transport_setup(sc, &net, file.as_deref(), wall)?;
        vessels_out = Some(VesselNetwork {
            net,
            wall: totals,
            transport,
            model,
        });
        map
    } else if let Some(np) = &vs.npy {
        let sv = read_checked(&sc.resolve(&np.sv), &grid, 0.0, f32::INFINITY, "Sv (µm⁻¹)")?;
        let pb = read_checked(&sc.resolve(&np.pb), &grid, 0.0, f32::INFINITY, "Pb (mmHg)")?;
        let lumen = vec![false; grid.len()];
        let map = SourceMap {
            sv,
            wall_sv: None,
            pb,
            lumen,
        };
        return finish(sc, problem, map, "npy", None, None);
    } else if let Some(m) = &vs.mask {
        let mask = read_checked(
            &sc.resolve(&m.file),
            &grid,
            0.0,
            f32::INFINITY,
            "vessel mask",
        )?;
        return finish(
            sc,
            problem,
            vessels::mask::source_map(&grid, &mask, m.blood_po2_mmhg),
            "mask",
            None,
            None,
        );
    } else {
        SourceMap::empty(&grid)
    };
    finish(sc, problem, map, vessel_source, stats, vessels_out)
}

/// Viable fraction, fixed regions and faces: the parts common to every source.
fn finish(
    sc: &Scenario,
    mut problem: O2Problem,
    map: SourceMap,
    vessel_source: &'static str,
    network: Option<NetworkStats>,
    vessels: Option<VesselNetwork>,
) -> Result<Assembled> {
    let spec = &sc.spec;
    let grid = problem.grid;
    problem.sv = map.sv;
    problem.wall_sv = map.wall_sv;
    problem.pb = map.pb;
    problem.viable = match &spec.tissue.viable_fraction_npy {
        Some(p) => read_checked(&sc.resolve(p), &grid, 0.0, 1.0, "viable fraction n")?,
        None => vec![spec.tissue.viable_fraction as f32; grid.len()],
    };
    if let Some(syn) = spec
        .vessels
        .synthetic
        .as_ref()
        .filter(|s| s.core_radius_um > 0.0)
    {
        let c = grid.extent_um() / 2.0;
        for (idx, n) in problem.viable.iter_mut().enumerate() {
            let (i, j, k) = grid.ijk(idx);
            if grid.centre(i, j, k).distance(c) < syn.core_radius_um {
                *n = n.min(syn.core_viable_fraction as f32);
            }
        }
    }
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
    plausibility::emit(plausibility::problem(sc, &problem, vessel_source));
    let medium = sc.medium();
    let mut vessels = vessels;
    if let Some(m) = &medium {
        problem = m.pad_problem(problem);
        if let Some(v) = vessels.as_mut() {
            if let Some(w) = v.transport.as_mut().and_then(|t| t.wall.as_mut()) {
                w.renumber_voxels(|i| m.solver_index(i));
            }
        }
        log::info!("{}", m.describe());
    }
    Ok(Assembled {
        problem,
        medium,
        vessel_source,
        network,
        vessels,
    })
}

/// How each ring of a network's wall exchanges O2 (`[vessels.wall]`).
pub(crate) fn wall_model(sc: &Scenario) -> Result<WallModel> {
    let w = &sc.spec.vessels.wall;
    let o = &sc.spec.oxygen;
    let table = match w.resistance {
        WallResistance::Permeability => None,
        WallResistance::Table => Some(match &w.table {
            Some(p) => {
                let path = sc.resolve(p);
                ResistanceTable {
                    points: crate::config::greens_params::read_intravasc_res(&path)?,
                    source: path.display().to_string(),
                }
            }
            None => ResistanceTable::secomb(),
        }),
    };
    let wall_um_per_s = match w.resistance {
        WallResistance::Permeability => Some(o.wall_permeability_um_per_s),
        WallResistance::Table => w.permeability_um_per_s,
    };
    Ok(WallModel {
        reference_um_per_s: o.wall_permeability_um_per_s,
        wall_um_per_s,
        table,
        alpha_tissue: sc.spec.vessels.transport.alpha_tissue,
        subvoxel: w.subvoxel.unwrap_or(true),
        diffusivity_um2_per_s: o.diffusivity_um2_per_s,
        h_um: sc.spec.grid.spacing_um,
    })
}

/// Reads a network file and places it in the grid.
fn read_network(sc: &Scenario, grid: &Grid, nf: &NetworkFileSpec, path: &Path) -> Result<Network> {
    let opts = ReadOptions {
        radius_array: nf.radius_array.clone(),
        radius_array_is_diameter: nf.radius_array_is_diameter,
        segments_csv: nf.segments_csv.as_ref().map(|p| sc.resolve(p)),
        default_blood_po2_mmhg: nf.blood_po2_mmhg,
    };
    let mut net = formats::read(path, nf.format, &opts)?;
    net.transform(nf.scale, DVec3::ZERO);
    let (lo, hi) = net.bounding_box().ok_or_else(|| {
        Error::input(
            path,
            "the network has no nodes; check that the file is complete",
        )
    })?;
    let shift = if nf.center {
        grid.extent_um() / 2.0 - (lo + hi) / 2.0
    } else {
        DVec3::ZERO
    };
    net.transform(1.0, shift + DVec3::from_array(nf.offset_um));
    let (lo, hi) = net.bounding_box().unwrap_or((lo, hi));
    let e = grid.extent_um();
    if hi.cmplt(DVec3::ZERO).any() || lo.cmpgt(e).any() {
        return Err(Error::input(
            path,
            format!(
                "after placement the network spans [{:.0}, {:.0}, {:.0}]–[{:.0}, {:.0}, {:.0}] µm, \
                 outside the grid's [0, 0, 0]–[{:.0}, {:.0}, {:.0}] µm: check the units \
                 (vessels.network.scale, e.g. 1000 for mm) and vessels.network.offset_um or \
                 center = true",
                lo.x, lo.y, lo.z, hi.x, hi.y, hi.z, e.x, e.y, e.z
            ),
        ));
    }
    check_segment_sizes(&net, grid, path)?;
    plausibility::emit(crate::vessels::plausibility::network_file(path, &net, grid));
    Ok(net)
}

/// Vessel radii up to this (µm; the largest tumour vessels are ~100 µm).
const MAX_RADIUS_UM: f64 = 1000.0;
/// Segments up to this many block diagonals long.
const MAX_LENGTH_DIAGONALS: f64 = 100.0;

/// Refuses segments whose size can only be a unit error: their walls would be cut into
/// more patches than memory holds (the walls are sampled every h/4).
fn check_segment_sizes(net: &Network, grid: &Grid, path: &Path) -> Result<()> {
    let diagonal = grid.extent_um().length();
    for (i, s) in net.segments.iter().enumerate() {
        let len = net.nodes[s.a].distance(net.nodes[s.b]);
        if s.radius_um.is_nan() || s.radius_um > MAX_RADIUS_UM {
            return Err(Error::input(
                path,
                format!(
                    "segment {i} has radius {:.3e} µm, above {MAX_RADIUS_UM} µm: check the \
                     units (radii in µm after vessels.network.scale)",
                    s.radius_um
                ),
            ));
        }
        if len.is_nan() || len > MAX_LENGTH_DIAGONALS * diagonal {
            return Err(Error::input(
                path,
                format!(
                    "segment {i} is {len:.3e} µm long, more than {MAX_LENGTH_DIAGONALS} times \
                     the block's diagonal ({diagonal:.0} µm): check the units \
                     (vessels.network.scale) or cut the network to the block"
                ),
            ));
        }
    }
    Ok(())
}

/// The blood O2 transport of `net`, when the scenario turns it on (or "auto" finds
/// flows or boundary pressures), with `wall`, the map it reads through (dropped
/// otherwise).
fn transport_setup(
    sc: &Scenario,
    net: &Network,
    file: Option<&Path>,
    wall: WallMap,
) -> Result<Option<TransportSetup>> {
    let t = &sc.spec.vessels.transport;
    let has_pressure = net
        .boundary
        .iter()
        .any(|b| matches!(b.condition, vessels::BoundaryCondition::Pressure(_)));
    let on = match t.mode.as_str() {
        "on" => true,
        "off" => false,
        _ => net.has_flows() || has_pressure,
    };
    if !on {
        return Ok(None);
    }
    let flow_scale = sc
        .spec
        .vessels
        .network
        .as_ref()
        .map_or(1.0, |n| n.flow_scale);
    let flows = vessels::flow::flows(net, flow_scale, t.viscosity_cp).map_err(|e| {
        let at = file.map_or_else(|| sc.origin.clone(), |p| p.display().to_string());
        Error::input(at, format!("blood O2 transport: {e}"))
    })?;
    let blood = BloodParams {
        hill_n: t.hill_n,
        p50_mmhg: t.p50_mmhg,
        c0: t.c0,
        alpha_blood: t.alpha_blood,
        alpha_tissue: t.alpha_tissue,
    };
    let pw = sc.spec.oxygen.wall_permeability_um_per_s;
    let transport = Transport::new(
        net,
        &flows,
        blood,
        pw,
        t.hematocrit,
        wall.segment_rings().clone(),
    );
    log::info!(
        "blood O2 transport on: flows from {}, {} inflow boundary nodes",
        flows.source,
        net.boundary.len()
    );
    Ok(Some(TransportSetup {
        flows,
        transport,
        options: CouplingOptions {
            tolerance_mmhg: t.tolerance_mmhg,
            max_iterations: t.max_iterations,
            relaxation: t.relaxation,
        },
        wall: Some(wall),
    }))
}

/// Reads a field and checks every value lies in [lo, hi], naming the file and index.
fn read_checked(path: &Path, grid: &Grid, lo: f32, hi: f32, what: &str) -> Result<Vec<f32>> {
    let v = npy::read_field(path, grid)?;
    if let Some(i) = v.iter().position(|&x| x < lo || x > hi) {
        let (x, y, z) = grid.ijk(i);
        return Err(Error::input(
            path,
            format!(
                "{what} = {} at index [{z}, {y}, {x}] is outside [{lo}, {hi}]; fix the map \
                 (e.g. numpy.clip(a, {lo}, {hi}) if the value is a rounding artefact)",
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
    // The shape's test of a voxel (its index and centre), chosen once.
    let inside: Box<dyn Fn(usize, DVec3) -> bool + Sync> = match r.shape.as_str() {
        "sphere" => Box::new(|_, p: DVec3| p.distance(centre) <= radius),
        "outside_sphere" => Box::new(|_, p: DVec3| p.distance(centre) > radius),
        "box" => Box::new(|_, p: DVec3| p.cmpge(lo).all() && p.cmple(hi).all()),
        "mask" => Box::new(|idx, _| mask.as_ref().is_some_and(|m| m[idx] != 0.0)),
        _ => Box::new(|_, _| false), // rejected when the scenario was checked
    };
    // Plane by plane in parallel; every voxel on its own, as a serial loop.
    let plane = grid.nx * grid.ny;
    fixed
        .par_chunks_mut(plane)
        .enumerate()
        .for_each(|(k, values)| {
            for j in 0..grid.ny {
                for i in 0..grid.nx {
                    let idx = grid.index(i, j, k);
                    if inside(idx, grid.centre(i, j, k)) {
                        values[j * grid.nx + i] = value;
                    }
                }
            }
        });
    Ok(())
}
