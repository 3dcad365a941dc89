//! The scenario file as written by users (TOML). Units are in the key names; every
//! table rejects unknown keys. Defaults are those of MODEL.md (docs/model.md lists
//! each with its source). [`super::Scenario`] checks values after parsing.

pub(crate) use super::model_schema::{HifSpec, RadiotherapySpec, RosSpec};
use serde::{Deserialize, Deserializer};
use std::path::PathBuf;

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Scenario name: names the default output folder and appears in `summary.json`.
    pub(crate) name: Option<String>,
    /// Free text for people.
    #[serde(default)]
    pub(crate) description: String,
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
    pub(crate) boundary: BoundarySpec,
    /// ROS and antioxidant fields.
    #[serde(default)]
    pub ros: RosSpec,
    /// Radiation response (used by protocols).
    #[serde(default)]
    pub(crate) radiotherapy: RadiotherapySpec,
    /// HIF-1α activity and its effects (used by protocols).
    #[serde(default)]
    pub hif: HifSpec,
    /// The therapy protocol to run: a file name (relative to the scenario file), or the
    /// protocol itself as a `[protocol]` table.
    pub protocol: Option<ProtocolRef>,
    /// Steady-state solver.
    #[serde(default)]
    pub solver: SolverSpec,
    /// Figures made during the run, beyond the `[output]` slices.
    #[serde(default)]
    pub(crate) figures: FiguresSpec,
    /// What to write.
    #[serde(default)]
    pub(crate) output: OutputSpec,
}

/// `[grid]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridSpec {
    /// Voxels along z, y, x.
    pub shape_zyx: [usize; 3],
    /// Voxel edge (µm).
    pub(crate) spacing_um: f64,
}

/// `[oxygen]`: MODEL.md §1.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OxygenSpec {
    /// D (µm²/s).
    pub(crate) diffusivity_um2_per_s: f64,
    /// M (mmHg/s).
    pub max_consumption_mmhg_per_s: f64,
    /// Km (mmHg).
    pub km_mmhg: f64,
    /// Pw (µm/s).
    pub(crate) wall_permeability_um_per_s: f64,
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
    pub(crate) viable_fraction: f64,
    /// Optional map of n: float32 `.npy`, shape [nz, ny, nx].
    pub viable_fraction_npy: Option<PathBuf>,
    /// Doubling time of viable cells with room and oxygen (h).
    pub(crate) doubling_time_h: f64,
    /// pO2 of half-maximal proliferation (mmHg).
    pub(crate) growth_k_mmhg: f64,
    /// pO2 below which cells die of anoxia (mmHg).
    pub(crate) necrosis_po2_mmhg: f64,
    /// Rate of anoxic death (1/h).
    pub(crate) necrosis_rate_per_h: f64,
    /// Half-life of dead-cell clearance (h).
    pub(crate) clearance_half_life_h: f64,
    /// Mean delay from a lethal radiation hit to mitotic death (h).
    pub(crate) mitotic_delay_h: f64,
}

impl Default for TissueSpec {
    fn default() -> Self {
        let k = crate::physics::tissue::TissueParams::default();
        TissueSpec {
            viable_fraction: 1.0,
            viable_fraction_npy: None,
            doubling_time_h: k.doubling_time_h,
            growth_k_mmhg: k.growth_k_mmhg,
            necrosis_po2_mmhg: k.necrosis_po2_mmhg,
            necrosis_rate_per_h: k.necrosis_rate_per_h,
            clearance_half_life_h: k.clearance_half_life_h,
            mitotic_delay_h: k.mitotic_delay_h,
        }
    }
}

impl TissueSpec {
    /// The slow kinetics of protocols.
    pub(crate) fn kinetics(&self) -> crate::physics::tissue::TissueParams {
        crate::physics::tissue::TissueParams {
            doubling_time_h: self.doubling_time_h,
            growth_k_mmhg: self.growth_k_mmhg,
            necrosis_po2_mmhg: self.necrosis_po2_mmhg,
            necrosis_rate_per_h: self.necrosis_rate_per_h,
            clearance_half_life_h: self.clearance_half_life_h,
            mitotic_delay_h: self.mitotic_delay_h,
        }
    }
}

