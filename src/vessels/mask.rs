//! A 0/1 vessel mask → source map: mask voxels are lumen (no tissue); every face a
//! lumen voxel shares with a tissue voxel is h² of wall, given to the tissue voxel, at
//! the mask's blood pO2. Faces on the block's boundary carry no wall.

use super::SourceMap;
use crate::grid::Grid;

/// The source map of `mask` (non-zero = lumen) with blood pO2 `pb_mmhg`.
pub(crate) fn source_map(grid: &Grid, mask: &[f32], pb_mmhg: f64) -> SourceMap {
    let lumen: Vec<bool> = mask.iter().map(|&m| m != 0.0).collect();
    let mut faces = vec![0u8; grid.len()];
    for idx in 0..grid.len() {
        if lumen[idx] {
            continue;
        }
        let (i, j, k) = grid.ijk(idx);
        let mut n = 0u8;
        let mut look = |ii: usize, jj: usize, kk: usize| {
            if lumen[grid.index(ii, jj, kk)] {
                n += 1;
            }
        };
        if i > 0 {
            look(i - 1, j, k);
        }
        if i + 1 < grid.nx {
            look(i + 1, j, k);
        }
        if j > 0 {
            look(i, j - 1, k);
        }
        if j + 1 < grid.ny {
            look(i, j + 1, k);
        }
        if k > 0 {
            look(i, j, k - 1);
        }
        if k + 1 < grid.nz {
            look(i, j, k + 1);
        }
        faces[idx] = n;
    }
    let per_face = (1.0 / grid.spacing_um) as f32; // h² / h³
    SourceMap {
        wall_sv: None,
        sv: faces.iter().map(|&n| f32::from(n) * per_face).collect(),
        pb: faces
            .iter()
            .map(|&n| if n > 0 { pb_mmhg as f32 } else { 0.0 })
            .collect(),
        lumen,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_lumen_voxel_gives_six_faces_of_wall() {
        let grid = Grid::from_shape_zyx([3, 3, 3], 10.0);
        let mut mask = vec![0.0f32; 27];
        mask[grid.index(1, 1, 1)] = 1.0;
        let m = source_map(&grid, &mask, 40.0);
        let area: f64 = m.sv.iter().map(|&s| f64::from(s)).sum::<f64>() * 1000.0;
        assert!((area - 600.0).abs() < 1e-3);
        assert!(m.lumen[grid.index(1, 1, 1)]);
        assert_eq!(m.sv[grid.index(1, 1, 1)], 0.0);
        assert_eq!(m.pb[grid.index(0, 1, 1)], 40.0);
        assert_eq!(m.pb[grid.index(0, 0, 0)], 0.0);
    }
}
