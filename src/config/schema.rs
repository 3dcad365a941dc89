//! The scenario file as written by users (TOML). Units are in the key names; every
//! table rejects unknown keys. Defaults are those of MODEL.md (docs/model.md lists
//! each with its source). [`super::Scenario`] checks values after parsing.

use serde::{Deserialize, Deserializer};
use std::path::PathBuf;

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Scenario name: names the default output folder and appears in `summary.json`.
    pub name: Option<String>,
    /// Free text for people.
    #[serde(default)]
    pub description: String,
    /// Seed for everything random in the scenario (vessel generation).
    #[serde(default = "d::seed")]
    pub seed: u64,
    /// Grid geometry.
    pub grid: GridSpec,
    /// O2 transport and consumption.
    #[serde(default)]
    pub oxygen: OxygenSpec,
    /// Tissue state.
    #[serde(default)]
    pub tissue: TissueSpec,
    /// Where the vessel sources come from.
    #[serde(default)]
    pub vessels: VesselsSpec,
    /// Regions of fixed pO2 (`[[fixed_regions]]`).
    #[serde(default)]
    pub fixed_regions: Vec<FixedRegionSpec>,
    /// Domain faces.
    #[serde(default)]
    pub boundary: BoundarySpec,
    /// Steady-state solver.
    #[serde(default)]
    pub solver: SolverSpec,
    /// What to write.
    #[serde(default)]
    pub output: OutputSpec,
}

/// `[grid]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridSpec {
    /// Voxels along z, y, x.
    pub shape_zyx: [usize; 3],
    /// Voxel edge (µm).
    pub spacing_um: f64,
}

/// `[oxygen]`: MODEL.md §1.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OxygenSpec {
    /// D (µm²/s).
    pub diffusivity_um2_per_s: f64,
    /// M (mmHg/s).
    pub max_consumption_mmhg_per_s: f64,
    /// Km (mmHg).
    pub km_mmhg: f64,
    /// Pw (µm/s).
    pub wall_permeability_um_per_s: f64,
}

impl Default for OxygenSpec {
    fn default() -> Self {
        let p = crate::physics::o2::O2Params::default();
        OxygenSpec {
            diffusivity_um2_per_s: p.diffusivity_um2_per_s,
            max_consumption_mmhg_per_s: p.max_consumption_mmhg_per_s,
            km_mmhg: p.km_mmhg,
            wall_permeability_um_per_s: p.wall_permeability_um_per_s,
        }
    }
}

/// `[tissue]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TissueSpec {
    /// Uniform viable fraction n (used where no map is given).
    pub viable_fraction: f64,
    /// Optional map of n: float32 `.npy`, shape [nz, ny, nx].
    pub viable_fraction_npy: Option<PathBuf>,
}

impl Default for TissueSpec {
    fn default() -> Self {
        TissueSpec {
            viable_fraction: 1.0,
            viable_fraction_npy: None,
        }
    }
}

/// `[vessels]`: at most one source table. None means no vessels.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VesselsSpec {
    /// `[vessels.synthetic]`: a seeded random network.
    pub synthetic: Option<SyntheticSpec>,
    /// `[vessels.npy]`: voxel maps.
    pub npy: Option<NpySourceSpec>,
}

/// `[vessels.synthetic]`: see [`crate::vessels::synthetic`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SyntheticSpec {
    /// Vessel length per tissue volume (mm/mm³).
    pub density_mm_per_mm3: f64,
    /// Radius range (µm), drawn uniformly per vessel.
    pub radius_um: [f64; 2],
    /// Blood pO2 range (mmHg), drawn uniformly per vessel.
    pub blood_po2_mmhg: [f64; 2],
    /// Segment length (µm).
    pub segment_length_um: f64,
    /// Direction change per segment (0 = straight; 0.3 = tortuous tumour vessels).
    pub tortuosity: f64,
    /// Longest vessel (µm); vessels also end where they leave the block.
    pub max_vessel_length_um: f64,
    /// Seed of this network; the scenario's `seed` when absent.
    pub seed: Option<u64>,
}

impl Default for SyntheticSpec {
    fn default() -> Self {
        SyntheticSpec {
            density_mm_per_mm3: 100.0,
            radius_um: [3.0, 8.0],
            blood_po2_mmhg: [30.0, 50.0],
            segment_length_um: 20.0,
            tortuosity: 0.3,
            max_vessel_length_um: 1500.0,
            seed: None,
        }
    }
}

/// `[vessels.npy]`: source maps given voxel by voxel.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NpySourceSpec {
    /// Sv map: float32 `.npy` (µm⁻¹), shape [nz, ny, nx].
    pub sv: PathBuf,
    /// Pb map: float32 `.npy` (mmHg), shape [nz, ny, nx].
    pub pb: PathBuf,
}

