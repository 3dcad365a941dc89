//! The non-consuming medium around the user's block (`[boundary] medium_um`, issue
//! 22.3; docs/model.md, "Infinite medium"): the solver's grid is the block grown by
//! `m = ⌈medium_um / h⌉` voxels on each no-flux face. The added voxels hold no cells
//! (n = 0: no consumption), no vessel wall and no fixed value, diffuse O2 with the
//! tissue's D, and the solver grid's outer faces are no-flux. A face with a fixed pO2
//! is not grown: its value stays at the block's face (the medium beside it meets that
//! face's plane at the same value).
//!
//! The padding is made in one place, [`Medium::pad_problem`] (called by
//! `crate::assemble::assemble` once the block's problem is complete), and undone in
//! one place, [`Medium::crop`] and [`Medium::crop_problem`] (called by `crate::run`
//! before any statistic or output): fields, figures and statistics are the block's.

use crate::grid::Grid;
use crate::physics::o2::FREE;
use crate::problem::{face, O2Problem};

/// The medium added around a block, and the map between the block's voxels and the
/// solver grid's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Medium {
    /// The thickness asked for (µm, `boundary.medium_um`).
    pub medium_um: f64,
    /// The user's block.
    pub block: Grid,
    /// The solver's grid: the block and the medium.
    pub solver: Grid,
    /// Voxels added beyond each face, in the order of [`face`]: `m` on no-flux faces,
    /// 0 on fixed ones.
    pub margin: [usize; 6],
}

/// O2 crossing the block's grown faces at a steady state (mmHg·µm³/s, as the mass
/// balance): at a converged steady state the medium neither takes nor gives, so the
/// two are equal to the solve's tolerance; their size says how much O2 the medium
/// carries from one part of the block's surface to another.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MediumExchange {
    /// From the block into the medium, summed over the face pairs where it flows out.
    pub out_of_block: f64,
    /// From the medium into the block, summed over the face pairs where it flows in.
    pub into_block: f64,
}

impl Medium {
    /// The medium of `medium_um` µm around `block`, grown on the faces marked in
    /// `no_flux` (order of [`face`]); None when it adds nothing (`medium_um` ≤ 0 or
    /// every face fixed).
    pub fn new(block: Grid, medium_um: f64, no_flux: [bool; 6]) -> Option<Medium> {
        if medium_um.is_nan() || medium_um <= 0.0 || !no_flux.contains(&true) {
            return None;
        }
        // Whole voxels, rounded up; a quotient a rounding error above a whole number
        // is that number.
        let m = ((medium_um / block.spacing_um) * (1.0 - 1e-12))
            .ceil()
            .max(1.0) as usize;
        let margin = no_flux.map(|free| if free { m } else { 0 });
        let solver = Grid {
            nx: block.nx + margin[face::X_MIN] + margin[face::X_MAX],
            ny: block.ny + margin[face::Y_MIN] + margin[face::Y_MAX],
            nz: block.nz + margin[face::Z_MIN] + margin[face::Z_MAX],
            spacing_um: block.spacing_um,
        };
        Some(Medium {
            medium_um,
            block,
            solver,
            margin,
        })
    }

    /// Voxels added on each grown face.
    pub fn voxels(&self) -> usize {
        self.margin.iter().copied().max().unwrap_or(0)
    }

    /// The thickness added (µm): [`Self::voxels`] × h, `medium_um` rounded up to voxels.
    pub fn thickness_um(&self) -> f64 {
        self.voxels() as f64 * self.block.spacing_um
    }

