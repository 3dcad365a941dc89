//! How much memory a run needs, checked before anything is allocated: a grid too large
//! for the device or the machine stops with both numbers and the ways out, instead of
//! an allocation failure (or the operating system's out-of-memory killer) part-way.
//!
//! The per-voxel figures are measured peaks (maximum resident set of `oxyfield run`
//! on two grid sizes, the difference divided by the voxel difference) rounded up, and a
//! count of the GPU backend's buffers (steady: 6 O2 fields on the fine level and 8 per
//! coarse level, which add 8/7 of a field, and one staging copy for read-back;
//! protocol: the resident state of `therapy::state`, below).

use super::O2Backend;
use crate::grid::Grid;
use crate::{Error, Result};

/// Host bytes per voxel of a steady run (measured 2026-12-07, figures and volumes
/// written: 54.5 with ROS from 128³ to 256³ of the default scenario's kind, 61.3 for
/// the tree scenario with blood transport and ROS from 64 × 128² to 128 × 256²; runs
/// vary by a few per cent).
const HOST_STEADY: u64 = 64;
/// Host bytes per voxel of a protocol run (measured 204, before a drug kept the starts
/// of its last two sub-steps: 212 by count).
const HOST_PROTOCOL: u64 = 224;
/// Device bytes per voxel of a steady run on the GPU backend (8.2 fields).
const DEVICE_STEADY: u64 = 4 * 9;
/// Device bytes per voxel of a protocol run on the GPU backend: the resident state
/// (10 O2 and step fields, 4 endpoint masks, 5 tissue fields, 8 ROS fields, 13 per
/// drug: 40 with one drug) and up to six solver hierarchies (the level-0 scratch field
/// and the coarse levels, ≈ 2.2 fields each: 13).
const DEVICE_PROTOCOL: u64 = 4 * 53;

/// What a run on a grid needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Footprint {
    /// Voxels.
    pub(crate) voxels: u64,
    /// The largest single buffer (one f32 field), bytes.
    pub(crate) largest_buffer: u64,
    /// Device memory on the GPU backend, bytes.
    pub(crate) device: u64,
    /// Host memory, bytes.
    pub(crate) host: u64,
}

impl Footprint {
    /// The footprint of a steady run (`protocol` false) or a protocol run on `grid`.
    pub(crate) fn of(grid: &Grid, protocol: bool) -> Self {
        let voxels = grid.len() as u64;
        let (host, device) = if protocol {
            (HOST_PROTOCOL, DEVICE_PROTOCOL)
        } else {
            (HOST_STEADY, DEVICE_STEADY)
        };
        Footprint {
            voxels,
            largest_buffer: voxels * 4,
            device: voxels * device,
            host: voxels * host,
        }
    }
}

/// Memory the operating system reports available (Linux `MemAvailable`), bytes.
pub(crate) fn host_available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn gib(bytes: u64) -> String {
    if bytes >= 1 << 30 {
        format!("{:.1} GiB", bytes as f64 / f64::from(1u32 << 30))
    } else {
        format!("{} MiB", bytes.div_ceil(1 << 20))
    }
}

/// The ways out for a grid `factor` (> 1) times too large in voxels.
fn options(grid: &Grid, factor: f64, cpu: Option<(u64, Option<u64>)>) -> String {
    let scale = factor.cbrt() * 1.01;
    let axes = [grid.nz, grid.ny, grid.nx].map(|n| ((n as f64 / scale).floor() as usize).max(1));
    let spacing = (grid.spacing_um * scale * 10.0).ceil() / 10.0;
    let mut out = format!(
        "a smaller grid (e.g. shape_zyx = [{}, {}, {}]), a coarser spacing (the same box at \
         spacing_um = {spacing})",
        axes[0], axes[1], axes[2]
    );
    if let Some((need, have)) = cpu {
        out.push_str(&format!(
            ", or --backend cpu (needs about {} of host memory{})",
            gib(need),
            have.map_or(String::new(), |h| format!(", {} available", gib(h)))
        ));
    }
    out.push_str("; splitting a grid into slabs is not implemented");
    out
}

/// Checks that a run on `grid` fits `backend` (its largest buffer within the device's
/// per-buffer limit) and this machine (host memory), before anything is allocated.
pub(crate) fn preflight(grid: &Grid, protocol: bool, backend: &dyn O2Backend) -> Result<()> {
    let need = Footprint::of(grid, protocol);
    let shape = format!("{}×{}×{}", grid.nz, grid.ny, grid.nx);
    let available = host_available();
    if let Some(limit) = backend.buffer_limit_bytes() {
        if need.largest_buffer > limit || need.voxels > u64::from(u32::MAX) {
            let factor = need.largest_buffer as f64 / limit as f64;
            return Err(Error::TooLarge(format!(
                "a {shape} grid ({:.1} M voxels) needs {} per field buffer and about {} of \
                 device memory in all, but {} allows {} per buffer; options: {}",
                need.voxels as f64 / 1e6,
                gib(need.largest_buffer),
                gib(need.device),
                backend.info().adapter,
                gib(limit),
                options(grid, factor.max(1.0), Some((need.host, available)))
            )));
        }
    }
    if let Some(have) = available {
        if need.host > have {
            return Err(Error::TooLarge(format!(
                "a {shape} grid ({:.1} M voxels) needs about {} of host memory for a {} run, \
                 but {} is available; options: {}",
                need.voxels as f64 / 1e6,
                gib(need.host),
                if protocol { "protocol" } else { "steady" },
                gib(have),
                options(grid, need.host as f64 / have as f64, None)
            )));
        }
    }
    Ok(())
}
