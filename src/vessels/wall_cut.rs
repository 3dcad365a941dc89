//! Cutting a network's vessel walls into rings of voxel deposits, the pieces
//! [`super::WallMap`] is assembled from (in parallel over runs of segments).

use super::network::{Network, Segment};
use crate::grid::Grid;
use crate::physics::wall::WallModel;
use glam::DVec3;

/// The walls of a run of consecutive segments, cut as [`WallMap::build`](super::WallMap) cuts them,
/// to be appended to the map in order.
#[derive(Default)]
pub(super) struct Walls {
    /// Voxel of each entry.
    pub(super) voxel: Vec<u32>,
    /// Wall area of each entry (µm²).
    pub(super) area: Vec<f64>,
    /// Entries of each ring.
    pub(super) ring_entries: Vec<usize>,
    /// Rings of each segment.
    pub(super) segment_rings: Vec<usize>,
    /// (axis, radius µm) of each ring.
    pub(super) rings: Vec<(DVec3, f64)>,
    /// One ring's deposits before they are sorted and merged.
    ring: Vec<(u32, f64)>,
}

impl Walls {
    /// Cuts segment `s` of `net` into rings of patches a quarter voxel long and wide,
    /// each patch's wall area deposited into its voxel (or by trilinear weights under
    /// the subvoxel model), a ring's deposits merged per voxel.
    pub(super) fn cut(&mut self, net: &Network, s: &Segment, grid: &Grid, model: &WallModel) {
        let patch = grid.spacing_um / 4.0;
        let (a, b) = (net.nodes[s.a], net.nodes[s.b]);
        let len = a.distance(b);
        let before = self.rings.len();
        if len > 0.0 && s.radius_um > 0.0 {
            let axis = (b - a) / len;
            let (e1, e2) = axis.any_orthonormal_pair();
            let n_len = (len / patch).ceil().max(1.0) as usize;
            let n_ang = (std::f64::consts::TAU * s.radius_um / patch)
                .ceil()
                .max(8.0) as usize;
            let d_area = std::f64::consts::TAU * s.radius_um * len / (n_len * n_ang) as f64;
            for il in 0..n_len {
                let c = a + axis * ((il as f64 + 0.5) * len / n_len as f64);
                let ring = &mut self.ring;
                ring.clear();
                for ia in 0..n_ang {
                    let th = std::f64::consts::TAU * (ia as f64 + 0.5) / n_ang as f64;
                    let p = c + (e1 * th.cos() + e2 * th.sin()) * s.radius_um;
                    if model.subvoxel {
                        deposit_trilinear(grid, p, d_area, ring);
                    } else if let Some(idx) = grid.voxel_of(p) {
                        ring.push((idx as u32, d_area));
                    }
                }
                ring.sort_unstable_by_key(|e| e.0);
                let (start, mut last) = (self.voxel.len(), u32::MAX);
                for &(v, ar) in ring.iter() {
                    if v == last {
                        *self.area.last_mut().expect("an entry") += ar;
                    } else {
                        self.voxel.push(v);
                        self.area.push(ar);
                        last = v;
                    }
                }
                self.ring_entries.push(self.voxel.len() - start);
                self.rings.push((axis, s.radius_um));
            }
        }
        self.segment_rings.push(self.rings.len() - before);
    }
}

/// Adds the area `area` of a patch at `p` to the 8 voxels around it by trilinear
/// (cloud-in-cell) weights, clamped at the block's faces: the weights' centroid is `p`
/// wherever `p` lies between the outermost voxel centres, so a ring's deposit is
/// centred on its vessel and the grid sees no spurious dipole (within h/2 of a face the
/// clamp moves it inward). Nothing where `p` lies outside the block.
fn deposit_trilinear(grid: &Grid, p: DVec3, area: f64, out: &mut Vec<(u32, f64)>) {
    if grid.voxel_of(p).is_none() {
        return;
    }
    let u = p / grid.spacing_um - DVec3::splat(0.5);
    let axis = |v: f64, n: usize| -> [(usize, f64); 2] {
        let i0 = v.floor();
        let f = v - i0;
        let clamp = |i: f64| (i.max(0.0) as usize).min(n - 1);
        [(clamp(i0), 1.0 - f), (clamp(i0 + 1.0), f)]
    };
    let (xs, ys, zs) = (axis(u.x, grid.nx), axis(u.y, grid.ny), axis(u.z, grid.nz));
    for &(k, wz) in &zs {
        for &(j, wy) in &ys {
            for &(i, wx) in &xs {
                let w = wx * wy * wz;
                if w > 0.0 {
                    out.push((grid.index(i, j, k) as u32, area * w));
                }
            }
        }
    }
}