/// One `[[fixed_regions]]` entry: voxels whose centre lies in the shape are held at
/// `value_mmhg`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixedRegionSpec {
    /// `"sphere"`, `"outside_sphere"` (a spheroid in medium), `"box"` or `"mask"`.
    pub shape: String,
    /// The fixed pO2 (mmHg).
    pub value_mmhg: f64,
    /// Sphere centre (µm, x y z); the block's centre when absent.
    pub center_um: Option<[f64; 3]>,
    /// Sphere radius (µm).
    pub radius_um: Option<f64>,
    /// Box corner with the smallest coordinates (µm, x y z).
    pub min_um: Option<[f64; 3]>,
    /// Box corner with the largest coordinates (µm, x y z).
    pub max_um: Option<[f64; 3]>,
    /// Mask: float32 `.npy`, shape [nz, ny, nx]; non-zero voxels are fixed.
    pub mask_npy: Option<PathBuf>,
}

/// Condition on one domain face.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum FaceSpec {
    /// No flux across the face (the default).
    #[default]
    NoFlux,
    /// pO2 held at this value (mmHg) on the face.
    Fixed(f64),
}

impl<'de> Deserialize<'de> for FaceSpec {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = FaceSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("\"no_flux\" or a fixed pO2 in mmHg (a number, e.g. 40.0)")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<FaceSpec, E> {
                match s {
                    "no_flux" => Ok(FaceSpec::NoFlux),
                    _ => Err(E::custom(format!(
                        "unknown face condition \"{s}\": write \"no_flux\" or a fixed pO2 in mmHg (a number)"
                    ))),
                }
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<FaceSpec, E> {
                Ok(FaceSpec::Fixed(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<FaceSpec, E> {
                Ok(FaceSpec::Fixed(v as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<FaceSpec, E> {
                Ok(FaceSpec::Fixed(v as f64))
            }
        }
        de.deserialize_any(V)
    }
}

/// `[boundary]`: one entry per face, each `"no_flux"` (default) or a fixed pO2 (mmHg).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BoundarySpec {
    /// Face x = 0.
    pub x_min: FaceSpec,
    /// Face x = nx·h.
    pub x_max: FaceSpec,
    /// Face y = 0.
    pub y_min: FaceSpec,
    /// Face y = ny·h.
    pub y_max: FaceSpec,
    /// Face z = 0.
    pub z_min: FaceSpec,
    /// Face z = nz·h.
    pub z_max: FaceSpec,
}

impl BoundarySpec {
    /// Faces in the order of [`crate::problem::face`].
    pub fn faces(&self) -> [FaceSpec; 6] {
        [
            self.x_min, self.x_max, self.y_min, self.y_max, self.z_min, self.z_max,
        ]
    }
}

/// `[solver]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SolverSpec {
    /// `"multigrid"` (FAS V-cycles, default) or `"rbsor"` (red–black SOR).
    pub method: String,
    /// Relative residual to stop at.
    pub tolerance: f64,
    /// Most iterations (V-cycles, or SOR sweeps) before giving up.
    pub max_iterations: u32,
    /// SOR factor in (0, 2) for `"rbsor"`; chosen from the grid when absent.
    pub omega: Option<f64>,
    /// SOR sweeps between residual checks (multigrid checks after every V-cycle).
    pub check_every: u32,
}

impl Default for SolverSpec {
    fn default() -> Self {
        let o = crate::solver::SolveOptions::default();
        SolverSpec {
            method: o.method.name().into(),
            tolerance: o.tolerance,
            max_iterations: o.max_iterations,
            omega: o.omega,
            check_every: o.check_every,
        }
    }
}

/// `[output]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputSpec {
    /// Write `o2.npy` and `vessels_sv.npy` with JSON sidecars.
    pub npy: bool,
    /// Write PNG slices through the block's centre (xy, xz, yz).
    pub png: bool,
    /// Colour limits of the PNG slices (mmHg).
    pub png_limits_mmhg: [f64; 2],
    /// Pixels per voxel edge in PNG slices.
    pub png_pixels_per_voxel: u32,
    /// Colour map of the PNG slices.
    pub colormap: String,
}

impl Default for OutputSpec {
    fn default() -> Self {
        OutputSpec {
            npy: true,
            png: true,
            png_limits_mmhg: [0.0, 100.0],
            png_pixels_per_voxel: 4,
            colormap: "viridis".into(),
        }
    }
}

mod d {
    pub fn seed() -> u64 {
        1
    }
}