/// `[vessels]`: at most one source table. None means no vessels.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VesselsSpec {
    /// `[vessels.synthetic]`: a seeded generated network.
    pub synthetic: Option<SyntheticSpec>,
    /// `[vessels.network]`: a network file (Secomb `.dat`, VTK `.vtp`, CSV tables).
    pub network: Option<NetworkFileSpec>,
    /// `[vessels.npy]`: voxel maps.
    pub npy: Option<NpySourceSpec>,
    /// `[vessels.mask]`: a 0/1 vessel mask.
    pub mask: Option<MaskSourceSpec>,
    /// `[vessels.transport]`: blood O2 along the network.
    #[serde(default)]
    pub(crate) transport: TransportSpec,
    /// `[vessels.wall]`: the O2 path from blood to tissue at each vessel.
    #[serde(default)]
    pub(crate) wall: WallSpec,
}

/// `[vessels.wall]`: what resists O2 between the blood and the voxel-mean tissue pO2
/// at each ring of a network's wall (docs/model.md, "Vessel walls";
/// [`crate::physics::wall`]). Networks only: voxel maps carry no radii.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct WallSpec {
    /// `"permeability"`: one permeability for every wall, `[oxygen]
    /// wall_permeability_um_per_s` (the default); `"table"`: intravascular resistance
    /// K(d) by diameter, from `table` or the built-in table.
    pub(crate) resistance: super::kinds::WallResistance,
    /// A GreensV4 `IntravascRes.dat` (its oxygen block) for `"table"`; absent: the
    /// built-in table of GreensV4's tumour samples.
    pub(crate) table: Option<PathBuf>,
    /// With `"table"`: the wall's own permeability in series with K(d) (µm/s); absent:
    /// K(d) alone, as GreensV4.
    pub(crate) permeability_um_per_s: Option<f64>,
    /// The subvoxel wall model: each ring's wall is spread over the voxels around it
    /// by trilinear weights and exchanges at the conductance with which the grid
    /// reproduces the pO2 drop from its wall outwards. Default on for networks (None);
    /// false gives the surface model used before `[vessels.wall]` existed (each patch of wall in the
    /// voxel holding it, exchanging with that voxel's mean pO2).
    pub(crate) subvoxel: Option<bool>,
}

impl Default for WallSpec {
    fn default() -> Self {
        WallSpec {
            resistance: super::kinds::WallResistance::Permeability,
            table: None,
            permeability_um_per_s: None,
            subvoxel: None,
        }
    }
}

/// `[vessels.synthetic]`: see [`crate::vessels::synthetic`] and `crate::vessels::tree`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SyntheticSpec {
    /// `"random"`: space-filling persistent random walks (the default), or `"tree"`:
    /// branching trees with Murray's-law radii grown in from the block faces.
    pub kind: super::kinds::SyntheticKind,
    /// Vessel length per tissue volume (mm/mm³).
    pub density_mm_per_mm3: f64,
    /// Radius range (µm), drawn uniformly per vessel (per terminal branch for trees;
    /// parents then follow Murray's law r³ = r₁³ + r₂³).
    pub(crate) radius_um: [f64; 2],
    /// Blood pO2 range (mmHg), drawn uniformly per vessel; trees take the upper value
    /// as the inflow pO2.
    pub(crate) blood_po2_mmhg: [f64; 2],
    /// Segment length (µm).
    pub(crate) segment_length_um: f64,
    /// Direction change per segment (0 = straight; 0.3 = tortuous tumour vessels).
    pub tortuosity: f64,
    /// Longest vessel (µm); vessels also end where they leave the block.
    pub(crate) max_vessel_length_um: f64,
    /// Radius of an avascular core centred in the block (µm); 0 = none.
    pub(crate) core_radius_um: f64,
    /// Viable fraction n inside the core: 1 = viable but avascular, 0 = necrotic.
    pub(crate) core_viable_fraction: f64,
    /// Trees: number of trees, their roots spread over the block faces.
    pub(crate) trees: usize,
    /// Trees: blood pressure at the roots (mmHg).
    pub(crate) inlet_pressure_mmhg: f64,
    /// Trees: blood pressure at the terminal ends (mmHg).
    pub(crate) outlet_pressure_mmhg: f64,
    /// Seed of this network; the scenario's `seed` when absent.
    pub seed: Option<u64>,
}

