//! Grid geometry: a cell-centred block of `nx × ny × nz` cubic voxels of side
//! `spacing_um`, stored in C order with x fastest, shape `[nz, ny, nx]` on disk.
//! Voxel (i, j, k) has its centre at `((i + ½)h, (j + ½)h, (k + ½)h)` µm from the origin.

use glam::DVec3;

/// Shape and spacing of the voxel grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grid {
    /// Voxels along x.
    pub nx: usize,
    /// Voxels along y.
    pub ny: usize,
    /// Voxels along z.
    pub nz: usize,
    /// Voxel edge length h (µm).
    pub spacing_um: f64,
}

impl Grid {
    /// A grid from its shape in z, y, x order (the on-disk order) and spacing.
    pub fn from_shape_zyx(shape: [usize; 3], spacing_um: f64) -> Self {
        Grid {
            nx: shape[2],
            ny: shape[1],
            nz: shape[0],
            spacing_um,
        }
    }

    /// Shape in z, y, x order.
    pub fn shape_zyx(&self) -> [usize; 3] {
        [self.nz, self.ny, self.nx]
    }

    /// Number of voxels.
    pub fn len(&self) -> usize {
        self.nx * self.ny * self.nz
    }

    /// True when the grid has no voxels.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Linear index of voxel (i, j, k).
    #[inline]
    pub fn index(&self, i: usize, j: usize, k: usize) -> usize {
        (k * self.ny + j) * self.nx + i
    }

    /// Voxel (i, j, k) of a linear index.
    #[inline]
    pub fn ijk(&self, idx: usize) -> (usize, usize, usize) {
        let i = idx % self.nx;
        let j = (idx / self.nx) % self.ny;
        let k = idx / (self.nx * self.ny);
        (i, j, k)
    }

    /// Centre of voxel (i, j, k) in µm.
    #[inline]
    pub fn centre(&self, i: usize, j: usize, k: usize) -> DVec3 {
        DVec3::new(i as f64 + 0.5, j as f64 + 0.5, k as f64 + 0.5) * self.spacing_um
    }

    /// Physical size of the block (µm).
    pub fn extent_um(&self) -> DVec3 {
        DVec3::new(self.nx as f64, self.ny as f64, self.nz as f64) * self.spacing_um
    }

    /// Volume of one voxel (µm³).
    pub fn voxel_volume_um3(&self) -> f64 {
        self.spacing_um.powi(3)
    }

    /// The voxel containing point `p` (µm), if it lies inside the block.
    #[inline]
    pub(crate) fn voxel_of(&self, p: DVec3) -> Option<usize> {
        let q = p / self.spacing_um;
        if q.x < 0.0 || q.y < 0.0 || q.z < 0.0 {
            return None;
        }
        let (i, j, k) = (q.x as usize, q.y as usize, q.z as usize);
        (i < self.nx && j < self.ny && k < self.nz).then(|| self.index(i, j, k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_round_trips_and_voxel_of_matches_centre() {
        let g = Grid::from_shape_zyx([3, 4, 5], 10.0);
        assert_eq!(g.len(), 60);
        for idx in 0..g.len() {
            let (i, j, k) = g.ijk(idx);
            assert_eq!(g.index(i, j, k), idx);
            assert_eq!(g.voxel_of(g.centre(i, j, k)), Some(idx));
        }
        assert_eq!(g.voxel_of(DVec3::new(50.0, 0.0, 0.0)), None);
        assert_eq!(g.voxel_of(DVec3::new(-0.1, 0.0, 0.0)), None);
    }
}
