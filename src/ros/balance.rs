//! ROS scalars for `summary.json`: statistics over tissue and the discrete balance
//! (production = scavenging + loss + vessel removal + boundary outflow at steady state).

use super::problem;
use crate::metrics::boundary_exchange;
use crate::physics::ros::RosParams;
use crate::problem::O2Problem;
use crate::Result;

/// R and G statistics over tissue voxels (viable cells present, not fixed).
#[derive(Debug, Clone, PartialEq)]
pub struct RosStats {
    /// Number of tissue voxels.
    pub(crate) tissue_voxels: usize,
    /// Mean R (µM).
    pub mean: f64,
    /// 95th percentile of R (µM; nearest rank).
    pub p95: f64,
    /// Largest R (µM).
    pub max: f64,
    /// Damage threshold (µM).
    pub damage_threshold: f64,
    /// Fraction of tissue voxels with R above the threshold.
    pub damage_fraction: f64,
    /// Mean G (mM).
    pub gsh_mean: f64,
    /// Smallest G (mM).
    pub(crate) gsh_min: f64,
}

/// Statistics of `ros` and `gsh` over the tissue of `o2` (zeros when there is none).
pub fn stats(o2: &O2Problem, params: &RosParams, ros: &[f32], gsh: &[f32]) -> RosStats {
    // Walked rather than gathered: the tissue indices of a 256³ grid are 134 MB.
    let tissue = || (0..ros.len()).filter(|&i| o2.is_tissue(i));
    let mut r: Vec<f32> = tissue().map(|i| ros[i]).collect();
    let threshold = params.damage_threshold_um;
    if r.is_empty() {
        return RosStats {
            tissue_voxels: 0,
            mean: 0.0,
            p95: 0.0,
            max: 0.0,
            damage_threshold: threshold,
            damage_fraction: 0.0,
            gsh_mean: 0.0,
            gsh_min: 0.0,
        };
    }
    r.sort_by(f32::total_cmp);
    let n = r.len();
    let count = n as f64;
    let rank = ((0.95 * count).ceil() as usize).clamp(1, n) - 1;
    let above = n - r.partition_point(|&x| f64::from(x) <= threshold);
    RosStats {
        tissue_voxels: n,
        mean: r.iter().map(|&x| f64::from(x)).sum::<f64>() / count,
        p95: f64::from(r[rank]),
        max: f64::from(r[n - 1]),
        damage_threshold: threshold,
        damage_fraction: above as f64 / count,
        gsh_mean: tissue().map(|i| f64::from(gsh[i])).sum::<f64>() / count,
        gsh_min: tissue()
            .map(|i| f64::from(gsh[i]))
            .fold(f64::INFINITY, f64::min),
    }
}

/// Totals of the R equation over free voxels (µM·µm³/s).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RosBalance {
    /// Production ∫S.
    pub production: f64,
    /// Glutathione scavenging ∫kG·G·R.
    pub scavenging: f64,
    /// First-order loss ∫λR·R.
    pub loss: f64,
    /// Net removal into blood ∫Pw,R·Sv·(R − Rb).
    pub vessel_removal: f64,
    /// Net outflow into fixed voxels and through fixed faces.
    pub boundary_outflow: f64,
    /// |sources − sinks| / max(sources, sinks): sources are production and every
    /// exchange into the tissue (blood or boundaries above the tissue's R), sinks the
    /// scavenging, loss and every exchange out of it, each counted by its sign per voxel
    /// so that inflow and outflow elsewhere cannot cancel (as in
    /// [`crate::metrics::MassBalance`]).
    pub relative_error: f64,
}

/// The discrete balance of `ros` (µM) for production `production` and G `gsh`. At the
/// steady state of the same G, diffusion between free voxels cancels in the sum and
/// production equals the sinks.
pub fn balance(
    o2: &O2Problem,
    params: &RosParams,
    production: &[f32],
    gsh: &[f32],
    ros: &[f32],
) -> Result<RosBalance> {
    let rp = problem::build(o2, params, production, gsh)?;
    let h = o2.grid.spacing_um;
    let c = params.diffusivity_um2_per_s / (h * h);
    let rb = params.boundary_um;
    let (mut prod, mut scav, mut loss, mut wall, mut out) = (0.0, 0.0, 0.0, 0.0, 0.0);
    // Exchange into the tissue (sources) and out of it (sinks), by sign per voxel.
    let (mut inflow, mut outflow) = (0.0, 0.0);
    let wall_sv = o2.wall_area_sv();
    for (i, &r32) in ros.iter().enumerate() {
        if rp.is_fixed(i) {
            continue;
        }
        let r = f64::from(r32);
        prod += f64::from(production[i]);
        scav += params.scavenging_rate_per_mm_per_s * f64::from(gsh[i]) * r;
        loss += params.loss_rate_per_s * r;
        let w = params.wall_permeability_um_per_s * f64::from(wall_sv[i]) * (r - rb);
        wall += w;
        let (into, from) = boundary_exchange(&rp, r, i);
        out += c * (from - into);
        inflow += w.min(0.0).abs() + c * into;
        outflow += w.max(0.0) + c * from;
    }
    let vol = o2.grid.voxel_volume_um3();
    let (sources, sinks) = (prod + inflow, scav + loss + outflow);
    let scale = sources.abs().max(sinks.abs());
    Ok(RosBalance {
        production: prod * vol,
        scavenging: scav * vol,
        loss: loss * vol,
        vessel_removal: wall * vol,
        boundary_outflow: out * vol,
        relative_error: if scale > 0.0 {
            (sources - sinks).abs() / scale
        } else {
            0.0
        },
    })
}