    /// Names of the grown faces, as in scenario files.
    pub fn faces(&self) -> Vec<&'static str> {
        (0..6)
            .filter(|&f| self.margin[f] > 0)
            .map(|f| face::NAMES[f])
            .collect()
    }

    /// The run log's line: what was added and the solver's grid.
    pub fn describe(&self) -> String {
        let s = &self.solver;
        let faces = self.faces();
        format!(
            "boundary.medium_um = {}: {} voxels ({} µm) of non-consuming medium on {} \
             face{} ({}); solver grid {}×{}×{} (zyx), outputs and statistics on the block's \
             {}×{}×{}",
            self.medium_um,
            self.voxels(),
            self.thickness_um(),
            faces.len(),
            if faces.len() == 1 { "" } else { "s" },
            faces.join(", "),
            s.nz,
            s.ny,
            s.nx,
            self.block.nz,
            self.block.ny,
            self.block.nx
        )
    }

    /// The solver grid's index of the block's voxel `idx`.
    #[inline]
    pub fn solver_index(&self, idx: usize) -> usize {
        let (i, j, k) = self.block.ijk(idx);
        let m = &self.margin;
        self.solver
            .index(i + m[face::X_MIN], j + m[face::Y_MIN], k + m[face::Z_MIN])
    }

    /// The block's index of the solver grid's voxel `idx`; None in the medium.
    #[inline]
    pub fn block_index(&self, idx: usize) -> Option<usize> {
        let (i, j, k) = self.solver.ijk(idx);
        let m = &self.margin;
        let (i, j, k) = (
            i.checked_sub(m[face::X_MIN])?,
            j.checked_sub(m[face::Y_MIN])?,
            k.checked_sub(m[face::Z_MIN])?,
        );
        let b = &self.block;
        (i < b.nx && j < b.ny && k < b.nz).then(|| b.index(i, j, k))
    }

    /// `field` on the block placed in the solver grid, `fill` in the medium.
    pub fn embed<T: Copy>(&self, field: &[T], fill: T) -> Vec<T> {
        assert_eq!(field.len(), self.block.len(), "a field on the block");
        let mut out = vec![fill; self.solver.len()];
        let nx = self.block.nx;
        for (row, src) in field.chunks_exact(nx).enumerate() {
            let start = self.solver_index(row * nx);
            out[start..start + nx].copy_from_slice(src);
        }
        out
    }

    /// The block's part of `field` on the solver grid.
    pub fn crop<T: Copy>(&self, field: &[T]) -> Vec<T> {
        assert_eq!(field.len(), self.solver.len(), "a field on the solver grid");
        let nx = self.block.nx;
        let mut out = Vec::with_capacity(self.block.len());
        for row in 0..self.block.ny * self.block.nz {
            let start = self.solver_index(row * nx);
            out.extend_from_slice(&field[start..start + nx]);
        }
        out
    }

    /// The solver's problem of the block's `p`: every field embedded in the medium
    /// (Sv = Pb = 0, n = 0, free), grown faces no-flux. `p` must be on the block.
    pub fn pad_problem(&self, p: O2Problem) -> O2Problem {
        // Every field is named, so that a field added to the problem fails to compile
        // here until it is padded too.
        let O2Problem {
            grid,
            params,
            faces,
            sv,
            wall_sv,
            pb,
            viable,
            fixed,
            edge_width,
        } = p;
        assert_eq!(grid, self.block, "the problem of the block");
        O2Problem {
            grid: self.solver,
            params,
            faces: std::array::from_fn(|f| if self.margin[f] > 0 { FREE } else { faces[f] }),
            sv: self.embed(&sv, 0.0),
            wall_sv: wall_sv.map(|w| self.embed(&w, 0.0)),
            pb: self.embed(&pb, 0.0),
            viable: self.embed(&viable, 0.0),
            fixed: self.embed(&fixed, FREE),
            edge_width,
        }
    }

    /// The block's part of the solver's problem `p`, for statistics and outputs. Its
    /// grown faces read no-flux: its own mass balance leaves out the exchange with the
    /// medium (take the balance of `p`, or add [`Self::exchange`]).
    pub fn crop_problem(&self, p: &O2Problem) -> O2Problem {
        let O2Problem {
            grid,
            params,
            faces,
            sv,
            wall_sv,
            pb,
            viable,
            fixed,
            edge_width,
        } = p;
        assert_eq!(*grid, self.solver, "the problem of the solver grid");
        O2Problem {
            grid: self.block,
            params: *params,
            faces: *faces,
            sv: self.crop(sv),
            wall_sv: wall_sv.as_deref().map(|w| self.crop(w)),
            pb: self.crop(pb),
            viable: self.crop(viable),
            fixed: self.crop(fixed),
            edge_width: *edge_width,
        }
    }

    /// O2 crossing the grown faces of the block in `po2` on the solver's problem `p`
    /// (the 7-point stencil's flux D·h·ΔP between each face voxel and its neighbour in
    /// the medium).
    pub fn exchange(&self, p: &O2Problem, po2: &[f32]) -> MediumExchange {
        let (b, s, m) = (&self.block, &self.solver, &self.margin);
        let dh = p.params.diffusivity_um2_per_s * s.spacing_um;
        let (mut out, mut into) = (0.0f64, 0.0f64);
        let mut add = |inner: usize, outer: usize| {
            let q = dh * (f64::from(po2[inner]) - f64::from(po2[outer]));
            if q >= 0.0 {
                out += q;
            } else {
                into -= q;
            }
        };
        let (x0, y0, z0) = (m[face::X_MIN], m[face::Y_MIN], m[face::Z_MIN]);
        for k in 0..b.nz {
            for j in 0..b.ny {
                for i in 0..b.nx {
                    let (si, sj, sk) = (i + x0, j + y0, k + z0);
                    let at = s.index(si, sj, sk);
                    // Each grown face the voxel lies on, and its neighbour across it.
                    let across = [
                        (i == 0 && m[face::X_MIN] > 0, (si.wrapping_sub(1), sj, sk)),
                        (i + 1 == b.nx && m[face::X_MAX] > 0, (si + 1, sj, sk)),
                        (j == 0 && m[face::Y_MIN] > 0, (si, sj.wrapping_sub(1), sk)),
                        (j + 1 == b.ny && m[face::Y_MAX] > 0, (si, sj + 1, sk)),
                        (k == 0 && m[face::Z_MIN] > 0, (si, sj, sk.wrapping_sub(1))),
                        (k + 1 == b.nz && m[face::Z_MAX] > 0, (si, sj, sk + 1)),
                    ];
                    for (on, (ni, nj, nk)) in across {
                        if on {
                            add(at, s.index(ni, nj, nk));
                        }
                    }
                }
            }
        }
        MediumExchange {
            out_of_block: out,
            into_block: into,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::physics::o2::O2Params;

    fn medium() -> Medium {
        // 5 × 4 × 3 voxels of 10 µm; 25 µm → 3 voxels, x_max fixed.
        let block = Grid::from_shape_zyx([3, 4, 5], 10.0);
        Medium::new(block, 25.0, [true, false, true, true, true, true]).unwrap()
    }

    #[test]
    fn margins_round_up_and_skip_fixed_faces() {
        let m = medium();
        assert_eq!(m.margin, [3, 0, 3, 3, 3, 3]);
        assert_eq!(m.solver.shape_zyx(), [9, 10, 8]);
        assert_eq!((m.voxels(), m.thickness_um()), (3, 30.0));
        assert_eq!(m.faces(), ["x_min", "y_min", "y_max", "z_min", "z_max"]);
        let block = Grid::from_shape_zyx([3, 4, 5], 10.0);
        assert!(Medium::new(block, 0.0, [true; 6]).is_none());
        assert!(Medium::new(block, 50.0, [false; 6]).is_none());
        assert!(Medium::new(block, f64::NAN, [true; 6]).is_none());
        assert!(
            m.describe().contains("solver grid 9×10×8"),
            "{}",
            m.describe()
        );
        let fine = Grid::from_shape_zyx([3, 4, 5], 0.1);
        assert_eq!(Medium::new(fine, 0.3, [true; 6]).unwrap().voxels(), 3);
        assert_eq!(Medium::new(fine, 0.7, [true; 6]).unwrap().voxels(), 7);
        assert_eq!(Medium::new(fine, 30.0, [true; 6]).unwrap().voxels(), 300);
        assert_eq!(Medium::new(block, 1e-6, [true; 6]).unwrap().voxels(), 1);
    }

    #[test]
    fn embed_and_crop_round_trip_through_the_index_maps() {
        let m = medium();
        let field: Vec<u32> = (0..m.block.len() as u32).collect();
        let padded = m.embed(&field, u32::MAX);
        assert_eq!(padded.len(), m.solver.len());
        assert_eq!(
            padded.iter().filter(|&&v| v != u32::MAX).count(),
            m.block.len()
        );
        for (idx, &v) in field.iter().enumerate() {
            let s = m.solver_index(idx);
            assert_eq!(padded[s], v);
            assert_eq!(m.block_index(s), Some(idx));
            let (i, j, k) = m.block.ijk(idx);
            assert_eq!(m.solver.ijk(s), (i + 3, j + 3, k + 3));
        }
        for (s, &v) in padded.iter().enumerate() {
            assert_eq!(m.block_index(s).is_none(), v == u32::MAX);
        }
        assert_eq!(m.crop(&padded), field);
    }

    #[test]
    fn the_padded_problem_is_the_block_in_an_empty_medium() {
        let m = medium();
        let mut p = O2Problem::uniform(m.block, O2Params::default());
        p.faces[face::X_MAX] = 40.0;
        p.faces[face::Z_MIN] = FREE;
        p.sv[7] = 0.02;
        p.pb[7] = 45.0;
        p.fixed[11] = 30.0;
        let padded = m.pad_problem(p.clone());
        assert_eq!(padded.grid, m.solver);
        assert_eq!(padded.faces, [FREE, 40.0, FREE, FREE, FREE, FREE]);
        let tissue = (0..padded.grid.len())
            .filter(|&i| padded.is_tissue(i))
            .count();
        assert_eq!(tissue, m.block.len() - 1);
        assert_eq!(padded.sv.iter().sum::<f32>(), 0.02);
        assert_eq!(padded.sv[m.solver_index(7)], 0.02);
        assert!(padded.is_fixed(m.solver_index(11)));
        let back = m.crop_problem(&padded);
        assert_eq!(
            (back.sv, back.pb, back.viable, back.fixed),
            (p.sv, p.pb, p.viable, p.fixed)
        );
    }

    #[test]
    fn exchange_counts_each_grown_face_pair_once() {
        let m = medium();
        let p = m.pad_problem(O2Problem::uniform(m.block, O2Params::default()));
        // 1 mmHg in the block, 0 in the medium: every grown face pair carries D·h out.
        let po2 = m.embed(&vec![1.0f32; m.block.len()], 0.0);
        let e = m.exchange(&p, &po2);
        let (b, dh) = (m.block, p.params.diffusivity_um2_per_s * 10.0);
        // x_min: ny·nz pairs; y faces: 2·nx·nz; z faces: 2·nx·ny (x_max is fixed).
        let pairs = b.ny * b.nz + 2 * b.nx * b.nz + 2 * b.nx * b.ny;
        assert_eq!(e.into_block, 0.0);
        assert!((e.out_of_block - pairs as f64 * dh).abs() < 1e-9 * e.out_of_block);
    }
}
