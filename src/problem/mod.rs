//! The discrete O2 problem handed to a backend: grid, parameters, face conditions and
//! the per-voxel coefficient fields. Both backends solve exactly this problem.

pub mod hierarchy;
pub mod medium;

use crate::grid::Grid;
use crate::physics::o2::{O2Params, FREE};

/// Index of each domain face in [`O2Problem::faces`].
pub mod face {
    /// Face at x = 0.
    pub const X_MIN: usize = 0;
    /// Face at x = nx·h.
    pub const X_MAX: usize = 1;
    /// Face at y = 0.
    pub const Y_MIN: usize = 2;
    /// Face at y = ny·h.
    pub const Y_MAX: usize = 3;
    /// Face at z = 0.
    pub const Z_MIN: usize = 4;
    /// Face at z = nz·h.
    pub const Z_MAX: usize = 5;
    /// Names as written in scenario files, in index order.
    pub(crate) const NAMES: [&str; 6] = ["x_min", "x_max", "y_min", "y_max", "z_min", "z_max"];
}

/// A steady-state O2 problem on a voxel grid.
#[derive(Debug, Clone)]
pub struct O2Problem {
    /// Grid geometry.
    pub grid: Grid,
    /// Tissue parameters.
    pub params: O2Params,
    /// Per face (see [`face`]): fixed pO2 in mmHg, or a negative value for no-flux.
    pub faces: [f32; 6],
    /// O2 exchange area per voxel volume Sv (µm⁻¹): the wall area, weighted by each
    /// vessel ring's conductance over `params.wall_permeability_um_per_s` where the
    /// scenario's `[vessels.wall]` model makes them differ (`wall_sv` then holds the
    /// wall area itself). Γ = Pw·Sv.
    pub sv: Vec<f32>,
    /// Vessel wall area per voxel volume (µm⁻¹) where it differs from `sv`: what drugs
    /// and ROS cross, and what `vessels_sv.npy` shows. None: `sv` is the wall area.
    pub wall_sv: Option<Vec<f32>>,
    /// Blood pO2 at the wall Pb (mmHg); unused where Sv = 0.
    pub pb: Vec<f32>,
    /// Viable-cell fraction n ∈ [0, 1].
    pub viable: Vec<f32>,
    /// Fixed pO2 (mmHg) where ≥ 0; [`FREE`] elsewhere.
    pub fixed: Vec<f32>,
    /// Width of the last cell along x, y, z as a fraction of the spacing: 1 on the
    /// user's grid; below 1 on multigrid coarse levels of axes that did not halve
    /// evenly, whose last coarse cell covers fewer fine cells (see
    /// [`crate::problem::hierarchy`]). The stencil weights that cell's couplings by its
    /// true geometry, so every coarse level describes the same physical block.
    pub edge_width: [f32; 3],
}

impl O2Problem {
    /// "the coefficient … is not finite at voxel [z, y, x]" for the first coefficient that
    /// is not, for a numerical failure's message.
    pub(crate) fn non_finite_coefficient(&self) -> Option<String> {
        self.first_non_finite().map(|(name, i)| {
            let (x, y, z) = self.grid.ijk(i);
            format!("the coefficient {name} is not finite at voxel [{z}, {y}, {x}]")
        })
    }

    /// The first coefficient that is not finite: (its name, the voxel index).
    pub(crate) fn first_non_finite(&self) -> Option<(&'static str, usize)> {
        [
            ("Sv (vessel wall area per volume)", &self.sv),
            ("Pb (blood pO2)", &self.pb),
            ("n (viable fraction)", &self.viable),
            ("the fixed pO2", &self.fixed),
        ]
        .into_iter()
        .find_map(|(name, v)| v.iter().position(|x| !x.is_finite()).map(|i| (name, i)))
    }

    /// A problem with no vessels, full viability, no fixed voxels and no-flux faces.
    pub fn uniform(grid: Grid, params: O2Params) -> Self {
        let n = grid.len();
        O2Problem {
            grid,
            params,
            faces: [FREE; 6],
            sv: vec![0.0; n],
            wall_sv: None,
            pb: vec![0.0; n],
            viable: vec![1.0; n],
            fixed: vec![FREE; n],
            edge_width: [1.0; 3],
        }
    }

