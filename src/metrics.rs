//! Scalars from fields, computed on the host in f64: pO2 statistics over tissue voxels,
//! hypoxic fractions, and the O2 mass balance.

use crate::backend::stencil::{net_supply, StencilConsts};
use crate::physics::o2::uptake;
use crate::problem::O2Problem;

/// Thresholds (mmHg) of the hypoxic fractions reported in `summary.json`.
pub(crate) const HYPOXIA_THRESHOLDS_MMHG: [f64; 4] = [0.5, 2.5, 5.0, 10.0];

/// pO2 statistics over tissue voxels (viable cells present, not fixed).
#[derive(Debug, Clone, PartialEq)]
pub struct O2Stats {
    /// Number of tissue voxels.
    pub(crate) tissue_voxels: usize,
    /// Mean (mmHg).
    pub mean: f64,
    /// Median (mmHg).
    pub median: f64,
    /// Minimum (mmHg).
    pub(crate) min: f64,
    /// Maximum (mmHg).
    pub max: f64,
    /// Fraction of tissue voxels below each of `HYPOXIA_THRESHOLDS_MMHG`.
    pub hypoxic_fraction: [f64; 4],
}

/// Statistics of `po2` over the tissue voxels of `problem` (all zeros if none).
pub(crate) fn o2_stats(problem: &O2Problem, po2: &[f32]) -> O2Stats {
    let mut v: Vec<f32> = (0..po2.len())
        .filter(|&i| problem.is_tissue(i))
        .map(|i| po2[i])
        .collect();
    if v.is_empty() {
        return O2Stats {
            tissue_voxels: 0,
            mean: 0.0,
            median: 0.0,
            min: 0.0,
            max: 0.0,
            hypoxic_fraction: [0.0; 4],
        };
    }
    v.sort_by(f32::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2] as f64
    } else {
        (v[n / 2 - 1] as f64 + v[n / 2] as f64) / 2.0
    };
    let below = |t: f64| v.partition_point(|&x| (x as f64) < t) as f64 / n as f64;
    O2Stats {
        tissue_voxels: n,
        mean: v.iter().map(|&x| x as f64).sum::<f64>() / n as f64,
        median,
        min: v[0] as f64,
        max: v[n - 1] as f64,
        hypoxic_fraction: HYPOXIA_THRESHOLDS_MMHG.map(below),
    }
}

/// O2 supply and consumption over the free voxels (mmHg·µm³/s; multiply by the tissue
/// solubility, ≈ 3e-5 cm³O2/cm³/mmHg, for an O2 volume flux).
///
/// Exchange with vessels, fixed voxels and fixed faces is counted by its sign in each
/// voxel: supply where it flows into the tissue (Pb > P), uptake where it flows out
/// (Pb < P, e.g. a sink entered as exchange toward Pb = 0). A net sum would let supply
/// and such sinks cancel and report a perfect balance as a 100 % error (issue 18).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MassBalance {
    /// Inflow from vessels, fixed voxels and fixed faces, where it flows into tissue.
    pub supply: f64,
    /// The part of the supply that comes through vessel walls.
    pub vessel_supply: f64,
    /// Outflow into vessels where Pb < P (part of `consumption`).
    pub vessel_uptake: f64,
    /// Michaelis–Menten consumption plus every outflow into vessels, fixed voxels and
    /// fixed faces.
    pub consumption: f64,
    /// |supply − consumption| / max(supply, consumption).
    pub relative_error: f64,
}

impl MassBalance {
    /// Net O2 given by the blood through vessel walls (supply − uptake).
    pub(crate) fn vessel_net(&self) -> f64 {
        self.vessel_supply - self.vessel_uptake
    }
}

/// Largest relative mass-balance error of a converged steady state accepted as a
/// result; above it a run fails (exit 1) unless `solver.allow_unconverged` is set.
/// Converged solves of the default and validation scenarios stay below 1e-5.
pub const MASS_BALANCE_TOLERANCE: f64 = 1e-3;

/// Exchange of free voxel `idx` at value `p` with fixed neighbours and fixed faces, by
/// sign: (inflow from those above `p`, outflow to those below it), both ≥ 0, in units
/// of D/h² (the 7-point stencil's coupling; a face is h/2 away, hence 2).
pub(crate) fn boundary_exchange(problem: &O2Problem, p: f64, idx: usize) -> (f64, f64) {
    let g = &problem.grid;
    let (i, j, kz) = g.ijk(idx);
    let f = &problem.faces;
    let nbrs = [
        (i > 0, idx.wrapping_sub(1), f[0]),
        (i + 1 < g.nx, idx + 1, f[1]),
        (j > 0, idx.wrapping_sub(g.nx), f[2]),
        (j + 1 < g.ny, idx + g.nx, f[3]),
        (kz > 0, idx.wrapping_sub(g.nx * g.ny), f[4]),
        (kz + 1 < g.nz, idx + g.nx * g.ny, f[5]),
    ];
    let (mut into, mut out) = (0.0, 0.0);
    let mut add = |q: f64| {
        if q >= 0.0 {
            into += q;
        } else {
            out -= q;
        }
    };
    for (inside, nb, face) in nbrs {
        if inside {
            if problem.is_fixed(nb) {
                add(problem.fixed[nb] as f64 - p);
            }
        } else if face >= 0.0 {
            add(2.0 * (face as f64 - p));
        }
    }
    (into, out)
}

/// The discrete mass balance of `po2`: at steady state, diffusion between free voxels
/// cancels in the sum, so supply must equal consumption.
pub fn mass_balance(problem: &O2Problem, po2: &[f32]) -> MassBalance {
    let k = StencilConsts::of(problem);
    let g = &problem.grid;
    let (c, pw) = (k.c as f64, k.pw as f64);
    let mut supply = 0.0f64;
    let mut vessel = 0.0f64;
    let mut vessel_uptake = 0.0f64;
    let mut consumption = 0.0f64;
    for (idx, &p32) in po2.iter().enumerate() {
        if problem.is_fixed(idx) {
            continue;
        }
        let (i, j, kz) = g.ijk(idx);
        let p = p32 as f64;
        let v = pw * problem.sv[idx] as f64 * (problem.pb[idx] as f64 - p);
        if v >= 0.0 {
            vessel += v;
            supply += v;
        } else {
            vessel_uptake -= v;
            consumption -= v;
        }
        let (into, out) = boundary_exchange(problem, p, idx);
        supply += c * into;
        consumption += c * out;
        let mn = k.m_max * problem.viable[idx];
        consumption += if p32 + k.km > 0.0 {
            f64::from(uptake(p32, mn, k.km))
        } else {
            // Zero-order uptake (Km = 0) at P = 0 consumes whatever arrives, up to M·n.
            let f = net_supply(&k, problem, &|n| po2[n], (i, j, kz), idx);
            f64::from(f.clamp(0.0, mn))
        };
    }
    let vol = g.voxel_volume_um3();
    let (supply, consumption) = (supply * vol, consumption * vol);
    let scale = supply.abs().max(consumption.abs());
    MassBalance {
        supply,
        vessel_supply: vessel * vol,
        vessel_uptake: vessel_uptake * vol,
        consumption,
        relative_error: if scale > 0.0 {
            (supply - consumption).abs() / scale
        } else {
            0.0
        },
    }
}