impl Default for SyntheticSpec {
    fn default() -> Self {
        SyntheticSpec {
            kind: super::kinds::SyntheticKind::Random,
            density_mm_per_mm3: 100.0,
            radius_um: [3.0, 8.0],
            blood_po2_mmhg: [30.0, 50.0],
            segment_length_um: 20.0,
            tortuosity: 0.3,
            max_vessel_length_um: 1500.0,
            core_radius_um: 0.0,
            core_viable_fraction: 1.0,
            trees: 4,
            inlet_pressure_mmhg: 16.0,
            outlet_pressure_mmhg: 15.0,
            seed: None,
        }
    }
}

/// `[vessels.network]`: a network read from a file and placed into the grid: node
/// positions become `position · scale + offset_um` (after centring, with `center`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkFileSpec {
    /// The network file: `.dat` (Secomb), `.vtp` (VTK PolyData), or a CSV nodes table.
    pub file: PathBuf,
    /// `"secomb"` (or `"dat"`), `"vtp"` (or `"vtk"`) or `"csv"`; None for `"auto"` (the
    /// default: by extension).
    #[serde(
        default,
        deserialize_with = "super::kinds::NetworkFormat::deserialize_or_auto"
    )]
    pub(crate) format: Option<super::kinds::NetworkFormat>,
    /// CSV: the segments table; `<stem>_segments.csv` beside a `<stem>_nodes.csv` when
    /// absent.
    pub segments_csv: Option<PathBuf>,
    /// VTK: name of the radius array; "Node Radius" or "radius" when absent.
    pub(crate) radius_array: Option<String>,
    /// VTK: the array holds diameters, not radii.
    #[serde(default)]
    pub(crate) radius_array_is_diameter: bool,
    /// Scale applied to coordinates and radii (e.g. 1000 for a file in mm).
    #[serde(default = "d::one")]
    pub(crate) scale: f64,
    /// Translation after scaling (µm, x y z).
    #[serde(default)]
    pub(crate) offset_um: [f64; 3],
    /// Centre the network's bounding box in the block before the offset is added.
    #[serde(default)]
    pub(crate) center: bool,
    /// Blood pO2 of segments whose file gives none (mmHg).
    #[serde(default = "d::blood_po2")]
    pub(crate) blood_po2_mmhg: f64,
    /// Multiplies the file's flows (Secomb's `q0fac`).
    #[serde(default = "d::one")]
    pub(crate) flow_scale: f64,
    /// A GreensV4 `SoluteParams.dat` (relative to the scenario file): its oxygen and
    /// blood values fill the keys the scenario leaves out (`super::greens`).
    pub solute_params: Option<PathBuf>,
}

/// `[vessels.mask]`: voxels with non-zero mask values are vessel lumen; each lumen face
/// shared with a tissue voxel adds h² of wall to that tissue voxel.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaskSourceSpec {
    /// The mask: float32 `.npy`, shape [nz, ny, nx].
    pub file: PathBuf,
    /// Blood pO2 at every wall (mmHg).
    #[serde(default = "d::blood_po2")]
    pub(crate) blood_po2_mmhg: f64,
}

/// `[vessels.transport]`: blood O2 transport along the network (MODEL.md §1,
/// "Intravascular oxygen"), coupled with the tissue solve.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct TransportSpec {
    /// `"auto"` (on when the network carries flows or boundary pressures), `"on"` or
    /// `"off"` (fixed Pb per segment).
    pub(crate) mode: String,
    /// Hill exponent n.
    pub(crate) hill_n: f64,
    /// P50 (mmHg): 26 human, 38 rat.
    pub(crate) p50_mmhg: f64,
    /// O2 binding capacity of red cells c0 (cm³ O2 / cm³ red cells).
    pub(crate) c0: f64,
    /// Plasma O2 solubility αb (cm³ O2 / cm³ / mmHg).
    pub(crate) alpha_blood: f64,
    /// Tissue O2 solubility αt (cm³ O2 / cm³ / mmHg).
    pub(crate) alpha_tissue: f64,
    /// Discharge haematocrit where the network gives none.
    pub(crate) hematocrit: f64,
    /// Blood viscosity for the pressure solve (cP); constant apparent viscosity.
    pub(crate) viscosity_cp: f64,
    /// Stop when no vessel pO2 changes by more than this (mmHg) between couplings.
    pub(crate) tolerance_mmhg: f64,
    /// Most tissue–vessel coupling iterations.
    pub(crate) max_iterations: u32,
    /// Under-relaxation of vessel pO2 between couplings, in (0, 1].
    pub(crate) relaxation: f64,
}