    /// Vessel wall area per voxel volume (µm⁻¹): [`Self::wall_sv`] where given, else
    /// `sv`.
    pub fn wall_area_sv(&self) -> &[f32] {
        self.wall_sv.as_deref().unwrap_or(&self.sv)
    }

    /// Volume of cell `(i, j, k)` relative to a full cell: the product over axes of its
    /// relative width (1, or [`Self::edge_width`] for the last cell of an axis). The
    /// child weight of multigrid restriction; mirrored in `shaders/mg_restrict.wgsl`.
    #[inline]
    pub fn cell_volume(&self, (i, j, k): (usize, usize, usize)) -> f32 {
        let g = &self.grid;
        let e = &self.edge_width;
        let w = |idx: usize, n: usize, phi: f32| if idx + 1 == n { phi } else { 1.0 };
        w(i, g.nx, e[0]) * w(j, g.ny, e[1]) * w(k, g.nz, e[2])
    }

    /// True where voxel `idx` has a fixed value.
    #[inline]
    pub fn is_fixed(&self, idx: usize) -> bool {
        self.fixed[idx] >= 0.0
    }

    /// True for tissue voxels: viable cells present and not fixed. Statistics and
    /// hypoxic fractions are taken over these.
    #[inline]
    pub fn is_tissue(&self, idx: usize) -> bool {
        self.viable[idx] > 0.0 && !self.is_fixed(idx)
    }

    /// Writes the fixed values into `po2` (the solver never changes them).
    pub fn apply_fixed(&self, po2: &mut [f32]) {
        for (p, &f) in po2.iter_mut().zip(&self.fixed) {
            if f >= 0.0 {
                *p = f;
            }
        }
    }

    /// A starting field: the fixed values, and elsewhere the mean of the blood and face
    /// pO2 that feed the tissue (a cheap guess that is never negative).
    pub fn initial_guess(&self) -> Vec<f32> {
        let mut sum = 0.0f64;
        let mut count = 0usize;
        for (&s, &b) in self.sv.iter().zip(&self.pb) {
            if s > 0.0 {
                sum += b as f64;
                count += 1;
            }
        }
        for &f in self.faces.iter().chain(self.fixed.iter()) {
            if f >= 0.0 {
                sum += f as f64;
                count += 1;
            }
        }
        let guess = if count > 0 {
            (sum / count as f64) as f32
        } else {
            0.0
        };
        let mut po2 = vec![guess; self.grid.len()];
        self.apply_fixed(&mut po2);
        po2
    }

    /// Checks internal consistency (lengths, signs, finiteness), naming `origin` in the
    /// error. Scenario loading checks users' values earlier with better messages; this
    /// guards programmatic use.
    pub(crate) fn validate(&self, origin: &str) -> crate::Result<()> {
        let n = self.grid.len();
        let fields: [(&str, &Vec<f32>); 4] = [
            ("sv", &self.sv),
            ("pb", &self.pb),
            ("viable", &self.viable),
            ("fixed", &self.fixed),
        ];
        for (name, f) in fields {
            if f.len() != n {
                return Err(crate::Error::input(
                    origin,
                    format!("field `{name}` has {} values, the grid {n}", f.len()),
                ));
            }
            if let Some(i) = f.iter().position(|v| !v.is_finite()) {
                let (x, y, z) = self.grid.ijk(i);
                return Err(crate::Error::input(
                    origin,
                    format!("field `{name}` is not finite at voxel (z={z}, y={y}, x={x})"),
                ));
            }
        }
        let checks: [(&str, &Vec<f32>, f32, f32); 3] = [
            ("sv", &self.sv, 0.0, f32::INFINITY),
            ("pb", &self.pb, 0.0, f32::INFINITY),
            ("viable", &self.viable, 0.0, 1.0),
        ];
        for (name, f, lo, hi) in checks {
            if let Some(i) = f.iter().position(|&v| v < lo || v > hi) {
                let (x, y, z) = self.grid.ijk(i);
                return Err(crate::Error::input(
                    origin,
                    format!(
                        "field `{name}` = {} at voxel (z={z}, y={y}, x={x}) is outside [{lo}, {hi}]",
                        f[i]
                    ),
                ));
            }
        }
        Ok(())
    }
}