impl Default for TransportSpec {
    fn default() -> Self {
        TransportSpec {
            mode: "auto".into(),
            hill_n: 2.7,
            p50_mmhg: 26.0,
            c0: 0.5,
            alpha_blood: 3.1e-5,
            alpha_tissue: 3.0e-5,
            hematocrit: 0.4,
            viscosity_cp: 3.0,
            tolerance_mmhg: 0.01,
            max_iterations: 50,
            relaxation: 0.7,
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
    pub(crate) shape: String,
    /// The fixed pO2 (mmHg).
    pub(crate) value_mmhg: f64,
    /// Sphere centre (µm, x y z); the block's centre when absent.
    pub(crate) center_um: Option<[f64; 3]>,
    /// Sphere radius (µm).
    pub(crate) radius_um: Option<f64>,
    /// Box corner with the smallest coordinates (µm, x y z).
    pub(crate) min_um: Option<[f64; 3]>,
    /// Box corner with the largest coordinates (µm, x y z).
    pub(crate) max_um: Option<[f64; 3]>,
    /// Mask: float32 `.npy`, shape [nz, ny, nx]; non-zero voxels are fixed.
    pub mask_npy: Option<PathBuf>,
}

/// Condition on one domain face.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) enum FaceSpec {
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

/// `[boundary]`: one entry per face, each `"no_flux"` (default) or a fixed pO2 (mmHg),
/// and the non-consuming medium around the no-flux faces.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct BoundarySpec {
    /// Face x = 0.
    pub(crate) x_min: FaceSpec,
    /// Face x = nx·h.
    pub(crate) x_max: FaceSpec,
    /// Face y = 0.
    pub(crate) y_min: FaceSpec,
    /// Face y = ny·h.
    pub(crate) y_max: FaceSpec,
    /// Face z = 0.
    pub(crate) z_min: FaceSpec,
    /// Face z = nz·h.
    pub(crate) z_max: FaceSpec,
    /// Thickness (µm) of vessel-free, non-consuming medium the solver adds beyond each
    /// no-flux face (rounded up to whole voxels; its outer faces are no-flux), cropped
    /// from every output; 0 (default) adds none. See `crate::problem::medium`.
    pub(crate) medium_um: f64,
}

impl BoundarySpec {
    /// Faces in the order of [`crate::problem::face`].
    pub(crate) fn faces(&self) -> [FaceSpec; 6] {
        [
            self.x_min, self.x_max, self.y_min, self.y_max, self.z_min, self.z_max,
        ]
    }
}

/// `[solver]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SolverSpec {
    /// `"multigrid"` (FAS multigrid: FMG, then F-cycles; default) or `"rbsor"` (red–black SOR).
    pub(crate) method: super::kinds::Method,
    /// Relative residual to stop at.
    pub(crate) tolerance: f64,
    /// Most iterations (multigrid cycles, or SOR sweeps) before giving up.
    pub(crate) max_iterations: u32,
    /// SOR factor in (0, 2) for `"rbsor"`; chosen from the grid when absent.
    pub(crate) omega: Option<f64>,
    /// SOR sweeps between residual checks (multigrid checks once per cycle, after its
    /// pre-smoothing).
    pub(crate) check_every: u32,
    /// Keep results that did not converge (or break the mass balance) instead of
    /// stopping with exit 1; `summary.json` and the log then say so. Default false.
    pub allow_unconverged: bool,
}

impl Default for SolverSpec {
    fn default() -> Self {
        // The defaults of `solver::SolveOptions`, which is built from this.
        SolverSpec {
            method: super::kinds::Method::Multigrid,
            tolerance: 1e-6,
            max_iterations: 20_000,
            omega: None,
            check_every: 25,
            allow_unconverged: false,
        }
    }
}

/// `[output]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputSpec {
    /// Write `o2.npy` and `vessels_sv.npy` with JSON sidecars.
    pub(crate) npy: bool,
    /// Write PNG slices through the block's centre (xy, xz, yz).
    pub(crate) png: bool,
    /// Colour limits of the PNG slices (mmHg).
    pub(crate) png_limits_mmhg: [f64; 2],
    /// Pixels per voxel edge in PNG slices.
    pub(crate) png_pixels_per_voxel: u32,
    /// Colour map of the PNG slices (`"viridis"`, `"magma"`, `"inferno"`, `"cividis"`,
    /// `"RdBu_r"`).
    pub(crate) colormap: crate::colormap::Colormap,
    /// Colour limits of the ROS slices (µM).
    pub(crate) png_limits_ros_um: [f64; 2],
    /// Colour limits of the antioxidant (GSH) slices (mM).
    pub(crate) png_limits_gsh_mm: [f64; 2],
    /// Write `fields.vti` (every field as a named array, µm spacing) for ParaView.
    pub(crate) vti: bool,
    /// Write a float32 ImageJ stack `NAME.tif` per field (µm calibration) for Fiji.
    pub(crate) tiff: bool,
}

impl Default for OutputSpec {
    fn default() -> Self {
        OutputSpec {
            npy: true,
            png: true,
            png_limits_mmhg: [0.0, 100.0],
            png_pixels_per_voxel: 4,
            colormap: crate::colormap::Colormap::VIRIDIS,
            png_limits_ros_um: [0.0, 0.1],
            png_limits_gsh_mm: [0.0, 7.0],
            vti: true,
            tiff: false,
        }
    }
}

mod d {
    pub(crate) fn seed() -> u64 {
        1
    }
    pub fn one() -> f64 {
        1.0
    }
    pub(crate) fn blood_po2() -> f64 {
        40.0
    }
}

/// The scenario's `protocol` key: `protocol = "file.toml"`, or a `[protocol]` table
/// holding what a protocol file holds (`schema_version` and all).
#[derive(Debug, Clone)]
pub enum ProtocolRef {
    /// A protocol file, relative to the scenario file.
    File(PathBuf),
    /// The protocol written in the scenario.
    Inline(Box<crate::protocol::schema::ProtocolFile>),
}

impl<'de> Deserialize<'de> for ProtocolRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = ProtocolRef;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a protocol file name, or a [protocol] table")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ProtocolRef, E> {
                Ok(ProtocolRef::File(PathBuf::from(v)))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<ProtocolRef, A::Error> {
                // Deserialised in place, so that errors keep their line and key.
                let spec = crate::protocol::schema::ProtocolFile::deserialize(
                    serde::de::value::MapAccessDeserializer::new(map),
                )?;
                Ok(ProtocolRef::Inline(Box::new(spec)))
            }
        }
        d.deserialize_any(V)
    }
}

/// `[figures]`: figures written into `OUT/figures/` during a run (the same ones
/// `oxyfield render` makes afterwards). Colour limits are `[output]`'s, fixed, so runs
/// compare.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct FiguresSpec {
    /// `o2_planes.png`: pO2 through the centre in xy, xz and yz, one colorbar.
    pub(crate) montage: bool,
    /// Plots as PNG and SVG: the pO2 histogram with the hypoxic volume histogram and
    /// pO2 against distance to the nearest vessel (every run); hypoxic fractions and
    /// mean pO2 over time (protocol runs).
    pub(crate) plots: bool,
    /// Protocol runs: `o2_xy_anim.png`, an animated PNG of the xy centre slice at the
    /// snapshot times (needs snapshots).
    pub(crate) animation: bool,
    /// Resolution (dots per inch).
    pub(crate) dpi: u32,
}

impl Default for FiguresSpec {
    fn default() -> Self {
        FiguresSpec {
            montage: true,
            plots: true,
            animation: true,
            dpi: 150,
        }
    }
}
